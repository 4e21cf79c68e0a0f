/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon's counters: the workers' snapshots summed with the kernel's, printed as one line. */
#ifndef COLO_STATS_H
#define COLO_STATS_H

#include "coord.h"
#include "worker.h"

struct colo_run_totals {
	struct colo_worker_stats w; /* every worker's, summed */
	uint64_t ring_full;	    /* kernel: captures the rings refused */
	uint64_t ring_missing;	    /* kernel: captures without a ring for their shard */
};

/* Adds every counter of s into sum (gauges such as held_bytes add up too). */
void colo_worker_stats_add(struct colo_worker_stats *sum, const struct colo_worker_stats *s);

void colo_run_totals(const struct colo_coord *co, struct colo_run_totals *t);

/* One line of totals, "<what>: t=... frames compared=... ...". */
void colo_stats_print_summary(const struct colo_coord *co, const char *what);

/* One line per shard: how the flows spread. */
void colo_stats_print_shards(const struct colo_coord *co);

#endif /* COLO_STATS_H */
