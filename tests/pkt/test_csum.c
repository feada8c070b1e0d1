/*
 * test_csum.c — the Internet checksum against RFC 1071/1624 vectors and a
 * plain reference (pktgen.h): odd lengths, unaligned buffers, carries,
 * block combination, copy-and-sum, IPv4 header and pseudo-header sums.
 */
#include <stdlib.h>

#include "pkt/csum.h"
#include "pktgen.h"
#include "test.h"

/* The stored checksum (memory order) read as a big-endian value. */
static uint16_t stored(uint16_t c)
{
	uint8_t b[2];
	memcpy(b, &c, 2);
	return hdr_get16(b);
}

static uint16_t wire16(uint16_t host)
{
	uint8_t b[2];
	uint16_t v;
	hdr_put16(b, host);
	memcpy(&v, b, 2);
	return v;
}

static uint32_t rng_state = 12345;
static uint8_t rnd8(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (uint8_t)(rng_state >> 16);
}

TEST(rfc1071_example)
{
	/* RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2; checksum 220d. */
	const uint8_t b[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	CHECK_EQ(stored(csum_fold(csum_partial(b, 8, 0))), 0x220d);
	CHECK_EQ(ref_csum(b, 8), 0x220d);
	/* Order independence (RFC 1071 §2(B)): the same words reversed. */
	const uint8_t r[8] = {0xf6, 0xf7, 0xf4, 0xf5, 0xf2, 0x03, 0x00, 0x01};
	CHECK_EQ(stored(csum_fold(csum_partial(r, 8, 0))), 0x220d);
}

TEST(rfc1624_example)
{
	/* RFC 1624 §4: HC = 0xdd2f, field 0x5555 -> 0x3285: HC' = 0x0000
	 * (eqn. 3), not 0xffff (eqn. 2's wrong answer). */
	uint16_t check = wire16(0xdd2f);
	csum_replace2(&check, wire16(0x5555), wire16(0x3285));
	CHECK_EQ(stored(check), 0x0000);
}

TEST(replace_matches_recompute)
{
	uint8_t buf[64];
	for (int round = 0; round < 2000; round++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = rnd8();
		buf[10] = buf[11] = 0;
		uint16_t c = csum_fold(csum_partial(buf, sizeof(buf), 0));
		memcpy(buf + 10, &c, 2);
		/* change a 16-bit field at 20 and a 32-bit field at 32 */
		uint16_t o2, n2 = (uint16_t)(rnd8() << 8 | rnd8());
		memcpy(&o2, buf + 20, 2);
		memcpy(buf + 20, &n2, 2);
		csum_replace2(&c, o2, n2);
		uint32_t o4, n4 = (uint32_t)rnd8() << 24 | (uint32_t)rnd8() << 16 | rnd8();
		memcpy(&o4, buf + 32, 4);
		memcpy(buf + 32, &n4, 4);
		csum_replace4(&c, o4, n4);
		memcpy(buf + 10, &c, 2);
		/* The updated checksum verifies (sums to zero)... */
		if (ref_fold(ref_sum(buf, sizeof(buf), 0)) != 0xffff) {
			CHECK(!"incremental update does not verify");
			break;
		}
	}
}

static void check_len_align(size_t len, size_t align, uint8_t fill_mode)
{
	uint8_t *mem = malloc(len + 16);
	REQUIRE(mem);
	uint8_t *b = mem + align;
	for (size_t i = 0; i < len; i++)
		b[i] = fill_mode == 0 ? rnd8() : fill_mode == 1 ? 0xff : (uint8_t)i;
	uint16_t want = ref_csum(b, len);
	uint16_t got = stored(csum_fold(csum_partial(b, len, 0)));
	if (got != want)
		TEST_FAILF("len %zu align %zu mode %u: got %04x want %04x", len, align, fill_mode,
			   got, want);
	free(mem);
}

TEST(odd_lengths_unaligned)
{
	const size_t lens[] = {0, 1, 2, 3, 21, 127, 128, 129, 255, 1501, 4096, 9001, 65535};
	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
		for (size_t a = 0; a < 8; a++)
			for (uint8_t m = 0; m < 3; m++)
				check_len_align(lens[l], a, m);
}

TEST(every_length_to_600)
{
	for (size_t len = 0; len <= 600; len++)
		check_len_align(len, len % 5, (uint8_t)(len % 3));
}

TEST(all_ones_carries)
{
	/* 65535 bytes of 0xff: every addition carries; the sum is ~0. */
	static uint8_t b[65535];
	memset(b, 0xff, sizeof(b));
	CHECK_EQ(stored(csum_fold(csum_partial(b, sizeof(b), 0))), ref_csum(b, sizeof(b)));
	/* Zero-length sum leaves the running sum alone. */
	CHECK_U64(csum_partial(b, 0, 0x1234), 0x1234);
}

TEST(initial_sum_and_block_add)
{
	uint8_t b[1501];
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = rnd8();
	uint16_t whole = stored(csum_fold(csum_partial(b, sizeof(b), 0)));
	for (size_t k = 0; k <= sizeof(b); k += 37) {
		/* Even split: the running-sum argument continues the sum. */
		size_t e = k & ~(size_t)1;
		uint32_t s = csum_partial(b + e, sizeof(b) - e, csum_partial(b, e, 0));
		CHECK_EQ(stored(csum_fold(s)), whole);
		/* Any split, odd included: block_add swaps the odd block. */
		uint32_t s2 = csum_block_add(csum_partial(b, k, 0),
					     csum_partial(b + k, sizeof(b) - k, 0), k);
		CHECK_EQ(stored(csum_fold(s2)), whole);
	}
}

TEST(partial_copy)
{
	uint8_t src[9001], dst[9001 + 3];
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = rnd8();
	for (size_t a = 0; a < 3; a++) {
		memset(dst, 0, sizeof(dst));
		uint32_t s = csum_partial_copy(dst + a, src, sizeof(src), 0);
		CHECK_MEM(dst + a, src, sizeof(src));
		CHECK_EQ(stored(csum_fold(s)), ref_csum(src, sizeof(src)));
	}
}

TEST(ip_header_checksum)
{
	/* A textbook IPv4 header (checksum 0xb861). */
	uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	uint16_t c = ip_fast_csum(h, 5);
	CHECK_EQ(stored(c), 0xb861);
	memcpy(h + 10, &c, 2);
	CHECK_EQ(ip_fast_csum(h, 5), 0); /* a good header verifies to 0 */
	h[8] = 0x3f;                     /* TTL change: no longer verifies */
	CHECK(ip_fast_csum(h, 5) != 0);
}

TEST(pseudo_headers)
{
	static uint8_t f[2000];
	for (int v = 4; v <= 6; v += 2) {
		for (int udp = 0; udp < 2; udp++) {
			struct gen_tcp g = {.ipv = v,
					    .payload = 1001,
					    .csum = true,
					    .udp = udp,
					    .seq = 7,
					    .pay_seed = 3};
			gen_frame(f, &g);
			uint8_t *ip = f + ETH_HLEN, *l4 = ip + gen_l3hlen(&g);
			uint32_t l4len = gen_l4hlen(&g) + g.payload;
			uint8_t proto = udp ? IPPROTO_UDP_ : IPPROTO_TCP_;
			uint32_t ps = v == 4 ? csum_tcpudp_nofold(ip + 12, ip + 16, l4len, proto, 0)
					     : csum_ipv6_nofold(ip + 8, ip + 24, l4len, proto, 0);
			/* The packet built with the reference verifies with ours. */
			CHECK_EQ(csum_fold(csum_partial(l4, l4len, ps)), 0);
			/* The seed (~magic) equals the reference seed. */
			uint16_t magic = v == 4 ? csum_tcpudp_magic(ip + 12, ip + 16, l4len, proto, 0)
						: csum_ipv6_magic(ip + 8, ip + 24, l4len, proto, 0);
			CHECK_EQ(stored((uint16_t)~magic), ref_seed(ip, l4len, proto));
		}
	}
}

TEST_MAIN()
