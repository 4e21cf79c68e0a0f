/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one logger of the colo-xdp binary. Errors and warnings go to stderr, information (the
 * daemon's progress lines) and debug lines to stdout, each line prefixed "colo-xdp: " (or one
 * JSON object per line, run --log-format json), and "<priority>" when the stream is the journal.
 * The level is set once from -q/-v (colo_log_set_verbosity). libbpf's and libxdp's messages are
 * routed through it below our own (colo_log_init): their warnings show with -v, everything they
 * say with -vv. A failure they report reaches the user as our own one-line error (colo_lib_err)
 * either way.
 */
#ifndef COLO_LOG_H
#define COLO_LOG_H

#include <stddef.h>

#include "lib/log_line.h"

enum colo_log_level {
	COLO_LOG_ERROR = 0,
	COLO_LOG_WARN,
	COLO_LOG_INFO,	/* default */
	COLO_LOG_DEBUG, /* -v; libbpf's and libxdp's warnings */
	COLO_LOG_TRACE, /* -vv; libbpf's and libxdp's info and debug messages */
};

/* Routes libbpf's and libxdp's messages through the logger. Call it once before using them. */
void colo_log_init(void);

/* Text (default) or one JSON object per line; a stream that is the journal gets "<prio>" too. */
void colo_log_set_format(enum colo_log_format fmt);

/* -q (verbosity -1): errors and warnings only; 0: info; 1: debug (-v); 2: trace (-vv). */
void colo_log_set_verbosity(int verbosity);

/* Every level to stderr (the adapters: their stdout is not a log, see docs/agent-protocol.md). */
void colo_log_to_stderr(void);

void colo_log(enum colo_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define colo_err(...)	colo_log(COLO_LOG_ERROR, __VA_ARGS__)
#define colo_warn(...)	colo_log(COLO_LOG_WARN, __VA_ARGS__)
#define colo_info(...)	colo_log(COLO_LOG_INFO, __VA_ARGS__)
#define colo_debug(...) colo_log(COLO_LOG_DEBUG, __VA_ARGS__)

/* An error of a libbpf/libxdp call (err: -errno): "<what>: <libbpf_strerror(err)>". */
void colo_lib_err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A verifier log buffer for bpf_object_open_opts.kernel_log_buf (libbpf fills it, instead of
 * printing it, when a program fails to load), and the error of such a failure: "<what>:
 * <libbpf_strerror(err)> (verifier: <its verdict, the log's last line>)".
 */
extern char colo_verifier_log[];
extern const size_t colo_verifier_log_size;
void colo_load_err(int err, const char *what);

#endif /* COLO_LOG_H */
