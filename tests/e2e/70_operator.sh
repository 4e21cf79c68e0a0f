#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# What an operator sees of a running dataplane (issue 15): the control socket
# (/run/colo-xdp/NAME/control, 0600), `colo-xdp conns` and `colo-xdp stats` during a divergence,
# the Prometheus metrics (`stats --prometheus` and the `run --metrics-file` textfile) parsed by
# prometheus_client and checked against `stats --json`, SIGHUP, and the pinned maps read alone
# once no daemon runs. The secondary serves one different byte at offset K of a download; the
# first agent never answers (primary output stays held), the second commits.
# TAP output; needs root.
. "$(dirname "$0")/lib_dataplane.bash"

SIZE=4000000
K=1000000
PORT=5170
CTL=/run/colo-xdp/$INST/control
METRICS=$WORK/colo.prom
CHECK=$PWD/tests/tools/metrics_check.py
FLOW_RE="^tcp 10\.77\.0\.2:$PORT > 10\.77\.0\.1:[0-9]+\$"

# cx CMD ARGS...: colo-xdp CMD --instance $INST in the proxy namespace (the control socket is
# on the host's /run, which nsenter keeps).
cx() {
	ns proxy "$BIN" "$1" --instance "$INST" "${@:2}"
}

# The Debian interpreter: python3-prometheus-client (scripts/deps.sh) is installed for it, and
# a python3 earlier in PATH (pyenv, a venv) would not see it.
PY=/usr/bin/python3

# jq_ok FILE FILTER: the JSON in FILE satisfies the jq boolean FILTER ($re: the flow's regex).
jq_ok() {
	jq -e --arg re "$FLOW_RE" "$2" "$1" >/dev/null
}

# flow_json FILE: the download's entry of a `conns --json` reply.
flow_json() {
	jq -c --arg re "$FLOW_RE" '.conns[] | select(.flow | test($re))' "$1"
}

setup
servers "$PORT" "$SIZE" "$K"
check "colo-xdp run starts with --metrics-file" \
	start_daemon --shards 2 --compare-timeout 60000 --metrics-file "$METRICS" --keep || {
	show "$RUNLOG"
	exit 1
}
check "control socket is a socket, mode 0600" [ -S "$CTL" ] && [ "$(stat -c %a "$CTL")" = 600 ]
check "its directory is 0700" [ "$(stat -c %a "$(dirname "$CTL")")" = 700 ]
check "metrics file written at start" [ -s "$METRICS" ]
check "agent that never answers connects" start_agent never || show "$AGENTLOG"

cx conns --json >"$WORK/conns0.json"
check "conns --json before traffic: daemon's reply, no connection" \
	jq_ok "$WORK/conns0.json" '.daemon == true and (.conns | length) == 0'

nsenter --net="/run/netns/${PFX}client" -- timeout 60 "$SERVE" fetch --connect "$SERVICE4" \
	--port "$PORT" --out "$WORK/got" >/dev/null &
FETCH=$!
PIDS+=($FETCH)
check "agent gets the mismatch request" wait_for "$AGENTLOG" '"event":"request".*"reason":"mismatch"' 15

cx conns --json --flow ":$PORT" >"$WORK/conns1.json"
flow_json "$WORK/conns1.json" >"$WORK/flow1.json"
check "conns --json --flow :$PORT lists the download's flow" [ -s "$WORK/flow1.json" ] ||
	show "$WORK/conns1.json"
check "the flow: diverged, established on both sides, compared up to byte $K, primary held" \
	jq_ok "$WORK/flow1.json" '.diverged and .state.primary == "established" and
		.state.secondary == "established" and .held_primary.bytes > 0 and
		.held_primary.frames > 0 and .checkpoints == 1 and .offset != null and
		.compared > 0 and .compared <= '"$K"' and .oldest_held_ms >= 0' ||
	sed 's/^/# /' "$WORK/flow1.json"
held1=$(jq '.held_primary.bytes' "$WORK/flow1.json")
grew=
for ((i = 0; i < 40; i++)); do
	sleep 0.25
	cx conns --json >"$WORK/conns2.json"
	held2=$(flow_json "$WORK/conns2.json" | jq '.held_primary.bytes')
	if [ -n "$held2" ] && [ "$held2" -gt "$held1" ]; then
		grew=1
		break
	fi
done
check "held primary bytes grow while the agent does not answer ($held1 -> ${held2:-?})" [ -n "$grew" ]
cx conns --flow "10.77.0.1 tcp" --sort held >"$WORK/conns.txt"
check "conns (text) prints a header and the flow, diverged" \
	grep -qE "^tcp 10\.77\.0\.2:$PORT > .* diverged\$" "$WORK/conns.txt" || show "$WORK/conns.txt"
cx conns --flow "udp" >"$WORK/conns_udp.txt"
check "conns --flow udp filters the TCP flow out" [ "$(wc -l <"$WORK/conns_udp.txt")" -eq 1 ]

cx stats --json >"$WORK/stats1.json"
check "stats --json: the checkpoint, its reason, flow and the differing byte at=$K" \
	jq_ok "$WORK/stats1.json" '.checkpoints.last.reason == "mismatch" and
		(.checkpoints.last.flow | test($re)) and .checkpoints.last.at == '"$K"' and
		.checkpoints.last.side == "primary" and .checkpoints.requested.mismatch == 1 and
		.checkpoints.last_by_reason.mismatch.id == .checkpoints.last.id' ||
	jq -c .checkpoints "$WORK/stats1.json" | sed 's/^/# /'
check "stats --json: agent connected, checkpoint in flight, primary frames held" \
	jq_ok "$WORK/stats1.json" '.agent.connected and .agent.in_flight and .held.primary > 0 and
		.held.bytes > 0 and .conns.active >= 1 and (.rings.shards | length) == 2 and
		.rings.shards[0].ring_bytes > 0 and .delay_us.ring.count > 0 and
		.kernel.primary.captured > 0'
check "daemon log names the same checkpoint" grep -qE \
	"checkpoint 1 requested: reason=mismatch flow=tcp 10\.77\.0\.2:$PORT > \S+ side=primary at=$K " \
	"$RUNLOG"
cx stats >"$WORK/stats.txt"
check "stats (text) shows the checkpoint line" \
	grep -qE "^  last +#1 mismatch tcp 10\.77\.0\.2:$PORT > .* at=$K " "$WORK/stats.txt" ||
	show "$WORK/stats.txt"

# The same checkpoint in the metrics file (rewritten every --stats-interval 1 s).
sleep 1.5
check "metrics file: the checkpoint request, its reason and flow" grep -qE \
	"^colo_xdp_checkpoint_last_id\{instance=\"$INST\",reason=\"mismatch\",flow=\"tcp 10\.77\.0\.2:$PORT > [0-9.:]+\",side=\"primary\"\} 1\$" \
	"$METRICS" || grep checkpoint "$METRICS" | sed 's/^/# /'
check "metrics file: colo_xdp_checkpoint_requests_total{reason=mismatch} 1" grep -qE \
	"^colo_xdp_checkpoint_requests_total\{instance=\"$INST\",reason=\"mismatch\"\} 1\$" "$METRICS"

stop_agent
check "an agent that commits takes over the pending request" start_agent commit ||
	show "$AGENTLOG"
wait "$FETCH"
check "the download completes" [ "$(stat -c %s "$WORK/got" 2>/dev/null)" = "$SIZE" ]
check "daemon logged the commit" wait_for "$RUNLOG" 'checkpoint 1 committed after' 5
sleep 2 # nothing moves any more: the same numbers everywhere

cx stats --json >"$WORK/stats2.json"
cx stats --prometheus >"$WORK/stats2.prom"
check "after the commit: nothing held, one commit with its round trip" \
	jq_ok "$WORK/stats2.json" '.held.primary == 0 and .held.bytes == 0 and
		.checkpoints.commits == 1 and .agent.rtt_us.count == 1 and .agent.rtt_us.last > 0'
check "stats --prometheus parses (prometheus_client) and equals stats --json" \
	"$PY" "$CHECK" "$WORK/stats2.prom" "$WORK/stats2.json"
kill -HUP "$DAEMON"
check "SIGHUP rewrites the metrics file and the daemon keeps running" \
	wait_for "$RUNLOG" 'SIGHUP: rewriting the metrics file' 5 && kill -0 "$DAEMON"
cx stats --json >"$WORK/stats3.json"
cp "$METRICS" "$WORK/file3.prom"
check "metrics file parses and equals stats --json" \
	"$PY" "$CHECK" "$WORK/file3.prom" "$WORK/stats3.json"
check "no temporary metrics file left beside it" \
	[ -z "$(find "$WORK" -maxdepth 1 -name 'colo.prom.*.tmp')" ]

check "stats --watch 1 refreshes (3 JSON lines in 2.5 s)" bash -c \
	"timeout -s INT 2.5 nsenter --net=/run/netns/${PFX}proxy -- $BIN stats --instance $INST \
		--json --watch 1 | \
		jq -e .daemon | grep -c true | grep -qx 3"
cx stats --watch 0 2>"$WORK/err"
rc=$?
check "stats --watch 0: exit 2, one line" [ "$rc" -eq 2 ] && [ "$(wc -l <"$WORK/err")" -eq 1 ]
cx conns --sort size 2>"$WORK/err"
rc=$?
check "conns --sort size: exit 2, one line" [ "$rc" -eq 2 ] && [ "$(wc -l <"$WORK/err")" -eq 1 ]

check "SIGTERM: daemon exits 0 (--keep)" stop_daemon || show "$RUNLOG"
check "control socket and its directory removed" [ ! -e "$CTL" ] && [ ! -e "$(dirname "$CTL")" ]
cx stats --json >"$WORK/off.json"
check "stats --json without a daemon: the pinned maps' counters" \
	jq_ok "$WORK/off.json" '.daemon == false and .kernel.primary.captured > 0 and
		(.rings.shards | length) == 2 and .rings.ring_full >= 0'
cx stats --prometheus >"$WORK/off.prom"
check "stats --prometheus without a daemon parses and equals stats --json" \
	"$PY" "$CHECK" "$WORK/off.prom" "$WORK/off.json"
cx conns --json >"$WORK/offc.json"
check "conns --json without a daemon: the conntrack entry of the download" \
	jq_ok "$WORK/offc.json" '.daemon == false and
		([.conns[] | select(.flow | test($re))] | length) == 1'
cx detach --instance "$INST"
check "instance detached and unpinned" [ ! -e "$PIN" ]
finish
