/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dataplane's end of the checkpoint agent protocol: a unix stream socket server (mode
 * 0600) that serves one agent at a time, non-blocking, driven from the caller's poll() loop.
 *
 * - A second agent that connects while one is served gets an ERROR (busy) and is closed: a
 *   stray client cannot take over a running agent's checkpoints. Only a connection that sent
 *   no HELLO within COLO_AGENT_HELLO_TIMEOUT_MS gives way to a new one.
 * - The server sends HELLO on accept; the agent counts as connected once its HELLO arrived.
 * - Every REQUEST/BEGIN/COMMIT/ABORT/FAILOVER from the agent is acknowledged automatically.
 * - Malformed or out-of-state input: one log line with the reason, an ERROR to the agent, the
 *   connection is closed (the caller keeps holding primary output) and a new agent is
 *   accepted.
 * - A request made while no agent is connected is kept pending and sent when one connects; a
 *   request in flight when the agent goes away is sent again to the next agent.
 */
#ifndef COLO_AGENT_H
#define COLO_AGENT_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "colo_xdp.h"
#include "lib/agent_session.h"

#define COLO_AGENT_HELLO_TIMEOUT_MS 1000u

/*
 * Callbacks; any may be NULL. ctx is passed back unchanged. They run inside
 * colo_agent_handle() and may call colo_agent_request() (a commit callback that triggers the
 * next checkpoint, say), but not colo_agent_close().
 */
struct colo_agent_ops {
	void *ctx;
	/* The agent's HELLO arrived. */
	void (*connected)(void *ctx, uint16_t version, uint32_t features);
	/* An agent that was connected went away (EOF, error, violation); why is one line. */
	void (*disconnected)(void *ctx, const char *why);
	void (*begin)(void *ctx, uint32_t id);
	/* id 0: a checkpoint the VMM started itself. flags: enum colo_agent_commit_flags. */
	void (*commit)(void *ctx, uint32_t id, uint32_t flags);
	void (*abort)(void *ctx, uint32_t id);
	void (*failover)(void *ctx);
	/* One line without newline; when NULL, lines go to stderr prefixed "colo-xdp: agent: ". */
	void (*log)(void *ctx, const char *line);
};

struct colo_agent_counters {
	uint64_t accepted;	  /* agent connections accepted */
	uint64_t refused;	  /* connections refused: another agent was connected */
	uint64_t protocol_errors; /* connections closed for malformed or out-of-state input */
	uint64_t requests;	  /* REQUEST messages sent (re-sends included) */
	uint64_t commits;	  /* COMMIT received, unsolicited included */
	uint64_t aborts;
	uint64_t out_full; /* connections closed because the agent stopped reading */
};

struct colo_agent_srv;

/*
 * Listens on path (a stale socket file there is unlinked first; mode 0600). Returns NULL and
 * sets errno on failure. ops is copied.
 */
struct colo_agent_srv *colo_agent_listen(const char *path, const struct colo_agent_ops *ops);
/* Closes every fd and unlinks the socket path. NULL is ignored. */
void colo_agent_close(struct colo_agent_srv *srv);

/* Fills up to max pollfds (2 suffice) with the fds to poll and their events; returns count. */
int colo_agent_fds(const struct colo_agent_srv *srv, struct pollfd *pfds, int max);
/*
 * Handles the revents of pfds (those filled by colo_agent_fds, others are ignored): accepts,
 * reads, decodes, calls back, writes. Returns 0, or -errno when the listening socket failed.
 */
int colo_agent_handle(struct colo_agent_srv *srv, const struct pollfd *pfds, int n);

/*
 * Asks the agent for a checkpoint; flow and origin may be NULL (the origin reaches only an
 * agent that announced the ORIGIN feature: the dataplane always does). *id receives the checkpoint id (ids
 * count from 1). Returns 0 when sent, -ENOTCONN when no agent is connected (the request is
 * kept and sent when one connects: it still counts as in flight), -EBUSY when a checkpoint
 * is already requested (its commit covers the new trigger), -ESHUTDOWN after failover,
 * -EINVAL for a reason out of range or an IPv4 key whose addresses are not IPv4-mapped.
 * A key whose family is neither 4 nor 6 is sent as "no flow". enum colo_agent_reason has the
 * values of enum colo_cp_reason and COLO_AGENT_COMMIT_KEEP_STREAMS that of
 * COLO_COMMIT_KEEP_STREAMS (checked at build time): comparator values pass through as they are.
 */
int colo_agent_request(struct colo_agent_srv *srv, enum colo_agent_reason reason,
		       const struct colo_flow_key *flow, const struct colo_agent_origin *origin,
		       uint64_t time_ns, uint32_t *id);

/* True while an agent that sent HELLO is connected. */
bool colo_agent_connected(const struct colo_agent_srv *srv);
/* True while a checkpoint is requested (pending or sent) and not committed or aborted. */
bool colo_agent_in_flight(const struct colo_agent_srv *srv);
/* The server's counters (the daemon's stats and its final log line). */
void colo_agent_get_counters(const struct colo_agent_srv *srv, struct colo_agent_counters *c);

#endif /* COLO_AGENT_H */
