// SPDX-License-Identifier: GPL-2.0-only
/* Checkpoint coordination across shards (see coord.h). */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "capture.h"
#include "clock.h"
#include "coord.h"
#include "lib/replay_events.h"
#include "log.h"

int colo_coord_init(struct colo_coord *co)
{
	co->start_ns = colo_mono_ns();
	co->last_reason = -1;
	co->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (co->wake_fd < 0)
		return -errno;
	pthread_mutex_init(&co->lock, NULL);
	return 0;
}

void colo_coord_fini(struct colo_coord *co)
{
	if (co->wake_fd < 0)
		return;
	close(co->wake_fd);
	co->wake_fd = -1;
	while (co->ncaptures)
		colo_capture_job_free(co->captures[--co->ncaptures]);
	pthread_mutex_destroy(&co->lock);
}

double colo_coord_secs(const struct colo_coord *co, uint64_t t)
{
	return t > co->start_ns ? (double)(t - co->start_ns) / 1e9 : 0.0;
}

void colo_coord_on_checkpoint(void *ctx, unsigned int shard, enum colo_cp_reason reason,
			      const struct colo_flow_key *flow, const struct colo_cp_where *where,
			      uint64_t time_ns)
{
	struct colo_coord *co = ctx;
	bool wake = false;

	pthread_mutex_lock(&co->lock);
	if (co->outstanding) {
		co->covered++;
	} else {
		co->outstanding = true;
		co->trigger_waiting = true;
		co->trigger = (struct colo_coord_trigger){shard, reason, *flow, *where, time_ns};
		wake = true;
	}
	pthread_mutex_unlock(&co->lock);
	if (wake)
		eventfd_write(co->wake_fd, 1);
}

void colo_coord_on_capture(void *ctx, struct colo_capture_job *job)
{
	struct colo_coord *co = ctx;
	bool queued = false;

	pthread_mutex_lock(&co->lock);
	if (co->ncaptures < COLO_COORD_CAPTURES) {
		co->captures[co->ncaptures++] = job;
		queued = true;
	} else {
		co->captures_dropped++;
	}
	pthread_mutex_unlock(&co->lock);
	if (queued)
		eventfd_write(co->wake_fd, 1);
	else
		colo_capture_job_free(job);
}

unsigned int colo_coord_take_captures(struct colo_coord *co, struct colo_capture_job **jobs,
				      unsigned int max)
{
	unsigned int n;

	pthread_mutex_lock(&co->lock);
	n = co->ncaptures < max ? co->ncaptures : max;
	memcpy(jobs, co->captures, n * sizeof(*jobs));
	memmove(co->captures, co->captures + n, (co->ncaptures - n) * sizeof(*jobs));
	co->ncaptures -= n;
	pthread_mutex_unlock(&co->lock);
	return n;
}

void colo_coord_send_trigger(struct colo_coord *co)
{
	struct colo_coord_trigger t;
	char flow[COLO_AGENT_FLOW_STR_LEN], where[COLO_CP_WHERE_STR_LEN];
	struct colo_agent_origin origin;
	int r;

	pthread_mutex_lock(&co->lock);
	if (!co->trigger_waiting) {
		pthread_mutex_unlock(&co->lock);
		return;
	}
	co->trigger_waiting = false;
	t = co->trigger;
	pthread_mutex_unlock(&co->lock);

	co->request_ns = colo_mono_ns();
	origin = (struct colo_agent_origin){t.where.side, t.where.pos_kind, t.where.pos,
					    t.where.waited_ns};
	r = colo_agent_request(co->agent, (enum colo_agent_reason)t.reason, &t.flow, &origin,
			       t.time_ns, &co->request_id);
	colo_agent_flow_str(&t.flow, flow, sizeof(flow));
	if (r && r != -ENOTCONN && r != -EBUSY) {
		colo_info("checkpoint request failed (%s): reason=%s flow=%s", strerror(-r),
			  colo_cp_reason_name(t.reason), flow);
		return;
	}
	co->last[t.reason].count++;
	co->last[t.reason].id = co->request_id;
	co->last[t.reason].trigger = t;
	co->last_reason = (int)t.reason;
	colo_cp_where_str(where, sizeof(where), &t.where);
	colo_info("checkpoint %u requested%s: reason=%s flow=%s %s shard=%u t=%.3fs",
		  co->request_id, r == -ENOTCONN ? " (agent not connected: pending)" : "",
		  colo_cp_reason_name(t.reason), flow, where, t.shard,
		  colo_coord_secs(co, t.time_ns));
}

void colo_coord_post_all(struct colo_coord *co, unsigned int cmds)
{
	unsigned int i;

	for (i = 0; i < co->nworkers; i++)
		colo_worker_post(co->workers[i], cmds);
}

static uint64_t clear_outstanding(struct colo_coord *co)
{
	uint64_t covered;

	pthread_mutex_lock(&co->lock);
	co->outstanding = false;
	co->trigger_waiting = false;
	covered = co->covered;
	co->covered = 0;
	pthread_mutex_unlock(&co->lock);
	return covered;
}

static void on_agent_commit(void *ctx, uint32_t id, uint32_t flags)
{
	struct colo_coord *co = ctx;
	uint64_t now = colo_mono_ns();
	uint64_t covered = clear_outstanding(co);
	uint64_t rtt_us = (now - co->request_ns) / 1000;
	unsigned int i;

	for (i = 0; i < co->nworkers; i++)
		colo_worker_commit(co->workers[i], flags & COLO_AGENT_COMMIT_KEEP_STREAMS, now);
	co->commits++;
	if (id) {
		colo_delay_hist_add(&co->rtt, rtt_us);
		co->rtt_last_us = rtt_us;
		colo_info("checkpoint %u committed after %.1f ms (%lu more triggers covered)", id,
			  (double)rtt_us / 1e3, (unsigned long)covered);
	} else
		colo_info("checkpoint committed (started by the agent)");
}

static void on_agent_abort(void *ctx, uint32_t id)
{
	struct colo_coord *co = ctx;

	clear_outstanding(co);
	co->aborts++;
	colo_coord_post_all(co, COLO_WORKER_ABORT);
	colo_info("checkpoint %u aborted: primary output stays held", id);
}

static void on_agent_begin(void *ctx, uint32_t id)
{
	(void)ctx;
	colo_info("checkpoint %u begun", id);
}

static void set_failover_flag(struct colo_coord *co)
{
	struct colo_config cfg;

	if (colo_config_read(co->inst, &cfg) == 0) {
		cfg.flags |= COLO_CFG_FAILOVER;
		if (colo_config_write(co->inst, &cfg) == 0)
			return;
	}
	colo_info("failover: could not set the config flag: primary output stays on the "
		  "release path");
}

void colo_coord_failover(struct colo_coord *co, const char *why)
{
	if (co->failover)
		return;
	co->failover = true;
	clear_outstanding(co);
	/* Kernel first: new primary output goes straight out, the workers flush what is held. */
	set_failover_flag(co);
	colo_coord_post_all(co, COLO_WORKER_FAILOVER);
	colo_info("failover (%s): held output released, comparison stopped", why);
}

static void on_agent_failover(void *ctx)
{
	colo_coord_failover(ctx, "declared by the agent");
}

static void on_agent_log(void *ctx, const char *line)
{
	(void)ctx;
	colo_warn("agent: %s", line);
}

void colo_coord_agent_ops(struct colo_coord *co, struct colo_agent_ops *ops)
{
	*ops = (struct colo_agent_ops){
		.ctx = co,
		.begin = on_agent_begin,
		.commit = on_agent_commit,
		.abort = on_agent_abort,
		.failover = on_agent_failover,
		.log = on_agent_log,
	};
}
