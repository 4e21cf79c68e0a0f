// SPDX-License-Identifier: GPL-2.0-only
/* Recent frames per flow (see flow_hist.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "flow_hist.h"

struct hist_frame {
	TAILQ_ENTRY(hist_frame) q;
	uint64_t time_ns;
	uint32_t len;
	uint8_t side;
	uint8_t data[];
};
TAILQ_HEAD(hist_frames, hist_frame);

struct hist_flow {
	struct colo_flow_key key;
	bool used;
	uint64_t last_use; /* h->clock when last fed */
	size_t bytes;
	struct hist_frames frames;
};

struct colo_flow_hist {
	unsigned int max_flows;
	size_t flow_bytes;
	uint64_t clock;
	struct colo_flow_hist_stats st;
	struct hist_flow flows[];
};

struct colo_flow_hist *colo_flow_hist_new(unsigned int max_flows, size_t flow_bytes)
{
	struct colo_flow_hist *h;
	unsigned int i;

	if (!max_flows || !flow_bytes)
		return NULL;
	h = calloc(1, sizeof(*h) + max_flows * sizeof(h->flows[0]));
	if (!h)
		return NULL;
	h->max_flows = max_flows;
	h->flow_bytes = flow_bytes;
	for (i = 0; i < max_flows; i++)
		TAILQ_INIT(&h->flows[i].frames);
	return h;
}

static void drop_oldest(struct colo_flow_hist *h, struct hist_flow *fl)
{
	struct hist_frame *f = TAILQ_FIRST(&fl->frames);

	TAILQ_REMOVE(&fl->frames, f, q);
	fl->bytes -= f->len;
	h->st.bytes -= f->len;
	h->st.frames--;
	free(f);
}

static void flow_clear(struct colo_flow_hist *h, struct hist_flow *fl)
{
	while (!TAILQ_EMPTY(&fl->frames))
		drop_oldest(h, fl);
	fl->used = false;
}

void colo_flow_hist_free(struct colo_flow_hist *h)
{
	unsigned int i;

	if (!h)
		return;
	for (i = 0; i < h->max_flows; i++)
		flow_clear(h, &h->flows[i]);
	free(h);
}

static bool same_key(const struct colo_flow_key *a, const struct colo_flow_key *b)
{
	return !memcmp(a->saddr, b->saddr, sizeof(a->saddr)) &&
	       !memcmp(a->daddr, b->daddr, sizeof(a->daddr)) && a->sport == b->sport &&
	       a->dport == b->dport && a->proto == b->proto && a->family == b->family;
}

static struct hist_flow *find(const struct colo_flow_hist *h, const struct colo_flow_key *key)
{
	unsigned int i;

	for (i = 0; i < h->max_flows; i++)
		if (h->flows[i].used && same_key(&h->flows[i].key, key))
			return (struct hist_flow *)&h->flows[i];
	return NULL;
}

/* A free slot, else the least recently fed flow's, emptied. */
static struct hist_flow *take_slot(struct colo_flow_hist *h, const struct colo_flow_key *key)
{
	struct hist_flow *fl, *lru = &h->flows[0];
	unsigned int i;

	for (i = 0; i < h->max_flows; i++) {
		fl = &h->flows[i];
		if (!fl->used) {
			lru = fl;
			break;
		}
		if (fl->last_use < lru->last_use)
			lru = fl;
	}
	if (lru->used) {
		h->st.evicted++;
		flow_clear(h, lru);
	}
	lru->key = *key;
	lru->used = true;
	return lru;
}

void colo_flow_hist_add(struct colo_flow_hist *h, const struct colo_flow_key *key,
			enum colo_side side, uint64_t time_ns, const uint8_t *data, uint32_t len)
{
	struct hist_flow *fl;
	struct hist_frame *f;

	if (len > h->flow_bytes) {
		h->st.too_big++;
		return;
	}
	f = malloc(sizeof(*f) + len);
	if (!f) {
		h->st.no_mem++;
		return;
	}
	f->time_ns = time_ns;
	f->len = len;
	f->side = (uint8_t)side;
	memcpy(f->data, data, len);
	fl = find(h, key);
	if (!fl)
		fl = take_slot(h, key);
	fl->last_use = ++h->clock;
	while (fl->bytes + len > h->flow_bytes)
		drop_oldest(h, fl);
	TAILQ_INSERT_TAIL(&fl->frames, f, q);
	fl->bytes += len;
	h->st.bytes += len;
	h->st.frames++;
}

size_t colo_flow_hist_foreach(const struct colo_flow_hist *h, const struct colo_flow_key *key,
			      void (*fn)(void *ctx, enum colo_side side, uint64_t time_ns,
					 const uint8_t *data, uint32_t len),
			      void *ctx)
{
	const struct hist_flow *fl = find(h, key);
	const struct hist_frame *f;
	size_t n = 0;

	if (!fl)
		return 0;
	TAILQ_FOREACH(f, &fl->frames, q)
	{
		fn(ctx, (enum colo_side)f->side, f->time_ns, f->data, f->len);
		n++;
	}
	return n;
}

void colo_flow_hist_get_stats(const struct colo_flow_hist *h, struct colo_flow_hist_stats *st)
{
	*st = h->st;
}
