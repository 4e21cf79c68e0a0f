// SPDX-License-Identifier: GPL-2.0-only
/* Every enum's text (see names.h). */
#include <string.h>

#include "lib/names.h"

const struct colo_enum_name colo_role_names[] = {
	{"outside", COLO_ROLE_OUTSIDE},
	{"primary", COLO_ROLE_PRIMARY},
	{"secondary", COLO_ROLE_SECONDARY},
	{NULL, 0},
};

const struct colo_enum_name colo_side_names[] = {
	{"primary", COLO_SIDE_PRIMARY},
	{"secondary", COLO_SIDE_SECONDARY},
	{NULL, 0},
};

const struct colo_enum_name colo_hook_names[] = {
	{"tc", COLO_HOOK_TC},
	{"xdp", COLO_HOOK_XDP},
	{NULL, 0},
};

const struct colo_enum_name colo_xdp_mode_names[] = {
	{"native", COLO_XDP_NATIVE},
	{"skb", COLO_XDP_SKB},
	{NULL, 0},
};

const struct colo_enum_name colo_cp_reason_names[] = {
	{"mismatch", COLO_CP_MISMATCH},
	{"timeout", COLO_CP_TIMEOUT},
	{"queue_full", COLO_CP_QUEUE_FULL},
	{"table_full", COLO_CP_TABLE_FULL},
	{NULL, 0},
};

const struct colo_enum_name colo_drop_reason_names[] = {
	{"compared", COLO_DROP_COMPARED},   {"commit", COLO_DROP_COMMIT},
	{"malformed", COLO_DROP_MALFORMED}, {"duplicate", COLO_DROP_DUPLICATE},
	{"refused", COLO_DROP_REFUSED},	    {"shutdown", COLO_DROP_SHUTDOWN},
	{"overflow", COLO_DROP_OVERFLOW},   {NULL, 0},
};

const struct colo_enum_name colo_tcp_state_names[] = {
	{"none", COLO_TCP_NONE},
	{"syn_sent", COLO_TCP_SYN_SENT},
	{"syn_recv", COLO_TCP_SYN_RECV},
	{"established", COLO_TCP_ESTABLISHED},
	{"fin_sent", COLO_TCP_FIN_SENT},
	{"closed", COLO_TCP_CLOSED},
	{NULL, 0},
};

const char *colo_enum_name(const struct colo_enum_name *names, int value)
{
	for (; names->name; names++)
		if (names->value == value)
			return names->name;
	return "?";
}

int colo_enum_parse(const struct colo_enum_name *names, const char *name, int *value)
{
	for (; names->name; names++) {
		if (!strcmp(names->name, name)) {
			*value = names->value;
			return 0;
		}
	}
	return -1;
}

const char *colo_role_name(enum colo_role role)
{
	return colo_enum_name(colo_role_names, role);
}

const char *colo_side_name(enum colo_side side)
{
	return colo_enum_name(colo_side_names, side);
}

const char *colo_hook_name(enum colo_hook hook)
{
	return colo_enum_name(colo_hook_names, hook);
}

const char *colo_xdp_mode_name(enum colo_xdp_mode mode)
{
	return colo_enum_name(colo_xdp_mode_names, mode);
}

const char *colo_cp_reason_name(enum colo_cp_reason reason)
{
	return colo_enum_name(colo_cp_reason_names, reason);
}

const char *colo_drop_reason_name(enum colo_drop_reason reason)
{
	return colo_enum_name(colo_drop_reason_names, reason);
}

const char *colo_tcp_state_name(enum colo_tcp_state state)
{
	return colo_enum_name(colo_tcp_state_names, state);
}
