/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Xen COLO notify channel that QEMU's colo-compare serves as notify_dev (net/colo-compare.c):
 * every message is a 4-byte big-endian length and then that many bytes of text, no terminator.
 * The Xen side (the COLO frame's userspace proxy) sends COLO_USERSPACE_PROXY_INIT (answered with
 * COLO_COMPARE_GET_XEN_INIT) and COLO_CHECKPOINT (a checkpoint completed: flush and reset); the
 * compare side sends DO_CHECKPOINT when the replicas diverged. Texts match whole and exactly.
 * Pure logic: encoder and an incremental decoder with a bounded message size.
 */
#ifndef COLO_XEN_NOTIFY_H
#define COLO_XEN_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#define XEN_NOTIFY_MAX 256 /* longest message accepted; the protocol's longest is 25 bytes */

#define XEN_NOTIFY_INIT	      "COLO_USERSPACE_PROXY_INIT"
#define XEN_NOTIFY_INIT_REPLY "COLO_COMPARE_GET_XEN_INIT"
#define XEN_NOTIFY_CHECKPOINT "COLO_CHECKPOINT"
#define XEN_NOTIFY_DO	      "DO_CHECKPOINT"

enum xen_notify_kind {
	XEN_NOTIFY_UNKNOWN = 0,
	XEN_NOTIFY_MSG_INIT,	   /* COLO_USERSPACE_PROXY_INIT */
	XEN_NOTIFY_MSG_CHECKPOINT, /* COLO_CHECKPOINT */
};

struct xen_notify_dec {
	uint8_t hdr[4];
	size_t have_hdr;
	uint32_t len;
	size_t have;
	char text[XEN_NOTIFY_MAX + 1]; /* NUL-terminated copy of the message */
};

void xen_notify_dec_init(struct xen_notify_dec *d);
/*
 * Consumes bytes up to the end of one message. Returns 1 when d->text holds a message (*used
 * bytes consumed; feed the rest again), 0 when all were consumed without completing one,
 * -EMSGSIZE when the length is over XEN_NOTIFY_MAX (the stream cannot continue).
 */
int xen_notify_feed(struct xen_notify_dec *d, const void *data, size_t len, size_t *used);
/* Which message d->text is (len bytes: the comparison is exact, no prefix matches). */
enum xen_notify_kind xen_notify_kind(const char *text, size_t len);
/* Frames text into buf (4 + strlen bytes); returns the length or -ENOSPC. */
int xen_notify_encode(const char *text, uint8_t *buf, size_t cap);

#endif /* COLO_XEN_NOTIFY_H */
