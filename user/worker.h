/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One worker thread per ring shard: consumes the shard's ring buffer, feeds its own comparator,
 * releases matched primary frames and writes learned offsets to the colo_offsets map. The only
 * ways in from other threads are the command mailbox and the stats snapshot.
 */
#ifndef COLO_WORKER_H
#define COLO_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/compare.h"
#include "lib/delay_hist.h"
#include "release.h"

enum colo_worker_cmd {
	COLO_WORKER_COMMIT = 1u << 0,	   /* a checkpoint committed: release everything held */
	COLO_WORKER_COMMIT_KEEP = 1u << 1, /* the same, secondary state kept (KEEP_STREAMS) */
	COLO_WORKER_ABORT = 1u << 2,	   /* the outstanding checkpoint was aborted */
	COLO_WORKER_FAILOVER = 1u << 3,	   /* release everything and stop comparing */
	COLO_WORKER_STOP = 1u << 4,	   /* leave the loop */
	COLO_WORKER_SNAPSHOT = 1u << 5,	   /* copy out the connections (colo_worker_conns) */
};

/* Called from a worker thread when its comparator asks for a checkpoint. */
typedef void (*colo_worker_checkpoint_fn)(void *ctx, unsigned int shard, enum colo_cp_reason reason,
					  const struct colo_flow_key *flow,
					  const struct colo_cp_where *where, uint64_t time_ns);

struct colo_capture_job;
/* Called from a worker thread with the flow's recent frames at a trigger; takes the job. */
typedef void (*colo_worker_capture_fn)(void *ctx, struct colo_capture_job *job);

struct colo_worker_cfg {
	unsigned int shard;
	int ring_fd;	 /* the shard's BPF_MAP_TYPE_RINGBUF */
	int offsets_fd;	 /* colo_offsets: learned offsets are written here */
	int out_ifindex; /* where released frames leave */
	enum colo_release_mode release_mode;
	unsigned int
		split_segs; /* primary TCP super-frames compared in pieces of N segments; 0 off */
	struct colo_cmp_limits limits;
	uint64_t max_held_bytes; /* copied-out frames this worker may hold; over it, refused */
	colo_worker_checkpoint_fn checkpoint;
	colo_worker_capture_fn capture; /* NULL: no divergence captures (no history kept) */
	void *ctx;
};

struct colo_worker_stats {
	struct colo_cmp_stats cmp;
	struct colo_release_stats rel;
	uint64_t records;		   /* ring records consumed */
	uint64_t bad_records;		   /* records that failed the bounds checks: dropped */
	uint64_t passed;		   /* after failover: primary frames released uncompared */
	uint64_t offsets;		   /* offsets written to colo_offsets */
	uint64_t offset_errors;		   /* colo_offsets updates that failed */
	uint64_t split;			   /* primary super-frames compared in pieces */
	uint64_t alloc_failed;		   /* records dropped for lack of memory */
	uint64_t mem_refused;		   /* records dropped because max_held_bytes were held */
	uint64_t held_bytes;		   /* bytes of copied-out frames held now */
	uint64_t ring_bytes;		   /* the shard's ring size */
	uint64_t ring_used;		   /* bytes written to the ring, not consumed yet */
	struct colo_delay_hist ring_delay; /* capture to worker, every record */
	struct colo_delay_hist hold_delay; /* capture to release, compared primary frames */
};

struct colo_worker;

/* Creates the worker (ring, release socket, comparator) and starts its thread. */
struct colo_worker *colo_worker_start(const struct colo_worker_cfg *cfg, char *err, size_t errlen);
/* Posts commands (enum colo_worker_cmd bits); never blocks. */
void colo_worker_post(struct colo_worker *w, unsigned int cmds);
/* Posts a commit covering the records captured up to covers_ns (CLOCK_MONOTONIC). */
void colo_worker_commit(struct colo_worker *w, bool keep_streams, uint64_t covers_ns);
/* Stops the thread (its last stats snapshot stays readable); idempotent. */
void colo_worker_stop(struct colo_worker *w);
/* Stops the thread if needed, drops what is still held and frees the worker. */
void colo_worker_destroy(struct colo_worker *w);
/* Latest snapshot (refreshed by the worker at least every 100 ms). */
void colo_worker_get_stats(struct colo_worker *w, struct colo_worker_stats *stats);

/* Connections one snapshot copies at most (the default table size). */
#define COLO_WORKER_SNAPSHOT_MAX 65536

/*
 * Asks the worker for its connections and waits at most timeout_ms. On success *conns
 * (malloc'd, caller frees) holds *n entries and *omitted those over COLO_WORKER_SNAPSHOT_MAX;
 * -ETIMEDOUT when the worker did not answer in time, -ESRCH when it stopped, -ENOMEM.
 */
int colo_worker_conns(struct colo_worker *w, unsigned int timeout_ms,
		      struct colo_cmp_conn_info **conns, size_t *n, uint64_t *omitted);

#endif /* COLO_WORKER_H */
