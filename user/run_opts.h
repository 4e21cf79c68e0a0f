/* SPDX-License-Identifier: GPL-2.0-only */
/* `colo-xdp run`'s options: the table (--help comes from it), defaults and the checks. */
#ifndef COLO_RUN_OPTS_H
#define COLO_RUN_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "colo_xdp.h"
#include "lib/attach_args.h"
#include "lib/compare.h"
#include "lib/names.h"
#include "release.h"

/*
 * Primary TCP super-frames are compared in pieces of at most this many segments: the
 * secondary's initial congestion window (10 segments) can always cover one piece.
 */
#define RUN_SPLIT_SEGS 10
/* Copied-out frames the workers may hold together, in MiB (a checkpoint's worth at 10 Gbit/s). */
#define RUN_MAX_HELD_MB 512
/* --on-checkpoint: how long the command may run before the checkpoint is aborted. */
#define RUN_HOOK_TIMEOUT_MS 10000

struct run_opts {
	const char *ifname[COLO_ROLE_MAX];
	const char *instance;
	const char *agent_path;
	enum colo_hook hook;
	enum colo_release_mode release;
	__u32 shards;
	__u32 ring_bytes; /* 0: the default for the shard count */
	struct colo_cmp_limits limits;
	unsigned int stats_interval_s;
	unsigned int split_segs;
	uint64_t max_held_bytes;
	bool keep;
	const char *on_checkpoint; /* the exec hook's command, NULL: none */
	uint64_t on_checkpoint_timeout_ms;
	int mode;		  /* enum run_mode */
	const char *metrics_file; /* node_exporter textfile, rewritten every stats interval */
	const char *capture_dir;  /* divergence captures; NULL: none */
	uint32_t capture_max_mb;
	int log_format; /* enum colo_log_format */
};

/* --mode: compare (the dataplane), or mirror (no comparison: a baseline for benchmarks). */
enum run_mode {
	RUN_MODE_COMPARE = 0,
	RUN_MODE_MIRROR,
};

/* --mode's names, for --help and the start line. */
extern const struct colo_enum_name run_mode_names[];

/* Parses run's arguments into o: COLO_EXIT_OK/COLO_EXIT_USAGE: exit with it; -1: go on. */
int colo_run_parse_opts(int argc, char **argv, struct run_opts *o);

#endif /* COLO_RUN_OPTS_H */
