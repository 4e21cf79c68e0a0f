# SPDX-License-Identifier: GPL-2.0-only
#
# Shared by the dataplane end-to-end tests (sourced, not run): the scripts/netns.sh topology under
# a per-run prefix, the same deterministic server in both replicas (build/tools/colo_serve), the
# dataplane (`colo-xdp run`) in the proxy namespace, the reference agent, packet captures on the
# client side (tcpdump, analysed by build/tools/pcap_first_seen), TAP helpers and a teardown
# trap that kills only the pids started here and removes this run's namespaces and pins.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

BIN=${COLO_XDP:-$PWD/build/colo-xdp} # COLO_XDP=build-san/colo-xdp runs it under ASan
SERVE=$PWD/build/tools/colo_serve
AGENT=$PWD/build/tools/colo_agent
FIRST_SEEN=$PWD/build/tools/pcap_first_seen
NETNS=$PWD/scripts/netns.sh
PFX=cxd$$-
INST=e2e$$
PIN=/sys/fs/bpf/colo-xdp/$INST
WORK=$(mktemp -d /tmp/colo-e2e.XXXXXX)
SOCK=$WORK/agent.sock
RUNLOG=$WORK/run.log
AGENTLOG=$WORK/agent.log
CLIENT4=10.77.0.1
CLIENT6=fd77::1
SERVICE4=10.77.0.2
SERVICE6=fd77::2
DAEMON=
AGENT_PID=
CAPTURE=
SECONDARY_SERVER=
. tests/e2e/lib_tap.bash
. scripts/lib_topology.bash # ns ROLE CMD, bg ROLE CMD (pids in PIDS)

# Prints a file's last lines as TAP comments (context for a failure).
show() {
	[ -f "$1" ] && tail -n "${2:-15}" "$1" | sed 's/^/# /'
}


# wait_for FILE REGEX [SECONDS]: true once a line of FILE matches.
wait_for() {
	local i
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# wait_listen ROLE PORT [udp]: the replica's server is ready.
wait_listen() {
	local i flag=-ltnH
	[ "${3:-}" = udp ] && flag=-lunH
	for ((i = 0; i < 100; i++)); do
		ns "$1" ss $flag "sport = :$2" | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

# servers PORT BYTES [SECONDARY-FLIP-AT]: the TCP server in both replicas.
servers() {
	local flip=()
	[ $# -ge 3 ] && flip=(--flip-at "$3")
	bg primary "$SERVE" serve --port "$1" --bytes "$2"
	bg secondary "$SERVE" serve --port "$1" --bytes "$2" "${flip[@]}"
	SECONDARY_SERVER=$!
	wait_listen primary "$1" && wait_listen secondary "$1"
}

# start_daemon [ARGS...]: colo-xdp run in the proxy namespace, logging to $RUNLOG.
start_daemon() {
	: >"$RUNLOG"
	nsenter --net="/run/netns/${PFX}proxy" -- "$BIN" run --outside outside --primary primary \
		--secondary secondary --instance "$INST" --agent "$SOCK" --stats-interval 1 "$@" \
		>>"$RUNLOG" 2>&1 &
	DAEMON=$!
	PIDS+=($DAEMON)
	wait_for "$RUNLOG" 'colo-xdp: running:|"msg":"running:' 15
}

# stop_daemon: SIGTERM, wait for its exit status.
stop_daemon() {
	local rc
	kill -TERM "$DAEMON" 2>/dev/null
	wait "$DAEMON"
	rc=$?
	DAEMON=
	return $rc
}

# start_agent MODE [ARGS...]: the reference agent on the daemon's socket; waits for HELLO.
start_agent() {
	: >"$AGENTLOG"
	"$AGENT" --socket "$SOCK" --mode "$@" >>"$AGENTLOG" 2>&1 &
	AGENT_PID=$!
	PIDS+=($AGENT_PID)
	wait_for "$AGENTLOG" '"event":"hello"' 10
}

stop_agent() {
	kill -TERM "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
}

# Checkpoint requests the agent received.
agent_requests() {
	grep -c '"event":"request"' "$AGENTLOG"
}

# agent_sent_at TYPE: realtime_ns (CLOCK_REALTIME, the capture's clock) of the agent's first
# message of that type, e.g. agent_sent_at commit.
agent_sent_at() {
	grep -m 1 "\"event\":\"sent\",\"type\":\"$1\"" "$AGENTLOG" |
		grep -oE '"realtime_ns":[0-9]+' | cut -d: -f2
}

# start_capture NAME: tcpdump on the client's eth0 into $WORK/NAME.pcap, whole frames with
# nanosecond kernel timestamps (CLOCK_REALTIME), each written at once; waits until it listens.
start_capture() {
	nsenter --net="/run/netns/${PFX}client" -- tcpdump -i eth0 -n -Z root -U --immediate-mode \
		-B 16384 --time-stamp-precision=nano -w "$WORK/$1.pcap" 2>"$WORK/$1.tcpdump" &
	CAPTURE=$!
	PIDS+=($CAPTURE)
	wait_for "$WORK/$1.tcpdump" 'listening on eth0' 10
}

# stop_capture NAME: stops it; true when it exited cleanly and the kernel dropped no packet.
stop_capture() {
	local rc
	kill -INT "$CAPTURE" 2>/dev/null
	wait "$CAPTURE"
	rc=$?
	CAPTURE=
	[ "$rc" -eq 0 ] && grep -q '^0 packets dropped by kernel$' "$WORK/$1.tcpdump"
}

# first_seen NAME PORT OFFSET: pcap_first_seen on capture NAME: the capture time (ns) of the
# first segment from the service's PORT carrying a stream byte at OFFSET or later. Exit 1 when
# there is none, 2 when the capture cannot tell (see tests/tools/pcap_first_seen.c).
first_seen() {
	"$FIRST_SEEN" --port "$2" --offset "$3" "$WORK/$1.pcap"
}

# earlier A B: both times are known and A is before B.
earlier() {
	[ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]
}

# pattern_sha BYTES: sha256 of what the primary serves.
pattern_sha() {
	"$SERVE" pattern --bytes "$1" | sha256sum | cut -d' ' -f1
}

file_sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# ring_sizes: the distinct sizes of the instance's shard rings, comma-separated (the outer map
# has no BTF: its values are the inner map ids as little-endian bytes).
ring_sizes() {
	local id
	for id in $(bpftool -j map dump pinned "$PIN/colo_rings" |
		jq -r '.[].value | reverse | map(ltrimstr("0x")) | join("")'); do
		bpftool -j map show id "$((16#$id))" | jq .max_entries
	done | sort -u | paste -sd,
}

# A field of the daemon's last summary line ("final" or "stats"), e.g. summary_field checkpoints;
# primary/secondary pairs come as P/S (summary_field held: 0/0).
summary_field() {
	grep -E 'colo-xdp: (stats|final):' "$RUNLOG" | tail -n 1 | grep -oE " $1=[0-9/]+" |
		cut -d= -f2
}

cleanup() {
	local p i alive
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for ((i = 0; i < 50; i++)); do
		alive=0
		for p in "${PIDS[@]}"; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		[ "$alive" -eq 0 ] && break
		sleep 0.1
	done
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	# A killed daemon leaves its instance attached: detach it, then drop any pin left.
	if [ -d "$PIN" ] && [ -e "/run/netns/${PFX}proxy" ]; then
		for i in outside primary secondary; do
			ns proxy "$BIN" detach "$i" --instance "$INST" >/dev/null 2>&1
		done
	fi
	[ -d "$PIN" ] && rm -rf "$PIN"
	rm -rf "/run/colo-xdp/$INST" # a killed daemon's control socket, the owner lock
	"$NETNS" down "$PFX" >/dev/null 2>&1
	rm -rf "$WORK"
}

# Call first: root, bpffs, tools built, topology up, trap set. Exits on failure.
setup() {
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	if [ "$(id -u)" -ne 0 ]; then
		echo "not ok 1 - $(basename "$0") needs root (BPF programs, namespaces)"
		exit 1
	fi
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	for p in "$BIN" "$SERVE" "$AGENT" "$FIRST_SEEN"; do
		if [ ! -x "$p" ]; then
			echo "not ok 1 - $p missing (make tests-build)"
			exit 1
		fi
	done
	if ! command -v tcpdump >/dev/null; then
		echo "not ok 1 - tcpdump missing (scripts/deps.sh)"
		exit 1
	fi
	if ! "$NETNS" up "$PFX" >/dev/null; then
		echo "not ok 1 - netns.sh up $PFX"
		exit 1
	fi
}
