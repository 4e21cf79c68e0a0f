/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state stream's format (docs/state-format.md): constants, record structs, names and the
 * error a reader or writer reports. Shared by the stream (state_stream.c) and its records
 * (state_records.c); the API is state_stream.h.
 */
#ifndef COLO_STATE_FORMAT_H
#define COLO_STATE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "colo_xdp.h"
#include "lib/agent_session.h"
#include "lib/agent_wire.h"

#define COLO_STATE_MAGIC	 "colostat" /* 8 bytes, no NUL in the stream */
#define COLO_STATE_VERSION	 1u
#define COLO_STATE_ENDIAN	 0x01020304u /* in the writer's byte order */
#define COLO_STATE_HDR_LEN	 24u
#define COLO_STATE_REC_HDR_LEN	 8u
#define COLO_STATE_INSTANCE_LEN	 64u /* instance name field, NUL-padded (COLO_INSTANCE_NAME_MAX) */
#define COLO_STATE_AGENT_MAX_OUT 65536u	    /* agent bytes encoded but not yet sent */
#define COLO_STATE_FD_MAX	 1048575    /* highest fd number a record may name (fs.nr_open) */
#define COLO_STATE_MAX_HIST	 (1u << 21) /* retx_window 1 GiB / 512 bytes per entry */
#define COLO_STATE_HIST_MIN	 64u	    /* entries a connection may always hold */
#define COLO_STATE_HIST_BYTES	 512u	    /* retx_window bytes per history entry */

/* Header feature flags: how the writer's build gave meaning to the fields. */
enum colo_state_feature {
	/* Retransmission history hashes are XXH3-64 of the segment payload. */
	COLO_STATE_F_RETX_XXH3 = 1u << 0,
	/* Capture times are CLOCK_MONOTONIC of the boot named in the global record. */
	COLO_STATE_F_MONOTONIC = 1u << 1,
};
/* What this build writes; a reader refuses any other bit and a stream lacking one of these. */
#define COLO_STATE_FEATURES (COLO_STATE_F_RETX_XXH3 | COLO_STATE_F_MONOTONIC)

enum colo_state_type {
	COLO_STATE_END = 0,
	COLO_STATE_GLOBAL = 1,
	COLO_STATE_CONN = 2,
	COLO_STATE_FRAME = 3,
	COLO_STATE_CHECKPOINT = 4,
	COLO_STATE_AGENT = 5,
	COLO_STATE_TYPE_MAX,
};

/* "end", "global", "conn", "frame", "checkpoint", "agent" ("?" when unknown). */
const char *colo_state_type_name(unsigned int type);

/* The options a restoring daemon must run with: every field must equal the stream's. */
struct colo_state_options {
	uint32_t shards;		 /* 1..COLO_MAX_SHARDS */
	uint32_t hook;			 /* enum colo_hook */
	uint32_t xdp_mode;		 /* enum colo_xdp_mode; 0 when hook is tc */
	uint32_t release;		 /* 0 AF_PACKET, 1 AF_XDP */
	uint32_t ifindex[COLO_ROLE_MAX]; /* each >= 1 */
	uint32_t split_segs;		 /* 0..64 */
	uint32_t max_queue;		 /* 1..1048576 */
	uint32_t max_conns;		 /* per shard, 1..16777216 */
	uint32_t retx_window;		 /* 4096..1073741824 */
	uint64_t retx_budget;		 /* >= 1 */
	uint64_t max_held_bytes;	 /* >= 1 */
};

/* Cumulative counters of the daemon, in this order (colo_state_counter_name() names them). */
enum colo_state_counter {
	COLO_STATE_C_FRAMES_IN_PRIMARY = 0,
	COLO_STATE_C_FRAMES_IN_SECONDARY,
	COLO_STATE_C_RELEASED,
	COLO_STATE_C_RELEASED_BYTES,
	COLO_STATE_C_COMPARED_BYTES,
	COLO_STATE_C_DROPPED_COMPARED,
	COLO_STATE_C_DROPPED_COMMIT,
	COLO_STATE_C_DROPPED_MALFORMED,
	COLO_STATE_C_DROPPED_DUPLICATE,
	COLO_STATE_C_DROPPED_REFUSED,
	COLO_STATE_C_DROPPED_SHUTDOWN,
	COLO_STATE_C_DROPPED_OVERFLOW,
	COLO_STATE_C_TRIGGERS_MISMATCH,
	COLO_STATE_C_TRIGGERS_TIMEOUT,
	COLO_STATE_C_TRIGGERS_QUEUE_FULL,
	COLO_STATE_C_TRIGGERS_TABLE_FULL,
	COLO_STATE_C_CHECKPOINTS_MISMATCH,
	COLO_STATE_C_CHECKPOINTS_TIMEOUT,
	COLO_STATE_C_CHECKPOINTS_QUEUE_FULL,
	COLO_STATE_C_CHECKPOINTS_TABLE_FULL,
	COLO_STATE_C_COMMITS,
	COLO_STATE_C_CONNS_REFUSED,
	COLO_STATE_C_CONNS_EVICTED,
	COLO_STATE_C_HELD_OVER_LIMIT,
	COLO_STATE_C_RETX_VERIFIED,
	COLO_STATE_C_RETX_UNVERIFIED,
	COLO_STATE_C_RETX_NO_WINDOW,
	COLO_STATE_C_RECORDS,
	COLO_STATE_C_BAD_RECORDS,
	COLO_STATE_C_PASSED,
	COLO_STATE_C_OFFSETS,
	COLO_STATE_C_OFFSET_ERRORS,
	COLO_STATE_C_SPLIT,
	COLO_STATE_C_ALLOC_FAILED,
	COLO_STATE_C_MEM_REFUSED,
	COLO_STATE_NCOUNTERS,
};

/* "frames_in_primary", ... ("?" when out of range). */
const char *colo_state_counter_name(unsigned int counter);

enum colo_state_global_flags {
	COLO_STATE_G_FAILOVER = 1u << 0, /* failover was declared: nothing is compared any more */
};

struct colo_state_global {
	char instance[COLO_STATE_INSTANCE_LEN]; /* NUL-terminated, a valid instance name */
	uint8_t boot_id[16];			/* /proc/sys/kernel/random/boot_id as bytes */
	uint64_t written_ns;			/* CLOCK_MONOTONIC when the snapshot was taken */
	uint32_t flags;				/* enum colo_state_global_flags */
	struct colo_state_options opts;
	uint64_t counters[COLO_STATE_NCOUNTERS];
};

enum colo_state_conn_flags {
	COLO_STATE_CONN_CLOSED = 1u << 0,	 /* TCP: closed by FIN or RST */
	COLO_STATE_CONN_DIVERGED = 1u << 1,	 /* mismatch: nothing leaves until a commit */
	COLO_STATE_CONN_OFF_KNOWN = 1u << 2,	 /* TCP: seq_offset learned */
	COLO_STATE_CONN_TS_KNOWN = 1u << 3,	 /* TCP: ts_offset learned */
	COLO_STATE_CONN_ZERO_REPORTED = 1u << 4, /* TCP: offsets 0 reported since learned ones */
	COLO_STATE_CONN_POS_VALID = 1u << 5,	 /* TCP: next and start are valid */
	COLO_STATE_CONN_FLOOR_VALID = 1u << 6,	 /* TCP: floor is valid */
	COLO_STATE_CONN_P_HIGH_VALID = 1u << 7,	 /* TCP: p_high is valid */
	COLO_STATE_CONN_FIN_CMP = 1u << 8,	 /* TCP: the FIN at fin_seq was compared */
	COLO_STATE_CONN_HIST_CAPPED = 1u << 9,	 /* TCP: history may not grow further */
	COLO_STATE_CONN_ALL = (1u << 10) - 1,
	COLO_STATE_CONN_TCP_ONLY = COLO_STATE_CONN_ALL & ~COLO_STATE_CONN_DIVERGED,
};

enum colo_state_side_flags {
	COLO_STATE_SIDE_SYN_SEEN = 1u << 0,  /* isn, syn_ack, syn_flags are valid */
	COLO_STATE_SIDE_SYN_TS = 1u << 1,    /* the SYN carried a timestamp: syn_tsval valid */
	COLO_STATE_SIDE_ACK_VALID = 1u << 2, /* max_ack is valid */
	COLO_STATE_SIDE_ALL = (1u << 3) - 1,
};

/* One side (replica) of a TCP connection; all zero for other protocols. */
struct colo_state_side {
	uint8_t tcp_state; /* enum colo_tcp_state */
	uint8_t flags;	   /* enum colo_state_side_flags */
	uint8_t syn_flags; /* TCP flags of that side's SYN or SYN-ACK */
	uint32_t isn;
	uint32_t syn_ack;
	uint32_t syn_tsval;
	uint32_t max_ack;
	uint32_t rst; /* RST segments seen */
};

/* One retransmission history entry: a compared primary payload range and its hash. */
struct colo_state_retx {
	uint32_t seq;
	uint32_t len; /* 1..COLO_MAX_FRAME */
	uint64_t hash;
};

struct colo_state_conn {
	uint32_t id; /* 1, 2, ... in stream order; set by the writer, frames name it */
	uint32_t shard;
	struct colo_flow_key key;
	uint32_t flags; /* enum colo_state_conn_flags */
	uint32_t debt;	/* datagrams: secondary frames a kept-streams commit covered */
	uint64_t last_ns;
	uint32_t nframes[COLO_SIDE_MAX]; /* frame records that follow for it, per side */
	uint32_t seq_offset, ts_offset;	 /* secondary = primary + offset */
	uint32_t next;			 /* primary-space sequence compared up to */
	uint32_t start;			 /* where comparison began */
	uint32_t floor;			 /* bytes below were covered by a commit */
	uint32_t p_high;		 /* highest primary sequence end seen */
	uint32_t fin_seq;
	struct colo_state_side side[COLO_SIDE_MAX];
	uint32_t hist_len;
	/* hist_len entries, oldest first; read: valid during the callback only. */
	const struct colo_state_retx *hist;
};

/* A held primary or queued secondary frame with its capture metadata (struct colo_rec). */
struct colo_state_frame {
	uint32_t conn;	   /* id of an earlier connection record */
	uint8_t side;	   /* enum colo_side */
	uint8_t rec_flags; /* enum colo_rec_flags */
	uint16_t gso_size;
	uint64_t time_ns; /* capture time */
	uint32_t frame_len;
	uint32_t gso_type;
	uint16_t csum_start, csum_offset;
	uint16_t l3_off, l4_off, payload_off;
	uint8_t l4_proto, family;
	uint32_t len;	     /* bytes of data, 1..COLO_MAX_FRAME */
	const uint8_t *data; /* read: points into the stream buffer */
};

enum colo_state_cp_state {
	COLO_STATE_CP_PENDING = 1,   /* no agent connected: sent when one connects */
	COLO_STATE_CP_REQUESTED = 2, /* sent to the agent, no BEGIN yet */
	COLO_STATE_CP_BEGUN = 3,     /* BEGIN received: the replicas are paused */
	COLO_STATE_CP_STATE_MAX,
};

/* "pending", "requested", "begun" ("?" when out of range). */
const char *colo_state_cp_state_name(unsigned int state);

struct colo_state_checkpoint {
	uint32_t id;		   /* >= 1 */
	uint32_t reason;	   /* enum colo_agent_reason */
	uint32_t state;		   /* enum colo_state_cp_state */
	uint32_t shard;		   /* the shard whose trigger made the request */
	struct colo_flow_key flow; /* family 0 and all zero: no flow */
	uint64_t time_ns;	   /* trigger time */
	uint8_t where_side;	   /* enum colo_side */
	uint8_t where_pos_kind;	   /* 0 none, 1 stream byte, 2 sequence */
	uint32_t where_pos;
	uint64_t waited_ns; /* timeout: how long the frame had waited; else 0 */
	uint64_t covered;   /* later triggers folded into this request */
};

enum colo_state_agent_counter {
	COLO_STATE_A_ACCEPTED = 0,
	COLO_STATE_A_REFUSED,
	COLO_STATE_A_PROTOCOL_ERRORS,
	COLO_STATE_A_REQUESTS,
	COLO_STATE_A_COMMITS,
	COLO_STATE_A_ABORTS,
	COLO_STATE_A_OUT_FULL,
	COLO_STATE_NAGENT_COUNTERS,
};

/* "accepted", "refused", ... ("?" when out of range). */
const char *colo_state_agent_counter_name(unsigned int counter);

struct colo_state_unacked {
	uint16_t type; /* a type the peer acknowledges */
	uint32_t seq;
	uint32_t txid;
};

/* The agent server and its session, kept across exec. */
struct colo_state_agent {
	int32_t listen_fd; /* -1 or 3..COLO_STATE_FD_MAX */
	int32_t conn_fd;   /* -1 when no agent is connected (then the session is all zero) */
	uint32_t state;	   /* enum colo_agent_state */
	uint32_t txid;
	uint32_t tx_seq, rx_seq;
	uint16_t peer_version;
	uint8_t hello_sent; /* 0 or 1 */
	uint32_t features; /* announced in the dataplane's HELLO (COLO_AGENT_FEATURES_KNOWN bits) */
	uint32_t peer_features;
	uint32_t unacked_count;					   /* 0..COLO_AGENT_MAX_UNACKED */
	struct colo_state_unacked unacked[COLO_AGENT_MAX_UNACKED]; /* oldest first */
	uint64_t counters[COLO_STATE_NAGENT_COUNTERS];
	uint32_t rx_len;   /* received bytes short of one whole message */
	uint32_t tx_len;   /* encoded bytes not yet sent */
	const uint8_t *rx; /* read: point into the stream buffer */
	const uint8_t *tx;
};

/* Where and why a stream (or a record given to the writer) was refused. */
struct colo_state_err {
	long index;	/* record index from 0; -1: the header */
	uint32_t type;	/* record type (when index >= 0) */
	size_t offset;	/* byte offset of the record (or header) in the stream */
	char field[40]; /* the field's name in docs/state-format.md */
	uint64_t value; /* its value */
	char msg[256];	/* the one line: "record 3 (frame) at byte 312: side 7: ..." */
};

/* What the reading daemon runs with; NULL to colo_state_read(): decode only (state show). */
struct colo_state_expect {
	const char *instance;
	uint8_t boot_id[16];
	struct colo_state_options opts;
};

#endif /* COLO_STATE_FORMAT_H */
