// SPDX-License-Identifier: GPL-2.0-only
/* Frame surgery on captured TCP/UDP frames (see segment.h). */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/bytes.h"
#include "lib/csum.h"
#include "lib/segment.h"

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_CWR 0x80

/* The IP header at l3 up to l4; false if it is not the IPv4/IPv6 header rec describes. */
static bool ip_layout(const uint8_t *f, uint32_t len, const struct colo_rec *rec,
		      struct colo_l4_layout *lay)
{
	uint32_t l3 = rec->l3_off, l4 = rec->l4_off;

	if (rec->family == 4) {
		uint32_t ihl;

		if (l3 + 20 > len || f[l3] >> 4 != 4)
			return false;
		ihl = (f[l3] & 0xf) * 4u;
		if (ihl < 20 || l3 + ihl != l4 || f[l3 + 9] != rec->l4_proto)
			return false;
		lay->ip_end = l3 + be16_get(f + l3 + 2);
		return true;
	}
	if (rec->family == 6) {
		uint32_t plen;

		if (l3 + 40 > len || f[l3] >> 4 != 6 || l4 < l3 + 40)
			return false;
		plen = be16_get(f + l3 + 4);
		lay->ip_end = plen ? l3 + 40 + plen : len; /* 0: jumbo payload, use the frame */
		return true;
	}
	return false;
}

void colo_l4_layout(const uint8_t *f, uint32_t len, const struct colo_rec *rec,
		    struct colo_l4_layout *lay)
{
	uint32_t l3 = rec->l3_off, l4 = rec->l4_off, l4hdr;

	lay->valid = false;
	if (rec->flags & COLO_REC_FRAGMENT || !l3 || !l4 || l4 <= l3 || l4 >= len)
		return;
	if (rec->l4_proto != IPPROTO_TCP && rec->l4_proto != IPPROTO_UDP)
		return;
	if (!ip_layout(f, len, rec, lay))
		return;
	if (rec->l4_proto == IPPROTO_TCP) {
		if (l4 + 20 > len)
			return;
		l4hdr = (f[l4 + 12] >> 4) * 4u;
		if (l4hdr < 20)
			return;
		lay->csum_offset = 16;
	} else {
		l4hdr = 8;
		lay->csum_offset = 6;
	}
	if (lay->ip_end > len || lay->ip_end < l4 + l4hdr)
		return;
	lay->l3_off = l3;
	lay->l4_off = l4;
	lay->hdr_len = l4 + l4hdr;
	lay->family = rec->family;
	lay->proto = rec->l4_proto;
	lay->valid = true;
}

bool colo_l4_udp4_no_csum(const uint8_t *f, const struct colo_l4_layout *lay,
			  const struct colo_rec *rec)
{
	return lay->proto == IPPROTO_UDP && lay->family == 4 &&
	       !(rec->flags & COLO_REC_CSUM_PARTIAL) && !be16_get(f + lay->l4_off + 6);
}

void colo_l4_csum_partial(uint8_t *f, const struct colo_l4_layout *lay)
{
	uint32_t sum = colo_csum_pseudo(f + lay->l3_off, lay->family, lay->proto,
					lay->ip_end - lay->l4_off);

	be16_put(f + lay->l4_off + lay->csum_offset, colo_csum_fold(sum));
}

void colo_l4_csum_full(uint8_t *f, const struct colo_l4_layout *lay)
{
	be16_put(f + lay->l4_off + lay->csum_offset,
		 colo_csum_l4(f + lay->l3_off, lay->family, lay->proto, f + lay->l4_off,
			      lay->ip_end - lay->l4_off));
}

void colo_segment_fix_gso(const struct colo_l4_layout *lay, uint32_t mtu, struct colo_rec *rec)
{
	uint32_t l3_hdrs;

	if (rec->flags & COLO_REC_GSO || !lay->valid || lay->proto != IPPROTO_TCP ||
	    lay->ip_end - lay->l3_off <= mtu)
		return;
	l3_hdrs = lay->hdr_len - lay->l3_off;
	if (l3_hdrs >= mtu)
		return;
	rec->gso_size = mtu - l3_hdrs;
	rec->gso_type = 0;
	rec->flags |= COLO_REC_GSO;
}

uint32_t colo_segment_build(uint8_t *p, const uint8_t *f, const struct colo_l4_layout *lay,
			    uint32_t off, uint32_t plen, uint16_t index, bool last, bool sw_csum,
			    struct colo_l4_layout *seg)
{
	struct colo_l4_layout s = *lay;

	memcpy(p, f, lay->hdr_len);
	memcpy(p + lay->hdr_len, f + lay->hdr_len + off, plen);
	s.ip_end = lay->hdr_len + plen;
	if (lay->family == 4) {
		be16_put(p + lay->l3_off + 2, s.ip_end - lay->l3_off);
		/* Distinct IP IDs per segment, as the kernel's TSO does. */
		be16_put(p + lay->l3_off + 4, be16_get(p + lay->l3_off + 4) + index);
		be16_put(p + lay->l3_off + 10, colo_csum_ipv4(p + lay->l3_off));
	} else {
		be16_put(p + lay->l3_off + 4, s.ip_end - lay->l3_off - 40);
	}
	if (lay->proto == IPPROTO_TCP) {
		uint8_t *th = p + lay->l4_off;

		be32_put(th + 4, be32_get(th + 4) + off);
		if (!last)
			th[13] &= ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
		if (index)
			th[13] &= ~TCP_FLAG_CWR;
	} else {
		be16_put(p + lay->l4_off + 4, s.ip_end - lay->l4_off);
	}
	if (sw_csum)
		colo_l4_csum_full(p, &s);
	if (seg)
		*seg = s;
	return s.ip_end;
}

int colo_segment_split(const uint8_t *frame, const struct colo_rec *rec,
		       const struct colo_l4_layout *lay, uint32_t max_payload,
		       const struct colo_split_ops *ops, void *ctx)
{
	struct colo_l4_layout slay;
	struct colo_rec srec;
	uint32_t payload, chunk, mss, off, plen, n = 0;
	uint8_t *p;

	if (!(rec->flags & COLO_REC_GSO) || !rec->gso_size || !lay->valid ||
	    lay->proto != IPPROTO_TCP)
		return 0;
	payload = lay->ip_end - lay->hdr_len;
	mss = rec->gso_size;
	/* Whole MSS per piece, so each piece still segments like the original. */
	chunk = max_payload < mss ? mss : max_payload - max_payload % mss;
	if (payload <= chunk)
		return 0;
	for (off = 0; off < payload; off += plen) {
		plen = payload - off < chunk ? payload - off : chunk;
		p = ops->alloc(ctx, lay->hdr_len + plen);
		if (!p)
			return -ENOMEM;
		/* The IP ID steps by the MSS segments the kernel will cut from earlier pieces. */
		srec = *rec;
		srec.frame_len = srec.cap_len = colo_segment_build(
			p, frame, lay, off, plen, off / mss, off + plen >= payload, false, &slay);
		if (plen <= mss)
			srec.flags &= ~COLO_REC_GSO;
		ops->done(ctx, p, &srec, &slay);
		n++;
	}
	return n;
}
