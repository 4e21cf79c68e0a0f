// SPDX-License-Identifier: GPL-2.0-only
/* The Internet checksum (see csum.h). */
#include <netinet/in.h>

#include "lib/bytes.h"
#include "lib/csum.h"

uint32_t colo_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += be16_get(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	/* Fold early so long buffers cannot overflow. */
	return (sum & 0xffff) + (sum >> 16);
}

uint16_t colo_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint32_t colo_csum_pseudo(const uint8_t *l3, int family, uint8_t proto, uint32_t l4len)
{
	uint32_t sum = proto;

	if (family == 4 && proto == IPPROTO_ICMP)
		return 0;
	if (family == 4)
		sum = colo_csum_add(sum, l3 + 12, 8);
	else
		sum = colo_csum_add(sum, l3 + 8, 32);
	return sum + (l4len & 0xffff) + (l4len >> 16);
}

uint16_t colo_csum_ipv4(const uint8_t *ip)
{
	uint32_t ihl = (ip[0] & 0xf) * 4u;
	uint32_t sum = colo_csum_add(0, ip, 10);

	return (uint16_t)~colo_csum_fold(colo_csum_add(sum, ip + 12, ihl - 12));
}

uint16_t colo_csum_l4(const uint8_t *l3, int family, uint8_t proto, const uint8_t *l4,
		      uint32_t l4len)
{
	uint32_t sum = colo_csum_pseudo(l3, family, proto, l4len);
	uint16_t field = proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
	uint16_t c;

	/* The bytes around the checksum field, as if it were zero. */
	sum = colo_csum_add(sum, l4, field);
	sum = colo_csum_add(sum, l4 + field + 2, l4len - field - 2);
	c = (uint16_t)~colo_csum_fold(sum);
	return proto == IPPROTO_UDP && c == 0 ? 0xffff : c;
}
