/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Release path: matched primary frames leave through the outside interface in batches, either
 * through an AF_PACKET socket with a virtio-net header (checksum offload and GSO metadata kept),
 * or through an AF_XDP socket in copy mode (checksums and segmentation done in software).
 * One release handle per worker thread; not thread-safe.
 */
#ifndef COLO_RELEASE_H
#define COLO_RELEASE_H

#include <stdbool.h>
#include <stdint.h>

#include "colo_xdp.h"
#include "lib/names.h"
#include "lib/segment.h"

enum colo_release_mode {
	COLO_RELEASE_AFPACKET = 0,
	COLO_RELEASE_AFXDP,
};

/* "afpacket", "afxdp" (for the option table and the log). */
extern const struct colo_enum_name colo_release_mode_names[];
const char *colo_release_mode_name(enum colo_release_mode mode);

struct colo_release_stats {
	uint64_t frames;      /* frames handed to the kernel */
	uint64_t bytes;	      /* their bytes (GSO super-frames count whole) */
	uint64_t segments;    /* AF_XDP: frames produced by software segmentation */
	uint64_t send_errors; /* frames the kernel refused (dropped, never retried raw) */
	uint64_t refused;     /* frames the release path cannot send (too big, bad headers) */
	uint64_t batches;
};

/* Called once per queued frame after it was sent or refused: the caller may free it now. */
typedef void (*colo_release_done_fn)(void *ctx, void *cookie);

struct colo_release;

/*
 * Opens the release path on ifindex (AF_XDP binds queue_id). Returns NULL with a one-line
 * message in err on failure.
 */
struct colo_release *colo_release_open(enum colo_release_mode mode, int ifindex,
				       unsigned int queue_id, colo_release_done_fn done, void *ctx,
				       char *err, size_t errlen);
void colo_release_close(struct colo_release *rel);

/*
 * Queues one frame (Ethernet header on; rec: its capture metadata, already bounds-checked by
 * the caller; lay: its layout from colo_l4_layout(), carried with the frame since capture).
 * The frame bytes are writable and, with rec and lay, must stay valid until done() is called
 * for cookie; the checksum field may be rewritten. Flushes by itself when the batch is full.
 */
void colo_release_add(struct colo_release *rel, uint8_t *frame, uint32_t len,
		      const struct colo_rec *rec, const struct colo_l4_layout *lay, void *cookie);
/* Sends everything queued. */
void colo_release_flush(struct colo_release *rel);

void colo_release_get_stats(const struct colo_release *rel, struct colo_release_stats *stats);

/* The release interface's MTU (1500 when it could not be read). */
uint32_t colo_release_mtu(const struct colo_release *rel);

#endif /* COLO_RELEASE_H */
