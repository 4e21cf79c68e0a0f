// SPDX-License-Identifier: GPL-2.0-only
/* Log lines (see log_line.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log_line.h"

const struct colo_enum_name colo_log_format_names[] = {
	{"text", COLO_LOG_TEXT},
	{"json", COLO_LOG_JSON},
	{NULL, 0},
};

static const char *prio_name(int prio)
{
	switch (prio) {
	case COLO_PRIO_ERR:
		return "error";
	case COLO_PRIO_WARNING:
		return "warning";
	case COLO_PRIO_INFO:
		return "info";
	default:
		return "debug";
	}
}

/* RFC 3339 UTC with milliseconds: 2026-12-03T09:30:00.123Z. */
static void rfc3339(char *buf, size_t len, uint64_t ns)
{
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;
	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03uZ", (unsigned int)(ns / 1000000 % 1000));
}

size_t colo_log_line(char *buf, size_t len, enum colo_log_format fmt, bool journal, int prio,
		     const char *msg, uint64_t realtime_ns)
{
	char stamp[40], *js = NULL;
	json_t *o;
	size_t n = 0;
	int r;

	if (len < 2)
		return 0;
	if (journal)
		n = (size_t)snprintf(buf, len, "<%d>", prio);
	if (fmt == COLO_LOG_JSON) {
		rfc3339(stamp, sizeof(stamp), realtime_ns);
		o = json_pack("{s:s,s:s,s:s}", "time", stamp, "level", prio_name(prio), "msg", msg);
		js = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
		json_decref(o);
	}
	r = snprintf(buf + n, len - n, js ? "%s" : "colo-xdp: %s", js ? js : msg);
	free(js);
	n = r < 0 || (size_t)r >= len - n ? len - 2 : n + (size_t)r;
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}
