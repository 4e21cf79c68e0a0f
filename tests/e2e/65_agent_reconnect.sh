#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The agent comes back by itself after a daemon restart (issue 13 item 4): a TCP download is
# held at a divergence (byte K); the reference agent began the checkpoint but has not committed
# it when the daemon is killed (SIGKILL: the instance stays pinned, replica output is dropped).
# The same agent process notices, reconnects with backoff, and when the daemon is started again
# it connects to the new run by itself; the new run's checkpoint request (its comparison starts
# afresh on the retransmissions) is committed by it and the download completes with the
# primary's bytes. No byte at or after K reaches the client before that COMMIT.
# TAP output; needs root.
. "$(dirname "$0")/lib_dataplane.bash"

SIZE=3000000
K=1000000
PORT=5365

# wait_connections N SECONDS: the agent logged its Nth connection.
wait_connections() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		[ "$(grep -c '"event":"connected"' "$AGENTLOG")" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

no_commit_yet() {
	! grep -q '"type":"commit"' "$AGENTLOG"
}

setup
servers "$PORT" "$SIZE" "$K"
check "colo-xdp run starts" start_daemon --compare-timeout 300 || {
	show "$RUNLOG"
	exit 1
}
check "agent (commit 3 s after BEGIN, reconnecting for 30 s) connects" \
	start_agent delay --delay-ms 3000 --connect-timeout-ms 30000 || show "$AGENTLOG"
"$SERVE" pattern --bytes "$SIZE" >"$WORK/want"
nsenter --net="/run/netns/${PFX}client" -- timeout 40 "$SERVE" fetch --connect "$SERVICE4" \
	--port "$PORT" --out "$WORK/rc" >/dev/null &
FETCH=$!
PIDS+=($FETCH)
check "checkpoint begun for the divergence" \
	wait_for "$AGENTLOG" '"event":"sent","type":"begin"' 10 || show "$AGENTLOG"
kill -KILL "$DAEMON"
wait "$DAEMON" 2>/dev/null
DAEMON=
check "the agent sees the daemon go and reconnects" \
	wait_for "$AGENTLOG" '"event":"reconnecting"' 5 || show "$AGENTLOG"
sleep 1
held=$(stat -c %s "$WORK/rc" 2>/dev/null || echo 0)
check "no daemon: the client holds no byte at or after $K ($held)" [ "$held" -le "$K" ]
check "no COMMIT was sent before the restart" no_commit_yet

check "restart on the pinned instance" start_daemon --compare-timeout 300 || show "$RUNLOG"
check "the same agent process connects to the new run by itself" wait_connections 2 10 ||
	show "$AGENTLOG"
check "... it is still the first agent process (pid $AGENT_PID)" kill -0 "$AGENT_PID"
wait "$FETCH"
check "the new run's checkpoint commits and the download completes with the primary's bytes" \
	cmp -s "$WORK/rc" "$WORK/want" || echo "# got $(stat -c %s "$WORK/rc") of $SIZE bytes"
check "the agent committed a request of the new run" \
	grep -q '"event":"sent","type":"commit"' "$AGENTLOG" || show "$AGENTLOG"
check "SIGTERM: daemon exits 0" stop_daemon || show "$RUNLOG"
stop_agent
check "instance detached and unpinned" [ ! -e "$PIN" ]
grep -E '"event":"(connected|closed|reconnecting|request)"' "$AGENTLOG" | head -n 8 | sed 's/^/# /'
finish
