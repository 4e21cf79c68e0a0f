/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Recent frames per flow, both sides, for divergence captures (run --capture-dir): at most
 * max_flows flows (the least recently fed one gives way) and flow_bytes of frames per flow
 * (the oldest frames go first). Frames are copied. Pure logic.
 */
#ifndef COLO_FLOW_HIST_H
#define COLO_FLOW_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "colo_xdp.h"

struct colo_flow_hist;

struct colo_flow_hist_stats {
	uint64_t frames;  /* frames kept */
	uint64_t too_big; /* frames over flow_bytes: not kept */
	uint64_t no_mem;  /* copies that failed */
	uint64_t evicted; /* flows that gave way to a new one */
	uint64_t bytes;	  /* bytes held now */
};

struct colo_flow_hist *colo_flow_hist_new(unsigned int max_flows, size_t flow_bytes);
void colo_flow_hist_free(struct colo_flow_hist *h);

void colo_flow_hist_add(struct colo_flow_hist *h, const struct colo_flow_key *key,
			enum colo_side side, uint64_t time_ns, const uint8_t *data, uint32_t len);

/* Calls fn for each kept frame of key, oldest first; returns how many. */
size_t colo_flow_hist_foreach(const struct colo_flow_hist *h, const struct colo_flow_key *key,
			      void (*fn)(void *ctx, enum colo_side side, uint64_t time_ns,
					 const uint8_t *data, uint32_t len),
			      void *ctx);

void colo_flow_hist_get_stats(const struct colo_flow_hist *h, struct colo_flow_hist_stats *st);

#endif /* COLO_FLOW_HIST_H */
