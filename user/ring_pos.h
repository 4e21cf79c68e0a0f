/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A BPF ring buffer's backlog, read from its consumer and producer position pages (mapped read
 * only): what the capture programs wrote and the worker has not consumed yet.
 */
#ifndef COLO_RING_POS_H
#define COLO_RING_POS_H

#include <stddef.h>
#include <stdint.h>

struct colo_ring_pos {
	const unsigned long *cons, *prod;
	size_t page_size;
	uint64_t size; /* the ring's data size in bytes */
};

/* Maps the position pages of the ring map ring_fd (the fd may be closed afterwards). -errno. */
int colo_ring_pos_open(struct colo_ring_pos *rp, int ring_fd);
/* Bytes written and not consumed; 0 when not mapped. */
uint64_t colo_ring_pos_used(const struct colo_ring_pos *rp);
void colo_ring_pos_close(struct colo_ring_pos *rp);

#endif /* COLO_RING_POS_H */
