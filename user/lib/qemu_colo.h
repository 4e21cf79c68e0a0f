/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The QEMU COLO-mode adapter as a state machine. Pure logic: the caller feeds the primary's QMP
 * events and replies, the dataplane's requests and the clock, and carries out the actions.
 *
 * What it relies on, read in QEMU's migration/colo.c (7.2 and 10.0 alike; the checkpoint event
 * is a QemuEvent since 5.1, not a semaphore):
 * - While COLO runs (query-migrate status "colo"), the primary's checkpoint thread waits on
 *   colo_checkpoint_event; colo_checkpoint_notify() sets it and re-arms the x-checkpoint-delay
 *   timer. Setting x-checkpoint-delay with migrate-set-parameters calls it (through
 *   colo_checkpoint_delay_set()): that is the only way to ask for a checkpoint now. The adapter
 *   sets the value the primary already has, so the period does not change.
 * - A checkpoint transaction stops the VM (vm_stop_force_state(RUN_STATE_COLO): event STOP),
 *   sends the state, waits for the secondary's VMSTATE_RECEIVED, resets the event, notifies
 *   the compare objects, waits for VMSTATE_LOADED and restarts the VM (vm_start: RESUME). A
 *   notify before the reset is absorbed by the running checkpoint; one after it starts the next.
 *   So: STOP begins a checkpoint, RESUME ends it with the secondary equal to the primary.
 * - Periodic checkpoints look the same (STOP, RESUME) without a request: COMMIT txid 0.
 * - COLO ends with the event COLO_EXIT {mode, reason}; on the primary that means the secondary
 *   is gone (reason "error", or "request" after x-colo-lost-heartbeat): FAILOVER.
 * - When the secondary dies, the primary may wait for it inside a transaction: it is told with
 *   x-colo-lost-heartbeat (the failover command), and its COLO_EXIT follows.
 * A request that arrives while the VM is stopped for a checkpoint is taken into it (BEGIN at
 * once, COMMIT at its RESUME): every packet held then was produced before the STOP.
 */
#ifndef COLO_QEMU_COLO_H
#define COLO_QEMU_COLO_H

#include <stdbool.h>
#include <stdint.h>

#define QCOLO_WHY_LEN 128

enum qcolo_state {
	QCOLO_WAITING = 0, /* the primary is not (yet) in COLO */
	QCOLO_IDLE,	   /* in COLO, running */
	QCOLO_KICKED,	   /* a checkpoint asked for, no STOP yet */
	QCOLO_STOPPED,	   /* STOP seen: a checkpoint is under way */
	QCOLO_EXITED,	   /* COLO_EXIT seen: failed over */
};

enum qcolo_do {
	QCOLO_DO_KICK = 1,	 /* migrate-set-parameters {"x-checkpoint-delay": current} */
	QCOLO_DO_LOST_HEARTBEAT, /* x-colo-lost-heartbeat on the primary */
	QCOLO_DO_BEGIN,
	QCOLO_DO_COMMIT, /* flags 0; txid 0: a checkpoint nobody asked for */
	QCOLO_DO_ABORT,	 /* log why */
	QCOLO_DO_FAILOVER,
};

struct qcolo_out {
	unsigned int n;
	struct {
		enum qcolo_do what;
		uint32_t txid;
	} a[2];
};

struct qcolo {
	enum qcolo_state state;
	uint32_t txid; /* the request in flight, 0: none */
	bool heartbeat_lost;
	uint64_t kick_deadline;
	uint64_t kick_timeout_ns;
	char why[QCOLO_WHY_LEN];
};

const char *qcolo_state_name(unsigned int state);
void qcolo_init(struct qcolo *s, uint64_t kick_timeout_ns);
/* query-migrate or a MIGRATION event said status; "colo" enters COLO. */
void qcolo_status(struct qcolo *s, const char *status, struct qcolo_out *o);
void qcolo_request(struct qcolo *s, uint32_t txid, uint64_t now, struct qcolo_out *o);
void qcolo_stop(struct qcolo *s, struct qcolo_out *o);
void qcolo_resume(struct qcolo *s, struct qcolo_out *o);
/* The kick's migrate-set-parameters failed (error reply or no primary QMP). */
void qcolo_kick_failed(struct qcolo *s, const char *why, struct qcolo_out *o);
void qcolo_colo_exit(struct qcolo *s, const char *reason, struct qcolo_out *o);
/* The secondary's QMP hit EOF: the secondary is gone. */
void qcolo_secondary_lost(struct qcolo *s, struct qcolo_out *o);
/* The primary's QMP went away: what was asked cannot be seen through. */
void qcolo_primary_lost(struct qcolo *s, struct qcolo_out *o);
void qcolo_tick(struct qcolo *s, uint64_t now, struct qcolo_out *o);
uint64_t qcolo_wait_ns(const struct qcolo *s, uint64_t now);
/* The dataplane connection is gone: a checkpoint under way commits as txid 0. */
void qcolo_agent_lost(struct qcolo *s);

#endif /* COLO_QEMU_COLO_H */
