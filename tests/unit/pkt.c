// SPDX-License-Identifier: GPL-2.0-only
/* Test frame builder (see pkt.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/bytes.h"
#include "lib/csum.h"
#include "pkt.h"

#define ETH_HLEN 14

static size_t tcp_header(const struct pkt_spec *s, uint8_t *h)
{
	size_t olen = 0, i;
	uint8_t *o = h + 20;

	if (s->ts) {
		o[olen++] = 1;
		o[olen++] = 1;
		o[olen++] = 8;
		o[olen++] = 10;
		be32_put(o + olen, s->tsval);
		be32_put(o + olen + 4, s->tsecr);
		olen += 8;
	}
	if (s->nsack) {
		o[olen++] = 1;
		o[olen++] = 1;
		o[olen++] = 5;
		o[olen++] = (uint8_t)(2 + 8 * s->nsack);
		for (i = 0; i < s->nsack; i++) {
			be32_put(o + olen, s->sack[i][0]);
			be32_put(o + olen + 4, s->sack[i][1]);
			olen += 8;
		}
	}
	be16_put(h, s->sport);
	be16_put(h + 2, s->dport);
	be32_put(h + 4, s->seq);
	be32_put(h + 8, s->ack);
	h[12] = (uint8_t)(((20 + olen) / 4) << 4);
	h[13] = s->flags;
	be16_put(h + 14, s->window ? s->window : 65535);
	be16_put(h + 16, 0);
	be16_put(h + 18, 0);
	return 20 + olen;
}

static size_t l4_header(const struct pkt_spec *s, uint8_t *h)
{
	switch (s->proto) {
	case IPPROTO_TCP:
		return tcp_header(s, h);
	case IPPROTO_UDP:
		be16_put(h, s->sport);
		be16_put(h + 2, s->dport);
		be16_put(h + 4, (uint16_t)(8 + s->payload_len));
		be16_put(h + 6, 0);
		return 8;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		h[0] = s->icmp_type;
		h[1] = s->icmp_code;
		be16_put(h + 2, 0);
		be16_put(h + 4, s->icmp_id);
		be16_put(h + 6, s->icmp_seq);
		return 8;
	default:
		return 0;
	}
}

static size_t csum_field(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 16;
	case IPPROTO_UDP:
		return 6;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 2;
	default:
		return 0;
	}
}

/* L4 checksum over the pseudo-header (none for ICMPv4) and the segment. */
static void l4_checksum(const struct pkt_spec *s, const uint8_t *ip, uint8_t *l4, size_t l4len)
{
	size_t field = csum_field(s->proto);

	if (field)
		be16_put(l4 + field, colo_csum_l4(ip, s->family, s->proto, l4, (uint32_t)l4len));
}

size_t pkt_build(const struct pkt_spec *s, uint8_t *buf, size_t size)
{
	size_t off = 12, l3, iphl, l4hl, total;
	uint8_t hdr[80];
	unsigned int i;

	if ((s->family != 4 && s->family != 6) || s->nvlan > PKT_MAX_VLAN)
		return 0;
	iphl = s->family == 4 ? 20 : 40;
	l4hl = l4_header(s, hdr);
	total = 14 + 4 * s->nvlan + iphl + l4hl + s->payload_len;
	if (total > size || iphl + l4hl + s->payload_len > 65535)
		return 0;
	memset(buf, 0, total);
	memcpy(buf, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	for (i = 0; i < s->nvlan; i++, off += 4) {
		be16_put(buf + off, 0x8100);
		be16_put(buf + off + 2, s->vlan[i] & 0x0fff);
	}
	be16_put(buf + off, s->family == 4 ? 0x0800 : 0x86dd);
	l3 = off + 2;
	if (s->family == 4) {
		uint8_t *ip = buf + l3;

		ip[0] = 0x45;
		be16_put(ip + 2, (uint16_t)(iphl + l4hl + s->payload_len));
		be16_put(ip + 4, s->ip_id);
		be16_put(ip + 6, 0x4000);
		ip[8] = s->ttl ? s->ttl : 64;
		ip[9] = s->proto;
		if (inet_pton(AF_INET, s->src, ip + 12) != 1 ||
		    inet_pton(AF_INET, s->dst, ip + 16) != 1)
			return 0;
		be16_put(ip + 10, colo_csum_ipv4(ip));
	} else {
		uint8_t *ip = buf + l3;

		ip[0] = 0x60;
		be16_put(ip + 4, (uint16_t)(l4hl + s->payload_len));
		ip[6] = s->proto;
		ip[7] = s->ttl ? s->ttl : 64;
		if (inet_pton(AF_INET6, s->src, ip + 8) != 1 ||
		    inet_pton(AF_INET6, s->dst, ip + 24) != 1)
			return 0;
	}
	memcpy(buf + l3 + iphl, hdr, l4hl);
	if (s->payload_len)
		memcpy(buf + l3 + iphl + l4hl, s->payload, s->payload_len);
	l4_checksum(s, buf + l3, buf + l3 + iphl, l4hl + s->payload_len);
	return total;
}

struct pkt_spec pkt_tcp4(uint32_t seq, uint32_t ack, uint8_t flags, const void *payload,
			 uint32_t payload_len)
{
	struct pkt_spec s = {
		.family = 4,
		.src = "10.0.0.1",
		.dst = "10.0.0.2",
		.proto = IPPROTO_TCP,
		.sport = 80,
		.dport = 40000,
		.seq = seq,
		.ack = ack,
		.flags = flags,
		.payload = payload,
		.payload_len = payload_len,
	};

	return s;
}
