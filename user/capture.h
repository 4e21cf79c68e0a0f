/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Divergence captures (run --capture-dir DIR [--capture-max MB]). At each checkpoint trigger a
 * worker copies the flow's recent frames (lib/flow_hist) into a job; the main thread writes it:
 * DIR/<instance>-<UTC time>-<n>-<reason>.pcapng with both sides (interfaces "primary" and
 * "secondary"), a comment on every packet (side, TCP sequence and length) and on the frames
 * holding the checkpoint's byte (reason, stream byte, sequence, the byte's value), plus
 * <same>.primary.pcap and <same>.secondary.pcap for `colo-xdp replay`. The oldest captures are
 * removed while those of this run exceed the limit.
 */
#ifndef COLO_CAPTURE_H
#define COLO_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/compare.h"
#include "lib/flow_hist.h"

/* Per worker: the flows followed and the bytes kept of each (both sides). */
#define COLO_CAPTURE_FLOWS	32
#define COLO_CAPTURE_FLOW_BYTES (2u << 20)

struct colo_capture_frame {
	enum colo_side side;
	uint64_t time_ns; /* CLOCK_MONOTONIC, the capture stamp */
	uint32_t len;
	size_t off; /* in the job's bytes */
};

struct colo_capture_job {
	unsigned int shard;
	enum colo_cp_reason reason;
	struct colo_flow_key flow;
	struct colo_cp_where where;
	uint64_t time_ns;
	size_t nframes;
	struct colo_capture_frame *frames;
	uint8_t *bytes;
};

/* The job of one trigger: a copy of flow's frames in h. NULL without memory. */
struct colo_capture_job *colo_capture_job_new(const struct colo_flow_hist *h, unsigned int shard,
					      enum colo_cp_reason reason,
					      const struct colo_flow_key *flow,
					      const struct colo_cp_where *where, uint64_t time_ns);
void colo_capture_job_free(struct colo_capture_job *job);

struct colo_capture;

/* Creates dir (0750) when missing. NULL with errno set on failure. */
struct colo_capture *colo_capture_open(const char *dir, uint64_t max_bytes, const char *instance);
void colo_capture_close(struct colo_capture *c);
/* SIGHUP: creates the directory again if it was moved or removed (logrotate, an operator). */
int colo_capture_reopen(struct colo_capture *c);

/* Writes job's files and rotates; logs and returns -errno on failure. */
int colo_capture_write(struct colo_capture *c, const struct colo_capture_job *job);

#endif /* COLO_CAPTURE_H */
