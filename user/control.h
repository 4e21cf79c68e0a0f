/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket of a running instance, /run/colo-xdp/<instance>/control (unix stream,
 * 0600), protocol in docs/control-protocol.md. Non-blocking, served from the caller's poll()
 * loop: at most COLO_CTL_MAX_CLIENTS clients, one request at a time each, a client idle for
 * COLO_CTL_IDLE_MS is closed. The caller answers each parsed request with a reply line.
 */
#ifndef COLO_CONTROL_H
#define COLO_CONTROL_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "instance.h" /* COLO_RUN_DIR */
#include "lib/control_proto.h"

#define COLO_CTL_MAX_CLIENTS 8
#define COLO_CTL_IDLE_MS     30000u

/* Answers req with a malloc'd reply line (newline included, *len set), or NULL (internal error). */
typedef char *(*colo_ctl_answer_fn)(void *ctx, const struct colo_ctl_request *req, size_t *len);

struct colo_ctl_counters {
	uint64_t accepted;
	uint64_t refused; /* clients over COLO_CTL_MAX_CLIENTS: told busy, closed */
	uint64_t requests;
	uint64_t errors; /* requests answered with an error */
};

struct colo_ctl_srv;

/* Writes the control socket's path of instance into buf; -ENAMETOOLONG when it does not fit. */
int colo_ctl_path(const char *instance, char *buf, size_t len);

/*
 * Creates /run/colo-xdp/<instance>/ (each level 0700, kept when it exists) and listens there.
 * NULL with errno set on failure (EADDRINUSE: a live server holds the socket).
 */
struct colo_ctl_srv *colo_ctl_listen(const char *instance, colo_ctl_answer_fn answer, void *ctx);
/* Closes every client, unlinks the socket, removes the directory if this server created it. */
void colo_ctl_close(struct colo_ctl_srv *srv);

/* Fills up to max pollfds (1 + COLO_CTL_MAX_CLIENTS suffice); returns how many. */
int colo_ctl_fds(const struct colo_ctl_srv *srv, struct pollfd *pfds, int max);
/* Accepts, reads, answers and writes for the revents of pfds (from colo_ctl_fds). */
void colo_ctl_handle(struct colo_ctl_srv *srv, const struct pollfd *pfds, int n, uint64_t now_ns);

void colo_ctl_get_counters(const struct colo_ctl_srv *srv, struct colo_ctl_counters *c);

#endif /* COLO_CONTROL_H */
