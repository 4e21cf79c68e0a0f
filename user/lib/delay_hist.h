/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A bounded histogram of delays in microseconds, at quarter-octave resolution: exact below 4 µs,
 * then four buckets per power of two (each at most 25% wide), the last one open-ended. Pure
 * logic; the daemon keeps one per worker for the capture-to-worker and capture-to-release delays.
 */
#ifndef COLO_DELAY_HIST_H
#define COLO_DELAY_HIST_H

#include <stdint.h>

#define COLO_DELAY_BUCKETS 128 /* up to 2^32 µs (71 minutes); longer ones land in the last */

struct colo_delay_hist {
	uint64_t count[COLO_DELAY_BUCKETS];
	uint64_t total;
	uint64_t sum_us; /* of every value added */
};

void colo_delay_hist_add(struct colo_delay_hist *h, uint64_t us);
/* Adds every bucket of src into dst. */
void colo_delay_hist_merge(struct colo_delay_hist *dst, const struct colo_delay_hist *src);
/*
 * The upper bound (µs) of the bucket holding the q-th quantile (0 < q <= 1), so the true value
 * is at most this and above 0.8 of it; 0 when the histogram is empty.
 */
uint64_t colo_delay_hist_quantile(const struct colo_delay_hist *h, double q);
/*
 * How many values are below bound_us, for a bound_us that is a bucket boundary (every power
 * of 2 is one), as a Prometheus histogram's cumulative "le" buckets need.
 */
uint64_t colo_delay_hist_count_below(const struct colo_delay_hist *h, uint64_t bound_us);

#endif /* COLO_DELAY_HIST_H */
