/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loader API: attach colo-xdp's BPF programs to interfaces, detach them, and open the maps an
 * instance pinned under COLO_PIN_ROOT/<instance>/. Used by `colo-xdp attach|detach|status` and by
 * the daemon (`colo-xdp run`).
 *
 * An instance is one dataplane: one set of pinned maps (conntrack, stats, config, rings, ifaces)
 * shared by the programs on its interfaces, all in one network namespace (ifindexes are per
 * namespace). The first attach creates and pins the maps and the ring buffers; the detach of the
 * last interface unpins everything and removes the instance directory. Programs and maps outlive
 * the process that attached them.
 *
 * colo_attach(), colo_detach(), colo_detach_instance() and colo_bpffs_ensure() print a one-line
 * error "colo-xdp: ..." on stderr when they fail; the instance accessors print nothing. All
 * return a negative errno (or NULL with errno set). Attach and detach serialise on a lock file,
 * so concurrent invocations on one host are safe. loader.c does attach/detach, instance.c the
 * instance accessors.
 */
#ifndef COLO_LOADER_H
#define COLO_LOADER_H

#include <stdbool.h>
#include <linux/types.h>

#include "colo_xdp.h"
#include "lib/attach_args.h" /* struct colo_attach_opts, role and instance names */

/* tc filter identity used on every hook (priority 1: our filter runs first in the chain). */
#define COLO_TC_HANDLE	 0xc01d
#define COLO_TC_PRIORITY 1

/* Default shard count when an instance is created: one per online CPU, at most COLO_MAX_SHARDS. */
__u32 colo_default_shards(void);

/*
 * Attaches the role's programs to o->ifname in the caller's network namespace:
 *   outside:   colo_outside_tc on tc ingress;
 *   primary:   capture (tc ingress, or XDP in o->xdp_mode);
 *   secondary: capture as primary, plus colo_rewrite_tc on tc egress.
 * Records what it did in colo_ifaces and the role's ifindex in colo_config. On failure nothing
 * of this call remains (and an instance it created is removed again).
 * Returns 0, -ENODEV (no such interface), -EEXIST (already attached, or the instance has this
 * role on another interface), -EINVAL (the instance lives in another namespace, or has another
 * shard count or ring size than explicitly asked for) or another -errno.
 */
int colo_attach(const struct colo_attach_opts *o);

/*
 * Removes exactly what attach added on ifname (found by ifindex, or by recorded name when the
 * interface is gone). instance NULL: search every instance. Unpins the instance when it was its
 * last interface. Returns 0, -ENOENT (not attached) or another -errno.
 */
int colo_detach(const char *ifname, const char *instance);

/*
 * Detaches every interface of an instance (NULL: default) and unpins it (for the daemon's
 * teardown; the CLI's `detach --instance NAME`). -EINVAL when it lives in another namespace.
 */
int colo_detach_instance(const char *instance);

/*
 * Which instance (if any) records ifname of the caller's namespace as attached, quietly: 1 and
 * the instance name and record (either may be NULL), 0 when none does, -ENODEV for no such
 * interface. Lets the daemon reuse a previous attach instead of colo_attach() failing -EEXIST.
 */
int colo_iface_lookup(const char *ifname, char instance[COLO_INSTANCE_NAME_MAX],
		      struct colo_iface *ifc);

/* File descriptors of an instance's pinned maps, owned by the struct. */
struct colo_instance {
	char name[COLO_INSTANCE_NAME_MAX];
	int conntrack_fd; /* LRU HASH struct colo_flow_key -> struct colo_conn */
	int stats_fd;	  /* PERCPU_ARRAY enum colo_role -> struct colo_stats */
	int config_fd;	  /* ARRAY 0 -> struct colo_config */
	int rings_fd;	  /* ARRAY_OF_MAPS shard -> RINGBUF */
	int ifaces_fd;	  /* HASH ifindex -> struct colo_iface */
};

/*
 * Opens an existing instance (NULL: default). NULL with errno ENOENT when it does not exist,
 * EINVAL for an invalid name.
 */
struct colo_instance *colo_instance_open(const char *name);
void colo_instance_close(struct colo_instance *inst);

/* True when the instance records at least one interface. */
bool colo_instance_has_ifaces(const struct colo_instance *inst);

/* Unpins every object of an instance, removes its directory (and COLO_PIN_ROOT when empty). */
void colo_instance_remove(const char *name);

/* A new fd of shard's ring buffer (caller closes it), or -errno (-ENOENT: no ring there). */
int colo_ring_fd(const struct colo_instance *inst, __u32 shard);

int colo_config_read(const struct colo_instance *inst, struct colo_config *cfg);
int colo_config_write(const struct colo_instance *inst, const struct colo_config *cfg);

/* Sums the per-CPU counters of one role. */
int colo_stats_read(const struct colo_instance *inst, enum colo_role role, struct colo_stats *out);

/*
 * Calls fn for each interface recorded in the instance (stops and returns fn's value when it is
 * non-zero). The iteration order is the hash map's.
 */
int colo_ifaces_foreach(const struct colo_instance *inst,
			int (*fn)(__u32 ifindex, const struct colo_iface *ifc, void *ctx),
			void *ctx);

/* Calls fn with the name of each instance pinned on this host, sorted by name. */
int colo_instances_foreach(int (*fn)(const char *name, void *ctx), void *ctx);

/*
 * The host-wide lock attach and detach hold (exclusive) while they change pins, hooks and config;
 * take it shared to read instances consistently. Returns the lock's fd, or -errno.
 */
int colo_lock_take(bool shared);
void colo_lock_drop(int fd);

/* Mounts bpffs on /sys/fs/bpf unless it is mounted. */
int colo_bpffs_ensure(void);

/*
 * Routes libbpf's and libxdp's messages through the loader: they are not printed (libxdp's
 * dispatcher fallback on this kernel is expected noise) but the most telling one is appended to
 * the loader's one-line error; COLO_XDP_DEBUG=1 in the environment prints them all. Call it once
 * before colo_attach()/colo_detach(), else libbpf prints its defaults.
 */
void colo_loader_init_logging(void);

#endif /* COLO_LOADER_H */
