// SPDX-License-Identifier: GPL-2.0-only
/*
 * TCP stream comparison. Both sides' bytes are walked by sequence number in the primary's
 * sequence space (secondary sequence - offset), whatever the segmentation. t->next is the first
 * primary-space byte not compared yet. Primary segments leave in the order they were sent, each
 * once all its bytes (and its FIN, compared like a byte) matched or were verified: bytes below
 * t->next, retransmitted, are checked against the hashes of the last compared segments, the
 * bytes of segments still held, or else the secondary's retransmission of the same bytes.
 *
 * Over 600 lines on purpose: one state machine over one struct tcp_stream, whose parts call
 * each other (the handshake starts the walk, the walk verifies retransmissions, a secondary
 * segment can complete a held retransmission and send it back to the walk). Cut in two, each
 * half would call the other's functions: a module cycle, which make check-deps refuses. What
 * stands alone is out already: the retransmission history (retx_hist.c), held frames and
 * triggers (cmp_core.c).
 */
#include <string.h>

#include "lib/cmp_tcp.h"

enum verdict {
	V_OK = 0,
	V_MISMATCH,
	V_UNVERIFIABLE,
};

void tcp_init(struct conn *c)
{
	struct tcp_stream *t = &c->tcp;
	struct retx_hist hist = t->hist;

	memset(t, 0, sizeof(*t));
	TAILQ_INIT(&t->pend);
	TAILQ_INIT(&t->stuck);
	/* The history's memory stays with the 4-tuple; its entries are of the old incarnation. */
	t->hist = hist;
	retx_hist_clear(&t->hist);
	/* Until a handshake says otherwise: as after a checkpoint, the sequence spaces agree. */
	t->off_known = true;
}

void tcp_fini(struct colo_cmp *cmp, struct conn *c)
{
	retx_hist_free(&c->tcp.hist, &cmp->hist_budget);
}

struct colo_cp_where tcp_where(const struct conn *c, enum colo_side side, uint32_t seq)
{
	const struct tcp_stream *t = &c->tcp;

	if (!t->syn_seen[SIDE_P])
		return (struct colo_cp_where){
			.side = side, .pos_kind = COLO_CP_POS_SEQ, .pos = seq};
	return (struct colo_cp_where){
		.side = side, .pos_kind = COLO_CP_POS_STREAM, .pos = seq - t->isn[SIDE_P] - 1};
}

struct colo_cp_where tcp_frame_where(const struct conn *c, const struct cframe *f)
{
	const struct tcp_stream *t = &c->tcp;

	if (f->kind != CF_DATA || (f->side == SIDE_S && !t->off_known))
		return (struct colo_cp_where){.side = f->side};
	return tcp_where(c, f->side, f->side == SIDE_S ? f->seq - t->off : f->seq);
}

/* cmp_over_limit() when f's queue is full, with f's stream position. */
static bool tcp_over_limit(struct colo_cmp *cmp, struct conn *c, struct cframe *f)
{
	struct colo_cp_where where;

	if (!cmp_queue_full(cmp, c, f))
		return false;
	where = tcp_frame_where(c, f);
	return cmp_over_limit(cmp, c, f, &where);
}

/* Index of the first byte where a and b differ (n if none). */
static uint32_t first_diff(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint32_t i = 0;

	while (i < n && a[i] == b[i])
		i++;
	return i;
}

static void pend_remove(struct conn *c, struct cframe *f)
{
	if (f->in_pend) {
		TAILQ_REMOVE(&c->tcp.pend, f, pend);
		f->in_pend = 0;
	} else if (f->in_stuck) {
		TAILQ_REMOVE(&c->tcp.stuck, f, pend);
		f->in_stuck = 0;
	}
}

/* A new incarnation of the 4-tuple: old unfinished segments wait for a commit. */
static void tcp_restart(struct conn *c)
{
	struct cframe *f;

	while ((f = TAILQ_FIRST(&c->tcp.pend)) || (f = TAILQ_FIRST(&c->tcp.stuck))) {
		pend_remove(c, f);
		f->stuck = 1;
	}
	tcp_init(c);
}

static void set_pos(struct tcp_stream *t, uint32_t seq)
{
	t->next = seq;
	t->start = seq;
	t->hist.len = 0;
	t->pos_valid = true;
}

/* ---- history of compared segments: (range, hash), for retransmissions ---- */

/*
 * Starts loading, for writing, the history slot a new primary segment's entry likely takes (after
 * those of the primary frames held before it). With many connections a ring's next lines are
 * cold, and the store that missed there stalled the comparison of the secondary's bytes.
 */
static void hist_prefetch(const struct conn *c)
{
	retx_hist_prefetch(&c->tcp.hist, c->nq[SIDE_P]);
}

/*
 * Records the compared payload [from, pe) of primary segment f: one entry, or one per GSO
 * segment (retransmissions repeat those, alone or several at a time).
 */
static void hist_add(struct colo_cmp *cmp, struct tcp_stream *t, const struct cframe *f,
		     uint32_t from)
{
	uint32_t pe = f->seq + f->plen, seg = f->gso_size, x = from;

	while (seq_lt(x, pe)) {
		/* Up to the next segment boundary, counted from the frame's first byte. */
		uint32_t end = seg ? f->seq + ((x - f->seq) / seg + 1) * seg : pe;
		uint32_t n = seq_min(end, pe) - x;

		retx_hist_push(&t->hist, &cmp->hist_budget, x, n,
			       retx_hash(f->pl + (x - f->seq), n));
		x += n;
	}
}

/* A held primary segment (not f) whose compared bytes include seq. */
static const struct cframe *compared_holder(const struct conn *c, const struct cframe *f,
					    uint32_t seq)
{
	const struct cframe *g;

	TAILQ_FOREACH(g, &c->q[SIDE_P], q)
	if (g != f && g->cmp_new && seq_le(g->cmp_from, seq) && seq_lt(seq, g->vpos) &&
	    seq_lt(seq, g->seq + g->plen))
		return g;
	return NULL;
}

/* ---- verification of already compared bytes of primary segment f ---- */

/*
 * Verifies payload [*pos, b) of f against what was compared, advancing *pos over what matched:
 * whole history entries by hash, bytes of segments still held by memcmp, and anything below the
 * last commit's floor as is.
 */
static enum verdict verify_payload(struct conn *c, struct cframe *f, uint32_t *pos, uint32_t b)
{
	struct tcp_stream *t = &c->tcp;
	uint32_t x = *pos;

	if (t->fin_cmp && seq_le(x, t->fin_seq) && seq_lt(t->fin_seq, b))
		return V_MISMATCH; /* data where the compared stream had its FIN */
	if (t->floor_valid && seq_lt(x, t->floor))
		x = seq_lt(t->floor, b) ? t->floor : b;
	while ((*pos = x) != b) {
		int64_t i = retx_hist_find(&t->hist, x);
		const struct cframe *g;

		/* Consecutive entries from x on, as long as they end by b. */
		for (; i >= 0 && i < t->hist.len && retx_hist_at(&t->hist, i)->seq == x; i++) {
			const struct retx_entry *e = retx_hist_at(&t->hist, i);

			if (!seq_le(x + e->len, b))
				break;
			if (retx_hash(f->pl + (x - f->seq), e->len) != e->hash)
				return V_MISMATCH;
			x += e->len;
		}
		if (x != *pos)
			continue;
		if ((g = compared_holder(c, f, x))) {
			uint32_t n = seq_min(seq_min(b, g->vpos), g->seq + g->plen) - x;

			if (memcmp(f->pl + (x - f->seq), g->pl + (x - g->seq), n))
				return V_MISMATCH;
			x += n;
		} else {
			return V_UNVERIFIABLE;
		}
	}
	return V_OK;
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

/* Verifies [f->vpos, b) of f, advancing f->vpos over what matched. */
static enum verdict verify(struct conn *c, struct cframe *f, uint32_t b)
{
	struct tcp_stream *t = &c->tcp;
	uint32_t pe = f->seq + f->plen;
	enum verdict v = V_OK;

	if (seq_lt(f->vpos, pe))
		v = verify_payload(c, f, &f->vpos, seq_min(b, pe));
	if (v == V_OK && (f->tcp_flags & COLO_TCP_FIN) && seq_lt(pe, b)) {
		v = verify_fin(t, pe);
		if (v == V_OK)
			f->vpos = b;
	}
	return v;
}

static void frame_done(struct conn *c, struct cframe *f)
{
	pend_remove(c, f);
	f->done = 1;
}

/* ---- the stream walk ---- */

/* The first secondary data segment still reaching t->next; older ones are duplicates. */
static struct cframe *sec_head(struct colo_cmp *cmp, struct conn *c)
{
	struct tcp_stream *t = &c->tcp;
	struct cframe *s, *tmp;

	TAILQ_FOREACH_SAFE(s, &c->q[SIDE_S], q, tmp)
	{
		if (s->kind != CF_DATA)
			continue;
		if (seq_lt(t->next, s->end - t->off))
			return s;
		cmp_drop(cmp, s, COLO_DROP_DUPLICATE);
	}
	return NULL;
}

/*
 * Primary head f (vpos < next) repeats compared bytes: verify them. What the history cannot
 * confirm waits for the secondary's retransmission of the same bytes (or a commit).
 */
static bool walk_retransmit(struct colo_cmp *cmp, struct conn *c, struct cframe *f)
{
	struct tcp_stream *t = &c->tcp;
	struct colo_cp_where where;

	switch (verify(c, f, seq_min(f->end, t->next))) {
	case V_MISMATCH:
		where = tcp_where(c, SIDE_P, f->vpos);
		cmp_diverge(cmp, c, &where, f->time_ns);
		return false;
	case V_UNVERIFIABLE:
		pend_remove(c, f);
		TAILQ_INSERT_TAIL(&t->stuck, f, pend);
		f->in_stuck = 1;
		cmp->st.retx_unverified++;
		return true;
	case V_OK:
		break;
	}
	if (f->vpos == f->end) {
		frame_done(c, f);
		cmp->st.retx_verified++;
	}
	return true;
}

/* A primary segment whose compared payload makes one history entry: no GSO segments, no FIN. */
static bool one_entry(const struct cframe *f)
{
	return !f->gso_size && !(f->tcp_flags & COLO_TCP_FIN);
}

/*
 * Compares the len bytes at t->next of primary f and secondary s (in primary space at ms). When
 * they complete a one-entry segment, its history entry is hashed first and pushed on a match:
 * the hash then works on f's bytes, in cache since f arrived, while s's still come from memory.
 */
static bool compare_bytes(struct colo_cmp *cmp, struct tcp_stream *t, struct cframe *f,
			  const struct cframe *s, uint32_t ms, uint32_t len)
{
	uint32_t n = t->next, pe = f->seq + f->plen;
	bool last = one_entry(f) && n + len == pe;
	uint64_t hash = last ? retx_hash(f->pl + (f->cmp_from - f->seq), pe - f->cmp_from) : 0;

	if (memcmp(f->pl + (n - f->seq), s->pl + (n - ms), len))
		return false;
	if (last)
		retx_hist_push(&t->hist, &cmp->hist_budget, f->cmp_from, pe - f->cmp_from, hash);
	t->next += len;
	cmp->st.compared_bytes += len;
	return true;
}

/* Primary head f at t->next against secondary s. False on mismatch, at the byte *bad. */
static bool walk_compare(struct colo_cmp *cmp, struct conn *c, struct cframe *f, struct cframe *s,
			 uint32_t *bad)
{
	struct tcp_stream *t = &c->tcp;
	uint32_t ms = s->seq - t->off, n = t->next, pe = f->seq + f->plen;
	uint32_t pr = seq_lt(n, pe) ? pe - n : 0;
	uint32_t sr = seq_lt(n, ms + s->plen) ? ms + s->plen - n : 0;

	if (!f->cmp_new) {
		f->cmp_new = 1;
		f->cmp_from = n;
	}
	if (pr && sr) {
		uint32_t len = pr < sr ? pr : sr;

		if (!compare_bytes(cmp, t, f, s, ms, len)) {
			*bad = n + first_diff(f->pl + (n - f->seq), s->pl + (n - ms), len);
			return false;
		}
	} else if (!pr && !sr) {
		/* Both are at their FIN (each segment still ends beyond next). */
		t->fin_cmp = true;
		t->fin_seq = n;
		t->next++;
	} else {
		*bad = n; /* FIN against a data byte */
		return false;
	}
	f->vpos = t->next;
	if (seq_le(s->end - t->off, t->next))
		cmp_drop(cmp, s, COLO_DROP_COMPARED);
	if (f->vpos == f->end) {
		if (!one_entry(f))
			hist_add(cmp, t, f, f->cmp_from);
		frame_done(c, f);
	}
	return true;
}

/*
 * Verifies the pending segments that repeat compared bytes. Pending is sorted by sequence and
 * vpos >= seq, so only its head up to t->next can be behind. False on mismatch.
 */
static bool walk_behind(struct colo_cmp *cmp, struct conn *c)
{
	struct tcp_stream *t = &c->tcp;
	struct cframe *f, *tmp;

	TAILQ_FOREACH_SAFE(f, &t->pend, pend, tmp)
	{
		if (!seq_lt(f->seq, t->next))
			break;
		if (seq_lt(f->vpos, t->next) && !walk_retransmit(cmp, c, f))
			return false;
	}
	return true;
}

/* The pending segment whose next byte to compare is t->next, if any. */
static struct cframe *walk_at_next(struct tcp_stream *t)
{
	struct cframe *f;

	TAILQ_FOREACH(f, &t->pend, pend)
	{
		if (seq_lt(t->next, f->seq))
			break;
		if (f->vpos == t->next)
			return f;
	}
	return NULL;
}

static void tcp_walk(struct colo_cmp *cmp, struct conn *c)
{
	struct tcp_stream *t = &c->tcp;
	struct colo_cp_where where;
	struct cframe *f, *s;
	uint32_t bad;

	if (c->diverged || !t->off_known || !t->pos_valid)
		return;
	while (walk_behind(cmp, c) && (f = walk_at_next(t))) {
		s = sec_head(cmp, c);
		if (!s || seq_lt(t->next, s->seq - t->off))
			return; /* the secondary is behind or has a gap */
		if (!walk_compare(cmp, c, f, s, &bad)) {
			where = tcp_where(c, SIDE_P, bad);
			cmp_diverge(cmp, c, &where, f->time_ns);
			return;
		}
	}
	/*
	 * Secondary copies the walk covered without consuming them (a tail-loss probe that came
	 * before the primary's bytes): with no primary byte left to pull them, drop them now.
	 */
	sec_head(cmp, c);
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
		cmp_diverge(cmp, c, &(struct colo_cp_where){.side = SIDE_P}, now);
		return;
	}
	t->off = t->isn[SIDE_S] - t->isn[SIDE_P];
	t->ts_known = t->syn_ts[SIDE_P] && t->syn_ts[SIDE_S];
	t->ts_off = t->ts_known ? t->syn_tsval[SIDE_S] - t->syn_tsval[SIDE_P] : 0;
	if (cmp->ops.offset)
		cmp->ops.offset(cmp->ctx, &c->key, t->off, t->ts_off, t->ts_known);
	t->zero_reported = false;
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
		c->lru_ns = c->last_ns;
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

	TAILQ_FOREACH_REVERSE(p, &t->pend, cframe_q, pend)
	{
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
	hist_prefetch(c);
	tcp_over_limit(cmp, c, f);
	cmp_hold(cmp, f, NULL);
	insert_pend(t, f);
	tcp_progress(cmp, c);
}

/* Advances stuck retransmission f over what secondary s repeats. False on mismatch. */
static bool match_one(struct tcp_stream *t, struct cframe *f, const struct cframe *s, bool *used)
{
	uint32_t ms = s->seq - t->off, mpe = ms + s->plen, pe = f->seq + f->plen;
	uint32_t lim = seq_min(f->end, t->next);

	if (seq_lt(f->vpos, pe) && seq_le(ms, f->vpos) && seq_lt(f->vpos, mpe)) {
		uint32_t b = seq_min(seq_min(pe, mpe), lim);

		*used = true;
		if (memcmp(f->pl + (f->vpos - f->seq), s->pl + (f->vpos - ms), b - f->vpos))
			return false;
		f->vpos = b;
	}
	if (f->vpos == pe && (f->tcp_flags & COLO_TCP_FIN) && seq_lt(pe, lim)) {
		if (seq_le(ms, pe) && seq_lt(pe, mpe))
			return false; /* a data byte where the primary repeats its FIN */
		if ((s->tcp_flags & COLO_TCP_FIN) && mpe == pe) {
			f->vpos = pe + 1;
			*used = true;
		}
	}
	return true;
}

/*
 * A secondary segment may repeat bytes that held primary retransmissions repeat too: compare
 * them. A confirmed one is done, or goes back to the walk for its new bytes. Returns whether s
 * was used.
 */
static bool match_stuck(struct colo_cmp *cmp, struct conn *c, const struct cframe *s)
{
	struct tcp_stream *t = &c->tcp;
	struct cframe *f, *tmp;
	bool used = false;

	TAILQ_FOREACH_SAFE(f, &t->stuck, pend, tmp)
	{
		if (!match_one(t, f, s, &used)) {
			struct colo_cp_where where = tcp_where(c, SIDE_P, f->vpos);

			cmp_diverge(cmp, c, &where, s->time_ns);
			return used;
		}
		if (f->vpos != seq_min(f->end, t->next))
			continue;
		pend_remove(c, f);
		if (f->vpos == f->end) {
			f->done = 1;
			cmp->st.retx_verified++;
		} else {
			insert_pend(t, f);
		}
	}
	return used;
}

static void secondary_data(struct colo_cmp *cmp, struct conn *c, struct cframe *f)
{
	struct tcp_stream *t = &c->tcp;
	struct cframe *p, *before = NULL;
	bool used = false;

	if (!TAILQ_EMPTY(&t->stuck) && t->off_known && !c->diverged)
		used = match_stuck(cmp, c, f);
	if (t->off_known && t->pos_valid && seq_le(f->end - t->off, t->next)) {
		cmp_drop(cmp, f, used ? COLO_DROP_COMPARED : COLO_DROP_DUPLICATE);
		tcp_progress(cmp, c);
		return;
	}
	if (tcp_over_limit(cmp, c, f))
		return;
	/* Sorted by sequence; usually it goes at the tail. */
	TAILQ_FOREACH_REVERSE(p, &c->q[SIDE_S], cframe_q, q)
	{
		if (seq_le(p->seq, f->seq))
			break;
		before = p;
	}
	cmp_hold(cmp, f, before);
	tcp_progress(cmp, c);
}

/* A RST or pure ACK: the secondary's is dropped, the primary's held until it may leave. */
static void control_frame(struct colo_cmp *cmp, struct conn *c, struct cframe *f)
{
	if (f->side == SIDE_S) {
		cmp_drop(cmp, f, COLO_DROP_COMPARED);
	} else {
		tcp_over_limit(cmp, c, f);
		cmp_hold(cmp, f, NULL);
	}
	tcp_release(cmp, c);
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
		control_frame(cmp, c, f);
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
		control_frame(cmp, c, f);
	}
}

/* ---- commit ---- */

static void commit_keep(struct tcp_stream *t, struct conn *c)
{
	struct cframe *s;

	if (t->pos_valid && t->p_high_valid && seq_lt(t->next, t->p_high))
		t->next = t->p_high;
	TAILQ_FOREACH(s, &c->q[SIDE_S], q)
	{
		if (s->kind == CF_SYN)
			s->keep = !t->off_known;
		else if (!t->off_known || !t->pos_valid || seq_lt(t->next, s->end - t->off))
			s->keep = 1;
	}
}

/* The secondary is now a copy of the primary: same sequence space, comparison restarts. */
static void commit_reset(struct colo_cmp *cmp, struct tcp_stream *t, struct conn *c)
{
	/*
	 * Also for offsets never learned here (a connection met mid-stream, a comparator
	 * restarted): whoever applies offsets may still hold old ones.
	 */
	if (cmp->ops.offset && !t->zero_reported)
		cmp->ops.offset(cmp->ctx, &c->key, 0, 0, t->ts_known);
	t->zero_reported = true;
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

	while ((f = TAILQ_FIRST(&t->pend)) || (f = TAILQ_FIRST(&t->stuck)))
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
