#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Fault suite: the daemon itself, as a careless operator treats it, under traffic (bulk on 4
# connections and request/response, IPv4 and IPv6; see lib_faults.bash for what every case
# measures):
#   - kill -9 and a restart on the pinned instance (replica output is dropped in the kernel while
#     no daemon runs; the new run reattaches, the agent of the new run commits);
#   - SIGTERM of a --keep run and a restart;
#   - SIGSTOP for 2 s, then SIGCONT (the rings fill meanwhile: ring_full drops recover by
#     retransmission);
#   - a second `colo-xdp run` of the running instance: it must refuse with one line and leave
#     the running one untouched.
# TAP output; needs root.
. "$(dirname "$0")/lib_faults.bash"

DARGS=(--shards 2 --compare-timeout 500)
fault_setup
fault_start "${DARGS[@]}"

# The agent exits when its daemon goes away: each restart gets a new one.
restart() {
	check "$CASE: restarted on the pinned instance" start_daemon "${DARGS[@]}" || show "$RUNLOG"
	heal_now
	check "$CASE: a new agent connects" start_agent_log commit || show "$AGENTLOG"
}

case_begin kill9-restart 5
sleep 1.5
kill -KILL "$DAEMON"
wait "$DAEMON" 2>/dev/null
check "$CASE: the instance stays pinned" [ -d "$PIN" ]
sleep 1
restart
case_end "kill -9 mid-transfer, restart after 1 s: nothing leaks, every stream completes"

check "SIGTERM: exits 0" stop_daemon || show "$RUNLOG"
check "run --keep starts" start_daemon "${DARGS[@]}" --keep || show "$RUNLOG"
check "agent connects" start_agent_log commit || show "$AGENTLOG"
case_begin keep-restart 5
sleep 1.5
check "$CASE: SIGTERM of the --keep run exits 0" stop_daemon || show "$RUNLOG"
check "$CASE: the instance stays pinned and attached" [ -d "$PIN" ]
sleep 1
restart
case_end "SIGTERM of a --keep run mid-transfer, restart after 1 s: nothing leaks, streams complete"

case_begin sigstop 5
sleep 1.5
kill -STOP "$DAEMON"
sleep 2
kill -CONT "$DAEMON"
heal_now
case_end "SIGSTOP for 2 s: output held (ring_full printed), nothing leaks, streams complete after SIGCONT"
echo "# ring_full after SIGSTOP: $(summary_field ring_full)"

case_begin double-start 5
sleep 1
second_rc=0
ns proxy timeout 20 "$BIN" run --outside outside --primary primary --secondary secondary \
	--instance "$INST" --agent "$SOCK" >"$WORK/second.out" 2>&1 || second_rc=$?
check "$CASE: a second run of the running instance is refused (exit $second_rc)" \
	[ "$second_rc" -ne 0 ]
check "$CASE: ... with one line ($(head -n 1 "$WORK/second.out"))" \
	[ "$(wc -l <"$WORK/second.out")" -eq 1 ]
check "$CASE: the running instance keeps its pins" [ -e "$PIN/colo_rings" ]
check "$CASE: and its capture on the primary port" \
	[ -n "$(ns proxy tc filter show dev primary ingress)" ]
case_end "a second run of the same instance refuses with one line; the first keeps running"

check "SIGTERM: daemon exits 0" stop_daemon || show "$RUNLOG"
check "instance detached and unpinned" [ ! -e "$PIN" ]
finish
