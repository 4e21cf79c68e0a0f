// SPDX-License-Identifier: GPL-2.0-only
/* colo-xdp: dispatches argv[1] to its subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "log.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
	{"attach", cmd_attach, "attach <iface> --role outside|primary|secondary [options]"},
	{"detach", cmd_detach, "detach <iface> [--instance NAME] | detach --instance NAME"},
	{"status", cmd_status, "status [--json] [--instance NAME]"},
	{"stats", cmd_stats, "stats [--instance NAME] [--json|--prometheus] [--watch S]"},
	{"conns", cmd_conns,
	 "conns [--instance NAME] [--json] [--flow FILTER] [--sort held|age|bytes]"},
	{"run", cmd_run, "run --outside IF --primary IF --secondary IF [options]"},
	{"replay", cmd_replay, "replay PRIMARY.pcap SECONDARY.pcap [-o RELEASED.pcap] [options]"},
	{"agent", cmd_agent, "agent qemu|xen|exec --socket AGENT_SOCKET [options] (agent --help)"},
	{"state", cmd_state, "state show FILE [--json]"},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  colo-xdp %s\n", commands[i].usage);
	fprintf(f,
		"  colo-xdp -V|--version\n\"colo-xdp <command> --help\" lists a command's options; "
		"-v/-q make any command more or less verbose.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return COLO_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return COLO_EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("colo-xdp %s\n", colo_version());
		return COLO_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	colo_err("unknown command '%s' (try colo-xdp --help)", argv[1]);
	return COLO_EXIT_USAGE;
}
