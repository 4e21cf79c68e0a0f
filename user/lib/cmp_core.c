// SPDX-License-Identifier: GPL-2.0-only
/* Comparator core: held frames and checkpoint triggers (see cmp_core.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cmp_core.h"

#define POOL_KEEP 4096 /* free frames kept for reuse */

struct cframe *cmp_frame_get(struct colo_cmp *cmp, struct conn *c, const struct colo_frame_in *in)
{
	struct cframe *f = cmp->pool;

	if (f) {
		cmp->pool = f->q.tqe_next;
		cmp->pool_len--;
	} else if (!(f = malloc(sizeof(*f)))) {
		return NULL;
	}
	/*
	 * Only the fields after len are zeroed: gcc turns a memset of the whole frame into
	 * "rep stos", and the fields read back right after cannot be forwarded from that.
	 */
	memset(&f->pl, 0, sizeof(*f) - offsetof(struct cframe, pl));
	f->conn = c;
	f->data = in->data;
	f->cookie = in->cookie;
	f->time_ns = in->time_ns;
	f->len = in->len;
	f->side = (uint8_t)in->side;
	if (in->rec && (in->rec->flags & COLO_REC_GSO))
		f->gso_size = in->rec->gso_size;
	return f;
}

static void frame_put(struct colo_cmp *cmp, struct cframe *f)
{
	if (cmp->pool_len >= POOL_KEEP) {
		free(f);
		return;
	}
	f->q.tqe_next = cmp->pool;
	cmp->pool = f;
	cmp->pool_len++;
}

void cmp_pool_free(struct colo_cmp *cmp)
{
	struct cframe *f;

	while ((f = cmp->pool)) {
		cmp->pool = f->q.tqe_next;
		free(f);
	}
	cmp->pool_len = 0;
}

void cmp_hold(struct colo_cmp *cmp, struct cframe *f, struct cframe *before)
{
	struct conn *c = f->conn;

	if (before)
		TAILQ_INSERT_BEFORE(before, f, q);
	else
		TAILQ_INSERT_TAIL(&c->q[f->side], f, q);
	TAILQ_INSERT_TAIL(&cmp->age, f, age);
	c->nq[f->side]++;
	cmp->st.held[f->side]++;
	f->held = 1;
}

void cmp_unhold(struct colo_cmp *cmp, struct cframe *f)
{
	struct conn *c = f->conn;

	if (!f->held)
		return;
	TAILQ_REMOVE(&c->q[f->side], f, q);
	TAILQ_REMOVE(&cmp->age, f, age);
	if (f->in_pend)
		TAILQ_REMOVE(&c->tcp.pend, f, pend);
	else if (f->in_stuck)
		TAILQ_REMOVE(&c->tcp.stuck, f, pend);
	if (c->is_tcp && c->tcp.syn_frame == f)
		c->tcp.syn_frame = NULL;
	c->nq[f->side]--;
	cmp->st.held[f->side]--;
	f->held = 0;
	f->in_pend = 0;
	f->in_stuck = 0;
}

void cmp_close_conn(struct colo_cmp *cmp, struct conn *c)
{
	if (c->closed)
		return;
	TAILQ_REMOVE(&cmp->lru, c, lru);
	c->closed = true;
	c->lru_ns = c->last_ns;
	TAILQ_INSERT_TAIL(&cmp->closed, c, lru);
}

void cmp_release(struct colo_cmp *cmp, struct cframe *f)
{
	struct conn *c = f->conn;

	cmp_unhold(cmp, f);
	cmp->st.released++;
	cmp->st.released_bytes += f->len;
	cmp->ops.release(cmp->ctx, f->cookie, f->data, f->len);
	if (c->is_tcp &&
	    (f->kind == CF_RST || (f->kind == CF_DATA && (f->tcp_flags & COLO_TCP_FIN))))
		cmp_close_conn(cmp, c);
	frame_put(cmp, f);
}

void cmp_drop(struct colo_cmp *cmp, struct cframe *f, enum colo_drop_reason reason)
{
	cmp_unhold(cmp, f);
	cmp->st.dropped[reason]++;
	cmp->ops.drop(cmp->ctx, f->cookie, f->side, reason);
	frame_put(cmp, f);
}

void cmp_drop_raw(struct colo_cmp *cmp, const struct colo_frame_in *in,
		  enum colo_drop_reason reason)
{
	cmp->st.dropped[reason]++;
	cmp->ops.drop(cmp->ctx, in->cookie, in->side, reason);
}

bool cmp_trigger(struct colo_cmp *cmp, enum colo_cp_reason reason, const struct colo_flow_key *key,
		 const struct colo_cp_where *where, uint64_t time_ns)
{
	cmp->st.triggers[reason]++;
	if (cmp->pending)
		return false;
	cmp->pending = true;
	cmp->st.checkpoints[reason]++;
	cmp->ops.checkpoint(cmp->ctx, reason, key, where, time_ns);
	return true;
}

void cmp_diverge(struct colo_cmp *cmp, struct conn *c, const struct colo_cp_where *where,
		 uint64_t time_ns)
{
	if (c->diverged)
		return;
	c->diverged = true;
	c->checkpoints += cmp_trigger(cmp, COLO_CP_MISMATCH, &c->key, where, time_ns);
}

bool cmp_over_limit(struct colo_cmp *cmp, struct conn *c, struct cframe *f,
		    const struct colo_cp_where *where)
{
	c->checkpoints += cmp_trigger(cmp, COLO_CP_QUEUE_FULL, &c->key, where, f->time_ns);
	if (f->side == SIDE_P) {
		cmp->st.held_over_limit++;
		return false;
	}
	cmp_drop(cmp, f, COLO_DROP_OVERFLOW);
	return true;
}
