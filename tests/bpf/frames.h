/* SPDX-License-Identifier: GPL-2.0-only */
/* Crafted Ethernet frames for the BPF_PROG_TEST_RUN tests, with valid checksums. */
#ifndef COLO_TEST_FRAMES_H
#define COLO_TEST_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "colo_xdp.h"
#include "lib/bytes.h"

#define FRAME_MAX     70000
#define FRAME_MAX_EXT 8

#define FRAME_TCP_FIN 0x01
#define FRAME_TCP_SYN 0x02
#define FRAME_TCP_RST 0x04
#define FRAME_TCP_PSH 0x08
#define FRAME_TCP_ACK 0x10

struct frame_spec {
	int family;	       /* 4 or 6 */
	uint8_t proto;	       /* IPPROTO_* (any number: unknown ones get an opaque payload) */
	const char *src, *dst; /* addresses in text form */
	uint16_t sport, dport; /* TCP/UDP ports; ICMP/ICMPv6 echo identifier in sport */
	uint8_t tcp_flags;
	uint32_t seq, ack;
	const uint8_t *tcp_opts; /* raw TCP options, tcp_opts_len a multiple of 4 */
	uint8_t tcp_opts_len;
	uint8_t icmp_type;
	uint32_t payload_len;
	int vlans;	     /* 0, 1 (802.1Q) or 2 (802.1ad + 802.1Q) tags */
	uint8_t ip_opts_len; /* IPv4 options (NOPs + EOL), a multiple of 4, <= 40 */
	const uint8_t *ext;  /* IPv6 extension header types, in order */
	int next;
	uint16_t frag_off; /* fragment offset in 8-byte units (IPv4, or IPv6 with a 44 header) */
	bool frag_more;
};

struct frame_layout {
	uint16_t l3_off;
	uint16_t l4_off;
	uint16_t payload_off;
	uint32_t len;
};

/* Builds the frame into buf (FRAME_MAX bytes); returns its length. Aborts on a bad spec. */
size_t frame_build(const struct frame_spec *s, uint8_t *buf, struct frame_layout *lay);

/* The spec of the opposite direction (addresses and ports swapped). */
struct frame_spec frame_spec_reverse(const struct frame_spec *s);

/* The flow key the capture program must derive (replica-output orientation = as sent). */
void frame_key(const struct frame_spec *s, struct colo_flow_key *key);

/* Sets the IP total/payload length so the datagram ends at new_len (for truncation cases). */
void frame_set_ip_end(uint8_t *buf, const struct frame_layout *lay, int family, size_t new_len);

/* ARP frame with the given operation (1 request, 2 reply); returns its length. */
size_t frame_arp(uint8_t *buf, uint16_t op, int vlans);

/* A frame of another ethertype (LLDP) with the given number of VLAN tags (up to 3). */
size_t frame_ethertype(uint8_t *buf, uint16_t ethertype, int vlans);

/* Whether the L4 checksum (TCP/UDP/ICMP/ICMPv6) of a parsed frame is correct. */
bool frame_l4_csum_ok(const uint8_t *buf, const struct frame_layout *lay, int family,
		      uint8_t proto);

#endif /* COLO_TEST_FRAMES_H */
