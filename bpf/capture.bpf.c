// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capture of a replica's output (tc clsact ingress or XDP on the primary/secondary port):
 * parse, classify, track the connection, copy the frame into its shard's ring, and drop it.
 * Only ARP/ND (and, after failover, the primary's whole output; in mirror mode all of it but
 * TCP handshake segments) leave toward outside directly.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "colo_xdp.h"
#include "maps.h"
#include "parse.h"
#include "verdict.h"

#define COLO_CHECKSUM_PARTIAL 3
#define COLO_REC_HDR	      ((__u32)sizeof(struct colo_rec))

/* Set by the loader: which replica this port carries (enum colo_side). */
const volatile __u32 capture_side = COLO_SIDE_PRIMARY;

/* Set by tests: read the skb by probe even where the kfunc exists (covers the Linux 6.1 path). */
const volatile bool capture_skb_by_probe = false;

/* Linux 6.2+. Weak: on older kernels libbpf leaves it unresolved and the probe path runs. */
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym __weak;

/* libbpf 1.1 lacks bpf_ksym_exists(): a weak ksym that did not resolve has the address 0. */
#ifndef bpf_ksym_exists
#define bpf_ksym_exists(sym) (!!(sym))
#endif

static __always_inline __u32 colo_side(void)
{
	return capture_side == COLO_SIDE_SECONDARY ? COLO_SIDE_SECONDARY : COLO_SIDE_PRIMARY;
}

static __always_inline __u8 colo_tcp_next(__u8 state, __u8 flags)
{
	if (flags & COLO_TCPF_RST)
		return COLO_TCP_CLOSED;
	if (flags & COLO_TCPF_SYN)
		return flags & COLO_TCPF_ACK ? COLO_TCP_SYN_RECV : COLO_TCP_SYN_SENT;
	if (flags & COLO_TCPF_FIN)
		return COLO_TCP_FIN_SENT;
	if ((flags & COLO_TCPF_ACK) && (state == COLO_TCP_SYN_SENT || state == COLO_TCP_SYN_RECV))
		return COLO_TCP_ESTABLISHED;
	return state;
}

/*
 * Creates or updates the flow's conntrack entry (counters, last seen, TCP state of this side).
 * Returns the entry, or NULL when it could not be created.
 */
static __always_inline struct colo_conn *colo_ct_update(const struct colo_parsed *p, __u32 side,
							struct colo_stats *st, __u64 now)
{
	struct colo_conn *c = bpf_map_lookup_elem(&colo_conntrack, &p->key);

	if (!c) {
		struct colo_conn init = {.created_ns = now};

		if (!bpf_map_update_elem(&colo_conntrack, &p->key, &init, BPF_NOEXIST))
			st->ct_created++;
		c = bpf_map_lookup_elem(&colo_conntrack, &p->key);
		if (!c) {
			st->ct_failed++;
			return NULL;
		}
	}
	c->last_seen_ns = now;
	side &= 1;
	__sync_fetch_and_add(&c->packets[side], 1);
	__sync_fetch_and_add(&c->bytes[side], p->frame_len);
	if (p->key.proto == IPPROTO_TCP && p->l4_parsed)
		c->state[side] = colo_tcp_next(c->state[side], p->tcp_flags);
	return c;
}

/*
 * Mirror mode, the secondary's TCP segment: moves secondary_sent on to the end of its sequence
 * space (payload, SYN and FIN count), so the rewriter never acknowledges what it did not send.
 */
static __always_inline void colo_track_sent(void *ctx, const int hook, const struct colo_parsed *p,
					    struct colo_conn *c)
{
	__u32 end;
	__be32 seq;

	if (p->key.proto != IPPROTO_TCP || !p->l4_parsed || p->ip_end < p->payload_off ||
	    colo_load(ctx, hook, p->l4_off + COLO_TCP_SEQ_OFF, &seq, sizeof(seq)))
		return;
	end = bpf_ntohl(seq) + (p->ip_end - p->payload_off) + !!(p->tcp_flags & COLO_TCPF_SYN) +
	      !!(p->tcp_flags & COLO_TCPF_FIN);
	if (!c->secondary_sent_valid || (__s32)(end - c->secondary_sent) > 0) {
		c->secondary_sent = end;
		c->secondary_sent_valid = 1;
	}
}

/*
 * Failover and mirror mode: the primary's output goes straight to outside, the secondary's is
 * dropped.
 */
static __always_inline int colo_pass_uncompared(const int hook, const struct colo_config *cfg,
						struct colo_stats *st)
{
	if (colo_side() == COLO_SIDE_SECONDARY) {
		st->uncompared_dropped++;
		return colo_drop(hook);
	}
	st->redirected++;
	return colo_redirect(hook, cfg->ifindex[COLO_ROLE_OUTSIDE]);
}

/* Mirror mode keeps only TCP handshake segments (SYN set) for the daemon: they carry offsets. */
static __always_inline bool colo_mirror_handshake(const struct colo_parsed *p)
{
	return p->key.proto == IPPROTO_TCP && p->l4_parsed && (p->tcp_flags & COLO_TCPF_SYN);
}

/* The skb fields the offload state is made of. */
struct colo_skb_view {
	__u64 head;
	__u64 data;
	__u32 end;
	__u8 ip_summed;
	__u16 csum_start;
	__u16 csum_offset;
};

/* Direct loads through the kfunc's trusted pointer (Linux 6.2+). */
static __always_inline void colo_skb_view_kfunc(struct __sk_buff *ctx, struct colo_skb_view *v)
{
	struct sk_buff *skb = bpf_cast_to_kern_ctx(ctx);

	v->head = (__u64)skb->head;
	v->data = (__u64)skb->data;
	v->end = skb->end;
	v->ip_summed = BPF_CORE_READ_BITFIELD(skb, ip_summed);
	v->csum_start = skb->csum_start;
	v->csum_offset = skb->csum_offset;
}

/* The same fields by probe read: a tc program's context pointer is the skb itself (Linux 6.1). */
static __always_inline void colo_skb_view_probed(struct __sk_buff *ctx, struct colo_skb_view *v)
{
	struct sk_buff *skb = (struct sk_buff *)ctx;

	v->head = (__u64)BPF_CORE_READ(skb, head);
	v->data = (__u64)BPF_CORE_READ(skb, data);
	v->end = BPF_CORE_READ(skb, end);
	v->ip_summed = BPF_CORE_READ_BITFIELD_PROBED(skb, ip_summed);
	v->csum_start = BPF_CORE_READ(skb, csum_start);
	v->csum_offset = BPF_CORE_READ(skb, csum_offset);
}

/* GSO and checksum-offload state of a tc skb, with csum_start made relative to the frame. */
static __always_inline void colo_skb_offload(struct __sk_buff *ctx, struct colo_rec *rec)
{
	struct skb_shared_info *shinfo;
	struct colo_skb_view v;
	__u64 data_off;

	if (bpf_ksym_exists(bpf_cast_to_kern_ctx) && !capture_skb_by_probe)
		colo_skb_view_kfunc(ctx, &v);
	else
		colo_skb_view_probed(ctx, &v);
	data_off = v.data - v.head;
	shinfo = (struct skb_shared_info *)(v.head + v.end);
	rec->gso_size = BPF_CORE_READ(shinfo, gso_size);
	rec->gso_type = BPF_CORE_READ(shinfo, gso_type);
	if (rec->gso_size)
		rec->flags |= COLO_REC_GSO;
	if (v.ip_summed != COLO_CHECKSUM_PARTIAL)
		return;
	if (v.csum_start < data_off || v.csum_start - data_off > 0xffff)
		return;
	rec->csum_start = v.csum_start - data_off;
	rec->csum_offset = v.csum_offset;
	rec->flags |= COLO_REC_CSUM_PARTIAL;
}

static __noinline __u32 colo_parse_tc(struct __sk_buff *skb, struct colo_parsed *p)
{
	return colo_parse(skb, COLO_HOOK_TC, p);
}

static __noinline __u32 colo_parse_xdp(struct xdp_md *xdp, struct colo_parsed *p)
{
	return colo_parse(xdp, COLO_HOOK_XDP, p);
}

enum colo_emit_result {
	COLO_EMIT_OK = 0,
	COLO_EMIT_RING_FULL,
	COLO_EMIT_COPY_FAILED, /* the frame could not be read: counted as malformed */
};

/* Reserves a record of the constant size class, fills it and submits it. */
static __always_inline int colo_emit(void *ctx, const int hook, void *ring,
				     const struct colo_parsed *p, __u32 hash, __u64 now,
				     const __u32 size)
{
	struct colo_rec *rec = bpf_ringbuf_reserve(ring, size, 0);
	__u32 len = p->frame_len, last;

	if (!rec)
		return COLO_EMIT_RING_FULL;
	rec->tstamp_ns = now;
	rec->frame_len = p->frame_len;
	rec->cap_len = p->frame_len;
	rec->hash = hash;
	rec->l3_off = p->l3_off;
	rec->l4_off = p->l4_off;
	rec->payload_off = p->payload_off;
	rec->gso_size = 0;
	rec->gso_type = 0;
	rec->csum_start = 0;
	rec->csum_offset = 0;
	rec->side = colo_side();
	rec->l4_proto = p->key.proto;
	rec->family = p->key.family;
	rec->flags = p->flags;
	rec->vlan[0] = p->vlan[0];
	rec->vlan[1] = p->vlan[1];
	if (hook == COLO_HOOK_TC)
		colo_skb_offload(ctx, rec);
	/*
	 * The copy length is bounded as len - 1 < room: Linux 6.1's verifier learns no lower bound
	 * from len != 0, and clang 14 may drop a clamp on len itself before the helper call. The
	 * barrier keeps clang from folding last + 1 back into len.
	 */
	last = len - 1;
	asm volatile("" : "+r"(last));
	if (last >= size - COLO_REC_HDR || colo_load(ctx, hook, 0, (void *)(rec + 1), last + 1))
		goto copy_failed;
	bpf_ringbuf_submit(rec, 0);
	return COLO_EMIT_OK;
copy_failed:
	bpf_ringbuf_discard(rec, 0);
	return COLO_EMIT_COPY_FAILED;
}

/* Picks the smallest size class that holds header + frame (frame_len <= COLO_MAX_FRAME). */
static __always_inline int colo_emit_sized(void *ctx, const int hook, void *ring,
					   const struct colo_parsed *p, __u32 hash, __u64 now)
{
	__u32 need = COLO_REC_HDR + p->frame_len;

	if (need <= 128)
		return colo_emit(ctx, hook, ring, p, hash, now, 128);
	if (need <= 256)
		return colo_emit(ctx, hook, ring, p, hash, now, 256);
	if (need <= 512)
		return colo_emit(ctx, hook, ring, p, hash, now, 512);
	if (need <= 1024)
		return colo_emit(ctx, hook, ring, p, hash, now, 1024);
	if (need <= 2048)
		return colo_emit(ctx, hook, ring, p, hash, now, 2048);
	if (need <= 4096)
		return colo_emit(ctx, hook, ring, p, hash, now, 4096);
	if (need <= 9216 + COLO_REC_HDR)
		return colo_emit(ctx, hook, ring, p, hash, now, 9216 + COLO_REC_HDR);
	if (need <= 16384)
		return colo_emit(ctx, hook, ring, p, hash, now, 16384);
	if (need <= 32768)
		return colo_emit(ctx, hook, ring, p, hash, now, 32768);
	return colo_emit(ctx, hook, ring, p, hash, now, COLO_MAX_FRAME + COLO_REC_HDR);
}

/* An IP frame: conntrack, then into the ring of its shard. The frame itself is dropped. */
static __always_inline int colo_capture_ip(void *ctx, const int hook, const struct colo_parsed *p,
					   const struct colo_config *cfg, struct colo_stats *st)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 hash = colo_flow_key_hash(&p->key), nshards = cfg->nshards, shard;
	struct colo_conn *c;
	void *ring;

	if (p->flags & COLO_REC_FRAGMENT) {
		st->fragments++;
	} else {
		st->parsed++;
		if (p->key.proto == IPPROTO_TCP)
			st->tcp++;
		else if (p->key.proto == IPPROTO_UDP)
			st->udp++;
		else if (p->key.proto == IPPROTO_ICMP || p->key.proto == COLO_IPPROTO_ICMPV6)
			st->icmp++;
		else
			st->other_l4++;
	}
	c = colo_ct_update(p, colo_side(), st, now);
	if (cfg->flags & COLO_CFG_MIRROR) {
		if (c && colo_side() == COLO_SIDE_SECONDARY)
			colo_track_sent(ctx, hook, p, c);
		if (!colo_mirror_handshake(p))
			return colo_pass_uncompared(hook, cfg, st);
	}

	if (nshards == 0)
		nshards = 1;
	if (nshards > COLO_MAX_SHARDS)
		nshards = COLO_MAX_SHARDS;
	shard = hash % nshards;
	ring = bpf_map_lookup_elem(&colo_rings, &shard);
	if (!ring) {
		st->ring_missing++;
		return colo_drop(hook);
	}
	switch (colo_emit_sized(ctx, hook, ring, p, hash, now)) {
	case COLO_EMIT_OK:
		st->captured++;
		break;
	case COLO_EMIT_RING_FULL:
		st->ring_full++;
		break;
	default:
		st->malformed++;
		break;
	}
	return colo_drop(hook);
}

static __always_inline int colo_capture(void *ctx, const int hook)
{
	__u32 role = colo_side() == COLO_SIDE_PRIMARY ? COLO_ROLE_PRIMARY : COLO_ROLE_SECONDARY;
	struct colo_stats *st = colo_get_stats(role);
	struct colo_config *cfg = colo_get_config();
	__u32 outside, len = colo_frame_len(ctx, hook);
	struct colo_parsed p;

	if (!st || !cfg)
		return colo_drop(hook);
	st->seen++;
	st->bytes += len;
	outside = cfg->ifindex[COLO_ROLE_OUTSIDE];
	if (cfg->flags & COLO_CFG_FAILOVER)
		return colo_pass_uncompared(hook, cfg, st);
	if (len > COLO_MAX_FRAME) {
		st->too_big++;
		return colo_drop(hook);
	}
	if (hook == COLO_HOOK_XDP)
		colo_parse_xdp(ctx, &p);
	else
		colo_parse_tc(ctx, &p);
	switch (p.kind) {
	case COLO_KIND_IP:
		return colo_capture_ip(ctx, hook, &p, cfg, st);
	case COLO_KIND_CTRL_REPLY:
		if (colo_side() == COLO_SIDE_SECONDARY) {
			st->ctrl_dropped++;
			return colo_drop(hook);
		}
		/* fall through: the primary's replies go out like its requests */
	case COLO_KIND_CTRL_REQUEST:
		if (!outside) {
			st->ctrl_dropped++;
			return colo_drop(hook);
		}
		st->ctrl_passed++;
		return colo_redirect(hook, outside);
	case COLO_KIND_NON_IP:
		st->non_ip++;
		return colo_drop(hook);
	default:
		st->malformed++;
		return colo_drop(hook);
	}
}

SEC("tc")
int colo_capture_tc(struct __sk_buff *skb)
{
	return colo_capture(skb, COLO_HOOK_TC);
}

SEC("xdp")
int colo_capture_xdp(struct xdp_md *xdp)
{
	return colo_capture(xdp, COLO_HOOK_XDP);
}

char LICENSE[] SEC("license") = "GPL";
