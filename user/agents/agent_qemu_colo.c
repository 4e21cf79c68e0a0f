// SPDX-License-Identifier: GPL-2.0-only
/*
 * `colo-xdp agent qemu --mode colo`: QEMU's own COLO, driven over QMP. The decisions are
 * lib/qemu_colo.c's (which also says what it relies on in QEMU); this file keeps the two QMP
 * connections (with reconnects), learns x-checkpoint-delay and the migration status whenever
 * the primary's QMP comes up, and turns the machine's actions into QMP commands and protocol
 * messages. The secondary's QMP is only watched: its EOF is the secondary's loss.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agents/agent_client.h"
#include "agents/agent_qemu.h"
#include "agents/qmp_conn.h"
#include "commands.h"
#include "lib/qemu_colo.h"

#define KICK_TIMEOUT_NS (10 * COLO_NS_PER_S) /* a requested checkpoint must begin by then */

struct colo {
	struct qcolo s;
	struct agent_client ac;
	struct qmp_conn pri, sec;
	json_int_t delay_ms; /* the primary's x-checkpoint-delay, -1: not known yet */
	uint64_t params_id, status_id, kick_id;
	bool stop;
	int exit_code;
};

static void perform(struct colo *c, const struct qcolo_out *o);

static void kick(struct colo *c)
{
	json_t *args;
	struct qcolo_out o;

	if (c->delay_ms < 0) {
		qcolo_kick_failed(&c->s, "x-checkpoint-delay not known yet", &o);
		perform(c, &o);
		return;
	}
	args = json_pack("{s:I}", "x-checkpoint-delay", c->delay_ms);
	c->kick_id = qmp_conn_send(&c->pri, "migrate-set-parameters", args);
	json_decref(args);
	if (!c->kick_id) {
		qcolo_kick_failed(&c->s, "primary QMP not connected", &o);
		perform(c, &o);
	}
}

static void perform(struct colo *c, const struct qcolo_out *o)
{
	unsigned int i;

	for (i = 0; i < o->n; i++) {
		uint32_t id = o->a[i].txid;

		switch (o->a[i].what) {
		case QCOLO_DO_KICK:
			kick(c);
			break;
		case QCOLO_DO_LOST_HEARTBEAT:
			agent_log("secondary lost: x-colo-lost-heartbeat on the primary");
			qmp_conn_send(&c->pri, "x-colo-lost-heartbeat", NULL);
			break;
		case QCOLO_DO_BEGIN:
			agent_client_send(&c->ac, COLO_AGENT_CHECKPOINT_BEGIN, id, 0);
			break;
		case QCOLO_DO_COMMIT:
			agent_log("checkpoint %u committed%s", id, id ? "" : " (periodic)");
			if (id || agent_client_ready(&c->ac))
				agent_client_send(&c->ac, COLO_AGENT_CHECKPOINT_COMMIT, id, 0);
			break;
		case QCOLO_DO_ABORT:
			agent_log("checkpoint %u aborted: %s", id, c->s.why);
			agent_client_send(&c->ac, COLO_AGENT_CHECKPOINT_ABORT, id, 0);
			break;
		case QCOLO_DO_FAILOVER:
			agent_log("failover: %s", c->s.why);
			agent_client_send(&c->ac, COLO_AGENT_FAILOVER, 0, 0);
			break;
		}
	}
}

static void on_ready(void *ctx, struct qmp_conn *q)
{
	struct colo *c = ctx;

	agent_log("%s QMP ready", q->name);
	if (q != &c->pri)
		return;
	c->params_id = qmp_conn_send(q, "query-migrate-parameters", NULL);
	c->status_id = qmp_conn_send(q, "query-migrate", NULL);
}

static void on_reply(void *ctx, struct qmp_conn *q, const struct qmp_msg *m)
{
	struct colo *c = ctx;
	struct qcolo_out o = {0};
	json_t *v;

	if (q != &c->pri || !m->has_id)
		return;
	if (m->id == c->params_id) {
		v = json_object_get(m->value, "x-checkpoint-delay");
		if (json_is_integer(v))
			c->delay_ms = json_integer_value(v);
		agent_log("primary x-checkpoint-delay %lld ms", (long long)c->delay_ms);
	} else if (m->id == c->status_id && m->kind == QMP_RETURN) {
		qcolo_status(&c->s, qmp_value_str(m, "status"), &o);
		agent_log("primary migration status %s: %s",
			  qmp_value_str(m, "status") ? qmp_value_str(m, "status") : "none",
			  qcolo_state_name(c->s.state));
	} else if (m->id == c->kick_id && m->kind == QMP_ERROR) {
		qcolo_kick_failed(&c->s, m->err_desc, &o);
	} else if (m->kind == QMP_ERROR) {
		agent_log("primary QMP error: %s", m->err_desc);
	}
	perform(c, &o);
}

static void on_event(void *ctx, struct qmp_conn *q, const struct qmp_msg *m)
{
	struct colo *c = ctx;
	struct qcolo_out o = {0};

	if (q != &c->pri) {
		if (!strcmp(m->event, "COLO_EXIT"))
			agent_log("secondary COLO_EXIT (%s): the secondary took over",
				  qmp_value_str(m, "reason") ? qmp_value_str(m, "reason") : "?");
		return;
	}
	if (!strcmp(m->event, "STOP"))
		qcolo_stop(&c->s, &o);
	else if (!strcmp(m->event, "RESUME"))
		qcolo_resume(&c->s, &o);
	else if (!strcmp(m->event, "COLO_EXIT"))
		qcolo_colo_exit(&c->s, qmp_value_str(m, "reason"), &o);
	else if (!strcmp(m->event, "MIGRATION"))
		qcolo_status(&c->s, qmp_value_str(m, "status"), &o);
	perform(c, &o);
}

static void on_lost(void *ctx, struct qmp_conn *q, const char *why)
{
	struct colo *c = ctx;
	struct qcolo_out o;

	agent_log("%s QMP lost (%s)", q->name, why);
	if (q == &c->sec) {
		qcolo_secondary_lost(&c->s, &o);
	} else {
		c->delay_ms = -1;
		qcolo_primary_lost(&c->s, &o);
	}
	perform(c, &o);
}

static void on_request(void *ctx, const struct colo_agent_msg *req)
{
	struct colo *c = ctx;
	struct qcolo_out o;

	qcolo_request(&c->s, req->txid, colo_mono_ns(), &o);
	perform(c, &o);
}

static void on_agent_lost(void *ctx)
{
	qcolo_agent_lost(&((struct colo *)ctx)->s);
}

static void tick(struct colo *c, uint64_t now)
{
	struct qcolo_out o;

	if (agent_client_tick(&c->ac, now)) {
		c->stop = true;
		c->exit_code = COLO_EXIT_RUNTIME;
		return;
	}
	qmp_conn_tick(&c->pri, now);
	qmp_conn_tick(&c->sec, now);
	qcolo_tick(&c->s, now, &o);
	perform(c, &o);
}

static int loop(struct colo *c, int sfd)
{
	struct pollfd p[4];
	uint64_t now, t;

	while (!c->stop) {
		now = colo_mono_ns();
		tick(c, now);
		if (c->stop)
			break;
		t = min_ns(agent_client_wait_ns(&c->ac, now), qcolo_wait_ns(&c->s, now));
		t = min_ns(t,
			   min_ns(qmp_conn_wait_ns(&c->pri, now), qmp_conn_wait_ns(&c->sec, now)));
		p[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
		p[1] = (struct pollfd){.fd = agent_client_fd(&c->ac), .events = POLLIN};
		p[2] = (struct pollfd){.fd = c->pri.fd, .events = POLLIN};
		p[3] = (struct pollfd){.fd = c->sec.fd, .events = POLLIN};
		if (poll(p, 4, agent_poll_ms(t)) < 0 && errno != EINTR) {
			agent_log("poll: %s", strerror(errno));
			return COLO_EXIT_RUNTIME;
		}
		if (p[0].revents)
			agent_on_signals(sfd, &c->stop);
		if (p[1].revents && agent_client_fd(&c->ac) == p[1].fd)
			agent_client_input(&c->ac);
		if (p[2].revents && c->pri.fd == p[2].fd)
			qmp_conn_input(&c->pri);
		if (p[3].revents && c->sec.fd == p[3].fd)
			qmp_conn_input(&c->sec);
	}
	return c->exit_code;
}

int qemu_colo_run(const struct qemu_opts *o)
{
	struct qmp_conn_ops qops = {
		.ready = on_ready, .reply = on_reply, .event = on_event, .lost = on_lost};
	struct agent_client_ops aops = {.request = on_request, .lost = on_agent_lost};
	static struct colo c;
	int sfd, rc;

	memset(&c, 0, sizeof(c));
	c.delay_ms = -1;
	qops.ctx = aops.ctx = &c;
	qcolo_init(&c.s, KICK_TIMEOUT_NS);
	qmp_conn_init(&c.pri, "primary", o->primary_qmp, &qops);
	qmp_conn_init(&c.sec, "secondary", o->secondary_qmp, &qops);
	agent_client_init(&c.ac, o->common.socket, COLO_AGENT_FEATURE_ORIGIN,
			  o->common.connect_timeout_ms, &aops);
	sfd = agent_signals();
	if (sfd < 0) {
		agent_log("signalfd: %s", strerror(errno));
		return COLO_EXIT_RUNTIME;
	}
	qmp_conn_want(&c.pri, true, colo_mono_ns());
	qmp_conn_want(&c.sec, true, colo_mono_ns());
	rc = loop(&c, sfd);
	agent_client_close(&c.ac);
	qmp_conn_close(&c.pri);
	qmp_conn_close(&c.sec);
	close(sfd);
	return rc;
}
