/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control protocol of a running `colo-xdp run` (docs/control-protocol.md): a request is one
 * line holding a JSON object, the reply one line holding a JSON object (optionally followed by
 * a binary body whose length the reply names). This file parses and builds those lines; the
 * sockets are user/control.c (server) and user/ctl.c (client). Pure logic.
 */
#ifndef COLO_CONTROL_PROTO_H
#define COLO_CONTROL_PROTO_H

#include <jansson.h>
#include <stddef.h>

#define COLO_CTL_PROTOCOL    1
#define COLO_CTL_REQUEST_MAX 4096u	 /* bytes of a request line, newline included */
#define COLO_CTL_REPLY_MAX   (16u << 20) /* bytes of a reply line, newline included */

enum colo_ctl_request_kind {
	COLO_CTL_PING = 0, /* who serves: protocol, instance, pid, uptime */
	COLO_CTL_STATS,	   /* the daemon's and the kernel's counters */
	COLO_CTL_CONNS,	   /* one entry per connection */
	COLO_CTL_REQUEST_MAX_KIND,
};

enum colo_ctl_error {
	COLO_CTL_OK = 0,
	COLO_CTL_E_MALFORMED,	 /* not one JSON object, or a member of the wrong type */
	COLO_CTL_E_UNKNOWN,	 /* a request name this server does not know */
	COLO_CTL_E_BAD_ARGUMENT, /* a member the request does not take */
	COLO_CTL_E_TOO_LARGE,	 /* request line over COLO_CTL_REQUEST_MAX */
	COLO_CTL_E_BUSY,	 /* too many clients */
	COLO_CTL_E_UNAVAILABLE,	 /* the daemon cannot answer now (workers did not respond) */
	COLO_CTL_E_INTERNAL,	 /* out of memory and the like */
	COLO_CTL_ERROR_MAX,
};

struct colo_ctl_request {
	enum colo_ctl_request_kind kind;
};

/* "ping", "stats", "conns"; NULL when out of range. */
const char *colo_ctl_request_name(enum colo_ctl_request_kind kind);
/* "malformed", "unknown_request", ...; NULL when out of range. */
const char *colo_ctl_error_name(enum colo_ctl_error err);

/*
 * Parses one request line (without its newline; len bytes, not NUL-terminated). Fills req and
 * returns COLO_CTL_OK, or an error code with a one-line reason in why.
 */
enum colo_ctl_error colo_ctl_request_parse(const char *line, size_t len,
					   struct colo_ctl_request *req, char *why, size_t whylen);

/* The request line (newline included) for kind, malloc'd; NULL without memory. */
char *colo_ctl_request_line(enum colo_ctl_request_kind kind);

/*
 * Reply lines, malloc'd, newline included, *len set; NULL without memory or when the line
 * would exceed COLO_CTL_REPLY_MAX. reply_ok takes the reference of data.
 */
char *colo_ctl_reply_ok(enum colo_ctl_request_kind kind, json_t *data, size_t *len);
char *colo_ctl_reply_error(enum colo_ctl_error err, const char *message, size_t *len);

/*
 * Parses a reply line (without newline) for a request of kind. On success returns 0 and *data
 * (a new reference) holds the reply's "data" object; otherwise -1 with the server's error
 * code and message (or what was wrong with the reply) in why.
 */
int colo_ctl_reply_parse(const char *line, size_t len, enum colo_ctl_request_kind kind,
			 json_t **data, char *why, size_t whylen);

#endif /* COLO_CONTROL_PROTO_H */
