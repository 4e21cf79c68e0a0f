#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The command line of every subcommand: --help and -h print its usage and options on stdout and
# exit 0, -V/--version print the version and exit 0, and a bad argument is one line on stderr
# with exit 2. Nothing here needs root or touches the network.
set -u
cd "$(dirname "$0")/../.."

BIN=build/colo-xdp
. tests/e2e/lib_tap.bash

[ -x "$BIN" ] || { echo "not ok 1 - $BIN missing (make tests-build)"; exit 1; }

# usage_ok "what" cmd...: exit 0, the first line is "usage: colo-xdp <cmd>", stderr empty.
usage_ok() {
	local what=$1 out err rc
	shift
	out=$("$BIN" "$@" 2>/tmp/colo-cli-$$.err)
	rc=$?
	err=$(cat /tmp/colo-cli-$$.err)
	rm -f /tmp/colo-cli-$$.err
	if [ "$rc" -eq 0 ] && [ -z "$err" ] && [[ $(head -n1 <<<"$out") == "usage:"* ]]; then
		ok "$what"
	else
		not_ok "$what"
		echo "#   exit $rc, stdout: $(head -n1 <<<"$out"), stderr: $err"
	fi
}

# bad "what" regex cmd...: exit 2, exactly one line on stderr matching regex, stdout empty.
bad() {
	local what=$1 re=$2 out err rc
	shift 2
	err=$("$BIN" "$@" 2>&1 >/dev/null)
	rc=$?
	out=$("$BIN" "$@" 2>/dev/null)
	if [ "$rc" -eq 2 ] && [ "$(grep -c . <<<"$err")" -eq 1 ] && grep -Eq -- "$re" <<<"$err" &&
		[ -z "$out" ]; then
		ok "$what"
	else
		not_ok "$what"
		echo "#   exit $rc, stderr: $err"
	fi
}

version=$("$BIN" --version)
check "colo-xdp --version: one line 'colo-xdp <version>'" \
	bash -c "[[ '$version' =~ ^colo-xdp\ [^\ ]+$ ]]"
usage_ok "colo-xdp --help" --help

for cmd in attach detach status stats conns run replay state; do
	usage_ok "$cmd --help: exit 0, usage on stdout" "$cmd" --help
	usage_ok "$cmd -h: exit 0" "$cmd" -h
	check "$cmd --help lists -v, -q, -V and every long option it takes" \
		bash -c "out=\$('$BIN' $cmd --help); for o in --verbose --quiet --version --help; do \
			grep -q -- \"\$o\" <<<\"\$out\" || exit 1; done"
	check "$cmd -V: the version, exit 0" test "$("$BIN" "$cmd" -V)" = "$version"
	bad "$cmd --bogus: one line, exit 2" "^colo-xdp: $cmd: unknown option '--bogus'" \
		"$cmd" --bogus
done
usage_ok "agent --help: exit 0" agent --help

bad "attach: unknown role" "--role takes outside, primary or secondary, not 'x'" \
	attach eth0 --role x
bad "attach: shards out of range" "--shards takes 1\.\.16, not '0'" attach eth0 --role primary \
	--shards 0
bad "attach: ring size not a power of 2" "--ring-size takes a power of 2" attach eth0 \
	--role primary --ring-size 20000000
bad "attach: --mode without --hook xdp" "--mode applies to --hook xdp only" attach eth0 \
	--role primary --mode skb
bad "detach: nothing to detach" "expected one interface" detach
bad "status: bad instance name" "bad --instance 'a\.b'" status --instance a.b
bad "status: unexpected argument" "unexpected argument 'x'" status x
bad "run: missing interfaces" "--outside IF is required" run
bad "run: timeout not a number" "--compare-timeout takes 1\.\.3600000, not '3s'" run \
	--compare-timeout 3s
bad "run: unknown release" "--release takes afpacket or afxdp, not 'tap'" run --release tap
bad "run: missing argument" "option '--shards' needs an argument" run --shards
bad "replay: unknown policy" "--on-checkpoint takes commit or hold, not 'later'" replay a b \
	--on-checkpoint later
bad "unknown command" "unknown command 'frob'" frob

finish
