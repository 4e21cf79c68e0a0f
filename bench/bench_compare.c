// SPDX-License-Identifier: GPL-2.0-only
/*
 * Comparator microbenchmark (make bench-compare): one core, frames pre-built in memory, both
 * replicas sending the same TCP byte stream. For each configuration (payload per primary segment,
 * same or different segmentation on the secondary, number of flows) it feeds a fixed amount of
 * primary payload and prints payload Gbit/s and primary segments/s.
 *
 * The frames of one round (per flow: CHUNK primary segments, then the secondary's frames with
 * the same bytes) are built before timing; between rounds, outside the timed region, their
 * sequence numbers are moved on by the bytes a round carries, and the same buffers go again.
 */
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/compare.h"
#include "lib/frame.h"
#include "../tests/unit/pkt.h"

#define CHUNK	    4		 /* primary segments per flow and round */
#define ROUND_SEGS  16384	 /* primary segments per round, at least */
#define MTU_BYTES   (3ull << 30) /* primary payload fed per MTU-sized configuration */
#define SMALL_SEGS  10000000ull	 /* primary segments fed per 64-byte configuration */
#define MAX_SECONDS 6.0		 /* a configuration stops early past this much timed work */
#define P_ISN	    1000u
#define S_ISN	    7000000u

struct bframe {
	uint8_t *data;
	uint32_t len;
	uint16_t seq_off; /* where the TCP sequence number sits in data */
};

struct config {
	uint32_t payload;
	bool diff_seg;
	uint32_t flows;
};

struct counters {
	uint64_t released, released_bytes, dropped, checkpoints;
};

static void on_release(void *ctx, void *cookie, const uint8_t *data, uint32_t len)
{
	struct counters *c = ctx;

	(void)cookie;
	(void)data;
	c->released++;
	c->released_bytes += len;
}

static void on_drop(void *ctx, void *cookie, enum colo_side side, enum colo_drop_reason reason)
{
	struct counters *c = ctx;

	(void)cookie;
	(void)side;
	(void)reason;
	c->dropped++;
}

static void on_checkpoint(void *ctx, enum colo_cp_reason reason, const struct colo_flow_key *flow,
			  const struct colo_cp_where *where, uint64_t time_ns)
{
	struct counters *c = ctx;

	(void)reason;
	(void)flow;
	(void)where;
	(void)time_ns;
	c->checkpoints++;
}

static void on_offset(void *ctx, const struct colo_flow_key *flow, uint32_t seq_offset,
		      uint32_t ts_offset, bool ts_valid)
{
	(void)ctx;
	(void)flow;
	(void)seq_offset;
	(void)ts_offset;
	(void)ts_valid;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 10,000 distinct clients: address and port vary. */
static struct pkt_spec flow_of(uint32_t i)
{
	static char dst[16];
	struct pkt_spec f = {
		.family = 4,
		.src = "10.0.0.1",
		.dst = dst,
		.proto = IPPROTO_TCP,
		.sport = 80,
		.dport = (uint16_t)(10000 + i / 250),
		.ack = 1,
	};

	snprintf(dst, sizeof(dst), "10.0.1.%u", i % 250 + 2);
	return f;
}

static void build(struct bframe *b, const struct pkt_spec *f, uint32_t seq, uint8_t flags,
		  const uint8_t *payload, uint32_t len)
{
	struct pkt_spec s = *f;
	struct colo_frame_info info;
	uint8_t buf[2048];
	size_t n;

	s.seq = seq;
	s.flags = flags;
	s.payload = payload;
	s.payload_len = len;
	n = pkt_build(&s, buf, sizeof(buf));
	if (!n || colo_frame_parse(buf, n, &info) != COLO_FRAME_IP) {
		fprintf(stderr, "bench_compare: cannot build a frame\n");
		exit(1);
	}
	b->data = malloc(n);
	if (!b->data) {
		fprintf(stderr, "bench_compare: out of memory\n");
		exit(1);
	}
	memcpy(b->data, buf, n);
	b->len = (uint32_t)n;
	b->seq_off = (uint16_t)(info.l4_off + 4);
}

static void seq_add(struct bframe *b, uint32_t delta)
{
	uint8_t *p = b->data + b->seq_off;
	uint32_t seq = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];

	seq += delta;
	p[0] = (uint8_t)(seq >> 24);
	p[1] = (uint8_t)(seq >> 16);
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
}

/* Secondary segment lengths covering one chunk: the primary's, or half, whole ones, half. */
static unsigned int secondary_lengths(const struct config *c, uint32_t *len)
{
	unsigned int n = 0;

	if (!c->diff_seg) {
		for (; n < CHUNK; n++)
			len[n] = c->payload;
		return n;
	}
	len[n++] = c->payload / 2;
	for (unsigned int i = 1; i < CHUNK; i++)
		len[n++] = c->payload;
	len[n++] = c->payload - c->payload / 2;
	return n;
}

struct round {
	struct bframe *frames; /* per chunk: CHUNK primary frames, then nsec secondary frames */
	unsigned int nsec;
	uint32_t chunks;
	uint32_t chunks_per_flow;
	uint32_t chunk_bytes;
};

static void build_round(struct round *r, const struct config *c, const uint8_t *payload)
{
	uint32_t slen[CHUNK + 1];
	unsigned int per_chunk;

	r->nsec = secondary_lengths(c, slen);
	r->chunk_bytes = CHUNK * c->payload;
	r->chunks_per_flow = (ROUND_SEGS / CHUNK + c->flows - 1) / c->flows;
	r->chunks = r->chunks_per_flow * c->flows;
	per_chunk = CHUNK + r->nsec;
	r->frames = calloc((size_t)r->chunks * per_chunk, sizeof(*r->frames));
	if (!r->frames) {
		fprintf(stderr, "bench_compare: out of memory\n");
		exit(1);
	}
	for (uint32_t k = 0; k < r->chunks; k++) {
		struct pkt_spec f = flow_of(k % c->flows);
		uint32_t rel = 1 + (k / c->flows) * r->chunk_bytes, off = 0;
		struct bframe *b = &r->frames[(size_t)k * per_chunk];

		for (unsigned int i = 0; i < CHUNK; i++)
			build(b++, &f, P_ISN + rel + i * c->payload, COLO_TCP_ACK | COLO_TCP_PSH,
			      payload + i * c->payload, c->payload);
		for (unsigned int i = 0; i < r->nsec; i++) {
			build(b++, &f, S_ISN + rel + off, COLO_TCP_ACK | COLO_TCP_PSH,
			      payload + off, slen[i]);
			off += slen[i];
		}
	}
}

static void free_round(struct round *r)
{
	for (size_t i = 0; i < (size_t)r->chunks * (CHUNK + r->nsec); i++)
		free(r->frames[i].data);
	free(r->frames);
}

static void handshake(struct colo_cmp *cmp, const struct config *c)
{
	for (uint32_t i = 0; i < c->flows; i++) {
		struct pkt_spec f = flow_of(i);
		struct bframe b[COLO_SIDE_MAX];

		build(&b[COLO_SIDE_PRIMARY], &f, P_ISN, COLO_TCP_SYN | COLO_TCP_ACK, NULL, 0);
		build(&b[COLO_SIDE_SECONDARY], &f, S_ISN, COLO_TCP_SYN | COLO_TCP_ACK, NULL, 0);
		for (int side = 0; side < COLO_SIDE_MAX; side++) {
			struct colo_frame_in in = {
				.side = (enum colo_side)side,
				.time_ns = 1,
				.data = b[side].data,
				.len = b[side].len,
			};

			colo_cmp_feed(cmp, &in);
			free(b[side].data);
		}
	}
}

/* Feeds one round; returns the seconds it took. Chunk by chunk: no division per frame. */
static double feed_round(struct colo_cmp *cmp, const struct round *r, uint64_t t)
{
	unsigned int per_chunk = CHUNK + r->nsec;
	const struct bframe *b = r->frames;
	struct colo_frame_in in = {.time_ns = t};
	double t0 = now_s();

	for (uint32_t k = 0; k < r->chunks; k++) {
		for (unsigned int i = 0; i < per_chunk; i++, b++) {
			in.side = i < CHUNK ? COLO_SIDE_PRIMARY : COLO_SIDE_SECONDARY;
			in.data = b->data;
			in.len = b->len;
			colo_cmp_feed(cmp, &in);
		}
	}
	return now_s() - t0;
}

static int run(const struct config *c, const uint8_t *payload)
{
	static const struct colo_cmp_ops ops = {
		.release = on_release,
		.drop = on_drop,
		.checkpoint = on_checkpoint,
		.offset = on_offset,
	};
	uint64_t want = c->payload >= 1000 ? MTU_BYTES / c->payload : SMALL_SEGS;
	struct counters cnt = {0};
	struct colo_cmp_limits lim;
	uint64_t segs = 0, handshakes;
	struct colo_cmp *cmp;
	struct round r;
	double secs = 0;
	int bad;

	colo_cmp_limits_default(&lim);
	cmp = colo_cmp_new(&lim, &ops, &cnt);
	if (!cmp) {
		fprintf(stderr, "bench_compare: cannot create the comparator\n");
		return 1;
	}
	handshake(cmp, c);
	handshakes = cnt.released;
	build_round(&r, c, payload);
	while (segs < want && secs < MAX_SECONDS) {
		secs += feed_round(cmp, &r, 2 + segs);
		segs += (uint64_t)r.chunks * CHUNK;
		for (size_t i = 0; i < (size_t)r.chunks * (CHUNK + r.nsec); i++)
			seq_add(&r.frames[i], r.chunks_per_flow * r.chunk_bytes);
	}
	bad = cnt.checkpoints || cnt.released - handshakes != segs;
	printf("%7u B  %-9s %6u  %9" PRIu64 "  %7.3f  %8.2f  %7.2f  %s\n", c->payload,
	       c->diff_seg ? "different" : "same", c->flows, segs, secs, segs / secs / 1e6,
	       segs * c->payload * 8 / secs / 1e9,
	       bad		    ? "WRONG"
	       : c->payload >= 1000 ? (segs * c->payload * 8 / secs >= 20e9 ? "ok" : "MISS")
				    : (segs / secs >= 5e6 ? "ok" : "MISS"));
	if (bad)
		fprintf(stderr,
			"bench_compare: %" PRIu64 " of %" PRIu64 " segments released, %" PRIu64
			" checkpoints\n",
			cnt.released - handshakes, segs, cnt.checkpoints);
	free_round(&r);
	colo_cmp_free(cmp);
	return bad;
}

static void header(void)
{
	printf("comparator, one core; goals: >= 20 Gbit/s at 1448 B, >= 5 Mseg/s at 64 B\n");
	printf("payload    segments  flows   segments   seconds   Mseg/s   Gbit/s  goal\n");
}

/* bench_compare [PAYLOAD same|different FLOWS]: every configuration, or one (for profiling). */
int main(int argc, char **argv)
{
	static const uint32_t sizes[] = {1448, 64};
	static const uint32_t nflows[] = {1, 10000};
	static uint8_t payload[CHUNK * 1448];
	int bad = 0;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 31 + 7);
	if (argc == 4) {
		struct config c = {(uint32_t)atoi(argv[1]), !strcmp(argv[2], "different"),
				   (uint32_t)atoi(argv[3])};

		if (c.payload < 2 || c.payload > 1448 || c.flows < 1 || c.flows > 65536) {
			fprintf(stderr, "bench_compare: PAYLOAD 2..1448, FLOWS 1..65536\n");
			return 2;
		}
		header();
		return run(&c, payload);
	}
	if (argc != 1) {
		fprintf(stderr, "usage: bench_compare [PAYLOAD same|different FLOWS]\n");
		return 2;
	}
	header();
	for (size_t s = 0; s < 2; s++)
		for (int d = 0; d < 2; d++)
			for (size_t f = 0; f < 2; f++) {
				struct config c = {sizes[s], d, nflows[f]};

				bad |= run(&c, payload);
				fflush(stdout);
			}
	return bad;
}
