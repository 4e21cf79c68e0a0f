#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make test-kernel: the kernel floor (Linux 6.1, Debian 12's own kernel). Boots
# linux-image-cloud-amd64 in QEMU (TCG) with an initramfs (scripts/guest-image.sh) carrying the
# built BPF test binaries, colo-xdp, tests/e2e/10_attach.sh and the tools it runs, with their
# shared libraries; the guest (tests/vm/guest/kernel_floor.sh) runs the BPF_PROG_TEST_RUN suite
# and the attach/detach suite and prints TAP lines on the serial console, read back here.
# Prints those lines, then its own, and "N passed, N failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.."
. tests/e2e/lib_tap.bash

GUEST_DIR=${GUEST_DIR:-$PWD/build/guest}
SERIAL=$(mktemp /tmp/colo-kernel.XXXXXX)
trap 'rm -f "$SERIAL"' EXIT
# Binaries and scripts the guest runs (each at its host path), the tools 10_attach.sh calls (host
# ones: busybox's ip, nsenter and sysctl lack options it uses) and libxdp's BPF objects.
FILES=(build/colo-xdp $(ls build/tests/bpf/test_* | grep -v '\.o$') tests/e2e/10_attach.sh
	tests/e2e/lib_tap.bash /usr/bin/bash /usr/bin/jq /usr/sbin/bpftool /usr/sbin/tc /usr/sbin/ip
	/usr/bin/setpriv /usr/sbin/sysctl /usr/bin/nsenter /usr/bin/mountpoint
	/usr/lib/x86_64-linux-gnu/bpf/xdp-dispatcher.o
	/usr/lib/x86_64-linux-gnu/bpf/xsk_def_xdp_prog*.o)

summary() {
	echo "$((n - failed)) passed, $failed failed"
	[ "$failed" -eq 0 ]
}

if [ "$(id -u)" -ne 0 ]; then
	not_ok "test-kernel needs root (the initramfs' device node)"
	summary
	exit 1
fi
for f in "${FILES[@]}"; do
	if [ ! -e "$f" ]; then
		not_ok "$f missing (make tests-build, scripts/deps.sh)"
		summary
		exit 1
	fi
done
if ! scripts/guest-image.sh initrd kernel-floor tests/vm/guest/kernel_floor.sh \
	"${FILES[@]}" >&2; then
	not_ok "guest image (scripts/guest-image.sh)"
	summary
	exit 1
fi

# The guest powers itself off when done; the time limit catches a hang (TCG: ~2 min here).
timeout 600 qemu-system-x86_64 -accel tcg -m 512 -smp 2 -nodefaults -display none -no-reboot \
	-serial "file:$SERIAL" -kernel "$GUEST_DIR/vmlinuz" \
	-initrd "$GUEST_DIR/kernel-floor.initrd" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3 colo_root=$PWD"
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok [0-9]* - }" ;;
	"not ok "*) not_ok "${line#not ok [0-9]* - }" ;;
	"# "*) echo "$line" ;;
	esac
done < <(tr -d '\r' <"$SERIAL")
result "$rc" "qemu exited by the guest's poweroff (exit $rc)"
if ! grep -q '^guest: done' <(tr -d '\r' <"$SERIAL"); then
	not_ok "the guest ran to its end"
	tail -n 30 "$SERIAL" | sed 's/^/# /'
else
	ok "the guest ran to its end"
fi
summary
