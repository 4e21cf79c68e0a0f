// SPDX-License-Identifier: GPL-2.0-only
/* `colo-xdp attach` and `colo-xdp detach`, and what every subcommand shares (see cli.h). */
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "cli.h"
#include "commands.h"
#include "detach.h"
#include "log.h"
#include "version.h"

const char *colo_version(void)
{
	return COLO_VERSION;
}

void cli_err(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	colo_err("%s: %s", cmd, msg);
}

void cli_bad_option(const char *cmd, char **argv)
{
	if (optopt && optopt != '?')
		cli_err(cmd, "bad or incomplete option '-%c'", optopt);
	else
		cli_err(cmd, "bad or incomplete option '%s'", argv[optind - 1]);
}

int cli_parsed(const struct colo_cmd_spec *spec, int r, const struct colo_opts_result *res,
	       const char *why)
{
	if (r) {
		cli_err(spec->name, "%s (see colo-xdp %s --help)", why, spec->name);
		return COLO_EXIT_USAGE;
	}
	if (res->help) {
		colo_opts_help(spec, stdout);
		return COLO_EXIT_OK;
	}
	if (res->version) {
		printf("colo-xdp %s\n", colo_version());
		return COLO_EXIT_OK;
	}
	colo_log_set_verbosity(res->verbosity);
	return -1;
}

int cli_parse(const struct colo_cmd_spec *spec, int argc, char **argv, void *obj,
	      struct colo_opts_result *res)
{
	char why[256];
	int r = colo_opts_parse(spec, argc, argv, obj, res, why, sizeof(why));

	return cli_parsed(spec, r, res, why);
}

int cli_need_root(const char *cmd)
{
	if (geteuid() == 0)
		return 0;
	cli_err(cmd, "must run as root (BPF programs and pinned maps)");
	return COLO_EXIT_RUNTIME;
}

int cmd_attach(int argc, char **argv)
{
	struct colo_opts_result res;
	struct colo_attach_opts o;
	char why[256];
	int r;

	r = colo_attach_args_parse(argc, argv, &o, &res, why, sizeof(why));
	r = cli_parsed(&colo_attach_spec, r, &res, why);
	if (r >= 0)
		return r;
	r = cli_need_root("attach");
	if (r)
		return r;
	colo_log_init();
	return colo_attach(&o) ? COLO_EXIT_RUNTIME : COLO_EXIT_OK;
}

struct detach_opts {
	const char *instance;
};

static const struct colo_opt detach_opts[] = {
	COLO_OPT_INSTANCE(struct detach_opts, instance,
			  "the instance (alone: detach every interface of it)"),
	{},
};

static const struct colo_cmd_spec detach_spec = {
	.name = "detach",
	.usage = "<iface> [--instance NAME] | detach --instance NAME",
	.summary = "Removes what attach put on an interface, or on every interface of an instance.",
	.min_pos = 0,
	.max_pos = 1,
	.opts = detach_opts,
};

int cmd_detach(int argc, char **argv)
{
	struct detach_opts o = {0};
	struct colo_opts_result res;
	int r = cli_parse(&detach_spec, argc, argv, &o, &res);

	if (r >= 0)
		return r;
	/* Without an interface, --instance detaches every interface of that instance. */
	if (!res.npos && !o.instance) {
		cli_err("detach", "expected one interface (detach <iface> [--instance NAME]) "
				  "or --instance NAME alone");
		return COLO_EXIT_USAGE;
	}
	r = cli_need_root("detach");
	if (r)
		return r;
	colo_log_init();
	if (!res.npos)
		r = colo_detach_instance(o.instance);
	else
		r = colo_detach(res.pos[0], o.instance);
	return r ? COLO_EXIT_RUNTIME : COLO_EXIT_OK;
}
