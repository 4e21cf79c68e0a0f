// SPDX-License-Identifier: GPL-2.0-only
/* The daemon's counters (see stats.h). */
#include <string.h>

#include "clock.h"
#include "log.h"
#include "stats.h"

/* Every field of the worker's stats is a uint64_t counter: they add up as one array. */
_Static_assert(sizeof(struct colo_worker_stats) % sizeof(uint64_t) == 0, "u64 counters only");

void colo_worker_stats_add(struct colo_worker_stats *sum, const struct colo_worker_stats *s)
{
	uint64_t *d = (uint64_t *)sum;
	const uint64_t *a = (const uint64_t *)s;
	size_t i;

	for (i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		d[i] += a[i];
}

void colo_run_totals(const struct colo_coord *co, struct colo_run_totals *t)
{
	struct colo_worker_stats ws;
	struct colo_stats ks;
	unsigned int i;
	int role;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < co->nworkers; i++) {
		colo_worker_get_stats(co->workers[i], &ws);
		colo_worker_stats_add(&t->w, &ws);
	}
	for (role = COLO_ROLE_PRIMARY; role <= COLO_ROLE_SECONDARY; role++) {
		if (colo_stats_read(co->inst, role, &ks))
			continue;
		t->ring_full += ks.ring_full;
		t->ring_missing += ks.ring_missing;
	}
}

void colo_stats_print_summary(const struct colo_coord *co, const char *what)
{
	struct colo_run_totals t;
	uint64_t cps = 0, trig = 0;
	double secs = colo_coord_secs(co, colo_mono_ns());
	unsigned int j;

	colo_run_totals(co, &t);
	for (j = 0; j < COLO_CP_REASON_MAX; j++) {
		cps += t.w.cmp.checkpoints[j];
		trig += t.w.cmp.triggers[j];
	}
	colo_info(
		"%s: t=%.1fs frames compared=%lu/%lu (P/S) compared_bytes=%lu released=%lu "
		"(%lu bytes, %.1f Mbit/s avg) held=%lu/%lu checkpoints=%lu triggers=%lu "
		"commits=%lu conns=%lu offsets=%lu ring_full=%lu ring_missing=%lu bad_records=%lu "
		"send_errors=%lu passed=%lu split=%lu held_bytes=%lu mem_refused=%lu "
		"ring_delay_us=%lu/%lu hold_us=%lu/%lu (p50/p99)",
		what, secs, (unsigned long)t.w.cmp.frames_in[0],
		(unsigned long)t.w.cmp.frames_in[1], (unsigned long)t.w.cmp.compared_bytes,
		(unsigned long)t.w.rel.frames, (unsigned long)t.w.rel.bytes,
		secs > 0 ? t.w.rel.bytes * 8 / secs / 1e6 : 0.0, (unsigned long)t.w.cmp.held[0],
		(unsigned long)t.w.cmp.held[1], (unsigned long)cps, (unsigned long)trig,
		(unsigned long)t.w.cmp.commits, (unsigned long)t.w.cmp.conns,
		(unsigned long)t.w.offsets, (unsigned long)t.ring_full,
		(unsigned long)t.ring_missing, (unsigned long)t.w.bad_records,
		(unsigned long)(t.w.rel.send_errors + t.w.rel.refused), (unsigned long)t.w.passed,
		(unsigned long)t.w.split, (unsigned long)t.w.held_bytes,
		(unsigned long)(t.w.mem_refused + t.w.alloc_failed),
		(unsigned long)colo_delay_hist_quantile(&t.w.ring_delay, 0.5),
		(unsigned long)colo_delay_hist_quantile(&t.w.ring_delay, 0.99),
		(unsigned long)colo_delay_hist_quantile(&t.w.hold_delay, 0.5),
		(unsigned long)colo_delay_hist_quantile(&t.w.hold_delay, 0.99));
}

void colo_stats_print_shards(const struct colo_coord *co)
{
	struct colo_worker_stats ws;
	unsigned int i;

	for (i = 0; i < co->nworkers; i++) {
		colo_worker_get_stats(co->workers[i], &ws);
		colo_info("shard %u: records=%lu frames=%lu/%lu (P/S) released=%lu", i,
			  (unsigned long)ws.records, (unsigned long)ws.cmp.frames_in[0],
			  (unsigned long)ws.cmp.frames_in[1], (unsigned long)ws.rel.frames);
	}
}
