/*
 * netdev.h — the network device: features with Linux's names, an ops table,
 * a receive hook to whatever sits above (a bridge port or a host stack),
 * counters (the standard set and the driver's sets, src/ev/counter.h), and
 * dev_queue_xmit with validate_xmit as Linux runs it before calling a driver.
 *
 * Serves the concrete devices (src/drv/..., which fill in ops and features),
 * the bridge (ports are netdevs) and the stack (its interfaces are netdevs).
 *
 * Lifecycle: a driver allocates a struct netdev with netdev_alloc (its
 * private state follows in priv), fills ops, features and hw_features,
 * registers its counter sets (netdev_add_counter_set) and calls
 * netdev_register. netdev_open/stop call the ops. Ownership: every
 * packet given to dev_queue_xmit or ops->start_xmit is taken, success or not.
 * Packets a driver receives go up through netdev_receive to the rx handler.
 */
#ifndef ILLAN_NETDEV_H
#define ILLAN_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ev/counter.h"
#include "pkt/pkt.h"

/* Feature bits (Linux's NETIF_F_* names, our own values). */
#define NETIF_F_SG (1u << 0)
#define NETIF_F_IP_CSUM (1u << 1)   /* TCP/UDP over IPv4 checksum on transmit */
#define NETIF_F_IPV6_CSUM (1u << 2) /* TCP/UDP over IPv6 */
#define NETIF_F_HW_CSUM (1u << 3)   /* any csum_start/csum_offset */
#define NETIF_F_RXCSUM (1u << 4)
#define NETIF_F_TSO (1u << 5)
#define NETIF_F_TSO6 (1u << 6)
#define NETIF_F_FRAGLIST (1u << 7)
#define NETIF_F_GSO (1u << 8) /* software GSO allowed (always, as Linux) */
#define NETIF_F_GRO (1u << 9)
#define NETIF_F_TSO_ECN (1u << 10)      /* TSO of SKB_GSO_TCP_ECN packets */
#define NETIF_F_TSO_MANGLEID (1u << 11) /* TSO may change a fixed IPv4 ID */
#define NETIF_F_CSUM_MASK (NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM | NETIF_F_HW_CSUM)
#define NETIF_F_TSO_MASK (NETIF_F_TSO | NETIF_F_TSO6)
/* All segmentation features (Linux's NETIF_F_GSO_MASK for what we model). */
#define NETIF_F_GSO_MASK (NETIF_F_TSO_MASK | NETIF_F_TSO_ECN | NETIF_F_TSO_MANGLEID)
/* Features netdev_register turns on for every device (NETIF_F_SOFT_FEATURES). */
#define NETIF_F_SOFT_FEATURES (NETIF_F_GSO | NETIF_F_GRO)

#define NETDEV_NAME_MAX 32
#define NETDEV_MAX_COUNTER_SETS 4

/*
 * What start_xmit answers. Always NETDEV_TX_OK: the driver has taken the
 * packet, sent or dropped and counted. Linux's NETDEV_TX_BUSY ("not taken,
 * requeue it") is not modelled: there is no qdisc to requeue to, and a
 * driver that cannot send now drops and counts (ibmveth tx_send_failed, the
 * TAP's tx_busy), so the packet always has exactly one owner.
 */
enum netdev_tx { NETDEV_TX_OK = 0 };

struct netdev;
struct prof_section;

struct netdev_ops {
	int (*open)(struct netdev *dev);
	int (*stop)(struct netdev *dev);
	/* Takes p, sent or dropped and counted. Returns NETDEV_TX_OK. */
	enum netdev_tx (*start_xmit)(struct netdev *dev, struct pkt *p);
	/* Program the device for `features` (already fixed up, see
	 * netdev_set_features). Returns 0, and the core then sets
	 * dev->features = features (as __netdev_update_features), or -errno,
	 * and dev->features stays as the driver left it (it may clear what it
	 * failed to turn on). The driver does not assign dev->features on
	 * success. NULL: the core assigns them. */
	int (*set_features)(struct netdev *dev, uint32_t features);
	int (*change_mtu)(struct netdev *dev, unsigned mtu);
	int (*set_mac_address)(struct netdev *dev, const uint8_t mac[6]);
	/* Called by netdev_set_rx_mode after mc list/promisc changes. */
	void (*set_rx_mode)(struct netdev *dev);
	void (*destroy)(struct netdev *dev); /* free driver state */
	/* As ndo_fix_features: adjust a wanted feature set to what the device
	 * can do together (e.g. ibmveth: no RXCSUM means no tx checksum).
	 * NULL: no driver constraint. */
	uint32_t (*fix_features)(struct netdev *dev, uint32_t features);
	/* The driver's transmit section (ev/prof.h): dev_queue_xmit charges
	 * each start_xmit to it. NULL: not profiled. */
	struct prof_section *tx_prof;
};

/*
 * Standard statistics: rtnl_link_stats64's names, then what validate_xmit
 * does in software. One list gives the field, the name `illan stats` and
 * netdev_get_counter use, and the words for a drop (src/ev/counter.h).
 */
#define NETDEV_COUNTERS(X, T)                                                         \
	X(T, rx_packets, NULL, 0)                                                     \
	X(T, rx_bytes, NULL, 0)                                                       \
	X(T, rx_dropped, "received with nobody above the device", 0)                  \
	X(T, rx_errors, "receive error at the device (bad frame, header or read)", 0) \
	X(T, tx_packets, NULL, 0)                                                     \
	X(T, tx_bytes, NULL, 0)                                                       \
	X(T, tx_dropped, "transmit dropped", 0)                                       \
	X(T, tx_errors, "transmit error at the device", 0)                            \
	/* segments validate_xmit produced in software */                             \
	X(T, sw_gso_segments, NULL, 0)                                                \
	/* packets it had to segment */                                               \
	X(T, sw_gso_packets, NULL, 0)                                                 \
	/* checksums it completed in software */                                      \
	X(T, sw_checksums, NULL, 0)                                                   \
	/* packets it linearized */                                                   \
	X(T, linearized, NULL, 0)                                                     \
	/* its failures (packet freed) */                                             \
	X(T, xmit_errors, "validate_xmit failed (software GSO or checksum)", 0)

struct netdev_stats {
	NETDEV_COUNTERS(COUNTER_FIELD, _)
};
/* The set of struct netdev_stats (kind "netdev"). */
extern const struct counter_set netdev_counters;

/* A driver's counter set registered on a device: set describes the struct
 * at base (the driver's own, living as long as the device). */
struct netdev_counter_set {
	const struct counter_set *set;
	const void *base;
};

#define NETDEV_MAX_MC 32

struct netdev {
	char name[NETDEV_NAME_MAX];
	int ifindex;
	uint8_t mac[6];
	unsigned mtu, min_mtu, max_mtu;
	uint32_t features;        /* what is on now */
	uint32_t hw_features;     /* what may be toggled */
	uint32_t wanted_features; /* what the user asked for (netdev_set_features) */
	/* Features for packets carrying an 802.1Q tag (in-band or vlan_present),
	 * as Linux's vlan_features: 0 unless the driver sets it, so tagged
	 * packets are checksummed and segmented in software (ibmveth sets none). */
	uint32_t vlan_features;
	bool up;
	bool promisc;
	uint8_t mc_list[NETDEV_MAX_MC][6];
	unsigned n_mc;
	const struct netdev_ops *ops;
	struct pkt_pool *pool; /* where this device's packets come from */

	/* receive hook: who gets packets this device receives */
	void (*rx_handler)(void *arg, struct netdev *dev, struct pkt *p);
	void *rx_handler_arg;
	struct prof_section *rx_handler_prof; /* see netdev_set_rx_prof */

	struct netdev_stats stats;
	/* the driver's counters (netdev_add_counter_set), visited after stats */
	struct netdev_counter_set counter_sets[NETDEV_MAX_COUNTER_SETS];
	unsigned n_counter_sets;

	void *priv; /* driver state, allocated after the struct */
};

/* Allocate a zeroed netdev named name (truncated to NETDEV_NAME_MAX - 1)
 * with priv_size bytes of driver state at dev->priv (max-aligned; NULL when
 * priv_size is 0). Defaults as ether_setup: MTU 1500 in [68, 65535]. NULL on
 * failure. */
struct netdev *netdev_alloc(const char *name, size_t priv_size);
/* Assign an ifindex and enter the registry; after this the device may be
 * opened. As register_netdevice, adds NETIF_F_SOFT_FEATURES to features and
 * hw_features and runs one feature update (netdev_set_features with the
 * current features), so a driver's fix_features and the generic rules (TSO
 * needs SG and a checksum feature) apply from the start. Returns 0, -EEXIST
 * (name or device already registered), -EINVAL (no device or no name) or
 * -ENOMEM. */
int netdev_register(struct netdev *dev);
/* Stop if up, leave the registry, call ops->destroy, free. NULL is allowed. */
void netdev_free(struct netdev *dev);
/* Bring dev up through ops->open, then program its receive filters
 * (ops->set_rx_mode), as __dev_open. Returns 0 (also if already up) or
 * ops->open's error, the device staying down. */
int netdev_open(struct netdev *dev);
/* Take dev down through ops->stop. Returns 0 (also if already down) or its
 * error; the device counts as down either way, as dev_close. */
int netdev_stop(struct netdev *dev);
/* As netdev_update_features: wanted & hw_features (plus fixed bits), fixed up
 * (ops->fix_features, then TSO needs SG and a checksum feature for its
 * family), then, if anything changed, ops->set_features; on its success (or
 * without one) dev->features becomes the fixed-up set. Returns 0 (also when
 * nothing changed) or the driver's -errno. */
int netdev_set_features(struct netdev *dev, uint32_t wanted);
/* Set the MTU, which must lie in [min_mtu, max_mtu] (else -EINVAL), through
 * ops->change_mtu (which assigns dev->mtu itself) or, without one, by
 * assigning it. Returns 0, -EINVAL or the driver's error. */
int netdev_set_mtu(struct netdev *dev, unsigned mtu);
/* Change the MAC through ops->set_mac_address (which assigns dev->mac
 * itself) or, without one, by assigning it. Returns 0 or the driver's
 * error. */
int netdev_set_mac(struct netdev *dev, const uint8_t mac[6]);
/* Add a multicast address (no-op if present; -ENOSPC when the list is full,
 * -EINVAL for a unicast address) and call ops->set_rx_mode. */
int netdev_mc_add(struct netdev *dev, const uint8_t mac[6]);
/* Switch promiscuous mode and call ops->set_rx_mode. */
void netdev_set_promisc(struct netdev *dev, bool on);

/* Register a driver's counters: set describes the struct at base, which
 * must outlive dev (usually it lives in dev->priv). Every name becomes
 * visible to netdev_get_counter and netdev_for_each_counter. Returns 0,
 * -EINVAL (a NULL argument), -ENOSPC (NETDEV_MAX_COUNTER_SETS reached) or
 * -EEXIST (a name of set is already a standard or registered counter of
 * dev; nothing is registered then). */
int netdev_add_counter_set(struct netdev *dev, const struct counter_set *set, void *base);
/* Look a counter up by name among the standard ones and every registered
 * set. Returns false (and leaves *value) if unknown. */
bool netdev_get_counter(const struct netdev *dev, const char *name, uint64_t *value);
/* Visit every counter once, with its descriptor (name, drop phrase, flags)
 * and value: the standard ones (netdev_counters) first, then each set in
 * the order registered. */
void netdev_for_each_counter(const struct netdev *dev, counter_visit_fn *fn, void *arg);

/* Set who receives this device's packets; clears the handler's profiler
 * section (set it after, with netdev_set_rx_prof). */
void netdev_set_rx_handler(struct netdev *dev,
			   void (*fn)(void *arg, struct netdev *dev, struct pkt *p), void *arg);
/* Name the section (ev/prof.h) the rx handler's work is charged to, e.g.
 * "bridge" or "stack rx"; NULL: not profiled. */
void netdev_set_rx_prof(struct netdev *dev, struct prof_section *section);
/* Called by drivers for each received packet (data at the MAC header): sets
 * p->dev and p->iif, counts rx_packets/bytes, hands p to the rx handler (or
 * frees it and counts rx_dropped when there is none). Takes p. For the
 * profiler, p's length is added to the section running (the driver's poll)
 * and the handler is charged to its own section. */
void netdev_receive(struct netdev *dev, struct pkt *p);

/*
 * As dev_queue_xmit + validate_xmit_skb: takes p. With the device down, or a
 * failure, the packet is freed and counted (tx_dropped / xmit_errors).
 *  - GSO packet and the device lacks the TSO feature for its type, or the
 *    packet has a frag_list and the device lacks FRAGLIST: software GSO
 *    (gso_segment, csum left PARTIAL if the device can checksum the family),
 *    counted in sw_gso_packets / sw_gso_segments; each segment goes on.
 *  - frag_list without FRAGLIST, or page fragments without SG (non-GSO):
 *    linearize (counted), as skb_needs_linearize.
 *  - PARTIAL and the device lacks the checksum feature for the family:
 *    pkt_checksum_help (counted in sw_checksums).
 * Details as Linux: a vlan_present tag is pushed in-band first (no device
 * here offloads tag insertion); a tagged packet is judged by vlan_features;
 * harmonize_features drops checksum and TSO features when the device cannot
 * checksum the protocol; SKB_GSO_TCP_ECN needs NETIF_F_TSO_ECN and
 * SKB_GSO_TCP_FIXEDID needs NETIF_F_TSO_MANGLEID (kept only with IPv4 DF);
 * DODGY is not a reason to segment (tcp_gso_segment revalidates and passes
 * the packet whole to a device with the TSO feature); segments are not
 * checksummed again; IPv6 with extension headers is checksummed in software
 * by a device with only NETIF_F_IPV6_CSUM (skb_csum_hwoffload_help).
 * Then ops->start_xmit for each resulting packet. Returns 0 (the driver has
 * every packet, whatever became of them), -ENETDOWN (device down, no
 * start_xmit) or -EINVAL (validate failed). For the profiler, the validate
 * step is the "validate_xmit" section and each start_xmit is charged to
 * ops->tx_prof.
 */
int dev_queue_xmit(struct netdev *dev, struct pkt *p);
/* The validate step alone: returns the list of packets to hand to the
 * driver (->next linked) or NULL (p freed, counted). */
struct pkt *netdev_validate_xmit(struct netdev *dev, struct pkt *p);

/* The ethertype of the network protocol of a frame starting at the MAC
 * header, past any 802.1Q/802.1ad tags (vlan_get_protocol); 0 if truncated.
 * *tagged (may be NULL) says whether a tag was present (in-band or
 * p->vlan_present). */
uint16_t netdev_pkt_protocol(const struct pkt *p, bool *tagged);

/* Find a registered device by name or ifindex (NULL if none). */
struct netdev *netdev_by_name(const char *name);
struct netdev *netdev_by_index(int ifindex);

#endif
