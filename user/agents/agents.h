/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The checkpoint-engine adapters behind `colo-xdp agent <kind>`: each is a client of the agent
 * protocol (docs/agent-protocol.md) that turns checkpoint requests into what its engine does.
 * Common options: --socket PATH (the dataplane's agent socket), --connect-timeout-ms N (give up
 * when no dataplane was reachable for N ms; 0, the default: keep trying).
 */
#ifndef COLO_AGENTS_H
#define COLO_AGENTS_H

#include <stdint.h>

struct agent_common {
	const char *socket;
	uint64_t connect_timeout_ms;
};

/* Parses a number of milliseconds (0..86400000) for opt; prints the usage error itself. */
int agent_parse_ms(const char *kind, const char *opt, const char *s, uint64_t *ms);
/* Checks the common options after parsing; prints the usage error itself. */
int agent_common_check(const char *kind, const struct agent_common *c);

/*
 * A signalfd for SIGTERM, SIGINT and SIGCHLD (blocked from now on, unblocked again in children
 * that agent_spawn() starts), or -1.
 */
int agent_signals(void);
/* Starts sh -c CMD in a process group of its own; returns its pid or -errno. */
int agent_spawn(const char *cmd);

int agent_qemu_main(int argc, char **argv);
int agent_xen_main(int argc, char **argv);

#endif /* COLO_AGENTS_H */
