// SPDX-License-Identifier: GPL-2.0-only
/* The command-line layer (see opts.h), on getopt_long. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/opts.h"

#define MAX_OPTS 48 /* a subcommand's own options, plus the common four */

/* getopt_long returns these for options without a short name: index into the table. */
#define LONG_BASE 0x1000

enum common_opt { COMMON_HELP, COMMON_VERSION, COMMON_VERBOSE, COMMON_QUIET, COMMON_MAX };

static const struct {
	const char *name;
	char short_name;
	const char *help;
} common_opts[COMMON_MAX] = {
	[COMMON_HELP] = {"help", 'h', "this help"},
	[COMMON_VERSION] = {"version", 'V', "the version of colo-xdp"},
	[COMMON_VERBOSE] = {"verbose", 'v', "more messages (twice: libbpf's and libxdp's too)"},
	[COMMON_QUIET] = {"quiet", 'q', "errors and warnings only"},
};

int colo_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	int base = 10;
	char *end;

	if (!s || !*s || strchr("+- \t", *s))
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s || strchr("+- \t", *s))
			return -1;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int __attribute__((format(printf, 3, 4))) fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* "a, b or c" of an enum table, into buf. */
static const char *names_text(const struct colo_enum_name *names, char *buf, size_t size)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; names[i].name && n < size; i++) {
		const char *sep = !i ? "" : names[i + 1].name ? ", " : " or ";

		n += (size_t)snprintf(buf + n, size - n, "%s%s", sep, names[i].name);
	}
	return buf;
}

static int store_number(const struct colo_opt *o, const char *arg, void *obj, char *why, size_t len)
{
	uint64_t v, scale = o->scale ? o->scale : 1;
	char *at = (char *)obj + o->offset;

	if (colo_parse_u64(arg, o->min, o->max, &v) || (o->valid_num && !o->valid_num(v))) {
		if (o->valid_what)
			return fail(why, len, "--%s takes %s of %llu..%llu, not '%s'", o->name,
				    o->valid_what, (unsigned long long)o->min,
				    (unsigned long long)o->max, arg);
		return fail(why, len, "--%s takes %llu..%llu, not '%s'", o->name,
			    (unsigned long long)o->min, (unsigned long long)o->max, arg);
	}
	v *= scale;
	if (o->type == COLO_OPT_U32)
		memcpy(at, &(uint32_t){(uint32_t)v}, sizeof(uint32_t));
	else
		memcpy(at, &v, sizeof(v));
	return 0;
}

/* One option of the table with its argument into obj. */
static int store(const struct colo_opt *o, const char *arg, void *obj, char *why, size_t len)
{
	char *at = (char *)obj + o->offset;
	char buf[128];
	int v;

	switch (o->type) {
	case COLO_OPT_FLAG:
		memcpy(at, &(bool){true}, sizeof(bool));
		return 0;
	case COLO_OPT_STR:
		if (o->valid_str && !o->valid_str(arg))
			return fail(why, len, "bad --%s '%s' (%s)", o->name, arg, o->valid_what);
		memcpy(at, &arg, sizeof(arg));
		return 0;
	case COLO_OPT_U32:
	case COLO_OPT_U64:
		return store_number(o, arg, obj, why, len);
	case COLO_OPT_ENUM:
		if (colo_enum_parse(o->names, arg, &v))
			return fail(why, len, "--%s takes %s, not '%s'", o->name,
				    names_text(o->names, buf, sizeof(buf)), arg);
		memcpy(at, &v, sizeof(v));
		return 0;
	}
	return fail(why, len, "--%s: bad option table", o->name);
}

static size_t count_opts(const struct colo_cmd_spec *spec)
{
	size_t n = 0;

	while (spec->opts[n].name)
		n++;
	return n;
}

/* The getopt_long tables for spec; returns the number of long options, or -1. */
static int build_getopt(const struct colo_cmd_spec *spec, struct option *lo, char *shorts)
{
	size_t n = count_opts(spec), i, s = 0;

	if (n + COMMON_MAX >= MAX_OPTS)
		return -1;
	shorts[s++] = ':'; /* a missing argument returns ':' */
	for (i = 0; i < n; i++) {
		const struct colo_opt *o = &spec->opts[i];
		int has_arg = o->type == COLO_OPT_FLAG ? no_argument : required_argument;

		lo[i] = (struct option){o->name, has_arg, NULL, (int)(LONG_BASE + i)};
		if (o->short_name) {
			shorts[s++] = o->short_name;
			if (has_arg)
				shorts[s++] = ':';
		}
	}
	for (i = 0; i < COMMON_MAX; i++) {
		lo[n + i] = (struct option){common_opts[i].name, no_argument, NULL,
					    (int)(LONG_BASE + MAX_OPTS + i)};
		shorts[s++] = common_opts[i].short_name;
	}
	lo[n + COMMON_MAX] = (struct option){0};
	shorts[s] = '\0';
	return (int)n;
}

/* The table index of getopt_long's return value c, or -1; common options MAX_OPTS + i. */
static int index_of(const struct colo_cmd_spec *spec, int n, int c)
{
	int i;

	if (c >= LONG_BASE)
		return c - LONG_BASE;
	for (i = 0; i < n; i++)
		if (spec->opts[i].short_name == c)
			return i;
	for (i = 0; i < COMMON_MAX; i++)
		if (common_opts[i].short_name == c)
			return MAX_OPTS + i;
	return -1;
}

static void common(enum common_opt which, struct colo_opts_result *res)
{
	if (which == COMMON_HELP)
		res->help = true;
	else if (which == COMMON_VERSION)
		res->version = true;
	else if (which == COMMON_VERBOSE && res->verbosity >= 0)
		res->verbosity++;
	else if (which == COMMON_QUIET)
		res->verbosity = -1;
}

int colo_opts_parse(const struct colo_cmd_spec *spec, int argc, char **argv, void *obj,
		    struct colo_opts_result *res, char *why, size_t whylen)
{
	struct option lo[MAX_OPTS + 1];
	char shorts[2 * MAX_OPTS + 2];
	int n = build_getopt(spec, lo, shorts), c, i;

	memset(res, 0, sizeof(*res));
	if (n < 0)
		return fail(why, whylen, "%s: too many options", spec->name);
	optind = 0; /* GNU getopt: full re-initialisation for each parse */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (c == ':')
			return fail(why, whylen, "option '%s' needs an argument", argv[optind - 1]);
		i = index_of(spec, n, c);
		if (c == '?' || i < 0)
			return fail(why, whylen, "unknown option '%s'", argv[optind - 1]);
		if (i >= MAX_OPTS) {
			common((enum common_opt)(i - MAX_OPTS), res);
			continue;
		}
		if (store(&spec->opts[i], optarg, obj, why, whylen))
			return -1;
		res->seen |= 1ull << i;
	}
	if (res->help || res->version)
		return 0;
	for (; optind < argc; optind++) {
		if (res->npos == spec->max_pos || res->npos == COLO_OPTS_MAX_POS)
			return fail(why, whylen, "unexpected argument '%s'", argv[optind]);
		res->pos[res->npos++] = argv[optind];
	}
	if (res->npos < spec->min_pos)
		return fail(why, whylen, "missing arguments (usage: colo-xdp %s %s)", spec->name,
			    spec->usage);
	return 0;
}

bool colo_opts_seen(const struct colo_cmd_spec *spec, const struct colo_opts_result *res,
		    const char *name)
{
	size_t i;

	for (i = 0; spec->opts[i].name; i++)
		if (!strcmp(spec->opts[i].name, name))
			return res->seen & 1ull << i;
	return false;
}

static void help_line(FILE *out, char short_name, const char *name, const char *arg,
		      const char *help)
{
	char left[64];

	if (short_name)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", short_name, name, arg ? " " : "",
			 arg ? arg : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", name, arg ? " " : "", arg ? arg : "");
	fprintf(out, "  %-38s %s\n", left, help);
}

void colo_opts_help(const struct colo_cmd_spec *spec, FILE *out)
{
	const struct colo_opt *o;
	char names[128];
	size_t i;

	fprintf(out, "usage: colo-xdp %s %s\n%s\n\noptions:\n", spec->name, spec->usage,
		spec->summary);
	for (o = spec->opts; o->name; o++) {
		const char *arg = o->arg;

		if (o->type == COLO_OPT_ENUM) {
			names[0] = '\0';
			for (i = 0; o->names[i].name; i++)
				snprintf(names + strlen(names), sizeof(names) - strlen(names),
					 "%s%s", i ? "|" : "", o->names[i].name);
			arg = names;
		}
		help_line(out, o->short_name, o->name, o->type == COLO_OPT_FLAG ? NULL : arg,
			  o->help);
	}
	for (i = 0; i < COMMON_MAX; i++)
		help_line(out, common_opts[i].short_name, common_opts[i].name, NULL,
			  common_opts[i].help);
}
