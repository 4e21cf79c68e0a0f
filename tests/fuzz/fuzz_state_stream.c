// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: arbitrary bytes into the state stream reader. Nothing may read out of
 * bounds; a refused stream must hand over no record and say why in one line; an accepted
 * stream, written again from the records the reader handed over, must be the same bytes (one
 * canonical encoding, and the writer accepts everything the reader does).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/state_stream.h"

struct rewrite {
	struct colo_state_writer *w;
	unsigned int records;
};

static int rw_global(void *ctx, const struct colo_state_global *g)
{
	struct rewrite *rw = ctx;

	rw->records++;
	return colo_state_write_global(rw->w, g) ? -1 : 0;
}

static int rw_conn(void *ctx, const struct colo_state_conn *c)
{
	struct rewrite *rw = ctx;
	uint32_t id;

	rw->records++;
	if (colo_state_write_conn(rw->w, c, &id) || id != c->id)
		abort();
	return 0;
}

static int rw_frame(void *ctx, const struct colo_state_frame *f)
{
	struct rewrite *rw = ctx;

	rw->records++;
	if (colo_state_write_frame(rw->w, f))
		abort();
	return 0;
}

static int rw_checkpoint(void *ctx, const struct colo_state_checkpoint *cp)
{
	struct rewrite *rw = ctx;

	rw->records++;
	if (colo_state_write_checkpoint(rw->w, cp))
		abort();
	return 0;
}

static int rw_agent(void *ctx, const struct colo_state_agent *a)
{
	struct rewrite *rw = ctx;

	rw->records++;
	if (colo_state_write_agent(rw->w, a))
		abort();
	return 0;
}

static const struct colo_state_ops rw_ops = {rw_global, rw_conn, rw_frame, rw_checkpoint, rw_agent};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rewrite rw = {colo_state_writer_new(size), 0};
	struct colo_state_err err;
	const uint8_t *out;
	size_t len;
	int r;

	if (!rw.w)
		abort();
	r = colo_state_read(data, size, NULL, &rw_ops, &rw, &err);
	if (r) {
		/* A refusal names what it refused in one line, before any record was handed over.
		 */
		if (r != -EINVAL || rw.records || !err.msg[0] || strchr(err.msg, '\n'))
			abort();
	} else if (colo_state_writer_finish(rw.w, &out, &len) || len != size ||
		   memcmp(out, data, size)) {
		abort();
	}
	colo_state_writer_free(rw.w);
	return 0;
}
