/* SPDX-License-Identifier: GPL-2.0-only */
/* TCP stream comparison by sequence number, in the primary's sequence space. */
#ifndef COLO_CMP_TCP_H
#define COLO_CMP_TCP_H

#include "lib/cmp_core.h"

/* Starts c's stream state afresh (a new connection, or a new incarnation of its 4-tuple). */
void tcp_init(struct conn *c);
/* Describes f from its parse fi, then compares, holds, releases or drops it. */
void tcp_feed(struct colo_cmp *cmp, struct conn *c, struct cframe *f,
	      const struct colo_frame_info *fi);
/* A checkpoint committed; keep: KEEP_STREAMS (the secondary's stream state stays). */
void tcp_commit(struct colo_cmp *cmp, struct conn *c, bool keep);
/* Frees c's stream state. */
void tcp_fini(struct colo_cmp *cmp, struct conn *c);
/* A checkpoint's origin at primary-space sequence seq of c, from side. */
struct colo_cp_where tcp_where(const struct conn *c, enum colo_side side, uint32_t seq);
/* ... at frame f's first byte, when its sequence maps to the primary's. */
struct colo_cp_where tcp_frame_where(const struct conn *c, const struct cframe *f);

#endif /* COLO_CMP_TCP_H */
