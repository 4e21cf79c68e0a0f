// SPDX-License-Identifier: GPL-2.0-only
/* The exec hook command's environment (see lib/exec_env.h). */
#include <stdarg.h>
#include <stdio.h>

#include "lib/exec_env.h"

static void __attribute__((format(printf, 2, 3))) add(struct exec_env *env, const char *fmt, ...)
{
	va_list ap;

	if (env->n == EXEC_ENV_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(env->var[env->n++], EXEC_ENV_VAR_LEN, fmt, ap);
	va_end(ap);
}

static const char *pos_kind_name(unsigned int kind)
{
	return kind == COLO_AGENT_POS_STREAM ? "stream"
	       : kind == COLO_AGENT_POS_SEQ  ? "seq"
					     : "none";
}

void exec_env_build(const struct colo_agent_msg *req, struct exec_env *env)
{
	const struct colo_agent_origin *o = &req->request.origin;
	char flow[COLO_AGENT_FLOW_STR_LEN];

	env->n = 0;
	add(env, "COLO_CHECKPOINT_ID=%u", req->txid);
	add(env, "COLO_REASON=%s", colo_agent_reason_name(req->request.reason));
	add(env, "COLO_FLOW=%s", colo_agent_flow_str(&req->request.flow, flow, sizeof(flow)));
	add(env, "COLO_TIME_NS=%llu", (unsigned long long)req->request.time_ns);
	if (!req->request.has_origin)
		return;
	add(env, "COLO_SIDE=%s", colo_agent_side_name(o->side));
	if (o->pos_kind == COLO_AGENT_POS_NONE)
		add(env, "COLO_AT=");
	else
		add(env, "COLO_AT=%u", o->pos);
	add(env, "COLO_AT_KIND=%s", pos_kind_name(o->pos_kind));
	add(env, "COLO_WAITED_NS=%llu", (unsigned long long)o->waited_ns);
}
