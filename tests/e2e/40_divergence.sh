#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The secondary serves one different byte at offset K of a TCP download:
#   - the agent gets one CHECKPOINT_REQUEST, reason mismatch, for that flow, and the daemon logs
#     byte K as where the streams differ;
#   - a capture on the client side (tcpdump on its eth0, analysed by pcap_first_seen) shows the
#     identical prefix arriving before the agent's COMMIT, and no byte at or after K arriving
#     before the time the agent sent its COMMIT (its realtime_ns), but bytes at or after K
#     after it;
#   - after the COMMIT the download completes with the primary's bytes;
#   - with an agent that never answers, the capture shows nothing past K during the whole wait
#     (but the prefix), what the client holds is the primary's, and later triggers (compare
#     timeouts) do not send a second request.
# TAP output; needs root.
. "$(dirname "$0")/lib_dataplane.bash"

SIZE=4000000
K=1000000
PORT=5101

setup
servers "$PORT" "$SIZE" "$K"
check "colo-xdp run starts" start_daemon --shards 2 --compare-timeout 1000 || {
	show "$RUNLOG"
	exit 1
}
check "agent (delayed commit) connects" start_agent delay --delay-ms 2000 || show "$AGENTLOG"
"$SERVE" pattern --bytes "$SIZE" >"$WORK/want"

# prefix_ok FILE: what the client has is a prefix of the primary's stream.
prefix_ok() {
	cmp -s -n "$(stat -c %s "$1")" "$1" "$WORK/want"
}

check "capture on the client side starts" start_capture div || show "$WORK/div.tcpdump"
nsenter --net="/run/netns/${PFX}client" -- timeout 20 "$SERVE" fetch --connect "$SERVICE4" \
	--port "$PORT" --out "$WORK/div" >/dev/null &
FETCH=$!
PIDS+=($FETCH)
check "agent gets a checkpoint request" wait_for "$AGENTLOG" '"event":"request"' 10
check "request reason is mismatch, for the download's flow" \
	grep -qE '"event":"request".*"reason":"mismatch".*"flow":"tcp 10\.77\.0\.2:5101 > ' \
	"$AGENTLOG" || show "$AGENTLOG" 5
wait "$FETCH"
check "after COMMIT the download completes with the primary's bytes" cmp -s "$WORK/div" "$WORK/want"
check "capture complete: tcpdump exits 0, no packet dropped" stop_capture div ||
	show "$WORK/div.tcpdump" 5
commit=$(agent_sent_at commit)
prefix=$(first_seen div "$PORT" 0)
past=$(first_seen div "$PORT" "$K")
echo "# realtime ns: COMMIT sent ${commit:-never}, first payload byte ${prefix:-never}," \
	"byte >= $K ${past:-never}"
check "the agent logged when it sent COMMIT" [ -n "$commit" ]
check "capture: the identical prefix reached the client before the COMMIT" \
	earlier "$prefix" "$commit"
check "capture: bytes at or after byte $K reached the client" [ -n "$past" ]
check "capture: none of them before the agent sent COMMIT" earlier "$commit" "$past"
check "one checkpoint requested" [ "$(agent_requests)" -eq 1 ]
check "daemon logged the request at the first differing byte (at=$K)" \
	grep -qE "checkpoint 1 requested: reason=mismatch flow=tcp 10\.77\.0\.2:$PORT > \S+ side=primary at=$K " \
	"$RUNLOG" || grep -E 'checkpoint 1 requested' "$RUNLOG" | sed 's/^/# /'
check "daemon logged the commit" grep -qE 'checkpoint 1 committed after' "$RUNLOG"

stop_agent
check "agent that never answers connects" start_agent never || show "$AGENTLOG"
check "capture for the unanswered request starts" start_capture never ||
	show "$WORK/never.tcpdump"
nsenter --net="/run/netns/${PFX}client" -- timeout 20 "$SERVE" fetch --connect "$SERVICE4" \
	--port "$PORT" --out "$WORK/never" >/dev/null &
FETCH=$!
PIDS+=($FETCH)
check "agent gets the request" wait_for "$AGENTLOG" '"event":"request".*"reason":"mismatch"' 10
sleep 3
kill "$FETCH" 2>/dev/null
wait "$FETCH" 2>/dev/null
check "capture complete: tcpdump exits 0, no packet dropped" stop_capture never ||
	show "$WORK/never.tcpdump" 5
check "capture: the identical prefix reached the client" [ -n "$(first_seen never "$PORT" 0)" ]
past=$(first_seen never "$PORT" "$K")
rc=$?
check "capture: unanswered for 3 s, no byte at or after $K reached the client" [ "$rc" -eq 1 ] ||
	echo "# first seen at $past (status $rc)"
check "what the client holds ($(stat -c %s "$WORK/never") bytes) is the primary's" \
	prefix_ok "$WORK/never"
check "compare timeouts while waiting send no second request" [ "$(agent_requests)" -eq 1 ]
check "SIGTERM: daemon exits 0 with output still held" stop_daemon || show "$RUNLOG"
check "instance detached and unpinned" [ ! -e "$PIN" ]
grep -E 'colo-xdp: (checkpoint|final)' "$RUNLOG" | sed 's/^/# /'
finish
