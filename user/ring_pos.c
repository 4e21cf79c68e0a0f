// SPDX-License-Identifier: GPL-2.0-only
/* A BPF ring buffer's backlog (see ring_pos.h). */
#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ring_pos.h"

int colo_ring_pos_open(struct colo_ring_pos *rp, int ring_fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	void *c, *p;

	memset(rp, 0, sizeof(*rp));
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(ring_fd, &info, &len))
		return -errno;
	rp->size = info.max_entries;
	rp->page_size = (size_t)sysconf(_SC_PAGESIZE);
	/* Page 0 holds the consumer position, page 1 the producer's. */
	c = mmap(NULL, rp->page_size, PROT_READ, MAP_SHARED, ring_fd, 0);
	if (c == MAP_FAILED)
		return -errno;
	p = mmap(NULL, rp->page_size, PROT_READ, MAP_SHARED, ring_fd, (off_t)rp->page_size);
	if (p == MAP_FAILED) {
		munmap(c, rp->page_size);
		return -errno;
	}
	rp->cons = c;
	rp->prod = p;
	return 0;
}

uint64_t colo_ring_pos_used(const struct colo_ring_pos *rp)
{
	if (!rp->cons)
		return 0;
	return __atomic_load_n(rp->prod, __ATOMIC_ACQUIRE) -
	       __atomic_load_n(rp->cons, __ATOMIC_ACQUIRE);
}

void colo_ring_pos_close(struct colo_ring_pos *rp)
{
	if (rp->cons) {
		munmap((void *)rp->cons, rp->page_size);
		munmap((void *)rp->prod, rp->page_size);
	}
	memset(rp, 0, sizeof(*rp));
}
