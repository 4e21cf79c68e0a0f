// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF_PROG_TEST_RUN cases of the secondary egress rewriter: client segments get their ACK,
 * SACK edges and TSecr moved by the conntrack offsets. Every output is compared byte for byte
 * with a frame built independently with the expected values (checksum computed from scratch).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <linux/pkt_cls.h>
#include <netinet/in.h>

#include "env.h"
#include "frames.h"

#define SEQ_OFF 0x10000001u
#define TS_OFF	0x00abcdefu

/* The client's segments toward the service (192.0.2.1 / 2001:db8::1, port 80). */
#define CLIENT4	   .family = 4, .src = "198.51.100.2", .dst = "192.0.2.1"
#define CLIENT6	   .family = 6, .src = "2001:db8:1::2", .dst = "2001:db8::1"
#define CLIENT_TCP .proto = IPPROTO_TCP, .sport = 40000, .dport = 80, .seq = 5555

/* colo_offsets entry for the service -> client direction of the client spec c. */
static void put_offsets(const struct frame_spec *c, uint32_t flags, uint32_t seq_off,
			uint32_t ts_off)
{
	struct frame_spec svc = frame_spec_reverse(c);
	struct colo_offsets off = {.seq_offset = seq_off, .ts_offset = ts_off, .flags = flags};
	struct colo_flow_key key;

	frame_key(&svc, &key);
	assert_int_equal(env_offsets_put(&env, &key, &off), 0);
}

/* Runs the rewriter on in; the output must equal want exactly (want NULL: in unchanged). */
static void expect_rewrite(const struct frame_spec *in, const struct frame_spec *want,
			   uint64_t rewritten, uint64_t miss)
{
	static uint8_t buf[FRAME_MAX], out[FRAME_MAX], exp[FRAME_MAX];
	struct frame_layout lay, exp_lay;
	struct colo_stats before, st;
	uint32_t retval, out_len;
	size_t len = frame_build(in, buf, &lay), exp_len;

	exp_len = frame_build(want ? want : in, exp, &exp_lay);
	env_stats(&env, COLO_ROLE_SECONDARY, &before);
	assert_int_equal(env_run(env_rewrite(&env), buf, len, out, &out_len, &retval, NULL, 0), 0);
	assert_int_equal(retval, TC_ACT_OK);
	assert_int_equal(out_len, exp_len);
	assert_memory_equal(out, exp, exp_len);
	if (in->proto == IPPROTO_TCP)
		assert_true(frame_l4_csum_ok(out, &lay, in->family, IPPROTO_TCP));
	env_stats(&env, COLO_ROLE_SECONDARY, &st);
	assert_int_equal(st.rewritten, rewritten);
	assert_int_equal(st.rewrite_miss, miss);
	/* The rewriter's runs are not the capture program's. */
	assert_int_equal(st.seen + st.captured, before.seen + before.captured);
}

static void test_ack_v4(void **state)
{
	struct frame_spec in = {CLIENT4, CLIENT_TCP, .tcp_flags = FRAME_TCP_ACK, .ack = 2000,
				.payload_len = 33};
	struct frame_spec want = in;

	(void)state;
	env_reset(&env, 0, ENV_SHARDS);
	put_offsets(&in, COLO_OFFSET_SEQ, SEQ_OFF, 0);
	want.ack = 2000 + SEQ_OFF;
	expect_rewrite(&in, &want, 1, 0);
}

static void test_ack_wraps(void **state)
{
	struct frame_spec in = {CLIENT4, CLIENT_TCP, .tcp_flags = FRAME_TCP_ACK,
				.ack = 0xfffffff0u};
	struct frame_spec want = in;

	(void)state;
	env_reset(&env, 0, ENV_SHARDS);
	put_offsets(&in, COLO_OFFSET_SEQ, 0x20, 0);
	want.ack = 0x10;
	expect_rewrite(&in, &want, 1, 0);
}

/* NOP NOP SACK(2 blocks): edges 4-byte aligned. */
static void test_sack_v4(void **state)
{
	uint8_t opts[20] = {1, 1, 5, 18}, wopts[20];
	struct frame_spec in = {CLIENT4,    CLIENT_TCP,	      .tcp_flags = FRAME_TCP_ACK,
				.ack = 100, .tcp_opts = opts, .tcp_opts_len = sizeof(opts)};
	struct frame_spec want = in;
	uint32_t edges[4] = {3000, 4000, 0xfffffffeu, 7000};
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		be32_put(opts + 4 + 4 * i, edges[i]);
	memcpy(wopts, opts, sizeof(opts));
	for (i = 0; i < 4; i++)
		be32_put(wopts + 4 + 4 * i, edges[i] + SEQ_OFF);
	want.ack = 100 + SEQ_OFF;
	want.tcp_opts = wopts;
	env_reset(&env, 0, ENV_SHARDS);
	put_offsets(&in, COLO_OFFSET_SEQ, SEQ_OFF, 0);
	expect_rewrite(&in, &want, 1, 0);
}

/* NOP SACK(2 blocks) EOL: every edge at an odd offset of the segment. */
static void test_sack_odd_alignment(void **state)
{
	uint8_t opts[20] = {1, 5, 18}, wopts[20];
	struct frame_spec in = {CLIENT6,	 CLIENT_TCP,	   .tcp_flags = FRAME_TCP_ACK,
				.ack = 100,	 .tcp_opts = opts, .tcp_opts_len = sizeof(opts),
				.payload_len = 5};
	struct frame_spec want = in;
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		be32_put(opts + 3 + 4 * i, 0x01020304u * (uint32_t)(i + 1));
	memcpy(wopts, opts, sizeof(opts));
	for (i = 0; i < 4; i++)
		be32_put(wopts + 3 + 4 * i, 0x01020304u * (uint32_t)(i + 1) + SEQ_OFF);
	want.ack = 100 + SEQ_OFF;
	want.tcp_opts = wopts;
	env_reset(&env, 0, ENV_SHARDS);
	put_offsets(&in, COLO_OFFSET_SEQ, SEQ_OFF, 0);
	expect_rewrite(&in, &want, 1, 0);
}

/* NOP NOP TS: TSecr moved by ts_offset, TSval untouched, ACK moved by seq_offset. */
static void test_tsecr_v4(void **state)
{
	uint8_t opts[12] = {1, 1, 8, 10}, wopts[12];
	struct frame_spec in = {CLIENT4,	   CLIENT_TCP,	     .tcp_flags = FRAME_TCP_ACK,
				.ack = 9,	   .tcp_opts = opts, .tcp_opts_len = sizeof(opts),
				.payload_len = 100};
	struct frame_spec want = in;

	(void)state;
	be32_put(opts + 4, 123456);
	be32_put(opts + 8, 777777);
	memcpy(wopts, opts, sizeof(opts));
	be32_put(wopts + 8, 777777 + TS_OFF);
	want.ack = 9 + SEQ_OFF;
	want.tcp_opts = wopts;
	env_reset(&env, 0, ENV_SHARDS);
	put_offsets(&in, COLO_OFFSET_SEQ | COLO_OFFSET_TS, SEQ_OFF, TS_OFF);
	expect_rewrite(&in, &want, 1, 0);
}

/* NOP TS EOL: TSecr at an odd offset; only the timestamp offset is known. */
static void test_tsecr_only_odd_alignment(void **state)
{
	uint8_t opts[12] = {1, 8, 10}, wopts[12];
	struct frame_spec in = {CLIENT4,  CLIENT_TCP,	    .tcp_flags = FRAME_TCP_ACK,
				.ack = 9, .tcp_opts = opts, .tcp_opts_len = sizeof(opts)};
	struct frame_spec want = in;

	(void)state;
	be32_put(opts + 3, 0xdeadbeef);
	be32_put(opts + 7, 0xfffffff0u);
	memcpy(wopts, opts, sizeof(opts));
	be32_put(wopts + 7, 0xfffffff0u + TS_OFF);
	want.tcp_opts = wopts;
	env_reset(&env, 0, ENV_SHARDS);
	put_offsets(&in, COLO_OFFSET_TS, 0, TS_OFF);
	expect_rewrite(&in, &want, 1, 0);
}

/* IPv6 with a 40-byte option area: TS, then SACK with three blocks. */
static void test_v6_ack_sack_ts(void **state)
{
	uint8_t opts[40] = {1, 1, 8, 10}, wopts[40];
	struct frame_spec in = {CLIENT6,
				CLIENT_TCP,
				.tcp_flags = FRAME_TCP_ACK,
				.ack = 42,
				.tcp_opts = opts,
				.tcp_opts_len = sizeof(opts),
				.payload_len = 1200};
	struct frame_spec want = in;
	int i;

	(void)state;
	be32_put(opts + 4, 1);
	be32_put(opts + 8, 2);
	opts[12] = 1;
	opts[13] = 1;
	opts[14] = 5;
	opts[15] = 26;
	for (i = 0; i < 6; i++)
		be32_put(opts + 16 + 4 * i, 1000u * (uint32_t)i);
	memcpy(wopts, opts, sizeof(opts));
	be32_put(wopts + 8, 2 + TS_OFF);
	for (i = 0; i < 6; i++)
		be32_put(wopts + 16 + 4 * i, 1000u * (uint32_t)i + SEQ_OFF);
	want.ack = 42 + SEQ_OFF;
	want.tcp_opts = wopts;
	env_reset(&env, 0, ENV_SHARDS);
	put_offsets(&in, COLO_OFFSET_SEQ | COLO_OFFSET_TS, SEQ_OFF, TS_OFF);
	expect_rewrite(&in, &want, 1, 0);
}

static void test_vlan_v4(void **state)
{
	struct frame_spec in = {CLIENT4,   CLIENT_TCP, .tcp_flags = FRAME_TCP_ACK,
				.ack = 77, .vlans = 2, .payload_len = 10};
	struct frame_spec want = in;

	(void)state;
	want.ack = 77 + SEQ_OFF;
	env_reset(&env, 0, ENV_SHARDS);
	put_offsets(&in, COLO_OFFSET_SEQ, SEQ_OFF, 0);
	expect_rewrite(&in, &want, 1, 0);
}

/* A SYN carries no ACK number: nothing to move, nothing counted. */
static void test_syn_untouched(void **state)
{
	struct frame_spec in = {CLIENT4, CLIENT_TCP, .tcp_flags = FRAME_TCP_SYN, .ack = 0};

	(void)state;
	env_reset(&env, 0, ENV_SHARDS);
	put_offsets(&in, COLO_OFFSET_SEQ, SEQ_OFF, 0);
	expect_rewrite(&in, NULL, 0, 0);
}

/* An option length running past the header stops the walk; the ACK is still moved. */
static void test_bad_option_length(void **state)
{
	uint8_t opts[12] = {1, 5, 30};
	struct frame_spec in = {CLIENT4,  CLIENT_TCP,	    .tcp_flags = FRAME_TCP_ACK,
				.ack = 5, .tcp_opts = opts, .tcp_opts_len = sizeof(opts)};
	struct frame_spec want = in;

	(void)state;
	want.ack = 5 + SEQ_OFF;
	env_reset(&env, 0, ENV_SHARDS);
	put_offsets(&in, COLO_OFFSET_SEQ, SEQ_OFF, 0);
	expect_rewrite(&in, &want, 1, 0);
}

static void test_no_entry(void **state)
{
	struct frame_spec in = {CLIENT6, CLIENT_TCP, .tcp_flags = FRAME_TCP_ACK, .ack = 5};

	(void)state;
	env_reset(&env, 0, ENV_SHARDS);
	expect_rewrite(&in, NULL, 0, 1);
}

static void test_entry_without_offsets(void **state)
{
	struct frame_spec in = {CLIENT4, CLIENT_TCP, .tcp_flags = FRAME_TCP_ACK, .ack = 5};

	(void)state;
	env_reset(&env, 0, ENV_SHARDS);
	put_offsets(&in, 0, SEQ_OFF, TS_OFF);
	expect_rewrite(&in, NULL, 0, 1);
}

/* The entry of the other direction does not apply (lookup uses the reversed key). */
static void test_wrong_direction(void **state)
{
	struct frame_spec in = {CLIENT4, CLIENT_TCP, .tcp_flags = FRAME_TCP_ACK, .ack = 5};
	struct frame_spec svc = frame_spec_reverse(&in);

	(void)state;
	env_reset(&env, 0, ENV_SHARDS);
	put_offsets(&svc, COLO_OFFSET_SEQ, SEQ_OFF, 0);
	expect_rewrite(&in, NULL, 0, 1);
}

static void test_udp_untouched(void **state)
{
	struct frame_spec in = {CLIENT4, .proto = IPPROTO_UDP, .sport = 40000, .dport = 80,
				.payload_len = 20};

	(void)state;
	env_reset(&env, 0, ENV_SHARDS);
	put_offsets(&in, COLO_OFFSET_SEQ, SEQ_OFF, 0);
	expect_rewrite(&in, NULL, 0, 0);
}

/* A replica's frame of the client's flow through its capture program (tc): it is dropped. */
static void capture_side(const struct frame_spec *svc, int side)
{
	static uint8_t buf[FRAME_MAX];
	struct frame_layout lay;
	uint32_t retval;
	size_t len = frame_build(svc, buf, &lay);

	assert_int_equal(
		env_run(env_capture_tc(&env, side), buf, len, NULL, NULL, &retval, NULL, 0), 0);
	assert_int_equal(retval, TC_ACT_SHOT);
}

/*
 * The daemon's offset write and the capture program's conntrack updates touch different maps:
 * the packet/byte counters and TCP state the capture program keeps survive an offset update
 * (they were lost when the daemon wrote the whole conntrack value back), the offsets survive
 * later captures, and the rewriter applies them.
 */
static void test_offsets_beside_conntrack(void **state)
{
	struct frame_spec in = {CLIENT4, CLIENT_TCP, .tcp_flags = FRAME_TCP_ACK, .ack = 0x1000};
	struct frame_spec want = in, svc = frame_spec_reverse(&in);
	struct colo_conn before, after;
	struct colo_offsets off;
	struct colo_flow_key key;

	(void)state;
	env_reset(&env, 0, ENV_SHARDS);
	svc.tcp_flags = FRAME_TCP_ACK;
	svc.payload_len = 100;
	frame_key(&svc, &key);
	capture_side(&svc, COLO_SIDE_PRIMARY);
	capture_side(&svc, COLO_SIDE_PRIMARY);
	assert_int_equal(env_conn(&env, &key, &before), 0);
	assert_int_equal(before.packets[COLO_SIDE_PRIMARY], 2);

	put_offsets(&in, COLO_OFFSET_SEQ, SEQ_OFF, 0);
	assert_int_equal(env_conn(&env, &key, &after), 0);
	assert_memory_equal(&after, &before, sizeof(after));

	capture_side(&svc, COLO_SIDE_PRIMARY);
	assert_int_equal(env_conn(&env, &key, &after), 0);
	assert_int_equal(after.packets[COLO_SIDE_PRIMARY], 3);
	assert_int_equal(after.bytes[COLO_SIDE_PRIMARY], before.bytes[COLO_SIDE_PRIMARY] * 3 / 2);
	assert_int_equal(env_offsets(&env, &key, &off), 0);
	assert_int_equal(off.seq_offset, SEQ_OFF);
	assert_int_equal(off.flags, COLO_OFFSET_SEQ);

	want.ack = 0x1000 + SEQ_OFF;
	expect_rewrite(&in, &want, 1, 0);
}

/*
 * Mirror mode: the client's ACK, moved into the secondary's space, is capped at what the
 * secondary sent (its capture program keeps that in conntrack); below it, left alone.
 */
static void test_mirror_caps_ack(void **state)
{
	struct frame_spec in = {CLIENT4, CLIENT_TCP, .tcp_flags = FRAME_TCP_ACK, .ack = 3000};
	struct frame_spec want = in, svc = frame_spec_reverse(&in);
	struct colo_stats st;

	(void)state;
	env_reset(&env, COLO_CFG_MIRROR, ENV_SHARDS);
	put_offsets(&in, COLO_OFFSET_SEQ, SEQ_OFF, 0);
	/* The secondary sent up to 2500 + SEQ_OFF (its space): 1500 + SEQ_OFF and 1000 bytes. */
	svc.tcp_flags = FRAME_TCP_ACK;
	svc.seq = 1500 + SEQ_OFF;
	svc.payload_len = 1000;
	capture_side(&svc, COLO_SIDE_SECONDARY);
	want.ack = 2500 + SEQ_OFF;
	expect_rewrite(&in, &want, 1, 0);
	in.ack = want.ack = 2400;
	want.ack += SEQ_OFF;
	expect_rewrite(&in, &want, 2, 0);
	env_stats(&env, COLO_ROLE_SECONDARY, &st);
	assert_int_equal(st.ack_capped, 1);
	/* Not in mirror mode: never capped. */
	env_reset(&env, 0, ENV_SHARDS);
	put_offsets(&in, COLO_OFFSET_SEQ, SEQ_OFF, 0);
	capture_side(&svc, COLO_SIDE_SECONDARY);
	in.ack = 3000;
	want.ack = 3000 + SEQ_OFF;
	expect_rewrite(&in, &want, 1, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack_v4),
		cmocka_unit_test(test_ack_wraps),
		cmocka_unit_test(test_sack_v4),
		cmocka_unit_test(test_sack_odd_alignment),
		cmocka_unit_test(test_tsecr_v4),
		cmocka_unit_test(test_tsecr_only_odd_alignment),
		cmocka_unit_test(test_v6_ack_sack_ts),
		cmocka_unit_test(test_vlan_v4),
		cmocka_unit_test(test_syn_untouched),
		cmocka_unit_test(test_bad_option_length),
		cmocka_unit_test(test_no_entry),
		cmocka_unit_test(test_entry_without_offsets),
		cmocka_unit_test(test_wrong_direction),
		cmocka_unit_test(test_udp_untouched),
		cmocka_unit_test(test_offsets_beside_conntrack),
		cmocka_unit_test(test_mirror_caps_ack),
	};

	return env_run_group("rewrite", tests, sizeof(tests) / sizeof(tests[0]));
}
