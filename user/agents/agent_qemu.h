/* SPDX-License-Identifier: GPL-2.0-only */
/* `colo-xdp agent qemu`: its options, and the two modes that run on them. */
#ifndef COLO_AGENT_QEMU_H
#define COLO_AGENT_QEMU_H

#include <stdbool.h>

#include "agents/agents.h"

enum qemu_mode { QEMU_MODE_COLO, QEMU_MODE_MIGRATION };

struct qemu_opts {
	struct agent_common common;
	enum qemu_mode mode;
	const char *primary_qmp;
	const char *secondary_qmp;
	const char *secondary_cmd; /* migration: how to start the secondary (sh -c) */
	const char *migrate_uri;   /* migration: where the state goes */
	bool secondary_running;	   /* migration: the secondary was started by someone else */
	uint64_t step_timeout_ms;  /* migration: a step's limit (the migration's included) */
	uint64_t launch_timeout_ms;
	uint64_t max_bandwidth_mib; /* migration: the primary's migrate max-bandwidth, MiB/s */
};

int qemu_migration_run(const struct qemu_opts *o);
int qemu_colo_run(const struct qemu_opts *o);

#endif /* COLO_AGENT_QEMU_H */
