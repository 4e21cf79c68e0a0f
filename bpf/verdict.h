/* SPDX-License-Identifier: GPL-2.0-only */
/* Verdicts shared by the hooks: one spelling for "drop" and "send out of ifindex". */
#ifndef COLO_BPF_VERDICT_H
#define COLO_BPF_VERDICT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "colo_xdp.h"

#define COLO_TC_ACT_OK	 0
#define COLO_TC_ACT_SHOT 2

static __always_inline int colo_drop(const int hook)
{
	return hook == COLO_HOOK_XDP ? XDP_DROP : COLO_TC_ACT_SHOT;
}

/* Redirects to the egress of ifindex; drops when that role is not attached (ifindex 0). */
static __always_inline int colo_redirect(const int hook, __u32 ifindex)
{
	if (!ifindex)
		return colo_drop(hook);
	return bpf_redirect(ifindex, 0);
}

#endif /* COLO_BPF_VERDICT_H */
