// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attach transaction (see attach.h): opens the role's skeletons with the instance's pin
 * directory as pin_root_path (libbpf creates and pins the maps on the first attach and reuses
 * them afterwards), sets up a new instance, puts the programs on their hooks (hooks.c) and
 * records what it did in colo_ifaces, so that a failure rolls back exactly that and detach can
 * undo it later.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "hooks.h"
#include "instance.h"
#include "log.h"
#include "capture.skel.h"
#include "outside.skel.h"
#include "rewrite.skel.h"

/* The skeletons a role needs and the state of one attach call, for rollback. */
struct attach_ctx {
	const struct colo_attach_opts *o;
	const char *instance;
	char dir[sizeof(COLO_PIN_ROOT) + COLO_INSTANCE_NAME_MAX];
	int ifindex;
	bool instance_existed;
	bool ring_bytes_given;
	struct colo_capture_bpf *cap;
	struct colo_outside_bpf *out;
	struct colo_rewrite_bpf *rw;
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
		colo_err("cannot create a %u-byte ring buffer: %s", c->o->ring_bytes,
			 strerror(-err));
		return err;
	}
	return 0;
}

#define OPEN_SKEL(ctx, field, skel, err_out)                                                       \
	do {                                                                                       \
		LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = (ctx)->dir,                 \
			    .kernel_log_buf = colo_verifier_log,                                   \
			    .kernel_log_size = colo_verifier_log_size);                            \
		(ctx)->field = skel##__open_opts(&oo);                                             \
		if (!(ctx)->field) {                                                               \
			err_out = -errno;                                                          \
			colo_lib_err(err_out, "cannot open BPF object " #skel);                    \
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

	err = bpf_object__load(obj);
	if (err)
		colo_load_err(err, what);
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
		OPEN_SKEL(c, out, colo_outside_bpf, err);
		if (err || (err = load_skel(c->out->obj, "outside")))
			return err;
		c->ingress_fd = bpf_program__fd(c->out->progs.colo_outside_tc);
		return 0;
	}
	OPEN_SKEL(c, cap, colo_capture_bpf, err);
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
	OPEN_SKEL(c, rw, colo_rewrite_bpf, err);
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
		colo_err("instance %s has %u shards, not %u", c->instance, nshards, c->o->nshards);
		return -EINVAL;
	}
	if (!c->ring_bytes_given)
		return 0;
	fd = colo_ring_fd(c->inst, 0);
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    info.max_entries != c->o->ring_bytes) {
		colo_err("instance %s has %u-byte rings, not %u", c->instance, info.max_entries,
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
			colo_err("cannot create a %u-byte ring buffer: %s", c->o->ring_bytes,
				 strerror(errno));
			return err;
		}
		err = bpf_map_update_elem(c->inst->rings_fd, &shard, &fd, BPF_ANY) ? -errno : 0;
		close(fd); /* the outer map holds the ring */
		if (err) {
			colo_err("cannot insert ring %u: %s", shard, strerror(-err));
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
		colo_err("instance %s lives in another network namespace", c->instance);
		return -EINVAL;
	}
	if (ifc->role == c->ifc.role) {
		colo_err("instance %s already has a %s interface (%.16s)", c->instance,
			 colo_role_name(ifc->role), ifc->name);
		return -EEXIST;
	}
	return 0;
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

static int check_attach_opts(struct colo_attach_opts *o)
{
	if (!o->instance)
		o->instance = COLO_DEFAULT_INSTANCE;
	if (!o->ring_bytes)
		o->ring_bytes =
			colo_ring_bytes_default(o->nshards ? o->nshards : colo_default_shards());
	if (!colo_instance_name_valid(o->instance)) {
		colo_err("invalid instance name '%s'", o->instance);
		return -EINVAL;
	}
	if ((unsigned int)o->role >= COLO_ROLE_MAX || o->hook > COLO_HOOK_XDP ||
	    o->xdp_mode > COLO_XDP_SKB || o->nshards > COLO_MAX_SHARDS) {
		colo_err("invalid attach options");
		return -EINVAL;
	}
	if (o->role == COLO_ROLE_OUTSIDE)
		o->hook = COLO_HOOK_TC; /* its redirect/clone program is tc only */
	if (!colo_ring_size_valid(o->ring_bytes) || o->ring_bytes < (__u32)getpagesize()) {
		colo_err("ring size %u is not a power of 2 of at least a page", o->ring_bytes);
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
	colo_err("cannot create pin directory under %s: %s", COLO_PIN_ROOT, strerror(errno));
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
		colo_err("cannot open the maps pinned in %s: %s", c->dir, strerror(errno));
		goto rollback;
	}
	err = colo_ifaces_foreach(c->inst, other_iface_conflict, c);
	if (err)
		goto rollback;
	err = setup_instance(c);
	if (err)
		goto rollback;
	err = colo_hooks_attach(&(struct colo_hooks_req){.ifname = c->o->ifname,
							 .ifindex = c->ifindex,
							 .hook = c->ifc.hook,
							 .xdp_mode = c->ifc.xdp_mode,
							 .ingress_fd = c->ingress_fd,
							 .egress_fd = c->egress_fd},
				&c->ifc);
	if (err)
		goto rollback;
	if (bpf_map_update_elem(c->inst->ifaces_fd, &c->ifindex, &c->ifc, BPF_NOEXIST)) {
		err = -errno;
		colo_err("cannot record %s in %s: %s", c->o->ifname, COLO_MAP_IFACES,
			 strerror(errno));
		goto rollback;
	}
	recorded = true;
	/* Last step: the config makes the other programs use this interface. */
	err = config_set_ifindex(c->inst, c->o->role, (__u32)c->ifindex);
	if (err) {
		colo_err("cannot write %s: %s", COLO_MAP_CONFIG, strerror(-err));
		goto rollback;
	}
	return 0;

rollback:
	colo_hooks_remove(c->ifindex, &c->ifc);
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
	struct colo_iface_ref owner;
	int err, lock;

	c.ring_bytes_given = o.ring_bytes != 0;
	err = check_attach_opts(&o);
	if (err)
		return err;
	c.instance = o.instance;
	c.ifindex = (int)if_nametoindex(o.ifname);
	if (!c.ifindex) {
		colo_err("%s: no such interface", o.ifname);
		return -ENODEV;
	}
	c.ifc.role = o.role;
	c.ifc.hook = o.hook;
	c.ifc.xdp_mode = o.hook == COLO_HOOK_XDP ? o.xdp_mode : 0;
	c.ifc.netns_ino = colo_netns_ino();
	snprintf(c.ifc.name, sizeof(c.ifc.name), "%s", o.ifname);
	err = colo_bpffs_ensure();
	if (err)
		return err;
	lock = colo_lock_take(false);
	if (lock < 0)
		return lock;
	if (colo_iface_lookup(o.ifname, &owner) > 0) {
		colo_err("%s: already attached (instance %s, role %s)", o.ifname, owner.instance,
			 colo_role_name(owner.ifc.role));
		err = -EEXIST;
	} else {
		err = colo_hooks_check(o.ifname, c.ifindex, o.hook);
	}
	if (!err)
		err = attach_locked(&c);
	colo_capture_bpf__destroy(c.cap);
	colo_outside_bpf__destroy(c.out);
	colo_rewrite_bpf__destroy(c.rw);
	if (c.ring_tmpl_fd >= 0)
		close(c.ring_tmpl_fd);
	colo_instance_close(c.inst);
	colo_lock_drop(lock);
	return err;
}
