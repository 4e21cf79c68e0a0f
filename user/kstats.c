// SPDX-License-Identifier: GPL-2.0-only
/* The kernel's per-role counters by name (see kstats.h). */
#include <string.h>

#include "kstats.h"

/* clang-format off */
#define STAT(f) { #f, offsetof(struct colo_stats, f) }
const struct colo_kstat_field colo_kstat_fields[] = {
	STAT(seen),	    STAT(parsed),	STAT(captured),	   STAT(ring_full),
	STAT(ring_missing), STAT(too_big),	STAT(malformed),   STAT(non_ip),
	STAT(tcp),	    STAT(udp),		STAT(icmp),	   STAT(other_l4),
	STAT(fragments),    STAT(ctrl_passed),	STAT(ctrl_dropped), STAT(ct_created),
	STAT(ct_failed),    STAT(redirected),	STAT(cloned),	   STAT(rewritten),
	STAT(rewrite_miss), STAT(rewrite_failed), STAT(bytes),	   STAT(uncompared_dropped),
	STAT(ack_capped),
};
/* clang-format on */

const size_t colo_kstat_nfields = sizeof(colo_kstat_fields) / sizeof(colo_kstat_fields[0]);

_Static_assert(sizeof(colo_kstat_fields) / sizeof(colo_kstat_fields[0]) * sizeof(__u64) ==
		       sizeof(struct colo_stats),
	       "colo_kstat_fields must list every field of struct colo_stats");

__u64 colo_kstat_value(const struct colo_stats *s, size_t i)
{
	__u64 v;

	memcpy(&v, (const char *)s + colo_kstat_fields[i].off, sizeof(v));
	return v;
}

json_t *colo_kstats_json(const struct colo_instance *inst)
{
	json_t *all = json_object(), *one;
	struct colo_stats ks;
	size_t i;
	int role;

	for (role = 0; all && role < COLO_ROLE_MAX; role++) {
		if (colo_stats_read(inst, role, &ks) || !(one = json_object())) {
			json_decref(all);
			return NULL;
		}
		for (i = 0; i < colo_kstat_nfields; i++)
			json_object_set_new(one, colo_kstat_fields[i].name,
					    json_integer((json_int_t)colo_kstat_value(&ks, i)));
		json_object_set_new(all, colo_role_name(role), one);
	}
	return all;
}
