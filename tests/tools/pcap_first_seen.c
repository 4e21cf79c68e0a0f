// SPDX-License-Identifier: GPL-2.0-only
/*
 * pcap_first_seen --port P --offset K FILE: when did a byte at stream offset K or later first
 * arrive? FILE is an Ethernet capture (tcpdump -w, e.g. on the client side; headers suffice). The
 * tool follows every TCP flow whose source port is P (the service's direction), learns each flow's
 * ISN from its SYN-ACK and, for a segment with payload, takes the stream offset of its first byte
 * as seq - ISN - 1 (modulo 2^32). It prints the capture time, nanoseconds since the epoch, of the
 * first segment carrying a byte at offset K or later, in any of those flows.
 *
 * Exit: 0 printed; 1 no such byte in the capture; 2 usage error, unreadable capture, a frame the
 * parser rejects, no SYN-ACK from port P, or a segment from port P of a flow whose SYN-ACK the
 * capture lacks (its offsets are unknown: the capture started too late).
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

#define MAX_FLOWS 64

struct flow {
	struct colo_flow_key key;
	uint32_t isn;
};

struct scan {
	uint16_t port;
	uint64_t offset;
	struct flow flows[MAX_FLOWS];
	unsigned int nflows;
};

static struct flow *flow_find(struct scan *s, const struct colo_flow_key *key)
{
	unsigned int i;

	for (i = 0; i < s->nflows; i++)
		if (!memcmp(&s->flows[i].key, key, sizeof(*key)))
			return &s->flows[i];
	return NULL;
}

/* Learns (or relearns, for a retransmitted SYN-ACK) a flow's ISN; -1 when the table is full. */
static int flow_learn(struct scan *s, const struct colo_flow_key *key, uint32_t isn)
{
	struct flow *f = flow_find(s, key);

	if (!f) {
		if (s->nflows == MAX_FLOWS)
			return -1;
		f = &s->flows[s->nflows++];
		f->key = *key;
	}
	f->isn = isn;
	return 0;
}

/*
 * One frame: 1 when it carries a byte at or after the offset, 0 when not, -1 when it cannot be
 * judged (a message says why).
 */
static int frame_reaches(struct scan *s, const struct pcap_pkthdr *h, const uint8_t *data)
{
	static uint8_t frame[COLO_MAX_FRAME];
	struct colo_frame_info fi;
	char name[128];
	struct flow *f;
	uint32_t rel;

	/* A headers-only capture (tcpdump -s): parse at the wire length, the rest read as zeros. */
	if (h->caplen > h->len || h->len > sizeof(frame)) {
		fprintf(stderr, "pcap_first_seen: frame of %u bytes (%u captured)\n", h->len,
			h->caplen);
		return -1;
	}
	memcpy(frame, data, h->caplen);
	memset(frame + h->caplen, 0, h->len - h->caplen);
	if (colo_frame_parse(frame, h->len, &fi) == COLO_FRAME_MALFORMED) {
		fprintf(stderr, "pcap_first_seen: malformed or truncated frame (%u of %u bytes)\n",
			h->caplen, h->len);
		return -1;
	}
	if (fi.kind != COLO_FRAME_IP || fi.key.proto != IPPROTO_TCP ||
	    ntohs(fi.key.sport) != s->port)
		return 0;
	if ((fi.tcp.flags & (COLO_TCP_SYN | COLO_TCP_ACK)) == (COLO_TCP_SYN | COLO_TCP_ACK)) {
		if (flow_learn(s, &fi.key, fi.tcp.seq)) {
			fprintf(stderr, "pcap_first_seen: more than %d flows\n", MAX_FLOWS);
			return -1;
		}
		return 0;
	}
	if (!fi.payload_len)
		return 0;
	f = flow_find(s, &fi.key);
	if (!f) {
		colo_flow_format(&fi.key, name, sizeof(name));
		fprintf(stderr, "pcap_first_seen: data of %s without its SYN-ACK\n", name);
		return -1;
	}
	rel = fi.tcp.seq - f->isn - 1;
	return (uint64_t)rel + fi.payload_len > s->offset;
}

/* Returns the exit status; prints the time on success. */
static int scan_file(struct scan *s, const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const uint8_t *data;
	pcap_t *p;
	int r, reach, rc = 1;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p) {
		fprintf(stderr, "pcap_first_seen: %s\n", err);
		return 2;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "pcap_first_seen: %s: not an Ethernet capture\n", path);
		pcap_close(p);
		return 2;
	}
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		reach = frame_reaches(s, h, data);
		if (reach < 0) {
			rc = 2;
			break;
		}
		if (reach) {
			/* With nanosecond precision, tv_usec holds nanoseconds. */
			printf("%llu\n", (unsigned long long)h->ts.tv_sec * 1000000000ull +
						 (unsigned long long)h->ts.tv_usec);
			rc = 0;
			break;
		}
	}
	if (r == PCAP_ERROR) {
		fprintf(stderr, "pcap_first_seen: %s: %s\n", path, pcap_geterr(p));
		rc = 2;
	}
	pcap_close(p);
	if (rc == 1 && !s->nflows) {
		fprintf(stderr, "pcap_first_seen: %s: no SYN-ACK from port %u\n", path, s->port);
		rc = 2;
	}
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pcap_first_seen --port P --offset K FILE\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"port", required_argument, NULL, 'p'},
		{"offset", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct scan s = {0};
	unsigned long port = 0;
	bool have_offset = false;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			port = strtoul(optarg, &end, 10);
			if (*end || !port || port > 65535) {
				usage(stderr);
				return 2;
			}
			break;
		case 'o':
			s.offset = strtoull(optarg, &end, 10);
			if (!*optarg || *end || *optarg == '-' || s.offset > UINT32_MAX) {
				usage(stderr);
				return 2;
			}
			have_offset = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!port || !have_offset || optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	s.port = (uint16_t)port;
	return scan_file(&s, argv[optind]);
}
