// SPDX-License-Identifier: GPL-2.0-only
/* The logger (see log.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"

void colo_log(enum colo_log_level level, const char *fmt, ...)
{
	FILE *out = level <= COLO_LOG_WARN ? stderr : stdout;
	va_list ap;

	fputs("colo-xdp: ", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
}

/*
 * libbpf and libxdp messages. They are printed only with COLO_XDP_DEBUG=1 in the environment:
 * libxdp first tries its multi-program dispatcher, which cannot load on this kernel (freplace
 * EPERM), and both libraries log that before libxdp falls back to attaching our program alone;
 * libbpf prints whole verifier logs. Instead the logger keeps the most telling message as a hint
 * for the one-line error of colo_lib_err(): the last kernel (netlink) error message or verifier
 * verdict, else the first warning.
 */
static struct {
	bool debug;
	bool strong; /* hint came from the kernel or the verifier */
	char hint[256];
} lib_log;

void colo_lib_hint_reset(void)
{
	lib_log.hint[0] = '\0';
	lib_log.strong = false;
}

static void hint_set(const char *s, size_t n, bool strong)
{
	if (!strong && lib_log.hint[0])
		return;
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	snprintf(lib_log.hint, sizeof(lib_log.hint), "%.*s", (int)n, s);
	lib_log.strong |= strong;
}

/* The verifier's verdict: the last line of its log that is not the closing statistics. */
static void hint_from_verifier_log(const char *log)
{
	const char *line, *end, *best = NULL;
	size_t best_len = 0;

	for (line = log; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		if (end == line || !strncmp(line, "processed ", 10) ||
		    !strncmp(line, "verification time", 17) || !strncmp(line, "-- END", 6))
			continue;
		best = line;
		best_len = (size_t)(end - line);
	}
	if (best)
		hint_set(best, best_len, true);
}

static void hint_note(const char *msg)
{
	static const char kmsg[] = "Kernel error message: ";
	const char *p;

	if ((p = strstr(msg, kmsg)))
		hint_set(p + sizeof(kmsg) - 1, strlen(p + sizeof(kmsg) - 1), true);
	else if ((p = strstr(msg, "-- BEGIN PROG LOAD LOG --\n")))
		hint_from_verifier_log(p + 26);
	else
		hint_set(msg, strlen(msg), false);
}

static int vlog(bool warn, const char *fmt, va_list ap)
{
	char *msg;

	if (lib_log.debug)
		return vfprintf(stderr, fmt, ap);
	if (!warn || vasprintf(&msg, fmt, ap) < 0)
		return 0;
	hint_note(msg);
	free(msg);
	return 0;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return vlog(level == LIBBPF_WARN, fmt, ap);
}

static int libxdp_log(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return vlog(level == LIBXDP_WARN, fmt, ap);
}

/* Prints "colo-xdp: <what>: <strerror(-err)> (<hint>)". */
void colo_lib_err(int err, const char *fmt, ...)
{
	va_list ap;

	fputs("colo-xdp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s", strerror(err < 0 ? -err : err));
	if (lib_log.hint[0])
		fprintf(stderr, " (%s)", lib_log.hint);
	fputc('\n', stderr);
}

void colo_log_init(void)
{
	const char *debug = getenv("COLO_XDP_DEBUG");

	lib_log.debug = debug && *debug && strcmp(debug, "0");
	libbpf_set_print(libbpf_log);
	libxdp_set_print(libxdp_log);
}
