// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for `conns --flow` filters (user/lib/flow_filter.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/flow_filter.h"

static const char v4[] = "tcp 10.77.0.2:5101 > 10.77.0.1:40000";
static const char v6[] = "udp [fd77::2]:53 > [fd77::1]:4444";

static void test_terms_match(void **state)
{
	(void)state;
	assert_true(colo_flow_filter_match(v4, ""));
	assert_true(colo_flow_filter_match(v4, "tcp"));
	assert_true(colo_flow_filter_match(v4, "10.77.0.1"));
	assert_true(colo_flow_filter_match(v4, "10.77.0.2:5101"));
	assert_true(colo_flow_filter_match(v4, ":5101"));
	assert_true(colo_flow_filter_match(v4, "40000"));
	assert_true(colo_flow_filter_match(v4, "  tcp\t:40000  10.77.0.2 "));
	assert_true(colo_flow_filter_match(v6, "fd77::1"));
	assert_true(colo_flow_filter_match(v6, "[fd77::2]:53"));
	assert_true(colo_flow_filter_match(v6, ":4444 udp"));
}

static void test_terms_refuse(void **state)
{
	(void)state;
	assert_false(colo_flow_filter_match(v4, "udp"));
	assert_false(colo_flow_filter_match(v4, "10.77.0"));	/* no prefix match */
	assert_false(colo_flow_filter_match(v4, "510"));	/* nor part of a port */
	assert_false(colo_flow_filter_match(v4, ":40000 udp")); /* every term must match */
	assert_false(colo_flow_filter_match(v4, ">"));
	assert_false(colo_flow_filter_match(v6, "fd77::3"));
	assert_false(colo_flow_filter_match(v6, "[fd77::2]"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terms_match),
		cmocka_unit_test(test_terms_refuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
