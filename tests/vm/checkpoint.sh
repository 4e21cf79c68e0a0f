#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make test-vmm: the whole COLO loop with real VMs. Two QEMU guests under TCG (Debian 12's kernel
# and a busybox initramfs, scripts/guest-image.sh; services in tests/vm/guest/replica.sh), one on
# the primary tap and one on the secondary tap (same MAC and addresses, netns.sh up-tap), the
# client in its own namespace, `colo-xdp run` on outside/primary/secondary and the QEMU adapter
# in migration mode (`colo-xdp agent qemu --mode migration`) as the checkpoint engine. Shows:
# identical requests compared byte-exact (IPv4, IPv6); a divergence (the boot id) causes exactly
# one checkpoint, by migration, after which the secondary serves the primary's boot id, the
# connections opened before it go on and compare equal, and no further checkpoint follows;
# forced checkpoints (a service that diverges every time) for latency figures; failover when the
# secondary QEMU is killed, with the client's traffic going on. Figures (checkpoint latency,
# primary pause, migration time, guest TCP throughput with and without the dataplane) go to
# bench/results/<date>-vmm.md. TAP lines and "N passed, N failed"; exit non-zero on failure.
. "$(dirname "$0")/../e2e/lib_dataplane.bash"
. tests/vm/lib_vm.bash

ADAPTERLOG=$WORK/adapter.log
ADAPTER=
BYTES=4194304 # what the guest's port 7000 serves per connection
FORCED=6      # forced checkpoints for the latency figures
RESULTS=bench/results/$(date -u +%Y-%m-%d)-vmm.md

summary() {
	echo "$((n - failed)) passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# bail "what": a failed step that the rest depends on.
bail() {
	not_ok "$1"
	summary
	exit 1
}

# Requests the daemon made so far.
requests() {
	grep -c 'colo-xdp: checkpoint [0-9]* requested' "$RUNLOG"
}

# fetch ADDR PORT OUT: the whole reply of one connection into OUT (the client sends nothing).
fetch() {
	ns client timeout 60 "$SERVE" fetch --connect "$1" --port "$2" --out "$3" >/dev/null
}

# fetch_pattern ADDR: the deterministic service's reply arrives complete and byte-exact.
fetch_pattern() {
	fetch "$1" 7000 "$WORK/pattern.bin" &&
		[ "$(file_sha "$WORK/pattern.bin")" = "$(pattern_sha $BYTES)" ]
}

# boot_id_is WANT: a new connection to the boot-id service returns WANT.
boot_id_is() {
	fetch 10.77.0.2 7001 "$WORK/boot_id" && [ "$(tr -d '\n' <"$WORK/boot_id")" = "$1" ]
}

# echo_open NAME ADDR: a long-lived echo connection held by a client process; it sends
# "NAME before", waits for $WORK/NAME.go, then sends "NAME after"; replies go to $WORK/NAME.out.
echo_open() {
	local f=$WORK/$1
	bg client bash -c "exec 3<>/dev/tcp/$2/7002 || exit 1
		echo '$1 before' >&3; read -r a <&3; echo \"\$a\" >$f.out
		until [ -e $f.go ]; do sleep 0.1; done
		echo '$1 after' >&3; read -r b <&3; echo \"\$b\" >>$f.out"
	wait_for "$f.out" "^$1 before\$" 30
}

# echo_finish NAME: the connection's second exchange came back intact.
echo_finish() {
	touch "$WORK/$1.go"
	wait_for "$WORK/$1.out" "^$1 after\$" 30
}

# mbit ADDR: Mbit/s of one fetch of the pattern (byte-exact, else nothing is printed).
mbit() {
	local t0=$EPOCHREALTIME
	fetch_pattern "$1" || return 1
	awk -v b=$BYTES -v t0="$t0" -v t1="$EPOCHREALTIME" \
		'BEGIN { printf "%.0f\n", b * 8 / (t1 - t0) / 1e6 }'
}

# median3 ADDR: the median Mbit/s of three fetches.
median3() {
	local a b c
	a=$(mbit "$1") && b=$(mbit "$1") && c=$(mbit "$1") || return 1
	printf '%s\n' "$a" "$b" "$c" | sort -n | sed -n 2p
}

# The adapter's committed checkpoints: "latency pause migrate" in ms, one line each.
adapter_figures() {
	local f='\([0-9.]*\)'

	sed -n "s/.* committed: latency_ms=$f pause_ms=$f migrate_ms=$f.*/\1 \2 \3/p" "$ADAPTERLOG"
}

# pctl COLUMN P: the P-th percentile (nearest rank) of a column of adapter_figures.
pctl() {
	adapter_figures | awk -v c="$1" '{ print $c }' | sort -g |
		awk -v p="$2" '{ v[NR] = $1 }
			END { r = int((p * NR + 99) / 100); if (r < 1) r = 1; print v[r] }'
}

start_adapter() {
	: >"$ADAPTERLOG"
	"$BIN" agent qemu --socket "$SOCK" --mode migration --primary-qmp "$WORK/primary.qmp" \
		--secondary-qmp "$WORK/secondary.qmp" \
		--secondary-cmd "$(vm_cmd secondary secondary)" \
		--migrate-uri "unix:$WORK/migrate.sock" >>"$ADAPTERLOG" 2>&1 &
	ADAPTER=$!
	PIDS+=($ADAPTER)
	wait_for "$RUNLOG" 'agent connected' 30
}

trap 'vm_stop_all; cleanup' EXIT
trap 'exit 130' INT TERM
[ "$(id -u)" -eq 0 ] || bail "test-vmm needs root (namespaces, taps, BPF)"
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
for p in "$BIN" "$SERVE"; do
	[ -x "$p" ] || bail "$p missing (make tests-build)"
done
command -v qemu-system-x86_64 >/dev/null || bail "qemu-system-x86_64 missing (scripts/deps.sh vmm)"
scripts/guest-image.sh initrd replica tests/vm/guest/replica.sh "$SERVE" >&2 ||
	bail "guest image (scripts/guest-image.sh)"
"$NETNS" up-tap "$PFX" >/dev/null || bail "netns.sh up-tap $PFX"

# Both replicas boot on their own: the same services, different boot ids. The adapter starts
# the secondary (its child: it knows when the QEMU that held the tap has exited).
t0=$EPOCHREALTIME
vm_start primary primary
start_daemon || { show "$RUNLOG"; bail "colo-xdp run on outside/primary/secondary taps"; }
start_adapter ||
	{ show "$ADAPTERLOG"; show "$RUNLOG"; bail "agent qemu --mode migration connects"; }
ok "colo-xdp run on the taps, agent qemu --mode migration connected"
PRIMARY_ID=$(vm_ready primary 120) ||
	{ show "$WORK/primary.console"; bail "primary VM boots"; }
SECONDARY_ID=$(vm_ready secondary 120) ||
	{ show "$WORK/secondary.console"; bail "secondary VM boots"; }
boot_s=$(awk -v t0="$t0" -v t1="$EPOCHREALTIME" 'BEGIN { printf "%.1f", t1 - t0 }')
ok "both VMs booted and serve (${boot_s}s, TCG)"
check "two fresh boots have different boot ids" [ "$PRIMARY_ID" != "$SECONDARY_ID" ]

# Identical requests: compared, released, byte-exact; nothing diverged.
check "IPv4: 4 MiB from the primary VM, byte-exact, through the compare" fetch_pattern "$SERVICE4"
check "IPv6: 4 MiB from the primary VM, byte-exact, through the compare" fetch_pattern "$SERVICE6"
check "identical replicas: no checkpoint requested" [ "$(requests)" -eq 0 ]

# Connections opened before the checkpoint (IPv4 and IPv6).
check "echo connection (IPv4) open before the checkpoint" echo_open e4 "$SERVICE4"
check "echo connection (IPv6) open before the checkpoint" echo_open e6 "$SERVICE6"

# A divergence: the boot ids differ. One checkpoint by migration; the client gets the primary's.
check "the boot-id service answers the primary's id across a divergence" boot_id_is "$PRIMARY_ID"
check "exactly one checkpoint requested" [ "$(requests)" -eq 1 ]
check "the adapter committed it by migration" wait_for "$ADAPTERLOG" 'checkpoint 1 committed' 30
check "the daemon applied the commit" wait_for "$RUNLOG" 'checkpoint 1 committed' 10
check "the migrated secondary runs (QMP on its relaunched QEMU)" wait_for "$ADAPTERLOG" \
	'secondary started .*incoming' 1
check "afterwards the secondary serves the primary's boot id (compared equal)" \
	boot_id_is "$PRIMARY_ID"
check "echo connection (IPv4) opened before goes on and compares equal" echo_finish e4
check "echo connection (IPv6) opened before goes on and compares equal" echo_finish e6
check "IPv4 download after the checkpoint, byte-exact" fetch_pattern "$SERVICE4"
sleep 4 # past the compare timeout (3 s): a cascade would show now
check "no further checkpoint after the one (no cascade)" [ "$(requests)" -eq 1 ]
show "$ADAPTERLOG" 4

# Forced checkpoints: a service that diverges on every connection.
forced_ok=0
for ((i = 0; i < FORCED; i++)); do
	fetch "$SERVICE4" 7003 "$WORK/clock" && grep -qE '^now at [0-9]+ nsecs$' "$WORK/clock" &&
		forced_ok=$((forced_ok + 1))
done
check "$FORCED forced divergences (the guest's clock): each answered by the primary" \
	[ "$forced_ok" -eq "$FORCED" ]
check "each one a checkpoint, committed by migration" \
	wait_for "$ADAPTERLOG" "checkpoint $((FORCED + 1)) committed" 30
check "every checkpoint the daemon asked for was committed" \
	wait_for "$ADAPTERLOG" "checkpoint $(requests) committed" 30
# Not fixed (see bench/results): now and then the migrated secondary's transmit stalls after
# resuming, so the primary's next frame on the trigger flow (its FIN) times out.
after_commit=$(grep -c 'requested: reason=timeout' "$RUNLOG")
[ "$after_commit" -eq 0 ] || grep 'requested: reason=timeout' "$RUNLOG" | sed 's/^/# /'
check "no checkpoint aborted" bash -c "! grep -q 'aborted' '$ADAPTERLOG'"
through=$(median3 "$SERVICE4")
check "throughput through the dataplane measured (${through:-?} Mbit/s)" [ -n "$through" ]

# Failover: the secondary's QEMU dies; the adapter declares FAILOVER; traffic goes on.
check "echo connection (IPv4) open before the failover" echo_open f4 "$SERVICE4"
spid=$(vm_pid secondary)
check "secondary QEMU killed (pid ${spid:-?})" kill -KILL "$spid"
check "the adapter declared FAILOVER" wait_for "$ADAPTERLOG" 'failover:' 30
check "the daemon went to failover" wait_for "$RUNLOG" 'colo-xdp: failover' 10
check "IPv4 download after the failover, byte-exact" fetch_pattern "$SERVICE4"
check "IPv6 download after the failover, byte-exact" fetch_pattern "$SERVICE6"
check "echo connection opened before the failover goes on" echo_finish f4

# Without the dataplane: the daemon detaches, a bridge joins outside and the primary's tap.
kill -TERM "$ADAPTER" 2>/dev/null
wait "$ADAPTER" 2>/dev/null
check "daemon exits cleanly" stop_daemon
check "bridge outside <-> primary tap (no dataplane)" bash -c "
	ip -n ${PFX}proxy link add br0 type bridge &&
	ip -n ${PFX}proxy link set outside master br0 &&
	ip -n ${PFX}proxy link set primary master br0 && ip -n ${PFX}proxy link set br0 up"
direct=$(median3 "$SERVICE4")
check "throughput without the dataplane measured (${direct:-?} Mbit/s)" [ -n "$direct" ]

samples=$(adapter_figures | wc -l)
mkdir -p bench/results
{
	echo "<!-- SPDX-License-Identifier: GPL-2.0-only -->"
	echo "# make test-vmm figures, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Host kernel $(uname -r), $(nproc) vCPUs, shared and loaded (other builds and tests"
	echo "run at the same time; load average $(cut -d' ' -f1-3 /proc/loadavg))."
	echo "Guests: Debian 12's kernel, 128 MiB, one vCPU, QEMU $(qemu-system-x86_64 --version |
		sed -n 's/.*version \([^ ]*\).*/\1/p') under TCG (no usable KVM here)."
	echo "Produced by \`make test-vmm\` (tests/vm/checkpoint.sh)."
	echo
	echo "| figure | value |"
	echo "|---|---|"
	echo "| checkpoints committed by migration (for 1 divergence, $FORCED forced) | $samples |"
	echo "| of which timeout checkpoints right after a commit (see below) | $after_commit |"
	echo "| checkpoint latency request->commit, p50 / p99 (ms) | $(pctl 1 50) / $(pctl 1 99) |"
	echo "| primary paused, p50 / p99 (ms) | $(pctl 2 50) / $(pctl 2 99) |"
	echo "| migration (migrate -> completed), p50 / p99 (ms) | $(pctl 3 50) / $(pctl 3 99) |"
	echo "| guest TCP, 4 MiB download, through the dataplane (Mbit/s, median of 3) | $through |"
	echo "| guest TCP, 4 MiB download, bridge, no dataplane (Mbit/s, median of 3) | $direct |"
	echo
	echo "A timeout checkpoint right after a commit (on the flow that triggered it): the"
	echo "primary sends its FIN on resuming (queued before the stop) while the migrated"
	echo "secondary sends nothing on its tap (its QEMU had sent RESUME), so the FIN waits out"
	echo "the compare timeout (3 s). Not fixed, root cause in QEMU not found: about 1 checkpoint"
	echo "in 40 before and after the adapter lifted max-bandwidth, and with event_idx=off,"
	echo "ioeventfd=off on the NIC (see 2026-12-03-vmm-bandwidth.md); after the first checkpoint"
	echo "it fails the 'no further checkpoint' check, in the forced ones it is counted above."
	echo
	echo "p99 over $samples samples is their maximum. TCG bounds the guests' TCP throughput"
	echo "(both replicas' virtual CPUs are emulated on 2 shared host cores, with the dataplane"
	echo "and other work): these figures show the loop works and what it costs a TCG guest, not"
	echo "what colo-xdp does with KVM guests (see README Performance for the veth benchmark)."
} >"$RESULTS"
sed 's/^/# /' "$RESULTS"
check "figures written to $RESULTS" [ "$samples" -ge $((FORCED + 1)) ]
summary
