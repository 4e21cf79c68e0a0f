// SPDX-License-Identifier: GPL-2.0-only
/* The COLO-mode adapter's state machine (see lib/qemu_colo.h). */
#include <stdio.h>
#include <string.h>

#include "lib/names.h"
#include "lib/qemu_colo.h"

static const char *const state_names[] = {
	[QCOLO_WAITING] = "waiting for COLO", [QCOLO_IDLE] = "idle",	 [QCOLO_KICKED] = "kicked",
	[QCOLO_STOPPED] = "checkpoint",	      [QCOLO_EXITED] = "exited",
};

const char *qcolo_state_name(unsigned int state)
{
	return COLO_NAME_OF(state_names, state);
}

void qcolo_init(struct qcolo *s, uint64_t kick_timeout_ns)
{
	memset(s, 0, sizeof(*s));
	s->kick_timeout_ns = kick_timeout_ns;
}

static void put(struct qcolo_out *o, enum qcolo_do what, uint32_t txid)
{
	if (o->n < sizeof(o->a) / sizeof(o->a[0])) {
		o->a[o->n].what = what;
		o->a[o->n].txid = txid;
		o->n++;
	}
}

static void abort_inflight(struct qcolo *s, const char *why, struct qcolo_out *o)
{
	if (!s->txid)
		return;
	snprintf(s->why, sizeof(s->why), "%s", why);
	put(o, QCOLO_DO_ABORT, s->txid);
	s->txid = 0;
}

void qcolo_status(struct qcolo *s, const char *status, struct qcolo_out *o)
{
	o->n = 0;
	if (s->state == QCOLO_WAITING && status && !strcmp(status, "colo"))
		s->state = QCOLO_IDLE;
}

void qcolo_request(struct qcolo *s, uint32_t txid, uint64_t now, struct qcolo_out *o)
{
	o->n = 0;
	switch (s->state) {
	case QCOLO_IDLE:
		s->txid = txid;
		s->state = QCOLO_KICKED;
		s->kick_deadline = now + s->kick_timeout_ns;
		put(o, QCOLO_DO_KICK, txid);
		return;
	case QCOLO_STOPPED:
		if (s->txid)
			return; /* the session allows one request in flight: cannot happen */
		s->txid = txid;
		put(o, QCOLO_DO_BEGIN, txid);
		return;
	case QCOLO_KICKED:
		return;
	case QCOLO_WAITING:
		s->txid = txid;
		abort_inflight(s, "the primary is not in COLO", o);
		return;
	case QCOLO_EXITED:
		s->txid = txid;
		abort_inflight(s, "COLO has ended (failed over)", o);
		return;
	}
}

void qcolo_stop(struct qcolo *s, struct qcolo_out *o)
{
	o->n = 0;
	if (s->state != QCOLO_IDLE && s->state != QCOLO_KICKED)
		return;
	if (s->state == QCOLO_KICKED)
		put(o, QCOLO_DO_BEGIN, s->txid);
	s->state = QCOLO_STOPPED;
}

void qcolo_resume(struct qcolo *s, struct qcolo_out *o)
{
	o->n = 0;
	if (s->state != QCOLO_STOPPED)
		return;
	put(o, QCOLO_DO_COMMIT, s->txid);
	s->txid = 0;
	s->state = QCOLO_IDLE;
}

void qcolo_kick_failed(struct qcolo *s, const char *why, struct qcolo_out *o)
{
	o->n = 0;
	if (s->state != QCOLO_KICKED)
		return;
	s->state = QCOLO_IDLE;
	abort_inflight(s, why, o);
}

void qcolo_colo_exit(struct qcolo *s, const char *reason, struct qcolo_out *o)
{
	char why[QCOLO_WHY_LEN];

	o->n = 0;
	if (s->state == QCOLO_EXITED)
		return;
	snprintf(why, sizeof(why), "COLO ended (reason %s)", reason ? reason : "?");
	abort_inflight(s, why, o);
	snprintf(s->why, sizeof(s->why), "%s", why);
	s->state = QCOLO_EXITED;
	put(o, QCOLO_DO_FAILOVER, 0);
}

void qcolo_secondary_lost(struct qcolo *s, struct qcolo_out *o)
{
	o->n = 0;
	if (s->state == QCOLO_EXITED || s->state == QCOLO_WAITING || s->heartbeat_lost)
		return;
	s->heartbeat_lost = true;
	put(o, QCOLO_DO_LOST_HEARTBEAT, 0);
}

void qcolo_primary_lost(struct qcolo *s, struct qcolo_out *o)
{
	o->n = 0;
	if (s->state == QCOLO_EXITED)
		return;
	abort_inflight(s, "the primary's QMP went away", o);
	s->state = QCOLO_WAITING; /* until query-migrate on the new connection says colo */
}

void qcolo_tick(struct qcolo *s, uint64_t now, struct qcolo_out *o)
{
	o->n = 0;
	if (s->state == QCOLO_KICKED && now >= s->kick_deadline)
		qcolo_kick_failed(s, "no checkpoint (STOP) followed the request in time", o);
}

uint64_t qcolo_wait_ns(const struct qcolo *s, uint64_t now)
{
	if (s->state != QCOLO_KICKED)
		return UINT64_MAX;
	return s->kick_deadline > now ? s->kick_deadline - now : 0;
}

void qcolo_agent_lost(struct qcolo *s)
{
	s->txid = 0;
	if (s->state == QCOLO_KICKED)
		s->state = QCOLO_IDLE; /* the kick stands: its checkpoint commits as txid 0 */
}
