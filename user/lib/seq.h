/* SPDX-License-Identifier: GPL-2.0-only */
/* TCP sequence-number arithmetic: comparisons modulo 2^32 (RFC 793's "<" on sequence space). */
#ifndef COLO_SEQ_H
#define COLO_SEQ_H

#include <stdbool.h>
#include <stdint.h>

static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static inline uint32_t seq_min(uint32_t a, uint32_t b)
{
	return seq_lt(a, b) ? a : b;
}

#endif /* COLO_SEQ_H */
