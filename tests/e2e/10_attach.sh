#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# colo-xdp attach/detach/status on a veth pair between two namespaces of this run: every role and
# hook (tc; XDP native and skb), traffic that the programs must see (conntrack entry readable with
# bpftool, counters in `status --json`), the CLI's error exits, rollback of a failed attach, and a
# detach that leaves nothing of ours behind (programs, tc filters, clsact, XDP, pins).
# TAP output; needs root.
set -u
cd "$(dirname "$0")/../.."

BIN=${COLO_XDP:-$PWD/build/colo-xdp} # COLO_XDP=build-san/colo-xdp runs it under ASan
P=cx$$
NA=${P}a
NB=${P}b
PIN=/sys/fs/bpf/colo-xdp
RING=16777216
. tests/e2e/lib_tap.bash

# check_rc "what" expected-exit command...: its stderr is shown (as TAP comments) on a mismatch.
check_rc() {
	local what=$1 want=$2 rc errs
	shift 2
	errs=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$what (exit $rc)"
		return 0
	fi
	not_ok "$what (exit $rc, want $want)"
	printf '%s\n' "$errs" | head -n 5 | sed 's/^/# /'
	return 1
}

if [ "$(id -u)" -ne 0 ]; then
	echo "not ok 1 - 10_attach.sh needs root (BPF programs, namespaces)"
	exit 1
fi
if [ ! -x "$BIN" ]; then
	echo "not ok 1 - $BIN is missing (make tests-build)"
	exit 1
fi

cleanup() {
	local d
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	for d in "$PIN/$P"-*; do
		[ -d "$d" ] && rm -rf "$d"
	done
	rmdir "$PIN" 2>/dev/null
	return 0
}
trap cleanup EXIT

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

ina() { nsenter --net="/run/netns/$NA" "$@"; }
inb() { nsenter --net="/run/netns/$NB" "$@"; }
cx() { ina "$BIN" "$@"; }

# mac ina|inb: eth0's address in that namespace (/sys under nsenter --net is the caller's view).
mac() {
	"$1" ip -j link show dev eth0 | jq -r '.[0].address'
}

# eth0 in A (where we attach) <-> eth0 in B (the traffic source), static neighbours both ways so
# that no ARP is needed when the capture program holds everything.
setup() {
	ip netns add "$NA" && ip netns add "$NB" &&
		ip link add eth0 netns "$NA" type veth peer name eth0 netns "$NB" &&
		ina sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
		inb sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
		ina ip addr add 10.77.0.1/24 dev eth0 && inb ip addr add 10.77.0.2/24 dev eth0 &&
		ina ip link set eth0 up && inb ip link set eth0 up && ina ip link set lo up &&
		inb ip neigh replace 10.77.0.1 dev eth0 lladdr "$(mac ina)" &&
		ina ip neigh replace 10.77.0.2 dev eth0 lladdr "$(mac inb)"
}
check "two namespaces with a veth pair" setup || exit 1

# Sends traffic into A's eth0 ingress: one ICMP echo and one UDP datagram from B.
traffic_in() {
	inb ping -c 1 -W 1 10.77.0.1 >/dev/null 2>&1
	inb bash -c 'echo colo > /dev/udp/10.77.0.1/9' 2>/dev/null
	return 0
}

# A TCP SYN out of A's eth0 (egress): the secondary's rewriter sees it.
traffic_out() {
	ina timeout 1 bash -c 'echo > /dev/tcp/10.77.0.2/9' 2>/dev/null
	return 0
}

# json_stat instance role field
json_stat() {
	cx status --json --instance "$1" | jq -e ".instances[0].stats.$2.$3"
}

# Ids of the programs an instance recorded on its interface (ingress and egress).
prog_ids() {
	cx status --json --instance "$1" |
		jq -r '.instances[0].interfaces[] | .ingress_prog_id, .egress_prog_id' | grep -v '^0$'
}

# Nothing of ours on A's eth0 or under the pins, and none of the given program ids loaded.
nothing_left() {
	local inst=$1 id
	shift
	[ ! -e "$PIN/$inst" ] || { echo "# $PIN/$inst still exists"; return 1; }
	[ -z "$(ina tc filter show dev eth0 ingress)" ] || { echo "# tc ingress filter left"; return 1; }
	[ -z "$(ina tc filter show dev eth0 egress)" ] || { echo "# tc egress filter left"; return 1; }
	! ina tc qdisc show dev eth0 | grep -q clsact || { echo "# clsact left"; return 1; }
	! ina ip link show dev eth0 | grep -q 'prog/xdp' || { echo "# XDP program left"; return 1; }
	# The kernel frees a detached program after an RCU grace period: give it a moment.
	for id in "$@"; do
		for _ in $(seq 50); do
			bpftool prog show id "$id" >/dev/null 2>&1 || continue 2
			sleep 0.1
		done
		echo "# prog $id still loaded"
		return 1
	done
}

# One role/hook on A's eth0: attach, traffic, conntrack dump, counters, detach, clean.
# run_case label role counter-role counter hook-args...
run_case() {
	local label=$1 role=$2 crole=$3 counter=$4 inst="$P-$1" ids before after
	shift 4
	if ! check_rc "$label: attach" 0 cx attach eth0 --role "$role" --instance "$inst" \
		--ring-size $RING --shards 2 "$@"; then
		check "$label: a failed attach leaves nothing" nothing_left "$inst"
		return
	fi
	check "$label: pin dir is mode 0700" \
		test "$(stat -c %a "$PIN/$inst" 2>/dev/null)" = 700
	case "$*" in
	*xdp*) check "$label: XDP program on eth0" \
		bash -c "nsenter --net=/run/netns/$NA ip link show dev eth0 | grep -q 'prog/xdp.*colo_capture'" ;;
	*) check "$label: tc ingress filter on eth0" \
		bash -c "nsenter --net=/run/netns/$NA tc filter show dev eth0 ingress | grep -q colo_" ;;
	esac
	if [ "$role" = secondary ]; then
		check "$label: tc egress rewriter on eth0" \
			bash -c "nsenter --net=/run/netns/$NA tc filter show dev eth0 egress | grep -q colo_rewrite"
	fi
	ids=$(prog_ids "$inst")
	before=$(json_stat "$inst" "$crole" "$counter")
	traffic_in
	[ "$role" = secondary ] && traffic_out
	after=$(json_stat "$inst" "$crole" "$counter")
	check "$label: status --json counter $crole.$counter moved (${before:-?} -> ${after:-?})" \
		test "${after:-0}" -gt "${before:-0}"
	if [ "$role" != outside ]; then
		check "$label: bpftool dumps a conntrack entry with field names" \
			bash -c "bpftool map dump pinned $PIN/$inst/colo_conntrack | grep -q '\"packets\"'"
	fi
	check_rc "$label: detach" 0 cx detach eth0 --instance "$inst"
	# shellcheck disable=SC2086 # ids is a list
	check "$label: nothing of ours left after detach" nothing_left "$inst" $ids
}

run_case primary-tc primary primary captured
run_case primary-xdp-native primary primary captured --hook xdp --mode native
run_case primary-xdp-skb primary primary captured --hook xdp --mode skb
run_case secondary-tc secondary secondary rewrite_miss
run_case secondary-xdp-skb secondary secondary captured --hook xdp --mode skb
run_case outside-tc outside outside seen

# Errors: usage errors exit 2, runtime errors 1, and a refused attach changes nothing.
E=$P-err
check_rc "unknown interface" 1 cx attach nosuch0 --role primary --instance "$E"
check_rc "unknown role" 2 cx attach eth0 --role tertiary --instance "$E"
check_rc "missing role" 2 cx attach eth0 --instance "$E"
check_rc "bad number" 2 cx attach eth0 --role primary --shards 1x --instance "$E"
check_rc "ring size not a power of 2" 2 cx attach eth0 --role primary --ring-size 5000
check_rc "ring size below one window per replica (4096)" 2 \
	cx attach eth0 --role primary --ring-size 4096
check_rc "instance name with '.' (bpffs refuses it)" 2 \
	cx attach eth0 --role primary --instance "$E.1"
check "... nothing created for it" test ! -e "$PIN/$E.1"
check_rc "unknown option" 2 cx attach eth0 --role primary --frobnicate
check_rc "outside on XDP" 2 cx attach eth0 --role outside --hook xdp
check_rc "unknown subcommand" 2 cx frobnicate
check_rc "detach of an interface not attached" 1 cx detach eth0
check_rc "status of an unknown instance" 1 cx status --instance "$P-none"
check_rc "attach as an unprivileged user" 1 \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" attach eth0 --role primary
check_rc "status as an unprivileged user" 1 \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" status
check "no instance created by the refused attaches" test ! -e "$PIN/$E"

check_rc "attach primary for the conflict cases" 0 \
	cx attach eth0 --role primary --instance "$E" --ring-size $RING
ids=$(prog_ids "$E")
check_rc "already attached, same instance" 1 cx attach eth0 --role secondary --instance "$E"
check_rc "already attached, other instance" 1 \
	cx attach eth0 --role primary --instance "$E-2" --ring-size $RING
check "the other instance was not created" test ! -e "$PIN/$E-2"
check_rc "second primary in one instance (lo)" 1 \
	cx attach lo --role primary --instance "$E" --ring-size $RING
check "lo left clean by the refused attach" \
	bash -c "[ -z \"\$(nsenter --net=/run/netns/$NA tc qdisc show dev lo | grep clsact)\" ]"
check "status lists one interface" \
	test "$(cx status --json --instance "$E" | jq '.instances[0].interfaces | length')" = 1
check_rc "instance from another namespace" 1 \
	inb "$BIN" attach eth0 --role secondary --instance "$E" --ring-size $RING
check_rc "detach without --instance finds the instance" 0 cx detach eth0
# shellcheck disable=SC2086 # ids is a list
check "nothing left after the conflict cases" nothing_left "$E" $ids

# A failure after the programs loaded (lo has no native XDP) rolls the new instance back.
check_rc "native XDP on lo fails" 1 \
	cx attach lo --role primary --instance "$E-lo" --hook xdp --mode native --ring-size $RING
check "failed attach left no pins" test ! -e "$PIN/$E-lo"
check "failed attach left no XDP on lo" bash -c "! nsenter --net=/run/netns/$NA ip link show lo | grep -q prog/xdp"

# One instance over two interfaces: detaching one keeps the instance, `detach --instance` the rest.
M=$P-multi
check_rc "attach primary on eth0" 0 \
	cx attach eth0 --role primary --instance "$M" --ring-size $RING --shards 2
check_rc "other shard count for the instance" 1 cx attach lo --role outside --instance "$M" --shards 3
check_rc "other ring size for the instance" 1 \
	cx attach lo --role outside --instance "$M" --ring-size $((RING * 2))
check "the instance has 2 rings" test "$(bpftool -j map dump pinned "$PIN/$M/colo_rings" | jq length)" = 2
check_rc "attach outside on lo, same instance" 0 cx attach lo --role outside --instance "$M"
check "status lists both interfaces" \
	test "$(cx status --json --instance "$M" | jq '.instances[0].interfaces | length')" = 2
check "config holds the outside ifindex (lo is 1)" \
	test "$(cx status --json --instance "$M" | jq '.instances[0].config_ifindex.outside')" = 1
check_rc "detach lo" 0 cx detach lo
check "config no longer holds the outside ifindex" \
	test "$(cx status --json --instance "$M" | jq '.instances[0].config_ifindex.outside')" = 0
check "the instance stays with eth0" \
	test "$(cx status --json --instance "$M" | jq -r '.instances[0].interfaces[].name')" = eth0
check_rc "attach secondary on lo" 0 cx attach lo --role secondary --instance "$M"
ids=$(prog_ids "$M")
check "secondary on lo has a tc egress rewriter" \
	bash -c "nsenter --net=/run/netns/$NA tc filter show dev lo egress | grep -q colo_rewrite"
check_rc "detach --instance without an interface" 0 cx detach --instance "$M"
# shellcheck disable=SC2086 # ids is a list
check "nothing left on eth0 nor under the pins" nothing_left "$M" $ids
check "nothing left on lo" bash -c "[ -z \"\$(nsenter --net=/run/netns/$NA tc qdisc show dev lo | grep clsact)\" ]"
check_rc "detach with neither interface nor instance" 2 cx detach

# Two attaches of one interface racing into two new instances: exactly one wins, the loser
# leaves no instance behind.
R=$P-race
cx attach eth0 --role primary --instance "$R-1" --ring-size $RING 2>/dev/null &
pid1=$!
cx attach eth0 --role primary --instance "$R-2" --ring-size $RING 2>/dev/null &
pid2=$!
wait $pid1
rc1=$?
wait $pid2
rc2=$?
check "racing attaches: one succeeds, one is refused (exits $rc1 and $rc2)" \
	test "$((rc1 + rc2))" = 1 -a "$((rc1 * rc2))" = 0
check "racing attaches: exactly one instance exists" \
	test "$(cx status --json | jq "[.instances[].name | select(startswith(\"$R-\"))] | length")" = 1
ids=$( (prog_ids "$R-1"; prog_ids "$R-2") 2>/dev/null)
check_rc "racing attaches: detach the winner" 0 cx detach eth0
# shellcheck disable=SC2086 # ids is a list
check "racing attaches: nothing left" nothing_left "$R-1" $ids
check "racing attaches: no second instance left" test ! -e "$PIN/$R-2"

# A clsact qdisc that was there before attach stays after detach.
Q=$P-qdisc
ina tc qdisc add dev eth0 clsact
check_rc "attach onto an existing clsact" 0 cx attach eth0 --role primary --instance "$Q" --ring-size $RING
check "status shows clsact not created by us" \
	test "$(cx status --json --instance "$Q" | jq '.instances[0].interfaces[0].created_clsact')" = false
check_rc "detach" 0 cx detach eth0
check "the pre-existing clsact is kept, our filter gone" \
	bash -c "nsenter --net=/run/netns/$NA tc qdisc show dev eth0 | grep -q clsact &&
		[ -z \"\$(nsenter --net=/run/netns/$NA tc filter show dev eth0 ingress)\" ]"
ina tc qdisc del dev eth0 clsact

# An instance pinned by another build (here: colo_stats with larger values): status refuses it
# with one line instead of reading values into buffers sized for this build's structs.
S=$P-stale
check_rc "attach for the stale-pin case" 0 cx attach eth0 --role primary --instance "$S" --ring-size $RING
vbytes=$(bpftool map show pinned "$PIN/$S/colo_stats" -j | jq .bytes_value)
rm -f "$PIN/$S/colo_stats"
bpftool map create "$PIN/$S/colo_stats" type percpu_array key 4 value $((vbytes + 64)) entries 3 \
	name colo_stats
errs=$(cx status --instance "$S" 2>&1 >/dev/null)
rc=$?
check "status refuses an instance pinned by another build (exit $rc)" test "$rc" = 1
check "and says why in its first line" \
	bash -c "printf '%s\n' \"\$1\" | head -n 1 | grep -q 'map colo_stats has 4-byte keys and $((vbytes + 64))-byte values'" _ "$errs"

echo "# $n tests, $failed failed"
finish
