/*
 * real.h — real-traffic mode's data path: the kernels of network namespaces
 * become a topology's endpoints, as a lab plan names them (lab.h).
 *
 *   partition P:  ethN (TAP) ══ tap-<ep> ── the endpoint's ibmveth adapter
 *   host H:       eth0 ═ veth ═ <nic>N in the IO namespace ══ wire-<ep> (AF_PACKET)
 *                                   ── the NIC H's cable plugs into, or a port
 *                                      made for H on the external switch it names
 *
 * For the seed's default lab that is: vm-a and vm-b's eth0 behind tap-a and
 * tap-b, glued to VM A's and VM B's adapters; host-x's eth0 cabled to phys0
 * in illan-io, whose AF_PACKET socket wire-x is the IO server's physical
 * NIC's wire. A TAP with virtio-net headers is glued to each endpoint
 * adapter, so what the partition's kernel sends goes out through its
 * ibmveth, offload metadata and all, and what the adapter receives goes up
 * into that kernel. The namespaces and the cables must exist (`illan netns
 * up` makes them, with the plan's names).
 *
 * Serves the real-traffic daemon (src/cli/daemon.c).
 *
 * Lifecycle: real_create on a topology built with cfg.real (no built-in
 * stacks, no external hosts' NICs), real_destroy before topo_destroy. The
 * TAPs are not persistent: they go when their fds close, also if the
 * process dies.
 */
#ifndef ILLAN_REAL_H
#define ILLAN_REAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab.h"
#include "topo.h"

struct netdev;
struct br;
struct real;

/* A TAP glued to an endpoint adapter. */
struct real_tap {
	const struct lab_link *link;
	struct netdev *tap;     /* the TAP (link->dev) */
	struct netdev *adapter; /* the partition's ibmveth adapter (link->attach) */
	unsigned offloads;      /* the TUN_F_* bits it was offered */
};

/* An AF_PACKET wire: a host's cable, glued to the NIC it plugs into. */
struct real_wire {
	struct real *r;
	const struct lab_link *link;
	struct netdev *wire; /* the AF_PACKET device (link->dev) */
	struct netdev *nic;  /* the IO server's NIC, or the switch port made for the host */
	struct br *sw;       /* the external switch when the port is ours, else NULL */
};

struct real {
	struct topo *topo;
	const struct lab *lab;
	struct real_tap *taps;
	unsigned n_taps;
	struct real_wire *wires;
	unsigned n_wires;
	uint64_t wire_rx_refused; /* frames off the cables the NICs did not take */
};

/*
 * Glue the namespaces' kernels to t (built with cfg.real) as lab (planned
 * from t's description) names them: a TAP per TAP link in its namespace,
 * with the adapter's MAC, MTU and offloads; an AF_PACKET wire per wire link
 * in the IO namespace, glued to the NIC it names or to a new port of the
 * switch it names; the rx handlers; each endpoint adapter given the IPv6
 * multicast groups its kernel joins; every adapter that is a bridge port
 * made promiscuous. Needs CAP_NET_ADMIN and CAP_SYS_ADMIN. Returns the glue,
 * or NULL with a reason in err (nothing left attached). t and lab stay the
 * caller's and must outlive the glue.
 */
struct real *real_create(struct topo *t, const struct lab *lab, char *err, size_t err_size);

/*
 * As real_create, but with no kernel: link i of lab (the TAPs in adapter
 * order, then the hosts' cables) reads and writes fds[i] — datagram
 * sockets whose peers play the kernels (one frame with its virtio-net
 * header per datagram; see tap_config.adopt_fd) — so the whole real-mode
 * read path runs without root or namespaces (the TAP/AF_PACKET fuzz target,
 * tests). n_fds must be lab->n_links. Takes the fds, also on failure.
 */
struct real *real_create_on(struct topo *t, const struct lab *lab, const int *fds, unsigned n_fds,
			    char *err, size_t err_size);

/* Detach t's devices from the TAPs and the wires, free those and the
 * switch ports made for hosts (the multicast groups and the adapters'
 * promiscuity stay). NULL is a no-op. */
void real_destroy(struct real *r);

/* Visit every counter of the TAPs, the wires and the switch ports made for
 * hosts: fn(arg, "tap-a", "rx_packets", 12). The glue's own wire_rx_refused
 * is not visited (the caller reports it where it wants). */
void real_for_each_counter(const struct real *r, topo_counter_fn *fn, void *arg);

#endif
