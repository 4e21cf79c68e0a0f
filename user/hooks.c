// SPDX-License-Identifier: GPL-2.0-only
/* Attach points (see hooks.h): tc through libbpf's bpf_tc_*, XDP through libxdp. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "hooks.h"
#include "log.h"

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
int colo_hooks_check(const char *ifname, int ifindex, enum colo_hook hook)
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
			colo_err("%s: already attached (%s program id %u)", ifname,
				 i < 2 ? "XDP" : "tc", ids[i]);
			return -EEXIST;
		}
	}
	if (hook == COLO_HOOK_XDP && (ids[0] || ids[1])) {
		colo_err("%s: another XDP program (id %u) is attached", ifname,
			 ids[0] ? ids[0] : ids[1]);
		return -EEXIST;
	}
	return 0;
}

static int tc_attach_one(const struct colo_hooks_req *r, struct colo_iface *ifc,
			 enum bpf_tc_attach_point point, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = r->ifindex, .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = COLO_TC_HANDLE,
			    .priority = COLO_TC_PRIORITY, .prog_fd = prog_fd);
	int err;

	err = bpf_tc_hook_create(&hook); /* -EEXIST: a clsact is there already, fine */
	if (!err) {
		ifc->created_clsact = 1;
	} else if (err != -EEXIST) {
		colo_lib_err(err, "%s: cannot create clsact qdisc", r->ifname);
		return err;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		colo_lib_err(err, "%s: cannot attach tc %s program", r->ifname,
			     point == BPF_TC_INGRESS ? "ingress" : "egress");
		return err;
	}
	ifc->tc_handle = opts.handle;
	ifc->tc_priority = opts.priority;
	return 0;
}

static enum xdp_attach_mode xdp_mode_of(__u32 mode)
{
	return mode == COLO_XDP_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;
}

static int xdp_attach_one(const struct colo_hooks_req *r)
{
	struct xdp_program *xp;
	int err;

	xp = xdp_program__from_fd(r->ingress_fd);
	err = libxdp_get_error(xp);
	if (err) {
		colo_lib_err(err, "%s: libxdp cannot use the capture program", r->ifname);
		return err;
	}
	err = xdp_program__attach(xp, r->ifindex, xdp_mode_of(r->xdp_mode), 0);
	xdp_program__close(xp);
	if (err)
		colo_lib_err(err, "%s: cannot attach XDP program (%s mode)", r->ifname,
			     r->xdp_mode == COLO_XDP_SKB ? "skb" : "native");
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

int colo_hooks_remove(int ifindex, const struct colo_iface *ifc)
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

int colo_hooks_attach(const struct colo_hooks_req *r, struct colo_iface *ifc)
{
	__u32 in_id = 0, eg_id = 0;
	int err;

	err = prog_id_of_fd(r->ingress_fd, &in_id);
	if (!err && r->egress_fd >= 0)
		err = prog_id_of_fd(r->egress_fd, &eg_id);
	if (err) {
		colo_err("cannot read program ids: %s", strerror(-err));
		return err;
	}
	if (r->hook == COLO_HOOK_XDP)
		err = xdp_attach_one(r);
	else
		err = tc_attach_one(r, ifc, BPF_TC_INGRESS, r->ingress_fd);
	if (err)
		return err;
	ifc->ingress_prog_id = in_id;
	if (r->egress_fd < 0)
		return 0;
	err = tc_attach_one(r, ifc, BPF_TC_EGRESS, r->egress_fd);
	if (!err)
		ifc->egress_prog_id = eg_id;
	return err;
}
