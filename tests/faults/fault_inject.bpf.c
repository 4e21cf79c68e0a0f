// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection for the fault suite (tests/faults/): a tc program on one replica's link that
 * drops, delays or reorders the frames its rule matches. This kernel has neither sch_netem nor
 * sch_fq (no departure-time scheduling), but it has HTB, which picks the class a frame's
 * skb->priority names before any filter runs. So on clsact egress (which runs before the root
 * qdisc) the program gives the frames to delay the priority of a slow, rate-limited HTB class,
 * where they wait behind each other, while every other frame takes HTB's unshaped direct queue
 * and so overtakes them (reordering). Frames are parsed by the capture programs' own parser
 * (bpf/parse.h). Configured before load by tests/tools/fault_inject.c, which reads the counters
 * back from .bss.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "parse.h"
#include "verdict.h"

/* The rule (set before load). A frame matches when it is IP and all set fields agree. */
const volatile __u8 rule_proto;	       /* IPPROTO_TCP / IPPROTO_UDP; 0: any IP frame */
const volatile __u16 rule_port;	       /* source or destination port, host order; 0: any */
const volatile __u8 rule_payload_only; /* only frames with L4 payload (handshakes pass) */
const volatile __u32 drop_every;       /* drop every Nth matching frame; 0: none */
const volatile __u32 drop_per_mille;   /* drop matching frames at random, per mille */
const volatile __u8 slow_all;	       /* every matching frame to the slow class */
const volatile __u32 slow_every;       /* every Nth matching frame to the slow class */
const volatile __u32 slow_classid;     /* HTB class of the slow path (major:minor) */

/* What the program did (read by the loader at exit). */
__u64 matched;
__u64 dropped;
__u64 slowed;

static __noinline __u32 fault_parse(struct __sk_buff *skb, struct colo_parsed *p)
{
	return colo_parse(skb, COLO_HOOK_TC, p);
}

static __always_inline int fault_matches(const struct colo_parsed *p)
{
	__u16 sport = bpf_ntohs(p->key.sport), dport = bpf_ntohs(p->key.dport);

	if (p->kind != COLO_KIND_IP || (rule_proto && p->key.proto != rule_proto))
		return 0;
	if (rule_port && sport != rule_port && dport != rule_port)
		return 0;
	if (rule_payload_only && (!p->l4_parsed || p->payload_off >= p->ip_end))
		return 0;
	return 1;
}

SEC("tc")
int fault_inject(struct __sk_buff *skb)
{
	struct colo_parsed p;
	__u64 n;

	fault_parse(skb, &p);
	if (!fault_matches(&p))
		return COLO_TC_ACT_OK;
	n = __sync_fetch_and_add(&matched, 1) + 1;
	if ((drop_every && n % drop_every == 0) ||
	    (drop_per_mille && bpf_get_prandom_u32() % 1000 < drop_per_mille)) {
		__sync_fetch_and_add(&dropped, 1);
		return COLO_TC_ACT_SHOT;
	}
	/* HTB takes a priority naming one of its classes as the class; the rest go direct. */
	if (slow_all || (slow_every && n % slow_every == 0)) {
		skb->priority = slow_classid;
		__sync_fetch_and_add(&slowed, 1);
	}
	return COLO_TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
