#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The guest side of make test-vmm (tests/vm/checkpoint.sh): /guest/main of both replica VMs
# (one image, same MAC and addresses, told apart only by their tap on the host). Services:
#   7000  colo_serve serve: every connection gets 4 MiB of the deterministic pattern
#   7001  this boot's id (/proc/sys/kernel/random/boot_id): diverges between two fresh boots,
#         equal once the secondary runs the primary's migrated state
#   7002  echo, one process per connection: long-lived connections across a checkpoint
#   7003  the kernel's clock in ns (/proc/timer_list): diverges every time (forced checkpoints);
#         not /dev/urandom, whose output after a migration is the same on both replicas
# Prints "guest: ready BOOT_ID" on the console when all listen, then idles.
root=$(sed -n 's/.*colo_root=\([^ ]*\).*/\1/p' /proc/cmdline)
boot_id=$(cat /proc/sys/kernel/random/boot_id)

sysctl -qw net.ipv6.conf.eth0.accept_dad=0
sysctl -qw net.ipv6.conf.eth0.router_solicitations=0
ip link set eth0 up
ip addr add 10.77.0.2/24 dev eth0
ip addr add fd77::2/64 dev eth0 # no DAD: accept_dad is 0 (busybox ip has no nodad)

"$root/build/tools/colo_serve" serve --port 7000 --bytes 4194304 &
nc -ll -p 7001 -e cat /proc/sys/kernel/random/boot_id &
nc -ll -p 7002 -e cat &
nc -ll -p 7003 -e grep -m 1 "now at" /proc/timer_list &
for port in 7000 7001 7002 7003; do
	until netstat -ltn | grep -q ":$port "; do
		sleep 0.1
	done
done
echo "guest: ready $boot_id"
while :; do
	sleep 3600
done
