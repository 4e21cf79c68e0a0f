// SPDX-License-Identifier: GPL-2.0-only
/* Merge order, tick schedule and event formatting of `colo-xdp replay`. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "lib/replay_events.h"

#define MS 1000000ull

static void test_pick_earlier_primary_on_tie(void **state)
{
	bool both[COLO_SIDE_MAX] = {true, true};
	bool only_s[COLO_SIDE_MAX] = {false, true};
	bool none[COLO_SIDE_MAX] = {false, false};
	uint64_t tie[COLO_SIDE_MAX] = {5, 5};
	uint64_t s_first[COLO_SIDE_MAX] = {6, 5};

	(void)state;
	assert_int_equal(colo_replay_pick(both, tie), COLO_SIDE_PRIMARY);
	assert_int_equal(colo_replay_pick(both, s_first), COLO_SIDE_SECONDARY);
	assert_int_equal(colo_replay_pick(only_s, tie), COLO_SIDE_SECONDARY);
	assert_int_equal(colo_replay_pick(none, tie), COLO_SIDE_MAX);
}

static void test_next_tick_steps_within_horizon(void **state)
{
	(void)state;
	/* A gap of one second after a frame at 0: 100 ms steps. */
	assert_int_equal(colo_replay_next_tick(0, 1000 * MS, 0, 3100 * MS), 100 * MS);
	assert_int_equal(colo_replay_next_tick(900 * MS, 1000 * MS, 0, 3100 * MS), 1000 * MS);
	/* Past the horizon the clock jumps straight to the target. */
	assert_int_equal(colo_replay_next_tick(3100 * MS, 3600000 * MS, 0, 3100 * MS),
			 3600000 * MS);
	/* Never backwards, never the same step twice. */
	assert_int_equal(colo_replay_next_tick(500 * MS, 400 * MS, 0, 3100 * MS), 500 * MS);
	assert_int_equal(colo_replay_next_tick(500 * MS, 550 * MS, 0, 3100 * MS), 550 * MS);
}

static void test_next_tick_count_bounded(void **state)
{
	uint64_t clock = 0, target = 365ull * 24 * 3600 * 1000 * MS, n = 0, t;

	(void)state;
	while ((t = colo_replay_next_tick(clock, target, 0, 3100 * MS)) != clock) {
		clock = t;
		n++;
	}
	assert_int_equal(clock, target);
	assert_true(n <= 32);
}

static void v4_flow(struct colo_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->saddr[10] = k->saddr[11] = 0xff;
	k->daddr[10] = k->daddr[11] = 0xff;
	inet_pton(AF_INET, "10.0.0.1", &k->saddr[12]);
	inet_pton(AF_INET, "10.0.0.2", &k->daddr[12]);
	k->sport = htons(80);
	k->dport = htons(5000);
	k->proto = IPPROTO_TCP;
	k->family = 4;
}

static void test_json_events(void **state)
{
	struct colo_flow_key k;
	char buf[512];
	int n;

	(void)state;
	v4_flow(&k);
	n = colo_json_release(buf, sizeof(buf), 3, 1500000123ull, 74, &k);
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf,
			    "{\"event\":\"release\",\"index\":3,\"time\":1.500000123,\"len\":74,"
			    "\"flow\":\"tcp 10.0.0.1:80 > 10.0.0.2:5000\"}");
	colo_json_checkpoint(buf, sizeof(buf), 1, COLO_CP_TIMEOUT, NULL,
			     &(struct colo_cp_where){.side = COLO_SIDE_SECONDARY,
						     .pos_kind = COLO_CP_POS_STREAM,
						     .pos = 1999743,
						     .waited_ns = 3000 * MS},
			     3 * 1000 * MS);
	assert_string_equal(buf, "{\"event\":\"checkpoint\",\"id\":1,\"reason\":\"timeout\","
				 "\"flow\":null,\"side\":\"secondary\",\"at\":1999743,"
				 "\"waited\":3.000000000,\"time\":3.000000000}");
	colo_json_checkpoint(buf, sizeof(buf), 2, COLO_CP_MISMATCH, &k,
			     &(struct colo_cp_where){.side = COLO_SIDE_PRIMARY,
						     .pos_kind = COLO_CP_POS_SEQ,
						     .pos = 77},
			     0);
	assert_string_equal(buf, "{\"event\":\"checkpoint\",\"id\":2,\"reason\":\"mismatch\","
				 "\"flow\":\"tcp 10.0.0.1:80 > 10.0.0.2:5000\","
				 "\"side\":\"primary\",\"seq\":77,\"time\":0.000000000}");
	colo_json_drop(buf, sizeof(buf), COLO_SIDE_SECONDARY, 7, COLO_DROP_COMPARED, 0);
	assert_string_equal(buf, "{\"event\":\"drop\",\"side\":\"secondary\",\"index\":7,"
				 "\"reason\":\"compared\",\"time\":0.000000000}");
	colo_json_offset(buf, sizeof(buf), &k, 0xfffffff0u, 5, true, 1);
	assert_string_equal(buf,
			    "{\"event\":\"offset\",\"flow\":\"tcp 10.0.0.1:80 > 10.0.0.2:5000\","
			    "\"seq_offset\":4294967280,\"ts_offset\":5,\"ts_valid\":true,"
			    "\"time\":0.000000001}");
	colo_json_commit(buf, sizeof(buf), 2, 0);
	assert_string_equal(buf, "{\"event\":\"commit\",\"id\":2,\"time\":0.000000000}");
}

/* The daemon's log names a checkpoint's origin with the fields it knows. */
static void test_checkpoint_where_text(void **state)
{
	char buf[COLO_CP_WHERE_STR_LEN];

	(void)state;
	colo_cp_where_str(buf, sizeof(buf),
			  &(struct colo_cp_where){.side = COLO_SIDE_SECONDARY,
						  .pos_kind = COLO_CP_POS_STREAM,
						  .pos = 1999743,
						  .waited_ns = 3100 * MS});
	assert_string_equal(buf, "side=secondary at=1999743 waited=3.1s");
	colo_cp_where_str(buf, sizeof(buf), &(struct colo_cp_where){.side = COLO_SIDE_PRIMARY});
	assert_string_equal(buf, "side=primary");
	colo_cp_where_str(buf, sizeof(buf),
			  &(struct colo_cp_where){.pos_kind = COLO_CP_POS_SEQ, .pos = 4294967295u});
	assert_string_equal(buf, "side=primary seq=4294967295");
	/* The longest text fits the buffer the daemon gives it. */
	assert_true(colo_cp_where_str(buf, sizeof(buf),
				      &(struct colo_cp_where){.side = COLO_SIDE_SECONDARY,
							      .pos_kind = COLO_CP_POS_SEQ,
							      .pos = 4294967295u,
							      .waited_ns = UINT64_MAX}) <
		    (int)sizeof(buf));
}

static void test_truncation_reports_full_length(void **state)
{
	struct colo_flow_key k;
	char full[256], small[16];
	int n;

	(void)state;
	v4_flow(&k);
	n = colo_json_release(full, sizeof(full), 1, 0, 60, &k);
	assert_int_equal(colo_json_release(small, sizeof(small), 1, 0, 60, &k), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, full, sizeof(small) - 1);
	assert_int_equal(colo_json_release(NULL, 0, 1, 0, 60, &k), n);
}

static void test_summary(void **state)
{
	struct colo_replay_summary s = {
		.frames = {4, 3},
		.released = 4,
		.released_bytes = 400,
		.compared_bytes = 120,
		.checkpoints = {[COLO_CP_MISMATCH] = 1},
		.commits = 1,
		.drops = {[COLO_SIDE_SECONDARY] =
				  {[COLO_DROP_COMPARED] = 2, [COLO_DROP_COMMIT] = 1}},
	};
	char buf[1024];

	(void)state;
	colo_json_summary(buf, sizeof(buf), &s);
	assert_string_equal(
		buf,
		"{\"event\":\"summary\",\"frames\":{\"primary\":4,\"secondary\":3},\"released\":4,"
		"\"released_bytes\":400,\"compared_bytes\":120,\"checkpoints\":{\"mismatch\":1,"
		"\"timeout\":0,\"queue_full\":0,\"table_full\":0},\"commits\":1,\"drops\":{"
		"\"primary\":{\"compared\":0,\"commit\":0,\"malformed\":0,\"duplicate\":0,"
		"\"refused\":0,\"shutdown\":0,\"overflow\":0},\"secondary\":{\"compared\":2,"
		"\"commit\":1,"
		"\"malformed\":0,\"duplicate\":0,\"refused\":0,\"shutdown\":0,\"overflow\":0}},"
		"\"held\":{\"primary\":0,\"secondary\":0}}");
	colo_text_summary(buf, sizeof(buf), &s);
	assert_non_null(strstr(buf, "frames:      primary 4, secondary 3\n"));
	assert_non_null(strstr(buf, "checkpoints: 1 (mismatch 1, timeout 0, queue_full 0, "
				    "table_full 0), commits 1\n"));
	assert_non_null(strstr(buf, "drops secondary 3 (compared 2, commit 1,"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_earlier_primary_on_tie),
		cmocka_unit_test(test_next_tick_steps_within_horizon),
		cmocka_unit_test(test_next_tick_count_bounded),
		cmocka_unit_test(test_json_events),
		cmocka_unit_test(test_checkpoint_where_text),
		cmocka_unit_test(test_truncation_reports_full_length),
		cmocka_unit_test(test_summary),
	};

	return cmocka_run_group_tests_name("replay_events", tests, NULL, NULL);
}
