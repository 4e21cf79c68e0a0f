// SPDX-License-Identifier: GPL-2.0-only
/*
 * Comparator: TCP streams (handshake offsets, byte-stream compare, retransmissions, ACK, FIN).
 * Most cases are rows of one scenario table (scenarios[], run by run_scenario); the rest need
 * code of their own (timestamps, ports, capture records, random streams, limits). Over 600 lines
 * because it is the TCP comparator's whole specification by example.
 */
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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static const struct h_scenario scenarios[] = {
	{"server_handshake_offset_before_release", false,
	 (const struct h_step[]){
		 H_TCP(P, 1000, 1, SYN | ACK, NULL, ""),
		 H_TCP(S, 5000, 1, SYN | ACK, NULL, "O:4000/- Ds1/cmp Rp1"),
		 {.op = H_END},
	 }},
	{"client_handshake_secondary_first", false,
	 (const struct h_step[]){
		 H_TCP(S, 7000, 0, SYN, NULL, ""),
		 H_TCP(P, 100, 0, SYN, NULL, "O:6900/- Ds1/cmp Rp1"),
		 {.op = H_END},
	 }},
	{"duplicate_syn_before_offset", false,
	 (const struct h_step[]){
		 H_TCP(P, 1000, 1, SYN | ACK, NULL, NULL),
		 H_TCP(P, 1000, 1, SYN | ACK, NULL, ""),
		 H_TCP(S, 5000, 1, SYN | ACK, NULL, "O:4000/- Ds1/cmp Rp1 Rp2"),
		 {.op = H_END},
	 }},
	{"duplicate_syn_after_offset", true,
	 (const struct h_step[]){
		 H_TCP(P, 1000, 1, SYN | ACK, NULL, "Rp2"),
		 H_TCP(S, 5000, 1, SYN | ACK, NULL, "Ds2/dup"),
		 {.op = H_END},
	 }},
	{"synack_ack_mismatch", false,
	 (const struct h_step[]){
		 H_TCP(P, 1000, 1, SYN | ACK, NULL, NULL),
		 H_TCP(S, 5000, 2, SYN | ACK, NULL, "CP:mismatch"),
		 {.op = H_COMMIT, .flags = 0, .expect = "O:0/- Rp1 Ds1/commit"},
		 {.op = H_END},
	 }},
	{"secondary_data_before_primary_synack", false,
	 (const struct h_step[]){
		 H_TCP(S, 5000, 1, SYN | ACK, NULL, NULL),
		 H_TCP(S, 5001, 1, ACK, "hello", ""),
		 H_TCP(P, 1000, 1, SYN | ACK, NULL, "O:4000/- Ds1/cmp Rp1"),
		 H_TCP(P, 1001, 1, ACK, "hello", "Ds2/cmp Rp2"),
		 {.op = H_END},
	 }},
	{"secondary_first", true,
	 (const struct h_step[]){
		 H_TCP(S, 5001, 1, ACK, "abcdef", ""),
		 H_TCP(P, 1001, 1, ACK, "abcdef", "Ds2/cmp Rp2"),
		 {.op = H_END},
	 }},
	{"one_big_primary_many_small_secondary", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK, "abcdefghij", NULL),
		 H_TCP(S, 5001, 1, ACK, "abc", "Ds2/cmp"),
		 H_TCP(S, 5004, 1, ACK, "defg", "Ds3/cmp"),
		 H_TCP(S, 5008, 1, ACK, "hij", "Ds4/cmp Rp2"),
		 {.op = H_END},
	 }},
	{"many_small_primary_one_big_secondary", true,
	 (const struct h_step[]){
		 H_TCP(S, 5001, 1, ACK, "abcdefghij", NULL),
		 H_TCP(P, 1001, 1, ACK, "abc", "Rp2"),
		 H_TCP(P, 1004, 1, ACK, "defg", "Rp3"),
		 H_TCP(P, 1008, 1, ACK, "hij", "Ds2/cmp Rp4"),
		 {.op = H_END},
	 }},
	{"different_boundaries_both_sides", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK, "abcde", NULL),
		 H_TCP(P, 1006, 1, ACK, "fghij", NULL),
		 H_TCP(S, 5001, 1, ACK, "abc", "Ds2/cmp"),
		 H_TCP(S, 5004, 1, ACK, "defghij", "Ds3/cmp Rp2 Rp3"),
		 {.op = H_END},
	 }},
	{"overlapping_secondary_segments", true,
	 (const struct h_step[]){
		 H_TCP(S, 5001, 1, ACK, "abcd", NULL),
		 H_TCP(S, 5003, 1, ACK, "cdefgh", NULL),
		 H_TCP(P, 1001, 1, ACK, "abcdefgh", "Ds2/cmp Ds3/cmp Rp2"),
		 {.op = H_END},
	 }},
	{"secondary_out_of_order", true,
	 (const struct h_step[]){
		 H_TCP(S, 5004, 1, ACK, "def", NULL),
		 H_TCP(S, 5001, 1, ACK, "abc", NULL),
		 H_TCP(P, 1001, 1, ACK, "abcdef", "Ds3/cmp Ds2/cmp Rp2"),
		 {.op = H_END},
	 }},
	{"primary_gap_releases_in_send_order", true,
	 (const struct h_step[]){
		 H_TCP(P, 1004, 1, ACK, "def", NULL),
		 H_TCP(S, 5001, 1, ACK, "abcdef", ""),
		 H_TCP(P, 1001, 1, ACK, "abc", "Ds2/cmp Rp2 Rp3"),
		 {.op = H_END},
	 }},
	{"negative_offset", false,
	 (const struct h_step[]){
		 H_TCP(P, 5000, 1, SYN | ACK, NULL, NULL),
		 H_TCP(S, 1000, 1, SYN | ACK, NULL, "O:4294963296/- Ds1/cmp Rp1"),
		 H_TCP(S, 1001, 1, ACK, "xyz", NULL),
		 H_TCP(P, 5001, 1, ACK, "xyz", "Ds2/cmp Rp2"),
		 {.op = H_END},
	 }},
	{"secondary_retransmission_dropped", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK, "abc", NULL),
		 H_TCP(S, 5001, 1, ACK, "abc", "Ds2/cmp Rp2"),
		 H_TCP(S, 5001, 1, ACK, "abc", "Ds3/dup"),
		 {.op = H_END},
	 }},
	{"primary_retransmission_different", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK, "abcdef", NULL),
		 H_TCP(S, 5001, 1, ACK, "abcdef", "Ds2/cmp Rp2"),
		 H_TCP(P, 1001, 1, ACK, "abcXef", "CP:mismatch"),
		 {.op = H_COMMIT, .flags = 0, .expect = "O:0/- Rp3"},
		 {.op = H_END},
	 }},
	{"retransmission_with_new_bytes", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK, "abc", NULL),
		 H_TCP(S, 5001, 1, ACK, "abc", "Ds2/cmp Rp2"),
		 H_TCP(P, 1001, 1, ACK, "abcdef", ""),
		 H_TCP(S, 5004, 1, ACK, "def", "Ds3/cmp Rp3"),
		 {.op = H_END},
	 }},
	{"retransmission_before_secondary_compared", true,
	 (const struct h_step[]){
		 /* The primary repeats bytes it has not had compared yet: both wait for the
		    secondary. */
		 H_TCP(P, 1001, 1, ACK, "abcd", NULL),
		 H_TCP(P, 1001, 1, ACK, "abcd", ""),
		 H_TCP(S, 5001, 1, ACK, "abcd", "Ds2/cmp Rp2 Rp3"),
		 {.op = H_END},
	 }},
	{"misaligned_retransmission_secondary_differs", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK, "abcdefgh", NULL),
		 H_TCP(S, 5001, 1, ACK, "abcdefgh", "Ds2/cmp Rp2"),
		 H_TCP(P, 1003, 1, ACK, "cdef", NULL),
		 H_TCP(S, 5003, 1, ACK, "cdXf", "CP:mismatch Ds3/cmp"),
		 {.op = H_END},
	 }},
	{"pure_ack_waits_for_secondary_ack", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 100, ACK, NULL, ""),
		 H_TCP(S, 5001, 50, ACK, NULL, "Ds2/cmp"),
		 H_TCP(S, 5001, 100, ACK, NULL, "Ds3/cmp Rp2"),
		 {.op = H_END},
	 }},
	{"pure_ack_secondary_ahead", true,
	 (const struct h_step[]){
		 H_TCP(S, 5001, 200, ACK, NULL, "Ds2/cmp"),
		 H_TCP(P, 1001, 150, ACK, NULL, "Rp2"),
		 /* An older secondary ACK does not lower the maximum. */
		 H_TCP(S, 5001, 120, ACK, NULL, NULL),
		 H_TCP(P, 1001, 190, ACK, NULL, "Ds3/cmp Rp3"),
		 {.op = H_END},
	 }},
	{"pure_ack_wraps", true,
	 (const struct h_step[]){
		 H_TCP(S, 5001, 0xfffffff0u, ACK, NULL, NULL),
		 H_TCP(P, 1001, 0x10, ACK, NULL, "Ds2/cmp"),
		 H_TCP(S, 5001, 0x20, ACK, NULL, "Ds3/cmp Rp2"),
		 {.op = H_END},
	 }},
	{"pure_ack_behind_data_keeps_order", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK, "abc", NULL),
		 H_TCP(P, 1004, 1, ACK, NULL, NULL),
		 H_TCP(S, 5001, 1, ACK, NULL, "Ds2/cmp"),
		 H_TCP(S, 5001, 1, ACK, "abc", "Ds3/cmp Rp2 Rp3"),
		 {.op = H_END},
	 }},
	{"fin_compared_like_a_byte", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK | FIN, "abc", NULL),
		 H_TCP(S, 5001, 1, ACK, "abc", "Ds2/cmp"),
		 H_TCP(S, 5004, 1, ACK | FIN, NULL, "Ds3/cmp Rp2"),
		 /* The FIN's retransmission is verified too; a data byte in its place is not. */
		 H_TCP(P, 1004, 1, ACK | FIN, NULL, "Rp3"),
		 H_TCP(P, 1004, 1, ACK, "x", "CP:mismatch"),
		 {.op = H_END},
	 }},
	{"fin_against_data_mismatch", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK | FIN, NULL, NULL),
		 H_TCP(S, 5001, 1, ACK, "x", "CP:mismatch"),
		 {.op = H_END},
	 }},
	{"rst_waits_for_secondary_rst", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK | RST, NULL, ""),
		 H_TCP(S, 5001, 1, ACK | RST, NULL, "Ds2/cmp Rp2"),
		 {.op = H_END},
	 }},
	{"connection_met_mid_stream", false,
	 (const struct h_step[]){
		 H_TCP(P, 777, 1, ACK, "abc", NULL),
		 H_TCP(S, 777, 1, ACK, "abc", "Ds1/cmp Rp1"),
		 H_TCP(S, 780, 1, ACK, "de", NULL),
		 H_TCP(P, 780, 1, ACK, "dX", "CP:mismatch"),
		 {.op = H_END},
	 }},
	{"commit_keep_streams_drops_covered_bytes", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK, "abcdef", NULL),
		 H_TCP(S, 5001, 1, ACK, "abc", "Ds2/cmp"),
		 {.op = H_COMMIT, .flags = COLO_COMMIT_KEEP_STREAMS, .expect = "Rp2"},
		 H_TCP(S, 5004, 1, ACK, "def", "Ds3/dup"),
		 H_TCP(P, 1007, 1, ACK, "ghi", NULL),
		 H_TCP(S, 5007, 1, ACK, "ghi", "Ds4/cmp Rp3"),
		 {.op = H_END},
	 }},
	{"commit_keep_streams_keeps_later_secondary_bytes", true,
	 (const struct h_step[]){
		 H_TCP(S, 5001, 1, ACK, "abcdefghi", NULL),
		 H_TCP(P, 1001, 1, ACK, "abc", "Rp2"),
		 {.op = H_COMMIT, .flags = COLO_COMMIT_KEEP_STREAMS, .expect = ""},
		 H_TCP(P, 1004, 1, ACK, "defghi", "Ds2/cmp Rp3"),
		 {.op = H_END},
	 }},
	{"primary_data_before_secondary_synack", false,
	 (const struct h_step[]){
		 H_TCP(P, 1000, 1, SYN | ACK, NULL, NULL),
		 H_TCP(P, 1001, 1, ACK, "early", ""),
		 H_TCP(S, 5000, 1, SYN | ACK, NULL, "O:4000/- Ds1/cmp Rp1"),
		 H_TCP(S, 5001, 1, ACK, "early", "Ds2/cmp Rp2"),
		 {.op = H_END},
	 }},
	{"reused_tuple_secondary_syn_first", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, RST, NULL, NULL),
		 H_TCP(S, 5001, 1, RST, NULL, "Ds2/cmp Rp2"),
		 H_TCP(S, 9500, 7, SYN | ACK, NULL, ""),
		 H_TCP(P, 9000, 7, SYN | ACK, NULL, "O:500/- Ds3/cmp Rp3"),
		 {.op = H_END},
	 }},
	{"keep_streams_commit_during_handshake", false,
	 (const struct h_step[]){
		 H_TCP(P, 1000, 1, SYN | ACK, NULL, NULL),
		 {.op = H_COMMIT, .flags = COLO_COMMIT_KEEP_STREAMS, .expect = "Rp1"},
		 H_TCP(S, 5000, 1, SYN | ACK, NULL, "O:4000/- Ds1/cmp"),
		 H_TCP(P, 1001, 1, ACK, "abc", NULL),
		 H_TCP(S, 5001, 1, ACK, "abc", "Ds2/cmp Rp2"),
		 {.op = H_END},
	 }},
	{"commit_during_handshake_secondary_is_a_copy", false,
	 (const struct h_step[]){
		 H_TCP(P, 1000, 1, SYN | ACK, NULL, NULL),
		 {.op = H_COMMIT, .flags = 0, .expect = "O:0/- Rp1"},
		 /* The secondary now has the primary's state: its SYN-ACK repeats the primary's. */
		 H_TCP(S, 1000, 1, SYN | ACK, NULL, "Ds1/dup"),
		 H_TCP(P, 1001, 1, ACK, "abc", NULL),
		 H_TCP(S, 1001, 1, ACK, "abc", "Ds2/cmp Rp2"),
		 {.op = H_END},
	 }},
	{"out_of_order_on_both_sides", true,
	 (const struct h_step[]){
		 H_TCP(S, 5004, 1, ACK, "def", NULL),
		 H_TCP(P, 1004, 1, ACK, "def", ""),
		 H_TCP(S, 5001, 1, ACK, "abc", ""),
		 H_TCP(P, 1001, 1, ACK, "abc", "Ds3/cmp Ds2/cmp Rp2 Rp3"),
		 {.op = H_END},
	 }},
	{"fin_segmented_differently", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK, "abc", NULL),
		 H_TCP(P, 1004, 1, ACK | FIN, NULL, NULL),
		 H_TCP(S, 5001, 1, ACK | FIN, "abc", "Ds2/cmp Rp2 Rp3"),
		 {.op = H_END},
	 }},
	{"repeated_pure_acks_in_order", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 10, ACK, NULL, NULL),
		 H_TCP(P, 1001, 10, ACK, NULL, NULL),
		 H_TCP(P, 1001, 20, ACK, NULL, NULL),
		 H_TCP(S, 5001, 10, ACK, NULL, "Ds2/cmp Rp2 Rp3"),
		 H_TCP(S, 5001, 20, ACK, NULL, "Ds3/cmp Rp4"),
		 {.op = H_END},
	 }},
	{"secondary_rst_first", true,
	 (const struct h_step[]){
		 H_TCP(S, 5001, 1, RST, NULL, "Ds2/cmp"),
		 H_TCP(P, 1001, 1, RST, NULL, "Rp2"),
		 {.op = H_END},
	 }},
	{"secondary_syn_retransmitted_before_primary", false,
	 (const struct h_step[]){
		 H_TCP(S, 5000, 1, SYN | ACK, NULL, NULL),
		 H_TCP(S, 5000, 1, SYN | ACK, NULL, "Ds2/dup"),
		 H_TCP(P, 1000, 1, SYN | ACK, NULL, "O:4000/- Ds1/cmp Rp1"),
		 {.op = H_END},
	 }},
	{"keep_streams_late_secondary_fin", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK | FIN, "bye", NULL),
		 {.op = H_COMMIT, .flags = COLO_COMMIT_KEEP_STREAMS, .expect = "Rp2"},
		 /* The secondary's own copy of what the commit released arrives late. */
		 H_TCP(S, 5001, 1, ACK | FIN, "bye", "Ds2/dup"),
		 H_TCP(P, 1005, 2, ACK, NULL, NULL),
		 H_TCP(S, 5005, 2, ACK, NULL, "Ds3/cmp Rp3"),
		 {.op = H_END},
	 }},
	{"commit_reports_zero_offsets_once", false,
	 (const struct h_step[]){
		 /* Met mid-stream: its offsets elsewhere are unknown, so the commit reports 0 too.
		  */
		 H_TCP(P, 777, 1, ACK, "abc", NULL),
		 H_TCP(S, 777, 1, ACK, "abc", "Ds1/cmp Rp1"),
		 {.op = H_COMMIT, .flags = 0, .expect = "O:0/-"},
		 {.op = H_COMMIT, .flags = 0, .expect = ""},
		 {.op = H_COMMIT, .flags = COLO_COMMIT_KEEP_STREAMS, .expect = ""},
		 {.op = H_END},
	 }},
	{"same_segmentation", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK, "abcdef", ""),
		 H_TCP(S, 5001, 1, ACK, "abcdef", "Ds2/cmp Rp2"),
		 {.op = H_STAT,
		  .stat = offsetof(struct colo_cmp_stats, compared_bytes),
		  .value = 6},
		 {.op = H_END},
	 }},
	{"same_bytes_at_other_sequence_mismatch", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK, "ab", NULL),
		 H_TCP(S, 5001, 1, ACK, "ab", "Ds2/cmp Rp2"),
		 H_TCP(P, 1003, 1, ACK, "cd", NULL),
		 /* "cd" one byte earlier in the stream */
		 H_TCP(S, 5002, 1, ACK, "cd", "CP:mismatch"),
		 {.op = H_END},
	 }},
	{"primary_retransmission_identical", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK, "abcdef", NULL),
		 H_TCP(S, 5001, 1, ACK, "abcdef", "Ds2/cmp Rp2"),
		 H_TCP(P, 1001, 1, ACK, "abcdef", "Rp3"),
		 {.op = H_STAT, .stat = offsetof(struct colo_cmp_stats, retx_verified), .value = 1},
		 {.op = H_END},
	 }},
	{"retransmission_of_bytes_still_held", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK, "abcdef", NULL),
		 H_TCP(S, 5001, 1, ACK, "abc", "Ds2/cmp"),
		 /* Bytes compared as part of p2, which is still held: checked against p2 itself. */
		 H_TCP(P, 1001, 1, ACK, "abc", ""),
		 H_TCP(S, 5004, 1, ACK, "def", "Ds3/cmp Rp2 Rp3"),
		 {.op = H_STAT, .stat = offsetof(struct colo_cmp_stats, retx_verified), .value = 1},
		 {.op = H_END},
	 }},
	{"misaligned_retransmission_confirmed_by_secondary", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK, "abcdefgh", NULL),
		 H_TCP(S, 5001, 1, ACK, "abcdefgh", "Ds2/cmp Rp2"),
		 /* Starts where p2 started but ends inside it: the history cannot tell. */
		 H_TCP(P, 1001, 1, ACK, "abcd", ""),
		 {.op = H_STAT,
		  .stat = offsetof(struct colo_cmp_stats, retx_unverified),
		  .value = 1},
		 H_TCP(S, 5001, 1, ACK, "ab", "Ds3/cmp"),
		 H_TCP(S, 5003, 1, ACK, "cdef", "Ds4/cmp Rp3"),
		 {.op = H_STAT, .stat = offsetof(struct colo_cmp_stats, retx_verified), .value = 1},
		 {.op = H_END},
	 }},
	{"retransmission_with_new_bytes_confirmed_by_secondary", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, ACK, "abcd", NULL),
		 H_TCP(S, 5001, 1, ACK, "abcd", "Ds2/cmp Rp2"),
		 /* "cd" repeated, "efg" new */
		 H_TCP(P, 1003, 1, ACK, "cdefg", NULL),
		 H_TCP(S, 5003, 1, ACK, "cdefg", "Ds3/cmp Rp3"),
		 {.op = H_END},
	 }},
	{"reused_four_tuple_starts_fresh", true,
	 (const struct h_step[]){
		 H_TCP(P, 1001, 1, RST, NULL, NULL),
		 H_TCP(S, 5001, 1, RST, NULL, "Ds2/cmp Rp2"),
		 H_TCP(P, 9000, 1, SYN | ACK, NULL, NULL),
		 H_TCP(S, 9500, 1, SYN | ACK, NULL, "O:500/- Ds3/cmp Rp3"),
		 H_TCP(P, 9001, 1, ACK, "new", NULL),
		 H_TCP(S, 9501, 1, ACK, "new", "Ds4/cmp Rp4"),
		 {.op = H_STAT, .stat = offsetof(struct colo_cmp_stats, conns), .value = 1},
		 {.op = H_END},
	 }},
	/*
	 * Seen on veth: the secondary's FIN segment and its tail-loss-probe retransmission both
	 * arrive before the primary sends those bytes; once the primary matches, the copy must go
	 * too.
	 */
	{"secondary_tail_retransmitted_before_primary", true,
	 (const struct h_step[]){
		 H_TCP(S, 5001, 1, ACK | FIN, "abcdef", NULL),
		 H_TCP(S, 5004, 1, ACK | FIN, "def", ""),
		 H_TCP(P, 1001, 1, ACK, "abcd", NULL),
		 H_TCP(P, 1005, 1, ACK | FIN, "ef", "Rp2 Ds2/cmp Ds3/dup Rp3"),
		 {.op = H_STAT, .stat = offsetof(struct colo_cmp_stats, held[S]), .value = 0},
		 {.op = H_END},
	 }},
};

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_timestamp_offset),
		T(test_timestamp_on_one_side_only),
		T(test_payload_mismatch_holds_until_commit),
		T(test_interleaved_flows),
		T(test_sequence_wrap),
		T(test_unconfirmed_retransmission_waits_for_commit),
		cmocka_unit_test(test_retransmission_history_is_bounded),
		cmocka_unit_test(test_retransmission_history_budget),
		T(test_gso_segments_retransmitted_alone),
		T(test_closed_connection_removed),
		T(test_commit_resets_timestamp_offset),
		T(test_ipv6_stream),
		T(test_vlan_tags_compared),
		T(test_mismatch_names_the_flow),
		T(test_random_segmentation_and_interleaving),
		T(test_random_retransmissions_leave_nothing_held),
		cmocka_unit_test(test_queue_full_names_the_side),
		T(test_mismatch_names_the_first_differing_byte),
		T(test_mismatch_fin_against_data_position),
		T(test_mismatch_in_retransmission_position),
		T(test_mismatch_mid_stream_names_the_sequence),
		T(test_timeout_names_the_waiting_frame),
		cmocka_unit_test(test_pure_acks_and_rst_over_limit_held),
		T(test_gso_partially_compared_before),
	};

	return h_run_scenarios("compare_tcp", scenarios, sizeof(scenarios) / sizeof(scenarios[0]),
			       tests, sizeof(tests) / sizeof(tests[0]));
}
