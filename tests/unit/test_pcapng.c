// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the pcapng writer (user/lib/pcapng.c): block framing byte by byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/pcapng.h"

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Walks the blocks: each one's leading and trailing lengths agree and are multiples of 4. */
static unsigned int walk(const uint8_t *b, size_t len, uint32_t *types, unsigned int max)
{
	unsigned int n = 0;
	size_t off = 0;
	uint32_t blen;

	while (off < len) {
		assert_true(off + 12 <= len);
		blen = u32(b + off + 4);
		assert_int_equal(blen % 4, 0);
		assert_true(off + blen <= len);
		assert_int_equal(u32(b + off + blen - 4), blen);
		if (n < max)
			types[n] = u32(b + off);
		n++;
		off += blen;
	}
	return n;
}

static void test_section_and_packets(void **state)
{
	static const char *const names[] = {"primary", "secondary"};
	uint8_t frame[61];
	uint32_t types[8];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	memset(frame, 0xab, sizeof(frame));
	assert_int_equal(colo_pcapng_section(f, "head", names, 2, 65535), 0);
	assert_int_equal(colo_pcapng_packet(f, 1, 0x123456789ull, frame, sizeof(frame), "c"), 0);
	assert_int_equal(colo_pcapng_packet(f, 0, 5, frame, 3, NULL), 0);
	fclose(f);
	assert_int_equal(walk((uint8_t *)buf, len, types, 8), 5);
	assert_int_equal(types[0], 0x0A0D0D0A);
	assert_int_equal(types[1], 1);
	assert_int_equal(types[2], 1);
	assert_int_equal(types[3], 6);
	assert_int_equal(types[4], 6);
	/* Byte-order magic; the first IDB names "primary" with link type Ethernet. */
	assert_int_equal(u32((uint8_t *)buf + 8), 0x1A2B3C4D);
	/* SHB: 24 bytes + comment option (4 + 4) + end (4) + length (4). */
	assert_int_equal(u32((uint8_t *)buf + 4), 40);
	assert_non_null(memmem(buf, len, "primary", 7));
	assert_non_null(memmem(buf, len, "secondary", 9));
	free(buf);
}

static void test_packet_block(void **state)
{
	const uint8_t frame[5] = {1, 2, 3, 4, 5};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const uint8_t *b;

	(void)state;
	assert_int_equal(colo_pcapng_packet(f, 1, (7ull << 32) | 9, frame, 5, "hello"), 0);
	fclose(f);
	b = (const uint8_t *)buf;
	/* 28 + data 8 + comment (4 + 8) + end 4 + length 4 */
	assert_int_equal(len, 56);
	assert_int_equal(u32(b + 4), 56);
	assert_int_equal(u32(b + 8), 1);  /* interface */
	assert_int_equal(u32(b + 12), 7); /* timestamp high */
	assert_int_equal(u32(b + 16), 9); /* and low */
	assert_int_equal(u32(b + 20), 5); /* captured */
	assert_int_equal(u32(b + 24), 5); /* original */
	assert_memory_equal(b + 28, frame, 5);
	assert_int_equal(b[33] | b[34] | b[35], 0); /* padding */
	assert_int_equal(b[36] | b[37] << 8, 1);    /* opt_comment */
	assert_int_equal(b[38] | b[39] << 8, 5);
	assert_memory_equal(b + 40, "hello", 5);
	assert_int_equal(u32(b + 48), 0); /* opt_endofopt */
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_section_and_packets),
		cmocka_unit_test(test_packet_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
