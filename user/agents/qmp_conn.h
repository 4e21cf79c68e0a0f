/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A QMP client connection over a unix socket (QEMU's -qmp unix:PATH,server=on,wait=off, which
 * serves one client at a time): connect, read the greeting, negotiate qmp_capabilities, then
 * send commands with numeric ids and hand replies and events to the owner. While wanted, a
 * lost or absent connection is tried again with backoff (20 ms doubling to 2 s).
 * Non-blocking, poll-driven.
 */
#ifndef COLO_QMP_CONN_H
#define COLO_QMP_CONN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/qmp.h"

struct qmp_conn;

struct qmp_conn_ops {
	void *ctx;
	/* Capabilities negotiated: commands may be sent. */
	void (*ready)(void *ctx, struct qmp_conn *q);
	/* A reply (RETURN or ERROR) to a command qmp_conn_send() sent. */
	void (*reply)(void *ctx, struct qmp_conn *q, const struct qmp_msg *m);
	void (*event)(void *ctx, struct qmp_conn *q, const struct qmp_msg *m);
	/* EOF, a socket error or a malformed stream: the fd is closed. */
	void (*lost)(void *ctx, struct qmp_conn *q, const char *why);
};

struct qmp_conn {
	const char *name; /* "primary", "secondary": for logs */
	const char *path;
	struct qmp_conn_ops ops;
	int fd;
	int peer_pgid; /* the last session's server's process group (SO_PEERCRED), 0: unknown */
	bool ready;
	bool wanted;	     /* keep (re)connecting */
	bool logged_waiting; /* "waiting for" logged once per outage */
	uint64_t retry_at;   /* next attempt, CLOCK_MONOTONIC ns */
	uint64_t retry_ns;   /* backoff */
	uint64_t next_id;
	uint64_t caps_id;
	struct qmp_lines lines;
};

void qmp_conn_init(struct qmp_conn *q, const char *name, const char *path,
		   const struct qmp_conn_ops *ops);
/* Starts (or stops) connecting: the first attempt is due at now. */
void qmp_conn_want(struct qmp_conn *q, bool wanted, uint64_t now);
/* A connect attempt when wanted, not connected and due. */
void qmp_conn_tick(struct qmp_conn *q, uint64_t now);
/* ns until qmp_conn_tick() has something to do (UINT64_MAX: nothing). */
uint64_t qmp_conn_wait_ns(const struct qmp_conn *q, uint64_t now);
/* The fd is readable. */
void qmp_conn_input(struct qmp_conn *q);
/* Sends a command; returns its id (> 0), or 0 when not ready or the send failed (logged). */
uint64_t qmp_conn_send(struct qmp_conn *q, const char *cmd, const json_t *args);
/* Closes without calling lost(). */
void qmp_conn_close(struct qmp_conn *q);

#endif /* COLO_QMP_CONN_H */
