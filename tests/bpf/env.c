// SPDX-License-Identifier: GPL-2.0-only
/* Test environment for the BPF programs (see env.h). */
#include "env.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "capture.skel.h"
#include "outside.skel.h"
#include "rewrite.skel.h"

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int lo_up(void)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	if (fd < 0)
		return -errno;
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		err = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		err = -errno;
	close(fd);
	return err;
}

struct env env;

/* The capture programs read the skb by probe (the Linux 6.1 path) in this pass of the group. */
static bool skb_by_probe;

static int env_prepare(void)
{
	struct statfs st;

	if (geteuid() != 0) {
		fprintf(stderr, "FATAL: BPF tests need root (BPF_PROG_TEST_RUN, bpffs pins)\n");
		return -1;
	}
	if (statfs("/sys/fs/bpf", &st) || st.f_type != BPF_FS_MAGIC) {
		fprintf(stderr, "FATAL: bpffs is not mounted on /sys/fs/bpf\n");
		return -1;
	}
	/* A private netns: lo (ifindex 1) is ours to clone and redirect to. */
	if (unshare(CLONE_NEWNET) || lo_up()) {
		fprintf(stderr, "FATAL: cannot create a network namespace: %s\n", strerror(errno));
		return -1;
	}
	libbpf_set_print(silent_print);
	return 0;
}

static int open_capture(struct env *e, int side, const struct bpf_object_open_opts *opts)
{
	e->cap[side] = colo_capture_bpf__open_opts(opts);
	if (!e->cap[side])
		return -1;
	e->cap[side]->rodata->capture_side = (uint32_t)side;
	e->cap[side]->rodata->capture_skb_by_probe = skb_by_probe;
	return colo_capture_bpf__load(e->cap[side]);
}

static int create_rings(struct env *e)
{
	int i;

	for (i = 0; i < ENV_SHARDS; i++)
		if (env_replace_ring(e, i, ENV_RING_BYTES))
			return -1;
	return 0;
}

const char *const env_map_names[ENV_NMAPS] = {COLO_MAP_CONNTRACK, COLO_MAP_STATS,
					      COLO_MAP_CONFIG,	  COLO_MAP_RINGS,
					      COLO_MAP_IFACES,	  COLO_MAP_OFFSETS};

/* Loads all objects: the first creates and pins the instance's maps, the others reuse them. */
static int load_objects(struct env *e)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = e->pin_dir);

	if (open_capture(e, COLO_SIDE_PRIMARY, &opts) ||
	    open_capture(e, COLO_SIDE_SECONDARY, &opts)) {
		fprintf(stderr, "FATAL: loading capture.bpf.o failed\n");
		return -1;
	}
	e->out = colo_outside_bpf__open_opts(&opts);
	if (!e->out || colo_outside_bpf__load(e->out)) {
		fprintf(stderr, "FATAL: loading outside.bpf.o failed\n");
		return -1;
	}
	e->rw = colo_rewrite_bpf__open_opts(&opts);
	if (!e->rw || colo_rewrite_bpf__load(e->rw)) {
		fprintf(stderr, "FATAL: loading rewrite.bpf.o failed\n");
		return -1;
	}
	return 0;
}

/*
 * Notes which map each pin file held, then removes the pins and their directory: the loaded
 * objects keep the maps alive, and a test that crashes leaves nothing behind in bpffs.
 */
static void unpin_all(struct env *e)
{
	char path[128];
	int i, fd;

	for (i = 0; i < ENV_NMAPS; i++) {
		struct bpf_map_info info = {0};
		uint32_t len = sizeof(info);

		snprintf(path, sizeof(path), "%s/%s", e->pin_dir, env_map_names[i]);
		fd = bpf_obj_get(path);
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			e->pinned_id[i] = info.id;
		if (fd >= 0)
			close(fd);
		unlink(path);
	}
	rmdir(e->pin_dir);
}

static int env_setup(struct env *e)
{
	int i, err;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < ENV_SHARDS; i++)
		e->ring_fd[i] = -1;
	snprintf(e->pin_dir, sizeof(e->pin_dir), "/sys/fs/bpf/colo-xdp-test-%d", (int)getpid());
	if (mkdir(e->pin_dir, 0700)) {
		fprintf(stderr, "FATAL: mkdir %s: %s\n", e->pin_dir, strerror(errno));
		return -1;
	}
	err = load_objects(e);
	unpin_all(e);
	if (err)
		return -1;
	e->conntrack_fd = bpf_map__fd(e->cap[0]->maps.colo_conntrack);
	e->stats_fd = bpf_map__fd(e->cap[0]->maps.colo_stats);
	e->config_fd = bpf_map__fd(e->cap[0]->maps.colo_config);
	e->rings_fd = bpf_map__fd(e->cap[0]->maps.colo_rings);
	e->offsets_fd = bpf_map__fd(e->cap[0]->maps.colo_offsets);
	if (create_rings(e)) {
		fprintf(stderr, "FATAL: creating rings failed: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void free_recs(struct env *e)
{
	int i;

	for (i = 0; i < e->nrecs; i++)
		free(e->recs[i].frame);
	e->nrecs = 0;
}

static void env_teardown(struct env *e)
{
	int i;

	free_recs(e);
	for (i = 0; i < ENV_SHARDS; i++) {
		ring_buffer__free(e->rb[i]);
		if (e->ring_fd[i] >= 0)
			close(e->ring_fd[i]);
	}
	colo_capture_bpf__destroy(e->cap[0]);
	colo_capture_bpf__destroy(e->cap[1]);
	colo_outside_bpf__destroy(e->out);
	colo_rewrite_bpf__destroy(e->rw);
}

int env_capture_tc(struct env *e, int side)
{
	return bpf_program__fd(e->cap[side]->progs.colo_capture_tc);
}

int env_capture_xdp(struct env *e, int side)
{
	return bpf_program__fd(e->cap[side]->progs.colo_capture_xdp);
}

int env_outside(struct env *e)
{
	return bpf_program__fd(e->out->progs.colo_outside_tc);
}

int env_rewrite(struct env *e)
{
	return bpf_program__fd(e->rw->progs.colo_rewrite_tc);
}

void env_set_config(struct env *e, const struct colo_config *cfg)
{
	uint32_t zero = 0;

	if (bpf_map_update_elem(e->config_fd, &zero, cfg, BPF_ANY))
		abort();
}

static void clear_flow_map(int fd)
{
	struct colo_flow_key key;

	while (!bpf_map_get_next_key(fd, NULL, &key))
		if (bpf_map_delete_elem(fd, &key))
			abort();
}

void env_reset(struct env *e, uint32_t flags, uint32_t nshards)
{
	struct colo_config cfg = {
		.ifindex = {ENV_LO_IFINDEX, ENV_LO_IFINDEX, ENV_LO_IFINDEX},
		.nshards = nshards,
		.flags = flags,
	};
	int ncpu = libbpf_num_possible_cpus();
	struct colo_stats *zero = calloc((size_t)ncpu, sizeof(*zero));
	uint32_t role;

	if (!zero)
		abort();
	for (role = 0; role < COLO_ROLE_MAX; role++)
		if (bpf_map_update_elem(e->stats_fd, &role, zero, BPF_ANY))
			abort();
	free(zero);
	clear_flow_map(e->conntrack_fd);
	clear_flow_map(e->offsets_fd);
	env_drain(e);
	free_recs(e);
	env_set_config(e, &cfg);
}

int env_run(int prog_fd, const void *frame, size_t len, void *out, uint32_t *out_len,
	    uint32_t *retval, const void *ctx, size_t ctx_size)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (uint32_t)len,
		    .data_out = out, .data_size_out = out ? 70000 : 0, .ctx_in = ctx,
		    .ctx_size_in = (uint32_t)ctx_size, .repeat = 1);
	int err = bpf_prog_test_run_opts(prog_fd, &opts);

	if (err)
		return -errno;
	*retval = opts.retval;
	if (out_len)
		*out_len = opts.data_size_out;
	return 0;
}

struct drain_ctx {
	struct env *e;
	int shard;
};

static struct drain_ctx drain_ctxs[ENV_SHARDS];

static int on_record(void *ctx, void *data, size_t size)
{
	struct drain_ctx *d = ctx;
	struct env *e = d->e;
	struct env_rec *r;

	if (e->nrecs >= ENV_MAX_RECS || size < sizeof(r->hdr))
		return -E2BIG;
	r = &e->recs[e->nrecs];
	memcpy(&r->hdr, data, sizeof(r->hdr));
	r->size = size;
	r->frame = malloc(size - sizeof(r->hdr) + 1);
	if (!r->frame)
		return -ENOMEM;
	memcpy(r->frame, (uint8_t *)data + sizeof(r->hdr), size - sizeof(r->hdr));
	e->rec_shard[e->nrecs++] = d->shard;
	return 0;
}

int env_drain(struct env *e)
{
	int i;

	free_recs(e);
	for (i = 0; i < ENV_SHARDS; i++)
		if (e->rb[i] && ring_buffer__consume(e->rb[i]) < 0)
			return -1;
	return e->nrecs;
}

void env_stats(struct env *e, uint32_t role, struct colo_stats *out)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	struct colo_stats *per = calloc((size_t)ncpu, sizeof(*per));
	size_t i, n = sizeof(*out) / sizeof(uint64_t);

	if (!per || bpf_map_lookup_elem(e->stats_fd, &role, per))
		abort();
	memset(out, 0, sizeof(*out));
	for (c = 0; c < ncpu; c++)
		for (i = 0; i < n; i++)
			((uint64_t *)out)[i] += ((uint64_t *)&per[c])[i];
	free(per);
}

int env_conn(struct env *e, const struct colo_flow_key *key, struct colo_conn *out)
{
	return bpf_map_lookup_elem(e->conntrack_fd, key, out) ? -errno : 0;
}

int env_conn_count(struct env *e)
{
	struct colo_flow_key key, next;
	int n = 0;

	if (bpf_map_get_next_key(e->conntrack_fd, NULL, &key))
		return 0;
	n = 1;
	while (!bpf_map_get_next_key(e->conntrack_fd, &key, &next)) {
		key = next;
		n++;
	}
	return n;
}

int env_map_info(struct env *e, int obj, const char *name, struct bpf_map_info *info)
{
	struct bpf_object *objs[] = {e->cap[0]->obj, e->cap[1]->obj, e->out->obj, e->rw->obj};
	struct bpf_map *map = bpf_object__find_map_by_name(objs[obj], name);
	uint32_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (!map || bpf_obj_get_info_by_fd(bpf_map__fd(map), info, &len))
		return -1;
	return 0;
}

int env_replace_ring(struct env *e, int shard, uint32_t bytes)
{
	uint32_t key = (uint32_t)shard;
	int fd;

	ring_buffer__free(e->rb[shard]);
	e->rb[shard] = NULL;
	if (e->ring_fd[shard] >= 0)
		close(e->ring_fd[shard]);
	e->ring_fd[shard] = -1;
	if (!bytes)
		return bpf_map_delete_elem(e->rings_fd, &key) && errno != ENOENT ? -errno : 0;
	fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, bytes, NULL);
	if (fd < 0)
		return -errno;
	e->ring_fd[shard] = fd;
	if (bpf_map_update_elem(e->rings_fd, &key, &fd, BPF_ANY))
		return -errno;
	drain_ctxs[shard].e = e;
	drain_ctxs[shard].shard = shard;
	e->rb[shard] = ring_buffer__new(fd, on_record, &drain_ctxs[shard], NULL);
	return e->rb[shard] ? 0 : -errno;
}

static int group_setup(void **state)
{
	(void)state;
	return env_setup(&env);
}

static int group_teardown(void **state)
{
	(void)state;
	env_teardown(&env);
	return 0;
}

/* True when the running kernel has the kfunc, i.e. the first pass did not read by probe already. */
static bool kernel_has_kfunc(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	bool has;

	if (!vmlinux)
		return true; /* cannot tell: run both passes */
	has = btf__find_by_name_kind(vmlinux, "bpf_cast_to_kern_ctx", BTF_KIND_FUNC) > 0;
	btf__free(vmlinux);
	return has;
}

int env_run_group(const char *name, const struct CMUnitTest *tests, size_t n)
{
	char probed[64];
	int failed;

	if (env_prepare())
		return 1;
	failed = _cmocka_run_group_tests(name, tests, n, group_setup, group_teardown);
	if (!kernel_has_kfunc()) {
		printf("%s: no bpf_cast_to_kern_ctx here: that pass read the skb by probe\n", name);
		return failed;
	}
	snprintf(probed, sizeof(probed), "%s, skb by probe", name);
	skb_by_probe = true;
	return failed + _cmocka_run_group_tests(probed, tests, n, group_setup, group_teardown);
}

int env_offsets_put(struct env *e, const struct colo_flow_key *key, const struct colo_offsets *o)
{
	return bpf_map_update_elem(e->offsets_fd, key, o, BPF_ANY) ? -errno : 0;
}

int env_offsets(struct env *e, const struct colo_flow_key *key, struct colo_offsets *out)
{
	return bpf_map_lookup_elem(e->offsets_fd, key, out) ? -errno : 0;
}
