// SPDX-License-Identifier: GPL-2.0-only
/*
 * pcap_leak: did any primary byte reach the client that the secondary had not produced by then,
 * and that no checkpoint commit or failover covered? The fault suite's safety measurement.
 *
 *   pcap_leak --client C.pcap --primary P.pcap --secondary S.pcap
 *             [--commit NS]... [--failover NS] [--since NS] [--commit-slack NS] [--unknown-ok]
 *
 * The three captures are tcpdump -w files (headers are enough) with nanosecond CLOCK_REALTIME
 * timestamps: the client's side, and the dataplane host's primary and secondary ports (a tap
 * there sees each replica's frames before the capture program drops them). Every TCP flow whose
 * server side sent a SYN-ACK is followed; a data segment's stream offset is seq - ISN - 1 of its
 * own capture's SYN-ACK, so the replicas' different ISNs do not matter.
 *
 * A byte at offset o that reaches the client at time t is allowed when the secondary's capture
 * holds offset o from before t, or a commit at or before t covered it (--commit NS: the time the
 * agent sent the COMMIT; it covers what the primary's capture held by then), or failover was
 * declared before t (--failover NS). Anything else is leaked, each offset counted once.
 *
 * --commit-slack NS: leaked_bytes also counts as covered what the primary's capture got within NS
 * after a COMMIT was sent (the daemon applies a commit in its workers some time after the agent
 * sent it, releasing what they hold by then); strict_leaked_bytes never does.
 *
 * --unknown-ok: flows it cannot judge are counted but do not fail it (a long capture in which
 * clients reuse 4-tuples).
 *
 * --since NS: also the first time at or after NS when a flow's client side got a byte beyond
 * all it had before NS (the traffic recovered), 0 when none did.
 *
 * Prints one JSON line (and the first leaks on stderr): {"flows":N,"client_bytes":B,
 * "leaked_bytes":L,"strict_leaked_bytes":L0,"unknown_flows":U,"first_progress_ns":T}. Exit 0
 * when nothing leaked (with the slack) and every flow was known, 1 when bytes leaked, 2 on a
 * usage error, an unreadable capture or a flow it cannot judge (data without its SYN-ACK in one
 * of the captures, or two connections on one 4-tuple).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colo_xdp.h"
#include "lib/frame.h"

#define MAX_FLOWS    262144
#define HASH_SLOTS   (2 * MAX_FLOWS)
#define MAX_COMMITS  1024
#define MAX_REPORTED 5

enum capture { CAP_CLIENT, CAP_PRIMARY, CAP_SECONDARY, CAP_MAX };

/* The highest stream offset one capture held of one flow, over time (times nondecreasing). */
struct timeline {
	uint64_t *t, *end;
	size_t n, cap;
};

struct flow_side {
	bool known; /* SYN-ACK seen */
	bool ambiguous;
	uint32_t isn;
	struct timeline tl;
};

struct flow {
	struct colo_flow_key key;
	struct flow_side side[CAP_MAX];
	uint64_t leak_to[2];  /* client offsets below this were judged leaked already */
	uint64_t end_before;  /* client's highest offset before --since */
	bool unknown_counted; /* data seen without a known ISN */
};

struct scan {
	struct flow *flows;
	size_t nflows;
	uint32_t *slots; /* flow index + 1; 0 free */
	uint64_t commits[MAX_COMMITS];
	size_t ncommits;
	uint64_t failover, since, slack;
	bool unknown_ok;
	uint64_t client_bytes, leaked[2], first_progress; /* [0] with --commit-slack, [1] strict */
	size_t unknown;
	unsigned int reported;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "pcap_leak: out of memory\n");
		exit(2);
	}
	return p;
}

static struct flow *flow_get(struct scan *s, const struct colo_flow_key *key, bool create)
{
	uint32_t h = colo_flow_key_hash(key) % HASH_SLOTS;
	struct flow *f;

	for (; s->slots[h]; h = (h + 1) % HASH_SLOTS) {
		f = &s->flows[s->slots[h] - 1];
		if (!memcmp(&f->key, key, sizeof(*key)))
			return f;
	}
	if (!create)
		return NULL;
	if (s->nflows == MAX_FLOWS) {
		fprintf(stderr, "pcap_leak: more than %d flows\n", MAX_FLOWS);
		exit(2);
	}
	f = &s->flows[s->nflows++];
	memset(f, 0, sizeof(*f));
	f->key = *key;
	s->slots[h] = (uint32_t)s->nflows;
	return f;
}

static void timeline_add(struct timeline *tl, uint64_t t, uint64_t end)
{
	if (tl->n && end <= tl->end[tl->n - 1])
		return;
	if (tl->n == tl->cap) {
		tl->cap = tl->cap ? 2 * tl->cap : 64;
		tl->t = xrealloc(tl->t, tl->cap * sizeof(*tl->t));
		tl->end = xrealloc(tl->end, tl->cap * sizeof(*tl->end));
	}
	/* A capture's timestamps may step back by a little across CPUs: keep them sorted. */
	tl->t[tl->n] = tl->n && t < tl->t[tl->n - 1] ? tl->t[tl->n - 1] : t;
	tl->end[tl->n++] = end;
}

/* The highest offset held at or before t (0: none). */
static uint64_t timeline_at(const struct timeline *tl, uint64_t t)
{
	size_t lo = 0, hi = tl->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tl->t[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? tl->end[lo - 1] : 0;
}

/* What the client may hold of flow f at time t (a commit covering slack ns more). */
static uint64_t allowed_at(const struct scan *s, const struct flow *f, uint64_t t, uint64_t slack)
{
	uint64_t allowed = timeline_at(&f->side[CAP_SECONDARY].tl, t), covered;
	size_t i;

	if (s->failover && s->failover <= t)
		return UINT64_MAX;
	for (i = 0; i < s->ncommits && s->commits[i] <= t; i++) {
		covered = timeline_at(&f->side[CAP_PRIMARY].tl, s->commits[i] + slack);
		if (covered > allowed)
			allowed = covered;
	}
	return allowed;
}

/* When a capture first held offset end (UINT64_MAX: never). */
static uint64_t timeline_reached(const struct timeline *tl, uint64_t end)
{
	size_t i;

	for (i = 0; i < tl->n; i++)
		if (tl->end[i] >= end)
			return tl->t[i];
	return UINT64_MAX;
}

/* The last commit at or before t (0: none). */
static uint64_t commit_before(const struct scan *s, uint64_t t)
{
	uint64_t last = 0;
	size_t i;

	for (i = 0; i < s->ncommits && s->commits[i] <= t; i++)
		last = s->commits[i];
	return last;
}

/*
 * The first leaks, on stderr: what reached the client when, and when the primary and the
 * secondary had produced it, and the last commit before.
 */
static void report_leak(struct scan *s, const struct flow *f, uint64_t t, uint64_t from,
			uint64_t end, uint64_t allowed)
{
	char name[128];

	if (s->reported++ >= MAX_REPORTED)
		return;
	colo_flow_format(&f->key, name, sizeof(name));
	fprintf(stderr,
		"pcap_leak: %s: bytes %llu..%llu at %llu, allowed up to %llu; the primary produced "
		"them at %llu, the secondary at %lld; last commit before: %llu\n",
		name, (unsigned long long)from, (unsigned long long)end, (unsigned long long)t,
		(unsigned long long)allowed,
		(unsigned long long)timeline_reached(&f->side[CAP_PRIMARY].tl, end),
		(long long)timeline_reached(&f->side[CAP_SECONDARY].tl, end),
		(unsigned long long)commit_before(s, t));
}

/* Counts the bytes of [start, end) beyond allowed not counted before, in leak tracker k. */
static void judge_leak(struct scan *s, struct flow *f, int k, uint64_t t, uint64_t start,
		       uint64_t end, uint64_t allowed)
{
	uint64_t from = start;

	if (end <= allowed)
		return;
	if (from < allowed)
		from = allowed;
	if (from < f->leak_to[k])
		from = f->leak_to[k];
	if (end > from) {
		if (k == 0)
			report_leak(s, f, t, from, end, allowed);
		s->leaked[k] += end - from;
		f->leak_to[k] = end;
	}
}

static void judge_client(struct scan *s, struct flow *f, uint64_t t, uint64_t start, uint64_t end)
{
	s->client_bytes += end - start;
	if (s->since && t < s->since && end > f->end_before)
		f->end_before = end;
	if (s->since && t >= s->since && end > f->end_before &&
	    (!s->first_progress || t < s->first_progress))
		s->first_progress = t;
	judge_leak(s, f, 0, t, start, end, allowed_at(s, f, t, s->slack));
	judge_leak(s, f, 1, t, start, end, allowed_at(s, f, t, 0));
}

static void on_segment(struct scan *s, enum capture c, uint64_t t, const struct colo_frame_info *fi)
{
	bool synack =
		(fi->tcp.flags & (COLO_TCP_SYN | COLO_TCP_ACK)) == (COLO_TCP_SYN | COLO_TCP_ACK);
	struct flow *f = flow_get(s, &fi->key, synack);
	struct flow_side *side;
	uint64_t start;

	if (!f)
		return; /* the client's direction, or a flow not followed */
	side = &f->side[c];
	if (synack) {
		if (side->known && side->isn != fi->tcp.seq)
			side->ambiguous = true;
		side->known = true;
		side->isn = fi->tcp.seq;
		return;
	}
	if (!fi->payload_len)
		return;
	if (!side->known) {
		if (!f->unknown_counted)
			s->unknown++;
		f->unknown_counted = true;
		return;
	}
	start = (uint32_t)(fi->tcp.seq - side->isn - 1);
	if (c == CAP_CLIENT)
		judge_client(s, f, t, start, start + fi->payload_len);
	else
		timeline_add(&side->tl, t, start + fi->payload_len);
}

/*
 * Feeds every TCP segment of one capture to on_segment; 0, or 2 on an unreadable capture.
 * Captures may keep only the headers (tcpdump -s): the frame is parsed at its wire length with
 * the bytes not captured read as zeros, which only the payload can be.
 */
static int scan_file(struct scan *s, enum capture c, const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	static uint8_t frame[COLO_MAX_FRAME];
	struct colo_frame_info fi;
	struct pcap_pkthdr *h;
	const uint8_t *data;
	int r, rc = 0;
	pcap_t *p;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p) {
		fprintf(stderr, "pcap_leak: %s\n", err);
		return 2;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "pcap_leak: %s: not an Ethernet capture\n", path);
		pcap_close(p);
		return 2;
	}
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		/* With nanosecond precision, tv_usec holds nanoseconds. */
		uint64_t t = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;

		if (h->len > sizeof(frame) || h->caplen > h->len)
			continue;
		memcpy(frame, data, h->caplen);
		memset(frame + h->caplen, 0, h->len - h->caplen);
		if (colo_frame_parse(frame, h->len, &fi) != COLO_FRAME_IP ||
		    fi.key.proto != IPPROTO_TCP || fi.fragment)
			continue;
		on_segment(s, c, t, &fi);
	}
	if (r == PCAP_ERROR) {
		fprintf(stderr, "pcap_leak: %s: %s\n", path, pcap_geterr(p));
		rc = 2;
	}
	pcap_close(p);
	return rc;
}

static size_t count_ambiguous(const struct scan *s)
{
	size_t i, n = 0;
	int c;

	for (i = 0; i < s->nflows; i++)
		for (c = 0; c < CAP_MAX; c++)
			n += s->flows[i].side[c].ambiguous;
	return n;
}

static bool parse_ns(const char *arg, uint64_t *out)
{
	char *end;

	if (!*arg || *arg == '-')
		return false;
	*out = strtoull(arg, &end, 10);
	return !*end && *out;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pcap_leak --client C.pcap --primary P.pcap --secondary S.pcap "
		   "[--commit NS]... [--failover NS] [--since NS] [--commit-slack NS] "
		   "[--unknown-ok]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"client", required_argument, NULL, 'c'},
		{"primary", required_argument, NULL, 'p'},
		{"secondary", required_argument, NULL, 's'},
		{"commit", required_argument, NULL, 'C'},
		{"failover", required_argument, NULL, 'F'},
		{"since", required_argument, NULL, 'S'},
		{"commit-slack", required_argument, NULL, 'k'},
		{"unknown-ok", no_argument, NULL, 'u'},
		{0},
	};
	const char *path[CAP_MAX] = {0};
	static struct scan s;
	bool ok = true;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path[CAP_CLIENT] = optarg;
			break;
		case 'p':
			path[CAP_PRIMARY] = optarg;
			break;
		case 's':
			path[CAP_SECONDARY] = optarg;
			break;
		case 'C':
			ok = ok && s.ncommits < MAX_COMMITS &&
			     parse_ns(optarg, &s.commits[s.ncommits++]);
			ok = ok && (s.ncommits < 2 ||
				    s.commits[s.ncommits - 2] <= s.commits[s.ncommits - 1]);
			break;
		case 'F':
			ok = ok && parse_ns(optarg, &s.failover);
			break;
		case 'S':
			ok = ok && parse_ns(optarg, &s.since);
			break;
		case 'k':
			ok = ok && parse_ns(optarg, &s.slack);
			break;
		case 'u':
			s.unknown_ok = true;
			break;
		default:
			ok = false;
			break;
		}
	}
	if (!ok || optind != argc || !path[CAP_CLIENT] || !path[CAP_PRIMARY] ||
	    !path[CAP_SECONDARY]) {
		usage(stderr);
		return 2;
	}
	s.flows = xrealloc(NULL, MAX_FLOWS * sizeof(*s.flows));
	s.slots = xrealloc(NULL, HASH_SLOTS * sizeof(*s.slots));
	memset(s.slots, 0, HASH_SLOTS * sizeof(*s.slots));
	/* The replicas' timelines first: the client's bytes are judged against them. */
	rc |= scan_file(&s, CAP_PRIMARY, path[CAP_PRIMARY]);
	rc |= scan_file(&s, CAP_SECONDARY, path[CAP_SECONDARY]);
	rc |= scan_file(&s, CAP_CLIENT, path[CAP_CLIENT]);
	s.unknown += count_ambiguous(&s);
	printf("{\"flows\":%zu,\"client_bytes\":%llu,\"leaked_bytes\":%llu,"
	       "\"strict_leaked_bytes\":%llu,\"unknown_flows\":%zu,\"first_progress_ns\":%llu}\n",
	       s.nflows, (unsigned long long)s.client_bytes, (unsigned long long)s.leaked[0],
	       (unsigned long long)s.leaked[1], s.unknown, (unsigned long long)s.first_progress);
	if (rc || (s.unknown && !s.unknown_ok))
		return 2;
	return s.leaked[0] ? 1 : 0;
}
