#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install every Debian package that colo-xdp's build, tests and demo need. Idempotent.
# Usage: deps.sh [bench|vmm|soak]
#   bench: also what only make bench needs (QEMU, whose colo-compare it measures beside ours)
#   vmm:   also what the QEMU tests need (make test-kernel, make test-vmm)
#   soak:  also what only make soak needs (its plot)
set -euo pipefail

PKGS=(
	make gcc clang llvm lld pkg-config libbpf-dev libxdp-dev bpftool xdp-tools libelf-dev zlib1g-dev
	libpcap-dev libcmocka-dev libclang-rt-14-dev libxxhash-dev libjansson-dev libsystemd-dev
	iproute2 ethtool iputils-ping tcpdump socat iperf3 python3 util-linux procps coreutils
	linux-perf jq python3-prometheus-client
)
case ${1:-} in
'') ;;
bench) PKGS+=(qemu-system-x86) ;;
vmm) PKGS+=(qemu-system-x86 binutils) ;;
soak) PKGS+=(python3-matplotlib) ;;
*)
	echo "deps.sh: unknown argument '$1' (none, bench, vmm or soak)" >&2
	exit 2
	;;
esac

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages (${missing[*]}) and not root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
