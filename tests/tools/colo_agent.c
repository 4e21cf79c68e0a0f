// SPDX-License-Identifier: GPL-2.0-only
/*
 * colo_agent: the reference checkpoint agent. Connects to the dataplane's agent socket, says
 * HELLO, and answers checkpoint requests per --mode. Every message it receives or sends is one
 * JSON line on stdout ({"event":"request","id":1,...}, {"event":"sent","type":"commit",...}),
 * flushed at once, so tests can assert on the conversation. Every line ends with realtime_ns,
 * the CLOCK_REALTIME time of the event (of a sent message: just before it was written), the
 * clock of packet capture timestamps, so tests can order the conversation against a capture.
 * SIGUSR1 sends an unsolicited COMMIT (a checkpoint "the VMM started"), SIGUSR2 declares
 * FAILOVER, SIGTERM/SIGINT exit 0. When the dataplane closes the connection (a restart, say)
 * or the connection breaks (a reset), the agent reconnects with backoff (50 ms doubling to 2 s)
 * for up to --connect-timeout-ms; --once exits at the first close instead.
 *
 * Exit: 0 when the dataplane closed the connection (and did not come back) or on SIGTERM/SIGINT,
 * 1 on a protocol error, an ERROR from the dataplane or a socket failure, 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/agent_session.h"

enum mode { MODE_COMMIT, MODE_DELAY, MODE_NEVER, MODE_FAILOVER };

/* How run() ended, besides -1 (a failure). */
#define RUN_EOF	   1 /* the dataplane closed the connection */
#define RUN_SIGNAL 2 /* SIGTERM or SIGINT */
#define RUN_GONE   3 /* the connection broke (reset, or a send into a closed socket) */

#define BACKOFF_MIN_US 50000
#define BACKOFF_MAX_US 2000000

struct agent {
	int fd, sfd;
	enum mode mode;
	uint64_t delay_ns;
	uint64_t failover_at; /* monotonic ns; 0: none */
	uint64_t commit_at;   /* monotonic ns of a delayed COMMIT; 0: none */
	uint32_t commit_id;
	uint64_t requests;
	bool gone; /* the connection broke under a send or a receive */
	struct colo_agent_sess sess;
	struct colo_agent_dec dec;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: colo_agent --socket PATH [--mode commit|delay|never|failover]\n"
		   "                  [--delay-ms N] [--failover-after-ms N] [--connect-timeout-ms "
		   "N]\n"
		   "  commit:   BEGIN then COMMIT (keep-streams flag) at once\n"
		   "  delay:    BEGIN at once, COMMIT after --delay-ms\n"
		   "  never:    acknowledge requests, never answer them\n"
		   "  failover: answer the first request with FAILOVER\n"
		   "  SIGUSR1: unsolicited COMMIT; SIGUSR2: FAILOVER; SIGTERM/SIGINT: exit 0\n"
		   "  after the dataplane closed: reconnect with backoff (--once: exit)\n");
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Prints s as a JSON string (the texts here are printable ASCII). */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

/* Ends an event line with its time: at, CLOCK_REALTIME ns. */
static void event_end(uint64_t at)
{
	printf(",\"realtime_ns\":%llu}\n", (unsigned long long)at);
	fflush(stdout);
}

static void log_simple(const char *event, const char *key, const char *val)
{
	printf("{\"event\":\"%s\"", event);
	if (key) {
		printf(",\"%s\":", key);
		json_str(val);
	}
	event_end(clock_ns(CLOCK_REALTIME));
}

/*
 * A received message: {"event":"<type>",...}; a sent one: {"event":"sent","type":"<type>",...}.
 * at: CLOCK_REALTIME ns of the receipt, or of the send.
 */
static void log_msg(bool sent, const struct colo_agent_msg *m, uint64_t count, uint64_t at)
{
	char flow[COLO_AGENT_FLOW_STR_LEN];
	const char *type = colo_agent_type_name(m->type);

	if (sent)
		printf("{\"event\":\"sent\",\"type\":\"%s\"", type);
	else
		printf("{\"event\":\"%s\"", type);
	printf(",\"id\":%u,\"seq\":%u", m->txid, m->seq);
	switch (m->type) {
	case COLO_AGENT_HELLO:
		printf(",\"version\":%u,\"features\":%u", m->hello.version, m->hello.features);
		break;
	case COLO_AGENT_CHECKPOINT_REQUEST:
		printf(",\"reason\":\"%s\",\"flow\":", colo_agent_reason_name(m->request.reason));
		json_str(colo_agent_flow_str(&m->request.flow, flow, sizeof(flow)));
		printf(",\"time\":%llu,\"count\":%llu", (unsigned long long)m->request.time_ns,
		       (unsigned long long)count);
		break;
	case COLO_AGENT_CHECKPOINT_COMMIT:
		printf(",\"flags\":%u", m->commit.flags);
		break;
	case COLO_AGENT_ACK:
		printf(",\"acked\":\"%s\",\"acked_seq\":%u", colo_agent_type_name(m->ack.type),
		       m->ack.seq);
		break;
	case COLO_AGENT_ERROR:
		printf(",\"code\":\"%s\",\"text\":", colo_agent_err_name(m->error.code));
		json_str(m->error.text);
		break;
	default:
		break;
	}
	event_end(at);
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* After a failed send: log what the dataplane said before it closed (an ERROR, usually). */
static void drain(struct agent *a)
{
	struct pollfd pfd = {.fd = a->fd, .events = POLLIN};
	struct colo_agent_msg m;
	uint8_t buf[4096], *p;
	size_t used;
	ssize_t n;

	while (poll(&pfd, 1, 200) > 0) {
		n = recv(a->fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return;
		for (p = buf; n > 0; p += used, n -= (ssize_t)used) {
			int r = colo_agent_dec_feed(&a->dec, p, (size_t)n, &used, &m);

			if (r < 0)
				return;
			if (r == 1)
				log_msg(false, &m, a->requests, clock_ns(CLOCK_REALTIME));
		}
	}
}

static int send_msg(struct agent *a, struct colo_agent_msg *m)
{
	uint8_t buf[COLO_AGENT_MAX_MSG];
	uint64_t at;
	int n, err;

	if (colo_agent_sess_tx(&a->sess, m)) {
		log_simple("send_refused", "why", a->sess.why);
		return -1;
	}
	n = colo_agent_encode(m, buf, sizeof(buf));
	at = clock_ns(CLOCK_REALTIME);
	err = n < 0 ? n : write_all(a->fd, buf, (size_t)n);
	if (err) {
		a->gone = err == -EPIPE || err == -ECONNRESET;
		log_simple("send_failed", "type", colo_agent_type_name(m->type));
		drain(a);
		return -1;
	}
	log_msg(true, m, 0, at);
	return 0;
}

static int send_simple(struct agent *a, enum colo_agent_type type, uint32_t id)
{
	struct colo_agent_msg m;

	colo_agent_msg_simple(&m, type, id);
	return send_msg(a, &m);
}

static int send_commit(struct agent *a, uint32_t id)
{
	struct colo_agent_msg m;

	colo_agent_msg_commit(&m, id, COLO_AGENT_COMMIT_KEEP_STREAMS);
	return send_msg(a, &m);
}

static int on_request(struct agent *a, const struct colo_agent_msg *m)
{
	switch (a->mode) {
	case MODE_COMMIT:
		if (send_simple(a, COLO_AGENT_CHECKPOINT_BEGIN, m->txid))
			return -1;
		return send_commit(a, m->txid);
	case MODE_DELAY:
		a->commit_at = clock_ns(CLOCK_MONOTONIC) + a->delay_ns;
		a->commit_id = m->txid;
		return send_simple(a, COLO_AGENT_CHECKPOINT_BEGIN, m->txid);
	case MODE_FAILOVER:
		return a->requests == 1 ? send_simple(a, COLO_AGENT_FAILOVER, 0) : 0;
	default:
		return 0;
	}
}

/* Returns 0 to go on, 1 when the dataplane ended the conversation, -1 on failure. */
static int on_msg(struct agent *a, struct colo_agent_msg *m)
{
	struct colo_agent_msg ack;

	if (m->type == COLO_AGENT_CHECKPOINT_REQUEST)
		a->requests++;
	log_msg(false, m, a->requests, clock_ns(CLOCK_REALTIME));
	if (colo_agent_sess_rx(&a->sess, m)) {
		log_simple("protocol_error", "why", a->sess.why);
		colo_agent_msg_error(&ack, a->sess.err, a->sess.why);
		send_msg(a, &ack);
		return -1;
	}
	if (m->type == COLO_AGENT_ERROR)
		return -1;
	if (colo_agent_type_needs_ack(m->type)) {
		colo_agent_msg_ack(&ack, m);
		if (send_msg(a, &ack))
			return -1;
	}
	return m->type == COLO_AGENT_CHECKPOINT_REQUEST ? on_request(a, m) : 0;
}

static int read_sock(struct agent *a)
{
	struct colo_agent_msg m;
	uint8_t buf[4096], *p = buf;
	size_t used;
	ssize_t n;
	int r;

	n = recv(a->fd, buf, sizeof(buf), 0);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0) {
		log_simple("closed", "why", n == 0 ? "eof" : strerror(errno));
		a->gone = n < 0 && errno == ECONNRESET;
		return n == 0 ? RUN_EOF : -1;
	}
	while (n > 0) {
		r = colo_agent_dec_feed(&a->dec, p, (size_t)n, &used, &m);
		p += used;
		n -= (ssize_t)used;
		if (r < 0) {
			log_simple("protocol_error", "why", a->dec.why);
			return -1;
		}
		if (r == 1 && on_msg(a, &m))
			return -1;
	}
	return 0;
}

static int read_signal(struct agent *a)
{
	struct signalfd_siginfo si;

	if (read(a->sfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	switch (si.ssi_signo) {
	case SIGUSR1:
		return send_commit(a, 0);
	case SIGUSR2:
		return send_simple(a, COLO_AGENT_FAILOVER, 0);
	default:
		log_simple("exit", "why", strsignal((int)si.ssi_signo));
		return RUN_SIGNAL;
	}
}

/* Fires due timers; returns the poll timeout in ms until the next one (-1: none). */
static int timers(struct agent *a, int *err)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC), next = UINT64_MAX;

	*err = 0;
	if (a->commit_at && now >= a->commit_at) {
		a->commit_at = 0;
		*err = send_commit(a, a->commit_id);
	}
	if (a->failover_at && now >= a->failover_at) {
		a->failover_at = 0;
		*err = *err ? *err : send_simple(a, COLO_AGENT_FAILOVER, 0);
	}
	if (a->commit_at)
		next = a->commit_at;
	if (a->failover_at && a->failover_at < next)
		next = a->failover_at;
	return next == UINT64_MAX ? -1 : (int)((next - now) / 1000000 + 1);
}

static int run(struct agent *a)
{
	struct colo_agent_msg hello;
	struct pollfd pfd[2];
	int timeout, r, err = 0;
	bool ready;

	colo_agent_sess_init(&a->sess, COLO_AGENT_SIDE_AGENT);
	colo_agent_dec_init(&a->dec);
	a->gone = false;
	colo_agent_msg_hello(&hello, 0);
	if (send_msg(a, &hello))
		return a->gone ? RUN_GONE : -1;
	for (;;) {
		/* Signals and timers wait for the dataplane's HELLO: nothing may precede it. */
		ready = a->sess.state != COLO_AGENT_ST_HELLO;
		timeout = ready ? timers(a, &err) : -1;
		if (ready && err)
			return a->gone ? RUN_GONE : -1;
		pfd[0] = (struct pollfd){.fd = a->fd, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = a->sfd, .events = POLLIN};
		if (poll(pfd, ready ? 2 : 1, timeout) < 0 && errno != EINTR) {
			log_simple("poll_failed", "why", strerror(errno));
			return -1;
		}
		r = 0;
		if (ready && pfd[1].revents)
			r = read_signal(a);
		if (!r && pfd[0].revents)
			r = read_sock(a);
		if (r)
			return r < 0 && a->gone ? RUN_GONE : r;
	}
}

/*
 * Connects, retrying while the socket is not there yet (the dataplane may start later, or
 * restart): every 20 ms at first, with backoff (50 ms doubling to 2 s) when reconnecting.
 */
static int connect_to(const char *path, unsigned int timeout_ms, bool backoff)
{
	useconds_t pause = backoff ? BACKOFF_MIN_US : 20000;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	uint64_t end = clock_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000000;
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "colo_agent: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			break;
		if (!connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
			return fd;
		close(fd);
		if ((errno != ENOENT && errno != ECONNREFUSED) || clock_ns(CLOCK_MONOTONIC) >= end)
			break;
		usleep(pause);
		if (backoff)
			pause = pause * 2 > BACKOFF_MAX_US ? BACKOFF_MAX_US : pause * 2;
	}
	fprintf(stderr, "colo_agent: cannot connect to %s: %s\n", path, strerror(errno));
	return -1;
}

static int parse_ms(const char *opt, const char *s, uint64_t *ns)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || *s == '-' || v > 86400000ul) {
		fprintf(stderr, "colo_agent: %s: not a number of milliseconds: %s\n", opt, s);
		return -1;
	}
	*ns = (uint64_t)v * 1000000;
	return 0;
}

static int parse_mode(const char *s, enum mode *mode)
{
	static const char *const names[] = {"commit", "delay", "never", "failover"};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*mode = (enum mode)i;
			return 0;
		}
	}
	fprintf(stderr, "colo_agent: unknown mode: %s\n", s);
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"mode", required_argument, NULL, 'm'},
		{"delay-ms", required_argument, NULL, 'd'},
		{"failover-after-ms", required_argument, NULL, 'f'},
		{"connect-timeout-ms", required_argument, NULL, 'c'},
		{"once", no_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct agent a = {.mode = MODE_COMMIT};
	uint64_t failover_ns = 0, connect_ns = 5000000000ull;
	const char *path = NULL;
	bool once = false, again = false;
	sigset_t mask;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'm':
			if (parse_mode(optarg, &a.mode))
				return 2;
			break;
		case 'd':
			if (parse_ms("--delay-ms", optarg, &a.delay_ns))
				return 2;
			break;
		case 'f':
			if (parse_ms("--failover-after-ms", optarg, &failover_ns) || !failover_ns)
				return 2;
			break;
		case 'c':
			if (parse_ms("--connect-timeout-ms", optarg, &connect_ns))
				return 2;
			break;
		case 'o':
			once = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!path || optind != argc) {
		usage(stderr);
		return 2;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	a.sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (a.sfd < 0)
		return 1;
	do {
		a.fd = connect_to(path, (unsigned int)(connect_ns / 1000000), again);
		if (a.fd < 0) {
			rc = again ? 0 : 1; /* closed and not back: as if --once */
			break;
		}
		log_simple("connected", "socket", path);
		/* Failover time is counted from the connection. */
		a.failover_at = failover_ns ? clock_ns(CLOCK_MONOTONIC) + failover_ns : 0;
		a.commit_at = 0;
		rc = run(&a);
		close(a.fd);
		again = (rc == RUN_EOF || rc == RUN_GONE) && !once;
		if (again)
			log_simple("reconnecting", "socket", path);
		rc = rc < 0 || (rc == RUN_GONE && once) ? 1 : 0;
	} while (again);
	printf("{\"event\":\"exit\",\"requests\":%llu,\"status\":%d",
	       (unsigned long long)a.requests, rc);
	event_end(clock_ns(CLOCK_REALTIME));
	close(a.sfd);
	return rc;
}
