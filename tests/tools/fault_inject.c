// SPDX-License-Identifier: GPL-2.0-only
/*
 * fault_inject: attaches tests/faults/fault_inject.bpf.c to tc clsact egress (or --ingress) of
 * one link in the current network namespace with the rule given, prints "fault_inject: attached"
 * and runs until SIGTERM/SIGINT; then detaches (the clsact qdisc too if it created it) and prints
 * the program's counters as one JSON line. --slow / --slow-every send frames into the HTB class
 * 1:20, which the caller created on the device with the rate that makes the delay:
 *   tc qdisc add dev IF root handle 1: htb default 0
 *   tc class add dev IF parent 1: classid 1:20 htb rate 20mbit
 * (default 0: every other frame takes HTB's unshaped direct queue, overtaking the slow ones).
 *
 *   fault_inject --dev IF [--ingress] [--proto tcp|udp] [--port P] [--payload-only]
 *                [--drop-every N] [--drop-per-mille N] [--slow | --slow-every N]
 * Exit 0 on a clean run, 1 on a runtime error, 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "lib/opts.h"
#include "tests/faults/fault_inject.skel.h"

#define SLOW_CLASS 0x00010020u /* HTB class 1:20 */

struct opts {
	const char *dev;
	bool ingress;
	__u32 proto, port, payload_only;
	__u32 drop_every, drop_per_mille, slow_all, slow_every;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: fault_inject --dev IF [--ingress] [--proto tcp|udp] [--port P] "
		   "[--payload-only] [--drop-every N] [--drop-per-mille N] "
		   "[--slow | --slow-every N]\n");
}

static bool parse_num(const char *s, __u32 max, __u32 *out)
{
	uint64_t v;

	if (colo_parse_u64(s, 0, max, &v))
		return false;
	*out = (__u32)v;
	return true;
}

/* Returns 0, or 2 after a one-line message. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{"dev", required_argument, NULL, 'd'},
		{"ingress", no_argument, NULL, 'i'},
		{"proto", required_argument, NULL, 'P'},
		{"port", required_argument, NULL, 'p'},
		{"payload-only", no_argument, NULL, 'y'},
		{"drop-every", required_argument, NULL, 'e'},
		{"drop-per-mille", required_argument, NULL, 'm'},
		{"slow", no_argument, NULL, 's'},
		{"slow-every", required_argument, NULL, 'S'},
		{0},
	};
	bool ok = true;
	int c;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dev = optarg;
			break;
		case 'i':
			o->ingress = true;
			break;
		case 'P':
			o->proto = !strcmp(optarg, "tcp")   ? IPPROTO_TCP
				   : !strcmp(optarg, "udp") ? IPPROTO_UDP
							    : 0;
			ok = ok && o->proto;
			break;
		case 'p':
			ok = ok && parse_num(optarg, 65535, &o->port);
			break;
		case 'y':
			o->payload_only = 1;
			break;
		case 'e':
			ok = ok && parse_num(optarg, UINT32_MAX, &o->drop_every);
			break;
		case 'm':
			ok = ok && parse_num(optarg, 1000, &o->drop_per_mille);
			break;
		case 's':
			o->slow_all = 1;
			break;
		case 'S':
			ok = ok && parse_num(optarg, UINT32_MAX, &o->slow_every);
			break;
		default:
			ok = false;
			break;
		}
	}
	if (!ok || !o->dev || optind != argc || (o->ingress && (o->slow_all || o->slow_every))) {
		usage(stderr);
		return 2;
	}
	return 0;
}

static void configure(struct fault_inject *skel, const struct opts *o)
{
	skel->rodata->rule_proto = (__u8)o->proto;
	skel->rodata->rule_port = (__u16)o->port;
	skel->rodata->rule_payload_only = (__u8)o->payload_only;
	skel->rodata->drop_every = o->drop_every;
	skel->rodata->drop_per_mille = o->drop_per_mille;
	skel->rodata->slow_all = (__u8)o->slow_all;
	skel->rodata->slow_every = o->slow_every;
	skel->rodata->slow_classid = SLOW_CLASS;
}

static int run(struct fault_inject *skel, const struct opts *o, int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = o->ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tc, .prog_fd = bpf_program__fd(skel->progs.fault_inject));
	bool created;
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		fprintf(stderr, "fault_inject: clsact on %s: %s\n", o->dev, strerror(-err));
		return 1;
	}
	created = !err;
	err = bpf_tc_attach(&hook, &tc);
	if (err) {
		fprintf(stderr, "fault_inject: attach to %s: %s\n", o->dev, strerror(-err));
	} else {
		printf("fault_inject: attached\n");
		fflush(stdout);
		/* sleep, not pause: a signal just before it would leave pause waiting forever. */
		while (!stop)
			sleep(1);
		tc.prog_fd = tc.prog_id = tc.flags = 0;
		bpf_tc_detach(&hook, &tc);
	}
	if (created) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	printf("{\"matched\":%llu,\"dropped\":%llu,\"slowed\":%llu}\n",
	       (unsigned long long)skel->bss->matched, (unsigned long long)skel->bss->dropped,
	       (unsigned long long)skel->bss->slowed);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct fault_inject *skel;
	struct opts o = {0};
	int ifindex, rc;

	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	ifindex = (int)if_nametoindex(o.dev);
	if (!ifindex) {
		fprintf(stderr, "fault_inject: %s: %s\n", o.dev, strerror(errno));
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	skel = fault_inject__open();
	if (!skel) {
		fprintf(stderr, "fault_inject: open: %s\n", strerror(errno));
		return 1;
	}
	configure(skel, &o);
	if (fault_inject__load(skel)) {
		fprintf(stderr, "fault_inject: load: %s\n", strerror(errno));
		fault_inject__destroy(skel);
		return 1;
	}
	rc = run(skel, &o, ifindex);
	fault_inject__destroy(skel);
	return rc;
}
