/*
 * test_gro.c — GRO for TCP over IPv4 and IPv6: in-order segments merge into
 * one packet (17 page fragments, then the frag_list, as skb_gro_receive)
 * with tcp_gro_complete's metadata; flushes on PSH, a gap, a flag or ack
 * change, a longer segment, 64 KiB, too many flows; IP options and bad
 * checksums go up alone past the held flow, as in Linux; the IPv4 id and
 * IPv6 flow label / extension header rules of inet/ipv6_gro_receive; the
 * deferred flush of napi_complete_done; a single held packet comes out
 * unchanged; and GRO then GSO reproduces the original segments byte for
 * byte.
 */
#include <errno.h>
#include <stdlib.h>

#include "pkt/csum.h"
#include "pkt/gro.h"
#include "pkt/gso.h"
#include "pktgen.h"
#include "test.h"

static struct pkt_pool *pool;

struct sink {
	struct pkt *list, **tail;
	unsigned n;
};

static void sink_deliver(void *arg, struct pkt *p)
{
	struct sink *s = arg;
	p->next = NULL;
	*s->tail = p;
	s->tail = &p->next;
	s->n++;
}

static void sink_init(struct sink *s)
{
	s->list = NULL;
	s->tail = &s->list;
	s->n = 0;
}

static void setup(void)
{
	struct pkt_pool_class c[] = {{2048, 1024}, {PKT_HEADROOM + PKT_MAX_LEN + 64, 16}};
	pool = pkt_pool_create("gro", c, 2, NULL, 0);
	REQUIRE(pool);
}

static void teardown(struct sink *s)
{
	pkt_free_list(s->list);
	sink_init(s);
	CHECK_EQ(pkt_pool_outstanding(pool), 0);
	CHECK_EQ(pkt_pool_destroy(pool), 0);
	CHECK_U64(pkt_outstanding_total(), 0);
}

/* Segment i of a stream: seq base + i*mss, id + i, payload continuing. */
static struct gen_tcp seg_desc(int ipv, uint32_t i, uint32_t mss, uint32_t len, uint8_t flags)
{
	struct gen_tcp g = {.ipv = ipv,
			    .payload = len,
			    .seq = 1000 + i * mss,
			    .ack = 77,
			    .flags = (uint8_t)(TCP_ACK | flags),
			    .ip_id = (uint16_t)(500 + i),
			    .csum = true,
			    .pay_seed = (uint8_t)i,
			    .tcp_opt_words = 3};
	return g;
}

static struct pkt *seg(const struct gen_tcp *g, uint8_t ip_summed)
{
	struct pkt *p = gen_pkt(pool, g);
	REQUIRE(p);
	p->ip_summed = ip_summed;
	return p;
}

/* Build the stream's segments as frames (for the byte-for-byte check). */
static void stream(int ipv, uint32_t n, uint32_t mss, uint32_t last_len, uint8_t first_flags,
		   uint8_t last_flags, struct gen_tcp *out)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = i + 1 == n ? last_len : mss;
		uint8_t fl = (uint8_t)((i == 0 ? first_flags : 0) | (i + 1 == n ? last_flags : 0));
		out[i] = seg_desc(ipv, i, mss, len, fl);
	}
}

static void gro_then_gso(int ipv, uint32_t n, uint32_t mss, uint32_t last_len, uint8_t ff,
			 uint8_t lf, bool offload)
{
	struct gen_tcp d[64];
	REQUIRE(n <= 64);
	stream(ipv, n, mss, last_len, ff, lf, d);
	struct sink s;
	sink_init(&s);
	struct gro_ctx g;
	gro_init(&g, sink_deliver, &s);
	for (uint32_t i = 0; i < n; i++)
		gro_receive(&g, seg(&d[i], CHECKSUM_UNNECESSARY));
	gro_flush(&g);
	REQUIRE(s.n == 1);
	struct pkt *m = s.list;
	CHECK_EQ(m->gso_size, mss);
	CHECK_EQ(m->gso_segs, n);
	CHECK_EQ(m->gso_type & (PKT_GSO_TCPV4 | PKT_GSO_TCPV6),
		 ipv == 4 ? PKT_GSO_TCPV4 : PKT_GSO_TCPV6);
	CHECK_EQ(!!(m->gso_type & PKT_GSO_TCP_ECN), !!(ff & TCP_CWR));
	CHECK_EQ(m->ip_summed, CHECKSUM_PARTIAL);
	uint32_t l3 = gen_l2len(&d[0]);
	uint32_t l4o = l3 + gen_l3hlen(&d[0]);
	CHECK_EQ(m->csum_start, m->data + l4o);
	CHECK_EQ(m->csum_offset, 16);
	CHECK_EQ(m->transport_header, m->data + l4o);
	CHECK_EQ(m->network_header, m->data + l3);
	/* skb_gro_receive: 17 page fragments, then the frag_list, whose
	 * members take 17 fragments each in turn */
	unsigned want_members = (n - 1) / (PKT_MAX_FRAGS + 1);
	unsigned nm = 0;
	for (struct pkt *x = m->frag_list; x; x = x->next)
		nm++;
	CHECK_EQ(nm, want_members);
	CHECK_EQ(m->nr_frags, n - 1 < PKT_MAX_FRAGS ? n - 1 : PKT_MAX_FRAGS);
	CHECK_EQ(pkt_total_frags(m), n - 1 - want_members);
	uint32_t hl = gen_hlen(&d[0]);
	CHECK_EQ(m->len, hl + (n - 1) * mss + last_len);
	CHECK_EQ(m->data_len, (n - 1) * mss + last_len - mss);
	const uint8_t *ip = pkt_data(m) + l3;
	if (ipv == 4) {
		CHECK_EQ(hdr_get16(ip + 2), m->len - l3);
		CHECK_EQ(ref_fold(ref_sum(ip, 20, 0)), 0xffff);
	} else {
		CHECK_EQ(hdr_get16(ip + 4), m->len - l3 - 40);
	}
	CHECK_EQ(hdr_get16(pkt_data(m) + l4o + 16), ref_seed(ip, m->len - l4o, IPPROTO_TCP_));
	CHECK_EQ(pkt_data(m)[l4o + 13], TCP_ACK | ff | lf);
	CHECK(pkt_l4_csum_ok(m) == false); /* a seed is not a checksum */
	/* Now segment it back and compare byte for byte. */
	int err;
	struct pkt *segs = gso_segment(m, offload, &err);
	REQUIRE(segs);
	uint32_t i = 0;
	static uint8_t f[2048];
	for (struct pkt *q = segs; q; q = q->next, i++) {
		if (offload)
			CHECK_EQ(pkt_checksum_help(q), 0);
		REQUIRE(i < n);
		uint32_t len = gen_frame(f, &d[i]);
		CHECK_EQ(q->len, len);
		if (q->len == len && memcmp(pkt_data(q), f, len) != 0)
			TEST_FAILF("segment %u differs (ipv%d offload %d)", i, ipv, offload);
	}
	CHECK_EQ(i, n);
	pkt_free_list(segs);
	CHECK_U64(g.stats.gro_merged, n - 1);
	CHECK_U64(g.stats.gro_merged_frag_list, want_members);
	CHECK_U64(g.stats.gro_merged_frags, n - 1 - want_members);
	CHECK_U64(g.stats.gro_held, 1);
	CHECK_U64(g.stats.gro_flushed, 1);
	pkt_free_list(s.list);
}

TEST(gro_then_gso_reproduces_segments)
{
	setup();
	for (int v = 4; v <= 6; v += 2)
		for (int off = 0; off < 2; off++) {
			gro_then_gso(v, 10, 1436, 1436, 0, 0, off);
			gro_then_gso(v, 7, 1436, 900, TCP_CWR, TCP_PSH, off);
			gro_then_gso(v, 3, 536, 1, 0, TCP_FIN, off);
			/* 18 segments fill the head; 19 and 37 start members */
			gro_then_gso(v, 18, 1000, 1000, 0, 0, off);
			gro_then_gso(v, 19, 1000, 1000, 0, 0, off);
			gro_then_gso(v, 40, 1000, 1000, 0, 0, off);
		}
	struct sink s;
	sink_init(&s);
	teardown(&s);
}

TEST(psh_flushes_without_gro_flush)
{
	setup();
	struct sink s;
	sink_init(&s);
	struct gro_ctx g;
	gro_init(&g, sink_deliver, &s);
	struct gen_tcp d[4];
	stream(4, 4, 1000, 1000, 0, TCP_PSH, d);
	for (int i = 0; i < 3; i++)
		gro_receive(&g, seg(&d[i], CHECKSUM_UNNECESSARY));
	CHECK_EQ(s.n, 0);
	CHECK_EQ(g.n_flows, 1);
	gro_receive(&g, seg(&d[3], CHECKSUM_UNNECESSARY));
	CHECK_EQ(s.n, 1); /* merged with PSH, then flushed */
	CHECK_EQ(s.list->gso_segs, 4);
	CHECK_EQ(g.n_flows, 0);
	/* A short segment ends the flow too. */
	stream(6, 3, 1000, 999, 0, 0, d);
	for (int i = 0; i < 3; i++)
		gro_receive(&g, seg(&d[i], CHECKSUM_UNNECESSARY));
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.list->next->gso_segs, 3);
	/* A first segment with PSH is delivered at once, untouched. */
	stream(4, 1, 1000, 1000, 0, TCP_PSH, d);
	gro_receive(&g, seg(&d[0], CHECKSUM_UNNECESSARY));
	CHECK_EQ(s.n, 3);
	CHECK_U64(g.stats.gro_passthrough, 1);
	teardown(&s);
}

/* Feed a stream where segment k is altered by fn; expect the flow to be
 * cut before k: first packet holds k segments, then k's new flow. */
static void cut_case(const char *what, int ipv, void (*alter)(struct gen_tcp *), uint32_t k,
		     unsigned want_first)
{
	struct sink s;
	sink_init(&s);
	struct gro_ctx g;
	gro_init(&g, sink_deliver, &s);
	struct gen_tcp d[6];
	stream(ipv, 6, 1000, 1000, 0, 0, d);
	alter(&d[k]);
	for (int i = 0; i < 6; i++)
		gro_receive(&g, seg(&d[i], CHECKSUM_UNNECESSARY));
	gro_flush(&g);
	if (s.n < 2 || (s.list->gso_segs ? s.list->gso_segs : 1) != want_first)
		TEST_FAILF("%s: %u packets, first has %u segments", what, s.n,
			   s.list ? s.list->gso_segs : 0);
	/* Whatever the cut, every segment comes out once, in order. */
	uint32_t total = 0, want = 0, segs = 0, i = 0;
	for (int j = 0; j < 6; j++)
		want += d[j].payload;
	for (struct pkt *p = s.list; p; p = p->next) {
		struct hdr_info h;
		REQUIRE(hdr_parse_head(pkt_data(p), pkt_headlen(p), p->len, &h) == 0);
		REQUIRE(i < 6);
		if (hdr_get32(pkt_data(p) + h.l4_off + 4) != d[i].seq)
			TEST_FAILF("%s: packet starting at segment %u has the wrong seq", what, i);
		uint32_t n = p->gso_segs ? p->gso_segs : 1;
		total += p->len - h.l4_off - h.l4_hlen;
		segs += n;
		i += n;
	}
	CHECK_EQ(total, want);
	CHECK_EQ(segs, 6);
	pkt_free_list(s.list);
}

static void alter_gap(struct gen_tcp *g)
{
	g->seq += 1;
}
static void alter_ack(struct gen_tcp *g)
{
	g->ack += 1;
}
static void alter_ece(struct gen_tcp *g)
{
	g->flags |= TCP_ECE;
}
static void alter_cwr(struct gen_tcp *g)
{
	g->flags |= TCP_CWR;
}
static void alter_longer(struct gen_tcp *g)
{
	g->payload += 1;
}
static void alter_id(struct gen_tcp *g)
{
	g->ip_id += 5;
}
static void alter_ttl(struct gen_tcp *g)
{
	g->ttl = 9;
}
static void alter_opts(struct gen_tcp *g)
{
	g->ip_opt_words = 1;
}

TEST(flushes_on_gap_flag_ack_length_id_options)
{
	setup();
	for (int v = 4; v <= 6; v += 2) {
		cut_case("gap", v, alter_gap, 3, 3);
		cut_case("ack", v, alter_ack, 2, 2);
		cut_case("ece", v, alter_ece, 4, 4);
		cut_case("cwr", v, alter_cwr, 1, 1);
		cut_case("longer", v, alter_longer, 2, 2);
		cut_case("ttl", v, alter_ttl, 3, 3);
	}
	cut_case("ip id jump", 4, alter_id, 2, 2);
	struct sink s;
	sink_init(&s);
	teardown(&s);
}

TEST(fixed_ip_id_merges_with_fixedid)
{
	setup();
	struct sink s;
	sink_init(&s);
	struct gro_ctx g;
	gro_init(&g, sink_deliver, &s);
	struct gen_tcp d[5];
	stream(4, 5, 1000, 1000, 0, 0, d);
	for (int i = 0; i < 5; i++) {
		d[i].ip_id = 0; /* as a sender with DF and a fixed id */
		gro_receive(&g, seg(&d[i], CHECKSUM_UNNECESSARY));
	}
	gro_flush(&g);
	REQUIRE(s.n == 1);
	CHECK_EQ(s.list->gso_segs, 5);
	CHECK(s.list->gso_type & PKT_GSO_TCP_FIXEDID);
	int err;
	struct pkt *segs = gso_segment(s.list, false, &err);
	REQUIRE(segs);
	static uint8_t f[2048];
	unsigned i = 0;
	for (struct pkt *q = segs; q; q = q->next, i++) {
		gen_frame(f, &d[i]);
		CHECK_MEM(pkt_data(q), f, q->len);
	}
	CHECK_EQ(i, 5);
	pkt_free_list(segs);
	teardown(&s);
}

TEST(sixty_four_kib_limit)
{
	setup();
	struct sink s;
	sink_init(&s);
	struct gro_ctx g;
	gro_init(&g, sink_deliver, &s);
	struct gen_tcp d[60];
	stream(4, 60, 1448, 1448, 0, 0, d);
	for (int i = 0; i < 60; i++)
		gro_receive(&g, seg(&d[i], CHECKSUM_UNNECESSARY));
	gro_flush(&g);
	REQUIRE(s.n == 2);
	uint32_t hl = gen_hlen(&d[0]) - 14;
	/* The largest count whose IP length stays under 64 KiB. */
	uint32_t k = (65535 - hl) / 1448;
	CHECK_EQ(s.list->gso_segs, k);
	CHECK(s.list->len - 14 < GRO_MAX_SIZE);
	CHECK(s.list->len - 14 + 1448 >= GRO_MAX_SIZE);
	CHECK_EQ(s.list->next->gso_segs, 60 - k);
	teardown(&s);
}

TEST(single_held_packet_unchanged)
{
	setup();
	struct sink s;
	sink_init(&s);
	struct gro_ctx g;
	gro_init(&g, sink_deliver, &s);
	for (int v = 4; v <= 6; v += 2) {
		struct gen_tcp d[1];
		stream(v, 1, 1000, 1000, 0, 0, d);
		struct pkt *p = seg(&d[0], CHECKSUM_NONE);
		p->cb[0] = 0xabc;
		p->iif = 4;
		struct pkt *ref = pkt_copy(p, NULL);
		REQUIRE(ref);
		gro_receive(&g, p);
		CHECK_EQ(s.n, (unsigned)(v == 4 ? 0 : 1));
		gro_flush(&g);
		struct pkt *out = s.list; /* the last delivered */
		while (out && out->next)
			out = out->next;
		REQUIRE(out == p);
		CHECK_EQ(out->len, ref->len);
		CHECK_MEM(pkt_data(out), pkt_data(ref), ref->len);
		CHECK_EQ(out->ip_summed, CHECKSUM_NONE);
		CHECK_EQ(out->gso_size, 0);
		CHECK_EQ(out->network_header, PKT_HDR_UNSET);
		CHECK_U64(out->cb[0], 0xabc);
		CHECK_EQ(out->iif, 4);
		pkt_free(ref);
	}
	teardown(&s);
}

TEST(bad_checksum_not_merged)
{
	setup();
	struct sink s;
	sink_init(&s);
	struct gro_ctx g;
	gro_init(&g, sink_deliver, &s);
	struct gen_tcp d[4];
	stream(6, 4, 1000, 1000, 0, 0, d);
	for (int i = 0; i < 4; i++) {
		struct pkt *p = seg(&d[i], CHECKSUM_NONE); /* verified in software */
		if (i == 2)
			pkt_data(p)[p->len - 1] ^= 0x40;
		gro_receive(&g, p);
	}
	gro_flush(&g);
	/* [2] goes up at once, untouched, overtaking the held [0,1]
	 * (tcp6_gro_receive flags only the bad segment); [3] then finds a
	 * sequence gap, flushes [0,1] and is held alone. */
	REQUIRE(s.n == 3);
	CHECK_EQ(s.list->gso_size, 0);
	CHECK_EQ(s.list->ip_summed, CHECKSUM_NONE);
	CHECK_EQ(hdr_get32(pkt_data(s.list) + 14 + 40 + 4), d[2].seq);
	CHECK_EQ(s.list->next->gso_segs, 2);
	CHECK_EQ(s.list->next->next->gso_size, 0);
	CHECK_U64(g.stats.gro_passthrough, 1);
	teardown(&s);
}

/* Deliver n segments of d (ip_summed UNNECESSARY) to g. */
static void feed(struct gro_ctx *g, struct gen_tcp *d, unsigned from, unsigned n)
{
	for (unsigned i = from; i < from + n; i++)
		gro_receive(g, seg(&d[i], CHECKSUM_UNNECESSARY));
}

TEST(ip_options_overtake_held_flow)
{
	setup();
	struct sink s;
	sink_init(&s);
	struct gro_ctx g;
	gro_init(&g, sink_deliver, &s);
	struct gen_tcp d[6];
	stream(4, 6, 1000, 1000, 0, 0, d);
	alter_opts(&d[3]);
	feed(&g, d, 0, 6);
	gro_flush(&g);
	/* inet_gro_receive: a header that is not 0x45 goes up at once and
	 * leaves the held flow alone; [4] then finds a gap. */
	REQUIRE(s.n == 3);
	CHECK_EQ(s.list->gso_size, 0);
	CHECK_EQ(hdr_get32(pkt_data(s.list) + 14 + 24 + 4), d[3].seq);
	CHECK_EQ(s.list->next->gso_segs, 3);
	CHECK_EQ(s.list->next->next->gso_segs, 2);
	teardown(&s);
}

TEST(ipv4_id_rules_follow_df)
{
	setup();
	struct sink s;
	sink_init(&s);
	struct gro_ctx g;
	gro_init(&g, sink_deliver, &s);
	struct gen_tcp d[4];
	/* Without DF a fixed id does not merge (flush_id ^= count). */
	stream(4, 4, 1000, 1000, 0, 0, d);
	for (unsigned i = 0; i < 4; i++) {
		struct pkt *p = seg(&d[i], CHECKSUM_UNNECESSARY);
		uint8_t *ip = pkt_data(p) + 14;
		hdr_put16(ip + 4, 9);
		hdr_put16(ip + 6, 0);
		hdr_put16(ip + 10, 0);
		uint16_t c = ip_fast_csum(ip, 5);
		memcpy(ip + 10, &c, 2);
		gro_receive(&g, p);
	}
	gro_flush(&g);
	CHECK_EQ(s.n, 4);
	CHECK_U64(g.stats.gro_merged, 0);
	pkt_free_list(s.list);
	sink_init(&s);
	/* With DF an incrementing id merges and is not FIXEDID. */
	feed(&g, d, 0, 4);
	gro_flush(&g);
	REQUIRE(s.n == 1);
	CHECK_EQ(s.list->gso_segs, 4);
	CHECK(!(s.list->gso_type & PKT_GSO_TCP_FIXEDID));
	teardown(&s);
}

/* Rewrite the IPv6 flow label (20 bits) of a built frame. */
static void set_flow_label(struct pkt *p, uint32_t label)
{
	uint8_t *ip = pkt_data(p) + 14;
	hdr_put32(ip, (hdr_get32(ip) & 0xFFF00000u) | (label & 0xFFFFFu));
}

TEST(ipv6_flow_label_separates_and_ext_headers_merge)
{
	setup();
	struct sink s;
	sink_init(&s);
	struct gro_ctx g;
	gro_init(&g, sink_deliver, &s);
	struct gen_tcp d[6];
	stream(6, 6, 1000, 1000, 0, 0, d);
	/* Segments 0-2 with label 1, 3-5 with label 2 (the same ports): two
	 * flows for ipv6_gro_receive, both held, neither flushing the other. */
	for (unsigned i = 0; i < 6; i++) {
		struct pkt *p = seg(&d[i], CHECKSUM_UNNECESSARY);
		set_flow_label(p, i < 3 ? 1 : 2);
		gro_receive(&g, p);
	}
	CHECK_EQ(g.n_flows, 2);
	gro_flush(&g);
	REQUIRE(s.n == 2); /* [0-2] and [3-5], each its own flow */
	CHECK_EQ(s.list->gso_segs, 3);
	CHECK_EQ(s.list->next->gso_segs, 3);
	pkt_free_list(s.list);
	sink_init(&s);
	/* Identical hop-by-hop + destination options headers merge. */
	for (unsigned i = 0; i < 6; i++)
		d[i].v6_ext = true;
	feed(&g, d, 0, 6);
	gro_flush(&g);
	REQUIRE(s.n == 1);
	CHECK_EQ(s.list->gso_segs, 6);
	CHECK_EQ(s.list->gso_type & PKT_GSO_TCPV6, PKT_GSO_TCPV6);
	CHECK_EQ(hdr_get16(pkt_data(s.list) + 14 + 4), s.list->len - 14 - 40);
	int err;
	struct pkt *segs = gso_segment(s.list, false, &err);
	REQUIRE(segs);
	static uint8_t f[2048];
	unsigned i = 0;
	for (struct pkt *q = segs; q; q = q->next, i++) {
		REQUIRE(i < 6);
		CHECK_EQ(q->len, gen_frame(f, &d[i]));
		CHECK_MEM(pkt_data(q), f, q->len);
	}
	CHECK_EQ(i, 6);
	pkt_free_list(segs);
	pkt_free_list(s.list);
	sink_init(&s);
	/* Extension headers that differ: not the same flow. */
	for (unsigned k = 0; k < 4; k++) {
		struct pkt *p = seg(&d[k], CHECKSUM_UNNECESSARY);
		if (k % 2)
			pkt_data(p)[14 + 40 + 2] ^= 1; /* an option byte of hop-by-hop */
		gro_receive(&g, p);
	}
	CHECK_EQ(g.n_flows, 2);
	gro_flush(&g);
	teardown(&s);
}

TEST(deferred_flush_keeps_flow_across_polls)
{
	setup();
	struct sink s;
	sink_init(&s);
	struct gro_ctx g;
	gro_init(&g, sink_deliver, &s);
	struct gen_tcp d[8];
	stream(4, 8, 1000, 1000, 0, 0, d);
	/* Defaults 0/0: the end of each poll flushes everything. */
	gro_set_time(&g, 0);
	feed(&g, d, 0, 4);
	bool rearm = false;
	CHECK_U64(gro_napi_complete(&g, 4, &rearm), 0);
	CHECK(rearm);
	CHECK_EQ(s.n, 1);
	feed(&g, d, 4, 4);
	CHECK_U64(gro_napi_complete(&g, 4, &rearm), 0);
	REQUIRE(s.n == 2);
	CHECK_EQ(s.list->gso_segs, 4);
	pkt_free_list(s.list);
	sink_init(&s);
	/* A timeout: flows of this jiffy stay held and the owner polls again
	 * after the timeout; the second half merges. */
	g.defer.flush_timeout_ns = 200000;
	gro_set_time(&g, 1000);
	feed(&g, d, 0, 4);
	CHECK_U64(gro_napi_complete(&g, 4, &rearm), 200000);
	CHECK(rearm); /* napi_defer_hard_irqs 0: irqs back on */
	CHECK_EQ(s.n, 0);
	CHECK_U64(g.stats.gro_deferred_flushes, 1);
	gro_set_time(&g, 50000);
	feed(&g, d, 4, 4);
	CHECK_U64(gro_napi_complete(&g, 4, &rearm), 200000);
	CHECK_EQ(s.n, 0);
	/* The timer's poll finds no work: everything goes. */
	gro_set_time(&g, 250000);
	CHECK_U64(gro_napi_complete(&g, 0, &rearm), 0);
	REQUIRE(s.n == 1);
	CHECK_EQ(s.list->gso_segs, 8);
	pkt_free_list(s.list);
	sink_init(&s);
	/* A flow from an older jiffy is flushed even with a timeout. */
	gro_set_time(&g, 0);
	feed(&g, d, 0, 2);
	gro_set_time(&g, GRO_JIFFY_NS);
	CHECK_U64(gro_napi_complete(&g, 1, &rearm), 200000);
	CHECK_EQ(s.n, 1);
	/* napi_defer_hard_irqs: irqs stay masked while the count lasts,
	 * and the timeout applies even with nothing held. */
	g.defer.defer_hard_irqs = 2;
	CHECK_U64(gro_napi_complete(&g, 3, &rearm), 200000);
	CHECK(!rearm);
	CHECK_U64(gro_napi_complete(&g, 0, &rearm), 200000);
	CHECK(!rearm);
	CHECK_U64(gro_napi_complete(&g, 0, &rearm), 0);
	CHECK(rearm);
	/* A NAPI deleted with flows held frees them, counted by the caller. */
	feed(&g, d, 0, 2);
	CHECK_EQ(gro_discard(&g), 1);
	CHECK_EQ(g.n_flows, 0);
	teardown(&s);
}

TEST(flows_interleave_and_oldest_evicted)
{
	setup();
	struct sink s;
	sink_init(&s);
	struct gro_ctx g;
	gro_init(&g, sink_deliver, &s);
	/* GRO_MAX_FLOWS + 1 flows (distinct source ports), 3 segments each,
	 * interleaved: the 9th flow evicts the oldest each round. */
	unsigned nf = GRO_MAX_FLOWS;
	for (uint32_t i = 0; i < 3; i++)
		for (unsigned f = 0; f < nf; f++) {
			struct gen_tcp d = seg_desc(f % 2 ? 6 : 4, i, 1000, 1000, 0);
			struct pkt *p = seg(&d, CHECKSUM_UNNECESSARY);
			uint8_t *th = pkt_data(p) + 14 + (f % 2 ? 40 : 20);
			hdr_put16(th, (uint16_t)(4000 + f));
			gro_receive(&g, p);
		}
	CHECK_EQ(g.n_flows, nf);
	CHECK_EQ(s.n, 0);
	gro_flush(&g);
	CHECK_EQ(s.n, nf);
	for (struct pkt *p = s.list; p; p = p->next)
		CHECK_EQ(p->gso_segs, 3);
	pkt_free_list(s.list);
	sink_init(&s);
	/* One flow more than fits: the oldest is flushed as the new one comes. */
	for (unsigned f = 0; f <= nf; f++) {
		struct gen_tcp d = seg_desc(4, 0, 1000, 1000, 0);
		struct pkt *p = seg(&d, CHECKSUM_UNNECESSARY);
		hdr_put16(pkt_data(p) + 34, (uint16_t)(5000 + f));
		gro_receive(&g, p);
	}
	CHECK_EQ(s.n, 1);
	CHECK_EQ(hdr_get16(pkt_data(s.list) + 34), 5000);
	gro_flush(&g);
	CHECK_EQ(s.n, nf + 1);
	teardown(&s);
}

TEST(non_tcp_passes_through)
{
	setup();
	struct sink s;
	sink_init(&s);
	struct gro_ctx g;
	gro_init(&g, sink_deliver, &s);
	struct gen_tcp u = {.ipv = 4, .payload = 100, .udp = true, .csum = true};
	gro_receive(&g, seg(&u, CHECKSUM_UNNECESSARY));
	struct pkt *arp = pkt_alloc(pool, 60, 0);
	REQUIRE(arp);
	memset(pkt_put(arp, 60), 0, 60);
	hdr_put16(pkt_data(arp) + 12, ETH_P_ARP);
	gro_receive(&g, arp);
	struct pkt *junk = pkt_alloc(pool, 5, 0);
	REQUIRE(junk);
	pkt_put(junk, 5);
	gro_receive(&g, junk);
	CHECK_EQ(s.n, 3);
	CHECK_U64(g.stats.gro_passthrough, 3);
	CHECK_EQ(g.n_flows, 0);
	teardown(&s);
}

TEST(stream_with_same_ip_options_never_merges)
{
	/* inet_gro_receive flushes any IPv4 header longer than 20 bytes, so a
	 * whole stream whose segments carry identical options is never merged:
	 * every segment passes through as it came, in order. */
	setup();
	struct sink s;
	sink_init(&s);
	struct gro_ctx g;
	gro_init(&g, sink_deliver, &s);
	struct gen_tcp d[6];
	stream(4, 6, 1000, 1000, 0, 0, d);
	for (int i = 0; i < 6; i++) {
		d[i].ip_opt_words = 2;
		struct pkt *p = seg(&d[i], CHECKSUM_UNNECESSARY);
		/* End-of-list options (zero bytes) add nothing to the header sum,
		 * so only the header length can tell the segments apart from
		 * plain ones. */
		uint8_t *ip = pkt_data(p) + gen_l2len(&d[i]);
		memset(ip + 20, 0, 8);
		hdr_put16(ip + 10, 0);
		uint16_t c = ip_fast_csum(ip, 7);
		memcpy(ip + 10, &c, 2);
		REQUIRE(ip_fast_csum(ip, 5) == 0);
		gro_receive(&g, p);
	}
	gro_flush(&g);
	CHECK_EQ(s.n, 6);
	CHECK_U64(g.stats.gro_passthrough, 6);
	CHECK_U64(g.stats.gro_merged, 0);
	CHECK_U64(g.stats.gro_held, 0);
	unsigned i = 0;
	for (struct pkt *p = s.list; p; p = p->next, i++) {
		CHECK(p->frag_list == NULL);
		CHECK(!pkt_is_gso(p));
		CHECK_EQ(p->len, gen_hlen(&d[i]) + 1000);
		CHECK_EQ(hdr_get32(pkt_data(p) + gen_l2len(&d[i]) + 28 + 4), d[i].seq);
	}
	teardown(&s);
}

TEST_MAIN()
