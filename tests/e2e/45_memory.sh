#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The daemon's memory for held frames is bounded (--max-held) and nothing leaks past the bound:
# only the primary runs a UDP echo server, so each of its replies waits for a secondary reply
# that never comes, with an agent that never commits. The client floods more datagrams than
# the bound holds:
#   - the daemon holds at most --max-held MiB and counts what it refused (mem_refused);
#   - no echo reply reaches the client;
#   - the daemon stays responsive and exits cleanly on SIGTERM.
# TAP output; needs root.
. "$(dirname "$0")/lib_dataplane.bash"

PORT=5301
MAX_HELD_MB=16
DATAGRAMS=16000 # 1400-byte replies: about 23 MiB held without the bound
SIZE=1400

setup
bg primary "$SERVE" echo --port "$PORT"
wait_listen primary "$PORT" udp
check "colo-xdp run starts with --max-held $MAX_HELD_MB" start_daemon --shards 1 \
	--max-held "$MAX_HELD_MB" --max-queue 65536 --compare-timeout 600000 || {
	show "$RUNLOG"
	exit 1
}
check "agent that never answers connects" start_agent never || show "$AGENTLOG"

bg client tcpdump -i eth0 -n -U -w "$WORK/client.pcap" "udp and src port $PORT" 2>/dev/null
sleep 0.5

# flood: DATAGRAMS datagrams of SIZE bytes from one client socket.
flood() {
	local payload i
	payload=$(head -c "$SIZE" /dev/zero | tr '\0' x)
	exec 3>"/dev/udp/$SERVICE4/$PORT"
	for ((i = 0; i < DATAGRAMS; i++)); do
		printf '%s' "$payload" >&3
	done
	exec 3>&-
}
export -f flood
export DATAGRAMS SIZE SERVICE4 PORT
check "client sent $DATAGRAMS datagrams" ns client bash -c flood

# refused_count: waits until the daemon's periodic line shows refusals; prints the count.
refused_count() {
	local i v=0
	for ((i = 0; i < 60; i++)); do
		v=$(summary_field mem_refused)
		[ "${v:-0}" -gt 0 ] && break
		sleep 0.1
	done
	echo "${v:-0}"
}
refused=$(refused_count)
check "daemon refused $refused records over the bound" [ "$refused" -gt 0 ]
held=$(summary_field held_bytes)
check "held ${held:-?} bytes, within $MAX_HELD_MB MiB" \
	test "${held:-0}" -gt $((MAX_HELD_MB << 19)) -a "${held:-0}" -le $((MAX_HELD_MB << 20))
check "the primary's replies are held, none released" [ "$(summary_field released)" -eq 0 ]
check "at most one checkpoint requested, none committed" \
	test "$(agent_requests)" -le 1 -a "$(summary_field commits)" -eq 0
sleep 0.5
kill -INT "${PIDS[-1]}" 2>/dev/null
wait "${PIDS[-1]}" 2>/dev/null
got=$(tcpdump -r "$WORK/client.pcap" -n 2>/dev/null | wc -l)
check "no echo reply reached the client (saw $got)" [ "$got" -eq 0 ]
check "SIGTERM: daemon exits 0 with output still held" stop_daemon || show "$RUNLOG"
check "instance detached and unpinned" [ ! -e "$PIN" ]
grep -E 'colo-xdp: final' "$RUNLOG" | sed 's/^/# /'
finish
