/*
 * veth.h — a virtual Ethernet pair, as Linux's drivers/net/veth.c: what one
 * end transmits the other receives, with the packet's offload metadata
 * (ip_summed, csum_start/offset, gso_size/type) untouched, so a container
 * behind a bridge in a client partition hands that bridge exactly what its
 * stack built (the "bridge in a partition" case of the 2020 and 2021
 * ibmveth reports).
 *
 * Serves the topology (containers: the container end runs a stack, the
 * partition end is a bridge port). Delivery is deferred to a task on the
 * loop, as veth_xmit hands the packet to the peer's backlog (netif_rx) and
 * the peer receives it in softirq context, so a transmit never recurses into
 * the receiver.
 */
#ifndef ILLAN_VETH_H
#define ILLAN_VETH_H

#include "ev/ev.h"
#include "net/netdev.h"

/* Counters of one end (beyond the standard ones). */
#define VETH_COUNTERS(X, T)                                                       \
	X(T, veth_peer_down, "veth: the other end was down (veth_xmit drops)", 0) \
	X(T, veth_backlog_full, "veth: the peer's backlog was full", 0)

struct veth_stats {
	VETH_COUNTERS(COUNTER_FIELD, _)
};
extern const struct counter_set veth_counters;

/* Most packets one end holds for its peer before dropping (netdev_max_backlog
 * is 1000 in Linux). */
#define VETH_BACKLOG 1000

/*
 * Create a registered pair named a and b, both closed, MTU 1500, with
 * Linux veth's features (scatter-gather, any checksum, TSO/TSO6, frag_list):
 * a packet crosses whole. pool: where each end allocates (dev->pool; the
 * caller's, outliving both). Returns 0 with *out_a and *out_b, or -errno
 * (nothing left behind). Free each end with netdev_free; freeing one end
 * detaches the other (its transmits then count veth_peer_down).
 */
int veth_create_pair(const char *a, const char *b, struct pkt_pool *pool, struct ev_loop *loop,
		     struct netdev **out_a, struct netdev **out_b);

/* The other end of dev, or NULL (detached, or not a veth). */
struct netdev *veth_peer(const struct netdev *dev);

#endif
