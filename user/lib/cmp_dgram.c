// SPDX-License-Identifier: GPL-2.0-only
/* Datagram comparison (see cmp_dgram.h): type/code, fragment position and payload must agree. */
#include <netinet/in.h>
#include <string.h>

#include "lib/cmp_dgram.h"

static void describe(struct cframe *f, const struct colo_frame_info *fi)
{
	f->kind = CF_DGRAM;
	f->pl = f->data + fi->payload_off;
	f->plen = fi->payload_len;
	if (fi->fragment) {
		f->aux = 1u << 31 | (uint32_t)fi->frag_more << 30 | fi->frag_off;
	} else if (fi->key.proto == IPPROTO_ICMP || fi->key.proto == IPPROTO_ICMPV6) {
		/* Type and code, then the rest of the header (identifier, sequence) and payload. */
		f->aux = (uint32_t)f->data[fi->l4_off] << 8 | f->data[fi->l4_off + 1];
		f->pl = f->data + fi->l4_off + 4;
		f->plen = fi->payload_len + 4;
	}
}

static bool equal(const struct cframe *a, const struct cframe *b)
{
	return a->aux == b->aux && a->plen == b->plen && !memcmp(a->pl, b->pl, a->plen);
}

void dgram_feed(struct colo_cmp *cmp, struct conn *c, struct cframe *f,
		const struct colo_frame_info *fi)
{
	int other = !f->side;
	struct cframe *o;

	describe(f, fi);
	if (f->side == SIDE_S && c->debt) {
		c->debt--;
		cmp_drop(cmp, f, COLO_DROP_COMMIT);
		return;
	}
	o = TAILQ_FIRST(&c->q[other]);
	if (o && !c->diverged) {
		if (equal(o, f)) {
			struct cframe *p = f->side == SIDE_P ? f : o,
				      *s = f->side == SIDE_P ? o : f;

			cmp->st.compared_bytes += f->plen;
			cmp_unhold(cmp, o);
			cmp_release(cmp, p);
			cmp_drop(cmp, s, COLO_DROP_COMPARED);
			return;
		}
		cmp_diverge(cmp, c, &(struct colo_cp_where){.side = SIDE_P}, f->time_ns);
	}
	if (cmp_queue_full(cmp, c, f) &&
	    cmp_over_limit(cmp, c, f, &(struct colo_cp_where){.side = f->side}))
		return;
	cmp_hold(cmp, f, NULL);
}

/* KEEP_STREAMS: the oldest secondary datagrams match the released primaries; extras stay. */
void dgram_commit(struct conn *c, bool keep)
{
	uint32_t p = c->nq[SIDE_P], s = c->nq[SIDE_S], extra;
	struct cframe *f;

	c->diverged = false;
	if (!keep) {
		c->debt = 0;
		return;
	}
	if (p > s) {
		c->debt += p - s;
		return;
	}
	extra = s - p;
	TAILQ_FOREACH_REVERSE(f, &c->q[SIDE_S], cframe_q, q)
	{
		if (!extra--)
			break;
		f->keep = 1;
	}
}
