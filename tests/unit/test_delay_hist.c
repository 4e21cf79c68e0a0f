// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the quarter-octave delay histogram (user/lib/delay_hist.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/delay_hist.h"

static void test_empty(void **state)
{
	struct colo_delay_hist h;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(colo_delay_hist_quantile(&h, 0.5), 0);
}

static void test_small_values_exact(void **state)
{
	struct colo_delay_hist h;
	uint64_t v;

	(void)state;
	for (v = 0; v < 4; v++) {
		memset(&h, 0, sizeof(h));
		colo_delay_hist_add(&h, v);
		assert_int_equal(colo_delay_hist_quantile(&h, 1.0), v);
	}
}

/* Every value's bucket bound is at least the value and within 25% above it. */
static void test_bound_within_quarter(void **state)
{
	struct colo_delay_hist h;
	uint64_t v, q;

	(void)state;
	for (v = 1; v < (1ull << 31); v = v * 3 / 2 + 1) {
		memset(&h, 0, sizeof(h));
		colo_delay_hist_add(&h, v);
		q = colo_delay_hist_quantile(&h, 0.5);
		assert_true(q >= v);
		assert_true((double)q < (double)v * 1.25 + 1);
	}
}

static void test_quantiles(void **state)
{
	struct colo_delay_hist h;
	unsigned int i;

	(void)state;
	memset(&h, 0, sizeof(h));
	for (i = 0; i < 98; i++)
		colo_delay_hist_add(&h, 10);
	colo_delay_hist_add(&h, 1000);
	colo_delay_hist_add(&h, 100000);
	assert_int_equal(h.total, 100);
	assert_int_equal(colo_delay_hist_quantile(&h, 0.5), 11); /* bucket [10, 11] */
	assert_int_equal(colo_delay_hist_quantile(&h, 0.98), 11);
	assert_true(colo_delay_hist_quantile(&h, 0.99) >= 1000);
	assert_true(colo_delay_hist_quantile(&h, 0.99) < 1250);
	assert_true(colo_delay_hist_quantile(&h, 1.0) >= 100000);
}

static void test_huge_values_clamp(void **state)
{
	struct colo_delay_hist h;

	(void)state;
	memset(&h, 0, sizeof(h));
	colo_delay_hist_add(&h, UINT64_MAX);
	assert_int_equal(h.count[COLO_DELAY_BUCKETS - 1], 1);
	assert_true(colo_delay_hist_quantile(&h, 0.5) >= (1ull << 32) - 1);
}

static void test_merge(void **state)
{
	struct colo_delay_hist a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	colo_delay_hist_add(&a, 5);
	colo_delay_hist_add(&b, 500);
	colo_delay_hist_add(&b, 500);
	colo_delay_hist_merge(&a, &b);
	assert_int_equal(a.total, 3);
	assert_int_equal(colo_delay_hist_quantile(&a, 0.3), 5);
	assert_true(colo_delay_hist_quantile(&a, 0.5) >= 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_small_values_exact),
		cmocka_unit_test(test_bound_within_quarter),
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_huge_values_clamp),
		cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
