// SPDX-License-Identifier: GPL-2.0-only
/* Flow filters of `colo-xdp conns` (see flow_filter.h). */
#include <string.h>

#include "flow_filter.h"

#define TERM_MAX 64

/* Does term (n bytes) name flow token tok (m bytes) or a part of it? */
static bool token_match(const char *tok, size_t m, const char *term, size_t n)
{
	const char *colon = NULL, *p;
	size_t addr_len;

	if (tok[0] == '>')
		return false; /* the arrow between the endpoints is no term */
	if (n == m && !memcmp(tok, term, n))
		return true;
	for (p = tok; p < tok + m; p++)
		if (*p == ':')
			colon = p; /* the port follows the last colon */
	if (!colon)
		return false;
	/* Endpoint "addr:port" or "[v6]:port": match the address or the port alone. */
	addr_len = (size_t)(colon - tok);
	if (tok[0] == '[' && addr_len >= 2 && n == addr_len - 2 && !memcmp(tok + 1, term, n))
		return true;
	if (tok[0] != '[' && n == addr_len && !memcmp(tok, term, n))
		return true;
	if (term[0] == ':')
		return n == (size_t)(tok + m - colon) && !memcmp(colon, term, n);
	return n == (size_t)(tok + m - colon - 1) && !memcmp(colon + 1, term, n);
}

static bool term_match(const char *flow, const char *term, size_t n)
{
	const char *p = flow, *end;

	while (*p) {
		while (*p == ' ')
			p++;
		end = strchrnul(p, ' ');
		if (end > p && token_match(p, (size_t)(end - p), term, n))
			return true;
		p = end;
	}
	return false;
}

bool colo_flow_filter_match(const char *flow, const char *filter)
{
	const char *p = filter, *end;
	size_t n;

	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, " \t");
		n = (size_t)(end - p);
		if (n && (n > TERM_MAX || !term_match(flow, p, n)))
			return false;
		p = end;
	}
	return true;
}
