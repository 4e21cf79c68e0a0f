// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint agent protocol, the wire: message constructors, encoder, incremental decoder.
 * docs/agent-protocol.md is the specification this code follows byte for byte.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/agent_wire.h"
#include "lib/frame.h"
#include "lib/names.h"

/* Payload sizes; ERROR carries 4 bytes and then 0..COLO_AGENT_MAX_TEXT bytes of text. */
#define HELLO_LEN     8
#define REQUEST_LEN   48
#define ORIGIN_LEN    16 /* the ORIGIN feature's tail of a REQUEST */
#define COMMIT_LEN    4
#define ACK_LEN	      8
#define ERROR_MIN_LEN 4
_Static_assert(ERROR_MIN_LEN + COLO_AGENT_MAX_TEXT >= REQUEST_LEN + ORIGIN_LEN,
	       "ERROR is the longest");
_Static_assert(ERROR_MIN_LEN + COLO_AGENT_MAX_TEXT <= COLO_AGENT_MAX_PAYLOAD, "payload bound");

static const char *const type_names[COLO_AGENT_TYPE_MAX] = {
	[COLO_AGENT_HELLO] = "hello",
	[COLO_AGENT_CHECKPOINT_REQUEST] = "request",
	[COLO_AGENT_CHECKPOINT_BEGIN] = "begin",
	[COLO_AGENT_CHECKPOINT_COMMIT] = "commit",
	[COLO_AGENT_CHECKPOINT_ABORT] = "abort",
	[COLO_AGENT_FAILOVER] = "failover",
	[COLO_AGENT_ACK] = "ack",
	[COLO_AGENT_ERROR] = "error",
};

static const char *const reason_names[COLO_AGENT_REASON_MAX] = {
	[COLO_AGENT_REASON_MISMATCH] = "mismatch",
	[COLO_AGENT_REASON_TIMEOUT] = "timeout",
	[COLO_AGENT_REASON_QUEUE_FULL] = "queue_full",
	[COLO_AGENT_REASON_TABLE_FULL] = "table_full",
};

static const char *const err_names[COLO_AGENT_E_MAX] = {
	[COLO_AGENT_E_NONE] = "none",		[COLO_AGENT_E_MAGIC] = "magic",
	[COLO_AGENT_E_TYPE] = "type",		[COLO_AGENT_E_LENGTH] = "length",
	[COLO_AGENT_E_SIZE] = "size",		[COLO_AGENT_E_VERSION] = "version",
	[COLO_AGENT_E_RESERVED] = "reserved",	[COLO_AGENT_E_REASON] = "reason",
	[COLO_AGENT_E_FLOW] = "flow",		[COLO_AGENT_E_FLAGS] = "flags",
	[COLO_AGENT_E_TEXT] = "text",		[COLO_AGENT_E_SEQ] = "seq",
	[COLO_AGENT_E_DIRECTION] = "direction", [COLO_AGENT_E_STATE] = "state",
	[COLO_AGENT_E_TXID] = "txid",		[COLO_AGENT_E_ACK] = "ack",
	[COLO_AGENT_E_BUSY] = "busy",
};

const char *colo_agent_type_name(unsigned int type)
{
	return COLO_NAME_OF(type_names, type);
}

const char *colo_agent_reason_name(unsigned int reason)
{
	return COLO_NAME_OF(reason_names, reason);
}

const char *colo_agent_err_name(unsigned int err)
{
	return COLO_NAME_OF(err_names, err);
}

bool colo_agent_type_needs_ack(unsigned int type)
{
	return type >= COLO_AGENT_CHECKPOINT_REQUEST && type <= COLO_AGENT_FAILOVER;
}

/* The flow as the comparator and replay name it (colo_flow_format), or "none". */
char *colo_agent_flow_str(const struct colo_flow_key *flow, char *buf, size_t len)
{
	if (!flow || (flow->family != 4 && flow->family != 6) ||
	    colo_flow_format(flow, buf, len) < 0)
		snprintf(buf, len, "none");
	return buf;
}

void colo_agent_msg_simple(struct colo_agent_msg *msg, enum colo_agent_type type, uint32_t id)
{
	memset(msg, 0, sizeof(*msg));
	msg->type = type;
	msg->txid = id;
}

void colo_agent_msg_hello(struct colo_agent_msg *msg, uint32_t features)
{
	colo_agent_msg_simple(msg, COLO_AGENT_HELLO, 0);
	msg->hello.version = COLO_AGENT_VERSION;
	msg->hello.features = features;
}

void colo_agent_msg_request(struct colo_agent_msg *msg, uint32_t id, enum colo_agent_reason reason,
			    const struct colo_flow_key *flow, uint64_t time_ns)
{
	colo_agent_msg_simple(msg, COLO_AGENT_CHECKPOINT_REQUEST, id);
	msg->request.time_ns = time_ns;
	msg->request.reason = reason;
	if (flow) {
		msg->request.flow = *flow;
		memset(msg->request.flow.pad, 0, sizeof(msg->request.flow.pad));
	}
}

void colo_agent_msg_request_origin(struct colo_agent_msg *msg, const struct colo_agent_origin *o)
{
	struct colo_agent_origin *to = &msg->request.origin;

	/* Field by field: the message keeps the zeroed padding of its constructor. */
	msg->request.has_origin = true;
	to->side = o->side;
	to->pos_kind = o->pos_kind;
	to->pos = o->pos;
	to->waited_ns = o->waited_ns;
}

const char *colo_agent_side_name(unsigned int side)
{
	static const char *const side_names[] = {"primary", "secondary"};

	return COLO_NAME_OF(side_names, side);
}

void colo_agent_msg_commit(struct colo_agent_msg *msg, uint32_t id, uint32_t flags)
{
	colo_agent_msg_simple(msg, COLO_AGENT_CHECKPOINT_COMMIT, id);
	msg->commit.flags = flags;
}

void colo_agent_msg_ack(struct colo_agent_msg *msg, const struct colo_agent_msg *acked)
{
	colo_agent_msg_simple(msg, COLO_AGENT_ACK, acked->txid);
	msg->ack.type = acked->type;
	msg->ack.seq = acked->seq;
}

void colo_agent_msg_error(struct colo_agent_msg *msg, enum colo_agent_err code, const char *text)
{
	size_t i;

	colo_agent_msg_simple(msg, COLO_AGENT_ERROR, 0);
	msg->error.code = code;
	/* Keep what is printable ASCII, so the text always passes the receiver's check. */
	for (i = 0; text && *text && i < COLO_AGENT_MAX_TEXT; text++)
		msg->error.text[i++] = (*text >= 0x20 && *text < 0x7f) ? *text : '?';
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* Sets err/why; returns -EPROTO so callers can `return fail(...)`. */
static int __attribute__((format(printf, 4, 5)))
fail(enum colo_agent_err *err, char *why, enum colo_agent_err code, const char *fmt, ...)
{
	va_list ap;

	*err = code;
	va_start(ap, fmt);
	vsnprintf(why, 128, fmt, ap);
	va_end(ap);
	return -EPROTO;
}

/* The exact payload size for type, or -1 when it varies (ERROR). */
static int fixed_len(uint16_t type)
{
	switch (type) {
	case COLO_AGENT_HELLO:
		return HELLO_LEN;
	case COLO_AGENT_CHECKPOINT_REQUEST:
		return REQUEST_LEN;
	case COLO_AGENT_CHECKPOINT_COMMIT:
		return COMMIT_LEN;
	case COLO_AGENT_ACK:
		return ACK_LEN;
	case COLO_AGENT_ERROR:
		return -1;
	default:
		return 0;
	}
}

/* Header checks, in wire order. hdr holds COLO_AGENT_HDR_LEN bytes. */
static int check_header(const uint8_t *hdr, enum colo_agent_err *err, char *why)
{
	uint16_t magic = get16(hdr), type = get16(hdr + 2);
	uint32_t txid = get32(hdr + 4), len = get32(hdr + 12);
	int want;

	if (magic != COLO_AGENT_MAGIC)
		return fail(err, why, COLO_AGENT_E_MAGIC, "bad magic 0x%04x", magic);
	if (type == 0 || type >= COLO_AGENT_TYPE_MAX)
		return fail(err, why, COLO_AGENT_E_TYPE, "unknown message type %u", type);
	if (len > COLO_AGENT_MAX_PAYLOAD)
		return fail(err, why, COLO_AGENT_E_LENGTH, "%s payload of %u bytes exceeds %u",
			    colo_agent_type_name(type), len, COLO_AGENT_MAX_PAYLOAD);
	want = fixed_len(type);
	/* A REQUEST has two forms: without and with the ORIGIN tail. */
	if (type == COLO_AGENT_CHECKPOINT_REQUEST && len == REQUEST_LEN + ORIGIN_LEN)
		want = (int)len;
	if (want >= 0 && len != (uint32_t)want)
		return fail(err, why, COLO_AGENT_E_SIZE, "%s payload is %u bytes, expected %d",
			    colo_agent_type_name(type), len, want);
	if (want < 0 && (len < ERROR_MIN_LEN || len > ERROR_MIN_LEN + COLO_AGENT_MAX_TEXT))
		return fail(err, why, COLO_AGENT_E_SIZE,
			    "error payload is %u bytes, expected %u..%u", len, ERROR_MIN_LEN,
			    ERROR_MIN_LEN + COLO_AGENT_MAX_TEXT);
	/* Only checkpoint messages and ACK carry a transaction id. */
	if (txid &&
	    (type == COLO_AGENT_HELLO || type == COLO_AGENT_FAILOVER || type == COLO_AGENT_ERROR))
		return fail(err, why, COLO_AGENT_E_TXID, "%s with transaction id %u, expected 0",
			    colo_agent_type_name(type), txid);
	if (!txid && (type == COLO_AGENT_CHECKPOINT_REQUEST ||
		      type == COLO_AGENT_CHECKPOINT_BEGIN || type == COLO_AGENT_CHECKPOINT_ABORT))
		return fail(err, why, COLO_AGENT_E_TXID, "%s without a transaction id",
			    colo_agent_type_name(type));
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static bool v4_mapped(const uint8_t *a)
{
	return all_zero(a, 10) && a[10] == 0xff && a[11] == 0xff;
}

/* Flow key at p (REQUEST payload offset 10, 38 bytes) into flow. */
static int parse_flow(const uint8_t *p, struct colo_flow_key *flow, enum colo_agent_err *err,
		      char *why)
{
	flow->family = p[0];
	flow->proto = p[1];
	memcpy(&flow->sport, p + 2, 2);
	memcpy(&flow->dport, p + 4, 2);
	memcpy(flow->saddr, p + 6, 16);
	memcpy(flow->daddr, p + 22, 16);
	switch (flow->family) {
	case 0:
		if (!all_zero(p + 1, 37))
			return fail(err, why, COLO_AGENT_E_FLOW,
				    "flow without family has fields set");
		return 0;
	case 4:
		if (!v4_mapped(flow->saddr) || !v4_mapped(flow->daddr))
			return fail(err, why, COLO_AGENT_E_FLOW,
				    "IPv4 flow address not IPv4-mapped (::ffff:a.b.c.d)");
		return 0;
	case 6:
		return 0;
	default:
		return fail(err, why, COLO_AGENT_E_FLOW, "flow family %u (expected 0, 4 or 6)",
			    flow->family);
	}
}

static int parse_text(const uint8_t *p, size_t n, char *text, enum colo_agent_err *err, char *why)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] >= 0x7f)
			return fail(err, why, COLO_AGENT_E_TEXT,
				    "error text byte %zu is 0x%02x, not printable ASCII", i, p[i]);
		text[i] = (char)p[i];
	}
	text[n] = '\0';
	return 0;
}

/* The ORIGIN tail of a REQUEST (payload offset 48, 16 bytes). */
static int parse_origin(const uint8_t *p, struct colo_agent_msg *msg, enum colo_agent_err *err,
			char *why)
{
	struct colo_agent_origin *o = &msg->request.origin;

	msg->request.has_origin = true;
	o->side = p[0];
	o->pos_kind = p[1];
	o->pos = get32(p + 4);
	o->waited_ns = get64(p + 8);
	if (o->side > 1)
		return fail(err, why, COLO_AGENT_E_FLOW, "origin side %u (expected 0 or 1)",
			    o->side);
	if (o->pos_kind >= COLO_AGENT_POS_MAX)
		return fail(err, why, COLO_AGENT_E_FLOW, "origin position kind %u out of range",
			    o->pos_kind);
	if (get16(p + 2))
		return fail(err, why, COLO_AGENT_E_RESERVED, "origin reserved field is 0x%04x",
			    get16(p + 2));
	if (o->pos_kind == COLO_AGENT_POS_NONE && o->pos)
		return fail(err, why, COLO_AGENT_E_FLOW, "origin position %u without a kind",
			    o->pos);
	return 0;
}

/* Payload checks for a message whose header passed check_header(). */
static int parse_payload(const uint8_t *hdr, struct colo_agent_msg *msg, enum colo_agent_err *err,
			 char *why)
{
	const uint8_t *p = hdr + COLO_AGENT_HDR_LEN;
	uint32_t len = get32(hdr + 12);

	memset(msg, 0, sizeof(*msg));
	msg->type = get16(hdr + 2);
	msg->txid = get32(hdr + 4);
	msg->seq = get32(hdr + 8);
	switch (msg->type) {
	case COLO_AGENT_HELLO:
		msg->hello.version = get16(p);
		msg->hello.features = get32(p + 4);
		if (msg->hello.version != COLO_AGENT_VERSION)
			return fail(err, why, COLO_AGENT_E_VERSION,
				    "protocol version %u, expected %u", msg->hello.version,
				    COLO_AGENT_VERSION);
		if (get16(p + 2))
			return fail(err, why, COLO_AGENT_E_RESERVED,
				    "hello reserved field is 0x%04x", get16(p + 2));
		return 0;
	case COLO_AGENT_CHECKPOINT_REQUEST:
		msg->request.time_ns = get64(p);
		msg->request.reason = get16(p + 8);
		if (msg->request.reason >= COLO_AGENT_REASON_MAX)
			return fail(err, why, COLO_AGENT_E_REASON,
				    "checkpoint reason %u out of range", msg->request.reason);
		if (parse_flow(p + 10, &msg->request.flow, err, why))
			return -EPROTO;
		return len == REQUEST_LEN ? 0 : parse_origin(p + REQUEST_LEN, msg, err, why);
	case COLO_AGENT_CHECKPOINT_COMMIT:
		msg->commit.flags = get32(p);
		if (msg->commit.flags & ~(uint32_t)COLO_AGENT_COMMIT_ALL)
			return fail(err, why, COLO_AGENT_E_FLAGS, "unknown commit flags 0x%x",
				    msg->commit.flags & ~(uint32_t)COLO_AGENT_COMMIT_ALL);
		return 0;
	case COLO_AGENT_ACK:
		msg->ack.type = get16(p);
		msg->ack.seq = get32(p + 4);
		if (!colo_agent_type_needs_ack(msg->ack.type))
			return fail(err, why, COLO_AGENT_E_TYPE, "ack of message type %u (%s)",
				    msg->ack.type, colo_agent_type_name(msg->ack.type));
		if (get16(p + 2))
			return fail(err, why, COLO_AGENT_E_RESERVED, "ack reserved field is 0x%04x",
				    get16(p + 2));
		return 0;
	case COLO_AGENT_ERROR:
		msg->error.code = get16(p);
		if (get16(p + 2))
			return fail(err, why, COLO_AGENT_E_RESERVED,
				    "error reserved field is 0x%04x", get16(p + 2));
		return parse_text(p + ERROR_MIN_LEN, len - ERROR_MIN_LEN, msg->error.text, err,
				  why);
	default:
		return 0; /* BEGIN, ABORT, FAILOVER: empty payload */
	}
}

static size_t encode_payload(const struct colo_agent_msg *msg, uint8_t *p)
{
	const struct colo_flow_key *f = &msg->request.flow;
	size_t n;

	switch (msg->type) {
	case COLO_AGENT_HELLO:
		put16(p, msg->hello.version);
		put16(p + 2, 0);
		put32(p + 4, msg->hello.features);
		return HELLO_LEN;
	case COLO_AGENT_CHECKPOINT_REQUEST:
		put64(p, msg->request.time_ns);
		put16(p + 8, msg->request.reason);
		p[10] = f->family;
		p[11] = f->proto;
		memcpy(p + 12, &f->sport, 2);
		memcpy(p + 14, &f->dport, 2);
		memcpy(p + 16, f->saddr, 16);
		memcpy(p + 32, f->daddr, 16);
		if (!msg->request.has_origin)
			return REQUEST_LEN;
		p[48] = msg->request.origin.side;
		p[49] = msg->request.origin.pos_kind;
		put16(p + 50, 0);
		put32(p + 52, msg->request.origin.pos);
		put64(p + 56, msg->request.origin.waited_ns);
		return REQUEST_LEN + ORIGIN_LEN;
	case COLO_AGENT_CHECKPOINT_COMMIT:
		put32(p, msg->commit.flags);
		return COMMIT_LEN;
	case COLO_AGENT_ACK:
		put16(p, msg->ack.type);
		put16(p + 2, 0);
		put32(p + 4, msg->ack.seq);
		return ACK_LEN;
	case COLO_AGENT_ERROR:
		n = strnlen(msg->error.text, COLO_AGENT_MAX_TEXT);
		put16(p, msg->error.code);
		put16(p + 2, 0);
		memcpy(p + ERROR_MIN_LEN, msg->error.text, n);
		return ERROR_MIN_LEN + n;
	default:
		return 0;
	}
}

int colo_agent_encode(const struct colo_agent_msg *msg, uint8_t *buf, size_t cap)
{
	uint8_t tmp[COLO_AGENT_HDR_LEN + ERROR_MIN_LEN + COLO_AGENT_MAX_TEXT];
	struct colo_agent_msg check;
	enum colo_agent_err err;
	char why[128];
	size_t len;

	if (msg->type == 0 || msg->type >= COLO_AGENT_TYPE_MAX)
		return -EINVAL;
	len = encode_payload(msg, tmp + COLO_AGENT_HDR_LEN);
	put16(tmp, COLO_AGENT_MAGIC);
	put16(tmp + 2, msg->type);
	put32(tmp + 4, msg->txid);
	put32(tmp + 8, msg->seq);
	put32(tmp + 12, (uint32_t)len);
	/* What we send passes the same checks as what we receive. */
	if (check_header(tmp, &err, why) || parse_payload(tmp, &check, &err, why))
		return -EINVAL;
	if (cap < COLO_AGENT_HDR_LEN + len)
		return -ENOSPC;
	memcpy(buf, tmp, COLO_AGENT_HDR_LEN + len);
	return (int)(COLO_AGENT_HDR_LEN + len);
}

void colo_agent_dec_init(struct colo_agent_dec *dec)
{
	dec->have = 0;
	dec->len = 0;
	dec->err = COLO_AGENT_E_NONE;
	dec->why[0] = '\0';
}

int colo_agent_dec_feed(struct colo_agent_dec *dec, const void *data, size_t len, size_t *used,
			struct colo_agent_msg *msg)
{
	const uint8_t *in = data;
	size_t need, take;

	*used = 0;
	if (dec->err)
		return -EPROTO;
	while (*used < len) {
		/* The magic first, to refuse a foreign stream early. */
		if (dec->have < 2)
			need = 2 - dec->have;
		else if (dec->have < COLO_AGENT_HDR_LEN)
			need = COLO_AGENT_HDR_LEN - dec->have;
		else
			need = COLO_AGENT_HDR_LEN + dec->len - dec->have;
		take = need < len - *used ? need : len - *used;
		memcpy(dec->buf + dec->have, in + *used, take);
		dec->have += take;
		*used += take;
		if (dec->have == 2 && get16(dec->buf) != COLO_AGENT_MAGIC)
			return fail(&dec->err, dec->why, COLO_AGENT_E_MAGIC, "bad magic 0x%04x",
				    get16(dec->buf));
		if (dec->have < COLO_AGENT_HDR_LEN)
			continue;
		if (dec->have == COLO_AGENT_HDR_LEN) {
			if (check_header(dec->buf, &dec->err, dec->why))
				return -EPROTO;
			dec->len = get32(dec->buf + 12);
		}
		if (dec->have == COLO_AGENT_HDR_LEN + dec->len) {
			dec->have = 0;
			if (parse_payload(dec->buf, msg, &dec->err, dec->why))
				return -EPROTO;
			return 1;
		}
	}
	return 0;
}
