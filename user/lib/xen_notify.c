// SPDX-License-Identifier: GPL-2.0-only
/* Xen COLO notify framing (see lib/xen_notify.h). */
#include <errno.h>
#include <string.h>

#include "lib/xen_notify.h"

void xen_notify_dec_init(struct xen_notify_dec *d)
{
	memset(d, 0, sizeof(*d));
}

int xen_notify_feed(struct xen_notify_dec *d, const void *data, size_t len, size_t *used)
{
	const uint8_t *in = data;
	size_t take;

	*used = 0;
	while (*used < len) {
		if (d->have_hdr < 4) {
			d->hdr[d->have_hdr++] = in[(*used)++];
			if (d->have_hdr < 4)
				continue;
			d->len = (uint32_t)d->hdr[0] << 24 | (uint32_t)d->hdr[1] << 16 |
				 (uint32_t)d->hdr[2] << 8 | d->hdr[3];
			if (d->len > XEN_NOTIFY_MAX)
				return -EMSGSIZE;
			d->have = 0;
			if (!d->len) {
				d->text[0] = '\0';
				d->have_hdr = 0;
				return 1;
			}
		}
		take = d->len - d->have < len - *used ? d->len - d->have : len - *used;
		memcpy(d->text + d->have, in + *used, take);
		d->have += take;
		*used += take;
		if (d->have == d->len) {
			d->text[d->len] = '\0';
			d->have_hdr = 0;
			return 1;
		}
	}
	return 0;
}

static int is(const char *text, size_t len, const char *what)
{
	return len == strlen(what) && !memcmp(text, what, len);
}

enum xen_notify_kind xen_notify_kind(const char *text, size_t len)
{
	if (is(text, len, XEN_NOTIFY_INIT))
		return XEN_NOTIFY_MSG_INIT;
	if (is(text, len, XEN_NOTIFY_CHECKPOINT))
		return XEN_NOTIFY_MSG_CHECKPOINT;
	return XEN_NOTIFY_UNKNOWN;
}

int xen_notify_encode(const char *text, uint8_t *buf, size_t cap)
{
	size_t n = strlen(text);

	if (n > XEN_NOTIFY_MAX || cap < n + 4)
		return -ENOSPC;
	buf[0] = (uint8_t)(n >> 24);
	buf[1] = (uint8_t)(n >> 16);
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
	memcpy(buf + 4, text, n);
	return (int)(n + 4);
}
