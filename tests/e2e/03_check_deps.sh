#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make check-deps: the tree's includes run one way, and the check does fail on a header cycle,
# a module cycle and a layer crossing (each planted in a scratch tree of its own).
set -u
cd "$(dirname "$0")/../.."

. tests/e2e/lib_tap.bash
CHECK=scripts/check_deps.py
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

out=$($CHECK 2>&1)
check "the tree passes ($out)" test $? -eq 0

# plant NAME: a scratch tree with user/lib/{a,b}.{c,h}; the caller adds the defect.
plant() {
	rm -rf "$T/$1"
	mkdir -p "$T/$1/user/lib" "$T/$1/include"
	for m in a b; do
		printf '#include "lib/%s.h"\n' "$m" >"$T/$1/user/lib/$m.c"
		: >"$T/$1/user/lib/$m.h"
	done
}

# fails "what" regex root: exit 1 and a line matching regex.
fails() {
	local out rc
	out=$($CHECK --root "$3" 2>&1)
	rc=$?
	if [ "$rc" -eq 1 ] && grep -Eq -- "$2" <<<"$out"; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   exit $rc: $out"
	fi
}

plant clean
check "a scratch tree without defects passes" $CHECK --root "$T/clean"

plant hcycle
echo '#include "b.h"' >"$T/hcycle/user/lib/a.h"
echo '#include "a.h"' >"$T/hcycle/user/lib/b.h"
fails "a header cycle fails" "include cycle: user/lib/a.h -> user/lib/b.h -> user/lib/a.h" \
	"$T/hcycle"

plant mcycle
echo '#include "lib/b.h"' >>"$T/mcycle/user/lib/a.c"
echo '#include "lib/a.h"' >>"$T/mcycle/user/lib/b.c"
fails "two modules including each other fail" "module cycle: user/lib/a -> user/lib/b -> user/lib/a" \
	"$T/mcycle"

plant layer
: >"$T/layer/user/worker.h"
echo '#include "worker.h"' >>"$T/layer/user/lib/a.c"
fails "user/lib including user/ fails" "user/lib/a.c includes user/worker.h" "$T/layer"

finish
