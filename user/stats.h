/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon's counters: the workers' snapshots summed with the kernel's, printed as one line. */
#ifndef COLO_STATS_H
#define COLO_STATS_H

#include <jansson.h>

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

/* {"count","sum_us","p50","p99","p999","buckets":[[bound_us, values below it],...]}. */
json_t *colo_delay_json(const struct colo_delay_hist *h);

/* The `stats` reply of a running daemon: its counters and the kernel's. */
json_t *colo_stats_json(const struct colo_coord *co, const char *instance);

/* The `stats` reply built from the pinned maps alone (no daemon runs); NULL when unreadable. */
json_t *colo_stats_offline_json(const struct colo_instance *inst);

#endif /* COLO_STATS_H */
