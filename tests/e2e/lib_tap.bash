# SPDX-License-Identifier: GPL-2.0-only
#
# TAP output for the end-to-end scripts (sourced, not run): numbered "ok N - what" and
# "not ok N - what" lines, and the closing plan line. tests/run.sh counts them.
n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}

# check "what" command...: ok when the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then
		ok "$what"
	else
		not_ok "$what"
		return 1
	fi
}

# result STATUS "what": ok when STATUS (of the command just run) is 0.
result() {
	if [ "$1" -eq 0 ]; then
		ok "$2"
	else
		not_ok "$2"
	fi
}

# Prints the plan line; true when nothing failed.
finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
