// SPDX-License-Identifier: GPL-2.0-only
/* Comparator test harness (see harness.h). */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "lib/names.h"

static const char *const drop_names[COLO_DROP_REASON_MAX] = {
	[COLO_DROP_COMPARED] = "cmp",	   [COLO_DROP_COMMIT] = "commit",
	[COLO_DROP_MALFORMED] = "bad",	   [COLO_DROP_DUPLICATE] = "dup",
	[COLO_DROP_REFUSED] = "refused",   [COLO_DROP_SHUTDOWN] = "shutdown",
	[COLO_DROP_OVERFLOW] = "overflow",
};

static void h_log(struct harness *h, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (h->loglen) {
		assert_true(h->loglen + 1 < sizeof(h->log));
		h->log[h->loglen++] = ' ';
	}
	va_start(ap, fmt);
	n = vsnprintf(h->log + h->loglen, sizeof(h->log) - h->loglen, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && h->loglen + (size_t)n < sizeof(h->log));
	h->loglen += (size_t)n;
}

/* Cookies encode side and number: (number << 1) | side. */
static void finish(struct harness *h, void *cookie, enum colo_side *side, int *num)
{
	uintptr_t v = (uintptr_t)cookie;

	*side = (enum colo_side)(v & 1);
	*num = (int)(v >> 1);
	assert_true(*num >= 1 && *num <= h->n[*side]);
	assert_non_null(h->frames[*side][*num - 1]);
	free(h->frames[*side][*num - 1]);
	h->frames[*side][*num - 1] = NULL;
}

static void on_release(void *ctx, void *cookie, const uint8_t *data, uint32_t len)
{
	struct harness *h = ctx;
	enum colo_side side;
	int num;

	assert_true(data && len);
	finish(h, cookie, &side, &num);
	assert_int_equal(side, COLO_SIDE_PRIMARY);
	h_log(h, "Rp%d", num);
}

static void on_drop(void *ctx, void *cookie, enum colo_side side, enum colo_drop_reason reason)
{
	struct harness *h = ctx;
	enum colo_side s;
	int num;

	finish(h, cookie, &s, &num);
	assert_int_equal(s, side);
	h_log(h, "D%c%d/%s", side == COLO_SIDE_PRIMARY ? 'p' : 's', num, drop_names[reason]);
}

static void on_checkpoint(void *ctx, enum colo_cp_reason reason, const struct colo_flow_key *flow,
			  const struct colo_cp_where *where, uint64_t time_ns)
{
	struct harness *h = ctx;

	assert_non_null(flow);
	assert_non_null(where);
	assert_int_equal(time_ns, h->now);
	h->cp_flow = *flow;
	h->cp_where = *where;
	h_log(h, "CP:%s", colo_cp_reason_name(reason));
}

static void on_offset(void *ctx, const struct colo_flow_key *flow, uint32_t seq_offset,
		      uint32_t ts_offset, bool ts_valid)
{
	struct harness *h = ctx;

	assert_non_null(flow);
	if (ts_valid)
		h_log(h, "O:%u/%u", seq_offset, ts_offset);
	else
		h_log(h, "O:%u/-", seq_offset);
}

static const struct colo_cmp_ops ops = {
	.release = on_release,
	.drop = on_drop,
	.checkpoint = on_checkpoint,
	.offset = on_offset,
};

struct harness *h_new(const struct colo_cmp_limits *lim)
{
	struct harness *h = calloc(1, sizeof(*h));

	if (lim)
		h->lim = *lim;
	else
		colo_cmp_limits_default(&h->lim);
	h->cmp = colo_cmp_new(&h->lim, &ops, h);
	assert_non_null(h->cmp);
	h->now = 1000 * MSEC;
	return h;
}

void h_free(struct harness *h)
{
	int side, i;

	colo_cmp_free(h->cmp);
	for (side = 0; side < COLO_SIDE_MAX; side++)
		for (i = 0; i < h->n[side]; i++)
			assert_null(h->frames[side][i]);
	free(h);
}

int h_feed_raw(struct harness *h, enum colo_side side, const uint8_t *data, uint32_t len)
{
	return h_feed_rec(h, side, data, len, NULL);
}

int h_feed_rec(struct harness *h, enum colo_side side, const uint8_t *data, uint32_t len,
	       const struct colo_rec *rec)
{
	struct colo_frame_in in = {.side = side, .time_ns = h->now, .len = len, .rec = rec};
	int num = ++h->n[side];
	uint8_t *buf;

	assert_true(num <= H_MAX_FRAMES);
	buf = malloc(len ? len : 1);
	memcpy(buf, data, len);
	h->frames[side][num - 1] = buf;
	in.data = buf;
	in.cookie = (void *)(((uintptr_t)num << 1) | (uintptr_t)side);
	assert_int_equal(colo_cmp_feed(h->cmp, &in), 0);
	return num;
}

int h_feed(struct harness *h, enum colo_side side, const struct pkt_spec *spec)
{
	uint8_t buf[2048];
	size_t len = pkt_build(spec, buf, sizeof(buf));

	assert_true(len > 0);
	return h_feed_raw(h, side, buf, (uint32_t)len);
}

void h_expect(struct harness *h, const char *log)
{
	h->log[h->loglen] = '\0';
	assert_string_equal(h->log, log);
	h->loglen = 0;
	h->log[0] = '\0';
}

struct colo_cmp_stats h_stats(struct harness *h)
{
	struct colo_cmp_stats st;

	colo_cmp_get_stats(h->cmp, &st);
	return st;
}

int h_tcp(struct harness *h, enum colo_side side, uint32_t seq, uint32_t ack, uint8_t flags,
	  const char *payload)
{
	struct pkt_spec s =
		pkt_tcp4(seq, ack, flags, payload, payload ? (uint32_t)strlen(payload) : 0);

	return h_feed(h, side, &s);
}

void h_handshake(struct harness *h, uint32_t ip, uint32_t is)
{
	h_tcp(h, P, ip, 1, SYN | ACK, NULL);
	h_tcp(h, S, is, 1, SYN | ACK, NULL);
	h->loglen = 0;
}

struct pkt_spec h_udp_spec(uint16_t sport, const char *payload)
{
	struct pkt_spec s = {.family = 4,
			     .src = "10.0.0.1",
			     .dst = "10.0.0.2",
			     .proto = IPPROTO_UDP,
			     .sport = sport,
			     .dport = 5353,
			     .payload = payload,
			     .payload_len = (uint32_t)strlen(payload)};

	return s;
}

int h_udp(struct harness *h, enum colo_side side, uint16_t sport, const char *payload)
{
	struct pkt_spec s = h_udp_spec(sport, payload);

	return h_feed(h, side, &s);
}

struct scenario_run {
	const struct h_scenario *sc;
	struct harness *h;
};

static int scenario_setup(void **state)
{
	static struct scenario_run run;

	run.sc = *state;
	run.h = h_new(NULL);
	*state = &run;
	return 0;
}

static int scenario_teardown(void **state)
{
	struct scenario_run *run = *state;

	h_free(run->h);
	return 0;
}

static void scenario_step(struct harness *h, const struct h_step *st)
{
	struct colo_cmp_stats cs;
	uint64_t v;

	if (st->op == H_STAT) {
		cs = h_stats(h);
		memcpy(&v, (const char *)&cs + st->stat, sizeof(v));
		assert_int_equal(v, st->value);
	} else if (st->op == H_COMMIT) {
		colo_cmp_commit(h->cmp, h->now, st->flags);
	} else if (st->op != H_EXPECT && st->udp) {
		h_udp(h, st->op, st->sport, st->payload);
	} else if (st->op != H_EXPECT) {
		h_tcp(h, st->op, st->seq, st->ack, (uint8_t)st->flags, st->payload);
	}
	if (st->expect)
		h_expect(h, st->expect);
}

static void run_scenario(void **state)
{
	struct scenario_run *run = *state;
	const struct h_step *st;

	if (run->sc->handshake)
		h_handshake(run->h, 1000, 5000);
	for (st = run->sc->steps; st->op != H_END; st++)
		scenario_step(run->h, st);
}

int h_run_scenarios(const char *group, const struct h_scenario *sc, size_t nsc,
		    const struct CMUnitTest *tests, size_t ntests)
{
	struct CMUnitTest *all = calloc(nsc + ntests, sizeof(*all));
	size_t i;
	int failed;

	assert_non_null(all);
	for (i = 0; i < nsc; i++)
		all[i] = (struct CMUnitTest){sc[i].name, run_scenario, scenario_setup,
					     scenario_teardown, (void *)&sc[i]};
	memcpy(all + nsc, tests, ntests * sizeof(*tests));
	failed = _cmocka_run_group_tests(group, all, nsc + ntests, NULL, NULL);
	free(all);
	return failed;
}
