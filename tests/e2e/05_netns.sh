#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# scripts/netns.sh: the four-namespace topology goes up and down cleanly, with the addresses,
# MACs and link states the dataplane expects, and nothing forwarded without a dataplane.
set -u
cd "$(dirname "$0")/../.."

P="cx$$-"
Q="cy$$-"
NETNS=scripts/netns.sh
. tests/e2e/lib_tap.bash

cleanup() {
	$NETNS down "$P" >/dev/null 2>&1
	$NETNS down "$Q" >/dev/null 2>&1
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "not ok 1 - needs root (network namespaces)"
	exit 1
fi
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

in_ns() {
	local role=$1
	shift
	COLO_NETNS_PREFIX=$P $NETNS exec "$role" "$@"
}

host_links_before=$(ip -o link show | awk -F': ' '{print $2}' | sort)

out=$($NETNS up "$P" 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && [[ $out == "netns up: ${P}"* ]]
result $? "up succeeds and prints one line ($out)"

missing=0
for r in client proxy primary secondary; do
	[ -e "/run/netns/$P$r" ] || missing=1
done
result $missing "the four namespaces exist"

addrs() {
	in_ns "$1" ip -br addr show dev eth0 | awk '{ $1 = ""; $2 = ""; print }'
}
a=$(addrs client)
[[ $a == *"10.77.0.1/24"* && $a == *"fd77::1/64"* ]]
result $? "client has 10.77.0.1/24 and fd77::1/64 ($a)"
a=$(addrs primary)
b=$(addrs secondary)
[[ $a == *"10.77.0.2/24"* && $a == *"fd77::2/64"* && $b == *"10.77.0.2/24"* && $b == *"fd77::2/64"* ]]
result $? "primary and secondary both have 10.77.0.2/24 and fd77::2/64"

# Through ip, not /sys: sysfs keeps showing the host's namespace under nsenter --net.
mac() {
	in_ns "$1" ip -br link show dev eth0 | awk '{ print $3 }'
}
[ "$(mac primary)" = "$(mac secondary)" ] && [ "$(mac primary)" != "$(mac client)" ]
result $? "primary and secondary share a MAC ($(mac primary)), the client's differs"

tent=$(in_ns primary ip -6 addr show dev eth0 | grep -c tentative)
[ "$tent" -eq 0 ]
result $? "replica IPv6 addresses, link-local included, are usable at once (no DAD)"

down_links=0
for r in client primary secondary; do
	in_ns "$r" ip -br link show dev eth0 | grep -q ' UP ' || down_links=1
done
for l in outside primary secondary; do
	in_ns proxy ip -br link show dev "$l" | grep -q ' UP ' || down_links=1
done
result $down_links "all six veth ends are up"

paddr=$(in_ns proxy ip -o addr show | grep -v ' lo ' | wc -l)
[ "$paddr" -eq 0 ]
result $? "proxy ports carry no address (IPv6 disabled: no link-local either)"

v6off=$(in_ns proxy sysctl -n net.ipv6.conf.outside.disable_ipv6 \
	net.ipv6.conf.primary.disable_ipv6 net.ipv6.conf.secondary.disable_ipv6 | sort -u)
[ "$v6off" = "1" ]
result $? "IPv6 disabled on the proxy ports"

routes=0
for r in client proxy primary secondary; do
	[ -z "$(in_ns "$r" ip route show default)" ] || routes=1
	[ -z "$(in_ns "$r" ip -6 route show default)" ] || routes=1
done
result $routes "no default route in any namespace"

gro=0
for r in client primary secondary; do
	in_ns "$r" ethtool -k eth0 | grep -q '^generic-receive-offload: on' || gro=1
done
result $gro "GRO on at the client and replica ends (veth NAPI for XDP_REDIRECT)"

[ "$(in_ns proxy stat -f -c %T /sys/fs/bpf)" = "bpf_fs" ]
result $? "exec keeps the host's bpffs visible"

! in_ns client ping -c 1 -W 1 -q 10.77.0.2 >/dev/null 2>&1
result $? "without a dataplane the client cannot reach the replicas (proxy forwards nothing)"

out=$($NETNS up "$P")
[[ $out == *"already up"* ]] && [ "$(mac primary)" = "02:77:00:00:00:02" ]
result $? "second up is a no-op ($out)"

ip netns del "${P}secondary"
out=$($NETNS up "$P")
[[ $out != *"already up"* ]] && [ -e "/run/netns/${P}secondary" ] && [ "$(addrs secondary)" = "$(addrs primary)" ]
result $? "an incomplete topology is rebuilt"

$NETNS up "$Q" >/dev/null && $NETNS down "$Q" >/dev/null
[ -e "/run/netns/${P}proxy" ] && [ ! -e "/run/netns/${Q}proxy" ] &&
	in_ns proxy ip link show outside >/dev/null 2>&1
result $? "another prefix goes up and down without touching this one"

COLO_NETNS_PREFIX=$P $NETNS exec nobody true 2>/dev/null
[ $? -eq 2 ]
result $? "unknown role is a usage error (exit 2)"

out=$($NETNS down "$P")
left=0
for r in client proxy primary secondary; do
	[ ! -e "/run/netns/$P$r" ] || left=1
done
[ $left -eq 0 ] && [[ $out == "netns down: removed 4 "* ]]
result $? "down removes the four namespaces ($out)"

out=$($NETNS down "$P")
[[ $out == "netns down: removed 0 "* ]]
result $? "down again is a no-op"

host_links_after=$(ip -o link show | awk -F': ' '{print $2}' | sort)
[ "$host_links_before" = "$host_links_after" ]
result $? "the host's interfaces are unchanged"

finish
