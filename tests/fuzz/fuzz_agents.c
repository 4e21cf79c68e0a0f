// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the adapters' pure logic: the bytes as a QMP stream (line splitter and
 * parser), as a Xen notify stream, and as a sequence of events for the migration-mode and
 * COLO-mode state machines. Invariants checked (abort() on violation):
 * - a parsed QMP message has a kind, and its value belongs to its root;
 * - a decoded Xen message is at most XEN_NOTIFY_MAX bytes and NUL-terminated;
 * - the migration machine sends COMMIT only right after a completed migration, never with a
 *   txid other than the one in flight (or 0), declares FAILOVER at most once, and keeps no
 *   step deadline once idle (a stale one fired a step timeout after every checkpoint);
 * - the COLO machine's BEGIN/COMMIT/ABORT carry the request in flight (or COMMIT 0), and
 *   nothing but ABORT follows its FAILOVER.
 * Requests come as the session lets them: one in flight per dataplane connection.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/qemu_colo.h"
#include "lib/qemu_migrate.h"
#include "lib/qmp.h"
#include "lib/xen_notify.h"

static void fuzz_qmp(const uint8_t *data, size_t size)
{
	static struct qmp_lines l;
	struct qmp_msg m;
	const char *line;
	char why[128];
	size_t off = 0;
	long n;

	qmp_lines_init(&l);
	while (off < size) {
		off += qmp_lines_feed(&l, data + off, size - off);
		while ((n = qmp_lines_next(&l, &line)) >= 0) {
			if (qmp_parse(line, (size_t)n, &m, why, sizeof(why)))
				continue;
			if (m.kind < QMP_GREETING || m.kind > QMP_EVENT || !m.root)
				abort();
			qmp_value_str(&m, "status");
			qmp_msg_clear(&m);
		}
		if (n == -EMSGSIZE)
			return;
	}
}

static void fuzz_xen(const uint8_t *data, size_t size)
{
	struct xen_notify_dec d;
	size_t used;
	int r;

	xen_notify_dec_init(&d);
	while (size) {
		r = xen_notify_feed(&d, data, size, &used);
		data += used;
		size -= used;
		if (r < 0)
			return;
		if (r == 1 && (d.len > XEN_NOTIFY_MAX || d.text[d.len] != '\0'))
			abort();
		if (r == 1)
			xen_notify_kind(d.text, d.len);
	}
}

struct mig_run {
	struct qmig m;
	uint32_t next_id, failovers;
	bool migrated; /* the last step result was a completed migration */
	bool inflight; /* the dataplane waits for COMMIT/ABORT */
};

static void mig_act(struct mig_run *r, struct qmig_action *a, uint64_t now)
{
	int guard;

	for (guard = 0; guard < 16; guard++) {
		if (a->what == QMIG_DO_COMMIT &&
		    (!r->migrated || (a->txid && a->txid != r->m.txid)))
			abort();
		if (a->what == QMIG_DO_FAILOVER && ++r->failovers > 1)
			abort();
		if ((a->what == QMIG_DO_COMMIT || a->what == QMIG_DO_ABORT) && a->txid)
			r->inflight = false;
		if (a->what < QMIG_DO_BEGIN)
			return;
		if (a->what == QMIG_DO_BEGIN && !a->txid)
			abort();
		qmig_next(&r->m, now, a);
	}
	abort(); /* the follow-ups must end */
}

static void fuzz_migrate(const uint8_t *data, size_t size)
{
	struct mig_run r = {.next_id = 1};
	struct qmig_action a;
	uint64_t now = 1;
	size_t i;

	qmig_init(&r.m, 1000, 5000);
	for (i = 0; i < size; i++) {
		now += data[i] & 0x0f;
		r.migrated = false;
		switch (data[i] >> 4) {
		case 0:
			if (r.inflight)
				continue;
			r.inflight = true;
			qmig_request(&r.m, r.next_id++, now, &a);
			break;
		case 1:
		case 2:
			r.migrated = r.m.step == QMIG_WAIT;
			qmig_done(&r.m, QMIG_OK, NULL, now, &a);
			break;
		case 3:
			qmig_done(&r.m, QMIG_FAILED, "no", now, &a);
			break;
		case 4:
			qmig_done(&r.m, QMIG_ACTIVE, NULL, now, &a);
			break;
		case 5:
			qmig_secondary_gone(&r.m, now, &a);
			break;
		case 6:
			qmig_agent_lost(&r.m);
			r.inflight = false;
			continue;
		default:
			now += qmig_wait_ns(&r.m, now) == UINT64_MAX ? 0 : qmig_wait_ns(&r.m, now);
			qmig_tick(&r.m, now, &a);
			break;
		}
		mig_act(&r, &a, now);
		if (r.m.step == QMIG_IDLE && r.m.deadline_ns)
			abort();
	}
}

static void fuzz_colo(const uint8_t *data, size_t size)
{
	struct qcolo s;
	struct qcolo_out o;
	uint32_t next_id = 1, asked = 0;
	bool failed_over = false, inflight = false;
	uint64_t now = 0;
	unsigned int k;
	size_t i;

	qcolo_init(&s, 100);
	for (i = 0; i < size; i++) {
		now += data[i] & 0x0f;
		switch (data[i] >> 4) {
		case 0:
			if (inflight)
				continue;
			inflight = true;
			asked = next_id;
			qcolo_request(&s, next_id++, now, &o);
			break;
		case 1:
			qcolo_stop(&s, &o);
			break;
		case 2:
			qcolo_resume(&s, &o);
			break;
		case 3:
			qcolo_status(&s, "colo", &o);
			break;
		case 4:
			qcolo_kick_failed(&s, "no", &o);
			break;
		case 5:
			qcolo_colo_exit(&s, "error", &o);
			break;
		case 6:
			qcolo_secondary_lost(&s, &o);
			break;
		case 7:
			qcolo_primary_lost(&s, &o);
			break;
		case 8:
			qcolo_agent_lost(&s);
			asked = 0;
			inflight = false;
			continue;
		default:
			qcolo_tick(&s, now, &o);
			break;
		}
		for (k = 0; k < o.n; k++) {
			enum qcolo_do w = o.a[k].what;
			uint32_t id = o.a[k].txid;

			if (failed_over && w != QCOLO_DO_ABORT)
				abort();
			if ((w == QCOLO_DO_BEGIN || w == QCOLO_DO_ABORT) && (!id || id != asked))
				abort();
			if (w == QCOLO_DO_COMMIT && id && id != asked)
				abort();
			failed_over |= w == QCOLO_DO_FAILOVER;
			if ((w == QCOLO_DO_COMMIT && id) || w == QCOLO_DO_ABORT)
				inflight = false;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_qmp(data, size);
	fuzz_xen(data, size);
	fuzz_migrate(data, size);
	fuzz_colo(data, size);
	return 0;
}
