/*
 * real.h — real-traffic mode's data path: the kernels of network namespaces
 * become the seed topology's endpoints.
 *
 *   vm-a: eth0 (TAP) ══ tap-a ── VM A's ibmveth
 *   vm-b: eth0 (TAP) ══ tap-b ── VM B's ibmveth
 *   illan-io: phys0 (X's veth cable) ══ wire-x (AF_PACKET) ── physical NIC
 *
 * A TAP with virtio-net headers inside vm-a and vm-b is glued to VM A's and
 * VM B's adapter, so what the VM kernel sends goes out through its ibmveth,
 * offload metadata and all, and what the adapter receives goes up into that
 * kernel. An AF_PACKET socket on the IO server's end of host X's veth cable
 * is the physical NIC's wire. The namespaces and the cable must exist
 * (`illan netns up` makes them, with the names below).
 *
 * Serves the real-traffic daemon (src/cli/daemon.c) and `illan netns`
 * (src/cli/netns.c), which names what it makes from the REAL_* names.
 *
 * Lifecycle: real_create on a topology built with cfg.real (no built-in
 * stacks), real_destroy before topo_destroy. The TAPs are not persistent:
 * they go when their fds close, also if the process dies.
 */
#ifndef ILLAN_REAL_H
#define ILLAN_REAL_H

#include <stddef.h>
#include <stdint.h>

#include "topo.h"

#define REAL_NS_IO "illan-io"   /* the namespace of the IO server's cable end */
#define REAL_IFNAME "eth0"      /* the interface inside vm-a, vm-b, host-x */
#define REAL_WIRE_IF "phys0"    /* the IO server's end of X's cable, in illan-io */

/* The endpoints' namespaces, by enum topo_endpoint: vm-a, vm-b, host-x. */
extern const char *const real_ns_names[TOPO_N_EP];

struct netdev;

struct real {
	struct topo *topo;
	struct netdev *tap[2];     /* tap-a, tap-b: VM A's and VM B's kernel */
	struct netdev *wire;       /* wire-x: X's cable */
	unsigned tap_offloads[2];  /* the TUN_F_* bits each TAP was offered */
	uint64_t wire_rx_refused;  /* frames off the cable the NIC did not take */
};

/*
 * Glue the namespaces' kernels to t (built with cfg.real; the MTU is
 * t->cfg.mtu): create both TAPs and the wire, set the rx handlers, give
 * each VM adapter the IPv6 multicast groups its kernel joins, make the
 * trunks promiscuous. Needs CAP_NET_ADMIN and CAP_SYS_ADMIN. Returns the
 * glue, or NULL with a reason in err (nothing left attached). t stays the
 * caller's and must outlive the glue.
 */
struct real *real_create(struct topo *t, char *err, size_t err_size);

/*
 * As real_create, but with no kernel: the TAPs of vm-a and vm-b and the wire
 * read and write fds[0], fds[1] and fds[2] — datagram sockets whose peers
 * play the kernels (one frame with its virtio-net header per datagram; see
 * tap_config.adopt_fd) — so the whole real-mode read path runs without root
 * or namespaces (the TAP/AF_PACKET fuzz target, tests). Takes the three
 * fds, also on failure.
 */
struct real *real_create_on(struct topo *t, const int fds[3], char *err, size_t err_size);

/* Detach t's devices from the TAPs and the wire and free those (the
 * multicast groups and the trunks' promiscuity stay). NULL is a no-op. */
void real_destroy(struct real *r);

/* Visit every counter of the TAPs and the wire:
 * fn(arg, "tap-a", "rx_packets", 12). The glue's own wire_rx_refused is
 * not visited (the caller reports it where it wants). */
void real_for_each_counter(const struct real *r,
			   void (*fn)(void *arg, const char *obj, const char *name, uint64_t v),
			   void *arg);

#endif
