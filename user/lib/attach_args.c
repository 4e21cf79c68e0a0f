// SPDX-License-Identifier: GPL-2.0-only
/* Command-line parsing for `colo-xdp attach`: see attach_args.h. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/attach_args.h"

static const char *const role_names[COLO_ROLE_MAX] = {
	[COLO_ROLE_OUTSIDE] = "outside",
	[COLO_ROLE_PRIMARY] = "primary",
	[COLO_ROLE_SECONDARY] = "secondary",
};

const char *colo_role_name(enum colo_role role)
{
	return (unsigned int)role < COLO_ROLE_MAX ? role_names[role] : "?";
}

int colo_role_parse(const char *s, enum colo_role *role)
{
	int i;

	for (i = 0; i < COLO_ROLE_MAX; i++) {
		if (!strcmp(s, role_names[i])) {
			*role = i;
			return 0;
		}
	}
	return -EINVAL;
}

bool colo_instance_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= COLO_INSTANCE_NAME_MAX)
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
	       n;
}

bool colo_parse_u32(const char *s, __u32 min, __u32 max, __u32 *out)
{
	unsigned long long v;
	char *end;

	/* strtoull accepts a sign and leading blanks: refuse both. */
	if (!s || !*s || strchr("+- \t", *s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (__u32)v;
	return true;
}

bool colo_ring_size_valid(__u32 bytes)
{
	return bytes >= COLO_RING_BYTES_MIN && bytes <= COLO_RING_BYTES_MAX &&
	       !(bytes & (bytes - 1));
}

__u32 colo_ring_bytes_default(__u32 nshards)
{
	__u32 share = COLO_RING_BUDGET_DEFAULT / (nshards ? nshards : 1), bytes;

	for (bytes = COLO_RING_BYTES_DEFAULT_MIN; bytes < COLO_RING_BYTES_DEFAULT_MAX; bytes <<= 1)
		if (bytes << 1 > share)
			break;
	return bytes;
}

static int __attribute__((format(printf, 3, 4))) fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

enum { OPT_ROLE = 0x100, OPT_INSTANCE, OPT_HOOK, OPT_MODE, OPT_SHARDS, OPT_RING_SIZE };

static const struct option attach_options[] = {
	{"role", required_argument, NULL, OPT_ROLE},
	{"instance", required_argument, NULL, OPT_INSTANCE},
	{"hook", required_argument, NULL, OPT_HOOK},
	{"mode", required_argument, NULL, OPT_MODE},
	{"shards", required_argument, NULL, OPT_SHARDS},
	{"ring-size", required_argument, NULL, OPT_RING_SIZE},
	{}};

/* One option's value into o. */
static int attach_option(int opt, const char *arg, struct colo_attach_opts *o, char *err,
			 size_t len)
{
	switch (opt) {
	case OPT_ROLE:
		if (colo_role_parse(arg, &o->role))
			return fail(err, len, "unknown role '%s' (outside, primary or secondary)",
				    arg);
		return 0;
	case OPT_INSTANCE:
		o->instance = arg;
		if (!colo_instance_name_valid(arg))
			return fail(err, len, "bad instance name '%s' ([A-Za-z0-9_-], < %d chars)",
				    arg, COLO_INSTANCE_NAME_MAX);
		return 0;
	case OPT_HOOK:
		if (strcmp(arg, "tc") && strcmp(arg, "xdp"))
			return fail(err, len, "unknown hook '%s' (tc or xdp)", arg);
		o->hook = strcmp(arg, "tc") ? COLO_HOOK_XDP : COLO_HOOK_TC;
		return 0;
	case OPT_MODE:
		if (strcmp(arg, "native") && strcmp(arg, "skb"))
			return fail(err, len, "unknown XDP mode '%s' (native or skb)", arg);
		o->xdp_mode = strcmp(arg, "native") ? COLO_XDP_SKB : COLO_XDP_NATIVE;
		return 0;
	case OPT_SHARDS:
		if (!colo_parse_u32(arg, 1, COLO_MAX_SHARDS, &o->nshards))
			return fail(err, len, "bad shard count '%s' (1..%d)", arg, COLO_MAX_SHARDS);
		return 0;
	case OPT_RING_SIZE:
		if (!colo_parse_u32(arg, 0, COLO_RING_BYTES_MAX, &o->ring_bytes) ||
		    !colo_ring_size_valid(o->ring_bytes))
			return fail(err, len, "bad ring size '%s' (a power of 2, %u..%u bytes)",
				    arg, COLO_RING_BYTES_MIN, COLO_RING_BYTES_MAX);
		return 0;
	}
	return fail(err, len, "bad or incomplete option '%s'", arg ? arg : "?");
}

int colo_attach_args_parse(int argc, char **argv, struct colo_attach_opts *o, char *err,
			   size_t errlen)
{
	bool mode_set = false;
	int opt, ret;

	memset(o, 0, sizeof(*o));
	o->role = COLO_ROLE_MAX;
	optind = 0; /* GNU getopt: full re-initialisation for each parse */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", attach_options, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			return fail(err, errlen, "bad or incomplete option '%s'", argv[optind - 1]);
		mode_set |= opt == OPT_MODE;
		ret = attach_option(opt, optarg, o, err, errlen);
		if (ret)
			return ret;
	}
	if (optind != argc - 1)
		return fail(err, errlen, "expected one interface (attach <iface> --role ROLE ...)");
	o->ifname = argv[optind];
	if (o->role == COLO_ROLE_MAX)
		return fail(err, errlen, "missing --role (outside, primary or secondary)");
	if (o->role == COLO_ROLE_OUTSIDE && o->hook != COLO_HOOK_TC)
		return fail(err, errlen, "the outside role attaches to tc only");
	if (mode_set && o->hook != COLO_HOOK_XDP)
		return fail(err, errlen, "--mode applies to --hook xdp only");
	return 0;
}
