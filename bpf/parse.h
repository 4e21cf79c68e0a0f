/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one frame parser and classifier of colo-xdp's BPF programs, shared by the tc and XDP
 * hooks. It reads the frame only through bpf_skb_load_bytes / bpf_xdp_load_bytes (chosen by a
 * compile-time constant hook), so non-linear skbs and XDP fragments parse like linear frames.
 *
 * Ethernet, up to two VLAN tags (802.1Q / 802.1ad; on tc an offloaded tag in skb metadata is the
 * outer one), ARP, IPv4 (options flagged, fragments not parsed past L3), IPv6 (up to
 * COLO_MAX_EXT_HDRS extension headers), TCP, UDP, ICMP, ICMPv6. Anything inconsistent (a header cut
 * short, bad IHL or data offset, an IP length beyond the frame) is COLO_KIND_MALFORMED: the caller
 * drops it, never passes it.
 */
#ifndef COLO_BPF_PARSE_H
#define COLO_BPF_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "colo_xdp.h"

#define COLO_ETH_HLEN	  14
#define COLO_ETH_P_IP	  0x0800
#define COLO_ETH_P_ARP	  0x0806
#define COLO_ETH_P_8021Q  0x8100
#define COLO_ETH_P_8021AD 0x88a8
#define COLO_ETH_P_IPV6	  0x86dd
#define COLO_MAX_VLANS	  2
#define COLO_MAX_EXT_HDRS 6

#define COLO_IPPROTO_HOPOPTS  0
#define COLO_IPPROTO_ROUTING  43
#define COLO_IPPROTO_FRAGMENT 44
#define COLO_IPPROTO_AH	      51
#define COLO_IPPROTO_ICMPV6   58
#define COLO_IPPROTO_DSTOPTS  60

#define COLO_IP_MF	   0x2000
#define COLO_IP_OFFSET	   0x1fff
#define COLO_ARPOP_REQUEST 1

#define COLO_ICMP_ECHOREPLY	 0
#define COLO_ICMP_ECHO		 8
#define COLO_ICMPV6_ECHO_REQUEST 128
#define COLO_ICMPV6_ECHO_REPLY	 129
#define COLO_NDISC_RS		 133
#define COLO_NDISC_RA		 134
#define COLO_NDISC_NS		 135
#define COLO_NDISC_NA		 136
#define COLO_NDISC_REDIRECT	 137
#define COLO_MLD_QUERY		 130
#define COLO_MLD_REPORT		 131
#define COLO_MLD_DONE		 132
#define COLO_MLD2_REPORT	 143

#define COLO_TCPF_FIN 0x01
#define COLO_TCPF_SYN 0x02
#define COLO_TCPF_RST 0x04
#define COLO_TCPF_ACK 0x10
/* Where the sequence and acknowledgement numbers sit in a TCP header. */
#define COLO_TCP_SEQ_OFF 4
#define COLO_TCP_ACK_OFF 8

enum colo_kind {
	COLO_KIND_IP = 0,	/* IPv4/IPv6 (not a neighbour discovery message) */
	COLO_KIND_CTRL_REQUEST, /* ARP request, IPv6 router/neighbour solicitation, MLD report/done
				 */
	COLO_KIND_CTRL_REPLY,	/* ARP reply (any other op), RA, NA, redirect, MLD query */
	COLO_KIND_NON_IP,	/* other ethertypes, three or more VLAN tags */
	COLO_KIND_MALFORMED,
};

struct colo_parsed {
	struct colo_flow_key key; /* valid for COLO_KIND_IP and ND */
	__u32 kind;		  /* enum colo_kind */
	__u32 frame_len;
	__u32 ip_end; /* end of the IP datagram in the frame */
	__u16 l3_off;
	__u16 l4_off;	   /* 0 when L4 was not parsed (fragments) */
	__u16 payload_off; /* 0 when L4 was not parsed */
	__u8 flags;	   /* enum colo_rec_flags */
	__u8 tcp_flags;	   /* TCP only */
	__u8 tcp_hlen;	   /* TCP only: data offset in bytes */
	__u8 l4_parsed;	   /* L4 header parsed (not a fragment) */
	/* The VLAN tags, as in struct colo_rec. */
	struct colo_vlan_tag vlan[COLO_REC_VLANS];
};

struct colo_vlan {
	__be16 tci;
	__be16 proto;
};

static __always_inline long colo_load(void *ctx, const int hook, __u32 off, void *to, __u32 len)
{
	if (hook == COLO_HOOK_XDP)
		return bpf_xdp_load_bytes(ctx, off, to, len);
	return bpf_skb_load_bytes(ctx, off, to, len);
}

static __always_inline __u32 colo_frame_len(void *ctx, const int hook)
{
	if (hook == COLO_HOOK_XDP)
		return bpf_xdp_get_buff_len(ctx);
	return ((struct __sk_buff *)ctx)->len;
}

static __always_inline void colo_map_v4(__u8 *dst, __be32 addr)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &addr, 4);
}

static __always_inline int colo_icmp_is_echo(__u8 family, __u8 type)
{
	if (family == 4)
		return type == COLO_ICMP_ECHO || type == COLO_ICMP_ECHOREPLY;
	return type == COLO_ICMPV6_ECHO_REQUEST || type == COLO_ICMPV6_ECHO_REPLY;
}

/*
 * ICMPv6 link control: neighbour discovery and multicast listener discovery. A replica's own
 * announcements (solicitations, MLD reports) are requests; answers and queries are replies.
 * MLD reports come at random delays after link up, so comparing them would only cause
 * checkpoints. Returns COLO_KIND_IP for any other type.
 */
static __always_inline int colo_icmp6_ctrl_kind(__u8 type)
{
	switch (type) {
	case COLO_NDISC_RS:
	case COLO_NDISC_NS:
	case COLO_MLD_REPORT:
	case COLO_MLD_DONE:
	case COLO_MLD2_REPORT:
		return COLO_KIND_CTRL_REQUEST;
	case COLO_NDISC_RA:
	case COLO_NDISC_NA:
	case COLO_NDISC_REDIRECT:
	case COLO_MLD_QUERY:
		return COLO_KIND_CTRL_REPLY;
	default:
		return COLO_KIND_IP;
	}
}

/* Reads the L4 header at p->l4_off (bounded by p->ip_end) and fills ports and offsets. */
static __always_inline int colo_parse_l4(void *ctx, const int hook, struct colo_parsed *p)
{
	__u32 l4 = p->l4_off;
	__u8 hdr[20];

	switch (p->key.proto) {
	case IPPROTO_TCP:
		if (l4 + 20 > p->ip_end || colo_load(ctx, hook, l4, hdr, 20))
			return COLO_KIND_MALFORMED;
		p->tcp_hlen = (hdr[12] >> 4) * 4;
		if (p->tcp_hlen < 20 || l4 + p->tcp_hlen > p->ip_end)
			return COLO_KIND_MALFORMED;
		__builtin_memcpy(&p->key.sport, hdr, 2);
		__builtin_memcpy(&p->key.dport, hdr + 2, 2);
		p->tcp_flags = hdr[13];
		p->payload_off = l4 + p->tcp_hlen;
		break;
	case IPPROTO_UDP: {
		__u32 ulen;

		if (l4 + 8 > p->ip_end || colo_load(ctx, hook, l4, hdr, 8))
			return COLO_KIND_MALFORMED;
		/* As in user/lib/frame.c: 0 is a GSO super-frame or jumbogram. */
		ulen = (hdr[4] << 8) | hdr[5];
		if (ulen && (ulen < 8 || l4 + ulen > p->ip_end))
			return COLO_KIND_MALFORMED;
		__builtin_memcpy(&p->key.sport, hdr, 2);
		__builtin_memcpy(&p->key.dport, hdr + 2, 2);
		p->payload_off = l4 + 8;
		break;
	}
	case IPPROTO_ICMP:
	case COLO_IPPROTO_ICMPV6:
		if ((p->key.proto == IPPROTO_ICMP) != (p->key.family == 4)) {
			p->payload_off = l4; /* ICMP in IPv6 or ICMPv6 in IPv4: opaque */
			break;
		}
		if (l4 + 8 > p->ip_end || colo_load(ctx, hook, l4, hdr, 8))
			return COLO_KIND_MALFORMED;
		p->payload_off = l4 + 8;
		if (colo_icmp_is_echo(p->key.family, hdr[0])) {
			__builtin_memcpy(&p->key.sport, hdr + 4, 2);
			__builtin_memcpy(&p->key.dport, hdr + 4, 2);
		}
		if (p->key.family == 6 && colo_icmp6_ctrl_kind(hdr[0]) != COLO_KIND_IP)
			return colo_icmp6_ctrl_kind(hdr[0]);
		break;
	default:
		p->payload_off = l4;
		break;
	}
	p->l4_parsed = 1;
	return COLO_KIND_IP;
}

static __always_inline int colo_parse_ipv4(void *ctx, const int hook, struct colo_parsed *p)
{
	struct iphdr ip;
	__u32 hlen, tot;

	if (colo_load(ctx, hook, p->l3_off, &ip, sizeof(ip)))
		return COLO_KIND_MALFORMED;
	hlen = ip.ihl * 4;
	tot = bpf_ntohs(ip.tot_len);
	if (ip.version != 4 || hlen < sizeof(ip) || tot < hlen || p->l3_off + tot > p->frame_len)
		return COLO_KIND_MALFORMED;
	if (hlen > sizeof(ip))
		p->flags |= COLO_REC_IP_OPTIONS;
	p->key.family = 4;
	p->key.proto = ip.protocol;
	colo_map_v4(p->key.saddr, ip.saddr);
	colo_map_v4(p->key.daddr, ip.daddr);
	p->ip_end = p->l3_off + tot;
	if (bpf_ntohs(ip.frag_off) & (COLO_IP_MF | COLO_IP_OFFSET)) {
		p->flags |= COLO_REC_FRAGMENT;
		return COLO_KIND_IP;
	}
	p->l4_off = p->l3_off + hlen;
	return colo_parse_l4(ctx, hook, p);
}

static __always_inline int colo_ipv6_is_ext(__u8 nh)
{
	return nh == COLO_IPPROTO_HOPOPTS || nh == COLO_IPPROTO_ROUTING ||
	       nh == COLO_IPPROTO_DSTOPTS || nh == COLO_IPPROTO_FRAGMENT || nh == COLO_IPPROTO_AH;
}

static __always_inline int colo_parse_ipv6(void *ctx, const int hook, struct colo_parsed *p)
{
	struct ipv6hdr ip6;
	__u32 l4, i;
	__u8 nh, ext[8];

	if (colo_load(ctx, hook, p->l3_off, &ip6, sizeof(ip6)))
		return COLO_KIND_MALFORMED;
	l4 = p->l3_off + sizeof(ip6);
	p->ip_end = l4 + bpf_ntohs(ip6.payload_len);
	if (ip6.version != 6 || p->ip_end > p->frame_len)
		return COLO_KIND_MALFORMED;
	p->key.family = 6;
	__builtin_memcpy(p->key.saddr, &ip6.saddr, 16);
	__builtin_memcpy(p->key.daddr, &ip6.daddr, 16);
	nh = ip6.nexthdr;
	for (i = 0; i < COLO_MAX_EXT_HDRS; i++) {
		__u32 len;

		if (!colo_ipv6_is_ext(nh))
			break;
		if (l4 + 8 > p->ip_end || colo_load(ctx, hook, l4, ext, 8))
			return COLO_KIND_MALFORMED;
		p->flags |= COLO_REC_IP_OPTIONS;
		if (nh == COLO_IPPROTO_FRAGMENT) {
			/* Offset or more-fragments set: a real fragment, not an atomic one. */
			if (((ext[2] << 8) | ext[3]) & 0xfff9) {
				p->key.proto = ext[0];
				p->flags |= COLO_REC_FRAGMENT;
				return COLO_KIND_IP;
			}
			len = 8;
		} else if (nh == COLO_IPPROTO_AH) {
			len = (ext[1] + 2) * 4;
		} else {
			len = (ext[1] + 1) * 8;
		}
		nh = ext[0];
		l4 += len;
	}
	/* Too many extension headers to reach the transport header. */
	if (colo_ipv6_is_ext(nh) || l4 > p->ip_end)
		return COLO_KIND_MALFORMED;
	p->key.proto = nh;
	p->l4_off = l4;
	return colo_parse_l4(ctx, hook, p);
}

static __always_inline int colo_parse_arp(void *ctx, const int hook, struct colo_parsed *p)
{
	__u8 arp[8];

	if (colo_load(ctx, hook, p->l3_off, arp, sizeof(arp)))
		return COLO_KIND_MALFORMED;
	return ((arp[6] << 8) | arp[7]) == COLO_ARPOP_REQUEST ? COLO_KIND_CTRL_REQUEST
							      : COLO_KIND_CTRL_REPLY;
}

/*
 * A tag VLAN offload moved out of the frame into skb metadata (veth, tap and most NICs strip
 * the outer tag on receive): it is the frame's outer tag. XDP cannot see it. Returns the number
 * of tags taken (0 or 1).
 */
static __always_inline __u32 colo_vlan_meta(void *ctx, const int hook, struct colo_parsed *p)
{
	struct __sk_buff *skb = ctx;

	if (hook != COLO_HOOK_TC || !skb->vlan_present)
		return 0;
	p->vlan[0].tpid = (__be16)skb->vlan_proto;
	p->vlan[0].tci = bpf_htons((__u16)skb->vlan_tci);
	p->flags |= COLO_REC_VLAN | COLO_REC_VLAN_META;
	return 1;
}

/*
 * Parses and classifies the frame in ctx. hook must be a compile-time constant
 * (COLO_HOOK_TC: ctx is a struct __sk_buff, COLO_HOOK_XDP: a struct xdp_md).
 * Sets p->kind and returns it. Callers wrap it in a __noinline function per hook, so the
 * parser gets its own BPF stack frame.
 */
static __always_inline __u32 colo_parse(void *ctx, const int hook, struct colo_parsed *p)
{
	struct ethhdr eth;
	struct colo_vlan vlan;
	__u16 proto;
	__u32 i;

	__builtin_memset(p, 0, sizeof(*p));
	p->frame_len = colo_frame_len(ctx, hook);
	p->kind = COLO_KIND_MALFORMED;
	if (colo_load(ctx, hook, 0, &eth, sizeof(eth)))
		return p->kind;
	proto = bpf_ntohs(eth.h_proto);
	p->l3_off = COLO_ETH_HLEN;
	i = colo_vlan_meta(ctx, hook, p);
	for (; i < COLO_MAX_VLANS; i++) {
		if (proto != COLO_ETH_P_8021Q && proto != COLO_ETH_P_8021AD)
			break;
		if (colo_load(ctx, hook, p->l3_off, &vlan, sizeof(vlan)))
			return p->kind;
		p->flags |= i ? COLO_REC_QINQ : COLO_REC_VLAN;
		p->vlan[i].tpid = bpf_htons(proto);
		p->vlan[i].tci = vlan.tci;
		proto = bpf_ntohs(vlan.proto);
		p->l3_off += sizeof(vlan);
	}
	switch (proto) {
	case COLO_ETH_P_IP:
		p->kind = colo_parse_ipv4(ctx, hook, p);
		break;
	case COLO_ETH_P_IPV6:
		p->kind = colo_parse_ipv6(ctx, hook, p);
		break;
	case COLO_ETH_P_ARP:
		p->kind = colo_parse_arp(ctx, hook, p);
		break;
	default:
		p->kind = COLO_KIND_NON_IP;
		break;
	}
	return p->kind;
}

/* The key of the opposite direction (client -> service becomes service -> client). */
static __always_inline void colo_key_reverse(const struct colo_flow_key *in,
					     struct colo_flow_key *out)
{
	__builtin_memcpy(out->saddr, in->daddr, 16);
	__builtin_memcpy(out->daddr, in->saddr, 16);
	out->sport = in->dport;
	out->dport = in->sport;
	out->proto = in->proto;
	out->family = in->family;
	out->pad[0] = 0;
	out->pad[1] = 0;
}

#endif /* COLO_BPF_PARSE_H */
