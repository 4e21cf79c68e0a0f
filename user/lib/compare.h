/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The comparator: decides which primary frame may leave and when a checkpoint is needed.
 * Pure logic: no BPF, no sockets, no clock of its own (time comes with each frame and tick).
 *
 * Ownership: the caller owns the bytes of every frame it feeds and keeps them valid until the
 * comparator hands the frame back through exactly one release (primary) or drop (either side)
 * callback, passing the caller's cookie. Held frames stay held until matched, committed, or
 * colo_cmp_free() (which drops them). Callbacks run inside colo_cmp_* calls and must not call
 * back into the same comparator (defer a commit requested from the checkpoint callback).
 *
 * Semantics, per flow (key in replica-output orientation, VLAN tags ignored):
 * - TCP payload is compared byte by byte at equal sequence numbers, the secondary's mapped into
 *   the primary's space by the offset learned from the two SYN-ACKs (or SYNs); a FIN counts as
 *   one byte. A primary segment leaves, in send order, once all its bytes matched. A connection
 *   first met mid-stream (or after a commit) is compared with offset 0 from its next segment.
 *   A commit (without KEEP_STREAMS) reports offsets 0 for every TCP connection not reported
 *   at 0 since its last learned offsets.
 *   Payload carried on a SYN (TCP Fast Open) is not compared.
 * - A primary retransmission of compared bytes leaves at once if it matches the hashes of the
 *   segments compared last (or bytes of segments still held); otherwise it waits
 *   for the secondary to retransmit the same bytes, or for a commit (the timeout asks for one).
 *   Bytes a commit covered are released as they are.
 * - Pure ACKs leave once the secondary acknowledged at least as far. A RST leaves once the
 *   secondary sent as many RSTs. A connection closed by FIN or RST stays until idle,
 *   but is the first evicted when the table is full; a new SYN on it starts afresh.
 * - UDP, ICMP, ICMPv6, other protocols and IP fragments: FIFO, whole payload compared (ICMP:
 *   type, code and the rest of the header too; fragments: their offset too).
 * - A new flow with no free slot (only closed or idle connections are evicted) is refused: its
 *   frames are dropped (COLO_DROP_REFUSED; TCP retransmits) and a table_full checkpoint is
 *   requested. A primary frame over max_queue is still held (and queue_full requested); a
 *   secondary one is dropped (COLO_DROP_OVERFLOW). The caller bounds the memory of what is
 *   held in total (colo-xdp run --max-held), since it owns the frames.
 */
#ifndef COLO_COMPARE_H
#define COLO_COMPARE_H

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

/* Fills the defaults above. */
void colo_cmp_limits_default(struct colo_cmp_limits *lim);

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

struct colo_cmp;

struct colo_cmp *colo_cmp_new(const struct colo_cmp_limits *lim, const struct colo_cmp_ops *ops,
			      void *ctx);
/* Drops every held frame (COLO_DROP_SHUTDOWN) and frees the comparator. */
void colo_cmp_free(struct colo_cmp *cmp);

/* Feeds one captured frame. Returns 0, or -errno for a call error (never for bad packets). */
int colo_cmp_feed(struct colo_cmp *cmp, const struct colo_frame_in *frame);
/* Advances the clock: timeouts and idle eviction. */
void colo_cmp_tick(struct colo_cmp *cmp, uint64_t now_ns);
enum colo_commit_flags {
	/*
	 * The checkpoint did not replace the secondary's state (process replicas in tests, an
	 * agent that only acknowledges): keep each connection's offsets and compare position;
	 * secondary bytes the commit already covered are dropped when they arrive.
	 */
	COLO_COMMIT_KEEP_STREAMS = 1u << 0,
};

/*
 * A checkpoint completed (requested or started by the VMM): release every held primary frame
 * in per-flow order, drop the secondary queues, reset offsets and compare positions (unless
 * COLO_COMMIT_KEEP_STREAMS), and clear the outstanding request.
 */
void colo_cmp_commit(struct colo_cmp *cmp, uint64_t now_ns, unsigned int flags);
/* The outstanding checkpoint was aborted: triggers may request again. Frames stay held. */
void colo_cmp_abort(struct colo_cmp *cmp, uint64_t now_ns);
/* True while a checkpoint request is outstanding. */
bool colo_cmp_checkpoint_pending(const struct colo_cmp *cmp);

void colo_cmp_get_stats(const struct colo_cmp *cmp, struct colo_cmp_stats *stats);

#endif /* COLO_COMPARE_H */
