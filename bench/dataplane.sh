#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench: colo-xdp against mirror, passthrough and no dataplane, in the scripts/netns.sh
# topology.
#
#   none:        a Linux bridge in the proxy joins outside and primary; the secondary is idle
#   passthrough: colo-xdp run after FAILOVER: the client's input no longer goes to the
#                secondary, the primary's output leaves by kernel redirect: one replica runs
#   mirror:      colo-xdp run --mode mirror: the client's input goes to both replicas and both
#                serve; the primary's output leaves by kernel redirect, the secondary's is
#                dropped in the kernel: everything but the comparison (the honest baseline)
#   compare:     colo-xdp run, full comparison, an agent that commits at once
#
# Configurations run back to back inside each repetition, so every ratio comes from one run;
# the table shows medians over BENCH_REPS repetitions. Each configuration gets a fresh topology
# and fresh replica servers: a connection that an earlier configuration left half-closed (the
# secondary's, after failover, never completes its FIN) would otherwise reach the next one
# mid-stream, without the handshake that gives its offsets. Then flow scale (1, 100, 10,000
# connections, memory per idle flow), variants (shards, capture hook, release path) and the
# comparator microbenchmark. QEMU's own colo-compare runs beside them in every repetition,
# standalone (no guest), fed by build/bench/bench_qemu_feed. Prints a table and writes
# bench/results/<date>.md.
#
# Environment: BENCH_REPS (3), BENCH_BYTES (bulk bytes per run, 2000000000), BENCH_RR (request/
# response count, 20000), BENCH_UDP_SECONDS (3), BENCH_QEMU_SECONDS (per QEMU run, 5),
# BENCH_BULK_LIMIT (seconds a bulk run may take, 90: a stalled one is recorded as such, left out
# of the medians and listed with the results). BENCH_QUICK=1 checks the benchmark itself in a
# minute or two: one repetition of the main configurations and QEMU's colo-compare, with small
# counts (BENCH_BYTES 500000000, BENCH_RR 2000, 1 s UDP, 2 s QEMU runs), no flow scale, memory,
# variants or comparator microbenchmark; its numbers are not for the README.
# Needs root and a build (make bench builds).
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
	REPS=1 BYTES=${BENCH_BYTES:-500000000} RR_COUNT=${BENCH_RR:-2000}
	UDP_SECONDS=${BENCH_UDP_SECONDS:-1} QEMU_SECONDS=${BENCH_QEMU_SECONDS:-2}
else
	REPS=${BENCH_REPS:-3} BYTES=${BENCH_BYTES:-2000000000} RR_COUNT=${BENCH_RR:-20000}
	UDP_SECONDS=${BENCH_UDP_SECONDS:-3} QEMU_SECONDS=${BENCH_QEMU_SECONDS:-5}
fi
BULK_LIMIT=${BENCH_BULK_LIMIT:-90}
BIN=$PWD/build/colo-xdp
LOAD=$PWD/build/tools/colo_load
SERVE=$PWD/build/tools/colo_serve
AGENT=$PWD/build/tools/colo_agent
CMPBENCH=$PWD/build/bench/bench_compare
QFEED=$PWD/build/bench/bench_qemu_feed
QEMU=qemu-system-x86_64
PFX=bn$$-
INST=bench$$
WORK=$(mktemp -d /tmp/colo-bench.XXXXXX)
RAW=$WORK/raw.jsonl
SERVICE=10.77.0.2
TCP_PORT=9000
UDP_PORT=9001
DAEMON=
AGENT_PID=
QEMU_PID=
BPF_STATS_WAS=

say() {
	printf '== %s\n' "$*" >&2
}

. scripts/lib_topology.bash

teardown() {
	trap - EXIT INT TERM
	[ -z "$DAEMON" ] || kill -TERM "$DAEMON" 2>/dev/null || true
	[ -z "$AGENT_PID" ] || kill -TERM "$AGENT_PID" 2>/dev/null || true
	[ -z "$QEMU_PID" ] || kill -TERM "$QEMU_PID" 2>/dev/null || true
	ip -n "${PFX}proxy" link del br0 2>/dev/null || true
	topology_cleanup
	[ -z "$BPF_STATS_WAS" ] || sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_WAS"
	rm -rf "$WORK"
}
trap teardown EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

# wait_for FILE REGEX SECONDS
wait_for() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "bench: timed out waiting for '$2' in $1:" >&2
	tail -n 20 "$1" >&2
	return 1
}

# wait_for_socket PATH SECONDS
wait_for_socket() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	echo "bench: no socket $1 after $2 s" >&2
	return 1
}

# record CONFIG KIND JSON: one measurement into the raw results.
record() {
	printf '{"config":"%s","kind":"%s","rep":%s,"m":%s}\n' "$1" "$2" "${REP:-0}" "$3" >>"$RAW"
}

# CPU seconds (user+system) of a pid, of the whole machine (busy), and BPF program run time.
proc_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"
}

machine_busy() {
	awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.3f", ($2 + $3 + $4 + $7 + $8) / hz }' \
		/proc/stat
}

bpf_run_s() {
	if [ -z "$DAEMON" ]; then
		echo 0
		return
	fi
	bpftool prog show --json 2>/dev/null |
		jq '[.[] | select(.name | startswith("colo_")) | .run_time_ns // 0] | add // 0 | . / 1e9'
}

# cpu_mark, then cpu_used JSON: JSON plus the CPU seconds the daemon, the whole machine and the
# BPF programs used since the mark.
cpu_mark() {
	CPU_D0=0
	[ -z "$DAEMON" ] || CPU_D0=$(proc_cpu "$DAEMON")
	CPU_M0=$(machine_busy)
	CPU_B0=$(bpf_run_s)
}

cpu_used() {
	local d1=0
	[ -z "$DAEMON" ] || d1=$(proc_cpu "$DAEMON")
	jq -c --argjson d0 "$CPU_D0" --argjson d1 "$d1" --argjson m0 "$CPU_M0" \
		--argjson m1 "$(machine_busy)" --argjson b0 "$CPU_B0" --argjson b1 "$(bpf_run_s)" \
		'. + {daemon_cpu_s: ($d1 - $d0), machine_cpu_s: ($m1 - $m0), bpf_cpu_s: ($b1 - $b0)}' \
		<<<"$1"
}

# bulk CONFIG KIND [colo_load bulk args]: throughput, with the CPU it cost.
bulk() {
	local cfg=$1 kind=$2 out
	shift 2
	cpu_mark
	if ! out=$(ns client timeout "$BULK_LIMIT" "$LOAD" bulk --connect "$SERVICE" \
		--port "$TCP_PORT" --bytes "$BYTES" "$@" | tail -n 1) || ! grep -q gbps <<<"$out"; then
		say "WARNING: $cfg $kind: no result within ${BULK_LIMIT}s: recorded as stalled"
		record "$cfg" "$kind" '{"stalled": true}'
		return 0
	fi
	record "$cfg" "$kind" "$(cpu_used "$out")"
}

rr() {
	record "$1" rr "$(ns client "$LOAD" rr --connect "$SERVICE" --port "$TCP_PORT" \
		--count "$RR_COUNT" --size 64)"
}

# udp CONFIG: 64-byte replies per second, with the CPU they cost (bytes: reply payload).
udp() {
	local out
	cpu_mark
	out=$(ns client "$LOAD" udp --connect "$SERVICE" --port "$UDP_PORT" --size 64 --window 32 \
		--seconds "$UDP_SECONDS")
	record "$1" udp "$(cpu_used "$(jq -c '. + {bytes: (.replies * .size)}' <<<"$out")")"
}

bridge_up() {
	ns proxy ip link add br0 type bridge
	ns proxy ip link set outside master br0
	ns proxy ip link set primary master br0
	ns proxy ip link set br0 up
}

bridge_down() {
	ns proxy ip link del br0
}

# daemon_up [run args]: colo-xdp run and an agent that commits at once. Their pids live in
# DAEMON and AGENT_PID (not PIDS) until daemon_down has waited for them.
daemon_up() {
	nsenter --net="/run/netns/${PFX}proxy" -- "$BIN" run --outside outside --primary primary \
		--secondary secondary --instance "$INST" --agent "$WORK/agent.sock" \
		--stats-interval 3600 "$@" >"$WORK/run.log" 2>&1 &
	DAEMON=$!
	wait_for "$WORK/run.log" 'colo-xdp: running:' 15
	"$AGENT" --socket "$WORK/agent.sock" --mode commit >"$WORK/agent.log" 2>&1 &
	AGENT_PID=$!
	wait_for "$WORK/agent.log" '"event":"hello"' 10
}

# daemon_down CONFIG: stop, keep the kernel counters (per role) and the final summary line
# (checkpoints, ring_full) as records.
daemon_down() {
	local fin
	record "$1" kernel "$(ns proxy "$BIN" status --json --instance "$INST" |
		jq -c '.instances[0].stats')"
	kill -TERM "$DAEMON"
	wait "$DAEMON" || { cat "$WORK/run.log" >&2; return 1; }
	DAEMON=
	kill -TERM "$AGENT_PID" 2>/dev/null || true
	wait "$AGENT_PID" 2>/dev/null || true
	AGENT_PID=
	fin=$(grep 'colo-xdp: final:' "$WORK/run.log" | tail -n 1)
	record "$1" final "$(jq -cn --arg l "$fin" '$l |
		([scan("([a-z_]+)=([0-9]+)(?= |$)")] | map({(.[0]): (.[1] | tonumber)}) | add // {}) +
		([scan("([a-z_]+)_us=([0-9]+)/([0-9]+)")] |
		 map({(.[0] + "_p50_us"): (.[1] | tonumber), (.[0] + "_p99_us"): (.[2] | tonumber)}) |
		 add // {})')"
}

# servers_up: the topology and, in both replicas, the TCP load server and a UDP echo server.
servers_up() {
	local r
	scripts/netns.sh up "$PFX" >/dev/null
	for r in primary secondary; do
		bg "$r" "$LOAD" server --port "$TCP_PORT"
		bg "$r" "$SERVE" echo --port "$UDP_PORT"
	done
	sleep 0.3
}

start_cfg() {
	servers_up
	case $1 in
	none) bridge_up ;;
	passthrough)
		daemon_up
		kill -USR2 "$AGENT_PID"
		wait_for "$WORK/run.log" 'failover \(declared by the agent\)' 10
		;;
	mirror) daemon_up --mode mirror ;;
	*) daemon_up "${@:2}" ;;
	esac
	sleep 0.3
}

stop_cfg() {
	case $1 in
	none) bridge_down ;;
	*) daemon_down "$1" ;;
	esac
	topology_cleanup
}

# The four configurations, back to back: request/response (first, on a fresh daemon), UDP
# rate, bulk (1 connection).
# Then request/response alone under compare, whose daemon summary splits its latency into
# capture-to-worker (ring wakeup) and capture-to-release (hold) delays.
main_configs() {
	local cfg
	for REP in $(seq "$REPS"); do
		for cfg in none passthrough mirror compare; do
			say "rep $REP/$REPS: $cfg"
			start_cfg "$cfg"
			rr "$cfg"
			udp "$cfg"
			bulk "$cfg" bulk1
			stop_cfg "$cfg"
		done
		say "rep $REP/$REPS: compare, request/response alone"
		start_cfg compare-rr
		rr compare-rr
		stop_cfg compare-rr
		say "rep $REP/$REPS: QEMU colo-compare, 1448-byte and 64-byte segments"
		qemu_compare 1448
		qemu_compare 64
	done
}

# qemu_compare PAYLOAD: QEMU's own colo-compare alone (-M none, no guest, an iothread), its
# primary_in, secondary_in and outdev chardevs connected to bench_qemu_feed, which sends both
# inputs the same TCP segments of PAYLOAD bytes and fails unless each one is forwarded once,
# whole. Records frames/s, Gbit/s and the CPU seconds of the QEMU process, or the failure (left
# out of the medians and listed with the results).
qemu_compare() {
	local d=$WORK/qemu feed
	local cmp=colo-compare,id=cmp,primary_in=pri,secondary_in=sec,outdev=out,iothread=iot
	mkdir -p "$d"
	rm -f "$d"/*.sock
	"$QFEED" --primary "$d/pri.sock" --secondary "$d/sec.sock" --outdev "$d/out.sock" \
		--payload "$1" --seconds "$QEMU_SECONDS" --window 512 --vnet-hdr \
		>"$d/feed.out" 2>"$d/feed.err" &
	feed=$!
	wait_for_socket "$d/out.sock" 10
	"$QEMU" -M none -nodefaults -no-user-config -display none \
		-chardev socket,id=pri,path="$d/pri.sock" -chardev socket,id=sec,path="$d/sec.sock" \
		-chardev socket,id=out,path="$d/out.sock" -object iothread,id=iot \
		-object "$cmp,vnet_hdr_support=on" \
		>"$d/qemu.log" 2>&1 &
	QEMU_PID=$!
	if wait "$feed"; then
		record qemu "colo-compare$1" "$(cat "$d/feed.out")"
	else
		say "WARNING: QEMU colo-compare, $1-byte segments: $(tail -n 1 "$d/feed.err")"
		cat "$d/qemu.log" >&2
		record qemu "colo-compare$1" '{"failed": true}'
	fi
	kill -TERM "$QEMU_PID" 2>/dev/null || true
	wait "$QEMU_PID" 2>/dev/null || true
	QEMU_PID=
}

# RSS of the daemon in KiB.
rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# Memory per idle flow, on a fresh daemon (a heap that earlier flows grew would hide it): RSS
# and conntrack while 10,000 connections are open and idle. Then, with those still open, one
# bulk download: what a table of 10,000 flows costs the flow that moves.
flow_memory() {
	local load r0 r1 ct
	say "memory: 10000 idle connections, then one download beside them"
	start_cfg compare
	r0=$(rss_kib "$DAEMON")
	nsenter --net="/run/netns/${PFX}client" -- "$LOAD" bulk --connect "$SERVICE" \
		--port "$TCP_PORT" --conns 10000 --bytes 10000 --hold-ms 600000 >"$WORK/hold.out" &
	load=$!
	wait_for "$WORK/hold.out" '"connected":10000' 60
	sleep 1.5
	r1=$(rss_kib "$DAEMON")
	ct=$(bpftool map show pinned "/sys/fs/bpf/colo-xdp/$INST/colo_conntrack" --json)
	bulk compare bulk1-beside10000
	kill -TERM "$load"
	wait "$load" || true
	record compare memory "$(jq -c --argjson r0 "$r0" --argjson r1 "$r1" \
		'{flows: 10000, rss0_kib: $r0, rss1_kib: $r1, ct_bytes: .bytes_memlock,
		  ct_entries: .max_entries, ct_key: .bytes_key, ct_value: .bytes_value}' <<<"$ct")"
	stop_cfg compare
}

# Flow scale under compare: 1, 100 and 10,000 open connections, at most 100 transferring at
# once (the server side of 10,000 simultaneous bursts overflows any ring, see PLATFORM.md).
# The same workloads without a dataplane show what the workload itself costs.
flow_scale() {
	local conns
	for REP in $(seq "$REPS"); do
		for conns in 1 100 10000; do
			say "rep $REP/$REPS: none and compare, $conns connections"
			start_cfg none
			bulk none "flows$conns" --conns "$conns" --active 100
			stop_cfg none
			start_cfg "compare-flows$conns"
			bulk compare "flows$conns" --conns "$conns" --active 100
			stop_cfg "compare-flows$conns"
		done
	done
}

# Variants of compare: shards 1 and 2 (16 connections), XDP capture and AF_XDP release.
variants() {
	local v
	for REP in $(seq "$REPS"); do
		for v in "shards1:--shards 1" "shards2:--shards 2" "xdp:--hook xdp --shards 2" \
			"afxdp:--release afxdp --shards 2"; do
			say "rep $REP/$REPS: compare variant ${v%%:*}"
			# shellcheck disable=SC2086 # the variant's arguments split on purpose
			start_cfg "compare-${v%%:*}" ${v#*:}
			bulk "compare-${v%%:*}" bulk1
			bulk "compare-${v%%:*}" bulk16 --conns 16
			stop_cfg "compare-${v%%:*}"
		done
	done
}

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (BPF, namespaces)" >&2; exit 1; }
for p in "$BIN" "$LOAD" "$SERVE" "$AGENT" "$CMPBENCH" "$QFEED"; do
	[ -x "$p" ] || { echo "bench: $p missing: run make bench" >&2; exit 1; }
done
command -v "$QEMU" >/dev/null || { echo "bench: $QEMU missing: run make bench" >&2; exit 1; }
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
BPF_STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1

t_start=$EPOCHREALTIME
say "topology ${PFX}{client,proxy,primary,secondary}, colo_load and echo servers in both replicas"
main_configs
if [ "$QUICK" = 1 ]; then
	echo "(BENCH_QUICK: not run)" >"$WORK/bench_compare.txt"
else
	flow_memory
	flow_scale
	variants
	say "comparator microbenchmark"
	"$CMPBENCH" >"$WORK/bench_compare.txt"
fi

mkdir -p bench/results
out=bench/results/$(date -u +%Y-%m-%d).md
[ "$QUICK" != 1 ] || out=${out%.md}-quick.md
python3 bench/summarize.py "$RAW" "$WORK/bench_compare.txt" \
	--seconds "$(awk -v a="$t_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')" \
	--reps "$REPS" --bytes "$BYTES" --quick "$QUICK" --output "$out"
cp "$RAW" "${out%.md}.jsonl"
say "results: $out"
