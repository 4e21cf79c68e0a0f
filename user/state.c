// SPDX-License-Identifier: GPL-2.0-only
/*
 * `colo-xdp state show FILE [--json]`: validates a state stream (docs/state-format.md) and prints
 * its records, one line each, or one JSON document with every field and the bytes in hex. Each
 * record becomes a JSON object first (jansson); the text form flattens that object, so the two
 * outputs cannot drift apart.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "lib/names.h"
#include "lib/state_stream.h"

/* Larger files are refused: a dump holds at most --max-held bytes of frames and some tables. */
#define STATE_FILE_MAX (4ull << 30)

struct show {
	bool json;
	unsigned int records;
	size_t bytes;
};

/* ---- records as JSON objects ------------------------------------------------------------- */

static json_t *hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc(2 * n + 1);
	json_t *j;
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[2 * n] = 0;
	j = json_stringn(s, 2 * n);
	free(s);
	return j;
}

static json_t *flow(const struct colo_flow_key *key)
{
	char buf[COLO_AGENT_FLOW_STR_LEN];

	return json_string(colo_agent_flow_str(key, buf, sizeof(buf)));
}

/* The names of the set bits of v (names[i] for bit i). */
static json_t *bits(uint32_t v, const char *const *names, unsigned int n)
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; i < n; i++)
		if (v & (1u << i))
			json_array_append_new(a, json_string(names[i]));
	return a;
}

static const char *const conn_flag_names[] = {
	"closed",    "diverged",    "off_known",    "ts_known", "zero_reported",
	"pos_valid", "floor_valid", "p_high_valid", "fin_cmp",	"hist_capped",
};
static const char *const side_flag_names[] = {"syn_seen", "syn_ts", "ack_valid"};
static const char *const rec_flag_names[] = {"vlan",	  "qinq",	  "fragment", "ip_options",
					     "truncated", "csum_partial", "gso"};
static const char *const tcp_state_names[] = {"none",	     "syn_sent", "syn_recv",
					      "established", "fin_sent", "closed"};
static const char *const pos_kind_names[] = {"none", "stream", "seq"};

static json_t *global_json(const struct colo_state_global *g)
{
	const struct colo_state_options *o = &g->opts;
	json_t *c = json_object();
	unsigned int i;

	for (i = 0; i < COLO_STATE_NCOUNTERS; i++)
		json_object_set_new(c, colo_state_counter_name(i), json_integer(g->counters[i]));
	return json_pack("{s:s, s:s, s:o, s:I, s:b, s:{s:i, s:s, s:s, s:s, s:[i,i,i], s:i, s:i, "
			 "s:i, s:i, s:I, s:I}, s:o}",
			 "type", "global", "instance", g->instance, "boot_id",
			 hex(g->boot_id, sizeof(g->boot_id)), "written_ns",
			 (json_int_t)g->written_ns, "failover", g->flags & COLO_STATE_G_FAILOVER,
			 "opts", "shards", o->shards, "hook", o->hook ? "xdp" : "tc", "xdp_mode",
			 o->xdp_mode ? "skb" : "native", "release",
			 o->release ? "afxdp" : "afpacket", "ifindex", o->ifindex[0], o->ifindex[1],
			 o->ifindex[2], "split_segs", o->split_segs, "max_queue", o->max_queue,
			 "max_conns", o->max_conns, "retx_window", o->retx_window, "retx_budget",
			 (json_int_t)o->retx_budget, "max_held_bytes",
			 (json_int_t)o->max_held_bytes, "counters", c);
}

static json_t *side_json(const struct colo_state_side *s)
{
	return json_pack("{s:s, s:o, s:i, s:I, s:I, s:I, s:I, s:I}", "tcp_state",
			 tcp_state_names[s->tcp_state], "flags", bits(s->flags, side_flag_names, 3),
			 "syn_flags", s->syn_flags, "isn", (json_int_t)s->isn, "syn_ack",
			 (json_int_t)s->syn_ack, "syn_tsval", (json_int_t)s->syn_tsval, "max_ack",
			 (json_int_t)s->max_ack, "rst", (json_int_t)s->rst);
}

static json_t *conn_json(const struct colo_state_conn *c, bool with_hist)
{
	json_t *j, *h = json_array();
	char hash[19];
	uint32_t i;

	for (i = 0; with_hist && i < c->hist_len; i++) {
		snprintf(hash, sizeof(hash), "0x%016llx", (unsigned long long)c->hist[i].hash);
		json_array_append_new(h, json_pack("{s:I, s:I, s:s}", "seq",
						   (json_int_t)c->hist[i].seq, "len",
						   (json_int_t)c->hist[i].len, "hash", hash));
	}
	j = json_pack("{s:s, s:I, s:I, s:o, s:o, s:I, s:I, s:[I,I], s:I, s:I, s:I, s:I, s:I, s:I, "
		      "s:I, s:o, s:o, s:I}",
		      "type", "conn", "id", (json_int_t)c->id, "shard", (json_int_t)c->shard, "key",
		      flow(&c->key), "flags", bits(c->flags, conn_flag_names, 10), "debt",
		      (json_int_t)c->debt, "last_ns", (json_int_t)c->last_ns, "nframes",
		      (json_int_t)c->nframes[0], (json_int_t)c->nframes[1], "seq_offset",
		      (json_int_t)c->seq_offset, "ts_offset", (json_int_t)c->ts_offset, "next",
		      (json_int_t)c->next, "start", (json_int_t)c->start, "floor",
		      (json_int_t)c->floor, "p_high", (json_int_t)c->p_high, "fin_seq",
		      (json_int_t)c->fin_seq, "primary", side_json(&c->side[0]), "secondary",
		      side_json(&c->side[1]), "hist_len", (json_int_t)c->hist_len);
	if (with_hist)
		json_object_set_new(j, "hist", h);
	else
		json_decref(h);
	return j;
}

static json_t *frame_json(const struct colo_state_frame *f, bool with_bytes)
{
	json_t *j = json_pack(
		"{s:s, s:I, s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		"s:I, s:I, s:I}",
		"type", "frame", "conn", (json_int_t)f->conn, "side", colo_side_name(f->side),
		"rec_flags", bits(f->rec_flags, rec_flag_names, 7), "gso_size",
		(json_int_t)f->gso_size, "time_ns", (json_int_t)f->time_ns, "frame_len",
		(json_int_t)f->frame_len, "gso_type", (json_int_t)f->gso_type, "csum_start",
		(json_int_t)f->csum_start, "csum_offset", (json_int_t)f->csum_offset, "l3_off",
		(json_int_t)f->l3_off, "l4_off", (json_int_t)f->l4_off, "payload_off",
		(json_int_t)f->payload_off, "l4_proto", (json_int_t)f->l4_proto, "family",
		(json_int_t)f->family, "len", (json_int_t)f->len);

	if (with_bytes)
		json_object_set_new(j, "data", hex(f->data, f->len));
	return j;
}

static json_t *checkpoint_json(const struct colo_state_checkpoint *cp)
{
	return json_pack("{s:s, s:I, s:s, s:s, s:I, s:o, s:I, s:s, s:s, s:I, s:I, s:I}", "type",
			 "checkpoint", "id", (json_int_t)cp->id, "reason",
			 colo_agent_reason_name(cp->reason), "state",
			 colo_state_cp_state_name(cp->state), "shard", (json_int_t)cp->shard,
			 "flow", flow(&cp->flow), "time_ns", (json_int_t)cp->time_ns, "where_side",
			 colo_side_name(cp->where_side), "where_pos_kind",
			 pos_kind_names[cp->where_pos_kind], "where_pos", (json_int_t)cp->where_pos,
			 "waited_ns", (json_int_t)cp->waited_ns, "covered",
			 (json_int_t)cp->covered);
}

static json_t *agent_json(const struct colo_state_agent *a, bool with_bytes)
{
	json_t *u = json_array(), *c = json_object(), *j;
	uint32_t i;

	for (i = 0; i < a->unacked_count; i++)
		json_array_append_new(u, json_pack("{s:s, s:I, s:I}", "type",
						   colo_agent_type_name(a->unacked[i].type), "seq",
						   (json_int_t)a->unacked[i].seq, "txid",
						   (json_int_t)a->unacked[i].txid));
	for (i = 0; i < COLO_STATE_NAGENT_COUNTERS; i++)
		json_object_set_new(c, colo_state_agent_counter_name(i),
				    json_integer(a->counters[i]));
	j = json_pack("{s:s, s:i, s:i, s:s, s:I, s:I, s:I, s:i, s:b, s:I, s:I, s:o, s:o, s:I, "
		      "s:I}",
		      "type", "agent", "listen_fd", a->listen_fd, "conn_fd", a->conn_fd, "state",
		      colo_agent_state_name(a->state), "txid", (json_int_t)a->txid, "tx_seq",
		      (json_int_t)a->tx_seq, "rx_seq", (json_int_t)a->rx_seq, "peer_version",
		      a->peer_version, "hello_sent", a->hello_sent, "features",
		      (json_int_t)a->features, "peer_features", (json_int_t)a->peer_features,
		      "unacked", u, "counters", c, "rx_len", (json_int_t)a->rx_len, "tx_len",
		      (json_int_t)a->tx_len);
	if (with_bytes) {
		json_object_set_new(j, "rx", hex(a->rx, a->rx_len));
		json_object_set_new(j, "tx", hex(a->tx, a->tx_len));
	}
	return j;
}

/* ---- output ------------------------------------------------------------------------------ */

/* "k=v" for every member, nested objects as "outer.inner=v", arrays as "a,b,c" or "[n]". */
static void print_flat(const char *prefix, json_t *obj)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		if (!strcmp(key, "type"))
			continue;
		if (json_is_object(v)) {
			char p[64];

			snprintf(p, sizeof(p), "%s%s.", prefix, key);
			print_flat(p, v);
			continue;
		}
		printf(" %s%s=", prefix, key);
		if (json_is_array(v) && json_is_object(json_array_get(v, 0))) {
			printf("[%zu]", json_array_size(v));
			continue;
		}
		json_dumpf(v, stdout, JSON_ENCODE_ANY | JSON_COMPACT);
	}
}

static int emit(struct show *sh, json_t *j)
{
	if (!j)
		return -ENOMEM;
	if (sh->json) {
		if (!sh->records) /* the stream is valid: the walk with callbacks began */
			printf("{\"version\":%u,\"features\":%u,\"bytes\":%zu,\"records\":[\n",
			       COLO_STATE_VERSION, COLO_STATE_FEATURES, sh->bytes);
		fputs(sh->records ? ",\n" : "", stdout);
		json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	} else {
		fputs(json_string_value(json_object_get(j, "type")), stdout);
		print_flat("", j);
		putchar('\n');
	}
	sh->records++;
	json_decref(j);
	return 0;
}

static int on_global(void *ctx, const struct colo_state_global *g)
{
	return emit(ctx, global_json(g));
}

static int on_conn(void *ctx, const struct colo_state_conn *c)
{
	return emit(ctx, conn_json(c, ((struct show *)ctx)->json));
}

static int on_frame(void *ctx, const struct colo_state_frame *f)
{
	return emit(ctx, frame_json(f, ((struct show *)ctx)->json));
}

static int on_checkpoint(void *ctx, const struct colo_state_checkpoint *cp)
{
	return emit(ctx, checkpoint_json(cp));
}

static int on_agent(void *ctx, const struct colo_state_agent *a)
{
	return emit(ctx, agent_json(a, ((struct show *)ctx)->json));
}

/* ---- the file ------------------------------------------------------------------------------ */

/* Reads all of path (at most STATE_FILE_MAX bytes); returns 0 or -errno. */
static int read_file(const char *path, uint8_t **out, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap), *grown;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	ssize_t r;

	if (fd < 0 || !buf) {
		err = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	for (;;) {
		if (n == cap) {
			grown = cap < STATE_FILE_MAX ? realloc(buf, cap * 2) : NULL;
			if (!grown) {
				err = cap < STATE_FILE_MAX ? -ENOMEM : -EFBIG;
				goto out;
			}
			buf = grown;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto out;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
out:
	if (fd >= 0)
		close(fd);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*len = n;
	return 0;
}

struct state_opts {
	bool json;
};

static const struct colo_opt state_opt_table[] = {
	{.name = "json",
	 .type = COLO_OPT_FLAG,
	 .offset = offsetof(struct state_opts, json),
	 .help = "one JSON document with every field and the bytes in hex"},
	{},
};

static const struct colo_cmd_spec state_spec = {
	.name = "state",
	.usage = "show FILE [--json]",
	.summary = "Validates a state stream (docs/state-format.md) and prints its records.",
	.min_pos = 2,
	.max_pos = 2,
	.opts = state_opt_table,
};

/* Prints the records of the stream in path; returns the exit code. */
static int state_show(const char *path, bool json)
{
	static const struct colo_state_ops ops = {on_global, on_conn, on_frame, on_checkpoint,
						  on_agent};
	struct show sh = {.json = json};
	struct colo_state_err err;
	uint8_t *buf;
	size_t len;
	int r;

	r = read_file(path, &buf, &len);
	if (r) {
		cli_err("state", "%s: %s", path, strerror(-r));
		return COLO_EXIT_RUNTIME;
	}
	sh.bytes = len;
	r = colo_state_read(buf, len, NULL, &ops, &sh, &err);
	free(buf);
	if (r) {
		cli_err("state", "%s: %s", path, r == -EINVAL ? err.msg : strerror(-r));
		return COLO_EXIT_RUNTIME;
	}
	if (sh.json)
		printf(",\n{\"type\":\"end\"}\n]}\n");
	else
		printf("end records=%u bytes=%zu version=%u\n", sh.records + 1, len,
		       COLO_STATE_VERSION);
	return COLO_EXIT_OK;
}

int cmd_state(int argc, char **argv)
{
	struct state_opts o = {0};
	struct colo_opts_result res;
	int r = cli_parse(&state_spec, argc, argv, &o, &res);

	if (r >= 0)
		return r;
	if (strcmp(res.pos[0], "show")) {
		cli_err("state", "unknown verb '%s' (state show FILE)", res.pos[0]);
		return COLO_EXIT_USAGE;
	}
	return state_show(res.pos[1], o.json);
}
