#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# gen_man.sh BIN CMD OUT: colo-xdp-CMD(8) from the subcommand's --help (its option table), so the
# page cannot drift from the parser.
set -euo pipefail
bin=$1 cmd=$2 out=$3
help=$("$bin" "$cmd" --help)
version=$("$bin" --version | cut -d' ' -f2)
# roff: a leading dot or quote would be a request; backslashes and dashes are escaped.
esc() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }
{
	echo ".TH COLO\\-XDP\\-$(echo "$cmd" | tr a-z A-Z) 8 \"\" \"colo-xdp $version\" \"System Administration\""
	echo ".SH NAME"
	# The summary line; a help that starts with a list (agent's kinds) has none.
	summary=$(sed -n '2{/^ /!p}' <<<"$help")
	echo "colo\\-xdp\\-$cmd \\- $(esc <<<"${summary:-the colo-xdp $cmd command}")"
	echo ".SH SYNOPSIS"
	echo ".B colo\\-xdp $cmd"
	sed -n '1s/^usage: colo-xdp [a-z]* *//p' <<<"$help" | esc
	# What --help says before its options (a subcommand's kinds, say), as it is laid out.
	echo ".SH DESCRIPTION"
	echo ".nf"
	sed -n '2,${/^options:/q;p}' <<<"$help" | sed -e 's/^ *//' -e '/^$/d' | esc
	echo ".fi"
	echo ".SH OPTIONS"
	{ sed -n '/^options:/,$p' <<<"$help" | tail -n +2 | grep -E '^ +-' || true; } |
	while IFS= read -r line; do
		opt=$(sed -E 's/^ +(.*[^ ]) {2,}.*$/\1/' <<<"$line")
		what=$(sed -E 's/^ +.*[^ ] {2,}(.*)$/\1/' <<<"$line")
		echo ".TP"
		echo ".B $(esc <<<"$opt")"
		esc <<<"$what"
	done
	echo ".SH SEE ALSO"
	echo ".BR colo\\-xdp (8)"
} >"$out"
