/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every enum's text, in one place: tables of struct colo_enum_name (what the option layer parses
 * with and the help prints) and the name functions that log lines, JSON and status use; and
 * colo_name_of() for the agent protocol's and the state stream's tables indexed by value. An
 * unknown value's name is "?".
 */
#ifndef COLO_NAMES_H
#define COLO_NAMES_H

#include <stddef.h>

#include "colo_xdp.h"
#include "lib/cmp_types.h"

/* names[v], or "?" when v is past the table or names no value. */
static inline const char *colo_name_of(const char *const *names, size_t n, unsigned int v)
{
	return v < n && names[v] ? names[v] : "?";
}

#define COLO_NAME_OF(table, v) colo_name_of(table, sizeof(table) / sizeof((table)[0]), v)

/* One enum value and its name; a table ends with {NULL}. */
struct colo_enum_name {
	const char *name;
	int value;
};

/* The name of value in names, or "?". */
const char *colo_enum_name(const struct colo_enum_name *names, int value);
/* name's value; -1 when names has no such name. */
int colo_enum_parse(const struct colo_enum_name *names, const char *name, int *value);

extern const struct colo_enum_name colo_role_names[];	     /* outside, primary, secondary */
extern const struct colo_enum_name colo_side_names[];	     /* primary, secondary */
extern const struct colo_enum_name colo_hook_names[];	     /* tc, xdp */
extern const struct colo_enum_name colo_xdp_mode_names[];    /* native, skb */
extern const struct colo_enum_name colo_cp_reason_names[];   /* mismatch, timeout, ... */
extern const struct colo_enum_name colo_drop_reason_names[]; /* compared, commit, ... */
extern const struct colo_enum_name colo_tcp_state_names[];   /* none, syn_sent, ... */

const char *colo_role_name(enum colo_role role);
const char *colo_side_name(enum colo_side side);
const char *colo_hook_name(enum colo_hook hook);
const char *colo_xdp_mode_name(enum colo_xdp_mode mode);
const char *colo_cp_reason_name(enum colo_cp_reason reason);
const char *colo_drop_reason_name(enum colo_drop_reason reason);
const char *colo_tcp_state_name(enum colo_tcp_state state);

#endif /* COLO_NAMES_H */
