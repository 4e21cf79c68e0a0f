#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `colo-xdp run` end to end, identical replicas (no checkpoint may be requested):
#   - bulk download through the dataplane over IPv4 and IPv6, bytes verified;
#   - UDP request/response over IPv4 and IPv6;
#   - the replicas as clients, uploading to a server in the client namespace over IPv4 and
#     IPv6: both replicas' uploads complete with the server's reply;
#   - 16 parallel connections over 2 shards, every flow verified, both shards used;
#   - SIGTERM: clean exit, the instance detached and unpinned;
#   - usage errors exit 2 and attach nothing.
# The release rate of the bulk downloads is printed as a TAP comment (a figure, not asserted).
# TAP output; needs root.
. "$(dirname "$0")/lib_dataplane.bash"

BULK=${COLO_BULK:-24000000} # COLO_BULK=200000000 for a release-rate measurement
SMALL=2000000

setup

# exit_code CMD...: prints the command's exit status (its stderr is discarded).
exit_code() {
	"$@" >/dev/null 2>&1
	echo $?
}
check "run without interfaces: usage error (exit 2)" [ "$(exit_code "$BIN" run)" -eq 2 ]
check "run with an unknown interface: usage error (exit 2)" [ "$(exit_code ns proxy "$BIN" run \
	--outside nosuch --primary primary --secondary secondary --instance "$INST")" -eq 2 ]
check "run --shards 99: usage error (exit 2)" [ "$(exit_code ns proxy "$BIN" run \
	--outside outside --primary primary --secondary secondary --shards 99)" -eq 2 ]
check "run --ring-size 5000 (not a power of 2): usage error (exit 2)" [ "$(exit_code ns proxy \
	"$BIN" run --outside outside --primary primary --secondary secondary --ring-size 5000)" -eq 2 ]
check "run --ring-size 4096 (below one window per replica): usage error (exit 2)" \
	[ "$(exit_code ns proxy "$BIN" run --outside outside --primary primary --secondary secondary \
		--ring-size 4096)" -eq 2 ]
check "run --outside lo (not Ethernet): usage error (exit 2)" [ "$(exit_code ns proxy "$BIN" run \
	--outside lo --primary primary --secondary secondary --instance "$INST")" -eq 2 ]
check "run --instance a.b (bpffs refuses '.'): usage error (exit 2)" [ "$(exit_code ns proxy \
	"$BIN" run --outside outside --primary primary --secondary secondary --instance a.b)" -eq 2 ]
check "usage errors attached nothing" [ ! -e "$PIN" ]

servers 5001 "$BULK"
servers 5003 "$SMALL"
bg primary "$SERVE" echo --port 5002
bg secondary "$SERVE" echo --port 5002
wait_listen primary 5002 udp && wait_listen secondary 5002 udp
check "colo-xdp run starts with 2 shards (release ${COLO_RELEASE:-default})" start_daemon --shards 2 ${COLO_RELEASE:+--release "$COLO_RELEASE"} || { show "$RUNLOG"; exit 1; }
check "reference agent connects" start_agent commit || show "$AGENTLOG"
check "2 shards: rings of the default 128 MiB ($(ring_sizes))" [ "$(ring_sizes)" = 134217728 ]

# fetch ADDR PORT OUT: prints the seconds the download took.
fetch() {
	local t0=$EPOCHREALTIME
	timeout 20 nsenter --net="/run/netns/${PFX}client" -- "$SERVE" fetch --connect "$1" \
		--port "$2" --out "$3" >/dev/null
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'
}

want=$(pattern_sha "$BULK")
for addr in "$SERVICE4" "$SERVICE6"; do
	secs=$(fetch "$addr" 5001 "$WORK/bulk")
	check "bulk $((BULK / 1000000)) MB from $addr: sha256 matches the primary's" \
		[ "$(file_sha "$WORK/bulk")" = "$want" ]
	echo "# bulk from $addr: ${secs}s, $(awk -v b="$BULK" -v s="$secs" \
		'BEGIN { printf "%.0f", b * 8 / s / 1e6 }') Mbit/s"
done

for addr in "$SERVICE4" "$SERVICE6"; do
	out=$(timeout 20 nsenter --net="/run/netns/${PFX}client" -- "$SERVE" ping \
		--connect "$addr" --port 5002 --count 200 --size 300)
	check "UDP request/response with $addr: $out" [ "$out" = "udp 200/200" ]
done

# The replicas are the clients: a sink in the client namespace receives the primary's upload
# and replies; the client's SYN-ACK, acks and reply reach the secondary too, rewritten to its own
# sequence numbers, so its upload completes the same way (while its output stays compared only).
bg client "$SERVE" sink --port 6001 --out "$WORK/upload" >/dev/null
wait_listen client 6001
sport=40000
for addr in "$CLIENT4" "$CLIENT6"; do
	# Replica processes pick their ephemeral ports independently: pin it so both send one flow.
	sport=$((sport + 1))
	bg secondary timeout 20 "$SERVE" upload --connect "$addr" --port 6001 --bytes "$SMALL" \
		--sport "$sport" >"$WORK/secondary.reply"
	secondary=$!
	reply=$(timeout 20 nsenter --net="/run/netns/${PFX}primary" -- "$SERVE" upload \
		--connect "$addr" --port 6001 --bytes "$SMALL" --sport "$sport")
	check "replica as client of $addr: the server's reply reaches the primary ($reply)" \
		[ "$reply" = "received $SMALL" ]
	wait "$secondary"
	check "... and the secondary, whose upload completes ($(cat "$WORK/secondary.reply"))" \
		[ "$(cat "$WORK/secondary.reply")" = "received $SMALL" ]
	check "... the server got the primary's bytes" \
		[ "$(file_sha "$WORK/upload")" = "$(pattern_sha "$SMALL")" ]
done

want=$(pattern_sha "$SMALL")
fpids=()
for i in $(seq 16); do
	addr=$SERVICE4
	[ $((i % 2)) -eq 0 ] && addr=$SERVICE6
	timeout 20 nsenter --net="/run/netns/${PFX}client" -- "$SERVE" fetch --connect "$addr" \
		--port 5003 --out "$WORK/par.$i" >/dev/null &
	fpids+=($!)
done
wait "${fpids[@]}"
good=0
for i in $(seq 16); do
	if [ -f "$WORK/par.$i" ] && [ "$(file_sha "$WORK/par.$i")" = "$want" ]; then
		good=$((good + 1))
	else
		echo "# connection $i: $(stat -c %s "$WORK/par.$i" 2>/dev/null || echo no) bytes"
	fi
done
check "16 parallel connections: $good/16 verified" [ "$good" -eq 16 ]

check "agent saw no checkpoint request" [ "$(agent_requests)" -eq 0 ] ||
	grep -E 'checkpoint .* requested' "$RUNLOG" | head -n 5 | sed 's/^/# /'
check "SIGTERM: daemon exits 0" stop_daemon || show "$RUNLOG"
used=$(grep -cE 'colo-xdp: shard [0-9]+: records=[1-9]' "$RUNLOG")
check "flows spread over the shards ($used of 2 used)" [ "$used" -eq 2 ]
check "no bad records, no send errors" \
	[ "$(summary_field bad_records)/$(summary_field send_errors)" = 0/0 ]
# Every connection closed: a frame still held here (a copy nothing consumes) would time out later.
check "nothing left held at the end (held=$(summary_field held) P/S)" [ "$(summary_field held)" = 0/0 ]
check "instance detached and unpinned" [ ! -e "$PIN" ]
check "no colo-xdp tc filter left on the proxy ports" \
	[ -z "$(ns proxy tc filter show dev outside ingress)" ]
grep -E 'colo-xdp: final:' "$RUNLOG" | sed 's/^/# /'
finish
