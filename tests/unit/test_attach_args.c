// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the attach command line parser (user/lib/attach_args.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/attach_args.h"

/* Parses a NULL-terminated argument list; argv[0] is "attach". */
#define PARSE(o, err, ...)                                                                         \
	({                                                                                         \
		char *argv_[] = {"attach", __VA_ARGS__, NULL};                                     \
		struct colo_opts_result res_;                                                      \
		colo_attach_args_parse((int)(sizeof(argv_) / sizeof(argv_[0])) - 1, argv_, (o),    \
				       &res_, (err), sizeof(err));                                 \
	})

static void test_minimal(void **state)
{
	struct colo_attach_opts o;
	char err[160];

	(void)state;
	assert_int_equal(PARSE(&o, err, "veth0", "--role", "primary"), 0);
	assert_string_equal(o.ifname, "veth0");
	assert_int_equal(o.role, COLO_ROLE_PRIMARY);
	assert_int_equal(o.hook, COLO_HOOK_TC);
	assert_null(o.instance);
	assert_int_equal(o.nshards, 0);
	assert_int_equal(o.ring_bytes, 0);
}

static void test_all_options_any_order(void **state)
{
	struct colo_attach_opts o;
	char err[160];

	(void)state;
	assert_int_equal(PARSE(&o, err, "--instance", "lab-1", "--hook", "xdp", "eth1", "--mode",
			       "skb", "--shards", "4", "--ring-size", "0x1000000", "--role",
			       "secondary"),
			 0);
	assert_string_equal(o.ifname, "eth1");
	assert_string_equal(o.instance, "lab-1");
	assert_int_equal(o.role, COLO_ROLE_SECONDARY);
	assert_int_equal(o.hook, COLO_HOOK_XDP);
	assert_int_equal(o.xdp_mode, COLO_XDP_SKB);
	assert_int_equal(o.nshards, 4);
	assert_int_equal(o.ring_bytes, 16u << 20);
	/* --opt=value works too, and a second parse starts afresh. */
	assert_int_equal(PARSE(&o, err, "--role=outside", "eth2"), 0);
	assert_int_equal(o.role, COLO_ROLE_OUTSIDE);
	assert_null(o.instance);
}

/* Every rejected command line, and a word of the reason it gives. */
static void test_rejects(void **state)
{
	struct colo_attach_opts o;
	char err[160];

	(void)state;
	assert_int_equal(PARSE(&o, err, "eth0"), -EINVAL);
	assert_non_null(strstr(err, "missing --role"));
	assert_int_equal(PARSE(&o, err, "eth0", "--role", "tertiary"), -EINVAL);
	assert_non_null(strstr(err, "--role takes outside, primary or secondary"));
	assert_int_equal(PARSE(&o, err, "eth0", "--role"), -EINVAL);
	assert_non_null(strstr(err, "--role"));
	assert_int_equal(PARSE(&o, err, "--role", "primary"), -EINVAL);
	assert_non_null(strstr(err, "usage: colo-xdp attach <iface>"));
	assert_int_equal(PARSE(&o, err, "eth0", "eth1", "--role", "primary"), -EINVAL);
	assert_int_equal(PARSE(&o, err, "eth0", "--role", "primary", "--frob"), -EINVAL);
	assert_non_null(strstr(err, "--frob"));
	assert_int_equal(PARSE(&o, err, "eth0", "--role", "outside", "--hook", "xdp"), -EINVAL);
	assert_int_equal(PARSE(&o, err, "eth0", "--role", "primary", "--hook", "bpf"), -EINVAL);
	assert_int_equal(PARSE(&o, err, "eth0", "--role", "primary", "--mode", "skb"), -EINVAL);
	assert_non_null(strstr(err, "--hook xdp"));
	assert_int_equal(
		PARSE(&o, err, "eth0", "--role", "primary", "--hook", "xdp", "--mode", "hw"),
		-EINVAL);
	assert_int_equal(PARSE(&o, err, "eth0", "--role", "primary", "--shards", "0"), -EINVAL);
	assert_int_equal(PARSE(&o, err, "eth0", "--role", "primary", "--shards", "17"), -EINVAL);
	assert_int_equal(PARSE(&o, err, "eth0", "--role", "primary", "--shards", "2x"), -EINVAL);
	assert_int_equal(PARSE(&o, err, "eth0", "--role", "primary", "--ring-size", "5000"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, err, "eth0", "--role", "primary", "--ring-size", "2048"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, err, "eth0", "--role", "primary", "--instance", "a/b"), -EINVAL);
}

static void test_numbers(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(colo_parse_u64("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(colo_parse_u64("0x10", 0, 16, &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(colo_parse_u64("010", 0, 16, &v), 0); /* decimal, not octal */
	assert_int_equal(v, 10);
	assert_int_equal(colo_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(colo_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -1);
	assert_int_equal(colo_parse_u64("4294967296", 0, UINT32_MAX, &v), -1);
	assert_int_equal(colo_parse_u64("-1", 0, UINT32_MAX, &v), -1);
	assert_int_equal(colo_parse_u64("+1", 0, 10, &v), -1);
	assert_int_equal(colo_parse_u64(" 1", 0, 10, &v), -1);
	assert_int_equal(colo_parse_u64("0x", 0, 10, &v), -1);
	assert_int_equal(colo_parse_u64("0x-1", 0, 10, &v), -1);
	assert_int_equal(colo_parse_u64("", 0, 10, &v), -1);
	assert_int_equal(colo_parse_u64("11", 0, 10, &v), -1);
	assert_int_equal(colo_parse_u64("1.5", 0, 10, &v), -1);
	assert_true(colo_ring_size_valid(16u << 20));
	assert_true(colo_ring_size_valid(32u << 20));
	/* Below one send window of each replica: refused (issue 13: 4 KiB rings stalled TCP). */
	assert_false(colo_ring_size_valid(4096));
	assert_false(colo_ring_size_valid(8u << 20));
	assert_false(colo_ring_size_valid(0));
	assert_false(colo_ring_size_valid(3u << 20));
	assert_false(colo_ring_size_valid(2u << 30));
}

/* Default rings share 256 MiB, each a power of 2 of 32..128 MiB. */
static void test_ring_bytes_default(void **state)
{
	__u32 n;

	(void)state;
	assert_int_equal(colo_ring_bytes_default(1), 128u << 20);
	assert_int_equal(colo_ring_bytes_default(2), 128u << 20);
	assert_int_equal(colo_ring_bytes_default(3), 64u << 20);
	assert_int_equal(colo_ring_bytes_default(4), 64u << 20);
	assert_int_equal(colo_ring_bytes_default(5), 32u << 20);
	assert_int_equal(colo_ring_bytes_default(16), 32u << 20);
	assert_int_equal(colo_ring_bytes_default(0), 128u << 20);
	for (n = 1; n <= COLO_MAX_SHARDS; n++)
		assert_true(colo_ring_size_valid(colo_ring_bytes_default(n)));
}

static void test_names(void **state)
{
	char longname[COLO_INSTANCE_NAME_MAX + 1];
	enum colo_role r;

	(void)state;
	assert_true(colo_instance_name_valid("default"));
	assert_true(colo_instance_name_valid("cx123-primary_tc-1"));
	/* bpffs refuses '.' in names: refused here, before anything is created. */
	assert_false(colo_instance_name_valid("a.b"));
	assert_false(colo_instance_name_valid("lab.1"));
	assert_false(colo_instance_name_valid(""));
	assert_false(colo_instance_name_valid("."));
	assert_false(colo_instance_name_valid(".."));
	assert_false(colo_instance_name_valid("a b"));
	assert_false(colo_instance_name_valid("../x"));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(colo_instance_name_valid(longname));
	longname[COLO_INSTANCE_NAME_MAX - 1] = '\0';
	assert_true(colo_instance_name_valid(longname));
	for (r = 0; r < COLO_ROLE_MAX; r++) {
		enum colo_role back = COLO_ROLE_MAX;

		assert_int_equal(colo_role_parse(colo_role_name(r), &back), 0);
		assert_int_equal(back, r);
	}
	assert_int_equal(colo_role_parse("Primary", &r), -EINVAL);
	assert_string_equal(colo_role_name(COLO_ROLE_MAX), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_all_options_any_order),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_ring_bytes_default),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
