/* SPDX-License-Identifier: GPL-2.0-only */
/* Comparator internals shared by compare.c (table, queues, timers) and compare_tcp.c. */
#ifndef COLO_COMPARE_INT_H
#define COLO_COMPARE_INT_H

#include <sys/queue.h>

#include "lib/compare.h"
#include "lib/frame.h"

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

#define HIST_MIN	     64	 /* history entries a TCP connection starts with */
#define HIST_BYTES_PER_ENTRY 512 /* lim.retx_window / this = most entries per connection */

/* A primary segment's newly compared payload range and its hash. */
struct retx_entry {
	uint32_t seq;
	uint32_t len;
	uint64_t hash;
};

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
	struct retx_entry *hist; /* ring of hist_cap entries, ascending sequence */
	uint32_t hist_cap;	 /* grows by doubling up to lim.retx_window / 512 */
	uint32_t hist_head;	 /* next slot written */
	uint32_t hist_len;	 /* valid entries */
	bool hist_capped;	 /* at the window or growth refused once: not asked again */
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
	bool diverged; /* mismatch: nothing leaves until a commit */
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
	uint64_t hist_bytes; /* history memory beyond each connection's first HIST_MIN entries */
	bool pending;
	struct colo_cmp_stats st;
};

static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static inline uint32_t seq_min(uint32_t a, uint32_t b)
{
	return seq_lt(a, b) ? a : b;
}

/* compare.c */
void cmp_trigger(struct colo_cmp *cmp, enum colo_cp_reason reason, const struct colo_flow_key *key,
		 const struct colo_cp_where *where, uint64_t time_ns);
void cmp_diverge(struct colo_cmp *cmp, struct conn *c, const struct colo_cp_where *where,
		 uint64_t time_ns);
/* Holds f on its side queue before `before` (NULL: at the tail). */
void cmp_hold(struct colo_cmp *cmp, struct cframe *f, struct cframe *before);
void cmp_release(struct colo_cmp *cmp, struct cframe *f);
void cmp_drop(struct colo_cmp *cmp, struct cframe *f, enum colo_drop_reason reason);
bool cmp_over_limit(struct colo_cmp *cmp, struct conn *c, struct cframe *f);
void cmp_close_conn(struct colo_cmp *cmp, struct conn *c);

/* compare_tcp.c */
void tcp_init(struct conn *c);
void tcp_feed(struct colo_cmp *cmp, struct conn *c, struct cframe *f,
	      const struct colo_frame_info *fi);
void tcp_commit(struct colo_cmp *cmp, struct conn *c, bool keep);
void tcp_fini(struct colo_cmp *cmp, struct conn *c);
/* A checkpoint's origin at primary-space sequence seq of c, from side. */
struct colo_cp_where tcp_where(const struct conn *c, enum colo_side side, uint32_t seq);
/* ... at frame f's first byte, when its sequence maps to the primary's. */
struct colo_cp_where tcp_frame_where(const struct conn *c, const struct cframe *f);

#endif /* COLO_COMPARE_INT_H */
