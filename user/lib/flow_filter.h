/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `colo-xdp conns --flow FILTER`: FILTER is whitespace-separated terms, all of which must match
 * the flow as colo_flow_format() prints it ("tcp 10.0.0.1:80 > 10.0.0.2:40000"). A term matches
 * the protocol ("tcp"), an endpoint ("10.0.0.1:80", "[fd00::1]:80"), an address ("10.0.0.1",
 * "fd00::1") or a port (":80" or "80"). Pure logic.
 */
#ifndef COLO_FLOW_FILTER_H
#define COLO_FLOW_FILTER_H

#include <stdbool.h>

bool colo_flow_filter_match(const char *flow, const char *filter);

#endif /* COLO_FLOW_FILTER_H */
