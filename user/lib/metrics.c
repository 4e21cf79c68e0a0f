// SPDX-License-Identifier: GPL-2.0-only
/* Prometheus text exposition of a stats reply (see metrics.h). */
#include <stdint.h>
#include <string.h>

#include "metrics.h"

#define PFX "colo_xdp_"

struct out {
	FILE *f;
	char inst[160]; /* instance="NAME", escaped */
};

/* A label value with \, " and newline escaped as the text format wants. */
static void label_escape(char *dst, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s && n + 3 < len; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n') {
			dst[n++] = '\\';
			dst[n++] = *s == '\n' ? 'n' : *s;
		} else {
			dst[n++] = *s;
		}
	}
	dst[n] = '\0';
}

static void family(struct out *o, const char *name, const char *type, const char *help)
{
	fprintf(o->f, "# HELP " PFX "%s %s\n# TYPE " PFX "%s %s\n", name, help, name, type);
}

/* One sample (a boolean counts 1 or 0); extra is more labels ("side=\"primary\"") or NULL. */
static void sample(struct out *o, const char *name, const char *extra, const json_t *v)
{
	fprintf(o->f, PFX "%s{%s%s%s} ", name, o->inst, extra ? "," : "", extra ? extra : "");
	if (json_is_boolean(v))
		fprintf(o->f, "%d\n", json_is_true(v));
	else if (json_is_integer(v))
		fprintf(o->f, "%lld\n", (long long)json_integer_value(v));
	else
		fprintf(o->f, "%.9g\n", json_is_number(v) ? json_number_value(v) : 0.0);
}

/* Looks up a dotted path ("held.bytes") in root; NULL when a member is missing. */
static const json_t *at(const json_t *root, const char *path)
{
	char key[64];
	const char *dot;
	size_t n;

	while (root && *path) {
		dot = strchrnul(path, '.');
		n = (size_t)(dot - path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		root = json_object_get(root, key);
		path = *dot ? dot + 1 : dot;
	}
	return root;
}

/* A single value at path, if the reply has it. */
static void scalar(struct out *o, const json_t *st, const char *name, const char *type,
		   const char *help, const char *path)
{
	const json_t *v = at(st, path);

	if (!v || !(json_is_number(v) || json_is_boolean(v)))
		return;
	family(o, name, type, help);
	sample(o, name, NULL, v);
}

static const char *const sides[] = {"primary", "secondary", NULL};

/* Members of the object at path (only those named in only, unless NULL), label="member". */
static void labelled(struct out *o, const json_t *st, const char *name, const char *type,
		     const char *help, const char *path, const char *label, const char *const *only)
{
	const char *const *w;
	const json_t *obj = at(st, path), *v;
	char extra[96];
	const char *k;

	if (!json_is_object(obj))
		return;
	family(o, name, type, help);
	json_object_foreach((json_t *)obj, k, v)
	{
		for (w = only; w && *w && strcmp(*w, k); w++)
			;
		if (!json_is_number(v) || (w && !*w))
			continue;
		snprintf(extra, sizeof(extra), "%s=\"%s\"", label, k);
		sample(o, name, extra, v);
	}
}

/* A delay histogram {"count","sum_us","buckets":[[bound_us,n],...]} in seconds. */
static void histogram(struct out *o, const json_t *st, const char *name, const char *help,
		      const char *path)
{
	const json_t *h = at(st, path), *b;
	json_int_t bound, n;
	char full[96], extra[64];
	size_t i;

	if (!json_is_object(h) || !json_is_array(json_object_get(h, "buckets")))
		return;
	family(o, name, "histogram", help);
	snprintf(full, sizeof(full), "%s_bucket", name);
	json_array_foreach(json_object_get(h, "buckets"), i, b)
	{
		if (json_unpack((json_t *)b, "[II]", &bound, &n))
			continue;
		snprintf(extra, sizeof(extra), "le=\"%.9g\"", (double)bound / 1e6);
		fprintf(o->f, PFX "%s{%s,%s} %lld\n", full, o->inst, extra, (long long)n);
	}
	fprintf(o->f, PFX "%s{%s,le=\"+Inf\"} %lld\n", full, o->inst,
		(long long)json_integer_value(json_object_get(h, "count")));
	fprintf(o->f, PFX "%s_sum{%s} %.9g\n", name, o->inst,
		(double)json_integer_value(json_object_get(h, "sum_us")) / 1e6);
	fprintf(o->f, PFX "%s_count{%s} %lld\n", name, o->inst,
		(long long)json_integer_value(json_object_get(h, "count")));
}

/* Per-shard gauges and counters from rings.shards[]. */
static void shards(struct out *o, const json_t *st, const char *name, const char *type,
		   const char *help, const char *member)
{
	const json_t *a = at(st, "rings.shards"), *s;
	char extra[32];
	size_t i;

	if (!json_is_array(a) || !json_array_size(a) ||
	    !json_object_get(json_array_get(a, 0), member))
		return;
	family(o, name, type, help);
	json_array_foreach(a, i, s)
	{
		snprintf(extra, sizeof(extra), "shard=\"%lld\"",
			 (long long)json_integer_value(json_object_get(s, "shard")));
		sample(o, name, extra, json_object_get(s, member));
	}
}

/* The kernel's counters: one family per field, labelled by role. */
static void kernel(struct out *o, const json_t *st)
{
	const json_t *k = at(st, "kernel"), *first, *role, *v;
	const char *field, *rname;
	char name[96], help[160], extra[48];

	first = json_object_get(k, "primary");
	if (!json_is_object(k) || !json_is_object(first))
		return;
	json_object_foreach((json_t *)first, field, v)
	{
		snprintf(name, sizeof(name), "kernel_%s_total", field);
		snprintf(help, sizeof(help), "Kernel counter %s of each role (struct colo_stats)",
			 field);
		family(o, name, "counter", help);
		json_object_foreach((json_t *)k, rname, role)
		{
			snprintf(extra, sizeof(extra), "role=\"%s\"", rname);
			sample(o, name, extra, json_object_get(role, field));
		}
	}
}

/* The last checkpoint request: an info gauge whose labels name it, value its id. */
static void last_checkpoint(struct out *o, const json_t *st)
{
	const json_t *l = at(st, "checkpoints.last");
	char flow[160], extra[320];

	if (!json_is_object(l))
		return;
	family(o, "checkpoint_last_id", "gauge",
	       "Id of the last checkpoint request; labels: its reason, flow and side");
	label_escape(flow, sizeof(flow), json_string_value(json_object_get(l, "flow")) ?: "");
	snprintf(extra, sizeof(extra), "reason=\"%s\",flow=\"%s\",side=\"%s\"",
		 json_string_value(json_object_get(l, "reason")) ?: "", flow,
		 json_string_value(json_object_get(l, "side")) ?: "");
	sample(o, "checkpoint_last_id", extra, json_object_get(l, "id"));
}

enum metric_shape { SCALAR, LABELLED, SHARD, HISTOGRAM, LAST_CHECKPOINT, KERNEL };

#define SCALAR_M(n, t, h, p)                                                                       \
	{                                                                                          \
		.shape = SCALAR, .name = n, .type = t, .help = h, .path = p                        \
	}
#define SHARD_M(n, t, h, p)                                                                        \
	{                                                                                          \
		.shape = SHARD, .name = n, .type = t, .help = h, .path = p                         \
	}
#define HISTOGRAM_M(n, t, h, p)                                                                    \
	{                                                                                          \
		.shape = HISTOGRAM, .name = n, .help = h, .path = p                                \
	}
#define LABELLED_M(n, t, h, p, l, o)                                                               \
	{                                                                                          \
		.shape = LABELLED, .name = n, .type = t, .help = h, .path = p, .label = l,         \
		.only = o                                                                          \
	}

/* Every metric, in output order; README lists the names. */
static const struct metric {
	enum metric_shape shape;
	const char *name, *type, *help;
	const char *path;  /* in the stats reply; SHARD: the member of rings.shards[] */
	const char *label; /* LABELLED: the label the members' names go to */
	const char *const *only;
} metrics[] = {
	SCALAR_M("daemon_up", "gauge", "1 when a colo-xdp run daemon serves the instance",
		 "daemon"),
	SCALAR_M("uptime_seconds", "gauge", "Seconds since the daemon started", "uptime_s"),
	LABELLED_M("frames_in_total", "counter", "Frames fed to the comparator, per side",
		   "frames_in", "side", sides),
	SCALAR_M("compared_bytes_total", "counter", "Payload bytes matched against the other side",
		 "compared_bytes"),
	SCALAR_M("released_frames_total", "counter", "Primary frames released to outside",
		 "released.frames"),
	SCALAR_M("released_bytes_total", "counter", "Bytes released to outside", "released.bytes"),
	SCALAR_M("passed_frames_total", "counter",
		 "Primary frames released uncompared after failover", "released.passed"),
	LABELLED_M("held_frames", "gauge", "Frames held now, per side", "held", "side", sides),
	SCALAR_M("held_bytes", "gauge", "Bytes of copied-out frames held now", "held.bytes"),
	LABELLED_M("dropped_total", "counter", "Frames dropped, by reason", "dropped", "reason",
		   NULL),
	LABELLED_M("checkpoint_requests_total", "counter", "Checkpoint requests made, by reason",
		   "checkpoints.requested", "reason", NULL),
	LABELLED_M("checkpoint_triggers_total", "counter",
		   "Checkpoint triggers (also those an outstanding request covered), by reason",
		   "checkpoints.triggers", "reason", NULL),
	SCALAR_M("checkpoint_commits_total", "counter", "Checkpoints committed",
		 "checkpoints.commits"),
	SCALAR_M("checkpoint_aborts_total", "counter", "Checkpoints aborted", "checkpoints.aborts"),
	{.shape = LAST_CHECKPOINT},
	SCALAR_M("agent_connected", "gauge", "1 while a checkpoint agent is connected",
		 "agent.connected"),
	SCALAR_M("checkpoint_in_flight", "gauge", "1 while a checkpoint is requested",
		 "agent.in_flight"),
	SCALAR_M("failover", "gauge", "1 once failover was declared", "failover"),
	HISTOGRAM_M("checkpoint_rtt_seconds", NULL, "Checkpoint request to commit", "agent.rtt_us"),
	SCALAR_M("conns", "gauge", "Connections in the comparator's table", "conns.active"),
	SCALAR_M("conns_refused_total", "counter", "New flows refused: table full",
		 "conns.refused"),
	SCALAR_M("conns_evicted_total", "counter", "Idle or closed connections evicted",
		 "conns.evicted"),
	SCALAR_M("ring_full_total", "counter", "Captures the rings refused (kernel drop)",
		 "rings.ring_full"),
	SHARD_M("ring_size_bytes", "gauge", "Ring buffer size per shard", "ring_bytes"),
	SHARD_M("ring_used_bytes", "gauge", "Ring bytes not consumed yet, per shard", "ring_used"),
	SHARD_M("shard_records_total", "counter", "Ring records consumed per shard", "records"),
	SHARD_M("shard_held_bytes", "gauge", "Bytes held per shard", "held_bytes"),
	HISTOGRAM_M("ring_delay_seconds", NULL, "Capture to worker, every record", "delay_us.ring"),
	HISTOGRAM_M("release_delay_seconds", NULL, "Capture to release, compared primary frames",
		    "delay_us.release"),
	{.shape = KERNEL},
};

int colo_metrics_write(FILE *f, const json_t *st)
{
	struct out o = {.f = f};
	const struct metric *m;
	char name[128];

	label_escape(name, sizeof(name), json_string_value(json_object_get(st, "instance")) ?: "");
	snprintf(o.inst, sizeof(o.inst), "instance=\"%s\"", name);
	for (m = metrics; m < metrics + sizeof(metrics) / sizeof(metrics[0]); m++) {
		switch (m->shape) {
		case SCALAR:
			scalar(&o, st, m->name, m->type, m->help, m->path);
			break;
		case LABELLED:
			labelled(&o, st, m->name, m->type, m->help, m->path, m->label, m->only);
			break;
		case SHARD:
			shards(&o, st, m->name, m->type, m->help, m->path);
			break;
		case HISTOGRAM:
			histogram(&o, st, m->name, m->help, m->path);
			break;
		case LAST_CHECKPOINT:
			last_checkpoint(&o, st);
			break;
		case KERNEL:
			kernel(&o, st);
			break;
		}
	}
	return fflush(f) || ferror(f) ? -1 : 0;
}
