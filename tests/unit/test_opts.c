// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the option layer (user/lib/opts.c) and the enum-name tables (names.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/names.h"
#include "lib/opts.h"

struct t_opts {
	bool flag;
	const char *str;
	uint32_t u32;
	uint64_t ms_ns;
	enum colo_hook hook;
};

static bool even(uint64_t v)
{
	return !(v & 1);
}

static bool short_str(const char *s)
{
	return strlen(s) < 4;
}

static const struct colo_opt t_table[] = {
	{.name = "flag",
	 .short_name = 'f',
	 .type = COLO_OPT_FLAG,
	 .offset = offsetof(struct t_opts, flag),
	 .help = "a flag"},
	{.name = "str",
	 .type = COLO_OPT_STR,
	 .offset = offsetof(struct t_opts, str),
	 .arg = "S",
	 .help = "a string",
	 .valid_str = short_str,
	 .valid_what = "< 4 chars"},
	{.name = "even",
	 .short_name = 'e',
	 .type = COLO_OPT_U32,
	 .offset = offsetof(struct t_opts, u32),
	 .arg = "N",
	 .help = "an even number",
	 .min = 2,
	 .max = 100,
	 .valid_num = even,
	 .valid_what = "an even number"},
	{.name = "timeout",
	 .type = COLO_OPT_U64,
	 .offset = offsetof(struct t_opts, ms_ns),
	 .arg = "MS",
	 .help = "milliseconds",
	 .min = 1,
	 .max = 1000,
	 .scale = 1000000},
	{.name = "hook",
	 .type = COLO_OPT_ENUM,
	 .offset = offsetof(struct t_opts, hook),
	 .names = colo_hook_names,
	 .help = "an enum"},
	{},
};

static const struct colo_cmd_spec t_spec = {
	.name = "test",
	.usage = "A [B]",
	.summary = "A test.",
	.min_pos = 1,
	.max_pos = 2,
	.opts = t_table,
};

/* Parses a NULL-terminated list after "test"; o starts with str "dflt", the rest zero. */
#define PARSE(o, res, why, ...)                                                                    \
	({                                                                                         \
		char *argv_[] = {"test", __VA_ARGS__, NULL};                                       \
		*(o) = (struct t_opts){.str = "dflt"};                                             \
		colo_opts_parse(&t_spec, (int)(sizeof(argv_) / sizeof(argv_[0])) - 1, argv_, (o),  \
				(res), (why), sizeof(why));                                        \
	})

static void test_every_type(void **state)
{
	struct colo_opts_result res;
	struct t_opts o;
	char why[160];

	(void)state;
	assert_int_equal(PARSE(&o, &res, why, "a", "-f", "--str=xy", "-e", "0x10", "--timeout",
			       "25", "--hook", "xdp", "b"),
			 0);
	assert_true(o.flag);
	assert_string_equal(o.str, "xy");
	assert_int_equal(o.u32, 16);
	assert_int_equal(o.ms_ns, 25000000ull);
	assert_int_equal(o.hook, COLO_HOOK_XDP);
	assert_int_equal(res.npos, 2);
	assert_string_equal(res.pos[0], "a");
	assert_string_equal(res.pos[1], "b");
	assert_true(colo_opts_seen(&t_spec, &res, "even"));
	assert_false(colo_opts_seen(&t_spec, &res, "nonesuch"));
	/* What is not given keeps the caller's value. */
	assert_int_equal(PARSE(&o, &res, why, "a"), 0);
	assert_string_equal(o.str, "dflt");
	assert_false(o.flag);
	assert_false(colo_opts_seen(&t_spec, &res, "str"));
}

static void test_common_options(void **state)
{
	struct colo_opts_result res;
	struct t_opts o;
	char why[160];

	(void)state;
	/* Help and version need no positional arguments and stop the checks. */
	assert_int_equal(PARSE(&o, &res, why, "--help"), 0);
	assert_true(res.help);
	assert_int_equal(PARSE(&o, &res, why, "-V"), 0);
	assert_true(res.version);
	assert_int_equal(PARSE(&o, &res, why, "a", "-v", "--verbose"), 0);
	assert_int_equal(res.verbosity, 2);
	assert_int_equal(PARSE(&o, &res, why, "a", "-v", "-q", "-v"), 0);
	assert_int_equal(res.verbosity, -1);
}

/* Each refusal is one line that names the option and what it takes. */
static void test_rejects(void **state)
{
	static const struct {
		const char *argv[4];
		const char *why;
	} cases[] = {
		{{"a", "--even", "3"}, "--even takes an even number of 2..100, not '3'"},
		{{"a", "--even", "102"}, "--even takes an even number of 2..100, not '102'"},
		{{"a", "--timeout", "0"}, "--timeout takes 1..1000, not '0'"},
		{{"a", "--timeout", "5s"}, "--timeout takes 1..1000, not '5s'"},
		{{"a", "--hook", "bpf"}, "--hook takes tc or xdp, not 'bpf'"},
		{{"a", "--str", "long"}, "bad --str 'long' (< 4 chars)"},
		{{"a", "--nope"}, "unknown option '--nope'"},
		{{"a", "-x"}, "unknown option '-x'"},
		{{"a", "--timeout"}, "option '--timeout' needs an argument"},
		{{"a", "b", "c"}, "unexpected argument 'c'"},
		{{"-f"}, "missing arguments (usage: colo-xdp test A [B])"},
	};
	struct colo_opts_result res;
	struct t_opts o;
	char why[160];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[6] = {"test"};

		for (n = 0; n < 4 && cases[i].argv[n]; n++)
			argv[n + 1] = (char *)cases[i].argv[n];
		o = (struct t_opts){0};
		assert_int_equal(
			colo_opts_parse(&t_spec, (int)n + 1, argv, &o, &res, why, sizeof(why)), -1);
		assert_string_equal(why, cases[i].why);
	}
}

static void test_help_lists_every_option(void **state)
{
	char buf[4096] = {0};
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	const struct colo_opt *o;

	(void)state;
	assert_non_null(f);
	colo_opts_help(&t_spec, f);
	fclose(f);
	assert_non_null(strstr(buf, "usage: colo-xdp test A [B]\n"));
	for (o = t_table; o->name; o++)
		assert_non_null(strstr(buf, o->help));
	assert_non_null(strstr(buf, "--hook tc|xdp"));
	assert_non_null(strstr(buf, "-e, --even N"));
	assert_non_null(strstr(buf, "-h, --help"));
	assert_non_null(strstr(buf, "-V, --version"));
}

static void test_names(void **state)
{
	const struct colo_enum_name *tables[] = {colo_role_names,      colo_side_names,
						 colo_hook_names,      colo_xdp_mode_names,
						 colo_cp_reason_names, colo_drop_reason_names};
	size_t t;
	int v;

	(void)state;
	/* Every name parses back to its value. */
	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		const struct colo_enum_name *n;

		for (n = tables[t]; n->name; n++) {
			assert_int_equal(colo_enum_parse(tables[t], n->name, &v), 0);
			assert_int_equal(v, n->value);
			assert_string_equal(colo_enum_name(tables[t], n->value), n->name);
		}
	}
	assert_int_equal(colo_enum_parse(colo_hook_names, "TC", &v), -1);
	assert_string_equal(colo_side_name(COLO_SIDE_MAX), "?");
	assert_string_equal(colo_drop_reason_name(COLO_DROP_OVERFLOW), "overflow");
	assert_string_equal(colo_cp_reason_name(COLO_CP_TABLE_FULL), "table_full");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type), cmocka_unit_test(test_common_options),
		cmocka_unit_test(test_rejects),	   cmocka_unit_test(test_help_lists_every_option),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
