// SPDX-License-Identifier: GPL-2.0-only
/*
 * `colo-xdp run`: attaches the three roles, runs one worker per ring shard and serves the
 * checkpoint agent (coord.c coordinates the shards' checkpoints, stats.c prints the counters).
 * The main thread owns the agent socket, signals and the periodic summary; workers own
 * everything on the data path.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "agent.h"
#include "exec_hook.h"
#include "attach.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "capture.h"
#include "conns.h"
#include "control.h"
#include "coord.h"
#include "detach.h"
#include "instance.h"
#include "lib/metrics.h"
#include "log.h"
#include "stats.h"
#include "run_opts.h"
#include "worker.h"

struct run_state {
	struct run_opts opts;
	struct colo_coord co;
	bool attached[COLO_ROLE_MAX]; /* roles this run attached (not a previous run's) */
	bool started;		      /* the run got as far as comparing: it owns the instance */
	struct colo_exec_hook *hook;
	struct colo_ctl_srv *ctl;
	struct colo_capture *capture;
};

/* ---- attach ------------------------------------------------------------------------------- */

/* True when ifname is already attached to this instance in this role (a previous run). */
static bool attached_here(const char *instance, const char *ifname, enum colo_role role)
{
	__u32 ifindex = if_nametoindex(ifname);
	struct colo_iface_ref ref;

	return ifindex && colo_iface_find(ifindex, ifname, instance, &ref) > 0 &&
	       ref.ifc.role == role;
}

static int attach_roles(struct run_state *st)
{
	const struct run_opts *o = &st->opts;
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
			colo_info("%s: already attached as %s (previous run): reusing its pins",
				  ao.ifname, colo_role_name(role));
			continue;
		}
		r = colo_attach(&ao);
		if (r)
			return r;
		st->attached[role] = true;
	}
	return 0;
}

/*
 * Undoes the attaches of a run that did not start: a previous run's attachments (reused) stay,
 * as with --keep, for the next run.
 */
static void detach_own(const struct run_state *st)
{
	int role;

	for (role = 0; role < COLO_ROLE_MAX; role++)
		if (st->attached[role])
			colo_detach(st->opts.ifname[role], st->opts.instance);
}

/* ---- setup and main loop ------------------------------------------------------------------ */

/* Sets the config map's mirror flag as --mode says (a kept instance may have it from before). */
static int set_mode(struct colo_coord *co, struct colo_config *cfg, int mode)
{
	bool mirror = mode == RUN_MODE_MIRROR;

	cfg->flags = mirror ? cfg->flags | COLO_CFG_MIRROR : cfg->flags & ~COLO_CFG_MIRROR;
	if (colo_config_write(co->inst, cfg))
		return -EIO;
	if (mirror)
		colo_info("mirror mode: the replicas' output is NOT compared (a baseline for "
			  "benchmarks): the primary's leaves by kernel redirect, the secondary's "
			  "is dropped; only TCP handshakes reach the workers, for the offsets");
	return 0;
}

static int start_workers(struct run_state *st)
{
	struct colo_coord *co = &st->co;
	struct colo_config cfg;
	char err[256];
	unsigned int i;
	int fd;

	if (colo_config_read(co->inst, &cfg))
		return -EIO;
	if (cfg.nshards < 1 || cfg.nshards > COLO_MAX_SHARDS) {
		colo_err("instance has %u shards (1..%d)", cfg.nshards, COLO_MAX_SHARDS);
		return -EINVAL;
	}
	if (set_mode(co, &cfg, st->opts.mode))
		return -EIO;
	for (i = 0; i < cfg.nshards; i++) {
		struct colo_worker_cfg wc = {
			.shard = i,
			.offsets_fd = co->inst->offsets_fd,
			.out_ifindex = (int)if_nametoindex(st->opts.ifname[COLO_ROLE_OUTSIDE]),
			.release_mode = st->opts.release,
			.split_segs = st->opts.split_segs,
			.limits = st->opts.limits,
			.max_held_bytes = st->opts.max_held_bytes / cfg.nshards,
			.checkpoint = colo_coord_on_checkpoint,
			.capture = st->capture ? colo_coord_on_capture : NULL,
			.ctx = co,
		};

		fd = colo_ring_fd(co->inst, i);
		if (fd < 0)
			return fd;
		wc.ring_fd = fd;
		co->workers[i] = colo_worker_start(&wc, err, sizeof(err));
		/* ring_buffer__new() mapped the ring: its fd is no longer needed. */
		close(fd);
		if (!co->workers[i]) {
			colo_err("%s", err);
			return -EIO;
		}
		co->nworkers++;
	}
	if (cfg.flags & COLO_CFG_FAILOVER) {
		co->failover = true;
		colo_coord_post_all(co, COLO_WORKER_FAILOVER);
		colo_info("failover was declared before this run: comparison stays off");
	}
	return 0;
}

static int open_agent(struct run_state *st)
{
	static char path[PATH_MAX];
	struct colo_agent_ops ops;

	if (!st->opts.agent_path) {
		snprintf(path, sizeof(path), COLO_RUN_DIR "/%s.sock", st->opts.instance);
		st->opts.agent_path = path;
	}
	colo_coord_agent_ops(&st->co, &ops);
	st->co.agent = colo_agent_listen(st->opts.agent_path, &ops);
	if (!st->co.agent) {
		colo_err("agent socket %s: %s", st->opts.agent_path, strerror(errno));
		return -errno;
	}
	if (!st->opts.on_checkpoint)
		return 0;
	st->hook = colo_exec_hook_start(st->opts.agent_path, st->opts.on_checkpoint,
					st->opts.on_checkpoint_timeout_ms);
	if (!st->hook) {
		colo_err("--on-checkpoint: the exec adapter did not start: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* Answers a control request (main thread: workers only copy their numbers out). */
static char *control_answer(void *ctx, const struct colo_ctl_request *req, size_t *len)
{
	struct run_state *st = ctx;
	json_t *data = NULL;
	char why[96];

	switch (req->kind) {
	case COLO_CTL_PING:
		data = json_pack("{s:s,s:i,s:f}", "instance", st->opts.instance, "pid",
				 (int)getpid(), "uptime_s",
				 colo_coord_secs(&st->co, colo_mono_ns()));
		break;
	case COLO_CTL_STATS:
		data = colo_stats_json(&st->co, st->opts.instance);
		break;
	case COLO_CTL_CONNS:
		data = colo_conns_json(&st->co);
		if (!data && errno != ENOMEM) {
			snprintf(why, sizeof(why), "a worker did not answer: %s", strerror(errno));
			return colo_ctl_reply_error(COLO_CTL_E_UNAVAILABLE, why, len);
		}
		break;
	default:
		break;
	}
	return data ? colo_ctl_reply_ok(req->kind, data, len) : NULL;
}

static int open_control(struct run_state *st)
{
	char path[128];

	st->ctl = colo_ctl_listen(st->opts.instance, control_answer, st);
	if (!st->ctl) {
		colo_ctl_path(st->opts.instance, path, sizeof(path));
		colo_err("control socket %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * The metrics file, replaced atomically (written beside it, then renamed) as node_exporter's
 * textfile collector wants: a scrape never sees half a file. A failure is logged, not fatal.
 */
static void write_metrics(struct run_state *st)
{
	const char *path = st->opts.metrics_file;
	char tmp[PATH_MAX];
	json_t *stats;
	FILE *f;
	int r;

	if (!path)
		return;
	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >= (int)sizeof(tmp))
		return;
	stats = colo_stats_json(&st->co, st->opts.instance);
	f = stats ? fopen(tmp, "w") : NULL;
	if (!f) {
		colo_warn("metrics file %s: %s", tmp, stats ? strerror(errno) : "out of memory");
		json_decref(stats);
		return;
	}
	r = colo_metrics_write(f, stats);
	json_decref(stats);
	if (fclose(f) || r || rename(tmp, path)) {
		colo_warn("metrics file %s: %s", path, strerror(errno));
		unlink(tmp);
	}
}

/* Writes the capture jobs the workers handed over (main thread: disk writes stay off the data
 * path). */
static void write_captures(struct run_state *st)
{
	struct colo_capture_job *jobs[COLO_COORD_CAPTURES];
	unsigned int i, n;

	n = colo_coord_take_captures(&st->co, jobs, COLO_COORD_CAPTURES);
	for (i = 0; i < n; i++) {
		colo_capture_write(st->capture, jobs[i]);
		colo_capture_job_free(jobs[i]);
	}
}

static int open_capture(struct run_state *st)
{
	if (!st->opts.capture_dir)
		return 0;
	st->capture = colo_capture_open(st->opts.capture_dir,
					(uint64_t)st->opts.capture_max_mb << 20, st->opts.instance);
	if (!st->capture) {
		colo_err("capture directory %s: %s", st->opts.capture_dir, strerror(errno));
		return -errno;
	}
	return 0;
}

/* SIGHUP: the files the daemon writes are written anew (after logrotate, a moved dir). */
static void reopen_files(struct run_state *st)
{
	colo_info("SIGHUP: rewriting the metrics file, checking the capture directory");
	write_metrics(st);
	if (st->capture && colo_capture_reopen(st->capture))
		colo_warn("capture directory %s: %s", st->opts.capture_dir, strerror(errno));
}

static int main_loop(struct run_state *st, int sig_fd)
{
	struct colo_coord *co = &st->co;
	uint64_t interval = st->opts.stats_interval_s * COLO_NS_PER_S;
	uint64_t next_summary = colo_mono_ns() + interval;
	struct pollfd pfds[4 + 1 + COLO_CTL_MAX_CLIENTS];
	struct signalfd_siginfo si;
	eventfd_t v;
	int n, na, r;

	for (;;) {
		pfds[0] = (struct pollfd){.fd = sig_fd, .events = POLLIN};
		pfds[1] = (struct pollfd){.fd = co->wake_fd, .events = POLLIN};
		na = colo_agent_fds(co->agent, pfds + 2, 2);
		n = 2 + na;
		n += colo_ctl_fds(st->ctl, pfds + n, 1 + COLO_CTL_MAX_CLIENTS);
		r = poll(pfds, n, 200);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (pfds[0].revents & POLLIN && read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				reopen_files(st);
				continue;
			}
			colo_info("%s: shutting down", strsignal(si.ssi_signo));
			return 0;
		}
		if (pfds[1].revents & POLLIN)
			eventfd_read(co->wake_fd, &v);
		colo_coord_send_trigger(co);
		if (st->capture)
			write_captures(st);
		r = colo_agent_handle(co->agent, pfds + 2, na);
		if (r) {
			colo_err("agent socket failed: %s", strerror(-r));
			return r;
		}
		colo_exec_hook_supervise(st->hook);
		colo_ctl_handle(st->ctl, pfds + 2 + na, n - 2 - na, colo_mono_ns());
		if (colo_mono_ns() >= next_summary) {
			colo_stats_print_summary(co, "stats");
			write_metrics(st);
			next_summary += interval;
		}
	}
}

/* What the agent socket refused or lost over the run (each is bounded, and counted). */
static void log_agent_counters(const struct colo_agent_srv *srv)
{
	struct colo_agent_counters c;

	if (!srv)
		return;
	colo_agent_get_counters(srv, &c);
	colo_info("agent: accepted=%llu refused=%llu protocol_errors=%llu out_full=%llu "
		  "requests=%llu commits=%llu aborts=%llu",
		  (unsigned long long)c.accepted, (unsigned long long)c.refused,
		  (unsigned long long)c.protocol_errors, (unsigned long long)c.out_full,
		  (unsigned long long)c.requests, (unsigned long long)c.commits,
		  (unsigned long long)c.aborts);
}

static void teardown(struct run_state *st)
{
	struct colo_coord *co = &st->co;
	unsigned int i;
	int r;

	for (i = 0; i < co->nworkers; i++)
		colo_worker_stop(co->workers[i]);
	if (co->nworkers) {
		colo_stats_print_summary(co, "final");
		colo_stats_print_shards(co);
		write_metrics(st);
	}
	if (st->capture)
		write_captures(st);
	colo_capture_close(st->capture);
	for (i = 0; i < co->nworkers; i++)
		colo_worker_destroy(co->workers[i]);
	co->nworkers = 0;
	colo_exec_hook_stop(st->hook);
	log_agent_counters(co->agent);
	colo_ctl_close(st->ctl);
	colo_agent_close(co->agent);
	colo_instance_close(co->inst);
	if (!st->started) {
		if (!st->opts.keep)
			detach_own(st);
	} else if (st->opts.keep) {
		colo_info("--keep: instance '%s' stays attached and pinned", st->opts.instance);
	} else {
		r = colo_detach_instance(st->opts.instance);
		if (r && r != -ENOENT)
			colo_err("detaching instance '%s': %s", st->opts.instance, strerror(-r));
	}
	colo_coord_fini(co);
}

/* Only the main thread takes SIGINT/SIGTERM/SIGHUP, from a signalfd (workers inherit the mask). */
static int signal_fd(void)
{
	sigset_t sigs;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	return signalfd(-1, &sigs, SFD_CLOEXEC);
}

int cmd_run(int argc, char **argv)
{
	struct run_state st = {.co.wake_fd = -1};
	int sig_fd, owner, r;

	r = colo_run_parse_opts(argc, argv, &st.opts);
	if (r >= 0)
		return r;
	colo_log_set_format((enum colo_log_format)st.opts.log_format);
	/* Before anything else: a running daemon of this instance is left alone. */
	owner = colo_owner_take(st.opts.instance);
	if (owner < 0)
		return COLO_EXIT_RUNTIME;
	setvbuf(stdout, NULL, _IOLBF, 0);
	sig_fd = signal_fd();
	if (sig_fd < 0 || colo_coord_init(&st.co)) {
		colo_err("signalfd/eventfd: %s", strerror(errno));
		close(owner);
		return COLO_EXIT_RUNTIME;
	}
	colo_log_init();
	if (colo_bpffs_ensure() || attach_roles(&st)) {
		if (!st.opts.keep)
			detach_own(&st);
		close(sig_fd);
		colo_coord_fini(&st.co);
		close(owner);
		return COLO_EXIT_RUNTIME;
	}
	st.co.inst = colo_instance_open(st.opts.instance);
	r = st.co.inst ? open_agent(&st) : -errno;
	if (!r)
		r = open_control(&st);
	if (!r)
		r = open_capture(&st);
	if (!r)
		r = start_workers(&st);
	if (!r) {
		colo_info("running: instance=%s outside=%s primary=%s secondary=%s shards=%u "
			  "release=%s mode=%s agent=%s",
			  st.opts.instance, st.opts.ifname[0], st.opts.ifname[1], st.opts.ifname[2],
			  st.co.nworkers, colo_release_mode_name(st.opts.release),
			  colo_enum_name(run_mode_names, st.opts.mode), st.opts.agent_path);
		st.started = true;
		/* systemd Type=notify: ready once attached and comparing (no-op outside systemd).
		 */
		sd_notifyf(0, "READY=1\nSTATUS=comparing: instance %s, %u shards", st.opts.instance,
			   st.co.nworkers);
		write_metrics(&st);
		r = main_loop(&st, sig_fd);
	}
	sd_notify(0, "STOPPING=1");
	teardown(&st);
	close(sig_fd);
	close(owner);
	return r ? COLO_EXIT_RUNTIME : COLO_EXIT_OK;
}
