// SPDX-License-Identifier: GPL-2.0-only
/* A QMP client connection (see qmp_conn.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agents/agent_client.h"
#include "agents/qmp_conn.h"

void qmp_conn_init(struct qmp_conn *q, const char *name, const char *path,
		   const struct qmp_conn_ops *ops)
{
	memset(q, 0, sizeof(*q));
	q->name = name;
	q->path = path;
	q->ops = *ops;
	q->fd = -1;
}

#define RETRY_MIN_NS (20 * COLO_NS_PER_MS)
#define RETRY_MAX_NS (2000 * COLO_NS_PER_MS)

/* The process group of the socket's server (SO_PEERCRED: the QEMU that listens), 0: unknown. */
static int peer_pgid(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	pid_t pgid;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid <= 0)
		return 0;
	pgid = getpgid(cred.pid);
	return pgid > 0 ? pgid : 0;
}

static int try_connect(struct qmp_conn *q)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd, err;

	if (strlen(q->path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, q->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	q->fd = fd;
	q->peer_pgid = peer_pgid(fd);
	q->ready = false;
	q->caps_id = 0;
	qmp_lines_init(&q->lines);
	return 0;
}

void qmp_conn_want(struct qmp_conn *q, bool wanted, uint64_t now)
{
	q->wanted = wanted;
	q->retry_at = now;
	q->retry_ns = RETRY_MIN_NS;
	q->logged_waiting = false;
}

void qmp_conn_tick(struct qmp_conn *q, uint64_t now)
{
	int err;

	if (!q->wanted || q->fd >= 0 || now < q->retry_at)
		return;
	err = try_connect(q);
	if (!err) {
		agent_log("%s QMP connected (%s)", q->name, q->path);
		return;
	}
	if (!q->logged_waiting) {
		agent_log("waiting for %s QMP at %s (%s)", q->name, q->path, strerror(-err));
		q->logged_waiting = true;
	}
	q->retry_at = now + q->retry_ns;
	q->retry_ns = q->retry_ns * 2 > RETRY_MAX_NS ? RETRY_MAX_NS : q->retry_ns * 2;
}

uint64_t qmp_conn_wait_ns(const struct qmp_conn *q, uint64_t now)
{
	if (!q->wanted || q->fd >= 0)
		return UINT64_MAX;
	return q->retry_at > now ? q->retry_at - now : 0;
}

void qmp_conn_close(struct qmp_conn *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	q->ready = false;
}

static void lose(struct qmp_conn *q, const char *why)
{
	qmp_conn_close(q);
	qmp_conn_want(q, q->wanted, colo_mono_ns());
	if (q->ops.lost)
		q->ops.lost(q->ops.ctx, q, why);
}

static int send_line(struct qmp_conn *q, const char *cmd, const json_t *args, uint64_t id)
{
	char *line = qmp_command(cmd, args, id);
	size_t len, off = 0;
	ssize_t n;

	if (!line)
		return -ENOMEM;
	len = strlen(line);
	/* Commands are a few hundred bytes: a socket buffer always takes one whole. */
	while (off < len) {
		n = send(q->fd, line + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(line);
			return -errno;
		}
		off += (size_t)n;
	}
	free(line);
	return 0;
}

uint64_t qmp_conn_send(struct qmp_conn *q, const char *cmd, const json_t *args)
{
	uint64_t id = ++q->next_id;
	int err;

	if (q->fd < 0 || !q->ready) {
		agent_log("%s QMP: %s not sent: not connected", q->name, cmd);
		return 0;
	}
	err = send_line(q, cmd, args, id);
	if (err) {
		agent_log("%s QMP: %s not sent: %s", q->name, cmd, strerror(-err));
		return 0;
	}
	return id;
}

/* Returns false when the connection was dropped. */
static bool on_line(struct qmp_conn *q, const char *line, size_t len)
{
	struct qmp_msg m;
	char why[QMP_ERR_DESC_LEN + 64];

	if (qmp_parse(line, len, &m, why, sizeof(why))) {
		lose(q, why);
		return false;
	}
	switch (m.kind) {
	case QMP_GREETING:
		q->caps_id = ++q->next_id;
		if (send_line(q, "qmp_capabilities", NULL, q->caps_id)) {
			qmp_msg_clear(&m);
			lose(q, "qmp_capabilities not sent");
			return false;
		}
		break;
	case QMP_RETURN:
	case QMP_ERROR:
		if (!q->ready && m.has_id && m.id == q->caps_id) {
			if (m.kind == QMP_ERROR) {
				snprintf(why, sizeof(why), "qmp_capabilities refused: %s",
					 m.err_desc);
				qmp_msg_clear(&m);
				lose(q, why);
				return false;
			}
			q->ready = true;
			q->retry_ns = RETRY_MIN_NS;
			if (q->ops.ready)
				q->ops.ready(q->ops.ctx, q);
		} else if (q->ops.reply) {
			q->ops.reply(q->ops.ctx, q, &m);
		}
		break;
	case QMP_EVENT:
		if (q->ops.event)
			q->ops.event(q->ops.ctx, q, &m);
		break;
	}
	qmp_msg_clear(&m);
	return q->fd >= 0;
}

void qmp_conn_input(struct qmp_conn *q)
{
	char buf[4096];
	const char *line;
	size_t off = 0;
	ssize_t n;
	long len;

	n = recv(q->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		lose(q, n == 0 ? "eof" : strerror(errno));
		return;
	}
	while (off < (size_t)n && q->fd >= 0) {
		off += qmp_lines_feed(&q->lines, buf + off, (size_t)n - off);
		while (q->fd >= 0 && (len = qmp_lines_next(&q->lines, &line)) >= 0)
			if (!on_line(q, line, (size_t)len))
				return;
		if (len == -EMSGSIZE) {
			lose(q, "QMP line longer than 64 KiB");
			return;
		}
	}
}
