/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The checkpoint-engine adapters behind `colo-xdp agent <kind>`: each is a client of the agent
 * protocol (docs/agent-protocol.md) that turns checkpoint requests into what its engine does.
 * Common options: --socket PATH (the dataplane's agent socket), --connect-timeout-ms N (give up
 * when no dataplane was reachable for N ms; 0, the default: keep trying).
 */
#ifndef COLO_AGENTS_H
#define COLO_AGENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/opts.h"

struct agent_common {
	const char *socket;
	uint64_t connect_timeout_ms;
};

/* The common options' rows of an adapter's option table (lib/opts.h); T embeds them as common. */
#define AGENT_COMMON_OPTS(T)                                                                       \
	{.name = "socket",                                                                         \
	 .type = COLO_OPT_STR,                                                                     \
	 .offset = offsetof(T, common.socket),                                                     \
	 .arg = "AGENT_SOCKET",                                                                    \
	 .help = "the dataplane's agent socket (run --agent; required)"},                          \
	{                                                                                          \
		.name = "connect-timeout-ms", .type = COLO_OPT_U64,                                \
		.offset = offsetof(T, common.connect_timeout_ms), .arg = "N",                      \
		.help = "exit 1 when no dataplane was reachable for N ms (default 0: never)",      \
		.min = 0, .max = 86400000                                                          \
	}

/*
 * Parses argv by spec (the option layer, cli.h): help (then details, if any), -V, -v/-q, usage
 * errors in one line; --socket is required. Returns COLO_EXIT_OK or COLO_EXIT_USAGE to exit
 * with, or -1 to go on.
 */
int agent_parse(const struct colo_cmd_spec *spec, int argc, char **argv, void *obj,
		const struct agent_common *common, struct colo_opts_result *res,
		void (*details)(FILE *f));

/*
 * A signalfd for SIGTERM, SIGINT and SIGCHLD (blocked from now on, unblocked again in children
 * that agent_spawn() starts), or -1.
 */
int agent_signals(void);
/*
 * Reads what arrived on the signalfd: SIGTERM/SIGINT log and set *stop; returns true when a
 * SIGCHLD was among them (reap now).
 */
bool agent_on_signals(int sfd, bool *stop);
struct exec_env;
/*
 * Starts sh -c CMD in a process group of its own, with env's variables added (env may be NULL)
 * and stdout and stderr on out_fd (-1: inherited). Returns its pid or -errno.
 */
int agent_spawn(const char *cmd, const struct exec_env *env, int out_fd);

int agent_qemu_main(int argc, char **argv);
int agent_xen_main(int argc, char **argv);
int agent_exec_main(int argc, char **argv);

#endif /* COLO_AGENTS_H */
