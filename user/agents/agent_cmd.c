// SPDX-License-Identifier: GPL-2.0-only
/* `colo-xdp agent <kind> ...`: dispatch, and what every adapter shares. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
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

void agent_usage_err(const char *kind, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "colo-xdp: agent %s: %s\n", kind, msg);
}

int agent_parse_ms(const char *kind, const char *opt, const char *s, uint64_t *ms)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || *s == '-' || v > 86400000ul) {
		agent_usage_err(kind, "%s: not a number of milliseconds (0..86400000): '%s'", opt,
				s);
		return -1;
	}
	*ms = v;
	return 0;
}

enum { OPT_SOCKET = 0x180, OPT_CONNECT_TIMEOUT, OPT_HELP };

#define MAX_OPTIONS 24

static int merge_options(const struct agent_cli *cli, struct option *all)
{
	static const struct option common[] = {
		{"socket", required_argument, NULL, OPT_SOCKET},
		{"connect-timeout-ms", required_argument, NULL, OPT_CONNECT_TIMEOUT},
		{"help", no_argument, NULL, OPT_HELP},
	};
	size_t n = 0, i;

	for (i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		all[n++] = common[i];
	for (i = 0; cli->options[i].name; i++) {
		if (n == MAX_OPTIONS - 1)
			return -1;
		all[n++] = cli->options[i];
	}
	all[n] = (struct option){0};
	return 0;
}

int agent_getopt(const struct agent_cli *cli, int argc, char **argv, struct agent_common *common)
{
	struct option all[MAX_OPTIONS];
	int opt;

	if (merge_options(cli, all))
		return -1;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", all, NULL)) != -1) {
		switch (opt) {
		case 'h':
		case OPT_HELP:
			cli->usage(stdout);
			return 1;
		case OPT_SOCKET:
			common->socket = optarg;
			break;
		case OPT_CONNECT_TIMEOUT:
			if (agent_parse_ms(cli->kind, "--connect-timeout-ms", optarg,
					   &common->connect_timeout_ms))
				return -1;
			break;
		case '?':
		case ':':
			if (optopt && optopt != '?')
				agent_usage_err(cli->kind, "bad or incomplete option '-%c'",
						optopt);
			else
				agent_usage_err(cli->kind, "bad or incomplete option '%s'",
						argv[optind - 1]);
			return -1;
		default:
			if (cli->opt(cli->ctx, opt, optarg))
				return -1;
		}
	}
	if (optind != argc) {
		agent_usage_err(cli->kind, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (!common->socket) {
		agent_usage_err(cli->kind, "--socket AGENT_SOCKET is required (try --help)");
		return -1;
	}
	return 0;
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
