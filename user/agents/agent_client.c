// SPDX-License-Identifier: GPL-2.0-only
/* The adapter's connection to the dataplane, with reconnects (see agent_client.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agents/agent_client.h"

const char *agent_kind = "?";

void agent_log_kind(const char *kind)
{
	agent_kind = kind;
	colo_log_to_stderr();
}

uint64_t min_ns(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

int agent_poll_ms(uint64_t t)
{
	if (t == UINT64_MAX)
		return -1;
	return t / COLO_NS_PER_MS >= 60000 ? 60000
					   : (int)((t + COLO_NS_PER_MS - 1) / COLO_NS_PER_MS);
}

void agent_client_init(struct agent_client *c, const char *path, uint32_t features,
		       uint64_t give_up_ms, const struct agent_client_ops *ops)
{
	memset(c, 0, sizeof(*c));
	c->path = path;
	c->features = features;
	c->give_up_ms = give_up_ms;
	c->ops = *ops;
	c->fd = -1;
	c->backoff_ms = AGENT_BACKOFF_MIN_MS;
	c->unreachable_since = colo_mono_ns();
}

int agent_client_fd(const struct agent_client *c)
{
	return c->fd;
}

bool agent_client_ready(const struct agent_client *c)
{
	return c->fd >= 0 && c->sess.state != COLO_AGENT_ST_HELLO;
}

static int write_msg(struct agent_client *c, struct colo_agent_msg *m)
{
	uint8_t buf[COLO_AGENT_MAX_MSG];
	int n;

	if (colo_agent_sess_tx(&c->sess, m)) {
		agent_log("not sent (%s): %s", colo_agent_err_name(c->sess.err), c->sess.why);
		return -EPROTO;
	}
	n = colo_agent_encode(m, buf, sizeof(buf));
	if (n < 0)
		return n;
	/* Messages are small and the dataplane reads at once: a short send means it is gone. */
	if (send(c->fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n)
		return -EPIPE;
	return 0;
}

static void drop(struct agent_client *c, const char *why)
{
	bool was_ready = agent_client_ready(c);

	agent_log("dataplane connection lost (%s): reconnecting", why);
	close(c->fd);
	c->fd = -1;
	c->backoff_ms = AGENT_BACKOFF_MIN_MS;
	c->next_try_ns = colo_mono_ns() + (uint64_t)c->backoff_ms * COLO_NS_PER_MS;
	c->unreachable_since = colo_mono_ns();
	c->logged_waiting = false;
	if (was_ready && c->ops.lost)
		c->ops.lost(c->ops.ctx);
}

/* A protocol violation by the dataplane: ERROR with the reason, then reconnect. */
static void violation(struct agent_client *c, enum colo_agent_err code, const char *why)
{
	struct colo_agent_msg err;
	char line[192];

	snprintf(line, sizeof(line), "protocol error (%s): %s", colo_agent_err_name(code), why);
	colo_agent_msg_error(&err, code, why);
	write_msg(c, &err);
	drop(c, line);
}

static int try_connect(struct agent_client *c)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct colo_agent_msg hello;
	int fd;

	if (strlen(c->path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, c->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	c->fd = fd;
	colo_agent_sess_init(&c->sess, COLO_AGENT_SIDE_AGENT);
	colo_agent_dec_init(&c->dec);
	colo_agent_msg_hello(&hello, c->features);
	if (write_msg(c, &hello)) {
		drop(c, "hello not delivered");
		return -EPIPE;
	}
	agent_log("connected to %s", c->path);
	return 0;
}

int agent_client_tick(struct agent_client *c, uint64_t now)
{
	int err;

	if (c->fd >= 0 || now < c->next_try_ns)
		return 0;
	err = try_connect(c);
	if (!err)
		return 0;
	if (!c->logged_waiting) {
		agent_log("waiting for the dataplane at %s (%s)", c->path, strerror(-err));
		c->logged_waiting = true;
	}
	if (c->give_up_ms && now - c->unreachable_since >= c->give_up_ms * COLO_NS_PER_MS) {
		agent_log("no dataplane at %s for %llu ms: giving up", c->path,
			  (unsigned long long)c->give_up_ms);
		return -ETIMEDOUT;
	}
	c->next_try_ns = now + (uint64_t)c->backoff_ms * COLO_NS_PER_MS;
	c->backoff_ms =
		c->backoff_ms * 2 > AGENT_BACKOFF_MAX_MS ? AGENT_BACKOFF_MAX_MS : c->backoff_ms * 2;
	return 0;
}

uint64_t agent_client_wait_ns(const struct agent_client *c, uint64_t now)
{
	if (c->fd >= 0)
		return UINT64_MAX;
	return c->next_try_ns > now ? c->next_try_ns - now : 0;
}

static void on_msg(struct agent_client *c, struct colo_agent_msg *m)
{
	struct colo_agent_msg ack;
	char flow[COLO_AGENT_FLOW_STR_LEN];

	if (colo_agent_sess_rx(&c->sess, m)) {
		violation(c, c->sess.err, c->sess.why);
		return;
	}
	switch (m->type) {
	case COLO_AGENT_HELLO:
		agent_log("dataplane hello (protocol %u, features 0x%x%s)", m->hello.version,
			  m->hello.features, colo_agent_sess_origin(&c->sess) ? ", origin" : "");
		c->backoff_ms = AGENT_BACKOFF_MIN_MS;
		return;
	case COLO_AGENT_ERROR:
		agent_log("dataplane sent error %s: %s", colo_agent_err_name(m->error.code),
			  m->error.text);
		drop(c, "error from the dataplane");
		return;
	case COLO_AGENT_CHECKPOINT_REQUEST:
		colo_agent_msg_ack(&ack, m);
		if (write_msg(c, &ack)) {
			drop(c, "ack not delivered");
			return;
		}
		agent_log("checkpoint %u requested: reason=%s flow=%s", m->txid,
			  colo_agent_reason_name(m->request.reason),
			  colo_agent_flow_str(&m->request.flow, flow, sizeof(flow)));
		if (c->ops.request)
			c->ops.request(c->ops.ctx, m);
		return;
	default:
		return; /* ACK: the session matched it */
	}
}

void agent_client_input(struct agent_client *c)
{
	struct colo_agent_msg m;
	uint8_t buf[4096], *p = buf;
	size_t used;
	ssize_t n;
	int r;

	n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop(c, n == 0 ? "eof" : strerror(errno));
		return;
	}
	while (n > 0 && c->fd >= 0) {
		r = colo_agent_dec_feed(&c->dec, p, (size_t)n, &used, &m);
		p += used;
		n -= (ssize_t)used;
		if (r < 0) {
			violation(c, c->dec.err, c->dec.why);
			return;
		}
		if (r == 1)
			on_msg(c, &m);
	}
}

int agent_client_send(struct agent_client *c, enum colo_agent_type type, uint32_t txid,
		      uint32_t flags)
{
	struct colo_agent_msg m;
	int err;

	if (!agent_client_ready(c))
		return -ENOTCONN;
	if (type == COLO_AGENT_CHECKPOINT_COMMIT)
		colo_agent_msg_commit(&m, txid, flags);
	else
		colo_agent_msg_simple(&m, type, txid);
	err = write_msg(c, &m);
	if (err == -EPIPE)
		drop(c, "send failed");
	return err;
}

void agent_client_close(struct agent_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
