/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Comparator test harness: feeds frames built with pkt.h and records every callback as a short
 * token in a log, so tests assert the exact event sequence:
 *   "Rp1"        primary frame p1 released
 *   "Ds2/cmp"    frame s2 dropped (cmp, commit, bad, dup, refused, shutdown, overflow)
 *   "CP:timeout" checkpoint requested (reason name)
 *   "O:100/5"    offsets reported (seq/ts; "-" when the ts offset is not valid)
 * Every frame buffer is freed at its release/drop; a second callback for one frame fails.
 */
#ifndef COLO_TEST_HARNESS_H
#define COLO_TEST_HARNESS_H

#include <stdint.h>

#include "lib/compare.h"
#include "lib/frame.h"
#include "pkt.h"

#define H_MAX_FRAMES 8192

struct harness {
	struct colo_cmp *cmp;
	struct colo_cmp_limits lim;
	uint64_t now;
	char log[16384];
	size_t loglen;
	int n[COLO_SIDE_MAX];
	struct colo_flow_key cp_flow;  /* flow of the last checkpoint request */
	struct colo_cp_where cp_where; /* and where it came from */
	uint8_t *frames[COLO_SIDE_MAX][H_MAX_FRAMES];
};

struct harness *h_new(const struct colo_cmp_limits *lim);
/* Frees the comparator (dropping what it holds) and checks no frame leaked. */
void h_free(struct harness *h);
/* Feeds a frame on side; returns its number (p<N>/s<N> in the log). */
int h_feed(struct harness *h, enum colo_side side, const struct pkt_spec *spec);
int h_feed_raw(struct harness *h, enum colo_side side, const uint8_t *data, uint32_t len);
/* Same, with a capture record. */
int h_feed_rec(struct harness *h, enum colo_side side, const uint8_t *data, uint32_t len,
	       const struct colo_rec *rec);
/* Asserts the log (tokens separated by one space) and clears it. */
void h_expect(struct harness *h, const char *log);
struct colo_cmp_stats h_stats(struct harness *h);

/* TCP segment 10.0.0.1:80 > 10.0.0.2:40000 with a string payload. */
int h_tcp(struct harness *h, enum colo_side side, uint32_t seq, uint32_t ack, uint8_t flags,
	  const char *payload);
/* Server handshake: SYN-ACKs with ISNs ip and is (ack 1), both sides; clears the log. */
void h_handshake(struct harness *h, uint32_t ip, uint32_t is);

/* UDP datagram 10.0.0.1:sport > 10.0.0.2:5353 with a string payload (its spec, or fed). */
struct pkt_spec h_udp_spec(uint16_t sport, const char *payload);
int h_udp(struct harness *h, enum colo_side side, uint16_t sport, const char *payload);

/*
 * A scenario: frames fed in order (op P or S: a TCP segment, or a UDP datagram when udp is
 * set), commits, counters (H_STAT), and after any step the log it must have made, checked and
 * cleared (expect NULL: checked later). handshake: h_handshake(h, 1000, 5000) first (offset
 * 4000, data from 1001).
 */
enum { H_COMMIT = COLO_SIDE_MAX, H_EXPECT, H_STAT, H_END };

struct h_step {
	int op; /* P, S: a frame of that side; H_COMMIT (flags: enum colo_commit_flags); ... */
	bool udp;
	uint16_t sport;	   /* UDP */
	uint32_t seq, ack; /* TCP */
	uint32_t flags;	   /* TCP flags, or the commit's */
	const char *payload;
	const char *expect;
	size_t stat; /* H_STAT: the uint64_t counter at this offset of struct colo_cmp_stats ... */
	uint64_t value; /* ... equals this */
};

#define H_TCP(side, s, a, f, pl, exp)                                                              \
	{                                                                                          \
		.op = (side), .seq = (s), .ack = (a), .flags = (f), .payload = (pl),               \
		.expect = (exp)                                                                    \
	}
#define H_UDP(side, port, pl, exp)                                                                 \
	{                                                                                          \
		.op = (side), .udp = true, .sport = (port), .payload = (pl), .expect = (exp)       \
	}

struct h_scenario {
	const char *name;
	bool handshake;
	const struct h_step *steps; /* ends with {.op = H_END} */
};

struct CMUnitTest;

/* Runs one cmocka test per scenario (each on a fresh harness), then tests[]. */
int h_run_scenarios(const char *group, const struct h_scenario *sc, size_t nsc,
		    const struct CMUnitTest *tests, size_t ntests);

#define P    COLO_SIDE_PRIMARY
#define S    COLO_SIDE_SECONDARY
#define ACK  COLO_TCP_ACK
#define FIN  COLO_TCP_FIN
#define SYN  COLO_TCP_SYN
#define RST  COLO_TCP_RST
#define MSEC 1000000ull

#endif /* COLO_TEST_HARNESS_H */
