// SPDX-License-Identifier: GPL-2.0-only
/*
 * The agent socket server (user/agent.c) against the reference agent (tests/tools/colo_agent.c)
 * and against hand-made misbehaving clients, over real unix sockets in /tmp.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent.h"
#include "agent_msgs.h"

#define WAIT_MS 5000

struct tool {
	pid_t pid;
	int out; /* read end of its stdout; -1 once closed */
	size_t len;
	char buf[65536];
};

struct h {
	char path[108];
	struct colo_agent_srv *srv;
	struct tool tools[2];
	int connected, disconnected, begins, commits, aborts, failovers, logs;
	int rerequest; /* commits after which the commit callback requests the next checkpoint */
	uint32_t begin_id, commit_id, commit_flags, abort_id;
	char log[1024]; /* every log line, newline-separated, truncated */
};

static char tool_path[PATH_MAX];

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void on_connected(void *ctx, uint16_t version, uint32_t features)
{
	struct h *h = ctx;

	assert_int_equal(version, COLO_AGENT_VERSION);
	(void)features;
	h->connected++;
}

static void on_disconnected(void *ctx, const char *why)
{
	struct h *h = ctx;

	assert_true(strlen(why) > 0);
	h->disconnected++;
}

static void on_begin(void *ctx, uint32_t id)
{
	struct h *h = ctx;

	h->begins++;
	h->begin_id = id;
}

static void on_commit(void *ctx, uint32_t id, uint32_t flags)
{
	struct h *h = ctx;

	h->commits++;
	h->commit_id = id;
	h->commit_flags = flags;
	if (h->commits < h->rerequest)
		assert_int_equal(
			colo_agent_request(h->srv, COLO_AGENT_REASON_TIMEOUT, NULL, NULL, 0, NULL), 0);
}

static void on_abort(void *ctx, uint32_t id)
{
	struct h *h = ctx;

	h->aborts++;
	h->abort_id = id;
}

static void on_failover(void *ctx)
{
	struct h *h = ctx;

	h->failovers++;
}

static void on_log(void *ctx, const char *line)
{
	struct h *h = ctx;
	size_t n = strlen(h->log);

	assert_null(strchr(line, '\n'));
	h->logs++;
	snprintf(h->log + n, sizeof(h->log) - n, "%s\n", line);
}

static int setup(void **state)
{
	static struct h h;
	struct colo_agent_ops ops = {
		.ctx = &h,
		.connected = on_connected,
		.disconnected = on_disconnected,
		.begin = on_begin,
		.commit = on_commit,
		.abort = on_abort,
		.failover = on_failover,
		.log = on_log,
	};

	memset(&h, 0, sizeof(h));
	h.tools[0].out = h.tools[1].out = -1;
	snprintf(h.path, sizeof(h.path), "/tmp/colo-agent-test-%d.sock", getpid());
	h.srv = colo_agent_listen(h.path, &ops);
	assert_non_null(h.srv);
	*state = &h;
	return 0;
}

static void stop_tool(struct tool *t);

static int teardown(void **state)
{
	struct h *h = *state;

	for (int i = 0; i < 2; i++)
		stop_tool(&h->tools[i]);
	colo_agent_close(h->srv);
	assert_int_equal(access(h->path, F_OK), -1);
	return 0;
}

/* Serves the agent socket and collects tool output for up to ms. */
static void pump(struct h *h, int ms)
{
	struct pollfd pfds[4];
	int n, nsrv, i;
	ssize_t r;

	nsrv = colo_agent_fds(h->srv, pfds, 2);
	n = nsrv;
	for (i = 0; i < 2; i++)
		if (h->tools[i].out >= 0)
			pfds[n++] = (struct pollfd){.fd = h->tools[i].out, .events = POLLIN};
	if (poll(pfds, (nfds_t)n, ms) <= 0)
		return;
	assert_int_equal(colo_agent_handle(h->srv, pfds, nsrv), 0);
	for (i = nsrv; i < n; i++) {
		struct tool *t = h->tools[0].out == pfds[i].fd ? &h->tools[0] : &h->tools[1];

		if (!pfds[i].revents)
			continue;
		r = read(t->out, t->buf + t->len, sizeof(t->buf) - 1 - t->len);
		if (r <= 0) {
			close(t->out);
			t->out = -1;
			continue;
		}
		t->len += (size_t)r;
		t->buf[t->len] = '\0';
	}
}

#define WAIT_FOR(h, cond)                                                                          \
	do {                                                                                       \
		uint64_t end_ = now_ms() + WAIT_MS;                                                \
		while (!(cond) && now_ms() < end_)                                                 \
			pump(h, 20);                                                               \
		if (!(cond))                                                                       \
			fail_msg("timed out waiting for %s; log:\n%s\ntool:\n%s", #cond, (h)->log, \
				 (h)->tools[0].buf);                                               \
	} while (0)

/* Starts the reference agent on socket sock with the NULL-terminated extra arguments. */
static void start_tool(struct h *h, int slot, char *sock, ...)
{
	struct tool *t = &h->tools[slot];
	/* --once: these tests end the conversation by closing, and want the tool's exit then. */
	char *argv[16] = {tool_path, "--once", "--socket", sock};
	int pipefd[2], argc = 4;
	va_list ap;

	va_start(ap, sock);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	t->pid = fork();
	assert_true(t->pid >= 0);
	if (t->pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		execv(tool_path, argv);
		_exit(127);
	}
	close(pipefd[1]);
	t->out = pipefd[0];
	t->len = 0;
	t->buf[0] = '\0';
}

/* Waits for the tool to exit (SIGTERM first when still running); returns its exit status. */
static int reap_tool(struct tool *t, bool terminate)
{
	int status;

	if (t->pid <= 0)
		return -1;
	if (terminate)
		kill(t->pid, SIGTERM);
	assert_int_equal(waitpid(t->pid, &status, 0), t->pid);
	t->pid = 0;
	/* Collect what it printed last (the write end closed with it). */
	while (t->out >= 0 && t->len < sizeof(t->buf) - 1) {
		ssize_t r = read(t->out, t->buf + t->len, sizeof(t->buf) - 1 - t->len);

		if (r <= 0)
			break;
		t->len += (size_t)r;
		t->buf[t->len] = '\0';
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void stop_tool(struct tool *t)
{
	reap_tool(t, true);
	if (t->out >= 0)
		close(t->out);
	t->out = -1;
}

/* Tool output contains s. */
static bool said(struct h *h, int slot, const char *s)
{
	return strstr(h->tools[slot].buf, s) != NULL;
}

static void test_listen_socket_file(void **state)
{
	struct h *h = *state;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct colo_agent_srv *srv;
	char path[sizeof(h->path)];
	struct stat st;
	int fd;

	assert_int_equal(stat(h->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	/* A live server's socket is not taken over. */
	assert_null(colo_agent_listen(h->path, NULL));
	assert_int_equal(errno, EADDRINUSE);
	/* A stale socket file (its server gone) is replaced. */
	snprintf(path, sizeof(path), "/tmp/colo-agent-test-%d.stale", getpid());
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(fd);
	srv = colo_agent_listen(path, NULL);
	assert_non_null(srv);
	colo_agent_close(srv);
	/* Anything that is not a socket is left alone. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_null(colo_agent_listen(path, NULL));
	assert_int_equal(errno, EEXIST);
	assert_int_equal(unlink(path), 0);
}

/* An agent that said HELLO is connected (the server's callbacks say so). */
static bool agent_up(const struct h *h)
{
	return h->connected > h->disconnected;
}

/* A checkpoint is in flight: a new trigger is covered by it (the request is refused, -EBUSY). */
static bool in_flight(struct h *h)
{
	return colo_agent_request(h->srv, COLO_AGENT_REASON_TIMEOUT, NULL, NULL, 1, NULL) == -EBUSY;
}

static void test_commit_mode(void **state)
{
	struct colo_flow_key f = flow4();
	struct h *h = *state;
	uint32_t id;

	start_tool(h, 0, h->path, "--mode", "commit", NULL);
	WAIT_FOR(h, agent_up(h));
	assert_int_equal(h->connected, 1);
	assert_int_equal(colo_agent_request(h->srv, COLO_AGENT_REASON_MISMATCH, &f, NULL, 123, &id), 0);
	assert_int_equal(id, 1);
	assert_true(in_flight(h));
	WAIT_FOR(h, h->commits == 1);
	assert_int_equal(h->begins, 1);
	assert_int_equal(h->begin_id, 1);
	assert_int_equal(h->commit_id, 1);
	assert_int_equal(h->commit_flags, COLO_AGENT_COMMIT_KEEP_STREAMS);
	WAIT_FOR(h, said(h, 0, "\"acked\":\"commit\""));
	assert_true(said(h, 0,
			 "{\"event\":\"request\",\"id\":1,\"seq\":2,"
			 "\"reason\":\"mismatch\","
			 "\"flow\":\"tcp 10.77.0.2:80 > 10.77.0.1:40000\",\"time\":123,"
			 "\"count\":1,\"realtime_ns\":"));
	/* The next trigger is a new checkpoint. */
	assert_int_equal(colo_agent_request(h->srv, COLO_AGENT_REASON_TIMEOUT, NULL, NULL, 9, &id), 0);
	assert_int_equal(id, 2);
	WAIT_FOR(h, h->commits == 2);
	assert_int_equal(h->commit_id, 2);
	assert_true(said(h, 0, "\"reason\":\"timeout\",\"flow\":\"none\""));
	assert_int_equal(reap_tool(&h->tools[0], true), 0);
	assert_true(said(h, 0, "\"event\":\"exit\",\"requests\":2"));
}

/* A commit callback may request the next checkpoint at once. */
static void test_request_from_commit_callback(void **state)
{
	struct h *h = *state;
	uint32_t id;

	h->rerequest = 3;
	start_tool(h, 0, h->path, "--mode", "commit", NULL);
	WAIT_FOR(h, agent_up(h));
	assert_int_equal(colo_agent_request(h->srv, COLO_AGENT_REASON_MISMATCH, NULL, NULL, 1, &id), 0);
	WAIT_FOR(h, h->commits == 3);
	assert_int_equal(h->commit_id, 3);
	WAIT_FOR(h, said(h, 0, "\"event\":\"request\",\"id\":3,"));
	assert_int_equal(h->disconnected, 0);
}

static void test_pending_request_sent_on_connect(void **state)
{
	struct colo_agent_counters c;
	struct h *h = *state;
	uint32_t id = 0;

	assert_int_equal(colo_agent_request(h->srv, COLO_AGENT_REASON_QUEUE_FULL, NULL, NULL, 1, &id),
			 -ENOTCONN);
	assert_int_equal(id, 1);
	assert_true(in_flight(h));
	assert_int_equal(colo_agent_request(h->srv, COLO_AGENT_REASON_QUEUE_FULL, NULL, NULL, 1, &id),
			 -EBUSY);
	start_tool(h, 0, h->path, "--mode", "commit", NULL);
	WAIT_FOR(h, h->commits == 1);
	assert_int_equal(h->commit_id, 1);
	colo_agent_get_counters(h->srv, &c);
	assert_int_equal(c.requests, 1);
	assert_int_equal(c.accepted, 1);
	assert_true(said(h, 0, "\"reason\":\"queue_full\""));
}

static void test_request_arguments(void **state)
{
	struct colo_flow_key f = flow4(), junk = {.family = 0, .proto = 6, .sport = 1};
	struct h *h = *state;
	uint32_t id = 0;

	assert_int_equal(colo_agent_request(h->srv, COLO_AGENT_REASON_MAX, NULL, NULL, 1, &id), -EINVAL);
	f.saddr[10] = 0; /* IPv4 key whose address is not IPv4-mapped */
	assert_int_equal(colo_agent_request(h->srv, COLO_AGENT_REASON_MISMATCH, &f, NULL, 1, &id),
			 -EINVAL);
	assert_int_equal(id, 0);
	/* A key without a family goes out as "no flow"; ids start at 1 despite the refusals. */
	start_tool(h, 0, h->path, "--mode", "commit", NULL);
	WAIT_FOR(h, agent_up(h));
	assert_int_equal(colo_agent_request(h->srv, COLO_AGENT_REASON_TABLE_FULL, &junk, NULL, 1, &id),
			 0);
	assert_int_equal(id, 1);
	WAIT_FOR(h, h->commits == 1);
	assert_true(said(h, 0, "\"reason\":\"table_full\",\"flow\":\"none\""));
}

static void test_request_resent_after_disconnect(void **state)
{
	struct colo_agent_counters c;
	struct h *h = *state;
	uint32_t id;

	start_tool(h, 0, h->path, "--mode", "never", NULL);
	WAIT_FOR(h, agent_up(h));
	assert_int_equal(colo_agent_request(h->srv, COLO_AGENT_REASON_MISMATCH, NULL, NULL, 1, &id), 0);
	WAIT_FOR(h, said(h, 0, "\"event\":\"request\""));
	/* Acknowledged, never answered: the request stays in flight. */
	WAIT_FOR(h, said(h, 0, "\"event\":\"sent\",\"type\":\"ack\""));
	pump(h, 100);
	assert_int_equal(h->commits, 0);
	assert_int_equal(colo_agent_request(h->srv, COLO_AGENT_REASON_TIMEOUT, NULL, NULL, 2, NULL),
			 -EBUSY);
	stop_tool(&h->tools[0]);
	WAIT_FOR(h, h->disconnected == 1);
	assert_false(agent_up(h));
	assert_true(in_flight(h));
	start_tool(h, 0, h->path, "--mode", "commit", NULL);
	WAIT_FOR(h, h->commits == 1);
	assert_int_equal(h->commit_id, id);
	colo_agent_get_counters(h->srv, &c);
	assert_int_equal(c.requests, 2);
}

static void test_delay_mode(void **state)
{
	struct h *h = *state;
	uint64_t t0;
	uint32_t id;

	start_tool(h, 0, h->path, "--mode", "delay", "--delay-ms", "300", NULL);
	WAIT_FOR(h, agent_up(h));
	t0 = now_ms();
	assert_int_equal(colo_agent_request(h->srv, COLO_AGENT_REASON_MISMATCH, NULL, NULL, 1, &id), 0);
	WAIT_FOR(h, h->begins == 1);
	assert_int_equal(h->commits, 0);
	WAIT_FOR(h, h->commits == 1);
	assert_true(now_ms() - t0 >= 300);
	assert_int_equal(h->commit_id, id);
}

static void test_failover_mode(void **state)
{
	struct h *h = *state;
	uint32_t id;

	start_tool(h, 0, h->path, "--mode", "failover", NULL);
	WAIT_FOR(h, agent_up(h));
	assert_int_equal(colo_agent_request(h->srv, COLO_AGENT_REASON_MISMATCH, NULL, NULL, 1, &id), 0);
	WAIT_FOR(h, h->failovers == 1);
	assert_int_equal(h->commits, 0);
	assert_int_equal(colo_agent_request(h->srv, COLO_AGENT_REASON_MISMATCH, NULL, NULL, 1, &id),
			 -ESHUTDOWN);
	WAIT_FOR(h, said(h, 0, "\"acked\":\"failover\""));
}

static void test_failover_after_ms(void **state)
{
	struct h *h = *state;
	uint64_t t0 = now_ms();

	start_tool(h, 0, h->path, "--mode", "never", "--failover-after-ms", "200", NULL);
	WAIT_FOR(h, h->failovers == 1);
	assert_true(now_ms() - t0 >= 200);
}

static void test_signals(void **state)
{
	struct h *h = *state;

	start_tool(h, 0, h->path, "--mode", "never", NULL);
	WAIT_FOR(h, said(h, 0, "\"event\":\"connected\""));
	WAIT_FOR(h, agent_up(h));
	kill(h->tools[0].pid, SIGUSR1);
	WAIT_FOR(h, h->commits == 1);
	assert_int_equal(h->commit_id, 0); /* a checkpoint the VMM started */
	assert_int_equal(h->commit_flags, COLO_AGENT_COMMIT_KEEP_STREAMS);
	kill(h->tools[0].pid, SIGUSR2);
	WAIT_FOR(h, h->failovers == 1);
}

static void test_second_agent_refused(void **state)
{
	struct colo_agent_counters c;
	struct h *h = *state;
	uint32_t id;

	start_tool(h, 0, h->path, "--mode", "commit", NULL);
	WAIT_FOR(h, agent_up(h));
	start_tool(h, 1, h->path, "--mode", "commit", NULL);
	WAIT_FOR(h, h->tools[1].out < 0);
	assert_int_equal(reap_tool(&h->tools[1], false), 1);
	assert_true(said(h, 1, "{\"event\":\"error\""));
	assert_true(said(h, 1, "\"code\":\"busy\""));
	colo_agent_get_counters(h->srv, &c);
	assert_int_equal(c.refused, 1);
	assert_non_null(strstr(h->log, "refused a second agent"));
	/* The first agent is undisturbed. */
	assert_int_equal(colo_agent_request(h->srv, COLO_AGENT_REASON_MISMATCH, NULL, NULL, 1, &id), 0);
	WAIT_FOR(h, h->commits == 1);
	assert_int_equal(h->disconnected, 0);
}

/* A hand-made client: connects (the server's HELLO waits in the socket). */
static int raw_connect(struct h *h)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	strcpy(addr.sun_path, h->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

/* Out of fds: accept fails, and the listener rests instead of waking poll in a loop. */
static void test_accept_out_of_fds_rests(void **state)
{
	struct rlimit old, low;
	struct pollfd pfds[2];
	struct h *h = *state;
	int fd, spare, wakeups = 0;
	uint64_t end;

	fd = raw_connect(h);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	spare = dup(0); /* the lowest free fd: the limit leaves none above it */
	assert_true(spare >= 0);
	close(spare);
	low = old;
	low.rlim_cur = (rlim_t)spare;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	pump(h, 20);
	assert_non_null(strstr(h->log, "not accepting for"));
	assert_int_equal(colo_agent_fds(h->srv, pfds, 2), 1);
	assert_int_equal(pfds[0].fd, -1);
	for (end = now_ms() + 50; now_ms() < end; wakeups++)
		pump(h, 10);
	assert_true(wakeups <= 6);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	usleep(60 * 1000);
	WAIT_FOR(h, colo_agent_fds(h->srv, pfds, 2) == 2);
	close(fd);
}

/* A connection that never says HELLO gives way to the next one after the hello timeout. */
static void test_silent_connection_replaced(void **state)
{
	struct colo_agent_counters c;
	struct h *h = *state;
	int fd;

	start_tool(h, 0, h->path, "--mode", "commit", NULL);
	WAIT_FOR(h, agent_up(h));
	stop_tool(&h->tools[0]);
	WAIT_FOR(h, h->disconnected == 1);
	fd = raw_connect(h);
	pump(h, 50);
	/* Within the timeout, a newcomer is refused. */
	start_tool(h, 1, h->path, "--mode", "commit", NULL);
	WAIT_FOR(h, h->tools[1].out < 0);
	assert_int_equal(reap_tool(&h->tools[1], false), 1);
	colo_agent_get_counters(h->srv, &c);
	assert_int_equal(c.refused, 1);
	usleep(COLO_AGENT_HELLO_TIMEOUT_MS * 1000);
	start_tool(h, 0, h->path, "--mode", "commit", NULL);
	WAIT_FOR(h, agent_up(h));
	assert_non_null(strstr(h->log, "agent sent no hello within"));
	assert_int_equal(h->disconnected, 1); /* the silent one never counted as connected */
	assert_int_equal(h->connected, 2);
	close(fd);
}

static void raw_send(int fd, struct colo_agent_msg *m, uint32_t seq)
{
	uint8_t buf[COLO_AGENT_MAX_MSG];
	int n;

	m->seq = seq;
	n = colo_agent_encode(m, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(send(fd, buf, (size_t)n, MSG_NOSIGNAL), n);
}

/* Reads from the raw client until EOF, serving meanwhile; returns the messages decoded. */
static int raw_drain(struct h *h, int fd, struct colo_agent_msg *msgs, int max)
{
	uint64_t end = now_ms() + WAIT_MS;
	struct colo_agent_dec dec;
	uint8_t buf[4096];
	size_t used, off;
	int got = 0, r;
	ssize_t n;

	colo_agent_dec_init(&dec);
	while (now_ms() < end) {
		pump(h, 20);
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0)
			break;
		if (n < 0) {
			assert_true(errno == EAGAIN);
			continue;
		}
		for (off = 0; off < (size_t)n; off += used) {
			r = colo_agent_dec_feed(&dec, buf + off, (size_t)n - off, &used,
						&msgs[got < max ? got : max - 1]);
			assert_true(r >= 0);
			got += r;
		}
	}
	assert_true(now_ms() < end);
	close(fd);
	return got;
}

/* The server must close on this input with an ERROR of code `want` and log `reason`. */
static void expect_violation(struct h *h, int fd, enum colo_agent_err want, const char *reason)
{
	struct colo_agent_msg msgs[8];
	struct colo_agent_counters c;
	int n = raw_drain(h, fd, msgs, 8);

	assert_true(n >= 2); /* HELLO, ..., ERROR */
	assert_int_equal(msgs[0].type, COLO_AGENT_HELLO);
	assert_int_equal(msgs[n - 1].type, COLO_AGENT_ERROR);
	assert_int_equal(msgs[n - 1].error.code, want);
	assert_non_null(strstr(h->log, reason));
	assert_non_null(strstr(h->log, "connection closed"));
	colo_agent_get_counters(h->srv, &c);
	assert_int_equal(c.protocol_errors, 1);
	assert_int_equal(h->disconnected, h->connected); /* disconnected pairs with connected */
	/* A new agent is accepted afterwards. */
	start_tool(h, 0, h->path, "--mode", "commit", NULL);
	WAIT_FOR(h, agent_up(h));
}

static void test_garbage_closes_with_reason(void **state)
{
	struct h *h = *state;
	int fd = raw_connect(h);

	assert_int_equal(send(fd, "GET / HTTP/1.0\r\n\r\n", 18, MSG_NOSIGNAL), 18);
	expect_violation(h, fd, COLO_AGENT_E_MAGIC, "protocol error (magic): bad magic 0x4745");
}

static void test_out_of_state_closes(void **state)
{
	struct colo_agent_msg m;
	struct h *h = *state;
	int fd = raw_connect(h);

	colo_agent_msg_hello(&m, 0);
	raw_send(fd, &m, 1);
	colo_agent_msg_simple(&m, COLO_AGENT_CHECKPOINT_BEGIN, 5);
	raw_send(fd, &m, 2);
	expect_violation(h, fd, COLO_AGENT_E_STATE, "no checkpoint in flight");
	assert_int_equal(h->begins, 0);
	assert_int_equal(h->disconnected, 1);
}

static void test_oversized_closes(void **state)
{
	static const uint8_t hdr[16] = {0xc0, 0xa9, 0, COLO_AGENT_ERROR, 0, 0, 0, 0, 0, 0, 0, 1, 0,
					0x10, 0,    0};
	struct h *h = *state;
	int fd = raw_connect(h);

	assert_int_equal(send(fd, hdr, sizeof(hdr), MSG_NOSIGNAL), (ssize_t)sizeof(hdr));
	expect_violation(h, fd, COLO_AGENT_E_LENGTH, "exceeds 4096");
}

static void test_wrong_sequence_closes(void **state)
{
	struct colo_agent_msg m;
	struct h *h = *state;
	int fd = raw_connect(h);

	colo_agent_msg_hello(&m, 0);
	raw_send(fd, &m, 2);
	expect_violation(h, fd, COLO_AGENT_E_SEQ, "sequence 2, expected 1");
}

static void test_agent_error_closes(void **state)
{
	struct colo_agent_msg msgs[4], m;
	struct h *h = *state;
	int fd = raw_connect(h);

	colo_agent_msg_error(&m, COLO_AGENT_E_NONE, "shutting down");
	raw_send(fd, &m, 1);
	assert_int_equal(raw_drain(h, fd, msgs, 4), 1); /* HELLO, then EOF */
	assert_non_null(strstr(h->log, "agent sent error none: shutting down"));
	assert_int_equal(h->connected, 0); /* it said no HELLO: no connected/disconnected pair */
	assert_int_equal(h->disconnected, 0);
}

/* An agent that sends and never reads fills the dataplane's queue with ACKs: it is dropped. */
static void test_agent_not_reading_dropped(void **state)
{
	uint8_t buf[64 * 20];
	struct colo_agent_counters c;
	struct colo_agent_msg m;
	struct h *h = *state;
	uint64_t end = now_ms() + WAIT_MS;
	size_t off = sizeof(buf); /* bytes of buf already sent */
	uint32_t seq = 1;
	int fd = raw_connect(h), i;
	ssize_t n;

	colo_agent_msg_hello(&m, 0);
	raw_send(fd, &m, seq++);
	colo_agent_get_counters(h->srv, &c);
	while (!c.out_full && now_ms() < end) {
		for (i = 0; off == sizeof(buf) && i < 64; i++) {
			colo_agent_msg_commit(&m, 0, 0);
			m.seq = seq++;
			assert_int_equal(colo_agent_encode(&m, buf + i * 20, 20), 20);
		}
		off %= sizeof(buf);
		n = send(fd, buf + off, sizeof(buf) - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		assert_true(n > 0 || errno == EAGAIN);
		off += n > 0 ? (size_t)n : 0;
		pump(h, 0);
		colo_agent_get_counters(h->srv, &c);
	}
	assert_int_equal(c.out_full, 1);
	assert_int_equal(c.protocol_errors, 0);
	assert_int_equal(h->disconnected, 1);
	assert_non_null(strstr(h->log, "agent stopped reading"));
	/* Only what was queued before the drop counted, and not one more than was sent. */
	assert_true(h->commits > 1000 && h->commits < (int)seq);
	close(fd);
}

/* The reference agent validates what the dataplane sends, too. */
static void test_tool_refuses_bad_request(void **state)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct h *h = *state;
	struct colo_agent_msg m;
	char path[sizeof(h->path)];
	uint8_t buf[COLO_AGENT_MAX_MSG];
	int lfd, fd, n;

	/* A fake dataplane on another path: HELLO, then a request with reason 9. */
	snprintf(path, sizeof(path), "/tmp/colo-agent-test-%d.fake", getpid());
	strcpy(addr.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	start_tool(h, 0, path, "--mode", "commit", NULL);
	fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	colo_agent_msg_hello(&m, 0);
	raw_send(fd, &m, 1);
	colo_agent_msg_request(&m, 1, COLO_AGENT_REASON_MISMATCH, NULL, 0);
	m.seq = 2;
	n = colo_agent_encode(&m, buf, sizeof(buf));
	buf[COLO_AGENT_HDR_LEN + 9] = 9;
	assert_int_equal(send(fd, buf, (size_t)n, MSG_NOSIGNAL), n);
	WAIT_FOR(h, h->tools[0].out < 0);
	assert_int_equal(reap_tool(&h->tools[0], false), 1);
	assert_true(said(h, 0, "\"event\":\"protocol_error\",\"why\":\"checkpoint reason 9"));
	close(fd);
	close(lfd);
	unlink(path);
}

static void test_tool_usage_errors(void **state)
{
	struct h *h = *state;

	start_tool(h, 0, h->path, "--mode", "sometimes", NULL);
	WAIT_FOR(h, h->tools[0].out < 0);
	assert_int_equal(reap_tool(&h->tools[0], false), 2);
	start_tool(h, 0, h->path, "--delay-ms", "-5", NULL);
	WAIT_FOR(h, h->tools[0].out < 0);
	assert_int_equal(reap_tool(&h->tools[0], false), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_listen_socket_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_from_commit_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending_request_sent_on_connect, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_request_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_resent_after_disconnect, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_delay_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failover_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failover_after_ms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_agent_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_connection_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_out_of_fds_rests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_closes_with_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_state_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_sequence_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agent_error_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agent_not_reading_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tool_refuses_bad_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tool_usage_errors, setup, teardown),
	};
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	/* <build>/tests/unit/test_agent_socket -> <build>/tools/colo_agent */
	if (n <= 0) {
		fprintf(stderr, "test_agent_socket: cannot resolve /proc/self/exe\n");
		return 1;
	}
	exe[n] = '\0';
	snprintf(tool_path, sizeof(tool_path), "%s/tools/colo_agent",
		 dirname(dirname(dirname(exe))));
	if (access(tool_path, X_OK)) {
		fprintf(stderr, "test_agent_socket: %s missing: build it (make tests-build)\n",
			tool_path);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
