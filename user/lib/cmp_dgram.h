/* SPDX-License-Identifier: GPL-2.0-only */
/* Datagram comparison (UDP, ICMP, other protocols, IP fragments): FIFO per flow. */
#ifndef COLO_CMP_DGRAM_H
#define COLO_CMP_DGRAM_H

#include "lib/cmp_core.h"

/* Describes f from its parse fi, then compares it with the other side's oldest or holds it. */
void dgram_feed(struct colo_cmp *cmp, struct conn *c, struct cframe *f,
		const struct colo_frame_info *fi);
/* A checkpoint committed; keep: KEEP_STREAMS (secondary datagrams beyond the primary's stay). */
void dgram_commit(struct conn *c, bool keep);

#endif /* COLO_CMP_DGRAM_H */
