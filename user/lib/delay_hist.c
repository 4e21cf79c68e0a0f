// SPDX-License-Identifier: GPL-2.0-only
/* Quarter-octave delay histogram (see delay_hist.h). */
#include "delay_hist.h"

static unsigned int bucket_of(uint64_t us)
{
	unsigned int msb, b;

	if (us < 4)
		return us;
	msb = 63 - __builtin_clzll(us);
	b = msb * 4 + ((us >> (msb - 2)) & 3);
	return b < COLO_DELAY_BUCKETS ? b : COLO_DELAY_BUCKETS - 1;
}

/* The smallest value of the bucket after b: every value in b is below it. */
static uint64_t bucket_end(unsigned int b)
{
	unsigned int next = b + 1;

	if (next < 4)
		return next;
	if (next < 8)
		return 4;
	return (uint64_t)(4 + next % 4) << (next / 4 - 2);
}

void colo_delay_hist_add(struct colo_delay_hist *h, uint64_t us)
{
	h->count[bucket_of(us)]++;
	h->total++;
	h->sum_us += us;
}

void colo_delay_hist_merge(struct colo_delay_hist *dst, const struct colo_delay_hist *src)
{
	unsigned int b;

	for (b = 0; b < COLO_DELAY_BUCKETS; b++)
		dst->count[b] += src->count[b];
	dst->total += src->total;
	dst->sum_us += src->sum_us;
}

uint64_t colo_delay_hist_quantile(const struct colo_delay_hist *h, double q)
{
	uint64_t rank, seen = 0;
	unsigned int b;

	if (!h->total)
		return 0;
	rank = (uint64_t)(q * (double)h->total + 0.999999);
	if (rank < 1)
		rank = 1;
	for (b = 0; b < COLO_DELAY_BUCKETS; b++) {
		seen += h->count[b];
		if (seen >= rank)
			return bucket_end(b) - 1;
	}
	return bucket_end(COLO_DELAY_BUCKETS - 1) - 1;
}

uint64_t colo_delay_hist_count_below(const struct colo_delay_hist *h, uint64_t bound_us)
{
	uint64_t n = 0;
	unsigned int b;

	for (b = 0; b < COLO_DELAY_BUCKETS - 1 && bucket_end(b) <= bound_us; b++)
		n += h->count[b];
	return n;
}
