// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the migration-mode checkpoint state machine (user/lib/qemu_migrate.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/qemu_migrate.h"

#define MS 1000000ull

static struct qmig m;
static struct qmig_action a;

static int setup(void **state)
{
	(void)state;
	qmig_init(&m, 1000 * MS, 5000 * MS);
	return 0;
}

static void want(enum qmig_do what, const char *cmd, uint32_t txid)
{
	assert_int_equal(a.what, what);
	if (cmd)
		assert_string_equal(a.cmd, cmd);
	if (what >= QMIG_DO_BEGIN)
		assert_int_equal(a.txid, txid);
}

/* After an agent-side action, the caller asks what follows. */
static void next(uint64_t now)
{
	qmig_next(&m, now, &a);
}

static void done(enum qmig_result r, uint64_t now)
{
	qmig_done(&m, r, r == QMIG_OK ? NULL : "refused", now, &a);
}

/* Runs a checkpoint from the request up to the migrate command. */
static void up_to_migrate(uint32_t id, uint64_t t)
{
	qmig_request(&m, id, t, &a);
	want(QMIG_DO_QMP_PRIMARY, "stop", 0);
	done(QMIG_OK, t + 1 * MS);
	want(QMIG_DO_BEGIN, NULL, id);
	next(t + 1 * MS);
	want(QMIG_DO_END_SECONDARY, NULL, 0);
	qmig_secondary_gone(&m, t + 2 * MS, &a); /* the old one, ended as asked */
	want(QMIG_DO_LAUNCH, NULL, 0);
	done(QMIG_OK, t + 3 * MS); /* its QMP is up */
	want(QMIG_DO_QMP_SECONDARY, "migrate-incoming", 0);
	assert_true(a.with_uri);
	done(QMIG_OK, t + 4 * MS);
	want(QMIG_DO_QMP_PRIMARY, "migrate", 0);
	assert_true(a.with_uri);
}

static void test_checkpoint_in_order(void **state)
{
	struct qmig_figures f;

	(void)state;
	up_to_migrate(7, 100 * MS);
	done(QMIG_OK, 105 * MS);
	want(QMIG_DO_QMP_PRIMARY, "query-migrate", 0);
	done(QMIG_ACTIVE, 106 * MS);
	want(QMIG_DO_NOTHING, NULL, 0);
	assert_int_equal(qmig_wait_ns(&m, 106 * MS), QMIG_POLL_NS);
	qmig_tick(&m, 106 * MS + QMIG_POLL_NS, &a);
	want(QMIG_DO_QMP_PRIMARY, "query-migrate", 0);
	done(QMIG_OK, 150 * MS);
	/* COMMIT while both are paused, then the secondary and the primary resume. */
	want(QMIG_DO_COMMIT, NULL, 7);
	next(150 * MS);
	want(QMIG_DO_QMP_SECONDARY, "cont", 0);
	done(QMIG_OK, 151 * MS);
	want(QMIG_DO_QMP_PRIMARY, "cont", 0);
	done(QMIG_OK, 152 * MS);
	want(QMIG_DO_REPORT, NULL, 7);
	qmig_figures(&m, &f);
	assert_true(f.latency_ms > 49.9 && f.latency_ms < 50.1);
	assert_true(f.pause_ms > 50.9 && f.pause_ms < 51.1);
	assert_true(f.migrate_ms > 45.9 && f.migrate_ms < 46.1);
	next(152 * MS);
	want(QMIG_DO_NOTHING, NULL, 0);
	assert_int_equal(m.step, QMIG_IDLE);
	assert_int_equal(m.committed, 1);
	/* Idle: no step deadline is left to fire after the last step's timeout. */
	assert_true(qmig_wait_ns(&m, 152 * MS) == UINT64_MAX);
	qmig_tick(&m, 152 * MS + 2000 * MS, &a);
	want(QMIG_DO_NOTHING, NULL, 0);
}

static void test_migrate_failure_resumes_and_aborts(void **state)
{
	(void)state;
	up_to_migrate(1, 0);
	done(QMIG_FAILED, 5 * MS);
	want(QMIG_DO_QMP_PRIMARY, "cont", 0);
	assert_int_equal(m.step, QMIG_RECOVER);
	done(QMIG_OK, 6 * MS);
	want(QMIG_DO_ABORT, NULL, 1);
	assert_non_null(strstr(m.why, "migrate on the primary: refused"));
	next(6 * MS);
	want(QMIG_DO_NOTHING, NULL, 0);
	assert_int_equal(m.step, QMIG_IDLE);
	qmig_tick(&m, 6 * MS + 2000 * MS, &a);
	want(QMIG_DO_NOTHING, NULL, 0);
}

static void test_failed_migration_status(void **state)
{
	(void)state;
	up_to_migrate(1, 0);
	done(QMIG_OK, 5 * MS);
	assert_int_equal(qmig_status_result("failed"), QMIG_FAILED);
	assert_int_equal(qmig_status_result("active"), QMIG_ACTIVE);
	assert_int_equal(qmig_status_result(NULL), QMIG_FAILED);
	done(qmig_status_result("failed"), 6 * MS);
	want(QMIG_DO_QMP_PRIMARY, "cont", 0);
}

static void test_step_timeout(void **state)
{
	(void)state;
	up_to_migrate(3, 0);
	qmig_tick(&m, 500 * MS, &a);
	want(QMIG_DO_NOTHING, NULL, 0);
	qmig_tick(&m, 4 * MS + 1000 * MS, &a);
	want(QMIG_DO_QMP_PRIMARY, "cont", 0);
	done(QMIG_OK, 1100 * MS);
	want(QMIG_DO_ABORT, NULL, 3);
	assert_non_null(strstr(m.why, "timed out"));
}

static void test_idle_secondary_death_fails_over(void **state)
{
	(void)state;
	qmig_secondary_gone(&m, 0, &a);
	want(QMIG_DO_FAILOVER, NULL, 0);
	next(0);
	want(QMIG_DO_NOTHING, NULL, 0);
	qmig_request(&m, 4, 1, &a);
	want(QMIG_DO_ABORT, NULL, 4);
}

static void test_new_secondary_dies_mid_migration(void **state)
{
	(void)state;
	up_to_migrate(2, 0);
	done(QMIG_OK, 5 * MS);
	qmig_secondary_gone(&m, 6 * MS, &a);
	want(QMIG_DO_QMP_PRIMARY, "cont", 0);
	done(QMIG_OK, 7 * MS);
	want(QMIG_DO_ABORT, NULL, 2);
	next(7 * MS);
	want(QMIG_DO_FAILOVER, NULL, 0);
}

static void test_request_taken_into_running_checkpoint(void **state)
{
	(void)state;
	up_to_migrate(1, 0);
	/* The dataplane went away and came back: its request (a new id) joins this one. */
	qmig_agent_lost(&m);
	qmig_request(&m, 1, 5 * MS, &a);
	want(QMIG_DO_BEGIN, NULL, 1);
	next(5 * MS);
	want(QMIG_DO_NOTHING, NULL, 0);
	done(QMIG_OK, 6 * MS);
	want(QMIG_DO_QMP_PRIMARY, "query-migrate", 0);
	done(QMIG_OK, 7 * MS);
	want(QMIG_DO_COMMIT, NULL, 1);
}

static void test_unreported_commit_is_txid_0(void **state)
{
	(void)state;
	up_to_migrate(9, 0);
	qmig_agent_lost(&m);
	done(QMIG_OK, 5 * MS);
	done(QMIG_OK, 6 * MS);
	want(QMIG_DO_COMMIT, NULL, 0);
}

static void test_request_while_resuming_waits(void **state)
{
	(void)state;
	up_to_migrate(1, 0);
	done(QMIG_OK, 5 * MS);
	done(QMIG_OK, 6 * MS);
	next(6 * MS);
	done(QMIG_OK, 7 * MS);
	assert_int_equal(m.step, QMIG_CONT_PRI);
	qmig_request(&m, 2, 7 * MS, &a);
	want(QMIG_DO_NOTHING, NULL, 0);
	done(QMIG_OK, 8 * MS);
	want(QMIG_DO_REPORT, NULL, 1);
	next(8 * MS);
	want(QMIG_DO_QMP_PRIMARY, "stop", 0); /* the queued request's checkpoint */
	assert_int_equal(m.txid, 2);
}

static void test_secondary_gone_during_stop_is_replaced(void **state)
{
	(void)state;
	qmig_request(&m, 1, 0, &a);
	qmig_secondary_gone(&m, 1, &a);
	want(QMIG_DO_NOTHING, NULL, 0);
	assert_false(m.secondary_lost);
}

/* A lost QMP session kills only the launch it belongs to: the fresh secondary (group 200) is
 * not killed for the EOF of the old one's session (group 100) nor of one of unknown origin. */
static void test_lost_session_kills_only_its_launch(void **state)
{
	(void)state;
	assert_int_equal(qmig_qmp_lost(200, 100), QMIG_LOST_IGNORE);
	assert_int_equal(qmig_qmp_lost(200, 0), QMIG_LOST_IGNORE);
	assert_int_equal(qmig_qmp_lost(200, 200), QMIG_LOST_KILL);
	assert_int_equal(qmig_qmp_lost(0, 100), QMIG_LOST_GONE); /* none of ours (external) */
	assert_int_equal(qmig_qmp_lost(0, 0), QMIG_LOST_GONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_checkpoint_in_order, setup),
		cmocka_unit_test_setup(test_migrate_failure_resumes_and_aborts, setup),
		cmocka_unit_test_setup(test_failed_migration_status, setup),
		cmocka_unit_test_setup(test_step_timeout, setup),
		cmocka_unit_test_setup(test_idle_secondary_death_fails_over, setup),
		cmocka_unit_test_setup(test_new_secondary_dies_mid_migration, setup),
		cmocka_unit_test_setup(test_request_taken_into_running_checkpoint, setup),
		cmocka_unit_test_setup(test_unreported_commit_is_txid_0, setup),
		cmocka_unit_test_setup(test_request_while_resuming_waits, setup),
		cmocka_unit_test_setup(test_secondary_gone_during_stop_is_replaced, setup),
		cmocka_unit_test(test_lost_session_kills_only_its_launch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
