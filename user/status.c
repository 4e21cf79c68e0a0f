// SPDX-License-Identifier: GPL-2.0-only
/* `colo-xdp status`: instances, their interfaces and hooks, and per-role counters. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "instance.h"
#include "kstats.h"
#include "log.h"

/* A JSON string; names come from the kernel or the command line, so escape them. */
static void json_str(const char *s, size_t max)
{
	size_t i;

	putchar('"');
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

struct status_ctx {
	bool json;
	bool first;
	int shown; /* instances printed */
	int err;
};

/* "native"/"skb" for an XDP hook, NULL for tc. */
static const char *iface_xdp_mode(const struct colo_iface *ifc)
{
	return ifc->hook == COLO_HOOK_XDP ? colo_xdp_mode_name(ifc->xdp_mode) : NULL;
}

static void print_iface_text(__u32 ifindex, const struct colo_iface *ifc)
{
	const char *mode = iface_xdp_mode(ifc);

	printf("  %.16s (ifindex %u, netns %u): %s, ", ifc->name, ifindex, ifc->netns_ino,
	       colo_role_name(ifc->role));
	if (mode)
		printf("XDP %s prog %u", mode, ifc->ingress_prog_id);
	else
		printf("tc ingress prog %u", ifc->ingress_prog_id);
	if (ifc->egress_prog_id)
		printf(", tc egress prog %u", ifc->egress_prog_id);
	if (!mode || ifc->egress_prog_id)
		printf(", tc handle 0x%x prio %u%s", ifc->tc_handle, ifc->tc_priority,
		       ifc->created_clsact ? ", clsact created by attach" : "");
	printf("\n");
}

static int print_iface(__u32 ifindex, const struct colo_iface *ifc, void *ctx)
{
	struct status_ctx *sc = ctx;
	const char *mode = iface_xdp_mode(ifc);

	if (!sc->json) {
		print_iface_text(ifindex, ifc);
		return 0;
	}
	printf("%s{\"name\":", sc->first ? "" : ",");
	sc->first = false;
	json_str(ifc->name, sizeof(ifc->name));
	printf(",\"ifindex\":%u,\"netns\":%u,\"role\":\"%s\",\"hook\":\"%s\",", ifindex,
	       ifc->netns_ino, colo_role_name(ifc->role), mode ? "xdp" : "tc");
	if (mode)
		printf("\"xdp_mode\":\"%s\",", mode);
	else
		printf("\"xdp_mode\":null,");
	printf("\"ingress_prog_id\":%u,\"egress_prog_id\":%u,\"tc_handle\":%u,\"tc_priority\":%u,"
	       "\"created_clsact\":%s}",
	       ifc->ingress_prog_id, ifc->egress_prog_id, ifc->tc_handle, ifc->tc_priority,
	       ifc->created_clsact ? "true" : "false");
	return 0;
}

/* What status prints of an instance, read before printing so that a failure prints nothing. */
struct snapshot {
	struct colo_config cfg;
	struct colo_stats stats[COLO_ROLE_MAX];
};

static int read_snapshot(const struct colo_instance *inst, struct snapshot *snap)
{
	int role, err;

	err = colo_config_read(inst, &snap->cfg);
	for (role = 0; role < COLO_ROLE_MAX && !err; role++)
		err = colo_stats_read(inst, role, &snap->stats[role]);
	return err;
}

static void print_stats(const struct snapshot *snap, bool json)
{
	size_t i;
	int role;

	for (role = 0; role < COLO_ROLE_MAX; role++) {
		if (json)
			printf("%s\"%s\":{", role ? "," : "", colo_role_name(role));
		else
			printf("  stats %s:", colo_role_name(role));
		for (i = 0; i < colo_kstat_nfields; i++)
			printf(json ? "%s\"%s\":%llu" : "%s %s %llu", json && i ? "," : "",
			       colo_kstat_fields[i].name,
			       (unsigned long long)colo_kstat_value(&snap->stats[role], i));
		printf(json ? "}" : "\n");
	}
}

/* The ifindex the config gives each role (what the BPF programs use). */
static void print_config_ifindex(const struct colo_config *cfg, bool json)
{
	int role;

	for (role = 0; role < COLO_ROLE_MAX; role++)
		printf(json ? "%s\"%s\":%u" : "%s %s %u", json && role ? "," : "",
		       colo_role_name(role), cfg->ifindex[role]);
}

/* Prints one instance; on failure reports it and goes on with the next (exit status 1). */
static int print_instance(const char *name, void *ctx)
{
	struct status_ctx *sc = ctx;
	struct colo_instance *inst;
	struct snapshot snap;
	int err;

	inst = colo_instance_open(name);
	if (!inst) {
		sc->err = -errno;
		cli_err("status", "cannot open instance %s: %s", name, strerror(-sc->err));
		return 0;
	}
	err = read_snapshot(inst, &snap);
	if (err) {
		sc->err = err;
		cli_err("status", "cannot read instance %s: %s", name, strerror(-err));
		colo_instance_close(inst);
		return 0;
	}
	if (sc->json) {
		printf("%s{\"name\":", sc->first ? "" : ",");
		json_str(name, COLO_INSTANCE_NAME_MAX);
		printf(",\"nshards\":%u,\"flags\":%u,\"config_ifindex\":{", snap.cfg.nshards,
		       snap.cfg.flags);
		print_config_ifindex(&snap.cfg, true);
		printf("},\"interfaces\":[");
	} else {
		printf("instance %s: %u shards, flags 0x%x, config ifindex", name, snap.cfg.nshards,
		       snap.cfg.flags);
		print_config_ifindex(&snap.cfg, false);
		printf("\n");
	}
	sc->first = true;
	colo_ifaces_foreach(inst, print_iface, sc);
	if (sc->json)
		printf("],\"stats\":{");
	print_stats(&snap, sc->json);
	if (sc->json)
		printf("}}");
	sc->first = false;
	sc->shown++;
	colo_instance_close(inst);
	return 0;
}

struct status_opts {
	bool json;
	const char *instance;
};

static const struct colo_opt status_opt_table[] = {
	{.name = "json",
	 .type = COLO_OPT_FLAG,
	 .offset = offsetof(struct status_opts, json),
	 .help = "one JSON document"},
	COLO_OPT_INSTANCE(struct status_opts, instance, "this instance only"),
	{},
};

static const struct colo_cmd_spec status_spec = {
	.name = "status",
	.usage = "[--json] [--instance NAME]",
	.summary = "Lists the instances, their interfaces and hooks, and each role's counters.",
	.min_pos = 0,
	.max_pos = 0,
	.opts = status_opt_table,
};

int cmd_status(int argc, char **argv)
{
	struct status_ctx sc = {.first = true};
	struct status_opts o = {0};
	struct colo_opts_result res;
	const char *instance;
	int err, lock;

	err = cli_parse(&status_spec, argc, argv, &o, &res);
	if (err >= 0)
		return err;
	sc.json = o.json;
	instance = o.instance;
	err = cli_need_root("status");
	if (err)
		return err;
	colo_log_init();
	lock = colo_lock_take(true); /* a consistent view: no attach/detach halfway */
	if (lock < 0)
		return COLO_EXIT_RUNTIME;
	if (sc.json)
		printf("{\"instances\":[");
	if (instance)
		err = print_instance(instance, &sc);
	else
		err = colo_instances_foreach(print_instance, &sc);
	if (sc.json)
		printf("]}\n");
	else if (!sc.shown && !sc.err)
		printf("no colo-xdp instances\n");
	colo_lock_drop(lock);
	if (err)
		cli_err("status", "cannot list %s: %s", COLO_PIN_ROOT, strerror(-err));
	return err || sc.err ? COLO_EXIT_RUNTIME : COLO_EXIT_OK;
}
