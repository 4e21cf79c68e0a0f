// SPDX-License-Identifier: GPL-2.0-only
/* Frame parser and flow helpers. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "lib/frame.h"
#include "pkt.h"

static uint8_t buf[2048];
static const char payload[] = "hello, replicated world";

static size_t build(const struct pkt_spec *s)
{
	size_t len = pkt_build(s, buf, sizeof(buf));

	assert_true(len > 0);
	return len;
}

static struct colo_frame_info parse_ok(size_t len)
{
	struct colo_frame_info fi;

	assert_int_equal(colo_frame_parse(buf, len, &fi), COLO_FRAME_IP);
	assert_int_equal(fi.kind, COLO_FRAME_IP);
	return fi;
}

static void assert_malformed(size_t len)
{
	struct colo_frame_info fi;

	assert_int_equal(colo_frame_parse(buf, len, &fi), COLO_FRAME_MALFORMED);
}

static void test_tcp4_fields(void **state)
{
	struct pkt_spec s = pkt_tcp4(1000, 2000, COLO_TCP_ACK | COLO_TCP_PSH, payload, 10);
	static const uint8_t saddr[16] = {[10] = 0xff, [11] = 0xff, 10, 0, 0, 1};
	struct colo_frame_info fi;
	size_t len;

	(void)state;
	len = build(&s);
	fi = parse_ok(len);
	assert_int_equal(fi.key.family, 4);
	assert_int_equal(fi.key.proto, IPPROTO_TCP);
	assert_memory_equal(fi.key.saddr, saddr, 16);
	assert_int_equal(ntohs(fi.key.sport), 80);
	assert_int_equal(ntohs(fi.key.dport), 40000);
	assert_int_equal(fi.tcp.seq, 1000);
	assert_int_equal(fi.tcp.ack, 2000);
	assert_int_equal(fi.tcp.flags, COLO_TCP_ACK | COLO_TCP_PSH);
	assert_int_equal(fi.tcp.window, 65535);
	assert_false(fi.tcp.has_ts);
	assert_int_equal(fi.l3_off, 14);
	assert_int_equal(fi.l4_off, 34);
	assert_int_equal(fi.payload_off, 54);
	assert_int_equal(fi.payload_len, 10);
	assert_memory_equal(buf + fi.payload_off, payload, 10);
	assert_int_equal(fi.vlan_depth, 0);
	assert_false(fi.fragment);
}

static void test_tcp_timestamps_and_sack(void **state)
{
	struct pkt_spec s = pkt_tcp4(1, 2, COLO_TCP_ACK, NULL, 0);
	struct colo_frame_info fi;

	(void)state;
	s.ts = true;
	s.tsval = 0xdeadbeef;
	s.tsecr = 7;
	s.nsack = 2;
	s.sack[0][0] = 100;
	s.sack[0][1] = 200;
	s.sack[1][0] = 300;
	s.sack[1][1] = 400;
	fi = parse_ok(build(&s));
	assert_true(fi.tcp.has_ts);
	assert_int_equal(fi.tcp.tsval, 0xdeadbeef);
	assert_int_equal(fi.tcp.tsecr, 7);
	assert_int_equal(fi.tcp.nsack, 2);
	assert_int_equal(fi.tcp.sack[1][0], 300);
	assert_int_equal(fi.tcp.sack[1][1], 400);
	assert_int_equal(fi.payload_len, 0);
	assert_int_equal(fi.payload_off, 34 + 20 + 12 + 20);
}

static void test_tcp_bad_option_length_is_lenient(void **state)
{
	struct pkt_spec s = pkt_tcp4(1, 2, COLO_TCP_ACK, NULL, 0);
	struct colo_frame_info fi;
	size_t len;

	(void)state;
	s.ts = true;
	len = build(&s);
	/* Timestamp option (after two NOPs) claims 40 bytes: ignored, frame still parsed. */
	buf[34 + 20 + 3] = 40;
	fi = parse_ok(len);
	assert_false(fi.tcp.has_ts);
	assert_int_equal(fi.tcp.seq, 1);
}

static void test_tcp_bad_data_offset(void **state)
{
	struct pkt_spec s = pkt_tcp4(1, 2, COLO_TCP_ACK, payload, 4);
	size_t len;

	(void)state;
	len = build(&s);
	buf[34 + 12] = 4 << 4; /* 16-byte header: too short */
	assert_malformed(len);
	buf[34 + 12] = 15 << 4; /* 60 bytes: past the IP length */
	assert_malformed(len);
}

static void test_short_ethernet(void **state)
{
	struct colo_frame_info fi;

	(void)state;
	assert_int_equal(colo_frame_parse(buf, 13, &fi), COLO_FRAME_MALFORMED);
	assert_int_equal(colo_frame_parse(NULL, 0, &fi), COLO_FRAME_MALFORMED);
}

static void test_non_ip(void **state)
{
	struct colo_frame_info fi;

	(void)state;
	memset(buf, 0, 60);
	buf[12] = 0x08;
	buf[13] = 0x06; /* ARP */
	assert_int_equal(colo_frame_parse(buf, 60, &fi), COLO_FRAME_NON_IP);
	assert_int_equal(fi.kind, COLO_FRAME_NON_IP);
}

static void test_vlan_single(void **state)
{
	struct pkt_spec s = pkt_tcp4(5, 6, COLO_TCP_ACK, payload, 3);
	struct colo_frame_info fi;

	(void)state;
	s.nvlan = 1;
	s.vlan[0] = 100;
	fi = parse_ok(build(&s));
	assert_int_equal(fi.vlan_depth, 1);
	assert_int_equal(fi.l3_off, 18);
	assert_int_equal(fi.payload_len, 3);
	assert_int_equal(fi.tcp.seq, 5);
}

static void test_vlan_qinq(void **state)
{
	struct pkt_spec s = pkt_tcp4(5, 6, COLO_TCP_ACK, payload, 3);
	struct colo_frame_info fi;
	size_t len;

	(void)state;
	s.nvlan = 2;
	s.vlan[0] = 100;
	s.vlan[1] = 200;
	len = build(&s);
	buf[12] = 0x88;
	buf[13] = 0xa8; /* 802.1ad outer tag */
	fi = parse_ok(len);
	assert_int_equal(fi.vlan_depth, 2);
	assert_int_equal(fi.l3_off, 22);
	assert_int_equal(fi.payload_off, 22 + 40);
}

static void test_vlan_three_tags_malformed(void **state)
{
	struct pkt_spec s = pkt_tcp4(5, 6, COLO_TCP_ACK, payload, 3);
	size_t len;

	(void)state;
	s.nvlan = 2;
	len = build(&s);
	/* Turn the IPv4 ethertype after the second tag into a third tag. */
	buf[20] = 0x81;
	buf[21] = 0x00;
	assert_malformed(len);
}

static void test_ipv4_options(void **state)
{
	struct pkt_spec s = pkt_tcp4(77, 0, COLO_TCP_ACK, payload, 5);
	uint8_t frame[2048];
	struct colo_frame_info fi;
	size_t len;

	(void)state;
	len = build(&s);
	/* Insert 4 bytes of IPv4 options (NOPs) after the 20-byte header. */
	memcpy(frame, buf, 34);
	memset(frame + 34, 1, 4);
	memcpy(frame + 38, buf + 34, len - 34);
	frame[14] = 0x46;
	frame[17] = (uint8_t)(frame[17] + 4);
	memcpy(buf, frame, len + 4);
	fi = parse_ok(len + 4);
	assert_int_equal(fi.l4_off, 38);
	assert_int_equal(fi.tcp.seq, 77);
	assert_int_equal(fi.payload_len, 5);
}

static void test_ipv4_bad_lengths(void **state)
{
	struct pkt_spec s = pkt_tcp4(1, 0, COLO_TCP_ACK, payload, 5);
	size_t len;

	(void)state;
	len = build(&s);
	assert_malformed(len - 1); /* IP total length past the frame */
	buf[14] = 0x44;		   /* IHL 16 bytes */
	assert_malformed(len);
	buf[14] = 0x55; /* version 5 */
	assert_malformed(len);
}

static void test_ethernet_padding_bounded_by_ip_length(void **state)
{
	struct pkt_spec s = pkt_tcp4(1, 0, COLO_TCP_ACK, payload, 2);
	struct colo_frame_info fi;
	size_t len;

	(void)state;
	len = build(&s);
	memset(buf + len, 0xee, 10);
	fi = parse_ok(len + 10);
	assert_int_equal(fi.payload_len, 2);
}

static void test_ipv4_fragments(void **state)
{
	struct pkt_spec s = pkt_tcp4(1, 0, COLO_TCP_ACK, payload, 16);
	struct colo_frame_info fi;
	size_t len;

	(void)state;
	len = build(&s);
	buf[20] = 0x20; /* MF, offset 0 */
	buf[21] = 0;
	fi = parse_ok(len);
	assert_true(fi.fragment);
	assert_true(fi.frag_more);
	assert_int_equal(fi.frag_off, 0);
	assert_int_equal(fi.l4_off, 0);
	assert_int_equal(fi.key.sport, 0);
	assert_int_equal(fi.key.proto, IPPROTO_TCP);
	assert_int_equal(fi.payload_off, 34);
	assert_int_equal(fi.payload_len, 36);
	buf[20] = 0x00; /* last fragment at 185 * 8 */
	buf[21] = 185;
	fi = parse_ok(len);
	assert_true(fi.fragment);
	assert_false(fi.frag_more);
	assert_int_equal(fi.frag_off, 1480);
}

static struct pkt_spec tcp6(void)
{
	struct pkt_spec s = pkt_tcp4(9, 10, COLO_TCP_ACK, payload, 7);

	s.family = 6;
	s.src = "fd00::1";
	s.dst = "fd00::2";
	return s;
}

static void test_ipv6_tcp(void **state)
{
	struct pkt_spec s = tcp6();
	struct colo_frame_info fi;

	(void)state;
	fi = parse_ok(build(&s));
	assert_int_equal(fi.key.family, 6);
	assert_int_equal(fi.key.saddr[0], 0xfd);
	assert_int_equal(fi.key.saddr[15], 1);
	assert_int_equal(fi.key.daddr[15], 2);
	assert_int_equal(fi.l4_off, 54);
	assert_int_equal(fi.payload_off, 74);
	assert_int_equal(fi.payload_len, 7);
	assert_int_equal(fi.tcp.seq, 9);
}

/* Rebuilds buf with extension headers (each 8 bytes, given types) between IPv6 and L4. */
static size_t insert_ext(size_t len, const uint8_t *types, unsigned int n)
{
	uint8_t frame[2048];
	uint8_t l4 = buf[20];
	unsigned int i;
	uint16_t plen = (uint16_t)(buf[18] << 8 | buf[19]);

	memcpy(frame, buf, 54);
	frame[20] = types[0];
	for (i = 0; i < n; i++) {
		uint8_t *e = frame + 54 + 8 * i;

		memset(e, 0, 8);
		e[0] = i + 1 < n ? types[i + 1] : l4;
	}
	memcpy(frame + 54 + 8 * n, buf + 54, len - 54);
	plen = (uint16_t)(plen + 8 * n);
	frame[18] = (uint8_t)(plen >> 8);
	frame[19] = (uint8_t)plen;
	memcpy(buf, frame, len + 8 * n);
	return len + 8 * n;
}

static void test_ipv6_extension_headers(void **state)
{
	static const uint8_t types[] = {IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING};
	struct pkt_spec s = tcp6();
	struct colo_frame_info fi;
	size_t len;

	(void)state;
	len = insert_ext(build(&s), types, 3);
	fi = parse_ok(len);
	assert_int_equal(fi.key.proto, IPPROTO_TCP);
	assert_int_equal(fi.l4_off, 54 + 24);
	assert_int_equal(fi.payload_len, 7);
	assert_int_equal(fi.tcp.seq, 9);
}

static void test_ipv6_too_many_extension_headers(void **state)
{
	uint8_t types[9];
	struct pkt_spec s = tcp6();

	(void)state;
	memset(types, IPPROTO_DSTOPTS, sizeof(types));
	assert_malformed(insert_ext(build(&s), types, 9));
}

static void test_ipv6_truncated_extension_header(void **state)
{
	static const uint8_t types[] = {IPPROTO_HOPOPTS};
	struct pkt_spec s = tcp6();
	size_t len;

	(void)state;
	len = insert_ext(build(&s), types, 1);
	buf[55] = 200; /* hop-by-hop length past the packet */
	assert_malformed(len);
}

static void test_ipv6_fragments(void **state)
{
	static const uint8_t types[] = {IPPROTO_FRAGMENT};
	struct pkt_spec s = tcp6();
	struct colo_frame_info fi;
	size_t len;

	(void)state;
	len = insert_ext(build(&s), types, 1);
	fi = parse_ok(len);
	assert_false(fi.fragment); /* atomic fragment: parsed through */
	assert_int_equal(fi.tcp.seq, 9);
	buf[56] = 0x00;
	buf[57] = 0xb9; /* offset 23 * 8, more fragments */
	fi = parse_ok(len);
	assert_true(fi.fragment);
	assert_true(fi.frag_more);
	assert_int_equal(fi.frag_off, 184);
	assert_int_equal(fi.key.proto, IPPROTO_TCP);
	assert_int_equal(fi.payload_off, 62);
	assert_int_equal(fi.payload_len, 27);
}

static void test_udp(void **state)
{
	struct pkt_spec s = {.family = 4,
			     .src = "10.1.0.1",
			     .dst = "10.1.0.2",
			     .proto = IPPROTO_UDP,
			     .sport = 53,
			     .dport = 999,
			     .payload = payload,
			     .payload_len = 11};
	struct colo_frame_info fi;
	size_t len;

	(void)state;
	len = build(&s);
	fi = parse_ok(len);
	assert_int_equal(fi.key.proto, IPPROTO_UDP);
	assert_int_equal(ntohs(fi.key.sport), 53);
	assert_int_equal(ntohs(fi.key.dport), 999);
	assert_int_equal(fi.payload_off, 42);
	assert_int_equal(fi.payload_len, 11);
	buf[38] = 0;
	buf[39] = 4; /* UDP length below its header */
	assert_malformed(len);
	buf[39] = 30; /* past the IP payload */
	assert_malformed(len);
	buf[39] = 12; /* shorter than the IP payload: bounds the payload */
	fi = parse_ok(len);
	assert_int_equal(fi.payload_len, 4);
}

static void test_icmp_echo_id(void **state)
{
	struct pkt_spec s = {.family = 4,
			     .src = "10.1.0.1",
			     .dst = "10.1.0.2",
			     .proto = IPPROTO_ICMP,
			     .icmp_type = 0,
			     .icmp_id = 0x1234,
			     .icmp_seq = 9,
			     .payload = payload,
			     .payload_len = 8};
	struct colo_frame_info fi;

	(void)state;
	fi = parse_ok(build(&s));
	assert_int_equal(ntohs(fi.key.sport), 0x1234);
	assert_int_equal(ntohs(fi.key.dport), 0x1234);
	assert_int_equal(fi.payload_off, 42);
	assert_int_equal(fi.payload_len, 8);
	s.icmp_type = 3; /* destination unreachable: no identifier */
	fi = parse_ok(build(&s));
	assert_int_equal(fi.key.sport, 0);
	assert_int_equal(fi.key.dport, 0);
}

static void test_icmpv6_echo_id(void **state)
{
	struct pkt_spec s = {.family = 6,
			     .src = "fd00::1",
			     .dst = "fd00::2",
			     .proto = IPPROTO_ICMPV6,
			     .icmp_type = 129,
			     .icmp_id = 77,
			     .payload = payload,
			     .payload_len = 4};
	struct colo_frame_info fi;
	size_t len;

	(void)state;
	len = build(&s);
	fi = parse_ok(len);
	assert_int_equal(fi.key.proto, IPPROTO_ICMPV6);
	assert_int_equal(ntohs(fi.key.sport), 77);
	assert_int_equal(fi.payload_len, 4);
	/* An ICMPv6 header shorter than 8 bytes. */
	buf[18] = 0;
	buf[19] = 6;
	assert_malformed(len - 6);
}

static void test_other_protocol(void **state)
{
	struct pkt_spec s = {.family = 4,
			     .src = "10.1.0.1",
			     .dst = "10.1.0.2",
			     .proto = 47,
			     .payload = payload,
			     .payload_len = 12};
	struct colo_frame_info fi;

	(void)state;
	fi = parse_ok(build(&s));
	assert_int_equal(fi.key.proto, 47);
	assert_int_equal(fi.key.sport, 0);
	assert_int_equal(fi.l4_off, 34);
	assert_int_equal(fi.payload_off, 34);
	assert_int_equal(fi.payload_len, 12);
}

/* Every prefix of valid frames parses without reading past it (ASan checks each). */
static void test_truncations_never_overread(void **state)
{
	static const uint8_t types[] = {IPPROTO_HOPOPTS, IPPROTO_FRAGMENT};
	struct pkt_spec specs[3] = {pkt_tcp4(1, 2, COLO_TCP_ACK, payload, 9), tcp6(), tcp6()};
	struct colo_frame_info fi;
	unsigned int i;

	(void)state;
	specs[0].ts = true;
	specs[0].nsack = 1;
	specs[0].nvlan = 2;
	for (i = 0; i < 3; i++) {
		size_t len = build(&specs[i]), l;
		uint8_t *copy;

		if (i == 2)
			len = insert_ext(len, types, 2);
		for (l = 0; l < len; l++) {
			copy = test_malloc(l ? l : 1);
			memcpy(copy, buf, l);
			assert_int_equal(colo_frame_parse(copy, l, &fi), COLO_FRAME_MALFORMED);
			test_free(copy);
		}
		copy = test_malloc(len);
		memcpy(copy, buf, len);
		assert_int_equal(colo_frame_parse(copy, len, &fi), COLO_FRAME_IP);
		test_free(copy);
	}
}

static void test_flow_hash_symmetric(void **state)
{
	struct pkt_spec s = pkt_tcp4(1, 2, COLO_TCP_ACK, NULL, 0);
	struct colo_frame_info a, b, c;

	(void)state;
	a = parse_ok(build(&s));
	s.src = "10.0.0.2";
	s.dst = "10.0.0.1";
	s.sport = 40000;
	s.dport = 80;
	b = parse_ok(build(&s));
	s.dport = 81;
	c = parse_ok(build(&s));
	assert_int_equal(colo_flow_key_hash(&a.key), colo_flow_key_hash(&b.key));
	assert_int_not_equal(colo_flow_key_hash(&a.key), colo_flow_key_hash(&c.key));
}

/* The contract's test vector: the value BPF computes for the same flow. */
static void test_flow_hash_matches_contract(void **state)
{
	struct pkt_spec s = pkt_tcp4(1, 2, COLO_TCP_ACK, NULL, 0);
	struct colo_frame_info a, b;

	(void)state;
	s.src = "192.0.2.1";
	s.dst = "198.51.100.2";
	a = parse_ok(build(&s));
	assert_int_equal(colo_flow_key_hash(&a.key), COLO_HASH_TEST_VECTOR);
	s.src = "198.51.100.2";
	s.dst = "192.0.2.1";
	s.sport = 40000;
	s.dport = 80;
	b = parse_ok(build(&s));
	assert_int_equal(colo_flow_key_hash(&b.key), COLO_HASH_TEST_VECTOR);
}

static void test_flow_format(void **state)
{
	struct pkt_spec s = pkt_tcp4(1, 2, COLO_TCP_ACK, NULL, 0);
	struct pkt_spec u = {.family = 6,
			     .src = "fd00::1",
			     .dst = "fd00::2",
			     .proto = IPPROTO_UDP,
			     .sport = 53,
			     .dport = 999};
	struct pkt_spec i = {.family = 4,
			     .src = "10.1.0.1",
			     .dst = "10.1.0.2",
			     .proto = IPPROTO_ICMP,
			     .icmp_type = 0,
			     .icmp_id = 7};
	struct colo_frame_info fi;
	char out[128];

	(void)state;
	fi = parse_ok(build(&s));
	colo_flow_format(&fi.key, out, sizeof(out));
	assert_string_equal(out, "tcp 10.0.0.1:80 > 10.0.0.2:40000");
	fi = parse_ok(build(&u));
	colo_flow_format(&fi.key, out, sizeof(out));
	assert_string_equal(out, "udp [fd00::1]:53 > [fd00::2]:999");
	fi = parse_ok(build(&i));
	colo_flow_format(&fi.key, out, sizeof(out));
	assert_string_equal(out, "icmp 10.1.0.1 > 10.1.0.2 id 7");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp4_fields),
		cmocka_unit_test(test_tcp_timestamps_and_sack),
		cmocka_unit_test(test_tcp_bad_option_length_is_lenient),
		cmocka_unit_test(test_tcp_bad_data_offset),
		cmocka_unit_test(test_short_ethernet),
		cmocka_unit_test(test_non_ip),
		cmocka_unit_test(test_vlan_single),
		cmocka_unit_test(test_vlan_qinq),
		cmocka_unit_test(test_vlan_three_tags_malformed),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_bad_lengths),
		cmocka_unit_test(test_ethernet_padding_bounded_by_ip_length),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv6_tcp),
		cmocka_unit_test(test_ipv6_extension_headers),
		cmocka_unit_test(test_ipv6_too_many_extension_headers),
		cmocka_unit_test(test_ipv6_truncated_extension_header),
		cmocka_unit_test(test_ipv6_fragments),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_icmp_echo_id),
		cmocka_unit_test(test_icmpv6_echo_id),
		cmocka_unit_test(test_other_protocol),
		cmocka_unit_test(test_truncations_never_overread),
		cmocka_unit_test(test_flow_hash_symmetric),
		cmocka_unit_test(test_flow_hash_matches_contract),
		cmocka_unit_test(test_flow_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
