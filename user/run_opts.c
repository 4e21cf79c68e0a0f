// SPDX-License-Identifier: GPL-2.0-only
/* `colo-xdp run`'s options: the table (--help comes from it), defaults and the checks. */
#include <net/if.h>
#include <net/if_arp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "instance.h"
#include "log.h"
#include "run_opts.h"

const struct colo_enum_name run_mode_names[] = {
	{"compare", RUN_MODE_COMPARE},
	{"mirror", RUN_MODE_MIRROR},
	{NULL, 0},
};

/* The capture parses, and release writes, Ethernet frames: lo, tun, ip6tnl, ... cannot carry them.
 */
static bool is_ethernet(const char *ifname)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ether;

	if (fd < 0)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ether = !ioctl(fd, SIOCGIFHWADDR, &ifr) && ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER;
	close(fd);
	return ether;
}

static bool ring_size_ok(uint64_t v)
{
	return colo_ring_size_valid((__u32)v);
}

static bool nonempty(const char *s)
{
	return *s;
}

#define RUN_OPT(field) .offset = offsetof(struct run_opts, field)

static const struct colo_opt run_opt_table[] = {
	{.name = "outside",
	 .type = COLO_OPT_STR,
	 RUN_OPT(ifname[COLO_ROLE_OUTSIDE]),
	 .arg = "IF",
	 .help = "the clients' interface (required)"},
	{.name = "primary",
	 .type = COLO_OPT_STR,
	 RUN_OPT(ifname[COLO_ROLE_PRIMARY]),
	 .arg = "IF",
	 .help = "the primary replica's interface (required)"},
	{.name = "secondary",
	 .type = COLO_OPT_STR,
	 RUN_OPT(ifname[COLO_ROLE_SECONDARY]),
	 .arg = "IF",
	 .help = "the secondary replica's interface (required)"},
	COLO_OPT_INSTANCE(struct run_opts, instance, COLO_INSTANCE_HELP),
	{.name = "agent",
	 .type = COLO_OPT_STR,
	 RUN_OPT(agent_path),
	 .arg = "PATH",
	 .help = "the checkpoint agent's socket (default " COLO_RUN_DIR "/<instance>.sock)"},
	{.name = "shards",
	 .type = COLO_OPT_U32,
	 RUN_OPT(shards),
	 .arg = "N",
	 .help = "ring shards and workers (default: one per CPU)",
	 .min = 1,
	 .max = COLO_MAX_SHARDS},
	{.name = "ring-size",
	 .type = COLO_OPT_U32,
	 RUN_OPT(ring_bytes),
	 .arg = "BYTES",
	 .help = "each shard's ring (default: 256 MiB in all)",
	 .min = COLO_RING_BYTES_MIN,
	 .max = COLO_RING_BYTES_MAX,
	 .valid_num = ring_size_ok,
	 .valid_what = "a power of 2"},
	{.name = "compare-timeout",
	 .type = COLO_OPT_U64,
	 RUN_OPT(limits.compare_timeout_ns),
	 .arg = "MS",
	 .help = "a frame held this long requests a checkpoint (default 3000)",
	 .min = 1,
	 .max = 3600000,
	 .scale = COLO_NS_PER_MS},
	{.name = "max-queue",
	 .type = COLO_OPT_U32,
	 RUN_OPT(limits.max_queue),
	 .arg = "N",
	 .help = "frames held per connection and side (default 1024)",
	 .min = 1,
	 .max = 1u << 20},
	{.name = "max-held",
	 .type = COLO_OPT_U64,
	 RUN_OPT(max_held_bytes),
	 .arg = "MB",
	 .help = "MiB of frames the workers may hold (default 512)",
	 .min = 16,
	 .max = 1u << 20,
	 .scale = 1u << 20},
	{.name = "release",
	 .type = COLO_OPT_ENUM,
	 RUN_OPT(release),
	 .names = colo_release_mode_names,
	 .help = "release path (default afpacket: keeps GSO and checksum offload)"},
	{.name = "hook",
	 .type = COLO_OPT_ENUM,
	 RUN_OPT(hook),
	 .names = colo_hook_names,
	 .help = "capture hook (default tc)"},
	{.name = "retx-window",
	 .type = COLO_OPT_U32,
	 RUN_OPT(limits.retx_window),
	 .arg = "BYTES",
	 .help = "retransmissions verifiable per connection (default 4 MiB)",
	 .min = 4096,
	 .max = 1u << 30},
	{.name = "split-segs",
	 .type = COLO_OPT_U32,
	 RUN_OPT(split_segs),
	 .arg = "N",
	 .help = "compare primary super-frames in pieces of N segments (0: whole; default 10)",
	 .min = 0,
	 .max = 64},
	{.name = "stats-interval",
	 .type = COLO_OPT_U32,
	 RUN_OPT(stats_interval_s),
	 .arg = "S",
	 .help = "seconds between summary lines (default 10)",
	 .min = 1,
	 .max = 86400},
	{.name = "mode",
	 .type = COLO_OPT_ENUM,
	 RUN_OPT(mode),
	 .names = run_mode_names,
	 .help = "compare (default), or mirror: nothing compared, a baseline for benchmarks"},
	{.name = "keep",
	 .type = COLO_OPT_FLAG,
	 RUN_OPT(keep),
	 .help = "stay attached and pinned at exit (a restart reattaches)"},
	{.name = "on-checkpoint",
	 .type = COLO_OPT_STR,
	 RUN_OPT(on_checkpoint),
	 .arg = "CMD",
	 .help = "run sh -c CMD per checkpoint (colo-xdp agent exec): exit 0 commits",
	 .valid_str = nonempty,
	 .valid_what = "a shell command"},
	{.name = "on-checkpoint-timeout-ms",
	 .type = COLO_OPT_U64,
	 RUN_OPT(on_checkpoint_timeout_ms),
	 .arg = "N",
	 .help = "--on-checkpoint: the command's time limit, then abort (default 10000)",
	 .min = 1,
	 .max = 86400000},
	{.name = "capture-dir",
	 .type = COLO_OPT_STR,
	 RUN_OPT(capture_dir),
	 .arg = "DIR",
	 .help = "at each checkpoint trigger, a pcapng of the flow's recent frames (both sides)"},
	{.name = "capture-max",
	 .type = COLO_OPT_U32,
	 RUN_OPT(capture_max_mb),
	 .arg = "MB",
	 .help = "captures of this run kept at most (oldest removed first; default 64)",
	 .min = 8,
	 .max = 65536},
	{.name = "log-format",
	 .type = COLO_OPT_ENUM,
	 RUN_OPT(log_format),
	 .names = colo_log_format_names,
	 .help = "text (default), or one JSON object per line (time, level, msg)"},
	{.name = "metrics-file",
	 .type = COLO_OPT_STR,
	 RUN_OPT(metrics_file),
	 .arg = "PATH",
	 .help = "Prometheus textfile, replaced atomically every --stats-interval and on SIGHUP"},
	{},
};

static const struct colo_cmd_spec run_spec = {
	.name = "run",
	.usage = "--outside IF --primary IF --secondary IF [options]",
	.summary = "Attaches the three roles and compares until SIGINT/SIGTERM, then detaches.",
	.min_pos = 0,
	.max_pos = 0,
	.opts = run_opt_table,
};

static void run_defaults(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->instance = COLO_DEFAULT_INSTANCE;
	o->release = COLO_RELEASE_AFPACKET;
	o->stats_interval_s = 10;
	o->capture_max_mb = 64;
	o->split_segs = RUN_SPLIT_SEGS;
	o->max_held_bytes = (uint64_t)RUN_MAX_HELD_MB << 20;
	o->on_checkpoint_timeout_ms = RUN_HOOK_TIMEOUT_MS;
	colo_cmp_limits_default(&o->limits);
	/* Client addresses and ports must not be able to steer flows into one hash chain. */
	if (getrandom(&o->limits.hash_seed, sizeof(o->limits.hash_seed), 0) < 0)
		o->limits.hash_seed = colo_mono_ns();
}

/* The interfaces: given, existing, Ethernet, three different ones. */
static const char *check_ifaces(const struct run_opts *o, char *why, size_t len)
{
	int role;

	for (role = 0; role < COLO_ROLE_MAX; role++) {
		if (!o->ifname[role])
			snprintf(why, len, "--%s IF is required", colo_role_name(role));
		else if (!if_nametoindex(o->ifname[role]))
			snprintf(why, len, "no interface '%s'", o->ifname[role]);
		else if (!is_ethernet(o->ifname[role]))
			snprintf(why, len, "'%s' is not an Ethernet interface", o->ifname[role]);
		else
			continue;
		return why;
	}
	if (!strcmp(o->ifname[0], o->ifname[1]) || !strcmp(o->ifname[0], o->ifname[2]) ||
	    !strcmp(o->ifname[1], o->ifname[2]))
		return "the three roles need three different interfaces";
	return NULL;
}

/* COLO_EXIT_OK/COLO_EXIT_USAGE: exit with it; -1: go on. */
int colo_run_parse_opts(int argc, char **argv, struct run_opts *o)
{
	struct colo_opts_result res;
	const char *bad;
	char why[256];
	int r;

	run_defaults(o);
	r = cli_parse(&run_spec, argc, argv, o, &res);
	if (r >= 0)
		return r;
	bad = check_ifaces(o, why, sizeof(why));
	if (!bad && colo_opts_seen(&run_spec, &res, "on-checkpoint-timeout-ms") &&
	    !o->on_checkpoint)
		bad = "--on-checkpoint-timeout-ms needs --on-checkpoint CMD";
	if (bad) {
		cli_err("run", "%s (see colo-xdp run --help)", bad);
		return COLO_EXIT_USAGE;
	}
	return -1;
}
