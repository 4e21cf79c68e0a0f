// SPDX-License-Identifier: GPL-2.0-only
/* Starting a child program (see spawn.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lib/exec_env.h"
#include "spawn.h"

static void child(const struct colo_spawn *s)
{
	sigset_t none;
	unsigned int i;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (s->own_group)
		setpgid(0, 0);
	if (s->die_with_parent)
		prctl(PR_SET_PDEATHSIG, SIGTERM);
	for (i = 0; s->env && i < s->env->n; i++)
		putenv((char *)s->env->var[i]);
	if (s->out_fd >= 0 &&
	    (dup2(s->out_fd, STDOUT_FILENO) < 0 || dup2(s->out_fd, STDERR_FILENO) < 0))
		_exit(127);
	execv(s->path, s->argv);
	_exit(127);
}

pid_t colo_spawn(const struct colo_spawn *s)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child(s);
	if (s->own_group)
		setpgid(pid, pid); /* both sides: no window where a kill of the group misses it */
	return pid;
}
