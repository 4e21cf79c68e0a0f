// SPDX-License-Identifier: GPL-2.0-only
/* Comparator: TCP streams (handshake offsets, byte-stream compare, retransmissions, ACK, FIN). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "lib/compare_test.h"

static int setup(void **state)
{
	*state = h_new(NULL);
	return 0;
}

static int teardown(void **state)
{
	h_free(*state);
	return 0;
}

/* Handshake with ISNs 1000 (primary) and 5000 (secondary): offset 4000, data from 1001. */
static struct harness *hs(void **state)
{
	struct harness *h = *state;

	h_handshake(h, 1000, 5000);
	return h;
}

static int tcp_ts(struct harness *h, enum colo_side side, uint32_t seq, uint8_t flags, bool ts,
		  uint32_t tsval)
{
	struct pkt_spec s = pkt_tcp4(seq, 1, flags, NULL, 0);

	s.ts = ts;
	s.tsval = tsval;
	return h_feed(h, side, &s);
}

static int tcp_port(struct harness *h, enum colo_side side, uint16_t sport, uint32_t seq,
		    uint8_t flags, const char *payload)
{
	struct pkt_spec s =
		pkt_tcp4(seq, 1, flags, payload, payload ? (uint32_t)strlen(payload) : 0);

	s.sport = sport;
	return h_feed(h, side, &s);
}

static void test_server_handshake_offset_before_release(void **state)
{
	struct harness *h = *state;

	h_tcp(h, P, 1000, 1, SYN | ACK, NULL);
	h_expect(h, "");
	h_tcp(h, S, 5000, 1, SYN | ACK, NULL);
	h_expect(h, "O:4000/- Ds1/cmp Rp1");
}

static void test_client_handshake_secondary_first(void **state)
{
	struct harness *h = *state;

	h_tcp(h, S, 7000, 0, SYN, NULL);
	h_expect(h, "");
	h_tcp(h, P, 100, 0, SYN, NULL);
	h_expect(h, "O:6900/- Ds1/cmp Rp1");
}

static void test_timestamp_offset(void **state)
{
	struct harness *h = *state;

	tcp_ts(h, P, 1000, SYN | ACK, true, 100);
	tcp_ts(h, S, 5000, SYN | ACK, true, 350);
	h_expect(h, "O:4000/250 Ds1/cmp Rp1");
}

static void test_timestamp_on_one_side_only(void **state)
{
	struct harness *h = *state;

	tcp_ts(h, P, 1000, SYN | ACK, true, 100);
	tcp_ts(h, S, 5000, SYN | ACK, false, 0);
	h_expect(h, "O:4000/- Ds1/cmp Rp1");
}

static void test_duplicate_syn_before_offset(void **state)
{
	struct harness *h = *state;

	h_tcp(h, P, 1000, 1, SYN | ACK, NULL);
	h_tcp(h, P, 1000, 1, SYN | ACK, NULL);
	h_expect(h, "");
	h_tcp(h, S, 5000, 1, SYN | ACK, NULL);
	h_expect(h, "O:4000/- Ds1/cmp Rp1 Rp2");
}

static void test_duplicate_syn_after_offset(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1000, 1, SYN | ACK, NULL);
	h_expect(h, "Rp2");
	h_tcp(h, S, 5000, 1, SYN | ACK, NULL);
	h_expect(h, "Ds2/dup");
}

static void test_synack_ack_mismatch(void **state)
{
	struct harness *h = *state;

	h_tcp(h, P, 1000, 1, SYN | ACK, NULL);
	h_tcp(h, S, 5000, 2, SYN | ACK, NULL);
	h_expect(h, "CP:mismatch");
	colo_cmp_commit(h->cmp, h->now, 0);
	h_expect(h, "O:0/- Rp1 Ds1/commit");
}

static void test_secondary_data_before_primary_synack(void **state)
{
	struct harness *h = *state;

	h_tcp(h, S, 5000, 1, SYN | ACK, NULL);
	h_tcp(h, S, 5001, 1, ACK, "hello");
	h_expect(h, "");
	h_tcp(h, P, 1000, 1, SYN | ACK, NULL);
	h_expect(h, "O:4000/- Ds1/cmp Rp1");
	h_tcp(h, P, 1001, 1, ACK, "hello");
	h_expect(h, "Ds2/cmp Rp2");
}

static void test_same_segmentation(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abcdef");
	h_expect(h, "");
	h_tcp(h, S, 5001, 1, ACK, "abcdef");
	h_expect(h, "Ds2/cmp Rp2");
	assert_int_equal(h_stats(h).compared_bytes, 6);
}

static void test_secondary_first(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, S, 5001, 1, ACK, "abcdef");
	h_expect(h, "");
	h_tcp(h, P, 1001, 1, ACK, "abcdef");
	h_expect(h, "Ds2/cmp Rp2");
}

static void test_one_big_primary_many_small_secondary(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abcdefghij");
	h_tcp(h, S, 5001, 1, ACK, "abc");
	h_expect(h, "Ds2/cmp");
	h_tcp(h, S, 5004, 1, ACK, "defg");
	h_expect(h, "Ds3/cmp");
	h_tcp(h, S, 5008, 1, ACK, "hij");
	h_expect(h, "Ds4/cmp Rp2");
}

static void test_many_small_primary_one_big_secondary(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, S, 5001, 1, ACK, "abcdefghij");
	h_tcp(h, P, 1001, 1, ACK, "abc");
	h_expect(h, "Rp2");
	h_tcp(h, P, 1004, 1, ACK, "defg");
	h_expect(h, "Rp3");
	h_tcp(h, P, 1008, 1, ACK, "hij");
	h_expect(h, "Ds2/cmp Rp4");
}

static void test_different_boundaries_both_sides(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abcde");
	h_tcp(h, P, 1006, 1, ACK, "fghij");
	h_tcp(h, S, 5001, 1, ACK, "abc");
	h_expect(h, "Ds2/cmp");
	h_tcp(h, S, 5004, 1, ACK, "defghij");
	h_expect(h, "Ds3/cmp Rp2 Rp3");
}

static void test_payload_mismatch_holds_until_commit(void **state)
{
	struct harness *h = hs(state);
	struct colo_cmp_stats st;

	h_tcp(h, P, 1001, 1, ACK, "abc");
	h_tcp(h, S, 5001, 1, ACK, "abd");
	h_expect(h, "CP:mismatch");
	h_tcp(h, P, 1004, 1, ACK, "zzz");
	h_tcp(h, S, 5004, 1, ACK, "zzz");
	h_expect(h, "");
	assert_true(colo_cmp_checkpoint_pending(h->cmp));
	colo_cmp_commit(h->cmp, h->now, 0);
	h_expect(h, "O:0/- Rp2 Ds2/commit Rp3 Ds3/commit");
	assert_false(colo_cmp_checkpoint_pending(h->cmp));
	/* The secondary is a copy now: same sequence numbers, comparison resumes. */
	h_tcp(h, P, 1007, 1, ACK, "x");
	h_tcp(h, S, 1007, 1, ACK, "x");
	h_expect(h, "Ds4/cmp Rp4");
	st = h_stats(h);
	assert_int_equal(st.commits, 1);
	assert_int_equal(st.checkpoints[COLO_CP_MISMATCH], 1);
	assert_int_equal(st.held[P] + st.held[S], 0);
}

static void test_same_bytes_at_other_sequence_mismatch(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "ab");
	h_tcp(h, S, 5001, 1, ACK, "ab");
	h_expect(h, "Ds2/cmp Rp2");
	h_tcp(h, P, 1003, 1, ACK, "cd");
	h_tcp(h, S, 5002, 1, ACK, "cd"); /* "cd" one byte earlier in the stream */
	h_expect(h, "CP:mismatch");
}

static void test_overlapping_secondary_segments(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, S, 5001, 1, ACK, "abcd");
	h_tcp(h, S, 5003, 1, ACK, "cdefgh");
	h_tcp(h, P, 1001, 1, ACK, "abcdefgh");
	h_expect(h, "Ds2/cmp Ds3/cmp Rp2");
}

static void test_secondary_out_of_order(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, S, 5004, 1, ACK, "def");
	h_tcp(h, S, 5001, 1, ACK, "abc");
	h_tcp(h, P, 1001, 1, ACK, "abcdef");
	h_expect(h, "Ds3/cmp Ds2/cmp Rp2");
}

static void test_primary_gap_releases_in_send_order(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1004, 1, ACK, "def");
	h_tcp(h, S, 5001, 1, ACK, "abcdef");
	h_expect(h, "");
	h_tcp(h, P, 1001, 1, ACK, "abc");
	h_expect(h, "Ds2/cmp Rp2 Rp3");
}

static void test_interleaved_flows(void **state)
{
	struct harness *h = *state;

	tcp_port(h, P, 80, 1000, SYN | ACK, NULL);
	tcp_port(h, P, 81, 2000, SYN | ACK, NULL);
	tcp_port(h, S, 80, 1100, SYN | ACK, NULL);
	h_expect(h, "O:100/- Ds1/cmp Rp1");
	tcp_port(h, S, 81, 2200, SYN | ACK, NULL);
	h_expect(h, "O:200/- Ds2/cmp Rp2");
	tcp_port(h, P, 80, 1001, ACK, "aaa");
	tcp_port(h, P, 81, 2001, ACK, "bbb");
	tcp_port(h, S, 81, 2201, ACK, "bbb");
	h_expect(h, "Ds3/cmp Rp4");
	tcp_port(h, S, 80, 1101, ACK, "aaa");
	h_expect(h, "Ds4/cmp Rp3");
	assert_int_equal(h_stats(h).conns, 2);
}

static void test_sequence_wrap(void **state)
{
	struct harness *h = *state;

	h_handshake(h, 0xfffffff0u, 0xfffffffau);
	h_tcp(h, P, 0xfffffff1u, 1, ACK, "0123456789abcdefghij");
	h_tcp(h, S, 0xfffffffbu, 1, ACK, "01234");
	h_expect(h, "Ds2/cmp");
	h_tcp(h, S, 0x00000000u, 1, ACK, "56789abcdefghij");
	h_expect(h, "Ds3/cmp Rp2");
	/* A retransmission across the wrap is verified against the compared bytes. */
	h_tcp(h, P, 0xfffffff1u, 1, ACK, "0123456789abcdefghij");
	h_expect(h, "Rp3");
}

static void test_negative_offset(void **state)
{
	struct harness *h = *state;

	h_tcp(h, P, 5000, 1, SYN | ACK, NULL);
	h_tcp(h, S, 1000, 1, SYN | ACK, NULL);
	h_expect(h, "O:4294963296/- Ds1/cmp Rp1");
	h_tcp(h, S, 1001, 1, ACK, "xyz");
	h_tcp(h, P, 5001, 1, ACK, "xyz");
	h_expect(h, "Ds2/cmp Rp2");
}

static void test_secondary_retransmission_dropped(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abc");
	h_tcp(h, S, 5001, 1, ACK, "abc");
	h_expect(h, "Ds2/cmp Rp2");
	h_tcp(h, S, 5001, 1, ACK, "abc");
	h_expect(h, "Ds3/dup");
}

static void test_primary_retransmission_identical(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abcdef");
	h_tcp(h, S, 5001, 1, ACK, "abcdef");
	h_expect(h, "Ds2/cmp Rp2");
	h_tcp(h, P, 1001, 1, ACK, "abcdef");
	h_expect(h, "Rp3");
	assert_int_equal(h_stats(h).retx_verified, 1);
}

static void test_primary_retransmission_different(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abcdef");
	h_tcp(h, S, 5001, 1, ACK, "abcdef");
	h_expect(h, "Ds2/cmp Rp2");
	h_tcp(h, P, 1001, 1, ACK, "abcXef");
	h_expect(h, "CP:mismatch");
	colo_cmp_commit(h->cmp, h->now, 0);
	h_expect(h, "O:0/- Rp3");
}

static void test_retransmission_with_new_bytes(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abc");
	h_tcp(h, S, 5001, 1, ACK, "abc");
	h_expect(h, "Ds2/cmp Rp2");
	h_tcp(h, P, 1001, 1, ACK, "abcdef");
	h_expect(h, "");
	h_tcp(h, S, 5004, 1, ACK, "def");
	h_expect(h, "Ds3/cmp Rp3");
}

static void test_retransmission_before_secondary_compared(void **state)
{
	struct harness *h = hs(state);

	/* The primary repeats bytes it has not had compared yet: both wait for the secondary. */
	h_tcp(h, P, 1001, 1, ACK, "abcd");
	h_tcp(h, P, 1001, 1, ACK, "abcd");
	h_expect(h, "");
	h_tcp(h, S, 5001, 1, ACK, "abcd");
	h_expect(h, "Ds2/cmp Rp2 Rp3");
}

static void test_retransmission_of_bytes_still_held(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abcdef");
	h_tcp(h, S, 5001, 1, ACK, "abc");
	h_expect(h, "Ds2/cmp");
	/* Bytes compared as part of p2, which is still held: checked against p2 itself. */
	h_tcp(h, P, 1001, 1, ACK, "abc");
	h_expect(h, "");
	h_tcp(h, S, 5004, 1, ACK, "def");
	h_expect(h, "Ds3/cmp Rp2 Rp3");
	assert_int_equal(h_stats(h).retx_verified, 1);
}

static void test_misaligned_retransmission_confirmed_by_secondary(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abcdefgh");
	h_tcp(h, S, 5001, 1, ACK, "abcdefgh");
	h_expect(h, "Ds2/cmp Rp2");
	/* Starts where p2 started but ends inside it: the history cannot tell. */
	h_tcp(h, P, 1001, 1, ACK, "abcd");
	h_expect(h, "");
	assert_int_equal(h_stats(h).retx_unverified, 1);
	h_tcp(h, S, 5001, 1, ACK, "ab");
	h_expect(h, "Ds3/cmp");
	h_tcp(h, S, 5003, 1, ACK, "cdef");
	h_expect(h, "Ds4/cmp Rp3");
	assert_int_equal(h_stats(h).retx_verified, 1);
}

static void test_misaligned_retransmission_secondary_differs(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abcdefgh");
	h_tcp(h, S, 5001, 1, ACK, "abcdefgh");
	h_expect(h, "Ds2/cmp Rp2");
	h_tcp(h, P, 1003, 1, ACK, "cdef");
	h_tcp(h, S, 5003, 1, ACK, "cdXf");
	h_expect(h, "CP:mismatch Ds3/cmp");
}

static void test_retransmission_with_new_bytes_confirmed_by_secondary(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abcd");
	h_tcp(h, S, 5001, 1, ACK, "abcd");
	h_expect(h, "Ds2/cmp Rp2");
	h_tcp(h, P, 1003, 1, ACK, "cdefg"); /* "cd" repeated, "efg" new */
	h_tcp(h, S, 5003, 1, ACK, "cdefg");
	h_expect(h, "Ds3/cmp Rp3");
}

static void test_unconfirmed_retransmission_waits_for_commit(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abcdef");
	h_tcp(h, S, 5001, 1, ACK, "abcdef");
	h_expect(h, "Ds2/cmp Rp2");
	h_tcp(h, P, 1002, 1, ACK, "bc");
	h_tcp(h, P, 1007, 1, ACK, "g");
	h_tcp(h, S, 5007, 1, ACK, "g");
	h_expect(h, "Ds3/cmp"); /* p4 matched but waits behind the held retransmission */
	h->now += h->lim.compare_timeout_ns;
	colo_cmp_tick(h->cmp, h->now);
	h_expect(h, "CP:timeout");
	colo_cmp_commit(h->cmp, h->now, 0);
	h_expect(h, "O:0/- Rp3 Rp4");
	/* Bytes covered by the commit are released without a compare. */
	h_tcp(h, P, 1001, 1, ACK, "abcdefg");
	h_expect(h, "Rp5");
}

static void test_retransmission_history_is_bounded(void **state)
{
	struct colo_cmp_limits lim;
	struct harness *h;
	char seg[8];
	int i;

	(void)state;
	colo_cmp_limits_default(&lim);
	lim.retx_window = 1; /* the smallest history: 64 segments */
	h = h_new(&lim);
	h_handshake(h, 1000, 5000);
	for (i = 0; i < 70; i++) {
		snprintf(seg, sizeof(seg), "s%04d", i);
		h_tcp(h, P, 1001 + 5 * i, 1, ACK, seg);
		h_tcp(h, S, 5001 + 5 * i, 1, ACK, seg);
	}
	assert_int_equal(h_stats(h).released, 71);
	h->loglen = 0;
	/* Two segments retransmitted as one. */
	h_tcp(h, P, 1001 + 5 * 68, 1, ACK, "s0068s0069");
	h_expect(h, "Rp72");
	h_tcp(h, P, 1001 + 5 * 6, 1, ACK, "s0006");
	h_expect(h, "Rp73");
	/* The oldest segments left the history. */
	h_tcp(h, P, 1001 + 5 * 5, 1, ACK, "s0005");
	h_expect(h, "");
	assert_int_equal(h_stats(h).retx_unverified, 1);
	assert_int_equal(h_stats(h).retx_verified, 2);
	h_tcp(h, P, 1001 + 5 * 69, 1, ACK, "s006X");
	h_expect(h, "CP:mismatch");
	h_free(h);
}

static void test_retransmission_history_budget(void **state)
{
	struct colo_cmp_limits lim;
	struct harness *h;
	char seg[8];
	int i;

	(void)state;
	colo_cmp_limits_default(&lim);
	lim.retx_budget = 1; /* no growth beyond the first 64 entries */
	h = h_new(&lim);
	h_handshake(h, 1000, 5000);
	for (i = 0; i < 100; i++) {
		snprintf(seg, sizeof(seg), "s%04d", i);
		h_tcp(h, P, 1001 + 5 * i, 1, ACK, seg);
		h_tcp(h, S, 5001 + 5 * i, 1, ACK, seg);
	}
	assert_int_equal(h_stats(h).released, 101);
	assert_int_equal(h_stats(h).retx_no_window, 1);
	h->loglen = 0;
	h_tcp(h, P, 1001 + 5 * 36, 1, ACK, "s0036");
	h_expect(h, "Rp102");
	h_tcp(h, P, 1001 + 5 * 35, 1, ACK, "s0035");
	h_expect(h, "");
	h_free(h);
}

/* A GSO super-frame is remembered per segment: one segment of it can be retransmitted. */
static void test_gso_segments_retransmitted_alone(void **state)
{
	struct harness *h = hs(state);
	struct pkt_spec s = pkt_tcp4(1001, 1, ACK, "aaaabbbbcccc", 12);
	struct colo_rec rec = {.flags = COLO_REC_GSO, .gso_size = 4};
	uint8_t buf[256];
	uint32_t len = (uint32_t)pkt_build(&s, buf, sizeof(buf));

	rec.frame_len = rec.cap_len = len;
	h_feed_rec(h, P, buf, len, &rec);
	h_tcp(h, S, 5001, 1, ACK, "aaaabbbbcccc");
	h_expect(h, "Ds2/cmp Rp2");
	h_tcp(h, P, 1005, 1, ACK, "bbbb");
	h_expect(h, "Rp3");
	h_tcp(h, P, 1005, 1, ACK, "bbbbcccc");
	h_expect(h, "Rp4");
	/* Without the record the frame is one entry: a part of it cannot be checked alone. */
	h_tcp(h, P, 1013, 1, ACK, "ddddeeee");
	h_tcp(h, S, 5013, 1, ACK, "ddddeeee");
	h_expect(h, "Ds3/cmp Rp5");
	h_tcp(h, P, 1017, 1, ACK, "eeee");
	h_expect(h, "");
	assert_int_equal(h_stats(h).retx_unverified, 1);
}

static void test_pure_ack_waits_for_secondary_ack(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 100, ACK, NULL);
	h_expect(h, "");
	h_tcp(h, S, 5001, 50, ACK, NULL);
	h_expect(h, "Ds2/cmp");
	h_tcp(h, S, 5001, 100, ACK, NULL);
	h_expect(h, "Ds3/cmp Rp2");
}

static void test_pure_ack_secondary_ahead(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, S, 5001, 200, ACK, NULL);
	h_expect(h, "Ds2/cmp");
	h_tcp(h, P, 1001, 150, ACK, NULL);
	h_expect(h, "Rp2");
	/* An older secondary ACK does not lower the maximum. */
	h_tcp(h, S, 5001, 120, ACK, NULL);
	h_tcp(h, P, 1001, 190, ACK, NULL);
	h_expect(h, "Ds3/cmp Rp3");
}

static void test_pure_ack_wraps(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, S, 5001, 0xfffffff0u, ACK, NULL);
	h_tcp(h, P, 1001, 0x10, ACK, NULL);
	h_expect(h, "Ds2/cmp");
	h_tcp(h, S, 5001, 0x20, ACK, NULL);
	h_expect(h, "Ds3/cmp Rp2");
}

static void test_pure_ack_behind_data_keeps_order(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abc");
	h_tcp(h, P, 1004, 1, ACK, NULL);
	h_tcp(h, S, 5001, 1, ACK, NULL);
	h_expect(h, "Ds2/cmp");
	h_tcp(h, S, 5001, 1, ACK, "abc");
	h_expect(h, "Ds3/cmp Rp2 Rp3");
}

static void test_fin_compared_like_a_byte(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK | FIN, "abc");
	h_tcp(h, S, 5001, 1, ACK, "abc");
	h_expect(h, "Ds2/cmp");
	h_tcp(h, S, 5004, 1, ACK | FIN, NULL);
	h_expect(h, "Ds3/cmp Rp2");
	/* The FIN's retransmission is verified too; a data byte in its place is not. */
	h_tcp(h, P, 1004, 1, ACK | FIN, NULL);
	h_expect(h, "Rp3");
	h_tcp(h, P, 1004, 1, ACK, "x");
	h_expect(h, "CP:mismatch");
}

static void test_fin_against_data_mismatch(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK | FIN, NULL);
	h_tcp(h, S, 5001, 1, ACK, "x");
	h_expect(h, "CP:mismatch");
}

static void test_closed_connection_removed(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK | FIN, NULL);
	h_tcp(h, S, 5001, 1, ACK | FIN, NULL);
	h_expect(h, "Ds2/cmp Rp2");
	/* The last ACK after the peer's FIN still follows the ACK rule. */
	h_tcp(h, P, 1002, 2, ACK, NULL);
	h_tcp(h, S, 5002, 2, ACK, NULL);
	h_expect(h, "Ds3/cmp Rp3");
	assert_int_equal(h_stats(h).conns, 1);
	h->now += h->lim.idle_timeout_ns - 1;
	colo_cmp_tick(h->cmp, h->now);
	assert_int_equal(h_stats(h).conns, 1);
	h->now += 1;
	colo_cmp_tick(h->cmp, h->now);
	assert_int_equal(h_stats(h).conns, 0);
}

static void test_rst_waits_for_secondary_rst(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK | RST, NULL);
	h_expect(h, "");
	h_tcp(h, S, 5001, 1, ACK | RST, NULL);
	h_expect(h, "Ds2/cmp Rp2");
}

static void test_reused_four_tuple_starts_fresh(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, RST, NULL);
	h_tcp(h, S, 5001, 1, RST, NULL);
	h_expect(h, "Ds2/cmp Rp2");
	h_tcp(h, P, 9000, 1, SYN | ACK, NULL);
	h_tcp(h, S, 9500, 1, SYN | ACK, NULL);
	h_expect(h, "O:500/- Ds3/cmp Rp3");
	h_tcp(h, P, 9001, 1, ACK, "new");
	h_tcp(h, S, 9501, 1, ACK, "new");
	h_expect(h, "Ds4/cmp Rp4");
	assert_int_equal(h_stats(h).conns, 1);
}

static void test_connection_met_mid_stream(void **state)
{
	struct harness *h = *state;

	h_tcp(h, P, 777, 1, ACK, "abc");
	h_tcp(h, S, 777, 1, ACK, "abc");
	h_expect(h, "Ds1/cmp Rp1");
	h_tcp(h, S, 780, 1, ACK, "de");
	h_tcp(h, P, 780, 1, ACK, "dX");
	h_expect(h, "CP:mismatch");
}

static void test_commit_keep_streams_drops_covered_bytes(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abcdef");
	h_tcp(h, S, 5001, 1, ACK, "abc");
	h_expect(h, "Ds2/cmp");
	colo_cmp_commit(h->cmp, h->now, COLO_COMMIT_KEEP_STREAMS);
	h_expect(h, "Rp2");
	h_tcp(h, S, 5004, 1, ACK, "def");
	h_expect(h, "Ds3/dup");
	h_tcp(h, P, 1007, 1, ACK, "ghi");
	h_tcp(h, S, 5007, 1, ACK, "ghi");
	h_expect(h, "Ds4/cmp Rp3");
}

static void test_commit_keep_streams_keeps_later_secondary_bytes(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, S, 5001, 1, ACK, "abcdefghi");
	h_tcp(h, P, 1001, 1, ACK, "abc");
	h_expect(h, "Rp2");
	colo_cmp_commit(h->cmp, h->now, COLO_COMMIT_KEEP_STREAMS);
	h_expect(h, "");
	h_tcp(h, P, 1004, 1, ACK, "defghi");
	h_expect(h, "Ds2/cmp Rp3");
}

static void test_commit_resets_timestamp_offset(void **state)
{
	struct harness *h = *state;

	tcp_ts(h, P, 1000, SYN | ACK, true, 100);
	tcp_ts(h, S, 5000, SYN | ACK, true, 350);
	h_expect(h, "O:4000/250 Ds1/cmp Rp1");
	colo_cmp_commit(h->cmp, h->now, 0);
	h_expect(h, "O:0/0");
	colo_cmp_commit(h->cmp, h->now, 0);
	h_expect(h, "");
}

static void test_ipv6_stream(void **state)
{
	struct harness *h = *state;
	struct pkt_spec s = pkt_tcp4(1000, 1, SYN | ACK, NULL, 0);

	s.family = 6;
	s.src = "fd00::1";
	s.dst = "fd00::2";
	h_feed(h, P, &s);
	s.seq = 3000;
	h_feed(h, S, &s);
	h_expect(h, "O:2000/- Ds1/cmp Rp1");
	s.flags = ACK;
	s.payload = "v6 bytes";
	s.payload_len = 8;
	s.seq = 3001;
	h_feed(h, S, &s);
	s.seq = 1001;
	h_feed(h, P, &s);
	h_expect(h, "Ds2/cmp Rp2");
}

/*
 * VLAN tags are compared (issue 13; this test asserted the opposite before): a flow tagged the
 * same way by both replicas passes; a replica that tags it differently diverges.
 */
static void test_vlan_tags_compared(void **state)
{
	struct harness *h = *state;
	struct pkt_spec s = pkt_tcp4(1001, 1, ACK, "tagged", 6);

	s.nvlan = 2;
	s.vlan[0] = 10;
	s.vlan[1] = 20;
	h_feed(h, P, &s);
	h_feed(h, S, &s);
	h_expect(h, "Ds1/cmp Rp1");
	s.seq = 1007;
	h_feed(h, P, &s);
	s.nvlan = 1;
	s.vlan[0] = 30;
	h_feed(h, S, &s);
	h_expect(h, "CP:mismatch");
}

static void test_primary_data_before_secondary_synack(void **state)
{
	struct harness *h = *state;

	h_tcp(h, P, 1000, 1, SYN | ACK, NULL);
	h_tcp(h, P, 1001, 1, ACK, "early");
	h_expect(h, "");
	h_tcp(h, S, 5000, 1, SYN | ACK, NULL);
	h_expect(h, "O:4000/- Ds1/cmp Rp1");
	h_tcp(h, S, 5001, 1, ACK, "early");
	h_expect(h, "Ds2/cmp Rp2");
}

static void test_reused_tuple_secondary_syn_first(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, RST, NULL);
	h_tcp(h, S, 5001, 1, RST, NULL);
	h_expect(h, "Ds2/cmp Rp2");
	h_tcp(h, S, 9500, 7, SYN | ACK, NULL);
	h_expect(h, "");
	h_tcp(h, P, 9000, 7, SYN | ACK, NULL);
	h_expect(h, "O:500/- Ds3/cmp Rp3");
}

static void test_keep_streams_commit_during_handshake(void **state)
{
	struct harness *h = *state;

	h_tcp(h, P, 1000, 1, SYN | ACK, NULL);
	colo_cmp_commit(h->cmp, h->now, COLO_COMMIT_KEEP_STREAMS);
	h_expect(h, "Rp1");
	h_tcp(h, S, 5000, 1, SYN | ACK, NULL);
	h_expect(h, "O:4000/- Ds1/cmp");
	h_tcp(h, P, 1001, 1, ACK, "abc");
	h_tcp(h, S, 5001, 1, ACK, "abc");
	h_expect(h, "Ds2/cmp Rp2");
}

static void test_commit_during_handshake_secondary_is_a_copy(void **state)
{
	struct harness *h = *state;

	h_tcp(h, P, 1000, 1, SYN | ACK, NULL);
	colo_cmp_commit(h->cmp, h->now, 0);
	h_expect(h, "O:0/- Rp1");
	/* The secondary now has the primary's state: its SYN-ACK repeats the primary's. */
	h_tcp(h, S, 1000, 1, SYN | ACK, NULL);
	h_expect(h, "Ds1/dup");
	h_tcp(h, P, 1001, 1, ACK, "abc");
	h_tcp(h, S, 1001, 1, ACK, "abc");
	h_expect(h, "Ds2/cmp Rp2");
}

static void test_out_of_order_on_both_sides(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, S, 5004, 1, ACK, "def");
	h_tcp(h, P, 1004, 1, ACK, "def");
	h_expect(h, "");
	h_tcp(h, S, 5001, 1, ACK, "abc");
	h_expect(h, "");
	h_tcp(h, P, 1001, 1, ACK, "abc");
	h_expect(h, "Ds3/cmp Ds2/cmp Rp2 Rp3");
}

static void test_fin_segmented_differently(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abc");
	h_tcp(h, P, 1004, 1, ACK | FIN, NULL);
	h_tcp(h, S, 5001, 1, ACK | FIN, "abc");
	h_expect(h, "Ds2/cmp Rp2 Rp3");
}

/*
 * Seen on veth: the secondary's FIN segment and its tail-loss-probe retransmission both arrive
 * before the primary sends those bytes; once the primary matches, the copy must go too.
 */
static void test_secondary_tail_retransmitted_before_primary(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, S, 5001, 1, ACK | FIN, "abcdef");
	h_tcp(h, S, 5004, 1, ACK | FIN, "def");
	h_expect(h, "");
	h_tcp(h, P, 1001, 1, ACK, "abcd");
	h_tcp(h, P, 1005, 1, ACK | FIN, "ef");
	h_expect(h, "Rp2 Ds2/cmp Ds3/dup Rp3");
	assert_int_equal(h_stats(h).held[S], 0);
}

static void test_repeated_pure_acks_in_order(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 10, ACK, NULL);
	h_tcp(h, P, 1001, 10, ACK, NULL);
	h_tcp(h, P, 1001, 20, ACK, NULL);
	h_tcp(h, S, 5001, 10, ACK, NULL);
	h_expect(h, "Ds2/cmp Rp2 Rp3");
	h_tcp(h, S, 5001, 20, ACK, NULL);
	h_expect(h, "Ds3/cmp Rp4");
}

static void test_secondary_rst_first(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, S, 5001, 1, RST, NULL);
	h_expect(h, "Ds2/cmp");
	h_tcp(h, P, 1001, 1, RST, NULL);
	h_expect(h, "Rp2");
}

static void test_mismatch_names_the_flow(void **state)
{
	struct harness *h = *state;

	tcp_port(h, P, 8080, 77, ACK, "abc");
	tcp_port(h, S, 8080, 77, ACK, "abd");
	h_expect(h, "CP:mismatch");
	assert_int_equal(ntohs(h->cp_flow.sport), 8080);
	assert_int_equal(h->cp_flow.proto, IPPROTO_TCP);
}

/* Asserts where the last checkpoint request came from. */
static void where_is(struct harness *h, enum colo_side side, enum colo_cp_pos kind, uint32_t pos,
		     uint64_t waited_ns)
{
	assert_int_equal(h->cp_where.side, side);
	assert_int_equal(h->cp_where.pos_kind, kind);
	assert_int_equal(h->cp_where.pos, pos);
	assert_int_equal(h->cp_where.waited_ns, waited_ns);
}

/* A mismatch names the first byte that differs, counted from the first data byte. */
static void test_mismatch_names_the_first_differing_byte(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abcdefgh");
	h_tcp(h, S, 5001, 1, ACK, "ab");
	h_tcp(h, S, 5003, 1, ACK, "cdeXgh");
	h_expect(h, "Ds2/cmp CP:mismatch");
	where_is(h, P, COLO_CP_POS_STREAM, 5, 0);
}

/* A FIN where the other side has a data byte: the FIN's position. */
static void test_mismatch_fin_against_data_position(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK | FIN, "abc");
	h_tcp(h, S, 5001, 1, ACK, "abcd");
	h_expect(h, "CP:mismatch");
	where_is(h, P, COLO_CP_POS_STREAM, 3, 0);
}

/* A retransmission that differs: the start of the compared range it failed on. */
static void test_mismatch_in_retransmission_position(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abc");
	h_tcp(h, S, 5001, 1, ACK, "abc");
	h_tcp(h, P, 1004, 1, ACK, "def");
	h_tcp(h, S, 5004, 1, ACK, "def");
	h_expect(h, "Ds2/cmp Rp2 Ds3/cmp Rp3");
	h_tcp(h, P, 1004, 1, ACK, "deX");
	h_expect(h, "CP:mismatch");
	where_is(h, P, COLO_CP_POS_STREAM, 3, 0);
}

/* Without a handshake, the position is the primary's sequence number. */
static void test_mismatch_mid_stream_names_the_sequence(void **state)
{
	struct harness *h = *state;

	h_tcp(h, P, 777, 1, ACK, "abc");
	h_tcp(h, S, 777, 1, ACK, "abX");
	h_expect(h, "CP:mismatch");
	where_is(h, P, COLO_CP_POS_SEQ, 779, 0);
}

/* A timeout names the frame that waited, its side, position (primary space) and wait. */
static void test_timeout_names_the_waiting_frame(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK, "abc");
	h_tcp(h, S, 5001, 1, ACK, "abc");
	h_tcp(h, S, 5004, 1, ACK | FIN, "de");
	h_expect(h, "Ds2/cmp Rp2");
	h->now += h->lim.compare_timeout_ns + 50 * MSEC;
	colo_cmp_tick(h->cmp, h->now);
	h_expect(h, "CP:timeout");
	where_is(h, S, COLO_CP_POS_STREAM, 3, h->lim.compare_timeout_ns + 50 * MSEC);
}

/* A queue over its limit names its side; a pure ACK has no stream position. */
static void test_queue_full_names_the_side(void **state)
{
	struct colo_cmp_limits lim;
	struct harness *h;

	(void)state;
	colo_cmp_limits_default(&lim);
	lim.max_queue = 1;
	h = h_new(&lim);
	h_handshake(h, 1000, 5000);
	h_tcp(h, P, 1001, 1, ACK, "abc");
	h_tcp(h, P, 1004, 1, ACK, "def");
	h_expect(h, "CP:queue_full");
	where_is(h, P, COLO_CP_POS_STREAM, 3, 0);
	h_free(h);
}

/* xorshift32: a fixed pseudo-random sequence for the segmentation tests. */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * 2000 bytes cut at random boundaries on each side, the sides interleaved at random: every
 * primary segment leaves once, in order, and every byte is compared once.
 */
static void test_random_segmentation_and_interleaving(void **state)
{
	struct harness *h = *state;
	static char stream[2001];
	uint32_t seed = 12345, pos[2] = {0, 0}, isn[2] = {0xffffff00u, 0x7fffff00u};
	char chunk[64];
	int i, nseg[2] = {0, 0};

	for (i = 0; i < 2000; i++)
		stream[i] = (char)('a' + rnd(&seed) % 26);
	h_handshake(h, isn[P], isn[S]);
	while (pos[P] < 2000 || pos[S] < 2000) {
		int side = rnd(&seed) & 1;
		uint32_t n = 1 + rnd(&seed) % 60;

		if (pos[side] == 2000)
			side = !side;
		if (n > 2000 - pos[side])
			n = 2000 - pos[side];
		memcpy(chunk, stream + pos[side], n);
		chunk[n] = '\0';
		h_tcp(h, side, isn[side] + 1 + pos[side], 1, ACK, chunk);
		pos[side] += n;
		nseg[side]++;
	}
	assert_int_equal(h_stats(h).released, nseg[P] + 1);
	assert_int_equal(h_stats(h).compared_bytes, 2000);
	assert_int_equal(h_stats(h).dropped[COLO_DROP_COMPARED], nseg[S] + 1);
	assert_int_equal(h_stats(h).held[P] + h_stats(h).held[S], 0);
	h->loglen = 0;
	for (i = 1; i <= nseg[P]; i++)
		assert_null(h->frames[P][i]);
}

/* One side of a random stream: what it sent, and its last segments (for retransmissions). */
struct rnd_side {
	uint32_t isn, sent;
	bool fin_sent;
	uint32_t seg_from[4], seg_len[4];
	bool seg_fin[4];
	int nseg;
};

#define RND_LEN 1500

/* Feeds [from, from + n) of stream, with a FIN when fin, from side r. */
static void rnd_send(struct harness *h, enum colo_side side, const struct rnd_side *r,
		     const char *stream, uint32_t from, uint32_t n, bool fin)
{
	char chunk[64];

	memcpy(chunk, stream + from, n);
	chunk[n] = '\0';
	h_tcp(h, side, r->isn + 1 + from, 1, ACK | (fin ? FIN : 0), n ? chunk : NULL);
}

/*
 * A retransmission as TCP makes them: the primary repeats one of its last segments; the
 * secondary repeats any recent range (a tail-loss probe repeats its FIN too).
 */
static void rnd_retransmit(struct harness *h, enum colo_side side, struct rnd_side *r,
			   const char *stream, uint32_t *seed)
{
	uint32_t from, n;
	int i;

	if (side == P) {
		i = (int)(rnd(seed) % (uint32_t)(r->nseg < 4 ? r->nseg : 4));
		i = (r->nseg - 1 - i) % 4;
		rnd_send(h, side, r, stream, r->seg_from[i], r->seg_len[i], r->seg_fin[i]);
		return;
	}
	from = r->sent - 1 - rnd(seed) % (r->sent < 120 ? r->sent : 120);
	n = 1 + rnd(seed) % 60;
	if (n > r->sent - from)
		n = r->sent - from;
	rnd_send(h, side, r, stream, from, n, r->fin_sent && from + n == r->sent);
}

/* New bytes (or the FIN alone once all bytes are out), remembered for retransmission. */
static void rnd_new(struct harness *h, enum colo_side side, struct rnd_side *r, const char *stream,
		    uint32_t *seed)
{
	uint32_t n = 1 + rnd(seed) % 60;
	int i = r->nseg++ % 4;
	bool fin;

	if (n > RND_LEN - r->sent)
		n = RND_LEN - r->sent;
	fin = r->sent + n == RND_LEN && (!n || rnd(seed) & 1);
	rnd_send(h, side, r, stream, r->sent, n, fin);
	r->seg_from[i] = r->sent;
	r->seg_len[i] = n;
	r->seg_fin[i] = fin;
	r->sent += n;
	r->fin_sent = fin;
}

/*
 * Liveness: identical streams with random segmentation, interleaving and retransmissions on
 * both sides (also after the FIN), ended by FINs, leave nothing held and request no checkpoint
 * (200 seeds).
 */
static void test_random_retransmissions_leave_nothing_held(void **state)
{
	static char stream[RND_LEN];
	struct colo_cmp_stats st;
	uint32_t seed0, seed, i;

	(void)state;
	for (seed0 = 1; seed0 <= 200; seed0++) {
		struct harness *h = h_new(NULL);
		struct rnd_side r[2] = {{.isn = 0xfffffa00u}, {.isn = 0x7fffff00u}};

		seed = seed0 * 2654435761u;
		for (i = 0; i < RND_LEN; i++)
			stream[i] = (char)('a' + rnd(&seed) % 26);
		h_handshake(h, r[P].isn, r[S].isn);
		while (!r[P].fin_sent || !r[S].fin_sent) {
			/* Per seed, the secondary runs behind, even or ahead. */
			enum colo_side side = rnd(&seed) % 4 < 1 + seed0 % 3 ? S : P;
			bool retx = r[side].sent && rnd(&seed) % 5 == 0;

			if (!retx && r[side].fin_sent)
				side = !side;
			if (retx)
				rnd_retransmit(h, side, &r[side], stream, &seed);
			else
				rnd_new(h, side, &r[side], stream, &seed);
			h->loglen = 0;
		}
		st = h_stats(h);
		for (i = 0; i < COLO_CP_REASON_MAX; i++)
			if (st.triggers[i])
				fail_msg("seed %u: checkpoint requested (reason %u)", seed0, i);
		if (st.held[P] || st.held[S])
			fail_msg("seed %u: held %lu/%lu", seed0, (unsigned long)st.held[P],
				 (unsigned long)st.held[S]);
		for (i = 0; i < (uint32_t)h->n[P]; i++)
			assert_null(h->frames[P][i]);
		h_free(h);
	}
}

static void test_secondary_syn_retransmitted_before_primary(void **state)
{
	struct harness *h = *state;

	h_tcp(h, S, 5000, 1, SYN | ACK, NULL);
	h_tcp(h, S, 5000, 1, SYN | ACK, NULL);
	h_expect(h, "Ds2/dup");
	h_tcp(h, P, 1000, 1, SYN | ACK, NULL);
	h_expect(h, "O:4000/- Ds1/cmp Rp1");
}

static void test_keep_streams_late_secondary_fin(void **state)
{
	struct harness *h = hs(state);

	h_tcp(h, P, 1001, 1, ACK | FIN, "bye");
	colo_cmp_commit(h->cmp, h->now, COLO_COMMIT_KEEP_STREAMS);
	h_expect(h, "Rp2");
	/* The secondary's own copy of what the commit released arrives late. */
	h_tcp(h, S, 5001, 1, ACK | FIN, "bye");
	h_expect(h, "Ds2/dup");
	h_tcp(h, P, 1005, 2, ACK, NULL);
	h_tcp(h, S, 5005, 2, ACK, NULL);
	h_expect(h, "Ds3/cmp Rp3");
}

static void test_pure_acks_and_rst_over_limit_held(void **state)
{
	struct colo_cmp_limits lim;
	struct harness *h;

	(void)state;
	colo_cmp_limits_default(&lim);
	lim.max_queue = 1;
	h = h_new(&lim);
	h_handshake(h, 1000, 5000);
	h_tcp(h, P, 1001, 10, ACK, NULL);
	h_tcp(h, P, 1001, 20, ACK, NULL);
	h_expect(h, "CP:queue_full");
	h_tcp(h, P, 1001, 20, RST, NULL);
	h_expect(h, "");
	assert_int_equal(h_stats(h).held[P], 3);
	assert_int_equal(h_stats(h).held_over_limit, 2);
	h_tcp(h, S, 5001, 20, ACK, NULL);
	h_tcp(h, S, 5001, 20, RST, NULL);
	h_expect(h, "Ds2/cmp Rp2 Rp3 Ds3/cmp Rp4");
	h_free(h);
}

static void test_gso_partially_compared_before(void **state)
{
	struct harness *h = hs(state);
	struct pkt_spec s = pkt_tcp4(1001, 1, ACK, "aaaabbbbcccc", 12);
	struct colo_rec rec = {.flags = COLO_REC_GSO, .gso_size = 4};
	uint8_t buf[256];
	uint32_t len = (uint32_t)pkt_build(&s, buf, sizeof(buf));

	/* p2 repeats "aa" already compared for another segment, the rest is new. */
	h_tcp(h, P, 1001, 1, ACK, "aa");
	h_tcp(h, S, 5001, 1, ACK, "aa");
	h_expect(h, "Ds2/cmp Rp2");
	rec.frame_len = rec.cap_len = len;
	h_feed_rec(h, P, buf, len, &rec);
	h_tcp(h, S, 5003, 1, ACK, "aabbbbcccc");
	h_expect(h, "Ds3/cmp Rp3");
	/* Its segments were remembered from the first new byte on, cut at gso_size. */
	h_tcp(h, P, 1005, 1, ACK, "bbbb");
	h_expect(h, "Rp4");
	h_tcp(h, P, 1003, 1, ACK, "aa");
	h_expect(h, "Rp5");
}

static void test_commit_reports_zero_offsets_once(void **state)
{
	struct harness *h = *state;

	/* Met mid-stream: its offsets elsewhere are unknown, so the commit reports 0 too. */
	h_tcp(h, P, 777, 1, ACK, "abc");
	h_tcp(h, S, 777, 1, ACK, "abc");
	h_expect(h, "Ds1/cmp Rp1");
	colo_cmp_commit(h->cmp, h->now, 0);
	h_expect(h, "O:0/-");
	colo_cmp_commit(h->cmp, h->now, 0);
	h_expect(h, "");
	colo_cmp_commit(h->cmp, h->now, COLO_COMMIT_KEEP_STREAMS);
	h_expect(h, "");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_server_handshake_offset_before_release),
		T(test_client_handshake_secondary_first),
		T(test_timestamp_offset),
		T(test_timestamp_on_one_side_only),
		T(test_duplicate_syn_before_offset),
		T(test_duplicate_syn_after_offset),
		T(test_synack_ack_mismatch),
		T(test_secondary_data_before_primary_synack),
		T(test_same_segmentation),
		T(test_secondary_first),
		T(test_one_big_primary_many_small_secondary),
		T(test_many_small_primary_one_big_secondary),
		T(test_different_boundaries_both_sides),
		T(test_payload_mismatch_holds_until_commit),
		T(test_same_bytes_at_other_sequence_mismatch),
		T(test_overlapping_secondary_segments),
		T(test_secondary_out_of_order),
		T(test_primary_gap_releases_in_send_order),
		T(test_interleaved_flows),
		T(test_sequence_wrap),
		T(test_negative_offset),
		T(test_secondary_retransmission_dropped),
		T(test_primary_retransmission_identical),
		T(test_primary_retransmission_different),
		T(test_retransmission_with_new_bytes),
		T(test_retransmission_before_secondary_compared),
		T(test_retransmission_of_bytes_still_held),
		T(test_misaligned_retransmission_confirmed_by_secondary),
		T(test_misaligned_retransmission_secondary_differs),
		T(test_retransmission_with_new_bytes_confirmed_by_secondary),
		T(test_unconfirmed_retransmission_waits_for_commit),
		cmocka_unit_test(test_retransmission_history_is_bounded),
		cmocka_unit_test(test_retransmission_history_budget),
		T(test_gso_segments_retransmitted_alone),
		T(test_pure_ack_waits_for_secondary_ack),
		T(test_pure_ack_secondary_ahead),
		T(test_pure_ack_wraps),
		T(test_pure_ack_behind_data_keeps_order),
		T(test_fin_compared_like_a_byte),
		T(test_fin_against_data_mismatch),
		T(test_closed_connection_removed),
		T(test_rst_waits_for_secondary_rst),
		T(test_reused_four_tuple_starts_fresh),
		T(test_connection_met_mid_stream),
		T(test_commit_keep_streams_drops_covered_bytes),
		T(test_commit_keep_streams_keeps_later_secondary_bytes),
		T(test_commit_resets_timestamp_offset),
		T(test_ipv6_stream),
		T(test_vlan_tags_compared),
		T(test_primary_data_before_secondary_synack),
		T(test_reused_tuple_secondary_syn_first),
		T(test_keep_streams_commit_during_handshake),
		T(test_commit_during_handshake_secondary_is_a_copy),
		T(test_out_of_order_on_both_sides),
		T(test_fin_segmented_differently),
		T(test_secondary_tail_retransmitted_before_primary),
		T(test_repeated_pure_acks_in_order),
		T(test_secondary_rst_first),
		T(test_mismatch_names_the_flow),
		T(test_random_segmentation_and_interleaving),
		T(test_random_retransmissions_leave_nothing_held),
		cmocka_unit_test(test_queue_full_names_the_side),
		T(test_mismatch_names_the_first_differing_byte),
		T(test_mismatch_fin_against_data_position),
		T(test_mismatch_in_retransmission_position),
		T(test_mismatch_mid_stream_names_the_sequence),
		T(test_timeout_names_the_waiting_frame),
		T(test_secondary_syn_retransmitted_before_primary),
		T(test_keep_streams_late_secondary_fin),
		cmocka_unit_test(test_pure_acks_and_rst_over_limit_held),
		T(test_gso_partially_compared_before),
		T(test_commit_reports_zero_offsets_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
