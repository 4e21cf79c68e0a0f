// SPDX-License-Identifier: GPL-2.0-only
/* Frame parser: every read is checked against the frame and the IP length before it happens. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "lib/frame.h"

#define ETH_HLEN       14
#define VLAN_HLEN      4
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define MAX_VLAN_DEPTH 2
#define IPV6_HLEN      40
#define MAX_IPV6_EXT   8
#define TCP_OPT_EOL    0
#define TCP_OPT_NOP    1
#define TCP_OPT_SACK   5
#define TCP_OPT_TS     8
#define TCP_OPT_TS_LEN 10

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static enum colo_frame_kind set_kind(struct colo_frame_info *out, enum colo_frame_kind kind)
{
	out->kind = kind;
	return kind;
}

/*
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d), written as two 8-byte stores: the comparator reads
 * the key back in 8-byte words right away, and loads that span several smaller stores stall.
 */
static void map_v4(uint8_t dst[16], const uint8_t *src)
{
	uint64_t lo = 0, hi;
	uint32_t a;

	memcpy(&a, src, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	hi = (uint64_t)a << 32 | 0xffff0000u;
#else
	hi = 0xffffull << 32 | a;
#endif
	memcpy(dst, &lo, 8);
	memcpy(dst + 8, &hi, 8);
}

/* Options are parsed leniently: a malformed option ends the option list, not the frame. */
static void parse_tcp_options(const uint8_t *opt, uint32_t len, struct colo_tcp_info *tcp)
{
	uint32_t i = 0;

	while (i < len) {
		uint8_t kind = opt[i];
		uint8_t olen;

		if (kind == TCP_OPT_EOL)
			return;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return;
		olen = opt[i + 1];
		if (olen < 2 || i + olen > len)
			return;
		if (kind == TCP_OPT_TS && olen == TCP_OPT_TS_LEN) {
			tcp->has_ts = true;
			tcp->tsval = rd32(opt + i + 2);
			tcp->tsecr = rd32(opt + i + 6);
		} else if (kind == TCP_OPT_SACK && (olen - 2) % 8 == 0) {
			uint32_t n = (olen - 2) / 8, b;

			for (b = 0; b < n && tcp->nsack < COLO_MAX_SACK_BLOCKS; b++) {
				tcp->sack[tcp->nsack][0] = rd32(opt + i + 2 + 8 * b);
				tcp->sack[tcp->nsack][1] = rd32(opt + i + 6 + 8 * b);
				tcp->nsack++;
			}
		}
		i += olen;
	}
}

/* Parses the L4 header at f[l4 .. end). end is bounded by the frame and the IP length. */
static enum colo_frame_kind parse_l4(const uint8_t *f, uint32_t l4, uint32_t end,
				     struct colo_frame_info *out)
{
	uint32_t avail = end - l4;
	const uint8_t *h = f + l4;
	uint32_t hlen;

	out->l4_off = (uint16_t)l4;
	switch (out->key.proto) {
	case IPPROTO_TCP:
		if (avail < 20)
			return set_kind(out, COLO_FRAME_MALFORMED);
		hlen = (uint32_t)(h[12] >> 4) * 4;
		if (hlen < 20 || hlen > avail)
			return set_kind(out, COLO_FRAME_MALFORMED);
		memcpy(&out->key.sport, h, 2);
		memcpy(&out->key.dport, h + 2, 2);
		out->tcp.seq = rd32(h + 4);
		out->tcp.ack = rd32(h + 8);
		out->tcp.flags = h[13];
		out->tcp.window = rd16(h + 14);
		parse_tcp_options(h + 20, hlen - 20, &out->tcp);
		break;
	case IPPROTO_UDP: {
		uint32_t ulen;

		if (avail < 8)
			return set_kind(out, COLO_FRAME_MALFORMED);
		ulen = rd16(h + 4);
		/* 0 is a jumbogram or GSO super-frame: the IP length bounds it. */
		if (ulen != 0 && (ulen < 8 || ulen > avail))
			return set_kind(out, COLO_FRAME_MALFORMED);
		if (ulen != 0)
			end = l4 + ulen;
		memcpy(&out->key.sport, h, 2);
		memcpy(&out->key.dport, h + 2, 2);
		hlen = 8;
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		bool v6 = out->key.proto == IPPROTO_ICMPV6;
		uint8_t type;

		if (avail < 8)
			return set_kind(out, COLO_FRAME_MALFORMED);
		type = h[0];
		if ((!v6 && (type == 0 || type == 8)) || (v6 && (type == 128 || type == 129))) {
			memcpy(&out->key.sport, h + 4, 2);
			memcpy(&out->key.dport, h + 4, 2);
		}
		hlen = 8;
		break;
	}
	default:
		hlen = 0;
		break;
	}
	out->payload_off = (uint16_t)(l4 + hlen);
	out->payload_len = end - l4 - hlen;
	return set_kind(out, COLO_FRAME_IP);
}

static enum colo_frame_kind parse_ipv4(const uint8_t *f, uint32_t l3, uint32_t len,
				       struct colo_frame_info *out)
{
	const uint8_t *h = f + l3;
	uint32_t ihl, tot, end;
	uint16_t frag;

	if (len - l3 < 20 || (h[0] >> 4) != 4)
		return set_kind(out, COLO_FRAME_MALFORMED);
	ihl = (uint32_t)(h[0] & 0xf) * 4;
	tot = rd16(h + 2);
	if (ihl < 20 || tot < ihl || tot > len - l3)
		return set_kind(out, COLO_FRAME_MALFORMED);
	end = l3 + tot;
	out->key.family = 4;
	out->key.proto = h[9];
	map_v4(out->key.saddr, h + 12);
	map_v4(out->key.daddr, h + 16);
	frag = rd16(h + 6);
	if (frag & 0x3fff) {
		out->fragment = true;
		out->frag_more = frag & 0x2000;
		out->frag_off = (uint32_t)(frag & 0x1fff) * 8;
		out->payload_off = (uint16_t)(l3 + ihl);
		out->payload_len = end - l3 - ihl;
		return set_kind(out, COLO_FRAME_IP);
	}
	return parse_l4(f, l3 + ihl, end, out);
}

static bool ipv6_ext_header(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS ||
	       nh == IPPROTO_FRAGMENT || nh == IPPROTO_AH;
}

static enum colo_frame_kind parse_ipv6(const uint8_t *f, uint32_t l3, uint32_t len,
				       struct colo_frame_info *out)
{
	const uint8_t *h = f + l3;
	uint32_t off, end, i;
	uint8_t nh;

	if (len - l3 < IPV6_HLEN || (h[0] >> 4) != 6)
		return set_kind(out, COLO_FRAME_MALFORMED);
	end = l3 + IPV6_HLEN + rd16(h + 4);
	if (end > len)
		return set_kind(out, COLO_FRAME_MALFORMED);
	out->key.family = 6;
	memcpy(out->key.saddr, h + 8, 16);
	memcpy(out->key.daddr, h + 24, 16);
	nh = h[6];
	off = l3 + IPV6_HLEN;
	for (i = 0; i < MAX_IPV6_EXT && ipv6_ext_header(nh); i++) {
		const uint8_t *e = f + off;
		uint32_t elen;

		if (end - off < 8)
			return set_kind(out, COLO_FRAME_MALFORMED);
		if (nh == IPPROTO_FRAGMENT) {
			uint16_t fo = rd16(e + 2);

			elen = 8;
			if (fo & 0xfff9) {
				out->fragment = true;
				out->frag_more = fo & 1;
				out->frag_off = (uint32_t)(fo & 0xfff8);
			}
		} else if (nh == IPPROTO_AH) {
			elen = ((uint32_t)e[1] + 2) * 4;
		} else {
			elen = ((uint32_t)e[1] + 1) * 8;
		}
		if (elen > end - off)
			return set_kind(out, COLO_FRAME_MALFORMED);
		nh = e[0];
		off += elen;
		if (out->fragment) {
			out->key.proto = nh;
			out->payload_off = (uint16_t)off;
			out->payload_len = end - off;
			return set_kind(out, COLO_FRAME_IP);
		}
	}
	if (ipv6_ext_header(nh))
		return set_kind(out, COLO_FRAME_MALFORMED);
	out->key.proto = nh;
	return parse_l4(f, off, end, out);
}

enum colo_frame_kind colo_frame_parse(const uint8_t *frame, size_t len, struct colo_frame_info *out)
{
	uint32_t off = ETH_HLEN;
	uint16_t type;

	/*
	 * Field by field rather than one memset: gcc makes a large memset "rep stos", from which
	 * the caller's immediate reads of the key cannot be forwarded.
	 */
	memset(&out->key, 0, sizeof(out->key));
	memset(&out->tcp, 0, sizeof(out->tcp));
	out->l3_off = out->l4_off = out->payload_off = 0;
	out->payload_len = 0;
	out->vlan_depth = 0;
	out->fragment = out->frag_more = false;
	out->frag_off = 0;
	if (!frame || len < ETH_HLEN)
		return set_kind(out, COLO_FRAME_MALFORMED);
	/* Offsets are 16-bit: longer frames than any ring record carries are refused. */
	if (len > COLO_MAX_FRAME)
		return set_kind(out, COLO_FRAME_MALFORMED);
	type = rd16(frame + 12);
	while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
		if (out->vlan_depth == MAX_VLAN_DEPTH || len - off < VLAN_HLEN)
			return set_kind(out, COLO_FRAME_MALFORMED);
		type = rd16(frame + off + 2);
		off += VLAN_HLEN;
		out->vlan_depth++;
	}
	out->l3_off = (uint16_t)off;
	if (type == ETHERTYPE_IPV4)
		return parse_ipv4(frame, off, (uint32_t)len, out);
	if (type == ETHERTYPE_IPV6)
		return parse_ipv6(frame, off, (uint32_t)len, out);
	return set_kind(out, COLO_FRAME_NON_IP);
}

const char *colo_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		return NULL;
	}
}

static void format_addr(const struct colo_flow_key *key, const uint8_t addr[16], char *buf,
			size_t size)
{
	if (key->family == 4)
		inet_ntop(AF_INET, addr + 12, buf, (socklen_t)size);
	else
		inet_ntop(AF_INET6, addr, buf, (socklen_t)size);
}

int colo_flow_format(const struct colo_flow_key *key, char *buf, size_t size)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], pname[16];
	const char *name = colo_proto_name(key->proto);
	const char *lb = key->family == 6 ? "[" : "", *rb = key->family == 6 ? "]" : "";

	format_addr(key, key->saddr, src, sizeof(src));
	format_addr(key, key->daddr, dst, sizeof(dst));
	if (!name) {
		snprintf(pname, sizeof(pname), "proto %u", key->proto);
		name = pname;
	}
	if (key->proto == IPPROTO_TCP || key->proto == IPPROTO_UDP)
		return snprintf(buf, size, "%s %s%s%s:%u > %s%s%s:%u", name, lb, src, rb,
				ntohs(key->sport), lb, dst, rb, ntohs(key->dport));
	if ((key->proto == IPPROTO_ICMP || key->proto == IPPROTO_ICMPV6) && key->sport)
		return snprintf(buf, size, "%s %s > %s id %u", name, src, dst, ntohs(key->sport));
	return snprintf(buf, size, "%s %s > %s", name, src, dst);
}

/* The contract's hash (include/colo_xdp.h), the one BPF computes for sharding. */
