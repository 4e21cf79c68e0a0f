/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `colo-xdp run --on-checkpoint CMD`: the daemon starts the exec adapter (`colo-xdp agent exec`,
 * user/agents/agent_exec.c) as its child on its own agent socket and keeps it running: a child
 * that exits is started again after a second. The adapter speaks the agent protocol like any
 * other; its log lines share the daemon's stderr.
 */
#ifndef COLO_EXEC_HOOK_H
#define COLO_EXEC_HOOK_H

#include <stdint.h>

struct colo_exec_hook;

/* Starts the adapter; NULL (errno set) when it cannot be started. */
struct colo_exec_hook *colo_exec_hook_start(const char *agent_path, const char *cmd,
					    uint64_t timeout_ms);
/* From the main loop: reaps an exited child and starts a new one when due. */
void colo_exec_hook_supervise(struct colo_exec_hook *h);
/* SIGTERM, then SIGKILL after 2 s; waits for it. NULL is ignored. */
void colo_exec_hook_stop(struct colo_exec_hook *h);

#endif /* COLO_EXEC_HOOK_H */
