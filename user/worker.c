// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-shard worker thread (see worker.h). Every ring record is bounds-checked and copied out
 * (libbpf consumes it when the callback returns), then owned by the comparator until it hands
 * it back through release or drop. The loop wakes at least every 100 ms for ticks, and on the
 * mailbox eventfd for commands from the agent side.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "clock.h"
#include "lib/frame.h"
#include "ring_pos.h"
#include "worker.h"

#define WORKER_TICK_MS	  50
#define WORKER_MAX_PIECES 128 /* pieces of one split super-frame */
#define WORKER_BUDGET	  256 /* records per consume round before ticking and flushing */

/*
 * A captured frame copied out of the ring, with its layout, checked once when it was copied:
 * the cookie the comparator and release hand back.
 */
struct held_frame {
	struct colo_rec rec;
	struct colo_l4_layout lay;
	uint8_t data[];
};

struct colo_worker {
	struct colo_worker_cfg cfg;
	struct colo_cmp *cmp;
	struct colo_release *rel;
	struct ring_buffer *rb;
	pthread_t thread;
	int efd;  /* mailbox wakeup */
	int epfd; /* ring + mailbox */
	atomic_uint mailbox;
	_Atomic uint64_t commit_ns; /* a posted commit covers records captured up to this time */
	bool failover;
	bool stopping;
	bool joined;
	unsigned int budget;
	uint64_t now; /* read once per record, command batch or tick: the comparator's clock */
	uint64_t held_bytes;		/* of every held_frame allocated and not yet freed */
	struct colo_worker_stats stats; /* owned by the worker thread */
	pthread_mutex_t snap_lock;
	struct colo_worker_stats snap;
	struct colo_ring_pos ring_pos; /* the ring's backlog */
	struct colo_flow_hist *hist;   /* recent frames per flow, for captures; NULL: off */
	/* Connection snapshots, under snap_lock: asked with conns_asked, done up to conns_done. */
	pthread_cond_t conns_cond;
	uint64_t conns_asked, conns_done;
	bool exited; /* the thread left its loop */
	struct colo_cmp_conn_info *conns;
	size_t nconns;
	uint64_t conns_omitted;
};

/* Offsets are 0 ("not parsed") or inside the captured bytes, in header order. */
static bool rec_valid(const struct colo_rec *r, size_t size)
{
	if (size < sizeof(*r) || r->cap_len > size - sizeof(*r) || r->cap_len > COLO_MAX_FRAME)
		return false;
	if (r->cap_len < ETH_HLEN || r->side >= COLO_SIDE_MAX)
		return false;
	/* A truncated frame can never be released whole. */
	if (r->flags & COLO_REC_TRUNCATED || r->frame_len != r->cap_len)
		return false;
	if (r->l3_off > r->cap_len || r->l4_off > r->cap_len || r->payload_off > r->cap_len)
		return false;
	if (r->l4_off && r->l4_off < r->l3_off)
		return false;
	if (r->payload_off && r->payload_off < r->l4_off)
		return false;
	return r->csum_start <= r->cap_len;
}

/*
 * Every copy of a ring record is taken here, within the worker's memory limit. A refused
 * record is dropped, which is safe on either side: a primary frame never leaves uncompared,
 * and the checkpoint that the held frames are waiting for (timeout at the latest) frees them.
 */
static struct held_frame *held_alloc(struct colo_worker *w, uint32_t len)
{
	size_t size = sizeof(struct held_frame) + len;
	struct held_frame *h;

	if (w->held_bytes + size > w->cfg.max_held_bytes) {
		w->stats.mem_refused++;
		return NULL;
	}
	h = malloc(size);
	if (!h) {
		w->stats.alloc_failed++;
		return NULL;
	}
	h->rec.cap_len = len;
	w->held_bytes += size;
	return h;
}

static void held_free(struct colo_worker *w, struct held_frame *h)
{
	w->held_bytes -= sizeof(*h) + h->rec.cap_len;
	free(h);
}

/* Microseconds from a record's capture stamp to w->now (0 if the clocks disagree). */
static uint64_t since_capture_us(const struct colo_worker *w, const struct colo_rec *rec)
{
	return w->now > rec->tstamp_ns ? (w->now - rec->tstamp_ns) / 1000 : 0;
}

static void worker_release(void *ctx, void *cookie, const uint8_t *data, uint32_t len)
{
	struct colo_worker *w = ctx;
	struct held_frame *h = cookie;

	(void)data;
	colo_delay_hist_add(&w->stats.hold_delay, since_capture_us(w, &h->rec));
	colo_release_add(w->rel, h->data, len, &h->rec, &h->lay, h);
}

static void worker_drop(void *ctx, void *cookie, enum colo_side side, enum colo_drop_reason reason)
{
	(void)side;
	(void)reason;
	held_free(ctx, cookie);
}

static void release_done(void *ctx, void *cookie)
{
	held_free(ctx, cookie);
}

static void worker_checkpoint(void *ctx, enum colo_cp_reason reason,
			      const struct colo_flow_key *flow, const struct colo_cp_where *where,
			      uint64_t time_ns)
{
	struct colo_worker *w = ctx;
	struct colo_capture_job *job;

	w->cfg.checkpoint(w->cfg.ctx, w->cfg.shard, reason, flow, where, time_ns);
	if (!w->hist)
		return;
	job = colo_capture_job_new(w->hist, w->cfg.shard, reason, flow, where, time_ns);
	if (job)
		w->cfg.capture(w->cfg.ctx, job);
}

/* Keeps a copy of the frame in its flow's history (captures on). */
static void worker_remember(struct colo_worker *w, const struct held_frame *h)
{
	struct colo_frame_info fi;

	if (colo_frame_parse(h->data, h->rec.cap_len, &fi) == COLO_FRAME_IP)
		colo_flow_hist_add(w->hist, &fi.key, h->rec.side, h->rec.tstamp_ns, h->data,
				   h->rec.cap_len);
}

/*
 * Runs before the primary SYN/SYN-ACK that revealed the offsets is released, so the secondary
 * egress rewriter knows them before the client can answer that segment.
 */
static void worker_offset(void *ctx, const struct colo_flow_key *flow, uint32_t seq_offset,
			  uint32_t ts_offset, bool ts_valid)
{
	struct colo_worker *w = ctx;
	struct colo_offsets off = {
		.seq_offset = seq_offset,
		.ts_offset = ts_valid ? ts_offset : 0,
		.flags = COLO_OFFSET_SEQ | (ts_valid ? COLO_OFFSET_TS : 0),
	};

	/* The whole value is ours: no read-modify-write that could race the capture programs. */
	if (bpf_map_update_elem(w->cfg.offsets_fd, flow, &off, BPF_ANY))
		w->stats.offset_errors++;
	else
		w->stats.offsets++;
}

/* Hands one copied-out frame to the comparator (or, after failover, straight to release). */
static void worker_feed(struct colo_worker *w, struct held_frame *h)
{
	struct colo_frame_in in = {
		.side = h->rec.side,
		.time_ns = h->rec.tstamp_ns,
		.data = h->data,
		.len = h->rec.cap_len,
		.cookie = h,
		.rec = &h->rec,
	};

	if (w->hist && !w->failover)
		worker_remember(w, h);
	if (w->failover) {
		w->stats.passed++;
		colo_release_add(w->rel, h->data, h->rec.cap_len, &h->rec, &h->lay, h);
	} else if (colo_cmp_feed(w->cmp, &in)) {
		w->stats.bad_records++;
		held_free(w, h);
	}
}

struct split_pieces {
	struct colo_worker *w;
	struct held_frame *piece[WORKER_MAX_PIECES];
	unsigned int n;
};

static uint8_t *split_alloc(void *ctx, uint32_t len)
{
	struct split_pieces *sp = ctx;
	struct held_frame *h;

	if (sp->n == WORKER_MAX_PIECES)
		return NULL;
	h = held_alloc(sp->w, len);
	if (!h)
		return NULL;
	sp->piece[sp->n++] = h;
	return h->data;
}

static void split_done(void *ctx, uint8_t *piece, const struct colo_rec *rec,
		       const struct colo_l4_layout *lay)
{
	struct split_pieces *sp = ctx;
	struct held_frame *h = sp->piece[sp->n - 1]; /* alloc() just gave out piece */

	(void)piece;
	h->rec = *rec;
	h->lay = *lay;
}

/*
 * A primary TCP super-frame larger than split_segs segments is compared and released in
 * pieces: whole-frame release would otherwise wait for secondary bytes that the secondary
 * cannot send before the client acknowledges part of this very frame (its window is smaller
 * than the frame), a deadlock only a checkpoint breaks. The pieces are cut straight from the
 * ring record, so a split frame is copied once. Returns false when the frame stays whole.
 */
static bool worker_split(struct colo_worker *w, const struct colo_rec *rec,
			 const struct colo_l4_layout *lay, const uint8_t *frame)
{
	static const struct colo_split_ops ops = {.alloc = split_alloc, .done = split_done};
	struct split_pieces sp = {.w = w, .n = 0};
	unsigned int i;
	int r;

	if (!w->cfg.split_segs || rec->side != COLO_SIDE_PRIMARY || w->failover)
		return false;
	r = colo_segment_split(frame, rec, lay, w->cfg.split_segs * rec->gso_size, &ops, &sp);
	if (r <= 0) {
		for (i = 0; i < sp.n; i++)
			held_free(w, sp.piece[i]);
		return false;
	}
	w->stats.split++;
	for (i = 0; i < sp.n; i++)
		worker_feed(w, sp.piece[i]);
	return true;
}

#define WORKER_COMMITS (COLO_WORKER_COMMIT | COLO_WORKER_COMMIT_KEEP)

static void worker_commands(struct colo_worker *w);

/*
 * A commit covers what was captured before the agent's COMMIT arrived: apply it before the
 * first record captured later, which is output of the resumed replicas and must be compared.
 */
static void worker_commit_before(struct colo_worker *w, const struct colo_rec *r)
{
	if (atomic_load_explicit(&w->mailbox, memory_order_acquire) & WORKER_COMMITS &&
	    r->tstamp_ns > atomic_load_explicit(&w->commit_ns, memory_order_relaxed))
		worker_commands(w);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct colo_worker *w = ctx;
	const struct colo_rec *r = data;
	const uint8_t *frame = (const uint8_t *)(r + 1);
	struct colo_l4_layout lay;
	struct held_frame *h;
	struct colo_rec rec;

	w->stats.records++;
	if (!rec_valid(r, size)) {
		w->stats.bad_records++;
		goto next;
	}
	worker_commit_before(w, r);
	w->now = colo_mono_ns();
	colo_delay_hist_add(&w->stats.ring_delay, since_capture_us(w, r));
	if (w->failover && r->side == COLO_SIDE_SECONDARY)
		goto next;
	rec = *r;
	colo_l4_layout(frame, rec.cap_len, &rec, &lay);
	colo_segment_fix_gso(&lay, colo_release_mtu(w->rel), &rec);
	if (worker_split(w, &rec, &lay, frame))
		goto next;
	h = held_alloc(w, rec.cap_len);
	if (!h)
		goto next;
	h->rec = rec;
	h->lay = lay;
	memcpy(h->data, frame, rec.cap_len);
	worker_feed(w, h);
next:
	/* A negative return stops libbpf after consuming this record: tick and flush now. */
	return ++w->budget >= WORKER_BUDGET ? -EAGAIN : 0;
}

struct conns_copy {
	struct colo_cmp_conn_info *v;
	size_t n, cap;
	uint64_t omitted;
};

static void conns_copy_one(void *ctx, const struct colo_cmp_conn_info *ci)
{
	struct conns_copy *cc = ctx;

	if (cc->n < cc->cap)
		cc->v[cc->n++] = *ci;
	else
		cc->omitted++;
}

/* Copies the connections out for the main thread (COLO_WORKER_SNAPSHOT). */
static void worker_snapshot(struct colo_worker *w)
{
	struct colo_cmp_stats cs;
	struct conns_copy cc = {0};

	colo_cmp_get_stats(w->cmp, &cs);
	cc.cap = cs.conns < COLO_WORKER_SNAPSHOT_MAX ? cs.conns : COLO_WORKER_SNAPSHOT_MAX;
	cc.v = calloc(cc.cap ? cc.cap : 1, sizeof(*cc.v));
	if (cc.v)
		colo_cmp_conns_foreach(w->cmp, conns_copy_one, &cc);
	pthread_mutex_lock(&w->snap_lock);
	free(w->conns);
	w->conns = cc.v; /* NULL: out of memory, the reader sees -ENOMEM */
	w->nconns = cc.n;
	w->conns_omitted = cc.omitted;
	w->conns_done = w->conns_asked;
	pthread_cond_broadcast(&w->conns_cond);
	pthread_mutex_unlock(&w->snap_lock);
}

static void worker_commands(struct colo_worker *w)
{
	unsigned int cmds = atomic_exchange(&w->mailbox, 0);

	if (!cmds)
		return;
	w->now = colo_mono_ns();

	if (cmds & COLO_WORKER_ABORT && !w->failover)
		colo_cmp_abort(w->cmp, w->now);
	if (cmds & COLO_WORKER_COMMIT && !w->failover)
		colo_cmp_commit(w->cmp, w->now, 0);
	if (cmds & COLO_WORKER_COMMIT_KEEP && !w->failover)
		colo_cmp_commit(w->cmp, w->now, COLO_COMMIT_KEEP_STREAMS);
	if (cmds & COLO_WORKER_FAILOVER && !w->failover) {
		colo_cmp_commit(w->cmp, w->now, 0);
		w->failover = true;
	}
	if (cmds & COLO_WORKER_SNAPSHOT)
		worker_snapshot(w);
	if (cmds & COLO_WORKER_STOP)
		w->stopping = true;
}

static void worker_publish(struct colo_worker *w)
{
	colo_cmp_get_stats(w->cmp, &w->stats.cmp);
	colo_release_get_stats(w->rel, &w->stats.rel);
	w->stats.held_bytes = w->held_bytes;
	w->stats.ring_used = colo_ring_pos_used(&w->ring_pos);
	pthread_mutex_lock(&w->snap_lock);
	w->snap = w->stats;
	pthread_mutex_unlock(&w->snap_lock);
}

static void *worker_main(void *arg)
{
	struct colo_worker *w = arg;
	struct epoll_event ev[2];
	uint64_t last_tick = 0;
	eventfd_t v;
	int r;

	while (!w->stopping) {
		r = epoll_wait(w->epfd, ev, 2, WORKER_TICK_MS);
		if (r < 0 && errno != EINTR)
			break;
		eventfd_read(w->efd, &v);
		do {
			w->budget = 0;
			r = ring_buffer__consume(w->rb);
			colo_release_flush(w->rel);
			worker_commands(w);
			w->now = colo_mono_ns();
			if (w->now - last_tick >= WORKER_TICK_MS * 1000000ull) {
				colo_cmp_tick(w->cmp, w->now);
				colo_release_flush(w->rel);
				worker_publish(w);
				last_tick = w->now;
			}
		} while (r == -EAGAIN && !w->stopping);
	}
	worker_publish(w);
	pthread_mutex_lock(&w->snap_lock);
	w->exited = true; /* colo_worker_conns() waits no more */
	pthread_cond_broadcast(&w->conns_cond);
	pthread_mutex_unlock(&w->snap_lock);
	return NULL;
}

static void worker_free(struct colo_worker *w)
{
	if (w->cmp)
		colo_cmp_free(w->cmp);
	colo_release_close(w->rel);
	ring_buffer__free(w->rb);
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->efd >= 0)
		close(w->efd);
	colo_ring_pos_close(&w->ring_pos);
	free(w->conns);
	colo_flow_hist_free(w->hist);
	pthread_cond_destroy(&w->conns_cond);
	pthread_mutex_destroy(&w->snap_lock);
	free(w);
}

struct colo_worker *colo_worker_start(const struct colo_worker_cfg *cfg, char *err, size_t errlen)
{
	static const struct colo_cmp_ops ops = {
		.release = worker_release,
		.drop = worker_drop,
		.checkpoint = worker_checkpoint,
		.offset = worker_offset,
	};
	struct colo_worker *w = calloc(1, sizeof(*w));
	struct epoll_event ev = {.events = EPOLLIN};
	int r;

	if (!w) {
		snprintf(err, errlen, "worker: out of memory");
		return NULL;
	}
	w->cfg = *cfg;
	w->efd = w->epfd = -1;
	pthread_mutex_init(&w->snap_lock, NULL);
	pthread_cond_init(&w->conns_cond, NULL);
	/* Without the position pages the backlog reads 0: not worth failing the worker. */
	colo_ring_pos_open(&w->ring_pos, cfg->ring_fd);
	w->stats.ring_bytes = w->ring_pos.size;
	w->rel = colo_release_open(cfg->release_mode, cfg->out_ifindex, 0, release_done, w, err,
				   errlen);
	if (!w->rel)
		goto fail;
	w->rb = ring_buffer__new(cfg->ring_fd, on_record, w, NULL);
	if (!w->rb) {
		snprintf(err, errlen, "shard %u: ring buffer: %s", cfg->shard, strerror(errno));
		goto fail;
	}
	if (cfg->capture) {
		w->hist = colo_flow_hist_new(COLO_CAPTURE_FLOWS, COLO_CAPTURE_FLOW_BYTES);
		if (!w->hist) {
			snprintf(err, errlen, "shard %u: capture history: out of memory",
				 cfg->shard);
			goto fail;
		}
	}
	w->cmp = colo_cmp_new(&cfg->limits, &ops, w);
	if (!w->cmp) {
		snprintf(err, errlen, "shard %u: comparator: out of memory", cfg->shard);
		goto fail;
	}
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->efd < 0 || w->epfd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->efd, &ev) ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(w->rb), &ev)) {
		snprintf(err, errlen, "shard %u: epoll: %s", cfg->shard, strerror(errno));
		goto fail;
	}
	r = pthread_create(&w->thread, NULL, worker_main, w);
	if (r) {
		snprintf(err, errlen, "shard %u: thread: %s", cfg->shard, strerror(r));
		goto fail;
	}
	return w;
fail:
	worker_free(w);
	return NULL;
}

void colo_worker_post(struct colo_worker *w, unsigned int cmds)
{
	atomic_fetch_or(&w->mailbox, cmds);
	eventfd_write(w->efd, 1);
}

void colo_worker_commit(struct colo_worker *w, bool keep_streams, uint64_t covers_ns)
{
	atomic_store_explicit(&w->commit_ns, covers_ns, memory_order_relaxed);
	colo_worker_post(w, keep_streams ? COLO_WORKER_COMMIT_KEEP : COLO_WORKER_COMMIT);
}

void colo_worker_stop(struct colo_worker *w)
{
	if (w->joined)
		return;
	colo_worker_post(w, COLO_WORKER_STOP);
	pthread_join(w->thread, NULL);
	w->joined = true;
}

void colo_worker_destroy(struct colo_worker *w)
{
	if (!w)
		return;
	colo_worker_stop(w);
	worker_free(w);
}

void colo_worker_get_stats(struct colo_worker *w, struct colo_worker_stats *stats)
{
	pthread_mutex_lock(&w->snap_lock);
	*stats = w->snap;
	pthread_mutex_unlock(&w->snap_lock);
}

int colo_worker_conns(struct colo_worker *w, unsigned int timeout_ms,
		      struct colo_cmp_conn_info **conns, size_t *n, uint64_t *omitted)
{
	struct timespec until;
	uint64_t asked;
	int r = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&w->snap_lock);
	asked = ++w->conns_asked;
	pthread_mutex_unlock(&w->snap_lock);
	colo_worker_post(w, COLO_WORKER_SNAPSHOT);
	pthread_mutex_lock(&w->snap_lock);
	while (w->conns_done < asked && !w->exited && !r)
		r = pthread_cond_timedwait(&w->conns_cond, &w->snap_lock, &until);
	if (w->conns_done < asked)
		r = w->exited ? -ESRCH : -ETIMEDOUT;
	else if (!w->conns)
		r = -ENOMEM;
	if (!r) {
		*conns = w->conns;
		*n = w->nconns;
		*omitted = w->conns_omitted;
		w->conns = NULL;
	}
	pthread_mutex_unlock(&w->snap_lock);
	return r;
}
