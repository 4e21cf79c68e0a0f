/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The environment the exec hook's command gets for one CHECKPOINT_REQUEST: each field of the
 * request as a COLO_* variable. Pure logic: texts only, the caller passes them to execve.
 *
 *   COLO_CHECKPOINT_ID  the checkpoint id (txid)
 *   COLO_REASON         mismatch | timeout | queue_full | table_full
 *   COLO_FLOW           "tcp 10.77.0.2:80 > 10.77.0.1:40000", or "none"
 *   COLO_TIME_NS        the dataplane's CLOCK_MONOTONIC at the trigger
 *   with the ORIGIN feature (else these are absent):
 *   COLO_SIDE           primary | secondary
 *   COLO_AT             the TCP stream byte or primary-space sequence number ("" when none)
 *   COLO_AT_KIND        stream | seq | none
 *   COLO_WAITED_NS      how long the frame had waited (timeout), else 0
 */
#ifndef COLO_EXEC_ENV_H
#define COLO_EXEC_ENV_H

#include "lib/agent_wire.h"

#define EXEC_ENV_MAX	 8
#define EXEC_ENV_VAR_LEN 160

struct exec_env {
	unsigned int n;
	char var[EXEC_ENV_MAX][EXEC_ENV_VAR_LEN]; /* "NAME=value" */
};

void exec_env_build(const struct colo_agent_msg *req, struct exec_env *env);

#endif /* COLO_EXEC_ENV_H */
