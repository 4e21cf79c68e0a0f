/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Retransmission history of one TCP stream: a ring of (sequence range, hash) entries for the
 * last compared primary payload, ascending by sequence, so that a retransmission of bytes
 * already released can be verified without keeping them. The ring starts small and doubles up
 * to a per-stream maximum, within a memory budget shared by every stream of one comparator.
 */
#ifndef COLO_RETX_HIST_H
#define COLO_RETX_HIST_H

#include <stdbool.h>
#include <stdint.h>

#define RETX_HIST_MIN		  64  /* entries a ring starts with */
#define RETX_HIST_BYTES_PER_ENTRY 512 /* retransmission window / this = most entries per ring */

struct retx_entry {
	uint32_t seq;
	uint32_t len;
	uint64_t hash;
};

/* Shared by every ring of a comparator. */
struct retx_budget {
	uint64_t used;	      /* ring memory beyond each ring's first RETX_HIST_MIN entries */
	uint64_t limit;	      /* most bytes used may reach */
	uint32_t max_entries; /* per ring */
	uint64_t refused;     /* growths the budget or malloc refused */
};

struct retx_hist {
	struct retx_entry *e; /* ring of cap entries */
	uint32_t cap;	      /* grows by doubling up to budget->max_entries */
	uint32_t head;	      /* next slot written */
	uint32_t len;	      /* valid entries */
	bool capped;	      /* at its maximum or growth refused once: not asked again */
};

/* A budget for rings covering retx_window bytes each, limit bytes in all. */
void retx_budget_init(struct retx_budget *b, uint32_t retx_window, uint64_t limit);

/* The hash entries carry (XXH3, with the widest vector unit the CPU has). */
uint64_t retx_hash(const uint8_t *p, uint32_t n);

/* Forgets every entry; the ring's memory stays. */
static inline void retx_hist_clear(struct retx_hist *h)
{
	h->head = 0;
	h->len = 0;
}

/* Records [seq, seq + n) with its hash, overwriting the oldest entry when the ring is full. */
void retx_hist_push(struct retx_hist *h, struct retx_budget *b, uint32_t seq, uint32_t n,
		    uint64_t hash);

/* The i-th oldest entry (i < h->len). */
static inline const struct retx_entry *retx_hist_at(const struct retx_hist *h, uint32_t i)
{
	return &h->e[(h->head + h->cap - h->len + i) % h->cap];
}

/* Index of the entry starting at seq (binary search), or -1. */
int64_t retx_hist_find(const struct retx_hist *h, uint32_t seq);

/* Starts loading, for writing, the slot `ahead` pushes from now will take. */
static inline void retx_hist_prefetch(const struct retx_hist *h, uint32_t ahead)
{
	uint32_t i = h->head + ahead;

	if (h->e && i < h->cap)
		__builtin_prefetch(&h->e[i], 1);
}

/* Frees the ring and returns its memory to the budget. */
void retx_hist_free(struct retx_hist *h, struct retx_budget *b);

#endif /* COLO_RETX_HIST_H */
