/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checkpoint coordination across shards, for `colo-xdp run`. Checkpoints are global: the first
 * shard's trigger becomes the one outstanding request to the agent, later triggers are only
 * counted, and the agent's COMMIT/ABORT/FAILOVER reaches every worker through its mailbox.
 * Workers call colo_coord_on_checkpoint(); everything else runs on the main thread.
 */
#ifndef COLO_COORD_H
#define COLO_COORD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent.h"
#include "instance.h"
#include "worker.h"

/* A trigger waiting for the main thread to send it to the agent. */
struct colo_coord_trigger {
	unsigned int shard;
	enum colo_cp_reason reason;
	struct colo_flow_key flow;
	struct colo_cp_where where;
	uint64_t time_ns;
};

/* The last checkpoint request of one reason, for operators (colo-xdp stats). */
struct colo_coord_last {
	uint64_t count; /* requests of this reason sent (or pending for the agent) */
	uint32_t id;
	struct colo_coord_trigger trigger;
};

#define COLO_COORD_CAPTURES 8 /* capture jobs waiting for the main thread */

struct colo_coord {
	struct colo_instance *inst;
	struct colo_worker *workers[COLO_MAX_SHARDS];
	unsigned int nworkers;
	struct colo_agent_srv *agent;
	int wake_fd; /* workers -> main: a trigger is waiting */
	bool failover;
	uint64_t start_ns;
	uint64_t request_ns; /* when the outstanding request was made */
	uint32_t request_id;
	pthread_mutex_t lock; /* guards the fields below */
	bool outstanding;     /* one checkpoint request at a time, across all shards */
	bool trigger_waiting;
	struct colo_coord_trigger trigger;
	uint64_t covered; /* triggers folded into the outstanding request */
	/* Main thread only: what stats reports of checkpoints and the agent. */
	struct colo_coord_last last[COLO_CP_REASON_MAX];
	int last_reason;	    /* of the latest request; -1: none yet */
	struct colo_delay_hist rtt; /* request to commit, µs */
	uint64_t rtt_last_us;
	uint64_t commits; /* COMMITs applied, unsolicited included */
	uint64_t aborts;
	/* Divergence captures the workers handed over, under lock; written by the main thread. */
	struct colo_capture_job *captures[COLO_COORD_CAPTURES];
	unsigned int ncaptures;
	uint64_t captures_dropped; /* the queue was full */
};

/* Sets up the lock and the wakeup eventfd; -errno on failure. */
int colo_coord_init(struct colo_coord *co);
void colo_coord_fini(struct colo_coord *co);

/* Seconds from the start of the run to t (CLOCK_MONOTONIC ns). */
double colo_coord_secs(const struct colo_coord *co, uint64_t t);

/* Worker thread (colo_worker_checkpoint_fn, ctx: the coord): one shard wants a checkpoint. */
void colo_coord_on_checkpoint(void *ctx, unsigned int shard, enum colo_cp_reason reason,
			      const struct colo_flow_key *flow, const struct colo_cp_where *where,
			      uint64_t time_ns);

/* Worker thread (colo_worker_capture_fn, ctx: the coord): queues a capture job, or frees it. */
void colo_coord_on_capture(void *ctx, struct colo_capture_job *job);

/* Main thread: takes the queued capture jobs (up to max) into jobs; returns how many. */
unsigned int colo_coord_take_captures(struct colo_coord *co, struct colo_capture_job **jobs,
				      unsigned int max);

/* Main thread: sends the waiting trigger, if any, to the agent. */
void colo_coord_send_trigger(struct colo_coord *co);

/* The agent callbacks (begin, commit, abort, failover, log) for colo_agent_listen(). */
void colo_coord_agent_ops(struct colo_coord *co, struct colo_agent_ops *ops);

/* Posts enum colo_worker_cmd bits to every worker. */
void colo_coord_post_all(struct colo_coord *co, unsigned int cmds);

/* Releases what is held and stops comparing, kernel first; why is logged. Idempotent. */
void colo_coord_failover(struct colo_coord *co, const char *why);

#endif /* COLO_COORD_H */
