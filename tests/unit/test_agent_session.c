// SPDX-License-Identifier: GPL-2.0-only
/* Checkpoint agent protocol sessions (user/lib/agent_session.c): two sessions talking through the
 * encoder and decoder; sequence, acknowledgement, state and feature rules. */
#include <errno.h>

#include "agent_msgs.h"

/* Two sessions talking through the encoder and decoder. */
struct pair {
	struct colo_agent_sess dp, ag;
	struct colo_agent_dec to_dp, to_ag;
};

static struct colo_agent_sess *peer_of(struct pair *p, struct colo_agent_sess *s)
{
	return s == &p->dp ? &p->ag : &p->dp;
}

/* from sends m; returns the receiver's verdict. The sender must accept. */
static int xfer(struct pair *p, struct colo_agent_sess *from, struct colo_agent_msg *m)
{
	struct colo_agent_dec *dec = from == &p->dp ? &p->to_ag : &p->to_dp;
	uint8_t buf[COLO_AGENT_MAX_MSG];
	struct colo_agent_msg out;
	size_t used, len;

	assert_int_equal(colo_agent_sess_tx(from, m), 0);
	len = enc(m, m->seq, buf);
	assert_int_equal(colo_agent_dec_feed(dec, buf, len, &used, &out), 1);
	return colo_agent_sess_rx(peer_of(p, from), &out);
}

static void send_ok(struct pair *p, struct colo_agent_sess *from, struct colo_agent_msg *m)
{
	struct colo_agent_msg ack;

	assert_int_equal(xfer(p, from, m), 0);
	if (colo_agent_type_needs_ack(m->type)) {
		colo_agent_msg_ack(&ack, m);
		assert_int_equal(xfer(p, peer_of(p, from), &ack), 0);
	}
}

static void pair_up(struct pair *p)
{
	struct colo_agent_msg m;

	colo_agent_sess_init(&p->dp, COLO_AGENT_SIDE_DATAPLANE);
	colo_agent_sess_init(&p->ag, COLO_AGENT_SIDE_AGENT);
	colo_agent_dec_init(&p->to_dp);
	colo_agent_dec_init(&p->to_ag);
	colo_agent_msg_hello(&m, 0);
	send_ok(p, &p->dp, &m);
	colo_agent_msg_hello(&m, 3);
	send_ok(p, &p->ag, &m);
	assert_int_equal(p->dp.state, COLO_AGENT_ST_IDLE);
	assert_int_equal(p->ag.state, COLO_AGENT_ST_IDLE);
	assert_int_equal(p->dp.peer_features, 3);
}

static void request(struct pair *p, uint32_t id)
{
	struct colo_agent_msg m;

	colo_agent_msg_request(&m, id, COLO_AGENT_REASON_MISMATCH, NULL, 1);
	send_ok(p, &p->dp, &m);
	assert_int_equal(p->dp.state, COLO_AGENT_ST_REQUESTED);
	assert_int_equal(p->ag.state, COLO_AGENT_ST_REQUESTED);
}

static void agent_says(struct pair *p, enum colo_agent_type type, uint32_t id)
{
	struct colo_agent_msg m;

	colo_agent_msg_simple(&m, type, id);
	send_ok(p, &p->ag, &m);
}

static void test_sess_happy_path(void **state)
{
	struct pair p;

	(void)state;
	pair_up(&p);
	request(&p, 1);
	agent_says(&p, COLO_AGENT_CHECKPOINT_BEGIN, 1);
	assert_int_equal(p.dp.state, COLO_AGENT_ST_BEGUN);
	agent_says(&p, COLO_AGENT_CHECKPOINT_COMMIT, 1);
	assert_int_equal(p.dp.state, COLO_AGENT_ST_IDLE);
	assert_int_equal(p.ag.state, COLO_AGENT_ST_IDLE);
	request(&p, 2);
	agent_says(&p, COLO_AGENT_CHECKPOINT_ABORT, 2);
	assert_int_equal(p.dp.state, COLO_AGENT_ST_IDLE);
	request(&p, 3);
	agent_says(&p, COLO_AGENT_CHECKPOINT_BEGIN, 3);
	agent_says(&p, COLO_AGENT_CHECKPOINT_ABORT, 3);
	assert_int_equal(p.dp.state, COLO_AGENT_ST_IDLE);
	assert_int_equal(p.dp.unacked_count, 0);
	assert_int_equal(p.ag.unacked_count, 0);
}

static void test_sess_unsolicited_commit_any_state(void **state)
{
	struct pair p;

	(void)state;
	pair_up(&p);
	agent_says(&p, COLO_AGENT_CHECKPOINT_COMMIT, 0);
	assert_int_equal(p.dp.state, COLO_AGENT_ST_IDLE);
	request(&p, 1);
	agent_says(&p, COLO_AGENT_CHECKPOINT_COMMIT, 0);
	assert_int_equal(p.dp.state, COLO_AGENT_ST_REQUESTED);
	agent_says(&p, COLO_AGENT_CHECKPOINT_BEGIN, 1);
	agent_says(&p, COLO_AGENT_CHECKPOINT_COMMIT, 0);
	assert_int_equal(p.dp.state, COLO_AGENT_ST_BEGUN);
	assert_int_equal(p.dp.txid, 1);
}

/* A message the agent side would refuse to send, decoded and checked by the dataplane. */
static int dp_rx(struct pair *p, enum colo_agent_type type, uint32_t id)
{
	struct colo_agent_msg m;

	colo_agent_msg_simple(&m, type, id);
	m.seq = p->dp.rx_seq + 1;
	return colo_agent_sess_rx(&p->dp, &m);
}

static void expect_rx(struct pair *p, enum colo_agent_type type, uint32_t id,
		      enum colo_agent_err want)
{
	assert_int_equal(dp_rx(p, type, id), -EPROTO);
	assert_int_equal(p->dp.err, want);
	assert_true(strlen(p->dp.why) > 0);
}

static void test_sess_out_of_state(void **state)
{
	struct pair p;

	(void)state;
	pair_up(&p);
	expect_rx(&p, COLO_AGENT_CHECKPOINT_BEGIN, 1, COLO_AGENT_E_STATE);
	pair_up(&p);
	expect_rx(&p, COLO_AGENT_CHECKPOINT_COMMIT, 5, COLO_AGENT_E_STATE);
	pair_up(&p);
	expect_rx(&p, COLO_AGENT_CHECKPOINT_ABORT, 5, COLO_AGENT_E_STATE);
	pair_up(&p);
	request(&p, 1);
	expect_rx(&p, COLO_AGENT_CHECKPOINT_COMMIT, 1, COLO_AGENT_E_STATE); /* before begin */
	pair_up(&p);
	request(&p, 1);
	agent_says(&p, COLO_AGENT_CHECKPOINT_BEGIN, 1);
	expect_rx(&p, COLO_AGENT_CHECKPOINT_BEGIN, 1, COLO_AGENT_E_STATE);
}

static void test_sess_wrong_txid(void **state)
{
	struct pair p;

	(void)state;
	pair_up(&p);
	request(&p, 4);
	expect_rx(&p, COLO_AGENT_CHECKPOINT_BEGIN, 3, COLO_AGENT_E_TXID);
	pair_up(&p);
	request(&p, 4);
	agent_says(&p, COLO_AGENT_CHECKPOINT_BEGIN, 4);
	expect_rx(&p, COLO_AGENT_CHECKPOINT_COMMIT, 5, COLO_AGENT_E_TXID);
	pair_up(&p);
	request(&p, 4);
	expect_rx(&p, COLO_AGENT_CHECKPOINT_ABORT, 1, COLO_AGENT_E_TXID);
}

static void test_sess_second_request_refused(void **state)
{
	struct colo_agent_msg m;
	struct pair p;

	(void)state;
	pair_up(&p);
	request(&p, 1);
	/* The dataplane will not send it ... */
	colo_agent_msg_request(&m, 2, COLO_AGENT_REASON_TIMEOUT, NULL, 0);
	assert_int_equal(colo_agent_sess_tx(&p.dp, &m), -EPROTO);
	assert_int_equal(p.dp.err, COLO_AGENT_E_STATE);
	assert_int_equal(p.dp.state, COLO_AGENT_ST_REQUESTED);
	/* ... and the agent refuses one that arrives anyway. */
	m.seq = p.ag.rx_seq + 1;
	assert_int_equal(colo_agent_sess_rx(&p.ag, &m), -EPROTO);
	assert_int_equal(p.ag.err, COLO_AGENT_E_STATE);
}

static void test_sess_request_id_must_grow(void **state)
{
	struct colo_agent_msg m;
	struct pair p;

	(void)state;
	pair_up(&p);
	request(&p, 5);
	agent_says(&p, COLO_AGENT_CHECKPOINT_ABORT, 5);
	colo_agent_msg_request(&m, 5, COLO_AGENT_REASON_TIMEOUT, NULL, 0);
	assert_int_equal(colo_agent_sess_tx(&p.dp, &m), -EPROTO);
	assert_int_equal(p.dp.err, COLO_AGENT_E_TXID);
	m.seq = p.ag.rx_seq + 1;
	assert_int_equal(colo_agent_sess_rx(&p.ag, &m), -EPROTO);
	assert_int_equal(p.ag.err, COLO_AGENT_E_TXID);
}

static void test_sess_sequence(void **state)
{
	struct colo_agent_msg m;
	struct pair p;

	(void)state;
	pair_up(&p);
	colo_agent_msg_commit(&m, 0, 0);
	m.seq = p.dp.rx_seq + 2; /* one message lost */
	assert_int_equal(colo_agent_sess_rx(&p.dp, &m), -EPROTO);
	assert_int_equal(p.dp.err, COLO_AGENT_E_SEQ);
	pair_up(&p);
	m.seq = p.dp.rx_seq; /* replayed */
	assert_int_equal(colo_agent_sess_rx(&p.dp, &m), -EPROTO);
	assert_int_equal(p.dp.err, COLO_AGENT_E_SEQ);
}

static void test_sess_direction(void **state)
{
	struct colo_agent_msg m;
	struct pair p;

	(void)state;
	pair_up(&p);
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_MISMATCH, NULL, 0);
	m.seq = p.dp.rx_seq + 1;
	assert_int_equal(colo_agent_sess_rx(&p.dp, &m), -EPROTO);
	assert_int_equal(p.dp.err, COLO_AGENT_E_DIRECTION);
	assert_int_equal(colo_agent_sess_tx(&p.ag, &m), -EPROTO);
	assert_int_equal(p.ag.err, COLO_AGENT_E_DIRECTION);
	colo_agent_msg_simple(&m, COLO_AGENT_FAILOVER, 0);
	assert_int_equal(colo_agent_sess_tx(&p.dp, &m), -EPROTO);
	assert_int_equal(p.dp.err, COLO_AGENT_E_DIRECTION);
}

static void test_sess_hello_rules(void **state)
{
	struct colo_agent_sess s;
	struct colo_agent_msg m;
	struct pair p;

	(void)state;
	colo_agent_sess_init(&s, COLO_AGENT_SIDE_DATAPLANE);
	/* Nothing before our own HELLO. */
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_MISMATCH, NULL, 0);
	assert_int_equal(colo_agent_sess_tx(&s, &m), -EPROTO);
	assert_int_equal(s.err, COLO_AGENT_E_STATE);
	/* No request before the peer's HELLO. */
	colo_agent_msg_hello(&m, 0);
	assert_int_equal(colo_agent_sess_tx(&s, &m), 0);
	assert_int_equal(m.seq, 1);
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_MISMATCH, NULL, 0);
	assert_int_equal(colo_agent_sess_tx(&s, &m), -EPROTO);
	assert_int_equal(s.err, COLO_AGENT_E_STATE);
	/* The peer must start with HELLO. */
	colo_agent_msg_commit(&m, 0, 0);
	m.seq = 1;
	assert_int_equal(colo_agent_sess_rx(&s, &m), -EPROTO);
	assert_int_equal(s.err, COLO_AGENT_E_STATE);
	/* And say it once; we too. */
	pair_up(&p);
	colo_agent_msg_hello(&m, 0);
	m.seq = p.dp.rx_seq + 1;
	assert_int_equal(colo_agent_sess_rx(&p.dp, &m), -EPROTO);
	assert_int_equal(p.dp.err, COLO_AGENT_E_STATE);
	assert_int_equal(colo_agent_sess_tx(&p.ag, &m), -EPROTO);
}

static void test_sess_ack_matching(void **state)
{
	struct colo_agent_msg m, req, ack;
	struct pair p;

	(void)state;
	pair_up(&p);
	/* Nothing awaits an ack. */
	colo_agent_msg_simple(&m, COLO_AGENT_CHECKPOINT_BEGIN, 1);
	m.seq = 1;
	colo_agent_msg_ack(&ack, &m);
	ack.seq = p.dp.rx_seq + 1;
	assert_int_equal(colo_agent_sess_rx(&p.dp, &ack), -EPROTO);
	assert_int_equal(p.dp.err, COLO_AGENT_E_ACK);
	/* Wrong seq, wrong type, wrong txid for the request awaiting its ack. */
	pair_up(&p);
	colo_agent_msg_request(&req, 1, COLO_AGENT_REASON_MISMATCH, NULL, 0);
	assert_int_equal(xfer(&p, &p.dp, &req), 0);
	colo_agent_msg_ack(&ack, &req);
	ack.ack.seq++;
	ack.seq = p.dp.rx_seq + 1;
	assert_int_equal(colo_agent_sess_rx(&p.dp, &ack), -EPROTO);
	assert_int_equal(p.dp.err, COLO_AGENT_E_ACK);
	colo_agent_msg_ack(&ack, &req);
	ack.ack.type = COLO_AGENT_CHECKPOINT_COMMIT;
	ack.seq = p.dp.rx_seq + 1;
	assert_int_equal(colo_agent_sess_rx(&p.dp, &ack), -EPROTO);
	assert_int_equal(p.dp.err, COLO_AGENT_E_ACK);
	colo_agent_msg_ack(&ack, &req);
	ack.txid = 2;
	ack.seq = p.dp.rx_seq + 1;
	assert_int_equal(colo_agent_sess_rx(&p.dp, &ack), -EPROTO);
	assert_int_equal(p.dp.err, COLO_AGENT_E_ACK);
	colo_agent_msg_ack(&ack, &req);
	assert_int_equal(p.dp.unacked_count, 1);
	assert_int_equal(xfer(&p, &p.ag, &ack), 0);
	assert_int_equal(p.dp.unacked_count, 0);
}

static void test_sess_unacked_bound(void **state)
{
	struct colo_agent_msg m, second;
	struct pair p;
	int i;

	(void)state;
	pair_up(&p);
	for (i = 0; i < COLO_AGENT_MAX_UNACKED; i++) {
		colo_agent_msg_commit(&m, 0, 0);
		assert_int_equal(xfer(&p, &p.ag, &m), 0);
	}
	colo_agent_msg_commit(&m, 0, 0);
	assert_int_equal(colo_agent_sess_tx(&p.ag, &m), -ENOBUFS);
	/* Acks in order free the slots; one out of order is refused. */
	colo_agent_msg_commit(&second, 0, 0);
	second.seq = p.ag.unacked[1].seq;
	colo_agent_msg_ack(&m, &second);
	assert_int_equal(xfer(&p, &p.dp, &m), -EPROTO);
	assert_int_equal(p.ag.err, COLO_AGENT_E_ACK);
	colo_agent_msg_commit(&second, 0, 0);
	second.seq = p.ag.unacked[0].seq;
	colo_agent_msg_ack(&m, &second);
	m.seq = p.ag.rx_seq + 1;
	assert_int_equal(colo_agent_sess_rx(&p.ag, &m), 0);
	assert_int_equal(p.ag.unacked_count, COLO_AGENT_MAX_UNACKED - 1);
}

static void test_sess_failover(void **state)
{
	struct colo_agent_msg m;
	struct pair p;

	(void)state;
	pair_up(&p);
	request(&p, 1);
	agent_says(&p, COLO_AGENT_FAILOVER, 0);
	assert_int_equal(p.dp.state, COLO_AGENT_ST_FAILOVER);
	agent_says(&p, COLO_AGENT_FAILOVER, 0); /* repeated: harmless */
	expect_rx(&p, COLO_AGENT_CHECKPOINT_COMMIT, 0, COLO_AGENT_E_STATE);
	pair_up(&p);
	agent_says(&p, COLO_AGENT_FAILOVER, 0);
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_MISMATCH, NULL, 0);
	assert_int_equal(colo_agent_sess_tx(&p.dp, &m), -EPROTO);
	assert_int_equal(p.dp.err, COLO_AGENT_E_STATE);
}

static void test_sess_error_accepted_any_time(void **state)
{
	struct colo_agent_sess s;
	struct colo_agent_msg m;

	(void)state;
	colo_agent_sess_init(&s, COLO_AGENT_SIDE_AGENT);
	colo_agent_msg_error(&m, COLO_AGENT_E_BUSY, "busy");
	assert_int_equal(colo_agent_sess_tx(&s, &m), 0); /* even before HELLO */
	m.seq = 1;
	assert_int_equal(colo_agent_sess_rx(&s, &m), 0);
	assert_int_equal(s.state, COLO_AGENT_ST_HELLO);
}

/* A 64-byte request only where both HELLOs announced ORIGIN; pair_up's dataplane did not. */
static void test_sess_origin_needs_both(void **state)
{
	const struct colo_agent_origin o = {.side = 1};
	uint8_t buf[COLO_AGENT_MAX_MSG];
	struct colo_agent_msg m, out;
	struct pair p;
	size_t used, len;

	(void)state;
	pair_up(&p);
	assert_false(colo_agent_sess_origin(&p.dp));
	assert_false(colo_agent_sess_origin(&p.ag));
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_TIMEOUT, NULL, 1);
	colo_agent_msg_request_origin(&m, &o);
	assert_int_equal(colo_agent_sess_tx(&p.dp, &m), -EPROTO);
	assert_int_equal(p.dp.err, COLO_AGENT_E_SIZE);
	assert_int_equal(p.dp.state, COLO_AGENT_ST_IDLE); /* refused before anything changed */
	/* A dataplane that sends it anyway: the agent refuses it. */
	len = enc(&m, p.dp.tx_seq + 1, buf);
	assert_int_equal(colo_agent_dec_feed(&p.to_ag, buf, len, &used, &out), 1);
	assert_int_equal(colo_agent_sess_rx(&p.ag, &out), -EPROTO);
	assert_int_equal(p.ag.err, COLO_AGENT_E_SIZE);
	/* The 48-byte form goes through. */
	request(&p, 1);
}

static void test_sess_origin_agreed(void **state)
{
	const struct colo_agent_origin o = {.side = 0, .pos_kind = COLO_AGENT_POS_STREAM, .pos = 1};
	struct colo_agent_msg m;
	struct pair p;

	(void)state;
	colo_agent_sess_init(&p.dp, COLO_AGENT_SIDE_DATAPLANE);
	colo_agent_sess_init(&p.ag, COLO_AGENT_SIDE_AGENT);
	colo_agent_dec_init(&p.to_dp);
	colo_agent_dec_init(&p.to_ag);
	colo_agent_msg_hello(&m, COLO_AGENT_FEATURE_ORIGIN);
	send_ok(&p, &p.dp, &m);
	colo_agent_msg_hello(&m, COLO_AGENT_FEATURE_ORIGIN | 0x80);
	send_ok(&p, &p.ag, &m);
	assert_true(colo_agent_sess_origin(&p.dp));
	assert_true(colo_agent_sess_origin(&p.ag));
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_MISMATCH, NULL, 1);
	colo_agent_msg_request_origin(&m, &o);
	send_ok(&p, &p.dp, &m);
	assert_int_equal(p.ag.state, COLO_AGENT_ST_REQUESTED);
	assert_int_equal(p.ag.txid, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sess_happy_path),
		cmocka_unit_test(test_sess_unsolicited_commit_any_state),
		cmocka_unit_test(test_sess_out_of_state),
		cmocka_unit_test(test_sess_wrong_txid),
		cmocka_unit_test(test_sess_second_request_refused),
		cmocka_unit_test(test_sess_request_id_must_grow),
		cmocka_unit_test(test_sess_sequence),
		cmocka_unit_test(test_sess_direction),
		cmocka_unit_test(test_sess_hello_rules),
		cmocka_unit_test(test_sess_ack_matching),
		cmocka_unit_test(test_sess_unacked_bound),
		cmocka_unit_test(test_sess_failover),
		cmocka_unit_test(test_sess_error_accepted_any_time),
		cmocka_unit_test(test_sess_origin_needs_both),
		cmocka_unit_test(test_sess_origin_agreed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
