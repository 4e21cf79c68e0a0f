// SPDX-License-Identifier: GPL-2.0-only
/* Crafted Ethernet frames for the BPF_PROG_TEST_RUN tests. */
#include "frames.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bytes.h"
#include "lib/csum.h"

static const uint8_t frame_dmac[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t frame_smac[6] = {0x02, 0, 0, 0, 0, 0x01};

static void parse_addr(int family, const char *text, uint8_t *out)
{
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, text, out) != 1) {
		fprintf(stderr, "frames: bad address %s\n", text);
		abort();
	}
}

static size_t put_eth(uint8_t *buf, int vlans, uint16_t ethertype)
{
	static const uint16_t tpids[3] = {0x88a8, 0x8100, 0x8100};
	size_t off = 12;
	int i;

	memcpy(buf, frame_dmac, 6);
	memcpy(buf + 6, frame_smac, 6);
	for (i = 0; i < vlans; i++) {
		be16_put(buf + off, vlans == 1 ? 0x8100 : tpids[i]);
		be16_put(buf + off + 2, 100 + i);
		off += 4;
	}
	be16_put(buf + off, ethertype);
	return off + 2;
}

static size_t l4_header_len(const struct frame_spec *s)
{
	switch (s->proto) {
	case IPPROTO_TCP:
		return 20 + s->tcp_opts_len;
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 8;
	default:
		return 0;
	}
}

static void put_l4(const struct frame_spec *s, uint8_t *l4)
{
	switch (s->proto) {
	case IPPROTO_TCP:
		be16_put(l4, s->sport);
		be16_put(l4 + 2, s->dport);
		be32_put(l4 + 4, s->seq);
		be32_put(l4 + 8, s->ack);
		l4[12] = (uint8_t)((20 + s->tcp_opts_len) / 4) << 4;
		l4[13] = s->tcp_flags;
		be16_put(l4 + 14, 65535);
		if (s->tcp_opts_len)
			memcpy(l4 + 20, s->tcp_opts, s->tcp_opts_len);
		break;
	case IPPROTO_UDP:
		be16_put(l4, s->sport);
		be16_put(l4 + 2, s->dport);
		be16_put(l4 + 4, (uint16_t)(8 + s->payload_len));
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		l4[0] = s->icmp_type;
		be16_put(l4 + 4, s->sport);
		be16_put(l4 + 6, 1);
		break;
	default:
		break;
	}
}

static size_t csum_field_off(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
}

static size_t put_ipv6_ext(const struct frame_spec *s, uint8_t *p, int i)
{
	uint8_t next = i + 1 < s->next ? s->ext[i + 1] : s->proto;

	memset(p, 0, 8);
	p[0] = next;
	if (s->ext[i] == 44) {
		be16_put(p + 2, (uint16_t)(s->frag_off << 3 | s->frag_more));
		be32_put(p + 4, 0x12345678);
		return 8;
	}
	if (s->ext[i] == 51) {
		p[1] = 2; /* (2 + 2) * 4 = 16 bytes */
		memset(p + 8, 0, 8);
		return 16;
	}
	p[2] = 1; /* PadN filling the 6 option bytes */
	p[3] = 4;
	return 8;
}

size_t frame_build(const struct frame_spec *s, uint8_t *buf, struct frame_layout *lay)
{
	size_t l3, l4, off, l4_len, i;
	uint8_t *ip;

	memset(buf, 0, FRAME_MAX);
	l3 = put_eth(buf, s->vlans, s->family == 4 ? 0x0800 : 0x86dd);
	ip = buf + l3;
	if (s->family == 4) {
		ip[0] = 0x40 | (uint8_t)((20 + s->ip_opts_len) / 4);
		be16_put(ip + 4, 0x1234);
		be16_put(ip + 6, (uint16_t)((s->frag_more ? 0x2000 : 0) | s->frag_off));
		ip[8] = 64;
		ip[9] = s->proto;
		parse_addr(4, s->src, ip + 12);
		parse_addr(4, s->dst, ip + 16);
		for (i = 0; i < s->ip_opts_len; i++)
			ip[20 + i] = i + 1 < s->ip_opts_len ? 1 : 0;
		l4 = l3 + 20 + s->ip_opts_len;
	} else {
		ip[0] = 0x60;
		ip[6] = s->next ? s->ext[0] : s->proto;
		ip[7] = 64;
		parse_addr(6, s->src, ip + 8);
		parse_addr(6, s->dst, ip + 24);
		l4 = l3 + 40;
		for (i = 0; i < (size_t)s->next; i++)
			l4 += put_ipv6_ext(s, buf + l4, (int)i);
	}
	l4_len = l4_header_len(s) + s->payload_len;
	off = l4 + l4_len;
	if (off > FRAME_MAX) {
		fprintf(stderr, "frames: frame too long\n");
		abort();
	}
	put_l4(s, buf + l4);
	for (i = l4 + l4_header_len(s); i < off; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	if (s->family == 4) {
		be16_put(ip + 2, (uint16_t)(off - l3));
		be16_put(ip + 10, colo_csum_ipv4(ip));
	} else {
		be16_put(ip + 4, (uint16_t)(off - l3 - 40));
	}
	if (l4_header_len(s)) {
		be16_put(buf + l4 + csum_field_off(s->proto),
			 colo_csum_l4(ip, s->family, s->proto, buf + l4, (uint32_t)l4_len));
	}
	lay->l3_off = (uint16_t)l3;
	lay->l4_off = (uint16_t)l4;
	lay->payload_off = (uint16_t)(l4 + l4_header_len(s));
	lay->len = (uint32_t)off;
	return off;
}

struct frame_spec frame_spec_reverse(const struct frame_spec *s)
{
	struct frame_spec r = *s;

	r.src = s->dst;
	r.dst = s->src;
	r.sport = s->dport;
	r.dport = s->sport;
	if (s->proto == IPPROTO_ICMP || s->proto == IPPROTO_ICMPV6)
		r.sport = s->sport;
	return r;
}

static void key_addr(int family, const char *text, uint8_t *out)
{
	memset(out, 0, 16);
	if (family == 4) {
		out[10] = 0xff;
		out[11] = 0xff;
		parse_addr(4, text, out + 12);
	} else {
		parse_addr(6, text, out);
	}
}

static bool spec_is_fragment(const struct frame_spec *s)
{
	int i;

	if (s->family == 4)
		return s->frag_off || s->frag_more;
	for (i = 0; i < s->next; i++)
		if (s->ext[i] == 44)
			return s->frag_off || s->frag_more;
	return false;
}

void frame_key(const struct frame_spec *s, struct colo_flow_key *key)
{
	bool echo = s->family == 4 ? s->icmp_type == 0 || s->icmp_type == 8
				   : s->icmp_type == 128 || s->icmp_type == 129;

	memset(key, 0, sizeof(*key));
	key_addr(s->family, s->src, key->saddr);
	key_addr(s->family, s->dst, key->daddr);
	key->proto = s->proto;
	key->family = (uint8_t)s->family;
	if (spec_is_fragment(s))
		return;
	if (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP) {
		key->sport = htons(s->sport);
		key->dport = htons(s->dport);
	} else if ((s->proto == IPPROTO_ICMP && s->family == 4 && echo) ||
		   (s->proto == IPPROTO_ICMPV6 && s->family == 6 && echo)) {
		key->sport = htons(s->sport);
		key->dport = htons(s->sport);
	}
}

void frame_set_ip_end(uint8_t *buf, const struct frame_layout *lay, int family, size_t new_len)
{
	uint8_t *ip = buf + lay->l3_off;

	if (family == 4) {
		be16_put(ip + 2, (uint16_t)(new_len - lay->l3_off));
		be16_put(ip + 10, colo_csum_ipv4(ip));
	} else {
		be16_put(ip + 4, (uint16_t)(new_len - lay->l3_off - 40));
	}
}

size_t frame_arp(uint8_t *buf, uint16_t op, int vlans)
{
	size_t off;
	uint8_t *arp;

	memset(buf, 0, 64);
	off = put_eth(buf, vlans, 0x0806);
	arp = buf + off;
	be16_put(arp, 1);
	be16_put(arp + 2, 0x0800);
	arp[4] = 6;
	arp[5] = 4;
	be16_put(arp + 6, op);
	memcpy(arp + 8, frame_smac, 6);
	parse_addr(4, "192.0.2.1", arp + 14);
	parse_addr(4, "198.51.100.2", arp + 24);
	return off + 28;
}

size_t frame_ethertype(uint8_t *buf, uint16_t ethertype, int vlans)
{
	size_t off;

	memset(buf, 0, 64);
	off = put_eth(buf, vlans, ethertype);
	return off + 46 > 60 ? off + 46 : 60;
}

bool frame_l4_csum_ok(const uint8_t *buf, const struct frame_layout *lay, int family, uint8_t proto)
{
	const uint8_t *ip = buf + lay->l3_off;
	uint32_t ip_end, l4_len;

	ip_end =
		family == 4 ? lay->l3_off + be16_get(ip + 2) : lay->l3_off + 40u + be16_get(ip + 4);
	l4_len = ip_end - lay->l4_off;
	return colo_csum_fold(colo_csum_add(colo_csum_pseudo(ip, family, proto, l4_len),
					    buf + lay->l4_off, l4_len)) == 0xffff;
}
