// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the control protocol lines (user/lib/control_proto.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/control_proto.h"

static enum colo_ctl_error parse(const char *line, struct colo_ctl_request *req)
{
	char why[160];

	return colo_ctl_request_parse(line, strlen(line), req, why, sizeof(why));
}

static void test_requests_parse(void **state)
{
	struct colo_ctl_request req;
	unsigned int k;
	char *line;

	(void)state;
	for (k = 0; k < COLO_CTL_REQUEST_MAX_KIND; k++) {
		line = colo_ctl_request_line(k);
		assert_non_null(line);
		assert_int_equal(line[strlen(line) - 1], '\n');
		line[strlen(line) - 1] = '\0';
		req.kind = COLO_CTL_REQUEST_MAX_KIND;
		assert_int_equal(parse(line, &req), COLO_CTL_OK);
		assert_int_equal(req.kind, k);
		free(line);
	}
	assert_int_equal(parse(" { \"request\" : \"stats\" } ", &req), COLO_CTL_OK);
	assert_int_equal(req.kind, COLO_CTL_STATS);
}

static void test_requests_refused(void **state)
{
	struct colo_ctl_request req;
	char big[COLO_CTL_REQUEST_MAX + 8];
	char why[160];

	(void)state;
	assert_int_equal(parse("", &req), COLO_CTL_E_MALFORMED);
	assert_int_equal(parse("stats", &req), COLO_CTL_E_MALFORMED);
	assert_int_equal(parse("[\"stats\"]", &req), COLO_CTL_E_MALFORMED);
	assert_int_equal(parse("{\"request\":1}", &req), COLO_CTL_E_MALFORMED);
	assert_int_equal(parse("{}", &req), COLO_CTL_E_MALFORMED);
	assert_int_equal(parse("{\"request\":\"stats\",\"request\":\"conns\"}", &req),
			 COLO_CTL_E_MALFORMED);
	assert_int_equal(parse("{\"request\":\"dump\"}", &req), COLO_CTL_E_UNKNOWN);
	assert_int_equal(parse("{\"request\":\"stats\",\"x\":1}", &req), COLO_CTL_E_BAD_ARGUMENT);
	memset(big, ' ', sizeof(big));
	assert_int_equal(colo_ctl_request_parse(big, COLO_CTL_REQUEST_MAX, &req, why, sizeof(why)),
			 COLO_CTL_E_TOO_LARGE);
	/* One byte less is a (malformed, all blanks) line of allowed size. */
	assert_int_equal(
		colo_ctl_request_parse(big, COLO_CTL_REQUEST_MAX - 1, &req, why, sizeof(why)),
		COLO_CTL_E_MALFORMED);
}

static void test_reply_round_trip(void **state)
{
	json_t *data;
	char why[160], *line;
	size_t len;

	(void)state;
	line = colo_ctl_reply_ok(COLO_CTL_STATS, json_pack("{s:i}", "x", 42), &len);
	assert_non_null(line);
	assert_int_equal(line[len - 1], '\n');
	assert_null(memchr(line, '\n', len - 1));
	assert_int_equal(
		colo_ctl_reply_parse(line, len - 1, COLO_CTL_STATS, &data, why, sizeof(why)), 0);
	assert_int_equal(json_integer_value(json_object_get(data, "x")), 42);
	json_decref(data);
	/* A reply to another request is refused. */
	assert_int_equal(
		colo_ctl_reply_parse(line, len - 1, COLO_CTL_CONNS, &data, why, sizeof(why)), -1);
	assert_null(data);
	free(line);
}

static void test_reply_error(void **state)
{
	json_t *data;
	char why[160], *line;
	size_t len;

	(void)state;
	line = colo_ctl_reply_error(COLO_CTL_E_BUSY, "too many clients", &len);
	assert_non_null(line);
	assert_int_equal(
		colo_ctl_reply_parse(line, len - 1, COLO_CTL_PING, &data, why, sizeof(why)), -1);
	assert_string_equal(why, "busy: too many clients");
	free(line);
	assert_null(colo_ctl_reply_error(COLO_CTL_OK, "x", &len));
	assert_null(colo_ctl_reply_ok(COLO_CTL_PING, json_string("not an object"), &len));
	/* Another protocol version is named, not misread. */
	line = "{\"ok\":true,\"protocol\":2,\"reply\":\"ping\",\"data\":{}}";
	assert_int_equal(
		colo_ctl_reply_parse(line, strlen(line), COLO_CTL_PING, &data, why, sizeof(why)),
		-1);
	assert_non_null(strstr(why, "protocol 2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests_parse),
		cmocka_unit_test(test_requests_refused),
		cmocka_unit_test(test_reply_round_trip),
		cmocka_unit_test(test_reply_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
