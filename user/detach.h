/* SPDX-License-Identifier: GPL-2.0-only */
/* Detach: the undo of attach.h, serialised with it. Both print a one-line error on failure. */
#ifndef COLO_DETACH_H
#define COLO_DETACH_H

/*
 * Removes exactly what attach added on ifname (found by ifindex, or by recorded name when the
 * interface is gone). instance NULL: search every instance. Unpins the instance when it was its
 * last interface. Returns 0, -ENOENT (not attached) or another -errno.
 */
int colo_detach(const char *ifname, const char *instance);

/*
 * Detaches every interface of an instance (NULL: default) and unpins it (for the daemon's
 * teardown; the CLI's `detach --instance NAME`). -EINVAL when it lives in another namespace.
 */
int colo_detach_instance(const char *instance);

#endif /* COLO_DETACH_H */
