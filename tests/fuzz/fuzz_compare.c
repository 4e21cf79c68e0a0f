// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer: the input is a small program that drives the comparator with two interleaved frame
 * streams built with valid headers (so it gets past the parser), and the harness checks the
 * safety invariant on every release: each released primary payload byte was sent by the
 * secondary at the same relative sequence number (TCP) / each released datagram was sent by the
 * secondary (UDP), or a commit covered it (released it, or had seen the primary send it). Also: one
 * hand-back per frame, per-flow release order, at most one checkpoint request outstanding, and a
 * primary pure ACK leaves only once the secondary acknowledged as far (or a commit covered it).
 * abort() on any violation.
 *
 * Program: a 4-byte header (primary ISN base, secondary ISN offset), then ops, one byte each plus
 * operands:
 *   op & 7 = 0..3  TCP segment, side = op bit 3, flow = op >> 4 & 3 (flow 3 is UDP):
 *                  [pos][len][flags]: pos: in order, retransmit or gap; len & 63 bytes of the
 *                  stream's payload pattern; flags: FIN/RST/PSH, bit 7 corrupts one byte,
 *                  bit 6 moves that side's ack on by 1 + (flags >> 4 & 3).
 *                  The first segment of a TCP flow sends both SYN-ACKs first; after a RST
 *                  the flow is over (nothing more is sent on it); past its FIN a side only
 *                  retransmits.
 *   4  tick: [n] the clock advances n * 16 ms
 *   5  commit (bit 3: COLO_COMMIT_KEEP_STREAMS off)
 *   6  abort the outstanding request
 *   7  a frame cut short: [len] the next segment's frame keeps only len bytes
 *
 * FUZZ_TRACE=1 build-fuzz/fuzz_compare CRASH prints what a crashing input did.
 */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "lib/compare.h"
#include "lib/compare_test.h"
#include "lib/frame.h"
#include "lib/replay_events.h"
#include "../unit/pkt.h"

#define check(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

#define NFLOWS	   4
#define UDP_FLOW   3
#define WIN	   4096 /* relative sequence space a TCP flow uses */
#define MAX_DGRAMS 256
#define MAX_OPS	   512
#define MS	   1000000ull

struct fz_frame {
	STAILQ_ENTRY(fz_frame) link;
	enum colo_side side;
	unsigned int flow;
	uint64_t ordinal; /* per flow and side */
	uint32_t rel;	  /* relative seq of the first payload byte (TCP) */
	uint32_t payload_off, payload_len;
	uint32_t len;
	uint32_t ack; /* relative to the client's ISN + 1 */
	bool rst;
	bool pure_ack; /* TCP, no payload, no SYN/FIN/RST */
	bool done;
	uint8_t data[];
};

STAILQ_HEAD(fz_list, fz_frame);

struct fz_flow {
	uint32_t isn[COLO_SIDE_MAX];
	uint32_t next[COLO_SIDE_MAX]; /* highest relative seq sent + 1 */
	bool open;		      /* both SYN-ACKs sent */
	bool reset;		      /* a RST was sent: the connection is over */
	uint32_t fin[COLO_SIDE_MAX];  /* relative seq of the side's FIN, 0: none yet */
	uint64_t ordinal[COLO_SIDE_MAX];
	uint64_t last_released;	     /* ordinal + 1 of the last primary release */
	uint8_t seen[WIN];	     /* bit per alphabet value the secondary sent at rel */
	uint32_t covered;	     /* rel below this: the primary's output a commit covered */
	uint32_t ack[COLO_SIDE_MAX]; /* what each side acknowledges of the client (relative) */
	uint32_t sec_max_ack;	     /* highest ack of a secondary non-SYN segment */
	uint32_t covered_ack;	     /* highest primary ack a commit covered */
	uint64_t dgrams[MAX_DGRAMS]; /* UDP: secondary datagrams (hash) */
	unsigned int ndgrams;
	uint64_t committed_dgrams[MAX_DGRAMS];
	unsigned int ncommitted;
};

struct fz {
	struct colo_cmp *cmp;
	struct fz_flow flow[NFLOWS];
	struct fz_list done;
	uint64_t now;
	bool in_commit;
	bool pending;
	uint64_t live; /* frames fed and not handed back */
	uint32_t cut;  /* next frame cut to this length, 0: whole */
};

static const struct pkt_spec flows[NFLOWS] = {
	{.family = 4,
	 .src = "10.0.0.1",
	 .dst = "10.0.0.2",
	 .proto = IPPROTO_TCP,
	 .sport = 80,
	 .dport = 40000},
	{.family = 4,
	 .src = "10.0.0.1",
	 .dst = "10.0.0.2",
	 .proto = IPPROTO_TCP,
	 .sport = 80,
	 .dport = 40001},
	{.family = 6,
	 .src = "fd00::1",
	 .dst = "fd00::2",
	 .proto = IPPROTO_TCP,
	 .sport = 80,
	 .dport = 40000},
	{.family = 4,
	 .src = "10.0.0.1",
	 .dst = "10.0.0.2",
	 .proto = IPPROTO_UDP,
	 .sport = 53,
	 .dport = 5353},
};

static bool tracing;

__attribute__((format(printf, 1, 2))) static void trace(const char *fmt, ...)
{
	va_list ap;

	if (!tracing)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* The stream both replicas send: a byte from a 4-letter alphabet per relative seq. */
static uint8_t pattern(uint32_t rel)
{
	return (uint8_t)('a' + (rel * 2654435761u >> 30));
}

static uint8_t value_bit(uint8_t v)
{
	return (uint8_t)(1u << ((v - 'a') & 7));
}

static uint64_t dgram_hash(const uint8_t *p, uint32_t len)
{
	uint64_t h = 1469598103934665603ull ^ len;

	for (uint32_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static bool in_set(const uint64_t *set, unsigned int n, uint64_t h)
{
	for (unsigned int i = 0; i < n; i++)
		if (set[i] == h)
			return true;
	return false;
}

static void add_set(uint64_t *set, unsigned int *n, uint64_t h)
{
	if (*n < MAX_DGRAMS && !in_set(set, *n, h))
		set[(*n)++] = h;
}

/*
 * A commit covers all the primary sent so far (its state now is the secondary's too): those
 * sequence numbers may leave again whatever their bytes. Beyond, a byte leaves only if the
 * secondary sent that same byte at that sequence number.
 */
static void check_tcp_release(const struct fz *z, const struct fz_flow *fl,
			      const struct fz_frame *f)
{
	const uint8_t *p = f->data + f->payload_off;

	if (z->in_commit)
		return;
	for (uint32_t i = 0; i < f->payload_len; i++) {
		uint32_t rel = f->rel + i;

		check(rel < WIN);
		check(rel < fl->covered || (fl->seen[rel] & value_bit(p[i])));
	}
}

static void check_udp_release(struct fz *z, struct fz_flow *fl, const struct fz_frame *f)
{
	uint64_t h = dgram_hash(f->data + f->payload_off, f->payload_len);

	if (z->in_commit)
		add_set(fl->committed_dgrams, &fl->ncommitted, h);
	else
		check(in_set(fl->dgrams, fl->ndgrams, h) ||
		      in_set(fl->committed_dgrams, fl->ncommitted, h));
}

static void hand_back(struct fz *z, struct fz_frame *f)
{
	check(!f->done);
	f->done = true;
	z->live--;
	STAILQ_INSERT_TAIL(&z->done, f, link);
}

static void on_release(void *ctx, void *cookie, const uint8_t *data, uint32_t len)
{
	struct fz *z = ctx;
	struct fz_frame *f = cookie;
	struct fz_flow *fl = &z->flow[f->flow];

	trace("release flow %u #%llu rel %u len %u%s\n", f->flow, (unsigned long long)f->ordinal,
	      f->rel, f->payload_len, z->in_commit ? " (commit)" : "");
	check(f->side == COLO_SIDE_PRIMARY);
	check(len == f->len && !memcmp(data, f->data, len));
	check(f->ordinal + 1 > fl->last_released);
	fl->last_released = f->ordinal + 1;
	/*
	 * Payload of a RST is not checked: a receiving TCP does not deliver it (RFC 9293 allows
	 * it only as diagnostic text), and the comparator matches RSTs by their flags.
	 */
	if (f->pure_ack && !z->in_commit)
		check(f->ack <= fl->sec_max_ack || f->ack <= fl->covered_ack);
	if (f->payload_len && !f->rst) {
		if (f->flow == UDP_FLOW)
			check_udp_release(z, fl, f);
		else
			check_tcp_release(z, fl, f);
	}
	hand_back(z, f);
}

static void on_drop(void *ctx, void *cookie, enum colo_side side, enum colo_drop_reason reason)
{
	struct fz_frame *f = cookie;

	trace("drop %s flow %u #%llu reason %d\n", side ? "S" : "P", f->flow,
	      (unsigned long long)f->ordinal, reason);
	check(side == f->side);
	check((unsigned int)reason < COLO_DROP_REASON_MAX);
	hand_back(ctx, f);
}

static void on_checkpoint(void *ctx, enum colo_cp_reason reason, const struct colo_flow_key *flow,
			  const struct colo_cp_where *where, uint64_t time_ns)
{
	struct fz *z = ctx;
	char text[COLO_CP_WHERE_STR_LEN];

	(void)flow;
	trace("checkpoint %s\n", colo_cp_reason_name(reason));
	check(!z->pending);
	check((unsigned int)reason < COLO_CP_REASON_MAX);
	check((unsigned int)where->side < COLO_SIDE_MAX && where->pos_kind <= COLO_CP_POS_SEQ);
	check(colo_cp_where_str(text, sizeof(text), where) < (int)sizeof(text));
	check(time_ns <= z->now);
	z->pending = true;
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

static void free_done(struct fz *z)
{
	struct fz_frame *f;

	while ((f = STAILQ_FIRST(&z->done))) {
		STAILQ_REMOVE_HEAD(&z->done, link);
		free(f);
	}
}

/* What the secondary sent: the payload bytes of the frame as captured. */
static void record_secondary(struct fz_flow *fl, unsigned int flow, const struct fz_frame *f)
{
	const uint8_t *p = f->data + f->payload_off;

	if (flow == UDP_FLOW) {
		add_set(fl->dgrams, &fl->ndgrams, dgram_hash(p, f->payload_len));
		return;
	}
	for (uint32_t i = 0; i < f->payload_len && f->rel + i < WIN; i++)
		fl->seen[f->rel + i] |= value_bit(p[i]);
}

/* Builds one frame (cut short if asked) into a new fz_frame and feeds it. */
static void feed(struct fz *z, unsigned int flow, enum colo_side side, uint32_t rel, uint8_t flags,
		 const uint8_t *payload, uint32_t plen)
{
	struct fz_flow *fl = &z->flow[flow];
	struct colo_frame_info info;
	struct colo_frame_in in;
	uint8_t buf[256];
	struct fz_frame *f;
	size_t n;

	struct pkt_spec spec = flows[flow];

	spec.seq = fl->isn[side] + rel;
	spec.ack = 5001 + fl->ack[side];
	spec.flags = flags;
	spec.payload = payload;
	spec.payload_len = plen;
	n = pkt_build(&spec, buf, sizeof(buf));
	check(n > 0 && n <= sizeof(buf));
	check(colo_frame_parse(buf, n, &info) == COLO_FRAME_IP && info.payload_len == plen);
	if (z->cut && z->cut < n)
		n = z->cut;
	z->cut = 0;
	f = calloc(1, sizeof(*f) + n);
	check(f);
	f->side = side;
	f->flow = flow;
	f->ordinal = fl->ordinal[side]++;
	f->rel = rel - 1; /* relative seq 0 is the SYN */
	f->len = (uint32_t)n;
	f->rst = flow != UDP_FLOW && (flags & COLO_TCP_RST);
	f->ack = fl->ack[side];
	f->pure_ack = flow != UDP_FLOW && !plen &&
		      !(flags & (COLO_TCP_SYN | COLO_TCP_FIN | COLO_TCP_RST));
	if (side == COLO_SIDE_SECONDARY && flow != UDP_FLOW && !(flags & COLO_TCP_SYN) &&
	    f->ack > fl->sec_max_ack)
		fl->sec_max_ack = f->ack;
	f->payload_off = info.payload_off;
	f->payload_len = n > info.payload_off ? (uint32_t)n - info.payload_off : 0;
	if (f->payload_len > plen)
		f->payload_len = plen; /* Ethernet padding */
	memcpy(f->data, buf, n);
	if (side == COLO_SIDE_SECONDARY)
		record_secondary(fl, flow, f);
	in = (struct colo_frame_in){
		.side = side, .time_ns = z->now, .data = f->data, .len = f->len, .cookie = f};
	z->live++;
	trace("feed %s flow %u #%llu rel %u seq %u len %u payload %u flags %#x\n", side ? "S" : "P",
	      flow, (unsigned long long)f->ordinal, f->rel, fl->isn[side] + rel, f->len,
	      f->payload_len, flags);
	check(colo_cmp_feed(z->cmp, &in) == 0);
	free_done(z);
}

static void open_flow(struct fz *z, unsigned int flow)
{
	struct fz_flow *fl = &z->flow[flow];

	if (fl->open || flow == UDP_FLOW)
		return;
	fl->open = true;
	fl->next[COLO_SIDE_PRIMARY] = fl->next[COLO_SIDE_SECONDARY] = 1;
	feed(z, flow, COLO_SIDE_PRIMARY, 0, COLO_TCP_SYN | COLO_TCP_ACK, NULL, 0);
	feed(z, flow, COLO_SIDE_SECONDARY, 0, COLO_TCP_SYN | COLO_TCP_ACK, NULL, 0);
}

/* Reads one operand byte; 0 past the end. */
static uint8_t arg(const uint8_t **p, const uint8_t *end)
{
	return *p < end ? *(*p)++ : 0;
}

static void op_segment(struct fz *z, uint8_t op, const uint8_t **p, const uint8_t *end)
{
	enum colo_side side = op & 8 ? COLO_SIDE_SECONDARY : COLO_SIDE_PRIMARY;
	unsigned int flow = op >> 4 & 3;
	struct fz_flow *fl = &z->flow[flow];
	uint8_t pos = arg(p, end), len = arg(p, end) & 63, fl_bits = arg(p, end);
	uint8_t payload[64];
	uint32_t rel, stop;

	if (fl->reset)
		return;
	open_flow(z, flow);
	if (flow == UDP_FLOW) {
		rel = fl->next[side]++;
		len &= 31;
	} else if (pos < 160) {
		rel = fl->next[side]; /* in order */
	} else if (pos < 224) {
		rel = fl->next[side] > (pos & 63u) ? fl->next[side] - (pos & 63u) : 1;
	} else {
		rel = fl->next[side] + (pos & 31u); /* a gap */
	}
	if (flow != UDP_FLOW && rel + len >= WIN)
		return;
	/* Past its FIN a TCP sends nothing new: only retransmissions (FIN included) and ACKs. */
	if (flow != UDP_FLOW && fl->fin[side] &&
	    (rel + len > fl->fin[side] || ((fl_bits & COLO_TCP_FIN) && rel + len != fl->fin[side])))
		return;
	for (unsigned int i = 0; i < len; i++)
		payload[i] = pattern(flow == UDP_FLOW ? rel * 64 + i : rel - 1 + i);
	if (fl_bits & 0x80 && len) {
		payload[fl_bits % len] = (uint8_t)('a' + ((payload[fl_bits % len] - 'a' + 1) & 3));
		trace("corrupt byte %u of the next frame\n", fl_bits % len);
	}
	if (flow != UDP_FLOW && (fl_bits & COLO_TCP_RST))
		fl->reset = true;
	if (fl_bits & 0x40)
		fl->ack[side] += 1 + (fl_bits >> 4 & 3);
	if (flow != UDP_FLOW && (fl_bits & COLO_TCP_FIN))
		fl->fin[side] = rel + len;
	/* A FIN takes a sequence number too. */
	stop = rel + len + (fl_bits & COLO_TCP_FIN ? 1 : 0);
	if (flow != UDP_FLOW && stop > fl->next[side])
		fl->next[side] = stop;
	feed(z, flow, side, flow == UDP_FLOW ? 1 : rel,
	     (uint8_t)(COLO_TCP_ACK | (fl_bits & (COLO_TCP_FIN | COLO_TCP_RST | COLO_TCP_PSH))),
	     payload, len);
}

static void commit(struct fz *z, unsigned int flags)
{
	trace("commit%s\n", flags & COLO_COMMIT_KEEP_STREAMS ? " keep" : "");
	z->in_commit = true;
	colo_cmp_commit(z->cmp, z->now, flags);
	z->in_commit = false;
	z->pending = false;
	for (unsigned int i = 0; i < NFLOWS; i++) {
		struct fz_flow *fl = &z->flow[i];

		if (fl->next[COLO_SIDE_PRIMARY] > fl->covered)
			fl->covered = fl->next[COLO_SIDE_PRIMARY] - 1;
		if (fl->ack[COLO_SIDE_PRIMARY] > fl->covered_ack)
			fl->covered_ack = fl->ack[COLO_SIDE_PRIMARY];
	}
	check(!colo_cmp_checkpoint_pending(z->cmp));
	free_done(z);
	if (flags & COLO_COMMIT_KEEP_STREAMS)
		return;
	/* The secondary now is a copy of the primary: it goes on from the primary's state. */
	for (unsigned int i = 0; i < NFLOWS; i++) {
		z->flow[i].isn[COLO_SIDE_SECONDARY] = z->flow[i].isn[COLO_SIDE_PRIMARY];
		z->flow[i].next[COLO_SIDE_SECONDARY] = z->flow[i].next[COLO_SIDE_PRIMARY];
		z->flow[i].ack[COLO_SIDE_SECONDARY] = z->flow[i].ack[COLO_SIDE_PRIMARY];
	}
}

/*
 * Fresh heap memory reads as the payload alphabet ('b'), so that a comparator reading bytes it
 * never stored (say, an unwritten part of its retransmission copy) sees plausible data and the
 * invariant check catches it, the same way on every run.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "malloc_fill_byte=98:max_malloc_fill_size=16777216";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct colo_cmp_ops ops = {
		.release = on_release,
		.drop = on_drop,
		.checkpoint = on_checkpoint,
		.offset = on_offset,
	};
	const uint8_t *p = data, *end = data + size;
	struct colo_cmp_limits lim;
	struct fz *z;
	unsigned int nops = 0;

	if (size < 4)
		return 0;
	tracing = getenv("FUZZ_TRACE") != NULL;
	z = calloc(1, sizeof(*z));
	check(z);
	STAILQ_INIT(&z->done);
	for (unsigned int i = 0; i < NFLOWS; i++) {
		/* Near the top of the sequence space now and then, so that wrapping is exercised.
		 */
		z->flow[i].isn[COLO_SIDE_PRIMARY] = (uint32_t)data[0] << 24 | (uint32_t)data[1]
										      << 16;
		z->flow[i].isn[COLO_SIDE_PRIMARY] -= i * 1000;
		z->flow[i].isn[COLO_SIDE_SECONDARY] =
			z->flow[i].isn[COLO_SIDE_PRIMARY] + ((uint32_t)data[2] << 24 | data[3]);
	}
	p += 4;
	colo_cmp_limits_default(&lim);
	lim.max_queue = 16;
	/*
	 * Room for every flow: a connection evicted while its replicas go on is met again
	 * mid-stream, where the comparator assumes equal sequence spaces (offset 0) until a
	 * handshake; that is a documented limit, not what this harness checks.
	 */
	lim.max_conns = NFLOWS;
	lim.compare_timeout_ns = 500 * MS;
	z->cmp = colo_cmp_new(&lim, &ops, z);
	check(z->cmp);
	z->now = 1000 * MS;

	while (p < end && nops++ < MAX_OPS) {
		uint8_t op = *p++;

		switch (op & 7) {
		case 4:
			z->now += arg(&p, end) * 16 * MS;
			trace("tick %llu ms\n", (unsigned long long)(z->now / MS));
			colo_cmp_tick(z->cmp, z->now);
			free_done(z);
			break;
		case 5:
			commit(z, op & 8 ? 0 : COLO_COMMIT_KEEP_STREAMS);
			break;
		case 6:
			if (z->pending) {
				trace("abort\n");
				colo_cmp_abort(z->cmp, z->now);
				z->pending = false;
			}
			free_done(z);
			break;
		case 7:
			z->cut = arg(&p, end);
			break;
		default:
			op_segment(z, op, &p, end);
			break;
		}
		check(z->pending == colo_cmp_checkpoint_pending(z->cmp));
	}
	colo_cmp_free(z->cmp);
	check(z->live == 0);
	free_done(z);
	free(z);
	return 0;
}
