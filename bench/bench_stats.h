/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The figures the guest benchmarks (monitor_rt, bp_rt) print: per phase
 * the median, minimum, 90th percentile, mean and maximum of N tick counts
 * (with the maximum's iteration: a first-iteration warm-up and a stall
 * in the middle of a phase are different stories), and
 * the ratio of two phases, on stdout and as a "BENCH {json}" line for
 * the tools/bench-* scripts.
 */
#ifndef ALTP2M_BENCH_STATS_H
#define ALTP2M_BENCH_STATS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct stats {
	uint64_t median, min, p90, max, max_at;
	double mean;
};

static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @t (the phase's @n deltas) in place. */
static inline struct stats stats_of(uint64_t *t, uint64_t n)
{
	struct stats s = { 0 };
	double sum = 0;
	uint64_t i;

	for (i = 0; i < n; i++) {
		sum += t[i];
		if (t[i] > s.max) {
			s.max = t[i];
			s.max_at = i;
		}
	}
	qsort(t, n, sizeof(*t), cmp_u64);
	s.min = t[0];
	s.median = t[n / 2];
	s.p90 = t[n * 9 / 10];
	s.mean = sum / n;
	return s;
}

/* @a's cost over @b's, median over median and min over min. */
static inline void ratio(const char *what, const struct stats *a,
			 const struct stats *b)
{
	double r = (double)a->median / b->median;

	printf("%-24s %.2f (median over median; min over min %.2f)\n", what,
	       r, (double)a->min / b->min);
	printf("BENCH {\"pair\": \"%s\", \"median\": %.3f, \"min\": %.3f}\n",
	       what, r, (double)a->min / b->min);
}

#endif /* ALTP2M_BENCH_STATS_H */
