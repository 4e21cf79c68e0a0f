#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make soak: SOAK_SECONDS (default 1800) of mixed traffic through one daemon (the fault suite's
# downloads and request/response loops, plus short connections), with a fault every
# SOAK_FAULT_EVERY seconds (default 60) in turn: 2 % loss on the secondary's link, the daemon
# stopped for 1 s, the secondary's server killed and restarted, a burst of malformed frames from
# the primary. Every 10 s it samples the daemon's RSS and fds, its held frames and bytes, and its
# counters into bench/results/soak-<date>.csv, and at the end plots them into soak-<date>.png
# (python3-matplotlib, installed by `scripts/deps.sh soak`). Checks at the end: no leaked byte
# (pcap_leak over the last fault window), no wrong download byte, the daemon alive; the RSS and fd
# trends are for the reader of the plot. TAP output; needs root.
. "$(dirname "$0")/lib_faults.bash"

SOAK_SECONDS=${SOAK_SECONDS:-1800}
SOAK_FAULT_EVERY=${SOAK_FAULT_EVERY:-60}
SAMPLE_EVERY=10
# 500 short connections a minute reuse client ports: pcap_leak judges every other flow.
FAULT_UNKNOWN_OK=1
STAMP=$(date -u +%Y-%m-%dT%H%M)
CSV=$PWD/bench/results/soak-$STAMP.csv
PNG=$PWD/bench/results/soak-$STAMP.png

fault_setup
fault_start --shards 2 --compare-timeout 500

# sample T: one CSV row from /proc and the daemon's last summary line.
sample() {
	local held
	held=$(summary_field held | tr '/' ' ')
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$1" "$(daemon_rss_kb)" "$(daemon_fds)" \
		"${held% *}" "${held#* }" "$(summary_field held_bytes)" \
		"$(summary_field checkpoints)" "$(summary_field ring_full)" \
		"$(summary_field mem_refused)" >>"$CSV"
}

# fault N: the Nth periodic fault.
fault() {
	case $(($1 % 4)) in
	0)
		inject_start secondary --proto tcp --payload-only --drop-per-mille 20
		sleep 3
		inject_stop
		;;
	1)
		kill -STOP "$DAEMON"
		sleep 1
		kill -CONT "$DAEMON"
		;;
	2)
		kill -KILL "$BULK_SECONDARY"
		sleep 1
		bg secondary "$SERVE" serve --port "$BULK_PORT" --bytes "$BULK_BYTES"
		BULK_SECONDARY=$!
		;;
	3)
		ns primary "$BLAST" --dev eth0 --src "$SERVICE4" --dst "$CLIENT4" --malformed >/dev/null
		;;
	esac
}

mkdir -p bench/results
echo "t_s,rss_kb,fds,held_p,held_s,held_bytes,checkpoints,ring_full,mem_refused" >"$CSV"
t0=$EPOCHSECONDS
nfault=0
: >"$WORK/short.log"
# sample_until T: samples every SAMPLE_EVERY seconds until epoch second T.
sample_until() {
	while [ "$EPOCHSECONDS" -lt "$1" ]; do
		sample $((EPOCHSECONDS - t0))
		sleep "$SAMPLE_EVERY"
	done
}
# Windows of SOAK_FAULT_EVERY seconds, the fault in the middle, each judged on its own captures.
while [ $((EPOCHSECONDS - t0)) -lt "$SOAK_SECONDS" ]; do
	w0=$EPOCHSECONDS
	case_begin "soak-window-$nfault" "$SOAK_FAULT_EVERY"
	ns client "$LOAD" bulk --connect "$SERVICE4" --port "$RR_PORT" --conns 500 --active 20 \
		--bytes 1000000 >>"$WORK/short.log" 2>&1 &
	short=$!
	sample_until $((w0 + SOAK_FAULT_EVERY / 2))
	fault "$nfault"
	heal_now
	sample_until $((w0 + SOAK_FAULT_EVERY))
	wait "$short"
	case_end "soak window $nfault, fault $((nfault % 4))" prefix
	nfault=$((nfault + 1))
done
sample $((EPOCHSECONDS - t0))
echo "# samples in $CSV"
check "plot written ($PNG)" /usr/bin/python3 tests/faults/soak_plot.py "$CSV" "$PNG"
check "SIGTERM: daemon exits 0" stop_daemon || show "$RUNLOG"
finish
