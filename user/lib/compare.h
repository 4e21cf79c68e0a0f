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
#include "lib/cmp_types.h"

/* Fills the default limits (struct colo_cmp_limits). */
void colo_cmp_limits_default(struct colo_cmp_limits *lim);

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

void colo_cmp_get_stats(const struct colo_cmp *cmp, struct colo_cmp_stats *stats);

/* What the comparator knows of one connection, for operators (colo-xdp conns). */
struct colo_cmp_conn_info {
	struct colo_flow_key key;
	bool is_tcp;
	bool closed;	      /* FIN or RST released: waits to be evicted */
	bool diverged;	      /* a mismatch: nothing leaves before a commit */
	bool offset_known;    /* TCP: seq_offset learned from the handshake */
	bool pos_valid;	      /* TCP: compare position known */
	uint32_t seq_offset;  /* secondary = primary + seq_offset */
	uint32_t compared;    /* TCP: stream bytes compared since comparison began */
	uint32_t next_seq;    /* TCP: primary-space sequence compared up to */
	uint32_t checkpoints; /* checkpoint requests this connection's triggers made */
	uint32_t held[COLO_SIDE_MAX];
	uint64_t held_bytes[COLO_SIDE_MAX]; /* frame bytes, headers included */
	uint64_t oldest_ns;		    /* capture time of the oldest held frame; 0: none */
	uint64_t last_ns;		    /* capture time of the last frame */
};

/* Calls fn for every connection in the table (order: the table's lists). */
void colo_cmp_conns_foreach(const struct colo_cmp *cmp,
			    void (*fn)(void *ctx, const struct colo_cmp_conn_info *ci), void *ctx);

#endif /* COLO_COMPARE_H */
