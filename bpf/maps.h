/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The maps every colo-xdp program shares. Each one is pinned by name, so whichever object loads
 * first creates the instance's set under its pin_root_path and every later object reuses it.
 * Every object includes this header and therefore defines (and creates) all of them.
 */
#ifndef COLO_BPF_MAPS_H
#define COLO_BPF_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "colo_xdp.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, COLO_CONNTRACK_MAX);
	__type(key, struct colo_flow_key);
	__type(value, struct colo_conn);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} colo_conntrack SEC(".maps");

/*
 * Daemon-owned offsets, in a map of their own so that a userspace write never races the capture
 * programs' updates of colo_conntrack. Written by userspace only; LRU like the conntrack.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, COLO_CONNTRACK_MAX);
	__type(key, struct colo_flow_key);
	__type(value, struct colo_offsets);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} colo_offsets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, COLO_ROLE_MAX);
	__type(key, __u32);
	__type(value, struct colo_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} colo_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct colo_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} colo_config SEC(".maps");

/* Template of one shard's ring; userspace creates the real rings (any size) and inserts them. */
struct colo_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, COLO_RING_BYTES_TEMPLATE);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, COLO_MAX_SHARDS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct colo_ring);
} colo_rings SEC(".maps");

/* Attachment records; written by userspace only, defined here so it is created with BTF. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4 * COLO_ROLE_MAX);
	__type(key, __u32);
	__type(value, struct colo_iface);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} colo_ifaces SEC(".maps");

static __always_inline struct colo_config *colo_get_config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&colo_config, &zero);
}

static __always_inline struct colo_stats *colo_get_stats(__u32 role)
{
	return bpf_map_lookup_elem(&colo_stats, &role);
}

#endif /* COLO_BPF_MAPS_H */
