// SPDX-License-Identifier: GPL-2.0-only
/*
 * AF_XDP release backend: an XSK socket in copy mode, TX only. It has neither checksum offload
 * nor GSO, so frames are segmented and checksummed in software here. One socket per queue: the
 * workers of a process share it, one flush at a time.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/xsk.h>

#include "release_backend.h"

#define XSK_FRAMES     2048
#define XSK_FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE
#define XSK_RING       1024
#define XSK_KICK_EVERY 32 /* copy mode sends at most 32 descriptors per kick */
#define XSK_MAX_KICKS  1000

struct afxdp {
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_ring_prod tx;
	void *area;
	uint64_t free_addr[XSK_FRAMES];
	uint32_t nfree;
	uint32_t unkicked;
	pthread_mutex_t lock; /* one flush at a time */
	unsigned int refs;
	int ifindex;
	unsigned int queue_id;
};

static pthread_mutex_t afxdp_shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct afxdp *afxdp_shared;

static int afxdp_open(struct afxdp *x, int ifindex, unsigned int queue_id, char *err, size_t errlen)
{
	struct xsk_umem_config ucfg = {
		.fill_size = XSK_RING,
		.comp_size = XSK_RING,
		.frame_size = XSK_FRAME_SIZE,
		.frame_headroom = 0,
	};
	struct xsk_socket_config scfg = {
		.rx_size = XSK_RING,
		.tx_size = XSK_RING,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD, /* TX only: no XDP program */
		.bind_flags = XDP_COPY,
	};
	char ifname[IF_NAMESIZE];
	size_t size = (size_t)XSK_FRAMES * XSK_FRAME_SIZE;
	uint32_t i;
	int r;

	if (!if_indextoname(ifindex, ifname)) {
		snprintf(err, errlen, "AF_XDP: ifindex %d: %s", ifindex, strerror(errno));
		return -1;
	}
	if (posix_memalign(&x->area, getpagesize(), size)) {
		snprintf(err, errlen, "AF_XDP: out of memory for the umem");
		return -1;
	}
	r = xsk_umem__create(&x->umem, x->area, size, &x->fill, &x->comp, &ucfg);
	if (r) {
		snprintf(err, errlen, "AF_XDP umem: %s", strerror(-r));
		goto free_area;
	}
	r = xsk_socket__create(&x->xsk, ifname, queue_id, x->umem, NULL, &x->tx, &scfg);
	if (r) {
		snprintf(err, errlen, "AF_XDP socket on %s queue %u: %s", ifname, queue_id,
			 strerror(-r));
		goto free_umem;
	}
	for (i = 0; i < XSK_FRAMES; i++)
		x->free_addr[i] = (uint64_t)i * XSK_FRAME_SIZE;
	x->nfree = XSK_FRAMES;
	return 0;
free_umem:
	xsk_umem__delete(x->umem);
free_area:
	free(x->area);
	x->area = NULL;
	return -1;
}

static void afxdp_close(struct afxdp *x)
{
	if (x->xsk)
		xsk_socket__delete(x->xsk);
	if (x->umem)
		xsk_umem__delete(x->umem);
	free(x->area);
}

/* The process's AF_XDP socket on ifindex/queue_id, opened by its first user. */
static struct afxdp *afxdp_get(int ifindex, unsigned int queue_id, char *err, size_t errlen)
{
	struct afxdp *x;

	pthread_mutex_lock(&afxdp_shared_lock);
	x = afxdp_shared;
	if (x && (x->ifindex != ifindex || x->queue_id != queue_id)) {
		snprintf(err, errlen, "AF_XDP: one release interface per process");
		x = NULL;
	} else if (x) {
		x->refs++;
	} else {
		x = calloc(1, sizeof(*x));
		if (x && !afxdp_open(x, ifindex, queue_id, err, errlen)) {
			pthread_mutex_init(&x->lock, NULL);
			x->refs = 1;
			x->ifindex = ifindex;
			x->queue_id = queue_id;
			afxdp_shared = x;
		} else {
			if (!x)
				snprintf(err, errlen, "AF_XDP: out of memory");
			free(x);
			x = NULL;
		}
	}
	pthread_mutex_unlock(&afxdp_shared_lock);
	return x;
}

static void afxdp_put(struct afxdp *x)
{
	pthread_mutex_lock(&afxdp_shared_lock);
	if (!--x->refs) {
		afxdp_close(x);
		pthread_mutex_destroy(&x->lock);
		free(x);
		afxdp_shared = NULL;
	}
	pthread_mutex_unlock(&afxdp_shared_lock);
}

static void afxdp_reclaim(struct afxdp *x)
{
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(&x->comp, XSK_RING, &idx);
	for (i = 0; i < n; i++)
		x->free_addr[x->nfree++] = *xsk_ring_cons__comp_addr(&x->comp, idx + i);
	if (n)
		xsk_ring_cons__release(&x->comp, n);
}

/* Copy mode transmits at most 32 descriptors per sendto(): kick until the ring is drained. */
static void afxdp_kick(struct afxdp *x)
{
	int i;

	for (i = 0; i < XSK_MAX_KICKS; i++) {
		if (sendto(xsk_socket__fd(x->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
			break;
		if (errno != EAGAIN && errno != EBUSY && errno != ENOBUFS && errno != EINTR)
			break;
		afxdp_reclaim(x);
	}
	x->unkicked = 0;
	afxdp_reclaim(x);
}

/* Returns a free umem frame address, kicking the kernel to complete sends when none is free. */
static bool afxdp_frame(struct afxdp *x, uint64_t *addr)
{
	int tries;

	for (tries = 0; !x->nfree && tries < XSK_MAX_KICKS; tries++) {
		afxdp_kick(x);
		if (!x->nfree)
			poll(&(struct pollfd){.fd = xsk_socket__fd(x->xsk), .events = POLLOUT}, 1,
			     1);
	}
	if (!x->nfree)
		return false;
	*addr = x->free_addr[--x->nfree];
	return true;
}

static bool afxdp_submit(struct afxdp *x, uint64_t addr, uint32_t len)
{
	uint32_t idx;
	int tries;

	for (tries = 0; xsk_ring_prod__reserve(&x->tx, 1, &idx) != 1; tries++) {
		if (tries >= XSK_MAX_KICKS) {
			x->free_addr[x->nfree++] = addr;
			return false;
		}
		afxdp_kick(x);
	}
	xsk_ring_prod__tx_desc(&x->tx, idx)->addr = addr;
	xsk_ring_prod__tx_desc(&x->tx, idx)->len = len;
	xsk_ring_prod__submit(&x->tx, 1);
	if (++x->unkicked >= XSK_KICK_EVERY)
		afxdp_kick(x);
	return true;
}

/* Copies one packet into a umem frame (with a metadata VLAN tag back in) and queues it. */
static bool afxdp_send_copy(struct colo_release *rel, const uint8_t *f, uint32_t len,
			    const struct colo_rec *rec)
{
	struct afxdp *x = rel->backend;
	uint8_t *buf;
	uint64_t addr;

	if (!afxdp_frame(x, &addr))
		return false;
	buf = xsk_umem__get_data(x->area, addr);
	memcpy(buf, f, len);
	len = colo_release_insert_tag(buf, len, XSK_FRAME_SIZE, rec);
	if (!len) {
		x->free_addr[x->nfree++] = addr;
		return false;
	}
	if (!afxdp_submit(x, addr, len))
		return false;
	rel->stats.bytes += len;
	return true;
}

static bool afxdp_send_segment(struct colo_release *rel, const uint8_t *f,
			       const struct colo_rec *rec, const struct colo_l4_layout *lay,
			       uint32_t off, uint32_t plen, uint16_t index, bool last)
{
	struct afxdp *x = rel->backend;
	uint8_t *buf;
	uint64_t addr;
	uint32_t len;

	if (!afxdp_frame(x, &addr))
		return false;
	buf = xsk_umem__get_data(x->area, addr);
	len = colo_segment_build(buf, f, lay, off, plen, index, last, true, NULL);
	len = colo_release_insert_tag(buf, len, XSK_FRAME_SIZE, rec);
	if (!len) {
		x->free_addr[x->nfree++] = addr;
		return false;
	}
	if (!afxdp_submit(x, addr, len))
		return false;
	rel->stats.bytes += len;
	rel->stats.segments++;
	return true;
}

static bool afxdp_send_one(struct colo_release *rel, uint8_t *f, uint32_t len,
			   const struct colo_rec *rec, const struct colo_l4_layout *lay)
{
	uint32_t payload, mss, off;

	if (!lay->valid)
		return len <= XSK_FRAME_SIZE && afxdp_send_copy(rel, f, len, rec);
	payload = lay->ip_end - lay->hdr_len;
	mss = rec->flags & COLO_REC_GSO ? rec->gso_size : 0;
	if (!mss || payload <= mss) {
		if (lay->ip_end > XSK_FRAME_SIZE)
			return false;
		if (!colo_l4_udp4_no_csum(f, lay, rec))
			colo_l4_csum_full(f, lay);
		return afxdp_send_copy(rel, f, lay->ip_end, rec);
	}
	if (lay->hdr_len + mss > XSK_FRAME_SIZE)
		return false;
	for (off = 0; off < payload; off += mss) {
		uint32_t plen = payload - off < mss ? payload - off : mss;

		if (!afxdp_send_segment(rel, f, rec, lay, off, plen, off / mss,
					off + plen >= payload))
			return false;
	}
	return true;
}

static void afxdp_flush(struct colo_release *rel)
{
	struct afxdp *x = rel->backend;
	uint32_t i;

	pthread_mutex_lock(&x->lock);
	for (i = 0; i < rel->n; i++) {
		if (afxdp_send_one(rel, rel->frames[i], rel->lens[i], rel->recs[i], rel->lays[i]))
			rel->stats.frames++;
		else
			rel->stats.refused++;
	}
	afxdp_kick(x);
	pthread_mutex_unlock(&x->lock);
}

static int afxdp_attach(struct colo_release *rel, int ifindex, unsigned int queue_id, char *err,
			size_t errlen)
{
	rel->backend = afxdp_get(ifindex, queue_id, err, errlen);
	return rel->backend ? 0 : -1;
}

static void afxdp_detach(struct colo_release *rel)
{
	afxdp_put(rel->backend);
}

const struct colo_release_ops colo_release_afxdp_ops = {
	.open = afxdp_attach,
	.flush = afxdp_flush,
	.close = afxdp_detach,
};
