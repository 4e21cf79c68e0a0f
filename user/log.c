// SPDX-License-Identifier: GPL-2.0-only
/* The logger (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"

/* The verifier's log tail is what matters: the kernel keeps the tail when it does not fit. */
#define VERIFIER_LOG_SIZE (1u << 20)

char colo_verifier_log[VERIFIER_LOG_SIZE];
const size_t colo_verifier_log_size = VERIFIER_LOG_SIZE;

static enum colo_log_level threshold = COLO_LOG_INFO;
static enum colo_log_format format = COLO_LOG_TEXT;

/* Syslog priority of each level (journald's prefix, the JSON "level"). */
static const int level_prio[] = {
	[COLO_LOG_ERROR] = COLO_PRIO_ERR,   [COLO_LOG_WARN] = COLO_PRIO_WARNING,
	[COLO_LOG_INFO] = COLO_PRIO_INFO,   [COLO_LOG_DEBUG] = COLO_PRIO_DEBUG,
	[COLO_LOG_TRACE] = COLO_PRIO_DEBUG,
};

/*
 * Whether f is the journal: systemd sets JOURNAL_STREAM to "<dev>:<inode>" of the stream it
 * connected stdout/stderr to, and it stays meaningful only while the fd still is that stream.
 */
static bool is_journal(FILE *f)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && !fstat(fileno(f), &st) &&
	       st.st_dev == dev && st.st_ino == ino;
}

void colo_log_set_format(enum colo_log_format fmt)
{
	format = fmt;
}

static bool all_to_stderr;

void colo_log_to_stderr(void)
{
	all_to_stderr = true;
}

void colo_log_set_verbosity(int verbosity)
{
	if (verbosity < 0)
		threshold = COLO_LOG_WARN;
	else if (verbosity > COLO_LOG_TRACE - COLO_LOG_INFO)
		threshold = COLO_LOG_TRACE;
	else
		threshold = COLO_LOG_INFO + verbosity;
}

static void vlog(enum colo_log_level level, const char *fmt, va_list ap)
{
	FILE *out = level <= COLO_LOG_WARN || all_to_stderr ? stderr : stdout;
	char msg[2048], line[4096];
	struct timespec now;
	size_t n;

	if (level > threshold)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &now);
	n = colo_log_line(line, sizeof(line), format, is_journal(out), level_prio[level], msg,
			  (uint64_t)now.tv_sec * 1000000000 + (uint64_t)now.tv_nsec);
	fflush(out);
	/* One write per line: the daemon and its exec hook's adapter share the log file. */
	if (write(fileno(out), line, n) < 0)
		return; /* nowhere else to say it */
}

void colo_log(enum colo_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

/* A library's message (it names itself: "libbpf: ..."), each of its lines one of ours. */
static int lib_message(enum colo_log_level level, const char *fmt, va_list ap)
{
	char msg[1024];
	char *line, *save = NULL;

	if (level > threshold)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (line = strtok_r(msg, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		colo_log(level, "%s", line);
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return lib_message(level == LIBBPF_WARN ? COLO_LOG_DEBUG : COLO_LOG_TRACE, fmt, ap);
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return lib_message(level == LIBXDP_WARN ? COLO_LOG_DEBUG : COLO_LOG_TRACE, fmt, ap);
}

void colo_log_init(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}

void colo_lib_err(int err, const char *fmt, ...)
{
	char what[256], why[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	libbpf_strerror(err, why, sizeof(why));
	colo_err("%s: %s", what, why);
}

/* The verifier's verdict: the last line of its log that is not the closing statistics. */
static const char *verifier_verdict(char *line, size_t size)
{
	const char *p, *end, *best = NULL;
	size_t best_len = 0;

	for (p = colo_verifier_log; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, '\n');
		if (end == p || !strncmp(p, "processed ", 10) ||
		    !strncmp(p, "verification time", 17))
			continue;
		best = p;
		best_len = (size_t)(end - p);
	}
	if (!best)
		return NULL;
	snprintf(line, size, "%.*s", (int)best_len, best);
	return line;
}

void colo_load_err(int err, const char *what)
{
	char line[256], why[128];
	const char *verdict = verifier_verdict(line, sizeof(line));

	libbpf_strerror(err, why, sizeof(why));
	if (verdict)
		colo_err("cannot load BPF object %s: %s (verifier: %s)", what, why, verdict);
	else
		colo_err("cannot load BPF object %s: %s", what, why);
	colo_verifier_log[0] = '\0';
}
