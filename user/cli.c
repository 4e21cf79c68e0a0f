// SPDX-License-Identifier: GPL-2.0-only
/* `colo-xdp attach` and `colo-xdp detach`, and the argument helpers of every subcommand. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "loader.h"

bool cli_parse_u32(const char *s, unsigned int min, unsigned int max, unsigned int *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (unsigned int)v;
	return true;
}

void cli_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "colo-xdp: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_bad_option(const char *cmd, char **argv)
{
	if (optopt && optopt != '?')
		cli_err(cmd, "bad or incomplete option '-%c'", optopt);
	else
		cli_err(cmd, "bad or incomplete option '%s'", argv[optind - 1]);
}

int cli_need_root(const char *cmd)
{
	if (geteuid() == 0)
		return 0;
	cli_err(cmd, "must run as root (BPF programs and pinned maps)");
	return COLO_EXIT_RUNTIME;
}

enum { OPT_ROLE = 0x100, OPT_INSTANCE, OPT_HOOK, OPT_MODE, OPT_SHARDS, OPT_RING_SIZE };

static const struct option attach_options[] = {
	{ "role", required_argument, NULL, OPT_ROLE },
	{ "instance", required_argument, NULL, OPT_INSTANCE },
	{ "hook", required_argument, NULL, OPT_HOOK },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "shards", required_argument, NULL, OPT_SHARDS },
	{ "ring-size", required_argument, NULL, OPT_RING_SIZE },
	{}
};

/* One attach option into o; false (after printing why) when its value is bad. */
static bool attach_option(int opt, const char *arg, struct colo_attach_opts *o, bool *mode_set)
{
	switch (opt) {
	case OPT_ROLE:
		if (colo_role_parse(arg, &o->role) == 0)
			return true;
		cli_err("attach", "unknown role '%s' (outside, primary or secondary)", arg);
		return false;
	case OPT_INSTANCE:
		o->instance = arg;
		if (colo_instance_name_valid(arg))
			return true;
		cli_err("attach", "bad instance name '%s' ([A-Za-z0-9_.-], < %d chars)", arg,
			COLO_INSTANCE_NAME_MAX);
		return false;
	case OPT_HOOK:
		if (!strcmp(arg, "tc") || !strcmp(arg, "xdp")) {
			o->hook = strcmp(arg, "tc") ? COLO_HOOK_XDP : COLO_HOOK_TC;
			return true;
		}
		cli_err("attach", "unknown hook '%s' (tc or xdp)", arg);
		return false;
	case OPT_MODE:
		*mode_set = true;
		if (!strcmp(arg, "native") || !strcmp(arg, "skb")) {
			o->xdp_mode = strcmp(arg, "native") ? COLO_XDP_SKB : COLO_XDP_NATIVE;
			return true;
		}
		cli_err("attach", "unknown XDP mode '%s' (native or skb)", arg);
		return false;
	case OPT_SHARDS:
		if (cli_parse_u32(arg, 1, COLO_MAX_SHARDS, &o->nshards))
			return true;
		cli_err("attach", "bad shard count '%s' (1..%d)", arg, COLO_MAX_SHARDS);
		return false;
	case OPT_RING_SIZE:
		if (cli_parse_u32(arg, (unsigned int)getpagesize(), 1u << 30, &o->ring_bytes) &&
		    !(o->ring_bytes & (o->ring_bytes - 1)))
			return true;
		cli_err("attach", "bad ring size '%s' (a power of 2, %d..%u bytes)", arg,
			getpagesize(), 1u << 30);
		return false;
	}
	return false;
}

int cmd_attach(int argc, char **argv)
{
	struct colo_attach_opts o = { .role = COLO_ROLE_MAX };
	bool mode_set = false;
	int opt, err;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", attach_options, NULL)) != -1) {
		if (opt == '?' || opt == ':') {
			cli_bad_option("attach", argv);
			return COLO_EXIT_USAGE;
		}
		if (!attach_option(opt, optarg, &o, &mode_set))
			return COLO_EXIT_USAGE;
	}
	if (optind != argc - 1) {
		cli_err("attach", "expected exactly one interface (attach <iface> --role ROLE ...)");
		return COLO_EXIT_USAGE;
	}
	o.ifname = argv[optind];
	if (o.role == COLO_ROLE_MAX) {
		cli_err("attach", "missing --role (outside, primary or secondary)");
		return COLO_EXIT_USAGE;
	}
	if (o.role == COLO_ROLE_OUTSIDE && o.hook != COLO_HOOK_TC) {
		cli_err("attach", "the outside role attaches to tc only");
		return COLO_EXIT_USAGE;
	}
	if (mode_set && o.hook != COLO_HOOK_XDP) {
		cli_err("attach", "--mode applies to --hook xdp only");
		return COLO_EXIT_USAGE;
	}
	err = cli_need_root("attach");
	if (err)
		return err;
	colo_loader_init_logging();
	return colo_attach(&o) ? COLO_EXIT_RUNTIME : COLO_EXIT_OK;
}

static const struct option detach_options[] = {
	{ "instance", required_argument, NULL, OPT_INSTANCE },
	{}
};

int cmd_detach(int argc, char **argv)
{
	const char *instance = NULL;
	int opt, err;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", detach_options, NULL)) != -1) {
		if (opt != OPT_INSTANCE) {
			cli_bad_option("detach", argv);
			return COLO_EXIT_USAGE;
		}
		instance = optarg;
		if (!colo_instance_name_valid(instance)) {
			cli_err("detach", "bad instance name '%s'", instance);
			return COLO_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cli_err("detach", "expected exactly one interface (detach <iface> [--instance NAME])");
		return COLO_EXIT_USAGE;
	}
	err = cli_need_root("detach");
	if (err)
		return err;
	colo_loader_init_logging();
	return colo_detach(argv[optind], instance) ? COLO_EXIT_RUNTIME : COLO_EXIT_OK;
}
