// SPDX-License-Identifier: GPL-2.0-only
/*
 * Release path (see release.h): the batch of matched frames, handed to one backend through
 * struct colo_release_ops (release_afpacket.c, release_afxdp.c).
 */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "release_backend.h"

static const struct colo_release_ops *const backends[] = {
	[COLO_RELEASE_AFPACKET] = &colo_release_afpacket_ops,
	[COLO_RELEASE_AFXDP] = &colo_release_afxdp_ops,
};

static const struct colo_release_ops *backend_of(enum colo_release_mode mode)
{
	if ((unsigned int)mode >= sizeof(backends) / sizeof(backends[0]))
		return backends[COLO_RELEASE_AFPACKET];
	return backends[mode];
}

const struct colo_enum_name colo_release_mode_names[] = {
	{"afpacket", COLO_RELEASE_AFPACKET},
	{"afxdp", COLO_RELEASE_AFXDP},
	{NULL, 0},
};

const char *colo_release_mode_name(enum colo_release_mode mode)
{
	return colo_enum_name(colo_release_mode_names, mode);
}

/* The interface's MTU, or 1500 when it cannot be read. */
static uint32_t iface_mtu(int ifindex)
{
	struct ifreq ifr = {};
	int fd, r = -1;

	if (!if_indextoname(ifindex, ifr.ifr_name))
		return 1500;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		r = ioctl(fd, SIOCGIFMTU, &ifr);
		close(fd);
	}
	return r || ifr.ifr_mtu < 576 ? 1500 : (uint32_t)ifr.ifr_mtu;
}

struct colo_release *colo_release_open(enum colo_release_mode mode, int ifindex,
				       unsigned int queue_id, colo_release_done_fn done, void *ctx,
				       char *err, size_t errlen)
{
	struct colo_release *rel = calloc(1, sizeof(*rel));

	if (!rel) {
		snprintf(err, errlen, "release: out of memory");
		return NULL;
	}
	rel->ops = backend_of(mode);
	rel->mtu = iface_mtu(ifindex);
	rel->done = done;
	rel->ctx = ctx;
	if (rel->ops->open(rel, ifindex, queue_id, err, errlen)) {
		free(rel);
		return NULL;
	}
	return rel;
}

void colo_release_flush(struct colo_release *rel)
{
	uint32_t i;

	if (!rel->n)
		return;
	rel->ops->flush(rel);
	rel->stats.batches++;
	for (i = 0; i < rel->n; i++)
		rel->done(rel->ctx, rel->cookies[i]);
	rel->n = 0;
}

void colo_release_add(struct colo_release *rel, uint8_t *frame, uint32_t len,
		      const struct colo_rec *rec, const struct colo_l4_layout *lay, void *cookie)
{
	rel->frames[rel->n] = frame;
	rel->lens[rel->n] = len;
	rel->recs[rel->n] = rec;
	rel->lays[rel->n] = lay;
	rel->cookies[rel->n] = cookie;
	if (++rel->n == RELEASE_BATCH)
		colo_release_flush(rel);
}

void colo_release_close(struct colo_release *rel)
{
	if (!rel)
		return;
	colo_release_flush(rel);
	rel->ops->close(rel);
	free(rel);
}

void colo_release_get_stats(const struct colo_release *rel, struct colo_release_stats *stats)
{
	*stats = rel->stats;
}

const struct colo_vlan_tag *colo_release_meta_tag(const struct colo_rec *rec)
{
	return rec && rec->flags & COLO_REC_VLAN_META ? &rec->vlan[0] : NULL;
}

uint32_t colo_release_insert_tag(uint8_t *buf, uint32_t len, uint32_t room,
				 const struct colo_rec *rec)
{
	const struct colo_vlan_tag *tag = colo_release_meta_tag(rec);

	if (!tag)
		return len;
	if (len < COLO_VLAN_TAG_OFF || len + COLO_VLAN_TAG_LEN > room)
		return 0;
	memmove(buf + COLO_VLAN_TAG_OFF + COLO_VLAN_TAG_LEN, buf + COLO_VLAN_TAG_OFF,
		len - COLO_VLAN_TAG_OFF);
	memcpy(buf + COLO_VLAN_TAG_OFF, tag, COLO_VLAN_TAG_LEN);
	return len + COLO_VLAN_TAG_LEN;
}

uint32_t colo_release_mtu(const struct colo_release *rel)
{
	return rel->mtu;
}
