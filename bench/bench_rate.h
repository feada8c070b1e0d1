/*
 * bench_rate.h — the timing harness the micro-benchmarks share: a monotonic
 * clock in seconds and the median, after a warm-up, of BENCH_RUNS timed runs
 * of one case. Header-only; serves bench_csum.c and bench_pattern.c.
 */
#ifndef ILLAN_BENCH_RATE_H
#define ILLAN_BENCH_RATE_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_RUNS 9

static inline double bench_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One timed run of case c: bytes per second over iters passes. */
typedef double (*bench_run_fn)(int c, uint8_t *src, uint8_t *dst, unsigned iters);

/* Median bytes per second of BENCH_RUNS runs of case c, after a warm-up of a
 * quarter of the iterations. */
static inline double bench_median_rate(bench_run_fn run, int c, uint8_t *src, uint8_t *dst,
				       unsigned iters)
{
	double r[BENCH_RUNS];
	run(c, src, dst, iters / 4); /* warm-up */
	for (int i = 0; i < BENCH_RUNS; i++)
		r[i] = run(c, src, dst, iters);
	qsort(r, BENCH_RUNS, sizeof(r[0]), bench_cmp_double);
	return r[BENCH_RUNS / 2];
}

#endif
