#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Installation (issue 15): `make install` into a DESTDIR puts each file where it belongs with its
# mode; every man page renders with man -l without a warning; systemd-analyze verify accepts the
# template unit; the bash completion offers the subcommands and each subcommand's options; and
# `colo-xdp run` under a notify socket reports READY=1 once comparing and STOPPING=1 on SIGTERM
# (systemd's Type=notify protocol, a datagram per message). TAP output; the last check needs root.
. "$(dirname "$0")/lib_dataplane.bash"

DEST=$WORK/dest
PREFIX=/usr
SUBS="attach detach status stats conns run replay agent state"

make --no-print-directory install DESTDIR="$DEST" PREFIX="$PREFIX" >"$WORK/install.log" 2>&1
check "make install DESTDIR=... PREFIX=/usr" [ $? -eq 0 ] || show "$WORK/install.log"
check "the binary, 0755" [ "$(stat -c %a "$DEST$PREFIX/sbin/colo-xdp")" = 755 ]
check "the installed binary runs" "$DEST$PREFIX/sbin/colo-xdp" --version
pages=("$DEST$PREFIX/share/man/man8/colo-xdp.8")
for c in $SUBS; do
	pages+=("$DEST$PREFIX/share/man/man8/colo-xdp-$c.8")
done
for p in "${pages[@]}"; do
	err=$(MANWIDTH=100 man --warnings -l "$p" 2>&1 >/dev/null)
	check "$(basename "$p"): 0644, renders without warnings" \
		[ "$(stat -c %a "$p" 2>/dev/null)" = 644 ] && [ -z "$err" ] ||
		echo "# $err" | head -n 3
done
check "colo-xdp-stats(8) lists --prometheus and --watch" \
	bash -c "man -l '$DEST$PREFIX/share/man/man8/colo-xdp-stats.8' | grep -q -- --prometheus"
UNIT=$DEST$PREFIX/lib/systemd/system/colo-xdp@.service
check "unit colo-xdp@.service, ExecStart the installed path, Type=notify" \
	grep -q "^ExecStart=$PREFIX/sbin/colo-xdp run --instance %i \$COLO_XDP_RUN_OPTS\$" "$UNIT" &&
	grep -q '^Type=notify$' "$UNIT" && grep -q '^EnvironmentFile=/etc/colo-xdp/%i.conf$' "$UNIT"
check "example /etc/colo-xdp file" [ -s "$DEST/etc/colo-xdp/colo-xdp.conf.example" ]
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$WORK/units"
	sed "s|^ExecStart=$PREFIX/sbin/|ExecStart=$DEST$PREFIX/sbin/|" "$UNIT" >"$WORK/units/colo-xdp@.service"
	out=$(systemd-analyze verify --man=no "$WORK/units/colo-xdp@e2e.service" 2>&1)
	check "systemd-analyze verify accepts colo-xdp@e2e.service" [ -z "$out" ] ||
		echo "# $out" | head -n 5
else
	not_ok "systemd-analyze missing: cannot verify the unit"
fi
COMP=$DEST$PREFIX/share/bash-completion/completions/colo-xdp
# complete WORDS...: what the completion offers for the last word.
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _colo_xdp;
		printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "$@"
}
offers() {
	complete_words "$@" | sort | tr '\n' ' '
}
check "completion: 'colo-xdp st' offers state, stats and status" \
	[ "$(offers colo-xdp st)" = "state stats status " ]
check "completion: 'colo-xdp conns --s' offers --sort" \
	[ "$(offers "$DEST$PREFIX/sbin/colo-xdp" conns --s)" = "--sort " ]
check "completion: 'colo-xdp run --capture' offers --capture-dir and --capture-max" \
	[ "$(offers "$DEST$PREFIX/sbin/colo-xdp" run --capture)" = "--capture-dir --capture-max " ]

# Type=notify: a notify socket of our own, as systemd would give.
setup
/usr/bin/python3 - "$WORK/notify" "$WORK/notify.log" <<'PYEOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "w", buffering=1) as log:
    while True:
        log.write(s.recv(4096).decode().replace("\n", " ") + "\n")
PYEOF
PIDS+=($!)
wait_for_socket() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ -S "$WORK/notify" ] && return 0
		sleep 0.05
	done
	return 1
}
wait_for_socket
NOTIFY_SOCKET=$WORK/notify start_daemon --shards 1
check "under a notify socket: READY=1 with a status once comparing" \
	wait_for "$WORK/notify.log" '^READY=1 STATUS=comparing: instance '"$INST"', 1 shards' 10 ||
	show "$WORK/notify.log"
check "SIGTERM: STOPPING=1, exit 0, instance detached" stop_daemon &&
	wait_for "$WORK/notify.log" '^STOPPING=1' 5 && [ ! -e "$PIN" ]
finish
