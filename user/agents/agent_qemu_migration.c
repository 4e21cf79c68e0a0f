// SPDX-License-Identifier: GPL-2.0-only
/*
 * `colo-xdp agent qemu --mode migration`: full-state checkpoints of plain QEMU VMs by live
 * migration. The steps and their order are lib/qemu_migrate.c's; this file carries them out:
 * two QMP connections, the secondary QEMU process (ours unless --secondary-running), the
 * dataplane connection, one poll loop.
 *
 * The secondary counts as gone when our child exited (its QMP EOF alone only hurries the
 * kill, and only of the launch that session belongs to: a new secondary must not start while
 * the old one still holds the tap, and the old one's late EOF must not kill the new one) or,
 * for a secondary someone else started, when its QMP hits EOF.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agents/agent_client.h"
#include "agents/agent_qemu.h"
#include "agents/qmp_conn.h"
#include "commands.h"
#include "lib/qemu_migrate.h"

#define QUIT_GRACE_NS (500 * COLO_NS_PER_MS) /* after "quit", SIGKILL our secondary */

struct qmp_side {
	struct qmp_conn q;
	uint64_t pending; /* id of the step's command awaiting its reply, 0: none */
};

struct migration {
	const struct qemu_opts *o;
	struct qmig m;
	struct agent_client ac;
	struct qmp_side pri, sec;
	uint64_t params_id; /* the primary's migrate-set-parameters awaiting its reply, 0: none */
	pid_t sec_pid;	    /* our secondary's process (group), 0: none */
	bool sec_reported;  /* the current secondary's end was reported */
	uint64_t kill_at;   /* SIGKILL our secondary at this time (0: not planned) */
	bool sec_external;  /* the current secondary is not ours */
	bool stop;
	int exit_code;
};

static void perform(struct migration *g, const struct qmig_action *a);

static struct qmp_side *side_of(struct migration *g, struct qmp_conn *q)
{
	return q == &g->pri.q ? &g->pri : &g->sec;
}

/* ---- the secondary process ------------------------------------------------------------ */

static void launch(struct migration *g, bool incoming)
{
	char cmd[8192];
	int pid;

	snprintf(cmd, sizeof(cmd), "%s%s", g->o->secondary_cmd, incoming ? " -incoming defer" : "");
	pid = agent_spawn(cmd, NULL, -1);
	if (pid < 0) {
		agent_log("secondary not started: %s", strerror(-pid));
		g->sec_pid = 0;
		return;
	}
	g->sec_pid = pid;
	g->sec_reported = false;
	g->sec_external = false;
	qmp_conn_want(&g->sec.q, true, colo_mono_ns());
	agent_log("secondary started (pid %d)%s", pid, incoming ? ", incoming" : "");
}

static void kill_secondary(struct migration *g)
{
	if (g->sec_pid > 0)
		kill(-g->sec_pid, SIGKILL);
	g->kill_at = 0;
}

/* The current secondary ended (once per secondary). */
static void secondary_gone(struct migration *g, const char *why)
{
	struct qmig_action a;

	if (g->sec_reported)
		return;
	g->sec_reported = true;
	qmp_conn_want(&g->sec.q, false, 0);
	g->sec.pending = 0;
	qmp_conn_close(&g->sec.q);
	agent_log("secondary gone (%s)", why);
	qmig_secondary_gone(&g->m, colo_mono_ns(), &a);
	perform(g, &a);
}

static void end_secondary(struct migration *g)
{
	bool had_qmp = g->sec.q.ready;

	if (had_qmp)
		qmp_conn_send(&g->sec.q, "quit", NULL);
	if (g->sec_pid > 0) {
		g->kill_at = colo_mono_ns() + (had_qmp ? QUIT_GRACE_NS : 0);
		return;
	}
	if (!had_qmp || g->sec_reported)
		secondary_gone(g, "not running");
}

static void reap(struct migration *g)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != g->sec_pid)
			continue;
		g->sec_pid = 0;
		g->kill_at = 0;
		secondary_gone(g, WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exited");
	}
}

/* ---- QMP -------------------------------------------------------------------------------- */

static void send_step(struct migration *g, struct qmp_side *s, const struct qmig_action *a)
{
	json_t *args = a->with_uri ? json_pack("{s:s}", "uri", g->o->migrate_uri) : NULL;
	struct qmig_action next;

	s->pending = qmp_conn_send(&s->q, a->cmd, args);
	json_decref(args);
	if (!s->pending) {
		qmig_done(&g->m, QMIG_FAILED, "QMP not connected", colo_mono_ns(), &next);
		perform(g, &next);
	}
}

/*
 * On every primary session, before any checkpoint's migrate (same connection, so in order):
 * QEMU's default max-bandwidth (128 MiB/s) would stretch the paused primary's migration of a
 * 128 MiB guest to ~0.6 s. The primary is paused already, so downtime-limit does not matter.
 */
static void set_migration_parameters(struct migration *g)
{
	json_t *args =
		json_pack("{s:I}", "max-bandwidth", (json_int_t)(g->o->max_bandwidth_mib << 20));

	g->params_id = qmp_conn_send(&g->pri.q, "migrate-set-parameters", args);
	json_decref(args);
}

static void on_ready(void *ctx, struct qmp_conn *q)
{
	struct migration *g = ctx;
	struct qmig_action a;

	agent_log("%s QMP ready", q->name);
	if (q == &g->pri.q)
		set_migration_parameters(g);
	if (q == &g->sec.q && g->m.step == QMIG_LAUNCH) {
		qmig_done(&g->m, QMIG_OK, NULL, colo_mono_ns(), &a);
		perform(g, &a);
	}
}

static void on_reply(void *ctx, struct qmp_conn *q, const struct qmp_msg *m)
{
	struct migration *g = ctx;
	struct qmp_side *s = side_of(g, q);
	enum qmig_result r = QMIG_OK;
	struct qmig_action a;

	if (q == &g->pri.q && g->params_id && m->has_id && m->id == g->params_id) {
		g->params_id = 0;
		if (m->kind == QMP_ERROR)
			agent_log("primary QMP: migrate-set-parameters: %s", m->err_desc);
		else
			agent_log("primary migration max-bandwidth %" PRIu64 " MiB/s",
				  g->o->max_bandwidth_mib);
		return;
	}
	if (!s->pending || !m->has_id || m->id != s->pending)
		return;
	s->pending = 0;
	if (m->kind == QMP_ERROR)
		r = QMIG_FAILED;
	else if (g->m.step == QMIG_WAIT)
		r = qmig_status_result(qmp_value_str(m, "status"));
	if (r == QMIG_FAILED)
		agent_log("%s QMP: %s", q->name,
			  m->kind == QMP_ERROR ? m->err_desc : "migration failed");
	qmig_done(&g->m, r, m->kind == QMP_ERROR ? m->err_desc : "migration failed", colo_mono_ns(),
		  &a);
	perform(g, &a);
}

static void on_event(void *ctx, struct qmp_conn *q, const struct qmp_msg *m)
{
	(void)ctx;
	if (strcmp(m->event, "MIGRATION") && strcmp(m->event, "MIGRATION_PASS"))
		agent_log("%s QMP event %s", q->name, m->event);
}

/* A secondary QMP session ended: only its own launch is hurried (see qmig_qmp_lost()). */
static void lost_secondary_session(struct migration *g, int session_pgid)
{
	int child = g->sec_external ? 0 : g->sec_pid;

	switch (qmig_qmp_lost(child, session_pgid)) {
	case QMIG_LOST_GONE:
		secondary_gone(g, "its QMP closed");
		return;
	case QMIG_LOST_KILL:
		kill_secondary(g); /* it is going: make sure, and wait for its exit */
		return;
	case QMIG_LOST_IGNORE:
		agent_log("secondary QMP session of process group %d, not of our secondary "
			  "(pid %d): nothing killed",
			  session_pgid, g->sec_pid);
		return;
	}
}

static void on_lost(void *ctx, struct qmp_conn *q, const char *why)
{
	struct migration *g = ctx;
	struct qmp_side *s = side_of(g, q);
	uint64_t pending = s->pending;
	struct qmig_action a;

	agent_log("%s QMP lost (%s)", q->name, why);
	s->pending = 0;
	if (q == &g->sec.q) {
		lost_secondary_session(g, q->peer_pgid);
		return;
	}
	if (pending) {
		qmig_done(&g->m, QMIG_FAILED, "primary QMP lost", colo_mono_ns(), &a);
		perform(g, &a);
	}
}

/* ---- the checkpoint's actions ------------------------------------------------------------ */

static void report(struct migration *g, uint32_t txid)
{
	struct qmig_figures f;

	qmig_figures(&g->m, &f);
	agent_log("checkpoint %u committed: latency_ms=%.1f pause_ms=%.1f migrate_ms=%.1f", txid,
		  f.latency_ms, f.pause_ms, f.migrate_ms);
	if (g->m.why[0])
		agent_log("checkpoint %u: %s", txid, g->m.why);
}

static void agent_msg(struct migration *g, enum colo_agent_type type, uint32_t txid)
{
	if (type == COLO_AGENT_CHECKPOINT_COMMIT && !txid && !agent_client_ready(&g->ac))
		return; /* nobody to tell: the next dataplane starts from the new state anyway */
	if (agent_client_send(&g->ac, type, txid, 0) == -ENOTCONN)
		agent_log("%s %u not sent: no dataplane", colo_agent_type_name(type), txid);
}

static void perform(struct migration *g, const struct qmig_action *a)
{
	struct qmig_action next;
	uint64_t now = colo_mono_ns();

	switch (a->what) {
	case QMIG_DO_NOTHING:
		return;
	case QMIG_DO_QMP_PRIMARY:
		send_step(g, &g->pri, a);
		return;
	case QMIG_DO_QMP_SECONDARY:
		send_step(g, &g->sec, a);
		return;
	case QMIG_DO_END_SECONDARY:
		end_secondary(g);
		return;
	case QMIG_DO_LAUNCH:
		launch(g, true);
		if (!g->sec_pid) {
			qmig_done(&g->m, QMIG_FAILED, "secondary not started", now, &next);
			perform(g, &next);
		}
		return;
	case QMIG_DO_BEGIN:
		agent_msg(g, COLO_AGENT_CHECKPOINT_BEGIN, a->txid);
		break;
	case QMIG_DO_COMMIT:
		agent_msg(g, COLO_AGENT_CHECKPOINT_COMMIT, a->txid);
		break;
	case QMIG_DO_ABORT:
		agent_log("checkpoint %u aborted: %s", a->txid, g->m.why);
		agent_msg(g, COLO_AGENT_CHECKPOINT_ABORT, a->txid);
		break;
	case QMIG_DO_FAILOVER:
		agent_log("failover: %s", g->m.why);
		agent_msg(g, COLO_AGENT_FAILOVER, 0);
		break;
	case QMIG_DO_REPORT:
		report(g, a->txid);
		break;
	case QMIG_DO_LOG:
		agent_log("checkpoint %u (its dataplane is gone) ended: %s", a->txid, g->m.why);
		break;
	}
	qmig_next(&g->m, now, &next);
	perform(g, &next);
}

static void on_request(void *ctx, const struct colo_agent_msg *req)
{
	struct migration *g = ctx;
	struct qmig_action a;

	qmig_request(&g->m, req->txid, colo_mono_ns(), &a);
	perform(g, &a);
}

static void on_agent_lost(void *ctx)
{
	qmig_agent_lost(&((struct migration *)ctx)->m);
}

/* ---- the loop ----------------------------------------------------------------------------- */

static int timeout_ms(const struct migration *g, uint64_t now)
{
	uint64_t t = agent_client_wait_ns(&g->ac, now);

	t = min_ns(t, qmig_wait_ns(&g->m, now));
	t = min_ns(t, qmp_conn_wait_ns(&g->pri.q, now));
	t = min_ns(t, qmp_conn_wait_ns(&g->sec.q, now));
	if (g->kill_at)
		t = min_ns(t, g->kill_at > now ? g->kill_at - now : 0);
	return agent_poll_ms(t);
}

static void tick(struct migration *g, uint64_t now)
{
	struct qmig_action a;

	if (agent_client_tick(&g->ac, now)) {
		g->stop = true;
		g->exit_code = COLO_EXIT_RUNTIME;
		return;
	}
	qmp_conn_tick(&g->pri.q, now);
	qmp_conn_tick(&g->sec.q, now);
	if (g->kill_at && now >= g->kill_at)
		kill_secondary(g);
	qmig_tick(&g->m, now, &a);
	perform(g, &a);
}

static int loop(struct migration *g, int sfd)
{
	struct pollfd p[4];
	int n;

	while (!g->stop) {
		tick(g, colo_mono_ns());
		if (g->stop)
			break;
		p[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
		p[1] = (struct pollfd){.fd = agent_client_fd(&g->ac), .events = POLLIN};
		p[2] = (struct pollfd){.fd = g->pri.q.fd, .events = POLLIN};
		p[3] = (struct pollfd){.fd = g->sec.q.fd, .events = POLLIN};
		n = poll(p, 4, timeout_ms(g, colo_mono_ns()));
		if (n < 0 && errno != EINTR) {
			agent_log("poll: %s", strerror(errno));
			return COLO_EXIT_RUNTIME;
		}
		if (p[0].revents && agent_on_signals(sfd, &g->stop))
			reap(g);
		if (p[1].revents && agent_client_fd(&g->ac) >= 0)
			agent_client_input(&g->ac);
		if (p[2].revents && g->pri.q.fd >= 0)
			qmp_conn_input(&g->pri.q);
		if (p[3].revents && g->sec.q.fd >= 0 && g->sec.q.fd == p[3].fd)
			qmp_conn_input(&g->sec.q);
	}
	return g->exit_code;
}

int qemu_migration_run(const struct qemu_opts *o)
{
	const struct qmp_conn_ops qops = {
		.ready = on_ready, .reply = on_reply, .event = on_event, .lost = on_lost};
	struct agent_client_ops aops = {.request = on_request, .lost = on_agent_lost};
	static struct migration g;
	struct qmp_conn_ops q = qops;
	int sfd, rc;

	memset(&g, 0, sizeof(g));
	g.o = o;
	q.ctx = &g;
	aops.ctx = &g;
	qmig_init(&g.m, o->step_timeout_ms * COLO_NS_PER_MS, o->launch_timeout_ms * COLO_NS_PER_MS);
	qmp_conn_init(&g.pri.q, "primary", o->primary_qmp, &q);
	qmp_conn_init(&g.sec.q, "secondary", o->secondary_qmp, &q);
	agent_client_init(&g.ac, o->common.socket, COLO_AGENT_FEATURE_ORIGIN,
			  o->common.connect_timeout_ms, &aops);
	sfd = agent_signals();
	if (sfd < 0) {
		agent_log("signalfd: %s", strerror(errno));
		return COLO_EXIT_RUNTIME;
	}
	qmp_conn_want(&g.pri.q, true, colo_mono_ns());
	if (o->secondary_running) {
		g.sec_external = true;
		qmp_conn_want(&g.sec.q, true, colo_mono_ns());
	} else {
		launch(&g, false);
		if (!g.sec_pid)
			return COLO_EXIT_RUNTIME;
	}
	rc = loop(&g, sfd);
	if (!g.sec_external)
		kill_secondary(&g);
	agent_client_close(&g.ac);
	qmp_conn_close(&g.pri.q);
	qmp_conn_close(&g.sec.q);
	close(sfd);
	return rc;
}
