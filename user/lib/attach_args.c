// SPDX-License-Identifier: GPL-2.0-only
/* Command-line parsing for `colo-xdp attach`: see attach_args.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/attach_args.h"

int colo_role_parse(const char *s, enum colo_role *role)
{
	int v;

	if (colo_enum_parse(colo_role_names, s, &v))
		return -EINVAL;
	*role = v;
	return 0;
}

bool colo_instance_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= COLO_INSTANCE_NAME_MAX)
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
	       n;
}

bool colo_ring_size_valid(__u32 bytes)
{
	return bytes >= COLO_RING_BYTES_MIN && bytes <= COLO_RING_BYTES_MAX &&
	       !(bytes & (bytes - 1));
}

__u32 colo_ring_bytes_default(__u32 nshards)
{
	__u32 share = COLO_RING_BUDGET_DEFAULT / (nshards ? nshards : 1), bytes;

	for (bytes = COLO_RING_BYTES_DEFAULT_MIN; bytes < COLO_RING_BYTES_DEFAULT_MAX; bytes <<= 1)
		if (bytes << 1 > share)
			break;
	return bytes;
}

static bool ring_size_ok(uint64_t v)
{
	return colo_ring_size_valid((__u32)v);
}

static const struct colo_opt attach_opts[] = {
	{.name = "role",
	 .type = COLO_OPT_ENUM,
	 .offset = offsetof(struct colo_attach_opts, role),
	 .names = colo_role_names,
	 .help = "the interface's role (required)"},
	COLO_OPT_INSTANCE(struct colo_attach_opts, instance, COLO_INSTANCE_HELP),
	{.name = "hook",
	 .type = COLO_OPT_ENUM,
	 .offset = offsetof(struct colo_attach_opts, hook),
	 .names = colo_hook_names,
	 .help = "capture hook of primary/secondary (default tc; outside is tc)"},
	{.name = "mode",
	 .type = COLO_OPT_ENUM,
	 .offset = offsetof(struct colo_attach_opts, xdp_mode),
	 .names = colo_xdp_mode_names,
	 .help = "XDP mode, with --hook xdp (default native)"},
	{.name = "shards",
	 .type = COLO_OPT_U32,
	 .offset = offsetof(struct colo_attach_opts, nshards),
	 .arg = "N",
	 .help = "ring shards of a new instance (default: one per CPU)",
	 .min = 1,
	 .max = COLO_MAX_SHARDS},
	{.name = "ring-size",
	 .type = COLO_OPT_U32,
	 .offset = offsetof(struct colo_attach_opts, ring_bytes),
	 .arg = "BYTES",
	 .help = "each ring of a new instance (default: 256 MiB in all)",
	 .min = COLO_RING_BYTES_MIN,
	 .max = COLO_RING_BYTES_MAX,
	 .valid_num = ring_size_ok,
	 .valid_what = "a power of 2"},
	{},
};

const struct colo_cmd_spec colo_attach_spec = {
	.name = "attach",
	.usage = "<iface> --role outside|primary|secondary [options]",
	.summary = "Attaches colo-xdp's programs for one role to an interface.",
	.min_pos = 1,
	.max_pos = 1,
	.opts = attach_opts,
};

int colo_attach_args_parse(int argc, char **argv, struct colo_attach_opts *o,
			   struct colo_opts_result *res, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->role = COLO_ROLE_MAX;
	if (colo_opts_parse(&colo_attach_spec, argc, argv, o, res, err, errlen))
		return -EINVAL;
	if (res->help || res->version)
		return 0;
	o->ifname = res->pos[0];
	if (o->role == COLO_ROLE_MAX)
		snprintf(err, errlen, "missing --role (outside, primary or secondary)");
	else if (o->role == COLO_ROLE_OUTSIDE && o->hook != COLO_HOOK_TC)
		snprintf(err, errlen, "the outside role attaches to tc only");
	else if (colo_opts_seen(&colo_attach_spec, res, "mode") && o->hook != COLO_HOOK_XDP)
		snprintf(err, errlen, "--mode applies to --hook xdp only");
	else
		return 0;
	return -EINVAL;
}
