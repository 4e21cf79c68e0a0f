// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loader: opens the role's skeletons with the instance's pin directory as pin_root_path (libbpf
 * creates and pins the maps on the first attach and reuses them afterwards), attaches the
 * programs with bpf_tc_* or libxdp, and records what it did in colo_ifaces so that detach can
 * undo exactly that.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "loader.h"
#include "capture.skel.h"
#include "outside.skel.h"
#include "rewrite.skel.h"

#define LOCK_PATH "/run/colo-xdp.lock"

static void __attribute__((format(printf, 1, 2))) loader_err(const char *fmt, ...)
{
	va_list ap;

	fputs("colo-xdp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * libbpf and libxdp messages. They are printed only with COLO_XDP_DEBUG=1 in the environment:
 * libxdp first tries its multi-program dispatcher, which cannot load on this kernel (freplace
 * EPERM), and both libraries log that before libxdp falls back to attaching our program alone;
 * libbpf prints whole verifier logs. Instead the loader keeps the most telling message as a hint
 * for its own one-line error: the last kernel (netlink) error message or verifier verdict, else
 * the first warning.
 */
static struct {
	bool debug;
	bool strong; /* hint came from the kernel or the verifier */
	char hint[256];
} lib_log;

static void hint_reset(void)
{
	lib_log.hint[0] = '\0';
	lib_log.strong = false;
}

static void hint_set(const char *s, size_t n, bool strong)
{
	if (!strong && lib_log.hint[0])
		return;
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	snprintf(lib_log.hint, sizeof(lib_log.hint), "%.*s", (int)n, s);
	lib_log.strong |= strong;
}

/* The verifier's verdict: the last line of its log that is not the closing statistics. */
static void hint_from_verifier_log(const char *log)
{
	const char *line, *end, *best = NULL;
	size_t best_len = 0;

	for (line = log; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		if (end == line || !strncmp(line, "processed ", 10) ||
		    !strncmp(line, "verification time", 17) || !strncmp(line, "-- END", 6))
			continue;
		best = line;
		best_len = (size_t)(end - line);
	}
	if (best)
		hint_set(best, best_len, true);
}

static void hint_note(const char *msg)
{
	static const char kmsg[] = "Kernel error message: ";
	const char *p;

	if ((p = strstr(msg, kmsg)))
		hint_set(p + sizeof(kmsg) - 1, strlen(p + sizeof(kmsg) - 1), true);
	else if ((p = strstr(msg, "-- BEGIN PROG LOAD LOG --\n")))
		hint_from_verifier_log(p + 26);
	else
		hint_set(msg, strlen(msg), false);
}

static int vlog(bool warn, const char *fmt, va_list ap)
{
	char *msg;

	if (lib_log.debug)
		return vfprintf(stderr, fmt, ap);
	if (!warn || vasprintf(&msg, fmt, ap) < 0)
		return 0;
	hint_note(msg);
	free(msg);
	return 0;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return vlog(level == LIBBPF_WARN, fmt, ap);
}

static int libxdp_log(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return vlog(level == LIBXDP_WARN, fmt, ap);
}

/* Prints "colo-xdp: <what>: <strerror(-err)> (<hint>)". */
static void __attribute__((format(printf, 2, 3))) lib_err(int err, const char *fmt, ...)
{
	va_list ap;

	fputs("colo-xdp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s", strerror(err < 0 ? -err : err));
	if (lib_log.hint[0])
		fprintf(stderr, " (%s)", lib_log.hint);
	fputc('\n', stderr);
}

void colo_loader_init_logging(void)
{
	const char *debug = getenv("COLO_XDP_DEBUG");

	lib_log.debug = debug && *debug && strcmp(debug, "0");
	libbpf_set_print(libbpf_log);
	libxdp_set_print(libxdp_log);
}

int colo_lock_take(bool shared)
{
	int fd = open(LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int err;

	if (fd < 0 || flock(fd, shared ? LOCK_SH : LOCK_EX)) {
		err = -errno;
		loader_err("cannot lock %s: %s", LOCK_PATH, strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

void colo_lock_drop(int fd)
{
	close(fd);
}

static __u32 netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (__u32)st.st_ino;
}

/* ---- lookups across instances ---- */

struct iface_match {
	__u32 ifindex;	    /* match by ifindex ... */
	const char *ifname; /* ... or, when ifindex is 0, by recorded name */
	__u32 netns;
	char instance[COLO_INSTANCE_NAME_MAX];
	__u32 found_ifindex;
	struct colo_iface ifc;
};

static int match_iface(__u32 ifindex, const struct colo_iface *ifc, void *ctx)
{
	struct iface_match *m = ctx;

	if (ifc->netns_ino != m->netns)
		return 0;
	if (m->ifindex ? ifindex != m->ifindex : strncmp(ifc->name, m->ifname, sizeof(ifc->name)))
		return 0;
	m->found_ifindex = ifindex;
	m->ifc = *ifc;
	return 1;
}

static int match_in_instance(const char *name, void *ctx)
{
	struct iface_match *m = ctx;
	struct colo_instance *inst;
	int ret;

	inst = colo_instance_open(name);
	if (!inst)
		return 0;
	ret = colo_ifaces_foreach(inst, match_iface, m);
	colo_instance_close(inst);
	if (ret)
		snprintf(m->instance, sizeof(m->instance), "%s", name);
	return ret;
}

/* Finds the instance recording an interface; instance NULL searches them all. 1 if found. */
static int find_iface(struct iface_match *m, const char *instance)
{
	if (instance)
		return match_in_instance(instance, m);
	return colo_instances_foreach(match_in_instance, m);
}

int colo_iface_lookup(const char *ifname, char instance[COLO_INSTANCE_NAME_MAX],
		      struct colo_iface *ifc)
{
	struct iface_match m = {.ifname = ifname, .netns = netns_ino()};
	int found;

	m.ifindex = if_nametoindex(ifname);
	if (!m.ifindex)
		return -ENODEV;
	found = find_iface(&m, NULL);
	if (found <= 0)
		return found;
	if (instance)
		memcpy(instance, m.instance, sizeof(m.instance));
	if (ifc)
		*ifc = m.ifc;
	return 1;
}

/* ---- kernel-side checks ---- */

static int prog_id_of_fd(int fd, __u32 *id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

static bool prog_is_ours(__u32 id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	bool ours = false;
	int fd;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		ours = !strncmp(info.name, "colo_", 5);
	close(fd);
	return ours;
}

static __u32 tc_filter_prog(int ifindex, enum bpf_tc_attach_point point, __u32 handle, __u32 prio)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = prio);

	return bpf_tc_query(&hook, &opts) ? 0 : opts.prog_id;
}

/* Refuses an interface that already carries our programs, or an XDP program when we want XDP. */
static int check_kernel_hooks(const struct colo_attach_opts *o, int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, xq);
	__u32 ids[4] = {}, i;

	if (!bpf_xdp_query(ifindex, 0, &xq)) {
		ids[0] = xq.drv_prog_id;
		ids[1] = xq.skb_prog_id;
	}
	ids[2] = tc_filter_prog(ifindex, BPF_TC_INGRESS, COLO_TC_HANDLE, COLO_TC_PRIORITY);
	ids[3] = tc_filter_prog(ifindex, BPF_TC_EGRESS, COLO_TC_HANDLE, COLO_TC_PRIORITY);
	for (i = 0; i < 4; i++) {
		if (ids[i] && (prog_is_ours(ids[i]) || i >= 2)) {
			loader_err("%s: already attached (%s program id %u)", o->ifname,
				   i < 2 ? "XDP" : "tc", ids[i]);
			return -EEXIST;
		}
	}
	if (o->hook == COLO_HOOK_XDP && (ids[0] || ids[1])) {
		loader_err("%s: another XDP program (id %u) is attached", o->ifname,
			   ids[0] ? ids[0] : ids[1]);
		return -EEXIST;
	}
	return 0;
}

/* ---- attach ---- */

/* The skeletons a role needs and the state of one attach call, for rollback. */
struct attach_ctx {
	const struct colo_attach_opts *o;
	const char *instance;
	char dir[sizeof(COLO_PIN_ROOT) + COLO_INSTANCE_NAME_MAX];
	int ifindex;
	bool instance_existed;
	bool ring_bytes_given;
	struct capture *cap;
	struct outside *out;
	struct rewrite *rw;
	int ring_tmpl_fd;
	int ingress_fd;
	int egress_fd;
	struct colo_iface ifc; /* filled as hooks go in: rollback undoes what it records */
	struct colo_instance *inst;
};

/*
 * The inner map template of colo_rings, sized like the rings that go in, when libbpf is to create
 * colo_rings (no pin yet). libbpf 1.1 crashes in bpf_map__set_max_entries() on
 * bpf_map__inner_map(), so the template is a map of our own.
 */
static int ring_template(struct attach_ctx *c)
{
	char pin[PATH_MAX];
	int err;

	snprintf(pin, sizeof(pin), "%s/%s", c->dir, COLO_MAP_RINGS);
	if (!access(pin, F_OK))
		return 0;
	c->ring_tmpl_fd =
		bpf_map_create(BPF_MAP_TYPE_RINGBUF, "colo_ring", 0, 0, c->o->ring_bytes, NULL);
	if (c->ring_tmpl_fd < 0) {
		err = -errno;
		loader_err("cannot create a %u-byte ring buffer: %s", c->o->ring_bytes,
			   strerror(-err));
		return err;
	}
	return 0;
}

#define OPEN_SKEL(ctx, field, skel, err_out)                                                       \
	do {                                                                                       \
		LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = (ctx)->dir);                \
		(ctx)->field = skel##__open_opts(&oo);                                             \
		if (!(ctx)->field) {                                                               \
			err_out = -errno;                                                          \
			lib_err(errno, "cannot open BPF object " #skel);                           \
			break;                                                                     \
		}                                                                                  \
		err_out = (ctx)->ring_tmpl_fd < 0                                                  \
				  ? 0                                                              \
				  : bpf_map__set_inner_map_fd((ctx)->field->maps.colo_rings,       \
							      (ctx)->ring_tmpl_fd);                \
	} while (0)

static int load_skel(struct bpf_object *obj, const char *what)
{
	int err;

	hint_reset();
	err = bpf_object__load(obj);
	if (err)
		lib_err(err, "cannot load BPF object %s", what);
	return err;
}

static int load_programs(struct attach_ctx *c)
{
	const struct colo_attach_opts *o = c->o;
	int err;

	err = ring_template(c);
	if (err)
		return err;
	if (o->role == COLO_ROLE_OUTSIDE) {
		OPEN_SKEL(c, out, outside, err);
		if (err || (err = load_skel(c->out->obj, "outside")))
			return err;
		c->ingress_fd = bpf_program__fd(c->out->progs.colo_outside_tc);
		return 0;
	}
	OPEN_SKEL(c, cap, capture, err);
	if (err)
		return err;
	c->cap->rodata->capture_side =
		o->role == COLO_ROLE_PRIMARY ? COLO_SIDE_PRIMARY : COLO_SIDE_SECONDARY;
	bpf_program__set_autoload(c->cap->progs.colo_capture_tc, o->hook == COLO_HOOK_TC);
	bpf_program__set_autoload(c->cap->progs.colo_capture_xdp, o->hook == COLO_HOOK_XDP);
	err = load_skel(c->cap->obj, "capture");
	if (err)
		return err;
	c->ingress_fd = bpf_program__fd(o->hook == COLO_HOOK_TC ? c->cap->progs.colo_capture_tc
								: c->cap->progs.colo_capture_xdp);
	if (o->role != COLO_ROLE_SECONDARY)
		return 0;
	OPEN_SKEL(c, rw, rewrite, err);
	if (err || (err = load_skel(c->rw->obj, "rewrite")))
		return err;
	c->egress_fd = bpf_program__fd(c->rw->progs.colo_rewrite_tc);
	return 0;
}

/* An existing instance keeps its shards and rings: refuse an explicit request for others. */
static int check_instance_shape(const struct attach_ctx *c, __u32 nshards)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd;

	if (c->o->nshards && c->o->nshards != nshards) {
		loader_err("instance %s has %u shards, not %u", c->instance, nshards,
			   c->o->nshards);
		return -EINVAL;
	}
	if (!c->ring_bytes_given)
		return 0;
	fd = colo_ring_fd(c->inst, 0);
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    info.max_entries != c->o->ring_bytes) {
		loader_err("instance %s has %u-byte rings, not %u", c->instance, info.max_entries,
			   c->o->ring_bytes);
		close(fd);
		return -EINVAL;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

/* First attach of an instance: create the shard rings and fill the config. */
static int setup_instance(struct attach_ctx *c)
{
	struct colo_config cfg;
	__u32 shard, nshards = c->o->nshards ? c->o->nshards : colo_default_shards();
	int err, fd;

	err = colo_config_read(c->inst, &cfg);
	if (err)
		return err;
	if (cfg.nshards)
		return check_instance_shape(c, cfg.nshards);
	for (shard = 0; shard < nshards; shard++) {
		fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "colo_ring", 0, 0, c->o->ring_bytes,
				    NULL);
		if (fd < 0) {
			err = -errno;
			loader_err("cannot create a %u-byte ring buffer: %s", c->o->ring_bytes,
				   strerror(errno));
			return err;
		}
		err = bpf_map_update_elem(c->inst->rings_fd, &shard, &fd, BPF_ANY) ? -errno : 0;
		close(fd); /* the outer map holds the ring */
		if (err) {
			loader_err("cannot insert ring %u: %s", shard, strerror(-err));
			return err;
		}
	}
	cfg.nshards = nshards;
	return colo_config_write(c->inst, &cfg);
}

/* Refuses a second interface for a role, or an instance living in another namespace. */
static int other_iface_conflict(__u32 ifindex, const struct colo_iface *ifc, void *ctx)
{
	struct attach_ctx *c = ctx;

	(void)ifindex;
	if (ifc->netns_ino != c->ifc.netns_ino) {
		loader_err("instance %s lives in another network namespace", c->instance);
		return -EINVAL;
	}
	if (ifc->role == c->ifc.role) {
		loader_err("instance %s already has a %s interface (%.16s)", c->instance,
			   colo_role_name(ifc->role), ifc->name);
		return -EEXIST;
	}
	return 0;
}

static int tc_attach_one(struct attach_ctx *c, enum bpf_tc_attach_point point, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = c->ifindex, .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = COLO_TC_HANDLE,
			    .priority = COLO_TC_PRIORITY, .prog_fd = prog_fd);
	int err;

	hint_reset();
	err = bpf_tc_hook_create(&hook); /* -EEXIST: a clsact is there already, fine */
	if (!err) {
		c->ifc.created_clsact = 1;
	} else if (err != -EEXIST) {
		lib_err(err, "%s: cannot create clsact qdisc", c->o->ifname);
		return err;
	}
	hint_reset();
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		lib_err(err, "%s: cannot attach tc %s program", c->o->ifname,
			point == BPF_TC_INGRESS ? "ingress" : "egress");
		return err;
	}
	c->ifc.tc_handle = opts.handle;
	c->ifc.tc_priority = opts.priority;
	return 0;
}

static enum xdp_attach_mode xdp_mode_of(__u32 mode)
{
	return mode == COLO_XDP_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;
}

static int xdp_attach_one(struct attach_ctx *c)
{
	struct xdp_program *xp;
	int err;

	hint_reset();
	xp = xdp_program__from_fd(c->ingress_fd);
	err = libxdp_get_error(xp);
	if (err) {
		lib_err(err, "%s: libxdp cannot use the capture program", c->o->ifname);
		return err;
	}
	err = xdp_program__attach(xp, c->ifindex, xdp_mode_of(c->o->xdp_mode), 0);
	xdp_program__close(xp);
	if (err)
		lib_err(err, "%s: cannot attach XDP program (%s mode)", c->o->ifname,
			c->o->xdp_mode == COLO_XDP_SKB ? "skb" : "native");
	return err;
}

static int xdp_detach_id(int ifindex, __u32 mode, __u32 prog_id)
{
	struct xdp_program *xp;
	__u32 cur = 0;
	int err;

	/* Remove it only if the interface still runs our program. */
	if (bpf_xdp_query_id(ifindex,
			     mode == COLO_XDP_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE,
			     &cur) ||
	    cur != prog_id)
		return 0;
	xp = xdp_program__from_id(prog_id);
	err = libxdp_get_error(xp);
	if (err)
		return err;
	err = xdp_program__detach(xp, ifindex, xdp_mode_of(mode), 0);
	xdp_program__close(xp);
	return err;
}

static int tc_detach_one(int ifindex, enum bpf_tc_attach_point point, const struct colo_iface *ifc,
			 __u32 prog_id)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = ifc->tc_handle,
			    .priority = ifc->tc_priority);

	/* Only the filter we installed: same handle, priority and program. */
	if (tc_filter_prog(ifindex, point, ifc->tc_handle, ifc->tc_priority) != prog_id)
		return 0;
	return bpf_tc_detach(&hook, &opts);
}

static int clsact_destroy(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int err = bpf_tc_hook_destroy(&hook);

	return err == -ENOENT || err == -EINVAL ? 0 : err;
}

/* Undoes the kernel side of an attach (hooks), as recorded in ifc. */
static int unhook(int ifindex, const struct colo_iface *ifc)
{
	int err = 0, e;

	if (ifc->hook == COLO_HOOK_XDP && ifc->ingress_prog_id)
		err = xdp_detach_id(ifindex, ifc->xdp_mode, ifc->ingress_prog_id);
	else if (ifc->ingress_prog_id)
		err = tc_detach_one(ifindex, BPF_TC_INGRESS, ifc, ifc->ingress_prog_id);
	if (ifc->egress_prog_id) {
		e = tc_detach_one(ifindex, BPF_TC_EGRESS, ifc, ifc->egress_prog_id);
		err = err ? err : e;
	}
	if (ifc->created_clsact) {
		e = clsact_destroy(ifindex);
		err = err ? err : e;
	}
	return err;
}

/* Attaches the loaded programs to the interface, recording each hook in c->ifc as it goes in. */
static int hook_up(struct attach_ctx *c)
{
	__u32 in_id = 0, eg_id = 0;
	int err;

	err = prog_id_of_fd(c->ingress_fd, &in_id);
	if (!err && c->egress_fd >= 0)
		err = prog_id_of_fd(c->egress_fd, &eg_id);
	if (err) {
		loader_err("cannot read program ids: %s", strerror(-err));
		return err;
	}
	if (c->ifc.hook == COLO_HOOK_XDP)
		err = xdp_attach_one(c);
	else
		err = tc_attach_one(c, BPF_TC_INGRESS, c->ingress_fd);
	if (err)
		return err;
	c->ifc.ingress_prog_id = in_id;
	if (c->egress_fd < 0)
		return 0;
	err = tc_attach_one(c, BPF_TC_EGRESS, c->egress_fd);
	if (!err)
		c->ifc.egress_prog_id = eg_id;
	return err;
}

static int config_set_ifindex(const struct colo_instance *inst, enum colo_role role, __u32 ifindex)
{
	struct colo_config cfg;
	int err = colo_config_read(inst, &cfg);

	if (err)
		return err;
	cfg.ifindex[role] = ifindex;
	return colo_config_write(inst, &cfg);
}

/* Clears the role's ifindex if it still names ifindex. */
static void config_clear_ifindex(const struct colo_instance *inst, enum colo_role role,
				 __u32 ifindex)
{
	struct colo_config cfg;

	if (!colo_config_read(inst, &cfg) && cfg.ifindex[role] == ifindex) {
		cfg.ifindex[role] = 0;
		colo_config_write(inst, &cfg);
	}
}

static int check_attach_opts(struct colo_attach_opts *o)
{
	if (!o->instance)
		o->instance = COLO_DEFAULT_INSTANCE;
	if (!o->ring_bytes)
		o->ring_bytes =
			colo_ring_bytes_default(o->nshards ? o->nshards : colo_default_shards());
	if (!colo_instance_name_valid(o->instance)) {
		loader_err("invalid instance name '%s'", o->instance);
		return -EINVAL;
	}
	if ((unsigned int)o->role >= COLO_ROLE_MAX || o->hook > COLO_HOOK_XDP ||
	    o->xdp_mode > COLO_XDP_SKB || o->nshards > COLO_MAX_SHARDS) {
		loader_err("invalid attach options");
		return -EINVAL;
	}
	if (o->role == COLO_ROLE_OUTSIDE)
		o->hook = COLO_HOOK_TC; /* its redirect/clone program is tc only */
	if (!colo_ring_size_valid(o->ring_bytes) || o->ring_bytes < (__u32)getpagesize()) {
		loader_err("ring size %u is not a power of 2 of at least a page", o->ring_bytes);
		return -EINVAL;
	}
	return 0;
}

static int make_dirs(struct attach_ctx *c)
{
	if (mkdir(COLO_PIN_ROOT, 0700) && errno != EEXIST)
		goto fail;
	snprintf(c->dir, sizeof(c->dir), "%s/%s", COLO_PIN_ROOT, c->instance);
	if (!mkdir(c->dir, 0700))
		return 0;
	if (errno == EEXIST) {
		c->instance_existed = true;
		return 0;
	}
fail:
	loader_err("cannot create pin directory under %s: %s", COLO_PIN_ROOT, strerror(errno));
	return -errno;
}

/* Everything of colo_attach after the checks, under the lock. */
static int attach_locked(struct attach_ctx *c)
{
	bool recorded = false;
	int err;

	err = make_dirs(c);
	if (err)
		return err;
	err = load_programs(c);
	if (err)
		goto rollback;
	c->inst = colo_instance_open(c->instance);
	if (!c->inst) {
		err = -errno;
		loader_err("cannot open the maps pinned in %s: %s", c->dir, strerror(errno));
		goto rollback;
	}
	err = colo_ifaces_foreach(c->inst, other_iface_conflict, c);
	if (err)
		goto rollback;
	err = setup_instance(c);
	if (err)
		goto rollback;
	err = hook_up(c);
	if (err)
		goto rollback;
	if (bpf_map_update_elem(c->inst->ifaces_fd, &c->ifindex, &c->ifc, BPF_NOEXIST)) {
		err = -errno;
		loader_err("cannot record %s in %s: %s", c->o->ifname, COLO_MAP_IFACES,
			   strerror(errno));
		goto rollback;
	}
	recorded = true;
	/* Last step: the config makes the other programs use this interface. */
	err = config_set_ifindex(c->inst, c->o->role, (__u32)c->ifindex);
	if (err) {
		loader_err("cannot write %s: %s", COLO_MAP_CONFIG, strerror(-err));
		goto rollback;
	}
	return 0;

rollback:
	unhook(c->ifindex, &c->ifc);
	if (recorded)
		bpf_map_delete_elem(c->inst->ifaces_fd, &c->ifindex);
	if (!c->instance_existed && (!c->inst || !colo_instance_has_ifaces(c->inst)))
		colo_instance_remove(c->instance);
	return err;
}

int colo_attach(const struct colo_attach_opts *opts)
{
	struct colo_attach_opts o = *opts;
	struct attach_ctx c = {.o = &o, .ring_tmpl_fd = -1, .ingress_fd = -1, .egress_fd = -1};
	char owner[COLO_INSTANCE_NAME_MAX];
	struct colo_iface rec;
	int err, lock;

	c.ring_bytes_given = o.ring_bytes != 0;
	err = check_attach_opts(&o);
	if (err)
		return err;
	c.instance = o.instance;
	c.ifindex = (int)if_nametoindex(o.ifname);
	if (!c.ifindex) {
		loader_err("%s: no such interface", o.ifname);
		return -ENODEV;
	}
	c.ifc.role = o.role;
	c.ifc.hook = o.hook;
	c.ifc.xdp_mode = o.hook == COLO_HOOK_XDP ? o.xdp_mode : 0;
	c.ifc.netns_ino = netns_ino();
	snprintf(c.ifc.name, sizeof(c.ifc.name), "%s", o.ifname);
	err = colo_bpffs_ensure();
	if (err)
		return err;
	lock = colo_lock_take(false);
	if (lock < 0)
		return lock;
	if (colo_iface_lookup(o.ifname, owner, &rec) > 0) {
		loader_err("%s: already attached (instance %s, role %s)", o.ifname, owner,
			   colo_role_name(rec.role));
		err = -EEXIST;
	} else {
		err = check_kernel_hooks(&o, c.ifindex);
	}
	if (!err)
		err = attach_locked(&c);
	capture__destroy(c.cap);
	outside__destroy(c.out);
	rewrite__destroy(c.rw);
	if (c.ring_tmpl_fd >= 0)
		close(c.ring_tmpl_fd);
	colo_instance_close(c.inst);
	colo_lock_drop(lock);
	return err;
}

/* ---- detach ---- */

/*
 * Removes one recorded interface: its hooks (when ifindex still names the interface we
 * attached), its colo_ifaces entry and its config ifindex; unpins the instance when it was
 * the last one. The record is kept when unhooking fails, so that detach can be retried.
 */
static int detach_recorded(struct colo_instance *inst, __u32 ifindex, const struct colo_iface *ifc,
			   bool present)
{
	int err;

	if (present) {
		hint_reset();
		err = unhook((int)ifindex, ifc);
		if (err) {
			lib_err(err, "%.16s: cannot remove our programs", ifc->name);
			return err;
		}
	}
	config_clear_ifindex(inst, ifc->role, ifindex);
	if (bpf_map_delete_elem(inst->ifaces_fd, &ifindex) && errno != ENOENT) {
		err = -errno;
		loader_err("cannot delete %.16s from %s: %s", ifc->name, COLO_MAP_IFACES,
			   strerror(errno));
		return err;
	}
	if (!colo_instance_has_ifaces(inst))
		colo_instance_remove(inst->name);
	return 0;
}

static int check_instance_arg(const char *instance)
{
	char dir[sizeof(COLO_PIN_ROOT) + COLO_INSTANCE_NAME_MAX];
	struct stat st;

	if (!instance)
		return 0;
	if (!colo_instance_name_valid(instance)) {
		loader_err("invalid instance name '%s'", instance);
		return -EINVAL;
	}
	snprintf(dir, sizeof(dir), "%s/%s", COLO_PIN_ROOT, instance);
	if (stat(dir, &st)) {
		loader_err("no instance '%s'", instance);
		return -ENOENT;
	}
	return 0;
}

static int detach_locked(const char *ifname, const char *instance)
{
	struct iface_match m = {.ifname = ifname, .netns = netns_ino()};
	struct colo_instance *inst;
	bool present;
	int err;

	m.ifindex = if_nametoindex(ifname);
	present = m.ifindex && find_iface(&m, instance) > 0;
	if (!present) {
		/* The interface is gone or was recreated: find the record by its name. */
		m.ifindex = 0;
		if (find_iface(&m, instance) <= 0) {
			loader_err("%s: not attached%s%s", ifname, instance ? " in instance " : "",
				   instance ? instance : "");
			return -ENOENT;
		}
	}
	inst = colo_instance_open(m.instance);
	if (!inst) {
		err = -errno;
		loader_err("cannot open instance %s: %s", m.instance, strerror(errno));
		return err;
	}
	err = detach_recorded(inst, m.found_ifindex, &m.ifc, present);
	colo_instance_close(inst);
	return err;
}

int colo_detach(const char *ifname, const char *instance)
{
	int err, lock;

	err = check_instance_arg(instance);
	if (err)
		return err;
	lock = colo_lock_take(false);
	if (lock < 0)
		return lock;
	err = detach_locked(ifname, instance);
	colo_lock_drop(lock);
	return err;
}

struct detach_all {
	struct colo_instance *inst;
	__u32 netns;
	int err;
};

/* True when ifindex still names the interface attach recorded, in this namespace. */
static bool iface_present(__u32 ifindex, const struct colo_iface *ifc, __u32 netns)
{
	char name[IF_NAMESIZE];

	return ifc->netns_ino == netns && if_indextoname(ifindex, name) &&
	       !strncmp(name, ifc->name, sizeof(ifc->name));
}

static int detach_one_of_all(__u32 ifindex, const struct colo_iface *ifc, void *ctx)
{
	struct detach_all *d = ctx;
	int err;

	if (ifc->netns_ino != d->netns) {
		loader_err("instance %s lives in another network namespace", d->inst->name);
		d->err = -EINVAL;
		return 1;
	}
	err = detach_recorded(d->inst, ifindex, ifc, iface_present(ifindex, ifc, d->netns));
	if (err) {
		d->err = err;
		return 1;
	}
	return 0;
}

int colo_detach_instance(const char *instance)
{
	struct detach_all d = {.netns = netns_ino()};
	int err, lock;

	err = check_instance_arg(instance ? instance : COLO_DEFAULT_INSTANCE);
	if (err)
		return err;
	lock = colo_lock_take(false);
	if (lock < 0)
		return lock;
	d.inst = colo_instance_open(instance);
	if (!d.inst) {
		err = -errno;
		loader_err("cannot open instance %s: %s",
			   instance ? instance : COLO_DEFAULT_INSTANCE, strerror(errno));
	} else {
		/* A deleted key makes the hash walk restart at the first remaining key. */
		colo_ifaces_foreach(d.inst, detach_one_of_all, &d);
		err = d.err;
		if (!err && !colo_instance_has_ifaces(d.inst))
			colo_instance_remove(d.inst->name); /* also an instance left empty */
		colo_instance_close(d.inst);
	}
	colo_lock_drop(lock);
	return err;
}
