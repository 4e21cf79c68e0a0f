// SPDX-License-Identifier: GPL-2.0-only
/*
 * `colo-xdp agent xen --xen-notify ADDR`: colo-xdp where QEMU's colo-compare stands in Xen COLO.
 * colo-compare's notify_dev is a chardev that QEMU serves (-chardev socket,...,server=on,
 * wait=off) and the Xen COLO frame connects to, so this adapter listens on ADDR (unix:PATH or
 * HOST:PORT) and serves one Xen peer at a time. Framing and texts: lib/xen_notify.h.
 * - COLO_USERSPACE_PROXY_INIT: answered with COLO_COMPARE_GET_XEN_INIT.
 * - A CHECKPOINT_REQUEST: DO_CHECKPOINT to Xen (ABORT when no Xen peer is connected, or when
 *   no COLO_CHECKPOINT follows within --checkpoint-timeout-ms).
 * - COLO_CHECKPOINT: Xen completed a checkpoint: BEGIN and COMMIT (flags 0) of the request in
 *   flight, or COMMIT txid 0 for one Xen took by itself.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agents/agent_client.h"
#include "agents/agents.h"
#include "cli.h"
#include "commands.h"
#include "lib/xen_notify.h"
#include "unix_listen.h"

struct xen {
	struct agent_client ac;
	int lfd, fd;
	struct xen_notify_dec dec;
	uint32_t txid;	   /* DO_CHECKPOINT sent for it, 0: none */
	uint64_t deadline; /* its COLO_CHECKPOINT must come by then */
	uint64_t timeout_ns;
	bool stop;
	int exit_code;
};

static void details(FILE *f)
{
	fprintf(f,
		"\n"
		"Stands where QEMU's colo-compare notify_dev stands in Xen COLO: listens on the\n"
		"address (as QEMU's server=on chardev does) for the Xen COLO frame, answers\n"
		"COLO_USERSPACE_PROXY_INIT, sends DO_CHECKPOINT on a checkpoint request and\n"
		"commits on COLO_CHECKPOINT. Messages: 4-byte big-endian length, then the text.\n");
}

struct xen_opts {
	struct agent_common common;
	const char *addr;
	uint64_t timeout_ms;
};

static const struct colo_opt xen_opt_table[] = {
	AGENT_COMMON_OPTS(struct xen_opts),
	{.name = "xen-notify",
	 .type = COLO_OPT_STR,
	 .offset = offsetof(struct xen_opts, addr),
	 .arg = "unix:PATH|HOST:PORT",
	 .help = "where the Xen COLO frame connects (required)"},
	{.name = "checkpoint-timeout-ms",
	 .type = COLO_OPT_U64,
	 .offset = offsetof(struct xen_opts, timeout_ms),
	 .arg = "N",
	 .help = "no COLO_CHECKPOINT this long after DO_CHECKPOINT: abort (default 10000)",
	 .min = 1,
	 .max = 86400000},
	COLO_OPT_END,
};

static const struct colo_cmd_spec xen_spec = {
	.name = "agent xen",
	.usage = "--socket AGENT_SOCKET --xen-notify unix:PATH|HOST:PORT [options]",
	.summary = "The Xen COLO adapter: colo-xdp where QEMU's colo-compare stood.",
	.opts = xen_opt_table,
};

static int listen_tcp(const char *addr)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
	char host[256];
	const char *colon = strrchr(addr, ':');
	int fd, one = 1, err;

	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		return -EINVAL;
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	if (getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai))
		return -EINVAL;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1)) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return err;
	}
	freeaddrinfo(ai);
	return fd;
}

static void send_text(struct xen *x, const char *text)
{
	uint8_t buf[XEN_NOTIFY_MAX + 4];
	int n = xen_notify_encode(text, buf, sizeof(buf));

	if (n > 0 && send(x->fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
		agent_log("%s not delivered to Xen: %s", text, strerror(errno));
}

static void abort_pending(struct xen *x, const char *why)
{
	if (!x->txid)
		return;
	agent_log("checkpoint %u aborted: %s", x->txid, why);
	agent_client_send(&x->ac, COLO_AGENT_CHECKPOINT_ABORT, x->txid, 0);
	x->txid = 0;
	x->deadline = 0;
}

static void drop_peer(struct xen *x, const char *why)
{
	agent_log("Xen peer gone (%s)", why);
	close(x->fd);
	x->fd = -1;
	abort_pending(x, "the Xen peer went away");
}

static void on_text(struct xen *x)
{
	switch (xen_notify_kind(x->dec.text, x->dec.len)) {
	case XEN_NOTIFY_MSG_INIT:
		agent_log("Xen: %s", XEN_NOTIFY_INIT);
		send_text(x, XEN_NOTIFY_INIT_REPLY);
		return;
	case XEN_NOTIFY_MSG_CHECKPOINT:
		if (x->txid) {
			agent_client_send(&x->ac, COLO_AGENT_CHECKPOINT_BEGIN, x->txid, 0);
			agent_client_send(&x->ac, COLO_AGENT_CHECKPOINT_COMMIT, x->txid, 0);
			agent_log("checkpoint %u committed", x->txid);
		} else if (agent_client_ready(&x->ac)) {
			agent_client_send(&x->ac, COLO_AGENT_CHECKPOINT_COMMIT, 0, 0);
			agent_log("checkpoint committed (started by Xen)");
		}
		x->txid = 0;
		x->deadline = 0;
		return;
	default:
		agent_log("Xen sent an unknown message (%u bytes): ignored", x->dec.len);
	}
}

static void peer_input(struct xen *x)
{
	uint8_t buf[1024], *p = buf;
	size_t used;
	ssize_t n = recv(x->fd, buf, sizeof(buf), MSG_DONTWAIT);
	int r;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop_peer(x, n == 0 ? "eof" : strerror(errno));
		return;
	}
	while (n > 0 && x->fd >= 0) {
		r = xen_notify_feed(&x->dec, p, (size_t)n, &used);
		p += used;
		n -= (ssize_t)used;
		if (r < 0) {
			drop_peer(x, "message longer than 256 bytes");
			return;
		}
		if (r == 1)
			on_text(x);
	}
}

static void accept_peer(struct xen *x)
{
	int fd = accept4(x->lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (x->fd >= 0) {
		agent_log("a second Xen peer refused: one is connected");
		close(fd);
		return;
	}
	x->fd = fd;
	xen_notify_dec_init(&x->dec);
	agent_log("Xen peer connected");
}

static void on_request(void *ctx, const struct colo_agent_msg *req)
{
	struct xen *x = ctx;

	if (x->fd < 0) {
		x->txid = req->txid;
		abort_pending(x, "no Xen peer connected");
		return;
	}
	x->txid = req->txid;
	x->deadline = colo_mono_ns() + x->timeout_ns;
	send_text(x, XEN_NOTIFY_DO);
}

static void on_agent_lost(void *ctx)
{
	struct xen *x = ctx;

	x->txid = 0; /* Xen's COLO_CHECKPOINT then commits as txid 0 */
	x->deadline = 0;
}

static int loop(struct xen *x, int sfd)
{
	struct pollfd p[4];
	uint64_t now, t;

	while (!x->stop) {
		now = colo_mono_ns();
		if (agent_client_tick(&x->ac, now))
			return COLO_EXIT_RUNTIME;
		if (x->deadline && now >= x->deadline)
			abort_pending(x, "no COLO_CHECKPOINT from Xen in time");
		t = agent_client_wait_ns(&x->ac, now);
		if (x->deadline)
			t = min_ns(t, x->deadline - now);
		p[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
		p[1] = (struct pollfd){.fd = agent_client_fd(&x->ac), .events = POLLIN};
		p[2] = (struct pollfd){.fd = x->lfd, .events = POLLIN};
		p[3] = (struct pollfd){.fd = x->fd, .events = POLLIN};
		if (poll(p, 4, agent_poll_ms(t)) < 0 && errno != EINTR)
			return COLO_EXIT_RUNTIME;
		if (p[0].revents)
			agent_on_signals(sfd, &x->stop);
		if (p[1].revents && agent_client_fd(&x->ac) == p[1].fd)
			agent_client_input(&x->ac);
		if (p[2].revents)
			accept_peer(x);
		if (p[3].revents && x->fd == p[3].fd)
			peer_input(x);
	}
	return x->exit_code;
}

int agent_xen_main(int argc, char **argv)
{
	struct xen_opts xo = {.timeout_ms = 10000};
	struct agent_client_ops aops = {.request = on_request, .lost = on_agent_lost};
	struct colo_opts_result res;
	const char *addr;
	static struct xen x;
	int sfd, rc = agent_parse(&xen_spec, argc, argv, &xo, &xo.common, &res, details);

	if (rc >= 0)
		return rc;
	addr = xo.addr;
	if (!addr) {
		cli_err(xen_spec.name, "--xen-notify unix:PATH|HOST:PORT is required");
		return COLO_EXIT_USAGE;
	}
	agent_log_kind("xen");
	memset(&x, 0, sizeof(x));
	x.fd = -1;
	x.timeout_ns = xo.timeout_ms * COLO_NS_PER_MS;
	x.lfd = !strncmp(addr, "unix:", 5) ? colo_unix_listen(addr + 5, 1) : listen_tcp(addr);
	if (x.lfd == -EINVAL) {
		cli_err(xen_spec.name, "--xen-notify: not unix:PATH or HOST:PORT: '%s'", addr);
		return COLO_EXIT_USAGE;
	}
	if (x.lfd < 0) {
		agent_log("cannot listen on %s: %s", addr, strerror(-x.lfd));
		return COLO_EXIT_RUNTIME;
	}
	agent_log("listening for the Xen COLO frame on %s", addr);
	aops.ctx = &x;
	agent_client_init(&x.ac, xo.common.socket, COLO_AGENT_FEATURE_ORIGIN,
			  xo.common.connect_timeout_ms, &aops);
	sfd = agent_signals();
	if (sfd < 0)
		return COLO_EXIT_RUNTIME;
	rc = loop(&x, sfd);
	agent_client_close(&x.ac);
	if (x.fd >= 0)
		close(x.fd);
	close(x.lfd);
	close(sfd);
	if (!strncmp(addr, "unix:", 5))
		unlink(addr + 5);
	return rc;
}
