// SPDX-License-Identifier: GPL-2.0-only
/*
 * Detach (see detach.h): removes exactly what attach recorded in colo_ifaces, and unpins the
 * instance with its last interface.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <bpf/bpf.h>

#include "detach.h"
#include "hooks.h"
#include "instance.h"
#include "log.h"

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
		err = colo_hooks_remove((int)ifindex, ifc);
		if (err) {
			colo_lib_err(err, "%.16s: cannot remove our programs", ifc->name);
			return err;
		}
	}
	config_clear_ifindex(inst, ifc->role, ifindex);
	if (bpf_map_delete_elem(inst->ifaces_fd, &ifindex) && errno != ENOENT) {
		err = -errno;
		colo_err("cannot delete %.16s from %s: %s", ifc->name, COLO_MAP_IFACES,
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
		colo_err("invalid instance name '%s'", instance);
		return -EINVAL;
	}
	snprintf(dir, sizeof(dir), "%s/%s", COLO_PIN_ROOT, instance);
	if (stat(dir, &st)) {
		colo_err("no instance '%s'", instance);
		return -ENOENT;
	}
	return 0;
}

static int detach_locked(const char *ifname, const char *instance)
{
	__u32 ifindex = if_nametoindex(ifname);
	struct colo_iface_ref m;
	struct colo_instance *inst;
	bool present;
	int err;

	present = ifindex && colo_iface_find(ifindex, ifname, instance, &m) > 0;
	if (!present) {
		/* The interface is gone or was recreated: find the record by its name. */
		if (colo_iface_find(0, ifname, instance, &m) <= 0) {
			colo_err("%s: not attached%s%s", ifname, instance ? " in instance " : "",
				 instance ? instance : "");
			return -ENOENT;
		}
	}
	inst = colo_instance_open(m.instance);
	if (!inst) {
		err = -errno;
		colo_err("cannot open instance %s: %s", m.instance, strerror(errno));
		return err;
	}
	err = detach_recorded(inst, m.ifindex, &m.ifc, present);
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
		colo_err("instance %s lives in another network namespace", d->inst->name);
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
	struct detach_all d = {.netns = colo_netns_ino()};
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
		colo_err("cannot open instance %s: %s", instance ? instance : COLO_DEFAULT_INSTANCE,
			 strerror(errno));
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
