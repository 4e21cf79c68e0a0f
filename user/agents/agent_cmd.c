// SPDX-License-Identifier: GPL-2.0-only
/* `colo-xdp agent <kind> ...`: dispatch, and what every adapter shares. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "agents/agent_client.h"
#include "agents/agents.h"
#include "cli.h"
#include "commands.h"
#include "spawn.h"

struct agent_kind {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *what;
};

static const struct agent_kind kinds[] = {
	{"qemu", agent_qemu_main,
	 "QEMU: COLO mode (QMP) or migration mode (full-state checkpoints)"},
	{"xen", agent_xen_main, "Xen COLO: stands where QEMU's colo-compare notify_dev stood"},
	{"exec", agent_exec_main,
	 "runs a command per checkpoint: exit 0 commits (run --on-checkpoint)"},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: colo-xdp agent <kind> --socket AGENT_SOCKET [--connect-timeout-ms N] "
		   "...\n");
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		fprintf(f, "  %-5s %s\n", kinds[i].name, kinds[i].what);
	fprintf(f, "colo-xdp agent <kind> --help says more.\n");
}

int cmd_agent(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return COLO_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return COLO_EXIT_OK;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(argv[1], kinds[i].name))
			return kinds[i].main(argc - 1, argv + 1);
	cli_err("agent", "unknown kind '%s' (qemu, xen or exec)", argv[1]);
	return COLO_EXIT_USAGE;
}

int agent_parse(const struct colo_cmd_spec *spec, int argc, char **argv, void *obj,
		const struct agent_common *common, struct colo_opts_result *res,
		void (*details)(FILE *f))
{
	char why[256];
	int r = colo_opts_parse(spec, argc, argv, obj, res, why, sizeof(why));

	r = cli_parsed(spec, r, res, why);
	if (r == COLO_EXIT_OK && res->help && details)
		details(stdout);
	if (r >= 0)
		return r;
	if (!common->socket) {
		cli_err(spec->name, "--socket AGENT_SOCKET is required (see colo-xdp %s --help)",
			spec->name);
		return COLO_EXIT_USAGE;
	}
	return -1;
}

int agent_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

bool agent_on_signals(int sfd, bool *stop)
{
	struct signalfd_siginfo si;
	bool child = false;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			child = true;
			continue;
		}
		agent_log("%s: exiting", strsignal((int)si.ssi_signo));
		*stop = true;
	}
	return child;
}

int agent_spawn(const char *cmd, const struct exec_env *env, int out_fd)
{
	char *const argv[] = {"sh", "-c", (char *)cmd, NULL};
	const struct colo_spawn s = {
		.path = "/bin/sh", .argv = argv, .env = env, .out_fd = out_fd, .own_group = true};

	return colo_spawn(&s);
}
