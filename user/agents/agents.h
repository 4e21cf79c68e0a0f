/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The checkpoint-engine adapters behind `colo-xdp agent <kind>`: each is a client of the agent
 * protocol (docs/agent-protocol.md) that turns checkpoint requests into what its engine does.
 * Common options: --socket PATH (the dataplane's agent socket), --connect-timeout-ms N (give up
 * when no dataplane was reachable for N ms; 0, the default: keep trying).
 */
#ifndef COLO_AGENTS_H
#define COLO_AGENTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct agent_common {
	const char *socket;
	uint64_t connect_timeout_ms;
};

/* One adapter's command line: its own options beside the common ones. */
struct agent_cli {
	const char *kind;	      /* "qemu", ...: names the command in messages */
	const struct option *options; /* the kind's own (values below 0x180), ended by {0} */
	void (*usage)(FILE *f);
	/* One of the kind's options: 0, or -1 after printing the usage error. */
	int (*opt)(void *ctx, int opt, const char *arg);
	void *ctx;
};

/*
 * Parses argv (argv[0] is the kind): -h/--help prints the usage (returns 1), --socket and
 * --connect-timeout-ms fill common, the rest goes to cli->opt; no operands; --socket is
 * required. Returns 0, 1, or -1 after printing one line (a usage error).
 */
int agent_getopt(const struct agent_cli *cli, int argc, char **argv, struct agent_common *common);
/* Parses a number of milliseconds (0..86400000) for opt; prints the usage error itself. */
int agent_parse_ms(const char *kind, const char *opt, const char *s, uint64_t *ms);
/* Prints "colo-xdp: agent KIND: ..." on stderr: a usage error. */
void agent_usage_err(const char *kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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
