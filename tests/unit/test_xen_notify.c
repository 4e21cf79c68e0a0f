// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the Xen COLO notify framing (user/lib/xen_notify.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/xen_notify.h"

static void test_encode_bytes(void **state)
{
	uint8_t buf[64];

	(void)state;
	assert_int_equal(xen_notify_encode(XEN_NOTIFY_DO, buf, sizeof(buf)), 17);
	assert_memory_equal(buf,
			    "\x00\x00\x00\x0d"
			    "DO_CHECKPOINT",
			    17);
	assert_int_equal(xen_notify_encode(XEN_NOTIFY_DO, buf, 16), -ENOSPC);
}

/* Three messages (one empty) split at every possible point decode the same. */
static void test_decode_any_chunking(void **state)
{
	uint8_t stream[128];
	struct xen_notify_dec d;
	size_t len = 0, chunk, off, used, got;
	static const char *const want[] = {XEN_NOTIFY_INIT, "", XEN_NOTIFY_CHECKPOINT};
	int r;

	(void)state;
	len += (size_t)xen_notify_encode(want[0], stream + len, sizeof(stream) - len);
	len += (size_t)xen_notify_encode(want[1], stream + len, sizeof(stream) - len);
	len += (size_t)xen_notify_encode(want[2], stream + len, sizeof(stream) - len);
	for (chunk = 1; chunk <= len; chunk++) {
		xen_notify_dec_init(&d);
		got = 0;
		for (off = 0; off < len;) {
			size_t n = chunk < len - off ? chunk : len - off, at = 0;

			while (at < n) {
				r = xen_notify_feed(&d, stream + off + at, n - at, &used);
				at += used;
				if (r == 1) {
					assert_true(got < 3);
					assert_int_equal(d.len, strlen(want[got]));
					assert_string_equal(d.text, want[got]);
					got++;
				} else {
					assert_int_equal(r, 0);
				}
			}
			off += n;
		}
		assert_int_equal(got, 3);
	}
}

static void test_kinds_exact(void **state)
{
	(void)state;
	assert_int_equal(xen_notify_kind("COLO_USERSPACE_PROXY_INIT", 25), XEN_NOTIFY_MSG_INIT);
	assert_int_equal(xen_notify_kind("COLO_CHECKPOINT", 15), XEN_NOTIFY_MSG_CHECKPOINT);
	assert_int_equal(xen_notify_kind("COLO_CHECKPOINTX", 16), XEN_NOTIFY_UNKNOWN);
	assert_int_equal(xen_notify_kind("COLO_CHECKPOIN", 14), XEN_NOTIFY_UNKNOWN);
	assert_int_equal(xen_notify_kind("", 0), XEN_NOTIFY_UNKNOWN);
}

static void test_oversized_refused(void **state)
{
	static const uint8_t hdr[] = {0x00, 0x00, 0x01, 0x01}; /* 257 bytes */
	struct xen_notify_dec d;
	size_t used;

	(void)state;
	xen_notify_dec_init(&d);
	assert_int_equal(xen_notify_feed(&d, hdr, sizeof(hdr), &used), -EMSGSIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_bytes),
		cmocka_unit_test(test_decode_any_chunking),
		cmocka_unit_test(test_kinds_exact),
		cmocka_unit_test(test_oversized_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
