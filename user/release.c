// SPDX-License-Identifier: GPL-2.0-only
/*
 * Release path (see release.h). AF_PACKET keeps the kernel's offloads: each frame carries a
 * virtio-net header asking for the L4 checksum (over the folded pseudo-header sum we write into
 * the checksum field, which is right whether the captured frame was CHECKSUM_PARTIAL or
 * complete) and, for GSO super-frames, the segmentation parameters. AF_XDP has neither, so
 * frames are segmented and checksummed in software there.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/xsk.h>

#include "release.h"

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/* SKB_GSO_TCP_ECN from the kernel's skbuff.h (not in uapi). */
#define COLO_SKB_GSO_TCP_ECN 4u

#define RELEASE_BATCH  64
#define XSK_FRAMES     2048
#define XSK_FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE
#define XSK_RING       1024
#define XSK_KICK_EVERY 32 /* copy mode sends at most 32 descriptors per kick */
#define XSK_MAX_KICKS  1000

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_CWR 0x80

/* Validated layout of one IP frame. */
struct l4_layout {
	uint16_t l3_off;
	uint16_t l4_off;
	uint16_t hdr_len; /* L2 + L3 + L4 headers (TCP with options) */
	uint32_t ip_end;  /* end of the IP datagram inside the frame */
	uint8_t family;
	uint8_t proto;
	uint16_t csum_offset; /* checksum field offset inside the L4 header */
};

struct afpacket {
	int fd;
	struct mmsghdr msgs[RELEASE_BATCH];
	struct iovec iov[RELEASE_BATCH][2];
	struct virtio_net_hdr vnet[RELEASE_BATCH];
};

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
	/* One socket per queue: the workers of a process share it, one flush at a time. */
	pthread_mutex_t lock;
	unsigned int refs;
	int ifindex;
	unsigned int queue_id;
};

static pthread_mutex_t afxdp_shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct afxdp *afxdp_shared;

struct colo_release {
	enum colo_release_mode mode;
	uint32_t mtu; /* of the release interface */
	colo_release_done_fn done;
	void *ctx;
	uint32_t n;
	void *cookies[RELEASE_BATCH];
	uint8_t *frames[RELEASE_BATCH];
	uint32_t lens[RELEASE_BATCH];
	struct colo_rec recs[RELEASE_BATCH];
	struct afpacket pkt;
	struct afxdp *xdp;
	struct colo_release_stats stats;
};

int colo_release_mode_parse(const char *name, enum colo_release_mode *mode)
{
	if (!strcmp(name, "afpacket"))
		*mode = COLO_RELEASE_AFPACKET;
	else if (!strcmp(name, "afxdp"))
		*mode = COLO_RELEASE_AFXDP;
	else
		return -1;
	return 0;
}

const char *colo_release_mode_name(enum colo_release_mode mode)
{
	return mode == COLO_RELEASE_AFXDP ? "afxdp" : "afpacket";
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint32_t csum_bytes(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get_be16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	/* Fold early so long buffers cannot overflow. */
	return (sum & 0xffff) + (sum >> 16);
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * Checks the IP and L4 headers of a frame that carries a checksummed L4 (TCP or UDP, not a
 * fragment). Returns false for anything else: such frames are sent as they are.
 */
static bool l4_layout(const uint8_t *f, uint32_t len, const struct colo_rec *rec,
		      struct l4_layout *lay)
{
	uint32_t l3 = rec->l3_off, l4 = rec->l4_off, l4hdr;

	if (rec->flags & COLO_REC_FRAGMENT || !l3 || !l4 || l4 <= l3 || l4 >= len)
		return false;
	if (rec->l4_proto != IPPROTO_TCP && rec->l4_proto != IPPROTO_UDP)
		return false;
	if (rec->family == 4) {
		uint32_t ihl;

		if (l3 + 20 > len || f[l3] >> 4 != 4)
			return false;
		ihl = (f[l3] & 0xf) * 4u;
		if (ihl < 20 || l3 + ihl != l4 || f[l3 + 9] != rec->l4_proto)
			return false;
		lay->ip_end = l3 + get_be16(f + l3 + 2);
	} else if (rec->family == 6) {
		uint32_t plen;

		if (l3 + 40 > len || f[l3] >> 4 != 6 || l4 < l3 + 40)
			return false;
		plen = get_be16(f + l3 + 4);
		lay->ip_end = plen ? l3 + 40 + plen : len; /* 0: jumbo payload, use the frame */
	} else {
		return false;
	}
	if (rec->l4_proto == IPPROTO_TCP) {
		if (l4 + 20 > len)
			return false;
		l4hdr = (f[l4 + 12] >> 4) * 4u;
		if (l4hdr < 20)
			return false;
		lay->csum_offset = 16;
	} else {
		l4hdr = 8;
		lay->csum_offset = 6;
	}
	if (lay->ip_end > len || lay->ip_end < l4 + l4hdr)
		return false;
	lay->l3_off = l3;
	lay->l4_off = l4;
	lay->hdr_len = l4 + l4hdr;
	lay->family = rec->family;
	lay->proto = rec->l4_proto;
	return true;
}

/* Unfolded pseudo-header sum for an L4 segment of l4len bytes. */
static uint32_t pseudo_sum(const uint8_t *f, const struct l4_layout *lay, uint32_t l4len)
{
	uint32_t sum = lay->proto;

	if (lay->family == 4)
		sum = csum_bytes(sum, f + lay->l3_off + 12, 8);
	else
		sum = csum_bytes(sum, f + lay->l3_off + 8, 32);
	sum += l4len & 0xffff;
	sum += l4len >> 16;
	return sum;
}

/* Full software checksum of the L4 segment [l4_off, ip_end). */
static void l4_csum_sw(uint8_t *f, const struct l4_layout *lay)
{
	uint32_t l4len = lay->ip_end - lay->l4_off;
	uint8_t *field = f + lay->l4_off + lay->csum_offset;
	uint16_t c;

	put_be16(field, 0);
	c = ~csum_fold(csum_bytes(pseudo_sum(f, lay, l4len), f + lay->l4_off, l4len));
	if (lay->proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	put_be16(field, c);
}

static void ipv4_csum_sw(uint8_t *f, uint32_t l3)
{
	uint32_t ihl = (f[l3] & 0xf) * 4u;

	put_be16(f + l3 + 10, 0);
	put_be16(f + l3 + 10, ~csum_fold(csum_bytes(0, f + l3, ihl)));
}

/* The interface's MTU, or 1500 when it cannot be read. */
static uint32_t iface_mtu(int ifindex)
{
	struct ifreq ifr = {};
	int fd, r = -1;

	if (!if_indextoname(ifindex, ifr.ifr_name))
		return 1500;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		r = ioctl(fd, SIOCGIFMTU, &ifr);
		close(fd);
	}
	return r || ifr.ifr_mtu < 576 ? 1500 : (uint32_t)ifr.ifr_mtu;
}

/* ---- AF_PACKET ---------------------------------------------------------------------------- */

static int afpacket_open(struct afpacket *pkt, int ifindex, char *err, size_t errlen)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = ifindex,
	};
	int one = 1, sndbuf = 8 << 20;

	/* Protocol 0: this socket only sends, it never receives a copy of the traffic. */
	pkt->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (pkt->fd < 0) {
		snprintf(err, errlen, "AF_PACKET socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(pkt->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
	    bind(pkt->fd, (struct sockaddr *)&sll, sizeof(sll))) {
		snprintf(err, errlen, "AF_PACKET on ifindex %d: %s", ifindex, strerror(errno));
		close(pkt->fd);
		return -1;
	}
	/* Best effort: a larger send buffer absorbs bursts of GSO super-frames. */
	if (setsockopt(pkt->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)))
		setsockopt(pkt->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	return 0;
}

/* Fills the virtio-net header; returns the length to send (trailing padding trimmed). */
static uint32_t vnet_prepare(uint8_t *f, uint32_t len, const struct colo_rec *rec,
			     struct virtio_net_hdr *vh)
{
	struct l4_layout lay;
	uint32_t l4len;

	memset(vh, 0, sizeof(*vh));
	if (!l4_layout(f, len, rec, &lay))
		return len;
	l4len = lay.ip_end - lay.l4_off;
	/* UDP over IPv4 without a checksum stays without one. */
	if (lay.proto == IPPROTO_UDP && lay.family == 4 && !(rec->flags & COLO_REC_CSUM_PARTIAL) &&
	    !get_be16(f + lay.l4_off + 6))
		return lay.ip_end;
	put_be16(f + lay.l4_off + lay.csum_offset, csum_fold(pseudo_sum(f, &lay, l4len)));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->csum_start = lay.l4_off;
	vh->csum_offset = lay.csum_offset;
	if (rec->flags & COLO_REC_GSO && rec->gso_size &&
	    l4len - (lay.hdr_len - lay.l4_off) > rec->gso_size) {
		if (lay.proto == IPPROTO_TCP)
			vh->gso_type = lay.family == 4 ? VIRTIO_NET_HDR_GSO_TCPV4
						       : VIRTIO_NET_HDR_GSO_TCPV6;
		else
			vh->gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
		if (lay.proto == IPPROTO_TCP && rec->gso_type & COLO_SKB_GSO_TCP_ECN)
			vh->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
		vh->gso_size = rec->gso_size;
		vh->hdr_len = lay.hdr_len;
	}
	return lay.ip_end;
}

static void afpacket_flush(struct colo_release *rel)
{
	struct afpacket *pkt = &rel->pkt;
	uint32_t i, sent = 0;
	int r;

	for (i = 0; i < rel->n; i++) {
		uint32_t len =
			vnet_prepare(rel->frames[i], rel->lens[i], &rel->recs[i], &pkt->vnet[i]);

		pkt->iov[i][0] = (struct iovec){&pkt->vnet[i], sizeof(pkt->vnet[i])};
		pkt->iov[i][1] = (struct iovec){rel->frames[i], len};
		memset(&pkt->msgs[i], 0, sizeof(pkt->msgs[i]));
		pkt->msgs[i].msg_hdr.msg_iov = pkt->iov[i];
		pkt->msgs[i].msg_hdr.msg_iovlen = 2;
		rel->stats.bytes += len;
	}
	while (sent < rel->n) {
		r = sendmmsg(pkt->fd, pkt->msgs + sent, rel->n - sent, 0);
		if (r > 0) {
			sent += r;
			rel->stats.frames += r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else {
			/* The frame at 'sent' was refused: skip it (dropped, TCP retransmits). */
			rel->stats.send_errors++;
			rel->stats.bytes -= pkt->iov[sent][1].iov_len;
			sent++;
		}
	}
}

/* ---- AF_XDP ------------------------------------------------------------------------------- */

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

/* Copies one packet into a umem frame and queues it. */
static bool afxdp_send_copy(struct colo_release *rel, const uint8_t *f, uint32_t len)
{
	uint64_t addr;

	if (!afxdp_frame(rel->xdp, &addr))
		return false;
	memcpy(xsk_umem__get_data(rel->xdp->area, addr), f, len);
	if (!afxdp_submit(rel->xdp, addr, len))
		return false;
	rel->stats.bytes += len;
	return true;
}

/*
 * Writes into p the segment of frame f that carries payload bytes [off, off + plen): headers
 * copied, IP length and ID, TCP sequence and flags fixed; index counts segments from 0. With
 * sw_csum the L4 checksum is computed here, else it is left for the release path. Returns the
 * segment length.
 */
static uint32_t build_segment(uint8_t *p, const uint8_t *f, const struct l4_layout *lay,
			      uint32_t off, uint32_t plen, uint16_t index, bool last, bool sw_csum)
{
	struct l4_layout seg = *lay;

	memcpy(p, f, lay->hdr_len);
	memcpy(p + lay->hdr_len, f + lay->hdr_len + off, plen);
	seg.ip_end = lay->hdr_len + plen;
	if (lay->family == 4) {
		put_be16(p + lay->l3_off + 2, seg.ip_end - lay->l3_off);
		/* Distinct IP IDs per segment, as the kernel's TSO does. */
		put_be16(p + lay->l3_off + 4, get_be16(p + lay->l3_off + 4) + index);
		ipv4_csum_sw(p, lay->l3_off);
	} else {
		put_be16(p + lay->l3_off + 4, seg.ip_end - lay->l3_off - 40);
	}
	if (lay->proto == IPPROTO_TCP) {
		uint8_t *th = p + lay->l4_off;
		uint32_t seq = (uint32_t)th[4] << 24 | th[5] << 16 | th[6] << 8 | th[7];

		seq += off;
		th[4] = seq >> 24;
		th[5] = seq >> 16;
		th[6] = seq >> 8;
		th[7] = seq;
		if (!last)
			th[13] &= ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
		if (index)
			th[13] &= ~TCP_FLAG_CWR;
	} else {
		put_be16(p + lay->l4_off + 4, seg.ip_end - lay->l4_off);
	}
	if (sw_csum)
		l4_csum_sw(p, &seg);
	return seg.ip_end;
}

static bool afxdp_send_segment(struct colo_release *rel, const uint8_t *f,
			       const struct l4_layout *lay, uint32_t off, uint32_t plen,
			       uint16_t index, bool last)
{
	uint64_t addr;
	uint32_t len;

	if (!afxdp_frame(rel->xdp, &addr))
		return false;
	len = build_segment(xsk_umem__get_data(rel->xdp->area, addr), f, lay, off, plen, index,
			    last, true);
	if (!afxdp_submit(rel->xdp, addr, len))
		return false;
	rel->stats.bytes += len;
	rel->stats.segments++;
	return true;
}

static bool afxdp_send_one(struct colo_release *rel, uint8_t *f, uint32_t len,
			   const struct colo_rec *rec)
{
	struct l4_layout lay;
	uint32_t payload, mss, off;

	if (!l4_layout(f, len, rec, &lay))
		return len <= XSK_FRAME_SIZE && afxdp_send_copy(rel, f, len);
	payload = lay.ip_end - lay.hdr_len;
	mss = rec->flags & COLO_REC_GSO ? rec->gso_size : 0;
	if (!mss || payload <= mss) {
		if (lay.ip_end > XSK_FRAME_SIZE)
			return false;
		if (!(lay.proto == IPPROTO_UDP && lay.family == 4 &&
		      !(rec->flags & COLO_REC_CSUM_PARTIAL) && !get_be16(f + lay.l4_off + 6)))
			l4_csum_sw(f, &lay);
		return afxdp_send_copy(rel, f, lay.ip_end);
	}
	if (lay.hdr_len + mss > XSK_FRAME_SIZE)
		return false;
	for (off = 0; off < payload; off += mss) {
		uint32_t plen = payload - off < mss ? payload - off : mss;

		if (!afxdp_send_segment(rel, f, &lay, off, plen, off / mss, off + plen >= payload))
			return false;
	}
	return true;
}

static void afxdp_flush(struct colo_release *rel)
{
	uint32_t i;

	pthread_mutex_lock(&rel->xdp->lock);
	for (i = 0; i < rel->n; i++) {
		if (afxdp_send_one(rel, rel->frames[i], rel->lens[i], &rel->recs[i]))
			rel->stats.frames++;
		else
			rel->stats.refused++;
	}
	afxdp_kick(rel->xdp);
	pthread_mutex_unlock(&rel->xdp->lock);
}

/* ---- common ------------------------------------------------------------------------------- */

struct colo_release *colo_release_open(enum colo_release_mode mode, int ifindex,
				       unsigned int queue_id, colo_release_done_fn done, void *ctx,
				       char *err, size_t errlen)
{
	struct colo_release *rel = calloc(1, sizeof(*rel));
	int r;

	if (!rel) {
		snprintf(err, errlen, "release: out of memory");
		return NULL;
	}
	rel->mode = mode;
	rel->mtu = iface_mtu(ifindex);
	rel->done = done;
	rel->ctx = ctx;
	rel->pkt.fd = -1;
	if (mode == COLO_RELEASE_AFXDP)
		r = (rel->xdp = afxdp_get(ifindex, queue_id, err, errlen)) ? 0 : -1;
	else
		r = afpacket_open(&rel->pkt, ifindex, err, errlen);
	if (r) {
		free(rel);
		return NULL;
	}
	return rel;
}

void colo_release_flush(struct colo_release *rel)
{
	uint32_t i;

	if (!rel->n)
		return;
	if (rel->mode == COLO_RELEASE_AFXDP)
		afxdp_flush(rel);
	else
		afpacket_flush(rel);
	rel->stats.batches++;
	for (i = 0; i < rel->n; i++)
		rel->done(rel->ctx, rel->cookies[i]);
	rel->n = 0;
}

void colo_release_add(struct colo_release *rel, uint8_t *frame, uint32_t len,
		      const struct colo_rec *rec, void *cookie)
{
	rel->frames[rel->n] = frame;
	rel->lens[rel->n] = len;
	rel->recs[rel->n] = *rec;
	rel->cookies[rel->n] = cookie;
	if (++rel->n == RELEASE_BATCH)
		colo_release_flush(rel);
}

void colo_release_close(struct colo_release *rel)
{
	if (!rel)
		return;
	colo_release_flush(rel);
	if (rel->mode == COLO_RELEASE_AFXDP)
		afxdp_put(rel->xdp);
	else if (rel->pkt.fd >= 0)
		close(rel->pkt.fd);
	free(rel);
}

void colo_release_get_stats(const struct colo_release *rel, struct colo_release_stats *stats)
{
	*stats = rel->stats;
}

int colo_release_split(const uint8_t *frame, uint32_t len, const struct colo_rec *rec,
		       uint32_t max_payload, colo_split_fn emit, void *ctx)
{
	struct l4_layout lay;
	struct colo_rec srec;
	uint32_t payload, chunk, mss, off, plen, slen, n = 0;
	uint8_t *p;

	if (!(rec->flags & COLO_REC_GSO) || !rec->gso_size || !l4_layout(frame, len, rec, &lay) ||
	    lay.proto != IPPROTO_TCP)
		return 0;
	payload = lay.ip_end - lay.hdr_len;
	mss = rec->gso_size;
	/* Whole MSS per piece, so each piece still segments like the original. */
	chunk = max_payload < mss ? mss : max_payload - max_payload % mss;
	if (payload <= chunk)
		return 0;
	for (off = 0; off < payload; off += plen) {
		plen = payload - off < chunk ? payload - off : chunk;
		p = emit(ctx, lay.hdr_len + plen);
		if (!p)
			return -ENOMEM;
		/* The IP ID steps by the MSS segments the kernel will cut from earlier pieces. */
		slen = build_segment(p, frame, &lay, off, plen, off / mss, off + plen >= payload,
				     false);
		srec = *rec;
		srec.frame_len = srec.cap_len = slen;
		if (plen <= mss)
			srec.flags &= ~COLO_REC_GSO;
		memcpy(p - sizeof(srec), &srec, sizeof(srec));
		n++;
	}
	return n;
}

void colo_release_fix_gso(const struct colo_release *rel, const uint8_t *frame, uint32_t len,
			  struct colo_rec *rec)
{
	struct l4_layout lay;
	uint32_t l3_hdrs;

	if (rec->flags & COLO_REC_GSO || !l4_layout(frame, len, rec, &lay) ||
	    lay.proto != IPPROTO_TCP || lay.ip_end - lay.l3_off <= rel->mtu)
		return;
	l3_hdrs = lay.hdr_len - lay.l3_off;
	if (l3_hdrs >= rel->mtu)
		return;
	rec->gso_size = rel->mtu - l3_hdrs;
	rec->gso_type = 0;
	rec->flags |= COLO_REC_GSO;
}
