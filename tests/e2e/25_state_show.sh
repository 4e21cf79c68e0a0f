#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `colo-xdp state show FILE [--json]` on the streams the unit tests write
# (tests/fuzz/seeds/state_*): every record decoded in text and JSON, the frame bytes in the JSON
# equal to the file's, and the error paths: bad arguments exit 2, a truncated, flipped or foreign
# stream exits 1, each with one line naming what was wrong. TAP output.
set -u
cd "$(dirname "$0")/../.."

BIN=${COLO_XDP:-build/colo-xdp}
SAMPLE=tests/fuzz/seeds/state_sample
. tests/e2e/lib_tap.bash

if [ ! -x "$BIN" ]; then
	echo "not ok 1 - $BIN is built (run make tests-build)"
	exit 1
fi
TMP=$(mktemp -d /tmp/colo-state.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# expect_fail "what" CODE PATTERN command...: exits CODE with one stderr line matching PATTERN.
expect_fail() {
	local what=$1 code=$2 pattern=$3 rc
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq "$code" ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && [ ! -s "$TMP/out" ] &&
		grep -q -- "$pattern" "$TMP/err"; then
		ok "$what"
	else
		not_ok "$what (exit $rc)"
		sed 's/^/#   /' "$TMP/err"
	fi
}

"$BIN" state show "$SAMPLE" >"$TMP/text"
result $? "state show decodes the sample stream"
types=$(awk '{print $1}' "$TMP/text" | tr '\n' ' ')
[ "$types" = "global conn frame frame conn frame frame checkpoint agent end " ]
result $? "one line per record, in stream order ($types)"
grep -q '^conn id=1 shard=[0-3] key="tcp 10.0.0.1:80 > 10.0.0.2:40000" ' "$TMP/text" &&
	grep -q '^checkpoint id=7 reason="mismatch" state="requested" ' "$TMP/text" &&
	grep -q '^agent listen_fd=5 conn_fd=9 state="requested" txid=7 ' "$TMP/text"
result $? "text names the connection, the checkpoint and the agent session"

"$BIN" state show "$SAMPLE" --json >"$TMP/json"
result $? "state show --json decodes the sample stream"
[ "$(jq -r '[.records[].type] | join(" ")' "$TMP/json")" = \
	"global conn frame frame conn frame frame checkpoint agent end" ]
result $? "JSON holds every record"
[ "$(jq -r '.bytes' "$TMP/json")" = "$(stat -c %s "$SAMPLE")" ] &&
	[ "$(jq -r '.records[1].hist | length' "$TMP/json")" = 3 ] &&
	[ "$(jq -r '.records[0].opts.shards' "$TMP/json")" = 4 ]
result $? "JSON has the size, the options and the history entries"

# The first frame record's data starts 8 (record header) + 40 (fixed body) bytes into it.
off=$((24 + 8 + 440 + 8 + 160 + 3 * 16 + 8 + 40))
len=$(jq -r '.records[2].len' "$TMP/json")
file_hex=$(od -An -v -tx1 -j "$off" -N "$len" "$SAMPLE" | tr -d ' \n')
[ "$(jq -r '.records[2].data' "$TMP/json")" = "$file_hex" ] && [ "${#file_hex}" -eq $((2 * len)) ]
result $? "the frame's bytes in the JSON are the file's ($len bytes at $off)"

"$BIN" state show tests/fuzz/seeds/state_failover | grep -q '^global instance="t1" .*failover=true'
result $? "the failover stream decodes"

expect_fail "no FILE: exit 2" 2 "^colo-xdp: state: missing arguments" "$BIN" state show
expect_fail "two FILEs: exit 2" 2 "^colo-xdp: state: unexpected argument 'b'" "$BIN" state show a b
expect_fail "unknown option: exit 2" 2 "^colo-xdp: state: unknown option '--bogus'" \
	"$BIN" state show --bogus "$SAMPLE"
expect_fail "unknown verb: exit 2" 2 "^colo-xdp: state: unknown verb 'dump'" "$BIN" state dump \
	"$SAMPLE"
expect_fail "missing file: exit 1" 1 "No such file" "$BIN" state show "$TMP/none"

head -c 700 "$SAMPLE" >"$TMP/truncated"
expect_fail "truncated stream: exit 1" 1 "record 2 (frame) at byte 688: length .*truncated" \
	"$BIN" state show "$TMP/truncated" --json

cp "$SAMPLE" "$TMP/flipped"
printf '\x07' | dd of="$TMP/flipped" bs=1 seek=$((688 + 8 + 4)) conv=notrunc status=none
expect_fail "flipped side byte: exit 1, nothing printed" 1 "record 2 (frame) at byte 688: side 7" \
	"$BIN" state show "$TMP/flipped" --json

cp "$SAMPLE" "$TMP/version"
printf '\x02' | dd of="$TMP/version" bs=1 seek=12 conv=notrunc status=none
expect_fail "other version: exit 1" 1 "header: version 2: this build reads version 1" \
	"$BIN" state show "$TMP/version"

expect_fail "not a state stream: exit 1" 1 "header: magic" "$BIN" state show "$BIN"

finish
