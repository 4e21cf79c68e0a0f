/* SPDX-License-Identifier: GPL-2.0-only */
/* Names of enum values, from a table indexed by value with holes allowed. */
#ifndef COLO_NAMES_H
#define COLO_NAMES_H

#include <stddef.h>

/* names[v], or "?" when v is past the table or names no value. */
static inline const char *colo_name_of(const char *const *names, size_t n, unsigned int v)
{
	return v < n && names[v] ? names[v] : "?";
}

#define COLO_NAME_OF(table, v) colo_name_of(table, sizeof(table) / sizeof((table)[0]), v)

#endif /* COLO_NAMES_H */
