// SPDX-License-Identifier: GPL-2.0-only
/*
 * agent_dataplane: the dataplane's side of the agent protocol without the dataplane. It runs
 * the daemon's own agent socket server (user/agent.c) and nothing else, so the adapters can be
 * tested end to end without BPF or root. Commands on stdin, one per line:
 *   request [mismatch|timeout|queue_full|table_full]   ask for a checkpoint (flow tcp
 *                                                      10.77.0.2:80 > 10.77.0.1:40000, origin
 *                                                      side primary, stream byte 1234)
 *   quit                                               exit 0 (stdin EOF: the same)
 * Every event is one JSON line on stdout, flushed at once: listening, connected (features),
 * requested (id, rc), begin, commit (id, flags), abort, failover, disconnected (why).
 * Usage: agent_dataplane --socket PATH
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void on_connected(void *ctx, uint16_t version, uint32_t features)
{
	(void)ctx;
	out("{\"event\":\"connected\",\"version\":%u,\"features\":%u}", version, features);
}

static void on_disconnected(void *ctx, const char *why)
{
	(void)ctx;
	out("{\"event\":\"disconnected\",\"why\":\"%s\"}", why);
}

static void on_begin(void *ctx, uint32_t id)
{
	(void)ctx;
	out("{\"event\":\"begin\",\"id\":%u}", id);
}

static void on_commit(void *ctx, uint32_t id, uint32_t flags)
{
	(void)ctx;
	out("{\"event\":\"commit\",\"id\":%u,\"flags\":%u}", id, flags);
}

static void on_abort(void *ctx, uint32_t id)
{
	(void)ctx;
	out("{\"event\":\"abort\",\"id\":%u}", id);
}

static void on_failover(void *ctx)
{
	(void)ctx;
	out("{\"event\":\"failover\"}");
}

static int reason_of(const char *s)
{
	unsigned int r;

	for (r = 0; r < COLO_AGENT_REASON_MAX; r++)
		if (!strcmp(s, colo_agent_reason_name(r)))
			return (int)r;
	return -1;
}

static void request(struct colo_agent_srv *srv, const char *arg)
{
	struct colo_flow_key f = {.family = 4, .proto = 6};
	struct colo_agent_origin o = {.side = 0, .pos_kind = COLO_AGENT_POS_STREAM, .pos = 1234};
	struct timespec ts;
	int reason = *arg ? reason_of(arg) : 0;
	uint32_t id = 0;
	int rc;

	f.sport = htons(80);
	f.dport = htons(40000);
	f.saddr[10] = f.saddr[11] = f.daddr[10] = f.daddr[11] = 0xff;
	memcpy(f.saddr + 12, "\x0a\x4d\x00\x02", 4);
	memcpy(f.daddr + 12, "\x0a\x4d\x00\x01", 4);
	if (reason < 0) {
		out("{\"event\":\"bad_command\"}");
		return;
	}
	if (reason == COLO_AGENT_REASON_TIMEOUT)
		o.waited_ns = 3000000000ull;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	rc = colo_agent_request(srv, (enum colo_agent_reason)reason, &f, &o,
				(uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec, &id);
	out("{\"event\":\"requested\",\"id\":%u,\"rc\":%d}", id, rc);
}

/* Returns 1 on quit. */
static int command(struct colo_agent_srv *srv, char *line)
{
	line[strcspn(line, "\r\n")] = '\0';
	if (!strcmp(line, "quit"))
		return 1;
	if (!strncmp(line, "request", 7))
		request(srv, line[7] == ' ' ? line + 8 : "");
	else
		out("{\"event\":\"bad_command\"}");
	return 0;
}

int main(int argc, char **argv)
{
	const struct colo_agent_ops ops = {
		.connected = on_connected,
		.disconnected = on_disconnected,
		.begin = on_begin,
		.commit = on_commit,
		.abort = on_abort,
		.failover = on_failover,
	};
	struct colo_agent_srv *srv;
	struct pollfd p[3];
	char line[256];
	int n, rc = 0;

	if (argc != 3 || strcmp(argv[1], "--socket")) {
		fprintf(stderr, "usage: agent_dataplane --socket PATH\n");
		return 2;
	}
	srv = colo_agent_listen(argv[2], &ops);
	if (!srv) {
		fprintf(stderr, "agent_dataplane: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	out("{\"event\":\"listening\"}");
	for (;;) {
		p[0] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
		n = 1 + colo_agent_fds(srv, p + 1, 2);
		if (poll(p, (nfds_t)n, 100) < 0 && errno != EINTR)
			break;
		if (colo_agent_handle(srv, p + 1, n - 1) < 0) {
			rc = 1;
			break;
		}
		if (p[0].revents && (!fgets(line, sizeof(line), stdin) || command(srv, line)))
			break;
	}
	colo_agent_close(srv);
	return rc;
}
