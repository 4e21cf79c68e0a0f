// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: arbitrary bytes, in arbitrary chunks, into the agent protocol decoder and
 * both session state machines. Every message the decoder accepts must re-encode to exactly
 * the bytes it came from (one canonical encoding), and nothing may read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/agent_session.h"

static void check_canonical(const struct colo_agent_msg *msg, const uint8_t *wire, size_t len)
{
	uint8_t buf[COLO_AGENT_MAX_MSG];
	int n = colo_agent_encode(msg, buf, sizeof(buf));

	if (n < 0 || (size_t)n != len || memcmp(buf, wire, len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct colo_agent_sess dp, ag;
	struct colo_agent_dec dec;
	struct colo_agent_msg msg;
	size_t off, used, chunk, start = 0;
	uint8_t seed;
	int r;

	if (size < 1)
		return 0;
	seed = data[0]; /* chunk sizes: 1..seed+1 bytes, varying */
	data++;
	size--;
	colo_agent_dec_init(&dec);
	colo_agent_sess_init(&dp, COLO_AGENT_SIDE_DATAPLANE);
	colo_agent_sess_init(&ag, COLO_AGENT_SIDE_AGENT);
	for (off = 0; off < size;) {
		chunk = 1 + (off * 31 + seed) % ((size_t)seed + 1);
		if (chunk > size - off)
			chunk = size - off;
		r = colo_agent_dec_feed(&dec, data + off, chunk, &used, &msg);
		if (used > chunk)
			abort();
		off += used;
		if (r < 0)
			return 0;
		if (r == 1) {
			check_canonical(&msg, data + start, off - start);
			start = off;
			colo_agent_sess_rx(&dp, &msg);
			colo_agent_sess_rx(&ag, &msg);
		} else if (used != chunk) {
			abort();
		}
	}
	return 0;
}
