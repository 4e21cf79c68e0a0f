// SPDX-License-Identifier: GPL-2.0-only
/*
 * The comparator's top layer: its API, the connection table, timeouts and commits. TCP streams
 * are compared in cmp_tcp.c, datagrams in cmp_dgram.c, held frames live in cmp_core.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cmp_dgram.h"
#include "lib/cmp_tcp.h"
#include "lib/compare_test.h"

#define MS		1000000ull
#define EVICT_SCAN	8    /* candidates looked at when the table is full */
#define TICK_SCAN	32   /* connections looked at per tick for closing/idle removal */
#define LRU_SLACK_SHIFT 4    /* a connection moves in its list at most every timeout / 16 */
#define PREFETCH_MAX	2048 /* frame bytes prefetched on arrival */
#define CACHE_LINE	64

void colo_cmp_limits_default(struct colo_cmp_limits *lim)
{
	lim->max_queue = 1024;
	lim->max_conns = 65536;
	lim->compare_timeout_ns = 3000 * MS;
	lim->idle_timeout_ns = 120000 * MS;
	lim->retx_window = 4u << 20;
	lim->retx_budget = 64ull << 20;
}

static uint32_t pow2_at_least(uint32_t v)
{
	uint32_t p = 1;

	while (p < v && p < (1u << 31))
		p <<= 1;
	return p;
}

static void fill_limits(struct colo_cmp_limits *dst, const struct colo_cmp_limits *src)
{
	struct colo_cmp_limits def;

	colo_cmp_limits_default(&def);
	*dst = src ? *src : def;
	if (!dst->max_queue)
		dst->max_queue = def.max_queue;
	if (!dst->max_conns)
		dst->max_conns = def.max_conns;
	if (!dst->compare_timeout_ns)
		dst->compare_timeout_ns = def.compare_timeout_ns;
	if (!dst->idle_timeout_ns)
		dst->idle_timeout_ns = def.idle_timeout_ns;
	if (!dst->retx_window)
		dst->retx_window = def.retx_window;
	if (!dst->retx_budget)
		dst->retx_budget = def.retx_budget;
}

struct colo_cmp *colo_cmp_new(const struct colo_cmp_limits *lim, const struct colo_cmp_ops *ops,
			      void *ctx)
{
	struct colo_cmp *cmp;
	uint32_t n;

	if (!ops || !ops->release || !ops->drop || !ops->checkpoint) {
		errno = EINVAL;
		return NULL;
	}
	cmp = calloc(1, sizeof(*cmp));
	if (!cmp)
		return NULL;
	fill_limits(&cmp->lim, lim);
	cmp->ops = *ops;
	cmp->ctx = ctx;
	n = pow2_at_least(cmp->lim.max_conns < 16 ? 16 : cmp->lim.max_conns);
	cmp->buckets = calloc(n, sizeof(*cmp->buckets));
	if (!cmp->buckets) {
		free(cmp);
		return NULL;
	}
	cmp->bucket_mask = n - 1;
	TAILQ_INIT(&cmp->lru);
	TAILQ_INIT(&cmp->closed);
	TAILQ_INIT(&cmp->age);
	retx_budget_init(&cmp->hist_budget, cmp->lim.retx_window, cmp->lim.retx_budget);
	return cmp;
}

/* Where frame f stands: its stream position for TCP data, else its side only. */
static struct colo_cp_where frame_where(const struct conn *c, const struct cframe *f)
{
	if (c->is_tcp)
		return tcp_frame_where(c, f);
	return (struct colo_cp_where){.side = f->side};
}

/* ---- connection table ---- */

/*
 * One 8-byte word of a key. The empty asm keeps the compiler from merging two such loads into
 * one 16-byte load, which would span two of the parser's stores and stall.
 */
static inline uint64_t key_word(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	__asm__("" : "+r"(w));
	return w;
}

/*
 * Table hash. Keys are oriented, so it need not be symmetric like colo_flow_key_hash (slower).
 * It reads the key in the units the parser wrote it (8-byte address halves, 2-byte ports,
 * bytes), so the loads are served from those just-made stores instead of stalling.
 */
static uint32_t key_hash(const struct colo_cmp *cmp, const struct colo_flow_key *k)
{
	uint64_t w[4] = {key_word(k->saddr), key_word(k->saddr + 8), key_word(k->daddr),
			 key_word(k->daddr + 8)};
	uint64_t h = cmp->lim.hash_seed ^ (uint64_t)k->sport << 48 ^ (uint64_t)k->dport << 32 ^
		     (uint64_t)k->proto << 8 ^ k->family;
	int i;

	for (i = 0; i < 4; i++)
		h = (h ^ w[i]) * 0x9e3779b97f4a7c15ull;
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ull;
	return (uint32_t)(h ^ h >> 32);
}

static struct conn_bucket *bucket_of(struct colo_cmp *cmp, uint32_t hash)
{
	return &cmp->buckets[hash & cmp->bucket_mask];
}

static struct conn *conn_lookup(struct colo_cmp *cmp, const struct colo_flow_key *key,
				uint32_t hash)
{
	struct conn *c;

	LIST_FOREACH(c, bucket_of(cmp, hash), hnode)
	if (c->hash == hash && !memcmp(&c->key, key, sizeof(*key)))
		return c;
	return NULL;
}

static bool conn_empty(const struct conn *c)
{
	return !c->nq[SIDE_P] && !c->nq[SIDE_S];
}

static struct conn_list *conn_list_of(struct colo_cmp *cmp, struct conn *c)
{
	return c->closed ? &cmp->closed : &cmp->lru;
}

static void conn_remove(struct colo_cmp *cmp, struct conn *c)
{
	if (cmp->last == c)
		cmp->last = NULL;
	LIST_REMOVE(c, hnode);
	TAILQ_REMOVE(conn_list_of(cmp, c), c, lru);
	if (c->is_tcp)
		tcp_fini(cmp, c);
	cmp->st.conns--;
	free(c);
}

/* Frees a slot: a closed empty connection first, else one idle past idle_timeout. */
static bool conn_evict_one(struct colo_cmp *cmp, uint64_t now)
{
	struct conn *c;
	int n = 0;

	TAILQ_FOREACH(c, &cmp->closed, lru)
	{
		if (n++ == EVICT_SCAN)
			break;
		if (conn_empty(c))
			goto evict;
	}
	n = 0;
	TAILQ_FOREACH(c, &cmp->lru, lru)
	{
		if (n++ == EVICT_SCAN || c->lru_ns + cmp->lim.idle_timeout_ns > now)
			break;
		if (conn_empty(c) && c->last_ns + cmp->lim.idle_timeout_ns <= now)
			goto evict;
	}
	return false;
evict:
	conn_remove(cmp, c);
	cmp->st.conns_evicted++;
	return true;
}

static struct conn *conn_create(struct colo_cmp *cmp, const struct colo_frame_info *fi,
				uint32_t hash, uint64_t now)
{
	struct conn *c;

	if (cmp->st.conns >= cmp->lim.max_conns && !conn_evict_one(cmp, now))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->key = fi->key;
	c->hash = hash;
	c->last_ns = now;
	c->lru_ns = now;
	TAILQ_INIT(&c->q[SIDE_P]);
	TAILQ_INIT(&c->q[SIDE_S]);
	c->is_tcp = fi->key.proto == IPPROTO_TCP && !fi->fragment;
	if (c->is_tcp)
		tcp_init(c);
	LIST_INSERT_HEAD(bucket_of(cmp, hash), c, hnode);
	TAILQ_INSERT_TAIL(&cmp->lru, c, lru);
	cmp->st.conns++;
	return c;
}

/*
 * The connection of fi, created if new; NULL if there is no slot. Frames come in bursts per flow:
 * the last frame's connection is tried first, without hashing.
 */
static struct conn *conn_get(struct colo_cmp *cmp, const struct colo_frame_info *fi, uint64_t now)
{
	struct conn *c = cmp->last;
	uint32_t hash;

	if (c && !memcmp(&c->key, &fi->key, sizeof(fi->key)))
		return c;
	hash = key_hash(cmp, &fi->key);
	c = conn_lookup(cmp, &fi->key, hash);
	if (!c)
		c = conn_create(cmp, fi, hash, now);
	if (c)
		cmp->last = c;
	return c;
}

static void conn_requeue(struct conn_list *list, struct conn *c, uint64_t now)
{
	c->lru_ns = now;
	if (TAILQ_NEXT(c, lru)) {
		TAILQ_REMOVE(list, c, lru);
		TAILQ_INSERT_TAIL(list, c, lru);
	}
}

/*
 * Lists stay ordered by lru_ns, which lags last_ns by at most timeout / 16: moving a busy
 * connection on every frame would touch two neighbours' cache lines each time.
 */
static void conn_touch(struct colo_cmp *cmp, struct conn *c, uint64_t now)
{
	uint64_t slack = cmp->lim.compare_timeout_ns >> LRU_SLACK_SHIFT;

	if (now > c->last_ns)
		c->last_ns = now;
	if (now - c->lru_ns >= slack)
		conn_requeue(conn_list_of(cmp, c), c, now);
}

/* ---- VLAN tags ---- */

/*
 * A frame's VLAN tags as on the wire, outer first: the capture record's (they include the one
 * VLAN offload keeps in skb metadata, outside the frame bytes), else the frame's own.
 */
static void frame_vlans(const struct colo_frame_in *in, struct colo_vlan_tag *tags)
{
	uint32_t off = 12, i;
	uint16_t tpid;

	memset(tags, 0, COLO_REC_VLANS * sizeof(*tags));
	if (in->rec) {
		memcpy(tags, in->rec->vlan, sizeof(in->rec->vlan));
		return;
	}
	for (i = 0; i < COLO_REC_VLANS && off + 4 <= in->len; i++, off += 4) {
		tpid = (uint16_t)(in->data[off] << 8 | in->data[off + 1]);
		if (tpid != 0x8100 && tpid != 0x88a8)
			break;
		memcpy(&tags[i], in->data + off, sizeof(tags[i]));
	}
}

/*
 * A flow's frames carry the same VLAN tags throughout: replicas that tag it differently, or a
 * replica that changes its tags, diverge (a mismatch, like different bytes).
 */
static void vlan_check(struct colo_cmp *cmp, struct conn *c, const struct colo_frame_in *in)
{
	struct colo_vlan_tag tags[COLO_REC_VLANS], *mine = c->vlan[in->side];
	size_t size = sizeof(tags);
	int other = !in->side;
	bool changed;

	frame_vlans(in, tags);
	changed = c->vlan_seen[in->side] && memcmp(mine, tags, size);
	memcpy(mine, tags, size);
	c->vlan_seen[in->side] = true;
	if (changed || (c->vlan_seen[other] && memcmp(c->vlan[other], mine, size)))
		cmp_diverge(cmp, c, &(struct colo_cp_where){.side = SIDE_P}, in->time_ns);
}

/* ---- API ---- */

/*
 * Starts loading a new frame's bytes: they are parsed now and compared now or when the other
 * side's arrive, and a frame fresh from a capture ring is rarely in this core's cache.
 * Explicit prefetches keep more misses in flight than the hardware's stream prefetcher.
 */
static void prefetch_frame(const struct colo_frame_in *in)
{
	uint32_t n = in->len < PREFETCH_MAX ? in->len : PREFETCH_MAX;

	for (uint32_t o = 0; o < n; o += CACHE_LINE)
		__builtin_prefetch(in->data + o);
}

int colo_cmp_feed(struct colo_cmp *cmp, const struct colo_frame_in *in)
{
	struct colo_frame_info fi;
	struct cframe *f;
	struct conn *c;

	if (!cmp || !in || (unsigned int)in->side >= COLO_SIDE_MAX || (!in->data && in->len))
		return -EINVAL;
	cmp->st.frames_in[in->side]++;
	/* A capture that missed part of the frame can be neither compared nor released. */
	if (in->rec && ((in->rec->flags & COLO_REC_TRUNCATED) || in->rec->frame_len > in->len)) {
		cmp_drop_raw(cmp, in, COLO_DROP_MALFORMED);
		return 0;
	}
	prefetch_frame(in);
	if (colo_frame_parse(in->data, in->len, &fi) != COLO_FRAME_IP) {
		cmp_drop_raw(cmp, in, COLO_DROP_MALFORMED);
		return 0;
	}
	c = conn_get(cmp, &fi, in->time_ns);
	if (!c) {
		/* No slot: drop rather than release uncompared; TCP retransmits. */
		cmp->st.conns_refused++;
		cmp_trigger(cmp, COLO_CP_TABLE_FULL, &fi.key,
			    &(struct colo_cp_where){.side = in->side}, in->time_ns);
		cmp_drop_raw(cmp, in, COLO_DROP_REFUSED);
		return 0;
	}
	if (c->is_tcp != (fi.key.proto == IPPROTO_TCP && !fi.fragment)) {
		cmp_drop_raw(cmp, in, COLO_DROP_MALFORMED);
		return 0;
	}
	conn_touch(cmp, c, in->time_ns);
	vlan_check(cmp, c, in);
	f = cmp_frame_get(cmp, c, in);
	if (!f)
		return -ENOMEM;
	if (c->is_tcp) {
		tcp_feed(cmp, c, f, &fi);
	} else {
		dgram_feed(cmp, c, f, &fi);
	}
	return 0;
}

/* The oldest held frame (arrival order) past compare_timeout requests a checkpoint. */
static void tick_timeout(struct colo_cmp *cmp, uint64_t now)
{
	struct cframe *f = TAILQ_FIRST(&cmp->age);
	struct colo_cp_where where;

	if (!f || f->time_ns + cmp->lim.compare_timeout_ns > now)
		return;
	if (!f->timed_out || !cmp->pending) {
		f->timed_out = 1;
		where = frame_where(f->conn, f);
		where.waited_ns = now - f->time_ns;
		f->conn->checkpoints +=
			cmp_trigger(cmp, COLO_CP_TIMEOUT, &f->conn->key, &where, now);
	}
}

/* Removes up to TICK_SCAN expired empty connections from the head of list. */
static void tick_expire(struct colo_cmp *cmp, struct conn_list *list, uint64_t ttl, uint64_t now)
{
	struct conn *c;
	int n;

	for (n = 0; n < TICK_SCAN && (c = TAILQ_FIRST(list)); n++) {
		if (c->lru_ns + ttl > now)
			return;
		if (c->last_ns + ttl <= now && conn_empty(c))
			conn_remove(cmp, c);
		else
			conn_requeue(list, c, now); /* active since, or holding frames */
	}
}

void colo_cmp_tick(struct colo_cmp *cmp, uint64_t now_ns)
{
	if (!cmp)
		return;
	tick_timeout(cmp, now_ns);
	/*
	 * Closed connections stay until idle too, keeping their offsets for late retransmissions
	 * and the secondary's late frames (but they are the first evicted when the table is full).
	 */
	tick_expire(cmp, &cmp->closed, cmp->lim.idle_timeout_ns, now_ns);
	tick_expire(cmp, &cmp->lru, cmp->lim.idle_timeout_ns, now_ns);
}

static void commit_conns(struct colo_cmp *cmp, struct conn_list *list, bool keep)
{
	struct conn *c;

	TAILQ_FOREACH(c, list, lru)
	{
		if (c->is_tcp)
			tcp_commit(cmp, c, keep);
		else
			dgram_commit(c, keep);
	}
}

void colo_cmp_commit(struct colo_cmp *cmp, uint64_t now_ns, unsigned int flags)
{
	bool keep = flags & COLO_COMMIT_KEEP_STREAMS;
	struct cframe *f, *tmp;

	if (!cmp)
		return;
	/* First decide per connection what survives, then empty the queues in arrival order. */
	commit_conns(cmp, &cmp->lru, keep);
	commit_conns(cmp, &cmp->closed, keep);
	TAILQ_FOREACH_SAFE(f, &cmp->age, age, tmp)
	{
		if (f->side == SIDE_P) {
			cmp_release(cmp, f);
		} else if (f->keep) {
			f->keep = 0;
			f->timed_out = 0;
			f->time_ns = now_ns;
		} else {
			cmp_drop(cmp, f, COLO_DROP_COMMIT);
		}
	}
	cmp->pending = false;
	cmp->st.commits++;
}

void colo_cmp_abort(struct colo_cmp *cmp, uint64_t now_ns)
{
	(void)now_ns;
	if (cmp)
		cmp->pending = false;
}

bool colo_cmp_checkpoint_pending(const struct colo_cmp *cmp)
{
	return cmp && cmp->pending;
}

void colo_cmp_get_stats(const struct colo_cmp *cmp, struct colo_cmp_stats *stats)
{
	*stats = cmp->st;
	stats->retx_no_window = cmp->hist_budget.refused;
}

static void conn_info(const struct conn *c, struct colo_cmp_conn_info *ci)
{
	const struct cframe *f;
	int side;

	memset(ci, 0, sizeof(*ci));
	ci->key = c->key;
	ci->is_tcp = c->is_tcp;
	ci->closed = c->closed;
	ci->diverged = c->diverged;
	ci->offset_known = c->is_tcp && c->tcp.off_known;
	ci->seq_offset = c->tcp.off;
	ci->pos_valid = c->is_tcp && c->tcp.pos_valid;
	if (ci->pos_valid) {
		ci->next_seq = c->tcp.next;
		ci->compared = c->tcp.next - c->tcp.start;
	}
	ci->checkpoints = c->checkpoints;
	ci->last_ns = c->last_ns;
	for (side = 0; side < COLO_SIDE_MAX; side++) {
		ci->held[side] = c->nq[side];
		TAILQ_FOREACH(f, &c->q[side], q)
		{
			ci->held_bytes[side] += f->len;
			if (!ci->oldest_ns || f->time_ns < ci->oldest_ns)
				ci->oldest_ns = f->time_ns;
		}
	}
}

void colo_cmp_conns_foreach(const struct colo_cmp *cmp,
			    void (*fn)(void *ctx, const struct colo_cmp_conn_info *ci), void *ctx)
{
	const struct conn_list *lists[] = {&cmp->lru, &cmp->closed};
	struct colo_cmp_conn_info ci;
	const struct conn *c;
	size_t i;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		TAILQ_FOREACH(c, lists[i], lru)
		{
			conn_info(c, &ci);
			fn(ctx, &ci);
		}
	}
}

static void free_list(struct colo_cmp *cmp, struct conn_list *list)
{
	struct conn *c;

	while ((c = TAILQ_FIRST(list)))
		conn_remove(cmp, c);
}

void colo_cmp_free(struct colo_cmp *cmp)
{
	struct cframe *f;

	if (!cmp)
		return;
	while ((f = TAILQ_FIRST(&cmp->age)))
		cmp_drop(cmp, f, COLO_DROP_SHUTDOWN);
	free_list(cmp, &cmp->lru);
	free_list(cmp, &cmp->closed);
	cmp_pool_free(cmp);
	free(cmp->buckets);
	free(cmp);
}
