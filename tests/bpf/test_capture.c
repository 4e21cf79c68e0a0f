// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF_PROG_TEST_RUN cases of the capture programs (tc and XDP): every frame class the parser
 * knows, what reaches the ring (record header and bytes), conntrack and counters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>

#include "env.h"
#include "frames.h"
#include "tests/bpf/progs/vlan_push.skel.h"

enum expect {
	EXP_CAPTURE = 0,
	EXP_MALFORMED,
	EXP_NON_IP,
	EXP_CTRL_PASS,
	EXP_CTRL_DROP,
	EXP_TOO_BIG,
};

enum frame_kind {
	KIND_SPEC = 0, /* frame_build(spec) */
	KIND_ARP,      /* frame_arp(arp_op, spec.vlans) */
	KIND_ETHERTYPE,
};

struct cap_case {
	const char *name;
	int hook; /* COLO_HOOK_TC or COLO_HOOK_XDP */
	int side;
	enum frame_kind kind;
	struct frame_spec spec;
	uint16_t arp_op;
	uint16_t ethertype;
	/* Applied after building: cut to trunc bytes (0: keep), optionally moving the IP end. */
	size_t trunc;
	bool trunc_fix_ip;
	size_t pad; /* Ethernet padding appended after the datagram */
	void (*mutate)(uint8_t *buf, const struct frame_layout *lay);
	enum expect expect;
	uint8_t rec_flags;
	uint8_t tcp_state;
};

#define SVC4  .family = 4, .src = "192.0.2.1", .dst = "198.51.100.2"
#define SVC6  .family = 6, .src = "2001:db8::1", .dst = "2001:db8:1::2"
#define TCP80 .proto = IPPROTO_TCP, .sport = 80, .dport = 40000, .seq = 1000, .ack = 2000
#define UDP53 .proto = IPPROTO_UDP, .sport = 53, .dport = 40001
#define ICMP4 .proto = IPPROTO_ICMP, .sport = 0x4242
#define ICMP6 .proto = IPPROTO_ICMPV6, .sport = 0x4343

static const uint8_t ext_hbh_dst_rt[] = {0, 60, 43};
static const uint8_t ext_ah[] = {51};
static const uint8_t ext_frag[] = {44};
static const uint8_t ext_dst_frag[] = {60, 44};
static const uint8_t ext_seven[] = {60, 60, 60, 60, 60, 60, 60};

/* MSS 1460, SACK permitted, timestamps, NOP, window scale 7. */
static const uint8_t opts_mss_sack_ts_ws[20] = "\x02\x04\x05\xb4\x04\x02\x08\x0a\0\0\0\x01\0\0\0\0"
					       "\x01\x03\x03\x07";

static void bad_ihl(uint8_t *buf, const struct frame_layout *lay)
{
	buf[lay->l3_off] = 0x44;
}

static void bad_version(uint8_t *buf, const struct frame_layout *lay)
{
	buf[lay->l3_off] = (uint8_t)((buf[lay->l3_off] & 0x0f) | 0x50);
}

static void tot_len_below_ihl(uint8_t *buf, const struct frame_layout *lay)
{
	buf[lay->l3_off + 2] = 0;
	buf[lay->l3_off + 3] = 16;
}

static void tcp_doff_small(uint8_t *buf, const struct frame_layout *lay)
{
	buf[lay->l4_off + 12] = 4 << 4;
}

static void tcp_doff_large(uint8_t *buf, const struct frame_layout *lay)
{
	buf[lay->l4_off + 12] = 15 << 4; /* 60 bytes in a 24-byte segment */
}

/* The UDP length field, 4 bytes into the header. */
static void set_udp_len(uint8_t *buf, const struct frame_layout *lay, uint16_t ulen)
{
	buf[lay->l4_off + 4] = (uint8_t)(ulen >> 8);
	buf[lay->l4_off + 5] = (uint8_t)ulen;
}

static void udp_len_small(uint8_t *buf, const struct frame_layout *lay)
{
	set_udp_len(buf, lay, 7);
}

static void udp_len_large(uint8_t *buf, const struct frame_layout *lay)
{
	set_udp_len(buf, lay, (uint16_t)(lay->len - lay->l4_off + 1));
}

static void udp_len_zero(uint8_t *buf, const struct frame_layout *lay)
{
	set_udp_len(buf, lay, 0);
}

static void ip6_plen_large(uint8_t *buf, const struct frame_layout *lay)
{
	buf[lay->l3_off + 4] = 0x10;
}

static const struct cap_case cases[] = {
	{"tc_v4_tcp_syn", .spec = {SVC4, TCP80, .tcp_flags = FRAME_TCP_SYN},
	 .tcp_state = COLO_TCP_SYN_SENT},
	{"tc_v4_tcp_synack_opts",
	 .spec = {SVC4, TCP80, .tcp_flags = FRAME_TCP_SYN | FRAME_TCP_ACK,
		  .tcp_opts = opts_mss_sack_ts_ws, .tcp_opts_len = sizeof(opts_mss_sack_ts_ws)},
	 .tcp_state = COLO_TCP_SYN_RECV},
	{"tc_v4_tcp_data", .spec = {SVC4, TCP80, .tcp_flags = FRAME_TCP_ACK, .payload_len = 1000}},
	{"tc_v4_tcp_zero_payload", .spec = {SVC4, TCP80, .tcp_flags = FRAME_TCP_ACK}},
	{"tc_v4_tcp_fin", .spec = {SVC4, TCP80, .tcp_flags = FRAME_TCP_FIN | FRAME_TCP_ACK},
	 .tcp_state = COLO_TCP_FIN_SENT},
	{"tc_v4_tcp_rst", .spec = {SVC4, TCP80, .tcp_flags = FRAME_TCP_RST},
	 .tcp_state = COLO_TCP_CLOSED},
	{"tc_v4_udp", .spec = {SVC4, UDP53, .payload_len = 100}},
	{"tc_v4_udp_zero_payload", .spec = {SVC4, UDP53}},
	/* 0: a GSO super-frame or jumbogram, bounded by the IP length. */
	{"tc_v4_udp_len_zero", .spec = {SVC4, UDP53, .payload_len = 30}, .mutate = udp_len_zero},
	{"tc_v4_icmp_echo_reply", .spec = {SVC4, ICMP4, .icmp_type = 0, .payload_len = 56}},
	{"tc_v4_icmp_unreachable", .spec = {SVC4, ICMP4, .icmp_type = 3, .payload_len = 28}},
	{"tc_v4_other_proto_gre", .spec = {SVC4, .proto = 47, .payload_len = 40}},
	{"tc_v4_padded_to_60", .spec = {SVC4, UDP53, .payload_len = 4}, .pad = 12},
	{"tc_v4_ip_options",
	 .spec = {SVC4, TCP80, .tcp_flags = FRAME_TCP_ACK, .ip_opts_len = 8, .payload_len = 10},
	 .rec_flags = COLO_REC_IP_OPTIONS},
	{"tc_v4_ip_options_max", .spec = {SVC4, UDP53, .ip_opts_len = 40, .payload_len = 3},
	 .rec_flags = COLO_REC_IP_OPTIONS},
	{"tc_v4_vlan_tcp",
	 .spec = {SVC4, TCP80, .tcp_flags = FRAME_TCP_ACK, .vlans = 1, .payload_len = 64},
	 .rec_flags = COLO_REC_VLAN},
	{"tc_v4_qinq_udp", .spec = {SVC4, UDP53, .vlans = 2, .payload_len = 64},
	 .rec_flags = COLO_REC_VLAN | COLO_REC_QINQ},
	{"tc_v4_fragment_first", .spec = {SVC4, UDP53, .frag_more = true, .payload_len = 200},
	 .rec_flags = COLO_REC_FRAGMENT},
	{"tc_v4_fragment_last",
	 .spec = {SVC4, .proto = IPPROTO_UDP, .frag_off = 26, .payload_len = 100},
	 .rec_flags = COLO_REC_FRAGMENT},
	{"tc_v6_tcp_syn", .spec = {SVC6, TCP80, .tcp_flags = FRAME_TCP_SYN},
	 .tcp_state = COLO_TCP_SYN_SENT},
	{"tc_v6_tcp_data",
	 .spec = {SVC6, TCP80, .tcp_flags = FRAME_TCP_ACK | FRAME_TCP_PSH, .payload_len = 1400}},
	{"tc_v6_udp", .spec = {SVC6, UDP53, .payload_len = 512}},
	{"tc_v6_icmp_echo_request", .spec = {SVC6, ICMP6, .icmp_type = 128, .payload_len = 56}},
	{"tc_v6_vlan_tcp", .spec = {SVC6, TCP80, .tcp_flags = FRAME_TCP_ACK, .vlans = 1},
	 .rec_flags = COLO_REC_VLAN},
	{"tc_v6_qinq_icmp", .spec = {SVC6, ICMP6, .icmp_type = 129, .vlans = 2, .payload_len = 8},
	 .rec_flags = COLO_REC_VLAN | COLO_REC_QINQ},
	{"tc_v6_ext_hbh_dst_routing_tcp",
	 .spec = {SVC6, TCP80, .tcp_flags = FRAME_TCP_ACK, .ext = ext_hbh_dst_rt, .next = 3,
		  .payload_len = 20},
	 .rec_flags = COLO_REC_IP_OPTIONS},
	{"tc_v6_ext_ah_udp", .spec = {SVC6, UDP53, .ext = ext_ah, .next = 1, .payload_len = 20},
	 .rec_flags = COLO_REC_IP_OPTIONS},
	{"tc_v6_atomic_fragment_udp", .spec = {SVC6, UDP53, .ext = ext_frag, .next = 1},
	 .rec_flags = COLO_REC_IP_OPTIONS},
	{"tc_v6_fragment_first",
	 .spec = {SVC6, UDP53, .ext = ext_dst_frag, .next = 2, .frag_more = true,
		  .payload_len = 300},
	 .rec_flags = COLO_REC_IP_OPTIONS | COLO_REC_FRAGMENT},
	{"tc_v6_fragment_later",
	 .spec = {SVC6, UDP53, .ext = ext_frag, .next = 1, .frag_off = 100, .payload_len = 64},
	 .rec_flags = COLO_REC_IP_OPTIONS | COLO_REC_FRAGMENT},
	{"tc_v4_large_3000",
	 .spec = {SVC4, TCP80, .tcp_flags = FRAME_TCP_ACK, .payload_len = 3000}},
	{"tc_secondary_v4_tcp", .side = COLO_SIDE_SECONDARY,
	 .spec = {SVC4, TCP80, .tcp_flags = FRAME_TCP_SYN | FRAME_TCP_ACK},
	 .tcp_state = COLO_TCP_SYN_RECV},
	{"tc_secondary_v6_udp", .side = COLO_SIDE_SECONDARY,
	 .spec = {SVC6, UDP53, .payload_len = 9}},
	{"xdp_v4_tcp", .hook = COLO_HOOK_XDP, .spec = {SVC4, TCP80, .tcp_flags = FRAME_TCP_SYN},
	 .tcp_state = COLO_TCP_SYN_SENT},
	{"xdp_v6_udp_vlan", .hook = COLO_HOOK_XDP,
	 .spec = {SVC6, UDP53, .vlans = 1, .payload_len = 70}, .rec_flags = COLO_REC_VLAN},
	{"xdp_v4_icmp_qinq", .hook = COLO_HOOK_XDP,
	 .spec = {SVC4, ICMP4, .icmp_type = 8, .vlans = 2, .payload_len = 56},
	 .rec_flags = COLO_REC_VLAN | COLO_REC_QINQ},
	{"xdp_jumbo_9000", .hook = COLO_HOOK_XDP,
	 .spec = {SVC4, TCP80, .tcp_flags = FRAME_TCP_ACK, .payload_len = 8948}},
	{"xdp_v6_jumbo_9000_secondary", .hook = COLO_HOOK_XDP, .side = COLO_SIDE_SECONDARY,
	 .spec = {SVC6, UDP53, .payload_len = 8952}},
	{"xdp_gso_sized_64k", .hook = COLO_HOOK_XDP,
	 .spec = {SVC4, TCP80, .tcp_flags = FRAME_TCP_ACK, .payload_len = 65000}},
	{"xdp_too_big", .hook = COLO_HOOK_XDP, .spec = {SVC4, UDP53, .payload_len = 65000},
	 .pad = 1000, .expect = EXP_TOO_BIG},

	/* Malformed: dropped, never captured or passed. */
	{"bad_ihl", .spec = {SVC4, TCP80}, .mutate = bad_ihl, .expect = EXP_MALFORMED},
	{"bad_ip_version", .spec = {SVC4, UDP53}, .mutate = bad_version, .expect = EXP_MALFORMED},
	{"bad_ip6_version", .spec = {SVC6, UDP53}, .mutate = bad_version, .expect = EXP_MALFORMED},
	{"v4_tot_len_below_ihl", .spec = {SVC4, UDP53}, .mutate = tot_len_below_ihl,
	 .expect = EXP_MALFORMED},
	{"v4_tot_len_beyond_frame", .spec = {SVC4, TCP80, .payload_len = 100}, .trunc = 120,
	 .expect = EXP_MALFORMED},
	{"v6_plen_beyond_frame", .spec = {SVC6, UDP53}, .mutate = ip6_plen_large,
	 .expect = EXP_MALFORMED},
	{"udp_len_below_8", .spec = {SVC4, UDP53, .payload_len = 10}, .mutate = udp_len_small,
	 .expect = EXP_MALFORMED},
	{"udp_len_beyond_ip_end", .spec = {SVC6, UDP53, .payload_len = 10}, .mutate = udp_len_large,
	 .expect = EXP_MALFORMED},
	{"xdp_udp_len_beyond_ip_end", .hook = COLO_HOOK_XDP, .spec = {SVC4, UDP53},
	 .mutate = udp_len_large, .expect = EXP_MALFORMED},
	{"tcp_doff_below_5", .spec = {SVC4, TCP80}, .mutate = tcp_doff_small,
	 .expect = EXP_MALFORMED},
	{"tcp_doff_beyond_ip_end", .spec = {SVC4, TCP80, .payload_len = 4},
	 .mutate = tcp_doff_large, .expect = EXP_MALFORMED},
	{"v6_seven_ext_headers", .spec = {SVC6, UDP53, .ext = ext_seven, .next = 7},
	 .expect = EXP_MALFORMED},
	{"xdp_bad_ihl", .hook = COLO_HOOK_XDP, .spec = {SVC4, TCP80}, .mutate = bad_ihl,
	 .expect = EXP_MALFORMED},

	/* VLAN + IPv4 + TCP cut at every header boundary (and inside each header). */
	{"trunc_eth_only", .spec = {SVC4, TCP80, .vlans = 1}, .trunc = 14, .expect = EXP_MALFORMED},
	{"trunc_in_vlan", .spec = {SVC4, TCP80, .vlans = 1}, .trunc = 16, .expect = EXP_MALFORMED},
	{"trunc_after_vlan", .spec = {SVC4, TCP80, .vlans = 1}, .trunc = 18,
	 .expect = EXP_MALFORMED},
	{"trunc_in_qinq_inner", .spec = {SVC4, TCP80, .vlans = 2}, .trunc = 20,
	 .expect = EXP_MALFORMED},
	{"trunc_in_ipv4", .spec = {SVC4, TCP80, .vlans = 1}, .trunc = 30, .expect = EXP_MALFORMED},
	{"trunc_after_ipv4", .spec = {SVC4, TCP80, .vlans = 1}, .trunc = 38, .trunc_fix_ip = true,
	 .expect = EXP_MALFORMED},
	{"trunc_in_tcp", .spec = {SVC4, TCP80, .vlans = 1}, .trunc = 50, .trunc_fix_ip = true,
	 .expect = EXP_MALFORMED},
	{"trunc_in_tcp_options",
	 .spec = {SVC4, TCP80, .tcp_opts = opts_mss_sack_ts_ws,
		  .tcp_opts_len = sizeof(opts_mss_sack_ts_ws)},
	 .trunc = 60, .trunc_fix_ip = true, .expect = EXP_MALFORMED},
	{"trunc_in_udp", .spec = {SVC4, UDP53}, .trunc = 38, .trunc_fix_ip = true,
	 .expect = EXP_MALFORMED},
	{"trunc_in_icmp", .spec = {SVC4, ICMP4, .icmp_type = 8}, .trunc = 38, .trunc_fix_ip = true,
	 .expect = EXP_MALFORMED},
	/* tc test_run refuses an IPv6 frame shorter than its header: XDP runs this one. */
	{"trunc_in_ipv6", .hook = COLO_HOOK_XDP, .spec = {SVC6, UDP53}, .trunc = 40,
	 .expect = EXP_MALFORMED},
	{"trunc_after_ipv6", .spec = {SVC6, UDP53}, .trunc = 54, .trunc_fix_ip = true,
	 .expect = EXP_MALFORMED},
	{"trunc_in_ipv6_ext", .spec = {SVC6, TCP80, .ext = ext_hbh_dst_rt, .next = 3}, .trunc = 66,
	 .trunc_fix_ip = true, .expect = EXP_MALFORMED},
	{"trunc_in_ipv6_ah", .spec = {SVC6, TCP80, .ext = ext_ah, .next = 1}, .trunc = 62,
	 .trunc_fix_ip = true, .expect = EXP_MALFORMED},
	{"trunc_in_icmpv6", .spec = {SVC6, ICMP6, .icmp_type = 128}, .trunc = 58,
	 .trunc_fix_ip = true, .expect = EXP_MALFORMED},
	{"xdp_trunc_in_vlan", .hook = COLO_HOOK_XDP, .spec = {SVC4, TCP80, .vlans = 2}, .trunc = 16,
	 .expect = EXP_MALFORMED},

	/* Non-IP and control traffic. */
	{"non_ip_lldp", .kind = KIND_ETHERTYPE, .ethertype = 0x88cc, .expect = EXP_NON_IP},
	{"non_ip_three_vlans", .kind = KIND_ETHERTYPE, .ethertype = 0x0800, .spec = {.vlans = 3},
	 .expect = EXP_NON_IP},
	{"arp_request_primary", .kind = KIND_ARP, .arp_op = 1, .expect = EXP_CTRL_PASS},
	{"arp_reply_primary", .kind = KIND_ARP, .arp_op = 2, .expect = EXP_CTRL_PASS},
	{"arp_request_secondary", .kind = KIND_ARP, .arp_op = 1, .side = COLO_SIDE_SECONDARY,
	 .expect = EXP_CTRL_PASS},
	{"arp_reply_secondary", .kind = KIND_ARP, .arp_op = 2, .side = COLO_SIDE_SECONDARY,
	 .expect = EXP_CTRL_DROP},
	{"arp_vlan_request_secondary", .kind = KIND_ARP, .arp_op = 1, .spec = {.vlans = 1},
	 .side = COLO_SIDE_SECONDARY, .expect = EXP_CTRL_PASS},
	{"xdp_arp_request_secondary", .hook = COLO_HOOK_XDP, .kind = KIND_ARP, .arp_op = 1,
	 .side = COLO_SIDE_SECONDARY, .expect = EXP_CTRL_PASS},
	{"xdp_arp_reply_secondary", .hook = COLO_HOOK_XDP, .kind = KIND_ARP, .arp_op = 2,
	 .side = COLO_SIDE_SECONDARY, .expect = EXP_CTRL_DROP},
	{"nd_ns_primary", .spec = {SVC6, ICMP6, .icmp_type = 135, .payload_len = 16},
	 .expect = EXP_CTRL_PASS},
	{"nd_na_primary", .spec = {SVC6, ICMP6, .icmp_type = 136, .payload_len = 16},
	 .expect = EXP_CTRL_PASS},
	{"nd_rs_secondary", .side = COLO_SIDE_SECONDARY, .spec = {SVC6, ICMP6, .icmp_type = 133},
	 .expect = EXP_CTRL_PASS},
	{"nd_ns_secondary", .side = COLO_SIDE_SECONDARY,
	 .spec = {SVC6, ICMP6, .icmp_type = 135, .payload_len = 16}, .expect = EXP_CTRL_PASS},
	{"nd_ra_secondary", .side = COLO_SIDE_SECONDARY,
	 .spec = {SVC6, ICMP6, .icmp_type = 134, .payload_len = 8}, .expect = EXP_CTRL_DROP},
	{"nd_na_secondary", .side = COLO_SIDE_SECONDARY,
	 .spec = {SVC6, ICMP6, .icmp_type = 136, .payload_len = 16}, .expect = EXP_CTRL_DROP},
	{"nd_redirect_secondary", .side = COLO_SIDE_SECONDARY,
	 .spec = {SVC6, ICMP6, .icmp_type = 137, .payload_len = 32}, .expect = EXP_CTRL_DROP},
	{"mld2_report_secondary", .side = COLO_SIDE_SECONDARY,
	 .spec = {SVC6, ICMP6, .icmp_type = 143, .ext = ext_hbh_dst_rt, .next = 1,
		  .payload_len = 20},
	 .expect = EXP_CTRL_PASS},
	{"mld_report_primary", .spec = {SVC6, ICMP6, .icmp_type = 131, .payload_len = 16},
	 .expect = EXP_CTRL_PASS},
	{"mld_done_secondary", .side = COLO_SIDE_SECONDARY,
	 .spec = {SVC6, ICMP6, .icmp_type = 132, .payload_len = 16}, .expect = EXP_CTRL_PASS},
	{"mld_query_secondary", .side = COLO_SIDE_SECONDARY,
	 .spec = {SVC6, ICMP6, .icmp_type = 130, .payload_len = 16}, .expect = EXP_CTRL_DROP},
	{"nd_na_vlan_ext_secondary", .side = COLO_SIDE_SECONDARY,
	 .spec = {SVC6, ICMP6, .icmp_type = 136, .vlans = 1, .ext = ext_hbh_dst_rt, .next = 1,
		  .payload_len = 16},
	 .expect = EXP_CTRL_DROP},
};

static int drop_verdict(int hook)
{
	return hook == COLO_HOOK_XDP ? XDP_DROP : TC_ACT_SHOT;
}

static int redirect_verdict(int hook)
{
	return hook == COLO_HOOK_XDP ? XDP_REDIRECT : TC_ACT_REDIRECT;
}

static int prog_for(int hook, int side)
{
	return hook == COLO_HOOK_XDP ? env_capture_xdp(&env, side) : env_capture_tc(&env, side);
}

static uint32_t role_of(int side)
{
	return side == COLO_SIDE_PRIMARY ? COLO_ROLE_PRIMARY : COLO_ROLE_SECONDARY;
}

/* The ring record size the program must reserve for a frame: its size class. */
static size_t size_class(size_t frame_len)
{
	static const size_t classes[] = {
		128, 256, 512, 1024, 2048, 4096, 9216 + sizeof(struct colo_rec), 16384, 32768};
	size_t need = sizeof(struct colo_rec) + frame_len, i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (need <= classes[i])
			return classes[i];
	return COLO_MAX_FRAME + sizeof(struct colo_rec);
}

static bool spec_fragment(const struct frame_spec *s)
{
	return s->frag_more || s->frag_off;
}

static size_t build_case(const struct cap_case *c, uint8_t *buf, struct frame_layout *lay)
{
	size_t len;

	memset(lay, 0, sizeof(*lay));
	if (c->kind == KIND_ARP)
		return frame_arp(buf, c->arp_op, c->spec.vlans);
	if (c->kind == KIND_ETHERTYPE)
		return frame_ethertype(buf, c->ethertype, c->spec.vlans);
	len = frame_build(&c->spec, buf, lay);
	if (c->mutate)
		c->mutate(buf, lay);
	if (c->trunc) {
		assert_true(c->trunc < len);
		len = c->trunc;
		if (c->trunc_fix_ip)
			frame_set_ip_end(buf, lay, c->spec.family, len);
	}
	return len + c->pad;
}

/* The tags frame_build puts into a frame with n tags (frames.c), as the record carries them. */
static void expect_frame_vlans(int n, struct colo_vlan_tag *tags)
{
	memset(tags, 0, COLO_REC_VLANS * sizeof(*tags));
	if (n == 1)
		tags[0] = (struct colo_vlan_tag){htons(0x8100), htons(100)};
	if (n == 2) {
		tags[0] = (struct colo_vlan_tag){htons(0x88a8), htons(100)};
		tags[1] = (struct colo_vlan_tag){htons(0x8100), htons(101)};
	}
}

static void check_record(const struct cap_case *c, const struct env_rec *r, const uint8_t *frame,
			 size_t len, const struct frame_layout *lay)
{
	bool frag = spec_fragment(&c->spec);
	struct colo_vlan_tag tags[COLO_REC_VLANS];
	struct colo_flow_key key;

	frame_key(&c->spec, &key);
	assert_int_equal(r->hdr.side, c->side);
	assert_int_equal(r->hdr.frame_len, len);
	assert_int_equal(r->hdr.cap_len, len);
	assert_int_equal(r->size, size_class(len));
	assert_memory_equal(r->frame, frame, len);
	assert_int_equal(r->hdr.hash, colo_flow_key_hash(&key));
	assert_int_equal(r->hdr.l3_off, lay->l3_off);
	assert_int_equal(r->hdr.l4_off, frag ? 0 : lay->l4_off);
	assert_int_equal(r->hdr.payload_off, frag ? 0 : lay->payload_off);
	assert_int_equal(r->hdr.l4_proto, c->spec.proto);
	assert_int_equal(r->hdr.family, c->spec.family);
	assert_int_equal(r->hdr.flags, c->rec_flags);
	assert_int_equal(r->hdr.gso_size, 0);
	assert_int_equal(r->hdr.gso_type, 0);
	assert_int_equal(r->hdr.csum_start, 0);
	assert_int_equal(r->hdr.csum_offset, 0);
	expect_frame_vlans(c->spec.vlans, tags);
	assert_memory_equal(r->hdr.vlan, tags, sizeof(tags));
	assert_true(r->hdr.tstamp_ns > 0);
}

static void check_conn(const struct cap_case *c, size_t len)
{
	struct colo_offsets off;
	struct colo_flow_key key;
	struct colo_conn conn;
	int other = !c->side;

	frame_key(&c->spec, &key);
	assert_int_equal(env_conn(&env, &key, &conn), 0);
	assert_true(conn.created_ns > 0 && conn.last_seen_ns >= conn.created_ns);
	assert_int_equal(conn.packets[c->side], 1);
	assert_int_equal(conn.bytes[c->side], len);
	assert_int_equal(conn.packets[other], 0);
	assert_int_equal(conn.state[c->side], c->spec.proto == IPPROTO_TCP ? c->tcp_state : 0);
	assert_int_equal(env_offsets(&env, &key, &off), -ENOENT); /* the daemon's, never ours */
}

static void check_counters(const struct cap_case *c, size_t len)
{
	bool frag = spec_fragment(&c->spec);
	struct colo_stats st;
	uint8_t p = c->spec.proto;

	env_stats(&env, role_of(c->side), &st);
	assert_int_equal(st.seen, 1);
	assert_int_equal(st.bytes, len);
	assert_int_equal(st.captured, c->expect == EXP_CAPTURE);
	assert_int_equal(st.malformed, c->expect == EXP_MALFORMED);
	assert_int_equal(st.non_ip, c->expect == EXP_NON_IP);
	assert_int_equal(st.ctrl_passed, c->expect == EXP_CTRL_PASS);
	assert_int_equal(st.ctrl_dropped, c->expect == EXP_CTRL_DROP);
	assert_int_equal(st.too_big, c->expect == EXP_TOO_BIG);
	assert_int_equal(st.ring_full + st.ring_missing + st.ct_failed, 0);
	if (c->expect != EXP_CAPTURE) {
		assert_int_equal(st.parsed + st.fragments + st.ct_created, 0);
		return;
	}
	assert_int_equal(st.ct_created, 1);
	assert_int_equal(st.fragments, frag);
	assert_int_equal(st.parsed, !frag);
	assert_int_equal(st.tcp, !frag && p == IPPROTO_TCP);
	assert_int_equal(st.udp, !frag && p == IPPROTO_UDP);
	assert_int_equal(st.icmp, !frag && (p == IPPROTO_ICMP || p == IPPROTO_ICMPV6));
	assert_int_equal(st.other_l4, !frag && p != IPPROTO_TCP && p != IPPROTO_UDP &&
					      p != IPPROTO_ICMP && p != IPPROTO_ICMPV6);
}

/* The opposite direction of the flow must land in the same shard with the same hash. */
static void check_symmetric(const struct cap_case *c, const struct env_rec *first, int shard)
{
	struct frame_spec rev = frame_spec_reverse(&c->spec);
	static uint8_t buf[FRAME_MAX];
	struct frame_layout lay;
	uint32_t hash = first->hdr.hash, retval;
	size_t len = frame_build(&rev, buf, &lay);

	assert_int_equal(
		env_run(prog_for(c->hook, c->side), buf, len, NULL, NULL, &retval, NULL, 0), 0);
	assert_int_equal(retval, drop_verdict(c->hook));
	assert_int_equal(env_drain(&env), 1);
	assert_int_equal(env.recs[0].hdr.hash, hash);
	assert_int_equal(env.rec_shard[0], shard);
	assert_int_equal(env_conn_count(&env), 2);
}

static void run_case(void **state)
{
	const struct cap_case *c = *state;
	static uint8_t buf[FRAME_MAX];
	struct frame_layout lay;
	uint32_t retval;
	size_t len = build_case(c, buf, &lay);
	int expect_verdict =
		c->expect == EXP_CTRL_PASS ? redirect_verdict(c->hook) : drop_verdict(c->hook);

	env_reset(&env, 0, ENV_SHARDS);
	assert_int_equal(
		env_run(prog_for(c->hook, c->side), buf, len, NULL, NULL, &retval, NULL, 0), 0);
	assert_int_equal(retval, expect_verdict);
	check_counters(c, len);
	if (c->expect != EXP_CAPTURE) {
		assert_int_equal(env_drain(&env), 0);
		assert_int_equal(env_conn_count(&env), 0);
		return;
	}
	assert_int_equal(env_drain(&env), 1);
	assert_int_equal(env.rec_shard[0], env.recs[0].hdr.hash % ENV_SHARDS);
	check_record(c, &env.recs[0], buf, len, &lay);
	check_conn(c, len);
	check_symmetric(c, &env.recs[0], env.rec_shard[0]);
}

/* Runs one frame through a capture program and returns the verdict. */
static uint32_t run_frame(int prog, const struct frame_spec *spec, const void *ctx, size_t ctx_size)
{
	static uint8_t buf[FRAME_MAX];
	struct frame_layout lay;
	uint32_t retval;
	size_t len = frame_build(spec, buf, &lay);

	assert_int_equal(env_run(prog, buf, len, NULL, NULL, &retval, ctx, ctx_size), 0);
	return retval;
}

static const struct frame_spec flow_tcp = {SVC4, TCP80, .tcp_flags = FRAME_TCP_ACK,
					   .payload_len = 10};

/* BPF hashes the documented test vector to the documented value, both orientations. */
static void test_hash_vector(void **state)
{
	struct frame_spec rev = frame_spec_reverse(&flow_tcp);

	(void)state;
	env_reset(&env, 0, ENV_SHARDS);
	assert_int_equal(run_frame(env_capture_tc(&env, 0), &flow_tcp, NULL, 0), TC_ACT_SHOT);
	assert_int_equal(run_frame(env_capture_xdp(&env, 1), &rev, NULL, 0), XDP_DROP);
	assert_int_equal(env_drain(&env), 2);
	assert_int_equal(env.recs[0].hdr.hash, COLO_HASH_TEST_VECTOR);
	assert_int_equal(env.recs[1].hdr.hash, COLO_HASH_TEST_VECTOR);
	assert_int_equal(env.rec_shard[0], COLO_HASH_TEST_VECTOR % ENV_SHARDS);
	assert_int_equal(env.rec_shard[1], env.rec_shard[0]);
}

static void expect_state(const struct frame_spec *spec, int side, uint8_t state, uint64_t pkts)
{
	struct colo_flow_key key;
	struct colo_conn conn;

	frame_key(spec, &key);
	assert_int_equal(env_conn(&env, &key, &conn), 0);
	assert_int_equal(conn.state[side], state);
	assert_int_equal(conn.packets[side], pkts);
}

/* Per-side TCP state follows the flags each replica sends. */
static void test_tcp_state_machine(void **state)
{
	struct frame_spec f = flow_tcp;
	int p = env_capture_tc(&env, COLO_SIDE_PRIMARY), s = env_capture_tc(&env, 1);
	struct colo_stats st;

	(void)state;
	env_reset(&env, 0, ENV_SHARDS);
	f.tcp_flags = FRAME_TCP_SYN;
	run_frame(p, &f, NULL, 0);
	expect_state(&f, 0, COLO_TCP_SYN_SENT, 1);
	expect_state(&f, 1, COLO_TCP_NONE, 0);
	run_frame(s, &f, NULL, 0);
	expect_state(&f, 1, COLO_TCP_SYN_SENT, 1);
	f.tcp_flags = FRAME_TCP_ACK;
	run_frame(p, &f, NULL, 0);
	expect_state(&f, 0, COLO_TCP_ESTABLISHED, 2);
	expect_state(&f, 1, COLO_TCP_SYN_SENT, 1);
	f.tcp_flags = FRAME_TCP_ACK | FRAME_TCP_PSH;
	run_frame(p, &f, NULL, 0);
	expect_state(&f, 0, COLO_TCP_ESTABLISHED, 3);
	f.tcp_flags = FRAME_TCP_FIN | FRAME_TCP_ACK;
	run_frame(p, &f, NULL, 0);
	expect_state(&f, 0, COLO_TCP_FIN_SENT, 4);
	f.tcp_flags = FRAME_TCP_ACK;
	run_frame(p, &f, NULL, 0);
	expect_state(&f, 0, COLO_TCP_FIN_SENT, 5);
	f.tcp_flags = FRAME_TCP_RST;
	run_frame(p, &f, NULL, 0);
	expect_state(&f, 0, COLO_TCP_CLOSED, 6);
	f.tcp_flags = FRAME_TCP_SYN | FRAME_TCP_ACK;
	run_frame(s, &f, NULL, 0);
	expect_state(&f, 1, COLO_TCP_SYN_RECV, 2);
	f.tcp_flags = FRAME_TCP_ACK;
	run_frame(s, &f, NULL, 0);
	expect_state(&f, 1, COLO_TCP_ESTABLISHED, 3);
	assert_int_equal(env_conn_count(&env), 1);
	env_stats(&env, COLO_ROLE_PRIMARY, &st);
	assert_int_equal(st.ct_created, 1);
	assert_int_equal(st.captured, 6);
	env_stats(&env, COLO_ROLE_SECONDARY, &st);
	assert_int_equal(st.ct_created, 0);
	assert_int_equal(st.captured, 3);
	assert_int_equal(env_drain(&env), 9);
}

/* The same flow from both replicas meets in one shard and one conntrack entry. */
static void test_sides_meet(void **state)
{
	struct colo_flow_key key;
	struct colo_conn conn;
	int i;

	(void)state;
	env_reset(&env, 0, ENV_SHARDS);
	run_frame(env_capture_tc(&env, 0), &flow_tcp, NULL, 0);
	run_frame(env_capture_xdp(&env, 1), &flow_tcp, NULL, 0);
	assert_int_equal(env_drain(&env), 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(env.recs[i].hdr.side, i);
		assert_int_equal(env.rec_shard[i], env.recs[0].hdr.hash % ENV_SHARDS);
	}
	assert_memory_equal(env.recs[0].frame, env.recs[1].frame, env.recs[0].hdr.cap_len);
	frame_key(&flow_tcp, &key);
	assert_int_equal(env_conn(&env, &key, &conn), 0);
	assert_int_equal(conn.packets[0], 1);
	assert_int_equal(conn.packets[1], 1);
	assert_int_equal(conn.bytes[0], conn.bytes[1]);
}

/* Failover: the primary's output goes straight to outside, the secondary's is dropped. */
static void test_failover(void **state)
{
	struct colo_config cfg = {.ifindex = {ENV_LO_IFINDEX, ENV_LO_IFINDEX, ENV_LO_IFINDEX},
				  .nshards = ENV_SHARDS,
				  .flags = COLO_CFG_FAILOVER};
	struct colo_stats st;

	(void)state;
	env_reset(&env, COLO_CFG_FAILOVER, ENV_SHARDS);
	assert_int_equal(run_frame(env_capture_tc(&env, 0), &flow_tcp, NULL, 0), TC_ACT_REDIRECT);
	assert_int_equal(run_frame(env_capture_xdp(&env, 0), &flow_tcp, NULL, 0), XDP_REDIRECT);
	assert_int_equal(run_frame(env_capture_tc(&env, 1), &flow_tcp, NULL, 0), TC_ACT_SHOT);
	assert_int_equal(run_frame(env_capture_xdp(&env, 1), &flow_tcp, NULL, 0), XDP_DROP);
	assert_int_equal(env_drain(&env), 0);
	assert_int_equal(env_conn_count(&env), 0);
	env_stats(&env, COLO_ROLE_PRIMARY, &st);
	assert_int_equal(st.seen, 2);
	assert_int_equal(st.redirected, 2);
	assert_int_equal(st.captured + st.parsed, 0);
	env_stats(&env, COLO_ROLE_SECONDARY, &st);
	assert_int_equal(st.seen, 2);
	assert_int_equal(st.uncompared_dropped, 2);
	assert_int_equal(st.redirected + st.captured + st.parsed, 0);
	/* Outside not attached: nothing can be sent there, so the primary drops too. */
	cfg.ifindex[COLO_ROLE_OUTSIDE] = 0;
	env_set_config(&env, &cfg);
	assert_int_equal(run_frame(env_capture_tc(&env, 0), &flow_tcp, NULL, 0), TC_ACT_SHOT);
}

/*
 * Mirror mode: TCP segments with SYN still reach the ring (the daemon learns the offsets from
 * them); the primary's other output is redirected to outside, the secondary's dropped. The
 * secondary's conntrack entry follows the end of what it sent (SYN and payload count).
 */
static void test_mirror(void **state)
{
	struct frame_spec synack = {SVC4, TCP80, .tcp_flags = FRAME_TCP_SYN | FRAME_TCP_ACK};
	struct frame_spec data = flow_tcp, udp = {SVC4, UDP53, .payload_len = 20};
	struct colo_flow_key key;
	struct colo_conn conn;
	struct colo_stats st;
	int hook;

	(void)state;
	synack.seq = 7000;
	frame_key(&data, &key);
	for (hook = 0; hook < 2; hook++) {
		int prim = hook ? env_capture_xdp(&env, 0) : env_capture_tc(&env, 0);
		int sec = hook ? env_capture_xdp(&env, 1) : env_capture_tc(&env, 1);
		uint32_t drop = hook ? XDP_DROP : TC_ACT_SHOT;
		uint32_t redirect = hook ? XDP_REDIRECT : TC_ACT_REDIRECT;

		env_reset(&env, COLO_CFG_MIRROR, ENV_SHARDS);
		assert_int_equal(run_frame(prim, &synack, NULL, 0), drop);
		assert_int_equal(run_frame(sec, &synack, NULL, 0), drop);
		assert_int_equal(env_drain(&env), 2);
		assert_int_equal(env.recs[0].hdr.side + env.recs[1].hdr.side, 1);
		assert_int_equal(env_conn(&env, &key, &conn), 0);
		assert_int_equal(conn.secondary_sent_valid, 1);
		assert_int_equal(conn.secondary_sent, 7001);

		data.seq = 7001;
		data.payload_len = 10;
		assert_int_equal(run_frame(prim, &data, NULL, 0), redirect);
		assert_int_equal(run_frame(sec, &data, NULL, 0), drop);
		assert_int_equal(run_frame(prim, &udp, NULL, 0), redirect);
		assert_int_equal(run_frame(sec, &udp, NULL, 0), drop);
		assert_int_equal(env_drain(&env), 0);
		assert_int_equal(env_conn(&env, &key, &conn), 0);
		assert_int_equal(conn.secondary_sent, 7011);
		/* An older segment (a retransmission) does not move it back. */
		data.payload_len = 4;
		assert_int_equal(run_frame(sec, &data, NULL, 0), drop);
		assert_int_equal(env_conn(&env, &key, &conn), 0);
		assert_int_equal(conn.secondary_sent, 7011);
		assert_int_equal(conn.packets[COLO_SIDE_SECONDARY], 3);

		env_stats(&env, COLO_ROLE_PRIMARY, &st);
		assert_int_equal(st.captured, 1);
		assert_int_equal(st.redirected, 2);
		env_stats(&env, COLO_ROLE_SECONDARY, &st);
		assert_int_equal(st.captured, 1);
		assert_int_equal(st.uncompared_dropped, 3);
		assert_int_equal(st.redirected, 0);
	}
}

/* ARP/ND with no outside interface attached are dropped and counted. */
static void test_ctrl_without_outside(void **state)
{
	struct colo_config cfg = {.ifindex = {0, ENV_LO_IFINDEX, ENV_LO_IFINDEX},
				  .nshards = ENV_SHARDS};
	static uint8_t buf[FRAME_MAX];
	struct colo_stats st;
	uint32_t retval;
	size_t len = frame_arp(buf, 1, 0);

	(void)state;
	env_reset(&env, 0, ENV_SHARDS);
	env_set_config(&env, &cfg);
	assert_int_equal(env_run(env_capture_tc(&env, 0), buf, len, NULL, NULL, &retval, NULL, 0),
			 0);
	assert_int_equal(retval, TC_ACT_SHOT);
	env_stats(&env, COLO_ROLE_PRIMARY, &st);
	assert_int_equal(st.ctrl_dropped, 1);
	assert_int_equal(st.ctrl_passed, 0);
}

/* No ring in the flow's shard: dropped and counted, never passed. */
static void test_ring_missing(void **state)
{
	uint32_t shard = COLO_HASH_TEST_VECTOR % ENV_SHARDS;
	struct colo_stats st;

	(void)state;
	env_reset(&env, 0, ENV_SHARDS);
	assert_int_equal(env_replace_ring(&env, (int)shard, 0), 0);
	assert_int_equal(run_frame(env_capture_tc(&env, 0), &flow_tcp, NULL, 0), TC_ACT_SHOT);
	env_stats(&env, COLO_ROLE_PRIMARY, &st);
	assert_int_equal(st.ring_missing, 1);
	assert_int_equal(st.captured, 0);
	assert_int_equal(env_conn_count(&env), 1);
	assert_int_equal(env_replace_ring(&env, (int)shard, ENV_RING_BYTES), 0);
	assert_int_equal(run_frame(env_capture_tc(&env, 0), &flow_tcp, NULL, 0), TC_ACT_SHOT);
	assert_int_equal(env_drain(&env), 1);
}

/* A record that does not fit the ring: ring_full, dropped; smaller records still fit. */
static void test_ring_full(void **state)
{
	uint32_t shard = COLO_HASH_TEST_VECTOR % ENV_SHARDS;
	struct frame_spec big = flow_tcp;
	struct colo_stats st;

	(void)state;
	big.payload_len = 3000;
	env_reset(&env, 0, ENV_SHARDS);
	assert_int_equal(env_replace_ring(&env, (int)shard, 4096), 0);
	assert_int_equal(run_frame(env_capture_tc(&env, 0), &big, NULL, 0), TC_ACT_SHOT);
	assert_int_equal(run_frame(env_capture_tc(&env, 0), &flow_tcp, NULL, 0), TC_ACT_SHOT);
	env_stats(&env, COLO_ROLE_PRIMARY, &st);
	assert_int_equal(st.ring_full, 1);
	assert_int_equal(st.captured, 1);
	assert_int_equal(env_drain(&env), 1);
	assert_int_equal(env.recs[0].hdr.frame_len, 14 + 20 + 20 + 10);
	assert_int_equal(env_replace_ring(&env, (int)shard, ENV_RING_BYTES), 0);
}

/* Many flows: each lands in hash % nshards (nshards 0 means one shard), every shard used. */
static void check_spread(uint32_t nshards)
{
	uint32_t used = 0, n = nshards ? nshards : 1;
	struct frame_spec f = flow_tcp;
	int i, r;

	env_reset(&env, 0, nshards);
	for (i = 0; i < 32; i++) {
		f.dport = (uint16_t)(40000 + i);
		run_frame(env_capture_tc(&env, 0), &f, NULL, 0);
		assert_int_equal(env_drain(&env), 1);
		r = env.rec_shard[0];
		assert_int_equal((uint32_t)r, env.recs[0].hdr.hash % n);
		used |= 1u << r;
	}
	assert_int_equal(used, (1u << n) - 1);
	assert_int_equal(env_conn_count(&env), 32);
}

static void test_shards_spread(void **state)
{
	(void)state;
	check_spread(0);
	check_spread(1);
	check_spread(2);
	check_spread(ENV_SHARDS);
}

/* tc capture reports the skb's GSO size (set through the test_run context). */
static void test_gso_size(void **state)
{
	struct __sk_buff ctx = {.gso_size = 1448, .gso_segs = 3};
	struct frame_spec f = flow_tcp;

	(void)state;
	f.payload_len = 3 * 1000;
	env_reset(&env, 0, ENV_SHARDS);
	assert_int_equal(run_frame(env_capture_tc(&env, 0), &f, &ctx, sizeof(ctx)), TC_ACT_SHOT);
	assert_int_equal(env_drain(&env), 1);
	assert_int_equal(env.recs[0].hdr.gso_size, 1448);
	assert_int_equal(env.recs[0].hdr.flags, COLO_REC_GSO);
	assert_int_equal(env.recs[0].hdr.csum_start, 0);
}

struct meta_case {
	uint16_t tpid, tci; /* pushed into skb metadata */
	int frame_vlans;    /* tags in the frame itself */
	struct colo_vlan_tag want[COLO_REC_VLANS];
	uint8_t want_flags;
	uint16_t want_l3_off;
};

/* Runs flow_tcp with frame_vlans tags in the frame and one in skb metadata through the tc capture
 * program (behind vlan_push); returns the verdict. */
static uint32_t run_meta_case(struct vlan_push *vp, const struct meta_case *m)
{
	struct frame_spec f = flow_tcp;

	f.vlans = m->frame_vlans;
	vp->bss->push_tpid = m->tpid;
	vp->bss->push_tci = m->tci;
	return run_frame(bpf_program__fd(vp->progs.vlan_push), &f, NULL, 0);
}

/*
 * VLAN offload (veth, tap) keeps the outer tag in skb metadata, not in the frame: the record
 * carries it as vlan[0] (COLO_REC_VLAN_META), a QinQ frame's inner tag from the frame as vlan[1],
 * so the tags can be compared and restored on release. Three tags in all: not IP.
 */
static void test_vlan_metadata(void **state)
{
	const struct meta_case cases_meta[] = {
		{0x8100,
		 300,
		 0,
		 {{htons(0x8100), htons(300)}},
		 COLO_REC_VLAN | COLO_REC_VLAN_META,
		 14},
		{0x88a8,
		 300,
		 1,
		 {{htons(0x88a8), htons(300)}, {htons(0x8100), htons(100)}},
		 COLO_REC_VLAN | COLO_REC_QINQ | COLO_REC_VLAN_META,
		 18},
	};
	struct vlan_push *vp = vlan_push__open_and_load();
	int cap = env_capture_tc(&env, COLO_SIDE_PRIMARY), slot = 0;
	const struct meta_case three = {0x88a8, 300, 2, {}, 0, 0};
	struct colo_stats st;
	size_t i;

	(void)state;
	assert_non_null(vp);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(vp->maps.next_prog), &slot, &cap, 0), 0);
	for (i = 0; i < sizeof(cases_meta) / sizeof(cases_meta[0]); i++) {
		env_reset(&env, 0, ENV_SHARDS);
		assert_int_equal(run_meta_case(vp, &cases_meta[i]), TC_ACT_SHOT);
		assert_int_equal(env_drain(&env), 1);
		assert_memory_equal(env.recs[0].hdr.vlan, cases_meta[i].want,
				    sizeof(cases_meta[i].want));
		assert_int_equal(env.recs[0].hdr.flags, cases_meta[i].want_flags);
		assert_int_equal(env.recs[0].hdr.l3_off, cases_meta[i].want_l3_off);
		assert_int_equal(env.recs[0].hdr.l4_proto, IPPROTO_TCP);
	}
	env_reset(&env, 0, ENV_SHARDS);
	assert_int_equal(run_meta_case(vp, &three), TC_ACT_SHOT);
	assert_int_equal(env_drain(&env), 0);
	env_stats(&env, COLO_ROLE_PRIMARY, &st);
	assert_int_equal(st.non_ip, 1);
	vlan_push__destroy(vp);
}

/* Every object shares one instance of each map: the one pinned by name when it loaded. */
static void test_maps_shared(void **state)
{
	struct bpf_map_info info;
	int i, obj;

	(void)state;
	for (i = 0; i < ENV_NMAPS; i++) {
		assert_true(env.pinned_id[i] != 0);
		for (obj = 0; obj < 4; obj++) {
			assert_int_equal(env_map_info(&env, obj, env_map_names[i], &info), 0);
			assert_int_equal(info.id, env.pinned_id[i]);
			/* Typed maps carry BTF for bpftool dumps (the rings' values are map ids).
			 */
			if (strcmp(env_map_names[i], COLO_MAP_RINGS))
				assert_true(info.btf_id != 0);
		}
	}
	/* The pins are gone again: nothing stays in bpffs, even if a test crashes. */
	assert_int_equal(access(env.pin_dir, F_OK), -1);
}

static const struct CMUnitTest extra_tests[] = {
	cmocka_unit_test(test_maps_shared),
	cmocka_unit_test(test_hash_vector),
	cmocka_unit_test(test_tcp_state_machine),
	cmocka_unit_test(test_sides_meet),
	cmocka_unit_test(test_failover),
	cmocka_unit_test(test_mirror),
	cmocka_unit_test(test_ctrl_without_outside),
	cmocka_unit_test(test_ring_missing),
	cmocka_unit_test(test_ring_full),
	cmocka_unit_test(test_shards_spread),
	cmocka_unit_test(test_gso_size),
	cmocka_unit_test(test_vlan_metadata),
};

int main(void)
{
	size_t ncases = sizeof(cases) / sizeof(cases[0]), i;
	size_t n = ncases + sizeof(extra_tests) / sizeof(extra_tests[0]);
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	int failed;

	if (!tests)
		return 1;
	for (i = 0; i < ncases; i++) {
		tests[i].name = cases[i].name;
		tests[i].test_func = run_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	for (; i < n; i++)
		tests[i] = extra_tests[i - ncases];
	failed = env_run_group("capture", tests, n);
	free(tests);
	return failed;
}
