// SPDX-License-Identifier: GPL-2.0-only
/* Test frame builder (see pkt.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "pkt.h"

#define ETH_HLEN 14

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t tcp_header(const struct pkt_spec *s, uint8_t *h)
{
	size_t olen = 0, i;
	uint8_t *o = h + 20;

	if (s->ts) {
		o[olen++] = 1;
		o[olen++] = 1;
		o[olen++] = 8;
		o[olen++] = 10;
		wr32(o + olen, s->tsval);
		wr32(o + olen + 4, s->tsecr);
		olen += 8;
	}
	if (s->nsack) {
		o[olen++] = 1;
		o[olen++] = 1;
		o[olen++] = 5;
		o[olen++] = (uint8_t)(2 + 8 * s->nsack);
		for (i = 0; i < s->nsack; i++) {
			wr32(o + olen, s->sack[i][0]);
			wr32(o + olen + 4, s->sack[i][1]);
			olen += 8;
		}
	}
	wr16(h, s->sport);
	wr16(h + 2, s->dport);
	wr32(h + 4, s->seq);
	wr32(h + 8, s->ack);
	h[12] = (uint8_t)(((20 + olen) / 4) << 4);
	h[13] = s->flags;
	wr16(h + 14, s->window ? s->window : 65535);
	wr16(h + 16, 0);
	wr16(h + 18, 0);
	return 20 + olen;
}

static size_t l4_header(const struct pkt_spec *s, uint8_t *h)
{
	switch (s->proto) {
	case IPPROTO_TCP:
		return tcp_header(s, h);
	case IPPROTO_UDP:
		wr16(h, s->sport);
		wr16(h + 2, s->dport);
		wr16(h + 4, (uint16_t)(8 + s->payload_len));
		wr16(h + 6, 0);
		return 8;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		h[0] = s->icmp_type;
		h[1] = s->icmp_code;
		wr16(h + 2, 0);
		wr16(h + 4, s->icmp_id);
		wr16(h + 6, s->icmp_seq);
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
	uint32_t sum = 0;
	uint16_t c;

	if (!field)
		return;
	if (s->proto != IPPROTO_ICMP) {
		if (s->family == 4)
			sum = csum_add(sum, ip + 12, 8);
		else
			sum = csum_add(sum, ip + 8, 32);
		sum += s->proto + (uint32_t)l4len;
	}
	sum = csum_add(sum, l4, l4len);
	c = csum_fold(sum);
	if (s->proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	wr16(l4 + field, c);
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
		wr16(buf + off, 0x8100);
		wr16(buf + off + 2, s->vlan[i] & 0x0fff);
	}
	wr16(buf + off, s->family == 4 ? 0x0800 : 0x86dd);
	l3 = off + 2;
	if (s->family == 4) {
		uint8_t *ip = buf + l3;

		ip[0] = 0x45;
		wr16(ip + 2, (uint16_t)(iphl + l4hl + s->payload_len));
		wr16(ip + 4, s->ip_id);
		wr16(ip + 6, 0x4000);
		ip[8] = s->ttl ? s->ttl : 64;
		ip[9] = s->proto;
		if (inet_pton(AF_INET, s->src, ip + 12) != 1 ||
		    inet_pton(AF_INET, s->dst, ip + 16) != 1)
			return 0;
		wr16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	} else {
		uint8_t *ip = buf + l3;

		ip[0] = 0x60;
		wr16(ip + 4, (uint16_t)(l4hl + s->payload_len));
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
