// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the exec hook's environment (user/lib/exec_env.c), both request forms. */
#include "agent_msgs.h"
#include "lib/exec_env.h"

static void test_short_form(void **state)
{
	struct colo_flow_key f = flow4();
	struct colo_agent_msg m;
	struct exec_env env;

	(void)state;
	colo_agent_msg_request(&m, 12, COLO_AGENT_REASON_QUEUE_FULL, &f, 42);
	exec_env_build(&m, &env);
	assert_int_equal(env.n, 4);
	assert_string_equal(env.var[0], "COLO_CHECKPOINT_ID=12");
	assert_string_equal(env.var[1], "COLO_REASON=queue_full");
	assert_string_equal(env.var[2], "COLO_FLOW=tcp 10.77.0.2:80 > 10.77.0.1:40000");
	assert_string_equal(env.var[3], "COLO_TIME_NS=42");
}

static void test_origin_form(void **state)
{
	const struct colo_agent_origin o = {
		.side = 1, .pos_kind = COLO_AGENT_POS_SEQ, .pos = 7, .waited_ns = 3000000000ull};
	struct colo_agent_msg m;
	struct exec_env env;

	(void)state;
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_TIMEOUT, NULL, 0);
	colo_agent_msg_request_origin(&m, &o);
	exec_env_build(&m, &env);
	assert_int_equal(env.n, 8);
	assert_string_equal(env.var[2], "COLO_FLOW=none");
	assert_string_equal(env.var[4], "COLO_SIDE=secondary");
	assert_string_equal(env.var[5], "COLO_AT=7");
	assert_string_equal(env.var[6], "COLO_AT_KIND=seq");
	assert_string_equal(env.var[7], "COLO_WAITED_NS=3000000000");
	m.request.origin.pos_kind = COLO_AGENT_POS_NONE;
	exec_env_build(&m, &env);
	assert_string_equal(env.var[5], "COLO_AT=");
	assert_string_equal(env.var[6], "COLO_AT_KIND=none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_form),
		cmocka_unit_test(test_origin_form),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
