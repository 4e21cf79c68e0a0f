// SPDX-License-Identifier: GPL-2.0-only
/*
 * colo-xdp replay PRIMARY.pcap SECONDARY.pcap [-o RELEASED.pcap] [--json] [--compare-timeout MS]
 *                 [--max-queue N] [--on-checkpoint commit|hold]
 *
 * The comparator offline: both captures merged by timestamp (primary first on a tie) and fed
 * with the captures' clock; the comparator is ticked on a 100 ms grid between frames so that
 * timeouts fire at their virtual time. Released primary frames go to RELEASED.pcap with their
 * original bytes and timestamps. Frames live in memory only while the comparator holds them.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "lib/compare.h"
#include "lib/frame.h"
#include "lib/replay_events.h"

#define EVENT_MAX 1024

enum cp_policy {
	CP_COMMIT, /* every request committed as soon as the comparator call returns */
	CP_HOLD,   /* nothing committed: held frames stay held and are never written */
};

struct frame {
	STAILQ_ENTRY(frame) done_link;
	enum colo_side side;
	uint64_t index; /* 0-based position in its capture */
	struct pcap_pkthdr hdr;
	uint8_t data[];
};

STAILQ_HEAD(frame_list, frame);

struct pcap_input {
	const char *path;
	pcap_t *pcap;
	uint64_t count;	    /* records read so far */
	struct frame *next; /* read ahead, not fed yet */
	uint64_t next_ns;
};

struct replay {
	struct pcap_input cap[COLO_SIDE_MAX];
	pcap_t *dead; /* format of the output file */
	pcap_dumper_t *out;
	bool json;
	enum cp_policy policy;
	struct colo_cmp_limits lim;
	struct colo_cmp *cmp;
	uint64_t clock_ns;
	uint64_t last_feed_ns;
	bool started;
	uint64_t checkpoint_id;
	bool commit_due;
	bool shutting_down;
	struct frame_list done; /* handed back by the comparator: freed once its call returned */
	struct colo_replay_summary sum;
};

static uint64_t ts_ns(const struct pcap_pkthdr *h)
{
	/* The captures are opened with nanosecond precision: tv_usec holds nanoseconds. */
	return (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
}

/* One JSON event per line; n is the formatter's return (a truncated line stays one line). */
static void emit(const char *line, int n)
{
	if (n < 0)
		return;
	fwrite(line, 1, n < EVENT_MAX ? (size_t)n : EVENT_MAX - 1, stdout);
	fputc('\n', stdout);
}

static const struct colo_flow_key *frame_flow(const struct frame *f, struct colo_frame_info *info)
{
	if (colo_frame_parse(f->data, f->hdr.caplen, info) != COLO_FRAME_IP)
		return NULL;
	return &info->key;
}

static void on_release(void *ctx, void *cookie, const uint8_t *data, uint32_t len)
{
	struct replay *r = ctx;
	struct frame *f = cookie;
	struct colo_frame_info info;
	char line[EVENT_MAX];

	(void)data;
	(void)len;
	r->sum.released++;
	r->sum.released_bytes += f->hdr.caplen;
	if (r->out)
		pcap_dump((u_char *)r->out, &f->hdr, f->data);
	if (r->json)
		emit(line, colo_json_release(line, sizeof(line), f->index, r->clock_ns,
					     f->hdr.caplen, frame_flow(f, &info)));
	STAILQ_INSERT_TAIL(&r->done, f, done_link);
}

static void on_drop(void *ctx, void *cookie, enum colo_side side, enum colo_drop_reason reason)
{
	struct replay *r = ctx;
	struct frame *f = cookie;
	char line[EVENT_MAX];

	STAILQ_INSERT_TAIL(&r->done, f, done_link);
	if (r->shutting_down)
		return;
	if ((unsigned int)side < COLO_SIDE_MAX && (unsigned int)reason < COLO_DROP_REASON_MAX)
		r->sum.drops[side][reason]++;
	if (r->json)
		emit(line, colo_json_drop(line, sizeof(line), side, f->index, reason, r->clock_ns));
}

static void on_checkpoint(void *ctx, enum colo_cp_reason reason, const struct colo_flow_key *flow,
			  const struct colo_cp_where *where, uint64_t time_ns)
{
	struct replay *r = ctx;
	char line[EVENT_MAX];

	r->checkpoint_id++;
	if ((unsigned int)reason < COLO_CP_REASON_MAX)
		r->sum.checkpoints[reason]++;
	if (r->json)
		emit(line, colo_json_checkpoint(line, sizeof(line), r->checkpoint_id, reason, flow,
						where, time_ns));
	/* Committing from inside the callback would re-enter the comparator: defer it. */
	if (r->policy == CP_COMMIT)
		r->commit_due = true;
}

static void on_offset(void *ctx, const struct colo_flow_key *flow, uint32_t seq_offset,
		      uint32_t ts_offset, bool ts_valid)
{
	struct replay *r = ctx;
	char line[EVENT_MAX];

	if (r->json)
		emit(line, colo_json_offset(line, sizeof(line), flow, seq_offset, ts_offset,
					    ts_valid, r->clock_ns));
}

static void free_done(struct replay *r)
{
	struct frame *f;

	while ((f = STAILQ_FIRST(&r->done))) {
		STAILQ_REMOVE_HEAD(&r->done, done_link);
		free(f);
	}
}

/* After each comparator call: commit what was requested, then free what was handed back. */
static void settle(struct replay *r)
{
	char line[EVENT_MAX];

	while (r->commit_due) {
		r->commit_due = false;
		/*
		 * The captured secondary did not live through this checkpoint (the capture goes on
		 * as recorded), so its stream keeps its offsets and position.
		 */
		r->sum.commits++;
		if (r->json)
			emit(line,
			     colo_json_commit(line, sizeof(line), r->checkpoint_id, r->clock_ns));
		colo_cmp_commit(r->cmp, r->clock_ns, COLO_COMMIT_KEEP_STREAMS);
	}
	free_done(r);
}

/* Runs the virtual clock up to target, ticking on the way so that timeouts fire in time. */
static void advance(struct replay *r, uint64_t target)
{
	uint64_t horizon = r->lim.compare_timeout_ns + COLO_REPLAY_TICK_NS;
	uint64_t t;

	if (!r->started) {
		r->started = true;
		r->clock_ns = target;
		r->last_feed_ns = target;
		return;
	}
	while ((t = colo_replay_next_tick(r->clock_ns, target, r->last_feed_ns, horizon)) !=
	       r->clock_ns) {
		r->clock_ns = t;
		colo_cmp_tick(r->cmp, t);
		settle(r);
	}
}

/* Reads the next record of a capture into c->next. Returns 0, or -1 after printing an error. */
static int read_next(struct pcap_input *c, enum colo_side side)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	struct frame *f;
	int rc;

	c->next = NULL;
	rc = pcap_next_ex(c->pcap, &hdr, &data);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		cli_err("replay", "%s: record %" PRIu64 ": %s", c->path, c->count + 1,
			pcap_geterr(c->pcap));
		return -1;
	}
	f = malloc(sizeof(*f) + hdr->caplen);
	if (!f) {
		cli_err("replay", "out of memory");
		return -1;
	}
	f->side = side;
	f->index = c->count++;
	f->hdr = *hdr;
	memcpy(f->data, data, hdr->caplen);
	c->next = f;
	c->next_ns = ts_ns(hdr);
	return 0;
}

static int feed(struct replay *r, struct frame *f, uint64_t when)
{
	struct colo_frame_in in = {
		.side = f->side,
		.data = f->data,
		.len = f->hdr.caplen,
		.cookie = f,
	};
	int err;

	advance(r, when);
	in.time_ns = r->clock_ns; /* a capture whose clock steps back does not turn ours back */
	r->last_feed_ns = r->clock_ns;
	r->sum.frames[f->side]++;
	err = colo_cmp_feed(r->cmp, &in);
	if (err) {
		cli_err("replay", "comparator refused a frame: %s", strerror(-err));
		free(f);
		return -1;
	}
	settle(r);
	return 0;
}

static int run(struct replay *r)
{
	bool has[COLO_SIDE_MAX];
	uint64_t when[COLO_SIDE_MAX];
	enum colo_side side;
	struct frame *f;

	for (side = 0; side < COLO_SIDE_MAX; side++)
		if (read_next(&r->cap[side], side))
			return -1;
	for (;;) {
		for (side = 0; side < COLO_SIDE_MAX; side++) {
			has[side] = r->cap[side].next != NULL;
			when[side] = r->cap[side].next_ns;
		}
		side = colo_replay_pick(has, when);
		if (side == COLO_SIDE_MAX)
			break;
		f = r->cap[side].next;
		r->cap[side].next = NULL; /* the comparator's (or freed) from here on */
		if (feed(r, f, when[side]) || read_next(&r->cap[side], side))
			return -1;
	}
	/* Past the end of the captures the clock runs on until every held frame timed out. */
	if (r->started)
		advance(r, r->last_feed_ns + r->lim.compare_timeout_ns + COLO_REPLAY_TICK_NS);
	return 0;
}

static int open_capture(struct pcap_input *c, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int dlt;

	c->path = path;
	c->pcap = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!c->pcap) {
		/* libpcap names the file itself in some messages ("PATH: No such file ..."). */
		if (!strncmp(errbuf, path, strlen(path)))
			cli_err("replay", "%s", errbuf);
		else
			cli_err("replay", "%s: %s", path, errbuf);
		return -1;
	}
	dlt = pcap_datalink(c->pcap);
	if (dlt != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(dlt);

		cli_err("replay", "%s: link type %s (%d) not supported, need EN10MB", path,
			name ? name : "unknown", dlt);
		return -1;
	}
	return 0;
}

static int open_output(struct replay *r, const char *path)
{
	int snaplen = pcap_snapshot(r->cap[COLO_SIDE_PRIMARY].pcap);

	r->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, snaplen > 0 ? snaplen : 262144,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (!r->dead) {
		cli_err("replay", "out of memory");
		return -1;
	}
	r->out = pcap_dump_open(r->dead, path);
	if (!r->out) {
		cli_err("replay", "%s", pcap_geterr(r->dead));
		return -1;
	}
	return 0;
}

static int close_output(struct replay *r)
{
	int err = 0;

	if (r->out) {
		if (pcap_dump_flush(r->out)) {
			cli_err("replay", "writing the released capture failed");
			err = -1;
		}
		pcap_dump_close(r->out);
	}
	if (r->dead)
		pcap_close(r->dead);
	return err;
}

static void finish(struct replay *r)
{
	struct colo_cmp_stats st;
	char text[EVENT_MAX];
	int n;

	colo_cmp_get_stats(r->cmp, &st);
	r->sum.compared_bytes = st.compared_bytes;
	for (int side = 0; side < COLO_SIDE_MAX; side++)
		r->sum.held[side] = st.held[side];
	if (r->json) {
		n = colo_json_summary(text, sizeof(text), &r->sum);
		emit(text, n);
	} else {
		colo_text_summary(text, sizeof(text), &r->sum);
		fputs(text, stdout);
	}
}

struct replay_opts {
	const char *out;
	bool json;
	enum cp_policy policy;
	uint64_t compare_timeout_ns;
	uint32_t max_queue;
};

static const struct colo_enum_name cp_policy_names[] = {
	{"commit", CP_COMMIT},
	{"hold", CP_HOLD},
	{NULL, 0},
};

static const struct colo_opt replay_opt_table[] = {
	{.name = "output",
	 .short_name = 'o',
	 .type = COLO_OPT_STR,
	 .offset = offsetof(struct replay_opts, out),
	 .arg = "RELEASED.pcap",
	 .help = "write the released primary frames here"},
	{.name = "json",
	 .type = COLO_OPT_FLAG,
	 .offset = offsetof(struct replay_opts, json),
	 .help = "events as JSON lines"},
	{.name = "compare-timeout",
	 .type = COLO_OPT_U64,
	 .offset = offsetof(struct replay_opts, compare_timeout_ns),
	 .arg = "MS",
	 .help = "a frame held this long requests a checkpoint (default 3000)",
	 .min = 1,
	 .max = UINT64_MAX / COLO_NS_PER_MS,
	 .scale = COLO_NS_PER_MS},
	{.name = "max-queue",
	 .type = COLO_OPT_U32,
	 .offset = offsetof(struct replay_opts, max_queue),
	 .arg = "N",
	 .help = "frames held per connection and side (default 1024)",
	 .min = 1,
	 .max = UINT32_MAX},
	{.name = "on-checkpoint",
	 .type = COLO_OPT_ENUM,
	 .offset = offsetof(struct replay_opts, policy),
	 .names = cp_policy_names,
	 .help = "commit every request at once (default), or hold everything"},
	{},
};

static const struct colo_cmd_spec replay_spec = {
	.name = "replay",
	.usage = "PRIMARY.pcap SECONDARY.pcap [-o RELEASED.pcap] [options]",
	.summary = "Runs the comparator offline on two captures.",
	.min_pos = 2,
	.max_pos = 2,
	.opts = replay_opt_table,
};

/* COLO_EXIT_OK/COLO_EXIT_USAGE: exit with it; -1: go on. */
static int parse_args(struct replay *r, int argc, char **argv, const char **paths, const char **out)
{
	struct replay_opts o = {.policy = CP_COMMIT};
	struct colo_opts_result res;
	int rc = cli_parse(&replay_spec, argc, argv, &o, &res);

	if (rc >= 0)
		return rc;
	r->json = o.json;
	r->policy = o.policy;
	if (o.compare_timeout_ns)
		r->lim.compare_timeout_ns = o.compare_timeout_ns;
	if (o.max_queue)
		r->lim.max_queue = o.max_queue;
	*out = o.out;
	paths[COLO_SIDE_PRIMARY] = res.pos[0];
	paths[COLO_SIDE_SECONDARY] = res.pos[1];
	return -1;
}

static void cleanup(struct replay *r)
{
	if (r->cmp) {
		r->shutting_down = true;
		colo_cmp_free(r->cmp);
		free_done(r);
	}
	for (int side = 0; side < COLO_SIDE_MAX; side++) {
		free(r->cap[side].next);
		if (r->cap[side].pcap)
			pcap_close(r->cap[side].pcap);
	}
}

int cmd_replay(int argc, char **argv)
{
	static const struct colo_cmp_ops ops = {
		.release = on_release,
		.drop = on_drop,
		.checkpoint = on_checkpoint,
		.offset = on_offset,
	};
	const char *paths[COLO_SIDE_MAX] = {};
	const char *out_path = NULL;
	struct replay r = {.policy = CP_COMMIT};
	int rc;

	STAILQ_INIT(&r.done);
	colo_cmp_limits_default(&r.lim);
	rc = parse_args(&r, argc, argv, paths, &out_path);
	if (rc >= 0)
		return rc;
	rc = COLO_EXIT_RUNTIME;
	if (open_capture(&r.cap[COLO_SIDE_PRIMARY], paths[COLO_SIDE_PRIMARY]) ||
	    open_capture(&r.cap[COLO_SIDE_SECONDARY], paths[COLO_SIDE_SECONDARY]))
		goto out;
	if (out_path && open_output(&r, out_path))
		goto out;
	r.cmp = colo_cmp_new(&r.lim, &ops, &r);
	if (!r.cmp) {
		cli_err("replay", "cannot create the comparator");
		goto out;
	}
	if (run(&r))
		goto out;
	finish(&r);
	rc = COLO_EXIT_OK;
out:
	if (close_output(&r))
		rc = COLO_EXIT_RUNTIME;
	cleanup(&r);
	if (fflush(stdout) || ferror(stdout)) {
		cli_err("replay", "writing to stdout failed");
		rc = COLO_EXIT_RUNTIME;
	}
	return rc;
}
