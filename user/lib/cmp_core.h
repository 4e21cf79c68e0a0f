/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Comparator core: the data every layer shares (held frames, connections, the comparator) and
 * the operations on held frames: pool, hold, release, drop, checkpoint triggers, queue limits.
 * Layers, each using only those below it:
 *   compare.c (API, connection table, ticks, commits)
 *     -> cmp_tcp.c (TCP streams by sequence), cmp_dgram.c (datagrams FIFO)
 *       -> cmp_core.c (this header) -> retx_hist.c (retransmission history), frame.c (parser)
 * The core owns every link of a held frame, the TCP layer's pend/stuck lists too, so that a
 * release or drop from any layer unlinks it completely.
 */
#ifndef COLO_CMP_CORE_H
#define COLO_CMP_CORE_H

#include <sys/queue.h>

#include "lib/cmp_types.h"
#include "lib/frame.h"
#include "lib/retx_hist.h"
#include "lib/seq.h"

/* glibc's sys/queue.h lacks the BSD _SAFE iterator. */
#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)                                                 \
	for ((var) = TAILQ_FIRST(head); (var) && ((tvar) = TAILQ_NEXT(var, field), 1);             \
	     (var) = (tvar))
#endif

#define SIDE_P COLO_SIDE_PRIMARY
#define SIDE_S COLO_SIDE_SECONDARY

enum cframe_kind {
	CF_DGRAM = 0, /* UDP, ICMP, other protocols, fragments: compared FIFO */
	CF_SYN,
	CF_RST,
	CF_DATA, /* TCP payload and/or FIN */
	CF_ACK,	 /* TCP segment without payload, SYN, FIN or RST */
};

/* One held frame. The bytes stay the caller's; only pointers into them are kept. */
struct cframe {
	TAILQ_ENTRY(cframe) q;	  /* connection side queue */
	TAILQ_ENTRY(cframe) age;  /* every held frame, in arrival order (timeouts, commit) */
	TAILQ_ENTRY(cframe) pend; /* primary TCP data in tcp.pend or tcp.stuck */
	struct conn *conn;
	const uint8_t *data;
	void *cookie;
	uint64_t time_ns;
	uint32_t len;
	/* From here on zeroed for each new frame. */
	const uint8_t *pl; /* compared bytes */
	uint32_t plen;
	uint32_t aux; /* datagrams: ICMP type/code or fragment position, compared too */
	uint32_t seq, ack, end;
	uint32_t vpos;	   /* primary data: verified up to (sequence); primary RST: its ordinal */
	uint32_t cmp_from; /* primary data: where its comparison with new secondary bytes began */
	uint16_t gso_size; /* GSO super-frame: its segment size (from the capture record) */
	uint8_t side;
	uint8_t kind;
	uint8_t tcp_flags;
	uint8_t held : 1;
	uint8_t in_pend : 1;
	uint8_t in_stuck : 1;  /* retransmission not in the history: waits for the secondary's */
	uint8_t cmp_new : 1;   /* cmp_from is set */
	uint8_t done : 1;      /* all bytes compared or verified */
	uint8_t stuck : 1;     /* cannot leave before a commit */
	uint8_t timed_out : 1; /* its timeout trigger was counted */
	uint8_t keep : 1;      /* commit: secondary frame survives (KEEP_STREAMS) */
};
TAILQ_HEAD(cframe_q, cframe);

struct tcp_stream {
	struct cframe_q pend;	  /* primary data not fully compared, by sequence */
	struct cframe_q stuck;	  /* retransmissions verified against the secondary's */
	struct cframe *syn_frame; /* secondary SYN waiting for the primary's */
	uint32_t isn[COLO_SIDE_MAX], syn_ack[COLO_SIDE_MAX], syn_tsval[COLO_SIDE_MAX];
	uint8_t syn_flags[COLO_SIDE_MAX];
	bool syn_seen[COLO_SIDE_MAX], syn_ts[COLO_SIDE_MAX];
	uint32_t off, ts_off; /* secondary = primary + off */
	bool off_known, ts_known;
	bool zero_reported; /* offsets 0 reported since the last ones learned */
	uint32_t next;	    /* primary-space sequence: bytes below were compared */
	uint32_t start;	    /* where comparison of this stream began */
	bool pos_valid;
	uint32_t floor; /* bytes below were covered by a commit */
	bool floor_valid;
	uint32_t p_high; /* highest primary sequence end seen */
	bool p_high_valid;
	uint32_t max_ack[COLO_SIDE_MAX];
	bool ack_valid[COLO_SIDE_MAX];
	uint32_t rst[COLO_SIDE_MAX];
	uint32_t fin_seq;
	bool fin_cmp;
	struct retx_hist hist; /* compared primary segments, for retransmissions */
};

struct conn {
	LIST_ENTRY(conn) hnode;
	TAILQ_ENTRY(conn) lru; /* cmp->lru, or cmp->closed once closed */
	struct colo_flow_key key;
	uint32_t hash;
	uint64_t last_ns;		  /* last frame */
	uint64_t lru_ns;		  /* last move to its list's tail */
	struct cframe_q q[COLO_SIDE_MAX]; /* primary: send order; secondary TCP: by sequence */
	uint32_t nq[COLO_SIDE_MAX];
	uint32_t debt; /* datagrams: secondary frames a KEEP_STREAMS commit already covered */
	bool is_tcp;
	bool closed;
	bool diverged;	      /* mismatch: nothing leaves until a commit */
	uint32_t checkpoints; /* requests its triggers made */
	/* Each side's VLAN tags on this flow (any difference is a mismatch). */
	bool vlan_seen[COLO_SIDE_MAX];
	struct colo_vlan_tag vlan[COLO_SIDE_MAX][COLO_REC_VLANS];
	struct tcp_stream tcp;
};
TAILQ_HEAD(conn_list, conn);
LIST_HEAD(conn_bucket, conn);

struct colo_cmp {
	struct colo_cmp_limits lim;
	struct colo_cmp_ops ops;
	void *ctx;
	struct conn_bucket *buckets;
	uint32_t bucket_mask;
	struct conn *last; /* the last frame's connection */
	struct conn_list lru;
	struct conn_list closed;
	struct cframe_q age;
	struct cframe *pool; /* free frames, chained through q.tqe_next */
	uint32_t pool_len;
	struct retx_budget hist_budget; /* shared by every connection's history */
	bool pending;
	struct colo_cmp_stats st;
};

/* Frames */

/* A frame for in on connection c, every other field zero; NULL without memory. */
struct cframe *cmp_frame_get(struct colo_cmp *cmp, struct conn *c, const struct colo_frame_in *in);
/* Frees the pool of unused frames. */
void cmp_pool_free(struct colo_cmp *cmp);
/* Holds f on its side queue before `before` (NULL: at the tail). */
void cmp_hold(struct colo_cmp *cmp, struct cframe *f, struct cframe *before);
/* Takes a held frame off every queue; a frame not held is left alone. */
void cmp_unhold(struct colo_cmp *cmp, struct cframe *f);
/* Hands f to ops.release; a released RST or FIN closes its connection. */
void cmp_release(struct colo_cmp *cmp, struct cframe *f);
void cmp_drop(struct colo_cmp *cmp, struct cframe *f, enum colo_drop_reason reason);
/* Drops a frame that never got a struct cframe. */
void cmp_drop_raw(struct colo_cmp *cmp, const struct colo_frame_in *in,
		  enum colo_drop_reason reason);
/* Moves c to the closed list (evicted first, expired after idle_timeout). */
void cmp_close_conn(struct colo_cmp *cmp, struct conn *c);

/* Checkpoint triggers */

/* Counts a trigger; true when it became a checkpoint request (none was outstanding). */
bool cmp_trigger(struct colo_cmp *cmp, enum colo_cp_reason reason, const struct colo_flow_key *key,
		 const struct colo_cp_where *where, uint64_t time_ns);
/* A mismatch on c: nothing of it leaves until a commit. */
void cmp_diverge(struct colo_cmp *cmp, struct conn *c, const struct colo_cp_where *where,
		 uint64_t time_ns);

static inline bool cmp_queue_full(const struct colo_cmp *cmp, const struct conn *c,
				  const struct cframe *f)
{
	return c->nq[f->side] >= cmp->lim.max_queue;
}

/*
 * f's side queue is full (cmp_queue_full): requests a checkpoint from where. A primary frame is
 * held anyway (it must never leave uncompared nor vanish); a secondary one is dropped. Returns
 * true if f was dropped.
 */
bool cmp_over_limit(struct colo_cmp *cmp, struct conn *c, struct cframe *f,
		    const struct colo_cp_where *where);

#endif /* COLO_CMP_CORE_H */
