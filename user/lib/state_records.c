// SPDX-License-Identifier: GPL-2.0-only
/*
 * State stream records: each type's layout (a field table for its fixed part) and its rules, in
 * the order docs/state-format.md gives them, with the record names and the one-line error every
 * failed check reports. Used by the reader and the writer alike. Over 600 lines because it is the
 * spec's tables in code: one section per record type, each read next to its table in the doc.
 */
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/attach_args.h"
#include "lib/names.h"
#include "lib/seq.h"
#include "lib/state_records.h"

static const char *const type_names[COLO_STATE_TYPE_MAX] = {
	[COLO_STATE_END] = "end",
	[COLO_STATE_GLOBAL] = "global",
	[COLO_STATE_CONN] = "conn",
	[COLO_STATE_FRAME] = "frame",
	[COLO_STATE_CHECKPOINT] = "checkpoint",
	[COLO_STATE_AGENT] = "agent",
};

static const char *const counter_names[COLO_STATE_NCOUNTERS] = {
	"frames_in_primary",
	"frames_in_secondary",
	"released",
	"released_bytes",
	"compared_bytes",
	"dropped_compared",
	"dropped_commit",
	"dropped_malformed",
	"dropped_duplicate",
	"dropped_refused",
	"dropped_shutdown",
	"dropped_overflow",
	"triggers_mismatch",
	"triggers_timeout",
	"triggers_queue_full",
	"triggers_table_full",
	"checkpoints_mismatch",
	"checkpoints_timeout",
	"checkpoints_queue_full",
	"checkpoints_table_full",
	"commits",
	"conns_refused",
	"conns_evicted",
	"held_over_limit",
	"retx_verified",
	"retx_unverified",
	"retx_no_window",
	"records",
	"bad_records",
	"passed",
	"offsets",
	"offset_errors",
	"split",
	"alloc_failed",
	"mem_refused",
};

static const char *const agent_counter_names[COLO_STATE_NAGENT_COUNTERS] = {
	"accepted", "refused", "protocol_errors", "requests", "commits", "aborts", "out_full",
};

static const char *const cp_state_names[COLO_STATE_CP_STATE_MAX] = {
	[COLO_STATE_CP_PENDING] = "pending",
	[COLO_STATE_CP_REQUESTED] = "requested",
	[COLO_STATE_CP_BEGUN] = "begun",
};

const char *colo_state_type_name(unsigned int type)
{
	return COLO_NAME_OF(type_names, type);
}

const char *colo_state_counter_name(unsigned int counter)
{
	return COLO_NAME_OF(counter_names, counter);
}

const char *colo_state_agent_counter_name(unsigned int counter)
{
	return COLO_NAME_OF(agent_counter_names, counter);
}

const char *colo_state_cp_state_name(unsigned int state)
{
	return COLO_NAME_OF(cp_state_names, state);
}

/* Fills k->err for field pfx.name (name alone when pfx is ""); returns -EINVAL. */
static int vbad(struct check *k, const char *pfx, const char *name, uint64_t value, const char *fmt,
		va_list ap)
{
	struct colo_state_err *e = k->err;
	int n;

	e->index = k->index;
	e->type = k->type;
	e->offset = k->offset;
	e->value = value;
	snprintf(e->field, sizeof(e->field), "%s%s%s", pfx, *pfx ? "." : "", name);
	if (k->index < 0)
		n = snprintf(e->msg, sizeof(e->msg), "header: %s %llu: ", e->field,
			     (unsigned long long)value);
	else
		n = snprintf(e->msg, sizeof(e->msg),
			     "record %ld (%s) at byte %zu: %s %llu: ", k->index,
			     colo_state_type_name(k->type), k->offset, e->field,
			     (unsigned long long)value);
	if (n >= 0 && (size_t)n < sizeof(e->msg))
		vsnprintf(e->msg + n, sizeof(e->msg) - n, fmt, ap);
	return -EINVAL;
}

int state_bad(struct check *k, const char *field, uint64_t value, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vbad(k, "", field, value, fmt, ap);
	va_end(ap);
	return r;
}

int state_bad_in(struct check *k, const char *pfx, const char *name, uint64_t value,
		 const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vbad(k, pfx, name, value, fmt, ap);
	va_end(ap);
	return r;
}

_Static_assert(COLO_STATE_INSTANCE_LEN == COLO_INSTANCE_NAME_MAX, "instance field");
_Static_assert(sizeof(struct colo_flow_key) == KEY_LEN, "flow key layout");
_Static_assert(AGENT_FIXED ==
		       48 + COLO_AGENT_MAX_UNACKED * UNACKED_LEN + 8 * COLO_STATE_NAGENT_COUNTERS,
	       "agent layout");
_Static_assert(COLO_AGENT_ST_FAILOVER == 4 && COLO_AGENT_REASON_MAX == 4, "wire values");
_Static_assert(COLO_TCP_CLOSED == 5 && COLO_HOOK_XDP == 1 && COLO_XDP_SKB == 1, "wire values");

/*
 * A body's fixed part as a table: each field is stored as the struct holds it (native order,
 * no padding between fields in the stream). A field without a name is reserved: written as
 * zeros, and must read as zeros.
 */
struct field {
	const char *name;
	uint16_t off;  /* in the record's struct */
	uint16_t size; /* in the stream, and in the struct */
};

/* clang-format off */
#define FIELD(type, member) {#member, offsetof(type, member), sizeof(((type *)0)->member)}
#define RESERVED(n)	    {NULL, 0, n}
/* clang-format on */
#define ARRAY_LEN(a)	      (sizeof(a) / sizeof((a)[0]))
#define GET_FIELDS(c, t, rec) get_fields(c, t, ARRAY_LEN(t), rec)
#define PUT_FIELDS(o, t, rec) put_fields(o, t, ARRAY_LEN(t), rec)

/* Copies the fields at c into rec; returns the OR of the reserved bytes (0: all zero). */
static uint32_t get_fields(struct cur *c, const struct field *t, size_t n, void *rec)
{
	uint32_t reserved = 0;
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (t[i].name)
			memcpy((uint8_t *)rec + t[i].off, c->p + c->off, t[i].size);
		else
			for (j = 0; j < t[i].size; j++)
				reserved |= c->p[c->off + j];
		c->off += t[i].size;
	}
	return reserved;
}

/* Writes rec's fields at o, whose bytes are zero already (reserved fields stay so). */
static void put_fields(struct put *o, const struct field *t, size_t n, const void *rec)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i].name)
			memcpy(o->p + o->off, (const uint8_t *)rec + t[i].off, t[i].size);
		o->off += t[i].size;
	}
}

/* ---- shared field checks ---------------------------------------------------------------- */

/* "arr[i]", the prefix of an array entry's field names (CHECK_IN makes it only on failure). */
static const char *entry(char *buf, size_t len, const char *arr, uint32_t i)
{
	snprintf(buf, len, "%s[%u]", arr, i);
	return buf;
}

static bool v4_mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return !memcmp(a, prefix, sizeof(prefix));
}

/* A flow key as the comparator makes it; pfx is the field's name ("key", "flow"). */
static int check_key(struct check *k, const char *pfx, const struct colo_flow_key *key)
{
	CHECK_IN(key->family == 4 || key->family == 6, pfx, "family", key->family, "not 4 or 6");
	CHECK_IN(key->family == 6 || v4_mapped(key->saddr), pfx, "saddr", 0,
		 "IPv4 address not ::ffff:a.b.c.d");
	CHECK_IN(key->family == 6 || v4_mapped(key->daddr), pfx, "daddr", 0,
		 "IPv4 address not ::ffff:a.b.c.d");
	CHECK_IN(all_zero(key->pad, sizeof(key->pad)), pfx, "pad", key->pad[0] | key->pad[1] << 8,
		 "not zero");
	return 0;
}

static int check_time(struct check *k, const char *field, uint64_t t)
{
	CHECK(t <= k->global.written_ns, field, t, "after the snapshot (written_ns %llu)",
	      (unsigned long long)k->global.written_ns);
	return 0;
}

/* Field pfx.name (name alone when pfx is "") must be 0 unless ok: "not 0 <why>". */
static int zero_unless(struct check *k, const char *pfx, const char *name, uint64_t v, bool ok,
		       const char *why)
{
	CHECK_IN(ok || !v, pfx, name, v, "not 0 %s", why);
	return 0;
}

/* ---- global ------------------------------------------------------------------------------- */

#define G(member) FIELD(struct colo_state_global, member)

static const struct field global_fields[] = {
	G(instance),
	G(boot_id),
	G(written_ns),
	G(flags),
	RESERVED(4),
	G(opts.shards),
	G(opts.hook),
	G(opts.xdp_mode),
	G(opts.release),
	G(opts.ifindex),
	G(opts.split_segs),
	G(opts.max_queue),
	G(opts.max_conns),
	G(opts.retx_window),
	RESERVED(4),
	G(opts.retx_budget),
	G(opts.max_held_bytes),
	G(counters),
};

void state_put_global(struct put *o, const void *rec, uint32_t n)
{
	(void)n;
	PUT_FIELDS(o, global_fields, rec);
}

static int check_instance(struct check *k, const char *name)
{
	size_t n = strnlen(name, COLO_STATE_INSTANCE_LEN);

	CHECK(n < COLO_STATE_INSTANCE_LEN, "instance", n, "no NUL within %u bytes",
	      COLO_STATE_INSTANCE_LEN);
	CHECK(all_zero(name + n, COLO_STATE_INSTANCE_LEN - n), "instance", n,
	      "bytes after the name's NUL are not zero");
	CHECK(colo_instance_name_valid(name), "instance", n,
	      "not a valid instance name (" COLO_INSTANCE_NAME_RULE ")");
	return 0;
}

static int check_options(struct check *k, const struct colo_state_options *o)
{
	unsigned int i;

	CHECK(o->shards >= 1 && o->shards <= COLO_MAX_SHARDS, "opts.shards", o->shards,
	      "out of range 1..%u", COLO_MAX_SHARDS);
	CHECK(o->hook <= COLO_HOOK_XDP, "opts.hook", o->hook, "out of range 0..1");
	CHECK(o->xdp_mode <= COLO_XDP_SKB, "opts.xdp_mode", o->xdp_mode, "out of range 0..1");
	CHECK(o->hook == COLO_HOOK_XDP || !o->xdp_mode, "opts.xdp_mode", o->xdp_mode,
	      "not 0 with the tc hook");
	CHECK(o->release <= 1, "opts.release", o->release, "out of range 0..1");
	for (i = 0; i < COLO_ROLE_MAX; i++)
		CHECK(o->ifindex[i] >= 1, "opts.ifindex", o->ifindex[i], "role %u: not >= 1", i);
	CHECK(o->split_segs <= 64, "opts.split_segs", o->split_segs, "out of range 0..64");
	CHECK(o->max_queue >= 1 && o->max_queue <= 1u << 20, "opts.max_queue", o->max_queue,
	      "out of range 1..1048576");
	CHECK(o->max_conns >= 1 && o->max_conns <= 1u << 24, "opts.max_conns", o->max_conns,
	      "out of range 1..16777216");
	CHECK(o->retx_window >= 4096 && o->retx_window <= 1u << 30, "opts.retx_window",
	      o->retx_window, "out of range 4096..1073741824");
	CHECK(o->retx_budget >= 1, "opts.retx_budget", o->retx_budget, "not >= 1");
	CHECK(o->max_held_bytes >= 1, "opts.max_held_bytes", o->max_held_bytes, "not >= 1");
	return 0;
}

#define MATCH(field)                                                                               \
	CHECK(s->field == x->field, "opts." #field, s->field, "this daemon runs with %llu",        \
	      (unsigned long long)x->field)

/* Every option must equal the reading daemon's. */
static int match_options(struct check *k, const struct colo_state_options *s,
			 const struct colo_state_options *x)
{
	unsigned int i;

	MATCH(shards);
	MATCH(hook);
	MATCH(xdp_mode);
	MATCH(release);
	for (i = 0; i < COLO_ROLE_MAX; i++)
		CHECK(s->ifindex[i] == x->ifindex[i], "opts.ifindex", s->ifindex[i],
		      "role %u: this daemon runs with %u", i, x->ifindex[i]);
	MATCH(split_segs);
	MATCH(max_queue);
	MATCH(max_conns);
	MATCH(retx_window);
	MATCH(retx_budget);
	MATCH(max_held_bytes);
	return 0;
}

static int match_expect(struct check *k, const struct colo_state_global *g)
{
	const struct colo_state_expect *x = k->expect;

	CHECK(!strcmp(g->instance, x->instance), "instance", strlen(g->instance),
	      "\"%s\", this daemon is \"%s\"", g->instance, x->instance);
	CHECK(!memcmp(g->boot_id, x->boot_id, sizeof(g->boot_id)), "boot_id", 0,
	      "written during another boot (capture times and pinned maps do not carry over)");
	return match_options(k, &g->opts, &x->opts);
}

int state_read_global(struct check *k, struct cur *c, uint32_t len, struct colo_state_global *g)
{
	uint32_t reserved;
	int r;

	CHECK(!k->have_global, "type", k->type, "a second global record");
	CHECK(len == GLOBAL_LEN, "length", len, "a global record is %u bytes", GLOBAL_LEN);
	memset(g, 0, sizeof(*g));
	reserved = GET_FIELDS(c, global_fields, g);
	CHECK(!reserved, "reserved", reserved, "not zero");
	r = check_instance(k, g->instance);
	if (r)
		return r;
	CHECK(!(g->flags & ~COLO_STATE_G_FAILOVER), "flags", g->flags, "unknown bits");
	r = check_options(k, &g->opts);
	if (!r && k->expect)
		r = match_expect(k, g);
	if (r)
		return r;
	k->global = *g;
	k->have_global = true;
	return 0;
}

/* ---- connection ------------------------------------------------------------------------- */

#define C(member) FIELD(struct colo_state_conn, member)
#define S(member) FIELD(struct colo_state_side, member)

static const struct field conn_head_fields[] = {
	C(id),	    C(shard),	C(key),	       C(flags),     C(debt),
	C(last_ns), C(nframes), C(seq_offset), C(ts_offset), C(next),
	C(start),   C(floor),	C(p_high),     C(fin_seq),   RESERVED(4),
};

static const struct field side_fields[] = {
	S(tcp_state), S(flags),	    S(syn_flags), RESERVED(1), S(isn),
	S(syn_ack),   S(syn_tsval), S(max_ack),	  S(rst),
};

static const struct field conn_tail_fields[] = {C(hist_len), RESERVED(4)};
/* History entries: u32 seq, u32 len, u64 hash, exactly as struct colo_state_retx holds them. */
_Static_assert(sizeof(struct colo_state_retx) == RETX_LEN &&
		       offsetof(struct colo_state_retx, len) == 4 &&
		       offsetof(struct colo_state_retx, hash) == 8,
	       "history entry layout");

/* Writes the first nhist history entries (all but when hist_len is out of range). */
void state_put_conn(struct put *o, const void *rec, uint32_t nhist)
{
	const struct colo_state_conn *cn = rec;
	uint32_t i;

	PUT_FIELDS(o, conn_head_fields, cn);
	for (i = 0; i < COLO_SIDE_MAX; i++)
		PUT_FIELDS(o, side_fields, &cn->side[i]);
	PUT_FIELDS(o, conn_tail_fields, cn);
	put_bytes(o, cn->hist, (size_t)nhist * RETX_LEN);
}

static int check_side(struct check *k, const struct colo_state_side *s, bool tcp, int i)
{
	static const char *const pfx[COLO_SIDE_MAX] = {"primary", "secondary"};
	bool syn = s->flags & COLO_STATE_SIDE_SYN_SEEN, ts = s->flags & COLO_STATE_SIDE_SYN_TS;
	const char *p = pfx[i];
	int r;

	CHECK_IN(s->tcp_state <= COLO_TCP_CLOSED, p, "tcp_state", s->tcp_state,
		 "out of range 0..%u", COLO_TCP_CLOSED);
	CHECK_IN(!(s->flags & ~COLO_STATE_SIDE_ALL), p, "flags", s->flags, "unknown bits");
	CHECK_IN(syn || !ts, p, "flags", s->flags, "syn_ts without syn_seen");
	r = zero_unless(k, p, "tcp_state", s->tcp_state, tcp, "for a non-TCP flow");
	r = r ?: zero_unless(k, p, "flags", s->flags, tcp, "for a non-TCP flow");
	r = r ?: zero_unless(k, p, "syn_flags", s->syn_flags, syn, "without syn_seen");
	r = r ?: zero_unless(k, p, "isn", s->isn, syn, "without syn_seen");
	r = r ?: zero_unless(k, p, "syn_ack", s->syn_ack, syn, "without syn_seen");
	r = r ?: zero_unless(k, p, "syn_tsval", s->syn_tsval, ts, "without syn_ts");
	r = r
		    ?: zero_unless(k, p, "max_ack", s->max_ack,
				   s->flags & COLO_STATE_SIDE_ACK_VALID, "without ack_valid");
	return r ?: zero_unless(k, p, "rst", s->rst, tcp, "for a non-TCP flow");
}

static int check_tcp_fields(struct check *k, const struct colo_state_conn *cn, bool tcp)
{
	static const char why[] = "while its flag is clear";
	uint32_t fl = cn->flags;
	int r;

	r = zero_unless(k, "", "seq_offset", cn->seq_offset, fl & COLO_STATE_CONN_OFF_KNOWN, why);
	r = r ?: zero_unless(k, "", "ts_offset", cn->ts_offset, fl & COLO_STATE_CONN_TS_KNOWN, why);
	r = r ?: zero_unless(k, "", "next", cn->next, fl & COLO_STATE_CONN_POS_VALID, why);
	r = r ?: zero_unless(k, "", "start", cn->start, fl & COLO_STATE_CONN_POS_VALID, why);
	r = r ?: zero_unless(k, "", "floor", cn->floor, fl & COLO_STATE_CONN_FLOOR_VALID, why);
	r = r ?: zero_unless(k, "", "p_high", cn->p_high, fl & COLO_STATE_CONN_P_HIGH_VALID, why);
	r = r ?: zero_unless(k, "", "fin_seq", cn->fin_seq, tcp, "for a non-TCP flow");
	if (r)
		return r;
	CHECK(!(fl & COLO_STATE_CONN_POS_VALID) || seq_le(cn->start, cn->next), "next", cn->next,
	      "before start %u", cn->start);
	return 0;
}

static uint32_t hist_max(const struct check *k)
{
	uint32_t n = k->global.opts.retx_window / COLO_STATE_HIST_BYTES;

	return n < COLO_STATE_HIST_MIN ? COLO_STATE_HIST_MIN : n;
}

static int read_hist(struct check *k, struct cur *c, uint32_t n)
{
	struct colo_state_retx *e;
	char f[32];
	uint32_t i;

	if (n > k->hist_cap) {
		e = realloc(k->hist, n * sizeof(*e));
		if (!e)
			return -ENOMEM;
		k->hist = e;
		k->hist_cap = n;
	}
	if (n) /* the entries are stored as the struct holds them (asserted above) */
		memcpy(k->hist, c->p + c->off, (size_t)n * RETX_LEN);
	c->off += (size_t)n * RETX_LEN;
	for (i = 0; i < n; i++) {
		e = &k->hist[i];
		CHECK_IN(e->len >= 1 && e->len <= COLO_MAX_FRAME, entry(f, sizeof(f), "hist", i),
			 "len", e->len, "out of range 1..%u", COLO_MAX_FRAME);
		CHECK_IN(!i || seq_le(e[-1].seq + e[-1].len, e->seq),
			 entry(f, sizeof(f), "hist", i), "seq", e->seq,
			 "overlaps or precedes the entry before (%u+%u)", e[-1].seq, e[-1].len);
	}
	return 0;
}

static uint32_t key_slot(const struct check *k, const struct colo_flow_key *key)
{
	return colo_flow_key_hash(key) & (k->ids_cap - 1);
}

/* The id of the connection record with this key so far, or 0. */
static uint32_t key_find(const struct check *k, const struct colo_flow_key *key)
{
	uint32_t i;

	if (!k->ids_cap)
		return 0;
	for (i = key_slot(k, key); k->ids[i]; i = (i + 1) & (k->ids_cap - 1))
		if (!memcmp(&k->conns[k->ids[i] - 1].key, key, sizeof(*key)))
			return k->ids[i];
	return 0;
}

static void key_insert(struct check *k, uint32_t id)
{
	uint32_t i = key_slot(k, &k->conns[id - 1].key);

	while (k->ids[i])
		i = (i + 1) & (k->ids_cap - 1);
	k->ids[i] = id;
}

/* Room for one more connection: its slot and a key set kept at most half full. */
static int conn_room(struct check *k)
{
	struct conn_slot *slots;
	uint32_t cap, *ids, id;

	if (k->nconns == k->conns_cap) {
		cap = k->conns_cap ? k->conns_cap * 2 : 64;
		slots = realloc(k->conns, cap * sizeof(*slots));
		if (!slots)
			return -ENOMEM;
		k->conns = slots;
		k->conns_cap = cap;
	}
	if ((uint64_t)(k->nconns + 1) * 2 <= k->ids_cap)
		return 0;
	cap = k->ids_cap ? k->ids_cap * 2 : 128;
	ids = calloc(cap, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	free(k->ids);
	k->ids = ids;
	k->ids_cap = cap;
	for (id = 1; id <= k->nconns; id++)
		key_insert(k, id);
	return 0;
}

static int check_conn(struct check *k, const struct colo_state_conn *cn)
{
	const struct colo_state_options *o = &k->global.opts;
	bool tcp = cn->key.proto == IPPROTO_TCP;
	uint32_t dup;
	int r, i;

	CHECK(cn->id == k->nconns + 1, "id", cn->id, "not the next connection id %u",
	      k->nconns + 1);
	CHECK(cn->shard < o->shards, "shard", cn->shard, "out of range 0..%u", o->shards - 1);
	r = check_key(k, "key", &cn->key);
	if (r)
		return r;
	CHECK(cn->shard == colo_flow_key_hash(&cn->key) % o->shards, "shard", cn->shard,
	      "the flow hashes to shard %u", colo_flow_key_hash(&cn->key) % o->shards);
	dup = key_find(k, &cn->key);
	CHECK(!dup, "key", dup, "the flow of connection %u again", dup);
	CHECK(k->shard_conns[cn->shard] < o->max_conns, "shard", cn->shard,
	      "more than max_conns %u connections", o->max_conns);
	CHECK(!(cn->flags & ~COLO_STATE_CONN_ALL), "flags", cn->flags, "unknown bits");
	CHECK(tcp || !(cn->flags & COLO_STATE_CONN_TCP_ONLY), "flags", cn->flags,
	      "TCP-only bits for a non-TCP flow");
	CHECK(!tcp || !cn->debt, "debt", cn->debt, "not 0 for a TCP flow");
	r = check_time(k, "last_ns", cn->last_ns);
	if (r)
		return r;
	CHECK(cn->nframes[COLO_SIDE_SECONDARY] <= o->max_queue, "nframes.secondary",
	      cn->nframes[COLO_SIDE_SECONDARY], "over max_queue %u", o->max_queue);
	CHECK(!(k->global.flags & COLO_STATE_G_FAILOVER) || !cn->nframes[0], "nframes.primary",
	      cn->nframes[0], "frames held after failover");
	CHECK(!(k->global.flags & COLO_STATE_G_FAILOVER) || !cn->nframes[1], "nframes.secondary",
	      cn->nframes[1], "frames held after failover");
	r = check_tcp_fields(k, cn, tcp);
	for (i = 0; !r && i < COLO_SIDE_MAX; i++)
		r = check_side(k, &cn->side[i], tcp, i);
	if (r)
		return r;
	CHECK(tcp || !cn->hist_len, "hist_len", cn->hist_len, "not 0 for a non-TCP flow");
	return 0;
}

static int add_conn(struct check *k, const struct colo_state_conn *cn)
{
	struct conn_slot *s;
	int r = conn_room(k);

	if (r)
		return r;
	s = &k->conns[k->nconns++];
	memset(s, 0, sizeof(*s));
	s->key = cn->key;
	memcpy(s->declared, cn->nframes, sizeof(s->declared));
	key_insert(k, cn->id);
	k->shard_conns[cn->shard]++;
	return 0;
}

int state_read_conn(struct check *k, struct cur *c, uint32_t len, struct colo_state_conn *cn)
{
	uint32_t reserved = 0;
	int r, i;

	CHECK(len >= CONN_FIXED, "length", len, "a connection record is at least %u bytes",
	      CONN_FIXED);
	memset(cn, 0, sizeof(*cn));
	reserved = GET_FIELDS(c, conn_head_fields, cn);
	for (i = 0; i < COLO_SIDE_MAX; i++)
		reserved |= GET_FIELDS(c, side_fields, &cn->side[i]);
	reserved |= GET_FIELDS(c, conn_tail_fields, cn);
	CHECK(cn->hist_len <= hist_max(k), "hist_len", cn->hist_len,
	      "over %u entries (retx_window / %u)", hist_max(k), COLO_STATE_HIST_BYTES);
	CHECK(len == CONN_FIXED + cn->hist_len * RETX_LEN, "length", len,
	      "a connection record with %u history entries is %u bytes", cn->hist_len,
	      CONN_FIXED + cn->hist_len * RETX_LEN);
	CHECK(!reserved, "reserved", reserved, "not zero");
	r = check_conn(k, cn);
	r = r ?: read_hist(k, c, cn->hist_len);
	r = r ?: add_conn(k, cn);
	cn->hist = k->hist;
	return r;
}

/* ---- frame -------------------------------------------------------------------------------- */

#define FR(member) FIELD(struct colo_state_frame, member)

static const struct field frame_fields[] = {
	FR(conn),      FR(side),	FR(rec_flags),	FR(gso_size),	 FR(time_ns),
	FR(frame_len), FR(gso_type),	FR(csum_start), FR(csum_offset), FR(l3_off),
	FR(l4_off),    FR(payload_off), FR(l4_proto),	FR(family),	 FR(len),
};

/* Writes n bytes of data (f->len, or 0 when it is out of range). */
void state_put_frame(struct put *o, const void *rec, uint32_t n)
{
	const struct colo_state_frame *f = rec;

	PUT_FIELDS(o, frame_fields, f);
	put_bytes(o, f->data, n);
}

#define REC_FLAGS_ALL ((1u << 7) - 1)

static int check_offsets(struct check *k, const struct colo_state_frame *f)
{
	CHECK(f->l3_off <= f->len, "l3_off", f->l3_off, "past the frame's %u bytes", f->len);
	CHECK(f->l4_off <= f->len, "l4_off", f->l4_off, "past the frame's %u bytes", f->len);
	CHECK(!f->l4_off || f->l3_off < f->l4_off, "l4_off", f->l4_off, "not after l3_off %u",
	      f->l3_off);
	CHECK(f->payload_off <= f->len, "payload_off", f->payload_off, "past the frame's %u bytes",
	      f->len);
	CHECK(!f->payload_off || f->l4_off < f->payload_off, "payload_off", f->payload_off,
	      "not after l4_off %u", f->l4_off);
	return 0;
}

static int check_frame(struct check *k, const struct colo_state_frame *f)
{
	bool gso = f->rec_flags & COLO_REC_GSO, partial = f->rec_flags & COLO_REC_CSUM_PARTIAL;
	struct conn_slot *s;
	int r;

	CHECK(f->conn >= 1 && f->conn <= k->nconns, "conn", f->conn,
	      "no connection record with this id before (%u so far)", k->nconns);
	s = &k->conns[f->conn - 1];
	CHECK(f->side < COLO_SIDE_MAX, "side", f->side, "out of range 0..1");
	CHECK(s->seen[f->side] < s->declared[f->side], "side", f->side,
	      "connection %u declared only %u frames of this side", f->conn, s->declared[f->side]);
	CHECK(!(f->rec_flags & ~REC_FLAGS_ALL), "rec_flags", f->rec_flags, "unknown bits");
	CHECK(!(f->rec_flags & COLO_REC_QINQ) || (f->rec_flags & COLO_REC_VLAN), "rec_flags",
	      f->rec_flags, "qinq without vlan");
	r = zero_unless(k, "", "gso_size", f->gso_size, gso, "without the gso flag");
	if (r)
		return r;
	CHECK(!gso || f->gso_size, "gso_size", f->gso_size, "0 with the gso flag");
	r = check_time(k, "time_ns", f->time_ns);
	if (r)
		return r;
	CHECK(f->frame_len >= f->len, "frame_len", f->frame_len, "shorter than len %u", f->len);
	CHECK(!(f->rec_flags & COLO_REC_TRUNCATED) == (f->frame_len == f->len), "frame_len",
	      f->frame_len, "the truncated flag says otherwise (len %u)", f->len);
	r = zero_unless(k, "", "gso_type", f->gso_type, gso, "without the gso flag");
	r = r
		    ?: zero_unless(k, "", "csum_start", f->csum_start, partial,
				   "without the csum_partial flag");
	r = r
		    ?: zero_unless(k, "", "csum_offset", f->csum_offset, partial,
				   "without the csum_partial flag");
	if (r)
		return r;
	CHECK(!partial || (uint32_t)f->csum_start + f->csum_offset + 2 <= f->len, "csum_offset",
	      f->csum_offset, "checksum at %u+%u past the frame's %u bytes", f->csum_start,
	      f->csum_offset, f->len);
	r = check_offsets(k, f);
	if (r)
		return r;
	CHECK(f->family == s->key.family, "family", f->family, "connection %u is family %u",
	      f->conn, s->key.family);
	return 0;
}

int state_read_frame(struct check *k, struct cur *c, uint32_t len, struct colo_state_frame *f)
{
	int r;

	CHECK(len >= FRAME_FIXED, "length", len, "a frame record is at least %u bytes",
	      FRAME_FIXED);
	memset(f, 0, sizeof(*f));
	GET_FIELDS(c, frame_fields, f);
	f->data = c->p + c->off;
	CHECK(f->len >= 1 && f->len <= COLO_MAX_FRAME, "len", f->len, "out of range 1..%u",
	      COLO_MAX_FRAME);
	CHECK(len == FRAME_FIXED + f->len, "length", len, "a frame of %u bytes takes %u", f->len,
	      FRAME_FIXED + f->len);
	r = check_frame(k, f);
	if (r)
		return r;
	k->conns[f->conn - 1].seen[f->side]++;
	return 0;
}

/* ---- checkpoint in flight ---------------------------------------------------------------- */

#define CP(member) FIELD(struct colo_state_checkpoint, member)

static const struct field checkpoint_fields[] = {
	CP(id),		CP(reason),	    CP(state),	 CP(shard),	CP(flow),      CP(time_ns),
	CP(where_side), CP(where_pos_kind), RESERVED(2), CP(where_pos), CP(waited_ns), CP(covered),
};

void state_put_checkpoint(struct put *o, const void *rec, uint32_t n)
{
	(void)n;
	PUT_FIELDS(o, checkpoint_fields, rec);
}

static int check_checkpoint(struct check *k, const struct colo_state_checkpoint *cp)
{
	int r;

	CHECK(!k->have_checkpoint, "type", k->type, "a second checkpoint record");
	CHECK(!k->have_agent, "type", k->type, "a checkpoint record after the agent record");
	CHECK(!(k->global.flags & COLO_STATE_G_FAILOVER), "type", k->type,
	      "a checkpoint in flight after failover");
	CHECK(cp->id >= 1, "id", cp->id, "not >= 1");
	CHECK(cp->reason < COLO_AGENT_REASON_MAX, "reason", cp->reason, "out of range 0..%u",
	      COLO_AGENT_REASON_MAX - 1);
	CHECK(cp->state >= COLO_STATE_CP_PENDING && cp->state < COLO_STATE_CP_STATE_MAX, "state",
	      cp->state, "out of range 1..%u", COLO_STATE_CP_STATE_MAX - 1);
	CHECK(cp->shard < k->global.opts.shards, "shard", cp->shard, "out of range 0..%u",
	      k->global.opts.shards - 1);
	if (cp->flow.family || !all_zero(&cp->flow, sizeof(cp->flow))) {
		r = check_key(k, "flow", &cp->flow);
		if (r)
			return r;
	}
	r = check_time(k, "time_ns", cp->time_ns);
	if (r)
		return r;
	CHECK(cp->where_side < COLO_SIDE_MAX, "where_side", cp->where_side, "out of range 0..1");
	CHECK(cp->where_pos_kind <= 2, "where_pos_kind", cp->where_pos_kind, "out of range 0..2");
	CHECK(cp->where_pos_kind || !cp->where_pos, "where_pos", cp->where_pos,
	      "not 0 without a position kind");
	CHECK(cp->reason == COLO_AGENT_REASON_TIMEOUT || !cp->waited_ns, "waited_ns", cp->waited_ns,
	      "not 0 for a %s checkpoint", colo_agent_reason_name(cp->reason));
	return 0;
}

int state_read_checkpoint(struct check *k, struct cur *c, uint32_t len,
			  struct colo_state_checkpoint *cp)
{
	uint32_t reserved;
	int r;

	CHECK(len == CHECKPOINT_LEN, "length", len, "a checkpoint record is %u bytes",
	      CHECKPOINT_LEN);
	memset(cp, 0, sizeof(*cp));
	reserved = GET_FIELDS(c, checkpoint_fields, cp);
	CHECK(!reserved, "reserved", reserved, "not zero");
	r = check_checkpoint(k, cp);
	if (r)
		return r;
	k->cp = *cp;
	k->have_checkpoint = true;
	return 0;
}

/* ---- agent session ------------------------------------------------------------------------ */

#define A(member) FIELD(struct colo_state_agent, member)
#define U(member) FIELD(struct colo_state_unacked, member)

static const struct field agent_fields[] = {
	A(listen_fd),	  A(conn_fd),	   A(state),	  A(txid),     A(tx_seq),
	A(rx_seq),	  A(peer_version), A(hello_sent), RESERVED(1), A(peer_features),
	A(unacked_count), A(rx_len),	   A(tx_len),	  A(features),
};

static const struct field unacked_fields[] = {U(type), RESERVED(2), U(seq), U(txid)};
static const struct field agent_counter_fields[] = {A(counters)};

/* Writes the rx and tx bytes when their lengths are in range (with_bytes). */
void state_put_agent(struct put *o, const void *rec, uint32_t with_bytes)
{
	const struct colo_state_agent *a = rec;
	unsigned int i;

	PUT_FIELDS(o, agent_fields, a);
	for (i = 0; i < COLO_AGENT_MAX_UNACKED; i++)
		if (i < a->unacked_count) /* the unused entries stay zero */
			PUT_FIELDS(o, unacked_fields, &a->unacked[i]);
		else
			o->off += UNACKED_LEN;
	PUT_FIELDS(o, agent_counter_fields, a);
	if (!with_bytes)
		return;
	put_bytes(o, a->rx, a->rx_len);
	put_bytes(o, a->tx, a->tx_len);
}

static int check_fd(struct check *k, const char *field, int32_t fd)
{
	CHECK(fd == -1 || (fd >= 3 && fd <= COLO_STATE_FD_MAX), field, (uint32_t)fd,
	      "not -1 or 3..%d", COLO_STATE_FD_MAX);
	return 0;
}

static int check_unacked(struct check *k, const struct colo_state_agent *a)
{
	const struct colo_state_unacked *u;
	char f[32];
	uint32_t i;

	for (i = 0; i < a->unacked_count; i++) {
		u = &a->unacked[i];
		CHECK_IN(u->type == COLO_AGENT_CHECKPOINT_REQUEST,
			 entry(f, sizeof(f), "unacked", i), "type", u->type,
			 "the dataplane waits for acks of requests only (%u)",
			 COLO_AGENT_CHECKPOINT_REQUEST);
		CHECK_IN(seq_le(u->seq, a->tx_seq), entry(f, sizeof(f), "unacked", i), "seq",
			 u->seq, "after tx_seq %u", a->tx_seq);
		CHECK_IN(!i || seq_le(u[-1].seq + 1, u->seq), entry(f, sizeof(f), "unacked", i),
			 "seq", u->seq, "not after the entry before (%u)", u[-1].seq);
		CHECK_IN(u->txid >= 1, entry(f, sizeof(f), "unacked", i), "txid", u->txid,
			 "not >= 1");
	}
	return 0;
}

/* The checkpoint record and the session agree on what is in flight. */
static int check_agent_cp(struct check *k, const struct colo_state_agent *a)
{
	bool sent = a->state == COLO_AGENT_ST_REQUESTED || a->state == COLO_AGENT_ST_BEGUN;
	uint32_t want;

	if (sent) {
		CHECK(k->have_checkpoint, "state", a->state,
		      "a checkpoint in flight without a checkpoint record");
		CHECK(a->txid == k->cp.id, "txid", a->txid, "the checkpoint record's id is %u",
		      k->cp.id);
		want = a->state == COLO_AGENT_ST_REQUESTED ? COLO_STATE_CP_REQUESTED
							   : COLO_STATE_CP_BEGUN;
		CHECK(k->cp.state == want, "state", a->state, "the checkpoint record is %s",
		      colo_state_cp_state_name(k->cp.state));
		return 0;
	}
	CHECK(!k->have_checkpoint || k->cp.state == COLO_STATE_CP_PENDING, "state", a->state,
	      "the checkpoint record is %s, the session has none in flight",
	      colo_state_cp_state_name(k->cp.state));
	return 0;
}

/* Without a connection, every session field but txid is 0. */
static int check_disconnected(struct check *k, const struct colo_state_agent *a)
{
	static const char why[] = "without a connection";
	bool c = a->conn_fd >= 0;
	int r;

	r = zero_unless(k, "", "state", a->state, c, why);
	r = r ?: zero_unless(k, "", "tx_seq", a->tx_seq, c, why);
	r = r ?: zero_unless(k, "", "rx_seq", a->rx_seq, c, why);
	r = r ?: zero_unless(k, "", "peer_version", a->peer_version, c, why);
	r = r ?: zero_unless(k, "", "hello_sent", a->hello_sent, c, why);
	r = r ?: zero_unless(k, "", "peer_features", a->peer_features, c, why);
	r = r ?: zero_unless(k, "", "unacked_count", a->unacked_count, c, why);
	r = r ?: zero_unless(k, "", "rx_len", a->rx_len, c, why);
	return r ?: zero_unless(k, "", "tx_len", a->tx_len, c, why);
}

static int check_agent(struct check *k, const struct colo_state_agent *a)
{
	bool connected = a->conn_fd >= 0;
	int r;

	CHECK(!k->have_agent, "type", k->type, "a second agent record");
	r = check_fd(k, "listen_fd", a->listen_fd);
	r = r ?: check_fd(k, "conn_fd", a->conn_fd);
	if (r)
		return r;
	CHECK(!connected || a->conn_fd != a->listen_fd, "conn_fd", a->conn_fd,
	      "the same as listen_fd");
	CHECK(a->state <= COLO_AGENT_ST_FAILOVER, "state", a->state, "out of range 0..%u",
	      COLO_AGENT_ST_FAILOVER);
	CHECK(a->hello_sent <= 1, "hello_sent", a->hello_sent, "not 0 or 1");
	CHECK(a->hello_sent || a->state == COLO_AGENT_ST_HELLO, "hello_sent", a->hello_sent,
	      "0 in state %s", colo_agent_state_name(a->state));
	CHECK(!(a->features & ~COLO_AGENT_FEATURES_KNOWN), "features", a->features,
	      "unknown bits (known: 0x%x)", COLO_AGENT_FEATURES_KNOWN);
	r = zero_unless(k, "", "features", a->features, a->hello_sent, "before the HELLO was sent");
	if (r)
		return r;
	CHECK(a->unacked_count <= COLO_AGENT_MAX_UNACKED, "unacked_count", a->unacked_count,
	      "out of range 0..%u", COLO_AGENT_MAX_UNACKED);
	r = check_disconnected(k, a);
	r = r ?: check_unacked(k, a);
	return r ?: check_agent_cp(k, a);
}

int state_read_agent(struct check *k, struct cur *c, uint32_t len, struct colo_state_agent *a)
{
	uint32_t reserved = 0, i;

	CHECK(len >= AGENT_FIXED, "length", len, "an agent record is at least %u bytes",
	      AGENT_FIXED);
	memset(a, 0, sizeof(*a));
	reserved = GET_FIELDS(c, agent_fields, a);
	for (i = 0; i < COLO_AGENT_MAX_UNACKED; i++) {
		struct colo_state_unacked *u = &a->unacked[i];

		reserved |= GET_FIELDS(c, unacked_fields, u);
		if (i >= a->unacked_count) /* entries past the count are reserved */
			reserved |= u->type | u->seq | u->txid;
	}
	GET_FIELDS(c, agent_counter_fields, a);
	CHECK(a->rx_len < COLO_AGENT_MAX_MSG, "rx_len", a->rx_len,
	      "not short of one message (%u bytes)", COLO_AGENT_MAX_MSG);
	CHECK(a->tx_len <= COLO_STATE_AGENT_MAX_OUT, "tx_len", a->tx_len, "over %u",
	      COLO_STATE_AGENT_MAX_OUT);
	CHECK((uint64_t)len == (uint64_t)AGENT_FIXED + a->rx_len + a->tx_len, "length", len,
	      "an agent record with rx_len %u and tx_len %u is %llu bytes", a->rx_len, a->tx_len,
	      (unsigned long long)AGENT_FIXED + a->rx_len + a->tx_len);
	a->rx = c->p + c->off;
	a->tx = a->rx + a->rx_len;
	CHECK(!reserved, "reserved", reserved, "not zero");
	if (check_agent(k, a))
		return -EINVAL;
	k->have_agent = true;
	return 0;
}

/* ---- end ------------------------------------------------------------------------------------ */

int state_check_end(struct check *k, uint32_t len)
{
	const struct conn_slot *s;
	uint32_t id;
	int side;

	CHECK(len == 0, "length", len, "an end record is 0 bytes");
	for (id = 1; id <= k->nconns; id++) {
		s = &k->conns[id - 1];
		for (side = 0; side < COLO_SIDE_MAX; side++)
			CHECK(s->seen[side] == s->declared[side], "conn", id,
			      "declared %u %s frames, the stream has %u", s->declared[side],
			      side ? "secondary" : "primary", s->seen[side]);
	}
	CHECK(!k->have_checkpoint || k->cp.state == COLO_STATE_CP_PENDING || k->have_agent, "type",
	      k->type, "checkpoint %u is %s but there is no agent record", k->cp.id,
	      colo_state_cp_state_name(k->cp.state));
	return 0;
}
