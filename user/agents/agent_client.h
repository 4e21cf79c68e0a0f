/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The adapter's end of the checkpoint agent protocol (docs/agent-protocol.md): connects to the
 * dataplane's agent socket, says HELLO, acknowledges what needs it, hands each
 * CHECKPOINT_REQUEST to the adapter and sends its BEGIN/COMMIT/ABORT/FAILOVER. Whenever the
 * dataplane goes away (EOF, error, a protocol violation) it reconnects with backoff (50 ms,
 * doubling to 2 s); the dataplane sends a request that was pending again after the new HELLO.
 * Non-blocking, driven from the adapter's poll loop; one log line per event on stderr.
 */
#ifndef COLO_AGENT_CLIENT_H
#define COLO_AGENT_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "log.h"
#include "lib/agent_session.h"

#define AGENT_BACKOFF_MIN_MS 50
#define AGENT_BACKOFF_MAX_MS 2000

struct agent_client_ops {
	void *ctx;
	/* A CHECKPOINT_REQUEST, already acknowledged. */
	void (*request)(void *ctx, const struct colo_agent_msg *req);
	/* The connection is gone; a checkpoint in flight is no longer the dataplane's. */
	void (*lost)(void *ctx);
};

struct agent_client {
	const char *path;
	uint32_t features;   /* announced in our HELLO */
	uint64_t give_up_ms; /* 0: retry for ever; else the longest time without a dataplane */
	struct agent_client_ops ops;
	int fd;			    /* -1: not connected */
	uint64_t next_try_ns;	    /* CLOCK_MONOTONIC of the next connect attempt */
	uint64_t unreachable_since; /* CLOCK_MONOTONIC when the dataplane was last lost */
	unsigned int backoff_ms;
	bool logged_waiting;
	struct colo_agent_sess sess;
	struct colo_agent_dec dec;
};

/* The adapter's name in its log lines ("qemu", ...); set once, logging to stderr from then on. */
void agent_log_kind(const char *kind);
extern const char *agent_kind;
/* "colo-xdp: agent KIND: ..." through the logger, on stderr (agent_log_kind()). */
#define agent_log(fmt, ...) colo_info("agent %s: " fmt, agent_kind, ##__VA_ARGS__)
uint64_t min_ns(uint64_t a, uint64_t b);
/* A poll() timeout for t ns (UINT64_MAX: -1, none), rounded up to whole ms. */
int agent_poll_ms(uint64_t t);

void agent_client_init(struct agent_client *c, const char *path, uint32_t features,
		       uint64_t give_up_ms, const struct agent_client_ops *ops);
/* The fd to poll for input, or -1. */
int agent_client_fd(const struct agent_client *c);
/* Connects when due. Returns 0, or -ETIMEDOUT once the dataplane stayed away give_up_ms. */
int agent_client_tick(struct agent_client *c, uint64_t now);
/* ns until agent_client_tick() has something to do (UINT64_MAX: nothing). */
uint64_t agent_client_wait_ns(const struct agent_client *c, uint64_t now);
/* The fd is readable: reads, decodes, acknowledges and dispatches. */
void agent_client_input(struct agent_client *c);
/* True once the dataplane's HELLO arrived (messages other than HELLO may be sent). */
bool agent_client_ready(const struct agent_client *c);
/*
 * Sends BEGIN, ABORT (txid), COMMIT (txid, flags) or FAILOVER. Returns 0, -ENOTCONN when not
 * connected, or -EPROTO when the session refuses it (logged; the message is not sent).
 */
int agent_client_send(struct agent_client *c, enum colo_agent_type type, uint32_t txid,
		      uint32_t flags);
void agent_client_close(struct agent_client *c);

#endif /* COLO_AGENT_CLIENT_H */
