// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the per-flow frame history of divergence captures (user/lib/flow_hist.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/flow_hist.h"

static struct colo_flow_key key(uint8_t n)
{
	struct colo_flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = 4;
	k.proto = 6;
	k.sport = n;
	return k;
}

struct seen {
	unsigned int n;
	uint64_t first_time, last_time;
	size_t bytes;
	unsigned int sides[COLO_SIDE_MAX];
};

static void count(void *ctx, enum colo_side side, uint64_t time_ns, const uint8_t *data,
		  uint32_t len)
{
	struct seen *s = ctx;

	(void)data;
	if (!s->n)
		s->first_time = time_ns;
	s->last_time = time_ns;
	s->n++;
	s->bytes += len;
	s->sides[side]++;
}

static void test_oldest_frames_go_first(void **state)
{
	struct colo_flow_hist *h = colo_flow_hist_new(4, 1000);
	struct colo_flow_key k = key(1);
	uint8_t frame[100] = {0};
	struct colo_flow_hist_stats st;
	struct seen s = {0};
	uint64_t t;

	(void)state;
	for (t = 1; t <= 25; t++)
		colo_flow_hist_add(h, &k, t % 2 ? COLO_SIDE_PRIMARY : COLO_SIDE_SECONDARY, t, frame,
				   sizeof(frame));
	assert_int_equal(colo_flow_hist_foreach(h, &k, count, &s), 10);
	assert_int_equal(s.bytes, 1000);
	assert_int_equal(s.first_time, 16);
	assert_int_equal(s.last_time, 25);
	assert_int_equal(s.sides[COLO_SIDE_PRIMARY], 5);
	colo_flow_hist_add(h, &k, COLO_SIDE_PRIMARY, 26, frame, 1001); /* over flow_bytes */
	colo_flow_hist_get_stats(h, &st);
	assert_int_equal(st.too_big, 1);
	assert_int_equal(st.frames, 10);
	assert_int_equal(st.bytes, 1000);
	colo_flow_hist_free(h);
}

static void test_least_recent_flow_gives_way(void **state)
{
	struct colo_flow_hist *h = colo_flow_hist_new(2, 1000);
	struct colo_flow_key a = key(1), b = key(2), c = key(3);
	struct colo_flow_hist_stats st;
	uint8_t frame[10] = {0};
	struct seen s = {0};

	(void)state;
	colo_flow_hist_add(h, &a, COLO_SIDE_PRIMARY, 1, frame, 10);
	colo_flow_hist_add(h, &b, COLO_SIDE_PRIMARY, 2, frame, 10);
	colo_flow_hist_add(h, &a, COLO_SIDE_SECONDARY, 3, frame, 10); /* a is now the newer */
	colo_flow_hist_add(h, &c, COLO_SIDE_PRIMARY, 4, frame, 10);   /* b gives way */
	assert_int_equal(colo_flow_hist_foreach(h, &b, count, &s), 0);
	assert_int_equal(colo_flow_hist_foreach(h, &a, count, &s), 2);
	assert_int_equal(colo_flow_hist_foreach(h, &c, count, &s), 1);
	colo_flow_hist_get_stats(h, &st);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.frames, 3);
	assert_null(colo_flow_hist_new(0, 10));
	colo_flow_hist_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oldest_frames_go_first),
		cmocka_unit_test(test_least_recent_flow_gives_way),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
