// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for QMP line splitting, parsing and command encoding (user/lib/qmp.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/qmp.h"

static int parse(const char *s, struct qmp_msg *m)
{
	char why[160];

	return qmp_parse(s, strlen(s), m, why, sizeof(why));
}

static void test_greeting_reply_error_event(void **state)
{
	struct qmp_msg m;

	(void)state;
	assert_int_equal(parse("{\"QMP\": {\"version\": {}, \"capabilities\": []}}", &m), 0);
	assert_int_equal(m.kind, QMP_GREETING);
	qmp_msg_clear(&m);

	assert_int_equal(parse("{\"return\": {\"status\": \"completed\"}, \"id\": 7}", &m), 0);
	assert_int_equal(m.kind, QMP_RETURN);
	assert_true(m.has_id);
	assert_int_equal(m.id, 7);
	assert_string_equal(qmp_value_str(&m, "status"), "completed");
	assert_null(qmp_value_str(&m, "nothing"));
	qmp_msg_clear(&m);

	assert_int_equal(parse("{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}, "
			       "\"id\": 3}",
			       &m),
			 0);
	assert_int_equal(m.kind, QMP_ERROR);
	assert_int_equal(m.id, 3);
	assert_string_equal(m.err_class, "GenericError");
	assert_string_equal(m.err_desc, "no");
	qmp_msg_clear(&m);

	assert_int_equal(parse("{\"event\": \"COLO_EXIT\", \"data\": {\"mode\": \"primary\", "
			       "\"reason\": \"error\"}, \"timestamp\": {\"seconds\": 1, "
			       "\"microseconds\": 2}}",
			       &m),
			 0);
	assert_int_equal(m.kind, QMP_EVENT);
	assert_string_equal(m.event, "COLO_EXIT");
	assert_string_equal(qmp_value_str(&m, "reason"), "error");
	assert_false(m.has_id);
	qmp_msg_clear(&m);
}

static void test_ids_not_ours(void **state)
{
	struct qmp_msg m;

	(void)state;
	assert_int_equal(parse("{\"return\": {}, \"id\": \"text\"}", &m), 0);
	assert_false(m.has_id);
	qmp_msg_clear(&m);
	assert_int_equal(parse("{\"return\": {}, \"id\": -4}", &m), 0);
	assert_false(m.has_id);
	qmp_msg_clear(&m);
	assert_int_equal(parse("{\"return\": {}}", &m), 0);
	assert_false(m.has_id);
	qmp_msg_clear(&m);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"[]",
		"42",
		"{\"something\": 1}",
		"{\"event\": 5}",
		"{\"error\": \"x\"}",
		"{\"return\": 1, \"return\": 2}",
	};
	struct qmp_msg m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &m), -EPROTO);
		assert_null(m.root);
	}
}

static void test_command_encoding(void **state)
{
	json_t *args = json_pack("{s:s}", "uri", "unix:/tmp/m.sock");
	char *line;

	(void)state;
	line = qmp_command("migrate", args, 12);
	assert_string_equal(line, "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"unix:/tmp/"
				  "m.sock\"},\"id\":12}\r\n");
	free(line);
	json_decref(args);
	line = qmp_command("stop", NULL, 1);
	assert_string_equal(line, "{\"execute\":\"stop\",\"id\":1}\r\n");
	free(line);
}

static void test_lines_any_chunking(void **state)
{
	static const char stream[] = "{\"a\":1}\r\n{\"b\":2}\n\r\n{\"c\":3}\r\n";
	static const char *const want[] = {"{\"a\":1}", "{\"b\":2}", "", "{\"c\":3}"};
	struct qmp_lines *l = malloc(sizeof(*l));
	size_t chunk, off, got;
	const char *line;
	long n;

	(void)state;
	for (chunk = 1; chunk <= sizeof(stream); chunk++) {
		qmp_lines_init(l);
		got = 0;
		for (off = 0; off < sizeof(stream) - 1;) {
			size_t take =
				chunk < sizeof(stream) - 1 - off ? chunk : sizeof(stream) - 1 - off;

			off += qmp_lines_feed(l, stream + off, take);
			while ((n = qmp_lines_next(l, &line)) >= 0) {
				assert_true(got < 4);
				assert_int_equal(n, strlen(want[got]));
				assert_memory_equal(line, want[got], (size_t)n);
				got++;
			}
			assert_int_equal(n, -1);
		}
		assert_int_equal(got, 4);
	}
	free(l);
}

static void test_lines_overflow_sticky(void **state)
{
	struct qmp_lines *l = malloc(sizeof(*l));
	char *junk = malloc(QMP_MAX_LINE);
	const char *line;

	(void)state;
	memset(junk, 'x', QMP_MAX_LINE);
	qmp_lines_init(l);
	assert_int_equal(qmp_lines_feed(l, junk, QMP_MAX_LINE), QMP_MAX_LINE);
	assert_int_equal(qmp_lines_feed(l, "\n", 1), 0); /* full: nothing more is taken */
	assert_int_equal(qmp_lines_next(l, &line), -EMSGSIZE);
	assert_int_equal(qmp_lines_next(l, &line), -EMSGSIZE);
	free(junk);
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting_reply_error_event),
		cmocka_unit_test(test_ids_not_ours),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_command_encoding),
		cmocka_unit_test(test_lines_any_chunking),
		cmocka_unit_test(test_lines_overflow_sticky),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
