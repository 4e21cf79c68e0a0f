/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one logger of the colo-xdp binary. Errors and warnings go to stderr, information (the
 * daemon's progress lines) to stdout, each line prefixed "colo-xdp: ". libbpf's and libxdp's
 * messages are routed through it (colo_log_init).
 */
#ifndef COLO_LOG_H
#define COLO_LOG_H

enum colo_log_level {
	COLO_LOG_ERROR = 0,
	COLO_LOG_WARN,
	COLO_LOG_INFO,
	COLO_LOG_DEBUG,
};

/* Routes libbpf's and libxdp's messages through the logger. Call it once before using them. */
void colo_log_init(void);

void colo_log(enum colo_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define colo_err(...)	colo_log(COLO_LOG_ERROR, __VA_ARGS__)
#define colo_warn(...)	colo_log(COLO_LOG_WARN, __VA_ARGS__)
#define colo_info(...)	colo_log(COLO_LOG_INFO, __VA_ARGS__)
#define colo_debug(...) colo_log(COLO_LOG_DEBUG, __VA_ARGS__)

/*
 * An error of a libbpf/libxdp call: "<what>: <strerror(-err)> (<the libraries' most telling
 * message since colo_lib_hint_reset()>)".
 */
void colo_lib_err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void colo_lib_hint_reset(void);

#endif /* COLO_LOG_H */
