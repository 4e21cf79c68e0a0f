/* SPDX-License-Identifier: GPL-2.0-only */
/* Starting a child program: the one fork/exec of the binary (adapters, the exec hook). */
#ifndef COLO_SPAWN_H
#define COLO_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

struct exec_env;

struct colo_spawn {
	const char *path;	    /* what execv runs */
	char *const *argv;	    /* NULL-terminated */
	const struct exec_env *env; /* variables added to the environment; NULL: none */
	int out_fd;		    /* the child's stdout and stderr; -1: inherited */
	bool own_group;		    /* a process group of its own, so it is killed as one */
	bool die_with_parent;	    /* SIGTERM when the parent dies */
};

/*
 * Forks and execs; the child starts with no signal blocked (the daemon and the adapters block
 * theirs for signalfd). Returns the child's pid or -errno; an exec failure is exit status 127.
 */
pid_t colo_spawn(const struct colo_spawn *s);

#endif /* COLO_SPAWN_H */
