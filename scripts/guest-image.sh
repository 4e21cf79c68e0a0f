#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest images for the QEMU tests (make test-kernel, make test-vmm), from Debian packages only:
# Debian 12's cloud kernel (the kernel linux-image-cloud-amd64 depends on, Linux 6.1) and
# busybox-static, fetched with apt-get download and unpacked with dpkg-deb. The initramfs
# archives (newc) are written by that busybox's cpio applet: no cpio package needed.
#
# Usage: guest-image.sh base
#            $GUEST_DIR/vmlinuz and $GUEST_DIR/base.cpio: busybox, the kernel modules the tests
#            load (virtio-net, tun, veth, clsact, cls_bpf) and an /init that mounts proc, sys,
#            dev, run and bpffs (not /tmp: the tree may live there, as a CI clone does), loads
#            them, brings lo up and runs /guest/main (then powers the guest off)
#        guest-image.sh initrd NAME MAIN [FILE...]
#            $GUEST_DIR/NAME.initrd: base.cpio followed by an archive with MAIN as /guest/main
#            and each FILE at its own path, with the shared libraries it loads (ldd)
# Both are cached: rebuilt only when an input changed (package versions, this script, the
# files' contents). GUEST_DIR defaults to build/guest.
set -euo pipefail
cd "$(dirname "$0")/.."

GUEST_DIR=${GUEST_DIR:-$PWD/build/guest}
SELF=$PWD/scripts/guest-image.sh
# Module names, dependencies first (PLATFORM.md: the cloud kernel has these as modules).
MODULES=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover
	net_failover virtio_net tun veth sch_ingress cls_bpf)

usage() {
	sed -n '/^# Usage:/,/^# Both/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

die() {
	echo "guest-image.sh: $*" >&2
	exit 1
}

# The versioned kernel package the cloud metapackage points at (linux-image-6.1.0-57-cloud-amd64).
kernel_package() {
	apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		awk '/Depends: linux-image-6\.1/ { print $2; exit }'
}

candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2; exit }'
}

# ko_deps ROOT NAME: the module file (relative to ROOT) after those it depends on, recursively.
ko_deps() {
	local root=$1 name=${2//-/_} f dep
	f=$(cd "$root" && find kernel -name "$name.ko" -print -quit)
	[ -n "$f" ] || die "module $name not in the kernel package"
	for dep in $(strings "$root/$f" | sed -n 's/^depends=//p' | tr ',' ' '); do
		ko_deps "$root" "$dep"
	done
	echo "$f"
}

write_init() {
	cat >"$1" <<'EOF'
#!/bin/busybox sh
# The colo-xdp test guest's init (written by scripts/guest-image.sh).
/bin/busybox --install -s /bin
# Debian's busybox sh runs its own applets before PATH: where bash is shipped, /bin/sh is bash
# so that the host tools shipped beside it (ip, sysctl, tc) are the ones system() runs.
[ -x /usr/bin/bash ] && ln -sf /usr/bin/bash /bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
mount -t bpf bpf /sys/fs/bpf
while read -r m; do
	insmod "/lib/modules/$(uname -r)/$m" || echo "guest: insmod $m failed"
done </etc/guest-modules
ip link set lo up
if [ -x /guest/main ]; then
	/guest/main
	echo "guest: /guest/main exited with $?"
fi
poweroff -f
EOF
	chmod 755 "$1"
}

# pack DIR OUT: DIR's tree as a newc archive.
pack() {
	(cd "$1" && find . -mindepth 1 | sort | "$GUEST_DIR/busybox" cpio -o -H newc 2>/dev/null) \
		>"$2.tmp"
	mv "$2.tmp" "$2"
}

base() {
	local kpkg kver bver stamp want stage deb ver m
	kpkg=$(kernel_package)
	[ -n "$kpkg" ] || die "apt-cache knows no linux-image-cloud-amd64 (apt-get update?)"
	kver=$(candidate "$kpkg")
	bver=$(candidate busybox-static)
	want="$kpkg $kver busybox-static $bver $(sha256sum "$SELF" | cut -d' ' -f1)"
	stamp=$GUEST_DIR/base.stamp
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$GUEST_DIR/vmlinuz" ] &&
		[ -f "$GUEST_DIR/base.cpio" ]; then
		return
	fi
	rm -rf "$GUEST_DIR/debs" "$GUEST_DIR/pkg"
	mkdir -p "$GUEST_DIR/debs" "$GUEST_DIR/pkg"
	(cd "$GUEST_DIR/debs" &&
		apt-get download -q -o APT::Sandbox::User=root "$kpkg=$kver" \
			"busybox-static=$bver" >/dev/null) ||
		die "apt-get download $kpkg busybox-static failed"
	for deb in "$GUEST_DIR"/debs/*.deb; do
		dpkg-deb -x "$deb" "$GUEST_DIR/pkg"
	done
	ver=${kpkg#linux-image-}
	cp "$GUEST_DIR/pkg/boot/vmlinuz-$ver" "$GUEST_DIR/vmlinuz"
	cp "$GUEST_DIR/pkg/bin/busybox" "$GUEST_DIR/busybox"

	stage=$GUEST_DIR/stage-base
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,dev,etc,proc,sys,tmp,run,guest,lib/modules/"$ver"}
	cp "$GUEST_DIR/busybox" "$stage/bin/busybox"
	mknod "$stage/dev/console" c 5 1
	mkdir -p "$stage/var"
	ln -s ../run "$stage/var/run" # iproute2 keeps its named namespaces in /var/run/netns
	for m in "${MODULES[@]}"; do
		ko_deps "$GUEST_DIR/pkg/lib/modules/$ver" "$m"
	done | awk '!seen[$0]++' >"$stage/etc/guest-modules"
	while read -r m; do
		mkdir -p "$(dirname "$stage/lib/modules/$ver/$m")"
		cp "$GUEST_DIR/pkg/lib/modules/$ver/$m" "$stage/lib/modules/$ver/$m"
	done <"$stage/etc/guest-modules"
	write_init "$stage/init"
	pack "$stage" "$GUEST_DIR/base.cpio"
	rm -rf "$stage" "$GUEST_DIR/pkg"
	echo "$want" >"$stamp"
	echo "guest-image: $GUEST_DIR/vmlinuz ($kpkg $kver), base.cpio (busybox $bver)"
}

# The files an initrd holds: each FILE, and the shared libraries (and loader) each one loads.
closure() {
	local f
	for f in "$@"; do
		[ -f "$f" ] || die "no such file: $f"
		realpath -s "$f"
		# A script is "not a dynamic executable": no libraries.
		ldd "$f" 2>/dev/null |
			awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' || true
	done | awk '!seen[$0]++'
}

initrd() {
	local name=$1 main=$2 files want stamp stage f out
	shift 2
	[[ $name =~ ^[A-Za-z0-9_-]+$ ]] || { echo "guest-image.sh: bad name: $name" >&2; exit 2; }
	[ -f "$main" ] || die "no such file: $main"
	base
	files=$(closure "$@")
	out=$GUEST_DIR/$name.initrd
	stamp=$GUEST_DIR/$name.stamp
	want=$( (cat "$GUEST_DIR/base.stamp"; sha256sum "$main"; for f in $files; do
		sha256sum "$f"
	done) | sha256sum | cut -d' ' -f1)
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$out" ]; then
		return
	fi
	stage=$GUEST_DIR/stage-$name
	rm -rf "$stage"
	mkdir -p "$stage/guest"
	install -m 755 "$main" "$stage/guest/main"
	for f in $files; do
		mkdir -p "$stage$(dirname "$f")"
		cp -L "$f" "$stage$f"
	done
	pack "$stage" "$GUEST_DIR/$name.cpio"
	cat "$GUEST_DIR/base.cpio" "$GUEST_DIR/$name.cpio" >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$stage" "$GUEST_DIR/$name.cpio"
	echo "$want" >"$stamp"
	echo "guest-image: $out ($(du -h "$out" | cut -f1))"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
base)
	[ $# -eq 0 ] || usage
	[ "$(id -u)" -eq 0 ] || die "base needs root (the archive's /dev/console node)"
	mkdir -p "$GUEST_DIR"
	base
	;;
initrd)
	[ $# -ge 2 ] || usage
	[ "$(id -u)" -eq 0 ] || die "initrd needs root (the archive's /dev/console node)"
	mkdir -p "$GUEST_DIR"
	initrd "$@"
	;;
*)
	usage
	;;
esac
