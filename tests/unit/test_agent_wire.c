// SPDX-License-Identifier: GPL-2.0-only
/* Checkpoint agent protocol on the wire (user/lib/agent_wire.c): encoder, incremental decoder,
 * validation, both forms of CHECKPOINT_REQUEST. */
#include <errno.h>

#include "agent_msgs.h"
/* Decodes exactly one message from buf, all at once. */
static int dec1(const uint8_t *buf, size_t len, struct colo_agent_msg *out,
		struct colo_agent_dec *dec)
{
	size_t used;
	int r;

	colo_agent_dec_init(dec);
	r = colo_agent_dec_feed(dec, buf, len, &used, out);
	if (r == 1)
		assert_int_equal(used, len);
	return r;
}

static void roundtrip(struct colo_agent_msg *msg)
{
	struct colo_agent_dec dec;
	struct colo_agent_msg out;
	uint8_t buf[COLO_AGENT_MAX_MSG];
	size_t len = enc(msg, 7, buf);

	assert_int_equal(dec1(buf, len, &out, &dec), 1);
	assert_memory_equal(&out, msg, sizeof(out));
}

static void test_roundtrip_hello(void **state)
{
	struct colo_agent_msg m;

	(void)state;
	colo_agent_msg_hello(&m, 0xdeadbeef);
	roundtrip(&m);
}

static void test_roundtrip_request_v4(void **state)
{
	struct colo_flow_key f = flow4();
	struct colo_agent_msg m;

	(void)state;
	colo_agent_msg_request(&m, 42, COLO_AGENT_REASON_TIMEOUT, &f, 0x0102030405060708ull);
	roundtrip(&m);
}

static void test_roundtrip_request_v6_and_none(void **state)
{
	struct colo_flow_key f = flow6();
	struct colo_agent_msg m;

	(void)state;
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_QUEUE_FULL, &f, 5);
	roundtrip(&m);
	colo_agent_msg_request(&m, 0xffffffff, COLO_AGENT_REASON_TABLE_FULL, NULL, 0);
	roundtrip(&m);
}

static void test_roundtrip_simple(void **state)
{
	struct colo_agent_msg m;

	(void)state;
	colo_agent_msg_simple(&m, COLO_AGENT_CHECKPOINT_BEGIN, 3);
	roundtrip(&m);
	colo_agent_msg_simple(&m, COLO_AGENT_CHECKPOINT_ABORT, 3);
	roundtrip(&m);
	colo_agent_msg_simple(&m, COLO_AGENT_FAILOVER, 0);
	roundtrip(&m);
}

static void test_roundtrip_commit_ack_error(void **state)
{
	struct colo_agent_msg m, acked;

	(void)state;
	colo_agent_msg_commit(&m, 0, COLO_AGENT_COMMIT_KEEP_STREAMS);
	roundtrip(&m);
	colo_agent_msg_commit(&m, 9, 0);
	roundtrip(&m);
	m.seq = 11;
	colo_agent_msg_ack(&acked, &m);
	assert_int_equal(acked.ack.type, COLO_AGENT_CHECKPOINT_COMMIT);
	assert_int_equal(acked.ack.seq, 11);
	assert_int_equal(acked.txid, 9);
	roundtrip(&acked);
	colo_agent_msg_error(&m, COLO_AGENT_E_BUSY, "another agent is connected");
	roundtrip(&m);
	colo_agent_msg_error(&m, COLO_AGENT_E_STATE, "");
	roundtrip(&m);
}

/* The exact bytes of the REQUEST example in docs/agent-protocol.md. */
static void test_request_wire_bytes(void **state)
{
	static const uint8_t want[] = {
		0xc0, 0xa9, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00,
		0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x30, /* header: magic, REQUEST, txid 1, seq 2,
							     len 48 */
		0x00, 0x00, 0x00, 0x01, 0x2a, 0x05, 0xf2, 0x00, /* time 5000000000 ns */
		0x00, 0x00, 0x04, 0x06, 0x00, 0x50, 0x9c, 0x40, /* mismatch, 4, tcp, 80, 40000 */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0xff, 0xff, 0x0a, 0x4d, 0x00, 0x02, /* ::ffff:10.77.0.2 */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0xff, 0xff, 0x0a, 0x4d, 0x00, 0x01, /* ::ffff:10.77.0.1 */
	};
	struct colo_flow_key f = flow4();
	uint8_t buf[COLO_AGENT_MAX_MSG];
	struct colo_agent_msg m;

	(void)state;
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_MISMATCH, &f, 5000000000ull);
	assert_int_equal(enc(&m, 2, buf), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

/* One of every message, concatenated; returns the stream length. */
static size_t stream_all(uint8_t *buf, struct colo_agent_msg *msgs, int *count)
{
	struct colo_flow_key f4 = flow4(), f6 = flow6();
	size_t len = 0;
	int n = 0;

	colo_agent_msg_hello(&msgs[n++], 1);
	colo_agent_msg_request(&msgs[n++], 1, COLO_AGENT_REASON_MISMATCH, &f4, 1);
	colo_agent_msg_request(&msgs[n++], 2, COLO_AGENT_REASON_TIMEOUT, &f6, 2);
	colo_agent_msg_simple(&msgs[n++], COLO_AGENT_CHECKPOINT_BEGIN, 2);
	colo_agent_msg_commit(&msgs[n++], 2, COLO_AGENT_COMMIT_KEEP_STREAMS);
	colo_agent_msg_simple(&msgs[n++], COLO_AGENT_CHECKPOINT_ABORT, 2);
	colo_agent_msg_simple(&msgs[n++], COLO_AGENT_FAILOVER, 0);
	colo_agent_msg_ack(&msgs[n++], &msgs[1]);
	colo_agent_msg_error(&msgs[n++], COLO_AGENT_E_SEQ, "bye");
	for (int i = 0; i < n; i++)
		len += enc(&msgs[i], (uint32_t)i + 1, buf + len);
	*count = n;
	return len;
}

/* Feeds the stream in chunks of sizes from chunk(i); checks every message came out intact. */
static void feed_stream(size_t (*chunk)(size_t i))
{
	uint8_t buf[16 * COLO_AGENT_MAX_MSG];
	struct colo_agent_msg msgs[16], out;
	struct colo_agent_dec dec;
	size_t len, off = 0, used, n, i = 0;
	int count, got = 0, r;

	len = stream_all(buf, msgs, &count);
	colo_agent_dec_init(&dec);
	while (off < len) {
		n = chunk(i++);
		if (n > len - off)
			n = len - off;
		while (n) {
			r = colo_agent_dec_feed(&dec, buf + off, n, &used, &out);
			assert_true(r >= 0);
			off += used;
			n -= used;
			if (r == 1) {
				assert_true(got < count);
				assert_memory_equal(&out, &msgs[got], sizeof(out));
				got++;
			} else {
				assert_int_equal(n, 0);
			}
		}
	}
	assert_int_equal(got, count);
	assert_int_equal(dec.have, 0);
}

static size_t chunk_one(size_t i)
{
	(void)i;
	return 1;
}

static size_t chunk_all(size_t i)
{
	(void)i;
	return 1 << 20;
}

static size_t chunk_varied(size_t i)
{
	return (i * 7919 + 3) % 37 + 1; /* 1..37 bytes, crossing header/payload boundaries */
}

static void test_feed_byte_by_byte(void **state)
{
	(void)state;
	feed_stream(chunk_one);
}

static void test_feed_all_at_once(void **state)
{
	(void)state;
	feed_stream(chunk_all);
}

static void test_feed_varied_chunks(void **state)
{
	(void)state;
	feed_stream(chunk_varied);
}

/* A message with seq 1 into buf; the caller then corrupts bytes. */
static size_t good(uint8_t *buf, struct colo_agent_msg *m)
{
	return enc(m, 1, buf);
}

static void expect_err(const uint8_t *buf, size_t len, enum colo_agent_err want)
{
	struct colo_agent_dec dec;
	struct colo_agent_msg out;

	assert_int_equal(dec1(buf, len, &out, &dec), -EPROTO);
	assert_int_equal(dec.err, want);
	assert_true(strlen(dec.why) > 0);
}

static void test_bad_magic_early(void **state)
{
	uint8_t buf[COLO_AGENT_MAX_MSG] = {'G', 'E', 'T', ' '};
	struct colo_agent_dec dec;
	struct colo_agent_msg out;
	size_t used;

	(void)state;
	colo_agent_dec_init(&dec);
	assert_int_equal(colo_agent_dec_feed(&dec, buf, 1, &used, &out), 0);
	/* Refused on the second byte, before a whole header arrived. */
	assert_int_equal(colo_agent_dec_feed(&dec, buf + 1, 3, &used, &out), -EPROTO);
	assert_int_equal(used, 1);
	assert_int_equal(dec.err, COLO_AGENT_E_MAGIC);
	/* Sticky: nothing more is accepted. */
	assert_int_equal(colo_agent_dec_feed(&dec, buf, 4, &used, &out), -EPROTO);
	assert_int_equal(used, 0);
}

static void test_unknown_type(void **state)
{
	uint8_t buf[COLO_AGENT_MAX_MSG];
	struct colo_agent_msg m;
	size_t len;

	(void)state;
	colo_agent_msg_simple(&m, COLO_AGENT_FAILOVER, 0);
	len = good(buf, &m);
	buf[3] = 0;
	expect_err(buf, len, COLO_AGENT_E_TYPE);
	buf[3] = COLO_AGENT_TYPE_MAX;
	expect_err(buf, len, COLO_AGENT_E_TYPE);
	buf[2] = 0x01;
	buf[3] = 0x01;
	expect_err(buf, len, COLO_AGENT_E_TYPE);
}

static void test_oversized_refused_at_header(void **state)
{
	uint8_t buf[COLO_AGENT_MAX_MSG];
	struct colo_agent_dec dec;
	struct colo_agent_msg m;
	size_t used;

	(void)state;
	colo_agent_msg_error(&m, COLO_AGENT_E_NONE, "x");
	good(buf, &m);
	buf[12] = 0;
	buf[13] = 0;
	buf[14] = 0x10;
	buf[15] = 0x01; /* 4097 */
	colo_agent_dec_init(&dec);
	/* Only the header is needed to refuse: no payload is buffered. */
	assert_int_equal(colo_agent_dec_feed(&dec, buf, COLO_AGENT_HDR_LEN, &used, &m), -EPROTO);
	assert_int_equal(dec.err, COLO_AGENT_E_LENGTH);
	buf[12] = 0xff;
	expect_err(buf, COLO_AGENT_HDR_LEN, COLO_AGENT_E_LENGTH);
}

static void set_len(uint8_t *buf, uint32_t len)
{
	buf[12] = len >> 24;
	buf[13] = len >> 16;
	buf[14] = len >> 8;
	buf[15] = len;
}

static void test_size_wrong_for_type(void **state)
{
	uint8_t buf[COLO_AGENT_MAX_MSG] = {0};
	struct colo_agent_msg m;
	struct colo_flow_key f = flow4();

	(void)state;
	colo_agent_msg_hello(&m, 0);
	good(buf, &m);
	set_len(buf, 7);
	expect_err(buf, COLO_AGENT_HDR_LEN + 7, COLO_AGENT_E_SIZE);
	colo_agent_msg_simple(&m, COLO_AGENT_CHECKPOINT_BEGIN, 1);
	good(buf, &m);
	set_len(buf, 1);
	expect_err(buf, COLO_AGENT_HDR_LEN + 1, COLO_AGENT_E_SIZE);
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_MISMATCH, &f, 0);
	good(buf, &m);
	set_len(buf, 49);
	expect_err(buf, COLO_AGENT_HDR_LEN + 49, COLO_AGENT_E_SIZE);
	colo_agent_msg_error(&m, COLO_AGENT_E_NONE, "");
	good(buf, &m);
	set_len(buf, 3);
	expect_err(buf, COLO_AGENT_HDR_LEN + 3, COLO_AGENT_E_SIZE);
	set_len(buf, 4 + COLO_AGENT_MAX_TEXT + 1);
	expect_err(buf, COLO_AGENT_HDR_LEN, COLO_AGENT_E_SIZE);
}

static void test_bad_version_and_reserved(void **state)
{
	uint8_t buf[COLO_AGENT_MAX_MSG];
	struct colo_agent_msg m, acked;
	size_t len;

	(void)state;
	colo_agent_msg_hello(&m, 0);
	len = good(buf, &m);
	buf[17] = 2;
	expect_err(buf, len, COLO_AGENT_E_VERSION);
	buf[17] = 1;
	buf[19] = 1;
	expect_err(buf, len, COLO_AGENT_E_RESERVED);
	colo_agent_msg_simple(&acked, COLO_AGENT_CHECKPOINT_BEGIN, 1);
	colo_agent_msg_ack(&m, &acked);
	len = good(buf, &m);
	buf[18] = 0x80;
	expect_err(buf, len, COLO_AGENT_E_RESERVED);
	colo_agent_msg_error(&m, COLO_AGENT_E_NONE, "x");
	len = good(buf, &m);
	buf[18] = 1;
	expect_err(buf, len, COLO_AGENT_E_RESERVED);
}

static void test_reason_out_of_range(void **state)
{
	uint8_t buf[COLO_AGENT_MAX_MSG];
	struct colo_agent_msg m;
	size_t len;

	(void)state;
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_MISMATCH, NULL, 0);
	len = good(buf, &m);
	buf[16 + 9] = COLO_AGENT_REASON_MAX;
	expect_err(buf, len, COLO_AGENT_E_REASON);
	buf[16 + 9] = 0;
	buf[16 + 8] = 1;
	expect_err(buf, len, COLO_AGENT_E_REASON);
}

static void test_flow_validation(void **state)
{
	struct colo_flow_key f = flow4();
	uint8_t buf[COLO_AGENT_MAX_MSG];
	struct colo_agent_msg m;
	size_t len;

	(void)state;
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_MISMATCH, &f, 0);
	len = good(buf, &m);
	buf[16 + 10] = 5; /* family */
	expect_err(buf, len, COLO_AGENT_E_FLOW);
	buf[16 + 10] = 4;
	buf[16 + 16 + 10] = 0; /* saddr no longer ::ffff:0:0/96 */
	expect_err(buf, len, COLO_AGENT_E_FLOW);
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_MISMATCH, NULL, 0);
	len = good(buf, &m);
	buf[len - 1] = 1; /* no flow, yet an address byte set */
	expect_err(buf, len, COLO_AGENT_E_FLOW);
}

static void test_commit_flags_unknown(void **state)
{
	uint8_t buf[COLO_AGENT_MAX_MSG];
	struct colo_agent_msg m;
	size_t len;

	(void)state;
	colo_agent_msg_commit(&m, 0, 0);
	len = good(buf, &m);
	buf[19] = 2;
	expect_err(buf, len, COLO_AGENT_E_FLAGS);
	buf[19] = 0;
	buf[16] = 0x80;
	expect_err(buf, len, COLO_AGENT_E_FLAGS);
}

static void test_error_text_not_printable(void **state)
{
	uint8_t buf[COLO_AGENT_MAX_MSG];
	struct colo_agent_msg m;
	size_t len;

	(void)state;
	colo_agent_msg_error(&m, COLO_AGENT_E_NONE, "abc");
	len = good(buf, &m);
	buf[len - 1] = '\n';
	expect_err(buf, len, COLO_AGENT_E_TEXT);
	buf[len - 1] = 0;
	expect_err(buf, len, COLO_AGENT_E_TEXT);
	buf[len - 1] = 0xc3;
	expect_err(buf, len, COLO_AGENT_E_TEXT);
	/* The constructor replaces what would fail. */
	colo_agent_msg_error(&m, COLO_AGENT_E_NONE, "a\nb\x01");
	assert_string_equal(m.error.text, "a?b?");
}

static void test_txid_presence(void **state)
{
	uint8_t buf[COLO_AGENT_MAX_MSG];
	struct colo_agent_msg m;
	size_t len;

	(void)state;
	colo_agent_msg_hello(&m, 0);
	len = good(buf, &m);
	buf[7] = 1;
	expect_err(buf, len, COLO_AGENT_E_TXID);
	colo_agent_msg_simple(&m, COLO_AGENT_FAILOVER, 0);
	len = good(buf, &m);
	buf[4] = 1;
	expect_err(buf, len, COLO_AGENT_E_TXID);
	colo_agent_msg_simple(&m, COLO_AGENT_CHECKPOINT_BEGIN, 1);
	len = good(buf, &m);
	buf[7] = 0;
	expect_err(buf, len, COLO_AGENT_E_TXID);
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_MISMATCH, NULL, 0);
	len = good(buf, &m);
	buf[7] = 0;
	expect_err(buf, len, COLO_AGENT_E_TXID);
}

static void test_ack_of_unackable_type(void **state)
{
	uint8_t buf[COLO_AGENT_MAX_MSG];
	struct colo_agent_msg m, acked;
	size_t len;

	(void)state;
	colo_agent_msg_simple(&acked, COLO_AGENT_FAILOVER, 0);
	colo_agent_msg_ack(&m, &acked);
	len = good(buf, &m);
	buf[17] = COLO_AGENT_HELLO;
	expect_err(buf, len, COLO_AGENT_E_TYPE);
	buf[17] = COLO_AGENT_ACK;
	expect_err(buf, len, COLO_AGENT_E_TYPE);
}

static void test_encode_checks(void **state)
{
	uint8_t buf[COLO_AGENT_MAX_MSG];
	struct colo_agent_msg m;

	(void)state;
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_MAX, NULL, 0);
	assert_int_equal(colo_agent_encode(&m, buf, sizeof(buf)), -EINVAL);
	colo_agent_msg_request(&m, 0, COLO_AGENT_REASON_MISMATCH, NULL, 0);
	assert_int_equal(colo_agent_encode(&m, buf, sizeof(buf)), -EINVAL);
	colo_agent_msg_commit(&m, 1, 0x10);
	assert_int_equal(colo_agent_encode(&m, buf, sizeof(buf)), -EINVAL);
	colo_agent_msg_simple(&m, COLO_AGENT_TYPE_MAX, 0);
	assert_int_equal(colo_agent_encode(&m, buf, sizeof(buf)), -EINVAL);
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_MISMATCH, NULL, 0);
	assert_int_equal(colo_agent_encode(&m, buf, 63), -ENOSPC);
	assert_int_equal(colo_agent_encode(&m, buf, 64), 64);
}

static void test_names_and_flow_str(void **state)
{
	struct colo_flow_key f4 = flow4(), f6 = flow6();
	char s[COLO_AGENT_FLOW_STR_LEN];

	(void)state;
	assert_string_equal(colo_agent_type_name(COLO_AGENT_CHECKPOINT_COMMIT), "commit");
	assert_string_equal(colo_agent_type_name(99), "?");
	assert_string_equal(colo_agent_reason_name(COLO_AGENT_REASON_QUEUE_FULL), "queue_full");
	assert_string_equal(colo_agent_reason_name(4), "?");
	assert_string_equal(colo_agent_err_name(COLO_AGENT_E_TXID), "txid");
	assert_string_equal(colo_agent_state_name(COLO_AGENT_ST_BEGUN), "begun");
	assert_string_equal(colo_agent_flow_str(&f4, s, sizeof(s)),
			    "tcp 10.77.0.2:80 > 10.77.0.1:40000");
	assert_string_equal(colo_agent_flow_str(&f6, s, sizeof(s)),
			    "udp [fd77::2]:53 > [fd77::1]:5353");
	assert_string_equal(colo_agent_flow_str(NULL, s, sizeof(s)), "none");
	f4.proto = 132;
	assert_string_equal(colo_agent_flow_str(&f4, s, sizeof(s)),
			    "proto 132 10.77.0.2 > 10.77.0.1");
}

/* The ORIGIN form: the exact bytes of its example in docs/agent-protocol.md. */
static void test_request_origin_wire_bytes(void **state)
{
	static const uint8_t want_hdr[] = {0xc0, 0xa9, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01,
					   0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40};
	static const uint8_t want_tail[] = {
		0x00, 0x01, 0x00, 0x00, 0x00, 0x0f, 0x42, 0x40, /* primary, stream, 1000000 */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* waited_ns 0 */
	};
	const struct colo_agent_origin o = {
		.side = 0, .pos_kind = COLO_AGENT_POS_STREAM, .pos = 1000000};
	struct colo_flow_key f = flow4();
	uint8_t buf[COLO_AGENT_MAX_MSG], short_form[COLO_AGENT_MAX_MSG];
	struct colo_agent_msg m;

	(void)state;
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_MISMATCH, &f, 5000000000ull);
	assert_int_equal(enc(&m, 2, short_form), 64);
	colo_agent_msg_request_origin(&m, &o);
	assert_int_equal(enc(&m, 2, buf), 80);
	assert_memory_equal(buf, want_hdr, sizeof(want_hdr));
	/* The first 48 payload bytes are the short form's. */
	assert_memory_equal(buf + 16, short_form + 16, 48);
	assert_memory_equal(buf + 64, want_tail, sizeof(want_tail));
}

static void test_request_origin_roundtrip(void **state)
{
	const struct colo_agent_origin o = {.side = 1,
					    .pos_kind = COLO_AGENT_POS_SEQ,
					    .pos = 0xdeadbeef,
					    .waited_ns = 3000000001ull};
	struct colo_flow_key f = flow6();
	uint8_t buf[COLO_AGENT_MAX_MSG];
	struct colo_agent_dec dec;
	struct colo_agent_msg m, out;

	(void)state;
	colo_agent_msg_request(&m, 9, COLO_AGENT_REASON_TIMEOUT, &f, 77);
	colo_agent_msg_request_origin(&m, &o);
	roundtrip(&m);
	/* The 48-byte form decodes without an origin. */
	colo_agent_msg_request(&m, 9, COLO_AGENT_REASON_TIMEOUT, &f, 77);
	assert_int_equal(dec1(buf, enc(&m, 1, buf), &out, &dec), 1);
	assert_false(out.request.has_origin);
	assert_string_equal(colo_agent_side_name(1), "secondary");
	assert_string_equal(colo_agent_side_name(2), "?");
}

static void test_request_origin_validation(void **state)
{
	const struct colo_agent_origin o = {.side = 0, .pos_kind = COLO_AGENT_POS_STREAM, .pos = 5};
	uint8_t buf[COLO_AGENT_MAX_MSG];
	struct colo_agent_msg m;
	size_t len;

	(void)state;
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_MISMATCH, NULL, 1);
	colo_agent_msg_request_origin(&m, &o);
	len = enc(&m, 1, buf);
	buf[64] = 2; /* side */
	expect_err(buf, len, COLO_AGENT_E_FLOW);
	buf[64] = 0;
	buf[65] = 3; /* position kind */
	expect_err(buf, len, COLO_AGENT_E_FLOW);
	buf[65] = 0; /* no kind, but a position */
	expect_err(buf, len, COLO_AGENT_E_FLOW);
	buf[65] = 1;
	buf[67] = 1; /* reserved */
	expect_err(buf, len, COLO_AGENT_E_RESERVED);
	buf[67] = 0;
	set_len(buf, 56); /* neither form */
	expect_err(buf, 16 + 56, COLO_AGENT_E_SIZE);
	/* What would not decode is not encoded either. */
	m.request.origin.side = 7;
	assert_int_equal(colo_agent_encode(&m, buf, sizeof(buf)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_hello),
		cmocka_unit_test(test_roundtrip_request_v4),
		cmocka_unit_test(test_roundtrip_request_v6_and_none),
		cmocka_unit_test(test_roundtrip_simple),
		cmocka_unit_test(test_roundtrip_commit_ack_error),
		cmocka_unit_test(test_request_wire_bytes),
		cmocka_unit_test(test_feed_byte_by_byte),
		cmocka_unit_test(test_feed_all_at_once),
		cmocka_unit_test(test_feed_varied_chunks),
		cmocka_unit_test(test_bad_magic_early),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_oversized_refused_at_header),
		cmocka_unit_test(test_size_wrong_for_type),
		cmocka_unit_test(test_bad_version_and_reserved),
		cmocka_unit_test(test_reason_out_of_range),
		cmocka_unit_test(test_flow_validation),
		cmocka_unit_test(test_commit_flags_unknown),
		cmocka_unit_test(test_error_text_not_printable),
		cmocka_unit_test(test_txid_presence),
		cmocka_unit_test(test_ack_of_unackable_type),
		cmocka_unit_test(test_encode_checks),
		cmocka_unit_test(test_names_and_flow_str),
		cmocka_unit_test(test_request_origin_wire_bytes),
		cmocka_unit_test(test_request_origin_roundtrip),
		cmocka_unit_test(test_request_origin_validation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
