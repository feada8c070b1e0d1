/*
 * gro.c — generic receive offload for TCP over IPv4 and IPv6, following
 * Linux's dev_gro_receive / inet_gro_receive / ipv6_gro_receive /
 * tcp_gro_receive / skb_gro_receive ("merge:" frag_list path) and
 * tcp_gro_complete.
 *
 * Serves the physical NIC (src/drv/physnic), whose receive path hands every
 * frame here and gets back, through deliver, what the stack would see.
 *
 * Choices where Linux differs or is silent:
 *  - Merging always chains the later segment's buffer (headers pulled) in the
 *    head's frag_list; Linux first tries page frags.
 *  - A packet that cannot be merged (IP options, fragment, not TCP, bad
 *    checksum) but belongs to a held flow flushes that flow first, so the
 *    stream is never reordered (Linux leaves the held packet until the end
 *    of the poll).
 *  - A CHECKSUM_NONE/COMPLETE segment is verified in software before it may
 *    merge (skb_gro_checksum_validate); a bad one is delivered untouched.
 *    A single held packet is delivered exactly as it came.
 */
#include <string.h>

#include "pkt/csum.h"
#include "pkt/gro.h"
#include "pkt/hdr.h"

#define GRO_ID_UNDECIDED 0
#define GRO_ID_INCREMENT 1
#define GRO_ID_FIXED 2

COUNTER_SET_DEFINE(gro_counters, "gro", struct gro_stats, GRO_COUNTERS);

/* gro_init: see gro.h. */
void gro_init(struct gro_ctx *g, void (*deliver)(void *arg, struct pkt *p), void *arg)
{
	memset(g, 0, sizeof(*g));
	g->deliver = deliver;
	g->arg = arg;
}

/* Same flow: same L2 header, IP version, addresses and ports (as the
 * same_flow tests of dev_gro_receive, inet/ipv6_gro_receive, tcp_gro_receive). */
static bool gro_same_flow(const uint8_t *a, const struct gro_flow *f, const uint8_t *b,
			  const struct hdr_info *h)
{
	if (f->l3_off != h->l3_off)
		return false;
	if (memcmp(a, b, h->l3_off) != 0)
		return false;
	const uint8_t *ia = a + h->l3_off, *ib = b + h->l3_off;
	if ((ia[0] >> 4) != (ib[0] >> 4))
		return false;
	if (h->ip_version == 4) {
		if (ia[9] != ib[9] || memcmp(ia + 12, ib + 12, 8) != 0)
			return false;
	} else if (memcmp(ia + 8, ib + 8, 32) != 0) {
		return false;
	}
	return memcmp(a + f->l4_off, b + h->l4_off, 4) == 0; /* ports */
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

/* Finish a held packet as tcp_gro_complete does and deliver it. */
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
			hdr_put16(ip + 4, (uint16_t)(p->len - f.l3_off - 40));
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
		if (v4 && f.id_mode == GRO_ID_FIXED)
			p->gso_type |= PKT_GSO_TCP_FIXEDID;
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

static void gro_pass(struct gro_ctx *g, struct pkt *p)
{
	g->stats.gro_passthrough++;
	g->deliver(g->arg, p);
}

/* Could this packet ever be merged: plain TCP over IPv4 without options or
 * fragmentation, or IPv6 without extension headers; no padding; a verified
 * (or verifiable) checksum; not itself GSO or chained. */
static bool gro_eligible(struct pkt *p, const struct hdr_info *h)
{
	if (!h->l4_off || h->l4_proto != IPPROTO_TCP_ || h->is_fragment)
		return false;
	if (p->frag_list || pkt_is_gso(p))
		return false;
	if ((h->ip_version == 4 && h->l3_hlen != 20) || (h->ip_version == 6 && h->l3_hlen != 40))
		return false;
	if ((uint32_t)h->l3_off + h->l3_tot_len != p->len)
		return false; /* padded: flushed in Linux too (length mismatch) */
	const uint8_t *ip = pkt_data(p) + h->l3_off;
	if (h->ip_version == 4 && ip_fast_csum(ip, 5) != 0)
		return false;
	if (p->ip_summed == CHECKSUM_UNNECESSARY || p->ip_summed == CHECKSUM_PARTIAL)
		return true;
	/* skb_gro_checksum_validate: verify in software, headers needed for it;
	 * restore them so an unmerged packet leaves as it came. */
	uint32_t nh = p->network_header, th = p->transport_header;
	p->network_header = p->data + h->l3_off;
	p->transport_header = p->data + h->l4_off;
	bool ok = pkt_l4_csum_ok(p);
	p->network_header = nh;
	p->transport_header = th;
	return ok;
}

static bool gro_flush_flags(uint8_t flags)
{
	return (flags & (TCP_URG | TCP_PSH | TCP_RST | TCP_SYN | TCP_FIN)) != 0;
}

/* May segment b (parsed as h, payload len) be appended to held flow f, head a? */
static bool gro_can_merge(const struct pkt *a, const struct gro_flow *f, const uint8_t *b,
			  const struct hdr_info *h, uint32_t len)
{
	const uint8_t *da = pkt_data(a);
	const uint8_t *ia = da + f->l3_off, *ib = b + h->l3_off;
	const uint8_t *ta = da + f->l4_off, *tb = b + h->l4_off;
	uint8_t fb = tb[13];
	if (f->hlen != (uint32_t)h->l4_off + h->l4_hlen)
		return false; /* doff differs */
	if (fb & TCP_CWR)
		return false;
	if ((fb ^ ta[13]) & (uint8_t) ~(TCP_CWR | TCP_FIN | TCP_PSH))
		return false;
	if (memcmp(ta + 8, tb + 8, 4) != 0 || memcmp(ta + 14, tb + 14, 2) != 0)
		return false; /* ack_seq, window (tcp_flag_word) */
	if (memcmp(ta + 20, tb + 20, h->l4_hlen - 20u) != 0)
		return false; /* options */
	if (len == 0 || len > f->mss)
		return false;
	if (hdr_get32(tb + 4) != f->next_seq)
		return false;
	if (h->ip_version == 4) {
		if (ia[1] != ib[1] || ia[8] != ib[8] || ((ia[6] ^ ib[6]) & 0x40))
			return false; /* tos, ttl, DF */
		uint16_t id = hdr_get16(ib + 4);
		bool inc = id == (uint16_t)(f->last_id + 1), fixed = id == f->last_id;
		if (f->id_mode == GRO_ID_INCREMENT ? !inc
		    : f->id_mode == GRO_ID_FIXED   ? !fixed
						   : !(inc || fixed))
			return false;
	} else {
		if (memcmp(ia, ib, 4) != 0 || ia[7] != ib[7])
			return false; /* traffic class, flow label, hop limit */
	}
	if ((a->len - f->l3_off) + len >= GRO_MAX_SIZE)
		return false;
	return true;
}

/* Hold p as a new flow (or deliver it if it would flush at once). */
static void gro_hold(struct gro_ctx *g, struct pkt *p, const struct hdr_info *h, uint32_t len)
{
	const uint8_t *th = pkt_data(p) + h->l4_off;
	if (len == 0 || gro_flush_flags(th[13])) {
		gro_pass(g, p);
		return;
	}
	if (g->n_flows == GRO_MAX_FLOWS)
		gro_complete(g, 0); /* gro_flush_oldest */
	unsigned i = g->n_flows++;
	g->flows[i] = p;
	struct gro_flow *f = &g->flow_state[i];
	memset(f, 0, sizeof(*f));
	f->next_seq = hdr_get32(th + 4) + len;
	f->mss = (uint16_t)len;
	f->count = 1;
	f->last_id = h->ip_version == 4 ? hdr_get16(pkt_data(p) + h->l3_off + 4) : 0;
	f->l3_off = h->l3_off;
	f->l4_off = h->l4_off;
	f->hlen = (uint16_t)(h->l4_off + h->l4_hlen);
	g->stats.gro_held++;
}

/*
 * gro_receive: see gro.h. A segment of a held flow is merged when
 * tcp_gro_receive would (same flags but CWR/FIN/PSH and no CWR on it, same
 * ack, window and options, contiguous sequence, 0 < payload <= mss, IP id
 * incrementing or fixed, tos/ttl/DF or IPv6 class/label/hop limit equal,
 * under 64 KiB); the flow is then flushed if the segment was short or
 * carried URG/PSH/RST/SYN/FIN. A segment that cannot merge flushes its flow
 * and starts a new one (or is delivered at once when it would flush itself).
 */
void gro_receive(struct gro_ctx *g, struct pkt *p)
{
	struct hdr_info h;
	if (hdr_parse_head(pkt_data(p), pkt_headlen(p), p->len, &h) != 0) {
		gro_pass(g, p);
		return;
	}
	int fi = -1;
	if (h.l4_off && h.l4_proto == IPPROTO_TCP_)
		for (unsigned i = 0; i < g->n_flows; i++)
			if (gro_same_flow(pkt_data(g->flows[i]), &g->flow_state[i], pkt_data(p), &h)) {
				fi = (int)i;
				break;
			}
	if (!gro_eligible(p, &h)) {
		if (fi >= 0)
			gro_complete(g, (unsigned)fi); /* keep the stream in order */
		gro_pass(g, p);
		return;
	}
	uint32_t hlen = (uint32_t)h.l4_off + h.l4_hlen;
	uint32_t len = p->len - hlen;
	if (fi < 0) {
		gro_hold(g, p, &h, len);
		return;
	}
	struct pkt *head = g->flows[fi];
	struct gro_flow *f = &g->flow_state[fi];
	const uint8_t *b = pkt_data(p);
	if (!gro_can_merge(head, f, b, &h, len)) {
		gro_complete(g, (unsigned)fi);
		gro_hold(g, p, &h, len);
		return;
	}
	uint8_t flags = b[h.l4_off + 13];
	if (h.ip_version == 4) {
		uint16_t id = hdr_get16(b + h.l3_off + 4);
		if (f->id_mode == GRO_ID_UNDECIDED)
			f->id_mode = id == f->last_id ? GRO_ID_FIXED : GRO_ID_INCREMENT;
		f->last_id = id;
	}
	pkt_data(head)[f->l4_off + 13] |= flags & (TCP_FIN | TCP_PSH);
	pkt_pull(p, hlen);
	pkt_reset_meta(p);
	p->next = NULL;
	if (f->tail)
		f->tail->next = p;
	else
		head->frag_list = p;
	f->tail = p;
	head->len += len;
	head->data_len += len;
	f->next_seq += len;
	f->count++;
	g->stats.gro_merged++;
	if (len < f->mss || gro_flush_flags(flags))
		gro_complete(g, (unsigned)fi);
}
