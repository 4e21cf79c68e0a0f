#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The guest side of make test-kernel (tests/vm/kernel.sh): /guest/main of an initramfs booted on
# Debian 12's own kernel. The tree's binaries sit at their host paths (colo_root= on the kernel
# command line names the tree). Prints TAP lines: the kernel is 6.1 and lacks the kfunc
# bpf_cast_to_kern_ctx (so the capture runs its probe path), one line per BPF_PROG_TEST_RUN
# test of every build/tests/bpf binary, then tests/e2e/10_attach.sh's lines (attach/detach of
# every role and hook), and "guest: done" at the end.
root=$(sed -n 's/.*colo_root=\([^ ]*\).*/\1/p' /proc/cmdline)
. "$root/tests/e2e/lib_tap.bash" # ok, not_ok (shipped beside 10_attach.sh)

# A cmocka binary's tests as TAP lines ("bpf NAME pass P: TEST"): each RUN ends in OK or a
# failure, which is followed by what the test printed (as comments).
run_cmocka() {
	name=$(basename "$1")
	"$1" >"/tmp/$name.log" 2>&1
	rc=$?
	awk -v name="$name" '
		/^\[==========\] Running/ { pass++ }
		/^\[ RUN      \]/ { cur = $4; out = ""; next }
		cur != "" && /^\[       OK \]/ {
			print "OK bpf " name " pass " pass ": " cur
			cur = ""
			next
		}
		cur != "" && /^\[  (FAILED|ERROR) +\]/ {
			print "FAIL bpf " name " pass " pass ": " cur
			printf "%s", out
			cur = ""
			next
		}
		cur != "" { out = out "# " $0 "\n" }
	' "/tmp/$name.log" >"/tmp/$name.tap"
	while read -r verdict what; do
		case $verdict in
		OK) ok "$what" ;;
		FAIL) not_ok "$what" ;;
		*) echo "$verdict $what" ;;
		esac
	done <"/tmp/$name.tap"
	if [ "$rc" -ne 0 ] && ! grep -q '^FAIL' "/tmp/$name.tap" || [ ! -s "/tmp/$name.tap" ]; then
		not_ok "bpf $name: exit $rc"
		tail -n 30 "/tmp/$name.log" | sed 's/^/# /'
	fi
}

case $(uname -r) in
6.1.*) ok "booted Debian 12's kernel $(uname -r)" ;;
*) not_ok "kernel $(uname -r) is not 6.1" ;;
esac
if grep -qa bpf_cast_to_kern_ctx /sys/kernel/btf/vmlinux; then
	not_ok "this kernel has bpf_cast_to_kern_ctx: the probe path is not what runs"
else
	ok "no bpf_cast_to_kern_ctx in this kernel's BTF: the capture reads the skb by probe"
fi
for t in "$root"/build/tests/bpf/test_*; do
	[ -x "$t" ] && [ "${t%.o}" = "$t" ] && run_cmocka "$t"
done
bash "$root/tests/e2e/10_attach.sh" >/tmp/attach.log 2>&1
rc=$?
while read -r line; do
	case $line in
	"ok "*) ok "attach: ${line#ok [0-9]* - }" ;;
	"not ok "*) not_ok "attach: ${line#not ok [0-9]* - }" ;;
	"#"*) echo "$line" ;;
	esac
done </tmp/attach.log
[ "$rc" -eq 0 ] || not_ok "tests/e2e/10_attach.sh exit $rc"
echo "guest: done"
