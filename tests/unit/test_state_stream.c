// SPDX-License-Identifier: GPL-2.0-only
/*
 * State record stream: each record type written and read back, every refused field (patched
 * into a real multi-record stream at the offsets docs/state-format.md gives), truncation at every
 * byte, version and option mismatches, the writer's refusals, and the committed fuzz seeds
 * (tests/fuzz/seeds/state_*, relative to the repository root, as tests/run.sh runs it; with
 * COLO_STATE_WRITE_SEEDS=1 the test writes them instead).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/frame.h"
#include "lib/state_stream.h"
#include "pkt.h"

#define WRITTEN_NS 5000000000ull
#define MAX_RECS   16

/* ---- a real multi-record stream ------------------------------------------------------------ */

static struct colo_flow_key key4(void)
{
	struct colo_flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = 4;
	k.proto = IPPROTO_TCP;
	k.saddr[10] = k.saddr[11] = k.daddr[10] = k.daddr[11] = 0xff;
	inet_pton(AF_INET, "10.0.0.1", k.saddr + 12);
	inet_pton(AF_INET, "10.0.0.2", k.daddr + 12);
	k.sport = htons(80);
	k.dport = htons(40000);
	return k;
}

static struct colo_flow_key key6(void)
{
	struct colo_flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = 6;
	k.proto = IPPROTO_UDP;
	inet_pton(AF_INET6, "fd77::2", k.saddr);
	inet_pton(AF_INET6, "fd77::1", k.daddr);
	k.sport = htons(53);
	k.dport = htons(5353);
	return k;
}

static void sample_global(struct colo_state_global *g)
{
	unsigned int i;

	memset(g, 0, sizeof(*g));
	strcpy(g->instance, "t1");
	for (i = 0; i < sizeof(g->boot_id); i++)
		g->boot_id[i] = (uint8_t)(0xb0 + i);
	g->written_ns = WRITTEN_NS;
	g->opts = (struct colo_state_options){
		.shards = 4,
		.hook = COLO_HOOK_TC,
		.release = 0,
		.ifindex = {11, 12, 13},
		.split_segs = 10,
		.max_queue = 1024,
		.max_conns = 65536,
		.retx_window = 4u << 20,
		.retx_budget = 64u << 20,
		.max_held_bytes = 512ull << 20,
	};
	for (i = 0; i < COLO_STATE_NCOUNTERS; i++)
		g->counters[i] = 1000 + i;
}

static const struct colo_state_retx sample_hist[3] = {
	{1001, 100, 0x1111222233334444ull},
	{1101, 1448, 0x5555666677778888ull},
	{2549, 52, 0x99990000aaaabbbbull},
};

static void sample_tcp_conn(struct colo_state_conn *c, uint32_t shards)
{
	memset(c, 0, sizeof(*c));
	c->key = key4();
	c->shard = colo_flow_key_hash(&c->key) % shards;
	c->flags = COLO_STATE_CONN_OFF_KNOWN | COLO_STATE_CONN_POS_VALID |
		   COLO_STATE_CONN_P_HIGH_VALID;
	c->last_ns = WRITTEN_NS - 1000;
	c->nframes[COLO_SIDE_PRIMARY] = 2;
	c->nframes[COLO_SIDE_SECONDARY] = 1;
	c->seq_offset = 0x10000000;
	c->next = 2601;
	c->start = 1001;
	c->p_high = 4049;
	c->side[0] = (struct colo_state_side){COLO_TCP_SYN_RECV,
					      COLO_STATE_SIDE_SYN_SEEN | COLO_STATE_SIDE_ACK_VALID,
					      0x12,
					      1000,
					      1,
					      0,
					      501,
					      0};
	c->side[1] = (struct colo_state_side){COLO_TCP_ESTABLISHED,
					      COLO_STATE_SIDE_SYN_SEEN | COLO_STATE_SIDE_SYN_TS,
					      0x12,
					      0x10000000 + 1000,
					      1,
					      77,
					      0,
					      0};
	c->hist_len = 3;
	c->hist = sample_hist;
}

static void sample_udp_conn(struct colo_state_conn *c, uint32_t shards)
{
	memset(c, 0, sizeof(*c));
	c->key = key6();
	c->shard = colo_flow_key_hash(&c->key) % shards;
	c->flags = COLO_STATE_CONN_DIVERGED;
	c->debt = 2;
	c->last_ns = WRITTEN_NS - 10;
	c->nframes[COLO_SIDE_PRIMARY] = 1;
}

struct frame_buf {
	uint8_t bytes[256];
	struct colo_state_frame f;
};

static void sample_frame(struct frame_buf *fb, uint32_t conn, enum colo_side side, uint32_t seq,
			 const char *payload)
{
	struct pkt_spec spec = pkt_tcp4(seq, 1, COLO_TCP_ACK, payload, strlen(payload));
	size_t n = pkt_build(&spec, fb->bytes, sizeof(fb->bytes));

	assert_true(n > 0);
	memset(&fb->f, 0, sizeof(fb->f));
	fb->f.conn = conn;
	fb->f.side = side;
	fb->f.rec_flags = COLO_REC_CSUM_PARTIAL;
	fb->f.time_ns = WRITTEN_NS - 5000 + seq;
	fb->f.frame_len = fb->f.len = n;
	fb->f.csum_start = 34;
	fb->f.csum_offset = 16;
	fb->f.l3_off = 14;
	fb->f.l4_off = 34;
	fb->f.payload_off = 54;
	fb->f.l4_proto = IPPROTO_TCP;
	fb->f.family = 4;
	fb->f.data = fb->bytes;
}

static void sample_frame6(struct frame_buf *fb, uint32_t conn)
{
	struct pkt_spec spec = {.family = 6,
				.src = "fd77::2",
				.dst = "fd77::1",
				.proto = IPPROTO_UDP,
				.sport = 53,
				.dport = 5353,
				.payload = "answer",
				.payload_len = 6};
	size_t n = pkt_build(&spec, fb->bytes, sizeof(fb->bytes));

	assert_true(n > 0);
	memset(&fb->f, 0, sizeof(fb->f));
	fb->f.conn = conn;
	fb->f.side = COLO_SIDE_PRIMARY;
	fb->f.time_ns = WRITTEN_NS - 20;
	fb->f.frame_len = fb->f.len = n;
	fb->f.l3_off = 14;
	fb->f.l4_off = 54;
	fb->f.payload_off = 62;
	fb->f.l4_proto = IPPROTO_UDP;
	fb->f.family = 6;
	fb->f.data = fb->bytes;
}

static void sample_checkpoint(struct colo_state_checkpoint *cp, uint32_t shard)
{
	memset(cp, 0, sizeof(*cp));
	cp->id = 7;
	cp->reason = COLO_AGENT_REASON_MISMATCH;
	cp->state = COLO_STATE_CP_REQUESTED;
	cp->shard = shard;
	cp->flow = key4();
	cp->time_ns = WRITTEN_NS - 3000;
	cp->where_side = COLO_SIDE_PRIMARY;
	cp->where_pos_kind = 1;
	cp->where_pos = 1500;
	cp->covered = 3;
}

static const uint8_t sample_rx[3] = {0xc0, 0xa9, 0x00};
static const uint8_t sample_tx[20] = {0xc0, 0xa9, 0, 7, 0, 0, 0, 7, 0, 0, 0, 6};

static void sample_agent(struct colo_state_agent *a)
{
	unsigned int i;

	memset(a, 0, sizeof(*a));
	a->listen_fd = 5;
	a->conn_fd = 9;
	a->state = COLO_AGENT_ST_REQUESTED;
	a->txid = 7;
	a->tx_seq = 6;
	a->rx_seq = 4;
	a->peer_version = COLO_AGENT_VERSION;
	a->hello_sent = 1;
	a->features = COLO_AGENT_FEATURE_ORIGIN;
	a->peer_features = COLO_AGENT_FEATURE_ORIGIN | 0x80;
	a->unacked_count = 1;
	a->unacked[0] = (struct colo_state_unacked){COLO_AGENT_CHECKPOINT_REQUEST, 6, 7};
	for (i = 0; i < COLO_STATE_NAGENT_COUNTERS; i++)
		a->counters[i] = 10 + i;
	a->rx_len = sizeof(sample_rx);
	a->rx = sample_rx;
	a->tx_len = sizeof(sample_tx);
	a->tx = sample_tx;
}

/* The records of the sample stream, as written (index = record index). */
struct sample {
	struct colo_state_global g;
	struct colo_state_conn tcp, udp;
	struct frame_buf f2, f3, f5, f6;
	struct colo_state_checkpoint cp;
	struct colo_state_agent agent;
	uint8_t *buf;
	size_t len;
};

/*
 * 0 global, 1 conn 1 (TCP, 3 history entries), 2 frame conn 1 primary, 3 frame conn 1
 * secondary, 4 conn 2 (UDP over IPv6), 5 frame conn 2 primary, 6 frame conn 1 primary,
 * 7 checkpoint (requested), 8 agent (connected, that checkpoint in flight), 9 end.
 */
static void sample_build(struct sample *s)
{
	struct colo_state_writer *w = colo_state_writer_new(1 << 20);
	const uint8_t *buf;
	uint32_t id;

	assert_non_null(w);
	sample_global(&s->g);
	sample_tcp_conn(&s->tcp, s->g.opts.shards);
	sample_udp_conn(&s->udp, s->g.opts.shards);
	sample_frame(&s->f2, 1, COLO_SIDE_PRIMARY, 1001, "hello, world");
	sample_frame(&s->f3, 1, COLO_SIDE_SECONDARY, 1001, "hello, world");
	sample_frame6(&s->f5, 2);
	sample_frame(&s->f6, 1, COLO_SIDE_PRIMARY, 1013, "more bytes to compare");
	sample_checkpoint(&s->cp, s->tcp.shard);
	sample_agent(&s->agent);

	assert_int_equal(colo_state_write_global(w, &s->g), 0);
	assert_int_equal(colo_state_write_conn(w, &s->tcp, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(colo_state_write_frame(w, &s->f2.f), 0);
	assert_int_equal(colo_state_write_frame(w, &s->f3.f), 0);
	assert_int_equal(colo_state_write_conn(w, &s->udp, &id), 0);
	assert_int_equal(id, 2);
	assert_int_equal(colo_state_write_frame(w, &s->f5.f), 0);
	assert_int_equal(colo_state_write_frame(w, &s->f6.f), 0);
	assert_int_equal(colo_state_write_checkpoint(w, &s->cp), 0);
	assert_int_equal(colo_state_write_agent(w, &s->agent), 0);
	assert_int_equal(colo_state_writer_finish(w, &buf, &s->len), 0);
	s->buf = malloc(s->len);
	assert_non_null(s->buf);
	memcpy(s->buf, buf, s->len);
	colo_state_writer_free(w);
	s->tcp.id = 1;
	s->udp.id = 2;
}

/* ---- what the reader hands over ------------------------------------------------------------ */

struct got_rec {
	uint32_t type;
	union {
		struct colo_state_global g;
		struct colo_state_conn c;
		struct colo_state_frame f;
		struct colo_state_checkpoint cp;
		struct colo_state_agent a;
	};
	struct colo_state_retx hist[4];
	uint8_t bytes[256];
};

struct got {
	struct got_rec rec[MAX_RECS];
	int n;
	int stop_at; /* return 5 from this record's callback; -1 never */
};

static struct got_rec *got_next(struct got *g, uint32_t type)
{
	assert_true(g->n < MAX_RECS);
	g->rec[g->n].type = type;
	return &g->rec[g->n++];
}

static int got_ret(struct got *g)
{
	return g->n - 1 == g->stop_at ? 5 : 0;
}

static int on_global(void *ctx, const struct colo_state_global *g)
{
	got_next(ctx, COLO_STATE_GLOBAL)->g = *g;
	return got_ret(ctx);
}

static int on_conn(void *ctx, const struct colo_state_conn *c)
{
	struct got_rec *r = got_next(ctx, COLO_STATE_CONN);

	assert_true(c->hist_len <= 4);
	r->c = *c;
	if (c->hist_len)
		memcpy(r->hist, c->hist, c->hist_len * sizeof(*c->hist));
	return got_ret(ctx);
}

static int on_frame(void *ctx, const struct colo_state_frame *f)
{
	struct got_rec *r = got_next(ctx, COLO_STATE_FRAME);

	assert_true(f->len <= sizeof(r->bytes));
	r->f = *f;
	memcpy(r->bytes, f->data, f->len);
	return got_ret(ctx);
}

static int on_checkpoint(void *ctx, const struct colo_state_checkpoint *cp)
{
	got_next(ctx, COLO_STATE_CHECKPOINT)->cp = *cp;
	return got_ret(ctx);
}

static int on_agent(void *ctx, const struct colo_state_agent *a)
{
	struct got_rec *r = got_next(ctx, COLO_STATE_AGENT);

	assert_true(a->rx_len + a->tx_len <= sizeof(r->bytes));
	r->a = *a;
	memcpy(r->bytes, a->rx, a->rx_len);
	memcpy(r->bytes + a->rx_len, a->tx, a->tx_len);
	return got_ret(ctx);
}

static const struct colo_state_ops got_ops = {
	.global = on_global,
	.conn = on_conn,
	.frame = on_frame,
	.checkpoint = on_checkpoint,
	.agent = on_agent,
};

static int read_all(const uint8_t *buf, size_t len, const struct colo_state_expect *ex,
		    struct got *g, struct colo_state_err *err)
{
	memset(g, 0, sizeof(*g));
	g->stop_at = -1;
	return colo_state_read(buf, len, ex, &got_ops, g, err);
}

static void assert_conn_equal(const struct got_rec *r, const struct colo_state_conn *want)
{
	struct colo_state_conn c = r->c;

	assert_int_equal(r->type, COLO_STATE_CONN);
	assert_memory_equal(r->hist, want->hist, want->hist_len * sizeof(*want->hist));
	c.hist = want->hist;
	assert_memory_equal(&c, want, sizeof(c));
}

static void assert_frame_equal(const struct got_rec *r, const struct colo_state_frame *want)
{
	struct colo_state_frame f = r->f;

	assert_int_equal(r->type, COLO_STATE_FRAME);
	assert_memory_equal(r->bytes, want->data, want->len);
	f.data = want->data;
	assert_memory_equal(&f, want, sizeof(f));
}

static void assert_agent_equal(const struct got_rec *r, const struct colo_state_agent *want)
{
	struct colo_state_agent a = r->a;

	assert_int_equal(r->type, COLO_STATE_AGENT);
	assert_memory_equal(r->bytes, want->rx, want->rx_len);
	assert_memory_equal(r->bytes + want->rx_len, want->tx, want->tx_len);
	a.rx = want->rx;
	a.tx = want->tx;
	assert_memory_equal(&a, want, sizeof(a));
}

/* ---- round trips ----------------------------------------------------------------------------- */

static void test_roundtrip_all_types(void **state)
{
	struct colo_state_err err;
	struct sample s;
	struct got *g = malloc(sizeof(*g));
	(void)state;

	assert_non_null(g);
	sample_build(&s);
	assert_int_equal(read_all(s.buf, s.len, NULL, g, &err), 0);
	assert_string_equal(err.msg, "");
	assert_int_equal(g->n, 9);
	assert_int_equal(g->rec[0].type, COLO_STATE_GLOBAL);
	assert_memory_equal(&g->rec[0].g, &s.g, sizeof(s.g));
	assert_conn_equal(&g->rec[1], &s.tcp);
	assert_frame_equal(&g->rec[2], &s.f2.f);
	assert_frame_equal(&g->rec[3], &s.f3.f);
	assert_conn_equal(&g->rec[4], &s.udp);
	assert_frame_equal(&g->rec[5], &s.f5.f);
	assert_frame_equal(&g->rec[6], &s.f6.f);
	assert_int_equal(g->rec[7].type, COLO_STATE_CHECKPOINT);
	assert_memory_equal(&g->rec[7].cp, &s.cp, sizeof(s.cp));
	assert_agent_equal(&g->rec[8], &s.agent);
	free(s.buf);
	free(g);
}

/* Each record type alone after a global record (where the rules allow it alone). */
static void test_roundtrip_each_type(void **state)
{
	struct colo_state_writer *w;
	struct colo_state_checkpoint cp;
	struct colo_state_agent agent;
	struct colo_state_global gl;
	struct colo_state_conn c;
	struct colo_state_err err;
	struct frame_buf fb;
	const uint8_t *buf;
	struct got *g = malloc(sizeof(*g));
	size_t len;
	uint32_t id;
	int type;
	(void)state;

	assert_non_null(g);
	for (type = COLO_STATE_GLOBAL; type < COLO_STATE_TYPE_MAX; type++) {
		w = colo_state_writer_new(1 << 20);
		assert_non_null(w);
		sample_global(&gl);
		assert_int_equal(colo_state_write_global(w, &gl), 0);
		sample_tcp_conn(&c, gl.opts.shards);
		c.nframes[0] = type == COLO_STATE_FRAME;
		c.nframes[1] = 0;
		if (type == COLO_STATE_CONN || type == COLO_STATE_FRAME)
			assert_int_equal(colo_state_write_conn(w, &c, &id), 0);
		sample_frame(&fb, 1, COLO_SIDE_PRIMARY, 5000, "x");
		if (type == COLO_STATE_FRAME)
			assert_int_equal(colo_state_write_frame(w, &fb.f), 0);
		sample_checkpoint(&cp, 2);
		cp.state = COLO_STATE_CP_PENDING;
		if (type == COLO_STATE_CHECKPOINT)
			assert_int_equal(colo_state_write_checkpoint(w, &cp), 0);
		sample_agent(&agent);
		agent.state = COLO_AGENT_ST_IDLE;
		agent.unacked_count = 0;
		memset(agent.unacked, 0, sizeof(agent.unacked));
		if (type == COLO_STATE_AGENT)
			assert_int_equal(colo_state_write_agent(w, &agent), 0);
		assert_int_equal(colo_state_writer_finish(w, &buf, &len), 0);
		assert_int_equal(read_all(buf, len, NULL, g, &err), 0);
		assert_memory_equal(&g->rec[0].g, &gl, sizeof(gl));
		c.id = 1;
		if (type == COLO_STATE_GLOBAL)
			assert_int_equal(g->n, 1);
		if (type == COLO_STATE_CONN)
			assert_conn_equal(&g->rec[1], &c);
		if (type == COLO_STATE_FRAME)
			assert_frame_equal(&g->rec[2], &fb.f);
		if (type == COLO_STATE_CHECKPOINT)
			assert_memory_equal(&g->rec[1].cp, &cp, sizeof(cp));
		if (type == COLO_STATE_AGENT)
			assert_agent_equal(&g->rec[1], &agent);
		colo_state_writer_free(w);
	}
	free(g);
}

/* A stream read back and written again from the callbacks is the same bytes (one encoding). */
static int rw_global(void *ctx, const struct colo_state_global *g)
{
	return colo_state_write_global(ctx, g);
}

static int rw_conn(void *ctx, const struct colo_state_conn *c)
{
	uint32_t id;
	int r = colo_state_write_conn(ctx, c, &id);

	assert_int_equal(r ? c->id : id, c->id);
	return r;
}

static int rw_frame(void *ctx, const struct colo_state_frame *f)
{
	return colo_state_write_frame(ctx, f);
}

static int rw_checkpoint(void *ctx, const struct colo_state_checkpoint *cp)
{
	return colo_state_write_checkpoint(ctx, cp);
}

static int rw_agent(void *ctx, const struct colo_state_agent *a)
{
	return colo_state_write_agent(ctx, a);
}

static void test_rewrite_is_identical(void **state)
{
	static const struct colo_state_ops rw = {rw_global, rw_conn, rw_frame, rw_checkpoint,
						 rw_agent};
	struct colo_state_writer *w = colo_state_writer_new(1 << 20);
	struct colo_state_err err;
	const uint8_t *buf;
	struct sample s;
	size_t len;
	(void)state;

	sample_build(&s);
	assert_int_equal(colo_state_read(s.buf, s.len, NULL, &rw, w, &err), 0);
	assert_int_equal(colo_state_writer_finish(w, &buf, &len), 0);
	assert_int_equal(len, s.len);
	assert_memory_equal(buf, s.buf, len);
	colo_state_writer_free(w);
	free(s.buf);
}

/* ---- refused fields ---------------------------------------------------------------------- */

/* Byte offset of record index i in the stream. */
static size_t rec_off(const uint8_t *buf, size_t len, int i)
{
	size_t off = COLO_STATE_HDR_LEN;
	uint32_t rlen;

	while (i--) {
		assert_true(off + 8 <= len);
		memcpy(&rlen, buf + off + 4, 4);
		off += 8 + ((rlen + 7) & ~7u);
	}
	return off;
}

enum { HDR = -1 };

struct bad_case {
	int rec;	/* record index; HDR: the header */
	int off;	/* byte offset in the record's body (header: in the stream header) */
	int width;	/* 1, 2, 4 or 8 */
	uint64_t value; /* written in native order */
	int err_rec;	/* record the error names */
	const char *field;
	const char *why; /* a piece of the message */
};

/* Record header fields are at body offsets -8 (type) and -4 (length). */
static const struct bad_case bad_cases[] = {
	/* header */
	{HDR, 0, 1, 'C', HDR, "magic", "not a colo-xdp state stream"},
	{HDR, 8, 4, 0x04030201, HDR, "endian", "other byte order"},
	{HDR, 8, 4, 7, HDR, "endian", "not 0x01020304"},
	{HDR, 12, 4, 2, HDR, "version", "this build reads version 1"},
	{HDR, 16, 4, COLO_STATE_FEATURES | 0x100, HDR, "features", "unknown bits 0x100"},
	{HDR, 16, 4, COLO_STATE_F_MONOTONIC, HDR, "features", "lacks 0x1"},
	{HDR, 20, 4, 1, HDR, "reserved", "not zero"},
	/* record framing */
	{0, -8, 4, COLO_STATE_CONN, 0, "type", "the first record must be global"},
	{2, -8, 4, 99, 2, "type", "unknown record type"},
	{4, -8, 4, COLO_STATE_GLOBAL, 4, "type", "a second global record"},
	{0, -4, 4, 16, 0, "length", "a global record is 440 bytes"},
	{0, -4, 4, 0x7fffffff, 0, "length", "truncated"},
	{2, -4, 4, 39, 2, "length", "at least 40 bytes"},
	{2, 40 + 66, 1, 1, 2, "padding", "padding bytes not zero"},
	{9, -4, 4, 8, 9, "length", "truncated"},
	/* global */
	{0, 0, 1, '/', 0, "instance", "not a valid instance name"},
	{0, 3, 1, 'x', 0, "instance", "after the name's NUL"},
	{0, 88, 4, 2, 0, "flags", "unknown bits"},
	{0, 92, 4, 1, 0, "reserved", "not zero"},
	{0, 96, 4, 0, 0, "opts.shards", "out of range 1..16"},
	{0, 96, 4, 17, 0, "opts.shards", "out of range 1..16"},
	{0, 100, 4, 2, 0, "opts.hook", "out of range 0..1"},
	{0, 104, 4, 1, 0, "opts.xdp_mode", "with the tc hook"},
	{0, 108, 4, 2, 0, "opts.release", "out of range 0..1"},
	{0, 116, 4, 0, 0, "opts.ifindex", "role 1"},
	{0, 124, 4, 65, 0, "opts.split_segs", "out of range 0..64"},
	{0, 128, 4, 0, 0, "opts.max_queue", "out of range"},
	{0, 132, 4, 0, 0, "opts.max_conns", "out of range"},
	{0, 136, 4, 4095, 0, "opts.retx_window", "out of range 4096.."},
	{0, 140, 4, 1, 0, "reserved", "not zero"},
	{0, 144, 8, 0, 0, "opts.retx_budget", "not >= 1"},
	{0, 152, 8, 0, 0, "opts.max_held_bytes", "not >= 1"},
	/* connection 1 (TCP) */
	{1, 0, 4, 2, 1, "id", "not the next connection id 1"},
	{1, 4, 4, 4, 1, "shard", "out of range 0..3"},
	{1, 8 + 37, 1, 5, 1, "key.family", "not 4 or 6"},
	{1, 8 + 0, 1, 1, 1, "key.saddr", "not ::ffff:a.b.c.d"},
	{1, 8 + 16, 1, 1, 1, "key.daddr", "not ::ffff:a.b.c.d"},
	{1, 8 + 38, 1, 1, 1, "key.pad", "not zero"},
	{1, 48, 4, 1u << 10, 1, "flags", "unknown bits"},
	{1, 52, 4, 1, 1, "debt", "not 0 for a TCP flow"},
	{1, 56, 8, WRITTEN_NS + 1, 1, "last_ns", "after the snapshot"},
	{1, 68, 4, 1025, 1, "nframes.secondary", "over max_queue 1024"},
	{1, 76, 4, 5, 1, "ts_offset", "while its flag is clear"},
	{1, 80, 4, 1000, 1, "next", "before start 1001"},
	{1, 88, 4, 9, 1, "floor", "while its flag is clear"},
	{1, 100, 4, 1, 1, "reserved", "not zero"},
	{1, 104, 1, 6, 1, "primary.tcp_state", "out of range 0..5"},
	{1, 105, 1, 8, 1, "primary.flags", "unknown bits"},
	{1, 116, 4, 3, 1, "primary.syn_tsval", "without syn_ts"},
	{1, 128 + 16, 4, 3, 1, "secondary.max_ack", "without ack_valid"},
	{1, 152, 4, 8193, 1, "hist_len", "over 8192 entries"},
	{1, 152, 4, 2, 1, "length", "with 2 history entries is 192 bytes"},
	{1, 156, 4, 1, 1, "reserved", "not zero"},
	{1, 160 + 4, 4, 0, 1, "hist[0].len", "out of range 1..65792"},
	{1, 160 + 16, 4, 1050, 1, "hist[1].seq", "overlaps"},
	/* frames */
	{2, 0, 4, 3, 2, "conn", "no connection record with this id before (1 so far)"},
	{2, 4, 1, 2, 2, "side", "out of range 0..1"},
	{2, 5, 1, 0x80 | COLO_REC_CSUM_PARTIAL, 2, "rec_flags", "unknown bits"},
	{2, 5, 1, COLO_REC_QINQ | COLO_REC_CSUM_PARTIAL, 2, "rec_flags", "qinq without vlan"},
	{2, 6, 2, 1448, 2, "gso_size", "without the gso flag"},
	{2, 5, 1, COLO_REC_GSO | COLO_REC_CSUM_PARTIAL, 2, "gso_size", "0 with the gso flag"},
	{2, 5, 1, 0, 2, "csum_start", "without the csum_partial flag"},
	{2, 8, 8, WRITTEN_NS + 1, 2, "time_ns", "after the snapshot"},
	{2, 16, 4, 10, 2, "frame_len", "shorter than len"},
	{2, 16, 4, 1000, 2, "frame_len", "truncated flag"},
	{2, 20, 4, 1, 2, "gso_type", "without the gso flag"},
	{2, 26, 2, 100, 2, "csum_offset", "past the frame's"},
	{2, 28, 2, 1000, 2, "l3_off", "past the frame's"},
	{2, 30, 2, 10, 2, "l4_off", "not after l3_off 14"},
	{2, 32, 2, 20, 2, "payload_off", "not after l4_off 34"},
	{2, 36, 4, 0, 2, "len", "out of range 1..65792"},
	{2, 36, 4, 12, 2, "length", "a frame of 12 bytes takes 52"},
	{5, 0, 4, 1, 5, "family", "connection 1 is family 4"},
	{1, 64, 4, 1, 6, "side", "connection 1 declared only 1 frames"},
	{1, 68, 4, 2, 9, "conn", "declared 2 secondary frames, the stream has 1"},
	/* connection 2 (UDP) */
	{4, 48, 4, COLO_STATE_CONN_OFF_KNOWN, 4, "flags", "TCP-only bits"},
	{4, 96, 4, 1, 4, "fin_seq", "not 0 for a non-TCP flow"},
	{4, 124, 4, 1, 4, "primary.rst", "not 0 for a non-TCP flow"},
	/* checkpoint */
	{7, 0, 4, 0, 7, "id", "not >= 1"},
	{7, 4, 4, 4, 7, "reason", "out of range 0..3"},
	{7, 8, 4, 0, 7, "state", "out of range 1..3"},
	{7, 12, 4, 4, 7, "shard", "out of range 0..3"},
	{7, 16 + 37, 1, 9, 7, "flow.family", "not 4 or 6"},
	{7, 56, 8, WRITTEN_NS + 1, 7, "time_ns", "after the snapshot"},
	{7, 64, 1, 2, 7, "where_side", "out of range 0..1"},
	{7, 65, 1, 3, 7, "where_pos_kind", "out of range 0..2"},
	{7, 65, 1, 0, 7, "where_pos", "without a position kind"},
	{7, 66, 2, 1, 7, "reserved", "not zero"},
	{7, 72, 8, 1, 7, "waited_ns", "not 0 for a mismatch checkpoint"},
	{7, 8, 4, COLO_STATE_CP_BEGUN, 8, "state", "the checkpoint record is begun"},
	/* agent */
	{8, 0, 4, 1, 8, "listen_fd", "not -1 or 3.."},
	{8, 4, 4, 5, 8, "conn_fd", "the same as listen_fd"},
	{8, 4, 4, 0xffffffff, 8, "state", "not 0 without a connection"},
	{8, 8, 4, 5, 8, "state", "out of range 0..4"},
	{8, 8, 4, COLO_AGENT_ST_IDLE, 8, "state", "the session has none in flight"},
	{8, 12, 4, 8, 8, "txid", "the checkpoint record's id is 7"},
	{8, 26, 1, 2, 8, "hello_sent", "not 0 or 1"},
	{8, 27, 1, 1, 8, "reserved", "not zero"},
	{8, 32, 4, 17, 8, "unacked_count", "out of range 0..16"},
	{8, 36, 4, COLO_AGENT_MAX_MSG, 8, "rx_len", "not short of one message"},
	{8, 40, 4, COLO_STATE_AGENT_MAX_OUT + 1, 8, "tx_len", "over 65536"},
	{8, 40, 4, 0, 8, "length", "is 299 bytes"},
	{8, 44, 4, 2, 8, "features", "unknown bits (known: 0x1)"},
	{8, 26, 1, 0, 8, "hello_sent", "0 in state requested"},
	{8, 48, 2, COLO_AGENT_ACK, 8, "unacked[0].type", "acks of requests only"},
	{8, 52, 4, 7, 8, "unacked[0].seq", "after tx_seq 6"},
	{8, 56, 4, 0, 8, "unacked[0].txid", "not >= 1"},
	{8, 60, 4, 1, 8, "reserved", "not zero"},
};

static void patch(uint8_t *p, int width, uint64_t v)
{
	uint8_t b1 = (uint8_t)v;
	uint16_t b2 = (uint16_t)v;
	uint32_t b4 = (uint32_t)v;

	if (width == 1)
		memcpy(p, &b1, 1);
	else if (width == 2)
		memcpy(p, &b2, 2);
	else if (width == 4)
		memcpy(p, &b4, 4);
	else
		memcpy(p, &v, 8);
}

static void expect_refused(const uint8_t *buf, size_t len, const struct colo_state_expect *ex,
			   int err_rec, const char *field, const char *why)
{
	struct colo_state_err err;
	struct got *g = malloc(sizeof(*g));
	char head[64];

	assert_non_null(g);
	assert_int_equal(read_all(buf, len, ex, g, &err), -EINVAL);
	assert_int_equal(g->n, 0); /* nothing handed over */
	if (!strstr(err.msg, why) || strcmp(err.field, field) || err.index != err_rec)
		fail_msg("want record %d field %s (%s), got: %s [field %s]", err_rec, field, why,
			 err.msg, err.field);
	if (err_rec == HDR)
		snprintf(head, sizeof(head), "header: %s ", field);
	else
		snprintf(head, sizeof(head), "record %d (%s) at byte ", err_rec,
			 colo_state_type_name(err.type));
	assert_true(!strncmp(err.msg, head, strlen(head)));
	assert_non_null(strchr(err.msg, ':'));
	assert_null(strchr(err.msg, '\n'));
	free(g);
}

static void test_bad_fields(void **state)
{
	struct sample s;
	uint8_t *copy;
	size_t i, at;
	(void)state;

	sample_build(&s);
	copy = malloc(s.len);
	assert_non_null(copy);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];

		memcpy(copy, s.buf, s.len);
		at = c->rec == HDR ? (size_t)c->off : rec_off(copy, s.len, c->rec) + 8 + c->off;
		assert_true(at + c->width <= s.len);
		patch(copy + at, c->width, c->value);
		expect_refused(copy, s.len, NULL, c->err_rec, c->field, c->why);
	}
	free(copy);
	free(s.buf);
}

static void test_trailing_and_missing_end(void **state)
{
	struct sample s;
	uint8_t *longer;
	(void)state;

	sample_build(&s);
	longer = calloc(1, s.len + 8);
	assert_non_null(longer);
	memcpy(longer, s.buf, s.len);
	expect_refused(longer, s.len + 8, NULL, 9, "trailing", "bytes after the end record");
	expect_refused(s.buf, s.len - 8, NULL, 9, "length", "ends without an end record");
	free(longer);
	free(s.buf);
}

/* Every proper prefix of a real stream is refused, and nothing is handed over. */
static void test_truncation_every_offset(void **state)
{
	struct colo_state_err err;
	struct got *g = malloc(sizeof(*g));
	struct sample s;
	uint8_t *copy;
	size_t n;
	(void)state;

	assert_non_null(g);
	sample_build(&s);
	for (n = 0; n < s.len; n++) {
		copy = malloc(n ? n : 1); /* its own allocation: ASan sees a read past it */
		assert_non_null(copy);
		memcpy(copy, s.buf, n);
		assert_int_equal(read_all(copy, n, NULL, g, &err), -EINVAL);
		assert_int_equal(g->n, 0);
		assert_true(err.msg[0]);
		free(copy);
	}
	assert_int_equal(read_all(s.buf, s.len, NULL, g, &err), 0);
	free(s.buf);
	free(g);
}

static void test_version_mismatch(void **state)
{
	struct sample s;
	uint32_t v = COLO_STATE_VERSION + 1;
	(void)state;

	sample_build(&s);
	memcpy(s.buf + 12, &v, 4);
	expect_refused(s.buf, s.len, NULL, HDR, "version", "version 2: this build reads version 1");
	free(s.buf);
}

static struct colo_state_expect sample_expect(const struct sample *s)
{
	struct colo_state_expect ex = {.instance = s->g.instance, .opts = s->g.opts};

	memcpy(ex.boot_id, s->g.boot_id, sizeof(ex.boot_id));
	return ex;
}

static void test_options_mismatch(void **state)
{
	struct colo_state_expect ex;
	struct colo_state_err err;
	struct got *g = malloc(sizeof(*g));
	struct sample s;
	(void)state;

	assert_non_null(g);
	sample_build(&s);
	ex = sample_expect(&s);
	assert_int_equal(read_all(s.buf, s.len, &ex, g, &err), 0);
	assert_int_equal(g->n, 9);

	ex.opts.shards = 2;
	expect_refused(s.buf, s.len, &ex, 0, "opts.shards",
		       "opts.shards 4: this daemon runs with 2");
	ex = sample_expect(&s);
	ex.opts.ifindex[2] = 99;
	expect_refused(s.buf, s.len, &ex, 0, "opts.ifindex", "role 2: this daemon runs with 99");
	ex = sample_expect(&s);
	ex.opts.max_held_bytes = 1;
	expect_refused(s.buf, s.len, &ex, 0, "opts.max_held_bytes", "this daemon runs with 1");
	ex = sample_expect(&s);
	ex.instance = "t2";
	expect_refused(s.buf, s.len, &ex, 0, "instance", "\"t1\", this daemon is \"t2\"");
	ex = sample_expect(&s);
	ex.boot_id[0] ^= 1;
	expect_refused(s.buf, s.len, &ex, 0, "boot_id", "another boot");
	free(s.buf);
	free(g);
}

/* A callback's error stops the walk and is returned; records after it are not handed over. */
static void test_callback_stops(void **state)
{
	struct colo_state_err err;
	struct got *g = malloc(sizeof(*g));
	struct sample s;
	(void)state;

	assert_non_null(g);
	sample_build(&s);
	memset(g, 0, sizeof(*g));
	g->stop_at = 2;
	assert_int_equal(colo_state_read(s.buf, s.len, NULL, &got_ops, g, &err), 5);
	assert_int_equal(g->n, 3);
	free(s.buf);
	free(g);
}

/* ---- the writer refuses what the reader would ---------------------------------------------- */

static void expect_write_err(struct colo_state_writer *w, int r, const char *field, const char *why)
{
	const struct colo_state_err *e = colo_state_writer_err(w);

	assert_int_equal(r, -EINVAL);
	if (strcmp(e->field, field) || !strstr(e->msg, why))
		fail_msg("want field %s (%s), got: %s", field, why, e->msg);
}

static void test_writer_refuses(void **state)
{
	struct colo_state_writer *w = colo_state_writer_new(1 << 20);
	struct colo_state_checkpoint cp;
	struct colo_state_global gl;
	struct colo_state_conn c;
	struct colo_state_err err;
	struct frame_buf fb;
	const uint8_t *buf;
	struct got *g = malloc(sizeof(*g));
	size_t len;
	uint32_t id = 0;
	(void)state;

	assert_non_null(g);
	sample_global(&gl);
	sample_tcp_conn(&c, gl.opts.shards);
	c.nframes[0] = c.nframes[1] = 0;
	expect_write_err(w, colo_state_write_conn(w, &c, &id), "type", "must be global");
	assert_int_equal(colo_state_write_global(w, &gl), 0);
	expect_write_err(w, colo_state_write_global(w, &gl), "type", "a second global");
	assert_int_equal(colo_state_write_conn(w, &c, &id), 0);
	assert_int_equal(id, 1);
	expect_write_err(w, colo_state_write_conn(w, &c, &id), "key", "flow of connection 1");
	c.hist_len = COLO_STATE_MAX_HIST + 1;
	expect_write_err(w, colo_state_write_conn(w, &c, &id), "hist_len", "over 8192");
	{
		struct colo_state_conn u;

		sample_udp_conn(&u, gl.opts.shards);
		u.nframes[0] = 0;
		u.shard = (u.shard + 1) % gl.opts.shards;
		expect_write_err(w, colo_state_write_conn(w, &u, &id), "shard", "hashes to shard");
	}
	sample_frame(&fb, 1, COLO_SIDE_PRIMARY, 5000, "x");
	expect_write_err(w, colo_state_write_frame(w, &fb.f), "side", "declared only 0");
	fb.f.conn = 2;
	expect_write_err(w, colo_state_write_frame(w, &fb.f), "conn", "no connection record");
	fb.f.conn = 1;
	fb.f.len = COLO_MAX_FRAME + 1;
	expect_write_err(w, colo_state_write_frame(w, &fb.f), "len", "out of range");
	sample_checkpoint(&cp, 0);
	assert_int_equal(colo_state_write_checkpoint(w, &cp), 0);
	expect_write_err(w, colo_state_write_checkpoint(w, &cp), "type", "a second checkpoint");
	/* A requested checkpoint needs the agent record that has it in flight. */
	expect_write_err(w, colo_state_writer_finish(w, &buf, &len), "type",
			 "checkpoint 7 is requested but there is no agent record");
	{
		struct colo_state_agent a;

		sample_agent(&a);
		a.rx_len = COLO_AGENT_MAX_MSG;
		expect_write_err(w, colo_state_write_agent(w, &a), "rx_len", "short of one");
		sample_agent(&a);
		assert_int_equal(colo_state_write_agent(w, &a), 0);
	}
	assert_int_equal(colo_state_writer_finish(w, &buf, &len), 0);
	assert_int_equal(colo_state_write_global(w, &gl), -EALREADY);
	/* The refused records left nothing behind. */
	assert_int_equal(read_all(buf, len, NULL, g, &err), 0);
	assert_int_equal(g->n, 4);
	colo_state_writer_free(w);

	w = colo_state_writer_new(COLO_STATE_HDR_LEN + 100);
	assert_int_equal(colo_state_write_global(w, &gl), -ENOSPC);
	colo_state_writer_free(w);
	w = colo_state_writer_new(1 << 20);
	expect_write_err(w, colo_state_writer_finish(w, &buf, &len), "", "no global record");
	colo_state_writer_free(w);
	free(g);
}

/* Connection n of many: its own client address, in the right shard. */
static void many_conn(struct colo_state_conn *c, uint32_t n, uint32_t shards)
{
	memset(c, 0, sizeof(*c));
	c->key = key4();
	c->key.daddr[13] = (uint8_t)(n >> 8);
	c->key.daddr[14] = (uint8_t)n;
	c->shard = colo_flow_key_hash(&c->key) % shards;
}

static int count_conn(void *ctx, const struct colo_state_conn *c)
{
	uint32_t *n = ctx;

	assert_int_equal(c->id, ++*n);
	return 0;
}

/* The key set grows past its first size (and rehashes) and still finds every duplicate. */
static void test_many_conns(void **state)
{
	static const struct colo_state_ops ops = {.conn = count_conn};
	struct colo_state_writer *w = colo_state_writer_new(16 << 20);
	struct colo_state_global gl;
	struct colo_state_conn c;
	struct colo_state_err err;
	const uint8_t *buf;
	uint32_t i, id, n = 0;
	size_t len;
	(void)state;

	sample_global(&gl);
	assert_int_equal(colo_state_write_global(w, &gl), 0);
	for (i = 1; i <= 3000; i++) {
		many_conn(&c, i, gl.opts.shards);
		assert_int_equal(colo_state_write_conn(w, &c, &id), 0);
		assert_int_equal(id, i);
	}
	many_conn(&c, 1234, gl.opts.shards);
	expect_write_err(w, colo_state_write_conn(w, &c, &id), "key", "flow of connection 1234");
	assert_int_equal(colo_state_writer_finish(w, &buf, &len), 0);
	assert_int_equal(colo_state_read(buf, len, NULL, &ops, &n, &err), 0);
	assert_int_equal(n, 3000);
	colo_state_writer_free(w);

	/* At most max_conns connections per shard. */
	w = colo_state_writer_new(1 << 20);
	gl.opts.shards = 1;
	gl.opts.max_conns = 10;
	assert_int_equal(colo_state_write_global(w, &gl), 0);
	for (i = 1; i <= 10; i++) {
		many_conn(&c, i, 1);
		assert_int_equal(colo_state_write_conn(w, &c, &id), 0);
	}
	many_conn(&c, 11, 1);
	expect_write_err(w, colo_state_write_conn(w, &c, &id), "shard", "more than max_conns 10");
	colo_state_writer_free(w);
}

/* ---- committed fuzz seeds ------------------------------------------------------------------ */

static size_t minimal_stream(uint8_t **out)
{
	struct colo_state_writer *w = colo_state_writer_new(1 << 16);
	struct colo_state_global gl;
	const uint8_t *buf;
	size_t len;

	sample_global(&gl);
	gl.flags = COLO_STATE_G_FAILOVER;
	assert_int_equal(colo_state_write_global(w, &gl), 0);
	assert_int_equal(colo_state_writer_finish(w, &buf, &len), 0);
	*out = malloc(len);
	assert_non_null(*out);
	memcpy(*out, buf, len);
	colo_state_writer_free(w);
	return len;
}

static void check_seed(const char *name, const uint8_t *buf, size_t len)
{
	char path[128], *have;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "tests/fuzz/seeds/%s", name);
	if (getenv("COLO_STATE_WRITE_SEEDS")) {
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(buf, 1, len, f), len);
		assert_int_equal(fclose(f), 0);
	}
	f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: cannot open (run from the repository root)", path);
	have = malloc(len + 1);
	assert_non_null(have);
	n = fread(have, 1, len + 1, f);
	fclose(f);
	if (n != len || memcmp(have, buf, len))
		fail_msg("%s differs from what the writer writes now: a format change needs a "
			 "version bump and new seeds (COLO_STATE_WRITE_SEEDS=1)",
			 path);
	free(have);
}

static void test_seeds_are_current(void **state)
{
	struct sample s;
	uint8_t *min;
	size_t n;
	(void)state;

	sample_build(&s);
	check_seed("state_sample", s.buf, s.len);
	n = minimal_stream(&min);
	check_seed("state_failover", min, n);
	free(min);
	free(s.buf);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(colo_state_type_name(COLO_STATE_CHECKPOINT), "checkpoint");
	assert_string_equal(colo_state_type_name(99), "?");
	assert_string_equal(colo_state_counter_name(COLO_STATE_C_MEM_REFUSED), "mem_refused");
	assert_string_equal(colo_state_counter_name(COLO_STATE_NCOUNTERS), "?");
	assert_string_equal(colo_state_agent_counter_name(COLO_STATE_A_OUT_FULL), "out_full");
	assert_string_equal(colo_state_cp_state_name(COLO_STATE_CP_BEGUN), "begun");
	assert_string_equal(colo_state_cp_state_name(0), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all_types),
		cmocka_unit_test(test_roundtrip_each_type),
		cmocka_unit_test(test_rewrite_is_identical),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_trailing_and_missing_end),
		cmocka_unit_test(test_truncation_every_offset),
		cmocka_unit_test(test_version_mismatch),
		cmocka_unit_test(test_options_mismatch),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_writer_refuses),
		cmocka_unit_test(test_many_conns),
		cmocka_unit_test(test_seeds_are_current),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
