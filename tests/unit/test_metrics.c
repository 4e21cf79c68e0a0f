// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the Prometheus text of a stats reply (user/lib/metrics.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/delay_hist.h"
#include "lib/metrics.h"

static char *render(const char *json)
{
	json_t *st = json_loads(json, 0, NULL);
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	assert_non_null(st);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(colo_metrics_write(f, st), 0);
	fclose(f);
	json_decref(st);
	return text;
}

static void test_counters_gauges_labels(void **state)
{
	char *t = render("{\"instance\":\"a\\\"b\",\"daemon\":true,\"released\":{\"frames\":7},"
			 "\"held\":{\"primary\":3,\"secondary\":0,\"bytes\":99},"
			 "\"checkpoints\":{\"last\":{\"id\":2,\"reason\":\"timeout\","
			 "\"flow\":\"tcp 1.2.3.4:1 > 5.6.7.8:2\",\"side\":\"secondary\"}}}");

	(void)state;
	assert_non_null(strstr(t, "# TYPE colo_xdp_released_frames_total counter\n"
				  "colo_xdp_released_frames_total{instance=\"a\\\"b\"} 7\n"));
	assert_non_null(strstr(t, "# TYPE colo_xdp_daemon_up gauge\n"
				  "colo_xdp_daemon_up{instance=\"a\\\"b\"} 1\n"));
	assert_non_null(
		strstr(t, "colo_xdp_held_frames{instance=\"a\\\"b\",side=\"primary\"} 3\n"));
	assert_non_null(strstr(t, "colo_xdp_held_bytes{instance=\"a\\\"b\"} 99\n"));
	assert_null(strstr(t, "side=\"bytes\""));
	assert_non_null(strstr(t,
			       "colo_xdp_checkpoint_last_id{instance=\"a\\\"b\",reason=\"timeout\","
			       "flow=\"tcp 1.2.3.4:1 > 5.6.7.8:2\",side=\"secondary\"} 2\n"));
	/* Members absent from the reply give no family at all. */
	assert_null(strstr(t, "ring_delay"));
	free(t);
}

static void test_histogram(void **state)
{
	char *t =
		render("{\"instance\":\"i\",\"delay_us\":{\"ring\":{\"count\":3,\"sum_us\":1500000,"
		       "\"buckets\":[[1,0],[1024,2],[2048,2]]}}}");

	(void)state;
	assert_non_null(
		strstr(t, "# TYPE colo_xdp_ring_delay_seconds histogram\n"
			  "colo_xdp_ring_delay_seconds_bucket{instance=\"i\",le=\"1e-06\"} 0\n"
			  "colo_xdp_ring_delay_seconds_bucket{instance=\"i\",le=\"0.001024\"} 2\n"
			  "colo_xdp_ring_delay_seconds_bucket{instance=\"i\",le=\"0.002048\"} 2\n"
			  "colo_xdp_ring_delay_seconds_bucket{instance=\"i\",le=\"+Inf\"} 3\n"
			  "colo_xdp_ring_delay_seconds_sum{instance=\"i\"} 1.5\n"
			  "colo_xdp_ring_delay_seconds_count{instance=\"i\"} 3\n"));
	free(t);
}

/* Powers of two are bucket boundaries: the count below one is exact. */
static void test_count_below(void **state)
{
	struct colo_delay_hist h;
	uint64_t v, b;

	(void)state;
	memset(&h, 0, sizeof(h));
	for (v = 0; v < 5000; v += 7)
		colo_delay_hist_add(&h, v);
	for (b = 1; b <= 8192; b <<= 1)
		assert_int_equal(colo_delay_hist_count_below(&h, b),
				 (b + 6) / 7 < 715 ? (b + 6) / 7 : 715);
	assert_int_equal(h.sum_us, 7ull * 714 * 715 / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_gauges_labels),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_count_below),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
