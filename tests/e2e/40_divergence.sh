#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The secondary serves one different byte at offset K of a TCP download:
#   - the agent gets one CHECKPOINT_REQUEST, reason mismatch, for that flow;
#   - while the agent delays its COMMIT, the client holds no byte at or after K, and what it
#     holds is the primary's;
#   - after the COMMIT the download completes with the primary's bytes;
#   - with an agent that never answers, the client gets nothing past K during the wait, and
#     later triggers (compare timeouts) do not send a second request.
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

# watch_held OUT: samples the client's byte count until the agent sends its COMMIT (or 4 s);
# prints the largest count seen before the COMMIT.
watch_held() {
	local max=0 size i
	for ((i = 0; i < 80; i++)); do
		size=$(stat -c %s "$1" 2>/dev/null || echo 0)
		grep -q '"type":"commit"' "$AGENTLOG" && break
		[ "$size" -gt "$max" ] && max=$size
		sleep 0.05
	done
	echo "$max"
}

# prefix_ok FILE: what the client has is a prefix of the primary's stream.
prefix_ok() {
	cmp -s -n "$(stat -c %s "$1")" "$1" "$WORK/want"
}

nsenter --net="/run/netns/${PFX}client" -- timeout 20 "$SERVE" fetch --connect "$SERVICE4" \
	--port "$PORT" --out "$WORK/div" >/dev/null &
FETCH=$!
PIDS+=($FETCH)
check "agent gets a checkpoint request" wait_for "$AGENTLOG" '"event":"request"' 10
check "request reason is mismatch, for the download's flow" \
	grep -qE '"event":"request".*"reason":"mismatch".*"flow":"tcp 10\.77\.0\.2:5101 > ' \
	"$AGENTLOG" || show "$AGENTLOG" 5
held=$(watch_held "$WORK/div")
check "before COMMIT the client held $held bytes: none at or after byte $K" [ "$held" -le "$K" ]
check "what the client held before COMMIT is the primary's" prefix_ok "$WORK/div"
wait "$FETCH"
check "after COMMIT the download completes with the primary's bytes" cmp -s "$WORK/div" "$WORK/want"
check "one checkpoint requested" [ "$(agent_requests)" -eq 1 ]
check "daemon logged the request and the commit" \
	grep -qE 'checkpoint 1 requested: reason=mismatch' "$RUNLOG"

stop_agent
check "agent that never answers connects" start_agent never || show "$AGENTLOG"
nsenter --net="/run/netns/${PFX}client" -- timeout 20 "$SERVE" fetch --connect "$SERVICE4" \
	--port "$PORT" --out "$WORK/never" >/dev/null &
FETCH=$!
PIDS+=($FETCH)
check "agent gets the request" wait_for "$AGENTLOG" '"event":"request".*"reason":"mismatch"' 10
max=0
for ((i = 0; i < 30; i++)); do
	size=$(stat -c %s "$WORK/never" 2>/dev/null || echo 0)
	[ "$size" -gt "$max" ] && max=$size
	sleep 0.1
done
check "unanswered for 3 s: the client held $max bytes, none at or after byte $K" [ "$max" -le "$K" ]
check "and they are the primary's" prefix_ok "$WORK/never"
check "compare timeouts while waiting send no second request" [ "$(agent_requests)" -eq 1 ]
kill "$FETCH" 2>/dev/null
check "SIGTERM: daemon exits 0 with output still held" stop_daemon || show "$RUNLOG"
check "instance detached and unpinned" [ ! -e "$PIN" ]
grep -E 'colo-xdp: (checkpoint|final)' "$RUNLOG" | sed 's/^/# /'
finish
