/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test environment for the BPF programs: all three skeletons loaded (two capture instances,
 * one per side) sharing their maps through pins in a private directory under /sys/fs/bpf
 * (removed as soon as everything is loaded), rings created and inserted, and a private
 * network namespace whose lo is the redirect target.
 */
#ifndef COLO_TEST_ENV_H
#define COLO_TEST_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "colo_xdp.h"

#define ENV_SHARDS     4
#define ENV_RING_BYTES (1u << 20)
#define ENV_MAX_RECS   16
#define ENV_LO_IFINDEX 1
#define ENV_NMAPS      6

/* The shared maps every object defines (COLO_MAP_*). */
extern const char *const env_map_names[ENV_NMAPS];

struct env_rec {
	struct colo_rec hdr;
	uint8_t *frame; /* hdr.cap_len bytes */
	size_t size;	/* whole record size as reserved */
};

struct env {
	char pin_dir[64];	       /* removed again once all objects are loaded */
	uint32_t pinned_id[ENV_NMAPS]; /* id of the map each pin file held at load time */
	struct colo_capture_bpf *cap[COLO_SIDE_MAX];
	struct colo_outside_bpf *out;
	struct colo_rewrite_bpf *rw;
	int ring_fd[ENV_SHARDS];
	struct ring_buffer *rb[ENV_SHARDS];
	int conntrack_fd, stats_fd, config_fd, rings_fd, offsets_fd;
	/* Records drained by env_drain(). */
	struct env_rec recs[ENV_MAX_RECS];
	int nrecs;
	int rec_shard[ENV_MAX_RECS];
};

/* The environment of the running test binary. */
extern struct env env;

struct CMUnitTest;

/*
 * Checks the preconditions (root, bpffs; prints why and fails otherwise), enters a private
 * network namespace, sets env up, runs the cmocka group and tears env down; then runs the group
 * again with the capture reading the skb by probe (the path of kernels without the kfunc
 * bpf_cast_to_kern_ctx; on such a kernel the first run took it already and is not repeated).
 * Returns the number of failed tests, or 1 when the environment could
 * not be set up.
 */
int env_run_group(const char *name, const struct CMUnitTest *tests, size_t n);

/* Back to a clean state: zero stats, empty conntrack and rings, config set to the values given. */
void env_reset(struct env *e, uint32_t flags, uint32_t nshards);
void env_set_config(struct env *e, const struct colo_config *cfg);

/* Program file descriptors. */
int env_capture_tc(struct env *e, int side);
int env_capture_xdp(struct env *e, int side);
int env_outside(struct env *e);
int env_rewrite(struct env *e);

/* Runs prog on frame; out (optional, FRAME_MAX bytes) gets the resulting frame. Returns 0/-errno.
 */
int env_run(int prog_fd, const void *frame, size_t len, void *out, uint32_t *out_len,
	    uint32_t *retval, const void *ctx, size_t ctx_size);

/* Drains every ring into e->recs (previous records freed); returns the number of records. */
int env_drain(struct env *e);

/* Sum of one role's per-CPU counters. */
void env_stats(struct env *e, uint32_t role, struct colo_stats *out);

/* Conntrack lookup; returns 0 when found. */
int env_conn(struct env *e, const struct colo_flow_key *key, struct colo_conn *out);
int env_conn_count(struct env *e);
/* colo_offsets write, as the daemon does it; lookup returns 0 when found. */
int env_offsets_put(struct env *e, const struct colo_flow_key *key, const struct colo_offsets *o);
int env_offsets(struct env *e, const struct colo_flow_key *key, struct colo_offsets *out);

/*
 * Info of map name (one of env_map_names) as object obj sees it: 0 capture (primary), 1 capture
 * (secondary), 2 outside, 3 rewrite. Returns 0, or -1 when the object has no such map.
 */
struct bpf_map_info;
int env_map_info(struct env *e, int obj, const char *name, struct bpf_map_info *info);

/* Replaces shard's ring by a fresh one of the given size (0: remove it from the map). */
int env_replace_ring(struct env *e, int shard, uint32_t bytes);

#endif /* COLO_TEST_ENV_H */
