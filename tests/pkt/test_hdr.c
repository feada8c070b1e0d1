/*
 * test_hdr.c — bounded header parsing: every variant parsed right, every
 * truncation of every header refused (each truncated frame sits in a heap
 * block of exactly its length, so a read past the end trips ASan), IPv6
 * extension headers walked or refused, malformed fields refused.
 */
#include <errno.h>
#include <stdlib.h>

#include "pktgen.h"
#include "test.h"

static int parse_exact(const uint8_t *f, uint32_t len, struct hdr_info *h)
{
	uint8_t *b = malloc(len ? len : 1);
	if (!b)
		return -ENOMEM;
	memcpy(b, f, len);
	int rc = hdr_parse(b, len, h);
	free(b);
	return rc;
}

static const struct gen_tcp variants[] = {
	{.ipv = 4, .payload = 100},
	{.ipv = 4, .n_vlans = 1, .payload = 10, .tcp_opt_words = 3},
	{.ipv = 4, .n_vlans = 2, .payload = 0, .ip_opt_words = 2},
	{.ipv = 4, .payload = 33, .udp = true},
	{.ipv = 6, .payload = 100},
	{.ipv = 6, .n_vlans = 1, .payload = 7, .v6_ext = true},
	{.ipv = 6, .n_vlans = 2, .payload = 0, .udp = true, .v6_ext = true},
	{.ipv = 6, .payload = 5, .tcp_opt_words = 10},
};
#define N_VARIANTS (sizeof(variants) / sizeof(variants[0]))

TEST(parses_every_variant)
{
	static uint8_t f[2048];
	for (size_t i = 0; i < N_VARIANTS; i++) {
		const struct gen_tcp *g = &variants[i];
		uint32_t len = gen_frame(f, g);
		struct hdr_info h;
		REQUIRE(parse_exact(f, len, &h) == 0);
		CHECK_EQ(h.n_vlans, g->n_vlans);
		CHECK_EQ(h.ethertype, g->ipv == 4 ? ETH_P_IP : ETH_P_IPV6);
		CHECK_EQ(h.ip_version, g->ipv);
		CHECK_EQ(h.l3_off, gen_l2len(g));
		CHECK_EQ(h.l3_hlen, gen_l3hlen(g));
		CHECK_EQ(h.l3_tot_len, len - gen_l2len(g));
		CHECK_EQ(h.l4_proto, g->udp ? IPPROTO_UDP_ : IPPROTO_TCP_);
		CHECK_EQ(h.l4_off, gen_l2len(g) + gen_l3hlen(g));
		CHECK_EQ(h.l4_hlen, gen_l4hlen(g));
		CHECK(!h.is_fragment);
		if (g->n_vlans == 2) {
			CHECK_EQ(h.vlan_tpid[0], ETH_P_8021AD);
			CHECK_EQ(h.vlan_tci[0], 10);
			CHECK_EQ(h.vlan_tpid[1], ETH_P_8021Q);
			CHECK_EQ(h.vlan_tci[1], 11);
		}
	}
}

/* Rewrite the IP length field so the IP header claims exactly cut bytes
 * of frame (possible once the length field itself is inside the cut). */
static bool claim_len(uint8_t *f, const struct gen_tcp *g, uint32_t cut)
{
	uint32_t l3 = gen_l2len(g);
	if (g->ipv == 4) {
		if (cut < l3 + gen_l3hlen(g))
			return false;
		hdr_put16(f + l3 + 2, (uint16_t)(cut - l3));
		hdr_put16(f + l3 + 10, 0);
		hdr_put16(f + l3 + 10, ref_csum(f + l3, gen_l3hlen(g)));
	} else {
		if (cut < l3 + 40)
			return false;
		hdr_put16(f + l3 + 4, (uint16_t)(cut - l3 - 40));
	}
	return true;
}

TEST(every_truncation_refused)
{
	static uint8_t f[2048], t[2048];
	unsigned n_cut = 0, n_claimed = 0;
	for (size_t i = 0; i < N_VARIANTS; i++) {
		const struct gen_tcp *g = &variants[i];
		uint32_t len = gen_frame(f, g);
		uint32_t hlen = gen_hlen(g);
		for (uint32_t cut = 0; cut < hlen; cut++) {
			struct hdr_info h;
			/* The frame cut short: every header length is a lie. */
			int rc = parse_exact(f, cut, &h);
			if (rc != -EINVAL)
				TEST_FAILF("variant %zu cut %u: rc %d", i, cut, rc);
			n_cut++;
			/* The IP header agrees with the cut: the cut falls in
			 * an extension or L4 header, which must still fail. */
			memcpy(t, f, len);
			if (claim_len(t, g, cut)) {
				rc = parse_exact(t, cut, &h);
				if (rc != -EINVAL)
					TEST_FAILF("variant %zu claimed cut %u: rc %d", i, cut, rc);
				n_claimed++;
			}
		}
		/* Whole headers parse, payload truncated by the IP length: fine
		 * for the parser only when the frame holds what IP claims. */
		if (g->payload) {
			struct hdr_info h;
			CHECK_EQ(parse_exact(f, len - 1, &h), -EINVAL);
		}
	}
	CHECK(n_cut > 500);
	CHECK(n_claimed > 150);
}

TEST(parse_head_bounds_reads_by_avail)
{
	static uint8_t f[2048];
	struct gen_tcp g = {.ipv = 4, .payload = 1000};
	uint32_t len = gen_frame(f, &g);
	struct hdr_info h;
	/* Only the headers readable, the rest in a frag_list: fine. */
	CHECK_EQ(hdr_parse_head(f, gen_hlen(&g), len, &h), 0);
	CHECK_EQ(h.l4_off, 34);
	/* One header byte missing from the readable part: refused. */
	CHECK_EQ(hdr_parse_head(f, gen_hlen(&g) - 1, len, &h), -EINVAL);
}

TEST(ethernet_padding_allowed)
{
	static uint8_t f[128];
	struct gen_tcp g = {.ipv = 4, .payload = 2};
	uint32_t len = gen_frame(f, &g);
	memset(f + len, 0, 60 - len);
	struct hdr_info h;
	CHECK_EQ(parse_exact(f, 60, &h), 0);
	CHECK_EQ(h.l3_tot_len, 42);
}

TEST(non_ip_stops_at_l2)
{
	uint8_t f[60] = {0};
	hdr_put16(f + 12, ETH_P_ARP);
	struct hdr_info h;
	CHECK_EQ(parse_exact(f, 60, &h), 0);
	CHECK_EQ(h.ethertype, ETH_P_ARP);
	CHECK_EQ(h.l3_off, 0);
	CHECK_EQ(h.l4_off, 0);
	/* A third VLAN tag is refused, not misread. */
	hdr_put16(f + 12, ETH_P_8021Q);
	hdr_put16(f + 16, ETH_P_8021Q);
	hdr_put16(f + 20, ETH_P_8021Q);
	hdr_put16(f + 24, ETH_P_IP);
	CHECK_EQ(parse_exact(f, 60, &h), -EPROTONOSUPPORT);
}

TEST(malformed_fields_refused)
{
	static uint8_t f[256];
	struct gen_tcp g4 = {.ipv = 4, .payload = 20};
	struct hdr_info h;
	uint32_t len = gen_frame(f, &g4);
	f[14] = 0x55; /* version 5 */
	CHECK_EQ(parse_exact(f, len, &h), -EINVAL);
	gen_frame(f, &g4);
	f[14] = 0x44; /* ihl 4 */
	CHECK_EQ(parse_exact(f, len, &h), -EINVAL);
	gen_frame(f, &g4);
	hdr_put16(f + 16, 19); /* tot_len < ihl*4 */
	CHECK_EQ(parse_exact(f, len, &h), -EINVAL);
	gen_frame(f, &g4);
	f[34 + 12] = 0x40; /* doff 4 */
	CHECK_EQ(parse_exact(f, len, &h), -EINVAL);
	gen_frame(f, &g4);
	f[34 + 12] = 0xf0; /* doff 15: 60 bytes, past tot_len */
	CHECK_EQ(parse_exact(f, len, &h), -EINVAL);
	struct gen_tcp g6 = {.ipv = 6, .payload = 20};
	len = gen_frame(f, &g6);
	f[14] = 0x40; /* IPv6 ethertype, version 4 */
	CHECK_EQ(parse_exact(f, len, &h), -EINVAL);
}

TEST(ipv4_fragments)
{
	static uint8_t f[256];
	struct gen_tcp g = {.ipv = 4, .payload = 20};
	uint32_t len = gen_frame(f, &g);
	struct hdr_info h;
	hdr_put16(f + 20, 0x2000); /* MF, offset 0: first fragment, L4 parsed */
	CHECK_EQ(parse_exact(f, len, &h), 0);
	CHECK(h.is_fragment);
	CHECK_EQ(h.l4_off, 34);
	hdr_put16(f + 20, 0x0010); /* offset 128: no L4 header here */
	CHECK_EQ(parse_exact(f, len, &h), 0);
	CHECK(h.is_fragment);
	CHECK_EQ(h.l4_off, 0);
	CHECK_EQ(h.l4_proto, IPPROTO_TCP_);
}

/* Build an IPv6 frame with the given extension chain before TCP. */
static uint32_t v6_with_ext(uint8_t *f, const uint8_t *nhs, int n, uint16_t frag_off)
{
	struct gen_tcp g = {.ipv = 6, .payload = 0};
	uint32_t len = gen_frame(f, &g);
	uint8_t tcp[20];
	memcpy(tcp, f + 54, 20);
	uint32_t o = 54;
	f[20] = n ? nhs[0] : IPPROTO_TCP_;
	for (int i = 0; i < n; i++) {
		memset(f + o, 0, 8);
		f[o] = i + 1 < n ? nhs[i + 1] : IPPROTO_TCP_;
		if (nhs[i] == 44)
			hdr_put16(f + o + 2, frag_off);
		o += 8;
	}
	memcpy(f + o, tcp, 20);
	len = o + 20;
	hdr_put16(f + 18, (uint16_t)(len - 54));
	return len;
}

TEST(ipv6_extension_headers)
{
	static uint8_t f[256];
	struct hdr_info h;
	const uint8_t walk[] = {0, 43, 44, 60};
	uint32_t len = v6_with_ext(f, walk, 4, 1 /* M, offset 0 */);
	CHECK_EQ(parse_exact(f, len, &h), 0);
	CHECK_EQ(h.l3_hlen, 40 + 32);
	CHECK_EQ(h.l4_off, 14 + 72);
	CHECK_EQ(h.l4_proto, IPPROTO_TCP_);
	CHECK(h.is_fragment);
	/* Not the first fragment: no L4 header. */
	const uint8_t frag[] = {44};
	len = v6_with_ext(f, frag, 1, 8);
	CHECK_EQ(parse_exact(f, len, &h), 0);
	CHECK_EQ(h.l4_off, 0);
	CHECK(h.is_fragment);
	/* Hop-by-hop anywhere but first: malformed. */
	const uint8_t hbh2[] = {60, 0};
	len = v6_with_ext(f, hbh2, 2, 0);
	CHECK_EQ(parse_exact(f, len, &h), -EINVAL);
	/* AH and ESP: refused, never skipped. */
	const uint8_t ah[] = {51};
	len = v6_with_ext(f, ah, 1, 0);
	CHECK_EQ(parse_exact(f, len, &h), -EPROTONOSUPPORT);
	const uint8_t esp[] = {60, 50};
	len = v6_with_ext(f, esp, 2, 0);
	CHECK_EQ(parse_exact(f, len, &h), -EPROTONOSUPPORT);
	/* An extension header longer than the packet claims. */
	len = v6_with_ext(f, walk, 1, 0);
	f[55] = 5; /* 48 bytes */
	CHECK_EQ(parse_exact(f, len, &h), -EINVAL);
	/* No next header: parsed, no L4. */
	len = v6_with_ext(f, walk, 0, 0);
	f[20] = 59;
	CHECK_EQ(parse_exact(f, len, &h), 0);
	CHECK_EQ(h.l4_off, 0);
	CHECK_EQ(h.l4_proto, 59);
}

TEST(parse_ip_without_l2)
{
	static uint8_t f[256];
	struct gen_tcp g = {.ipv = 6, .payload = 9, .v6_ext = true};
	uint32_t len = gen_frame(f, &g);
	struct hdr_info h;
	CHECK_EQ(hdr_parse_ip(f, len, len, 14, &h), 0);
	CHECK_EQ(h.ethertype, ETH_P_IPV6);
	CHECK_EQ(h.l4_off, 14 + 56);
	CHECK_EQ(hdr_parse_ip(f, len, len, 15, &h), -EINVAL);
}

TEST(pkt_parse_headers_sets_offsets)
{
	struct pkt_pool *pool = gen_pool("hdr");
	REQUIRE(pool);
	struct gen_tcp g = {.ipv = 4, .n_vlans = 1, .payload = 50};
	struct pkt *p = gen_pkt(pool, &g);
	REQUIRE(p);
	struct hdr_info h;
	CHECK_EQ(pkt_parse_headers(p, &h), 0);
	CHECK_EQ(p->mac_header, p->data);
	CHECK_EQ(p->network_header, p->data + 18);
	CHECK_EQ(p->transport_header, p->data + 38);
	CHECK_EQ(p->protocol, ETH_P_IP);
	/* Truncated: refused, p unchanged. */
	p->len = 30;
	uint32_t nh = p->network_header;
	p->network_header = PKT_HDR_UNSET;
	CHECK_EQ(pkt_parse_headers(p, NULL), -EINVAL);
	CHECK_EQ(p->network_header, PKT_HDR_UNSET);
	(void)nh;
	pkt_free(p);
	CHECK_EQ(pkt_pool_outstanding(pool), 0);
	CHECK_EQ(pkt_pool_destroy(pool), 0);
	CHECK_U64(pkt_outstanding_total(), 0);
}

TEST_MAIN()
