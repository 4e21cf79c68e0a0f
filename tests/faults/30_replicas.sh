#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Fault suite: the replicas and their links, under traffic (see lib_faults.bash for what every
# case measures). The loss, delay and reordering come from tests/faults/fault_inject.bpf.c on the
# replica's eth0 (no sch_netem here):
#   - the secondary's link down for 2 s, then up (the mirrored client traffic it missed is gone:
#     timeout checkpoints release the primary's output);
#   - the secondary's server killed mid-transfer (its connections end: mismatches, commits), then
#     restarted;
#   - the primary's server killed (its connections end early: the client gets a clean prefix of
#     the primary's stream, nothing else), then restarted;
#   - 2 % of the secondary's data frames dropped, and of the primary's;
#   - the secondary's data frames through a 100 Mbit/s queue (delay), and every 5th through a
#     50 Mbit/s queue while the rest pass (reordering).
# TAP output; needs root.
. "$(dirname "$0")/lib_faults.bash"

fault_setup
fault_start --shards 2 --compare-timeout 500

case_begin secondary-link-down 5
sleep 1.5
ip -n "${PFX}secondary" link set eth0 down
sleep 2
ip -n "${PFX}secondary" link set eth0 up
heal_now
case_end "secondary link down 2 s: held, timeout checkpoints release; nothing leaks" prefix

# restart_server ROLE: the bulk server of that replica again (after a kill).
restart_server() {
	bg "$1" "$SERVE" serve --port "$BULK_PORT" --bytes "$BULK_BYTES"
	wait_listen "$1" "$BULK_PORT"
	[ "$1" = primary ] && BULK_PRIMARY=$! || BULK_SECONDARY=$!
}

case_begin secondary-server-killed 5
sleep 1.5
kill -KILL "$BULK_SECONDARY"
sleep 1
restart_server secondary
heal_now
case_end "secondary's server killed mid-transfer: mismatches, commits; nothing leaks" prefix

case_begin primary-server-killed 5
sleep 1.5
kill -KILL "$BULK_PRIMARY"
sleep 1
restart_server primary
heal_now
case_end "primary's server killed mid-transfer: clients get clean prefixes; nothing leaks" prefix

case_begin secondary-loss 5
inject_start secondary --proto tcp --payload-only --drop-per-mille 20
sleep 2
inject_stop
heal_now
case_end "2 % of the secondary's data frames lost: held until retransmitted; nothing leaks" prefix

case_begin primary-loss 5
inject_start primary --proto tcp --payload-only --drop-per-mille 20
sleep 2
inject_stop
heal_now
case_end "2 % of the primary's data frames lost: retransmitted; nothing leaks" prefix

ns secondary tc qdisc add dev eth0 root handle 1: htb default 0
ns secondary tc class add dev eth0 parent 1: classid 1:20 htb rate 100mbit
case_begin secondary-delay 5
inject_start secondary --proto tcp --payload-only --slow
sleep 2
inject_stop
heal_now
case_end "secondary's data frames through a 100 Mbit/s queue: primary held; nothing leaks" prefix

ns secondary tc class change dev eth0 parent 1: classid 1:20 htb rate 50mbit
case_begin secondary-reorder 5
inject_start secondary --proto tcp --payload-only --slow-every 5
sleep 2
inject_stop
heal_now
case_end "every 5th secondary data frame overtaken (reordered): nothing leaks" prefix
ns secondary tc qdisc del dev eth0 root

check "SIGTERM: daemon exits 0" stop_daemon || show "$RUNLOG"
check "instance detached and unpinned" [ ! -e "$PIN" ]
finish
