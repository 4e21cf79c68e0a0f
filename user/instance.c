// SPDX-License-Identifier: GPL-2.0-only
/*
 * Instances: the maps an attach pinned under COLO_PIN_ROOT/<instance>/, opened by name for the
 * daemon, status and the loader itself.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "instance.h"
#include "log.h"

#define BPFFS_MOUNT "/sys/fs/bpf"
#define LOCK_PATH   "/run/colo-xdp.lock"

/* Each pinned map with the key and value sizes this build reads and writes it with. */
static const struct pinned_map {
	const char *name;
	__u32 key_size;
	__u32 value_size;
} pinned_maps[] = {
	{COLO_MAP_CONNTRACK, sizeof(struct colo_flow_key), sizeof(struct colo_conn)},
	{COLO_MAP_STATS, sizeof(__u32), sizeof(struct colo_stats)},
	{COLO_MAP_CONFIG, sizeof(__u32), sizeof(struct colo_config)},
	{COLO_MAP_RINGS, sizeof(__u32), sizeof(__u32)},
	{COLO_MAP_IFACES, sizeof(__u32), sizeof(struct colo_iface)},
	{COLO_MAP_OFFSETS, sizeof(struct colo_flow_key), sizeof(struct colo_offsets)},
};
#define NMAPS (sizeof(pinned_maps) / sizeof(pinned_maps[0]))

__u32 colo_default_shards(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > COLO_MAX_SHARDS ? COLO_MAX_SHARDS : (__u32)n;
}

int colo_bpffs_ensure(void)
{
	struct statfs st;

	if (!statfs(BPFFS_MOUNT, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS_MOUNT, "bpf", 0, "mode=0700")) {
		int err = -errno;

		colo_err("cannot mount bpffs on %s: %s", BPFFS_MOUNT, strerror(errno));
		return err;
	}
	return 0;
}

static void instance_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", COLO_PIN_ROOT, name);
}

/*
 * Opens a pinned map and checks its layout: an instance pinned by a build with other structs
 * would make every lookup overrun our buffers. Fails with EPROTO (and one line) on a mismatch.
 */
static int pinned_map_fd(const char *instance, const struct pinned_map *m)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s/%s", COLO_PIN_ROOT, instance, m->name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	if (info.key_size == m->key_size && info.value_size == m->value_size)
		return fd;
	colo_err("instance %s: map %s has %u-byte keys and %u-byte values, this build "
		 "expects %u and %u: it was pinned by another build of colo-xdp",
		 instance, m->name, info.key_size, info.value_size, m->key_size, m->value_size);
	close(fd);
	errno = EPROTO;
	return -1;
}

struct colo_instance *colo_instance_open(const char *name)
{
	struct colo_instance *inst;
	int *fds[NMAPS];
	size_t i;

	if (!name)
		name = COLO_DEFAULT_INSTANCE;
	if (!colo_instance_name_valid(name)) {
		errno = EINVAL;
		return NULL;
	}
	inst = calloc(1, sizeof(*inst));
	if (!inst)
		return NULL;
	snprintf(inst->name, sizeof(inst->name), "%s", name);
	fds[0] = &inst->conntrack_fd;
	fds[1] = &inst->stats_fd;
	fds[2] = &inst->config_fd;
	fds[3] = &inst->rings_fd;
	fds[4] = &inst->ifaces_fd;
	fds[5] = &inst->offsets_fd;
	for (i = 0; i < NMAPS; i++)
		*fds[i] = -1;
	for (i = 0; i < NMAPS; i++) {
		*fds[i] = pinned_map_fd(name, &pinned_maps[i]);
		if (*fds[i] < 0) {
			int err = errno;

			colo_instance_close(inst);
			errno = err;
			return NULL;
		}
	}
	return inst;
}

void colo_instance_close(struct colo_instance *inst)
{
	if (!inst)
		return;
	if (inst->conntrack_fd >= 0)
		close(inst->conntrack_fd);
	if (inst->stats_fd >= 0)
		close(inst->stats_fd);
	if (inst->config_fd >= 0)
		close(inst->config_fd);
	if (inst->rings_fd >= 0)
		close(inst->rings_fd);
	if (inst->ifaces_fd >= 0)
		close(inst->ifaces_fd);
	if (inst->offsets_fd >= 0)
		close(inst->offsets_fd);
	free(inst);
}

int colo_ring_fd(const struct colo_instance *inst, __u32 shard)
{
	__u32 id;
	int fd;

	if (bpf_map_lookup_elem(inst->rings_fd, &shard, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}

int colo_config_read(const struct colo_instance *inst, struct colo_config *cfg)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(inst->config_fd, &key, cfg) ? -errno : 0;
}

int colo_config_write(const struct colo_instance *inst, const struct colo_config *cfg)
{
	__u32 key = 0;

	return bpf_map_update_elem(inst->config_fd, &key, cfg, BPF_ANY) ? -errno : 0;
}

int colo_stats_read(const struct colo_instance *inst, enum colo_role role, struct colo_stats *out)
{
	int ncpus = libbpf_num_possible_cpus();
	struct colo_stats *percpu;
	__u32 key = role;
	int cpu, err = 0;
	size_t f;

	if (ncpus < 1)
		return ncpus < 0 ? ncpus : -EINVAL;
	percpu = calloc((size_t)ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(inst->stats_fd, &key, percpu)) {
		err = -errno;
		goto out;
	}
	/* struct colo_stats is all __u64 counters: sum them field by field. */
	for (cpu = 0; cpu < ncpus; cpu++)
		for (f = 0; f < sizeof(*out) / sizeof(__u64); f++)
			((__u64 *)out)[f] += ((__u64 *)&percpu[cpu])[f];
out:
	free(percpu);
	return err;
}

int colo_ifaces_foreach(const struct colo_instance *inst,
			int (*fn)(__u32 ifindex, const struct colo_iface *ifc, void *ctx),
			void *ctx)
{
	__u32 key, next, *prev = NULL;
	struct colo_iface ifc;
	int ret;

	while (!bpf_map_get_next_key(inst->ifaces_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(inst->ifaces_fd, &key, &ifc))
			continue;
		ret = fn(key, &ifc, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int colo_instances_foreach(int (*fn)(const char *name, void *ctx), void *ctx)
{
	char **names = NULL, **grown;
	size_t n = 0, i;
	struct dirent *de;
	int ret = 0;
	DIR *d;

	d = opendir(COLO_PIN_ROOT);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || !colo_instance_name_valid(de->d_name))
			continue;
		grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown) {
			ret = -ENOMEM;
			goto out;
		}
		names = grown;
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			ret = -ENOMEM;
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && !ret; i++)
		ret = fn(names[i], ctx);
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return ret;
}

/* Unpins every object of the instance and removes its directory (and the root when empty). */
void colo_instance_remove(const char *name)
{
	char dir[PATH_MAX];
	struct dirent *de;
	int dfd;
	DIR *d;

	instance_dir(dir, sizeof(dir), name);
	d = opendir(dir);
	if (d) {
		dfd = dirfd(d);
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dfd, de->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
	rmdir(COLO_PIN_ROOT); /* fails harmlessly while other instances exist */
}

bool colo_instance_has_ifaces(const struct colo_instance *inst)
{
	__u32 key;

	return !bpf_map_get_next_key(inst->ifaces_fd, NULL, &key);
}

int colo_lock_take(bool shared)
{
	int fd = open(LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int err;

	if (fd < 0 || flock(fd, shared ? LOCK_SH : LOCK_EX)) {
		err = -errno;
		colo_err("cannot lock %s: %s", LOCK_PATH, strerror(-err));
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

/* The pid an owner lock file names ("?" when unreadable). */
static void owner_pid(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!buf[0])
		snprintf(buf, size, "?");
}

int colo_owner_take(const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX], pid[24];
	int fd, err;

	snprintf(dir, sizeof(dir), COLO_RUN_DIR "/%s", name);
	snprintf(path, sizeof(path), COLO_RUN_DIR "/%s/lock", name);
	if ((mkdir(COLO_RUN_DIR, 0700) && errno != EEXIST) ||
	    (mkdir(dir, 0700) && errno != EEXIST)) {
		err = -errno;
		fprintf(stderr, "colo-xdp: cannot create %s: %s\n", dir, strerror(-err));
		return err;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (err == -EBUSY) {
			owner_pid(fd, pid, sizeof(pid));
			fprintf(stderr, "colo-xdp: instance '%s' is running (pid %s holds %s)\n",
				name, pid, path);
		} else {
			fprintf(stderr, "colo-xdp: cannot lock %s: %s\n", path, strerror(-err));
		}
		if (fd >= 0)
			close(fd);
		return err;
	}
	/* The lock file is never removed: a new one would let a second owner lock it. */
	if (ftruncate(fd, 0) || dprintf(fd, "%d\n", (int)getpid()) < 0) {
		err = -errno;
		fprintf(stderr, "colo-xdp: cannot write %s: %s\n", path, strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

__u32 colo_netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (__u32)st.st_ino;
}

/* ---- lookups across instances ---- */

struct iface_match {
	__u32 ifindex;	    /* match by ifindex ... */
	const char *ifname; /* ... or, when ifindex is 0, by recorded name */
	__u32 netns;
	struct colo_iface_ref *ref;
};

static int match_iface(__u32 ifindex, const struct colo_iface *ifc, void *ctx)
{
	struct iface_match *m = ctx;

	if (ifc->netns_ino != m->netns)
		return 0;
	if (m->ifindex ? ifindex != m->ifindex : strncmp(ifc->name, m->ifname, sizeof(ifc->name)))
		return 0;
	m->ref->ifindex = ifindex;
	m->ref->ifc = *ifc;
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
		snprintf(m->ref->instance, sizeof(m->ref->instance), "%s", name);
	return ret;
}

int colo_iface_find(__u32 ifindex, const char *ifname, const char *instance,
		    struct colo_iface_ref *ref)
{
	struct iface_match m = {
		.ifindex = ifindex, .ifname = ifname, .netns = colo_netns_ino(), .ref = ref};

	if (instance)
		return match_in_instance(instance, &m);
	return colo_instances_foreach(match_in_instance, &m);
}

int colo_iface_lookup(const char *ifname, struct colo_iface_ref *ref)
{
	__u32 ifindex = if_nametoindex(ifname);

	if (!ifindex)
		return -ENODEV;
	return colo_iface_find(ifindex, ifname, NULL, ref);
}
