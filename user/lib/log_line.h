/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One log line of the colo-xdp logger, as text ("colo-xdp: message") or JSON ({"time",
 * "level","msg"}, one object per line), with the syslog priority prefix ("<3>") journald reads
 * when the stream is the journal (sd-daemon(3)). Pure: the time is given.
 */
#ifndef COLO_LOG_LINE_H
#define COLO_LOG_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/names.h"

enum colo_log_format {
	COLO_LOG_TEXT = 0,
	COLO_LOG_JSON,
};

extern const struct colo_enum_name colo_log_format_names[]; /* text, json */

/* Syslog priorities of the levels the logger uses. */
#define COLO_PRIO_ERR	  3
#define COLO_PRIO_WARNING 4
#define COLO_PRIO_INFO	  6
#define COLO_PRIO_DEBUG	  7

/*
 * Writes the line (newline included, NUL-terminated) for msg at syslog priority prio into buf;
 * a message that does not fit is cut. realtime_ns: CLOCK_REALTIME of the line (JSON only).
 * Returns the line's length.
 */
size_t colo_log_line(char *buf, size_t len, enum colo_log_format fmt, bool journal, int prio,
		     const char *msg, uint64_t realtime_ns);

#endif /* COLO_LOG_LINE_H */
