/*
 * test_gso.c — software segmentation checked independently: each segment is
 * re-parsed and its IPv4 header and TCP checksums verified with the plain
 * reference checksum; the concatenated payload equals the original; sequence
 * numbers are contiguous; FIN/PSH only on the last, CWR only on the first;
 * IPv4 ids increment (or stay, FIXEDID). IPv4 and IPv6, VLAN tags and
 * options, linear and frag_list input, with and without checksum offload.
 */
#include <errno.h>
#include <stdlib.h>

#include "pkt/gso.h"
#include "pktgen.h"
#include "test.h"

static struct pkt_pool *pool;

static void setup(void)
{
	struct pkt_pool_class c[] = {
		{256, 4096},
		{2048, 1024},
		{16384, 64},
		{PKT_HEADROOM + PKT_MAX_LEN + 64, 8},
	};
	pool = pkt_pool_create("gso", c, 4, NULL, 0);
	REQUIRE(pool);
}

static void teardown(void)
{
	CHECK_EQ(pkt_pool_outstanding(pool), 0);
	CHECK_EQ(pkt_pool_destroy(pool), 0);
	CHECK_U64(pkt_outstanding_total(), 0);
}

/* Make the GSO super-frame: PARTIAL with the right seed (or seed 0, or NONE
 * input), payload split into frag_list members of `piece` bytes when piece. */
enum seed_kind { SEED_RIGHT, SEED_ZERO, INPUT_NONE };

static struct pkt *make_super(const struct gen_tcp *g, uint16_t mss, uint32_t piece,
			      enum seed_kind sk, bool fixedid)
{
	struct pkt *p = gen_pkt(pool, g);
	REQUIRE(p);
	REQUIRE(pkt_parse_headers(p, NULL) == 0);
	uint32_t l4o = gen_l2len(g) + gen_l3hlen(g);
	uint8_t *ip = pkt_data(p) + gen_l2len(g);
	p->gso_size = mss;
	p->gso_type = (g->ipv == 4 ? PKT_GSO_TCPV4 : PKT_GSO_TCPV6) |
		      (fixedid ? PKT_GSO_TCP_FIXEDID : 0);
	if (sk != INPUT_NONE) {
		REQUIRE(pkt_partial_csum_set(p, l4o, TCP_CSUM_OFFSET));
		hdr_put16(pkt_data(p) + l4o + 16,
			  sk == SEED_RIGHT ? ref_seed(ip, p->len - l4o, IPPROTO_TCP_) : 0);
	} else {
		hdr_put16(pkt_data(p) + l4o + 16, 0x1234); /* garbage: must be ignored */
	}
	if (piece) {
		uint32_t hl = gen_hlen(g);
		uint32_t total = p->len;
		uint8_t *pay = malloc(total - hl + 1);
		REQUIRE(pay);
		memcpy(pay, pkt_data(p) + hl, total - hl);
		p->len = hl;
		for (uint32_t o = 0; o < total - hl; o += piece) {
			uint32_t n = total - hl - o < piece ? total - hl - o : piece;
			struct pkt *m = pkt_alloc(pool, n, 0);
			REQUIRE(m);
			memcpy(pkt_put(m, n), pay + o, n);
			pkt_frag_list_append(p, m);
		}
		free(pay);
	}
	return p;
}

/* Check the segment list against the generator's description. Returns the
 * number of segments. */
static unsigned verify_segments(struct pkt *segs, const struct gen_tcp *g, uint16_t mss,
				bool offload, bool fixedid)
{
	static uint8_t orig[70000], payload[70000];
	uint32_t olen = gen_frame(orig, g);
	uint32_t l2 = gen_l2len(g), l3h = gen_l3hlen(g), l4h = gen_l4hlen(g);
	uint32_t hl = l2 + l3h + l4h;
	uint32_t expect_n = g->payload ? (g->payload + mss - 1) / mss : 1;
	uint32_t got = 0, i = 0, seq = g->seq;
	for (struct pkt *q = segs; q; q = q->next, i++) {
		const uint8_t *d = pkt_data(q);
		CHECK(q->frag_list == NULL);
		CHECK_EQ(q->gso_size, 0);
		CHECK(q->pool == pool);
		struct hdr_info h;
		REQUIRE(hdr_parse(d, q->len, &h) == 0);
		CHECK_EQ(h.l4_off, l2 + l3h);
		CHECK_EQ(h.l4_hlen, l4h);
		uint32_t seglen = q->len - hl;
		bool last = q->next == NULL;
		CHECK(seglen == mss || (last && seglen <= mss));
		CHECK_EQ(h.l3_tot_len, q->len - l2);
		/* Headers: identical to the original but for the fields GSO owns. */
		CHECK_MEM(d, orig, l2);
		const uint8_t *ip = d + l2, *th = ip + l3h;
		const uint8_t *oip = orig + l2, *oth = oip + l3h;
		if (g->ipv == 4) {
			CHECK_EQ(ref_fold(ref_sum(ip, l3h, 0)), 0xffff); /* header csum */
			CHECK_EQ(hdr_get16(ip + 4), (uint16_t)(g->ip_id + (fixedid ? 0 : i)));
			CHECK_MEM(ip + 6, oip + 6, 4);
			CHECK_MEM(ip + 12, oip + 12, l3h - 12);
		} else {
			CHECK_MEM(ip, oip, 4);
			CHECK_MEM(ip + 6, oip + 6, l3h - 6);
		}
		CHECK_EQ(hdr_get32(th + 4), seq);
		CHECK_MEM(th, oth, 4);
		CHECK_MEM(th + 8, oth + 8, 5);
		CHECK_MEM(th + 14, oth + 14, 2);
		CHECK_MEM(th + 18, oth + 18, l4h - 18);
		uint8_t f = th[13];
		CHECK_EQ(f & TCP_ACK, g->flags & TCP_ACK);
		CHECK_EQ(f & (TCP_FIN | TCP_PSH), last ? g->flags & (TCP_FIN | TCP_PSH) : 0);
		CHECK_EQ(f & TCP_CWR, i == 0 ? g->flags & TCP_CWR : 0);
		/* Checksum: completed, or PARTIAL with the seed for this length. */
		uint32_t l4len = l4h + seglen;
		if (offload) {
			CHECK_EQ(q->ip_summed, CHECKSUM_PARTIAL);
			CHECK_EQ(q->csum_start, q->data + l2 + l3h);
			CHECK_EQ(q->csum_offset, 16);
			CHECK_EQ(q->transport_header, q->csum_start);
			CHECK_EQ(hdr_get16(th + 16), ref_seed(ip, l4len, IPPROTO_TCP_));
			CHECK_EQ(pkt_checksum_help(q), 0);
		} else {
			CHECK_EQ(q->ip_summed, CHECKSUM_NONE);
		}
		CHECK(ref_l4_ok(ip, th, l4len, IPPROTO_TCP_));
		memcpy(payload + got, d + hl, seglen);
		got += seglen;
		seq += seglen;
	}
	CHECK_EQ(i, expect_n);
	CHECK_EQ(got, g->payload);
	CHECK_MEM(payload, orig + hl, g->payload);
	(void)olen;
	return i;
}

static void run_case(const struct gen_tcp *g, uint16_t mss, uint32_t piece, bool offload,
		     enum seed_kind sk, bool fixedid)
{
	struct pkt *p = make_super(g, mss, piece, sk, fixedid);
	int err = 1;
	struct pkt *segs = gso_segment(p, offload, &err);
	CHECK_EQ(err, 0);
	REQUIRE(segs);
	verify_segments(segs, g, mss, offload, fixedid);
	pkt_free_list(segs);
	pkt_free(p);
}

TEST(ipv4_linear_and_frag_list)
{
	setup();
	struct gen_tcp g = {.ipv = 4,
			    .payload = 10000,
			    .seq = 0xfffff000,
			    .ack = 99,
			    .flags = TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR,
			    .ip_id = 0xfffe,
			    .pay_seed = 1};
	for (int off = 0; off < 2; off++) {
		run_case(&g, 1448, 0, off, SEED_RIGHT, false);
		run_case(&g, 1448, 1448, off, SEED_RIGHT, false); /* members line up */
		run_case(&g, 1448, 1001, off, SEED_RIGHT, false); /* they do not */
		run_case(&g, 1448, 7, off, SEED_RIGHT, false);    /* many tiny members */
		run_case(&g, 1000, 0, off, SEED_RIGHT, true);     /* FIXEDID */
		run_case(&g, 536, 0, off, INPUT_NONE, false);     /* seed computed */
	}
	teardown();
}

TEST(ipv4_options_vlans_tcp_options)
{
	setup();
	struct gen_tcp g = {.ipv = 4,
			    .n_vlans = 2,
			    .ip_opt_words = 3,
			    .tcp_opt_words = 3,
			    .payload = 9001,
			    .seq = 5,
			    .flags = TCP_ACK | TCP_PSH,
			    .ip_id = 77,
			    .pay_seed = 2};
	for (int off = 0; off < 2; off++) {
		run_case(&g, 1436, 0, off, SEED_RIGHT, false);
		run_case(&g, 777, 4000, off, SEED_RIGHT, false);
	}
	teardown();
}

TEST(ipv6_linear_and_frag_list)
{
	setup();
	struct gen_tcp g = {.ipv = 6,
			    .payload = 65000,
			    .seq = 123456,
			    .ack = 1,
			    .flags = TCP_ACK | TCP_PSH | TCP_CWR,
			    .pay_seed = 3};
	for (int off = 0; off < 2; off++) {
		run_case(&g, 1428, 0, off, SEED_RIGHT, false);
		run_case(&g, 1428, 1428, off, SEED_RIGHT, false);
		run_case(&g, 8948, 7000, off, SEED_RIGHT, false);
		run_case(&g, 1428, 0, off, INPUT_NONE, false);
	}
	struct gen_tcp e = {.ipv = 6,
			    .n_vlans = 1,
			    .v6_ext = true,
			    .tcp_opt_words = 2,
			    .payload = 3333,
			    .seq = 9,
			    .flags = TCP_ACK | TCP_FIN,
			    .pay_seed = 4};
	run_case(&e, 1000, 0, false, SEED_RIGHT, false);
	run_case(&e, 1000, 999, true, SEED_RIGHT, false);
	teardown();
}

/* As tcp_gso_segment ("skb->len <= mss" after the TCP header is pulled):
 * a payload no longer than gso_size, or none at all, is -EINVAL and nothing
 * is made; one byte more than gso_size is two segments. */
TEST(gso_size_at_least_payload_is_einval)
{
	setup();
	for (int v = 4; v <= 6; v += 2) {
		struct gen_tcp g = {.ipv = v,
				    .payload = 1448,
				    .seq = 1,
				    .flags = TCP_ACK | TCP_PSH | TCP_CWR,
				    .ip_id = 3};
		for (uint16_t mss = 1447; mss <= 1449; mss++) {
			for (int off = 0; off < 2; off++) {
				struct pkt *p = make_super(&g, mss, off ? 500 : 0, SEED_RIGHT, false);
				int err = 0;
				struct pkt *s = gso_segment(p, off, &err);
				if (mss == 1447) {
					REQUIRE(s);
					CHECK(s->next && !s->next->next);
					CHECK_EQ(err, 0);
					verify_segments(s, &g, mss, off, false);
					pkt_free_list(s);
				} else {
					CHECK(s == NULL);
					CHECK_EQ(err, -EINVAL);
				}
				pkt_free(p);
			}
		}
		/* A header-only GSO frame: nothing to cut either. */
		struct gen_tcp z = {.ipv = v, .payload = 0, .flags = TCP_ACK};
		struct pkt *p = make_super(&z, 100, 0, SEED_RIGHT, false);
		int err = 0;
		CHECK(gso_segment(p, false, &err) == NULL);
		CHECK_EQ(err, -EINVAL);
		pkt_free(p);
	}
	teardown();
}

TEST(zeroed_seed_gives_wrong_checksums)
{
	setup();
	/* As tcp_gso_segment: the seed is adjusted, not recomputed, so a
	 * PARTIAL super-frame with a zeroed field yields bad segments. */
	struct gen_tcp g = {.ipv = 4, .payload = 4000, .flags = TCP_ACK};
	struct pkt *p = make_super(&g, 1448, 0, SEED_ZERO, false);
	int err;
	struct pkt *s = gso_segment(p, false, &err);
	REQUIRE(s);
	unsigned bad = 0, n = 0;
	for (struct pkt *q = s; q; q = q->next, n++) {
		REQUIRE(pkt_parse_headers(q, NULL) == 0);
		bad += !pkt_l4_csum_ok(q);
	}
	CHECK_EQ(n, 3);
	CHECK_EQ(bad, 3);
	pkt_free_list(s);
	pkt_free(p);
	teardown();
}

TEST(metadata_carried)
{
	setup();
	struct gen_tcp g = {.ipv = 4, .payload = 3000, .flags = TCP_ACK};
	struct pkt *p = make_super(&g, 1448, 0, SEED_RIGHT, false);
	p->vlan_present = true;
	p->vlan_tci = 42;
	p->trace_id = 9;
	p->iif = 3;
	int err;
	struct pkt *s = gso_segment(p, true, &err);
	REQUIRE(s);
	for (struct pkt *q = s; q; q = q->next) {
		CHECK(q->vlan_present);
		CHECK_EQ(q->vlan_tci, 42);
		CHECK_EQ(q->trace_id, 9);
		CHECK_EQ(q->iif, 3);
		CHECK_EQ(q->mac_header, q->data);
		CHECK_EQ(q->network_header, q->data + 14);
		CHECK_EQ(q->protocol, ETH_P_IP);
		CHECK_EQ(q->gso_type, 0);
	}
	pkt_free_list(s);
	pkt_free(p);
	teardown();
}

TEST(refusals)
{
	setup();
	struct gen_tcp g = {.ipv = 4, .payload = 3000, .flags = TCP_ACK};
	int err = 0;
	/* Not GSO. */
	struct pkt *p = make_super(&g, 1448, 0, SEED_RIGHT, false);
	p->gso_size = 0;
	CHECK(gso_segment(p, true, &err) == NULL);
	CHECK_EQ(err, -EINVAL);
	/* gso_type disagrees with the headers. */
	p->gso_size = 1448;
	p->gso_type = PKT_GSO_TCPV6;
	err = 0;
	CHECK(gso_segment(p, true, &err) == NULL);
	CHECK_EQ(err, -EINVAL);
	/* csum_start not at the TCP header. */
	p->gso_type = PKT_GSO_TCPV4;
	p->csum_start -= 2;
	err = 0;
	CHECK(gso_segment(p, true, &err) == NULL);
	CHECK_EQ(err, -EINVAL);
	pkt_free(p);
	/* UDP is not TCP GSO. */
	struct gen_tcp u = {.ipv = 4, .payload = 3000, .udp = true};
	p = gen_pkt(pool, &u);
	REQUIRE(p);
	p->gso_size = 1000;
	p->gso_type = PKT_GSO_TCPV4;
	err = 0;
	CHECK(gso_segment(p, false, &err) == NULL);
	CHECK_EQ(err, -EINVAL);
	pkt_free(p);
	CHECK_EQ(pkt_pool_outstanding(pool), 0);
	teardown();
}

TEST(allocation_failure_at_each_segment)
{
	setup();
	struct gen_tcp g = {.ipv = 6, .payload = 5000, .flags = TCP_ACK};
	struct pkt *p = make_super(&g, 1000, 1200, SEED_RIGHT, false);
	pkt_fault_fail_nth(0);
	int err;
	struct pkt *s = gso_segment(p, true, &err);
	REQUIRE(s);
	uint64_t sites = pkt_fault_fail_nth(0);
	CHECK_U64(sites, 5);
	pkt_free_list(s);
	for (uint64_t k = 1; k <= sites; k++) {
		unsigned before = pkt_pool_outstanding(pool);
		pkt_fault_fail_nth(k);
		err = 0;
		CHECK(gso_segment(p, true, &err) == NULL);
		CHECK_EQ(err, -ENOMEM);
		CHECK_EQ(pkt_pool_outstanding(pool), before); /* partial output freed */
	}
	pkt_fault_fail_nth(0);
	pkt_free(p);
	teardown();
}

TEST_MAIN()
