// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the COLO-mode state machine (user/lib/qemu_colo.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/qemu_colo.h"

static struct qcolo s;
static struct qcolo_out o;

static int setup(void **state)
{
	(void)state;
	qcolo_init(&s, 1000);
	qcolo_status(&s, "colo", &o);
	assert_int_equal(s.state, QCOLO_IDLE);
	return 0;
}

static void want1(enum qcolo_do what, uint32_t txid)
{
	assert_int_equal(o.n, 1);
	assert_int_equal(o.a[0].what, what);
	assert_int_equal(o.a[0].txid, txid);
}

static void test_kick_stop_resume(void **state)
{
	(void)state;
	qcolo_request(&s, 5, 0, &o);
	want1(QCOLO_DO_KICK, 5);
	qcolo_stop(&s, &o);
	want1(QCOLO_DO_BEGIN, 5);
	qcolo_resume(&s, &o);
	want1(QCOLO_DO_COMMIT, 5);
	assert_int_equal(s.state, QCOLO_IDLE);
	assert_int_equal(s.txid, 0);
}

static void test_periodic_commits_0_and_absorbs(void **state)
{
	(void)state;
	qcolo_stop(&s, &o);
	assert_int_equal(o.n, 0);
	qcolo_request(&s, 2, 0, &o); /* during the checkpoint: no kick, BEGIN at once */
	want1(QCOLO_DO_BEGIN, 2);
	qcolo_resume(&s, &o);
	want1(QCOLO_DO_COMMIT, 2);
	qcolo_stop(&s, &o);
	qcolo_resume(&s, &o);
	want1(QCOLO_DO_COMMIT, 0);
}

static void test_kick_timeout_and_failure(void **state)
{
	(void)state;
	qcolo_request(&s, 1, 10, &o);
	qcolo_tick(&s, 500, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(qcolo_wait_ns(&s, 500), 510);
	qcolo_tick(&s, 1010, &o);
	want1(QCOLO_DO_ABORT, 1);
	qcolo_request(&s, 2, 2000, &o);
	qcolo_kick_failed(&s, "refused", &o);
	want1(QCOLO_DO_ABORT, 2);
	assert_string_equal(s.why, "refused");
	assert_int_equal(s.state, QCOLO_IDLE);
}

static void test_exit_aborts_then_fails_over(void **state)
{
	(void)state;
	qcolo_request(&s, 3, 0, &o);
	qcolo_stop(&s, &o);
	qcolo_colo_exit(&s, "error", &o);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.a[0].what, QCOLO_DO_ABORT);
	assert_int_equal(o.a[0].txid, 3);
	assert_int_equal(o.a[1].what, QCOLO_DO_FAILOVER);
	qcolo_request(&s, 4, 0, &o);
	want1(QCOLO_DO_ABORT, 4);
	qcolo_resume(&s, &o);
	assert_int_equal(o.n, 0);
}

static void test_secondary_loss_once(void **state)
{
	(void)state;
	qcolo_secondary_lost(&s, &o);
	want1(QCOLO_DO_LOST_HEARTBEAT, 0);
	qcolo_secondary_lost(&s, &o);
	assert_int_equal(o.n, 0);
}

static void test_not_in_colo(void **state)
{
	(void)state;
	qcolo_init(&s, 1000);
	qcolo_request(&s, 1, 0, &o);
	want1(QCOLO_DO_ABORT, 1);
	qcolo_status(&s, "active", &o);
	assert_int_equal(s.state, QCOLO_WAITING);
}

static void test_agent_lost_commits_0(void **state)
{
	(void)state;
	qcolo_request(&s, 1, 0, &o);
	qcolo_agent_lost(&s);
	qcolo_stop(&s, &o);
	assert_int_equal(o.n, 0);
	qcolo_resume(&s, &o);
	want1(QCOLO_DO_COMMIT, 0);
}

static void test_primary_lost(void **state)
{
	(void)state;
	qcolo_request(&s, 1, 0, &o);
	qcolo_primary_lost(&s, &o);
	want1(QCOLO_DO_ABORT, 1);
	assert_int_equal(s.state, QCOLO_WAITING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_kick_stop_resume, setup),
		cmocka_unit_test_setup(test_periodic_commits_0_and_absorbs, setup),
		cmocka_unit_test_setup(test_kick_timeout_and_failure, setup),
		cmocka_unit_test_setup(test_exit_aborts_then_fails_over, setup),
		cmocka_unit_test_setup(test_secondary_loss_once, setup),
		cmocka_unit_test_setup(test_not_in_colo, setup),
		cmocka_unit_test_setup(test_agent_lost_commits_0, setup),
		cmocka_unit_test_setup(test_primary_lost, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
