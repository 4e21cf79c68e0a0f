/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pure parsing for attach's command line: roles, instance names, ring sizes and the option table
 * of `colo-xdp attach`. No BPF, no system calls; unit-tested in tests/unit/test_attach_args.c.
 */
#ifndef COLO_ATTACH_ARGS_H
#define COLO_ATTACH_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "colo_xdp.h"
#include "lib/names.h" /* colo_role_name() */
#include "lib/opts.h"

#define COLO_INSTANCE_NAME_MAX 64
/*
 * Smallest ring: one send window of each replica of a flow, the most a sender has in flight
 * unacknowledged (Linux's default tcp_wmem maximum, 4 MiB), even as 1514-byte frames in 2 KiB
 * records (x 1.4): 2 x 5.7 MB, rounded up to a power of 2. A smaller ring can lose captures of
 * one flow's window every round trip, and a lost capture on one side can never match: TCP then
 * recovers only by retransmission timeouts (4 KiB rings: 452 drops, 21 timeout checkpoints and
 * 20 MB not done in 60 s). Refused rather than recovered: only the replica can resend a frame.
 */
#define COLO_RING_BYTES_MIN (16u << 20)
#define COLO_RING_BYTES_MAX (1u << 30)
/*
 * Default rings: 256 MiB in all, each 32..128 MiB. The windows of 100 bulk connections overran
 * 32 MiB rings here, and a capture drop costs a retransmission timeout, not a fast retransmit.
 */
#define COLO_RING_BUDGET_DEFAULT    (256u << 20)
#define COLO_RING_BYTES_DEFAULT_MIN (32u << 20)
#define COLO_RING_BYTES_DEFAULT_MAX (128u << 20)

struct colo_attach_opts {
	const char *ifname;
	const char *instance; /* NULL: COLO_DEFAULT_INSTANCE */
	enum colo_role role;
	enum colo_hook hook;	     /* capture hook of primary/secondary; outside is always tc */
	enum colo_xdp_mode xdp_mode; /* when hook is COLO_HOOK_XDP */
	__u32 nshards;		     /* 0: instance's value, or the default when creating it */
	__u32 ring_bytes; /* per shard, power of 2 >= page size; 0: colo_ring_bytes_default() */
};

/* Parses "outside"/"primary"/"secondary"; -EINVAL otherwise. */
int colo_role_parse(const char *s, enum colo_role *role);

/* Checks an instance name: 1..COLO_INSTANCE_NAME_MAX-1 chars of [A-Za-z0-9_-] (bpffs refuses '.').
 */
bool colo_instance_name_valid(const char *name);
#define COLO_INSTANCE_NAME_RULE "[A-Za-z0-9_-], < 64 chars"
#define COLO_INSTANCE_HELP	"the dataplane instance (default: " COLO_DEFAULT_INSTANCE ")"

/* Every subcommand's --instance NAME option (an entry of its struct colo_opt table). */
#define COLO_OPT_INSTANCE(opts_type, member, help_text)                                            \
	{                                                                                          \
		.name = "instance", .type = COLO_OPT_STR, .offset = offsetof(opts_type, member),   \
		.arg = "NAME", .help = help_text, .valid_str = colo_instance_name_valid,           \
		.valid_what = COLO_INSTANCE_NAME_RULE                                              \
	}

/* A ring size the kernel accepts: a power of 2 in [COLO_RING_BYTES_MIN, COLO_RING_BYTES_MAX]. */
bool colo_ring_size_valid(__u32 bytes);
/* Each of nshards rings' default size: its share of the budget, a power of 2 within bounds. */
__u32 colo_ring_bytes_default(__u32 nshards);

/* The options of `colo-xdp attach`. */
extern const struct colo_cmd_spec colo_attach_spec;

/*
 * Parses `attach <iface> --role R [--instance N] [--hook tc|xdp] [--mode native|skb]
 * [--shards N] [--ring-size BYTES]` and the common options (argv[0] is "attach"). Fills o
 * (zeroed first; o->role is COLO_ROLE_MAX until --role is seen) and res. Returns 0 (with
 * res->help or res->version set nothing else was checked), or -EINVAL with a one-line reason
 * in err.
 */
int colo_attach_args_parse(int argc, char **argv, struct colo_attach_opts *o,
			   struct colo_opts_result *res, char *err, size_t errlen);

#endif /* COLO_ATTACH_ARGS_H */
