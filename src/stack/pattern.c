/*
 * pattern.c — the deterministic payload pattern the built-in stack's flows
 * send and check: byte i of a stream is a function of (seed, i) only, so a
 * retransmission regenerates exactly the bytes first sent and a receiver can
 * verify any byte without a copy of what was sent.
 *
 * Serves stack.c (fill on transmit, check on receive) and tests. This is the
 * hot loop of embedded goodput: whole 64-bit words are generated, stored and
 * compared; no per-byte calls.
 */
#include <string.h>

#include "stack/stack.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PATTERN_HAVE_X86 1
#include <immintrin.h>
#endif

/* splitmix64's finaliser: a bijection with no visible structure. */
static inline uint64_t pattern_mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x ^= x >> 30;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 27;
	x *= 0x94D049BB133111EBull;
	x ^= x >> 31;
	return x;
}

/* The word as it lies in memory: little-endian byte order on every host. */
static inline uint64_t pattern_le(uint64_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(w);
#else
	return w;
#endif
}

/*
 * Word k of a stream (8 bytes, memory order) = table[k mod PATTERN_WORDS] XOR
 * key(seed, k / PATTERN_WORDS). The table (32 KiB, the same for every seed)
 * makes neighbouring words unrelated; the key, one mix per 32 KiB block,
 * makes blocks and seeds differ, so a segment delivered at the wrong offset
 * or in the wrong flow never matches. Filling and checking a block are then
 * a load-XOR-store (or load-XOR-OR) loop the compiler vectorizes: the test
 * payload costs about as much as a memcpy, so goodput measures illan.
 */
#define PATTERN_WORDS 4096u
static uint64_t pattern_table[PATTERN_WORDS];
static bool pattern_ready;

static void pattern_init(void)
{
	for (uint64_t k = 0; k < PATTERN_WORDS; k++)
		pattern_table[k] = pattern_le(pattern_mix(k ^ 0x5EEDull << 40));
	pattern_ready = true;
}

static inline uint64_t pattern_key(uint64_t seed, uint64_t block)
{
	return pattern_le(pattern_mix(seed ^ pattern_mix(block)));
}

static inline uint64_t pattern_word(uint64_t seed, uint64_t k)
{
	return pattern_table[k % PATTERN_WORDS] ^ pattern_key(seed, k / PATTERN_WORDS);
}

/* Bytes [from, from + m) of word k, in memory order (a partial word at the
 * start or end of a buffer: one key computation, not one per byte). */
static inline void pattern_part(uint64_t seed, uint64_t k, unsigned from, unsigned m, uint8_t *out)
{
	uint64_t w = pattern_word(seed, k);
	uint8_t b[8];
	memcpy(b, &w, 8);
	memcpy(out, b + from, m);
}

static inline uint32_t pattern_count_diff(const uint8_t *a, const uint8_t *b, unsigned m)
{
	uint32_t bad = 0;
	for (unsigned i = 0; i < m; i++)
		bad += a[i] != b[i];
	return bad;
}

/*
 * The word loops: d[j] = t[j] ^ key (fill) and OR of d[j] ^ t[j] ^ key
 * (check) over n words. Portable versions, and on x86-64 AVX2 ones chosen
 * at run time (as csum.c does): the baseline x86-64 target only allows
 * 16-byte vectors, which made fill and check cost two to four memcpys.
 * (AVX-512 variants measured no faster on the machines at hand: Zen 4
 * executes 512-bit operations as two 256-bit halves.)
 */
static void pattern_fill_words_c(uint8_t *d, const uint64_t *t, uint64_t key, uint32_t n)
{
	for (uint32_t j = 0; j < n; j++) {
		uint64_t w = t[j] ^ key;
		memcpy(d + 8 * j, &w, 8);
	}
}

static uint64_t pattern_check_words_c(const uint8_t *d, const uint64_t *t, uint64_t key, uint32_t n)
{
	uint64_t acc = 0;
	for (uint32_t j = 0; j < n; j++) {
		uint64_t w;
		memcpy(&w, d + 8 * j, 8);
		acc |= w ^ t[j] ^ key;
	}
	return acc;
}

#ifdef PATTERN_HAVE_X86
__attribute__((target("avx2"))) static void pattern_fill_words_avx2(uint8_t *d, const uint64_t *t,
								    uint64_t key, uint32_t n)
{
	const __m256i k = _mm256_set1_epi64x((long long)key);
	uint32_t j = 0;
	for (; j + 16 <= n; j += 16) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(t + j));
		__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(t + j + 4));
		__m256i c = _mm256_loadu_si256((const __m256i *)(const void *)(t + j + 8));
		__m256i e = _mm256_loadu_si256((const __m256i *)(const void *)(t + j + 12));
		_mm256_storeu_si256((__m256i *)(void *)(d + 8 * j), _mm256_xor_si256(a, k));
		_mm256_storeu_si256((__m256i *)(void *)(d + 8 * j + 32), _mm256_xor_si256(b, k));
		_mm256_storeu_si256((__m256i *)(void *)(d + 8 * j + 64), _mm256_xor_si256(c, k));
		_mm256_storeu_si256((__m256i *)(void *)(d + 8 * j + 96), _mm256_xor_si256(e, k));
	}
	pattern_fill_words_c(d + 8 * j, t + j, key, n - j);
}

__attribute__((target("avx2"))) static uint64_t
pattern_check_words_avx2(const uint8_t *d, const uint64_t *t, uint64_t key, uint32_t n)
{
	const __m256i k = _mm256_set1_epi64x((long long)key);
	__m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
	uint32_t j = 0;
	for (; j + 16 <= n; j += 16) {
		const __m256i *dv = (const __m256i *)(const void *)(d + 8 * j);
		const __m256i *tv = (const __m256i *)(const void *)(t + j);
		__m256i x0 = _mm256_xor_si256(_mm256_loadu_si256(dv), _mm256_loadu_si256(tv));
		__m256i x1 = _mm256_xor_si256(_mm256_loadu_si256(dv + 1), _mm256_loadu_si256(tv + 1));
		__m256i x2 = _mm256_xor_si256(_mm256_loadu_si256(dv + 2), _mm256_loadu_si256(tv + 2));
		__m256i x3 = _mm256_xor_si256(_mm256_loadu_si256(dv + 3), _mm256_loadu_si256(tv + 3));
		acc0 = _mm256_or_si256(acc0, _mm256_or_si256(_mm256_xor_si256(x0, k),
							     _mm256_xor_si256(x1, k)));
		acc1 = _mm256_or_si256(acc1, _mm256_or_si256(_mm256_xor_si256(x2, k),
							     _mm256_xor_si256(x3, k)));
	}
	acc0 = _mm256_or_si256(acc0, acc1);
	uint64_t lanes[4];
	_mm256_storeu_si256((__m256i *)(void *)lanes, acc0);
	return lanes[0] | lanes[1] | lanes[2] | lanes[3] |
	       pattern_check_words_c(d + 8 * j, t + j, key, n - j);
}

static int pattern_avx2_ok = -1;

static bool pattern_use_avx2(void)
{
	if (pattern_avx2_ok < 0) {
		__builtin_cpu_init();
		pattern_avx2_ok = __builtin_cpu_supports("avx2") ? 1 : 0;
	}
	return pattern_avx2_ok;
}
#endif

static inline void pattern_fill_words(uint8_t *d, const uint64_t *t, uint64_t key, uint32_t n)
{
#ifdef PATTERN_HAVE_X86
	if (n >= 16 && pattern_use_avx2()) {
		pattern_fill_words_avx2(d, t, key, n);
		return;
	}
#endif
	pattern_fill_words_c(d, t, key, n);
}

static inline uint64_t pattern_check_words(const uint8_t *d, const uint64_t *t, uint64_t key,
					   uint32_t n)
{
#ifdef PATTERN_HAVE_X86
	if (n >= 16 && pattern_use_avx2())
		return pattern_check_words_avx2(d, t, key, n);
#endif
	return pattern_check_words_c(d, t, key, n);
}

/* The pattern's bytes before the first whole word of buf[0..n) at stream
 * offset off, written to out: returns how many (0 when off is word-aligned). */
static inline uint32_t pattern_head(uint64_t seed, uint64_t off, uint32_t n, uint8_t *out)
{
	if (!(off & 7) || !n)
		return 0;
	unsigned from = (unsigned)(off & 7);
	uint32_t m = 8 - from < n ? 8 - from : n;
	pattern_part(seed, off >> 3, from, m, out);
	return m;
}

/* The whole words from stream offset pos (a multiple of 8), at most max of
 * them, that one pass over the table covers: sets *t to their table slice and
 * *key to their block's key, returns how many. */
static inline uint32_t pattern_span(uint64_t seed, uint64_t pos, uint32_t max, const uint64_t **t,
				    uint64_t *key)
{
	uint64_t k = pos >> 3;
	uint32_t idx = (uint32_t)(k % PATTERN_WORDS);
	uint32_t run = PATTERN_WORDS - idx;
	if (run > max)
		run = max;
	*key = pattern_key(seed, k / PATTERN_WORDS);
	*t = pattern_table + idx;
	return run;
}

/* Fill buf[0..n) with the pattern of stream seed from stream offset off. */
void stack_pattern_fill(uint64_t seed, uint64_t off, uint8_t *buf, uint32_t n)
{
	if (!pattern_ready)
		pattern_init();
	uint32_t i = pattern_head(seed, off, n, buf);
	while (n - i >= 8) {
		const uint64_t *t;
		uint64_t key;
		uint32_t run = pattern_span(seed, off + i, (n - i) / 8, &t, &key);
		pattern_fill_words(buf + i, t, key, run);
		i += 8 * run;
	}
	if (i < n)
		pattern_part(seed, (off + i) >> 3, 0, n - i, buf + i);
}

/* Count the bytes of buf[0..n) that differ from the pattern at offset off. */
uint32_t stack_pattern_check(uint64_t seed, uint64_t off, const uint8_t *buf, uint32_t n)
{
	if (!pattern_ready)
		pattern_init();
	uint8_t want[8];
	uint32_t i = pattern_head(seed, off, n, want);
	uint32_t bad = pattern_count_diff(buf, want, i);
	while (n - i >= 8) {
		const uint64_t *t;
		uint64_t key;
		uint32_t run = pattern_span(seed, off + i, (n - i) / 8, &t, &key);
		const uint8_t *d = buf + i;
		if (pattern_check_words(d, t, key, run)) {
			/* something differs: count the bytes, off the fast path */
			for (uint32_t j = 0; j < run; j++) {
				uint64_t w = t[j] ^ key;
				memcpy(want, &w, 8);
				bad += pattern_count_diff(d + 8 * j, want, 8);
			}
		}
		i += 8 * run;
	}
	if (i < n) {
		pattern_part(seed, (off + i) >> 3, 0, n - i, want);
		bad += pattern_count_diff(buf + i, want, n - i);
	}
	return bad;
}
