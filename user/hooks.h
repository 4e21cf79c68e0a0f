/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Attach points: our loaded programs on an interface's tc ingress/egress (clsact) or XDP hook,
 * and their removal. Every hook that goes in is recorded in a struct colo_iface, so that
 * colo_hooks_remove() undoes exactly that, also after a partial attach. The functions print a
 * one-line error when they fail and return a negative errno.
 */
#ifndef COLO_HOOKS_H
#define COLO_HOOKS_H

#include <linux/types.h>

#include "colo_xdp.h"

/* tc filter identity used on every hook (priority 1: our filter runs first in the chain). */
#define COLO_TC_HANDLE	 0xc01d
#define COLO_TC_PRIORITY 1

struct colo_hooks_req {
	const char *ifname;
	int ifindex;
	enum colo_hook hook; /* of the ingress program */
	__u32 xdp_mode;	     /* COLO_XDP_NATIVE or COLO_XDP_SKB, for the XDP hook */
	int ingress_fd;	     /* tc ingress or XDP program */
	int egress_fd;	     /* tc egress program, -1: none */
};

/* Refuses an interface that already carries our programs, or any XDP program when we want XDP. */
int colo_hooks_check(const char *ifname, int ifindex, enum colo_hook hook);

/* Attaches r's programs, recording each hook in ifc (hook and xdp_mode already set there). */
int colo_hooks_attach(const struct colo_hooks_req *r, struct colo_iface *ifc);

/* Removes what ifc records, where the interface still runs the recorded programs. */
int colo_hooks_remove(int ifindex, const struct colo_iface *ifc);

#endif /* COLO_HOOKS_H */
