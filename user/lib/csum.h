/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Internet checksum (RFC 1071) for IPv4 headers and TCP/UDP/ICMP/ICMPv6 segments, shared by
 * the release path and the tests' frame builders.
 */
#ifndef COLO_CSUM_H
#define COLO_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds len bytes at p to a partial sum; the result stays partial (folded to 17 bits at most). */
uint32_t colo_csum_add(uint32_t sum, const uint8_t *p, size_t len);

/* Folds a partial sum to 16 bits (not complemented). */
uint16_t colo_csum_fold(uint32_t sum);

/*
 * Partial sum of the pseudo-header of an L4 segment of l4len bytes inside the IP packet at l3
 * (family 4 or 6). ICMPv4 has none: 0.
 */
uint32_t colo_csum_pseudo(const uint8_t *l3, int family, uint8_t proto, uint32_t l4len);

/* The checksum to store in the IPv4 header at ip (its checksum field read as zero). */
uint16_t colo_csum_ipv4(const uint8_t *ip);

/*
 * The checksum to store in the L4 header of the segment at l4 (l4len bytes, its checksum field
 * read as zero): complemented, and 0xffff for a UDP sum of zero.
 */
uint16_t colo_csum_l4(const uint8_t *l3, int family, uint8_t proto, const uint8_t *l4,
		      uint32_t l4len);

#endif /* COLO_CSUM_H */
