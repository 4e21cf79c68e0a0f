#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The test topology: four network namespaces joined by veth pairs created directly in them.
#
#   <p>client  eth0 --- outside   <p>proxy (runs the dataplane; ports without addresses)
#   <p>primary eth0 --- primary   <p>proxy
#   <p>secondary eth0 - secondary <p>proxy
#
# Primary and secondary are replicas: same MAC, 10.77.0.2/24, fd77::2/64. The client is
# 10.77.0.1/24, fd77::1/64. No DAD and no router solicitations on those ends, no default
# routes, IPv6 off on the proxy ports, GRO on at the replica and client ends (veth NAPI:
# XDP_REDIRECT into a veth needs it on the peer).
# Without a dataplane attached the proxy forwards nothing.
#
# The tap variant (up-tap, for VM replicas) has no primary and secondary namespaces: the proxy
# holds persistent taps named primary and secondary instead, for QEMU run in the proxy's
# namespace (-netdev tap,ifname=primary,script=no,downscript=no); the guests take the replicas'
# MAC and addresses. The taps (and what is attached to them) outlive a QEMU that is replaced.
#
# Usage: netns.sh up [PREFIX]        create (idempotent; an incomplete set is rebuilt)
#        netns.sh up-tap [PREFIX]    create the tap variant (idem)
#        netns.sh down [PREFIX]      remove this prefix's namespaces only
#        netns.sh exec ROLE CMD...   run CMD in <prefix>ROLE (client|proxy|primary|secondary)
#                                    with nsenter --net: the host's mounts (bpffs pins) stay
#                                    visible, unlike ip netns exec
# PREFIX defaults to $COLO_NETNS_PREFIX, else "colo-".
set -euo pipefail

ROLES=(client proxy primary secondary)
REPLICA_MAC=02:77:00:00:00:02
CLIENT_MAC=02:77:00:00:00:01

usage() {
	sed -n '/^# Usage:/,/^# PREFIX/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

die() {
	echo "netns.sh: $*" >&2
	exit 1
}

set_prefix() {
	P=${1:-${COLO_NETNS_PREFIX:-colo-}}
	[[ $P =~ ^[A-Za-z0-9._-]{1,20}$ ]] || { echo "netns.sh: bad prefix: $P" >&2; exit 2; }
}

ns_exists() {
	[ -e "/run/netns/$1" ]
}

in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

# True when the tap variant is up: client, proxy with outside and both taps, no replica namespaces.
complete_tap() {
	ns_exists "${P}proxy" && ! ns_exists "${P}primary" && ! ns_exists "${P}secondary" &&
		ip -n "${P}client" link show eth0 >/dev/null 2>&1 &&
		ip -n "${P}proxy" link show outside >/dev/null 2>&1 &&
		ip -n "${P}proxy" link show primary >/dev/null 2>&1 &&
		ip -n "${P}proxy" link show secondary >/dev/null 2>&1
}

# True when every namespace exists and holds its veth end.
complete() {
	ns_exists "${P}proxy" || return 1
	ip -n "${P}client" link show eth0 >/dev/null 2>&1 &&
		ip -n "${P}primary" link show eth0 >/dev/null 2>&1 &&
		ip -n "${P}secondary" link show eth0 >/dev/null 2>&1 &&
		ip -n "${P}proxy" link show outside >/dev/null 2>&1 &&
		ip -n "${P}proxy" link show primary >/dev/null 2>&1 &&
		ip -n "${P}proxy" link show secondary >/dev/null 2>&1
}

remove_all() {
	local r n=0
	for r in "${ROLES[@]}"; do
		if ns_exists "$P$r"; then
			ip netns del "$P$r"
			n=$((n + 1))
		fi
	done
	echo "$n"
}

# An endpoint namespace: eth0 (peer <port> in the proxy) with the given MAC and addresses.
endpoint() {
	local port=$2 mac=$3 v4=$4 v6=$5 ns=$P$1
	ip -n "$ns" link add eth0 address "$mac" type veth peer name "$port" netns "${P}proxy"
	ip -n "$ns" addr add "$v4" dev eth0
	ip -n "$ns" addr add "$v6" dev eth0 nodad
	# No DAD (link-local included) and no router solicitations: less ND for the dataplane.
	in_ns "$ns" sysctl -qw net.ipv6.conf.eth0.accept_dad=0 \
		net.ipv6.conf.eth0.router_solicitations=0
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
	in_ns "$ns" ethtool -K eth0 gro on >/dev/null
}

# proxy_and_client NAMESPACE...: fresh namespaces, the proxy without IPv6, the client's veth.
proxy_and_client() {
	local r
	remove_all >/dev/null
	for r in "$@"; do
		ip netns add "$P$r"
	done
	# IPv6 off in the proxy before its ports exist: no link-local, RS, MLD or DAD noise.
	in_ns "${P}proxy" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "${P}proxy" link set lo up
	endpoint client outside "$CLIENT_MAC" 10.77.0.1/24 fd77::1/64
}

took() {
	awk -v what="$1" -v t0="$2" -v t1="$EPOCHREALTIME" \
		'BEGIN { printf "netns %s in %.2fs\n", what, t1 - t0 }'
}

up() {
	local t0=$EPOCHREALTIME r
	if complete; then
		echo "netns up: ${P}{client,proxy,primary,secondary} already up"
		return
	fi
	proxy_and_client "${ROLES[@]}"
	endpoint primary primary "$REPLICA_MAC" 10.77.0.2/24 fd77::2/64
	endpoint secondary secondary "$REPLICA_MAC" 10.77.0.2/24 fd77::2/64
	for r in outside primary secondary; do
		ip -n "${P}proxy" link set "$r" up
	done
	took "up: ${P}{client,proxy,primary,secondary}" "$t0"
}

up_tap() {
	local t0=$EPOCHREALTIME r
	if complete_tap; then
		echo "netns up-tap: ${P}{client,proxy} already up"
		return
	fi
	proxy_and_client client proxy
	for r in primary secondary; do
		ip -n "${P}proxy" tuntap add "$r" mode tap vnet_hdr
	done
	for r in outside primary secondary; do
		ip -n "${P}proxy" link set "$r" up
	done
	took "up-tap: ${P}{client,proxy} with taps primary, secondary" "$t0"
}

down() {
	echo "netns down: removed $(remove_all) ${P}* namespaces"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
up | up-tap | down)
	[ $# -le 1 ] || usage
	[ "$(id -u)" -eq 0 ] || die "$cmd needs root"
	set_prefix "${1:-}"
	"${cmd/-/_}"
	;;
exec)
	[ $# -ge 2 ] || usage
	set_prefix ""
	role=$1
	shift
	case $role in
	client | proxy | primary | secondary) ;;
	*) echo "netns.sh: unknown role: $role" >&2; exit 2 ;;
	esac
	ns_exists "$P$role" || die "namespace $P$role does not exist (netns.sh up first)"
	exec nsenter --net="/run/netns/$P$role" -- "$@"
	;;
*)
	usage
	;;
esac
