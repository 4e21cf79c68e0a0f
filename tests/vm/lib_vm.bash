# SPDX-License-Identifier: GPL-2.0-only
#
# Replica VMs for make test-vmm (sourced after tests/e2e/lib_dataplane.bash, which gives PFX,
# WORK, PIDS, wait_for): QEMU (TCG) guests booted from scripts/guest-image.sh's kernel and the
# replica initrd, run in the proxy namespace on the persistent taps of `netns.sh up-tap`, each
# with a console file, a QMP socket and a pid file under $WORK.

GUEST_DIR=${GUEST_DIR:-$PWD/build/guest}
REPLICA_MAC=02:77:00:00:00:02

# vm_cmd NAME TAP: the VM's shell command line (the migration adapter relaunches it as given,
# with " -incoming defer" appended, by sh -c). The shell execs nsenter, which execs QEMU: the
# process the adapter waits for is QEMU itself, so its exit means the tap and the QMP socket are
# free (a shell that outlives it for a moment would let the next QEMU race the dying one).
vm_cmd() {
	printf '%s' "exec nsenter --net=/run/netns/${PFX}proxy qemu-system-x86_64" \
		" -accel tcg -m 128 -smp 1 -nodefaults -no-user-config -display none -no-reboot" \
		" -kernel $GUEST_DIR/vmlinuz -initrd $GUEST_DIR/replica.initrd" \
		" -append 'console=ttyS0 panic=-1 quiet colo_root=$PWD'" \
		" -netdev tap,id=n0,ifname=$2,script=no,downscript=no,vhost=off" \
		" -device virtio-net-pci,netdev=n0,mac=$REPLICA_MAC" \
		" -chardev file,id=con,path=$WORK/$1.console,append=on -serial chardev:con" \
		" -qmp unix:$WORK/$1.qmp,server=on,wait=off -pidfile $WORK/$1.pid"
}

# vm_start NAME TAP: boots it in the background (pid in PIDS).
vm_start() {
	(eval "$(vm_cmd "$1" "$2")") &
	PIDS+=($!)
}

# vm_pid NAME: the pid of the VM's current QEMU (the pid file follows a relaunch).
vm_pid() {
	cat "$WORK/$1.pid" 2>/dev/null
}

# vm_ready NAME [SECONDS]: its guest printed "guest: ready"; prints the guest's boot id.
vm_ready() {
	wait_for "$WORK/$1.console" '^guest: ready ' "${2:-60}" &&
		tr -d '\r' <"$WORK/$1.console" | sed -n 's/^guest: ready //p' | tail -n 1
}

# vm_stop_all: ends every QEMU whose pid file is under $WORK (a relaunched secondary is not in
# PIDS), checked to be ours by its command line: SIGTERM, SIGKILL after 5 s.
vm_stop_all() {
	local f pid i
	for f in "$WORK"/*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		[ -n "$pid" ] || continue
		tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$WORK/" || continue
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	done
}
