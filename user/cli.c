// SPDX-License-Identifier: GPL-2.0-only
/* `colo-xdp attach` and `colo-xdp detach`, and the argument helpers of every subcommand. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "attach.h"
#include "detach.h"
#include "log.h"

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

int cmd_attach(int argc, char **argv)
{
	struct colo_attach_opts o;
	char why[160];
	int err;

	if (colo_attach_args_parse(argc, argv, &o, why, sizeof(why))) {
		cli_err("attach", "%s", why);
		return COLO_EXIT_USAGE;
	}
	err = cli_need_root("attach");
	if (err)
		return err;
	colo_log_init();
	return colo_attach(&o) ? COLO_EXIT_RUNTIME : COLO_EXIT_OK;
}

enum { OPT_INSTANCE = 0x100 };

static const struct option detach_options[] = {{"instance", required_argument, NULL, OPT_INSTANCE},
					       {}};

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
	/* Without an interface, --instance detaches every interface of that instance. */
	if (optind < argc - 1 || (optind == argc && !instance)) {
		cli_err("detach", "expected one interface (detach <iface> [--instance NAME]) "
				  "or --instance NAME alone");
		return COLO_EXIT_USAGE;
	}
	err = cli_need_root("detach");
	if (err)
		return err;
	colo_log_init();
	if (optind == argc)
		err = colo_detach_instance(instance);
	else
		err = colo_detach(argv[optind], instance);
	return err ? COLO_EXIT_RUNTIME : COLO_EXIT_OK;
}
