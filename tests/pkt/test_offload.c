/*
 * test_offload.c — offload state: skb_partial_csum_set's bounds,
 * skb_checksum_help with a right and a zeroed seed (linear and frag_list),
 * the TCP pseudo-header seed, L4 verification, and pkt_offload_apply
 * refusing each kind of bad untrusted metadata with its own counter.
 */
#include <errno.h>

#include "pkt/csum.h"
#include "pktgen.h"
#include "test.h"

static struct pkt_pool *pool;

static void setup(void)
{
	pool = gen_pool("offload");
	REQUIRE(pool);
}

static void teardown(void)
{
	CHECK_EQ(pkt_pool_outstanding(pool), 0);
	CHECK_EQ(pkt_pool_destroy(pool), 0);
	CHECK_U64(pkt_outstanding_total(), 0);
}

static uint8_t *l3(struct pkt *p, const struct gen_tcp *g)
{
	return pkt_data(p) + gen_l2len(g);
}
static uint8_t *l4(struct pkt *p, const struct gen_tcp *g)
{
	return l3(p, g) + gen_l3hlen(g);
}
static uint32_t l4len(const struct gen_tcp *g)
{
	return gen_l4hlen(g) + g->payload;
}

TEST(partial_csum_set_bounds)
{
	setup();
	struct pkt *p = pkt_alloc(pool, 100, 32);
	REQUIRE(p);
	pkt_put(p, 100);
	/* The field's last byte at headlen-1: accepted. */
	CHECK(pkt_partial_csum_set(p, 82, 16));
	CHECK_EQ(p->ip_summed, CHECKSUM_PARTIAL);
	CHECK_EQ(p->csum_start, 32 + 82);
	CHECK_EQ(p->csum_offset, 16);
	CHECK_EQ(p->transport_header, 32 + 82);
	/* One byte further: refused, nothing changed. */
	p->ip_summed = CHECKSUM_NONE;
	CHECK(!pkt_partial_csum_set(p, 83, 16));
	CHECK(!pkt_partial_csum_set(p, 0, 99));
	CHECK(!pkt_partial_csum_set(p, UINT32_MAX, 16)); /* no wrap-around */
	CHECK_EQ(p->ip_summed, CHECKSUM_NONE);
	CHECK_EQ(p->csum_start, 32 + 82);
	pkt_free(p);

	/* csum_start = headroom + start must stay below U16_MAX. */
	p = pkt_alloc(pool, 600, 65000);
	REQUIRE(p);
	pkt_put(p, 600);
	CHECK(pkt_partial_csum_set(p, 534, 6));  /* 65534 */
	CHECK(!pkt_partial_csum_set(p, 535, 6)); /* 65535 */
	CHECK_EQ(p->csum_start, 65534);
	pkt_free(p);

	/* Only the linear part counts: a field in the frag_list is refused. */
	p = pkt_alloc(pool, 54, 32);
	REQUIRE(p);
	pkt_put(p, 54);
	struct pkt *m = pkt_alloc(pool, 100, 0);
	REQUIRE(m);
	pkt_put(m, 100);
	pkt_frag_list_append(p, m);
	CHECK(!pkt_partial_csum_set(p, 40, 16));
	CHECK(pkt_partial_csum_set(p, 36, 16));
	pkt_free(p);
	teardown();
}

static struct pkt *partial_pkt(const struct gen_tcp *g, bool seed)
{
	struct pkt *p = gen_pkt(pool, g);
	if (!p)
		return NULL;
	REQUIRE(pkt_parse_headers(p, NULL) == 0);
	uint32_t start = gen_l2len(g) + gen_l3hlen(g);
	REQUIRE(pkt_partial_csum_set(p, start, g->udp ? UDP_CSUM_OFFSET : TCP_CSUM_OFFSET));
	uint16_t s = seed ? ref_seed(l3(p, g), l4len(g), g->udp ? IPPROTO_UDP_ : IPPROTO_TCP_) : 0;
	hdr_put16(pkt_data(p) + start + (g->udp ? 6 : 16), s);
	return p;
}

TEST(checksum_help_right_seed)
{
	setup();
	for (int v = 4; v <= 6; v += 2) {
		for (uint32_t pay = 0; pay < 1500; pay += 333) {
			struct gen_tcp g = {.ipv = v,
					    .payload = pay,
					    .pay_seed = (uint8_t)pay,
					    .n_vlans = pay % 3 == 0,
					    .v6_ext = pay % 2 == 1};
			struct pkt *p = partial_pkt(&g, true);
			REQUIRE(p);
			CHECK_EQ(pkt_checksum_help(p), 0);
			CHECK_EQ(p->ip_summed, CHECKSUM_NONE);
			CHECK(ref_l4_ok(l3(p, &g), l4(p, &g), l4len(&g), IPPROTO_TCP_));
			CHECK(pkt_l4_csum_ok(p));
			/* It matches the checksum a sender computes. */
			static uint8_t f[2048];
			g.csum = true;
			gen_frame(f, &g);
			CHECK_MEM(pkt_data(p), f, gen_len(&g));
			pkt_free(p);
		}
	}
	teardown();
}

TEST(checksum_help_zeroed_seed_is_wrong)
{
	setup();
	for (int v = 4; v <= 6; v += 2) {
		struct gen_tcp g = {.ipv = v, .payload = 100};
		struct pkt *p = partial_pkt(&g, false);
		REQUIRE(p);
		CHECK_EQ(pkt_checksum_help(p), 0);
		CHECK_EQ(p->ip_summed, CHECKSUM_NONE);
		/* The kernel's result: the sum of the segment alone, no
		 * pseudo-header — which does not verify. */
		uint8_t *t = l4(p, &g);
		uint16_t got = hdr_get16(t + 16);
		hdr_put16(t + 16, 0);
		CHECK_EQ(got, ref_csum(t, l4len(&g)));
		hdr_put16(t + 16, got);
		CHECK(!ref_l4_ok(l3(p, &g), t, l4len(&g), IPPROTO_TCP_));
		CHECK(!pkt_l4_csum_ok(p));
		pkt_free(p);
	}
	teardown();
}

TEST(checksum_help_frag_list_and_udp)
{
	setup();
	struct gen_tcp g = {.ipv = 6, .payload = 3001, .pay_seed = 9};
	struct pkt *p = partial_pkt(&g, true);
	REQUIRE(p);
	/* Move the payload into three members (odd sizes). */
	uint32_t hl = gen_hlen(&g);
	static uint8_t pay[3001];
	memcpy(pay, pkt_data(p) + hl, 3001);
	p->len = hl;
	const uint32_t cuts[] = {1001, 999, 1001};
	uint32_t o = 0;
	for (int i = 0; i < 3; i++) {
		struct pkt *m = pkt_alloc(pool, cuts[i], 0);
		REQUIRE(m);
		memcpy(pkt_put(m, cuts[i]), pay + o, cuts[i]);
		o += cuts[i];
		pkt_frag_list_append(p, m);
	}
	CHECK_EQ(pkt_checksum_help(p), 0);
	CHECK(pkt_l4_csum_ok(p));
	REQUIRE(pkt_linearize(p) == 0);
	CHECK(ref_l4_ok(l3(p, &g), l4(p, &g), l4len(&g), IPPROTO_TCP_));
	pkt_free(p);

	struct gen_tcp u = {.ipv = 4, .payload = 77, .udp = true};
	p = partial_pkt(&u, true);
	REQUIRE(p);
	CHECK_EQ(pkt_checksum_help(p), 0);
	CHECK(ref_l4_ok(l3(p, &u), l4(p, &u), l4len(&u), IPPROTO_UDP_));
	pkt_free(p);
	teardown();
}

TEST(checksum_help_never_stores_zero)
{
	setup();
	/* Tune one payload word so the checksum comes out as 0: the kernel
	 * stores CSUM_MANGLED_0 (0xffff) instead, which still verifies. */
	struct gen_tcp g = {.ipv = 4, .payload = 100};
	struct pkt *p = partial_pkt(&g, true);
	REQUIRE(p);
	uint8_t *t = l4(p, &g);
	uint32_t n = l4len(&g);
	uint16_t s0 = ref_fold(ref_sum(t, n, 0)); /* the seed is in the field */
	uint16_t w = hdr_get16(t + 40);
	hdr_put16(t + 40, ref_fold((uint32_t)w + (uint16_t)(0xffff - s0)));
	REQUIRE(ref_fold(ref_sum(t, n, 0)) == 0xffff);
	CHECK_EQ(pkt_checksum_help(p), 0);
	CHECK_EQ(hdr_get16(t + 16), 0xffff);
	CHECK(ref_l4_ok(l3(p, &g), t, n, IPPROTO_TCP_));
	pkt_free(p);
	teardown();
}

TEST(checksum_help_other_states)
{
	setup();
	struct gen_tcp g = {.ipv = 4, .payload = 10};
	struct pkt *p = partial_pkt(&g, true);
	REQUIRE(p);
	static uint8_t before[256];
	memcpy(before, pkt_data(p), p->len);
	/* GSO packets are refused (segment first), unchanged. */
	p->gso_size = 5;
	p->gso_type = PKT_GSO_TCPV4;
	CHECK_EQ(pkt_checksum_help(p), -EINVAL);
	CHECK_EQ(p->ip_summed, CHECKSUM_PARTIAL);
	p->gso_size = 0;
	p->gso_type = 0;
	/* Offsets outside the linear part. */
	uint32_t cs = p->csum_start;
	p->csum_start = p->data + p->len;
	CHECK_EQ(pkt_checksum_help(p), -EINVAL);
	p->csum_start = p->data - 1;
	CHECK_EQ(pkt_checksum_help(p), -EINVAL);
	p->csum_start = cs;
	p->csum_offset = (uint16_t)(p->len - (cs - p->data) - 1);
	CHECK_EQ(pkt_checksum_help(p), -EINVAL);
	CHECK_MEM(pkt_data(p), before, p->len);
	CHECK_EQ(p->ip_summed, CHECKSUM_PARTIAL);
	/* NONE and UNNECESSARY: left alone; COMPLETE: becomes NONE. */
	p->csum_offset = 16;
	p->ip_summed = CHECKSUM_UNNECESSARY;
	CHECK_EQ(pkt_checksum_help(p), 0);
	CHECK_EQ(p->ip_summed, CHECKSUM_UNNECESSARY);
	p->ip_summed = CHECKSUM_NONE;
	CHECK_EQ(pkt_checksum_help(p), 0);
	p->ip_summed = CHECKSUM_COMPLETE;
	CHECK_EQ(pkt_checksum_help(p), 0);
	CHECK_EQ(p->ip_summed, CHECKSUM_NONE);
	CHECK_MEM(pkt_data(p), before, p->len);
	pkt_free(p);
	teardown();
}

TEST(tcp_pseudo_seed)
{
	setup();
	for (int v = 4; v <= 6; v += 2) {
		struct gen_tcp g = {
			.ipv = v, .payload = 1234, .n_vlans = 1, .v6_ext = true, .ip_opt_words = 1};
		struct pkt *p = gen_pkt(pool, &g);
		REQUIRE(p);
		/* Headers unset: refused. */
		CHECK_EQ(pkt_tcp_set_pseudo_seed(p), -EINVAL);
		REQUIRE(pkt_parse_headers(p, NULL) == 0);
		CHECK_EQ(pkt_tcp_set_pseudo_seed(p), 0);
		CHECK_EQ(hdr_get16(l4(p, &g) + 16), ref_seed(l3(p, &g), l4len(&g), IPPROTO_TCP_));
		/* With that seed, checksum_help gives a valid checksum. */
		REQUIRE(pkt_partial_csum_set(p, gen_l2len(&g) + gen_l3hlen(&g), 16));
		CHECK_EQ(pkt_checksum_help(p), 0);
		CHECK(pkt_l4_csum_ok(p));
		/* Transport header not where the parse puts it: refused. */
		p->transport_header += 4;
		CHECK_EQ(pkt_tcp_set_pseudo_seed(p), -EINVAL);
		pkt_free(p);
	}
	struct gen_tcp u = {.ipv = 4, .payload = 10, .udp = true};
	struct pkt *p = gen_pkt(pool, &u);
	REQUIRE(p && pkt_parse_headers(p, NULL) == 0);
	CHECK_EQ(pkt_tcp_set_pseudo_seed(p), -EINVAL); /* UDP */
	pkt_free(p);
	teardown();
}

TEST(l4_csum_ok_cases)
{
	setup();
	struct gen_tcp g = {.ipv = 4, .payload = 300, .csum = true};
	struct pkt *p = gen_pkt(pool, &g);
	REQUIRE(p && pkt_parse_headers(p, NULL) == 0);
	CHECK(pkt_l4_csum_ok(p));
	pkt_data(p)[p->len - 1] ^= 1;
	CHECK(!pkt_l4_csum_ok(p));
	pkt_free(p);
	/* Padding beyond tot_len is not summed. */
	g.payload = 2;
	p = gen_pkt(pool, &g);
	REQUIRE(p);
	memset(pkt_put(p, 4), 0xab, 4);
	REQUIRE(pkt_parse_headers(p, NULL) == 0);
	CHECK(pkt_l4_csum_ok(p));
	pkt_free(p);
	/* UDP checksum 0: none over IPv4, bad over IPv6. */
	for (int v = 4; v <= 6; v += 2) {
		struct gen_tcp u = {.ipv = v, .payload = 20, .udp = true};
		p = gen_pkt(pool, &u);
		REQUIRE(p && pkt_parse_headers(p, NULL) == 0);
		CHECK_EQ(pkt_l4_csum_ok(p), v == 4);
		pkt_free(p);
	}
	teardown();
}

struct apply_case {
	const char *what;
	struct pkt_offload_req req;
	int field; /* which counter: 0 start, 1 offset, 2 size, 3 type, 4 headers */
};

static uint64_t counter(const struct pkt_offload_errors *e, int f)
{
	const uint64_t v[] = {e->bad_csum_start, e->bad_csum_offset, e->bad_gso_size,
			      e->bad_gso_type, e->bad_headers};
	return v[f];
}

TEST(offload_apply_rejects_each_bad_case)
{
	setup();
	struct gen_tcp g = {.ipv = 4, .payload = 3000};
	const uint16_t l4o = 34;
	const struct apply_case cases[] = {
		{"csum_start past the end", {true, 9000, 16, 0, 0}, 0},
		{"csum_start not at L4", {true, 14, 16, 0, 0}, 0},
		{"csum_start inside L4", {true, l4o + 4, 12, 0, 0}, 0},
		{"csum_offset UDP's on TCP", {true, l4o, 6, 0, 0}, 1},
		{"csum_offset beyond", {true, l4o, 400, 0, 0}, 1},
		{"gso_size 0", {true, l4o, 16, PKT_GSO_TCPV4, 0}, 2},
		{"gso_type TCPV6 on IPv4", {true, l4o, 16, PKT_GSO_TCPV6, 1000}, 3},
		{"gso_type both", {true, l4o, 16, PKT_GSO_TCPV4 | PKT_GSO_TCPV6, 1000}, 3},
		{"gso_type unknown bit", {true, l4o, 16, PKT_GSO_TCPV4 | (1u << 9), 1000}, 3},
		{"gso_type DODGY from outside", {true, l4o, 16, PKT_GSO_TCPV4 | PKT_GSO_DODGY, 1000}, 3},
		{"ECN alone", {true, l4o, 16, PKT_GSO_TCP_ECN, 1000}, 3},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkt *p = gen_pkt(pool, &g);
		REQUIRE(p);
		struct pkt_offload_errors e = {0};
		int rc = pkt_offload_apply(p, &cases[i].req, &e);
		if (rc != -EINVAL || counter(&e, cases[i].field) != 1)
			TEST_FAILF("%s: rc %d counter %" PRIu64, cases[i].what, rc,
				   counter(&e, cases[i].field));
		uint64_t total = e.bad_csum_start + e.bad_csum_offset + e.bad_gso_size +
				 e.bad_gso_type + e.bad_headers;
		CHECK_U64(total, 1);
		/* Metadata unchanged. */
		CHECK_EQ(p->ip_summed, CHECKSUM_NONE);
		CHECK_EQ(p->gso_size, 0);
		CHECK_EQ(p->transport_header, PKT_HDR_UNSET);
		pkt_free(p);
	}
	/* gso_type that disagrees with the headers: UDP, and IPv6 asked as v4. */
	struct gen_tcp u = {.ipv = 4, .payload = 3000, .udp = true};
	struct pkt *p = gen_pkt(pool, &u);
	REQUIRE(p);
	struct pkt_offload_errors e = {0};
	struct pkt_offload_req r = {false, 0, 0, PKT_GSO_TCPV4, 1000};
	CHECK_EQ(pkt_offload_apply(p, &r, &e), -EINVAL);
	CHECK_U64(e.bad_gso_type, 1);
	pkt_free(p);
	struct gen_tcp g6 = {.ipv = 6, .payload = 3000};
	p = gen_pkt(pool, &g6);
	REQUIRE(p);
	CHECK_EQ(pkt_offload_apply(p, &r, &e), -EINVAL);
	CHECK_U64(e.bad_gso_type, 2);
	pkt_free(p);
	/* Truncated headers: bad_headers, and NULL err is allowed. */
	p = gen_pkt(pool, &g);
	REQUIRE(p);
	p->len = 40;
	struct pkt_offload_req ok = {true, l4o, 16, 0, 0};
	CHECK_EQ(pkt_offload_apply(p, &ok, &e), -EINVAL);
	CHECK_U64(e.bad_headers, 1);
	CHECK_EQ(pkt_offload_apply(p, &ok, NULL), -EINVAL);
	pkt_free(p);
	/* The field must be in the linear part. */
	p = gen_pkt(pool, &g);
	REQUIRE(p);
	struct pkt *m = pkt_alloc(pool, 3000, 0);
	REQUIRE(m);
	memcpy(pkt_put(m, 3000), pkt_data(p) + 50, 3000);
	p->len = 50; /* TCP header cut at 16 of 20 bytes in the linear part */
	pkt_frag_list_append(p, m);
	CHECK_EQ(pkt_offload_apply(p, &ok, &e), -EINVAL);
	CHECK_U64(e.bad_headers, 2); /* the TCP header itself is not linear */
	pkt_free(p);
	teardown();
}

TEST(offload_apply_accepts)
{
	setup();
	for (int v = 4; v <= 6; v += 2) {
		struct gen_tcp g = {.ipv = v, .payload = 3000, .n_vlans = 1};
		uint16_t l4o = (uint16_t)(gen_l2len(&g) + gen_l3hlen(&g));
		uint32_t type = v == 4 ? PKT_GSO_TCPV4 : PKT_GSO_TCPV6;
		struct pkt *p = gen_pkt(pool, &g);
		REQUIRE(p);
		struct pkt_offload_errors e = {0};
		struct pkt_offload_req r = {true, l4o, 16, type | PKT_GSO_TCP_ECN, 1448};
		CHECK_EQ(pkt_offload_apply(p, &r, &e), 0);
		CHECK_EQ(p->ip_summed, CHECKSUM_PARTIAL);
		CHECK_EQ(p->csum_start, p->data + l4o);
		CHECK_EQ(p->csum_offset, 16);
		CHECK_EQ(p->transport_header, p->data + l4o);
		CHECK_EQ(p->network_header, p->data + 18);
		CHECK_EQ(p->gso_size, 1448);
		CHECK_EQ(p->gso_type, type | PKT_GSO_TCP_ECN | PKT_GSO_DODGY);
		pkt_free(p);
		/* Payload that fits one segment: not GSO at all. */
		p = gen_pkt(pool, &g);
		REQUIRE(p);
		r.gso_size = 3000;
		CHECK_EQ(pkt_offload_apply(p, &r, &e), 0);
		CHECK_EQ(p->gso_size, 0);
		CHECK_EQ(p->gso_type, 0);
		CHECK_EQ(p->ip_summed, CHECKSUM_PARTIAL);
		pkt_free(p);
		/* UDP checksum offload. */
		struct gen_tcp u = {.ipv = v, .payload = 100, .udp = true};
		p = gen_pkt(pool, &u);
		REQUIRE(p);
		struct pkt_offload_req ru = {true, (uint16_t)(14 + gen_l3hlen(&u)), 6, 0, 0};
		CHECK_EQ(pkt_offload_apply(p, &ru, &e), 0);
		CHECK_EQ(p->csum_offset, 6);
		pkt_free(p);
		CHECK_U64(e.bad_csum_start + e.bad_csum_offset + e.bad_gso_size + e.bad_gso_type +
				  e.bad_headers,
			  0);
	}
	teardown();
}

TEST_MAIN()
