// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mirrored client traffic leaving the secondary port (tc clsact egress). The client talks to
 * the primary, so its ACK numbers, SACK blocks and echoed timestamps are in the primary's
 * space; this maps them into the secondary's (secondary = primary + offset, offsets written to
 * colo_offsets by userspace) and fixes the TCP checksum incrementally. No entry: unchanged. In
 * mirror mode the ACK is also capped at what the secondary sent (conntrack's secondary_sent).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "colo_xdp.h"
#include "maps.h"
#include "parse.h"
#include "verdict.h"

#define COLO_TCP_MAX_HLEN      60
#define COLO_TCP_CSUM_OFF      16
#define COLO_TCPOPT_EOL	       0
#define COLO_TCPOPT_NOP	       1
#define COLO_TCPOPT_SACK       5
#define COLO_TCPOPT_TIMESTAMP  8
#define COLO_TCPOLEN_TIMESTAMP 10
#define COLO_SACK_MAX_EDGES    8

/* Header buffer is 64 bytes so that every masked index stays inside it. */
#define COLO_HBUF    64
#define COLO_HIDX(i) ((i) & (COLO_HBUF - 1))

/* The TCP header before and after rewriting: per-CPU scratch, too big for the BPF stack. */
struct colo_rewrite_buf {
	__u8 old[COLO_HBUF];
	__u8 hdr[COLO_HBUF];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct colo_rewrite_buf);
} colo_rewrite_scratch SEC(".maps");

/* The big-endian 32-bit value at buf[off] (any alignment). */
static __always_inline __u32 colo_get_be32(const __u8 *buf, __u32 off)
{
	return (__u32)buf[COLO_HIDX(off)] << 24 | (__u32)buf[COLO_HIDX(off + 1)] << 16 |
	       (__u32)buf[COLO_HIDX(off + 2)] << 8 | buf[COLO_HIDX(off + 3)];
}

static __always_inline void colo_put_be32(__u8 *buf, __u32 off, __u32 v)
{
	buf[COLO_HIDX(off)] = v >> 24;
	buf[COLO_HIDX(off + 1)] = v >> 16;
	buf[COLO_HIDX(off + 2)] = v >> 8;
	buf[COLO_HIDX(off + 3)] = v;
}

/* Adds delta to the big-endian 32-bit value at buf[off]. */
static __always_inline void colo_add_be32(__u8 *buf, __u32 off, __u32 delta)
{
	colo_put_be32(buf, off, colo_get_be32(buf, off) + delta);
}

/*
 * Mirror mode: the primary's bytes leave without waiting for the secondary's, so the client can
 * acknowledge what the secondary has not sent yet, and the secondary would drop that segment
 * (an ACK of unsent data), its data too. Caps the ACK at what the secondary sent.
 */
static __always_inline void colo_cap_ack(__u8 *hdr, const struct colo_flow_key *key,
					 struct colo_stats *st)
{
	struct colo_conn *ct = bpf_map_lookup_elem(&colo_conntrack, key);

	if (!ct || !ct->secondary_sent_valid ||
	    (__s32)(colo_get_be32(hdr, COLO_TCP_ACK_OFF) - ct->secondary_sent) <= 0)
		return;
	colo_put_be32(hdr, COLO_TCP_ACK_OFF, ct->secondary_sent);
	st->ack_capped++;
}

/* State of the walk over the TCP options in the scratch buffer's hdr. */
struct colo_opt_walk {
	__u32 i;    /* offset of the next option in the TCP header */
	__u32 hlen; /* TCP header length */
	__u32 seq_offset;
	__u32 ts_offset;
	__u32 flags; /* enum colo_conn_flags */
	int changed;
};

/* One bpf_loop step: rewrites the option at w->i (SACK edges, TSecr) and moves past it. */
static long colo_opt_step(__u64 index __attribute__((unused)), void *data)
{
	struct colo_opt_walk *w = data;
	struct colo_rewrite_buf *buf;
	__u32 zero = 0, i = w->i, e;
	__u8 kind, len;

	buf = bpf_map_lookup_elem(&colo_rewrite_scratch, &zero);
	if (!buf || i >= w->hlen || i >= COLO_TCP_MAX_HLEN)
		return 1;
	kind = buf->hdr[COLO_HIDX(i)];
	if (kind == COLO_TCPOPT_EOL)
		return 1;
	if (kind == COLO_TCPOPT_NOP) {
		w->i = i + 1;
		return 0;
	}
	len = buf->hdr[COLO_HIDX(i + 1)];
	if (len < 2 || i + len > w->hlen)
		return 1;
	if (kind == COLO_TCPOPT_SACK && (w->flags & COLO_OFFSET_SEQ)) {
		for (e = 0; e < COLO_SACK_MAX_EDGES && 2 + 4 * e + 4 <= len; e++)
			colo_add_be32(buf->hdr, i + 2 + 4 * e, w->seq_offset);
		w->changed = 1;
	} else if (kind == COLO_TCPOPT_TIMESTAMP && len == COLO_TCPOLEN_TIMESTAMP &&
		   (w->flags & COLO_OFFSET_TS)) {
		colo_add_be32(buf->hdr, i + 6, w->ts_offset);
		w->changed = 1;
	}
	w->i = i + len;
	return 0;
}

static __noinline __u32 colo_parse_tc(struct __sk_buff *skb, struct colo_parsed *p)
{
	return colo_parse(skb, COLO_HOOK_TC, p);
}

SEC("tc")
int colo_rewrite_tc(struct __sk_buff *skb)
{
	struct colo_stats *st = colo_get_stats(COLO_ROLE_SECONDARY);
	struct colo_config *cfg = colo_get_config();
	struct colo_opt_walk walk = {.i = 20};
	struct colo_flow_key key;
	struct colo_rewrite_buf *buf;
	struct colo_parsed p;
	struct colo_offsets *c;
	__u32 hlen, l4, zero = 0;
	int changed = 0;
	__s64 diff;

	buf = bpf_map_lookup_elem(&colo_rewrite_scratch, &zero);
	if (!st || !buf)
		return COLO_TC_ACT_OK;
	if (colo_parse_tc(skb, &p) != COLO_KIND_IP || p.key.proto != IPPROTO_TCP || !p.l4_parsed)
		return COLO_TC_ACT_OK;
	colo_key_reverse(&p.key, &key);
	c = bpf_map_lookup_elem(&colo_offsets, &key);
	if (!c || !(c->flags & (COLO_OFFSET_SEQ | COLO_OFFSET_TS))) {
		st->rewrite_miss++;
		return COLO_TC_ACT_OK;
	}
	l4 = p.l4_off;
	hlen = p.tcp_hlen;
	asm volatile("" : "+r"(hlen));
	if (hlen < 20 || hlen > COLO_TCP_MAX_HLEN)
		return COLO_TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, l4, buf->old, hlen))
		return COLO_TC_ACT_OK;
	__builtin_memcpy(buf->hdr, buf->old, sizeof(buf->hdr));
	if ((c->flags & COLO_OFFSET_SEQ) && (p.tcp_flags & COLO_TCPF_ACK)) {
		colo_add_be32(buf->hdr, COLO_TCP_ACK_OFF, c->seq_offset);
		if (cfg && (cfg->flags & COLO_CFG_MIRROR))
			colo_cap_ack(buf->hdr, &key, st);
		changed = 1;
	}
	walk.hlen = hlen;
	walk.seq_offset = c->seq_offset;
	walk.ts_offset = c->ts_offset;
	walk.flags = c->flags;
	bpf_loop(COLO_TCP_MAX_HLEN - 20, colo_opt_step, &walk, 0);
	if (!changed && !walk.changed)
		return COLO_TC_ACT_OK;
	/* The header is 4-byte aligned in the segment, so a word-wise diff is exact. */
	diff = bpf_csum_diff((__be32 *)buf->old, hlen, (__be32 *)buf->hdr, hlen, 0);
	if (diff < 0 || bpf_skb_store_bytes(skb, l4, buf->hdr, hlen, 0) ||
	    bpf_l4_csum_replace(skb, l4 + COLO_TCP_CSUM_OFF, 0, diff, 0)) {
		/* Half-rewritten or unrewritten, it would carry the wrong ack: the client resends.
		 */
		st->rewrite_failed++;
		return COLO_TC_ACT_SHOT;
	}
	st->rewritten++;
	return COLO_TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
