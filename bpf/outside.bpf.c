// SPDX-License-Identifier: GPL-2.0-only
/*
 * Client traffic arriving on the outside port (tc clsact ingress): mirrored to the secondary
 * (a clone out of its port) unless failover or no-mirror is set, then redirected to the
 * primary. Before the primary role is attached the frame goes to the host's own stack.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "colo_xdp.h"
#include "maps.h"
#include "verdict.h"

SEC("tc")
int colo_outside_tc(struct __sk_buff *skb)
{
	struct colo_stats *st = colo_get_stats(COLO_ROLE_OUTSIDE);
	struct colo_config *cfg = colo_get_config();
	__u32 primary, secondary;

	if (!st || !cfg)
		return COLO_TC_ACT_OK;
	st->seen++;
	st->bytes += skb->len;
	primary = cfg->ifindex[COLO_ROLE_PRIMARY];
	secondary = cfg->ifindex[COLO_ROLE_SECONDARY];
	if (!primary)
		return COLO_TC_ACT_OK;
	if (secondary && !(cfg->flags & (COLO_CFG_FAILOVER | COLO_CFG_NO_MIRROR)) &&
	    !bpf_clone_redirect(skb, secondary, 0))
		st->cloned++;
	st->redirected++;
	return bpf_redirect(primary, 0);
}

char LICENSE[] SEC("license") = "GPL";
