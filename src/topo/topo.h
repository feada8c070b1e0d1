/*
 * topo.h — building the seed topology: partitions VM A, VM B and the IO
 * server on one hypervisor; client ibmveth adapters in A and B; trunk-in and
 * trunk-out ibmveth trunks in the IO server with the OVS-style bridge between
 * them and the physical NIC; an external host X beyond the NIC. All on one
 * event loop; deterministic from a seed number.
 *
 * Serves the CLI (`illan run`, `illan matrix`, `illan bench`, the real-traffic
 * daemon) and scenario tests. In embedded mode the endpoints are built-in
 * stacks (src/stack); in real mode the caller attaches TAP devices to vm_a and
 * vm_b and an AF_PACKET wire to phys instead.
 *
 *   VM A (VLAN 10) ─┐                              ┌─ VM B (VLAN 20)
 *                 hv vswitch 0 (VEPA by default)
 *   trunk-in (PVID 10) ── bridge "ovs0" ── trunk-out (PVID 20)
 *                            │
 *                          phys ══ wire ══ X's NIC ── host X
 *
 * Addresses (documentation ranges, never routed): A 192.0.2.1 / 2001:db8::1,
 * B 192.0.2.2 / 2001:db8::2, X 192.0.2.3 / 2001:db8::3, one /24 and /64.
 */
#ifndef ILLAN_TOPO_H
#define ILLAN_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct hv;
struct hv_partition;
struct netdev;
struct br;
struct stack;
struct pkt_pool;

enum topo_endpoint { TOPO_EP_A, TOPO_EP_B, TOPO_EP_X, TOPO_N_EP };

struct topo_config {
	unsigned fixes;   /* IBMVETH_FIX_* bits; default all */
	bool no_offload;  /* every adapter and NIC without CSO/LSO (the baseline) */
	unsigned mtu;     /* every device; default 1500 */
	uint64_t seed;    /* deterministic choices (ports, ISNs, patterns) */
	bool gro;         /* the IO server NIC's GRO; default on */
	bool linux_bridge; /* Linux-bridge style instead of OVS-style */
	bool veb;         /* hypervisor switch in VEB instead of VEPA mode */
	bool real;        /* no built-in stacks: the caller attaches endpoints */
	bool monotonic;   /* real clock (real mode) instead of the virtual one */
};

/* Defaults: all fixes, offloads on, MTU 1500, GRO, OVS, VEPA, embedded. */
void topo_config_default(struct topo_config *cfg);

struct topo {
	struct topo_config cfg;
	struct ev_loop *loop;
	struct hv *hv;
	struct hv_partition *part[3]; /* A, B, IO server */
	struct netdev *vm_a, *vm_b;   /* client adapters */
	struct netdev *trunk_in, *trunk_out;
	struct netdev *phys;          /* the IO server's physical NIC */
	struct netdev *x_nic;         /* host X's NIC (embedded mode) */
	struct br *br;
	struct stack *stack[TOPO_N_EP]; /* embedded mode */
	struct pkt_pool *x_pool;        /* host X's memory (not a partition) */
	/* The four ILLAN adapters: device, unit address, partition. */
	struct netdev *ua_dev[4];
	uint64_t ua[4];
	struct hv_partition *ua_part[4];
	uint8_t mac[TOPO_N_EP][6];
	uint8_t ip4[TOPO_N_EP][4];
	uint8_t ip6[TOPO_N_EP][16];
};

/* Build the topology, adapters opened and traffic able to flow. On failure
 * returns NULL and writes a reason into err. */
struct topo *topo_seed_create(const struct topo_config *cfg, char *err, size_t err_size);
/* Tear down everything; returns the number of packets still outstanding in
 * any pool (0 when nothing leaked). */
uint64_t topo_destroy(struct topo *t);

/* Visit every named counter of every device, the bridge, the hypervisor
 * adapters and the stacks: fn(arg, "trunk-out", "sw_gso_segments", 12). */
void topo_for_each_counter(struct topo *t,
			   void (*fn)(void *arg, const char *obj, const char *name, uint64_t v),
			   void *arg);
/* Sum of a counter over every object that has it. */
uint64_t topo_counter_sum(struct topo *t, const char *name);
/* One object's counter (0 if unknown). */
uint64_t topo_counter(struct topo *t, const char *obj, const char *name);

#endif
