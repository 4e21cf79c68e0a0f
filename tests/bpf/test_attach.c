// SPDX-License-Identifier: GPL-2.0-only
/*
 * The capture program attached for real (tc clsact ingress on a veth in the test's private
 * namespace), fed by the kernel's own UDP stack: the offload state test_run cannot produce
 * (CHECKSUM_PARTIAL, UDP GSO super-frames) must reach the ring record.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/udp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "env.h"
#include "frames.h"

#define SEND_IF "cxa"
#define CAP_IF	"cxb"
#define GSO_SEG 1000

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc)
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
	return rc;
}

/* veth cxa -> cxb, IPv6 off (no ND noise), a static neighbour so UDP leaves without ARP. */
static int attach_setup(void **state)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = env_capture_tc(&env, COLO_SIDE_PRIMARY));
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);

	(void)state;
	if (sh("ip link add " SEND_IF " type veth peer name " CAP_IF) ||
	    sh("sysctl -qw net.ipv6.conf." SEND_IF ".disable_ipv6=1 "
	       "net.ipv6.conf." CAP_IF ".disable_ipv6=1") ||
	    sh("ip link set " SEND_IF " up && ip link set " CAP_IF " up") ||
	    sh("ip addr add 10.9.0.1/24 dev " SEND_IF) ||
	    sh("ip neigh add 10.9.0.2 lladdr 02:00:00:00:00:02 dev " SEND_IF))
		return -1;
	hook.ifindex = (int)if_nametoindex(CAP_IF);
	if (!hook.ifindex || bpf_tc_hook_create(&hook) || bpf_tc_attach(&hook, &opts)) {
		fprintf(stderr, "attaching capture to " CAP_IF " failed\n");
		return -1;
	}
	return 0;
}

/* Deleting the veth pair takes its clsact qdisc and the attached program with it. */
static int attach_teardown(void **state)
{
	(void)state;
	return sh("ip link del " SEND_IF);
}

/* Sends len bytes of UDP to 10.9.0.2:9999, as one GSO send of gso-byte segments if gso. */
static void send_udp(size_t len, int gso)
{
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(9999)};
	static uint8_t payload[8192];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	inet_pton(AF_INET, "10.9.0.2", &dst.sin_addr);
	memset(payload, 0x5a, sizeof(payload));
	if (gso)
		assert_int_equal(setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &gso, sizeof(gso)), 0);
	assert_int_equal(sendto(fd, payload, len, 0, (struct sockaddr *)&dst, sizeof(dst)),
			 (ssize_t)len);
	close(fd);
}

/* Drains rings until n records arrived (or 2 s passed). */
static void wait_records(int n)
{
	struct timespec ts = {.tv_nsec = 10 * 1000 * 1000};
	int i;

	for (i = 0; i < 200; i++) {
		if (env_drain(&env) >= n)
			break;
		nanosleep(&ts, NULL);
	}
	assert_int_equal(env.nrecs, n);
}

static void check_udp_record(const struct env_rec *r, size_t payload)
{
	uint32_t i;

	assert_int_equal(r->hdr.frame_len, 14 + 20 + 8 + payload);
	assert_int_equal(r->hdr.cap_len, r->hdr.frame_len);
	assert_int_equal(r->hdr.l3_off, 14);
	assert_int_equal(r->hdr.l4_off, 34);
	assert_int_equal(r->hdr.payload_off, 42);
	assert_int_equal(r->hdr.l4_proto, IPPROTO_UDP);
	assert_int_equal(r->hdr.side, COLO_SIDE_PRIMARY);
	/* veth keeps the sender's checksum offload: only the pseudo-header sum is there. */
	assert_true(r->hdr.flags & COLO_REC_CSUM_PARTIAL);
	assert_int_equal(r->hdr.csum_start, 34);
	assert_int_equal(r->hdr.csum_offset, 6);
	assert_int_equal(be16_get(r->frame + 34 + 2), 9999);
	/* The whole payload was copied, including what lives in the skb's fragments. */
	for (i = 42; i < r->hdr.cap_len; i++)
		assert_int_equal(r->frame[i], 0x5a);
}

static void test_csum_partial(void **state)
{
	struct colo_stats st;

	(void)state;
	env_reset(&env, 0, ENV_SHARDS);
	send_udp(200, 0);
	wait_records(1);
	check_udp_record(&env.recs[0], 200);
	assert_int_equal(env.recs[0].hdr.gso_size, 0);
	assert_false(env.recs[0].hdr.flags & COLO_REC_GSO);
	env_stats(&env, COLO_ROLE_PRIMARY, &st);
	assert_int_equal(st.captured, 1);
	assert_int_equal(st.udp, 1);
}

static void test_udp_gso_super_frame(void **state)
{
	(void)state;
	env_reset(&env, 0, ENV_SHARDS);
	send_udp(5 * GSO_SEG + 100, GSO_SEG);
	wait_records(1);
	check_udp_record(&env.recs[0], 5 * GSO_SEG + 100);
	assert_int_equal(env.recs[0].hdr.gso_size, GSO_SEG);
	assert_true(env.recs[0].hdr.gso_type != 0);
	assert_true(env.recs[0].hdr.flags & COLO_REC_GSO);
	assert_int_equal(env.recs[0].size, 9216 + sizeof(struct colo_rec));
}

/* Native and generic XDP capture on the receiving veth: no skb, so no offload state. */
static void check_xdp(uint32_t mode)
{
	int ifindex = (int)if_nametoindex(CAP_IF);
	struct colo_stats st;

	assert_int_equal(
		bpf_xdp_attach(ifindex, env_capture_xdp(&env, COLO_SIDE_SECONDARY), mode, NULL), 0);
	env_reset(&env, 0, ENV_SHARDS);
	send_udp(300, 0);
	wait_records(1);
	assert_int_equal(env.recs[0].hdr.frame_len, 14 + 20 + 8 + 300);
	assert_int_equal(env.recs[0].hdr.side, COLO_SIDE_SECONDARY);
	assert_int_equal(env.recs[0].hdr.l4_off, 34);
	assert_int_equal(env.recs[0].hdr.flags, 0);
	assert_int_equal(env.recs[0].hdr.csum_start + env.recs[0].hdr.gso_size, 0);
	env_stats(&env, COLO_ROLE_SECONDARY, &st);
	assert_int_equal(st.captured, 1);
	assert_int_equal(bpf_xdp_detach(ifindex, mode, NULL), 0);
}

static void test_xdp_native(void **state)
{
	(void)state;
	check_xdp(XDP_FLAGS_DRV_MODE);
}

static void test_xdp_generic(void **state)
{
	(void)state;
	check_xdp(XDP_FLAGS_SKB_MODE);
}

/*
 * The rewriter on the sending veth's egress, a crafted client segment sent through a packet
 * socket (which passes tc egress), and the capture on the peer recording what left: the ACK
 * moved by the offset and a checksum that verifies from scratch.
 */
static void test_rewrite_on_egress(void **state)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = env_rewrite(&env));
	struct frame_spec in = {.family = 4,
				.src = "10.9.0.7",
				.dst = "10.9.0.2",
				.proto = IPPROTO_TCP,
				.sport = 40000,
				.dport = 80,
				.tcp_flags = FRAME_TCP_ACK,
				.seq = 1,
				.ack = 1000,
				.payload_len = 64};
	struct frame_spec svc = frame_spec_reverse(&in);
	struct colo_offsets off = {.seq_offset = 0x7fffffff, .flags = COLO_OFFSET_SEQ};
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_halen = 6};
	static uint8_t buf[FRAME_MAX];
	struct frame_layout lay;
	struct colo_flow_key key;
	struct colo_stats st;
	size_t len = frame_build(&in, buf, &lay);
	int fd;

	(void)state;
	env_reset(&env, 0, ENV_SHARDS);
	frame_key(&svc, &key);
	assert_int_equal(env_offsets_put(&env, &key, &off), 0);
	hook.ifindex = (int)if_nametoindex(SEND_IF);
	assert_int_equal(bpf_tc_hook_create(&hook), 0);
	assert_int_equal(bpf_tc_attach(&hook, &opts), 0);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	assert_true(fd >= 0);
	sll.sll_ifindex = hook.ifindex;
	assert_int_equal(sendto(fd, buf, len, 0, (struct sockaddr *)&sll, sizeof(sll)),
			 (ssize_t)len);
	close(fd);
	wait_records(1);
	assert_int_equal(env.recs[0].hdr.frame_len, len);
	assert_int_equal(be32_get(env.recs[0].frame + lay.l4_off + 8), 1000u + 0x7fffffffu);
	assert_true(frame_l4_csum_ok(env.recs[0].frame, &lay, 4, IPPROTO_TCP));
	env_stats(&env, COLO_ROLE_SECONDARY, &st);
	assert_int_equal(st.rewritten, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_csum_partial, attach_setup, attach_teardown),
		cmocka_unit_test_setup_teardown(test_udp_gso_super_frame, attach_setup,
						attach_teardown),
		cmocka_unit_test_setup_teardown(test_xdp_native, attach_setup, attach_teardown),
		cmocka_unit_test_setup_teardown(test_xdp_generic, attach_setup, attach_teardown),
		cmocka_unit_test_setup_teardown(test_rewrite_on_egress, attach_setup,
						attach_teardown),
	};

	return env_run_group("attach", tests, sizeof(tests) / sizeof(tests[0]));
}
