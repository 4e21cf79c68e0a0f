/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The comparator's types: checkpoint and drop reasons, limits, a frame in, a checkpoint's
 * origin, the callbacks out and the counters. Every layer of the comparator uses them;
 * compare.h, its API, adds the functions.
 */
#ifndef COLO_CMP_TYPES_H
#define COLO_CMP_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "colo_xdp.h"

enum colo_cp_reason {
	COLO_CP_MISMATCH = 0,
	COLO_CP_TIMEOUT,
	COLO_CP_QUEUE_FULL,
	COLO_CP_TABLE_FULL,
	COLO_CP_REASON_MAX,
};

enum colo_drop_reason {
	COLO_DROP_COMPARED = 0, /* secondary frame whose bytes were compared (the normal end) */
	COLO_DROP_COMMIT,	/* secondary frame discarded by a commit */
	COLO_DROP_MALFORMED,	/* frame failed to parse (either side; never released raw) */
	COLO_DROP_DUPLICATE,	/* secondary retransmission of bytes already compared */
	COLO_DROP_REFUSED,	/* no connection slot: the flow was refused (table_full) */
	COLO_DROP_SHUTDOWN,	/* colo_cmp_free() with the frame still held */
	COLO_DROP_OVERFLOW,	/* secondary frame over max_queue (queue_full requested) */
	COLO_DROP_REASON_MAX,
};

struct colo_cmp_limits {
	uint32_t max_queue;	     /* frames per connection and side (default 1024) */
	uint32_t max_conns;	     /* connection table size (default 65536) */
	uint64_t compare_timeout_ns; /* oldest queued frame age that triggers (default 3 s) */
	uint64_t idle_timeout_ns;    /* an idle empty connection may be evicted (default 120 s) */
	/*
	 * Retransmission check: per TCP connection, hashes of the primary segments compared last
	 * (of each GSO segment when the record gives gso_size), at most retx_window / 512 of them
	 * (default 4 MiB: 8192 entries of 16 bytes). Each connection starts with 64 entries and
	 * grows on use while all connections' growth stays within retx_budget bytes (default
	 * 64 MiB). Zero fields take the defaults.
	 */
	uint32_t retx_window;
	uint64_t retx_budget;
	/* Keys the connection table's hash: give a random one where flows come from outside. */
	uint64_t hash_seed;
};

struct colo_frame_in {
	enum colo_side side;
	uint64_t time_ns;
	const uint8_t *data; /* from the Ethernet header on */
	uint32_t len;
	void *cookie; /* returned in release/drop */
	/* Optional capture metadata (ring record); NULL when unknown. Checked before use. */
	const struct colo_rec *rec;
};

/* Where a checkpoint request comes from, for logs and tools. */
struct colo_cp_where {
	/*
	 * Timeout: the side of the frame that waited; queue_full, table_full: of the frame over
	 * the limit; mismatch: primary.
	 */
	enum colo_side side;
	enum colo_cp_pos {
		COLO_CP_POS_NONE = 0, /* no stream position (datagrams, handshakes, table_full) */
		COLO_CP_POS_STREAM,   /* pos: TCP byte offset from the primary's first data byte */
		COLO_CP_POS_SEQ,      /* pos: primary-space TCP sequence (no handshake seen) */
	} pos_kind;
	/*
	 * Mismatch: the first byte found different (for a retransmission, the start of the
	 * segment range that differed). Timeout and queue_full: the first byte of the frame.
	 */
	uint32_t pos;
	uint64_t waited_ns; /* timeout: how long that frame had been held */
};

struct colo_cmp_ops {
	/* A primary frame may leave now. Called in per-flow primary send order. */
	void (*release)(void *ctx, void *cookie, const uint8_t *data, uint32_t len);
	/* A frame is done with and will not be released. */
	void (*drop)(void *ctx, void *cookie, enum colo_side side, enum colo_drop_reason reason);
	/*
	 * A checkpoint is needed (where: what asked, valid during the call). At most one
	 * outstanding until colo_cmp_commit/abort.
	 */
	void (*checkpoint)(void *ctx, enum colo_cp_reason reason, const struct colo_flow_key *flow,
			   const struct colo_cp_where *where, uint64_t time_ns);
	/*
	 * Offsets learned for a TCP connection (secondary = primary + offset). Called before the
	 * primary SYN/SYN-ACK that revealed them is released. Optional (NULL: not reported).
	 */
	void (*offset)(void *ctx, const struct colo_flow_key *flow, uint32_t seq_offset,
		       uint32_t ts_offset, bool ts_valid);
};

struct colo_cmp_stats {
	uint64_t frames_in[COLO_SIDE_MAX];
	uint64_t released;
	uint64_t released_bytes;
	uint64_t compared_bytes; /* payload bytes matched against the other side */
	uint64_t dropped[COLO_DROP_REASON_MAX];
	uint64_t triggers[COLO_CP_REASON_MAX];	  /* every trigger, also those not re-sent */
	uint64_t checkpoints[COLO_CP_REASON_MAX]; /* requests actually emitted */
	uint64_t commits;
	uint64_t conns;		      /* connections now in the table */
	uint64_t conns_refused;	      /* new flows refused: table full */
	uint64_t conns_evicted;	      /* closed/idle connections evicted to make room */
	uint64_t held[COLO_SIDE_MAX]; /* frames held now */
	uint64_t held_over_limit;     /* primary frames held beyond max_queue (never dropped) */
	uint64_t retx_verified;	      /* primary retransmissions released as identical */
	uint64_t retx_unverified; /* not in the history: wait for the secondary's retransmission */
	uint64_t retx_no_window;  /* history growths refused (retx_budget) or failed */
};

#endif /* COLO_CMP_TYPES_H */
