/* SPDX-License-Identifier: GPL-2.0-only */
/* Introspection of the comparator for its unit tests and fuzzer; the product does not use it. */
#ifndef COLO_COMPARE_TEST_H
#define COLO_COMPARE_TEST_H

#include "lib/compare.h"

/* True while a checkpoint request is outstanding. */
bool colo_cmp_checkpoint_pending(const struct colo_cmp *cmp);

#endif /* COLO_COMPARE_TEST_H */
