// SPDX-License-Identifier: GPL-2.0-only
/* `colo-xdp agent qemu`: options and usage; the modes are agent_qemu_colo.c, _migration.c. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "agents/agent_client.h"
#include "agents/agent_qemu.h"
#include "cli.h"
#include "commands.h"

#define CMD "agent qemu"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: colo-xdp agent qemu --socket AGENT_SOCKET [--connect-timeout-ms N]\n"
		"         --mode colo --primary-qmp PATH --secondary-qmp PATH\n"
		"       colo-xdp agent qemu --socket AGENT_SOCKET [--connect-timeout-ms N]\n"
		"         --mode migration --primary-qmp PATH --secondary-qmp PATH\n"
		"         --secondary-cmd 'SHELL COMMAND' --migrate-uri URI [--secondary-running]\n"
		"         [--step-timeout-ms N] [--launch-timeout-ms N]\n"
		"colo:      QEMU's own COLO: a checkpoint is asked for by setting x-checkpoint-delay\n"
		"           again; STOP -> BEGIN, RESUME -> COMMIT; COLO_EXIT -> FAILOVER.\n"
		"migration: a checkpoint replaces the secondary by a live migration of the paused\n"
		"           primary: stop, start 'SHELL COMMAND -incoming defer', migrate, cont.\n"
		"           The adapter starts the secondary with 'sh -c SHELL COMMAND' unless\n"
		"           --secondary-running says it runs already.\n"
		"QMP paths are -qmp unix:PATH,server=on,wait=off sockets (one client each).\n"
		"--connect-timeout-ms N: exit 1 when no dataplane was reachable for N ms (0: never).\n"
		"Logs one line per event on stderr; SIGTERM/SIGINT exit 0.\n");
}

enum {
	OPT_SOCKET = 0x100,
	OPT_CONNECT_TIMEOUT,
	OPT_MODE,
	OPT_PRIMARY_QMP,
	OPT_SECONDARY_QMP,
	OPT_SECONDARY_CMD,
	OPT_MIGRATE_URI,
	OPT_SECONDARY_RUNNING,
	OPT_STEP_TIMEOUT,
	OPT_LAUNCH_TIMEOUT,
};

static const struct option options[] = {
	{"socket", required_argument, NULL, OPT_SOCKET},
	{"connect-timeout-ms", required_argument, NULL, OPT_CONNECT_TIMEOUT},
	{"mode", required_argument, NULL, OPT_MODE},
	{"primary-qmp", required_argument, NULL, OPT_PRIMARY_QMP},
	{"secondary-qmp", required_argument, NULL, OPT_SECONDARY_QMP},
	{"secondary-cmd", required_argument, NULL, OPT_SECONDARY_CMD},
	{"migrate-uri", required_argument, NULL, OPT_MIGRATE_URI},
	{"secondary-running", no_argument, NULL, OPT_SECONDARY_RUNNING},
	{"step-timeout-ms", required_argument, NULL, OPT_STEP_TIMEOUT},
	{"launch-timeout-ms", required_argument, NULL, OPT_LAUNCH_TIMEOUT},
	{"help", no_argument, NULL, 'h'},
	{},
};

static int parse_opt(int opt, struct qemu_opts *o)
{
	switch (opt) {
	case OPT_SOCKET:
		o->common.socket = optarg;
		return 0;
	case OPT_CONNECT_TIMEOUT:
		return agent_parse_ms("qemu", "--connect-timeout-ms", optarg,
				      &o->common.connect_timeout_ms);
	case OPT_MODE:
		if (!strcmp(optarg, "colo") || !strcmp(optarg, "migration")) {
			o->mode = optarg[0] == 'c' ? QEMU_MODE_COLO : QEMU_MODE_MIGRATION;
			return 0;
		}
		cli_err(CMD, "--mode: 'colo' or 'migration', not '%s'", optarg);
		return -1;
	case OPT_PRIMARY_QMP:
		o->primary_qmp = optarg;
		return 0;
	case OPT_SECONDARY_QMP:
		o->secondary_qmp = optarg;
		return 0;
	case OPT_SECONDARY_CMD:
		o->secondary_cmd = optarg;
		return 0;
	case OPT_MIGRATE_URI:
		o->migrate_uri = optarg;
		return 0;
	case OPT_SECONDARY_RUNNING:
		o->secondary_running = true;
		return 0;
	case OPT_STEP_TIMEOUT:
		return agent_parse_ms("qemu", "--step-timeout-ms", optarg, &o->step_timeout_ms);
	case OPT_LAUNCH_TIMEOUT:
		return agent_parse_ms("qemu", "--launch-timeout-ms", optarg,
				      &o->launch_timeout_ms);
	default:
		return -1;
	}
}

static int check(const struct qemu_opts *o, bool mode_set)
{
	if (agent_common_check("qemu", &o->common))
		return -1;
	if (!mode_set) {
		cli_err(CMD, "--mode colo|migration is required");
		return -1;
	}
	if (!o->primary_qmp || !o->secondary_qmp) {
		cli_err(CMD, "--primary-qmp PATH and --secondary-qmp PATH are required");
		return -1;
	}
	if (o->mode == QEMU_MODE_MIGRATION && (!o->secondary_cmd || !o->migrate_uri)) {
		cli_err(CMD, "--mode migration needs --secondary-cmd and --migrate-uri");
		return -1;
	}
	if (o->mode == QEMU_MODE_COLO &&
	    (o->secondary_cmd || o->migrate_uri || o->secondary_running)) {
		cli_err(CMD, "--secondary-cmd, --migrate-uri and --secondary-running belong to "
			     "--mode migration");
		return -1;
	}
	if (!o->step_timeout_ms || !o->launch_timeout_ms) {
		cli_err(CMD, "step and launch timeouts must be above 0 ms");
		return -1;
	}
	return 0;
}

int agent_qemu_main(int argc, char **argv)
{
	struct qemu_opts o = {.step_timeout_ms = 30000, .launch_timeout_ms = 30000};
	bool mode_set = false;
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return COLO_EXIT_OK;
		}
		if (opt == '?' || opt == ':') {
			cli_bad_option(CMD, argv);
			return COLO_EXIT_USAGE;
		}
		if (parse_opt(opt, &o))
			return COLO_EXIT_USAGE;
		mode_set |= opt == OPT_MODE;
	}
	if (optind != argc) {
		cli_err(CMD, "unexpected argument '%s'", argv[optind]);
		return COLO_EXIT_USAGE;
	}
	if (check(&o, mode_set))
		return COLO_EXIT_USAGE;
	agent_log_kind("qemu");
	return o.mode == QEMU_MODE_COLO ? qemu_colo_run(&o) : qemu_migration_run(&o);
}
