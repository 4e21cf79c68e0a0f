// SPDX-License-Identifier: GPL-2.0-only
/*
 * `colo-xdp run`: attaches the three roles, runs one worker per ring shard and speaks to the
 * checkpoint agent. Checkpoints are global: the first shard's trigger becomes the one
 * outstanding request, later triggers are only logged, and the agent's COMMIT/ABORT/FAILOVER
 * reaches every worker through its mailbox. The main thread owns the agent socket, signals and
 * the periodic summary; workers own everything on the data path.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "commands.h"
#include "lib/replay_events.h"
#include "loader.h"
#include "worker.h"

#define RUN_AGENT_DIR "/run/colo-xdp"
/*
 * Primary TCP super-frames are compared in pieces of at most this many segments: the
 * secondary's initial congestion window (10 segments) can always cover one piece.
 */
#define RUN_SPLIT_SEGS 10
/* Copied-out frames the workers may hold together, in MiB (a checkpoint's worth at 10 Gbit/s). */
#define RUN_MAX_HELD_MB 512

struct run_opts {
	const char *ifname[COLO_ROLE_MAX];
	const char *instance;
	const char *agent_path;
	enum colo_hook hook;
	enum colo_release_mode release;
	__u32 shards;
	__u32 ring_bytes; /* 0: the default for the shard count */
	struct colo_cmp_limits limits;
	unsigned int stats_interval_s;
	unsigned int split_segs;
	uint64_t max_held_bytes;
	bool keep;
};

/* A trigger waiting for the main thread to send it to the agent. */
struct run_trigger {
	unsigned int shard;
	enum colo_cp_reason reason;
	struct colo_flow_key flow;
	struct colo_cp_where where;
	uint64_t time_ns;
};

struct run_state {
	struct run_opts opts;
	struct colo_instance *inst;
	struct colo_worker *workers[COLO_MAX_SHARDS];
	unsigned int nworkers;
	struct colo_agent_srv *agent;
	int wake_fd; /* workers -> main: a trigger is waiting */
	bool failover;
	uint64_t start_ns;
	uint64_t request_ns; /* when the outstanding request was made */
	uint32_t request_id;
	pthread_mutex_t lock; /* guards the fields below */
	bool outstanding;     /* one checkpoint request at a time, across all shards */
	bool trigger_waiting;
	struct run_trigger trigger;
	uint64_t covered; /* triggers folded into the outstanding request */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void logf_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_line(const char *fmt, ...)
{
	va_list ap;

	fputs("colo-xdp: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static double secs_since(const struct run_state *st, uint64_t t)
{
	return t > st->start_ns ? (double)(t - st->start_ns) / 1e9 : 0.0;
}

/* ---- checkpoint coordination --------------------------------------------------------------- */

/* Worker thread: the comparator of one shard wants a checkpoint. */
static void on_worker_checkpoint(void *ctx, unsigned int shard, enum colo_cp_reason reason,
				 const struct colo_flow_key *flow,
				 const struct colo_cp_where *where, uint64_t time_ns)
{
	struct run_state *st = ctx;
	bool wake = false;

	pthread_mutex_lock(&st->lock);
	if (st->outstanding) {
		st->covered++;
	} else {
		st->outstanding = true;
		st->trigger_waiting = true;
		st->trigger = (struct run_trigger){shard, reason, *flow, *where, time_ns};
		wake = true;
	}
	pthread_mutex_unlock(&st->lock);
	if (wake)
		eventfd_write(st->wake_fd, 1);
}

static void send_trigger(struct run_state *st)
{
	struct run_trigger t;
	char flow[COLO_AGENT_FLOW_STR_LEN], where[COLO_CP_WHERE_STR_LEN];
	struct colo_agent_origin origin;
	int r;

	pthread_mutex_lock(&st->lock);
	if (!st->trigger_waiting) {
		pthread_mutex_unlock(&st->lock);
		return;
	}
	st->trigger_waiting = false;
	t = st->trigger;
	pthread_mutex_unlock(&st->lock);

	st->request_ns = mono_ns();
	origin = (struct colo_agent_origin){t.where.side, t.where.pos_kind, t.where.pos,
					    t.where.waited_ns};
	r = colo_agent_request(st->agent, (enum colo_agent_reason)t.reason, &t.flow, &origin,
			       t.time_ns, &st->request_id);
	colo_agent_flow_str(&t.flow, flow, sizeof(flow));
	if (r && r != -ENOTCONN && r != -EBUSY) {
		logf_line("checkpoint request failed (%s): reason=%s flow=%s", strerror(-r),
			  colo_cp_reason_name(t.reason), flow);
		return;
	}
	colo_cp_where_str(where, sizeof(where), &t.where);
	logf_line("checkpoint %u requested%s: reason=%s flow=%s %s shard=%u t=%.3fs",
		  st->request_id, r == -ENOTCONN ? " (agent not connected: pending)" : "",
		  colo_cp_reason_name(t.reason), flow, where, t.shard, secs_since(st, t.time_ns));
}

static void post_all(struct run_state *st, unsigned int cmds)
{
	unsigned int i;

	for (i = 0; i < st->nworkers; i++)
		colo_worker_post(st->workers[i], cmds);
}

static uint64_t clear_outstanding(struct run_state *st)
{
	uint64_t covered;

	pthread_mutex_lock(&st->lock);
	st->outstanding = false;
	st->trigger_waiting = false;
	covered = st->covered;
	st->covered = 0;
	pthread_mutex_unlock(&st->lock);
	return covered;
}

static void on_agent_commit(void *ctx, uint32_t id, uint32_t flags)
{
	struct run_state *st = ctx;
	uint64_t covered = clear_outstanding(st);

	post_all(st, flags & COLO_AGENT_COMMIT_KEEP_STREAMS ? COLO_WORKER_COMMIT_KEEP
							    : COLO_WORKER_COMMIT);
	if (id)
		logf_line("checkpoint %u committed after %.1f ms (%lu more triggers covered)", id,
			  (double)(mono_ns() - st->request_ns) / 1e6, (unsigned long)covered);
	else
		logf_line("checkpoint committed (started by the agent)");
}

static void on_agent_abort(void *ctx, uint32_t id)
{
	struct run_state *st = ctx;

	clear_outstanding(st);
	post_all(st, COLO_WORKER_ABORT);
	logf_line("checkpoint %u aborted: primary output stays held", id);
}

static void on_agent_begin(void *ctx, uint32_t id)
{
	(void)ctx;
	logf_line("checkpoint %u begun", id);
}

static void set_failover_flag(struct run_state *st)
{
	struct colo_config cfg;

	if (colo_config_read(st->inst, &cfg) == 0) {
		cfg.flags |= COLO_CFG_FAILOVER;
		if (colo_config_write(st->inst, &cfg) == 0)
			return;
	}
	logf_line("failover: could not set the config flag: primary output stays on the "
		  "release path");
}

static void failover(struct run_state *st, const char *why)
{
	if (st->failover)
		return;
	st->failover = true;
	clear_outstanding(st);
	/* Kernel first: new primary output goes straight out, the workers flush what is held. */
	set_failover_flag(st);
	post_all(st, COLO_WORKER_FAILOVER);
	logf_line("failover (%s): held output released, comparison stopped", why);
}

static void on_agent_failover(void *ctx)
{
	failover(ctx, "declared by the agent");
}

/* ---- summary ------------------------------------------------------------------------------ */

struct run_totals {
	struct colo_worker_stats w;
	uint64_t ring_full;
	uint64_t ring_missing;
};

static void totals(struct run_state *st, struct run_totals *t)
{
	struct colo_worker_stats ws;
	struct colo_stats ks;
	unsigned int i, j;
	int role;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < st->nworkers; i++) {
		colo_worker_get_stats(st->workers[i], &ws);
		t->w.records += ws.records;
		t->w.bad_records += ws.bad_records;
		t->w.passed += ws.passed;
		t->w.split += ws.split;
		t->w.alloc_failed += ws.alloc_failed;
		t->w.mem_refused += ws.mem_refused;
		t->w.held_bytes += ws.held_bytes;
		t->w.offsets += ws.offsets;
		t->w.offset_errors += ws.offset_errors;
		colo_delay_hist_merge(&t->w.ring_delay, &ws.ring_delay);
		colo_delay_hist_merge(&t->w.hold_delay, &ws.hold_delay);
		t->w.cmp.released += ws.cmp.released;
		t->w.cmp.released_bytes += ws.cmp.released_bytes;
		t->w.cmp.compared_bytes += ws.cmp.compared_bytes;
		t->w.cmp.commits += ws.cmp.commits;
		t->w.cmp.conns += ws.cmp.conns;
		for (j = 0; j < COLO_SIDE_MAX; j++) {
			t->w.cmp.frames_in[j] += ws.cmp.frames_in[j];
			t->w.cmp.held[j] += ws.cmp.held[j];
		}
		for (j = 0; j < COLO_CP_REASON_MAX; j++) {
			t->w.cmp.triggers[j] += ws.cmp.triggers[j];
			t->w.cmp.checkpoints[j] += ws.cmp.checkpoints[j];
		}
		t->w.rel.frames += ws.rel.frames;
		t->w.rel.bytes += ws.rel.bytes;
		t->w.rel.send_errors += ws.rel.send_errors;
		t->w.rel.refused += ws.rel.refused;
	}
	for (role = COLO_ROLE_PRIMARY; role <= COLO_ROLE_SECONDARY; role++) {
		if (colo_stats_read(st->inst, role, &ks))
			continue;
		t->ring_full += ks.ring_full;
		t->ring_missing += ks.ring_missing;
	}
}

static void print_summary(struct run_state *st, const char *what)
{
	struct run_totals t;
	uint64_t cps = 0, trig = 0;
	double secs = secs_since(st, mono_ns());
	unsigned int j;

	totals(st, &t);
	for (j = 0; j < COLO_CP_REASON_MAX; j++) {
		cps += t.w.cmp.checkpoints[j];
		trig += t.w.cmp.triggers[j];
	}
	logf_line(
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

/* ---- attach ------------------------------------------------------------------------------- */

struct iface_match {
	__u32 ifindex;
	enum colo_role role;
	bool found;
};

static int match_iface(__u32 ifindex, const struct colo_iface *ifc, void *ctx)
{
	struct iface_match *m = ctx;

	if (ifindex == m->ifindex && ifc->role == m->role)
		m->found = true;
	return 0;
}

/* True when ifname is already attached to this instance in this role (a previous run). */
static bool attached_here(const char *instance, const char *ifname, enum colo_role role)
{
	struct iface_match m = {.ifindex = if_nametoindex(ifname), .role = role};
	struct colo_instance *inst;

	if (!m.ifindex)
		return false;
	inst = colo_instance_open(instance);
	if (!inst)
		return false;
	colo_ifaces_foreach(inst, match_iface, &m);
	colo_instance_close(inst);
	return m.found;
}

static int attach_roles(const struct run_opts *o)
{
	int role, r;

	for (role = 0; role < COLO_ROLE_MAX; role++) {
		struct colo_attach_opts ao = {
			.ifname = o->ifname[role],
			.instance = o->instance,
			.role = role,
			.hook = o->hook,
			.xdp_mode = COLO_XDP_SKB,
			.nshards = o->shards,
			.ring_bytes = o->ring_bytes,
		};

		/* A previous run (killed, or --keep) left it attached: reuse its pins. */
		if (attached_here(o->instance, ao.ifname, role)) {
			logf_line("%s: already attached as %s (previous run): reusing its pins",
				  ao.ifname, colo_role_name(role));
			continue;
		}
		r = colo_attach(&ao);
		if (r)
			return r;
	}
	return 0;
}

/* ---- options ------------------------------------------------------------------------------ */

static int usage_error(const char *fmt, const char *arg)
{
	fputs("colo-xdp run: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (usage: colo-xdp run --outside IF --primary IF --secondary IF [--instance NAME] "
	      "[--agent PATH] [--shards N] [--ring-size BYTES] [--compare-timeout MS] "
	      "[--max-queue N] [--release afpacket|afxdp] [--hook tc|xdp] [--retx-window BYTES] "
	      "[--split-segs N] [--max-held MB] [--stats-interval S] [--keep])\n",
	      stderr);
	return COLO_EXIT_USAGE;
}

static bool parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && *s && !*end && *s != '-' && *out >= min && *out <= max;
}

enum {
	OPT_OUTSIDE = 256,
	OPT_PRIMARY,
	OPT_SECONDARY,
	OPT_INSTANCE,
	OPT_AGENT,
	OPT_SHARDS,
	OPT_TIMEOUT,
	OPT_MAX_QUEUE,
	OPT_RELEASE,
	OPT_HOOK,
	OPT_STATS,
	OPT_KEEP,
	OPT_RETX,
	OPT_SPLIT,
	OPT_MAX_HELD,
	OPT_RING_SIZE,
};

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{"outside", required_argument, NULL, OPT_OUTSIDE},
		{"primary", required_argument, NULL, OPT_PRIMARY},
		{"secondary", required_argument, NULL, OPT_SECONDARY},
		{"instance", required_argument, NULL, OPT_INSTANCE},
		{"agent", required_argument, NULL, OPT_AGENT},
		{"shards", required_argument, NULL, OPT_SHARDS},
		{"compare-timeout", required_argument, NULL, OPT_TIMEOUT},
		{"max-queue", required_argument, NULL, OPT_MAX_QUEUE},
		{"release", required_argument, NULL, OPT_RELEASE},
		{"hook", required_argument, NULL, OPT_HOOK},
		{"stats-interval", required_argument, NULL, OPT_STATS},
		{"keep", no_argument, NULL, OPT_KEEP},
		{"retx-window", required_argument, NULL, OPT_RETX},
		{"split-segs", required_argument, NULL, OPT_SPLIT},
		{"max-held", required_argument, NULL, OPT_MAX_HELD},
		{"ring-size", required_argument, NULL, OPT_RING_SIZE},
		{NULL, 0, NULL, 0},
	};
	unsigned long v;
	int c, role;

	memset(o, 0, sizeof(*o));
	o->instance = COLO_DEFAULT_INSTANCE;
	/*
	 * AF_PACKET keeps GSO and checksum offload; on veth it released 200 MB bulk flows at
	 * 2.4-3.0 Gbit/s against 2.1-2.5 for AF_XDP copy mode (software segmentation).
	 */
	o->release = COLO_RELEASE_AFPACKET;
	o->stats_interval_s = 10;
	o->split_segs = RUN_SPLIT_SEGS;
	o->max_held_bytes = (uint64_t)RUN_MAX_HELD_MB << 20;
	colo_cmp_limits_default(&o->limits);
	/* Client addresses and ports must not be able to steer flows into one hash chain. */
	if (getrandom(&o->limits.hash_seed, sizeof(o->limits.hash_seed), 0) < 0)
		o->limits.hash_seed = mono_ns();
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_OUTSIDE:
		case OPT_PRIMARY:
		case OPT_SECONDARY:
			o->ifname[c - OPT_OUTSIDE] = optarg;
			break;
		case OPT_INSTANCE:
			if (!colo_instance_name_valid(optarg))
				return usage_error("invalid instance name '%s'", optarg);
			o->instance = optarg;
			break;
		case OPT_AGENT:
			o->agent_path = optarg;
			break;
		case OPT_SHARDS:
			if (!parse_uint(optarg, 1, COLO_MAX_SHARDS, &v))
				return usage_error("--shards takes 1..16, not '%s'", optarg);
			o->shards = v;
			break;
		case OPT_TIMEOUT:
			if (!parse_uint(optarg, 1, 3600000, &v))
				return usage_error(
					"--compare-timeout takes 1..3600000 ms, not '%s'", optarg);
			o->limits.compare_timeout_ns = v * 1000000ull;
			break;
		case OPT_MAX_QUEUE:
			if (!parse_uint(optarg, 1, 1u << 20, &v))
				return usage_error("--max-queue takes 1..1048576, not '%s'",
						   optarg);
			o->limits.max_queue = v;
			break;
		case OPT_RELEASE:
			if (colo_release_mode_parse(optarg, &o->release))
				return usage_error("--release takes afpacket or afxdp, not '%s'",
						   optarg);
			break;
		case OPT_HOOK:
			if (!strcmp(optarg, "tc"))
				o->hook = COLO_HOOK_TC;
			else if (!strcmp(optarg, "xdp"))
				o->hook = COLO_HOOK_XDP;
			else
				return usage_error("--hook takes tc or xdp, not '%s'", optarg);
			break;
		case OPT_STATS:
			if (!parse_uint(optarg, 1, 86400, &v))
				return usage_error("--stats-interval takes 1..86400 s, not '%s'",
						   optarg);
			o->stats_interval_s = v;
			break;
		case OPT_KEEP:
			o->keep = true;
			break;
		case OPT_RETX:
			if (!parse_uint(optarg, 4096, 1u << 30, &v))
				return usage_error(
					"--retx-window takes 4096..1073741824 bytes, not '%s'",
					optarg);
			o->limits.retx_window = v;
			break;
		case OPT_SPLIT:
			if (!parse_uint(optarg, 0, 64, &v))
				return usage_error("--split-segs takes 0..64, not '%s'", optarg);
			o->split_segs = v;
			break;
		case OPT_MAX_HELD:
			if (!parse_uint(optarg, 16, 1u << 20, &v))
				return usage_error("--max-held takes 16..1048576 MiB, not '%s'",
						   optarg);
			o->max_held_bytes = (uint64_t)v << 20;
			break;
		case OPT_RING_SIZE:
			if (!parse_uint(optarg, COLO_RING_BYTES_MIN, COLO_RING_BYTES_MAX, &v) ||
			    !colo_ring_size_valid(v))
				return usage_error(
					"--ring-size takes a power of 2 of 4096..1073741824 bytes, "
					"not '%s'",
					optarg);
			o->ring_bytes = v;
			break;
		default:
			return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	for (role = 0; role < COLO_ROLE_MAX; role++) {
		if (!o->ifname[role])
			return usage_error("--%s IF is required",
					   colo_role_name((enum colo_role)role));
		if (!if_nametoindex(o->ifname[role]))
			return usage_error("no interface '%s'", o->ifname[role]);
	}
	if (!strcmp(o->ifname[0], o->ifname[1]) || !strcmp(o->ifname[0], o->ifname[2]) ||
	    !strcmp(o->ifname[1], o->ifname[2]))
		return usage_error("the three roles need three different interfaces%s", "");
	return 0;
}

/* ---- setup and main loop ------------------------------------------------------------------ */

static int start_workers(struct run_state *st)
{
	struct colo_config cfg;
	char err[256];
	unsigned int i;
	int fd;

	if (colo_config_read(st->inst, &cfg))
		return -EIO;
	if (cfg.nshards < 1 || cfg.nshards > COLO_MAX_SHARDS) {
		fprintf(stderr, "colo-xdp: instance has %u shards (1..%d)\n", cfg.nshards,
			COLO_MAX_SHARDS);
		return -EINVAL;
	}
	for (i = 0; i < cfg.nshards; i++) {
		struct colo_worker_cfg wc = {
			.shard = i,
			.conntrack_fd = st->inst->conntrack_fd,
			.out_ifindex = (int)if_nametoindex(st->opts.ifname[COLO_ROLE_OUTSIDE]),
			.release_mode = st->opts.release,
			.split_segs = st->opts.split_segs,
			.limits = st->opts.limits,
			.max_held_bytes = st->opts.max_held_bytes / cfg.nshards,
			.checkpoint = on_worker_checkpoint,
			.ctx = st,
		};

		fd = colo_ring_fd(st->inst, i);
		if (fd < 0)
			return fd;
		wc.ring_fd = fd;
		st->workers[i] = colo_worker_start(&wc, err, sizeof(err));
		/* ring_buffer__new() mapped the ring: its fd is no longer needed. */
		close(fd);
		if (!st->workers[i]) {
			fprintf(stderr, "colo-xdp: %s\n", err);
			return -EIO;
		}
		st->nworkers++;
	}
	if (cfg.flags & COLO_CFG_FAILOVER) {
		st->failover = true;
		post_all(st, COLO_WORKER_FAILOVER);
		logf_line("failover was declared before this run: comparison stays off");
	}
	return 0;
}

static int open_agent(struct run_state *st)
{
	static char path[PATH_MAX];
	const struct colo_agent_ops ops = {
		.ctx = st,
		.begin = on_agent_begin,
		.commit = on_agent_commit,
		.abort = on_agent_abort,
		.failover = on_agent_failover,
	};

	if (!st->opts.agent_path) {
		mkdir(RUN_AGENT_DIR, 0700);
		snprintf(path, sizeof(path), RUN_AGENT_DIR "/%s.sock", st->opts.instance);
		st->opts.agent_path = path;
	}
	st->agent = colo_agent_listen(st->opts.agent_path, &ops);
	if (!st->agent) {
		fprintf(stderr, "colo-xdp: agent socket %s: %s\n", st->opts.agent_path,
			strerror(errno));
		return -errno;
	}
	return 0;
}

static int main_loop(struct run_state *st, int sig_fd)
{
	struct pollfd pfds[4];
	struct signalfd_siginfo si;
	uint64_t next_summary = mono_ns() + st->opts.stats_interval_s * 1000000000ull;
	eventfd_t v;
	int n, r;

	for (;;) {
		pfds[0] = (struct pollfd){.fd = sig_fd, .events = POLLIN};
		pfds[1] = (struct pollfd){.fd = st->wake_fd, .events = POLLIN};
		n = 2 + colo_agent_fds(st->agent, pfds + 2, 2);
		r = poll(pfds, n, 200);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (pfds[0].revents & POLLIN && read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
			logf_line("%s: shutting down", strsignal(si.ssi_signo));
			return 0;
		}
		if (pfds[1].revents & POLLIN)
			eventfd_read(st->wake_fd, &v);
		send_trigger(st);
		r = colo_agent_handle(st->agent, pfds + 2, n - 2);
		if (r) {
			fprintf(stderr, "colo-xdp: agent socket failed: %s\n", strerror(-r));
			return r;
		}
		if (mono_ns() >= next_summary) {
			print_summary(st, "stats");
			next_summary += st->opts.stats_interval_s * 1000000000ull;
		}
	}
}

/* One line per shard at exit: how the flows spread. */
static void print_shards(struct run_state *st)
{
	struct colo_worker_stats ws;
	unsigned int i;

	for (i = 0; i < st->nworkers; i++) {
		colo_worker_get_stats(st->workers[i], &ws);
		logf_line("shard %u: records=%lu frames=%lu/%lu (P/S) released=%lu", i,
			  (unsigned long)ws.records, (unsigned long)ws.cmp.frames_in[0],
			  (unsigned long)ws.cmp.frames_in[1], (unsigned long)ws.rel.frames);
	}
}

static void teardown(struct run_state *st)
{
	unsigned int i;
	int r;

	for (i = 0; i < st->nworkers; i++)
		colo_worker_stop(st->workers[i]);
	if (st->nworkers) {
		print_summary(st, "final");
		print_shards(st);
	}
	for (i = 0; i < st->nworkers; i++)
		colo_worker_destroy(st->workers[i]);
	st->nworkers = 0;
	colo_agent_close(st->agent);
	colo_instance_close(st->inst);
	if (st->opts.keep) {
		logf_line("--keep: instance '%s' stays attached and pinned", st->opts.instance);
	} else {
		r = colo_detach_instance(st->opts.instance);
		if (r && r != -ENOENT)
			fprintf(stderr, "colo-xdp: detaching instance '%s': %s\n",
				st->opts.instance, strerror(-r));
	}
	if (st->wake_fd >= 0)
		close(st->wake_fd);
	pthread_mutex_destroy(&st->lock);
}

int cmd_run(int argc, char **argv)
{
	struct run_state st = {.wake_fd = -1};
	sigset_t sigs;
	int sig_fd, r;

	r = parse_opts(argc, argv, &st.opts);
	if (r)
		return r;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pthread_mutex_init(&st.lock, NULL);
	st.start_ns = mono_ns();
	signal(SIGPIPE, SIG_IGN);
	/* Workers inherit the mask: only the main thread sees SIGINT/SIGTERM, via signalfd. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	st.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sig_fd < 0 || st.wake_fd < 0) {
		fprintf(stderr, "colo-xdp: signalfd/eventfd: %s\n", strerror(errno));
		return COLO_EXIT_RUNTIME;
	}
	colo_loader_init_logging();
	if (colo_bpffs_ensure() || attach_roles(&st.opts)) {
		if (!st.opts.keep)
			colo_detach_instance(st.opts.instance);
		close(sig_fd);
		close(st.wake_fd);
		return COLO_EXIT_RUNTIME;
	}
	st.inst = colo_instance_open(st.opts.instance);
	r = st.inst ? open_agent(&st) : -errno;
	if (!r)
		r = start_workers(&st);
	if (!r) {
		logf_line("running: instance=%s outside=%s primary=%s secondary=%s shards=%u "
			  "release=%s agent=%s",
			  st.opts.instance, st.opts.ifname[0], st.opts.ifname[1], st.opts.ifname[2],
			  st.nworkers, colo_release_mode_name(st.opts.release), st.opts.agent_path);
		r = main_loop(&st, sig_fd);
	}
	teardown(&st);
	close(sig_fd);
	return r ? COLO_EXIT_RUNTIME : COLO_EXIT_OK;
}
