/* SPDX-License-Identifier: GPL-2.0-only */
/* Listening unix stream sockets of the daemon (agent, control): mode 0600, stale ones cleared. */
#ifndef COLO_UNIX_LISTEN_H
#define COLO_UNIX_LISTEN_H

/*
 * Listens on path (non-blocking, close-on-exec, mode 0600 before anyone can connect). A socket
 * file nobody listens on is removed first; a live one gives -EADDRINUSE, any other file -EEXIST.
 * Returns the fd or -errno.
 */
int colo_unix_listen(const char *path, int backlog);

#endif /* COLO_UNIX_LISTEN_H */
