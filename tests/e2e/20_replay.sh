#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Golden replay tests: build/tools/gen_pcap writes capture pairs for known scenarios, and
# `colo-xdp replay` must release exactly the expected primary frames, request the expected
# checkpoints, and write a RELEASED.pcap that libpcap (tcpdump -r) reads back byte for byte.
# Also the error paths: exit codes 1/2 with one-line messages. TAP output.
set -u
cd "$(dirname "$0")/../.."

BIN=${COLO_XDP:-build/colo-xdp}
GEN=${GEN_PCAP:-build/tools/gen_pcap}
. tests/e2e/lib_tap.bash

# check_eq "what" "expected" "actual"
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   expected: $2"
		echo "#   actual:   $3"
	fi
}

for f in "$BIN" "$GEN"; do
	if [ ! -x "$f" ]; then
		echo "not ok 1 - $f is built (run make tests-build)"
		exit 1
	fi
done

dir=$(mktemp -d /tmp/colo-replay.XXXXXX)
trap 'rm -rf "$dir"' EXIT
if ! "$GEN" "$dir" >"$dir/gen.log" 2>&1; then
	echo "not ok 1 - gen_pcap writes the scenarios"
	sed 's/^/#   /' "$dir/gen.log"
	exit 1
fi
ok "gen_pcap writes the scenarios"

# One line per frame (timestamp, summary and every byte), as libpcap reads it.
frames() {
	tcpdump -r "$1" -nn -tt -xx 2>/dev/null |
		awk '/^[0-9]/ { if (l != "") print l; l = $0; next } { l = l $0 } END { if (l != "") print l }'
}

# The primary frames at the given 0-based indexes, as frames() prints them.
pick() {
	local pcap=$1
	shift
	frames "$pcap" | awk -v want="$*" '
		BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) k[w[i]] = i }
		{ if ((NR - 1) in k) out[k[NR - 1]] = $0 }
		END { for (i = 1; i <= n; i++) print out[i] }'
}

# replay NAME [options...]: runs the replay of scenario NAME with --json; sets $json and $rc.
replay() {
	local name=$1
	shift
	rm -f "$dir/$name.rel.pcap"
	json=$("$BIN" replay "$dir/$name.p.pcap" "$dir/$name.s.pcap" -o "$dir/$name.rel.pcap" \
		--json "$@" 2>"$dir/err")
	rc=$?
}

jfield() {
	printf '%s\n' "$json" | jq -r "$1" | paste -sd, -
}

# golden NAME "released indexes" "checkpoint reasons" [options...]
golden() {
	local name=$1 rel=$2 cps=$3 what want got
	shift 3
	what="$name${*:+ $*}"
	replay "$name" "$@"
	check_eq "$what: exit 0, nothing on stderr" "0:" "$rc:$(cat "$dir/err")"
	check_eq "$what: released frames" "$rel" "$(jfield 'select(.event=="release") | .index')"
	check_eq "$what: checkpoints" "$cps" "$(jfield 'select(.event=="checkpoint") | .reason')"
	want=$(pick "$dir/$name.p.pcap" ${rel//,/ })
	got=$(frames "$dir/$name.rel.pcap")
	# Compared whole (timestamps and bytes); on a difference, show the frames' summaries.
	check_eq "$what: RELEASED.pcap holds exactly those primary frames" \
		"$(printf '%s\n' "$want" | cut -c1-100)" "$(printf '%s\n' "$got" | cut -c1-100)"
	[ "$want" = "$got" ] || not_ok "$what: RELEASED.pcap bytes equal the primary's"
}

golden identical "0,1,2,3,4,5" ""
check_eq "identical: every --json line is one JSON object, the summary last" "true" \
	"$(printf '%s\n' "$json" | jq -s -c 'all(type == "object") and (.[-1].event == "summary")')"
check_eq "identical: offset learned from the SYN-ACKs" "1000" \
	"$(jfield 'select(.event=="offset") | .seq_offset')"
check_eq "identical: summary counts every frame and byte" "6,6,6,2000,0" \
	"$(jfield 'select(.event=="summary") | [.frames.primary, .frames.secondary, .released,
		.compared_bytes, .held.primary] | map(tostring) | join(",")')"

golden segmentation "0,1,2,3,4,5" ""
check_eq "segmentation: every payload byte compared" "2000" \
	"$(jfield 'select(.event=="summary") | .compared_bytes')"

golden diverge "0,1,2,3,4,5" "mismatch"
check_eq "diverge: the commit follows the request" "1" "$(jfield 'select(.event=="commit") | .id')"
check_eq "diverge: the request names the first differing byte (750)" "primary 750" \
	"$(jfield 'select(.event=="checkpoint") | "\(.side) \(.at)"')"
golden diverge "0,1" "mismatch" --on-checkpoint hold
check_eq "diverge hold: the diverging frame and what follows stay held" "4" \
	"$(jfield 'select(.event=="summary") | .held.primary')"

golden timeout "0,1,2,3,4,5" "timeout" --compare-timeout 500
# The first unmatched primary frame is at 0.030 s: the request comes 500 ms later, 100 ms grid.
check_eq "timeout: requested within one tick of the timeout" "true" \
	"$(jfield 'select(.event=="checkpoint") | (.time - 1700000000.030) | (. >= 0.5 and . <= 0.6)')"
golden timeout "0,1,2,3,4,5" "timeout"
check_eq "timeout: the default timeout is 3 s" "true" \
	"$(jfield 'select(.event=="checkpoint") | (.time - 1700000000.030) | (. >= 3.0 and . <= 3.1)')"
check_eq "timeout: the request names the frame that waited (primary, byte 1000, >= 3 s)" \
	"primary 1000 true" \
	"$(jfield 'select(.event=="checkpoint") | "\(.side) \(.at) \(.waited >= 3.0)"')"
golden timeout "0,1,2" "timeout" --on-checkpoint hold
golden timeout "0,1,2,3,4,5" "queue_full" --max-queue 2

golden ipv6 "0,1,2,3,4,5" ""
check_eq "ipv6: flows print as IPv6" "tcp [fd00::1]:80 > [fd00::2]:40000" \
	"$(printf '%s\n' "$json" | jq -r 'select(.event=="release") | .flow' | sort -u)"

golden udp "0,1,2,3" "mismatch"
golden udp "0,1" "mismatch" --on-checkpoint hold

# Text summary without --json.
out=$("$BIN" replay "$dir/identical.p.pcap" "$dir/identical.s.pcap" 2>&1)
rc=$?
check_eq "text summary: exit 0" 0 "$rc"
check_eq "text summary: frames and releases" \
	"frames:      primary 6, secondary 6|released:    6 frames" \
	"$(printf '%s\n' "$out" | grep -E '^(frames|released):' | sed 's/, [0-9]* bytes$//' |
		paste -sd'|' -)"

# An empty capture is a valid capture.
replay empty
check_eq "empty captures: exit 0" 0 "$rc"
check_eq "empty captures: nothing released" "0" "$(jfield 'select(.event=="summary") | .released')"
check_eq "empty captures: RELEASED.pcap is a valid empty capture" "" "$(frames "$dir/empty.rel.pcap")"

# fails "what" exit-code "message regex" args...: exit code and exactly one line on stderr.
fails() {
	local what=$1 want=$2 re=$3 err lines
	shift 3
	err=$("$BIN" replay "$@" 2>&1 >/dev/null)
	rc=$?
	lines=$(printf '%s\n' "$err" | grep -c .)
	if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && printf '%s\n' "$err" | grep -Eq "$re"; then
		ok "$what: exit $want, one line"
	else
		not_ok "$what: exit $want, one line matching /$re/"
		echo "#   exit $rc, stderr: $err"
	fi
}

P=$dir/identical.p.pcap
S=$dir/identical.s.pcap
printf 'this is not a capture file, not at all\n' >"$dir/garbage.pcap"
head -c -10 "$P" >"$dir/truncated.pcap"

fails "missing file" 1 "nonexistent.pcap: .*No such file" "$dir/nonexistent.pcap" "$S"
fails "garbage file" 1 "garbage.pcap: .*(format|magic)" "$P" "$dir/garbage.pcap"
fails "wrong link type" 1 "linktype.pcap: link type RAW .* not supported" "$dir/linktype.pcap" "$S"
fails "truncated record" 1 "truncated.pcap: record 6: .*truncated" "$dir/truncated.pcap" "$S"
fails "unwritable output" 1 "no-such-dir" "$P" "$S" -o "$dir/no-such-dir/x.pcap"
fails "no arguments" 2 "missing arguments \\(usage: colo-xdp replay PRIMARY.pcap SECONDARY.pcap"
fails "one capture" 2 "missing arguments" "$P"
fails "three captures" 2 "unexpected argument '.*identical.s.pcap'" "$P" "$S" "$S"
fails "unknown option" 2 "unknown option '--bogus'" "$P" "$S" --bogus
fails "missing option argument" 2 "needs an argument" "$P" "$S" --compare-timeout
fails "bad timeout" 2 "compare-timeout" "$P" "$S" --compare-timeout 10x
fails "zero queue" 2 "max-queue" "$P" "$S" --max-queue 0
fails "bad policy" 2 "commit or hold" "$P" "$S" --on-checkpoint later

finish
