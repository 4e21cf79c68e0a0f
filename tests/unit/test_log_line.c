// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for log lines (user/lib/log_line.c): text, JSON, journald prefixes, cutting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/log_line.h"

#define T0 1764754200123456789ull /* 2025-12-03T09:30:00.123Z */

static void test_text_and_journal(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(colo_log_line(buf, sizeof(buf), COLO_LOG_TEXT, false, COLO_PRIO_INFO,
				       "running", T0),
			 strlen("colo-xdp: running\n"));
	assert_string_equal(buf, "colo-xdp: running\n");
	colo_log_line(buf, sizeof(buf), COLO_LOG_TEXT, true, COLO_PRIO_ERR, "bad", T0);
	assert_string_equal(buf, "<3>colo-xdp: bad\n");
}

static void test_json(void **state)
{
	char buf[256];

	(void)state;
	colo_log_line(buf, sizeof(buf), COLO_LOG_JSON, true, COLO_PRIO_WARNING,
		      "a \"quoted\"\nline \xc3\xa9", T0);
	assert_string_equal(buf, "<4>{\"time\":\"2025-12-03T09:30:00.123Z\",\"level\":\"warning\","
				 "\"msg\":\"a \\\"quoted\\\"\\nline \\u00E9\"}\n");
	colo_log_line(buf, sizeof(buf), COLO_LOG_JSON, false, COLO_PRIO_DEBUG, "x", T0);
	assert_non_null(strstr(buf, "\"level\":\"debug\""));
}

static void test_cut_keeps_the_newline(void **state)
{
	char msg[300], buf[64];

	(void)state;
	memset(msg, 'a', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	assert_int_equal(
		colo_log_line(buf, sizeof(buf), COLO_LOG_TEXT, false, COLO_PRIO_INFO, msg, T0),
		sizeof(buf) - 1);
	assert_int_equal(buf[sizeof(buf) - 2], '\n');
	assert_int_equal(buf[sizeof(buf) - 1], '\0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_journal),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_cut_keeps_the_newline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
