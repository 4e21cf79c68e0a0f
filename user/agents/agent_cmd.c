// SPDX-License-Identifier: GPL-2.0-only
/* `colo-xdp agent <kind> ...`: dispatch, and what every adapter shares. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "agents/agents.h"
#include "cli.h"
#include "commands.h"

struct agent_kind {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *what;
};

static const struct agent_kind kinds[] = {
	{"qemu", agent_qemu_main, "QEMU: COLO mode (QMP) or migration mode (full-state checkpoints)"},
	{"xen", agent_xen_main, "Xen COLO: stands where QEMU's colo-compare notify_dev stood"},
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

int agent_parse_ms(const char *kind, const char *opt, const char *s, uint64_t *ms)
{
	char cmd[32], *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || *s == '-' || v > 86400000ul) {
		snprintf(cmd, sizeof(cmd), "agent %s", kind);
		cli_err(cmd, "%s: not a number of milliseconds (0..86400000): '%s'", opt, s);
		return -1;
	}
	*ms = v;
	return 0;
}

int agent_common_check(const char *kind, const struct agent_common *c)
{
	char cmd[32];

	if (c->socket)
		return 0;
	snprintf(cmd, sizeof(cmd), "agent %s", kind);
	cli_err(cmd, "--socket AGENT_SOCKET is required (try --help)");
	return -1;
}

static void signal_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGCHLD);
}

int agent_signals(void)
{
	sigset_t set;

	signal_set(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int agent_spawn(const char *cmd)
{
	sigset_t set;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		signal_set(&set);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid); /* both sides: no window where a kill of the group misses it */
	return pid;
}
