/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Instances. An instance is one dataplane: one set of maps pinned under
 * COLO_PIN_ROOT/<instance>/ (conntrack, stats, config, rings, ifaces), shared by the programs on
 * its interfaces, all in one network namespace (ifindexes are per namespace). attach.c creates
 * it, detach.c removes it; this header opens it, reads and writes its maps, finds interfaces
 * across instances and holds the host-wide lock and the owner lock of a running instance. Its
 * functions print nothing, except colo_lock_take(), colo_owner_take() and colo_bpffs_ensure(),
 * which print a one-line error when they fail. All
 * return a negative errno (or NULL with errno set).
 */
#ifndef COLO_INSTANCE_H
#define COLO_INSTANCE_H

#include <stdbool.h>
#include <linux/types.h>

#include "colo_xdp.h"
#include "lib/attach_args.h" /* struct colo_attach_opts, role and instance names */

/* Default shard count when an instance is created: one per online CPU, at most COLO_MAX_SHARDS. */
__u32 colo_default_shards(void);

/* Inode of the caller's network namespace (what struct colo_iface records). */
__u32 colo_netns_ino(void);

/* File descriptors of an instance's pinned maps, owned by the struct. */
struct colo_instance {
	char name[COLO_INSTANCE_NAME_MAX];
	int conntrack_fd; /* LRU HASH struct colo_flow_key -> struct colo_conn */
	int stats_fd;	  /* PERCPU_ARRAY enum colo_role -> struct colo_stats */
	int config_fd;	  /* ARRAY 0 -> struct colo_config */
	int rings_fd;	  /* ARRAY_OF_MAPS shard -> RINGBUF */
	int ifaces_fd;	  /* HASH ifindex -> struct colo_iface */
	int offsets_fd;	  /* LRU HASH struct colo_flow_key -> struct colo_offsets */
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

/* Where a running daemon keeps its files: the owner lock and control socket of an instance
 * (COLO_RUN_DIR/<instance>/), the default agent socket (COLO_RUN_DIR/<instance>.sock). */
#define COLO_RUN_DIR "/run/colo-xdp"

/*
 * Makes this process the owner of instance name: an exclusive flock on COLO_RUN_DIR/<name>/lock
 * (holding the owner's pid), kept until the process exits; the kernel drops it even after a
 * SIGKILL, so only a live daemon holds it. Returns the lock's fd, or -EBUSY when another process
 * owns the instance, or -errno, after a one-line message.
 */
int colo_owner_take(const char *name);

/* Mounts bpffs on /sys/fs/bpf unless it is mounted. */
int colo_bpffs_ensure(void);

/* An interface record found across instances. */
struct colo_iface_ref {
	char instance[COLO_INSTANCE_NAME_MAX];
	__u32 ifindex;
	struct colo_iface ifc;
};

/*
 * Finds the record of interface ifindex (0: of the interface recorded as ifname) of the
 * caller's namespace, in instance (NULL: in any). 1 when found (ref filled), 0 when not.
 */
int colo_iface_find(__u32 ifindex, const char *ifname, const char *instance,
		    struct colo_iface_ref *ref);

/*
 * Which instance (if any) records ifname of the caller's namespace as attached: 1 and ref,
 * 0 when none does, -ENODEV for no such interface.
 */
int colo_iface_lookup(const char *ifname, struct colo_iface_ref *ref);

#endif /* COLO_INSTANCE_H */
