// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dataplane's checkpoint agent server: one unix stream socket, one agent at a time,
 * non-blocking, driven by the caller's poll() loop. The protocol rules live in
 * lib/agent_wire.c and lib/agent_session.c; this file moves bytes and keeps the checkpoint request alive across
 * agent reconnects.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "unix_listen.h"
#include "lib/compare.h"

/* The daemon passes comparator values through unchanged: keep the enums in step. */
_Static_assert((int)COLO_AGENT_REASON_MISMATCH == (int)COLO_CP_MISMATCH &&
		       (int)COLO_AGENT_REASON_TIMEOUT == (int)COLO_CP_TIMEOUT &&
		       (int)COLO_AGENT_REASON_QUEUE_FULL == (int)COLO_CP_QUEUE_FULL &&
		       (int)COLO_AGENT_REASON_TABLE_FULL == (int)COLO_CP_TABLE_FULL &&
		       (int)COLO_AGENT_REASON_MAX == (int)COLO_CP_REASON_MAX,
	       "enum colo_agent_reason must match enum colo_cp_reason");
_Static_assert((int)COLO_AGENT_POS_NONE == (int)COLO_CP_POS_NONE &&
		       (int)COLO_AGENT_POS_STREAM == (int)COLO_CP_POS_STREAM &&
		       (int)COLO_AGENT_POS_SEQ == (int)COLO_CP_POS_SEQ,
	       "origin position kinds must match enum colo_cp_pos");
_Static_assert((unsigned int)COLO_AGENT_COMMIT_KEEP_STREAMS ==
		       (unsigned int)COLO_COMMIT_KEEP_STREAMS,
	       "commit flags must match enum colo_commit_flags");

/* Output queued per agent; an agent that lets it fill up is dropped. */
#define OUT_CAP (64 * 1024)
/* Bounds the work of one colo_agent_handle() call. */
#define READS_PER_CALL	16
#define ACCEPT_PAUSE_MS 100 /* rest of the listener when accept runs out of fds */

struct agent_conn {
	int fd;		      /* -1: no agent */
	uint64_t accepted_ns; /* CLOCK_MONOTONIC at accept */
	struct colo_agent_sess sess;
	struct colo_agent_dec dec;
	size_t out_len;
	uint8_t out[OUT_CAP];
};

struct colo_agent_srv {
	int lfd;
	char *path;
	struct colo_agent_ops ops;
	struct agent_conn c;
	/* The checkpoint request in flight: pending until sent, re-sent after a reconnect. */
	bool want;
	bool sent;
	uint32_t next_id;
	struct colo_agent_msg req;
	bool failed_over;
	uint64_t accept_paused_until; /* CLOCK_MONOTONIC ns: out of fds, the listener rests */
	struct colo_agent_counters cnt;
};

bool colo_agent_connected(const struct colo_agent_srv *srv)
{
	return srv->c.fd >= 0 && srv->c.sess.state != COLO_AGENT_ST_HELLO;
}

static void __attribute__((format(printf, 2, 3)))
srv_log(struct colo_agent_srv *srv, const char *fmt, ...)
{
	char line[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (srv->ops.log)
		srv->ops.log(srv->ops.ctx, line);
	else
		fprintf(stderr, "colo-xdp: agent: %s\n", line);
}

struct colo_agent_srv *colo_agent_listen(const char *path, const struct colo_agent_ops *ops)
{
	struct colo_agent_srv *srv = calloc(1, sizeof(*srv));
	int fd;

	if (!srv)
		return NULL;
	srv->path = strdup(path);
	fd = srv->path ? colo_unix_listen(path, 4) : -ENOMEM;
	if (fd < 0) {
		free(srv->path);
		free(srv);
		errno = -fd;
		return NULL;
	}
	srv->lfd = fd;
	srv->c.fd = -1;
	if (ops)
		srv->ops = *ops;
	return srv;
}

/* Writes what is queued; returns 0 or -errno when the connection is broken. */
static int flush_out(struct agent_conn *c)
{
	ssize_t n;

	while (c->out_len) {
		n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	return 0;
}

static void drop_conn(struct colo_agent_srv *srv, const char *why)
{
	struct agent_conn *c = &srv->c;
	bool was_connected = colo_agent_connected(srv);

	flush_out(c); /* best effort: the ERROR that explains why */
	close(c->fd);
	c->fd = -1;
	c->out_len = 0;
	/* The next agent gets the request again: the checkpoint is still needed. */
	srv->sent = false;
	if (was_connected && srv->ops.disconnected)
		srv->ops.disconnected(srv->ops.ctx, why);
}

/* Sequences, encodes and queues msg. Returns 0, or -errno after dropping the connection. */
static int send_msg(struct colo_agent_srv *srv, struct colo_agent_msg *msg)
{
	struct agent_conn *c = &srv->c;
	char why[192];
	int n;

	n = colo_agent_sess_tx(&c->sess, msg);
	if (n) {
		snprintf(why, sizeof(why), "cannot send %s: %s", colo_agent_type_name(msg->type),
			 c->sess.why);
		srv_log(srv, "%s; connection closed", why);
		drop_conn(srv, why);
		return n;
	}
	/* Full queue: hand what we can to the kernel before judging the agent. */
	if (OUT_CAP - c->out_len < COLO_AGENT_MAX_MSG && flush_out(c) < 0) {
		srv_log(srv, "agent connection write failed; connection closed");
		drop_conn(srv, "agent connection write failed");
		return -EPIPE;
	}
	if (OUT_CAP - c->out_len < COLO_AGENT_MAX_MSG) {
		srv->cnt.out_full++;
		srv_log(srv, "agent stopped reading (%zu bytes queued); connection closed",
			c->out_len);
		drop_conn(srv, "agent stopped reading");
		return -ENOBUFS;
	}
	n = colo_agent_encode(msg, c->out + c->out_len, OUT_CAP - c->out_len);
	if (n < 0) {
		/* The session already counted it: the peer's view would go out of step. */
		srv_log(srv, "cannot encode %s (%d); connection closed",
			colo_agent_type_name(msg->type), n);
		drop_conn(srv, "message failed to encode");
		return n;
	}
	c->out_len += (size_t)n;
	return 0;
}

/* Protocol violation: log one line, tell the agent why, close. */
static void violation(struct colo_agent_srv *srv, enum colo_agent_err code, const char *why)
{
	struct colo_agent_msg err;
	char line[192];

	srv->cnt.protocol_errors++;
	snprintf(line, sizeof(line), "protocol error (%s): %s", colo_agent_err_name(code), why);
	srv_log(srv, "%s; connection closed", line);
	colo_agent_msg_error(&err, code, why);
	/* ERROR is always sendable; its seq keeps the agent's decoder in step. */
	if (!colo_agent_sess_tx(&srv->c.sess, &err)) {
		int n = colo_agent_encode(&err, srv->c.out + srv->c.out_len,
					  OUT_CAP - srv->c.out_len);

		if (n > 0)
			srv->c.out_len += (size_t)n;
	}
	drop_conn(srv, line);
}

/* The request in the form this agent agreed to: with its origin only under ORIGIN. */
static int send_request(struct colo_agent_srv *srv)
{
	struct colo_agent_msg req = srv->req;
	int err;

	req.request.has_origin = req.request.has_origin && colo_agent_sess_origin(&srv->c.sess);
	err = send_msg(srv, &req);

	if (!err) {
		srv->sent = true;
		srv->cnt.requests++;
	}
	return err;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * A connection that never said HELLO must not hold the only agent slot forever: it gives
 * way when another connection arrives after COLO_AGENT_HELLO_TIMEOUT_MS.
 */
static bool silent_agent(const struct colo_agent_srv *srv)
{
	return srv->c.fd >= 0 && srv->c.sess.state == COLO_AGENT_ST_HELLO &&
	       now_ns() - srv->c.accepted_ns > COLO_AGENT_HELLO_TIMEOUT_MS * 1000000ull;
}

static void accept_agent(struct colo_agent_srv *srv, int fd)
{
	struct agent_conn *c = &srv->c;
	struct colo_agent_msg hello;

	c->fd = fd;
	c->accepted_ns = now_ns();
	c->out_len = 0;
	colo_agent_sess_init(&c->sess, COLO_AGENT_SIDE_DATAPLANE);
	colo_agent_dec_init(&c->dec);
	srv->cnt.accepted++;
	colo_agent_msg_hello(&hello, COLO_AGENT_FEATURE_ORIGIN);
	send_msg(srv, &hello);
}

/* Tells a second agent why it cannot stay, without disturbing the first. */
static void refuse_agent(struct colo_agent_srv *srv, int fd)
{
	struct colo_agent_sess sess;
	struct colo_agent_msg err;
	uint8_t buf[COLO_AGENT_MAX_MSG];
	int n;

	srv->cnt.refused++;
	srv_log(srv, "refused a second agent connection: one agent is served at a time");
	colo_agent_sess_init(&sess, COLO_AGENT_SIDE_DATAPLANE);
	colo_agent_msg_error(&err, COLO_AGENT_E_BUSY, "another agent is connected");
	if (!colo_agent_sess_tx(&sess, &err)) {
		n = colo_agent_encode(&err, buf, sizeof(buf));
		if (n > 0 && send(fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			srv_log(srv, "refusal not delivered: %s", strerror(errno));
	}
	close(fd);
}

static int accept_all(struct colo_agent_srv *srv)
{
	int fd;

	for (;;) {
		fd = accept4(srv->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				return 0;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* The pending connection stays readable: rest, or poll spins. */
				srv_log(srv, "accept: %s: not accepting for %u ms", strerror(errno),
					ACCEPT_PAUSE_MS);
				srv->accept_paused_until = now_ns() + ACCEPT_PAUSE_MS * 1000000ull;
				return 0;
			}
			return -errno;
		}
		if (silent_agent(srv)) {
			srv_log(srv,
				"agent sent no hello within %u ms: replaced by a new connection",
				COLO_AGENT_HELLO_TIMEOUT_MS);
			drop_conn(srv, "no hello");
		}
		if (srv->c.fd >= 0)
			refuse_agent(srv, fd);
		else
			accept_agent(srv, fd);
	}
}

/* Acknowledges msg; returns 0 while the connection lives. */
static int ack(struct colo_agent_srv *srv, const struct colo_agent_msg *msg)
{
	struct colo_agent_msg a;

	colo_agent_msg_ack(&a, msg);
	return send_msg(srv, &a);
}

/* The agent's HELLO: the agent counts as connected; a waiting request goes out. */
static void on_hello(struct colo_agent_srv *srv, const struct colo_agent_msg *msg)
{
	srv_log(srv, "agent connected (protocol %u, features 0x%x)", msg->hello.version,
		msg->hello.features);
	if (srv->ops.connected)
		srv->ops.connected(srv->ops.ctx, msg->hello.version, msg->hello.features);
	if (srv->c.fd >= 0 && srv->want && !srv->sent && !srv->failed_over)
		send_request(srv);
}

/* The checkpoint this message ends is no longer in flight. */
static void finish(struct colo_agent_srv *srv, const struct colo_agent_msg *msg)
{
	if (srv->want && msg->txid == srv->req.txid)
		srv->want = srv->sent = false;
}

/* Handles one decoded message that the session accepted. Returns -1 once dropped. */
static int dispatch(struct colo_agent_srv *srv, const struct colo_agent_msg *msg)
{
	const struct colo_agent_ops *o = &srv->ops;
	char why[COLO_AGENT_MAX_TEXT + 64];

	if (colo_agent_type_needs_ack(msg->type) && ack(srv, msg))
		return -1;
	switch (msg->type) {
	case COLO_AGENT_HELLO:
		on_hello(srv, msg);
		break;
	case COLO_AGENT_ERROR:
		snprintf(why, sizeof(why), "agent sent error %s: %s",
			 colo_agent_err_name(msg->error.code), msg->error.text);
		srv_log(srv, "%s; connection closed", why);
		drop_conn(srv, why);
		return -1;
	case COLO_AGENT_CHECKPOINT_BEGIN:
		if (o->begin)
			o->begin(o->ctx, msg->txid);
		break;
	case COLO_AGENT_CHECKPOINT_COMMIT:
		srv->cnt.commits++;
		finish(srv, msg);
		if (o->commit)
			o->commit(o->ctx, msg->txid, msg->commit.flags);
		break;
	case COLO_AGENT_CHECKPOINT_ABORT:
		srv->cnt.aborts++;
		finish(srv, msg);
		if (o->abort)
			o->abort(o->ctx, msg->txid);
		break;
	case COLO_AGENT_FAILOVER:
		srv_log(srv, "agent declared failover");
		srv->failed_over = true;
		srv->want = srv->sent = false;
		if (o->failover)
			o->failover(o->ctx);
		break;
	default:
		break; /* ACK: the session matched it */
	}
	return srv->c.fd >= 0 ? 0 : -1;
}

/* Decodes and handles bytes from the agent. Returns -1 once the connection was dropped. */
static int consume(struct colo_agent_srv *srv, const uint8_t *data, size_t len)
{
	struct agent_conn *c = &srv->c;
	struct colo_agent_msg msg;
	size_t used;
	int r;

	while (len) {
		r = colo_agent_dec_feed(&c->dec, data, len, &used, &msg);
		data += used;
		len -= used;
		if (r < 0) {
			violation(srv, c->dec.err, c->dec.why);
			return -1;
		}
		if (r == 0)
			break;
		if (colo_agent_sess_rx(&c->sess, &msg)) {
			violation(srv, c->sess.err, c->sess.why);
			return -1;
		}
		if (dispatch(srv, &msg))
			return -1;
	}
	return 0;
}

static void read_agent(struct colo_agent_srv *srv)
{
	uint8_t buf[4096];
	char why[96];
	ssize_t n;
	int i;

	for (i = 0; i < READS_PER_CALL; i++) {
		n = recv(srv->c.fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			snprintf(why, sizeof(why), "agent connection %s",
				 n == 0 ? "closed by the agent" : strerror(errno));
			srv_log(srv, "%s", why);
			drop_conn(srv, why);
			return;
		}
		if (consume(srv, buf, (size_t)n))
			return;
	}
}

static void serve_conn(struct colo_agent_srv *srv, short revents)
{
	char why[96];
	int err;

	if (revents & (POLLIN | POLLHUP | POLLERR))
		read_agent(srv);
	if (srv->c.fd < 0)
		return;
	err = flush_out(&srv->c);
	if (err) {
		snprintf(why, sizeof(why), "agent connection write failed: %s", strerror(-err));
		srv_log(srv, "%s", why);
		drop_conn(srv, why);
	}
}

int colo_agent_fds(const struct colo_agent_srv *srv, struct pollfd *pfds, int max)
{
	int n = 0;

	if (n < max)
		pfds[n++] = (struct pollfd){
			.fd = now_ns() < srv->accept_paused_until ? -1 : srv->lfd,
			.events = POLLIN,
		};
	if (n < max && srv->c.fd >= 0)
		pfds[n++] = (struct pollfd){
			.fd = srv->c.fd,
			.events = (short)(POLLIN | (srv->c.out_len ? POLLOUT : 0)),
		};
	return n;
}

int colo_agent_handle(struct colo_agent_srv *srv, const struct pollfd *pfds, int n)
{
	int i;

	/* The agent first: a listener accept below may reuse the number of a closed agent fd. */
	for (i = 0; i < n; i++)
		if (srv->c.fd >= 0 && pfds[i].fd == srv->c.fd && pfds[i].revents)
			serve_conn(srv, pfds[i].revents);
	for (i = 0; i < n; i++) {
		if (pfds[i].fd != srv->lfd || !pfds[i].revents)
			continue;
		if (pfds[i].revents & (POLLERR | POLLNVAL))
			return -EIO;
		return accept_all(srv);
	}
	return 0;
}

int colo_agent_request(struct colo_agent_srv *srv, enum colo_agent_reason reason,
		       const struct colo_flow_key *flow, const struct colo_agent_origin *origin,
		       uint64_t time_ns, uint32_t *id)
{
	uint8_t scratch[COLO_AGENT_MAX_MSG];
	struct colo_agent_msg req;

	if (srv->failed_over)
		return -ESHUTDOWN;
	if (srv->want)
		return -EBUSY;
	/* A key without an IP family names no flow. */
	if (flow && flow->family != 4 && flow->family != 6)
		flow = NULL;
	colo_agent_msg_request(&req, srv->next_id + 1, reason, flow, time_ns);
	if (origin)
		colo_agent_msg_request_origin(&req, origin);
	/* Reason out of range, IPv4 key not IPv4-mapped: refuse before anything changes. */
	if (colo_agent_encode(&req, scratch, sizeof(scratch)) < 0)
		return -EINVAL;
	srv->req = req;
	srv->next_id++;
	srv->want = true;
	srv->sent = false;
	if (id)
		*id = srv->req.txid;
	if (!colo_agent_connected(srv))
		return -ENOTCONN;
	if (send_request(srv))
		return -ENOTCONN; /* the agent was dropped; the request waits for the next */
	flush_out(&srv->c);
	return 0;
}

bool colo_agent_in_flight(const struct colo_agent_srv *srv)
{
	return srv->want;
}

void colo_agent_get_counters(const struct colo_agent_srv *srv, struct colo_agent_counters *c)
{
	*c = srv->cnt;
}

void colo_agent_close(struct colo_agent_srv *srv)
{
	if (!srv)
		return;
	if (srv->c.fd >= 0)
		close(srv->c.fd);
	close(srv->lfd);
	unlink(srv->path);
	free(srv->path);
	free(srv);
}
