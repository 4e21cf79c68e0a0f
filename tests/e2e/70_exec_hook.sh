#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run --on-checkpoint CMD with the real daemon: the secondary serves one different byte at
# offset K of a TCP download; the daemon's exec hook (its child `colo-xdp agent exec`) runs CMD
# for the checkpoint with the request's fields in its environment (reason mismatch, the flow,
# side primary, stream byte K: the ORIGIN form of the request), CMD's exit 0 commits and the
# download completes with the primary's bytes; CMD's output is in the daemon's log; a hook that
# exits non-zero aborts and holds. TAP output; needs root.
. "$(dirname "$0")/lib_dataplane.bash"

SIZE=2000000
K=500000
PORT=5170

setup
servers "$PORT" "$SIZE" "$K"
HOOK="env | grep ^COLO_ | sort > $WORK/hook.\$COLO_CHECKPOINT_ID; echo hook ran for \$COLO_CHECKPOINT_ID"
check "colo-xdp run --on-checkpoint starts" start_daemon --compare-timeout 1000 \
	--on-checkpoint "$HOOK" || {
	show "$RUNLOG"
	exit 1
}
check "the exec hook's adapter connects" wait_for "$RUNLOG" 'agent connected' 10 || show "$RUNLOG"
"$SERVE" pattern --bytes "$SIZE" >"$WORK/want"
nsenter --net="/run/netns/${PFX}client" -- timeout 30 "$SERVE" fetch --connect "$SERVICE4" \
	--port "$PORT" --out "$WORK/div" >/dev/null
check "after the hook's commit the download completes with the primary's bytes" \
	cmp -s "$WORK/div" "$WORK/want"
check "the hook ran for checkpoint 1" [ -f "$WORK/hook.1" ] || show "$RUNLOG" 20
check "its environment: id, reason mismatch, the download's flow" \
	grep -qx 'COLO_REASON=mismatch' "$WORK/hook.1" && grep -qx 'COLO_CHECKPOINT_ID=1' \
	"$WORK/hook.1" && grep -qE "^COLO_FLOW=tcp 10\.77\.0\.2:$PORT > 10\.77\.0\.1:" "$WORK/hook.1" ||
	show "$WORK/hook.1"
check "its environment: side primary, stream byte $K (the request's origin)" \
	grep -qx 'COLO_SIDE=primary' "$WORK/hook.1" && grep -qx "COLO_AT=$K" "$WORK/hook.1" &&
	grep -qx 'COLO_AT_KIND=stream' "$WORK/hook.1" || show "$WORK/hook.1"
check "the hook's output is in the daemon's log" grep -q 'checkpoint 1: hook ran for 1' "$RUNLOG"
check "the daemon logged the commit of checkpoint 1" grep -q 'checkpoint 1 committed' "$RUNLOG" ||
	show "$RUNLOG" 20
HOOK_PID=$(sed -n 's/.*exec hook: adapter started (pid \([0-9]*\)).*/\1/p' "$RUNLOG" | head -n 1)
check "SIGTERM: daemon exits 0 and ends its hook" stop_daemon
check "the exec adapter (pid ${HOOK_PID:-?}) ended with the daemon" \
	bash -c "[ -n '$HOOK_PID' ] && ! kill -0 '$HOOK_PID' 2>/dev/null"

# A hook that fails: the checkpoint aborts and the output after K stays held.
check "colo-xdp run --on-checkpoint 'exit 1' starts" start_daemon --compare-timeout 1000 \
	--on-checkpoint 'exit 1' || show "$RUNLOG"
nsenter --net="/run/netns/${PFX}client" -- timeout 4 "$SERVE" fetch --connect "$SERVICE4" \
	--port "$PORT" --out "$WORK/held" >/dev/null
check "the hook's non-zero exit aborts checkpoint 1" wait_for "$RUNLOG" 'checkpoint 1 aborted' 10 ||
	show "$RUNLOG" 20
check "nothing at or after byte $K reached the client" [ "$(stat -c %s "$WORK/held")" -le "$K" ]
check "SIGTERM: daemon exits 0" stop_daemon
grep -E 'colo-xdp: (checkpoint|exec hook|agent exec)' "$RUNLOG" | sed 's/^/# /'
finish
