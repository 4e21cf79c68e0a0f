#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs every suite and prints one closing line "N passed, N failed".
#   unit:  build-san/tests/unit/test_*   (cmocka, under ASan/UBSan)
#   bpf:   build/tests/bpf/test_*        (cmocka, BPF_PROG_TEST_RUN in the running kernel)
#   e2e:   tests/e2e/*.sh                (TAP lines "ok N ..." / "not ok N ...", veth namespaces)
#   fuzz:  build-fuzz/fuzz_*             (libFuzzer + ASan/UBSan: the seeds, then FUZZ_SMOKE_SECONDS)
#   agents: tests/agents/test_*.py       (TAP: the checkpoint-engine adapters against peers of
#                                         the project's own, on build-san/, no root needed)
#   faults: tests/faults/[0-9]*.sh       (TAP, fault injection under traffic; writes
#                                        docs/reliability.md; `make test-faults`, not in the default)
# Suites that need root or BPF fail loudly without them; nothing is skipped.
# Usage: tests/run.sh [unit|bpf|e2e|fuzz|agents|faults ...]   (default: all but faults)
set -u
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

note_fail() {
	failed=$((failed + $1))
	failures+=("$2")
}

# A cmocka binary: count its "[  PASSED  ] N" and "[  FAILED  ] N" lines.
run_cmocka() {
	local bin=$1 out rc p f
	out=$(timeout 600 "$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	passed=$((passed + p))
	if [ "$f" -gt 0 ]; then
		note_fail "$f" "$bin"
	elif [ "$rc" -ne 0 ]; then
		note_fail 1 "$bin (exit $rc)"
	fi
}

# A TAP script (bash, or whatever else is given as $2): count "ok" and "not ok" lines.
run_tap() {
	local script=$1 interp=${2:-bash} out rc p f
	out=$(timeout 900 "$interp" "$script" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	passed=$((passed + p))
	if [ "$f" -gt 0 ]; then
		note_fail "$f" "$script"
	elif [ "$rc" -ne 0 ] || [ "$p" -eq 0 ]; then
		note_fail 1 "$script (exit $rc, $p ok lines)"
	fi
}

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "FATAL: the $1 suite needs root (BPF, network namespaces)" >&2
		note_fail 1 "$1: not root"
		return 1
	fi
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || {
		note_fail 1 "$1: bpffs not mountable"
		return 1
	}
}

suite_unit() {
	local t found=0
	for t in build-san/tests/unit/test_*; do
		[ -x "$t" ] || continue
		found=1
		echo "== unit: $t"
		run_cmocka "$t"
	done
	[ "$found" -eq 1 ] || note_fail 1 "unit: no test binaries (run make test)"
}

suite_bpf() {
	local t found=0
	need_root bpf || return
	for t in build/tests/bpf/test_*; do
		[ -x "$t" ] || continue
		found=1
		echo "== bpf: $t"
		run_cmocka "$t"
	done
	[ "$found" -eq 1 ] || note_fail 1 "bpf: no test binaries (run make test)"
}

suite_e2e() {
	local t found=0
	need_root e2e || return
	for t in tests/e2e/*.sh; do
		[ -f "$t" ] || continue
		found=1
		echo "== e2e: $t"
		run_tap "$t"
	done
	[ "$found" -eq 1 ] || note_fail 1 "e2e: no scripts"
}

# The fault suite: its scripts record one row per case; the rows become docs/reliability.md.
suite_faults() {
	local t found=0 results=build/faults/results.tsv
	need_root faults || return
	mkdir -p build/faults
	: >"$results"
	export FAULT_RESULTS=$PWD/$results
	for t in tests/faults/[0-9]*.sh; do
		[ -f "$t" ] || continue
		found=1
		echo "== faults: $t"
		run_tap "$t"
	done
	[ "$found" -eq 1 ] || note_fail 1 "faults: no scripts"
	tests/faults/report.sh "$results" >docs/reliability.md
}

# Each fuzzer replays every seed and then explores briefly; a crash or sanitizer report fails it.
suite_fuzz() {
	local t found=0 corpus
	for t in build-fuzz/fuzz_*; do
		[ -x "$t" ] || continue
		found=1
		echo "== fuzz: $t"
		corpus=$(mktemp -d /tmp/colo-fuzz.XXXXXX)
		if "$t" -max_total_time="${FUZZ_SMOKE_SECONDS:-8}" "$corpus" tests/fuzz/seeds \
			>"$corpus.log" 2>&1; then
			passed=$((passed + 1))
			grep -E '^#[0-9]+.*DONE' "$corpus.log"
		else
			tail -n 30 "$corpus.log"
			note_fail 1 "$t"
		fi
		rm -rf "$corpus" "$corpus.log"
	done
	[ "$found" -eq 1 ] || note_fail 1 "fuzz: no fuzzers (run make test)"
}

suite_agents() {
	local t found=0
	for t in tests/agents/test_*.py; do
		[ -f "$t" ] || continue
		found=1
		echo "== agents: $t"
		BUILD=build-san run_tap "$t" python3
	done
	[ "$found" -eq 1 ] || note_fail 1 "agents: no tests"
}

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit bpf fuzz agents e2e)
for s in "${suites[@]}"; do
	"suite_$s"
done

echo
for f in "${failures[@]}"; do
	echo "FAILED: $f"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
