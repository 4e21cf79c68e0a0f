// SPDX-License-Identifier: GPL-2.0-only
/*
 * Comparator: datagrams, limits, timeouts, checkpoint requests, commits, API. The cases that are
 * frames and expected logs only are rows of scenarios[] (run by harness.c); the others need
 * code. Over 600 lines because it is the comparator's general specification by example.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "lib/compare_test.h"
#include "lib/names.h"

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

static int icmp(struct harness *h, enum colo_side side, int family, uint16_t seq,
		const char *payload)
{
	struct pkt_spec s = {.family = family,
			     .src = family == 4 ? "10.0.0.1" : "fd00::1",
			     .dst = family == 4 ? "10.0.0.2" : "fd00::2",
			     .proto = family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6,
			     .icmp_type = family == 4 ? 0 : 129,
			     .icmp_id = 42,
			     .icmp_seq = seq,
			     .payload = payload,
			     .payload_len = (uint32_t)strlen(payload)};

	return h_feed(h, side, &s);
}

static struct harness *with_limits(uint32_t max_queue, uint32_t max_conns, uint64_t idle_ns)
{
	struct colo_cmp_limits lim;

	colo_cmp_limits_default(&lim);
	lim.max_queue = max_queue;
	lim.max_conns = max_conns;
	if (idle_ns)
		lim.idle_timeout_ns = idle_ns;
	return h_new(&lim);
}

static void test_icmp_echo(void **state)
{
	struct harness *h = *state;

	icmp(h, P, 4, 1, "ping");
	icmp(h, S, 4, 1, "ping");
	h_expect(h, "Rp1 Ds1/cmp");
	icmp(h, P, 4, 2, "ping");
	icmp(h, S, 4, 3, "ping"); /* same payload, other sequence number */
	h_expect(h, "CP:mismatch");
}

static void test_icmpv6_echo(void **state)
{
	struct harness *h = *state;

	icmp(h, S, 6, 1, "ping6");
	icmp(h, P, 6, 1, "ping6");
	h_expect(h, "Rp1 Ds1/cmp");
	icmp(h, S, 6, 2, "pong6");
	icmp(h, P, 6, 2, "ping6");
	h_expect(h, "CP:mismatch");
}

static void test_icmp_type_differs(void **state)
{
	struct harness *h = *state;
	struct pkt_spec s = {.family = 4,
			     .src = "10.0.0.1",
			     .dst = "10.0.0.2",
			     .proto = IPPROTO_ICMP,
			     .icmp_type = 3,
			     .icmp_code = 3};

	h_feed(h, P, &s);
	s.icmp_code = 1;
	h_feed(h, S, &s);
	h_expect(h, "CP:mismatch");
}

static void test_other_protocol_ignores_ip_id_and_ttl(void **state)
{
	struct harness *h = *state;
	struct pkt_spec s = {.family = 4,
			     .src = "10.0.0.1",
			     .dst = "10.0.0.2",
			     .proto = 47,
			     .ip_id = 1,
			     .ttl = 64,
			     .payload = "gre-ish",
			     .payload_len = 7};

	h_feed(h, P, &s);
	s.ip_id = 999;
	s.ttl = 63;
	h_feed(h, S, &s);
	h_expect(h, "Rp1 Ds1/cmp");
	s.payload = "gre-isH";
	h_feed(h, P, &s);
	h_feed(h, S,
	       &(struct pkt_spec){.family = 4,
				  .src = "10.0.0.1",
				  .dst = "10.0.0.2",
				  .proto = 47,
				  .payload = "gre-ish",
				  .payload_len = 7});
	h_expect(h, "CP:mismatch");
}

static void test_udp_ipv6_and_vlan(void **state)
{
	struct harness *h = *state;
	struct pkt_spec s = h_udp_spec(53, "answer");

	s.family = 6;
	s.src = "fd00::1";
	s.dst = "fd00::2";
	s.nvlan = 1;
	s.vlan[0] = 7;
	h_feed(h, P, &s);
	h_feed(h, S, &s);
	h_expect(h, "Rp1 Ds1/cmp");
	/* Tagged by one replica only: a mismatch (issue 13; it compared equal before). */
	s.sport = 54;
	h_feed(h, P, &s);
	s.nvlan = 0;
	h_feed(h, S, &s);
	h_expect(h, "CP:mismatch");
}

static void test_fragments_compared_with_position(void **state)
{
	struct harness *h = *state;
	struct pkt_spec s = h_udp_spec(1000, "fragment-data-01");
	uint8_t buf[256];
	size_t len = pkt_build(&s, buf, sizeof(buf));

	buf[20] = 0x20; /* MF, offset 0 */
	h_feed_raw(h, P, buf, (uint32_t)len);
	buf[18] = 0x55; /* another IP ID */
	h_feed_raw(h, S, buf, (uint32_t)len);
	h_expect(h, "Rp1 Ds1/cmp");
	buf[20] = 0x00;
	buf[21] = 3; /* offset 24, last */
	h_feed_raw(h, P, buf, (uint32_t)len);
	buf[21] = 4;
	h_feed_raw(h, S, buf, (uint32_t)len);
	h_expect(h, "CP:mismatch");
}

static void test_non_ip_and_malformed_dropped(void **state)
{
	struct harness *h = *state;
	struct pkt_spec s = h_udp_spec(1000, "x");
	uint8_t buf[256];
	size_t len;

	memset(buf, 0, 60);
	buf[12] = 0x08;
	buf[13] = 0x06;
	h_feed_raw(h, P, buf, 60);
	len = pkt_build(&s, buf, sizeof(buf));
	h_feed_raw(h, S, buf, (uint32_t)len - 3);
	h_expect(h, "Dp1/bad Ds1/bad");
	assert_int_equal(h_stats(h).dropped[COLO_DROP_MALFORMED], 2);
	assert_int_equal(h_stats(h).conns, 0);
}

static void test_truncated_capture_dropped(void **state)
{
	struct harness *h = *state;
	struct pkt_spec s = h_udp_spec(1000, "payload");
	struct colo_rec rec = {0};
	uint8_t buf[256];
	uint32_t len = (uint32_t)pkt_build(&s, buf, sizeof(buf));

	h_feed(h, S, &s);
	rec.frame_len = len + 100; /* the wire frame was longer than what was captured */
	rec.cap_len = len;
	h_feed_rec(h, P, buf, len, &rec);
	rec.frame_len = len;
	rec.flags = COLO_REC_TRUNCATED;
	h_feed_rec(h, P, buf, len, &rec);
	h_expect(h, "Dp1/bad Dp2/bad");
	rec.flags = COLO_REC_VLAN;
	h_feed_rec(h, P, buf, len, &rec);
	h_expect(h, "Rp3 Ds1/cmp");
}

/* The record's tags, outer first (as the capture writes them: network order). */
static struct colo_rec rec_tagged(uint32_t len, uint16_t outer, uint16_t inner)
{
	struct colo_rec rec = {.frame_len = len, .cap_len = len, .flags = COLO_REC_VLAN};

	rec.vlan[0] = (struct colo_vlan_tag){htons(0x8100), htons(outer)};
	if (inner) {
		rec.flags |= COLO_REC_QINQ;
		rec.vlan[0].tpid = htons(0x88a8);
		rec.vlan[1] = (struct colo_vlan_tag){htons(0x8100), htons(inner)};
	}
	return rec;
}

/*
 * VLAN tags are part of what is compared (issue 13): the capture record's tags (an offloaded
 * tag is only there) or, without a record, the frame's own. A difference is a mismatch: nothing
 * leaves before a commit. Equal tags compare as usual.
 */
static void test_vlan_tags_compared(void **state)
{
	struct harness *h = *state;
	struct pkt_spec s = h_udp_spec(1000, "payload");
	uint8_t buf[256];
	uint32_t len = (uint32_t)pkt_build(&s, buf, sizeof(buf));
	struct colo_rec p100 = rec_tagged(len, 100, 0), s300 = rec_tagged(len, 300, 0);
	struct colo_rec p_qinq = rec_tagged(len, 10, 100), s_qinq = rec_tagged(len, 20, 100);

	h_feed_rec(h, P, buf, len, &p100);
	h_feed_rec(h, S, buf, len, &s300);
	h_expect(h, "CP:mismatch");
	colo_cmp_commit(h->cmp, h->now, 0);
	h_expect(h, "Rp1 Ds1/commit");
	/* QinQ: the outer tags differ. */
	s.sport = 1001;
	len = (uint32_t)pkt_build(&s, buf, sizeof(buf));
	h_feed_rec(h, S, buf, len, &s_qinq);
	h_feed_rec(h, P, buf, len, &p_qinq);
	h_expect(h, "CP:mismatch");
	colo_cmp_commit(h->cmp, h->now, 0);
	h_expect(h, "Ds2/commit Rp2");
	/* Same tags: compared and released as ever. */
	s.sport = 1002;
	len = (uint32_t)pkt_build(&s, buf, sizeof(buf));
	h_feed_rec(h, P, buf, len, &p100);
	h_feed_rec(h, S, buf, len, &p100);
	h_expect(h, "Rp3 Ds3/cmp");
}

/* Without a capture record (replay of pcaps), the tags in the frame itself are compared. */
static void test_vlan_tags_in_frame_compared(void **state)
{
	struct harness *h = *state;
	struct pkt_spec s = h_udp_spec(1000, "payload");

	s.nvlan = 1;
	s.vlan[0] = 100;
	h_feed(h, P, &s);
	s.vlan[0] = 300;
	h_feed(h, S, &s);
	h_expect(h, "CP:mismatch");
	/* The same tag on both: compared as usual. */
	s.sport = 1001;
	h_feed(h, S, &s);
	h_feed(h, P, &s);
	h_expect(h, "Rp2 Ds2/cmp");
}

static void test_primary_over_limit_held_not_dropped(void **state)
{
	struct harness *h = with_limits(2, 0, 0);
	struct colo_cmp_stats st;

	(void)state;
	h_udp(h, P, 1000, "1");
	h_udp(h, P, 1000, "2");
	h_expect(h, "");
	h_udp(h, P, 1000, "3");
	h_expect(h, "CP:queue_full");
	h_udp(h, P, 1000, "4");
	h_expect(h, "");
	st = h_stats(h);
	assert_int_equal(st.held[P], 4);
	assert_int_equal(st.held_over_limit, 2);
	assert_int_equal(st.triggers[COLO_CP_QUEUE_FULL], 2);
	assert_int_equal(st.checkpoints[COLO_CP_QUEUE_FULL], 1);
	colo_cmp_commit(h->cmp, h->now, 0);
	h_expect(h, "Rp1 Rp2 Rp3 Rp4");
	h_free(h);
}

static void test_secondary_over_limit_dropped(void **state)
{
	struct harness *h = with_limits(2, 0, 0);

	(void)state;
	h_udp(h, S, 1000, "1");
	h_udp(h, S, 1000, "2");
	h_udp(h, S, 1000, "3");
	h_expect(h, "CP:queue_full Ds3/overflow");
	assert_int_equal(h_stats(h).held[S], 2);
	h_free(h);
}

static void test_tcp_over_limit(void **state)
{
	struct harness *h = with_limits(2, 0, 0);

	(void)state;
	h_handshake(h, 1000, 5000);
	h_tcp(h, P, 1001, 1, ACK, "a");
	h_tcp(h, P, 1002, 1, ACK, "b");
	h_tcp(h, P, 1003, 1, ACK, "c");
	h_expect(h, "CP:queue_full");
	h_tcp(h, S, 5001, 1, ACK, "abc");
	h_expect(h, "Ds2/cmp Rp2 Rp3 Rp4");
	h_free(h);
}

static void test_table_full_never_wipes_established(void **state)
{
	struct harness *h = with_limits(0, 2, 0);
	struct colo_cmp_stats st;

	(void)state;
	h_handshake(h, 1000, 5000); /* an established, empty TCP connection */
	h_udp(h, P, 1000, "held");
	h_udp(h, P, 2000, "refused");
	h_expect(h, "CP:table_full Dp3/refused");
	assert_int_equal(h->cp_where.side, P);
	h_udp(h, S, 2000, "refused too");
	h_expect(h, "Ds2/refused");
	st = h_stats(h);
	assert_int_equal(st.conns, 2);
	assert_int_equal(st.conns_refused, 2);
	assert_int_equal(st.conns_evicted, 0);
	assert_int_equal(st.triggers[COLO_CP_TABLE_FULL], 2);
	/* Established connection still works. */
	h_tcp(h, P, 1001, 1, ACK, "ok");
	h_tcp(h, S, 5001, 1, ACK, "ok");
	h_expect(h, "Ds3/cmp Rp4");
	h_free(h);
}

static void test_table_full_evicts_closed_first(void **state)
{
	struct harness *h = with_limits(0, 2, 0);

	(void)state;
	h_handshake(h, 1000, 5000);
	h_tcp(h, P, 1001, 1, RST, NULL);
	h_tcp(h, S, 5001, 1, RST, NULL);
	h_expect(h, "Ds2/cmp Rp2");
	h_udp(h, P, 1000, "busy");
	h_udp(h, P, 2000, "new");
	h_expect(h, "");
	assert_int_equal(h_stats(h).conns_evicted, 1);
	assert_int_equal(h_stats(h).conns, 2);
	h_free(h);
}

static void test_table_full_evicts_idle(void **state)
{
	struct harness *h = with_limits(0, 1, 10000 * MSEC);

	(void)state;
	h_udp(h, P, 1000, "a");
	h_udp(h, S, 1000, "a");
	h_expect(h, "Rp1 Ds1/cmp");
	h->now += 9999 * MSEC;
	h_udp(h, P, 2000, "b");
	h_expect(h, "CP:table_full Dp2/refused");
	colo_cmp_abort(h->cmp, h->now);
	h->now += 1 * MSEC;
	h_udp(h, P, 2000, "c");
	h_expect(h, "");
	assert_int_equal(h_stats(h).conns_evicted, 1);
	h_free(h);
}

static void test_idle_connections_expire_on_tick(void **state)
{
	struct harness *h = with_limits(0, 0, 10000 * MSEC);

	(void)state;
	h_udp(h, P, 1000, "a");
	h_udp(h, S, 1000, "a");
	h_udp(h, P, 2000, "held");
	h_expect(h, "Rp1 Ds1/cmp");
	h->now += 10000 * MSEC;
	colo_cmp_tick(h->cmp, h->now);
	h_expect(h, "CP:timeout");
	/* The idle, empty flow went; the one holding a frame stays. */
	assert_int_equal(h_stats(h).conns, 1);
	h_free(h);
}

static void test_timeout_on_tick(void **state)
{
	struct harness *h = *state;
	uint64_t t0 = h->now;

	h_udp(h, P, 1000, "lonely");
	h->now = t0 + h->lim.compare_timeout_ns - 1;
	colo_cmp_tick(h->cmp, h->now);
	h_expect(h, "");
	h->now = t0 + h->lim.compare_timeout_ns;
	colo_cmp_tick(h->cmp, h->now);
	h_expect(h, "CP:timeout");
	/* A datagram has no stream position: the side and the wait only. */
	assert_int_equal(h->cp_where.side, P);
	assert_int_equal(h->cp_where.pos_kind, COLO_CP_POS_NONE);
	assert_int_equal(h->cp_where.waited_ns, h->lim.compare_timeout_ns);
	h->now += 100 * MSEC;
	colo_cmp_tick(h->cmp, h->now);
	h_expect(h, "");
	assert_int_equal(h_stats(h).triggers[COLO_CP_TIMEOUT], 1);
	assert_int_equal(h_stats(h).checkpoints[COLO_CP_TIMEOUT], 1);
}

static void test_secondary_frame_times_out_too(void **state)
{
	struct harness *h = *state;

	h_udp(h, S, 1000, "only the secondary");
	h->now += h->lim.compare_timeout_ns;
	colo_cmp_tick(h->cmp, h->now);
	h_expect(h, "CP:timeout");
	colo_cmp_commit(h->cmp, h->now, 0);
	h_expect(h, "Ds1/commit");
}

static void test_abort_allows_new_request(void **state)
{
	struct harness *h = *state;

	h_udp(h, P, 1000, "lonely");
	h->now += h->lim.compare_timeout_ns;
	colo_cmp_tick(h->cmp, h->now);
	h_expect(h, "CP:timeout");
	colo_cmp_abort(h->cmp, h->now);
	assert_false(colo_cmp_checkpoint_pending(h->cmp));
	h->now += 100 * MSEC;
	colo_cmp_tick(h->cmp, h->now);
	h_expect(h, "CP:timeout");
	assert_int_equal(h_stats(h).checkpoints[COLO_CP_TIMEOUT], 2);
	colo_cmp_commit(h->cmp, h->now, 0);
	h_expect(h, "Rp1");
}

static void test_one_request_outstanding(void **state)
{
	struct harness *h = *state;
	struct colo_cmp_stats st;

	h_udp(h, P, 1000, "a");
	h_udp(h, S, 1000, "b");
	h_expect(h, "CP:mismatch");
	h_udp(h, P, 2000, "c");
	h_udp(h, S, 2000, "d");
	h->now += h->lim.compare_timeout_ns;
	colo_cmp_tick(h->cmp, h->now);
	h_expect(h, "");
	st = h_stats(h);
	assert_int_equal(st.triggers[COLO_CP_MISMATCH], 2);
	assert_int_equal(st.checkpoints[COLO_CP_MISMATCH], 1);
	assert_int_equal(st.triggers[COLO_CP_TIMEOUT], 1);
	assert_int_equal(st.checkpoints[COLO_CP_TIMEOUT], 0);
	colo_cmp_commit(h->cmp, h->now, 0);
	h_expect(h, "Rp1 Ds1/commit Rp2 Ds2/commit");
	assert_false(colo_cmp_checkpoint_pending(h->cmp));
}

static void test_commit_releases_in_arrival_order(void **state)
{
	struct harness *h = *state;

	h_handshake(h, 1000, 5000);
	h_udp(h, P, 1000, "u1");
	h_tcp(h, P, 1001, 1, ACK, "t1");
	h_udp(h, P, 1000, "u2");
	h_tcp(h, P, 1003, 1, ACK, "t2");
	h_tcp(h, S, 5010, 1, ACK, "later");
	h_expect(h, "");
	colo_cmp_commit(h->cmp, h->now, 0);
	h_expect(h, "O:0/- Rp2 Rp3 Rp4 Rp5 Ds2/commit");
}

static void test_free_drops_held_frames(void **state)
{
	struct harness *h = *state;

	h_udp(h, P, 1000, "x");
	h_udp(h, S, 2000, "y");
	colo_cmp_free(h->cmp);
	h->cmp = NULL;
	h_expect(h, "Dp1/shutdown Ds1/shutdown");
}

static void test_api_errors(void **state)
{
	struct harness *h = *state;
	struct colo_frame_in in = {.side = COLO_SIDE_MAX};
	struct colo_cmp_ops none = {0};

	assert_int_equal(colo_cmp_feed(h->cmp, &in), -EINVAL);
	in.side = P;
	in.len = 10;
	assert_int_equal(colo_cmp_feed(h->cmp, &in), -EINVAL);
	assert_int_equal(colo_cmp_feed(NULL, &in), -EINVAL);
	assert_int_equal(colo_cmp_feed(h->cmp, NULL), -EINVAL);
	assert_null(colo_cmp_new(NULL, &none, NULL));
	assert_null(colo_cmp_new(NULL, NULL, NULL));
	assert_false(colo_cmp_checkpoint_pending(NULL));
	assert_int_equal(h_stats(h).frames_in[P], 0);
}

static void test_reason_names(void **state)
{
	(void)state;
	assert_string_equal(colo_cp_reason_name(COLO_CP_MISMATCH), "mismatch");
	assert_string_equal(colo_cp_reason_name(COLO_CP_TIMEOUT), "timeout");
	assert_string_equal(colo_cp_reason_name(COLO_CP_QUEUE_FULL), "queue_full");
	assert_string_equal(colo_cp_reason_name(COLO_CP_TABLE_FULL), "table_full");
	assert_string_equal(colo_cp_reason_name(COLO_CP_REASON_MAX), "?");
}

static void test_limits_default(void **state)
{
	struct colo_cmp_limits lim;

	(void)state;
	colo_cmp_limits_default(&lim);
	assert_int_equal(lim.max_queue, 1024);
	assert_int_equal(lim.max_conns, 65536);
	assert_int_equal(lim.compare_timeout_ns, 3000 * MSEC);
	assert_int_equal(lim.idle_timeout_ns, 120000 * MSEC);
}

static void test_stats_count_frames(void **state)
{
	struct harness *h = *state;
	struct colo_cmp_stats st;

	h_udp(h, P, 1000, "abc");
	h_udp(h, S, 1000, "abc");
	h_udp(h, S, 1000, "zz");
	st = h_stats(h);
	assert_int_equal(st.frames_in[P], 1);
	assert_int_equal(st.frames_in[S], 2);
	assert_int_equal(st.released, 1);
	assert_true(st.released_bytes > 3);
	assert_int_equal(st.dropped[COLO_DROP_COMPARED], 1);
	assert_int_equal(st.held[S], 1);
	h_expect(h, "Rp1 Ds1/cmp");
}

/* Many flows, random interleaving of the two sides: every primary frame released once. */
static void many_flows_interleaved(struct harness *h)
{
	char payload[32];
	int i;

	for (i = 0; i < 200; i++) {
		snprintf(payload, sizeof(payload), "flow-%d", i);
		h_udp(h, (i % 3) ? P : S, (uint16_t)(1000 + i), payload);
	}
	for (i = 0; i < 200; i++) {
		snprintf(payload, sizeof(payload), "flow-%d", i);
		h_udp(h, (i % 3) ? S : P, (uint16_t)(1000 + i), payload);
	}
	assert_int_equal(h_stats(h).released, 200);
	assert_int_equal(h_stats(h).dropped[COLO_DROP_COMPARED], 200);
	assert_int_equal(h_stats(h).conns, 200);
	h->loglen = 0;
}

static void test_many_flows_interleaved(void **state)
{
	many_flows_interleaved(*state);
}

/* A keyed table hash finds every flow just the same. */
static void test_many_flows_seeded_table(void **state)
{
	struct colo_cmp_limits lim;
	struct harness *h;

	(void)state;
	colo_cmp_limits_default(&lim);
	lim.hash_seed = 0x9d3f61a2c5e8b047ull;
	h = h_new(&lim);
	many_flows_interleaved(h);
	h_free(h);
}

static void test_timeout_names_the_oldest_flow(void **state)
{
	struct harness *h = *state;
	uint64_t t0 = h->now;

	h_udp(h, P, 1000, "first");
	h->now += 1 * MSEC;
	h_udp(h, P, 2000, "second");
	h_udp(h, P, 1000, "third");
	h->now = t0 + h->lim.compare_timeout_ns;
	colo_cmp_tick(h->cmp, h->now);
	h_expect(h, "CP:timeout");
	assert_int_equal(ntohs(h->cp_flow.sport), 1000);
}

static void test_tick_on_empty_comparator(void **state)
{
	struct harness *h = *state;

	colo_cmp_tick(h->cmp, h->now);
	h->now += 1000000 * MSEC;
	colo_cmp_tick(h->cmp, h->now);
	colo_cmp_tick(NULL, h->now);
	h_expect(h, "");
	assert_false(colo_cmp_checkpoint_pending(h->cmp));
}

static void test_icmp_error_without_identifier(void **state)
{
	struct harness *h = *state;
	struct pkt_spec s = {.family = 4,
			     .src = "10.0.0.1",
			     .dst = "10.0.0.2",
			     .proto = IPPROTO_ICMP,
			     .icmp_type = 3,
			     .icmp_code = 3,
			     .payload = "quoted header",
			     .payload_len = 13};

	h_feed(h, P, &s);
	h_feed(h, S, &s);
	h_expect(h, "Rp1 Ds1/cmp");
	assert_int_equal(h_stats(h).conns, 1);
}

static void test_table_slot_reused_after_removal(void **state)
{
	struct harness *h = with_limits(0, 1, 0);

	(void)state;
	h_handshake(h, 1000, 5000);
	h_tcp(h, P, 1001, 1, RST, NULL);
	h_tcp(h, S, 5001, 1, RST, NULL);
	h_expect(h, "Ds2/cmp Rp2");
	h->now += h->lim.idle_timeout_ns;
	colo_cmp_tick(h->cmp, h->now);
	assert_int_equal(h_stats(h).conns, 0);
	h_udp(h, P, 1000, "fits");
	h_udp(h, S, 1000, "fits");
	h_expect(h, "Rp3 Ds3/cmp");
	assert_int_equal(h_stats(h).conns_refused, 0);
	h_free(h);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static const struct h_scenario scenarios[] = {
	{"udp_fifo_compare", false,
	 (const struct h_step[]){
		 H_UDP(P, 1000, "one", ""),
		 H_UDP(S, 1000, "one", "Rp1 Ds1/cmp"),
		 H_UDP(P, 1000, "two", NULL),
		 H_UDP(S, 1000, "two", "Rp2 Ds2/cmp"),
		 {.op = H_STAT,
		  .stat = offsetof(struct colo_cmp_stats, compared_bytes),
		  .value = 6},
		 {.op = H_STAT, .stat = offsetof(struct colo_cmp_stats, released), .value = 2},
		 {.op = H_END},
	 }},
	{"udp_secondary_ahead", false,
	 (const struct h_step[]){
		 H_UDP(S, 1000, "one", NULL),
		 H_UDP(S, 1000, "two", ""),
		 H_UDP(P, 1000, "one", "Rp1 Ds1/cmp"),
		 H_UDP(P, 1000, "two", "Rp2 Ds2/cmp"),
		 {.op = H_END},
	 }},
	{"udp_mismatch_then_commit", false,
	 (const struct h_step[]){
		 H_UDP(P, 1000, "one", NULL),
		 H_UDP(S, 1000, "uno", "CP:mismatch"),
		 H_UDP(P, 1000, "two", NULL),
		 H_UDP(S, 1000, "two", ""),
		 {.op = H_COMMIT, .flags = 0, .expect = "Rp1 Ds1/commit Rp2 Ds2/commit"},
		 H_UDP(P, 1000, "three", NULL),
		 H_UDP(S, 1000, "three", "Rp3 Ds3/cmp"),
		 {.op = H_END},
	 }},
	{"udp_length_differs", false,
	 (const struct h_step[]){
		 H_UDP(P, 1000, "abc", NULL),
		 H_UDP(S, 1000, "abcd", "CP:mismatch"),
		 {.op = H_END},
	 }},
	{"udp_flows_independent", false,
	 (const struct h_step[]){
		 H_UDP(P, 1000, "a", NULL),
		 H_UDP(P, 2000, "b", NULL),
		 H_UDP(S, 2000, "b", "Rp2 Ds1/cmp"),
		 H_UDP(S, 1000, "a", "Rp1 Ds2/cmp"),
		 {.op = H_STAT, .stat = offsetof(struct colo_cmp_stats, conns), .value = 2},
		 {.op = H_END},
	 }},
	{"commit_keep_streams_datagram_debt", false,
	 (const struct h_step[]){
		 H_UDP(P, 1000, "one", NULL),
		 H_UDP(P, 1000, "two", NULL),
		 {.op = H_COMMIT, .flags = COLO_COMMIT_KEEP_STREAMS, .expect = "Rp1 Rp2"},
		 H_UDP(S, 1000, "one", NULL),
		 H_UDP(S, 1000, "two", "Ds1/commit Ds2/commit"),
		 H_UDP(P, 1000, "three", NULL),
		 H_UDP(S, 1000, "three", "Rp3 Ds3/cmp"),
		 {.op = H_END},
	 }},
	{"commit_keep_streams_secondary_ahead", false,
	 (const struct h_step[]){
		 H_UDP(S, 1000, "a", NULL),
		 H_UDP(S, 1000, "b", NULL),
		 H_UDP(P, 1000, "a", "Rp1 Ds1/cmp"),
		 {.op = H_COMMIT, .flags = COLO_COMMIT_KEEP_STREAMS, .expect = ""},
		 H_UDP(P, 1000, "b", "Rp2 Ds2/cmp"),
		 {.op = H_END},
	 }},
	{"commit_without_request", false,
	 (const struct h_step[]){
		 H_UDP(P, 1000, "x", NULL),
		 {.op = H_COMMIT, .flags = 0, .expect = "Rp1"},
		 {.op = H_STAT, .stat = offsetof(struct colo_cmp_stats, commits), .value = 1},
		 {.op = H_END},
	 }},
	{"udp_empty_payload", false,
	 (const struct h_step[]){
		 H_UDP(P, 1000, "", NULL),
		 H_UDP(S, 1000, "", "Rp1 Ds1/cmp"),
		 {.op = H_END},
	 }},

};

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_icmp_echo),
		T(test_icmpv6_echo),
		T(test_icmp_type_differs),
		T(test_other_protocol_ignores_ip_id_and_ttl),
		T(test_udp_ipv6_and_vlan),
		T(test_fragments_compared_with_position),
		T(test_non_ip_and_malformed_dropped),
		T(test_truncated_capture_dropped),
		T(test_vlan_tags_compared),
		T(test_vlan_tags_in_frame_compared),
		cmocka_unit_test(test_primary_over_limit_held_not_dropped),
		cmocka_unit_test(test_secondary_over_limit_dropped),
		cmocka_unit_test(test_tcp_over_limit),
		cmocka_unit_test(test_table_full_never_wipes_established),
		cmocka_unit_test(test_table_full_evicts_closed_first),
		cmocka_unit_test(test_table_full_evicts_idle),
		cmocka_unit_test(test_idle_connections_expire_on_tick),
		T(test_timeout_on_tick),
		T(test_secondary_frame_times_out_too),
		T(test_abort_allows_new_request),
		T(test_one_request_outstanding),
		T(test_commit_releases_in_arrival_order),
		T(test_free_drops_held_frames),
		T(test_api_errors),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_limits_default),
		T(test_stats_count_frames),
		T(test_many_flows_interleaved),
		T(test_many_flows_seeded_table),
		T(test_timeout_names_the_oldest_flow),
		T(test_tick_on_empty_comparator),
		T(test_icmp_error_without_identifier),
		cmocka_unit_test(test_table_slot_reused_after_removal),
	};

	return h_run_scenarios("compare", scenarios, sizeof(scenarios) / sizeof(scenarios[0]),
			       tests, sizeof(tests) / sizeof(tests[0]));
}
