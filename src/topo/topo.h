/*
 * topo.h — building any topology from its description (desc.h): partitions
 * on one hypervisor, their ibmveth adapters (clients and trunks), bridges in
 * IO servers, physical NICs and their wires, external hosts, the built-in
 * stacks of the endpoints, and the description's timed events on the loop.
 * All on one event loop; deterministic from a seed number.
 *
 * The seed topology is one description among others (examples/seed.yaml,
 * built into the binary):
 *
 *   VM A (VLAN 10) ─┐                              ┌─ VM B (VLAN 20)
 *                 hv vswitch 0 (VEPA by default)
 *   trunk-in (PVID 10) ── bridge "ovs0" ── trunk-out (PVID 20)
 *                            │
 *                          phys ══ wire ══ X's NIC ── host X
 *
 * Addresses (documentation ranges, never routed): A 192.0.2.1 / 2001:db8::1,
 * B 192.0.2.2 / 2001:db8::2, X 192.0.2.3 / 2001:db8::3, one /24 and /64.
 *
 * Serves the CLI (`illan run`, `illan matrix`, `illan bench`, the real-traffic
 * daemon) and scenario tests. In embedded mode the endpoints are built-in
 * stacks (src/stack); in real mode (cfg.real) no stack and no external host
 * is built: the caller attaches TAP devices and AF_PACKET wires instead.
 */
#ifndef ILLAN_TOPO_H
#define ILLAN_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "desc.h"
#include "ev/counter.h"

struct ev_loop;
struct hv;
struct hv_partition;
struct netdev;
struct br;
struct stack;
struct pkt_pool;

/* The seed's endpoints, in the order examples/seed.yaml declares them. */
enum topo_seed_ep { TOPO_EP_A, TOPO_EP_B, TOPO_EP_X, TOPO_N_EP };

/* Options of a run. They override the description where they apply: each
 * "force" flag forces its setting on every object, and a nonzero mtu or a
 * fixes value other than TOPO_FIXES_FILE replaces the file's. A fixes value
 * selects the seed generation v4.15 with that fix set when driver is NULL;
 * with a driver, only v4.15 takes one other than IBMVETH_FIX_ALL (the
 * others have their kernel's fixes: topo_create refuses). */
#define TOPO_FIXES_FILE 0x80000000u
struct topo_config {
	unsigned fixes;     /* IBMVETH_FIX_* bits for every illan driver, or TOPO_FIXES_FILE */
	bool no_offload;    /* every adapter and NIC without CSO/LSO (the baseline) */
	unsigned mtu;       /* every device; 0: each device's own (default 1500) */
	uint64_t seed;      /* deterministic choices (ports, ISNs, patterns); 0: the file's */
	bool gro;           /* false: GRO off on every NIC; true: as the file says */
	bool linux_bridge;  /* every bridge Linux-bridge style */
	bool veb;           /* every hypervisor switch in VEB mode */
	bool real;          /* no built-in stacks or hosts: the caller attaches endpoints */
	bool monotonic;     /* real clock (real mode) instead of the virtual one */
	const char *driver; /* every adapter's driver ("illan", a generation "v4.13".."current",
			     * "kernel-6.1"), or NULL: the file's */
};

/* Defaults: everything as the description says (fixes TOPO_FIXES_FILE,
 * mtu 0, seed 0, gro true), embedded, virtual clock. */
void topo_config_default(struct topo_config *cfg);

enum topo_dev_kind {
	TOPO_DEV_ADAPTER,     /* an ILLAN adapter with its driver */
	TOPO_DEV_NIC,         /* a physical NIC of a partition or an external host */
	TOPO_DEV_VETH,        /* either end of a container's veth pair */
	TOPO_DEV_SWITCH_PORT, /* a port of an external switch (a plain NIC) */
};

/* A device the topology built. */
struct topo_dev {
	struct netdev *dev;
	enum topo_dev_kind kind;
	bool is_adapter;                        /* kind == TOPO_DEV_ADAPTER */
	const struct topo_adapter *adapter;     /* adapters */
	const struct topo_nic *nic;             /* NICs */
	const struct topo_container *container; /* veth ends */
	int part;                               /* partition index, -1 for none (hosts, switches) */
	struct hv_partition *hvp;               /* adapters */
	uint64_t ua;                            /* adapters: unit address */
};

/* An endpoint: a built-in stack (embedded mode) on one device. */
struct topo_ep {
	char name[TOPO_NAME_MAX];    /* "A" */
	char display[TOPO_NAME_MAX]; /* "VM A" */
	struct netdev *dev;
	struct stack *stack; /* NULL in real mode */
	uint8_t mac[6];
	uint8_t ip4[4], ip6[16];
	struct topo_addr addr;
};

struct topo_event_rt; /* topo.c */

struct topo {
	struct topo_config cfg;
	struct topo_desc *desc; /* owned */
	struct ev_loop *loop;
	struct hv *hv;
	struct hv_partition **parts; /* desc->n_parts */
	struct topo_dev *devs;       /* adapters (declaration order), then NICs */
	unsigned n_devs;
	struct br **brs; /* desc->n_bridges, then one per external switch */
	unsigned n_brs;
	struct topo_ep *eps;
	unsigned n_eps;
	struct pkt_pool **host_pools;   /* desc->n_hosts: external hosts' memory */
	struct pkt_pool **nic_pools;    /* per NIC in a partition without adapters */
	struct pkt_pool **part_pools;   /* per partition without adapters (its veths) */
	struct pkt_pool **switch_pools; /* desc->n_switches: external switches' memory */
	struct topo_event_rt *events;
	unsigned n_events_fired;
	/* The seed's objects, found by name (NULL when a topology lacks them):
	 * what real mode and older callers reach directly. */
	struct netdev *vm_a, *vm_b, *trunk_in, *trunk_out, *phys;
	struct br *br; /* the first bridge */
};

/* Build the topology of desc (taken over: freed by topo_destroy, or here on
 * failure), adapters opened, NICs linked, stacks up, events scheduled on the
 * loop. cfg may be NULL (defaults). On failure returns NULL and writes a
 * reason into err, naming the object and where the file declared it. */
struct topo *topo_create(struct topo_desc *desc, const struct topo_config *cfg, char *err,
			 size_t err_size);
/* The seed topology (examples/seed.yaml, built in). */
struct topo *topo_seed_create(const struct topo_config *cfg, char *err, size_t err_size);
/* Tear down everything; returns the number of packets still outstanding in
 * any pool (0 when nothing leaked). NULL is allowed. */
uint64_t topo_destroy(struct topo *t);

/* The device named name, or NULL. */
struct topo_dev *topo_find_dev(struct topo *t, const char *name);
/* The endpoint named name ("A"), or -1. */
int topo_find_ep(const struct topo *t, const char *name);

/* A visitor of every counter of every object: obj names the object
 * ("trunk-out", "hv:trunk-out", "ovs0", "A", "hv-part:ios"), d the counter
 * (its name, drop phrase and flags). */
typedef void topo_counter_fn(void *arg, const char *obj, const struct counter_desc *d, uint64_t v);
/* Visit every named counter of every device, the bridges, the hypervisor
 * adapters and partitions, and the stacks, in a stable order. */
void topo_for_each_counter(struct topo *t, topo_counter_fn *fn, void *arg);
/* Sum of a counter over every object that has it; fails the caller's
 * assumption loudly: a name no object has is an error (-ENOENT) rather than
 * a silent 0. Returns 0 and the sum in *v, or -ENOENT. */
int topo_counter_sum_checked(struct topo *t, const char *name, uint64_t *v);
int topo_counter_checked(struct topo *t, const char *obj, const char *name, uint64_t *v);
/* As the _checked forms, for callers that know the name exists; an unknown
 * name aborts the process with a message (a misspelled counter in a test
 * must fail that test, not read as 0). */
uint64_t topo_counter_sum(struct topo *t, const char *name);
uint64_t topo_counter(struct topo *t, const char *obj, const char *name);

#endif
