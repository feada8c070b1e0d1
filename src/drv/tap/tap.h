/*
 * tap.h — netdevs over a Linux kernel: a TAP device (IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR) whose kernel side is a real network namespace's interface,
 * and an AF_PACKET socket with PACKET_VNET_HDR bound to an existing interface
 * (the end of a veth pair that plays a physical wire).
 *
 * Serves real-traffic mode (src/topo/real.c, for the daemon): VM A's and VM B's
 * kernels sit behind TAPs glued to their partitions' ibmveth adapters, host
 * X's kernel sits behind a veth read with AF_PACKET and glued to the IO
 * server's physical NIC.
 *
 * Lifecycle: tap_create opens the fd (inside the given namespace), configures
 * the kernel side, registers and opens the netdev, which watches the fd on
 * the loop. Frames the kernel writes arrive as packets through
 * netdev_receive (the rx handler the caller sets); packets given to
 * dev_queue_xmit are written to the kernel with a virtio-net header (vnet.h).
 * netdev_free closes the fd; the kernel removes a non-persistent TAP with it.
 * Packets are allocated from the pool in the config (or the device's own).
 *
 * The device accepts every offload on transmit (the kernel's
 * virtio_net_hdr_to_skb takes NEEDS_CSUM and TCP GSO regardless of
 * TUNSETOFFLOAD), so validate_xmit never segments or checksums for it.
 */
#ifndef ILLAN_TAP_H
#define ILLAN_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ev/counter.h"
#include "net/netdev.h"

struct ev_loop;
struct pkt_pool;

/*
 * Counters (netdev_get_counter, netdev_for_each_counter): the standard ones,
 * VNET_COUNTERS (vnet.h), TAP_COUNTERS, and for a wire (TAP_KIND_PACKET with
 * cfg.wire) TAP_WIRE_COUNTERS.
 */
#define TAP_COUNTERS(X, T)                                                                  \
	X(T, rx_nomem, "no memory to receive it", 0)                                        \
	X(T, rx_too_big, "frame from the kernel too big to receive", 0)                     \
	X(T, rx_too_big_for_pool, "frame from the kernel larger than any packet buffer", 0) \
	X(T, rx_read_errors, "reading from the kernel failed", 0)                           \
	X(T, tx_busy, "the kernel's queue was full (frame dropped)", 0)                     \
	X(T, tx_write_errors, "writing to the kernel failed", 0)

/* What a wire did to frames X's kernel left to "hardware". */
#define TAP_WIRE_COUNTERS(X, T)                                              \
	X(T, wire_csum_completed, NULL, 0)                                   \
	X(T, wire_gso_segments, NULL, 0)                                     \
	/* small frames to the host sent together: sendmmsg calls, frames */ \
	X(T, wire_tx_batches, NULL, 0)                                       \
	X(T, wire_tx_batched, NULL, 0)                                       \
	X(T, wire_errors, "could not complete or segment a frame for the wire", 0)

struct tap_stats {
	TAP_COUNTERS(COUNTER_FIELD, _)
};
struct tap_wire_stats {
	TAP_WIRE_COUNTERS(COUNTER_FIELD, _)
};
/* The sets of struct tap_stats ("tap") and struct tap_wire_stats ("tap-wire"). */
extern const struct counter_set tap_counters, tap_wire_counters;

/* Free NIC slots a wire waits for before reading a frame: the segments of
 * a 64 KiB super-frame at an MSS of 512 and more. */
#define TAP_WIRE_ROOM_MIN 128u

/* TUNSETOFFLOAD bits (include/uapi/linux/if_tun.h). */
#define TAP_TUN_F_CSUM 0x01
#define TAP_TUN_F_TSO4 0x02
#define TAP_TUN_F_TSO6 0x04

enum tap_kind {
	TAP_KIND_TUN,    /* create a TAP device named ifname */
	TAP_KIND_PACKET, /* AF_PACKET socket bound to the existing ifname */
};

struct tap_config {
	enum tap_kind kind;
	const char *name;   /* the netdev's name in illan (stats), e.g. "tap-a" */
	const char *netns;  /* namespace name (/run/netns/NAME) or path; NULL: ours */
	const char *ifname; /* the kernel interface */
	const uint8_t *mac; /* TUN: the kernel side's MAC; NULL keeps the kernel's */
	unsigned mtu;       /* kernel side MTU (TUN) and receive sizing; 0: 1500 */
	unsigned offloads;  /* TUN: TAP_TUN_F_* offered with TUNSETOFFLOAD */
	/* PACKET: act as a physical wire — frames read are completed
	 * (checksum_help) and segmented (GSO) before going up, since a wire
	 * carries neither partial checksums nor super-frames. */
	bool wire;
	/* A wire: how many frames the receiving NIC can take now (its free
	 * ring slots; NULL: no limit). The wire is read only while that is at
	 * least TAP_WIRE_ROOM_MIN, so one super-frame cut into MSS-sized
	 * frames never overflows the ring it lands in: the cable carries
	 * frames as fast as the NIC takes them, as 802.3x pause frames pace a
	 * full link. */
	unsigned (*wire_room)(void *arg);
	void *wire_room_arg;
	struct pkt_pool *pool; /* received packets; NULL: the device's own pool */
	struct ev_loop *loop;
	/* With adopt_fd: no kernel device is opened; fd (a datagram socket
	 * whose peer plays the kernel: one frame with its virtio-net header
	 * per datagram) is taken instead and read the way kind says — readv
	 * as a TAP, recvmsg(MSG_TRUNC) as AF_PACKET — so the whole read path
	 * runs without root (tests, the fuzz target). netns, mac and the
	 * kernel-side settings are ignored; the device owns fd (closed by
	 * netdev_free, and on failure). */
	bool adopt_fd;
	int fd;
};

/*
 * Create, configure (MAC, MTU, up, offloads) and open the device. Needs
 * CAP_NET_ADMIN (and CAP_SYS_ADMIN to enter another namespace), except
 * with cfg->adopt_fd. Returns the netdev, or NULL with a reason in err.
 */
struct netdev *tap_create(const struct tap_config *cfg, char *err, size_t err_size);

/* The TUN_F_* bits matching a partition adapter's negotiated features: CSUM
 * for any checksum feature, TSO4/TSO6 for TSO/TSO6 (only with CSUM, as the
 * kernel requires). */
unsigned tap_offloads_from_features(uint32_t features);

/* Change what the kernel may hand us (TUNSETOFFLOAD). Returns 0, -EOPNOTSUPP
 * (an AF_PACKET device: nothing to negotiate) or the ioctl's -errno. */
int tap_set_offload(struct netdev *dev, unsigned tun_flags);

/* Write one plain frame (complete checksums, no GSO: a zero virtio-net
 * header) — the physical NIC's wire callback. Counted like a transmit.
 * Returns 0 or -errno. On a wire, a frame of at most 128 bytes (an ACK)
 * is copied and waits for the end of the loop's turn (a task), to leave
 * with the turn's others in one sendmmsg (wire_tx_batches/_batched); it
 * returns 0 then, and a refusal is counted by the TAP (tx_busy,
 * tx_write_errors) when it leaves. A larger frame goes at once, after
 * what waits. */
int tap_send_frame(struct netdev *dev, const uint8_t *frame, uint32_t len);

/* The file descriptor (tests). */
int tap_fd(const struct netdev *dev);

/* Enter network namespace ns (a name under /run/netns or a path); *saved
 * receives a handle to the current one (-1 when ns is NULL). Returns 0 or
 * -errno. tap_netns_leave returns to the saved namespace and closes it. */
int tap_netns_enter(const char *ns, int *saved);
void tap_netns_leave(int saved);

#endif
