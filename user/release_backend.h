/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a release backend implements (release_afpacket.c, release_afxdp.c) and the batch that
 * release.c queues for it. Only the release files include this header.
 */
#ifndef COLO_RELEASE_BACKEND_H
#define COLO_RELEASE_BACKEND_H

#include "release.h"

#define RELEASE_BATCH 64

struct colo_release;

struct colo_release_ops {
	/* Opens the backend's socket on ifindex into rel->backend; -1 with a message in err. */
	int (*open)(struct colo_release *rel, int ifindex, unsigned int queue_id, char *err,
		    size_t errlen);
	/* Sends rel's batch, counting into rel->stats. */
	void (*flush)(struct colo_release *rel);
	void (*close)(struct colo_release *rel);
};

extern const struct colo_release_ops colo_release_afpacket_ops;
extern const struct colo_release_ops colo_release_afxdp_ops;

struct colo_release {
	const struct colo_release_ops *ops;
	void *backend;
	uint32_t mtu; /* of the release interface */
	colo_release_done_fn done;
	void *ctx;
	uint32_t n;
	void *cookies[RELEASE_BATCH];
	uint8_t *frames[RELEASE_BATCH];
	uint32_t lens[RELEASE_BATCH];
	const struct colo_rec *recs[RELEASE_BATCH];	  /* valid until done() */
	const struct colo_l4_layout *lays[RELEASE_BATCH]; /* valid until done() */
	struct colo_release_stats stats;
};

/* Where a VLAN tag sits in an Ethernet frame: after the two MAC addresses. */
#define COLO_VLAN_TAG_OFF 12
#define COLO_VLAN_TAG_LEN 4

/*
 * The tag VLAN offload kept in skb metadata at capture (COLO_REC_VLAN_META), which the frame
 * bytes lack, or NULL: release puts it back after the MAC addresses.
 */
const struct colo_vlan_tag *colo_release_meta_tag(const struct colo_rec *rec);

/*
 * Inserts rec's metadata tag into the frame of len bytes in buf (room bytes): returns the new
 * length, len without a metadata tag, or 0 when it does not fit.
 */
uint32_t colo_release_insert_tag(uint8_t *buf, uint32_t len, uint32_t room,
				 const struct colo_rec *rec);

#endif /* COLO_RELEASE_BACKEND_H */
