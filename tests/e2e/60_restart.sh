#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# SIGKILL of the daemon mid-transfer, then a restart on the same instance: the pinned maps and
# programs stay (while no daemon runs, replica output is dropped, nothing leaks), the new run
# reattaches to them, and the transfer completes with the primary's bytes.
# The transfer is held mid-way by a divergence (at byte K) the agent does not answer before the
# kill. A capture on the client side shows the identical prefix arriving before the kill and no
# byte at or after K arriving before the new run's agent sent its first COMMIT: nothing
# uncompared reached the client while no daemon ran, nor when the new one started.
# Then --keep: a SIGTERM that leaves the instance attached and pinned for the next run.
# TAP output; needs root.
. "$(dirname "$0")/lib_dataplane.bash"

SIZE=3000000
K=1000000
PORT=5301

setup
servers "$PORT" "$SIZE" "$K"
check "colo-xdp run starts" start_daemon --shards 2 --compare-timeout 300 || {
	show "$RUNLOG"
	exit 1
}
check "agent that never answers connects" start_agent never || show "$AGENTLOG"
"$SERVE" pattern --bytes "$SIZE" >"$WORK/want"

check "capture on the client side starts" start_capture rs || show "$WORK/rs.tcpdump"
nsenter --net="/run/netns/${PFX}client" -- timeout 30 "$SERVE" fetch --connect "$SERVICE4" \
	--port "$PORT" --out "$WORK/rs" >/dev/null &
FETCH=$!
PIDS+=($FETCH)
check "transfer held at the divergence (request sent)" \
	wait_for "$AGENTLOG" '"event":"request".*"reason":"mismatch"' 10
killed=${EPOCHREALTIME//[.,]/}000 # CLOCK_REALTIME, in ns like the capture's timestamps
kill -KILL "$DAEMON"
wait "$DAEMON" 2>/dev/null
stop_agent
check "after SIGKILL the instance stays pinned" [ -d "$PIN" ]
sleep 1
held=$(stat -c %s "$WORK/rs" 2>/dev/null || echo 0)
check "no daemon: the client still holds no byte at or after $K ($held)" [ "$held" -le "$K" ]

cp "$RUNLOG" "$WORK/run1.log"
check "restart on the pinned instance" start_daemon --shards 2 --compare-timeout 300 ||
	show "$RUNLOG"
check "restart reused the previous run's attachments" \
	grep -q 'already attached as outside (previous run)' "$RUNLOG"
check "agent (commit) connects to the new run" start_agent commit || show "$AGENTLOG"
wait "$FETCH"
check "transfer completes with the primary's bytes" cmp -s "$WORK/rs" "$WORK/want" ||
	echo "# got $(stat -c %s "$WORK/rs") of $SIZE bytes"
check "capture complete: tcpdump exits 0, no packet dropped" stop_capture rs ||
	show "$WORK/rs.tcpdump" 5
commit=$(agent_sent_at commit)
prefix=$(first_seen rs "$PORT" 0)
past=$(first_seen rs "$PORT" "$K")
echo "# realtime ns: SIGKILL $killed, new run's first COMMIT ${commit:-never}," \
	"first payload byte ${prefix:-never}, byte >= $K ${past:-never}"
check "capture: the identical prefix reached the client before the SIGKILL" \
	earlier "$prefix" "$killed"
check "capture: bytes at or after byte $K reached the client" [ -n "$past" ]
check "capture: none before the new run's agent sent its first COMMIT (none uncompared)" \
	earlier "$commit" "$past"
check "SIGTERM: daemon exits 0" stop_daemon || show "$RUNLOG"
check "instance detached and unpinned" [ ! -e "$PIN" ]

# --keep: SIGTERM leaves the instance attached and pinned for the next run.
check "run --keep starts" start_daemon --shards 2 --keep || show "$RUNLOG"
check "SIGTERM with --keep: exits 0" stop_daemon
check "--keep: instance still pinned" [ -d "$PIN" ]
check "--keep: capture still attached on the primary port" \
	[ -n "$(ns proxy tc filter show dev primary ingress)" ]
check "next run reuses it" start_daemon --shards 2 || show "$RUNLOG"
check "... as a previous run's attachment" grep -q 'already attached as primary' "$RUNLOG"
check "SIGTERM without --keep: exits 0" stop_daemon
check "instance detached and unpinned at last" [ ! -e "$PIN" ]
grep -E 'colo-xdp: (already|checkpoint .* requested|final)|attached' "$RUNLOG" | head -n 8 |
	sed 's/^/# /'
finish
