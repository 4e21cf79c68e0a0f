// SPDX-License-Identifier: GPL-2.0-only
/* The daemon's counters (see stats.h). */
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "kstats.h"
#include "lib/agent_wire.h"
#include "lib/names.h"
#include "lib/replay_events.h"
#include "log.h"
#include "ring_pos.h"
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

/* ---- JSON for the control socket (docs/control-protocol.md lists every member) ------------ */

/* Cumulative counts at these bounds (µs) are a delay's Prometheus buckets: 2^0 .. 2^24. */
#define STATS_BUCKET_BOUNDS 25

json_t *colo_delay_json(const struct colo_delay_hist *h)
{
	json_t *buckets = json_array();
	unsigned int i;

	for (i = 0; buckets && i < STATS_BUCKET_BOUNDS; i++)
		json_array_append_new(
			buckets, json_pack("[I,I]", (json_int_t)(1ull << i),
					   (json_int_t)colo_delay_hist_count_below(h, 1ull << i)));
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:o*}", "count", (json_int_t)h->total, "sum_us",
			 (json_int_t)h->sum_us, "p50", (json_int_t)colo_delay_hist_quantile(h, 0.5),
			 "p99", (json_int_t)colo_delay_hist_quantile(h, 0.99), "p999",
			 (json_int_t)colo_delay_hist_quantile(h, 0.999), "buckets", buckets);
}

static json_t *per_side(const uint64_t v[COLO_SIDE_MAX])
{
	return json_pack("{s:I,s:I}", "primary", (json_int_t)v[COLO_SIDE_PRIMARY], "secondary",
			 (json_int_t)v[COLO_SIDE_SECONDARY]);
}

static json_t *per_reason(const uint64_t v[COLO_CP_REASON_MAX])
{
	json_t *o = json_object();
	unsigned int r;

	for (r = 0; o && r < COLO_CP_REASON_MAX; r++)
		json_object_set_new(o, colo_cp_reason_name(r), json_integer((json_int_t)v[r]));
	return o;
}

static json_t *dropped_json(const struct colo_run_totals *t)
{
	json_t *o = json_object();
	unsigned int r;

	for (r = 0; o && r < COLO_DROP_REASON_MAX; r++)
		json_object_set_new(o, colo_drop_reason_name(r),
				    json_integer((json_int_t)t->w.cmp.dropped[r]));
	json_object_set_new(o, "bad_records", json_integer((json_int_t)t->w.bad_records));
	json_object_set_new(o, "mem_refused", json_integer((json_int_t)t->w.mem_refused));
	json_object_set_new(o, "alloc_failed", json_integer((json_int_t)t->w.alloc_failed));
	json_object_set_new(o, "send_errors", json_integer((json_int_t)t->w.rel.send_errors));
	json_object_set_new(o, "release_refused", json_integer((json_int_t)t->w.rel.refused));
	json_object_set_new(o, "ring_full", json_integer((json_int_t)t->ring_full));
	return o;
}

/* The request a checkpoint of one reason last made, or null. */
static json_t *last_json(const struct colo_coord *co, const struct colo_coord_last *l)
{
	const struct colo_coord_trigger *t = &l->trigger;
	char flow[COLO_AGENT_FLOW_STR_LEN];
	const char *pos = colo_cp_pos_name(&t->where);
	json_t *o;

	if (!l->count)
		return json_null();
	colo_agent_flow_str(&t->flow, flow, sizeof(flow));
	o = json_pack("{s:I,s:s,s:s,s:s,s:i,s:f}", "id", (json_int_t)l->id, "reason",
		      colo_cp_reason_name(t->reason), "flow", flow, "side",
		      colo_side_name(t->where.side), "shard", (int)t->shard, "t_s",
		      colo_coord_secs(co, t->time_ns));
	if (o && pos)
		json_object_set_new(o, pos, json_integer(t->where.pos));
	if (o && t->where.waited_ns)
		json_object_set_new(o, "waited_ms", json_real((double)t->where.waited_ns / 1e6));
	return o;
}

static json_t *checkpoints_json(const struct colo_coord *co, const struct colo_run_totals *t)
{
	uint64_t requested[COLO_CP_REASON_MAX];
	json_t *by_reason = json_object();
	unsigned int r;

	for (r = 0; r < COLO_CP_REASON_MAX; r++) {
		requested[r] = co->last[r].count;
		json_object_set_new(by_reason, colo_cp_reason_name(r), last_json(co, &co->last[r]));
	}
	return json_pack("{s:o,s:o,s:I,s:I,s:o,s:o}", "requested", per_reason(requested),
			 "triggers", per_reason(t->w.cmp.triggers), "commits",
			 (json_int_t)co->commits, "aborts", (json_int_t)co->aborts, "last",
			 co->last_reason < 0 ? json_null()
					     : last_json(co, &co->last[co->last_reason]),
			 "last_by_reason", by_reason);
}

static json_t *agent_json(const struct colo_coord *co)
{
	struct colo_agent_counters c;
	json_t *rtt;

	colo_agent_get_counters(co->agent, &c);
	rtt = colo_delay_json(&co->rtt);
	json_object_set_new(rtt, "last", json_integer((json_int_t)co->rtt_last_us));
	return json_pack("{s:b,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "connected",
			 colo_agent_connected(co->agent), "in_flight",
			 colo_agent_in_flight(co->agent), "accepted", (json_int_t)c.accepted,
			 "refused", (json_int_t)c.refused, "protocol_errors",
			 (json_int_t)c.protocol_errors, "requests", (json_int_t)c.requests,
			 "commits", (json_int_t)c.commits, "aborts", (json_int_t)c.aborts, "rtt_us",
			 rtt);
}

static json_t *shard_json(unsigned int i, const struct colo_worker_stats *ws)
{
	return json_pack("{s:i,s:I,s:I,s:I,s:I,s:o,s:I,s:I}", "shard", (int)i, "ring_bytes",
			 (json_int_t)ws->ring_bytes, "ring_used", (json_int_t)ws->ring_used,
			 "records", (json_int_t)ws->records, "released", (json_int_t)ws->rel.frames,
			 "held", per_side(ws->cmp.held), "held_bytes", (json_int_t)ws->held_bytes,
			 "conns", (json_int_t)ws->cmp.conns);
}

json_t *colo_stats_json(const struct colo_coord *co, const char *instance)
{
	struct colo_worker_stats ws;
	struct colo_run_totals t;
	json_t *shards = json_array(), *o;
	unsigned int i;

	colo_run_totals(co, &t);
	for (i = 0; i < co->nworkers; i++) {
		colo_worker_get_stats(co->workers[i], &ws);
		json_array_append_new(shards, shard_json(i, &ws));
	}
	o = json_pack("{s:s,s:b,s:i,s:f,s:b}", "instance", instance, "daemon", 1, "pid",
		      (int)getpid(), "uptime_s", colo_coord_secs(co, colo_mono_ns()), "failover",
		      co->failover);
	json_object_set_new(o, "frames_in", per_side(t.w.cmp.frames_in));
	json_object_set_new(o, "compared_bytes", json_integer((json_int_t)t.w.cmp.compared_bytes));
	json_object_set_new(o, "released",
			    json_pack("{s:I,s:I,s:I}", "frames", (json_int_t)t.w.rel.frames,
				      "bytes", (json_int_t)t.w.rel.bytes, "passed",
				      (json_int_t)t.w.passed));
	json_object_set_new(o, "held",
			    json_pack("{s:I,s:I,s:I,s:I}", "primary",
				      (json_int_t)t.w.cmp.held[COLO_SIDE_PRIMARY], "secondary",
				      (json_int_t)t.w.cmp.held[COLO_SIDE_SECONDARY], "bytes",
				      (json_int_t)t.w.held_bytes, "over_limit",
				      (json_int_t)t.w.cmp.held_over_limit));
	json_object_set_new(o, "dropped", dropped_json(&t));
	json_object_set_new(o, "checkpoints", checkpoints_json(co, &t));
	json_object_set_new(o, "agent", agent_json(co));
	json_object_set_new(o, "conns",
			    json_pack("{s:I,s:I,s:I}", "active", (json_int_t)t.w.cmp.conns,
				      "refused", (json_int_t)t.w.cmp.conns_refused, "evicted",
				      (json_int_t)t.w.cmp.conns_evicted));
	json_object_set_new(o, "rings",
			    json_pack("{s:I,s:I,s:o}", "ring_full", (json_int_t)t.ring_full,
				      "ring_missing", (json_int_t)t.ring_missing, "shards",
				      shards));
	json_object_set_new(o, "delay_us",
			    json_pack("{s:o,s:o}", "ring", colo_delay_json(&t.w.ring_delay),
				      "release", colo_delay_json(&t.w.hold_delay)));
	json_object_set_new(o, "kernel", colo_kstats_json(co->inst));
	return o;
}

/* The rings of an instance nobody runs: size and what waits in them. */
static json_t *offline_shards(const struct colo_instance *inst, __u32 nshards)
{
	struct colo_ring_pos rp;
	json_t *a = json_array();
	__u32 i;
	int fd;

	for (i = 0; a && i < nshards; i++) {
		fd = colo_ring_fd(inst, i);
		if (fd < 0)
			continue;
		if (!colo_ring_pos_open(&rp, fd)) {
			json_array_append_new(a, json_pack("{s:i,s:I,s:I}", "shard", (int)i,
							   "ring_bytes", (json_int_t)rp.size,
							   "ring_used",
							   (json_int_t)colo_ring_pos_used(&rp)));
			colo_ring_pos_close(&rp);
		}
		close(fd);
	}
	return a;
}

json_t *colo_stats_offline_json(const struct colo_instance *inst)
{
	json_t *kernel = colo_kstats_json(inst), *o;
	struct colo_config cfg;
	struct colo_stats ks;
	uint64_t full = 0, missing = 0;
	int role;

	if (!kernel || colo_config_read(inst, &cfg)) {
		json_decref(kernel);
		return NULL;
	}
	for (role = COLO_ROLE_PRIMARY; role <= COLO_ROLE_SECONDARY; role++) {
		if (colo_stats_read(inst, role, &ks))
			continue;
		full += ks.ring_full;
		missing += ks.ring_missing;
	}
	o = json_pack("{s:s,s:b,s:b}", "instance", inst->name, "daemon", 0, "failover",
		      !!(cfg.flags & COLO_CFG_FAILOVER));
	json_object_set_new(o, "rings",
			    json_pack("{s:I,s:I,s:o}", "ring_full", (json_int_t)full,
				      "ring_missing", (json_int_t)missing, "shards",
				      offline_shards(inst, cfg.nshards)));
	json_object_set_new(o, "kernel", kernel);
	return o;
}
