/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Frame surgery on captured TCP/UDP frames, before comparison and at release: the validated L4
 * layout of a frame (computed once per frame and carried with it), cutting a TCP GSO
 * super-frame into smaller ones, GSO metadata for an oversized frame, and software
 * segmentation and checksums for a release path without offloads.
 */
#ifndef COLO_SEGMENT_H
#define COLO_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "colo_xdp.h"

/* Validated layout of a TCP or UDP frame (not a fragment). */
struct colo_l4_layout {
	uint16_t l3_off;
	uint16_t l4_off;
	uint16_t hdr_len;     /* L2 + L3 + L4 headers (TCP with options) */
	uint16_t csum_offset; /* checksum field offset inside the L4 header */
	uint32_t ip_end;      /* end of the IP datagram inside the frame */
	uint8_t family;
	uint8_t proto;
	bool valid; /* false: not a checksummed L4 frame, sent as it is */
};

/*
 * Checks the IP and L4 headers of frame f (len bytes) at the offsets rec gives; lay->valid says
 * whether it is a TCP or UDP frame whose layout the other functions may use.
 */
void colo_l4_layout(const uint8_t *f, uint32_t len, const struct colo_rec *rec,
		    struct colo_l4_layout *lay);

/* Whether the frame is UDP over IPv4 sent without a checksum (which it must keep). */
bool colo_l4_udp4_no_csum(const uint8_t *f, const struct colo_l4_layout *lay,
			  const struct colo_rec *rec);

/* Writes the folded pseudo-header sum into the L4 checksum field (for checksum offload). */
void colo_l4_csum_partial(uint8_t *f, const struct colo_l4_layout *lay);

/* Writes the full L4 checksum, computed in software. */
void colo_l4_csum_full(uint8_t *f, const struct colo_l4_layout *lay);

/*
 * A TCP frame longer than mtu without GSO metadata (XDP capture sees no skb) gets segmentation
 * metadata for that MTU in rec, so that it can leave at all.
 */
void colo_segment_fix_gso(const struct colo_l4_layout *lay, uint32_t mtu, struct colo_rec *rec);

/*
 * Writes into p the segment of frame f that carries payload bytes [off, off + plen): headers
 * copied, IP length and ID, TCP sequence and flags fixed; index counts segments from 0. With
 * sw_csum the L4 checksum is computed here, else it is left for the release path. Returns the
 * segment length; *seg (may be NULL) gets the segment's layout.
 */
uint32_t colo_segment_build(uint8_t *p, const uint8_t *f, const struct colo_l4_layout *lay,
			    uint32_t off, uint32_t plen, uint16_t index, bool last, bool sw_csum,
			    struct colo_l4_layout *seg);

/*
 * Returns room for a piece of len frame bytes, or NULL. Once the piece is written, done() gets
 * its capture record and layout.
 */
struct colo_split_ops {
	uint8_t *(*alloc)(void *ctx, uint32_t len);
	void (*done)(void *ctx, uint8_t *piece, const struct colo_rec *rec,
		     const struct colo_l4_layout *lay);
};

/*
 * Cuts a TCP GSO super-frame into pieces of at most max_payload payload bytes (whole MSS
 * segments, at least one), each a valid frame with its own capture record. Returns the number
 * of pieces emitted, 0 when the frame needs no cut (it is left alone), -ENOMEM when alloc
 * failed (the pieces emitted so far stand).
 */
int colo_segment_split(const uint8_t *frame, const struct colo_rec *rec,
		       const struct colo_l4_layout *lay, uint32_t max_payload,
		       const struct colo_split_ops *ops, void *ctx);

#endif /* COLO_SEGMENT_H */
