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

/* A splitmix64-style finaliser of (seed, word index): cheap (two multiplies)
 * and without visible structure, so a shifted or reordered segment never
 * matches by accident. */
static inline uint64_t pattern_word(uint64_t seed, uint64_t k)
{
	uint64_t x = seed + (k + 1) * 0x9E3779B97F4A7C15ull;
	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 29;
	x *= 0x94D049BB133111EBull;
	x ^= x >> 32;
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

/* Fill buf[0..n) with the pattern of stream seed from stream offset off. */
void stack_pattern_fill(uint64_t seed, uint64_t off, uint8_t *buf, uint32_t n)
{
	uint32_t i = 0;
	while (i < n && ((off + i) & 7)) {
		uint64_t o = off + i;
		buf[i++] = (uint8_t)(pattern_word(seed, o >> 3) >> ((o & 7) * 8));
	}
	uint64_t k = (off + i) >> 3;
	for (; i + 8 <= n; i += 8, k++) {
		uint64_t w = pattern_le(pattern_word(seed, k));
		memcpy(buf + i, &w, 8);
	}
	if (i < n) {
		uint64_t w = pattern_word(seed, k);
		for (unsigned b = 0; i < n; i++, b++)
			buf[i] = (uint8_t)(w >> (b * 8));
	}
}

/* Count the bytes of buf[0..n) that differ from the pattern at offset off. */
uint32_t stack_pattern_check(uint64_t seed, uint64_t off, const uint8_t *buf, uint32_t n)
{
	uint32_t i = 0, bad = 0;
	while (i < n && ((off + i) & 7)) {
		uint64_t o = off + i;
		bad += buf[i++] != (uint8_t)(pattern_word(seed, o >> 3) >> ((o & 7) * 8));
	}
	uint64_t k = (off + i) >> 3;
	for (; i + 8 <= n; i += 8, k++) {
		uint64_t got;
		memcpy(&got, buf + i, 8);
		uint64_t diff = got ^ pattern_le(pattern_word(seed, k));
		if (diff) {
			for (unsigned b = 0; b < 8; b++)
				bad += ((diff >> (b * 8)) & 0xff) != 0;
		}
	}
	if (i < n) {
		uint64_t w = pattern_word(seed, k);
		for (unsigned b = 0; i < n; i++, b++)
			bad += buf[i] != (uint8_t)(w >> (b * 8));
	}
	return bad;
}
