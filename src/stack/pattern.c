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

static inline uint8_t pattern_byte(uint64_t seed, uint64_t o)
{
	uint64_t w = pattern_word(seed, o >> 3);
	uint8_t b[8];
	memcpy(b, &w, 8);
	return b[o & 7];
}

/* Fill buf[0..n) with the pattern of stream seed from stream offset off. */
void stack_pattern_fill(uint64_t seed, uint64_t off, uint8_t *buf, uint32_t n)
{
	if (!pattern_ready)
		pattern_init();
	uint32_t i = 0;
	while (i < n && ((off + i) & 7)) {
		buf[i] = pattern_byte(seed, off + i);
		i++;
	}
	while (n - i >= 8) {
		uint64_t k = (off + i) >> 3;
		uint32_t idx = (uint32_t)(k % PATTERN_WORDS);
		uint32_t run = PATTERN_WORDS - idx;
		if (run > (n - i) / 8)
			run = (n - i) / 8;
		const uint64_t key = pattern_key(seed, k / PATTERN_WORDS);
		const uint64_t *t = pattern_table + idx;
		uint8_t *d = buf + i;
		for (uint32_t j = 0; j < run; j++) {
			uint64_t w = t[j] ^ key;
			memcpy(d + 8 * j, &w, 8);
		}
		i += 8 * run;
	}
	for (; i < n; i++)
		buf[i] = pattern_byte(seed, off + i);
}

/* Count the bytes of buf[0..n) that differ from the pattern at offset off. */
uint32_t stack_pattern_check(uint64_t seed, uint64_t off, const uint8_t *buf, uint32_t n)
{
	if (!pattern_ready)
		pattern_init();
	uint32_t i = 0, bad = 0;
	while (i < n && ((off + i) & 7)) {
		bad += buf[i] != pattern_byte(seed, off + i);
		i++;
	}
	while (n - i >= 8) {
		uint64_t k = (off + i) >> 3;
		uint32_t idx = (uint32_t)(k % PATTERN_WORDS);
		uint32_t run = PATTERN_WORDS - idx;
		if (run > (n - i) / 8)
			run = (n - i) / 8;
		const uint64_t key = pattern_key(seed, k / PATTERN_WORDS);
		const uint64_t *t = pattern_table + idx;
		const uint8_t *d = buf + i;
		uint64_t acc = 0;
		for (uint32_t j = 0; j < run; j++) {
			uint64_t w;
			memcpy(&w, d + 8 * j, 8);
			acc |= w ^ t[j] ^ key;
		}
		if (acc) {
			/* something differs: count the bytes, off the fast path */
			for (uint32_t j = 0; j < run; j++) {
				uint8_t got[8], want[8];
				uint64_t w = t[j] ^ key;
				memcpy(want, &w, 8);
				memcpy(got, d + 8 * j, 8);
				for (unsigned b = 0; b < 8; b++)
					bad += got[b] != want[b];
			}
		}
		i += 8 * run;
	}
	for (; i < n; i++)
		bad += buf[i] != pattern_byte(seed, off + i);
	return bad;
}
