// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF_PROG_TEST_RUN cases of the outside program: client traffic cloned to the secondary and
 * redirected to the primary. The clone is real: it leaves through lo of the test's private
 * namespace, where a packet socket checks it arrived byte for byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "env.h"
#include "frames.h"

static const struct frame_spec client_tcp = {.family = 4,
					     .src = "198.51.100.2",
					     .dst = "192.0.2.1",
					     .proto = IPPROTO_TCP,
					     .sport = 40000,
					     .dport = 80,
					     .tcp_flags = FRAME_TCP_ACK,
					     .payload_len = 100};

static int tap_open(void)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_ALL),
				  .sll_ifindex = ENV_LO_IFINDEX};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

/* Copies of frame seen on lo within 100 ms (sent and looped back both count). */
static int tap_count(int fd, const uint8_t *frame, size_t len)
{
	static uint8_t buf[FRAME_MAX];
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int n = 0;

	while (poll(&pfd, 1, 100) > 0) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		if (r < 0)
			break;
		if ((size_t)r == len && !memcmp(buf, frame, len))
			n++;
	}
	return n;
}

struct outside_case {
	uint32_t ifindex[COLO_ROLE_MAX];
	uint32_t flags;
	uint32_t verdict;
	bool cloned;
	bool redirected;
};

static void run_outside(const struct outside_case *c, const uint8_t *frame, size_t len)
{
	struct colo_config cfg = {.nshards = ENV_SHARDS, .flags = c->flags};
	struct colo_stats st, side;
	uint32_t retval, role;
	int tap = tap_open();

	memcpy(cfg.ifindex, c->ifindex, sizeof(cfg.ifindex));
	env_reset(&env, c->flags, ENV_SHARDS);
	env_set_config(&env, &cfg);
	tap_count(tap, frame, len);
	assert_int_equal(env_run(env_outside(&env), frame, len, NULL, NULL, &retval, NULL, 0), 0);
	assert_int_equal(retval, c->verdict);
	env_stats(&env, COLO_ROLE_OUTSIDE, &st);
	assert_int_equal(st.seen, 1);
	assert_int_equal(st.bytes, len);
	assert_int_equal(st.cloned, c->cloned);
	assert_int_equal(st.redirected, c->redirected);
	if (c->cloned)
		assert_true(tap_count(tap, frame, len) >= 1);
	else
		assert_int_equal(tap_count(tap, frame, len), 0);
	close(tap);
	for (role = COLO_ROLE_PRIMARY; role < COLO_ROLE_MAX; role++) {
		env_stats(&env, role, &side);
		assert_int_equal(side.seen, 0);
	}
	assert_int_equal(env_drain(&env), 0);
}

static void run_spec(const struct outside_case *c)
{
	static uint8_t buf[FRAME_MAX];
	struct frame_layout lay;
	size_t len = frame_build(&client_tcp, buf, &lay);

	run_outside(c, buf, len);
}

static void test_mirror_and_redirect(void **state)
{
	const struct outside_case c = {.ifindex = {1, 1, 1},
				       .verdict = TC_ACT_REDIRECT,
				       .cloned = true,
				       .redirected = true};

	(void)state;
	run_spec(&c);
}

static void test_arp_mirrored(void **state)
{
	const struct outside_case c = {.ifindex = {1, 1, 1},
				       .verdict = TC_ACT_REDIRECT,
				       .cloned = true,
				       .redirected = true};
	static uint8_t buf[FRAME_MAX];
	size_t len = frame_arp(buf, 2, 0);

	(void)state;
	run_outside(&c, buf, len);
}

static void test_primary_not_attached(void **state)
{
	const struct outside_case c = {.ifindex = {1, 0, 1}, .verdict = TC_ACT_OK};

	(void)state;
	run_spec(&c);
}

static void test_failover_no_clone(void **state)
{
	const struct outside_case c = {.ifindex = {1, 1, 1},
				       .flags = COLO_CFG_FAILOVER,
				       .verdict = TC_ACT_REDIRECT,
				       .redirected = true};

	(void)state;
	run_spec(&c);
}

static void test_no_mirror(void **state)
{
	const struct outside_case c = {.ifindex = {1, 1, 1},
				       .flags = COLO_CFG_NO_MIRROR,
				       .verdict = TC_ACT_REDIRECT,
				       .redirected = true};

	(void)state;
	run_spec(&c);
}

static void test_secondary_not_attached(void **state)
{
	const struct outside_case c = {
		.ifindex = {1, 1, 0}, .verdict = TC_ACT_REDIRECT, .redirected = true};

	(void)state;
	run_spec(&c);
}

static void test_secondary_gone(void **state)
{
	const struct outside_case c = {
		.ifindex = {1, 1, 4242}, .verdict = TC_ACT_REDIRECT, .redirected = true};

	(void)state;
	run_spec(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mirror_and_redirect),
		cmocka_unit_test(test_arp_mirrored),
		cmocka_unit_test(test_primary_not_attached),
		cmocka_unit_test(test_failover_no_clone),
		cmocka_unit_test(test_no_mirror),
		cmocka_unit_test(test_secondary_not_attached),
		cmocka_unit_test(test_secondary_gone),
	};

	return env_run_group("outside", tests, sizeof(tests) / sizeof(tests[0]));
}
