// SPDX-License-Identifier: GPL-2.0-only
/* Merge order, tick schedule and event formatting for `colo-xdp replay`. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "frame.h"
#include "names.h"
#include "replay_events.h"

#define FLOW_STR_MAX 128

/* An snprintf that appends at *len and keeps counting past size, like snprintf itself. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	size_t room = o->len < o->size ? o->size - o->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static int done(const struct out *o)
{
	return o->len > INT32_MAX ? INT32_MAX : (int)o->len;
}

/* A JSON string: quotes, with backslash, quote and control characters escaped. */
static void put_str(struct out *o, const char *s)
{
	put(o, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			put(o, "\\%c", c);
		else if (c < 0x20)
			put(o, "\\u%04x", c);
		else
			put(o, "%c", c);
	}
	put(o, "\"");
}

static void put_flow(struct out *o, const struct colo_flow_key *flow)
{
	char s[FLOW_STR_MAX];

	if (!flow || colo_flow_format(flow, s, sizeof(s)) < 0) {
		put(o, "null");
		return;
	}
	put_str(o, s);
}

/* Seconds with nanosecond digits: a JSON number that keeps the capture's precision. */
static void put_time(struct out *o, uint64_t ns)
{
	put(o, "%" PRIu64 ".%09" PRIu64, ns / UINT64_C(1000000000), ns % UINT64_C(1000000000));
}

const char *colo_cp_pos_name(const struct colo_cp_where *w)
{
	if (w->pos_kind == COLO_CP_POS_NONE)
		return NULL;
	return w->pos_kind == COLO_CP_POS_STREAM ? "at" : "seq";
}

int colo_cp_where_str(char *buf, size_t size, const struct colo_cp_where *w)
{
	struct out o = {buf, size, 0};

	put(&o, "side=%s", colo_side_name(w->side));
	if (w->pos_kind != COLO_CP_POS_NONE)
		put(&o, " %s=%u", colo_cp_pos_name(w), w->pos);
	if (w->waited_ns)
		put(&o, " waited=%.1fs", w->waited_ns / 1e9);
	return done(&o);
}

enum colo_side colo_replay_pick(const bool has[COLO_SIDE_MAX], const uint64_t ts_ns[COLO_SIDE_MAX])
{
	if (has[COLO_SIDE_PRIMARY] &&
	    (!has[COLO_SIDE_SECONDARY] || ts_ns[COLO_SIDE_PRIMARY] <= ts_ns[COLO_SIDE_SECONDARY]))
		return COLO_SIDE_PRIMARY;
	return has[COLO_SIDE_SECONDARY] ? COLO_SIDE_SECONDARY : COLO_SIDE_MAX;
}

uint64_t colo_replay_next_tick(uint64_t clock_ns, uint64_t target_ns, uint64_t last_feed_ns,
			       uint64_t horizon_ns)
{
	uint64_t step = clock_ns + COLO_REPLAY_TICK_NS;
	uint64_t limit = last_feed_ns + horizon_ns;

	if (target_ns <= clock_ns)
		return clock_ns;
	if (step < target_ns && step <= limit && step > clock_ns)
		return step;
	return target_ns;
}

int colo_json_release(char *buf, size_t size, uint64_t index, uint64_t time_ns, uint32_t len,
		      const struct colo_flow_key *flow)
{
	struct out o = {buf, size, 0};

	put(&o, "{\"event\":\"release\",\"index\":%" PRIu64 ",\"time\":", index);
	put_time(&o, time_ns);
	put(&o, ",\"len\":%u,\"flow\":", len);
	put_flow(&o, flow);
	put(&o, "}");
	return done(&o);
}

int colo_json_checkpoint(char *buf, size_t size, uint64_t id, enum colo_cp_reason reason,
			 const struct colo_flow_key *flow, const struct colo_cp_where *where,
			 uint64_t time_ns)
{
	struct out o = {buf, size, 0};

	put(&o, "{\"event\":\"checkpoint\",\"id\":%" PRIu64 ",\"reason\":", id);
	put_str(&o, colo_cp_reason_name(reason));
	put(&o, ",\"flow\":");
	put_flow(&o, flow);
	put(&o, ",\"side\":");
	put_str(&o, colo_side_name(where->side));
	if (where->pos_kind != COLO_CP_POS_NONE)
		put(&o, ",\"%s\":%u", colo_cp_pos_name(where), where->pos);
	if (where->waited_ns) {
		put(&o, ",\"waited\":");
		put_time(&o, where->waited_ns);
	}
	put(&o, ",\"time\":");
	put_time(&o, time_ns);
	put(&o, "}");
	return done(&o);
}

int colo_json_commit(char *buf, size_t size, uint64_t id, uint64_t time_ns)
{
	struct out o = {buf, size, 0};

	put(&o, "{\"event\":\"commit\",\"id\":%" PRIu64 ",\"time\":", id);
	put_time(&o, time_ns);
	put(&o, "}");
	return done(&o);
}

int colo_json_offset(char *buf, size_t size, const struct colo_flow_key *flow, uint32_t seq_offset,
		     uint32_t ts_offset, bool ts_valid, uint64_t time_ns)
{
	struct out o = {buf, size, 0};

	put(&o, "{\"event\":\"offset\",\"flow\":");
	put_flow(&o, flow);
	put(&o, ",\"seq_offset\":%u,\"ts_offset\":%u,\"ts_valid\":%s,\"time\":", seq_offset,
	    ts_offset, ts_valid ? "true" : "false");
	put_time(&o, time_ns);
	put(&o, "}");
	return done(&o);
}

int colo_json_drop(char *buf, size_t size, enum colo_side side, uint64_t index,
		   enum colo_drop_reason reason, uint64_t time_ns)
{
	struct out o = {buf, size, 0};

	put(&o,
	    "{\"event\":\"drop\",\"side\":\"%s\",\"index\":%" PRIu64 ",\"reason\":\"%s\",\"time\":",
	    colo_side_name(side), index, colo_drop_reason_name(reason));
	put_time(&o, time_ns);
	put(&o, "}");
	return done(&o);
}

/* {"a":1,"b":2} for n counters named by name(i). */
static void put_counters(struct out *o, const uint64_t *v, unsigned int n,
			 const char *(*name)(unsigned int))
{
	put(o, "{");
	for (unsigned int i = 0; i < n; i++)
		put(o, "%s\"%s\":%" PRIu64, i ? "," : "", name(i), v[i]);
	put(o, "}");
}

static const char *cp_name(unsigned int i)
{
	return colo_cp_reason_name((enum colo_cp_reason)i);
}

static const char *drop_name(unsigned int i)
{
	return colo_drop_reason_name((enum colo_drop_reason)i);
}

static const char *side_name(unsigned int i)
{
	return colo_side_name((enum colo_side)i);
}

int colo_json_summary(char *buf, size_t size, const struct colo_replay_summary *s)
{
	struct out o = {buf, size, 0};

	put(&o, "{\"event\":\"summary\",\"frames\":");
	put_counters(&o, s->frames, COLO_SIDE_MAX, side_name);
	put(&o,
	    ",\"released\":%" PRIu64 ",\"released_bytes\":%" PRIu64 ",\"compared_bytes\":%" PRIu64
	    ",\"checkpoints\":",
	    s->released, s->released_bytes, s->compared_bytes);
	put_counters(&o, s->checkpoints, COLO_CP_REASON_MAX, cp_name);
	put(&o, ",\"commits\":%" PRIu64 ",\"drops\":{", s->commits);
	for (unsigned int side = 0; side < COLO_SIDE_MAX; side++) {
		put(&o, "%s\"%s\":", side ? "," : "", side_name(side));
		put_counters(&o, s->drops[side], COLO_DROP_REASON_MAX, drop_name);
	}
	put(&o, "},\"held\":");
	put_counters(&o, s->held, COLO_SIDE_MAX, side_name);
	put(&o, "}");
	return done(&o);
}

static uint64_t sum(const uint64_t *v, unsigned int n)
{
	uint64_t t = 0;

	for (unsigned int i = 0; i < n; i++)
		t += v[i];
	return t;
}

/* "total (name1 v1, name2 v2, ...)" */
static void put_breakdown(struct out *o, const uint64_t *v, unsigned int n,
			  const char *(*name)(unsigned int))
{
	put(o, "%" PRIu64 " (", sum(v, n));
	for (unsigned int i = 0; i < n; i++)
		put(o, "%s%s %" PRIu64, i ? ", " : "", name(i), v[i]);
	put(o, ")");
}

int colo_text_summary(char *buf, size_t size, const struct colo_replay_summary *s)
{
	struct out o = {buf, size, 0};

	put(&o, "frames:      primary %" PRIu64 ", secondary %" PRIu64 "\n",
	    s->frames[COLO_SIDE_PRIMARY], s->frames[COLO_SIDE_SECONDARY]);
	put(&o, "released:    %" PRIu64 " frames, %" PRIu64 " bytes\n", s->released,
	    s->released_bytes);
	put(&o, "compared:    %" PRIu64 " payload bytes\n", s->compared_bytes);
	put(&o, "checkpoints: ");
	put_breakdown(&o, s->checkpoints, COLO_CP_REASON_MAX, cp_name);
	put(&o, ", commits %" PRIu64 "\n", s->commits);
	for (unsigned int side = 0; side < COLO_SIDE_MAX; side++) {
		put(&o, "drops %-9s ", side_name(side));
		put_breakdown(&o, s->drops[side], COLO_DROP_REASON_MAX, drop_name);
		put(&o, "\n");
	}
	put(&o, "held at end: primary %" PRIu64 ", secondary %" PRIu64 "\n",
	    s->held[COLO_SIDE_PRIMARY], s->held[COLO_SIDE_SECONDARY]);
	return done(&o);
}
