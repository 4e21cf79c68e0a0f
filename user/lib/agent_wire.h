/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The checkpoint agent protocol on the wire: framed messages between the dataplane and the
 * party that performs checkpoints (a VMM adapter or a test agent). Pure logic: message
 * constructors, the encoder and an incremental decoder that accepts bytes in any chunking.
 * What fits the conversation is lib/agent_session.h's job. No sockets here;
 * docs/agent-protocol.md is the byte-level specification.
 *
 * Every message: a 16-byte big-endian header {u16 magic, u16 type, u32 txid, u32 seq,
 * u32 length} and a payload of exactly the size its type prescribes (at most
 * COLO_AGENT_MAX_PAYLOAD bytes).
 */
#ifndef COLO_AGENT_WIRE_H
#define COLO_AGENT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "colo_xdp.h"

#define COLO_AGENT_MAGIC	0xC0A9 /* "COlo AGent": the bytes C0 A9 start every message */
#define COLO_AGENT_VERSION	1
#define COLO_AGENT_HDR_LEN	16
#define COLO_AGENT_MAX_PAYLOAD	4096
#define COLO_AGENT_MAX_MSG	(COLO_AGENT_HDR_LEN + COLO_AGENT_MAX_PAYLOAD)
#define COLO_AGENT_MAX_TEXT	256 /* ERROR message text, bytes */
#define COLO_AGENT_MAX_UNACKED	16  /* messages a side may have sent and not seen acknowledged */
#define COLO_AGENT_FLOW_STR_LEN 112 /* buffer for colo_agent_flow_str() */

/* HELLO feature bits. A feature is in use only when both HELLOs announce it. */
#define COLO_AGENT_FEATURE_ORIGIN (1u << 0) /* CHECKPOINT_REQUEST carries its origin (64 bytes) */
#define COLO_AGENT_FEATURES_KNOWN COLO_AGENT_FEATURE_ORIGIN

enum colo_agent_type {
	COLO_AGENT_HELLO = 1,		   /* both directions, first message */
	COLO_AGENT_CHECKPOINT_REQUEST = 2, /* dataplane -> agent */
	COLO_AGENT_CHECKPOINT_BEGIN = 3,   /* agent -> dataplane: replicas paused */
	COLO_AGENT_CHECKPOINT_COMMIT = 4,  /* agent -> dataplane: secondary equals primary */
	COLO_AGENT_CHECKPOINT_ABORT = 5,   /* agent -> dataplane: the checkpoint did not happen */
	COLO_AGENT_FAILOVER = 6,	   /* agent -> dataplane: the secondary is lost */
	COLO_AGENT_ACK = 7,		   /* both directions */
	COLO_AGENT_ERROR = 8,		   /* both directions, last message before closing */
	COLO_AGENT_TYPE_MAX,
};

/* Why the dataplane asks for a checkpoint; same values as enum colo_cp_reason. */
enum colo_agent_reason {
	COLO_AGENT_REASON_MISMATCH = 0,
	COLO_AGENT_REASON_TIMEOUT = 1,
	COLO_AGENT_REASON_QUEUE_FULL = 2,
	COLO_AGENT_REASON_TABLE_FULL = 3,
	COLO_AGENT_REASON_MAX,
};

/* CHECKPOINT_COMMIT flags. */
enum colo_agent_commit_flags {
	/* The secondary's state was not replaced (same meaning as COLO_COMMIT_KEEP_STREAMS). */
	COLO_AGENT_COMMIT_KEEP_STREAMS = 1u << 0,
	COLO_AGENT_COMMIT_ALL = COLO_AGENT_COMMIT_KEEP_STREAMS,
};

/* Why a message was refused; also the code of an ERROR message (wire values). */
enum colo_agent_err {
	COLO_AGENT_E_NONE = 0,
	COLO_AGENT_E_MAGIC = 1,	     /* header does not start with COLO_AGENT_MAGIC */
	COLO_AGENT_E_TYPE = 2,	     /* unknown message type */
	COLO_AGENT_E_LENGTH = 3,     /* payload length over COLO_AGENT_MAX_PAYLOAD */
	COLO_AGENT_E_SIZE = 4,	     /* payload length wrong for the type */
	COLO_AGENT_E_VERSION = 5,    /* HELLO with a version this side does not speak */
	COLO_AGENT_E_RESERVED = 6,   /* a reserved field is not zero */
	COLO_AGENT_E_REASON = 7,     /* checkpoint reason out of range */
	COLO_AGENT_E_FLOW = 8,	     /* flow key fields inconsistent */
	COLO_AGENT_E_FLAGS = 9,	     /* unknown commit flag */
	COLO_AGENT_E_TEXT = 10,	     /* ERROR text not printable ASCII */
	COLO_AGENT_E_SEQ = 11,	     /* sequence number not the next one */
	COLO_AGENT_E_DIRECTION = 12, /* message type this side never receives */
	COLO_AGENT_E_STATE = 13,     /* message does not fit the session state */
	COLO_AGENT_E_TXID = 14,	     /* transaction id does not match the outstanding checkpoint */
	COLO_AGENT_E_ACK = 15,	     /* ACK for a message not awaiting one */
	COLO_AGENT_E_BUSY = 16,	     /* another agent is connected */
	COLO_AGENT_E_MAX,
};

/* Where a checkpoint request came from (feature ORIGIN); same values as struct colo_cp_where. */
struct colo_agent_origin {
	uint8_t side;	    /* 0 primary, 1 secondary */
	uint8_t pos_kind;   /* 0 none, 1 TCP stream byte, 2 primary-space TCP sequence */
	uint32_t pos;	    /* per pos_kind; 0 with pos_kind 0 */
	uint64_t waited_ns; /* timeout: how long the frame had been held; else 0 */
};

enum colo_agent_pos_kind {
	COLO_AGENT_POS_NONE = 0,
	COLO_AGENT_POS_STREAM = 1,
	COLO_AGENT_POS_SEQ = 2,
	COLO_AGENT_POS_MAX,
};

struct colo_agent_msg {
	uint16_t type; /* enum colo_agent_type */
	uint32_t txid; /* checkpoint id; 0 outside a checkpoint */
	uint32_t seq;  /* per direction, 1 for the first message; set by colo_agent_sess_tx() */
	union {
		struct {
			uint16_t version;
			uint32_t features; /* none defined yet: send 0, ignore unknown bits */
		} hello;
		struct {
			uint64_t time_ns;	   /* dataplane CLOCK_MONOTONIC at the trigger */
			uint16_t reason;	   /* enum colo_agent_reason */
			struct colo_flow_key flow; /* family 0: no flow; ports in network order */
			bool has_origin;	   /* the 64-byte form: origin is valid */
			struct colo_agent_origin origin;
		} request;
		struct {
			uint32_t flags; /* enum colo_agent_commit_flags */
		} commit;
		struct {
			uint16_t type; /* the acknowledged message */
			uint32_t seq;
		} ack;
		struct {
			uint16_t code; /* enum colo_agent_err */
			char text[COLO_AGENT_MAX_TEXT +
				  1]; /* NUL-terminated here, not on the wire */
		} error;
	};
};

/* "hello", "request", ... ("?" when unknown). */
const char *colo_agent_type_name(unsigned int type);
/* "mismatch", "timeout", "queue_full", "table_full" ("?" when out of range). */
const char *colo_agent_reason_name(unsigned int reason);
/* "magic", "type", ... ("?" when unknown). */
const char *colo_agent_err_name(unsigned int err);
/* True for the types the receiver acknowledges: REQUEST, BEGIN, COMMIT, ABORT, FAILOVER. */
bool colo_agent_type_needs_ack(unsigned int type);
/* "tcp 10.77.0.2:80 > 10.77.0.1:40000", "udp [fd77::2]:53 > [fd77::1]:5353", "none". */
char *colo_agent_flow_str(const struct colo_flow_key *flow, char *buf, size_t len);

/* Message constructors: zero the message, set type, txid and the payload fields. */
void colo_agent_msg_hello(struct colo_agent_msg *msg, uint32_t features);
void colo_agent_msg_request(struct colo_agent_msg *msg, uint32_t id, enum colo_agent_reason reason,
			    const struct colo_flow_key *flow, uint64_t time_ns);
/* Adds the origin to a request made by colo_agent_msg_request() (the 64-byte form). */
void colo_agent_msg_request_origin(struct colo_agent_msg *msg, const struct colo_agent_origin *o);
/* "primary", "secondary" ("?" when out of range). */
const char *colo_agent_side_name(unsigned int side);
void colo_agent_msg_simple(struct colo_agent_msg *msg, enum colo_agent_type type, uint32_t id);
void colo_agent_msg_commit(struct colo_agent_msg *msg, uint32_t id, uint32_t flags);
void colo_agent_msg_ack(struct colo_agent_msg *msg, const struct colo_agent_msg *acked);
void colo_agent_msg_error(struct colo_agent_msg *msg, enum colo_agent_err code, const char *text);

/*
 * Encodes msg into buf. Returns the message length, -EINVAL when msg would not pass the
 * decoder's checks, -ENOSPC when cap is too small (COLO_AGENT_MAX_MSG always suffices).
 */
int colo_agent_encode(const struct colo_agent_msg *msg, uint8_t *buf, size_t cap);

/* Incremental decoder: holds at most one partial message. */
struct colo_agent_dec {
	uint8_t buf[COLO_AGENT_MAX_MSG];
	size_t have;
	uint32_t len;		 /* payload length, once the header is in */
	enum colo_agent_err err; /* sticky: once set, every feed fails */
	char why[128];
};

void colo_agent_dec_init(struct colo_agent_dec *dec);
/*
 * Consumes bytes up to the end of one message. Returns 1 when msg was filled (more bytes may
 * remain: feed them again), 0 when all len bytes were consumed without completing a message,
 * -EPROTO on malformed input (dec->err and dec->why say what; the stream cannot continue).
 * *used is the number of bytes consumed in every case.
 */
int colo_agent_dec_feed(struct colo_agent_dec *dec, const void *data, size_t len, size_t *used,
			struct colo_agent_msg *msg);

#endif /* COLO_AGENT_WIRE_H */
