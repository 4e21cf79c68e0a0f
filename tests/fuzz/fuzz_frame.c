// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer: raw bytes into colo_frame_parse. ASan catches any read past the input (libFuzzer
 * hands over an exactly sized heap copy); the harness checks that every offset and length the
 * parser reports stays inside the frame, and that the flow hash is symmetric.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/frame.h"

#define check(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static void check_ip(const struct colo_frame_info *fi, size_t size)
{
	struct colo_flow_key rev = fi->key;
	char s[128];

	check(fi->l3_off >= 14 && fi->l3_off < size);
	check(fi->vlan_depth <= 2);
	check(fi->key.family == 4 || fi->key.family == 6);
	check(fi->payload_off <= size && fi->payload_len <= size - fi->payload_off);
	if (!fi->fragment) {
		check(fi->payload_off > fi->l3_off);
		if (fi->l4_off)
			check(fi->l4_off > fi->l3_off && fi->l4_off <= fi->payload_off);
	}
	if (fi->key.proto == 6)
		check(fi->tcp.nsack <= COLO_MAX_SACK_BLOCKS);

	memcpy(rev.saddr, fi->key.daddr, sizeof(rev.saddr));
	memcpy(rev.daddr, fi->key.saddr, sizeof(rev.daddr));
	rev.sport = fi->key.dport;
	rev.dport = fi->key.sport;
	check(colo_flow_key_hash(&fi->key) == colo_flow_key_hash(&rev));

	/* A formatted flow always fits and is terminated, also in a buffer too small for it. */
	check(colo_flow_format(&fi->key, s, sizeof(s)) < (int)sizeof(s));
	check(memchr(s, '\0', sizeof(s)));
	memset(s, 'x', sizeof(s));
	if (colo_flow_format(&fi->key, s, 8) >= 0)
		check(memchr(s, '\0', 8));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct colo_frame_info fi;
	enum colo_frame_kind kind;

	memset(&fi, 0xa5, sizeof(fi));
	kind = colo_frame_parse(data, size, &fi);
	check(kind == fi.kind);
	check(kind == COLO_FRAME_IP || kind == COLO_FRAME_NON_IP || kind == COLO_FRAME_MALFORMED);
	if (kind == COLO_FRAME_IP)
		check_ip(&fi, size);
	return 0;
}
