#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Fault suite: malformed and unusual frames (build/tools/frame_blast: cut headers, bad IP and UDP
# lengths, a bad IHL or version, IPv4 options and an IPv6 extension header, a fragment, VLAN,
# QinQ, a non-IP ethertype, three VLAN tags), IPv4 and IPv6, beside the usual traffic (see
# lib_faults.bash for what every case measures):
#   - from the primary: each malformed frame counted as malformed, each non-IP one as non_ip;
#     the well-formed ones, with no counterpart from the secondary, reach the client only after
#     a checkpoint committed;
#   - from the secondary: counted the same way; none ever reaches the client;
#   - from the client (mirrored to both replicas): nothing breaks;
#   - VLAN: a datagram tagged 100 by the primary and 300 by the secondary is a mismatch; tagged
#     100 by both, it reaches the client with its tag.
# TAP output; needs root.
. "$(dirname "$0")/lib_faults.bash"

MARK_MAC=02:66:00:00:00:66
fault_setup
fault_start --shards 2 --compare-timeout 300

# cap_stat ROLE NAME: a capture counter of the instance.
cap_stat() {
	ns proxy "$BIN" status --json --instance "$INST" | jq ".instances[0].stats.$1.$2"
}

# marks_start: a capture of the frames frame_blast sent (its source MAC) arriving at the client.
marks_start() {
	nsenter --net="/run/netns/${PFX}client" -- tcpdump -i eth0 -n -e -Z root --immediate-mode \
		--time-stamp-precision=nano -tt "ether src $MARK_MAC" >"$WORK/marks" \
		2>"$WORK/marks.log" &
	MARKS=$!
	PIDS+=($MARKS)
	wait_for "$WORK/marks.log" 'listening on' 10
}

marks_stop() {
	sleep 0.5
	kill -INT "$MARKS" 2>/dev/null
	wait "$MARKS"
}

# blast ROLE: frame_blast's malformed set from ROLE's eth0, IPv4 and IPv6; sums its expectations
# into EXP_MALFORMED, EXP_NON_IP, EXP_IP.
blast() {
	local src4=$SERVICE4 dst4=$CLIENT4 src6=$SERVICE6 dst6=$CLIENT6 out fam
	if [ "$1" = client ]; then
		src4=$CLIENT4 dst4=$SERVICE4 src6=$CLIENT6 dst6=$SERVICE6
	fi
	EXP_MALFORMED=0 EXP_NON_IP=0 EXP_IP=0
	for fam in 4 6; do
		if [ $fam = 4 ]; then
			out=$(ns "$1" "$BLAST" --dev eth0 --src "$src4" --dst "$dst4" --malformed)
		else
			out=$(ns "$1" "$BLAST" --dev eth0 --src "$src6" --dst "$dst6" --malformed)
		fi
		EXP_MALFORMED=$((EXP_MALFORMED + $(jq .malformed <<<"$out")))
		EXP_NON_IP=$((EXP_NON_IP + $(jq .non_ip <<<"$out")))
		EXP_IP=$((EXP_IP + $(jq .ip <<<"$out")))
	done
}

# side_case ROLE: the malformed set from one replica, with the counter and client checks.
side_case() {
	local role=$1 m0 n0 c0 m1 n1 c1 t0 first commit
	case_begin "malformed-from-$role" 5
	marks_start
	sleep 1
	m0=$(cap_stat "$role" malformed) n0=$(cap_stat "$role" non_ip) c0=$(cap_stat "$role" captured)
	t0=$(now_ns)
	blast "$role"
	sleep 1.5
	m1=$(cap_stat "$role" malformed) n1=$(cap_stat "$role" non_ip) c1=$(cap_stat "$role" captured)
	check "$CASE: $EXP_MALFORMED counted malformed ($((m1 - m0)))" \
		[ $((m1 - m0)) -eq "$EXP_MALFORMED" ]
	check "$CASE: $EXP_NON_IP counted non-IP ($((n1 - n0)))" [ $((n1 - n0)) -eq "$EXP_NON_IP" ]
	check "$CASE: at least the $EXP_IP well-formed ones captured ($((c1 - c0)) in all)" \
		[ $((c1 - c0)) -ge "$EXP_IP" ]
	case_end "malformed frames from the $role: counted and dropped; the well-formed ones compared"
	marks_stop
	sed -i '/^$/d' "$WORK/marks"
	sed 's/^/# at the client: /' "$WORK/marks"
	first=$(awk 'NR == 1 { gsub(/\./, "", $1); print $1 }' "$WORK/marks")
	if [ "$role" = secondary ]; then
		check "$CASE: none reached the client ($(wc -l <"$WORK/marks"))" [ ! -s "$WORK/marks" ]
	else
		commit=$(grep -h '"event":"sent","type":"commit"' "$WORK"/agent.*.log |
			grep -oE '"realtime_ns":[0-9]+' | cut -d: -f2 | sort -n |
			awk -v t="$t0" '$1 > t { print; exit }')
		echo "# $(wc -l <"$WORK/marks") reached the client, the first at ${first:-never};" \
			"first COMMIT after the blast ${commit:-never}"
		check "$CASE: at most the $EXP_IP well-formed ones reached the client" \
			[ "$(wc -l <"$WORK/marks")" -le "$EXP_IP" ]
		check "$CASE: none before a checkpoint committed" \
			[ -z "$first" -o \( -n "$commit" -a "${first:-0}" -gt "${commit:-0}" \) ]
	fi
}

side_case primary
side_case secondary

case_begin malformed-from-client 5
sleep 1
blast client
case_end "malformed frames from the client (mirrored to both replicas): nothing breaks"

# VLAN tags: both replicas send one UDP datagram of the same payload on a fresh port, tagged.
vlan_pair() {
	ns primary "$BLAST" --dev eth0 --src "$SERVICE4" --dst "$CLIENT4" --udp-vlan "$2" \
		--port "$1" --dst-mac 02:77:00:00:00:01
	ns secondary "$BLAST" --dev eth0 --src "$SERVICE4" --dst "$CLIENT4" --udp-vlan "$3" \
		--port "$1" --dst-mac 02:77:00:00:00:01
}

CASE=vlan-mismatch
marks_start
vlan_pair 9 100 300
check "$CASE: tags 100 and 300 are a mismatch (checkpoint requested)" \
	wait_for "$RUNLOG" 'requested: reason=mismatch flow=udp 10\.77\.0\.2:9 > ' 5
ok_mm=$?
CASE=vlan-kept
vlan_pair 11 100 100
sleep 1
marks_stop
check "$CASE: tagged 100 by both: released with its tag" grep -q 'vlan 100.*\.11 > ' "$WORK/marks"
ok_kept=$?
check "vlan-mismatch: the mismatching datagram was released only with its primary tag" \
	bash -c "! grep -q 'vlan 300' '$WORK/marks'"
record_plain vlan-mismatch "a VLAN tag difference between the replicas is a mismatch" \
	"$((ok_mm == 0))"
record_plain vlan-kept "the tag(s) are on the released frame" "$((ok_kept == 0))"
grep -E ' > .*\.(9|11):' "$WORK/marks" | sed 's/^/# /'

check "SIGTERM: daemon exits 0" stop_daemon || show "$RUNLOG"
check "instance detached and unpinned" [ ! -e "$PIN" ]
finish
