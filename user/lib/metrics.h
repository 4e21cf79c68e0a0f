/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Prometheus text exposition (format 0.0.4) of a `stats` reply (docs/control-protocol.md):
 * counters end in _total, gauges do not, delays are histograms in seconds. Every sample has
 * the label instance="NAME". README lists the names. Pure logic.
 */
#ifndef COLO_METRICS_H
#define COLO_METRICS_H

#include <jansson.h>
#include <stdio.h>

/* Writes the metrics of stats (daemon or offline reply) to f; -1 when a write failed. */
int colo_metrics_write(FILE *f, const json_t *stats);

#endif /* COLO_METRICS_H */
