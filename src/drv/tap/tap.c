/*
 * tap.c — the TAP and AF_PACKET netdevs (see tap.h). Both speak the same
 * framing — a 10-byte virtio-net header, then the Ethernet frame — so one
 * receive and one transmit path serve both; only opening differs.
 *
 * Receive: the fd is nonblocking and watched (level-triggered) by the event
 * loop; each wake-up reads up to TAP_RX_BATCH frames, then yields so other
 * fds and tasks run. On a TAP that negotiated TSO, a frame is read straight
 * into a spare packet large enough for a GSO super-frame, so a 64 KiB TSO
 * frame costs the kernel's copy and nothing more; a frame that fits an
 * MTU-sized packet is copied into one (a copybreak, as drivers do for small
 * frames) and the spare stays for the next read. Otherwise (no TSO, or no large packet to be had) a
 * frame is read into an MTU-sized packet plus an auxiliary 64 KiB buffer, and
 * a spill copied into a large packet (as OVS's netdev-linux does for TSO
 * reads).
 */
#include "drv/tap/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/ethernet.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "drv/tap/vnet.h"
#include "ev/ev.h"
#include "pkt/csum.h"
#include "pkt/gso.h"
#include "pkt/hdr.h"
#include "pkt/pkt.h"

#define TAP_RX_BATCH 64
#define TAP_AUX_SIZE 65600u /* > the largest GSO frame a kernel hands us */
#define TAP_MAX_IOV 64
/* A wire's small frames (ACKs, ARP, ND: at most TAP_TXQ_FRAME bytes) wait
 * for the end of the loop's turn, up to TAP_TXQ_DEPTH, and leave in one
 * sendmmsg; larger frames go at once, after what waits (order kept). */
#define TAP_TXQ_DEPTH 32
#define TAP_TXQ_FRAME 128

struct tap {
	struct netdev *dev;
	enum tap_kind kind;
	bool wire;
	unsigned (*wire_room)(void *arg);
	void *wire_room_arg;
	int fd;
	unsigned offloads;
	uint32_t small_size; /* linear bytes of a normal read */
	struct ev_loop *loop;
	struct ev_fd evfd;
	bool watching;
	struct pkt_pool *pool;
	struct pkt_pool *own_pool; /* created here when the config gave none */
	uint32_t pool_max_buf;     /* pkt_pool_max_buf(pool): pools never grow */
	struct pkt *spare;         /* a large packet kept for the next read (NULL: none) */
	uint8_t *aux;
	struct vnet_stats vs;
	struct tap_stats c;
	struct tap_wire_stats wc; /* registered for a wire only */
	/* a wire's small frames waiting for the turn's end (TAP_TXQ_*) */
	struct ev_task txq_flush;
	unsigned txq_n;
	uint32_t txq_len[TAP_TXQ_DEPTH];
	uint8_t txq_buf[TAP_TXQ_DEPTH][VNET_HDR_LEN + TAP_TXQ_FRAME];
};

COUNTER_SET_DEFINE(tap_counters, "tap", struct tap_stats, TAP_COUNTERS);
COUNTER_SET_DEFINE(tap_wire_counters, "tap-wire", struct tap_wire_stats, TAP_WIRE_COUNTERS);

static struct tap *tap_of(const struct netdev *dev)
{
	return dev->priv;
}
static int tap_count_write(struct tap *t, ssize_t n, uint32_t len);

/* tap_fd: see tap.h. */
int tap_fd(const struct netdev *dev)
{
	return tap_of(dev)->fd;
}

/* tap_netns_enter: see tap.h. Entered for the duration of an open: sockets
 * and TAP devices belong to the namespace current when they are created. */
int tap_netns_enter(const char *ns, int *saved)
{
	*saved = -1;
	if (!ns)
		return 0;
	char path[256];
	if (ns[0] == '/')
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -errno;
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		int e = -errno;
		close(nsfd);
		return e;
	}
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		int e = -errno;
		close(nsfd);
		close(self);
		return e;
	}
	close(nsfd);
	*saved = self;
	return 0;
}

/* tap_netns_leave: see tap.h. */
void tap_netns_leave(int saved)
{
	if (saved < 0)
		return;
	if (setns(saved, CLONE_NEWNET) < 0)
		perror("illan: setns back to the original namespace");
	close(saved);
}

/* tap_offloads_from_features: see tap.h. */
unsigned tap_offloads_from_features(uint32_t features)
{
	unsigned f = 0;
	if (!(features & NETIF_F_CSUM_MASK))
		return 0; /* TSO without CSUM is refused by the kernel (-EINVAL) */
	f |= TAP_TUN_F_CSUM;
	if (features & NETIF_F_TSO)
		f |= TAP_TUN_F_TSO4;
	if (features & NETIF_F_TSO6)
		f |= TAP_TUN_F_TSO6;
	return f;
}

/* tap_set_offload: see tap.h. */
int tap_set_offload(struct netdev *dev, unsigned tun_flags)
{
	struct tap *t = tap_of(dev);
	if (t->kind != TAP_KIND_TUN)
		return -EOPNOTSUPP; /* AF_PACKET has no negotiation */
	if (ioctl(t->fd, TUNSETOFFLOAD, (unsigned long)tun_flags) < 0)
		return -errno;
	t->offloads = tun_flags;
	return 0;
}

/* ---- receive ------------------------------------------------------------- */

/*
 * Will the checksum the wire is about to compute for p (a super-frame cut by
 * gso_segment, or a PARTIAL frame completed by pkt_checksum_help) be good
 * when the receiving NIC checks it? Both sum the L4 bytes plus the seed the
 * field holds (for a super-frame moved to each segment's length), so it is
 * exactly when the seed is the pseudo-header sum of the L4 length they sum
 * over and that sum covers what the check covers (L4 header to the IP
 * header's end, the field the protocol's). A GSO packet that is not PARTIAL
 * is seeded from its headers by gso_segment, so right by construction. A
 * wrong seed (a host's bug) answers false, and the NIC finds the bad
 * checksum as before. Cheap: a header parse and a pseudo-header sum.
 */
static bool tap_wire_seed_right(const struct pkt *p)
{
	struct hdr_info h;
	const uint8_t *f = pkt_data(p);
	if (pkt_headlen(p) != p->len || hdr_parse(f, p->len, &h) != 0 || !h.l4_off || h.is_fragment)
		return false;
	bool gso = pkt_is_gso(p);
	if (gso && p->ip_summed != CHECKSUM_PARTIAL)
		return h.l4_proto == IPPROTO_TCP_;
	uint16_t field = h.l4_proto == IPPROTO_TCP_ ? TCP_CSUM_OFFSET : UDP_CSUM_OFFSET;
	if ((h.l4_proto != IPPROTO_TCP_ && h.l4_proto != IPPROTO_UDP_) ||
	    p->ip_summed != CHECKSUM_PARTIAL || p->csum_start != p->data + h.l4_off ||
	    p->csum_offset != field)
		return false;
	/* gso_segment moves the seed from the frame's L4 length; the check of
	 * a plain frame stops where the IP header says the packet ends */
	if (!gso && h.l3_off + h.l3_tot_len != p->len)
		return false;
	uint32_t l4_len = p->len - h.l4_off;
	const uint8_t *ip = f + h.l3_off;
	uint32_t ps = h.ip_version == 4 ? csum_tcpudp_nofold(ip + 12, ip + 16, l4_len, h.l4_proto, 0)
					: csum_ipv6_nofold(ip + 8, ip + 24, l4_len, h.l4_proto, 0);
	uint16_t want = (uint16_t)~csum_fold(ps), seed;
	memcpy(&seed, f + h.l4_off + field, 2);
	/* one's complement: 0 and 0xffff are the same number */
	return seed == want || ((uint16_t)(seed + 1) <= 1 && (uint16_t)(want + 1) <= 1);
}

/* A wire carries neither partial checksums nor super-frames: complete and
 * cut what X's kernel left to "hardware" (X's NIC would have done it), then
 * hand each frame up. A frame whose checksum the wire computed right is
 * marked csum_by_wire (pkt.h), so the NIC's rx-csum check need not sum it
 * again. Takes p. */
static void tap_wire_up(struct tap *t, struct pkt *p)
{
	struct netdev *dev = t->dev;
	if (pkt_is_gso(p)) {
		int err = 0;
		bool right = tap_wire_seed_right(p);
		struct pkt *segs = gso_segment(p, false, &err);
		pkt_free(p);
		if (!segs) {
			t->wc.wire_errors++;
			dev->stats.rx_errors++;
			return;
		}
		while (segs) {
			struct pkt *n = segs->next;
			segs->next = NULL;
			t->wc.wire_gso_segments++;
			segs->csum_by_wire = right;
			netdev_receive(dev, segs);
			segs = n;
		}
		return;
	}
	bool by_wire = false;
	if (p->ip_summed == CHECKSUM_PARTIAL) {
		by_wire = tap_wire_seed_right(p);
		if (pkt_checksum_help(p) < 0) {
			t->wc.wire_errors++;
			dev->stats.rx_errors++;
			pkt_free(p);
			return;
		}
		t->wc.wire_csum_completed++;
	}
	pkt_reset_meta(p); /* a wire delivers bytes, nothing else */
	p->csum_by_wire = by_wire;
	netdev_receive(dev, p);
}

static int tap_deliver(struct tap *t, struct pkt *p, const uint8_t raw[VNET_HDR_LEN]);

/* Read one frame into iov (the virtio-net header's bytes first, then room
 * for the frame) and judge its length. Returns true with *flen the frame's
 * length when it is there to deliver; otherwise false with *rc what
 * tap_read_one returns: 0 drained, -1 a read error, 1 a frame dropped (and
 * counted) as a runt, as larger than iov or any packet could hold, or as
 * larger than any buffer of the pool with PKT_HEADROOM in front. */
static bool tap_read_frame(struct tap *t, struct iovec *iov, int n_iov, uint32_t *flen, int *rc)
{
	struct netdev *dev = t->dev;
	ssize_t n;
	if (t->kind == TAP_KIND_PACKET) {
		/* MSG_TRUNC: the real length, so an oversized frame is seen */
		struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n_iov};
		n = recvmsg(t->fd, &mh, MSG_TRUNC);
	} else {
		n = readv(t->fd, iov, n_iov); /* a character device: no recvmsg */
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			*rc = 0;
			return false;
		}
		t->c.rx_read_errors++;
		dev->stats.rx_errors++;
		*rc = -1;
		return false;
	}
	*rc = 1;
	if ((size_t)n < VNET_HDR_LEN + ETH_HLEN) {
		t->vs.vnet_runt++;
		dev->stats.rx_errors++;
		return false;
	}
	size_t room = 0;
	for (int i = 1; i < n_iov; i++)
		room += iov[i].iov_len;
	*flen = (uint32_t)n - VNET_HDR_LEN;
	if (*flen > room || *flen > PKT_MAX_LEN) {
		t->c.rx_too_big++;
		dev->stats.rx_dropped++;
		return false;
	}
	/* No buffer of the pool holds it behind the headroom every read
	 * keeps: a size no packet can have here, not a shortage (rx_nomem). */
	if (*flen + PKT_HEADROOM > t->pool_max_buf) {
		t->c.rx_too_big_for_pool++;
		dev->stats.rx_dropped++;
		return false;
	}
	return true;
}

/* Gather a frame of flen bytes read in two parts (the first head bytes at
 * from, the rest in the auxiliary buffer) into one packet large enough.
 * Returns it, or NULL (counted as rx_nomem, the frame dropped) when the pool
 * has none. */
static struct pkt *tap_gather(struct tap *t, const uint8_t *from, uint32_t head, uint32_t flen)
{
	struct pkt *p = pkt_alloc(t->pool, flen, PKT_HEADROOM);
	if (!p) {
		t->c.rx_nomem++;
		t->dev->stats.rx_dropped++;
		return NULL;
	}
	uint8_t *d = pkt_put(p, flen);
	memcpy(d, from, head);
	memcpy(d + head, t->aux, flen - head);
	return p;
}

/* Read one frame into the spare large packet (spilling, if ever, into the
 * auxiliary buffer). Returns as tap_read_one. A frame of at most small_size
 * bytes is copied into a small packet when one can be had, leaving the spare
 * for the next read. */
static int tap_read_spare(struct tap *t)
{
	uint8_t raw[VNET_HDR_LEN];
	struct pkt *big = t->spare;
	uint32_t room = pkt_tailroom(big);
	struct iovec iov[3] = {{raw, sizeof(raw)}, {pkt_data(big), room}, {t->aux, TAP_AUX_SIZE}};
	uint32_t flen;
	int rc;
	if (!tap_read_frame(t, iov, 3, &flen, &rc))
		return rc;
	struct pkt *p = NULL;
	if (flen <= t->small_size) {
		p = pkt_alloc(t->pool, t->small_size, PKT_HEADROOM);
		if (p && pkt_tailroom(p) >= flen) {
			memcpy(pkt_put(p, flen), pkt_data(big), flen);
			return tap_deliver(t, p, raw);
		}
		pkt_free(p);
	} else if (flen > room) {
		/* spilled: a packet bigger than the spare, if the pool has one */
		p = tap_gather(t, pkt_data(big), room, flen);
		return p ? tap_deliver(t, p, raw) : 1;
	}
	t->spare = NULL;
	pkt_put(big, flen);
	return tap_deliver(t, big, raw);
}

/* Read one frame. Returns 1 if a frame was consumed (delivered or dropped),
 * 0 when the fd is drained, -1 on a read error. */
static int tap_read_one(struct tap *t)
{
	/* The spare pays off where the kernel may hand over TSO super-frames
	 * (a TAP that negotiated TSO; a wire, whose host's kernel leaves TSO to
	 * its NIC); elsewhere every frame fits an MTU-sized packet read into
	 * directly. */
	if (!t->spare && (t->wire || (t->offloads & (TAP_TUN_F_TSO4 | TAP_TUN_F_TSO6))))
		t->spare = pkt_alloc(t->pool, 65536u - PKT_HEADROOM, PKT_HEADROOM);
	if (t->spare)
		return tap_read_spare(t);
	struct netdev *dev = t->dev;
	uint8_t raw[VNET_HDR_LEN];
	struct pkt *p = pkt_alloc(t->pool, t->small_size, PKT_HEADROOM);
	struct iovec iov[3];
	int n_iov = 0;
	iov[n_iov++] = (struct iovec){raw, sizeof(raw)};
	uint32_t small = 0;
	if (p) {
		small = pkt_tailroom(p) < t->small_size ? pkt_tailroom(p) : t->small_size;
		iov[n_iov++] = (struct iovec){pkt_data(p), small};
	}
	iov[n_iov++] = (struct iovec){t->aux, TAP_AUX_SIZE};
	uint32_t flen;
	int rc;
	if (!tap_read_frame(t, iov, n_iov, &flen, &rc)) {
		pkt_free(p);
		return rc;
	}
	if (!p) {
		t->c.rx_nomem++;
		dev->stats.rx_dropped++;
		return 1;
	}
	if (flen <= small) {
		pkt_put(p, flen);
	} else {
		struct pkt *big = tap_gather(t, pkt_data(p), small, flen);
		pkt_free(p);
		if (!big)
			return 1;
		p = big;
	}
	return tap_deliver(t, p, raw);
}

/* Apply the virtio-net header to a frame just read and hand it up. Takes p.
 * Returns 1 (one frame consumed). */
static int tap_deliver(struct tap *t, struct pkt *p, const uint8_t raw[VNET_HDR_LEN])
{
	struct netdev *dev = t->dev;
	struct vnet_hdr h;
	vnet_hdr_decode(raw, &h);
	if (vnet_hdr_to_pkt(p, &h, &t->vs) < 0) {
		pkt_free(p);
		dev->stats.rx_errors++;
		return 1;
	}
	if (t->wire)
		tap_wire_up(t, p);
	else
		netdev_receive(dev, p);
	return 1;
}

static void tap_readable(struct ev_fd *w, uint32_t events)
{
	struct tap *t = (struct tap *)((char *)w - offsetof(struct tap, evfd));
	(void)events;
	for (int i = 0; i < TAP_RX_BATCH; i++) {
		if (t->wire_room && t->wire_room(t->wire_room_arg) < TAP_WIRE_ROOM_MIN)
			break; /* the NIC's poll (a task: it runs before the next wait) drains it */
		if (tap_read_one(t) <= 0)
			break;
	}
}

/* ---- transmit ------------------------------------------------------------ */

/* Add the pieces of p (linear part, page fragments, then each frag_list
 * member the same way) to iov from *n on. False when they do not fit. */
static bool tap_add_iov(const struct pkt *p, struct iovec *iov, int *n)
{
	if (*n == TAP_MAX_IOV)
		return false;
	iov[(*n)++] = (struct iovec){pkt_data(p), pkt_headlen(p)};
	for (unsigned i = 0; i < p->nr_frags; i++) {
		if (*n == TAP_MAX_IOV)
			return false;
		iov[(*n)++] = (struct iovec){pkt_data(p->frags[i]), p->frags[i]->len};
	}
	for (const struct pkt *m = p->frag_list; m; m = m->next)
		if (!tap_add_iov(m, iov, n))
			return false;
	return true;
}

/* Write p with its virtio-net header; page fragments and the frag_list go
 * out as further iovecs, so GRO'd packets cost no copy here. Takes p. */
static enum netdev_tx tap_start_xmit(struct netdev *dev, struct pkt *p)
{
	struct tap *t = tap_of(dev);
	struct vnet_hdr h;
	if (vnet_hdr_from_pkt(p, &h, &t->vs) < 0) {
		dev->stats.tx_dropped++;
		pkt_free(p);
		return NETDEV_TX_OK;
	}
	uint8_t raw[VNET_HDR_LEN];
	vnet_hdr_encode(&h, raw);
	struct iovec iov[TAP_MAX_IOV];
	int n_iov = 0;
	iov[n_iov++] = (struct iovec){raw, sizeof(raw)};
	if (!tap_add_iov(p, iov, &n_iov)) {
		if (pkt_linearize(p) < 0) {
			dev->stats.tx_dropped++;
			pkt_free(p);
			return NETDEV_TX_OK;
		}
		n_iov = 1;
		iov[n_iov++] = (struct iovec){pkt_data(p), pkt_headlen(p)};
	}
	tap_count_write(t, writev(t->fd, iov, n_iov), p->len);
	pkt_free(p);
	return NETDEV_TX_OK;
}

/* Count the result of a write of len frame bytes. */
static int tap_count_write(struct tap *t, ssize_t n, uint32_t len)
{
	struct netdev *dev = t->dev;
	if (n >= 0) {
		dev->stats.tx_packets++;
		dev->stats.tx_bytes += len;
		return 0;
	}
	int e = -errno;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
		t->c.tx_busy++;
		dev->stats.tx_dropped++;
	} else {
		t->c.tx_write_errors++;
		dev->stats.tx_errors++;
	}
	return e;
}

/* Send a wire's waiting small frames, in order, with as few sendmmsg calls
 * as the socket takes them in; each is counted as a write of its own (a
 * refused one as tap_count_write counts it, and skipped). */
static void tap_txq_send(struct tap *t)
{
	struct mmsghdr mm[TAP_TXQ_DEPTH];
	struct iovec iov[TAP_TXQ_DEPTH];
	unsigned done = 0;
	for (unsigned i = 0; i < t->txq_n; i++) {
		iov[i] = (struct iovec){t->txq_buf[i], VNET_HDR_LEN + t->txq_len[i]};
		mm[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
	}
	while (done < t->txq_n) {
		int n = sendmmsg(t->fd, mm + done, t->txq_n - done, 0);
		t->wc.wire_tx_batches++;
		if (n <= 0) {
			tap_count_write(t, -1, t->txq_len[done]); /* errno of the first */
			done++;
			continue;
		}
		for (int k = 0; k < n; k++, done++) {
			tap_count_write(t, (ssize_t)mm[done].msg_len, t->txq_len[done]);
			t->wc.wire_tx_batched++;
		}
	}
	t->txq_n = 0;
}

static void tap_txq_task(struct ev_task *task)
{
	tap_txq_send((struct tap *)((char *)task - offsetof(struct tap, txq_flush)));
}

/* tap_send_frame: see tap.h. */
int tap_send_frame(struct netdev *dev, const uint8_t *frame, uint32_t len)
{
	struct tap *t = tap_of(dev);
	if (t->wire) {
		if (len <= TAP_TXQ_FRAME) {
			uint8_t *b = t->txq_buf[t->txq_n];
			memset(b, 0, VNET_HDR_LEN);
			memcpy(b + VNET_HDR_LEN, frame, len);
			t->txq_len[t->txq_n++] = len;
			if (t->txq_n == TAP_TXQ_DEPTH)
				tap_txq_send(t);
			else
				ev_task_schedule(t->loop, &t->txq_flush);
			return 0;
		}
		if (t->txq_n)
			tap_txq_send(t); /* what waits goes first */
	}
	uint8_t raw[VNET_HDR_LEN] = {0};
	struct iovec iov[2] = {{raw, sizeof(raw)}, {(void *)(uintptr_t)frame, len}};
	return tap_count_write(t, writev(t->fd, iov, 2), len);
}

static int tap_open(struct netdev *dev)
{
	struct tap *t = tap_of(dev);
	if (t->watching)
		return 0;
	int rc = ev_fd_add(t->loop, &t->evfd, t->fd, EPOLLIN);
	if (rc == 0)
		t->watching = true;
	return rc;
}

static int tap_stop(struct netdev *dev)
{
	struct tap *t = tap_of(dev);
	ev_task_cancel(t->loop, &t->txq_flush);
	if (t->txq_n && t->fd >= 0)
		tap_txq_send(t); /* already sent, as far as the NIC knows */
	if (t->watching)
		ev_fd_del(t->loop, &t->evfd);
	t->watching = false;
	pkt_free(t->spare);
	t->spare = NULL;
	return 0;
}

static void tap_destroy(struct netdev *dev)
{
	struct tap *t = tap_of(dev);
	tap_stop(dev);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	free(t->aux);
	t->aux = NULL;
	if (t->own_pool) {
		unsigned leaked = pkt_pool_destroy(t->own_pool);
		if (leaked)
			fprintf(stderr, "illan: %s: %u packets leaked\n", dev->name, leaked);
		t->own_pool = NULL;
	}
}

static const struct netdev_ops tap_ops = {
	.open = tap_open,
	.stop = tap_stop,
	.start_xmit = tap_start_xmit,
	.destroy = tap_destroy,
};

/* ---- opening --------------------------------------------------------------- */

/* Kernel-side settings through an ioctl socket of the current namespace. */
static int if_configure(const char *ifname, unsigned mtu, bool promisc)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	int rc = 0;
	if (mtu) {
		ifr.ifr_mtu = (int)mtu;
		if (ioctl(s, SIOCSIFMTU, &ifr) < 0) {
			rc = -errno;
			goto out_close;
		}
	}
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		rc = -errno;
		goto out_close;
	}
	ifr.ifr_flags |= IFF_UP;
	if (promisc)
		ifr.ifr_flags |= IFF_PROMISC;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		rc = -errno;
out_close:
	close(s);
	return rc;
}

/* A setup call named what failed on fd: say so, close fd, return -errno. */
static int open_fail(int fd, const char *what, const struct tap_config *cfg, char *err,
		     size_t err_size)
{
	int rc = -errno;
	snprintf(err, err_size, "%s %s: %s", what, cfg->ifname, strerror(-rc));
	close(fd);
	return rc;
}

/* Open and set up the TAP device: returns its fd or a negative errno. */
static int open_tun(const struct tap_config *cfg, char *err, size_t err_size)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_size, "open /dev/net/tun: %s", strerror(errno));
		return -errno;
	}
	unsigned features = 0;
	if (ioctl(fd, TUNGETFEATURES, &features) == 0 && !(features & IFF_VNET_HDR)) {
		snprintf(err, err_size, "this kernel's TAP lacks IFF_VNET_HDR");
		close(fd);
		return -EOPNOTSUPP;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", cfg->ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return open_fail(fd, "TUNSETIFF", cfg, err, err_size);
	int hdr_sz = VNET_HDR_LEN;
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_sz) < 0)
		return open_fail(fd, "TUNSETVNETHDRSZ", cfg, err, err_size);
	int le = 1; /* vnet.c speaks little-endian; ENOTTY/EINVAL on old kernels is harmless */
	(void)ioctl(fd, TUNSETVNETLE, &le);
	if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)cfg->offloads) < 0)
		return open_fail(fd, "TUNSETOFFLOAD", cfg, err, err_size);
	if (cfg->mac) {
		struct ifreq hw;
		memset(&hw, 0, sizeof(hw));
		snprintf(hw.ifr_name, IFNAMSIZ, "%s", cfg->ifname);
		hw.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(hw.ifr_hwaddr.sa_data, cfg->mac, 6);
		if (ioctl(fd, SIOCSIFHWADDR, &hw) < 0)
			return open_fail(fd, "SIOCSIFHWADDR", cfg, err, err_size);
	}
	return fd;
}

/* Open and bind the packet socket: returns its fd or a negative errno. */
static int open_packet(const struct tap_config *cfg, char *err, size_t err_size)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		snprintf(err, err_size, "AF_PACKET socket: %s", strerror(errno));
		return -errno;
	}
	int one = 1;
	unsigned ifindex = if_nametoindex(cfg->ifname);
	if (!ifindex)
		return open_fail(fd, "if_nametoindex", cfg, err, err_size);
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
		return open_fail(fd, "PACKET_VNET_HDR", cfg, err, err_size);
	/* Our own writes must not come back as receives. */
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0)
		return open_fail(fd, "PACKET_IGNORE_OUTGOING", cfg, err, err_size);
	int bufsz = 4 << 20;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof(bufsz));
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = (int)ifindex,
	};
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return open_fail(fd, "bind", cfg, err, err_size);
	/* A NIC's port sees every frame on its wire. */
	struct packet_mreq mr = {.mr_ifindex = (int)ifindex, .mr_type = PACKET_MR_PROMISC};
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		return open_fail(fd, "PACKET_MR_PROMISC", cfg, err, err_size);
	return fd;
}

/* Open the device of t's kind in the current namespace and bring its
 * interface up; t keeps the fd. Returns 0 or a negative errno, with err set. */
static int open_dev(struct tap *t, const struct tap_config *cfg, char *err, size_t err_size)
{
	int fd = cfg->kind == TAP_KIND_TUN ? open_tun(cfg, err, err_size)
					   : open_packet(cfg, err, err_size);
	if (fd < 0)
		return fd;
	int rc = if_configure(cfg->ifname, cfg->mtu, false);
	if (rc < 0) {
		snprintf(err, err_size, "configure %s: %s", cfg->ifname, strerror(-rc));
		close(fd);
		return rc;
	}
	if (cfg->kind == TAP_KIND_PACKET) {
		/* The bind came while the interface was down, and for that
		 * packet_do_bind (af_packet.c) leaves ENETDOWN pending on the
		 * socket: the first read would fail with it (counted as
		 * rx_errors on every start). Now that it is up, take it. */
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		(void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	}
	t->fd = fd;
	if (cfg->kind == TAP_KIND_TUN)
		t->offloads = cfg->offloads;
	return 0;
}

/* Take the caller's fd in place of a kernel device (tap_config.adopt_fd):
 * nonblocking and close-on-exec, as our own are. Returns 0 or -errno (the
 * fd is closed then). */
static int adopt_fd(struct tap *t, const struct tap_config *cfg, char *err, size_t err_size)
{
	int fl = cfg->fd < 0 ? -1 : fcntl(cfg->fd, F_GETFL);
	if (fl < 0 || fcntl(cfg->fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(cfg->fd, F_SETFD, FD_CLOEXEC) < 0) {
		int rc = cfg->fd < 0 ? -EBADF : -errno;
		snprintf(err, err_size, "tap %s: adopt fd %d: %s", cfg->ifname, cfg->fd,
			 strerror(-rc));
		if (cfg->fd >= 0)
			close(cfg->fd);
		return rc;
	}
	t->fd = cfg->fd;
	t->offloads = cfg->kind == TAP_KIND_TUN ? cfg->offloads : 0;
	return 0;
}

/* The TAP's counter sets (see tap.h). Returns 0 or netdev_add_counter_set's error. */
static int tap_add_counters(struct netdev *dev, struct tap *t)
{
	int rc = netdev_add_counter_set(dev, &vnet_counters, &t->vs);
	if (rc == 0)
		rc = netdev_add_counter_set(dev, &tap_counters, &t->c);
	if (rc == 0 && t->wire)
		rc = netdev_add_counter_set(dev, &tap_wire_counters, &t->wc);
	return rc;
}

/*
 * tap_create: see tap.h. The fd is opened inside
 * cfg->netns so the TAP (or the packet socket) belongs there; the daemon
 * stays in its own namespace and keeps using the fd.
 */
struct netdev *tap_create(const struct tap_config *cfg, char *err, size_t err_size)
{
	struct netdev *dev = NULL;
	if (!cfg->ifname || !cfg->loop) {
		snprintf(err, err_size, "tap: ifname and loop are required");
		goto out_fd;
	}
	dev = netdev_alloc(cfg->name ? cfg->name : cfg->ifname, sizeof(struct tap));
	if (!dev) {
		snprintf(err, err_size, "tap: out of memory");
		goto out_fd;
	}
	struct tap *t = dev->priv;
	memset(t, 0, sizeof(*t));
	t->dev = dev;
	t->fd = -1;
	t->kind = cfg->kind;
	t->wire = cfg->kind == TAP_KIND_PACKET && cfg->wire;
	t->wire_room = t->wire ? cfg->wire_room : NULL;
	t->wire_room_arg = cfg->wire_room_arg;
	t->loop = cfg->loop;
	unsigned mtu = cfg->mtu ? cfg->mtu : 1500;
	t->small_size = mtu + ETH_HLEN + 2 * VLAN_HLEN;
	t->evfd.fn = tap_readable;
	ev_task_init(&t->txq_flush, tap_txq_task);
	dev->ops = &tap_ops; /* from here on netdev_free cleans up through destroy */
	t->aux = malloc(TAP_AUX_SIZE);
	if (!t->aux) {
		snprintf(err, err_size, "tap: out of memory");
		goto out_free;
	}
	t->pool = cfg->pool;
	if (!t->pool) {
		struct pkt_pool_class classes[] = {
			{t->small_size + PKT_HEADROOM, 1024},
			{PKT_MAX_LEN + PKT_HEADROOM, 64},
		};
		t->own_pool = pkt_pool_create(dev->name, classes, 2, NULL, 0);
		if (!t->own_pool) {
			snprintf(err, err_size, "tap: cannot create a packet pool");
			goto out_free;
		}
		t->pool = t->own_pool;
	}
	dev->pool = t->pool;
	t->pool_max_buf = pkt_pool_max_buf(t->pool);
	dev->mtu = mtu;
	/* The kernel takes NEEDS_CSUM and TCP GSO on write whatever was
	 * negotiated, so nothing needs doing in software on our side. */
	dev->features = dev->hw_features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_TSO |
					   NETIF_F_TSO6 | NETIF_F_FRAGLIST;
	if (cfg->mac)
		memcpy(dev->mac, cfg->mac, 6);

	int rc;
	if (cfg->adopt_fd) {
		rc = adopt_fd(t, cfg, err, err_size); /* the fd is the device's from here */
		if (rc < 0) {
			netdev_free(dev);
			return NULL;
		}
	} else {
		int saved;
		rc = tap_netns_enter(cfg->netns, &saved);
		if (rc < 0) {
			snprintf(err, err_size, "enter namespace %s: %s", cfg->netns, strerror(-rc));
			goto out_free;
		}
		rc = open_dev(t, cfg, err, err_size);
		tap_netns_leave(saved);
	}
	if (rc < 0)
		goto out_free;
	rc = tap_add_counters(dev, t);
	if (rc < 0) {
		snprintf(err, err_size, "tap %s: counters: %s", cfg->ifname, strerror(-rc));
		goto out_free;
	}
	netdev_register(dev);
	rc = netdev_open(dev);
	if (rc < 0) {
		snprintf(err, err_size, "tap %s: watch fd: %s", cfg->ifname, strerror(-rc));
		goto out_free;
	}
	return dev;
out_free:;
	bool taken = t->fd >= 0;
	netdev_free(dev); /* ops->destroy closes the device's fd and the pool */
	if (taken)
		return NULL;
out_fd:
	if (cfg->adopt_fd && cfg->fd >= 0)
		close(cfg->fd); /* given to us, not taken yet */
	return NULL;
}
