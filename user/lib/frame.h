/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace frame parser: Ethernet (up to two VLAN tags), IPv4/IPv6, TCP/UDP/ICMP/ICMPv6. */
#ifndef COLO_FRAME_H
#define COLO_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "colo_xdp.h"

#define COLO_TCP_FIN 0x01
#define COLO_TCP_SYN 0x02
#define COLO_TCP_RST 0x04
#define COLO_TCP_PSH 0x08
#define COLO_TCP_ACK 0x10

#define COLO_MAX_SACK_BLOCKS 4

enum colo_frame_kind {
	COLO_FRAME_IP = 0,    /* IPv4/IPv6, L4 parsed where the protocol is known */
	COLO_FRAME_NON_IP,    /* ARP, LLDP, ...: key is not set */
	COLO_FRAME_MALFORMED, /* truncated or inconsistent headers */
};

struct colo_tcp_info {
	uint32_t seq;
	uint32_t ack;
	uint16_t window;
	uint8_t flags; /* COLO_TCP_* */
	bool has_ts;
	uint32_t tsval;
	uint32_t tsecr;
	uint8_t nsack;
	uint32_t sack[COLO_MAX_SACK_BLOCKS][2];
};

struct colo_frame_info {
	enum colo_frame_kind kind;
	struct colo_flow_key key; /* replica-output orientation: saddr = sender */
	uint16_t l3_off;
	uint16_t l4_off; /* 0 for fragments */
	uint16_t
		payload_off; /* first byte after the L4 header (after the IP header for other L4) */
	uint32_t payload_len; /* bounded by the IP length and the frame */
	uint8_t vlan_depth;
	bool fragment;
	bool frag_more;		  /* fragment: more fragments follow */
	uint32_t frag_off;	  /* fragment: byte offset of its data in the datagram */
	struct colo_tcp_info tcp; /* valid when key.proto == IPPROTO_TCP */
};

/* Parses frame[0..len). Returns the kind (also stored in out->kind); never reads past len. */
enum colo_frame_kind colo_frame_parse(const uint8_t *frame, size_t len,
				      struct colo_frame_info *out);

/* "tcp", "udp", "icmp", "icmpv6"; NULL for other protocols. */
const char *colo_proto_name(uint8_t proto);
/* Formats a flow as "tcp 10.0.0.1:80 > 10.0.0.2:5000" / "udp [fd00::1]:53 > [fd00::2]:999". */
int colo_flow_format(const struct colo_flow_key *key, char *buf, size_t size);

#endif /* COLO_FRAME_H */
