/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel's per-role counters (struct colo_stats) by name, for status, stats and metrics. */
#ifndef COLO_KSTATS_H
#define COLO_KSTATS_H

#include <jansson.h>
#include <stddef.h>

#include "instance.h"

struct colo_kstat_field {
	const char *name;
	size_t off;
};

/* Every field of struct colo_stats, in declaration order. */
extern const struct colo_kstat_field colo_kstat_fields[];
extern const size_t colo_kstat_nfields;

__u64 colo_kstat_value(const struct colo_stats *s, size_t i);

/* {"outside":{<field>:n,...},"primary":{...},"secondary":{...}}; NULL when a read fails. */
json_t *colo_kstats_json(const struct colo_instance *inst);

#endif /* COLO_KSTATS_H */
