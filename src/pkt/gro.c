/*
 * gro.c — generic receive offload for TCP over IPv4 and IPv6, following
 * Linux 6.1's dev_gro_receive / gro_list_prepare, inet_gro_receive,
 * ipv6_gro_receive (with ipv6_gso_pull_exthdrs), tcp4/6_gro_receive,
 * tcp_gro_receive, skb_gro_receive, tcp_gro_complete and the flush of
 * napi_complete_done (gro_flush_timeout, napi_defer_hard_irqs).
 *
 * Serves the drivers' NAPI polls (src/drv/physnic, src/drv/ibmveth): they
 * hand every frame here and get back, through deliver, what the stack would
 * see.
 *
 * Choices where Linux differs or is silent:
 *  - Every received packet is linear and its buffer is stolen as one page
 *    fragment when it merges (skb_gro_receive's head_frag branch, what
 *    build_skb drivers and ibmveth's page-fragment receive buffers get), so
 *    a packet holds its first segment and 17 more as fragments.
 *  - One list of GRO_MAX_FLOWS held packets instead of 8 hash buckets of 8:
 *    the oldest is flushed when a ninth flow starts (gro_flush_oldest).
 *  - A packet that is itself GSO (a large receive) or nonlinear is passed
 *    up untouched, as dev_gro_receive did in the seed's era
 *    (NAPI_GRO_CB(skb)->flush = skb_is_gso(skb) || skb_has_frag_list(skb));
 *    6.1 may hold or merge a GSO packet whose payload is an exact multiple
 *    of its gso_size, and its tcp_gro_complete would then rewrite the
 *    checksum state of a large receive.
 *  - A CHECKSUM_NONE/COMPLETE segment is verified in software before it may
 *    merge (skb_gro_checksum_validate); a bad one is delivered at once and
 *    a flow held for it stays held, as in Linux (it overtakes them).
 */
#include <string.h>

#include "pkt/csum.h"
#include "pkt/gro.h"
#include "pkt/hdr.h"

COUNTER_SET_DEFINE(gro_counters, "gro", struct gro_stats, GRO_COUNTERS);

/* gro_init: see gro.h. */
void gro_init(struct gro_ctx *g, void (*deliver)(void *arg, struct pkt *p), void *arg)
{
	memset(g, 0, sizeof(*g));
	g->deliver = deliver;
	g->arg = arg;
}

/* gro_set_time: see gro.h. */
void gro_set_time(struct gro_ctx *g, uint64_t now_ns)
{
	g->jiffies = now_ns / GRO_JIFFY_NS;
}

static void gro_remove(struct gro_ctx *g, unsigned i)
{
	for (unsigned k = i; k + 1 < g->n_flows; k++) {
		g->flows[k] = g->flows[k + 1];
		g->flow_state[k] = g->flow_state[k + 1];
	}
	g->n_flows--;
	g->flows[g->n_flows] = NULL;
}

/* napi_gro_complete: finish a held packet as tcp4/6_gro_complete and
 * tcp_gro_complete do (a single segment goes up as it came) and deliver it. */
static void gro_complete(struct gro_ctx *g, unsigned i)
{
	struct pkt *p = g->flows[i];
	struct gro_flow f = g->flow_state[i];
	gro_remove(g, i);
	g->stats.gro_flushed++;
	if (f.count > 1) {
		uint8_t *d = pkt_data(p);
		uint8_t *ip = d + f.l3_off, *th = d + f.l4_off;
		bool v4 = ip[0] >> 4 == 4;
		uint32_t l4len = p->len - f.l4_off;
		if (v4) {
			hdr_put16(ip + 2, (uint16_t)(p->len - f.l3_off));
			hdr_put16(ip + 10, 0);
			uint16_t c = ip_fast_csum(ip, 5);
			memcpy(ip + 10, &c, 2);
		} else {
			hdr_put16(ip + 4, (uint16_t)(p->len - f.l3_off - IPV6_HLEN));
		}
		uint32_t ps = v4 ? csum_tcpudp_nofold(ip + 12, ip + 16, l4len, IPPROTO_TCP_, 0)
				 : csum_ipv6_nofold(ip + 8, ip + 24, l4len, IPPROTO_TCP_, 0);
		uint16_t seed = (uint16_t)~csum_fold(ps);
		memcpy(th + TCP_CSUM_OFFSET, &seed, 2);
		p->mac_header = p->data;
		p->network_header = p->data + f.l3_off;
		p->transport_header = p->data + f.l4_off;
		p->protocol = v4 ? ETH_P_IP : ETH_P_IPV6;
		p->ip_summed = CHECKSUM_PARTIAL;
		p->csum_start = p->transport_header;
		p->csum_offset = TCP_CSUM_OFFSET;
		p->csum_level = 0;
		p->gso_size = f.mss;
		p->gso_segs = f.count;
		p->gso_type = v4 ? PKT_GSO_TCPV4 : PKT_GSO_TCPV6;
		if (th[13] & TCP_CWR)
			p->gso_type |= PKT_GSO_TCP_ECN;
		if (v4 && f.is_atomic)
			p->gso_type |= PKT_GSO_TCP_FIXEDID; /* tcp4_gro_complete */
		pkt_trace(p, "gro_complete");
	}
	g->deliver(g->arg, p);
}

/* gro_flush: see gro.h. */
void gro_flush(struct gro_ctx *g)
{
	while (g->n_flows)
		gro_complete(g, 0);
}

/* gro_discard: see gro.h. */
unsigned gro_discard(struct gro_ctx *g)
{
	unsigned n = g->n_flows;
	for (unsigned i = 0; i < n; i++) {
		pkt_free(g->flows[i]);
		g->flows[i] = NULL;
	}
	g->n_flows = 0;
	return n;
}

/* gro_flush_old: see gro.h. Oldest first, stopping at the first flow held
 * in this jiffy, as __napi_gro_flush_chain walks its list from the tail. */
void gro_flush_old(struct gro_ctx *g)
{
	while (g->n_flows && g->flow_state[0].age != g->jiffies)
		gro_complete(g, 0);
}

/* gro_napi_complete: see gro.h. */
uint64_t gro_napi_complete(struct gro_ctx *g, unsigned work_done, bool *irq_rearm)
{
	uint64_t timeout = 0;
	bool rearm = true;
	if (work_done) {
		if (g->n_flows)
			timeout = g->defer.flush_timeout_ns;
		g->defer_hard_irqs_count = g->defer.defer_hard_irqs;
	}
	if (g->defer_hard_irqs_count > 0) {
		g->defer_hard_irqs_count--;
		timeout = g->defer.flush_timeout_ns;
		if (timeout)
			rearm = false;
	}
	if (g->n_flows) {
		if (timeout) {
			gro_flush_old(g);
			if (g->n_flows)
				g->stats.gro_deferred_flushes++;
		} else {
			gro_flush(g);
		}
	}
	if (irq_rearm)
		*irq_rearm = rearm;
	return timeout;
}

static void gro_pass(struct gro_ctx *g, struct pkt *p)
{
	g->stats.gro_passthrough++;
	g->deliver(g->arg, p);
}

/* What GRO learns of one received packet on its way down the offload
 * callbacks: where it fails to go further (pass), its own flush bit
 * (NAPI_GRO_CB(skb)->flush) and the IPv4 is_atomic. */
struct gro_rx {
	struct hdr_info h;
	uint32_t hlen; /* MAC..TCP header bytes */
	uint32_t len;  /* payload: skb_gro_len after the TCP header */
	bool flush;
	bool is_atomic;
};

/* The checks of inet_gro_receive / ipv6_gro_receive / tcp_gro_receive that
 * do not depend on a held packet. False: GRO has nothing to do with p (it
 * goes up at once, touching no held flow). */
static bool gro_parse(const struct pkt *p, struct gro_rx *r)
{
	struct hdr_info *h = &r->h;
	memset(r, 0, sizeof(*r));
	if (hdr_parse_head(pkt_data(p), pkt_headlen(p), p->len, h) != 0 || !h->l3_off)
		return false;
	if (pkt_is_gso(p) || pkt_is_nonlinear(p))
		return false; /* see the choices above */
	if (h->is_fragment || h->l4_proto != IPPROTO_TCP_ || !h->l4_off)
		return false; /* no gro_receive for the protocol (or a fragment) */
	const uint8_t *ip = pkt_data(p) + h->l3_off;
	uint32_t l3len = p->len - h->l3_off; /* skb_gro_len at the IP header */
	if (h->ip_version == 4) {
		if (ip[0] != 0x45)
			return false; /* options */
		if (ip_fast_csum(ip, 5) != 0)
			return false;
		uint16_t frag = hdr_get16(ip + 6);
		/* tot_len must be what arrived, and no frag_off bit but DF */
		r->flush = h->l3_tot_len != l3len || (frag & (uint16_t)~IP_DF) != 0;
		r->is_atomic = (frag & IP_DF) != 0;
	} else {
		r->flush = h->l3_tot_len != l3len; /* payload_len vs what arrived */
		r->is_atomic = true;
	}
	r->hlen = (uint32_t)h->l4_off + h->l4_hlen;
	r->len = p->len - r->hlen;
	return true;
}

/* tcp4/6_gro_receive: the checksum must be good before a segment may merge
 * (skb_gro_checksum_validate; not tried when the packet flushes anyway). */
static bool gro_csum_ok(struct pkt *p, const struct hdr_info *h)
{
	if (p->ip_summed == CHECKSUM_UNNECESSARY || p->ip_summed == CHECKSUM_PARTIAL)
		return true;
	/* Verify in software; header offsets restored so a packet that goes up
	 * unmerged leaves as it came. */
	uint32_t nh = p->network_header, th = p->transport_header;
	p->network_header = p->data + h->l3_off;
	p->transport_header = p->data + h->l4_off;
	bool ok = pkt_l4_csum_ok(p);
	p->network_header = nh;
	p->transport_header = th;
	return ok;
}

/* Same flow (gro_list_prepare's MAC header, then inet/ipv6_gro_receive's
 * and tcp_gro_receive's tests): same L2 header, IPv4 protocol and
 * addresses, or IPv6 version, flow label, addresses, next header and
 * identical extension headers; same ports. */
static bool gro_same_flow(const uint8_t *a, const struct gro_flow *f, const uint8_t *b,
			  const struct hdr_info *h)
{
	if (f->l3_off != h->l3_off || f->l4_off != h->l4_off)
		return false;
	if (memcmp(a, b, h->l3_off) != 0)
		return false;
	const uint8_t *ia = a + h->l3_off, *ib = b + h->l3_off;
	if ((ia[0] >> 4) != (ib[0] >> 4))
		return false;
	if (h->ip_version == 4) {
		if (ia[9] != ib[9] || memcmp(ia + 12, ib + 12, 8) != 0)
			return false;
	} else {
		uint32_t w = hdr_get32(ia) ^ hdr_get32(ib);
		if ((w & 0xF00FFFFFu) || memcmp(ia + 8, ib + 8, 32) != 0 || ia[6] != ib[6])
			return false;
		if (h->l3_hlen > IPV6_HLEN &&
		    memcmp(ia + IPV6_HLEN, ib + IPV6_HLEN, h->l3_hlen - IPV6_HLEN) != 0)
			return false;
	}
	return memcmp(a + f->l4_off, b + h->l4_off, 4) == 0; /* ports */
}

/*
 * tcp_gro_receive's flush test for segment b (parsed as r) against held
 * packet a: with the IP-level flushes inet_gro_receive / ipv6_gro_receive
 * put on the held packet (ttl, tos, DF; traffic class, hop limit; the
 * segment's own flush), the IP id rule (flush_id, is_atomic), flags other
 * than CWR/FIN/PSH, doff and window (the flag word), ack, options, a payload
 * of 0 or above mss, and a sequence gap. True: they do not merge.
 */
static bool gro_must_flush(const struct pkt *a, struct gro_flow *f, const uint8_t *b,
			   const struct gro_rx *r)
{
	const struct hdr_info *h = &r->h;
	const uint8_t *da = pkt_data(a);
	const uint8_t *ia = da + f->l3_off, *ib = b + h->l3_off;
	const uint8_t *ta = da + f->l4_off, *tb = b + h->l4_off;
	bool flush = r->flush;
	if (h->ip_version == 4) {
		flush |= ia[1] != ib[1] || ia[8] != ib[8] || ((ia[6] ^ ib[6]) & (IP_DF >> 8));
		/* flush_id: the id's distance from the head's */
		uint16_t flush_id = (uint16_t)(hdr_get16(ib + 4) - hdr_get16(ia + 4));
		if (!f->is_atomic || !r->is_atomic)
			flush_id = (flush_id ^ f->count) ? 0xFFFF : 0;
		if (flush_id != 1 || f->count != 1 || !f->is_atomic)
			flush |= flush_id != 0;
		else
			f->is_atomic = false; /* the id increments: not a fixed-id flow */
	} else {
		flush |= ((hdr_get32(ia) ^ hdr_get32(ib)) & 0x0FF00000u) || ia[7] != ib[7];
	}
	uint8_t fb = tb[13];
	flush |= (fb & TCP_CWR) != 0;
	flush |= ((fb ^ ta[13]) & (uint8_t) ~(TCP_CWR | TCP_FIN | TCP_PSH)) != 0;
	flush |= ta[12] != tb[12] || memcmp(ta + 14, tb + 14, 2) != 0; /* doff, window */
	flush |= memcmp(ta + 8, tb + 8, 4) != 0;                       /* ack_seq */
	flush |= memcmp(ta + 20, tb + 20, h->l4_hlen - 20u) != 0;      /* options */
	flush |= r->len == 0 || r->len > f->mss;                       /* (len - 1) >= mss */
	flush |= hdr_get32(tb + 4) != f->next_seq;
	return flush;
}

/* skb_gro_receive: append segment p (headers pulled) to held packet a as
 * a page fragment of the chain's last packet, or, with 17 there, on a's
 * frag_list as the new last packet. -E2BIG (nothing done) when a would
 * reach GRO_MAX_SIZE. */
static int gro_append(struct gro_ctx *g, struct pkt *a, struct gro_flow *f, struct pkt *p,
		      const struct gro_rx *r)
{
	if ((a->len - f->l3_off) + r->len >= GRO_MAX_SIZE)
		return -1;
	struct pkt *lp = f->last ? f->last : a;
	pkt_pull(p, r->hlen);
	pkt_reset_meta(p);
	p->next = NULL;
	if (pkt_frag_append(lp, p) == 0) {
		g->stats.gro_merged_frags++;
		if (lp != a) {
			a->len += r->len;
			a->data_len += r->len;
		}
		return 0;
	}
	/* merge: chain p itself; later segments fill its fragments */
	if (f->last)
		f->last->next = p;
	else
		a->frag_list = p;
	f->last = p;
	a->len += r->len;
	a->data_len += r->len;
	g->stats.gro_merged_frag_list++;
	return 0;
}

/* Hold p as a new flow (gro_flush_oldest first when GRO_MAX_FLOWS are). */
static void gro_hold(struct gro_ctx *g, struct pkt *p, const struct gro_rx *r)
{
	const struct hdr_info *h = &r->h;
	const uint8_t *th = pkt_data(p) + h->l4_off;
	if (g->n_flows == GRO_MAX_FLOWS)
		gro_complete(g, 0);
	unsigned i = g->n_flows++;
	g->flows[i] = p;
	struct gro_flow *f = &g->flow_state[i];
	memset(f, 0, sizeof(*f));
	f->next_seq = hdr_get32(th + 4) + r->len;
	f->mss = (uint16_t)r->len;
	f->count = 1;
	f->age = g->jiffies;
	f->is_atomic = r->is_atomic;
	f->l3_off = h->l3_off;
	f->l4_off = h->l4_off;
	f->hlen = (uint16_t)r->hlen;
	g->stats.gro_held++;
}

/*
 * gro_receive: see gro.h. As dev_gro_receive: the held packet of the same
 * flow is merged into when nothing flushes (gro_must_flush) and there is
 * room; it is completed when it did not merge, or when the segment was
 * short or carried URG/PSH/RST/SYN/FIN (out_check_final). The segment is
 * then held as a new flow unless it merged or flushes itself (its own flush
 * bit, a zero payload, those flags), in which case it goes up at once.
 */
void gro_receive(struct gro_ctx *g, struct pkt *p)
{
	struct gro_rx r;
	if (!gro_parse(p, &r)) {
		gro_pass(g, p);
		return;
	}
	const uint8_t *b = pkt_data(p);
	uint8_t flags = b[r.h.l4_off + 13];
	if (!r.flush && !gro_csum_ok(p, &r.h)) {
		gro_pass(g, p); /* tcp4/6_gro_receive: flush the segment alone */
		return;
	}
	int fi = -1;
	for (unsigned i = 0; i < g->n_flows; i++)
		if (gro_same_flow(pkt_data(g->flows[i]), &g->flow_state[i], b, &r.h)) {
			fi = (int)i;
			break;
		}
	bool merged = false;
	uint32_t mss = 1;
	if (fi >= 0) {
		struct pkt *head = g->flows[fi];
		struct gro_flow *f = &g->flow_state[fi];
		if (!gro_must_flush(head, f, b, &r) && gro_append(g, head, f, p, &r) == 0) {
			merged = true;
			mss = f->mss;
			pkt_data(head)[f->l4_off + 13] |= flags & (TCP_FIN | TCP_PSH);
			f->next_seq += r.len;
			f->count++;
			g->stats.gro_merged++;
		}
	}
	bool flush = r.len < mss || (flags & (TCP_URG | TCP_PSH | TCP_RST | TCP_SYN | TCP_FIN));
	if (fi >= 0 && (!merged || flush))
		gro_complete(g, (unsigned)fi);
	if (merged)
		return;
	if (r.flush || flush)
		gro_pass(g, p);
	else
		gro_hold(g, p, &r);
}
