/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The checkpoint agent protocol's session: a state machine, the same on both sides, that
 * checks each message sent or received against the conversation so far (sequence numbers,
 * acknowledgements, the one checkpoint in flight) and assigns sequence numbers to what is
 * sent. Pure logic on decoded messages (lib/agent_wire.h); docs/agent-protocol.md has the rules.
 */
#ifndef COLO_AGENT_SESSION_H
#define COLO_AGENT_SESSION_H

#include "lib/agent_wire.h"

/* Session state machine: which messages fit the conversation so far. */
enum colo_agent_side {
	COLO_AGENT_SIDE_DATAPLANE = 0,
	COLO_AGENT_SIDE_AGENT = 1,
};

enum colo_agent_state {
	COLO_AGENT_ST_HELLO = 0, /* waiting for the peer's HELLO */
	COLO_AGENT_ST_IDLE,	 /* no checkpoint requested */
	COLO_AGENT_ST_REQUESTED, /* request txid sent, no BEGIN yet */
	COLO_AGENT_ST_BEGUN,	 /* BEGIN txid seen: replicas paused */
	COLO_AGENT_ST_FAILOVER,	 /* failover declared: no more checkpoints */
};

struct colo_agent_pending {
	uint16_t type;
	uint32_t seq;
	uint32_t txid;
};

struct colo_agent_sess {
	enum colo_agent_side side;
	enum colo_agent_state state;
	bool hello_sent;
	uint32_t txid;	   /* checkpoint in flight (REQUESTED/BEGUN), else the last one */
	uint32_t tx_seq;   /* last sequence number sent */
	uint32_t rx_seq;   /* last sequence number received */
	uint32_t features; /* announced in this side's HELLO */
	uint16_t peer_version;
	uint32_t peer_features;
	/* Sent messages awaiting the peer's ACK, oldest first (acks arrive in order). */
	struct colo_agent_pending unacked[COLO_AGENT_MAX_UNACKED];
	unsigned int unacked_head, unacked_count;
	enum colo_agent_err err; /* why the last tx/rx was refused */
	char why[128];
};

const char *colo_agent_state_name(unsigned int state);
/* True when both HELLOs announced the ORIGIN feature: requests carry their origin. */
bool colo_agent_sess_origin(const struct colo_agent_sess *sess);
void colo_agent_sess_init(struct colo_agent_sess *sess, enum colo_agent_side side);
/*
 * Checks that this side may send msg now, assigns msg->seq and advances the state.
 * Returns 0, -EPROTO (sess->err/why say why), or -ENOBUFS when too many are unacknowledged.
 */
int colo_agent_sess_tx(struct colo_agent_sess *sess, struct colo_agent_msg *msg);
/*
 * Checks a decoded message from the peer against the session and advances the state.
 * Returns 0 or -EPROTO (sess->err/why say why: a protocol error, close the connection).
 * A received ERROR is accepted (0): the caller logs it and closes.
 */
int colo_agent_sess_rx(struct colo_agent_sess *sess, const struct colo_agent_msg *msg);

#endif /* COLO_AGENT_SESSION_H */
