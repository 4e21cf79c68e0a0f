// SPDX-License-Identifier: GPL-2.0-only
/* `colo-xdp agent qemu`: options and usage; the modes are agent_qemu_colo.c, _migration.c. */
#include <stdio.h>
#include <string.h>

#include "agents/agent_client.h"
#include "agents/agent_qemu.h"
#include "cli.h"
#include "commands.h"

static void details(FILE *f)
{
	fprintf(f,
		"\n"
		"colo:      QEMU's own COLO: a checkpoint is asked for by setting "
		"x-checkpoint-delay\n"
		"           again; STOP -> BEGIN, RESUME -> COMMIT; COLO_EXIT -> FAILOVER.\n"
		"migration: a checkpoint replaces the secondary by a live migration of the paused\n"
		"           primary: stop, start 'SHELL COMMAND -incoming defer', migrate, cont.\n"
		"           The adapter starts the secondary with sh -c 'SHELL COMMAND' unless\n"
		"           --secondary-running says it runs already.\n"
		"QMP paths are -qmp unix:PATH,server=on,wait=off sockets (one client each).\n"
		"Logs one line per event on stderr; SIGTERM/SIGINT exit 0.\n");
}

static const struct colo_enum_name mode_names[] = {
	{"colo", QEMU_MODE_COLO},
	{"migration", QEMU_MODE_MIGRATION},
	{NULL, 0},
};

#define QEMU_OPT(field) .offset = offsetof(struct qemu_opts, field)

static const struct colo_opt qemu_opt_table[] = {
	AGENT_COMMON_OPTS(struct qemu_opts),
	{.name = "mode",
	 .type = COLO_OPT_ENUM,
	 QEMU_OPT(mode),
	 .names = mode_names,
	 .help = "QEMU's own COLO, or full-state checkpoints by migration (required)"},
	{.name = "primary-qmp",
	 .type = COLO_OPT_STR,
	 QEMU_OPT(primary_qmp),
	 .arg = "PATH",
	 .help = "the primary's QMP socket (required)"},
	{.name = "secondary-qmp",
	 .type = COLO_OPT_STR,
	 QEMU_OPT(secondary_qmp),
	 .arg = "PATH",
	 .help = "the secondary's QMP socket (required)"},
	{.name = "secondary-cmd",
	 .type = COLO_OPT_STR,
	 QEMU_OPT(secondary_cmd),
	 .arg = "'SHELL COMMAND'",
	 .help = "migration: how the secondary starts (required)"},
	{.name = "migrate-uri",
	 .type = COLO_OPT_STR,
	 QEMU_OPT(migrate_uri),
	 .arg = "URI",
	 .help = "migration: where the state goes, e.g. unix:PATH (required)"},
	{.name = "secondary-running",
	 .type = COLO_OPT_FLAG,
	 QEMU_OPT(secondary_running),
	 .help = "migration: the secondary was started by someone else"},
	{.name = "step-timeout-ms",
	 .type = COLO_OPT_U64,
	 QEMU_OPT(step_timeout_ms),
	 .arg = "N",
	 .help = "migration: a step's limit, the migration included (default 30000)",
	 .min = 1,
	 .max = 86400000},
	{.name = "launch-timeout-ms",
	 .type = COLO_OPT_U64,
	 QEMU_OPT(launch_timeout_ms),
	 .arg = "N",
	 .help = "migration: the fresh secondary's QMP must be up by then (default 30000)",
	 .min = 1,
	 .max = 86400000},
	{.name = "max-bandwidth-mib",
	 .type = COLO_OPT_U64,
	 QEMU_OPT(max_bandwidth_mib),
	 .arg = "N",
	 .help = "migration: the primary's migration bandwidth limit, MiB/s (default 100000: "
		 "none in practice; QEMU's own default of 128 throttles a checkpoint)",
	 .min = 1,
	 .max = 1000000},
	COLO_OPT_END,
};

static const struct colo_cmd_spec qemu_spec = {
	.name = "agent qemu",
	.usage = "--socket AGENT_SOCKET --mode colo|migration --primary-qmp PATH "
		 "--secondary-qmp PATH [options]",
	.summary = "The QEMU checkpoint adapter: COLO mode or migration mode.",
	.opts = qemu_opt_table,
};

/* The options each mode needs, and none of the other's. */
static const char *check(const struct qemu_opts *o, const struct colo_opts_result *res)
{
	if (!colo_opts_seen(&qemu_spec, res, "mode"))
		return "--mode colo|migration is required";
	if (!o->primary_qmp || !o->secondary_qmp)
		return "--primary-qmp PATH and --secondary-qmp PATH are required";
	if (o->mode == QEMU_MODE_MIGRATION && (!o->secondary_cmd || !o->migrate_uri))
		return "--mode migration needs --secondary-cmd and --migrate-uri";
	if (o->mode == QEMU_MODE_COLO &&
	    (o->secondary_cmd || o->migrate_uri || o->secondary_running ||
	     colo_opts_seen(&qemu_spec, res, "step-timeout-ms") ||
	     colo_opts_seen(&qemu_spec, res, "launch-timeout-ms") ||
	     colo_opts_seen(&qemu_spec, res, "max-bandwidth-mib")))
		return "--secondary-cmd, --migrate-uri, --secondary-running, --max-bandwidth-mib "
		       "and the step and launch timeouts belong to --mode migration";
	return NULL;
}

int agent_qemu_main(int argc, char **argv)
{
	struct qemu_opts o = {
		.step_timeout_ms = 30000, .launch_timeout_ms = 30000, .max_bandwidth_mib = 100000};
	struct colo_opts_result res;
	const char *bad;
	int r = agent_parse(&qemu_spec, argc, argv, &o, &o.common, &res, details);

	if (r >= 0)
		return r;
	bad = check(&o, &res);
	if (bad) {
		cli_err(qemu_spec.name, "%s (see colo-xdp agent qemu --help)", bad);
		return COLO_EXIT_USAGE;
	}
	agent_log_kind("qemu");
	return o.mode == QEMU_MODE_COLO ? qemu_colo_run(&o) : qemu_migration_run(&o);
}
