// SPDX-License-Identifier: GPL-2.0-only
/* The `conns` reply (see conns.h). */
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "clock.h"
#include "conns.h"
#include "lib/frame.h"
#include "lib/names.h"

/* Milliseconds from t (CLOCK_MONOTONIC ns) to now; null for t 0. */
static json_t *age_ms(uint64_t now, uint64_t t)
{
	if (!t)
		return json_null();
	return json_real(now > t ? (double)(now - t) / 1e6 : 0.0);
}

/* The members every entry has: flow, protocol and what the kernel's conntrack knows. */
static json_t *entry_new(const struct colo_flow_key *key, const struct colo_conn *ct, uint64_t now)
{
	char flow[128];
	json_t *o;

	colo_flow_format(key, flow, sizeof(flow));
	o = json_pack("{s:s,s:s}", "flow", flow, "proto", colo_proto_name(key->proto) ?: "other");
	if (!o)
		return NULL;
	if (!ct) {
		json_object_set_new(o, "state", json_null());
		json_object_set_new(o, "kernel", json_null());
		return o;
	}
	if (key->proto == IPPROTO_TCP)
		json_object_set_new(o, "state",
				    json_pack("{s:s,s:s}", "primary",
					      colo_tcp_state_name(ct->state[COLO_SIDE_PRIMARY]),
					      "secondary",
					      colo_tcp_state_name(ct->state[COLO_SIDE_SECONDARY])));
	else
		json_object_set_new(o, "state", json_null());
	json_object_set_new(o, "kernel",
			    json_pack("{s:{s:I,s:I},s:{s:I,s:I},s:o}", "packets", "primary",
				      (json_int_t)ct->packets[COLO_SIDE_PRIMARY], "secondary",
				      (json_int_t)ct->packets[COLO_SIDE_SECONDARY], "bytes",
				      "primary", (json_int_t)ct->bytes[COLO_SIDE_PRIMARY],
				      "secondary", (json_int_t)ct->bytes[COLO_SIDE_SECONDARY],
				      "last_seen_ms", age_ms(now, ct->last_seen_ns)));
	return o;
}

/* The offset the rewriter applies to the flow (colo_offsets), or null. */
static json_t *offset_of(const struct colo_instance *inst, const struct colo_flow_key *key)
{
	struct colo_offsets off;

	if (bpf_map_lookup_elem(inst->offsets_fd, key, &off) || !(off.flags & COLO_OFFSET_SEQ))
		return json_null();
	return json_integer(off.seq_offset);
}

static json_t *daemon_entry(const struct colo_cmp_conn_info *ci, int ct_fd, unsigned int shard,
			    uint64_t now)
{
	struct colo_conn ct;
	bool have_ct = bpf_map_lookup_elem(ct_fd, &ci->key, &ct) == 0;
	json_t *o = entry_new(&ci->key, have_ct ? &ct : NULL, now), *side;
	int s;

	if (!o)
		return NULL;
	json_object_set_new(o, "shard", json_integer(shard));
	json_object_set_new(o, "offset",
			    ci->offset_known ? json_integer(ci->seq_offset) : json_null());
	json_object_set_new(o, "compared",
			    ci->pos_valid ? json_integer(ci->compared) : json_null());
	json_object_set_new(o, "next_seq",
			    ci->pos_valid ? json_integer(ci->next_seq) : json_null());
	for (s = 0; s < COLO_SIDE_MAX; s++) {
		side = json_pack("{s:i,s:I}", "frames", (int)ci->held[s], "bytes",
				 (json_int_t)ci->held_bytes[s]);
		json_object_set_new(o, s == COLO_SIDE_PRIMARY ? "held_primary" : "held_secondary",
				    side);
	}
	json_object_set_new(o, "oldest_held_ms", age_ms(now, ci->oldest_ns));
	json_object_set_new(o, "last_seen_ms", age_ms(now, ci->last_ns));
	json_object_set_new(o, "checkpoints", json_integer(ci->checkpoints));
	json_object_set_new(o, "diverged", json_boolean(ci->diverged));
	json_object_set_new(o, "closed", json_boolean(ci->closed));
	return o;
}

json_t *colo_conns_json(const struct colo_coord *co)
{
	json_t *list = json_array(), *e;
	struct colo_cmp_conn_info *v;
	uint64_t omitted = 0, om, now;
	unsigned int i;
	size_t n, k;
	int r;

	for (i = 0; list && i < co->nworkers; i++) {
		r = colo_worker_conns(co->workers[i], COLO_CONNS_WAIT_MS, &v, &n, &om);
		if (r) {
			json_decref(list);
			errno = -r;
			return NULL;
		}
		now = colo_mono_ns();
		omitted += om;
		for (k = 0; k < n; k++) {
			if (json_array_size(list) == COLO_CONNS_REPLY_MAX) {
				omitted += n - k;
				break;
			}
			e = daemon_entry(&v[k], co->inst->conntrack_fd, i, now);
			if (e)
				json_array_append_new(list, e);
		}
		free(v);
	}
	if (!list) {
		errno = ENOMEM;
		return NULL;
	}
	return json_pack("{s:b,s:o,s:I}", "daemon", 1, "conns", list, "omitted",
			 (json_int_t)omitted);
}

json_t *colo_conns_offline_json(const struct colo_instance *inst)
{
	struct colo_flow_key key, next, *prev = NULL;
	uint64_t now = colo_mono_ns();
	json_t *list = json_array(), *e;
	struct colo_conn ct;

	while (list && json_array_size(list) < COLO_CONNS_REPLY_MAX &&
	       !bpf_map_get_next_key(inst->conntrack_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(inst->conntrack_fd, &key, &ct))
			continue; /* evicted meanwhile */
		e = entry_new(&key, &ct, now);
		if (!e)
			continue;
		json_object_set_new(e, "offset", offset_of(inst, &key));
		json_array_append_new(list, e);
	}
	if (!list) {
		errno = ENOMEM;
		return NULL;
	}
	return json_pack("{s:b,s:o}", "daemon", 0, "conns", list);
}
