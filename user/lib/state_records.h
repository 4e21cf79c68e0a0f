/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * State stream internals shared by state_stream.c (header, framing, reader walks, writer) and
 * state_records.c (each record type's layout and rules): what the checks remember between
 * records, the one-line error, and native-order access to a record's bytes.
 */
#ifndef COLO_STATE_RECORDS_H
#define COLO_STATE_RECORDS_H

#include <string.h>

#include "lib/state_format.h"

/* Body sizes: fixed parts, then the variable parts their length fields give. */
#define GLOBAL_LEN     (160u + 8u * COLO_STATE_NCOUNTERS)
#define CONN_FIXED     160u
#define RETX_LEN       16u
#define FRAME_FIXED    40u
#define CHECKPOINT_LEN 88u
#define AGENT_FIXED    296u
#define UNACKED_LEN    12u
#define KEY_LEN	       40u

/* ---- what the checks remember between records -------------------------------------------- */

struct conn_slot {
	struct colo_flow_key key;
	uint32_t declared[COLO_SIDE_MAX];
	uint32_t seen[COLO_SIDE_MAX];
};

struct check {
	const struct colo_state_expect *expect; /* NULL: no options to match */
	struct colo_state_err *err;
	long index;    /* record being checked; -1: the header */
	size_t offset; /* its byte offset */
	uint32_t type;
	struct colo_state_global global;
	bool have_global, have_checkpoint, have_agent;
	struct colo_state_checkpoint cp;
	struct conn_slot *conns; /* conns[id - 1] */
	uint32_t nconns, conns_cap;
	uint32_t *ids; /* open addressing by flow key hash: connection id, 0 empty */
	uint32_t ids_cap;
	uint32_t shard_conns[COLO_MAX_SHARDS];
	struct colo_state_retx *hist; /* the current connection record's history, decoded */
	uint32_t hist_cap;
};

/* Fill k->err for the field (state_bad_in: pfx.name) and return -EINVAL. */
int state_bad(struct check *k, const char *field, uint64_t value, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int state_bad_in(struct check *k, const char *pfx, const char *name, uint64_t value,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define CHECK(cond, field, value, ...)                                                             \
	do {                                                                                       \
		if (!(cond))                                                                       \
			return state_bad(k, field, value, __VA_ARGS__);                            \
	} while (0)

/* The same for field pfx.name: the name is put together only when the check fails. */
#define CHECK_IN(cond, pfx, name, value, ...)                                                      \
	do {                                                                                       \
		if (!(cond))                                                                       \
			return state_bad_in(k, pfx, name, value, __VA_ARGS__);                     \
	} while (0)

/* ---- native-order field access ---------------------------------------------------------- */

struct cur {
	const uint8_t *p;
	size_t off;
};

static inline uint32_t get32(struct cur *c)
{
	uint32_t v;

	memcpy(&v, c->p + c->off, sizeof(v));
	c->off += sizeof(v);
	return v;
}

struct put {
	uint8_t *p;
	size_t off;
};

static inline void put32(struct put *o, uint32_t v)
{
	memcpy(o->p + o->off, &v, sizeof(v));
	o->off += sizeof(v);
}

static inline void put_bytes(struct put *o, const void *src, size_t n)
{
	if (n)
		memcpy(o->p + o->off, src, n);
	o->off += n;
}

static inline bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

/* Encodes one record's body; n: how much of its variable part (meaning per type). */
typedef void (*put_fn)(struct put *o, const void *rec, uint32_t n);

/*
 * Each record type's body: state_read_<type>() checks the body of len bytes at c (the
 * record header already checked) and fills rec, remembering in k what later records refer to
 * only once all of it passed; state_put_<type>() encodes rec into zeroed bytes.
 */
int state_read_global(struct check *k, struct cur *c, uint32_t len, struct colo_state_global *g);
int state_read_conn(struct check *k, struct cur *c, uint32_t len, struct colo_state_conn *cn);
int state_read_frame(struct check *k, struct cur *c, uint32_t len, struct colo_state_frame *f);
int state_read_checkpoint(struct check *k, struct cur *c, uint32_t len,
			  struct colo_state_checkpoint *cp);
int state_read_agent(struct check *k, struct cur *c, uint32_t len, struct colo_state_agent *a);
/* The END record: its length, and the counts and references only the end can settle. */
int state_check_end(struct check *k, uint32_t len);

void state_put_global(struct put *o, const void *rec, uint32_t n);
/* n: history entries to write (all but when hist_len is out of range). */
void state_put_conn(struct put *o, const void *rec, uint32_t n);
/* n: data bytes to write (f->len, or 0 when it is out of range). */
void state_put_frame(struct put *o, const void *rec, uint32_t n);
void state_put_checkpoint(struct put *o, const void *rec, uint32_t n);
/* n: 1 to write the rx and tx bytes (0 when their lengths are out of range). */
void state_put_agent(struct put *o, const void *rec, uint32_t n);

#endif /* COLO_STATE_RECORDS_H */
