/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's state as a versioned record stream (dump, restore, live update). Pure logic: a
 * writer that encodes one record per call into a bounded memory buffer, and a reader that
 * validates a whole stream before it hands any record to a callback. docs/state-format.md is
 * the byte-level specification this follows.
 *
 * The records are plain structs of their own, independent of the comparator's and the agent
 * server's internals: the daemon translates its state into them and back.
 *
 * Writer: colo_state_writer_new(), colo_state_write_global() once, then any number of
 * colo_state_write_conn() (each returns the id that frames name) and colo_state_write_frame(),
 * at most one colo_state_write_checkpoint() and then at most one colo_state_write_agent(), and
 * colo_state_writer_finish(). Every record is checked by the reader's own rules before it is
 * written, so a stream the writer finishes is one the reader accepts (with the same options).
 *
 * Reader: colo_state_read() checks header, every record and field, the references between
 * records and the END record first; on the first bad field it returns -EINVAL with one line in
 * err and calls no callback. Only a valid stream is walked a second time, with the callbacks.
 */
#ifndef COLO_STATE_STREAM_H
#define COLO_STATE_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/state_format.h"

struct colo_state_writer;

/* An empty writer whose stream may grow to max bytes; NULL when out of memory. */
struct colo_state_writer *colo_state_writer_new(size_t max);
/* Frees the writer and its stream. NULL is ignored. */
void colo_state_writer_free(struct colo_state_writer *w);
/* Why the last call failed (msg is empty after a success). */
const struct colo_state_err *colo_state_writer_err(const struct colo_state_writer *w);
/*
 * Each returns 0, -EINVAL when the record breaks a rule of docs/state-format.md
 * (colo_state_writer_err() says which; nothing is written), -ENOSPC past max bytes, -ENOMEM, or
 * -EALREADY after finish.
 */
int colo_state_write_global(struct colo_state_writer *w, const struct colo_state_global *g);
/* *id receives the connection's id (the id field of c is ignored). */
int colo_state_write_conn(struct colo_state_writer *w, const struct colo_state_conn *c,
			  uint32_t *id);
int colo_state_write_frame(struct colo_state_writer *w, const struct colo_state_frame *f);
int colo_state_write_checkpoint(struct colo_state_writer *w,
				const struct colo_state_checkpoint *cp);
int colo_state_write_agent(struct colo_state_writer *w, const struct colo_state_agent *a);
/* Writes END after the end-of-stream checks; buf and len: the stream, owned by the writer. */
int colo_state_writer_finish(struct colo_state_writer *w, const uint8_t **buf, size_t *len);

/* Callbacks of the reader's second pass, any may be NULL; a nonzero return stops the walk. */
struct colo_state_ops {
	int (*global)(void *ctx, const struct colo_state_global *g);
	int (*conn)(void *ctx, const struct colo_state_conn *c);
	int (*frame)(void *ctx, const struct colo_state_frame *f);
	int (*checkpoint)(void *ctx, const struct colo_state_checkpoint *cp);
	int (*agent)(void *ctx, const struct colo_state_agent *a);
};

/*
 * Validates the whole stream (against expect unless NULL), then calls ops for every record in
 * order. Returns 0; -EINVAL for an invalid stream (err->msg says where; no callback was
 * called); -ENOMEM; or the first nonzero callback return (the walk stopped there).
 */
int colo_state_read(const uint8_t *buf, size_t len, const struct colo_state_expect *expect,
		    const struct colo_state_ops *ops, void *ctx, struct colo_state_err *err);

#endif /* COLO_STATE_STREAM_H */
