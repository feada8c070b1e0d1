/*
 * fuzz_util.h — shared helpers for the libFuzzer targets in fuzz/: an input
 * reader that hands out bytes and integers until the input runs out, one
 * process-wide packet pool, packets built from fuzz bytes, and FUZZ_CHECK for
 * the invariants each target asserts beyond "no crash".
 *
 * Serves every fuzz target (fuzz/fuzz_*.c), which are also linked without libFuzzer into
 * the replay tests (tests/harden/replay_main.c) under gcc and ASan. Header
 * only: each target is one translation unit.
 */
#ifndef ILLAN_FUZZ_UTIL_H
#define ILLAN_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt/pkt.h"

/* An invariant the code under test promises; a failure is a finding. */
#define FUZZ_CHECK(c)                                                                             \
	do {                                                                                      \
		if (!(c)) {                                                                       \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                                  \
		}                                                                                 \
	} while (0)

struct fuzz_in {
	const uint8_t *d;
	size_t n;
};

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->d++;
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	uint16_t hi = fuzz_u8(in);
	return (uint16_t)(hi << 8 | fuzz_u8(in));
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	uint32_t hi = fuzz_u16(in);
	return hi << 16 | fuzz_u16(in);
}

static inline uint64_t fuzz_u64(struct fuzz_in *in)
{
	uint64_t hi = fuzz_u32(in);
	return hi << 32 | fuzz_u32(in);
}

/* Up to n bytes (fewer when the input runs out); *got says how many. */
static inline const uint8_t *fuzz_bytes(struct fuzz_in *in, size_t n, size_t *got)
{
	const uint8_t *p = in->d;
	if (n > in->n)
		n = in->n;
	in->d += n;
	in->n -= n;
	*got = n;
	return p;
}

/* The process-wide heap pool every target allocates from; it lives until
 * exit (reachable, so LeakSanitizer does not count it). */
static inline struct pkt_pool *fuzz_pool(void)
{
	static struct pkt_pool *pool;
	if (!pool) {
		struct pkt_pool_class c[] = {
			{256, 512},
			{2048, 512},
			{PKT_HEADROOM + PKT_MAX_LEN + 64, 16},
		};
		pool = pkt_pool_create("fuzz", c, 3, NULL, 0);
		FUZZ_CHECK(pool);
	}
	return pool;
}

/* A linear packet holding bytes[0..len), MAC header at data. NULL when the
 * pool has no buffer (or fault injection says so). */
static inline struct pkt *fuzz_pkt(const uint8_t *bytes, size_t len)
{
	if (len > PKT_MAX_LEN)
		return NULL;
	struct pkt *p = pkt_alloc(fuzz_pool(), (uint32_t)len, PKT_HEADROOM);
	if (!p)
		return NULL;
	if (len)
		memcpy(pkt_put(p, (uint32_t)len), bytes, len);
	return p;
}

/*
 * A packet with the same bytes whose tail beyond head_len is split over a
 * frag_list of members of at most chunk bytes (as GRO builds them).
 */
static inline struct pkt *fuzz_pkt_frags(const uint8_t *bytes, size_t len, size_t head_len,
					 size_t chunk)
{
	if (head_len > len)
		head_len = len;
	if (chunk < (len - head_len) / 32 + 1)
		chunk = (len - head_len) / 32 + 1; /* at most ~32 members */
	struct pkt *p = fuzz_pkt(bytes, head_len);
	if (!p)
		return NULL;
	for (size_t off = head_len; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		struct pkt *m = pkt_alloc(fuzz_pool(), (uint32_t)n, 0);
		if (!m) {
			pkt_free(p);
			return NULL;
		}
		memcpy(pkt_put(m, (uint32_t)n), bytes + off, n);
		pkt_frag_list_append(p, m);
	}
	return p;
}

/* End of one input: nothing may stay allocated, fault injection disarmed. */
static inline void fuzz_end(void)
{
	pkt_fault_fail_nth(0);
	FUZZ_CHECK(pkt_pool_outstanding(fuzz_pool()) == 0);
}

#endif
