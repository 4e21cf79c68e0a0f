/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon's one clock: CLOCK_MONOTONIC, the clock bpf_ktime_get_ns() stamps records with. */
#ifndef COLO_CLOCK_H
#define COLO_CLOCK_H

#include <stdint.h>
#include <time.h>

#define COLO_NS_PER_MS 1000000ull
#define COLO_NS_PER_S  1000000000ull

static inline uint64_t colo_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * COLO_NS_PER_S + (uint64_t)ts.tv_nsec;
}

#endif /* COLO_CLOCK_H */
