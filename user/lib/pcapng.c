// SPDX-License-Identifier: GPL-2.0-only
/* pcapng blocks (see pcapng.h). */
#include <string.h>

#include "pcapng.h"

#define BT_SHB	    0x0A0D0D0Au
#define BT_IDB	    0x00000001u
#define BT_EPB	    0x00000006u
#define BOM	    0x1A2B3C4Du
#define LINK_ETHER  1
#define OPT_END	    0
#define OPT_COMMENT 1
#define OPT_IF_NAME 2
#define OPT_TSRESOL 9

static uint32_t pad4(size_t n)
{
	return (uint32_t)((n + 3) & ~(size_t)3);
}

/* Bytes an option of len value bytes takes. */
static uint32_t opt_size(size_t len)
{
	return 4 + pad4(len);
}

static int put(FILE *f, const void *p, size_t n)
{
	return !n || fwrite(p, 1, n, f) == n ? 0 : -1;
}

static int put32(FILE *f, uint32_t v)
{
	return put(f, &v, sizeof(v));
}

static int put_pad(FILE *f, size_t n)
{
	static const uint8_t zero[4];

	return put(f, zero, pad4(n) - n);
}

static int put_opt(FILE *f, uint16_t code, const void *v, size_t len)
{
	uint16_t hdr[2] = {code, (uint16_t)len};

	return put(f, hdr, sizeof(hdr)) || put(f, v, len) || put_pad(f, len);
}

/* Option values are at most 65535 bytes: longer comments are cut. */
static size_t opt_len(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 65532 ? 65532 : n;
}

int colo_pcapng_section(FILE *f, const char *comment, const char *const *ifnames, unsigned int nif,
			uint32_t snaplen)
{
	size_t clen = opt_len(comment), nlen;
	uint32_t total = 28 + (clen ? opt_size(clen) : 0) + 4;
	uint16_t version[2] = {1, 0};
	int64_t section_len = -1; /* not given */
	uint16_t link[2] = {LINK_ETHER, 0};
	uint8_t tsresol = 9; /* 10^-9 s */
	unsigned int i;
	int r;

	r = put32(f, BT_SHB) || put32(f, total) || put32(f, BOM) ||
	    put(f, version, sizeof(version)) || put(f, &section_len, sizeof(section_len));
	if (clen)
		r = r || put_opt(f, OPT_COMMENT, comment, clen);
	r = r || put_opt(f, OPT_END, NULL, 0) || put32(f, total);
	for (i = 0; i < nif && !r; i++) {
		nlen = opt_len(ifnames[i]);
		total = 20 + opt_size(nlen) + opt_size(1) + 4;
		r = put32(f, BT_IDB) || put32(f, total) || put(f, link, sizeof(link)) ||
		    put32(f, snaplen) || put_opt(f, OPT_IF_NAME, ifnames[i], nlen) ||
		    put_opt(f, OPT_TSRESOL, &tsresol, 1) || put_opt(f, OPT_END, NULL, 0) ||
		    put32(f, total);
	}
	return r ? -1 : 0;
}

int colo_pcapng_packet(FILE *f, uint32_t ifid, uint64_t ts_ns, const uint8_t *data, uint32_t len,
		       const char *comment)
{
	size_t clen = opt_len(comment);
	uint32_t total = 28 + pad4(len) + (clen ? opt_size(clen) + 4 : 0) + 4;
	int r;

	r = put32(f, BT_EPB) || put32(f, total) || put32(f, ifid) ||
	    put32(f, (uint32_t)(ts_ns >> 32)) || put32(f, (uint32_t)ts_ns) || put32(f, len) ||
	    put32(f, len) || put(f, data, len) || put_pad(f, len);
	if (clen)
		r = r || put_opt(f, OPT_COMMENT, comment, clen) || put_opt(f, OPT_END, NULL, 0);
	r = r || put32(f, total);
	return r ? -1 : 0;
}
