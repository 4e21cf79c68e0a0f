/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The QEMU migration-mode adapter's checkpoint, as a state machine: full-state checkpoints of
 * plain QEMU VMs by live migration. Pure logic: the caller feeds what happened (a request, a
 * step's result, the secondary's death, the clock) and carries out the one action returned
 * (a QMP command, ending or launching the secondary, a message to the dataplane).
 *
 * One checkpoint, step by step: stop the primary; BEGIN; end the current secondary; launch a
 * fresh one with -incoming defer and wait for its QMP; migrate-incoming on it; migrate on the
 * primary; poll query-migrate until "completed"; COMMIT with flags 0 (the secondary's whole
 * state was replaced); cont the secondary; cont the primary; one line of figures. COMMIT goes
 * out while both VMs are still paused (the migrated secondary stays paused because the
 * primary was): every primary packet the dataplane holds then was produced before the state
 * that was copied, and the dataplane has the COMMIT before the resumed primary sends anything
 * new. Any failure or step timeout before COMMIT: cont the primary, ABORT. A secondary that
 * dies unasked outside the step that ends it: FAILOVER (after the ABORT of a checkpoint it
 * broke). A request that arrives while the primary is paused for a checkpoint (the dataplane
 * came back and re-sent it) is taken into that checkpoint; one that arrives while the
 * primary resumes waits for the next.
 */
#ifndef COLO_QEMU_MIGRATE_H
#define COLO_QEMU_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#define QMIG_POLL_NS (5 * 1000000ull) /* query-migrate interval while migrating */
#define QMIG_WHY_LEN 160

enum qmig_step {
	QMIG_IDLE = 0,
	QMIG_STOP,     /* "stop" sent to the primary */
	QMIG_END_SEC,  /* the old secondary is being ended */
	QMIG_LAUNCH,   /* a fresh secondary is starting (-incoming defer), QMP not ready */
	QMIG_INCOMING, /* "migrate-incoming" sent to the secondary */
	QMIG_MIGRATE,  /* "migrate" sent to the primary */
	QMIG_WAIT,     /* polling "query-migrate" until completed */
	QMIG_COMMIT,   /* COMMIT being sent */
	QMIG_CONT_SEC, /* "cont" sent to the secondary */
	QMIG_CONT_PRI, /* "cont" sent to the primary */
	QMIG_RECOVER,  /* a step failed: "cont" sent to the primary, ABORT follows */
	QMIG_FAILED_OVER,
	QMIG_STEP_MAX,
};

/* What the caller does next. */
enum qmig_do {
	QMIG_DO_NOTHING = 0,
	QMIG_DO_QMP_PRIMARY,   /* send cmd (with {"uri": URI} when with_uri) to the primary */
	QMIG_DO_QMP_SECONDARY, /* the same to the secondary */
	QMIG_DO_END_SECONDARY, /* quit it, kill it after a grace if ours; report qmig_done() */
	QMIG_DO_LAUNCH,	       /* start it with -incoming defer; qmig_done() once its QMP is up */
	/* The six below: do it, then call qmig_next() for what follows. */
	QMIG_DO_BEGIN,	  /* BEGIN txid (never with txid 0) */
	QMIG_DO_COMMIT,	  /* COMMIT txid with flags 0; txid 0: unasked, send it if connected */
	QMIG_DO_ABORT,	  /* ABORT txid; log why */
	QMIG_DO_FAILOVER, /* FAILOVER; log why */
	QMIG_DO_REPORT, /* log the committed checkpoint's figures (qmig_figures), and why if set */
	QMIG_DO_LOG,	/* log why (a checkpoint nobody waits for ended without commit) */
};

struct qmig_action {
	enum qmig_do what;
	const char *cmd;
	bool with_uri;
	uint32_t txid; /* BEGIN, COMMIT, ABORT: 0 when the dataplane that asked is gone */
};

/* Step results: the QMP reply, the secondary ended or ready, a query-migrate status. */
enum qmig_result {
	QMIG_OK = 0,
	QMIG_FAILED,
	QMIG_ACTIVE, /* query-migrate: not finished yet */
};

struct qmig {
	enum qmig_step step;
	uint32_t txid;
	bool reporting;	     /* the dataplane that asked is still connected */
	bool secondary_lost; /* FAILOVER follows the current checkpoint's end */
	uint64_t deadline_ns;
	uint64_t poll_at_ns;
	uint64_t step_timeout_ns;
	uint64_t launch_timeout_ns;
	/* Figures of the current checkpoint (the caller's monotonic clock, ns). */
	uint64_t t_request, t_stopped, t_migrate, t_migrated, t_committed, t_resumed;
	uint32_t committed;   /* checkpoints committed so far */
	uint32_t queued;      /* a request to start once idle (0: none) */
	enum qmig_step after; /* where qmig_next() goes */
	char why[QMIG_WHY_LEN];
};

const char *qmig_step_name(unsigned int step);
/* Result of a query-migrate status (or a MIGRATION event's): completed, failed, other. */
enum qmig_result qmig_status_result(const char *status);

void qmig_init(struct qmig *m, uint64_t step_timeout_ns, uint64_t launch_timeout_ns);
/* A CHECKPOINT_REQUEST: starts a checkpoint (ABORT when one runs or after failover). */
void qmig_request(struct qmig *m, uint32_t txid, uint64_t now, struct qmig_action *a);
/* The current step finished (its reply, the secondary ended or ready, a status). */
void qmig_done(struct qmig *m, enum qmig_result r, const char *why, uint64_t now,
	       struct qmig_action *a);
/* After DO_BEGIN: the step that follows it. */
void qmig_next(struct qmig *m, uint64_t now, struct qmig_action *a);
/* The secondary's QMP hit EOF or our child exited, outside QMIG_END_SEC's ending of it. */
void qmig_secondary_gone(struct qmig *m, uint64_t now, struct qmig_action *a);
/* The clock: a step past its deadline fails; while migrating, the next poll is due. */
void qmig_tick(struct qmig *m, uint64_t now, struct qmig_action *a);
/* The nanoseconds until qmig_tick() has something to do (UINT64_MAX: nothing). */
uint64_t qmig_wait_ns(const struct qmig *m, uint64_t now);
/* The dataplane connection went away: the checkpoint goes on, unreported. */
void qmig_agent_lost(struct qmig *m);

/*
 * What a lost secondary QMP session means. Our child's exit (waitpid) is what counts as the
 * secondary gone; a session's EOF only hurries the kill, and only of the launch the session
 * belongs to: the process group of the QEMU that served it (SO_PEERCRED at connect) must be
 * our current child's. A session served by another process (the previous secondary still
 * closing its socket while a fresh one starts, or one someone else started) kills nothing.
 */
enum qmig_lost_do {
	QMIG_LOST_GONE,	  /* no child of ours: the secondary is gone */
	QMIG_LOST_KILL,	  /* SIGKILL our child's group, wait for its exit */
	QMIG_LOST_IGNORE, /* not our current child's session: reconnect, kill nothing */
};
/* child_pgid: our current secondary's process group (0: none, or it is not ours);
 * session_pgid: the group of the session's peer (0: unknown). */
enum qmig_lost_do qmig_qmp_lost(int child_pgid, int session_pgid);

/* The figures of the last checkpoint, ms. */
struct qmig_figures {
	double latency_ms; /* request -> COMMIT */
	double pause_ms;   /* primary stopped -> primary running again */
	double migrate_ms; /* migrate sent -> completed */
};
void qmig_figures(const struct qmig *m, struct qmig_figures *f);

#endif /* COLO_QEMU_MIGRATE_H */
