/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QMP, QEMU's JSON machine protocol, as the adapters speak it: a line splitter with a bounded
 * buffer, a parser that classifies one line (greeting, command reply, error reply, event), and
 * the command encoder ({"execute": ..., "arguments": ..., "id": N}). Pure logic on jansson
 * values; the sockets are user/agents/qmp_conn.c's.
 *
 * QMP as relied on (QEMU docs/interop/qmp-spec): the server sends {"QMP": {...}} first; no
 * command but qmp_capabilities is accepted before it; every message is one JSON object on a
 * line ended by CRLF; a reply repeats the command's "id"; events carry "event", "data" and
 * "timestamp" and may come between any two replies.
 */
#ifndef COLO_QMP_H
#define COLO_QMP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QMP_MAX_LINE	 (64 * 1024) /* longer lines are refused: the stream is dropped */
#define QMP_NAME_LEN	 64
#define QMP_ERR_DESC_LEN 256

enum qmp_kind {
	QMP_GREETING = 1,
	QMP_RETURN,
	QMP_ERROR,
	QMP_EVENT,
};

struct qmp_msg {
	enum qmp_kind kind;
	bool has_id;
	uint64_t id;			 /* RETURN/ERROR: the numeric id of the command answered */
	char event[QMP_NAME_LEN];	 /* EVENT: its name */
	char err_class[QMP_NAME_LEN];	 /* ERROR: "GenericError", ... */
	char err_desc[QMP_ERR_DESC_LEN]; /* ERROR: the human text */
	json_t *value; /* RETURN: "return"; EVENT: "data" (may be NULL); owned by root */
	json_t *root;  /* the whole object; released by qmp_msg_clear() */
};

/*
 * Parses one line (without its line end). Returns 0, or -EPROTO with why filled: not JSON,
 * not an object, or none of the four kinds.
 */
int qmp_parse(const char *line, size_t len, struct qmp_msg *m, char *why, size_t why_len);
void qmp_msg_clear(struct qmp_msg *m);
/* A string member of m->value ("status" of a MIGRATION event or query-migrate reply), or NULL. */
const char *qmp_value_str(const struct qmp_msg *m, const char *key);

/*
 * The command line to send: {"execute":cmd,"arguments":args,"id":id} and CRLF, malloc'd.
 * args may be NULL (no arguments) and is not consumed. NULL on allocation failure.
 */
char *qmp_command(const char *cmd, const json_t *args, uint64_t id);

/* Splits a byte stream into lines ended by LF (a CR before it is dropped). */
struct qmp_lines {
	char buf[QMP_MAX_LINE];
	size_t have;  /* bytes of the line being assembled */
	size_t start; /* bytes of buf already handed out by qmp_lines_next() */
	bool overflow;
};

void qmp_lines_init(struct qmp_lines *l);
/* Appends up to len bytes; returns the count taken (less once the buffer is full). */
size_t qmp_lines_feed(struct qmp_lines *l, const void *data, size_t len);
/*
 * The next complete line: returns its length and sets *line (valid until the next feed), or
 * -1 when no line is complete, or -EMSGSIZE once a line outgrew QMP_MAX_LINE (sticky).
 */
long qmp_lines_next(struct qmp_lines *l, const char **line);

#endif /* COLO_QMP_H */
