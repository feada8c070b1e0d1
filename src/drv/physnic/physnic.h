/*
 * physnic.h — a physical Ethernet NIC as Linux drives one: transmit with
 * hardware checksum offload and TSO, receive through an rx ring and a
 * NAPI-style poll that checks L4 checksums as rx-csum hardware does and runs
 * GRO (so forwarded TCP arrives as super-packets: 18 segments in page
 * fragments, more on a frag_list, the seed's issue 4). The wire is pluggable: linked back to back with another physnic
 * (embedded mode, "host X" is a physnic with no offloads), or any backend
 * that sends and receives plain frames (real mode: an AF_PACKET socket).
 *
 * Serves the topology (the IO server's uplink and the external host) and the
 * bridge, which sees it as one more netdev port.
 *
 * Lifecycle: physnic_create allocates and registers the netdev (closed);
 * netdev_open brings it up; netdev_free stops it, drops what is queued in
 * the rx ring and unlinks it from its peer. Ownership: start_xmit takes
 * every packet; frames are copied off the wire into packets from the pool
 * given at creation, which the rx handler then owns.
 *
 * Counters (netdev_get_counter, netdev_for_each_counter): the standard
 * ones, PHYSNIC_COUNTERS below, then GRO's (GRO_COUNTERS, pkt/gro.h).
 */
#ifndef ILLAN_PHYSNIC_H
#define ILLAN_PHYSNIC_H

#include <stdbool.h>
#include <stdint.h>
#include "ev/counter.h"
#include "ev/ev.h"
#include "net/netdev.h"
#include "pkt/pkt.h"

/* The NIC's own counters (src/ev/counter.h). */
#define PHYSNIC_COUNTERS(X, T)                                                  \
	X(T, rx_wire_frames, NULL, 0)                                           \
	/* rx-csum hardware found the L4 checksum good / bad (bad goes up as */ \
	/* CHECKSUM_NONE, for the stack to judge) */                            \
	X(T, rx_csum_good, NULL, 0)                                             \
	X(T, rx_csum_bad, NULL, 0)                                              \
	/* of rx_csum_good: checksums the wire had just computed right, */      \
	/* taken as good without summing again (pkt.h csum_by_wire) */          \
	X(T, rx_csum_wire_trusted, NULL, 0)                                     \
	X(T, rx_length_errors, "frame of a bad length on the wire", 0)          \
	X(T, rx_ring_full, "NIC receive ring full", 0)                          \
	X(T, rx_alloc_failures, "NIC had no packet buffer", 0)                  \
	X(T, rx_down_drops, "NIC was down", 0)                                  \
	X(T, napi_polls, NULL, 0)                                               \
	/* TCP checksums GRO verified in software (no rx-csum hardware) */      \
	X(T, gro_sw_csum, NULL, 0)                                              \
	X(T, tx_wire_frames, NULL, 0)                                           \
	X(T, tx_wire_bytes, NULL, 0)                                            \
	X(T, tx_hw_csum, NULL, 0)                                               \
	X(T, hw_tso_packets, NULL, 0)                                           \
	X(T, hw_tso_segments, NULL, 0)                                          \
	X(T, tx_no_carrier, "no wire on the NIC", 0)                            \
	X(T, tx_wire_errors, "the wire refused a frame", 0)                     \
	/* a GSO packet that was not PARTIAL (segmented all the same) */        \
	X(T, tx_bad_offload, NULL, 0)                                           \
	/* frames padded to PHYSNIC_MIN_FRAME */                                \
	X(T, tx_padded, NULL, 0)

struct physnic_stats {
	PHYSNIC_COUNTERS(COUNTER_FIELD, _)
};
/* The set of struct physnic_stats (kind "physnic"). */
extern const struct counter_set physnic_counters;

#define PHYSNIC_RX_RING_DEFAULT 512
#define PHYSNIC_NAPI_BUDGET_DEFAULT 64
#define PHYSNIC_MIN_FRAME 60 /* ETH_ZLEN: shorter frames are padded on the wire */

struct physnic_config {
	bool tx_csum;          /* NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM (TCP/UDP only) */
	bool tso;              /* NETIF_F_TSO | NETIF_F_TSO6 (needs tx_csum and SG) */
	bool rx_csum;          /* NETIF_F_RXCSUM: verify TCP/UDP checksums on receive */
	bool gro;              /* NETIF_F_GRO */
	unsigned mtu;          /* default 1500 */
	unsigned rx_ring_size; /* frames the ring holds before dropping */
	unsigned napi_budget;  /* frames per poll before yielding */
	/* Deferred GRO flush, the device's sysfs gro_flush_timeout (ns) and
	 * napi_defer_hard_irqs; 0/0 (the kernel's defaults) flush at the end
	 * of every poll. With a timeout, a poll that ends with flows held
	 * flushes only those of older jiffies and polls again after it (and
	 * keeps the receive interrupt masked for napi_defer_hard_irqs polls,
	 * so frames wait for that poll). */
	uint64_t gro_flush_timeout_ns;
	uint32_t napi_defer_hard_irqs;
	uint8_t mac[6]; /* all-zero: a locally administered address is made up */
};

/* Fill cfg with the defaults of a modern server NIC: tx_csum, tso, rx_csum
 * and gro on, MTU 1500, ring PHYSNIC_RX_RING_DEFAULT, budget
 * PHYSNIC_NAPI_BUDGET_DEFAULT, MAC made up. */
void physnic_config_init(struct physnic_config *cfg);

/* Fill cfg as an offload-less endpoint NIC ("host X"): every offload and GRO
 * off, the other defaults as physnic_config_init. */
void physnic_config_init_plain(struct physnic_config *cfg);

/*
 * Create and register a physnic. pool: where received frames are copied
 * (must outlive the device); loop: where the NAPI poll runs; cfg: NULL for
 * physnic_config_init defaults (copied). The device is closed and has no
 * wire (transmits count tx_no_carrier) until linked or given one.
 * Returns the netdev or NULL (bad config, allocation failure).
 */
struct netdev *physnic_create(const char *name, struct pkt_pool *pool, struct ev_loop *loop,
			      const struct physnic_config *cfg);

/* True if dev was made by physnic_create. */
bool physnic_is_physnic(const struct netdev *dev);

/*
 * Connect two physnics back to back (embedded mode): what one transmits the
 * other receives. Either may already be linked elsewhere; the old links are
 * cut. Returns 0 or -EINVAL (not physnics, or a == b).
 */
int physnic_link(struct netdev *a, struct netdev *b);

/*
 * Give dev an external wire (real mode): each transmitted frame is handed to
 * send(arg, frame, len) as plain bytes, checksums complete and segments cut;
 * send returns 0 or -errno (counted in tx_wire_errors). send NULL removes the
 * wire. Cuts any back-to-back link.
 */
void physnic_set_wire(struct netdev *dev,
		      int (*send)(void *arg, const uint8_t *frame, uint32_t len), void *arg);

/*
 * A frame arrived from the wire: copy it into a packet from the NIC's pool,
 * queue it on the rx ring and schedule the NAPI poll. Refused and counted
 * when the device is down (rx_down_drops, -ENETDOWN), the frame is shorter
 * than an Ethernet header or longer than MTU + Ethernet + one VLAN tag
 * (rx_length_errors, -EINVAL), the ring is full (rx_ring_full, -ENOBUFS) or
 * the pool is empty (rx_alloc_failures, -ENOMEM); -EINVAL when dev is not a
 * physnic. Returns 0 when queued.
 */
int physnic_wire_receive(struct netdev *dev, const uint8_t *frame, uint32_t len);

/*
 * As physnic_wire_receive, for a frame already in a packet; takes p (freed
 * when refused). A linear packet from the NIC's own pool is queued as it is
 * — its bytes are where the NIC's DMA would have put them (real mode's wire
 * reads and cuts frames straight into the IO server's memory) — so the copy
 * is saved; any other packet is copied as physnic_wire_receive copies. Its
 * metadata is reset either way: a wire delivers bytes only.
 */
int physnic_wire_receive_pkt(struct netdev *dev, struct pkt *p);

/* Frames waiting in the rx ring (for tests and stats); 0 for another device. */
unsigned physnic_rx_pending(const struct netdev *dev);

/* Free slots in the rx ring (what the wire may bring before the next poll);
 * 0 for another device. */
unsigned physnic_rx_room(const struct netdev *dev);

#endif
