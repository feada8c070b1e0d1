/*
 * bench_csum.c — checksum throughput against memcpy on hot 64 KiB buffers,
 * measured in the same run (style.md: wall clock only as a ratio).
 *
 * Prints one fixed-column line per case (median of several timed runs after
 * a warm-up): csum_partial, csum_partial_copy, memcpy, and the ratios
 * csum/memcpy and csum_copy/memcpy. Target: csum/memcpy >= 0.5.
 * Serves issue 2's benchmark; never run as a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_rate.h"
#include "pkt/csum.h"

#define BUF_SIZE (64u * 1024u)

static volatile uint32_t sink;

enum bench_case { CASE_CSUM, CASE_CSUM_COPY, CASE_MEMCPY };

/* Bytes per second for one case: iters passes over the buffer, timed. */
static double run_once(int c, uint8_t *src, uint8_t *dst, unsigned iters)
{
	uint32_t acc = 0;
	double t0 = bench_now_s();
	for (unsigned i = 0; i < iters; i++) {
		switch (c) {
		case CASE_CSUM:
			acc += csum_partial(src, BUF_SIZE, i);
			break;
		case CASE_CSUM_COPY:
			acc += csum_partial_copy(dst, src, BUF_SIZE, i);
			break;
		case CASE_MEMCPY:
			memcpy(dst, src, BUF_SIZE);
			/* Keep the copy: the compiler must assume dst is read. */
			__asm__ volatile("" : : "r"(dst) : "memory");
			acc += dst[i % BUF_SIZE];
			break;
		}
	}
	double t = bench_now_s() - t0;
	sink += acc;
	return (double)BUF_SIZE * iters / t;
}

int main(int argc, char **argv)
{
	unsigned iters = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 20000;
	if (!iters)
		iters = 1;
	uint8_t *src = aligned_alloc(64, BUF_SIZE), *dst = aligned_alloc(64, BUF_SIZE);
	if (!src || !dst) {
		fprintf(stderr, "bench_csum: out of memory\n");
		return 1;
	}
	for (unsigned i = 0; i < BUF_SIZE; i++)
		src[i] = (uint8_t)(i * 131u + (i >> 9));
	memset(dst, 0, BUF_SIZE);
	double rc = bench_median_rate(run_once, CASE_CSUM, src, dst, iters);
	double rcc = bench_median_rate(run_once, CASE_CSUM_COPY, src, dst, iters);
	double rm = bench_median_rate(run_once, CASE_MEMCPY, src, dst, iters);
	printf("%-28s %10.2f GB/s\n", "csum_partial 64KiB hot", rc / 1e9);
	printf("%-28s %10.2f GB/s\n", "csum_partial_copy 64KiB hot", rcc / 1e9);
	printf("%-28s %10.2f GB/s\n", "memcpy 64KiB hot", rm / 1e9);
	printf("%-28s %10.2f\n", "ratio csum/memcpy", rc / rm);
	printf("%-28s %10.2f\n", "ratio csum_copy/memcpy", rcc / rm);
	free(src);
	free(dst);
	return 0;
}
