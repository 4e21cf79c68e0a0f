// SPDX-License-Identifier: GPL-2.0-only
/*
 * TCP stream comparison. Both sides' bytes are walked by sequence number in the primary's
 * sequence space (secondary sequence - offset), whatever the segmentation. t->next is the first
 * primary-space byte not compared yet. Primary segments leave in the order they were sent, each
 * once all its bytes (and its FIN, compared like a byte) matched or were verified: bytes below
 * t->next, retransmitted, are checked against a copy of the last compared bytes (the ring).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/compare_int.h"

enum verdict {
	V_OK = 0,
	V_MISMATCH,
	V_UNVERIFIABLE,
};

void tcp_init(struct conn *c)
{
	struct tcp_stream *t = &c->tcp;
	uint8_t *ring = t->ring;

	memset(t, 0, sizeof(*t));
	TAILQ_INIT(&t->pend);
	t->ring = ring;
	/* Until a handshake says otherwise: as after a checkpoint, the sequence spaces agree. */
	t->off_known = true;
}

void tcp_fini(struct colo_cmp *cmp, struct conn *c)
{
	if (c->tcp.ring) {
		free(c->tcp.ring);
		c->tcp.ring = NULL;
		cmp->ring_bytes -= cmp->lim.retx_window;
	}
}

static void pend_remove(struct conn *c, struct cframe *f)
{
	if (f->in_pend) {
		TAILQ_REMOVE(&c->tcp.pend, f, pend);
		f->in_pend = 0;
	}
}

/* A new incarnation of the 4-tuple: old unfinished segments wait for a commit. */
static void tcp_restart(struct conn *c)
{
	struct cframe *f;

	while ((f = TAILQ_FIRST(&c->tcp.pend))) {
		pend_remove(c, f);
		f->stuck = 1;
	}
	tcp_init(c);
}

static void set_pos(struct tcp_stream *t, uint32_t seq)
{
	t->next = seq;
	t->start = seq;
	t->ring_lo = seq;
	t->pos_valid = true;
}

/* ---- the ring of compared bytes ---- */

static bool ring_get(struct colo_cmp *cmp, struct tcp_stream *t)
{
	if (t->ring)
		return true;
	if (t->ring_refused)
		return false;
	if (cmp->ring_bytes + cmp->lim.retx_window > cmp->lim.retx_budget ||
	    !(t->ring = malloc(cmp->lim.retx_window))) {
		t->ring_refused = true;
		cmp->st.retx_no_window++;
		return false;
	}
	cmp->ring_bytes += cmp->lim.retx_window;
	t->ring_lo = t->next;
	return true;
}

/* Records n compared bytes at t->next (before t->next advances). */
static void ring_store(struct colo_cmp *cmp, struct tcp_stream *t, const uint8_t *src, uint32_t n)
{
	uint32_t w = cmp->lim.retx_window, pos = t->next, i, first;

	if (!ring_get(cmp, t))
		return;
	if (n > w) {
		src += n - w;
		pos += n - w;
		n = w;
	}
	i = pos & (w - 1);
	first = w - i < n ? w - i : n;
	memcpy(t->ring + i, src, first);
	memcpy(t->ring, src + first, n - first);
	if (pos + n - t->ring_lo > w)
		t->ring_lo = pos + n - w;
}

static enum verdict ring_check(struct colo_cmp *cmp, struct tcp_stream *t, uint32_t seq,
			       const uint8_t *p, uint32_t n)
{
	uint32_t w = cmp->lim.retx_window, i, first;

	if (!t->ring || seq_lt(seq, t->ring_lo))
		return V_UNVERIFIABLE;
	i = seq & (w - 1);
	first = w - i < n ? w - i : n;
	if (memcmp(t->ring + i, p, first) || memcmp(t->ring, p + first, n - first))
		return V_MISMATCH;
	return V_OK;
}

/* ---- verification of already compared bytes [a, b) of primary segment f ---- */

static enum verdict verify_payload(struct colo_cmp *cmp, struct tcp_stream *t, struct cframe *f,
				   uint32_t a, uint32_t b)
{
	if (t->fin_cmp && seq_le(a, t->fin_seq) && seq_lt(t->fin_seq, b))
		return V_MISMATCH; /* data where the compared stream had its FIN */
	if (t->floor_valid && seq_lt(a, t->floor))
		a = seq_lt(t->floor, b) ? t->floor : b;
	if (a == b)
		return V_OK;
	if (seq_lt(a, t->start))
		return V_UNVERIFIABLE;
	return ring_check(cmp, t, a, f->pl + (a - f->seq), b - a);
}

static enum verdict verify_fin(struct tcp_stream *t, uint32_t fin)
{
	if (t->floor_valid && seq_lt(fin, t->floor))
		return V_OK;
	if (t->fin_cmp)
		return t->fin_seq == fin ? V_OK : V_MISMATCH;
	/* The compared stream had a data byte there, unless it is older than the comparison. */
	return seq_lt(fin, t->start) ? V_UNVERIFIABLE : V_MISMATCH;
}

static enum verdict verify(struct colo_cmp *cmp, struct tcp_stream *t, struct cframe *f,
			   uint32_t a, uint32_t b)
{
	uint32_t pe = f->seq + f->plen;
	enum verdict v = V_OK;

	if (seq_lt(a, pe))
		v = verify_payload(cmp, t, f, a, seq_min(b, pe));
	if (v == V_OK && (f->tcp_flags & COLO_TCP_FIN) && seq_lt(pe, b))
		v = verify_fin(t, pe);
	return v;
}

/* ---- the stream walk ---- */

/* The first secondary data segment still reaching t->next; older ones are duplicates. */
static struct cframe *sec_head(struct colo_cmp *cmp, struct conn *c)
{
	struct tcp_stream *t = &c->tcp;
	struct cframe *s, *tmp;

	TAILQ_FOREACH_SAFE(s, &c->q[SIDE_S], q, tmp) {
		if (s->kind != CF_DATA)
			continue;
		if (seq_lt(t->next, s->end - t->off))
			return s;
		cmp_drop(cmp, s, COLO_DROP_DUPLICATE);
	}
	return NULL;
}

/* Primary head f (vpos < next): verify what it repeats. False if the walk must stop. */
static bool walk_retransmit(struct colo_cmp *cmp, struct conn *c, struct cframe *f)
{
	struct tcp_stream *t = &c->tcp;
	uint32_t hi = seq_min(f->end, t->next);

	switch (verify(cmp, t, f, f->vpos, hi)) {
	case V_MISMATCH:
		cmp_diverge(cmp, c, f->time_ns);
		return false;
	case V_UNVERIFIABLE:
		pend_remove(c, f);
		f->stuck = 1;
		cmp->st.retx_unverified++;
		return true;
	case V_OK:
		break;
	}
	f->vpos = hi;
	if (f->vpos == f->end) {
		pend_remove(c, f);
		f->done = 1;
		cmp->st.retx_verified++;
	}
	return true;
}

/* Primary head f at t->next against secondary s. False on mismatch. */
static bool walk_compare(struct colo_cmp *cmp, struct conn *c, struct cframe *f, struct cframe *s)
{
	struct tcp_stream *t = &c->tcp;
	uint32_t ms = s->seq - t->off, n = t->next;
	uint32_t pr = seq_lt(n, f->seq + f->plen) ? f->seq + f->plen - n : 0;
	uint32_t sr = seq_lt(n, ms + s->plen) ? ms + s->plen - n : 0;

	if (pr && sr) {
		uint32_t len = pr < sr ? pr : sr;
		const uint8_t *pp = f->pl + (n - f->seq);

		if (memcmp(pp, s->pl + (n - ms), len))
			return false;
		ring_store(cmp, t, pp, len);
		t->next += len;
		cmp->st.compared_bytes += len;
	} else if (!pr && !sr) {
		/* Both are at their FIN (each segment still ends beyond next). */
		t->fin_cmp = true;
		t->fin_seq = n;
		t->next++;
	} else {
		return false; /* FIN against a data byte */
	}
	f->vpos = t->next;
	if (seq_le(s->end - t->off, t->next))
		cmp_drop(cmp, s, COLO_DROP_COMPARED);
	if (f->vpos == f->end) {
		pend_remove(c, f);
		f->done = 1;
	}
	return true;
}

static void tcp_walk(struct colo_cmp *cmp, struct conn *c)
{
	struct tcp_stream *t = &c->tcp;
	struct cframe *f, *s;

	if (c->diverged || !t->off_known || !t->pos_valid)
		return;
	while ((f = TAILQ_FIRST(&t->pend))) {
		if (seq_lt(f->vpos, t->next)) {
			if (!walk_retransmit(cmp, c, f))
				return;
			continue;
		}
		if (f->vpos != t->next)
			return; /* the primary has a gap */
		s = sec_head(cmp, c);
		if (!s || seq_lt(t->next, s->seq - t->off))
			return; /* the secondary is behind or has a gap */
		if (!walk_compare(cmp, c, f, s)) {
			cmp_diverge(cmp, c, f->time_ns);
			return;
		}
	}
}

static bool ready(const struct tcp_stream *t, const struct cframe *f)
{
	if (f->stuck)
		return false;
	switch (f->kind) {
	case CF_SYN:
		return t->off_known;
	case CF_RST:
		return t->rst[SIDE_S] >= f->vpos;
	case CF_DATA:
		return f->done;
	case CF_ACK:
		return (f->tcp_flags & COLO_TCP_ACK) && t->ack_valid[SIDE_S] &&
		       seq_le(f->ack, t->max_ack[SIDE_S]);
	default:
		return false;
	}
}

/* Releases the primary queue's ready head frames, in send order. */
static void tcp_release(struct colo_cmp *cmp, struct conn *c)
{
	struct cframe *f;

	if (c->diverged)
		return;
	while ((f = TAILQ_FIRST(&c->q[SIDE_P])) && ready(&c->tcp, f))
		cmp_release(cmp, f);
}

static void tcp_progress(struct colo_cmp *cmp, struct conn *c)
{
	tcp_walk(cmp, c);
	tcp_release(cmp, c);
}

/* ---- handshake: offsets from the two SYNs or SYN-ACKs ---- */

static void tcp_learn(struct colo_cmp *cmp, struct conn *c, uint64_t now)
{
	struct tcp_stream *t = &c->tcp;

	if (t->syn_flags[SIDE_P] != t->syn_flags[SIDE_S] ||
	    ((t->syn_flags[SIDE_P] & COLO_TCP_ACK) && t->syn_ack[SIDE_P] != t->syn_ack[SIDE_S])) {
		cmp_diverge(cmp, c, now);
		return;
	}
	t->off = t->isn[SIDE_S] - t->isn[SIDE_P];
	t->ts_known = t->syn_ts[SIDE_P] && t->syn_ts[SIDE_S];
	t->ts_off = t->ts_known ? t->syn_tsval[SIDE_S] - t->syn_tsval[SIDE_P] : 0;
	cmp->ops.offset(cmp->ctx, &c->key, t->off, t->ts_off, t->ts_known);
	t->off_known = true;
	/* After a KEEP_STREAMS commit released primary data uncompared, start past it. */
	if (t->floor_valid && seq_lt(t->isn[SIDE_P] + 1, t->floor))
		set_pos(t, t->floor);
	else
		set_pos(t, t->isn[SIDE_P] + 1);
	if (t->syn_frame)
		cmp_drop(cmp, t->syn_frame, COLO_DROP_COMPARED);
}

static void tcp_syn(struct colo_cmp *cmp, struct conn *c, struct cframe *f,
		    const struct colo_frame_info *fi)
{
	struct tcp_stream *t = &c->tcp;
	int side = f->side;

	f->kind = CF_SYN;
	if (c->closed || (t->syn_seen[side] && t->isn[side] != f->seq) ||
	    (!t->syn_seen[SIDE_P] && !t->syn_seen[SIDE_S] && t->pos_valid))
		tcp_restart(c);
	if (c->closed) {
		c->closed = false;
		TAILQ_REMOVE(&cmp->closed, c, lru);
		TAILQ_INSERT_TAIL(&cmp->lru, c, lru);
	}
	if (t->syn_seen[side]) {
		/* Retransmitted SYN: a primary one leaves once the offset is known. */
		if (side == SIDE_S) {
			cmp_drop(cmp, f, COLO_DROP_DUPLICATE);
			return;
		}
		cmp_hold(cmp, f, NULL);
		tcp_release(cmp, c);
		return;
	}
	t->syn_seen[side] = true;
	t->isn[side] = f->seq;
	t->syn_ack[side] = f->ack;
	t->syn_flags[side] = f->tcp_flags & (COLO_TCP_SYN | COLO_TCP_ACK);
	t->syn_ts[side] = fi->tcp.has_ts;
	t->syn_tsval[side] = fi->tcp.tsval;
	t->off_known = false;
	t->pos_valid = false;
	/* A secondary SYN goes first in its sequence-sorted queue; no limit applies to SYNs. */
	cmp_hold(cmp, f, side == SIDE_S ? TAILQ_FIRST(&c->q[SIDE_S]) : NULL);
	if (side == SIDE_S)
		t->syn_frame = f;
	if (t->syn_seen[!side])
		tcp_learn(cmp, c, f->time_ns);
	tcp_progress(cmp, c);
}

/* ---- per-kind arrival ---- */

static void insert_pend(struct tcp_stream *t, struct cframe *f)
{
	struct cframe *p;

	TAILQ_FOREACH_REVERSE(p, &t->pend, cframe_q, pend) {
		if (seq_le(p->seq, f->seq)) {
			TAILQ_INSERT_AFTER(&t->pend, p, f, pend);
			f->in_pend = 1;
			return;
		}
	}
	TAILQ_INSERT_HEAD(&t->pend, f, pend);
	f->in_pend = 1;
}

static void primary_data(struct colo_cmp *cmp, struct conn *c, struct cframe *f)
{
	struct tcp_stream *t = &c->tcp;

	if (!t->p_high_valid || seq_lt(t->p_high, f->end)) {
		t->p_high = f->end;
		t->p_high_valid = true;
	}
	if (!t->pos_valid && t->off_known) {
		/* First segment after a commit or of a connection met mid-stream. */
		set_pos(t, t->floor_valid && seq_lt(f->seq, t->floor) ? t->floor : f->seq);
	}
	f->vpos = f->seq;
	cmp_over_limit(cmp, c, f);
	cmp_hold(cmp, f, NULL);
	insert_pend(t, f);
	tcp_progress(cmp, c);
}

static void secondary_data(struct colo_cmp *cmp, struct conn *c, struct cframe *f)
{
	struct tcp_stream *t = &c->tcp;
	struct cframe *p, *before = NULL;

	if (t->off_known && t->pos_valid && seq_le(f->end - t->off, t->next)) {
		cmp_drop(cmp, f, COLO_DROP_DUPLICATE);
		return;
	}
	if (cmp_over_limit(cmp, c, f))
		return;
	/* Sorted by sequence; usually it goes at the tail. */
	TAILQ_FOREACH_REVERSE(p, &c->q[SIDE_S], cframe_q, q) {
		if (seq_le(p->seq, f->seq))
			break;
		before = p;
	}
	cmp_hold(cmp, f, before);
	tcp_progress(cmp, c);
}

void tcp_feed(struct colo_cmp *cmp, struct conn *c, struct cframe *f,
	      const struct colo_frame_info *fi)
{
	struct tcp_stream *t = &c->tcp;
	int side = f->side;
	uint8_t flags = fi->tcp.flags;

	f->tcp_flags = flags;
	f->seq = fi->tcp.seq;
	f->ack = fi->tcp.ack;
	f->pl = f->data + fi->payload_off;
	f->plen = fi->payload_len;
	f->end = f->seq + f->plen + !!(flags & COLO_TCP_FIN);
	if ((flags & COLO_TCP_ACK) && !(flags & COLO_TCP_SYN) &&
	    (!t->ack_valid[side] || seq_lt(t->max_ack[side], f->ack))) {
		t->max_ack[side] = f->ack;
		t->ack_valid[side] = true;
	}
	if (flags & COLO_TCP_RST) {
		f->kind = CF_RST;
		f->vpos = ++t->rst[side];
		if (side == SIDE_S) {
			cmp_drop(cmp, f, COLO_DROP_COMPARED);
		} else {
			cmp_over_limit(cmp, c, f);
			cmp_hold(cmp, f, NULL);
		}
		tcp_release(cmp, c);
	} else if (flags & COLO_TCP_SYN) {
		tcp_syn(cmp, c, f, fi);
	} else if (f->end != f->seq) {
		f->kind = CF_DATA;
		if (side == SIDE_P)
			primary_data(cmp, c, f);
		else
			secondary_data(cmp, c, f);
	} else {
		f->kind = CF_ACK;
		if (side == SIDE_S) {
			cmp_drop(cmp, f, COLO_DROP_COMPARED);
		} else {
			cmp_over_limit(cmp, c, f);
			cmp_hold(cmp, f, NULL);
		}
		tcp_release(cmp, c);
	}
}

/* ---- commit ---- */

static void commit_keep(struct tcp_stream *t, struct conn *c)
{
	struct cframe *s;

	if (t->pos_valid && t->p_high_valid && seq_lt(t->next, t->p_high))
		t->next = t->p_high;
	t->ring_lo = t->next;
	TAILQ_FOREACH(s, &c->q[SIDE_S], q) {
		if (s->kind == CF_SYN)
			s->keep = !t->off_known;
		else if (!t->off_known || !t->pos_valid || seq_lt(t->next, s->end - t->off))
			s->keep = 1;
	}
}

/* The secondary is now a copy of the primary: same sequence space, comparison restarts. */
static void commit_reset(struct colo_cmp *cmp, struct tcp_stream *t, struct conn *c)
{
	if (t->off_known && (t->off || (t->ts_known && t->ts_off)))
		cmp->ops.offset(cmp->ctx, &c->key, 0, 0, t->ts_known);
	t->off = 0;
	t->ts_off = 0;
	t->off_known = true;
	t->syn_seen[SIDE_S] = t->syn_seen[SIDE_P];
	t->isn[SIDE_S] = t->isn[SIDE_P];
	t->pos_valid = false;
	t->fin_cmp = false;
	t->ack_valid[SIDE_P] = t->ack_valid[SIDE_S] = false;
	t->syn_frame = NULL;
}

void tcp_commit(struct colo_cmp *cmp, struct conn *c, bool keep)
{
	struct tcp_stream *t = &c->tcp;
	struct cframe *f;

	while ((f = TAILQ_FIRST(&t->pend)))
		pend_remove(c, f);
	if (t->p_high_valid) {
		t->floor = t->p_high;
		t->floor_valid = true;
	}
	t->rst[SIDE_P] = t->rst[SIDE_S] = 0;
	c->diverged = false;
	if (keep)
		commit_keep(t, c);
	else
		commit_reset(cmp, t, c);
}
