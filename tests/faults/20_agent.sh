#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Fault suite: the checkpoint agent misbehaves while a download diverges (the secondary serves
# one different byte at offset K of port DIV_PORT) beside the usual identical traffic (see
# lib_faults.bash for what every case measures). In every case no byte at or after K may reach
# the client before an agent's COMMIT (client-side capture), and the divergent download must end
# with the primary's bytes once a working agent commits:
#   - no agent at all: the request waits, then goes to the agent that connects;
#   - a hung agent (connects, never answers), replaced by a working one;
#   - an agent that dies (kill -9) between BEGIN and COMMIT, replaced by a working one;
#   - garbage on the agent socket instead of HELLO: refused, the next agent is served;
#   - a second agent while one is connected: refused, the first keeps working.
# TAP output; needs root.
. "$(dirname "$0")/lib_faults.bash"

DIV_PORT=5403
DIV_BYTES=3000000
K=1000000

fault_setup
servers "$DIV_PORT" "$DIV_BYTES" "$K"
check "colo-xdp run starts (no agent yet)" start_daemon --shards 2 --compare-timeout 500 || {
	show "$RUNLOG"
	exit 1
}

# diverge_start: the divergent download in the background (from DIV_T0 on).
diverge_start() {
	DIV_T0=$(now_ns)
	rm -f "$WORK/div"
	nsenter --net="/run/netns/${PFX}client" -- timeout 30 "$SERVE" fetch --connect "$SERVICE4" \
		--port "$DIV_PORT" --out "$WORK/div" >/dev/null 2>&1 &
	DIV=$!
}

# diverge_end WHEN_NS: the download ended with the primary's bytes, and no byte at or after K
# reached the client before WHEN_NS (the first COMMIT of a working agent).
diverge_end() {
	local past
	wait "$DIV"
	check "$CASE: the divergent download ends with the primary's bytes" \
		cmp -s "$WORK/div" "$WORK/want.div" || echo "# got $(stat -c %s "$WORK/div") bytes"
	past=$(first_seen_cap "$K")
	echo "# first byte >= $K at ${past:-never}, first COMMIT at ${1:-never}"
	check "$CASE: no byte at or after $K before the COMMIT" earlier "$1" "$past"
}

first_seen_cap() {
	"$FIRST_SEEN" --port "$DIV_PORT" --offset "$1" "$WORK/cap.eth0.pcap"
}

# commit_sent_at: realtime ns of the current agent's first COMMIT.
commit_sent_at() {
	agent_sent_at commit
}

"$SERVE" pattern --bytes "$DIV_BYTES" >"$WORK/want.div"

case_begin agent-absent 5
diverge_start
check "$CASE: the daemon holds the request (no agent)" \
	wait_for "$RUNLOG" 'checkpoint 1 requested \(agent not connected' 10
sleep 2
heal_now
check "$CASE: an agent connects" start_agent_log commit
FDS_REF=$(daemon_fds)
case_end "no agent when a divergence needs a checkpoint: held; the request goes to the next agent"
diverge_end "$(commit_sent_at)"

stop_agent
case_begin agent-hung 5
diverge_start
check "$CASE: an agent that never answers connects" start_agent_log never
check "$CASE: it gets the request" wait_for "$AGENTLOG" '"event":"request"' 10
sleep 2
stop_agent
heal_now
check "$CASE: a working agent replaces it" start_agent_log commit
case_end "a hung agent: held until a working agent replaces it; the request is sent again"
diverge_end "$(commit_sent_at)"

stop_agent
case_begin agent-dies-mid-checkpoint 5
diverge_start
check "$CASE: an agent that begins and commits after 10 s connects" \
	start_agent_log delay --delay-ms 10000
check "$CASE: it begins the checkpoint" wait_for "$AGENTLOG" '"type":"begin"' 10
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
sleep 1
heal_now
check "$CASE: a working agent replaces it" start_agent_log commit
case_end "the agent dies between BEGIN and COMMIT: held; the next agent gets the request again"
diverge_end "$(commit_sent_at)"

stop_agent
case_begin agent-malformed 5
# socat may see the daemon close the connection before it wrote everything: that is the point.
printf 'GET / HTTP/1.0\r\n\r\n%.0s' {1..8} | timeout 5 socat -t 2 - "UNIX-CONNECT:$SOCK" \
	>/dev/null 2>&1
check "$CASE: the daemon logs a protocol error and closes" \
	wait_for "$RUNLOG" 'agent: protocol error' 10
diverge_start
sleep 1
heal_now
check "$CASE: the next agent is served" start_agent_log commit
case_end "garbage on the agent socket: refused with one log line; the next agent is served"
diverge_end "$(commit_sent_at)"

case_begin second-agent 5
first_agent=$AGENT_PID
first_log=$AGENTLOG
"$AGENT" --socket "$SOCK" --mode commit --once >"$WORK/agent.second.out" 2>&1
second_rc=$?
check "$CASE: a second agent is refused (exit $second_rc)" [ "$second_rc" -ne 0 ]
check "$CASE: ... told busy" grep -q '"code":"busy"' "$WORK/agent.second.out"
check "$CASE: the first agent is still connected" kill -0 "$first_agent"
diverge_start
case_end "a second agent while one is connected: refused (busy); the first keeps serving"
# The first agent's first COMMIT after this download started.
diverge_end "$(grep '"event":"sent","type":"commit"' "$first_log" |
	grep -oE '"realtime_ns":[0-9]+' | cut -d: -f2 | awk -v t="$DIV_T0" '$1 > t { print; exit }')"

check "SIGTERM: daemon exits 0" stop_daemon || show "$RUNLOG"
check "instance detached and unpinned" [ ! -e "$PIN" ]
finish
