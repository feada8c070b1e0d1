/*
 * csum.c — the Internet checksum (RFC 1071), its incremental update (RFC 1624)
 * and the IPv4/IPv6 pseudo-header sums, with Linux's conventions (a "sum" is
 * an unfolded __wsum of 16-bit words in memory order, a "checksum" the folded
 * complement to store as-is).
 *
 * Serves the packet core (checksum_help, GSO, GRO, offload validation), the
 * hypervisor (software checksums), drivers and the stack.
 *
 * Speed: the sum is associative over 16-bit words and 2^16 == 1 (mod 2^16-1),
 * so 32-bit words may be added into 64-bit accumulators and folded at the
 * end. On x86-64 an AVX2 loop (chosen at run time) widens 32-bit words to
 * 64-bit lanes; elsewhere a portable loop with four independent 64-bit
 * accumulators does the same work.
 */
#include "pkt/csum.h"

#include <string.h>

#include "ev/prof.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CSUM_HAVE_X86 1
#include <immintrin.h>
#endif

static inline uint32_t csum_load32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t csum_load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* Fold a 64-bit accumulation of memory-order words to 32 bits, end-around. */
static inline uint32_t csum_fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

/* The value a lone trailing byte contributes, as the first byte of a 16-bit
 * word read in memory order. */
static inline uint64_t csum_tail_byte(uint8_t b)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (uint64_t)b << 8;
#else
	return b;
#endif
}

/* Portable core: sum of len bytes at p, from an even stream offset. */
static uint64_t csum_words_c(const uint8_t *p, size_t len)
{
	uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
	while (len >= 32) {
		uint64_t w0 = csum_load64(p), w1 = csum_load64(p + 8);
		uint64_t w2 = csum_load64(p + 16), w3 = csum_load64(p + 24);
		/* Split each 64-bit word into halves so no carry is lost. */
		a0 += (w0 & 0xffffffffu) + (w0 >> 32);
		a1 += (w1 & 0xffffffffu) + (w1 >> 32);
		a2 += (w2 & 0xffffffffu) + (w2 >> 32);
		a3 += (w3 & 0xffffffffu) + (w3 >> 32);
		p += 32;
		len -= 32;
	}
	while (len >= 4) {
		a0 += csum_load32(p);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t v;
		memcpy(&v, p, 2);
		a1 += v;
		p += 2;
		len -= 2;
	}
	if (len)
		a2 += csum_tail_byte(*p);
	/* Each accumulator stays far below 2^64 for any len < 2^40. */
	uint64_t s = (uint64_t)csum_fold64(a0) + csum_fold64(a1) + csum_fold64(a2) + csum_fold64(a3);
	return s;
}

#ifdef CSUM_HAVE_X86
/* AVX2 core: 32-byte loads, 32-bit words zero-extended into 64-bit lanes of
 * two independent accumulators; the scalar loop takes the remainder. */
__attribute__((target("avx2"))) static uint64_t csum_words_avx2(const uint8_t *p, size_t len)
{
	__m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
	__m256i acc2 = _mm256_setzero_si256(), acc3 = _mm256_setzero_si256();
	const __m256i zero = _mm256_setzero_si256();
	while (len >= 64) {
		__m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)p);
		__m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
		acc0 = _mm256_add_epi64(acc0, _mm256_unpacklo_epi32(v0, zero));
		acc1 = _mm256_add_epi64(acc1, _mm256_unpackhi_epi32(v0, zero));
		acc2 = _mm256_add_epi64(acc2, _mm256_unpacklo_epi32(v1, zero));
		acc3 = _mm256_add_epi64(acc3, _mm256_unpackhi_epi32(v1, zero));
		p += 64;
		len -= 64;
	}
	acc0 = _mm256_add_epi64(_mm256_add_epi64(acc0, acc1), _mm256_add_epi64(acc2, acc3));
	uint64_t lanes[4];
	_mm256_storeu_si256((__m256i *)(void *)lanes, acc0);
	uint64_t s = (uint64_t)csum_fold64(lanes[0]) + csum_fold64(lanes[1]) +
		     csum_fold64(lanes[2]) + csum_fold64(lanes[3]);
	return s + csum_words_c(p, len);
}

static int csum_avx2_ok = -1;
#endif

static uint64_t csum_words(const uint8_t *p, size_t len)
{
#ifdef CSUM_HAVE_X86
	if (len >= 128) {
		if (csum_avx2_ok < 0) {
			__builtin_cpu_init();
			csum_avx2_ok = __builtin_cpu_supports("avx2") ? 1 : 0;
		}
		if (csum_avx2_ok)
			return csum_words_avx2(p, len);
	}
#endif
	return csum_words_c(p, len);
}

/* csum_add: see csum.h. */
uint32_t csum_add(uint32_t a, uint32_t b)
{
	uint32_t r = a + b;
	return r + (r < a);
}

/* csum_partial: see csum.h. */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	uint64_t s = csum_words(buf, len);
	return csum_add(sum, csum_fold64(s));
}

/* csum_partial_copy: see csum.h. Copies in 4 KiB blocks so each block is
 * summed while still in cache. */
uint32_t csum_partial_copy(void *dst, const void *src, size_t len, uint32_t sum)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	uint64_t acc = 0;
	prof_copied(len);
	while (len) {
		size_t n = len > 4096 ? 4096 : len; /* even, so word pairing is kept */
		memcpy(d, s, n);
		acc += csum_words(d, n);
		d += n;
		s += n;
		len -= n;
	}
	return csum_add(sum, csum_fold64(acc));
}

/* csum_fold: see csum.h. */
uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Byte-swap a 32-bit sum: a block that starts at an odd stream offset has its
 * bytes paired the other way round (Linux's csum_block_add/csum_shift). */
static inline uint32_t csum_ror8(uint32_t s)
{
	return (s >> 8) | (s << 24);
}

/* csum_block_add: see csum.h. */
uint32_t csum_block_add(uint32_t sum, uint32_t block_sum, size_t offset)
{
	if (offset & 1)
		block_sum = csum_ror8(block_sum);
	return csum_add(sum, block_sum);
}

/* ip_fast_csum: see csum.h. */
uint16_t ip_fast_csum(const void *iph, unsigned ihl)
{
	return csum_fold(csum_partial(iph, (size_t)ihl * 4, 0));
}

/* A host-order 16-bit quantity as it would sit in memory big-endian, read
 * back as a memory-order word (what csum_partial would have added). */
static inline uint32_t csum_be16_word(uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	uint16_t w;
	memcpy(&w, b, 2);
	return w;
}

/* What the IPv4 and IPv6 pseudo-headers share after the addresses: the
 * upper-layer length (as 32 bits; IPv4's 16-bit field is its low half)
 * and the protocol, added to s; the total folded to 32 bits. */
static inline uint32_t csum_pseudo_len_proto(uint64_t s, uint32_t len, uint8_t proto)
{
	s += csum_be16_word((uint16_t)(len >> 16));
	s += csum_be16_word((uint16_t)len);
	s += csum_be16_word(proto);
	return csum_fold64(s);
}

/* csum_tcpudp_nofold: see csum.h. */
uint32_t csum_tcpudp_nofold(const void *saddr4, const void *daddr4, uint32_t len, uint8_t proto,
			    uint32_t sum)
{
	uint64_t s = sum;
	s += csum_load32(saddr4);
	s += csum_load32(daddr4);
	return csum_pseudo_len_proto(s, len, proto);
}

/* csum_tcpudp_magic: see csum.h. */
uint16_t csum_tcpudp_magic(const void *saddr4, const void *daddr4, uint32_t len, uint8_t proto,
			   uint32_t sum)
{
	return csum_fold(csum_tcpudp_nofold(saddr4, daddr4, len, proto, sum));
}

/* csum_ipv6_nofold: see csum.h. */
uint32_t csum_ipv6_nofold(const void *saddr16, const void *daddr16, uint32_t len, uint8_t proto,
			  uint32_t sum)
{
	uint64_t s = sum;
	const uint8_t *a = saddr16, *b = daddr16;
	for (int i = 0; i < 16; i += 4)
		s += (uint64_t)csum_load32(a + i) + csum_load32(b + i);
	return csum_pseudo_len_proto(s, len, proto);
}

/* csum_ipv6_magic: see csum.h. */
uint16_t csum_ipv6_magic(const void *saddr16, const void *daddr16, uint32_t len, uint8_t proto,
			 uint32_t sum)
{
	return csum_fold(csum_ipv6_nofold(saddr16, daddr16, len, proto, sum));
}

/* csum_replace2: see csum.h. */
void csum_replace2(uint16_t *check, uint16_t old, uint16_t new_)
{
	uint32_t s = (uint16_t) ~*check;
	s = csum_add(s, (uint16_t)~old);
	s = csum_add(s, new_);
	*check = csum_fold(s);
}

/* csum_replace4: see csum.h. */
void csum_replace4(uint16_t *check, uint32_t old, uint32_t new_)
{
	uint32_t s = (uint16_t) ~*check;
	s = csum_add(s, ~old);
	s = csum_add(s, new_);
	*check = csum_fold(s);
}
