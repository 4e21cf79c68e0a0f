#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Divergence captures (issue 15): `colo-xdp run --capture-dir` writes, at the checkpoint trigger
# of a download whose secondary serves one different byte at offset K, a pcapng with both
# sides' recent frames: tcpdump reads it, the packets that hold byte K on each side say so in
# their comments (and hold it: sequence from each side's SYN, differing values), and
# `colo-xdp replay` on its two sides' pcaps reproduces the same trigger (mismatch at K).
# TAP output; needs root.
. "$(dirname "$0")/lib_dataplane.bash"

SIZE=400000
K=100000
PORT=5175
CAP=$WORK/captures
PY=/usr/bin/python3

setup
servers "$PORT" "$SIZE" "$K"
# The daemon's log as systemd would connect it: JOURNAL_STREAM names the stream's device:inode.
: >"$RUNLOG"
export JOURNAL_STREAM
JOURNAL_STREAM=$(stat -c %d:%i "$RUNLOG")
check "colo-xdp run starts with --capture-dir, --log-format json, stdout/stderr the journal" \
	start_daemon --shards 2 --compare-timeout 60000 --capture-dir "$CAP" --capture-max 8 \
	--log-format json || {
	show "$RUNLOG"
	exit 1
}
check "agent connects" start_agent commit || show "$AGENTLOG"
nsenter --net="/run/netns/${PFX}client" -- timeout 30 "$SERVE" fetch --connect "$SERVICE4" \
	--port "$PORT" --out "$WORK/got" >/dev/null
check "the download completes after the checkpoint" \
	[ "$(stat -c %s "$WORK/got" 2>/dev/null)" = "$SIZE" ]
check "daemon logged the trigger at=$K" grep -qE \
	"checkpoint 1 requested: reason=mismatch flow=tcp 10\.77\.0\.2:$PORT > \S+ side=primary at=$K " \
	"$RUNLOG"
check "daemon logged the capture" wait_for "$RUNLOG" 'capture written: ' 5 || show "$RUNLOG"
base=$(find "$CAP" -name "$INST-*-mismatch.pcapng" | head -n 1)
base=${base%.pcapng}
check "one capture: .pcapng, .primary.pcap, .secondary.pcap" \
	[ -n "$base" ] && [ -s "$base.pcapng" ] && [ -s "$base.primary.pcap" ] &&
	[ -s "$base.secondary.pcap" ]
tcpdump -nn -r "$base.pcapng" >"$WORK/td.txt" 2>"$WORK/td.err"
rc=$?
check "tcpdump -r reads the pcapng ($(wc -l <"$WORK/td.txt") packets)" \
	[ "$rc" -eq 0 ] && [ "$(wc -l <"$WORK/td.txt")" -gt 10 ] || show "$WORK/td.err"
check "its packets are the flow's, both ways of the replicas' output" \
	grep -q "10.77.0.2.$PORT > 10.77.0.1" "$WORK/td.txt"
check "the pcapng's comments name byte $K on each side, and the bytes there differ" \
	"$PY" tests/tools/pcapng_check.py "$base.pcapng" "$K"
"$BIN" replay "$base.primary.pcap" "$base.secondary.pcap" --json >"$WORK/replay.json" 2>&1
check "colo-xdp replay on its two sides: the same trigger (mismatch at=$K)" \
	grep -qE "\"event\":\"checkpoint\".*\"reason\":\"mismatch\".*\"side\":\"primary\",\"at\":$K[,}]" \
	"$WORK/replay.json" || show "$WORK/replay.json" 5
check "SIGTERM: daemon exits 0" stop_daemon || show "$RUNLOG" 40
unset JOURNAL_STREAM
check "every log line: a journald priority, then one JSON object with time, level, msg" \
	"$PY" -c 'import json, re, sys
prio = {"error": 3, "warning": 4, "info": 6, "debug": 7}
n = 0
for line in open(sys.argv[1]):
    m = re.match(r"<(\d)>(.*)$", line)
    o = json.loads(m.group(2))
    assert prio[o["level"]] == int(m.group(1)) and o["time"].endswith("Z") and o["msg"], line
    n += 1
assert n > 5
' "$RUNLOG" || show "$RUNLOG" 5
"$BIN" run --outside lo --primary lo --secondary x --capture-max 1 2>"$WORK/err"
rc=$?
check "--capture-max 1: exit 2, one line" [ "$rc" -eq 2 ] && [ "$(wc -l <"$WORK/err")" -eq 1 ]
finish
