/* SPDX-License-Identifier: GPL-2.0-only */
/* Agent protocol messages for the wire and session tests: two flows and an encode helper. */
#ifndef COLO_TEST_AGENT_MSGS_H
#define COLO_TEST_AGENT_MSGS_H

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/agent_session.h"

static inline struct colo_flow_key flow4(void)
{
	struct colo_flow_key f = {.family = 4, .proto = IPPROTO_TCP};

	f.saddr[10] = f.saddr[11] = f.daddr[10] = f.daddr[11] = 0xff;
	memcpy(f.saddr + 12, (uint8_t[]){10, 77, 0, 2}, 4);
	memcpy(f.daddr + 12, (uint8_t[]){10, 77, 0, 1}, 4);
	f.sport = htons(80);
	f.dport = htons(40000);
	return f;
}

static inline struct colo_flow_key flow6(void)
{
	struct colo_flow_key f = {.family = 6, .proto = IPPROTO_UDP};

	inet_pton(AF_INET6, "fd77::2", f.saddr);
	inet_pton(AF_INET6, "fd77::1", f.daddr);
	f.sport = htons(53);
	f.dport = htons(5353);
	return f;
}

/* Encodes msg with the given seq into buf; returns the length. */
static inline size_t enc(struct colo_agent_msg *msg, uint32_t seq, uint8_t *buf)
{
	int n;

	msg->seq = seq;
	n = colo_agent_encode(msg, buf, COLO_AGENT_MAX_MSG);
	assert_true(n >= COLO_AGENT_HDR_LEN);
	return (size_t)n;
}

#endif /* COLO_TEST_AGENT_MSGS_H */
