// SPDX-License-Identifier: GPL-2.0-only
/* Retransmission history rings (see retx_hist.h). */
#include <stdlib.h>

#define XXH_DISPATCH_DISABLE_REPLACE
#include <xxh_x86dispatch.h>

#include "lib/retx_hist.h"
#include "lib/seq.h"

void retx_budget_init(struct retx_budget *b, uint32_t retx_window, uint64_t limit)
{
	b->used = 0;
	b->limit = limit;
	b->max_entries = retx_window / RETX_HIST_BYTES_PER_ENTRY;
	if (b->max_entries < RETX_HIST_MIN)
		b->max_entries = RETX_HIST_MIN;
	b->refused = 0;
}

uint64_t retx_hash(const uint8_t *p, uint32_t n)
{
	/* AVX2 runs twice as fast as the SSE2 default. */
	return XXH3_64bits_dispatch(p, n);
}

static uint64_t extra_bytes(uint32_t cap)
{
	return cap > RETX_HIST_MIN ? (uint64_t)(cap - RETX_HIST_MIN) * sizeof(struct retx_entry)
				   : 0;
}

/*
 * Doubles the ring (oldest entry first in the new one). False if it may not or cannot; then
 * h->capped is set and the caller does not ask again.
 */
static bool grow(struct retx_hist *h, struct retx_budget *b)
{
	uint32_t cap, i;
	struct retx_entry *n;

	if (h->cap >= b->max_entries) {
		h->capped = true;
		return false;
	}
	cap = h->cap ? h->cap * 2 : RETX_HIST_MIN;
	if (cap > b->max_entries)
		cap = b->max_entries;
	if (b->used + extra_bytes(cap) - extra_bytes(h->cap) > b->limit ||
	    !(n = malloc(cap * sizeof(*n)))) {
		h->capped = true;
		b->refused++;
		return false;
	}
	b->used += extra_bytes(cap) - extra_bytes(h->cap);
	for (i = 0; i < h->len; i++)
		n[i] = *retx_hist_at(h, i);
	free(h->e);
	h->e = n;
	h->cap = cap;
	h->head = h->len % cap;
	return true;
}

void retx_hist_push(struct retx_hist *h, struct retx_budget *b, uint32_t seq, uint32_t n,
		    uint64_t hash)
{
	struct retx_entry *e;

	if (h->len == h->cap && (h->capped || !grow(h, b)) && !h->cap)
		return;
	e = &h->e[h->head];
	e->seq = seq;
	e->len = n;
	e->hash = hash;
	if (++h->head == h->cap)
		h->head = 0;
	if (h->len < h->cap)
		h->len++;
}

int64_t retx_hist_find(const struct retx_hist *h, uint32_t seq)
{
	uint32_t lo = 0, hi = h->len;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct retx_entry *e = retx_hist_at(h, mid);

		if (e->seq == seq)
			return mid;
		if (seq_lt(e->seq, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

void retx_hist_free(struct retx_hist *h, struct retx_budget *b)
{
	b->used -= extra_bytes(h->cap);
	free(h->e);
	*h = (struct retx_hist){0};
}
