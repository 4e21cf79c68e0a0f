// SPDX-License-Identifier: GPL-2.0-only
/*
 * State stream microbenchmark (build/bench/bench_state): how long writing and reading a whole
 * stream takes for a few daemon states, one core, everything in memory. A live update pauses
 * comparison for about write + read, so these bound that part of its pause.
 *
 * Each configuration: conns TCP connections (their flow keys spread over 4 shards), each with
 * hist retransmission history entries and frames held primary frames of frame_bytes each, a
 * checkpoint in flight and an agent session. Prints the stream's size and the median of
 * RUNS of: the write (every record and END into a fresh writer) and the read (validation pass
 * and callback pass, the callbacks touching each frame's first byte).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/state_stream.h"

#define RUNS   5
#define SHARDS 4

struct config {
	const char *what;
	uint32_t conns, frames, frame_bytes, hist;
};

static const struct config configs[] = {
	{"16 bulk conns, 64 GSO frames held each", 16, 64, 65536, 8192},
	{"1,000 conns, 4 MTU frames held each", 1000, 4, 1514, 64},
	{"100,000 idle conns", 100000, 0, 0, 64},
	{"100,000 conns, 1 MTU frame held each", 100000, 1, 1514, 64},
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void conn_of(struct colo_state_conn *c, uint32_t i, const struct config *cfg,
		    const struct colo_state_retx *hist)
{
	memset(c, 0, sizeof(*c));
	c->key.family = 4;
	c->key.proto = 6;
	c->key.saddr[10] = c->key.saddr[11] = c->key.daddr[10] = c->key.daddr[11] = 0xff;
	c->key.saddr[12] = 10;
	c->key.daddr[12] = 10;
	c->key.daddr[13] = (uint8_t)(i >> 16);
	c->key.daddr[14] = (uint8_t)(i >> 8);
	c->key.daddr[15] = (uint8_t)i;
	c->key.sport = htons(80);
	c->key.dport = htons(40000);
	c->shard = colo_flow_key_hash(&c->key) % SHARDS;
	c->flags = COLO_STATE_CONN_OFF_KNOWN | COLO_STATE_CONN_POS_VALID;
	c->nframes[COLO_SIDE_PRIMARY] = cfg->frames;
	c->seq_offset = 12345;
	c->next = 1 + cfg->hist * 1448;
	c->start = 1;
	c->hist_len = cfg->hist;
	c->hist = hist;
}

static const uint8_t *write_stream(const struct config *cfg, const uint8_t *bytes,
				   const struct colo_state_retx *hist, struct colo_state_writer *w,
				   size_t *len)
{
	struct colo_state_global g = {.written_ns = 1ull << 40};
	struct colo_state_frame f = {.side = COLO_SIDE_PRIMARY, .family = 4, .l4_proto = 6};
	struct colo_state_checkpoint cp = {.id = 9, .state = COLO_STATE_CP_REQUESTED};
	struct colo_state_agent a = {.listen_fd = 3, .conn_fd = 4, .hello_sent = 1};
	struct colo_state_conn c;
	const uint8_t *buf;
	uint32_t i, j, id;

	strcpy(g.instance, "bench");
	g.opts = (struct colo_state_options){SHARDS, 0,	       0,	 0,	    {1, 2, 3}, 10,
					     1024,   1u << 24, 4u << 20, 64u << 20, 512u << 20};
	f.len = f.frame_len = cfg->frame_bytes;
	f.data = bytes;
	f.time_ns = 1ull << 39;
	a.state = COLO_AGENT_ST_REQUESTED;
	a.txid = 9;
	if (colo_state_write_global(w, &g))
		return NULL;
	for (i = 0; i < cfg->conns; i++) {
		conn_of(&c, i, cfg, hist);
		if (colo_state_write_conn(w, &c, &id))
			return NULL;
		f.conn = id;
		for (j = 0; j < cfg->frames; j++)
			if (colo_state_write_frame(w, &f))
				return NULL;
	}
	if (colo_state_write_checkpoint(w, &cp) || colo_state_write_agent(w, &a) ||
	    colo_state_writer_finish(w, &buf, len))
		return NULL;
	return buf;
}

static int on_frame(void *ctx, const struct colo_state_frame *f)
{
	*(uint64_t *)ctx += f->data[0];
	return 0;
}

static int run(const struct config *cfg)
{
	static const struct colo_state_ops ops = {.frame = on_frame};
	double w_ms[RUNS], r_ms[RUNS], t;
	struct colo_state_retx *hist = calloc(cfg->hist ? cfg->hist : 1, sizeof(*hist));
	uint8_t *bytes = calloc(1, cfg->frame_bytes ? cfg->frame_bytes : 1);
	struct colo_state_writer *w;
	struct colo_state_err err;
	const uint8_t *buf;
	uint64_t touched = 0;
	size_t len = 0;
	uint32_t i;
	int k;

	if (!hist || !bytes)
		return 1;
	for (i = 0; i < cfg->hist; i++)
		hist[i] = (struct colo_state_retx){1 + i * 1448, 1448, i * 0x9e3779b97f4a7c15ull};
	for (k = 0; k < RUNS; k++) {
		w = colo_state_writer_new(4ull << 30);
		t = now_ms();
		buf = w ? write_stream(cfg, bytes, hist, w, &len) : NULL;
		w_ms[k] = now_ms() - t;
		if (!buf) {
			fprintf(stderr, "bench_state: write failed: %s\n",
				w ? colo_state_writer_err(w)->msg : "out of memory");
			return 1;
		}
		t = now_ms();
		if (colo_state_read(buf, len, NULL, &ops, &touched, &err)) {
			fprintf(stderr, "bench_state: read failed: %s\n", err.msg);
			return 1;
		}
		r_ms[k] = now_ms() - t;
		colo_state_writer_free(w);
	}
	qsort(w_ms, RUNS, sizeof(double), cmp_double);
	qsort(r_ms, RUNS, sizeof(double), cmp_double);
	printf("%-42s %9.1f MiB  write %7.1f ms  read %7.1f ms  (%.0f MiB/s write+read)\n",
	       cfg->what, len / 1048576.0, w_ms[RUNS / 2], r_ms[RUNS / 2],
	       len / 1048576.0 / ((w_ms[RUNS / 2] + r_ms[RUNS / 2]) / 1e3));
	free(hist);
	free(bytes);
	return touched == (uint64_t)-1; /* keeps the callback's reads */
}

int main(void)
{
	size_t i;

	printf("state stream, median of %d runs\n", RUNS);
	for (i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
		if (run(&configs[i]))
			return 1;
	return 0;
}
