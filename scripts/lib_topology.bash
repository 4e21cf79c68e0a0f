# SPDX-License-Identifier: GPL-2.0-only
#
# Shared by scripts/demo.sh, bench/dataplane.sh and tests/e2e/lib_dataplane.bash (sourced, not
# run): commands in the scripts/netns.sh topology of prefix $PFX, background processes remembered
# in PIDS, and the cleanup that ends them and removes the instance $INST (detached with $BIN) and
# the namespaces (the end-to-end tests use a stricter cleanup of their own).

PIDS=()

# ns ROLE CMD...: runs CMD in <prefix>ROLE, entering only its network namespace (pins stay visible).
ns() {
	local role=$1
	shift
	nsenter --net="/run/netns/$PFX$role" -- "$@"
}

# bg ROLE CMD...: the same in the background; nsenter execs CMD, so $! (kept in PIDS) is CMD.
bg() {
	local role=$1
	shift
	nsenter --net="/run/netns/$PFX$role" -- "$@" &
	PIDS+=($!)
}

# Ends what bg started (and forgets it), detaches a left-over instance, removes this prefix's
# namespaces.
topology_cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	PIDS=()
	if [ -d "/sys/fs/bpf/colo-xdp/$INST" ] && [ -e "/run/netns/${PFX}proxy" ]; then
		for p in outside primary secondary; do
			ns proxy "$BIN" detach "$p" --instance "$INST" >/dev/null 2>&1 || true
		done
	fi
	scripts/netns.sh down "$PFX" >/dev/null 2>&1 || true
}
