// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test helper for BPF_PROG_TEST_RUN (test_run cannot set an skb's VLAN metadata): puts a tag into
 * skb metadata, as VLAN offload on a veth or tap does, then tail-calls the program in slot 0 of
 * next_prog (the capture program under test). An existing metadata tag moves into the frame.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define VLAN_PUSH_FAILED 100
#define TAIL_CALL_FAILED 101

/* Set by the test: the tag to push (host order). */
__u16 push_tpid;
__u16 push_tci;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} next_prog SEC(".maps");

SEC("tc")
int vlan_push(struct __sk_buff *skb)
{
	if (bpf_skb_vlan_push(skb, bpf_htons(push_tpid), push_tci))
		return VLAN_PUSH_FAILED;
	bpf_tail_call(skb, &next_prog, 0);
	return TAIL_CALL_FAILED;
}

char LICENSE[] SEC("license") = "GPL";
