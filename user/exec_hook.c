// SPDX-License-Identifier: GPL-2.0-only
/* The --on-checkpoint exec hook's supervisor (see exec_hook.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "exec_hook.h"
#include "log.h"
#include "spawn.h"

#define RESTART_NS   (1 * COLO_NS_PER_S)
#define STOP_WAIT_MS 2000

struct colo_exec_hook {
	const char *agent_path;
	const char *cmd;
	char timeout[24];
	pid_t pid;	     /* 0: not running */
	uint64_t restart_at; /* CLOCK_MONOTONIC ns */
};

static int spawn(struct colo_exec_hook *h)
{
	char *const argv[] = {
		"colo-xdp",  "agent",	     "exec",	     "--socket", (char *)h->agent_path,
		"--command", (char *)h->cmd, "--timeout-ms", h->timeout, NULL};
	/* A daemon killed -9 takes its hook along. */
	const struct colo_spawn s = {
		.path = "/proc/self/exe", .argv = argv, .out_fd = -1, .die_with_parent = true};
	pid_t pid = colo_spawn(&s);

	if (pid < 0)
		return pid;
	h->pid = pid;
	colo_info("exec hook: adapter started (pid %d): %s", pid, h->cmd);
	return 0;
}

struct colo_exec_hook *colo_exec_hook_start(const char *agent_path, const char *cmd,
					    uint64_t timeout_ms)
{
	struct colo_exec_hook *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return NULL;
	h->agent_path = agent_path;
	h->cmd = cmd;
	snprintf(h->timeout, sizeof(h->timeout), "%llu", (unsigned long long)timeout_ms);
	err = spawn(h);
	if (err) {
		free(h);
		errno = -err;
		return NULL;
	}
	return h;
}

void colo_exec_hook_supervise(struct colo_exec_hook *h)
{
	int status;

	if (!h)
		return;
	if (h->pid && waitpid(h->pid, &status, WNOHANG) == h->pid) {
		h->pid = 0;
		h->restart_at = colo_mono_ns() + RESTART_NS;
		colo_warn("exec hook: adapter ended (%s %d): starting it again in 1 s",
			  WIFEXITED(status) ? "exit" : "signal",
			  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
	if (!h->pid && colo_mono_ns() >= h->restart_at && spawn(h))
		h->restart_at = colo_mono_ns() + RESTART_NS;
}

void colo_exec_hook_stop(struct colo_exec_hook *h)
{
	int i, status;

	if (!h)
		return;
	if (h->pid) {
		kill(h->pid, SIGTERM);
		for (i = 0; i < STOP_WAIT_MS / 10 && waitpid(h->pid, &status, WNOHANG) == 0; i++)
			usleep(10000);
		if (i == STOP_WAIT_MS / 10) {
			kill(h->pid, SIGKILL);
			waitpid(h->pid, &status, 0);
		}
	}
	free(h);
}
