/*
 * physnic.c — the physical NIC: hardware TX checksum and TSO from the seed in
 * the packet, a wire of plain bytes (back to back with another physnic, or an
 * external backend), an rx ring drained by a NAPI-style poll that checks L4
 * checksums as rx-csum hardware does and feeds GRO.
 *
 * Serves the topology (uplink of the IO server, the external host X) through
 * physnic.h; the bridge sees only a netdev.
 */
#include "drv/physnic/physnic.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev/prof.h"
#include "pkt/csum.h"
#include "pkt/gro.h"
#include "pkt/gso.h"
#include "pkt/hdr.h"

COUNTER_SET_DEFINE(physnic_counters, "physnic", struct physnic_stats, PHYSNIC_COUNTERS);

struct physnic {
	struct netdev *dev;
	struct ev_loop *loop;
	struct physnic_config cfg;

	/* The wire: a peer physnic, or an external send function, or nothing. */
	struct physnic *peer;
	int (*wire_send)(void *arg, const uint8_t *frame, uint32_t len);
	void *wire_arg;

	/* rx ring: frames copied off the wire, waiting for the poll. The wire
	 * side writes at tail, the poll reads at head. */
	struct pkt **ring;
	unsigned ring_size, ring_head, n_ring;

	struct ev_task napi;
	struct gro_ctx gro;
	/* napi->timer: the deferred flush's poll (napi_watchdog) */
	struct ev_timer napi_timer;
	/* hard irqs left masked by napi_defer_hard_irqs: frames wait for the
	 * timer's poll instead of scheduling one */
	bool irq_masked;

	/* One frame's bytes when a packet must be flattened or padded for the wire. */
	uint8_t *scratch;

	struct physnic_stats c;
};

static const struct netdev_ops physnic_ops;

/* The profiler section of the NIC's work, both ways: start_xmit (charged by
 * dev_queue_xmit, with the far end's wire receive it calls) and the NAPI
 * poll, GRO included (charged by the event loop). */
static struct prof_section physnic_prof = PROF_SECTION_INIT("physnic");

static unsigned physnic_n_created;

static struct physnic *physnic_of(const struct netdev *dev)
{
	return dev->priv;
}

/* physnic_is_physnic: see physnic.h. */
bool physnic_is_physnic(const struct netdev *dev)
{
	return dev && dev->ops == &physnic_ops;
}

/* physnic_config_init: see physnic.h. */
void physnic_config_init(struct physnic_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->tx_csum = true;
	cfg->tso = true;
	cfg->rx_csum = true;
	cfg->gro = true;
	cfg->mtu = 1500;
	cfg->rx_ring_size = PHYSNIC_RX_RING_DEFAULT;
	cfg->napi_budget = PHYSNIC_NAPI_BUDGET_DEFAULT;
}

/* physnic_config_init_plain: see physnic.h. */
void physnic_config_init_plain(struct physnic_config *cfg)
{
	physnic_config_init(cfg);
	cfg->tx_csum = false;
	cfg->tso = false;
	cfg->rx_csum = false;
	cfg->gro = false;
}

static uint32_t physnic_features_of(const struct physnic_config *cfg)
{
	uint32_t f = NETIF_F_SG | NETIF_F_GSO;
	if (cfg->tx_csum)
		f |= NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM;
	if (cfg->tso && cfg->tx_csum)
		f |= NETIF_F_TSO | NETIF_F_TSO6;
	if (cfg->rx_csum)
		f |= NETIF_F_RXCSUM;
	if (cfg->gro)
		f |= NETIF_F_GRO;
	return f;
}

/* ---- Transmit ------------------------------------------------------------ */

/* Put one finished frame on the wire. The bytes are the packet's linear data,
 * or the scratch buffer when the packet has a frag_list, an out-of-band VLAN
 * tag to insert (as tx VLAN insertion hardware does) or is shorter than the
 * Ethernet minimum (padded with zeros, as every MAC does). Frees q. */
static void physnic_wire_out(struct physnic *nic, struct pkt *q)
{
	struct netdev *dev = nic->dev;
	const uint8_t *frame = pkt_data(q);
	uint32_t len = q->len;
	int rc = 0;

	if (!nic->peer && !nic->wire_send) {
		nic->c.tx_no_carrier++;
		dev->stats.tx_dropped++;
		pkt_free(q);
		return;
	}
	if (q->data_len || q->vlan_present || len < PHYSNIC_MIN_FRAME) {
		uint8_t *s = nic->scratch;
		uint32_t tag = q->vlan_present ? VLAN_HLEN : 0;

		if (len + tag > PKT_MAX_LEN || len < 2 * ETH_ALEN) {
			dev->stats.tx_errors++;
			pkt_free(q);
			return;
		}
		if (pkt_copy_bits(q, 0, s, 2 * ETH_ALEN) != 0 ||
		    pkt_copy_bits(q, 2 * ETH_ALEN, s + 2 * ETH_ALEN + tag, len - 2 * ETH_ALEN) != 0) {
			dev->stats.tx_errors++;
			pkt_free(q);
			return;
		}
		if (tag) {
			hdr_put16(s + 2 * ETH_ALEN, ETH_P_8021Q);
			hdr_put16(s + 2 * ETH_ALEN + 2, q->vlan_tci);
		}
		len += tag;
		if (len < PHYSNIC_MIN_FRAME) {
			memset(s + len, 0, PHYSNIC_MIN_FRAME - len);
			len = PHYSNIC_MIN_FRAME;
			nic->c.tx_padded++;
		}
		frame = s;
	}

	pkt_trace(q, "physnic_tx_wire");
	if (nic->peer)
		rc = physnic_wire_receive(nic->peer->dev, frame, len);
	else
		rc = nic->wire_send(nic->wire_arg, frame, len);
	/* A frame the far end refuses is still sent as far as this NIC knows
	 * (a wire has no back channel); only a failing backend is an error. */
	if (rc != 0 && !nic->peer) {
		nic->c.tx_wire_errors++;
		dev->stats.tx_errors++;
	} else {
		nic->c.tx_wire_frames++;
		nic->c.tx_wire_bytes += len;
		dev->stats.tx_packets++;
		dev->stats.tx_bytes += len;
	}
	pkt_free(q);
}

/* Hardware checksum insertion: sum from csum_start to the end, the field's
 * contents (the pseudo-header seed the stack left there) included, and store
 * the result — exactly what skb_checksum_help does in software, which is why
 * a zeroed seed leaves the NIC as a wrong checksum. Returns 0 or -errno. */
static int physnic_hw_csum(struct physnic *nic, struct pkt *q)
{
	int rc;

	if (q->ip_summed != CHECKSUM_PARTIAL)
		return 0;
	rc = pkt_checksum_help(q);
	if (rc == 0)
		nic->c.tx_hw_csum++;
	return rc;
}

/*
 * Hardware TSO: cut the super-frame into gso_size segments, the headers
 * replicated and fixed up, each segment's checksum completed from the seed
 * carried in the field (adjusted per segment, as NIC TSO engines use the
 * driver-provided partial pseudo-header sum). A GSO packet that is not
 * PARTIAL is treated the same way from whatever its field holds (the
 * hardware cannot know better) and counted in tx_bad_offload.
 */
static struct pkt *physnic_hw_tso(struct physnic *nic, struct pkt *p)
{
	struct pkt *segs;
	int err = 0;
	unsigned n = 0;

	if (p->ip_summed != CHECKSUM_PARTIAL) {
		nic->c.tx_bad_offload++;
		if (p->transport_header == PKT_HDR_UNSET ||
		    !pkt_partial_csum_set(p, pkt_offset(p, p->transport_header), TCP_CSUM_OFFSET))
			return NULL;
	}
	segs = gso_segment(p, true, &err);
	if (!segs)
		return NULL;
	for (struct pkt *s = segs; s; s = s->next)
		n++;
	nic->c.hw_tso_packets++;
	nic->c.hw_tso_segments += n;
	return segs;
}

static enum netdev_tx physnic_start_xmit(struct netdev *dev, struct pkt *p)
{
	struct physnic *nic = physnic_of(dev);
	struct pkt *list = p;

	if (!dev->up) {
		dev->stats.tx_dropped++;
		pkt_free(p);
		return NETDEV_TX_OK;
	}
	if (pkt_is_gso(p)) {
		list = physnic_hw_tso(nic, p);
		pkt_free(p);
		if (!list) {
			dev->stats.tx_errors++;
			return NETDEV_TX_OK;
		}
	}
	while (list) {
		struct pkt *q = list;
		list = q->next;
		q->next = NULL;
		if (physnic_hw_csum(nic, q) != 0) {
			dev->stats.tx_errors++;
			pkt_free(q);
			continue;
		}
		physnic_wire_out(nic, q);
	}
	return NETDEV_TX_OK;
}

/* ---- Receive ------------------------------------------------------------- */

/* The checks of a frame of len bytes arriving from the wire (counted as
 * physnic_wire_receive says). Returns the NIC, or NULL with *rc set. */
static struct physnic *physnic_wire_check(struct netdev *dev, uint32_t len, int *rc)
{
	if (!physnic_is_physnic(dev)) {
		*rc = -EINVAL;
		return NULL;
	}
	struct physnic *nic = physnic_of(dev);
	if (!dev->up) {
		nic->c.rx_down_drops++;
		*rc = -ENETDOWN;
		return NULL;
	}
	nic->c.rx_wire_frames++;
	if (len < ETH_HLEN || len > dev->mtu + ETH_HLEN + VLAN_HLEN) {
		nic->c.rx_length_errors++;
		dev->stats.rx_errors++;
		*rc = -EINVAL;
		return NULL;
	}
	if (nic->n_ring == nic->ring_size) {
		nic->c.rx_ring_full++;
		dev->stats.rx_dropped++;
		*rc = -ENOBUFS;
		return NULL;
	}
	return nic;
}

/* Put p on the rx ring (room checked) and schedule the poll. */
static void physnic_ring_put(struct physnic *nic, struct pkt *p)
{
	unsigned slot = (nic->ring_head + nic->n_ring) % nic->ring_size;
	nic->ring[slot] = p;
	nic->n_ring++;
	if (!nic->irq_masked)
		ev_task_schedule(nic->loop, &nic->napi);
}

/* physnic_wire_receive: see physnic.h. */
int physnic_wire_receive(struct netdev *dev, const uint8_t *frame, uint32_t len)
{
	int rc;
	struct physnic *nic = physnic_wire_check(dev, len, &rc);
	if (!nic)
		return rc;
	struct pkt *p = pkt_alloc(dev->pool, len, PKT_HEADROOM);
	if (!p) {
		nic->c.rx_alloc_failures++;
		dev->stats.rx_dropped++;
		return -ENOMEM;
	}
	memcpy(pkt_put(p, len), frame, len);
	prof_copied(len); /* the NIC's receive DMA */
	physnic_ring_put(nic, p);
	return 0;
}

/* physnic_wire_receive_pkt: see physnic.h. */
int physnic_wire_receive_pkt(struct netdev *dev, struct pkt *p)
{
	if (p->pool != dev->pool || pkt_has_frag_list(p) || pkt_headlen(p) != p->len) {
		int rc = physnic_wire_receive(dev, pkt_data(p), p->len);
		pkt_free(p);
		return rc;
	}
	int rc;
	struct physnic *nic = physnic_wire_check(dev, p->len, &rc);
	if (!nic) {
		pkt_free(p);
		return rc;
	}
	bool by_wire = p->csum_by_wire; /* the one piece of metadata a cut frame keeps */
	pkt_reset_meta(p);
	p->csum_by_wire = by_wire;
	physnic_ring_put(nic, p);
	return 0;
}

/* physnic_rx_pending: see physnic.h. */
unsigned physnic_rx_pending(const struct netdev *dev)
{
	return physnic_is_physnic(dev) ? physnic_of(dev)->n_ring : 0;
}

/* physnic_rx_room: see physnic.h. */
unsigned physnic_rx_room(const struct netdev *dev)
{
	if (!physnic_is_physnic(dev))
		return 0;
	const struct physnic *nic = physnic_of(dev);
	return nic->ring_size - nic->n_ring;
}

/* Verify the full TCP/UDP checksum of a linear frame over the length its IP
 * header claims (Ethernet padding excluded), as rx-csum hardware does.
 * A UDP/IPv4 checksum of 0 means "none" and counts as good. */
static bool physnic_l4_csum_ok(const uint8_t *frame, uint32_t len, const struct hdr_info *h)
{
	const uint8_t *ip = frame + h->l3_off;
	uint32_t l4_len, sum;

	if (h->l3_off + h->l3_tot_len > len || h->l3_tot_len < h->l3_hlen)
		return false;
	l4_len = h->l3_tot_len - h->l3_hlen;
	if (h->l4_proto == IPPROTO_UDP_ && h->ip_version == 4 && l4_len >= 8 &&
	    hdr_get16(frame + h->l4_off + UDP_CSUM_OFFSET) == 0)
		return true;
	sum = csum_partial(frame + h->l4_off, l4_len, 0);
	if (h->ip_version == 4)
		sum = csum_tcpudp_nofold(ip + 12, ip + 16, l4_len, h->l4_proto, sum);
	else
		sum = csum_ipv6_nofold(ip + 8, ip + 24, l4_len, h->l4_proto, sum);
	return csum_fold(sum) == 0;
}

static void physnic_gro_deliver(void *arg, struct pkt *p)
{
	struct physnic *nic = arg;
	netdev_receive(nic->dev, p);
}

/* One received frame: headers located, checksum judged, then GRO or up. */
static void physnic_rx_one(struct physnic *nic, struct pkt *p)
{
	struct netdev *dev = nic->dev;
	struct hdr_info h;
	bool is_l4, gro = (dev->features & NETIF_F_GRO) != 0;
	bool csum_ok = false, checked = false;

	p->mac_header = p->data;
	if (hdr_parse(pkt_data(p), p->len, &h) != 0) {
		/* Not ours to judge: a NIC hands malformed frames up unverified
		 * (GRO's "normal" path: held flows stay held). */
		netdev_receive(dev, p);
		return;
	}
	p->protocol = h.ethertype;
	if (h.l3_off)
		p->network_header = p->data + h.l3_off;
	if (h.l4_off)
		p->transport_header = p->data + h.l4_off;
	is_l4 = h.l4_off && !h.is_fragment &&
		(h.l4_proto == IPPROTO_TCP_ || h.l4_proto == IPPROTO_UDP_);

	if (is_l4 && (dev->features & NETIF_F_RXCSUM)) {
		/* A checksum the wire computed right is good by construction
		 * (tap_wire_seed_right): the verdict the sum would give, without
		 * the sum, as hardware's check costs the host nothing. */
		if (p->csum_by_wire && h.l3_off + h.l3_tot_len == p->len) {
			csum_ok = true;
			nic->c.rx_csum_wire_trusted++;
		} else {
			csum_ok = physnic_l4_csum_ok(pkt_data(p), p->len, &h);
		}
		checked = true;
		if (csum_ok)
			nic->c.rx_csum_good++;
		else
			nic->c.rx_csum_bad++;
	} else if (is_l4 && gro && h.l4_proto == IPPROTO_TCP_) {
		/* No rx-csum hardware: GRO validates TCP in software before it
		 * merges, as skb_gro_checksum_validate does. */
		csum_ok = physnic_l4_csum_ok(pkt_data(p), p->len, &h);
		checked = true;
		nic->c.gro_sw_csum++;
	}
	p->ip_summed = checked && csum_ok ? CHECKSUM_UNNECESSARY : CHECKSUM_NONE;
	p->csum_level = 0;
	p->csum_by_wire = false;
	pkt_trace(p, "physnic_rx");

	if (!gro) {
		netdev_receive(dev, p);
		return;
	}
	/* A bad TCP segment never merges: GRO passes it up at once and leaves
	 * what it holds (tcp4_gro_receive sets only the segment's flush), so
	 * it overtakes its flow's held segments, as in Linux. */
	gro_receive(&nic->gro, p);
}

static void physnic_napi_poll(struct ev_task *task)
{
	struct physnic *nic = (struct physnic *)((char *)task - offsetof(struct physnic, napi));
	unsigned budget = nic->cfg.napi_budget, done = 0;

	nic->c.napi_polls++;
	gro_set_time(&nic->gro, ev_now(nic->loop));
	while (done < budget && nic->n_ring) {
		struct pkt *p = nic->ring[nic->ring_head];
		nic->ring[nic->ring_head] = NULL;
		nic->ring_head = (nic->ring_head + 1) % nic->ring_size;
		nic->n_ring--;
		physnic_rx_one(nic, p);
		done++;
	}
	if (done == budget) {
		/* Budget used: net_rx_action polls again and, with HZ < 1000,
		 * flushes everything GRO holds (napi_gro_flush(n, HZ >= 1000)). */
		gro_flush(&nic->gro);
		nic->irq_masked = false;
		ev_task_schedule(nic->loop, &nic->napi);
		return;
	}
	/* napi_complete_done: flush (all, or with gro_flush_timeout only the
	 * flows of older jiffies), maybe keep hard irqs masked, maybe arm the
	 * timer that polls again. */
	bool rearm;
	uint64_t timeout = gro_napi_complete(&nic->gro, done, &rearm);
	nic->irq_masked = !rearm;
	if (timeout)
		ev_timer_arm(nic->loop, &nic->napi_timer, ev_now(nic->loop) + timeout);
	else if (ev_timer_armed(&nic->napi_timer))
		ev_timer_cancel(nic->loop, &nic->napi_timer);
}

/* napi_watchdog: the deferred flush's timer schedules a poll. */
static void physnic_napi_timer(struct ev_timer *t)
{
	struct physnic *nic = (struct physnic *)((char *)t - offsetof(struct physnic, napi_timer));
	ev_task_schedule(nic->loop, &nic->napi);
}

static void physnic_drain_ring(struct physnic *nic)
{
	while (nic->n_ring) {
		pkt_free(nic->ring[nic->ring_head]);
		nic->ring[nic->ring_head] = NULL;
		nic->ring_head = (nic->ring_head + 1) % nic->ring_size;
		nic->n_ring--;
	}
}

/* ---- Device ops ---------------------------------------------------------- */

static int physnic_open(struct netdev *dev)
{
	(void)dev;
	return 0;
}

static int physnic_stop(struct netdev *dev)
{
	struct physnic *nic = physnic_of(dev);

	ev_task_cancel(nic->loop, &nic->napi);
	ev_timer_cancel(nic->loop, &nic->napi_timer);
	nic->irq_masked = false;
	gro_flush(&nic->gro);
	physnic_drain_ring(nic);
	return 0;
}

static int physnic_set_features(struct netdev *dev, uint32_t features)
{
	struct physnic *nic = physnic_of(dev);

	/* Turning GRO off releases what it holds first, as netdev_update_features
	 * does through dev_disable_gro_hw / napi flush. */
	if ((dev->features & NETIF_F_GRO) && !(features & NETIF_F_GRO))
		gro_flush(&nic->gro);
	return 0;
}

static int physnic_change_mtu(struct netdev *dev, unsigned mtu)
{
	dev->mtu = mtu;
	return 0;
}

static void physnic_unlink(struct physnic *nic)
{
	if (nic->peer) {
		nic->peer->peer = NULL;
		nic->peer = NULL;
	}
}

static void physnic_destroy(struct netdev *dev)
{
	struct physnic *nic = physnic_of(dev);

	ev_task_cancel(nic->loop, &nic->napi);
	ev_timer_cancel(nic->loop, &nic->napi_timer);
	physnic_drain_ring(nic);
	physnic_unlink(nic);
	free(nic->ring);
	free(nic->scratch);
	nic->ring = NULL;
	nic->scratch = NULL;
}

static const struct netdev_ops physnic_ops = {
	.open = physnic_open,
	.stop = physnic_stop,
	.start_xmit = physnic_start_xmit,
	.set_features = physnic_set_features,
	.change_mtu = physnic_change_mtu,
	.destroy = physnic_destroy,
	.tx_prof = &physnic_prof,
};

/* physnic_create: see physnic.h. */
struct netdev *physnic_create(const char *name, struct pkt_pool *pool, struct ev_loop *loop,
			      const struct physnic_config *cfg)
{
	struct physnic_config defaults;
	struct netdev *dev;
	struct physnic *nic;

	if (!cfg) {
		physnic_config_init(&defaults);
		cfg = &defaults;
	}
	if (!name || !pool || !loop || cfg->rx_ring_size == 0 || cfg->napi_budget == 0 ||
	    cfg->mtu < 68 || cfg->mtu + ETH_HLEN + VLAN_HLEN > PKT_MAX_LEN)
		return NULL;
	dev = netdev_alloc(name, sizeof(*nic));
	if (!dev)
		return NULL;
	nic = dev->priv;
	memset(nic, 0, sizeof(*nic));
	nic->dev = dev;
	nic->loop = loop;
	nic->cfg = *cfg;
	nic->ring_size = cfg->rx_ring_size;
	nic->ring = calloc(nic->ring_size, sizeof(*nic->ring));
	if (!nic->ring)
		goto free_dev;
	nic->scratch = malloc(PKT_MAX_LEN + VLAN_HLEN);
	if (!nic->scratch)
		goto free_ring;
	ev_task_init(&nic->napi, physnic_napi_poll);
	ev_task_set_prof(&nic->napi, &physnic_prof);
	gro_init(&nic->gro, physnic_gro_deliver, nic);
	nic->gro.defer.flush_timeout_ns = cfg->gro_flush_timeout_ns;
	nic->gro.defer.defer_hard_irqs = cfg->napi_defer_hard_irqs;
	ev_timer_init(&nic->napi_timer, physnic_napi_timer);

	dev->ops = &physnic_ops;
	dev->pool = pool;
	dev->mtu = cfg->mtu;
	dev->min_mtu = 68;
	dev->max_mtu = PKT_MAX_LEN - ETH_HLEN - VLAN_HLEN;
	dev->hw_features = NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM | NETIF_F_TSO |
			   NETIF_F_TSO6 | NETIF_F_RXCSUM | NETIF_F_GRO;
	dev->features = physnic_features_of(cfg);
	/* Like most server NICs (ixgbe, mlx5), checksum offload and TSO work
	 * on 802.1Q-tagged frames as well. */
	dev->vlan_features = NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM | NETIF_F_TSO |
			     NETIF_F_TSO6;
	if (cfg->mac[0] | cfg->mac[1] | cfg->mac[2] | cfg->mac[3] | cfg->mac[4] | cfg->mac[5]) {
		memcpy(dev->mac, cfg->mac, 6);
	} else {
		unsigned n = ++physnic_n_created;
		uint8_t mac[6] = {0x02, 0x50, 0x48, 0x59, (uint8_t)(n >> 8), (uint8_t)n};
		memcpy(dev->mac, mac, 6);
	}
	if (netdev_add_counter_set(dev, &physnic_counters, &nic->c) != 0 ||
	    netdev_add_counter_set(dev, &gro_counters, &nic->gro.stats) != 0 ||
	    netdev_register(dev) != 0)
		goto free_scratch;
	/* register_netdevice turns the soft features (GRO) on for everyone;
	 * the configuration decides. */
	if (dev->features != physnic_features_of(cfg))
		netdev_set_features(dev, physnic_features_of(cfg));
	return dev;

free_scratch:
	free(nic->scratch);
free_ring:
	free(nic->ring);
free_dev:
	dev->ops = NULL;
	netdev_free(dev);
	return NULL;
}

/* physnic_link: see physnic.h. */
int physnic_link(struct netdev *a, struct netdev *b)
{
	struct physnic *na, *nb;

	if (!physnic_is_physnic(a) || !physnic_is_physnic(b) || a == b)
		return -EINVAL;
	na = physnic_of(a);
	nb = physnic_of(b);
	physnic_unlink(na);
	physnic_unlink(nb);
	na->wire_send = nb->wire_send = NULL;
	na->peer = nb;
	nb->peer = na;
	return 0;
}

/* physnic_set_wire: see physnic.h. */
void physnic_set_wire(struct netdev *dev,
		      int (*send)(void *arg, const uint8_t *frame, uint32_t len), void *arg)
{
	struct physnic *nic;

	if (!physnic_is_physnic(dev))
		return;
	nic = physnic_of(dev);
	physnic_unlink(nic);
	nic->wire_send = send;
	nic->wire_arg = send ? arg : NULL;
}
