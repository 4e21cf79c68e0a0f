// SPDX-License-Identifier: GPL-2.0-only
/*
 * `colo-xdp agent exec --command CMD`: the exec hook. Per CHECKPOINT_REQUEST it sends BEGIN and
 * runs `sh -c CMD` (its own process group) with the request's fields in the environment
 * (lib/exec_env.h); exit 0 commits, any other end aborts, and so does the time limit (the
 * group is killed). Every line the command prints (stdout and stderr) is logged. `colo-xdp run
 * --on-checkpoint CMD` starts this adapter as its child (user/exec_hook.c).
 * A request that arrives while the command runs (the dataplane came back and asked again)
 * runs it again afterwards; a command whose dataplane went away commits as txid 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agents/agent_client.h"
#include "agents/agents.h"
#include "cli.h"
#include "commands.h"
#include "lib/exec_env.h"

#define LINE_MAX_LEN 1024

struct exec {
	struct agent_client ac;
	const char *cmd;
	uint64_t timeout_ns;
	uint32_t commit_flags;
	pid_t pid; /* the running command, 0: none */
	int out_fd;
	bool out_eof;
	char line[LINE_MAX_LEN];
	size_t have;
	uint32_t txid;
	bool reported; /* its dataplane is still connected */
	bool timed_out;
	uint64_t started, deadline;
	bool queued;
	struct colo_agent_msg queued_req;
	bool stop;
};

static void details(FILE *f)
{
	fprintf(f,
		"\n"
		"Runs the command per checkpoint with COLO_CHECKPOINT_ID, COLO_REASON, COLO_FLOW,\n"
		"COLO_TIME_NS, COLO_SIDE, COLO_AT, COLO_AT_KIND, COLO_WAITED_NS in its\n"
		"environment. Exit 0 commits; another exit, or running past --timeout-ms (the\n"
		"command's process group is killed), aborts. Its output is logged.\n");
}

static bool nonempty(const char *s)
{
	return *s;
}

struct exec_opts {
	struct agent_common common;
	const char *cmd;
	uint64_t timeout_ms;
	bool keep_streams;
};

static const struct colo_opt exec_opt_table[] = {
	AGENT_COMMON_OPTS(struct exec_opts),
	{.name = "command",
	 .type = COLO_OPT_STR,
	 .offset = offsetof(struct exec_opts, cmd),
	 .arg = "'SHELL COMMAND'",
	 .help = "what runs per checkpoint, with sh -c (required)",
	 .valid_str = nonempty,
	 .valid_what = "a shell command"},
	{.name = "timeout-ms",
	 .type = COLO_OPT_U64,
	 .offset = offsetof(struct exec_opts, timeout_ms),
	 .arg = "N",
	 .help = "the command's time limit, then abort (default 10000)",
	 .min = 1,
	 .max = 86400000},
	{.name = "keep-streams",
	 .type = COLO_OPT_FLAG,
	 .offset = offsetof(struct exec_opts, keep_streams),
	 .help = "commit with KEEP_STREAMS: the command does not replace the secondary's state"},
	COLO_OPT_END,
};

static const struct colo_cmd_spec exec_spec = {
	.name = "agent exec",
	.usage = "--socket AGENT_SOCKET --command 'SHELL COMMAND' [options]",
	.summary = "The exec hook: a command per checkpoint, exit 0 commits (run --on-checkpoint).",
	.opts = exec_opt_table,
};

static void start(struct exec *e, const struct colo_agent_msg *req)
{
	struct exec_env env;
	int pipefd[2], pid;

	exec_env_build(req, &env);
	e->txid = req->txid;
	e->reported = true;
	e->timed_out = false;
	if (pipe2(pipefd, O_CLOEXEC)) {
		agent_log("checkpoint %u aborted: pipe: %s", req->txid, strerror(errno));
		agent_client_send(&e->ac, COLO_AGENT_CHECKPOINT_ABORT, req->txid, 0);
		return;
	}
	pid = agent_spawn(e->cmd, &env, pipefd[1]);
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		agent_log("checkpoint %u aborted: command not started: %s", req->txid,
			  strerror(-pid));
		agent_client_send(&e->ac, COLO_AGENT_CHECKPOINT_ABORT, req->txid, 0);
		return;
	}
	e->pid = pid;
	e->out_fd = pipefd[0];
	e->out_eof = false;
	/* Never wait on output: a child the command left behind may keep the pipe open. */
	fcntl(e->out_fd, F_SETFL, O_NONBLOCK);
	e->have = 0;
	e->started = colo_mono_ns();
	e->deadline = e->started + e->timeout_ns;
	agent_client_send(&e->ac, COLO_AGENT_CHECKPOINT_BEGIN, req->txid, 0);
	agent_log("checkpoint %u: command started (pid %d)", req->txid, pid);
}

static void log_line(struct exec *e)
{
	e->line[e->have] = '\0';
	agent_log("checkpoint %u: %s", e->txid, e->line);
	e->have = 0;
}

/* Returns false at EOF or when nothing more is there now. */
static bool read_output(struct exec *e)
{
	char buf[1024];
	ssize_t n = read(e->out_fd, buf, sizeof(buf)), i;

	if (n < 0 && errno == EINTR)
		return true;
	if (n == 0)
		e->out_eof = true;
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n' || e->have == sizeof(e->line) - 1)
			log_line(e);
		if (buf[i] != '\n')
			e->line[e->have++] = buf[i];
	}
	return n > 0;
}

static void finish(struct exec *e, int status)
{
	double ms = (double)(colo_mono_ns() - e->started) / 1e6;
	bool ok = !e->timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	uint32_t id = e->reported ? e->txid : 0;

	while (read_output(e))
		;
	if (e->have)
		log_line(e);
	close(e->out_fd);
	e->out_fd = -1;
	e->pid = 0;
	if (ok) {
		agent_log("checkpoint %u committed: command exited 0 after %.1f ms", e->txid, ms);
		if (id || agent_client_ready(&e->ac))
			agent_client_send(&e->ac, COLO_AGENT_CHECKPOINT_COMMIT, id,
					  e->commit_flags);
	} else {
		if (e->timed_out)
			agent_log("checkpoint %u aborted: the command ran past %llu ms (killed)",
				  e->txid, (unsigned long long)(e->timeout_ns / COLO_NS_PER_MS));
		else if (WIFEXITED(status))
			agent_log("checkpoint %u aborted: the command exited %d", e->txid,
				  WEXITSTATUS(status));
		else
			agent_log("checkpoint %u aborted: the command was killed by %s", e->txid,
				  strsignal(WTERMSIG(status)));
		if (id)
			agent_client_send(&e->ac, COLO_AGENT_CHECKPOINT_ABORT, id, 0);
	}
	e->txid = 0;
	if (e->queued) {
		e->queued = false;
		start(e, &e->queued_req);
	}
}

static void reap(struct exec *e)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (pid == e->pid)
			finish(e, status);
}

static void on_request(void *ctx, const struct colo_agent_msg *req)
{
	struct exec *e = ctx;

	if (e->pid) {
		e->queued = true;
		e->queued_req = *req;
		return;
	}
	start(e, req);
}

static void on_agent_lost(void *ctx)
{
	struct exec *e = ctx;

	e->reported = false;
	e->queued = false;
}

static void kill_command(struct exec *e)
{
	if (e->pid)
		kill(-e->pid, SIGKILL);
}

static int loop(struct exec *e, int sfd)
{
	struct pollfd p[3];
	uint64_t now, t;

	while (!e->stop) {
		now = colo_mono_ns();
		if (agent_client_tick(&e->ac, now))
			return COLO_EXIT_RUNTIME;
		if (e->pid && !e->timed_out && now >= e->deadline) {
			e->timed_out = true;
			kill_command(e);
		}
		t = agent_client_wait_ns(&e->ac, now);
		if (e->pid && !e->timed_out)
			t = min_ns(t, e->deadline - now);
		p[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
		p[1] = (struct pollfd){.fd = agent_client_fd(&e->ac), .events = POLLIN};
		p[2] = (struct pollfd){.fd = e->pid && !e->out_eof ? e->out_fd : -1,
				       .events = POLLIN};
		if (poll(p, 3, agent_poll_ms(t)) < 0 && errno != EINTR)
			return COLO_EXIT_RUNTIME;
		if (p[2].revents && e->out_fd == p[2].fd)
			read_output(e); /* at EOF the exit follows (SIGCHLD) */
		if (p[0].revents && agent_on_signals(sfd, &e->stop))
			reap(e);
		if (p[1].revents && agent_client_fd(&e->ac) == p[1].fd)
			agent_client_input(&e->ac);
	}
	kill_command(e);
	return COLO_EXIT_OK;
}

int agent_exec_main(int argc, char **argv)
{
	struct exec_opts xo = {.timeout_ms = 10000};
	struct agent_client_ops aops = {.request = on_request, .lost = on_agent_lost};
	struct colo_opts_result res;
	static struct exec e;
	int sfd, rc = agent_parse(&exec_spec, argc, argv, &xo, &xo.common, &res, details);

	if (rc >= 0)
		return rc;
	if (!xo.cmd) {
		cli_err(exec_spec.name, "--command 'SHELL COMMAND' is required");
		return COLO_EXIT_USAGE;
	}
	memset(&e, 0, sizeof(e));
	e.out_fd = -1;
	e.cmd = xo.cmd;
	e.commit_flags = xo.keep_streams ? COLO_AGENT_COMMIT_KEEP_STREAMS : 0;
	agent_log_kind("exec");
	e.timeout_ns = xo.timeout_ms * COLO_NS_PER_MS;
	aops.ctx = &e;
	agent_client_init(&e.ac, xo.common.socket, COLO_AGENT_FEATURE_ORIGIN,
			  xo.common.connect_timeout_ms, &aops);
	sfd = agent_signals();
	if (sfd < 0)
		return COLO_EXIT_RUNTIME;
	rc = loop(&e, sfd);
	agent_client_close(&e.ac);
	close(sfd);
	return rc;
}
