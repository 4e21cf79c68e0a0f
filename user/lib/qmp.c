// SPDX-License-Identifier: GPL-2.0-only
/* QMP line splitting, message classification and command encoding (see lib/qmp.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/qmp.h"

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/* A reply's id: ours are non-negative integers; any other id is reported as absent. */
static void parse_id(const json_t *root, struct qmp_msg *m)
{
	const json_t *id = json_object_get(root, "id");

	if (json_is_integer(id) && json_integer_value(id) >= 0) {
		m->has_id = true;
		m->id = (uint64_t)json_integer_value(id);
	}
}

static int classify(json_t *root, struct qmp_msg *m, char *why, size_t why_len)
{
	json_t *v, *err;

	if (json_is_object(json_object_get(root, "QMP"))) {
		m->kind = QMP_GREETING;
		return 0;
	}
	if ((v = json_object_get(root, "return"))) {
		m->kind = QMP_RETURN;
		m->value = v;
		parse_id(root, m);
		return 0;
	}
	if (json_is_object(err = json_object_get(root, "error"))) {
		m->kind = QMP_ERROR;
		copy_str(m->err_class, sizeof(m->err_class),
			 json_string_value(json_object_get(err, "class")));
		copy_str(m->err_desc, sizeof(m->err_desc),
			 json_string_value(json_object_get(err, "desc")));
		parse_id(root, m);
		return 0;
	}
	if (json_is_string(v = json_object_get(root, "event"))) {
		m->kind = QMP_EVENT;
		copy_str(m->event, sizeof(m->event), json_string_value(v));
		m->value = json_object_get(root, "data");
		return 0;
	}
	snprintf(why, why_len, "QMP message is neither greeting, reply, error nor event");
	return -EPROTO;
}

int qmp_parse(const char *line, size_t len, struct qmp_msg *m, char *why, size_t why_len)
{
	json_error_t jerr;
	json_t *root;

	memset(m, 0, sizeof(*m));
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(why, why_len, "QMP line is not JSON: %s", jerr.text);
		return -EPROTO;
	}
	if (!json_is_object(root) || classify(root, m, why, why_len)) {
		if (!json_is_object(root))
			snprintf(why, why_len, "QMP message is not a JSON object");
		json_decref(root);
		memset(m, 0, sizeof(*m));
		return -EPROTO;
	}
	m->root = root;
	return 0;
}

void qmp_msg_clear(struct qmp_msg *m)
{
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
}

const char *qmp_value_str(const struct qmp_msg *m, const char *key)
{
	return json_string_value(json_object_get(m->value, key));
}

char *qmp_command(const char *cmd, const json_t *args, uint64_t id)
{
	json_t *o = json_object();
	char *text, *line = NULL;
	size_t n;

	if (!o)
		return NULL;
	if (json_object_set_new(o, "execute", json_string(cmd)) ||
	    (args && json_object_set_new(o, "arguments", json_deep_copy(args))) ||
	    json_object_set_new(o, "id", json_integer((json_int_t)id))) {
		json_decref(o);
		return NULL;
	}
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return NULL;
	n = strlen(text);
	line = realloc(text, n + 3);
	if (!line) {
		free(text);
		return NULL;
	}
	memcpy(line + n, "\r\n", 3);
	return line;
}

void qmp_lines_init(struct qmp_lines *l)
{
	l->have = 0;
	l->start = 0;
	l->overflow = false;
}

size_t qmp_lines_feed(struct qmp_lines *l, const void *data, size_t len)
{
	size_t room;

	/* Lines handed out are done with: move the unfinished rest to the front. */
	if (l->start) {
		memmove(l->buf, l->buf + l->start, l->have - l->start);
		l->have -= l->start;
		l->start = 0;
	}
	room = sizeof(l->buf) - l->have;
	if (len > room)
		len = room;
	memcpy(l->buf + l->have, data, len);
	l->have += len;
	return len;
}

long qmp_lines_next(struct qmp_lines *l, const char **line)
{
	char *p = l->buf + l->start, *lf;
	size_t n;

	if (l->overflow)
		return -EMSGSIZE;
	lf = memchr(p, '\n', l->have - l->start);
	if (!lf) {
		if (l->start == 0 && l->have == sizeof(l->buf))
			l->overflow = true;
		return l->overflow ? -EMSGSIZE : -1;
	}
	n = (size_t)(lf - p);
	l->start += n + 1;
	if (n && p[n - 1] == '\r')
		n--;
	*line = p;
	return (long)n;
}
