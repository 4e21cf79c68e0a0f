#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# FAILOVER during a transfer: the secondary diverges at byte K, the agent answers the request
# with FAILOVER. The held output is released, the kernel sends the primary's output straight
# out (config flag), the transfer completes with the primary's bytes; with the secondary's
# server gone, a new download is served by the primary alone.
# TAP output; needs root.
. "$(dirname "$0")/lib_dataplane.bash"

SIZE=8000000
K=2000000
PORT=5201

setup
servers "$PORT" "$SIZE" "$K"
check "colo-xdp run starts" start_daemon --shards 2 || { show "$RUNLOG"; exit 1; }
check "agent (failover mode) connects" start_agent failover || show "$AGENTLOG"
"$SERVE" pattern --bytes "$SIZE" >"$WORK/want"

timeout 20 nsenter --net="/run/netns/${PFX}client" -- "$SERVE" fetch --connect "$SERVICE4" \
	--port "$PORT" --out "$WORK/fo" >/dev/null
check "transfer across the failover completes with the primary's bytes" \
	cmp -s "$WORK/fo" "$WORK/want"
check "agent got a mismatch request and declared failover" \
	grep -q '"type":"failover"' "$AGENTLOG" || show "$AGENTLOG" 5
check "daemon logged the failover" wait_for "$RUNLOG" 'colo-xdp: failover' 5
failover_flag() {
	ns proxy bpftool map dump pinned "$PIN/colo_config" -j 2>/dev/null |
		grep -qE '"flags": *(1|3)[,}]'
}
check "config map has the failover flag" failover_flag

# The secondary is lost: its server goes away; the primary alone serves a new download.
kill "$SECONDARY_SERVER" 2>/dev/null
timeout 20 nsenter --net="/run/netns/${PFX}client" -- "$SERVE" fetch --connect "$SERVICE6" \
	--port "$PORT" --out "$WORK/after" >/dev/null
check "after failover, a new IPv6 download comes from the primary alone" \
	cmp -s "$WORK/after" "$WORK/want"
check "one checkpoint request only" [ "$(agent_requests)" -eq 1 ]
check "SIGTERM: daemon exits 0" stop_daemon || show "$RUNLOG"
check "instance detached and unpinned" [ ! -e "$PIN" ]
sed 's/^/# /' "$RUNLOG"
finish
