// SPDX-License-Identifier: GPL-2.0-only
/* Control protocol lines (see control_proto.h and docs/control-protocol.md). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_proto.h"

static const char *const request_names[COLO_CTL_REQUEST_MAX_KIND] = {
	[COLO_CTL_PING] = "ping",
	[COLO_CTL_STATS] = "stats",
	[COLO_CTL_CONNS] = "conns",
};

static const char *const error_names[COLO_CTL_ERROR_MAX] = {
	[COLO_CTL_OK] = "ok",
	[COLO_CTL_E_MALFORMED] = "malformed",
	[COLO_CTL_E_UNKNOWN] = "unknown_request",
	[COLO_CTL_E_BAD_ARGUMENT] = "bad_argument",
	[COLO_CTL_E_TOO_LARGE] = "too_large",
	[COLO_CTL_E_BUSY] = "busy",
	[COLO_CTL_E_UNAVAILABLE] = "unavailable",
	[COLO_CTL_E_INTERNAL] = "internal",
};

const char *colo_ctl_request_name(enum colo_ctl_request_kind kind)
{
	return (unsigned int)kind < COLO_CTL_REQUEST_MAX_KIND ? request_names[kind] : NULL;
}

const char *colo_ctl_error_name(enum colo_ctl_error err)
{
	return (unsigned int)err < COLO_CTL_ERROR_MAX ? error_names[err] : NULL;
}

static enum colo_ctl_error __attribute__((format(printf, 4, 5)))
fail(enum colo_ctl_error err, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return err;
}

enum colo_ctl_error colo_ctl_request_parse(const char *line, size_t len,
					   struct colo_ctl_request *req, char *why, size_t whylen)
{
	enum colo_ctl_error err = COLO_CTL_OK;
	json_error_t jerr;
	const char *key, *name;
	json_t *root, *v;
	unsigned int k;

	if (len >= COLO_CTL_REQUEST_MAX)
		return fail(COLO_CTL_E_TOO_LARGE, why, whylen, "request over %u bytes",
			    COLO_CTL_REQUEST_MAX - 1);
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return fail(COLO_CTL_E_MALFORMED, why, whylen, "not JSON: %s", jerr.text);
	if (!json_is_object(root)) {
		err = fail(COLO_CTL_E_MALFORMED, why, whylen, "not a JSON object");
		goto out;
	}
	v = json_object_get(root, "request");
	if (!json_is_string(v)) {
		err = fail(COLO_CTL_E_MALFORMED, why, whylen, "no \"request\" string");
		goto out;
	}
	name = json_string_value(v);
	for (k = 0; k < COLO_CTL_REQUEST_MAX_KIND; k++)
		if (!strcmp(name, request_names[k]))
			break;
	if (k == COLO_CTL_REQUEST_MAX_KIND) {
		err = fail(COLO_CTL_E_UNKNOWN, why, whylen, "unknown request '%.64s'", name);
		goto out;
	}
	/* No request takes arguments yet: any other member is refused, not ignored. */
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "request")) {
			err = fail(COLO_CTL_E_BAD_ARGUMENT, why, whylen,
				   "unexpected member '%.64s'", key);
			goto out;
		}
	}
	req->kind = k;
out:
	json_decref(root);
	return err;
}

char *colo_ctl_request_line(enum colo_ctl_request_kind kind)
{
	const char *name = colo_ctl_request_name(kind);
	char *line;

	if (!name || asprintf(&line, "{\"request\":\"%s\"}\n", name) < 0)
		return NULL;
	return line;
}

/* Dumps obj (reference taken) as one line with its newline. */
static char *line_of(json_t *obj, size_t *len)
{
	char *s, *line;
	size_t n;

	if (!obj)
		return NULL;
	s = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (!s)
		return NULL;
	n = strlen(s);
	if (n + 1 > COLO_CTL_REPLY_MAX || !(line = realloc(s, n + 2))) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
	return line;
}

char *colo_ctl_reply_ok(enum colo_ctl_request_kind kind, json_t *data, size_t *len)
{
	const char *name = colo_ctl_request_name(kind);

	if (!name || !json_is_object(data)) {
		json_decref(data);
		return NULL;
	}
	return line_of(json_pack("{s:b,s:i,s:s,s:o}", "ok", 1, "protocol", COLO_CTL_PROTOCOL,
				 "reply", name, "data", data),
		       len);
}

char *colo_ctl_reply_error(enum colo_ctl_error err, const char *message, size_t *len)
{
	const char *name = colo_ctl_error_name(err);

	if (!name || err == COLO_CTL_OK)
		return NULL;
	return line_of(json_pack("{s:b,s:i,s:{s:s,s:s}}", "ok", 0, "protocol", COLO_CTL_PROTOCOL,
				 "error", "code", name, "message", message),
		       len);
}

int colo_ctl_reply_parse(const char *line, size_t len, enum colo_ctl_request_kind kind,
			 json_t **data, char *why, size_t whylen)
{
	const char *code = "?", *message = "?", *reply = NULL;
	json_t *root, *d = NULL;
	json_error_t jerr;
	int ok = 0, proto = 0, r = -1;

	*data = NULL;
	root = json_loadb(line, len, 0, &jerr);
	if (!root) {
		snprintf(why, whylen, "reply is not JSON: %s", jerr.text);
		return -1;
	}
	if (json_unpack(root, "{s:b,s:i}", "ok", &ok, "protocol", &proto)) {
		snprintf(why, whylen, "reply without \"ok\" and \"protocol\"");
	} else if (proto != COLO_CTL_PROTOCOL) {
		snprintf(why, whylen, "server speaks protocol %d, this client %d", proto,
			 COLO_CTL_PROTOCOL);
	} else if (!ok) {
		json_unpack(root, "{s:{s?s,s?s}}", "error", "code", &code, "message", &message);
		snprintf(why, whylen, "%s: %s", code, message);
	} else if (json_unpack(root, "{s:s,s:o}", "reply", &reply, "data", &d) ||
		   strcmp(reply, colo_ctl_request_name(kind)) || !json_is_object(d)) {
		snprintf(why, whylen, "reply is not a \"%s\" reply with a data object",
			 colo_ctl_request_name(kind));
	} else {
		*data = json_incref(d);
		r = 0;
	}
	json_decref(root);
	return r;
}
