// SPDX-License-Identifier: GPL-2.0-only
/*
 * State record stream: header, record framing, the two-pass reader and the writer.
 * docs/state-format.md is the specification this code follows byte for byte; state_records.c
 * holds each record type's layout and rules. One decoder checks every record, for the reader
 * and for the writer alike (the writer encodes a record, then reads it back before keeping it).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/names.h"
#include "lib/state_records.h"
#include "lib/state_stream.h"

static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void check_init(struct check *k, const struct colo_state_expect *expect,
		       struct colo_state_err *err)
{
	memset(k, 0, sizeof(*k));
	k->expect = expect;
	k->err = err;
	k->index = -1;
}

/* Forgets the records seen but keeps the memory: a second walk allocates nothing. */
static void check_rewind(struct check *k)
{
	if (k->ids)
		memset(k->ids, 0, k->ids_cap * sizeof(*k->ids));
	k->nconns = 0;
	k->have_global = k->have_checkpoint = k->have_agent = false;
	memset(k->shard_conns, 0, sizeof(k->shard_conns));
	k->index = -1;
}

static void check_fini(struct check *k)
{
	free(k->conns);
	free(k->ids);
	free(k->hist);
}

/* ---- header -------------------------------------------------------------------------------- */

static void put_header(uint8_t *p)
{
	struct put o = {p, 0};

	put_bytes(&o, COLO_STATE_MAGIC, 8);
	put32(&o, COLO_STATE_ENDIAN);
	put32(&o, COLO_STATE_VERSION);
	put32(&o, COLO_STATE_FEATURES);
	put32(&o, 0);
}

static int read_header(struct check *k, const uint8_t *buf, size_t len)
{
	struct cur c = {buf, 0};
	uint32_t endian, version, features, reserved;

	CHECK(len >= COLO_STATE_HDR_LEN, "length", len, "truncated: a header is %u bytes",
	      COLO_STATE_HDR_LEN);
	CHECK(!memcmp(buf, COLO_STATE_MAGIC, 8), "magic", 0,
	      "not \"" COLO_STATE_MAGIC "\": not a colo-xdp state stream");
	c.off = 8;
	endian = get32(&c);
	CHECK(endian != __builtin_bswap32(COLO_STATE_ENDIAN), "endian", endian,
	      "written in the other byte order");
	CHECK(endian == COLO_STATE_ENDIAN, "endian", endian, "not 0x%08x", COLO_STATE_ENDIAN);
	version = get32(&c);
	CHECK(version == COLO_STATE_VERSION, "version", version, "this build reads version %u",
	      COLO_STATE_VERSION);
	features = get32(&c);
	CHECK(!(features & ~COLO_STATE_FEATURES), "features", features,
	      "unknown bits 0x%x (this build knows 0x%x)", features & ~COLO_STATE_FEATURES,
	      COLO_STATE_FEATURES);
	CHECK((features & COLO_STATE_FEATURES) == COLO_STATE_FEATURES, "features", features,
	      "lacks 0x%x, which this build needs", COLO_STATE_FEATURES & ~features);
	reserved = get32(&c);
	CHECK(!reserved, "reserved", reserved, "not zero");
	return 0;
}

/* ---- records ------------------------------------------------------------------------------ */

union record {
	struct colo_state_global global;
	struct colo_state_conn conn;
	struct colo_state_frame frame;
	struct colo_state_checkpoint cp;
	struct colo_state_agent agent;
};

static int call(const struct colo_state_ops *ops, void *ctx, uint32_t type, const union record *r)
{
	if (!ops)
		return 0;
	switch (type) {
	case COLO_STATE_GLOBAL:
		return ops->global ? ops->global(ctx, &r->global) : 0;
	case COLO_STATE_CONN:
		return ops->conn ? ops->conn(ctx, &r->conn) : 0;
	case COLO_STATE_FRAME:
		return ops->frame ? ops->frame(ctx, &r->frame) : 0;
	case COLO_STATE_CHECKPOINT:
		return ops->checkpoint ? ops->checkpoint(ctx, &r->cp) : 0;
	case COLO_STATE_AGENT:
		return ops->agent ? ops->agent(ctx, &r->agent) : 0;
	}
	return 0;
}

static int read_body(struct check *k, struct cur *c, uint32_t len, union record *rec)
{
	switch (k->type) {
	case COLO_STATE_GLOBAL:
		return state_read_global(k, c, len, &rec->global);
	case COLO_STATE_CONN:
		return state_read_conn(k, c, len, &rec->conn);
	case COLO_STATE_FRAME:
		return state_read_frame(k, c, len, &rec->frame);
	case COLO_STATE_CHECKPOINT:
		return state_read_checkpoint(k, c, len, &rec->cp);
	case COLO_STATE_AGENT:
		return state_read_agent(k, c, len, &rec->agent);
	}
	return state_check_end(k, len);
}

/*
 * Checks the record at p (avail bytes to the end of the stream) and fills rec; *size is its
 * length with header and padding.
 */
static int read_record(struct check *k, const uint8_t *p, size_t avail, union record *rec,
		       size_t *size)
{
	struct cur c = {p, 0};
	uint32_t len;

	k->type = COLO_STATE_TYPE_MAX;
	CHECK(avail, "length", 0, "the stream ends without an end record");
	CHECK(avail >= COLO_STATE_REC_HDR_LEN, "length", avail,
	      "truncated: %zu bytes left, a record header is %u", avail, COLO_STATE_REC_HDR_LEN);
	k->type = get32(&c);
	len = get32(&c);
	CHECK(k->type < COLO_STATE_TYPE_MAX, "type", k->type, "unknown record type");
	CHECK(k->index || k->type == COLO_STATE_GLOBAL, "type", k->type,
	      "the first record must be global");
	CHECK(len <= avail - COLO_STATE_REC_HDR_LEN, "length", len,
	      "truncated: only %zu bytes follow", avail - COLO_STATE_REC_HDR_LEN);
	*size = COLO_STATE_REC_HDR_LEN + pad8(len);
	CHECK(*size <= avail, "length", len, "truncated: its padding is missing");
	CHECK(all_zero(p + COLO_STATE_REC_HDR_LEN + len, pad8(len) - len), "padding",
	      pad8(len) - len, "padding bytes not zero");
	return read_body(k, &c, len, rec);
}

static int walk(struct check *k, const uint8_t *buf, size_t len, const struct colo_state_ops *ops,
		void *ctx)
{
	union record rec;
	size_t off = COLO_STATE_HDR_LEN, size;
	int r;

	k->index = -1;
	k->offset = 0;
	r = read_header(k, buf, len);
	for (k->index = 0; !r; k->index++) {
		k->offset = off;
		r = read_record(k, buf + off, len - off, &rec, &size);
		if (r)
			break;
		off += size;
		if (k->type == COLO_STATE_END) {
			CHECK(off == len, "trailing", len - off, "bytes after the end record");
			return 0;
		}
		r = call(ops, ctx, k->type, &rec);
	}
	return r;
}

int colo_state_read(const uint8_t *buf, size_t len, const struct colo_state_expect *expect,
		    const struct colo_state_ops *ops, void *ctx, struct colo_state_err *err)
{
	struct check k;
	int r;

	memset(err, 0, sizeof(*err));
	check_init(&k, expect, err);
	r = walk(&k, buf, len, NULL, NULL);
	if (!r && ops) {
		check_rewind(&k);
		r = walk(&k, buf, len, ops, ctx);
	}
	check_fini(&k);
	return r;
}

/* ---- writer -------------------------------------------------------------------------------- */

struct colo_state_writer {
	uint8_t *buf;
	size_t len, cap, max;
	size_t pending; /* bytes of the record being written */
	bool finished;
	struct check chk;
	struct colo_state_err err;
};

struct colo_state_writer *colo_state_writer_new(size_t max)
{
	struct colo_state_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->max = max;
	check_init(&w->chk, NULL, &w->err);
	w->chk.index = 0;
	return w;
}

void colo_state_writer_free(struct colo_state_writer *w)
{
	if (!w)
		return;
	check_fini(&w->chk);
	free(w->buf);
	free(w);
}

const struct colo_state_err *colo_state_writer_err(const struct colo_state_writer *w)
{
	return &w->err;
}

/* Zeroed room for a record with a body of len bytes after what is written; o at its body. */
static int begin(struct colo_state_writer *w, uint64_t len, struct put *o)
{
	size_t hdr = w->len ? 0 : COLO_STATE_HDR_LEN, rec, cap;
	uint8_t *p;

	memset(&w->err, 0, sizeof(w->err));
	if (w->finished)
		return -EALREADY;
	if (len > UINT32_MAX || w->len + hdr > w->max ||
	    COLO_STATE_REC_HDR_LEN + pad8(len) > w->max - w->len - hdr)
		return -ENOSPC;
	rec = COLO_STATE_REC_HDR_LEN + pad8(len);
	if (w->len + hdr + rec > w->cap) {
		cap = w->cap ? w->cap : 4096;
		while (cap < w->len + hdr + rec)
			cap *= 2;
		p = realloc(w->buf, cap);
		if (!p)
			return -ENOMEM;
		w->buf = p;
		w->cap = cap;
	}
	if (hdr) {
		put_header(w->buf);
		w->len = hdr;
	}
	memset(w->buf + w->len, 0, rec);
	w->pending = rec;
	o->p = w->buf + w->len;
	o->off = COLO_STATE_REC_HDR_LEN;
	return 0;
}

/* Reads the record just encoded at the end of the stream back: kept only when valid. */
static int commit(struct colo_state_writer *w, uint32_t type, uint32_t len)
{
	struct put o = {w->buf + w->len, 0};
	union record rec;
	size_t size;
	int r;

	put32(&o, type);
	put32(&o, len);
	w->chk.offset = w->len;
	r = read_record(&w->chk, w->buf + w->len, w->pending, &rec, &size);
	if (r)
		return r;
	w->len += size;
	w->chk.index++;
	return 0;
}

/* Encodes rec with put (n: how much of its variable part) as a body of len bytes, and keeps it. */
static int write_record(struct colo_state_writer *w, uint32_t type, uint64_t len, put_fn put,
			const void *rec, uint32_t n)
{
	struct put o;
	int r = begin(w, len, &o);

	if (r)
		return r;
	put(&o, rec, n);
	return commit(w, type, (uint32_t)len);
}

int colo_state_write_global(struct colo_state_writer *w, const struct colo_state_global *g)
{
	return write_record(w, COLO_STATE_GLOBAL, GLOBAL_LEN, state_put_global, g, 0);
}

int colo_state_write_conn(struct colo_state_writer *w, const struct colo_state_conn *c,
			  uint32_t *id)
{
	/* An hist_len the reader refuses is written with no entries: the check names it. */
	uint32_t n = c->hist_len <= COLO_STATE_MAX_HIST ? c->hist_len : 0;
	struct colo_state_conn numbered = *c;
	int r;

	numbered.id = w->chk.nconns + 1;
	r = write_record(w, COLO_STATE_CONN, CONN_FIXED + (uint64_t)n * RETX_LEN, state_put_conn,
			 &numbered, n);
	if (!r)
		*id = numbered.id;
	return r;
}

int colo_state_write_frame(struct colo_state_writer *w, const struct colo_state_frame *f)
{
	uint32_t n = f->len <= COLO_MAX_FRAME ? f->len : 0;

	return write_record(w, COLO_STATE_FRAME, FRAME_FIXED + n, state_put_frame, f, n);
}

int colo_state_write_checkpoint(struct colo_state_writer *w, const struct colo_state_checkpoint *cp)
{
	return write_record(w, COLO_STATE_CHECKPOINT, CHECKPOINT_LEN, state_put_checkpoint, cp, 0);
}

int colo_state_write_agent(struct colo_state_writer *w, const struct colo_state_agent *a)
{
	bool fits = a->rx_len < COLO_AGENT_MAX_MSG && a->tx_len <= COLO_STATE_AGENT_MAX_OUT;

	return write_record(w, COLO_STATE_AGENT,
			    AGENT_FIXED + (fits ? (uint64_t)a->rx_len + a->tx_len : 0),
			    state_put_agent, a, fits);
}

int colo_state_writer_finish(struct colo_state_writer *w, const uint8_t **buf, size_t *len)
{
	struct put o;
	int r;

	if (!w->chk.have_global) {
		snprintf(w->err.msg, sizeof(w->err.msg), "no global record written");
		return -EINVAL;
	}
	r = begin(w, 0, &o);
	if (r)
		return r;
	r = commit(w, COLO_STATE_END, 0);
	if (r)
		return r;
	w->finished = true;
	*buf = w->buf;
	*len = w->len;
	return 0;
}
