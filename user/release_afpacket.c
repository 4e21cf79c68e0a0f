// SPDX-License-Identifier: GPL-2.0-only
/*
 * AF_PACKET release backend: sendmmsg() with a virtio-net header per frame, which keeps the
 * kernel's offloads. The header asks for the L4 checksum (over the folded pseudo-header sum
 * written into the checksum field, right whether the captured frame was CHECKSUM_PARTIAL or
 * complete) and, for GSO super-frames, carries the segmentation parameters.
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "release_backend.h"

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/* SKB_GSO_TCP_ECN from the kernel's skbuff.h (not in uapi). */
#define COLO_SKB_GSO_TCP_ECN 4u

/* The virtio-net header, the frame, and for a VLAN tag from skb metadata the frame in two. */
#define AFPACKET_IOVS 4

struct afpacket {
	int fd;
	struct mmsghdr msgs[RELEASE_BATCH];
	struct iovec iov[RELEASE_BATCH][AFPACKET_IOVS];
	struct virtio_net_hdr vnet[RELEASE_BATCH];
	uint32_t len[RELEASE_BATCH]; /* bytes of frame sent */
};

static int afpacket_open(struct colo_release *rel, int ifindex, unsigned int queue_id, char *err,
			 size_t errlen)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = ifindex,
	};
	int one = 1, sndbuf = 8 << 20;
	struct afpacket *pkt;

	(void)queue_id;
	pkt = calloc(1, sizeof(*pkt));
	if (!pkt) {
		snprintf(err, errlen, "AF_PACKET: out of memory");
		return -1;
	}
	/* Protocol 0: this socket only sends, it never receives a copy of the traffic. */
	pkt->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (pkt->fd < 0) {
		snprintf(err, errlen, "AF_PACKET socket: %s", strerror(errno));
		free(pkt);
		return -1;
	}
	if (setsockopt(pkt->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
	    bind(pkt->fd, (struct sockaddr *)&sll, sizeof(sll))) {
		snprintf(err, errlen, "AF_PACKET on ifindex %d: %s", ifindex, strerror(errno));
		close(pkt->fd);
		free(pkt);
		return -1;
	}
	/* Best effort: a larger send buffer absorbs bursts of GSO super-frames. */
	if (setsockopt(pkt->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)))
		setsockopt(pkt->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	rel->backend = pkt;
	return 0;
}

/* Fills the virtio-net header; returns the length to send (trailing padding trimmed). */
static uint32_t vnet_prepare(uint8_t *f, uint32_t len, const struct colo_rec *rec,
			     const struct colo_l4_layout *lay, struct virtio_net_hdr *vh)
{
	uint32_t l4len;

	memset(vh, 0, sizeof(*vh));
	if (!lay->valid)
		return len;
	l4len = lay->ip_end - lay->l4_off;
	/* UDP over IPv4 without a checksum stays without one. */
	if (colo_l4_udp4_no_csum(f, lay, rec))
		return lay->ip_end;
	colo_l4_csum_partial(f, lay);
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->csum_start = lay->l4_off;
	vh->csum_offset = lay->csum_offset;
	if (rec->flags & COLO_REC_GSO && rec->gso_size &&
	    l4len - (lay->hdr_len - lay->l4_off) > rec->gso_size) {
		if (lay->proto == IPPROTO_TCP)
			vh->gso_type = lay->family == 4 ? VIRTIO_NET_HDR_GSO_TCPV4
							: VIRTIO_NET_HDR_GSO_TCPV6;
		else
			vh->gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
		if (lay->proto == IPPROTO_TCP && rec->gso_type & COLO_SKB_GSO_TCP_ECN)
			vh->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
		vh->gso_size = rec->gso_size;
		vh->hdr_len = lay->hdr_len;
	}
	return lay->ip_end;
}

/*
 * Message i's iovecs: the virtio-net header, then the frame, with a tag VLAN offload kept out of
 * the frame (COLO_REC_VLAN_META) back after the MAC addresses; returns their number.
 */
static size_t frame_iov(struct afpacket *pkt, uint32_t i, uint8_t *f, uint32_t len,
			const struct colo_rec *rec)
{
	const struct colo_vlan_tag *tag = colo_release_meta_tag(rec);
	struct virtio_net_hdr *vh = &pkt->vnet[i];
	struct iovec *iov = pkt->iov[i];

	iov[0] = (struct iovec){vh, sizeof(*vh)};
	if (!tag || len < COLO_VLAN_TAG_OFF) {
		iov[1] = (struct iovec){f, len};
		pkt->len[i] = len;
		return 2;
	}
	iov[1] = (struct iovec){f, COLO_VLAN_TAG_OFF};
	iov[2] = (struct iovec){(void *)tag, COLO_VLAN_TAG_LEN};
	iov[3] = (struct iovec){f + COLO_VLAN_TAG_OFF, len - COLO_VLAN_TAG_OFF};
	if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		vh->csum_start += COLO_VLAN_TAG_LEN;
	if (vh->gso_type)
		vh->hdr_len += COLO_VLAN_TAG_LEN;
	pkt->len[i] = len + COLO_VLAN_TAG_LEN;
	return AFPACKET_IOVS;
}

static void afpacket_flush(struct colo_release *rel)
{
	struct afpacket *pkt = rel->backend;
	uint32_t i, sent = 0;
	int r;

	for (i = 0; i < rel->n; i++) {
		uint32_t len = vnet_prepare(rel->frames[i], rel->lens[i], rel->recs[i],
					    rel->lays[i], &pkt->vnet[i]);

		memset(&pkt->msgs[i], 0, sizeof(pkt->msgs[i]));
		pkt->msgs[i].msg_hdr.msg_iov = pkt->iov[i];
		pkt->msgs[i].msg_hdr.msg_iovlen =
			frame_iov(pkt, i, rel->frames[i], len, rel->recs[i]);
		rel->stats.bytes += pkt->len[i];
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
			rel->stats.bytes -= pkt->len[sent];
			sent++;
		}
	}
}

static void afpacket_close(struct colo_release *rel)
{
	struct afpacket *pkt = rel->backend;

	close(pkt->fd);
	free(pkt);
}

const struct colo_release_ops colo_release_afpacket_ops = {
	.open = afpacket_open,
	.flush = afpacket_flush,
	.close = afpacket_close,
};
