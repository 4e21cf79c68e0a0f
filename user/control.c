// SPDX-License-Identifier: GPL-2.0-only
/* The control socket server (see control.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "unix_listen.h"

#define ACCEPTS_PER_CALL 4

struct ctl_client {
	int fd; /* -1: free slot */
	uint64_t last_ns;
	bool closing; /* close once the reply is written */
	size_t in_len;
	char in[COLO_CTL_REQUEST_MAX];
	char *out;
	size_t out_len, out_off;
};

struct colo_ctl_srv {
	int lfd;
	char path[108];
	char dir[96];
	bool made_dir; /* this server created dir: it removes it */
	colo_ctl_answer_fn answer;
	void *ctx;
	struct ctl_client cl[COLO_CTL_MAX_CLIENTS];
	struct colo_ctl_counters cnt;
};

int colo_ctl_path(const char *instance, char *buf, size_t len)
{
	int n = snprintf(buf, len, COLO_RUN_DIR "/%s/control", instance);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* mkdir that accepts an existing directory; true in *made when this call created it. */
static int make_dir(const char *path, bool *made)
{
	struct stat st;

	*made = mkdir(path, 0700) == 0;
	if (*made)
		return 0;
	if (errno != EEXIST)
		return -errno;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

struct colo_ctl_srv *colo_ctl_listen(const char *instance, colo_ctl_answer_fn answer, void *ctx)
{
	struct colo_ctl_srv *srv = calloc(1, sizeof(*srv));
	bool made_root;
	int i, err;

	if (!srv)
		return NULL;
	srv->answer = answer;
	srv->ctx = ctx;
	for (i = 0; i < COLO_CTL_MAX_CLIENTS; i++)
		srv->cl[i].fd = -1;
	err = colo_ctl_path(instance, srv->path, sizeof(srv->path));
	if (!err)
		err = snprintf(srv->dir, sizeof(srv->dir), COLO_RUN_DIR "/%s", instance) <
				      (int)sizeof(srv->dir)
			      ? 0
			      : -ENAMETOOLONG;
	if (!err)
		err = make_dir(COLO_RUN_DIR, &made_root);
	if (!err)
		err = make_dir(srv->dir, &srv->made_dir);
	if (!err) {
		srv->lfd = colo_unix_listen(srv->path, COLO_CTL_MAX_CLIENTS);
		err = srv->lfd < 0 ? srv->lfd : 0;
	}
	if (err) {
		if (srv->made_dir)
			rmdir(srv->dir);
		free(srv);
		errno = -err;
		return NULL;
	}
	return srv;
}

static void client_close(struct ctl_client *c)
{
	close(c->fd);
	free(c->out);
	*c = (struct ctl_client){.fd = -1};
}

void colo_ctl_close(struct colo_ctl_srv *srv)
{
	int i;

	if (!srv)
		return;
	for (i = 0; i < COLO_CTL_MAX_CLIENTS; i++)
		if (srv->cl[i].fd >= 0)
			client_close(&srv->cl[i]);
	close(srv->lfd);
	unlink(srv->path);
	/* Only what this process created; a directory others put files in stays (ENOTEMPTY). */
	if (srv->made_dir)
		rmdir(srv->dir);
	free(srv);
}

int colo_ctl_fds(const struct colo_ctl_srv *srv, struct pollfd *pfds, int max)
{
	int i, n = 0;

	if (n < max)
		pfds[n++] = (struct pollfd){.fd = srv->lfd, .events = POLLIN};
	for (i = 0; i < COLO_CTL_MAX_CLIENTS && n < max; i++) {
		const struct ctl_client *c = &srv->cl[i];

		if (c->fd >= 0)
			pfds[n++] =
				(struct pollfd){.fd = c->fd, .events = c->out ? POLLOUT : POLLIN};
	}
	return n;
}

/* Writes what is queued; false when the client must be closed. */
static bool client_flush(struct ctl_client *c)
{
	ssize_t n;

	while (c->out && c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		c->out_off += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	return !c->closing;
}

static void client_reply_error(struct colo_ctl_srv *srv, struct ctl_client *c,
			       enum colo_ctl_error err, const char *why)
{
	srv->cnt.errors++;
	c->out = colo_ctl_reply_error(err, why, &c->out_len);
	c->out_off = 0;
	if (!c->out)
		c->closing = true;
}

static void client_request(struct colo_ctl_srv *srv, struct ctl_client *c, size_t line_len)
{
	struct colo_ctl_request req;
	enum colo_ctl_error err;
	char why[160];

	srv->cnt.requests++;
	err = colo_ctl_request_parse(c->in, line_len, &req, why, sizeof(why));
	if (err) {
		client_reply_error(srv, c, err, why);
	} else {
		c->out = srv->answer(srv->ctx, &req, &c->out_len);
		c->out_off = 0;
		if (!c->out)
			client_reply_error(srv, c, COLO_CTL_E_INTERNAL,
					   "no reply (out of memory?)");
	}
	memmove(c->in, c->in + line_len + 1, c->in_len - line_len - 1);
	c->in_len -= line_len + 1;
}

/* Reads and answers one request; false when the client must be closed. */
static bool client_read(struct colo_ctl_srv *srv, struct ctl_client *c)
{
	char *nl;
	ssize_t n;

	n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
	if (n == 0)
		return false;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	c->in_len += (size_t)n;
	nl = memchr(c->in, '\n', c->in_len);
	if (nl) {
		client_request(srv, c, (size_t)(nl - c->in));
	} else if (c->in_len == sizeof(c->in)) {
		client_reply_error(srv, c, COLO_CTL_E_TOO_LARGE, "request line too long");
		c->closing = true;
	}
	return client_flush(c);
}

static void accept_clients(struct colo_ctl_srv *srv, uint64_t now_ns)
{
	struct ctl_client *c, busy = {.closing = true};
	int i, k, fd;

	for (k = 0; k < ACCEPTS_PER_CALL; k++) {
		fd = accept4(srv->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (i = 0; i < COLO_CTL_MAX_CLIENTS && srv->cl[i].fd >= 0; i++)
			;
		if (i == COLO_CTL_MAX_CLIENTS) {
			/* Best effort: one line saying why, then closed. */
			srv->cnt.refused++;
			busy.fd = fd;
			client_reply_error(srv, &busy, COLO_CTL_E_BUSY, "too many clients");
			client_flush(&busy);
			free(busy.out);
			close(fd);
			continue;
		}
		srv->cnt.accepted++;
		c = &srv->cl[i];
		*c = (struct ctl_client){.fd = fd, .last_ns = now_ns};
	}
}

static struct ctl_client *client_of(struct colo_ctl_srv *srv, int fd)
{
	int i;

	for (i = 0; i < COLO_CTL_MAX_CLIENTS; i++)
		if (srv->cl[i].fd == fd)
			return &srv->cl[i];
	return NULL;
}

void colo_ctl_handle(struct colo_ctl_srv *srv, const struct pollfd *pfds, int n, uint64_t now_ns)
{
	struct ctl_client *c;
	bool keep;
	int i;

	for (i = 0; i < n; i++) {
		if (!pfds[i].revents)
			continue;
		if (pfds[i].fd == srv->lfd) {
			accept_clients(srv, now_ns);
			continue;
		}
		c = client_of(srv, pfds[i].fd);
		if (!c)
			continue;
		if (pfds[i].revents & POLLOUT)
			keep = client_flush(c);
		else if (pfds[i].revents & POLLIN)
			keep = client_read(srv, c);
		else
			keep = false; /* POLLHUP/POLLERR without data */
		if (keep)
			c->last_ns = now_ns;
		else
			client_close(c);
	}
	for (i = 0; i < COLO_CTL_MAX_CLIENTS; i++) {
		c = &srv->cl[i];
		if (c->fd >= 0 && now_ns - c->last_ns > COLO_CTL_IDLE_MS * 1000000ull)
			client_close(c);
	}
}

void colo_ctl_get_counters(const struct colo_ctl_srv *srv, struct colo_ctl_counters *c)
{
	*c = srv->cnt;
}
