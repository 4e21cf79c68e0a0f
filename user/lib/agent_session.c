// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint agent protocol, the session: which message fits the conversation so far, on
 * either side. docs/agent-protocol.md ("Sequence numbers", "Session states") is the rule book.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/agent_session.h"
#include "lib/names.h"

static const char *const state_names[] = {
	[COLO_AGENT_ST_HELLO] = "hello",	 [COLO_AGENT_ST_IDLE] = "idle",
	[COLO_AGENT_ST_REQUESTED] = "requested", [COLO_AGENT_ST_BEGUN] = "begun",
	[COLO_AGENT_ST_FAILOVER] = "failover",
};

const char *colo_agent_state_name(unsigned int state)
{
	return COLO_NAME_OF(state_names, state);
}

/* Records why the session refused a message; returns -EPROTO. */
static int __attribute__((format(printf, 3, 4)))
sfail(struct colo_agent_sess *sess, enum colo_agent_err code, const char *fmt, ...)
{
	va_list ap;

	sess->err = code;
	va_start(ap, fmt);
	vsnprintf(sess->why, sizeof(sess->why), fmt, ap);
	va_end(ap);
	return -EPROTO;
}

void colo_agent_sess_init(struct colo_agent_sess *sess, enum colo_agent_side side)
{
	memset(sess, 0, sizeof(*sess));
	sess->side = side;
	sess->state = COLO_AGENT_ST_HELLO;
}

bool colo_agent_sess_origin(const struct colo_agent_sess *sess)
{
	return sess->features & sess->peer_features & COLO_AGENT_FEATURE_ORIGIN;
}

/* The 64-byte REQUEST only where both sides announced ORIGIN. */
static int check_form(struct colo_agent_sess *sess, const struct colo_agent_msg *msg)
{
	if (msg->type != COLO_AGENT_CHECKPOINT_REQUEST || !msg->request.has_origin ||
	    colo_agent_sess_origin(sess))
		return 0;
	return sfail(sess, COLO_AGENT_E_SIZE,
		     "request %u carries its origin, but the origin feature is not agreed",
		     msg->txid);
}

/* Which side may send a type. */
static bool sent_by(enum colo_agent_side side, uint16_t type)
{
	switch (type) {
	case COLO_AGENT_CHECKPOINT_REQUEST:
		return side == COLO_AGENT_SIDE_DATAPLANE;
	case COLO_AGENT_CHECKPOINT_BEGIN:
	case COLO_AGENT_CHECKPOINT_COMMIT:
	case COLO_AGENT_CHECKPOINT_ABORT:
	case COLO_AGENT_FAILOVER:
		return side == COLO_AGENT_SIDE_AGENT;
	default:
		return true;
	}
}

static const char *side_name(enum colo_agent_side side)
{
	return side == COLO_AGENT_SIDE_DATAPLANE ? "dataplane" : "agent";
}

/* The outstanding checkpoint must be msg's: state in REQUESTED/BEGUN, same id. */
static int check_txid(struct colo_agent_sess *sess, const struct colo_agent_msg *msg)
{
	const char *t = colo_agent_type_name(msg->type);

	if (sess->state != COLO_AGENT_ST_REQUESTED && sess->state != COLO_AGENT_ST_BEGUN)
		return sfail(sess, COLO_AGENT_E_STATE, "%s %u in state %s: no checkpoint in flight",
			     t, msg->txid, colo_agent_state_name(sess->state));
	if (msg->txid != sess->txid)
		return sfail(sess, COLO_AGENT_E_TXID, "%s for checkpoint %u, but %u is in flight",
			     t, msg->txid, sess->txid);
	return 0;
}

/*
 * The checkpoint transaction: the same rules whichever side runs the session and whichever
 * side sent msg (sent_by() already checked that). Called once the peer's HELLO is in.
 */
static int advance(struct colo_agent_sess *sess, const struct colo_agent_msg *msg)
{
	const char *t = colo_agent_type_name(msg->type);

	if (sess->state == COLO_AGENT_ST_FAILOVER && msg->type != COLO_AGENT_FAILOVER)
		return sfail(sess, COLO_AGENT_E_STATE, "%s after failover", t);
	switch (msg->type) {
	case COLO_AGENT_CHECKPOINT_REQUEST:
		if (sess->state != COLO_AGENT_ST_IDLE)
			return sfail(sess, COLO_AGENT_E_STATE,
				     "request %u while checkpoint %u is in flight", msg->txid,
				     sess->txid);
		if (msg->txid <= sess->txid)
			return sfail(sess, COLO_AGENT_E_TXID,
				     "request id %u not above the previous %u", msg->txid,
				     sess->txid);
		sess->txid = msg->txid;
		sess->state = COLO_AGENT_ST_REQUESTED;
		return 0;
	case COLO_AGENT_CHECKPOINT_BEGIN:
		if (check_txid(sess, msg))
			return -EPROTO;
		if (sess->state == COLO_AGENT_ST_BEGUN)
			return sfail(sess, COLO_AGENT_E_STATE, "second begin for checkpoint %u",
				     msg->txid);
		sess->state = COLO_AGENT_ST_BEGUN;
		return 0;
	case COLO_AGENT_CHECKPOINT_COMMIT:
		if (!msg->txid)
			return 0; /* a checkpoint the VMM started: fits any state */
		if (check_txid(sess, msg))
			return -EPROTO;
		if (sess->state != COLO_AGENT_ST_BEGUN)
			return sfail(sess, COLO_AGENT_E_STATE, "commit %u before begin", msg->txid);
		sess->state = COLO_AGENT_ST_IDLE;
		return 0;
	case COLO_AGENT_CHECKPOINT_ABORT:
		if (check_txid(sess, msg))
			return -EPROTO;
		sess->state = COLO_AGENT_ST_IDLE;
		return 0;
	case COLO_AGENT_FAILOVER:
		sess->state = COLO_AGENT_ST_FAILOVER;
		return 0;
	default:
		return 0;
	}
}

int colo_agent_sess_tx(struct colo_agent_sess *sess, struct colo_agent_msg *msg)
{
	const char *t = colo_agent_type_name(msg->type);
	struct colo_agent_pending *p;
	int err;

	sess->err = COLO_AGENT_E_NONE;
	if (msg->type == COLO_AGENT_HELLO && sess->hello_sent)
		return sfail(sess, COLO_AGENT_E_STATE, "hello sent twice");
	if (msg->type != COLO_AGENT_HELLO && msg->type != COLO_AGENT_ERROR && !sess->hello_sent)
		return sfail(sess, COLO_AGENT_E_STATE, "%s before hello", t);
	if (!sent_by(sess->side, msg->type))
		return sfail(sess, COLO_AGENT_E_DIRECTION, "the %s never sends %s",
			     side_name(sess->side), t);
	if (colo_agent_type_needs_ack(msg->type)) {
		if (sess->state == COLO_AGENT_ST_HELLO)
			return sfail(sess, COLO_AGENT_E_STATE, "%s before the peer's hello", t);
		if (sess->unacked_count == COLO_AGENT_MAX_UNACKED) {
			sfail(sess, COLO_AGENT_E_ACK, "%u messages await an ack",
			      COLO_AGENT_MAX_UNACKED);
			return -ENOBUFS;
		}
		err = check_form(sess, msg) ?: advance(sess, msg);
		if (err)
			return err;
		p = &sess->unacked[(sess->unacked_head + sess->unacked_count++) %
				   COLO_AGENT_MAX_UNACKED];
		p->type = msg->type;
		p->seq = sess->tx_seq + 1;
		p->txid = msg->txid;
	}
	if (msg->type == COLO_AGENT_HELLO) {
		sess->hello_sent = true;
		sess->features = msg->hello.features;
	}
	msg->seq = ++sess->tx_seq;
	return 0;
}

static int rx_ack(struct colo_agent_sess *sess, const struct colo_agent_msg *msg)
{
	struct colo_agent_pending *p = &sess->unacked[sess->unacked_head];

	if (!sess->unacked_count)
		return sfail(sess, COLO_AGENT_E_ACK, "ack of %s seq %u: nothing awaits an ack",
			     colo_agent_type_name(msg->ack.type), msg->ack.seq);
	if (p->type != msg->ack.type || p->seq != msg->ack.seq || p->txid != msg->txid)
		return sfail(sess, COLO_AGENT_E_ACK,
			     "ack of %s seq %u txid %u, expected %s seq %u txid %u",
			     colo_agent_type_name(msg->ack.type), msg->ack.seq, msg->txid,
			     colo_agent_type_name(p->type), p->seq, p->txid);
	sess->unacked_head = (sess->unacked_head + 1) % COLO_AGENT_MAX_UNACKED;
	sess->unacked_count--;
	return 0;
}

/* Every check but the sequence number; changes the state only when the message fits. */
static int rx_fits(struct colo_agent_sess *sess, const struct colo_agent_msg *msg)
{
	enum colo_agent_side peer = sess->side == COLO_AGENT_SIDE_DATAPLANE
					    ? COLO_AGENT_SIDE_AGENT
					    : COLO_AGENT_SIDE_DATAPLANE;
	const char *t = colo_agent_type_name(msg->type);

	if (msg->type == COLO_AGENT_ERROR)
		return 0;
	if (!sent_by(peer, msg->type))
		return sfail(sess, COLO_AGENT_E_DIRECTION, "the %s never receives %s",
			     side_name(sess->side), t);
	if (sess->state == COLO_AGENT_ST_HELLO) {
		if (msg->type != COLO_AGENT_HELLO)
			return sfail(sess, COLO_AGENT_E_STATE, "%s before hello", t);
		sess->peer_version = msg->hello.version;
		sess->peer_features = msg->hello.features;
		sess->state = COLO_AGENT_ST_IDLE;
		return 0;
	}
	if (msg->type == COLO_AGENT_HELLO)
		return sfail(sess, COLO_AGENT_E_STATE, "second hello");
	if (msg->type == COLO_AGENT_ACK)
		return rx_ack(sess, msg);
	return check_form(sess, msg) ?: advance(sess, msg);
}

int colo_agent_sess_rx(struct colo_agent_sess *sess, const struct colo_agent_msg *msg)
{
	int err;

	sess->err = COLO_AGENT_E_NONE;
	if (msg->seq != sess->rx_seq + 1)
		return sfail(sess, COLO_AGENT_E_SEQ, "%s with sequence %u, expected %u",
			     colo_agent_type_name(msg->type), msg->seq, sess->rx_seq + 1);
	err = rx_fits(sess, msg);
	if (!err)
		sess->rx_seq = msg->seq;
	return err;
}
