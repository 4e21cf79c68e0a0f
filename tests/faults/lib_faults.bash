# SPDX-License-Identifier: GPL-2.0-only
#
# Shared by the fault-suite scripts (tests/faults/NN_*.sh; sourced, not run), on top of
# tests/e2e/lib_dataplane.bash (topology, servers, daemon, agent, captures, TAP, teardown).
# A case runs real traffic (bulk downloads on 4 connections, IPv4 and IPv6, and a request/response
# loop over each family), injects one fault, heals it, and then measures:
#   - leaked bytes: primary bytes that reached the client before the secondary had produced them
#     and before a commit or failover covered them (build/tools/pcap_leak on three captures:
#     client, and the dataplane's primary and secondary ports);
#   - every download byte-exact (sha256 against the pattern), or, where the case allows it, cut
#     short as a clean prefix; every request/response run completed;
#   - the daemon alive, its open fds the same as before the case, its RSS not grown by more than
#     FAULT_RSS_SLACK_KB;
#   - recovery: from the heal to the first byte that took a stream past what it had before.
# Each case appends a row to $FAULT_RESULTS (tab-separated: script, case, expectation, leaked
# bytes, recovery, result); tests/faults/report.sh turns the rows into docs/reliability.md.
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib_dataplane.bash"

LEAK=$PWD/build/tools/pcap_leak
INJECT=$PWD/build/tools/fault_inject
BLAST=$PWD/build/tools/frame_blast
LOAD=$PWD/build/tools/colo_load
FAULT_RESULTS=${FAULT_RESULTS:-$PWD/build/faults/results.tsv}
FAULT_RSS_SLACK_KB=${FAULT_RSS_SLACK_KB:-65536}
# A commit covers what the primary produced up to this long after the agent sent it: the daemon
# applies it in its workers later and releases what they hold by then (measured: up to ~0.2 ms;
# strict_leaked_bytes, without it, goes into the table).
FAULT_COMMIT_SLACK_NS=${FAULT_COMMIT_SLACK_NS:-20000000}
# Set (make soak): flows whose 4-tuple a client reused within one capture are not judged.
FAULT_UNKNOWN_OK=${FAULT_UNKNOWN_OK:-}
BULK_PORT=5401
RR_PORT=5402
BULK_BYTES=${FAULT_BULK_BYTES:-3000000}
FETCH_TIMEOUT=${FAULT_FETCH_TIMEOUT:-10}
CASE=
CASE_N=0
FDS_REF= # the daemon's fds with one agent connected, when a case starts without one
T_HEAL=
TRAFFIC=()
CAPS=()

now_ns() {
	echo "${EPOCHREALTIME//[.,]/}000"
}

# fault_setup: the e2e setup, then the bulk server (colo_serve) and the request/response server
# (colo_load) in both replicas.
fault_setup() {
	local p
	for p in "$LEAK" "$INJECT" "$BLAST" "$LOAD"; do
		if [ ! -x "$p" ]; then
			echo "not ok 1 - $p missing (make tests-build)"
			exit 1
		fi
	done
	setup
	# FAULT_KEEP_WORK=DIR keeps the captures and logs of the run there (to look into a failure).
	[ -n "${FAULT_KEEP_WORK:-}" ] && trap 'cp -a "$WORK" "$FAULT_KEEP_WORK"; cleanup' EXIT
	mkdir -p "$(dirname "$FAULT_RESULTS")"
	servers "$BULK_PORT" "$BULK_BYTES"
	BULK_PRIMARY=${PIDS[-2]}
	BULK_SECONDARY=$SECONDARY_SERVER
	bg primary "$LOAD" server --port "$RR_PORT"
	bg secondary "$LOAD" server --port "$RR_PORT"
	wait_listen primary "$RR_PORT" && wait_listen secondary "$RR_PORT"
	WANT_SHA=$(pattern_sha "$BULK_BYTES")
	"$SERVE" pattern --bytes "$BULK_BYTES" >"$WORK/want"
}

# fault_start ARGS...: the daemon with these options (the script ends if it does not start) and
# an agent that commits.
fault_start() {
	check "colo-xdp run $* starts" start_daemon "$@" || {
		show "$RUNLOG"
		exit 1
	}
	check "agent (commit) connects" start_agent_log commit || show "$AGENTLOG"
}

# inject_start ROLE ARGS...: build/tools/fault_inject on the replica's eth0 until inject_stop.
inject_start() {
	local role=$1
	shift
	: >"$WORK/inject.out"
	bg "$role" "$INJECT" --dev eth0 "$@" >"$WORK/inject.out" 2>&1
	INJECTOR=$!
	wait_for "$WORK/inject.out" 'fault_inject: attached' 10
}

# inject_stop: detaches it and prints its counters.
inject_stop() {
	kill -TERM "$INJECTOR" 2>/dev/null
	wait "$INJECTOR"
	echo "# fault_inject: $(tail -n 1 "$WORK/inject.out")"
}

# start_agent_log MODE [ARGS...]: start_agent with a log of its own per agent, so that every
# agent's commits of a case are found later (agent_cover_opts). --once: the suite decides when an
# agent comes and goes (reconnection is tested in tests/agents).
AGENT_N=0
start_agent_log() {
	local mode=$1
	shift
	AGENT_N=$((AGENT_N + 1))
	AGENTLOG=$WORK/agent.$AGENT_N.log
	start_agent "$mode" --once "$@"
}

# Realtime ns of every COMMIT and the first FAILOVER the agents of this script sent, as
# pcap_leak options: a checkpoint covers what the primary had produced when its COMMIT left the
# agent (a real VMM has the replicas paused from BEGIN until then).
agent_cover_opts() {
	local f
	for f in "$WORK"/agent.*.log; do
		[ -f "$f" ] || continue
		grep '"event":"sent","type":"commit"' "$f" | grep -oE '"realtime_ns":[0-9]+' |
			cut -d: -f2 | sed 's/^/--commit /'
		grep '"event":"sent","type":"failover"' "$f" | grep -oE '"realtime_ns":[0-9]+' |
			cut -d: -f2 | head -n 1 | sed 's/^/--failover /'
	done | sort -k2n | tr '\n' ' '
}

# caps_start: headers-only captures on the client's eth0 and the dataplane's replica ports.
caps_start() {
	local where
	CAPS=()
	for where in client:eth0 proxy:primary proxy:secondary; do
		nsenter --net="/run/netns/$PFX${where%%:*}" -- tcpdump -i "${where#*:}" -n -Z root \
			-s 160 -B 32768 --immediate-mode --time-stamp-precision=nano \
			-w "$WORK/cap.${where#*:}.pcap" \
			tcp 2>"$WORK/cap.${where#*:}.log" &
		CAPS+=($!)
		PIDS+=($!)
	done
	for where in eth0 primary secondary; do
		wait_for "$WORK/cap.$where.log" 'listening on' 10 || return 1
	done
}

# caps_stop: true when every capture exited cleanly and wrote every frame its filter took.
caps_stop() {
	local p rc=0 where got took
	sleep 0.5
	for p in "${CAPS[@]}"; do
		kill -INT "$p" 2>/dev/null
		wait "$p" || rc=1
	done
	CAPS=()
	for where in eth0 primary secondary; do
		got=$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' "$WORK/cap.$where.log")
		took=$(sed -n 's/^\([0-9]*\) packets received by filter$/\1/p' "$WORK/cap.$where.log")
		if [ -z "$got" ] || [ "$got" != "$took" ] ||
			! grep -q '^0 packets dropped by kernel$' "$WORK/cap.$where.log"; then
			echo "# capture on $where: $(tail -n 3 "$WORK/cap.$where.log" | tr '\n' ' ')"
			rc=1
		fi
	done
	return $rc
}

# fetch_loop ADDR DEADLINE OUT: downloads until DEADLINE (epoch seconds), one line per download
# into OUT: "ok", "prefix N" (cut short, but the primary's bytes) or "bad N".
fetch_loop() {
	local addr=$1 deadline=$2 out=$3 file=$3.data size
	: >"$out"
	while [ "${EPOCHSECONDS}" -lt "$deadline" ]; do
		: >"$file"
		timeout "$FETCH_TIMEOUT" nsenter --net="/run/netns/${PFX}client" -- "$SERVE" fetch \
			--connect "$addr" --port "$BULK_PORT" --out "$file" >/dev/null 2>&1
		size=$(stat -c %s "$file" 2>/dev/null || echo 0)
		if [ "$size" -eq "$BULK_BYTES" ] && [ "$(file_sha "$file")" = "$WANT_SHA" ]; then
			echo ok >>"$out"
		elif [ "$size" -lt "$BULK_BYTES" ] && cmp -s -n "$size" "$file" "$WORK/want"; then
			echo "prefix $size" >>"$out"
			sleep 0.2
		else
			echo "bad $size" >>"$out"
		fi
	done
	rm -f "$file"
}

# rr_loop ADDR DEADLINE OUT: request/response runs of 50 until DEADLINE; "ok" or "failed" each.
rr_loop() {
	local addr=$1 deadline=$2 out=$3
	: >"$out"
	while [ "${EPOCHSECONDS}" -lt "$deadline" ]; do
		if timeout "$FETCH_TIMEOUT" nsenter --net="/run/netns/${PFX}client" -- "$LOAD" rr \
			--connect "$addr" --port "$RR_PORT" --count 50 --size 300 >/dev/null 2>&1; then
			echo ok >>"$out"
		else
			echo failed >>"$out"
			sleep 0.2
		fi
	done
}

# traffic_start SECONDS: the case's traffic, for about that long.
traffic_start() {
	local deadline=$((EPOCHSECONDS + $1)) i addr
	TRAFFIC=()
	for i in 1 2 3 4; do
		addr=$SERVICE4
		[ $((i % 2)) -eq 0 ] && addr=$SERVICE6
		fetch_loop "$addr" "$deadline" "$WORK/bulk.$i" &
		TRAFFIC+=($!)
	done
	rr_loop "$SERVICE4" "$deadline" "$WORK/rr.4" &
	TRAFFIC+=($!)
	rr_loop "$SERVICE6" "$deadline" "$WORK/rr.6" &
	TRAFFIC+=($!)
}

traffic_wait() {
	wait "${TRAFFIC[@]}" 2>/dev/null
	TRAFFIC=()
}

# count WORD FILES...: lines starting with WORD.
count_lines() {
	local w=$1
	shift
	cat "$@" 2>/dev/null | grep -c "^$w" || true
}

daemon_fds() {
	ls "/proc/$DAEMON/fd" 2>/dev/null | wc -l
}

daemon_rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON/status" 2>/dev/null || echo 0
}

# case_begin NAME SECONDS: captures, baselines, traffic for SECONDS.
case_begin() {
	CASE=$1
	CASE_N=$((CASE_N + 1))
	echo "# case $CASE"
	rm -f "$WORK"/bulk.* "$WORK"/rr.*
	FDS0=$(daemon_fds)
	RSS0=$(daemon_rss_kb)
	caps_start || echo "# capture did not start"
	T_HEAL=
	traffic_start "$2"
}

# heal_now: marks the moment the fault ends (recovery is measured from here).
heal_now() {
	T_HEAL=$(now_ns)
}

# case_end "EXPECTATION" [prefix]: waits for the traffic, then every check of the case and its row.
# With "prefix", downloads cut short as a clean prefix count as recovered.
case_end() {
	local expect=$1 allow_prefix=${2:-} json leaked strict rc recov="-" ok_all=1 bulk_ok prefix bad
	local rr_bad
	local fds rss
	traffic_wait
	caps_stop || { echo "# a capture dropped packets or failed"; ok_all=0; }
	# shellcheck disable=SC2046 # the options are words
	json=$("$LEAK" --client "$WORK/cap.eth0.pcap" --primary "$WORK/cap.primary.pcap" \
		--secondary "$WORK/cap.secondary.pcap" $(agent_cover_opts) \
		--commit-slack "$FAULT_COMMIT_SLACK_NS" ${T_HEAL:+--since "$T_HEAL"} \
		${FAULT_UNKNOWN_OK:+--unknown-ok})
	rc=$?
	echo "# pcap_leak: $json"
	leaked=$(printf '%s' "$json" | jq -r .leaked_bytes 2>/dev/null || echo "?")
	strict=$(printf '%s' "$json" | jq -r .strict_leaked_bytes 2>/dev/null || echo "?")
	check "$CASE: no primary byte released that the secondary had not produced nor a commit\
 covered ($leaked; $strict counting only what preceded the COMMIT)" [ "$rc" -eq 0 ] || ok_all=0
	bulk_ok=$(count_lines ok "$WORK"/bulk.[0-9])
	prefix=$(count_lines prefix "$WORK"/bulk.[0-9])
	bad=$(count_lines bad "$WORK"/bulk.[0-9])
	rr_bad=$(count_lines failed "$WORK"/rr.[46])
	echo "# downloads: $bulk_ok byte-exact, $prefix clean prefixes, $bad wrong;" \
		"request/response runs: $(count_lines ok "$WORK"/rr.[46]) ok, $rr_bad failed"
	if [ -n "$allow_prefix" ]; then
		check "$CASE: every download byte-exact or a clean prefix, none wrong" \
			[ "$bad" -eq 0 -a "$bulk_ok" -gt 0 ] || ok_all=0
	else
		check "$CASE: every download byte-exact ($bulk_ok)" \
			[ "$bad" -eq 0 -a "$prefix" -eq 0 -a "$bulk_ok" -gt 0 ] || ok_all=0
		check "$CASE: every request/response run completed" [ "$rr_bad" -eq 0 ] || ok_all=0
	fi
	check "$CASE: daemon alive" kill -0 "$DAEMON" || ok_all=0
	fds=$(daemon_fds)
	rss=$(daemon_rss_kb)
	FDS0=${FDS_REF:-$FDS0}
	check "$CASE: daemon fds unchanged ($FDS0 -> $fds)" [ "$fds" -eq "$FDS0" ] || ok_all=0
	check "$CASE: daemon RSS within ${FAULT_RSS_SLACK_KB} KiB ($RSS0 -> $rss KiB)" \
		[ "$rss" -le $((RSS0 + FAULT_RSS_SLACK_KB)) ] || ok_all=0
	if [ -n "$T_HEAL" ]; then
		local first
		first=$(printf '%s' "$json" | jq -r .first_progress_ns 2>/dev/null || echo 0)
		if [ "${first:-0}" -gt 0 ]; then
			recov=$(awk -v a="$T_HEAL" -v b="$first" 'BEGIN { printf "%.2f s", (b - a) / 1e9 }')
		else
			recov="none"
		fi
	fi
	record "$expect" "$strict" "$recov" "$ok_all" "$bulk_ok/$prefix/$bad; $rr_bad"
}

# record EXPECTATION LEAKED RECOVERY OK STREAMS: the case's row in $FAULT_RESULTS (STREAMS:
# downloads byte-exact/clean prefix/wrong; request/response runs failed).
record() {
	local result=pass
	[ "$4" -eq 1 ] || result=FAIL
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(basename "$0" .sh)" "$CASE" "$1" "$2" "$3" \
		"${5:--}" "$result" >>"$FAULT_RESULTS"
}

# record_plain NAME EXPECTATION OK [LEAKED [RECOVERY [DETAIL]]]: a row for a case measured
# without the traffic machinery.
record_plain() {
	CASE=$1
	record "$2" "${4:--}" "${5:--}" "$3" "${6:--}"
}
