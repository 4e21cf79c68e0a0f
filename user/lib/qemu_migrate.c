// SPDX-License-Identifier: GPL-2.0-only
/* The migration-mode checkpoint state machine (see lib/qemu_migrate.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/names.h"
#include "lib/qemu_migrate.h"

static const char *const step_names[QMIG_STEP_MAX] = {
	[QMIG_IDLE] = "idle",
	[QMIG_STOP] = "stop the primary",
	[QMIG_END_SEC] = "end the secondary",
	[QMIG_LAUNCH] = "launch the incoming secondary",
	[QMIG_INCOMING] = "migrate-incoming on the secondary",
	[QMIG_MIGRATE] = "migrate on the primary",
	[QMIG_WAIT] = "wait for the migration",
	[QMIG_COMMIT] = "commit",
	[QMIG_CONT_SEC] = "cont the secondary",
	[QMIG_CONT_PRI] = "cont the primary",
	[QMIG_RECOVER] = "resume the primary after a failure",
	[QMIG_FAILED_OVER] = "failed over",
};

const char *qmig_step_name(unsigned int step)
{
	return COLO_NAME_OF(step_names, step);
}

enum qmig_result qmig_status_result(const char *status)
{
	if (!status)
		return QMIG_FAILED;
	if (!strcmp(status, "completed"))
		return QMIG_OK;
	if (!strcmp(status, "failed") || !strcmp(status, "cancelled") ||
	    !strcmp(status, "cancelling") || !strcmp(status, "none"))
		return QMIG_FAILED;
	return QMIG_ACTIVE; /* setup, active, device, pre-switchover, ... */
}

void qmig_init(struct qmig *m, uint64_t step_timeout_ns, uint64_t launch_timeout_ns)
{
	memset(m, 0, sizeof(*m));
	m->step_timeout_ns = step_timeout_ns;
	m->launch_timeout_ns = launch_timeout_ns;
}

static void set_step(struct qmig *m, enum qmig_step step, uint64_t now)
{
	m->step = step;
	if (step == QMIG_IDLE || step == QMIG_FAILED_OVER || step == QMIG_COMMIT)
		m->deadline_ns = 0;
	else
		m->deadline_ns =
			now + (step == QMIG_LAUNCH ? m->launch_timeout_ns : m->step_timeout_ns);
}

static void act(struct qmig_action *a, enum qmig_do what, const char *cmd, bool with_uri,
		uint32_t txid)
{
	*a = (struct qmig_action){what, cmd, with_uri, txid};
}

/* The txid to report to the dataplane: 0 once the one that asked is gone. */
static uint32_t reported(const struct qmig *m)
{
	return m->reporting ? m->txid : 0;
}

static void __attribute__((format(printf, 2, 3))) set_why(struct qmig *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
}

static void start(struct qmig *m, uint32_t txid, uint64_t now, struct qmig_action *a)
{
	m->txid = txid;
	m->reporting = true;
	m->t_request = now;
	m->t_stopped = m->t_migrate = m->t_migrated = m->t_committed = m->t_resumed = 0;
	m->why[0] = '\0';
	set_step(m, QMIG_STOP, now);
	act(a, QMIG_DO_QMP_PRIMARY, "stop", false, 0);
}

/* Before COMMIT, a failure resumes the primary and aborts; after it, the primary resumes. */
static void fail(struct qmig *m, const char *why, uint64_t now, struct qmig_action *a)
{
	if (m->step == QMIG_CONT_SEC) {
		set_why(m, "%s: %s", qmig_step_name(m->step), why);
		set_step(m, QMIG_CONT_PRI, now);
		act(a, QMIG_DO_QMP_PRIMARY, "cont", false, 0);
		return;
	}
	if (m->step == QMIG_CONT_PRI || m->step == QMIG_RECOVER) {
		set_why(m, "%s: %s (the primary may still be paused)", qmig_step_name(m->step),
			why);
		m->after = QMIG_IDLE;
		if (m->step == QMIG_CONT_PRI)
			act(a, QMIG_DO_REPORT, NULL, false, m->txid);
		else
			act(a, m->reporting ? QMIG_DO_ABORT : QMIG_DO_LOG, NULL, false, m->txid);
		set_step(m, QMIG_IDLE, now);
		return;
	}
	set_why(m, "%s: %s", qmig_step_name(m->step), why);
	set_step(m, QMIG_RECOVER, now);
	act(a, QMIG_DO_QMP_PRIMARY, "cont", false, 0);
}

void qmig_request(struct qmig *m, uint32_t txid, uint64_t now, struct qmig_action *a)
{
	act(a, QMIG_DO_NOTHING, NULL, false, 0);
	switch (m->step) {
	case QMIG_FAILED_OVER:
		set_why(m, "the secondary is lost: failover was declared");
		m->after = QMIG_FAILED_OVER;
		act(a, QMIG_DO_ABORT, NULL, false, txid);
		return;
	case QMIG_IDLE:
		start(m, txid, now, a);
		return;
	case QMIG_STOP:
		/* Paused soon, before anything is copied: this checkpoint covers the request. */
		m->txid = txid;
		m->reporting = true;
		return;
	case QMIG_END_SEC:
	case QMIG_LAUNCH:
	case QMIG_INCOMING:
	case QMIG_MIGRATE:
	case QMIG_WAIT:
		m->txid = txid;
		m->reporting = true;
		m->after = m->step;
		act(a, QMIG_DO_BEGIN, NULL, false, txid);
		return;
	default:
		m->queued = txid; /* the primary resumes (or recovers): the next checkpoint */
		return;
	}
}

void qmig_next(struct qmig *m, uint64_t now, struct qmig_action *a)
{
	uint32_t queued = m->queued;

	act(a, QMIG_DO_NOTHING, NULL, false, 0);
	switch (m->after) {
	case QMIG_END_SEC:
		if (m->step == QMIG_STOP) {
			set_step(m, QMIG_END_SEC, now);
			act(a, QMIG_DO_END_SECONDARY, NULL, false, 0);
		}
		return;
	case QMIG_CONT_SEC:
		set_step(m, QMIG_CONT_SEC, now);
		act(a, QMIG_DO_QMP_SECONDARY, "cont", false, 0);
		return;
	case QMIG_FAILED_OVER:
		if (m->step == QMIG_FAILED_OVER)
			return;
		set_why(m, "the secondary died");
		set_step(m, QMIG_FAILED_OVER, now);
		act(a, QMIG_DO_FAILOVER, NULL, false, 0);
		return;
	case QMIG_IDLE:
		if (m->secondary_lost) {
			m->after = QMIG_FAILED_OVER;
			qmig_next(m, now, a);
			return;
		}
		set_step(m, QMIG_IDLE, now);
		m->queued = 0;
		if (queued)
			start(m, queued, now, a);
		return;
	default:
		return; /* a BEGIN for a request taken into a running step: that step goes on */
	}
}

void qmig_done(struct qmig *m, enum qmig_result r, const char *why, uint64_t now,
	       struct qmig_action *a)
{
	act(a, QMIG_DO_NOTHING, NULL, false, 0);
	if (m->step == QMIG_WAIT && r == QMIG_ACTIVE) {
		m->poll_at_ns = now + QMIG_POLL_NS;
		return;
	}
	if (m->step == QMIG_RECOVER) {
		m->after = QMIG_IDLE;
		if (r != QMIG_OK)
			set_why(m, "%s; and the primary did not resume: %s", m->why,
				why ? why : "failed");
		set_step(m, QMIG_IDLE, now);
		act(a, m->reporting ? QMIG_DO_ABORT : QMIG_DO_LOG, NULL, false, m->txid);
		return;
	}
	if (r != QMIG_OK) {
		if (m->step != QMIG_IDLE && m->step != QMIG_FAILED_OVER && m->step != QMIG_COMMIT)
			fail(m, why ? why : "failed", now, a);
		return;
	}
	switch (m->step) {
	case QMIG_STOP:
		m->t_stopped = now;
		m->after = QMIG_END_SEC;
		if (m->reporting) {
			act(a, QMIG_DO_BEGIN, NULL, false, m->txid);
			return;
		}
		qmig_next(m, now, a);
		return;
	case QMIG_END_SEC:
		set_step(m, QMIG_LAUNCH, now);
		act(a, QMIG_DO_LAUNCH, NULL, false, 0);
		return;
	case QMIG_LAUNCH:
		set_step(m, QMIG_INCOMING, now);
		act(a, QMIG_DO_QMP_SECONDARY, "migrate-incoming", true, 0);
		return;
	case QMIG_INCOMING:
		m->t_migrate = now;
		set_step(m, QMIG_MIGRATE, now);
		act(a, QMIG_DO_QMP_PRIMARY, "migrate", true, 0);
		return;
	case QMIG_MIGRATE:
		set_step(m, QMIG_WAIT, now);
		m->poll_at_ns = 0;
		act(a, QMIG_DO_QMP_PRIMARY, "query-migrate", false, 0);
		return;
	case QMIG_WAIT:
		m->t_migrated = m->t_committed = now;
		m->committed++;
		set_step(m, QMIG_COMMIT, now);
		m->after = QMIG_CONT_SEC;
		act(a, QMIG_DO_COMMIT, NULL, false, reported(m));
		return;
	case QMIG_CONT_SEC:
		set_step(m, QMIG_CONT_PRI, now);
		act(a, QMIG_DO_QMP_PRIMARY, "cont", false, 0);
		return;
	case QMIG_CONT_PRI:
		m->t_resumed = now;
		m->after = QMIG_IDLE;
		set_step(m, QMIG_IDLE, now);
		act(a, QMIG_DO_REPORT, NULL, false, m->txid);
		return;
	default:
		return;
	}
}

void qmig_secondary_gone(struct qmig *m, uint64_t now, struct qmig_action *a)
{
	act(a, QMIG_DO_NOTHING, NULL, false, 0);
	switch (m->step) {
	case QMIG_IDLE:
		m->after = QMIG_FAILED_OVER;
		qmig_next(m, now, a);
		return;
	case QMIG_STOP:
		return; /* it was about to be replaced anyway: ending it finds it gone */
	case QMIG_END_SEC:
		qmig_done(m, QMIG_OK, NULL, now, a);
		return;
	case QMIG_FAILED_OVER:
		return;
	case QMIG_COMMIT:
	case QMIG_CONT_PRI:
	case QMIG_RECOVER:
		m->secondary_lost = true;
		return;
	default:
		m->secondary_lost = true;
		fail(m, "the secondary died", now, a);
		return;
	}
}

void qmig_tick(struct qmig *m, uint64_t now, struct qmig_action *a)
{
	act(a, QMIG_DO_NOTHING, NULL, false, 0);
	if (m->deadline_ns && now >= m->deadline_ns) {
		m->deadline_ns = 0;
		fail(m, "timed out", now, a);
		return;
	}
	if (m->step == QMIG_WAIT && m->poll_at_ns && now >= m->poll_at_ns) {
		m->poll_at_ns = 0;
		act(a, QMIG_DO_QMP_PRIMARY, "query-migrate", false, 0);
	}
}

uint64_t qmig_wait_ns(const struct qmig *m, uint64_t now)
{
	uint64_t next = m->deadline_ns ? m->deadline_ns : UINT64_MAX;

	if (m->step == QMIG_WAIT && m->poll_at_ns && m->poll_at_ns < next)
		next = m->poll_at_ns;
	if (next == UINT64_MAX)
		return next;
	return next > now ? next - now : 0;
}

void qmig_agent_lost(struct qmig *m)
{
	m->reporting = false;
	m->queued = 0;
}

enum qmig_lost_do qmig_qmp_lost(int child_pgid, int session_pgid)
{
	if (child_pgid <= 0)
		return QMIG_LOST_GONE;
	return session_pgid == child_pgid ? QMIG_LOST_KILL : QMIG_LOST_IGNORE;
}

static double ms_between(uint64_t from, uint64_t to)
{
	return from && to >= from ? (double)(to - from) / 1e6 : 0.0;
}

void qmig_figures(const struct qmig *m, struct qmig_figures *f)
{
	f->latency_ms = ms_between(m->t_request, m->t_committed);
	f->pause_ms = ms_between(m->t_stopped, m->t_resumed);
	f->migrate_ms = ms_between(m->t_migrate, m->t_migrated);
}
