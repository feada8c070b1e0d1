/*
 * bench_pattern.c — the built-in stack's payload pattern (fill on transmit,
 * check on receive) against memcpy on hot 64 KiB buffers, measured in the
 * same run. These two passes bracket every embedded goodput figure: a flow
 * of N bytes costs at least one fill and one check of N bytes besides the
 * hypervisor's copies, so their speed relative to memcpy bounds path
 * efficiency. Median of several timed runs after a warm-up; never a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_rate.h"
#include "pkt/csum.h"
#include "stack/stack.h"

#define BUF_SIZE (64u * 1024u)

static volatile uint64_t sink;

enum bench_case { CASE_MEMCPY, CASE_FILL, CASE_CHECK, CASE_CSUM, CASE_CSUM_COPY, CASE_RING_COPY };

/* The receive side of the path: ibmveth replenishes a pool at 7/8, so the
 * hypervisor writes each frame into one of ~33 rotating 64 KiB buffers. */
#define RING_BUFS 33
static uint8_t *ring;

static double run_once(int c, uint8_t *src, uint8_t *dst, unsigned iters)
{
	uint64_t acc = 0;
	double t0 = bench_now_s();
	for (unsigned i = 0; i < iters; i++) {
		switch (c) {
		case CASE_MEMCPY:
			memcpy(dst, src, BUF_SIZE);
			__asm__ volatile("" : : "r"(dst) : "memory");
			acc += dst[i % BUF_SIZE];
			break;
		case CASE_FILL:
			/* a stream offset that is not a multiple of 8, as TCP payload is */
			stack_pattern_fill(7, 1 + (uint64_t)(i % 4) * BUF_SIZE, dst, BUF_SIZE);
			__asm__ volatile("" : : "r"(dst) : "memory");
			acc += dst[i % BUF_SIZE];
			break;
		case CASE_CHECK:
			acc += stack_pattern_check(7, 1, src, BUF_SIZE);
			break;
		case CASE_CSUM:
			acc += csum_partial(src, BUF_SIZE, i);
			break;
		case CASE_CSUM_COPY:
			acc += csum_partial_copy(dst, src, BUF_SIZE, i);
			break;
		case CASE_RING_COPY: {
			uint8_t *to = ring + (size_t)(i % RING_BUFS) * BUF_SIZE;
			memcpy(to, src, BUF_SIZE);
			__asm__ volatile("" : : "r"(to) : "memory");
			acc += to[i % BUF_SIZE];
			break;
		}
		}
	}
	double t = bench_now_s() - t0;
	sink += acc;
	return (double)BUF_SIZE * iters / t;
}

int main(int argc, char **argv)
{
	unsigned iters = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 5000;
	if (!iters)
		iters = 1;
	uint8_t *src = aligned_alloc(64, BUF_SIZE), *dst = aligned_alloc(64, BUF_SIZE);
	if (!src || !dst) {
		fprintf(stderr, "bench_pattern: out of memory\n");
		return 1;
	}
	stack_pattern_fill(7, 1, src, BUF_SIZE);
	memset(dst, 0, BUF_SIZE);
	if (stack_pattern_check(7, 1, src, BUF_SIZE) != 0) {
		fprintf(stderr, "bench_pattern: pattern does not check\n");
		return 1;
	}
	static const char *const names[] = {
		"memcpy",       "pattern_fill",      "pattern_check",
		"csum_partial", "csum_partial_copy", "memcpy into 33-buffer ring"};
	ring = aligned_alloc(64, (size_t)RING_BUFS * BUF_SIZE);
	if (!ring)
		return 1;
	memset(ring, 1, (size_t)RING_BUFS * BUF_SIZE);
	double rm = bench_median_rate(run_once, CASE_MEMCPY, src, dst, iters);
	printf("%-30s %10.2f GB/s\n", "memcpy 64KiB hot", rm / 1e9);
	for (int c = CASE_FILL; c <= CASE_RING_COPY; c++) {
		double r = bench_median_rate(run_once, c, src, dst, iters);
		printf("%-30s %10.2f GB/s  %5.2f x memcpy\n", names[c], r / 1e9, r / rm);
	}
	free(ring);
	free(src);
	free(dst);
	return 0;
}
