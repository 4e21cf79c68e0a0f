/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `conns` reply of the control protocol: one object per connection, the comparator's view
 * (held frames, compare position, checkpoints caused) joined with the kernel's conntrack entry
 * (TCP state per side, packets, last seen). Without a daemon, the conntrack map alone.
 */
#ifndef COLO_CONNS_H
#define COLO_CONNS_H

#include <jansson.h>

#include "coord.h"

/* How long colo_conns_json waits for each worker's snapshot. */
#define COLO_CONNS_WAIT_MS 1000
/*
 * Connections one reply lists at most: an entry takes up to ~480 bytes of JSON, and a reply
 * line must stay within COLO_CTL_REPLY_MAX (16 MiB). The others are counted in "omitted".
 */
#define COLO_CONNS_REPLY_MAX 30000

/* {"daemon":true,"conns":[...],"omitted":n}; NULL with errno set when a worker did not answer. */
json_t *colo_conns_json(const struct colo_coord *co);

/* {"daemon":false,"conns":[...]} from the pinned conntrack map; NULL with errno on failure. */
json_t *colo_conns_offline_json(const struct colo_instance *inst);

#endif /* COLO_CONNS_H */
