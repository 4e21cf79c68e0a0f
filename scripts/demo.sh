#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# colo-xdp demo (`make demo`): the four-namespace topology, the same deterministic server in both
# replicas, the dataplane and the reference checkpoint agent. Downloads 64 MB over IPv4 and IPv6
# through the compare path, runs UDP request/response traffic, injects one divergent byte, and
# prints a summary. Everything it started is torn down on exit, failure or Ctrl-C.
# Needs root and a build (make demo builds first).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=$PWD/build/colo-xdp
SERVE=$PWD/build/tools/colo_serve
AGENT=$PWD/build/tools/colo_agent
PFX=demo$$-
INST=demo$$
WORK=$(mktemp -d /tmp/colo-demo.XXXXXX)
SOCK=$WORK/agent.sock
BULK=64000000
DIV_SIZE=8000000
DIV_AT=3000000

say() {
	printf '== %s\n' "$*"
}

. scripts/lib_topology.bash

teardown() {
	trap - EXIT INT TERM
	topology_cleanup
	rm -rf "$WORK"
}
trap teardown EXIT
trap 'echo "demo: interrupted"; exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (BPF, namespaces)" >&2; exit 1; }
for p in "$BIN" "$SERVE" "$AGENT"; do
	[ -x "$p" ] || { echo "demo: $p missing: run make demo" >&2; exit 1; }
done
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

# fetch ADDR PORT OUT: download; prints the seconds it took.
fetch() {
	local t0=$EPOCHREALTIME
	ns client timeout 60 "$SERVE" fetch --connect "$1" --port "$2" --out "$3" >/dev/null
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'
}

say "topology ${PFX}{client,proxy,primary,secondary}"
scripts/netns.sh up "$PFX"

say "servers in both replicas (port 8080: $BULK bytes; 8081: the secondary differs at byte $DIV_AT)"
for r in primary secondary; do
	bg "$r" "$SERVE" serve --port 8080 --bytes "$BULK"
	bg "$r" "$SERVE" echo --port 5353
done
bg primary "$SERVE" serve --port 8081 --bytes "$DIV_SIZE"
bg secondary "$SERVE" serve --port 8081 --bytes "$DIV_SIZE" --flip-at "$DIV_AT"
sleep 0.3

say "dataplane (colo-xdp run) and the reference agent (commits 300 ms after a request)"
bg proxy "$BIN" run --outside outside --primary primary --secondary secondary --instance "$INST" \
	--agent "$SOCK" --stats-interval 5 >"$WORK/run.log" 2>&1
DAEMON=${PIDS[-1]}
for _ in $(seq 100); do
	grep -q 'colo-xdp: running:' "$WORK/run.log" && break
	sleep 0.1
done
grep -q 'colo-xdp: running:' "$WORK/run.log" || { cat "$WORK/run.log"; exit 1; }
"$AGENT" --socket "$SOCK" --mode delay --delay-ms 300 >"$WORK/agent.log" 2>&1 &
PIDS+=($!)
sleep 0.5

want=$("$SERVE" pattern --bytes "$BULK" | sha256sum | cut -d' ' -f1)
verified=0
delivered=0
for addr in 10.77.0.2 fd77::2; do
	say "download $((BULK / 1000000)) MB from $addr"
	secs=$(fetch "$addr" 8080 "$WORK/bulk")
	got=$(sha256sum "$WORK/bulk" | cut -d' ' -f1)
	size=$(stat -c %s "$WORK/bulk")
	delivered=$((delivered + size))
	rate=$(awk -v b="$size" -v s="$secs" 'BEGIN { printf "%.0f", b * 8 / s / 1e6 }')
	if [ "$got" = "$want" ]; then
		verified=$((verified + 1))
		echo "   $size bytes in ${secs}s ($rate Mbit/s), sha256 verified"
	else
		echo "   $size bytes in ${secs}s: sha256 MISMATCH"
	fi
done

say "UDP request/response"
for addr in 10.77.0.2 fd77::2; do
	echo "   $addr: $(ns client "$SERVE" ping --connect "$addr" --port 5353 --count 500 --size 200)"
done

say "divergence: the secondary serves one different byte at $DIV_AT"
fetch 10.77.0.2 8081 "$WORK/div" >/dev/null
if cmp -s "$WORK/div" <("$SERVE" pattern --bytes "$DIV_SIZE"); then
	echo "   client got the primary's $DIV_SIZE bytes (checkpoint committed, then released)"
	verified=$((verified + 1))
else
	echo "   client got $(stat -c %s "$WORK/div") bytes that differ from the primary's"
fi
delivered=$((delivered + $(stat -c %s "$WORK/div")))

kill -TERM "$DAEMON"
wait "$DAEMON" || true
say "summary"
echo "   delivered: $delivered bytes, $verified of 3 transfers verified"
grep -E 'colo-xdp: final:' "$WORK/run.log" | sed 's/^colo-xdp: final: /   dataplane: /'
echo "   checkpoints:"
grep -E 'colo-xdp: checkpoint [0-9]+ (requested|committed)' "$WORK/run.log" |
	sed 's/^colo-xdp: /     /'
grep -E 'colo-xdp: shard' "$WORK/run.log" | sed 's/^colo-xdp: /   /'
[ "$verified" -eq 3 ]
