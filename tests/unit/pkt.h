/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test frame builder: Ethernet (optional VLAN tags) + IPv4/IPv6 + TCP/UDP/ICMP/ICMPv6 or any
 * other protocol, with valid IP and L4 checksums. For unit tests and golden capture generators.
 */
#ifndef COLO_TEST_PKT_H
#define COLO_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX_VLAN 2

struct pkt_spec {
	int family;	 /* 4 or 6 */
	const char *src; /* textual addresses, e.g. "10.0.0.1" or "fd00::1" */
	const char *dst;
	uint8_t proto;	/* IPPROTO_* */
	uint8_t ttl;	/* 0: 64 */
	uint16_t ip_id; /* IPv4 identification */
	uint8_t nvlan;
	uint16_t vlan[PKT_MAX_VLAN]; /* VLAN ids, outermost first (TPID 0x8100) */
	uint16_t sport, dport;	     /* TCP/UDP, host order */
	/* TCP */
	uint32_t seq, ack;
	uint8_t flags; /* COLO_TCP_* */
	uint16_t window;
	bool ts;
	uint32_t tsval, tsecr;
	uint8_t nsack;
	uint32_t sack[4][2];
	/* ICMP / ICMPv6 */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	const void *payload;
	uint32_t payload_len;
};

/* Builds the frame into buf. Returns its length, or 0 if it does not fit or the spec is bad. */
size_t pkt_build(const struct pkt_spec *spec, uint8_t *buf, size_t size);

/* Shorthand for an IPv4 TCP segment 10.0.0.1:80 > 10.0.0.2:40000 (a server's output). */
struct pkt_spec pkt_tcp4(uint32_t seq, uint32_t ack, uint8_t flags, const void *payload,
			 uint32_t payload_len);

#endif /* COLO_TEST_PKT_H */
