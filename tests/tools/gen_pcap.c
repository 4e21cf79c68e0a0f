// SPDX-License-Identifier: GPL-2.0-only
/*
 * gen_pcap DIR: writes the capture pairs of the golden replay tests (tests/e2e/20_replay.sh):
 * DIR/<scenario>.p.pcap (primary replica's output) and DIR/<scenario>.s.pcap (secondary's),
 * plus DIR/linktype.pcap (a raw-IP capture replay must refuse). Frames come from the shared
 * frame builder (tests/unit/pkt.h); timestamps are T0 + milliseconds, microsecond pcap files.
 *
 * Every TCP scenario is one connection, the replica being the server: a SYN-ACK (primary ISN
 * P_ISN, secondary ISN P_ISN + 1000), four 500-byte data segments, a FIN. Primary frame times:
 * 0, 10, 20, 30, 40 and 60 ms, so the primary indexes are 0..5.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colo_xdp.h"
#include "lib/frame.h"
#include "../unit/pkt.h"

#define T0	 1700000000
#define P_ISN	 1000000u
#define S_ISN	 (P_ISN + 1000u)
#define C_ISN	 5000u
#define REQ_LEN	 100u /* bytes the client sent before the replies: the replicas' ack */
#define DATA_LEN 2000u
#define SEG	 500u

struct capture {
	pcap_t *dead;
	pcap_dumper_t *dump;
};

/* The replica's side of each flow (server 80 / 53, client 40000 / 5353); fields set per frame. */
static const struct pkt_spec tcp4 = {
	.family = 4,
	.src = "10.0.0.1",
	.dst = "10.0.0.2",
	.proto = IPPROTO_TCP,
	.sport = 80,
	.dport = 40000,
};
static const struct pkt_spec tcp6 = {
	.family = 6,
	.src = "fd00::1",
	.dst = "fd00::2",
	.proto = IPPROTO_TCP,
	.sport = 80,
	.dport = 40000,
};
static const struct pkt_spec udp4 = {
	.family = 4,
	.src = "10.0.0.1",
	.dst = "10.0.0.2",
	.proto = IPPROTO_UDP,
	.sport = 53,
	.dport = 5353,
};

static uint8_t data[DATA_LEN];

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "gen_pcap: %s: %s\n", what, detail);
	exit(1);
}

static void open_capture(struct capture *c, const char *dir, const char *name, int dlt)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	c->dead = pcap_open_dead_with_tstamp_precision(dlt, 65535, PCAP_TSTAMP_PRECISION_MICRO);
	if (!c->dead)
		die(path, "pcap_open_dead failed");
	c->dump = pcap_dump_open(c->dead, path);
	if (!c->dump)
		die(path, pcap_geterr(c->dead));
}

static void close_capture(struct capture *c)
{
	pcap_dump_close(c->dump);
	pcap_close(c->dead);
}

static void write_frame(struct capture *c, unsigned int ms, const uint8_t *frame, size_t len)
{
	struct pcap_pkthdr h = {
		.ts = {.tv_sec = T0 + ms / 1000, .tv_usec = (ms % 1000) * 1000},
		.caplen = (uint32_t)len,
		.len = (uint32_t)len,
	};

	pcap_dump((u_char *)c->dump, &h, frame);
}

/* Builds the frame of spec and writes it at T0 + ms. */
static void write_spec(struct capture *c, unsigned int ms, const struct pkt_spec *spec)
{
	uint8_t frame[2048];
	size_t n;

	n = pkt_build(spec, frame, sizeof(frame));
	if (!n)
		die("frame builder", "frame does not fit");
	write_frame(c, ms, frame, n);
}

/* One TCP segment of the replica: seq relative to its ISN (0 = the SYN). */
static void tcp_seg(struct capture *c, const struct pkt_spec *f, unsigned int ms, uint32_t isn,
		    uint32_t rel_seq, uint8_t flags, const uint8_t *payload, uint32_t len)
{
	struct pkt_spec s = *f;

	s.seq = isn + rel_seq;
	s.ack = flags & COLO_TCP_SYN ? C_ISN + 1 : C_ISN + 1 + REQ_LEN;
	s.flags = flags;
	s.payload = payload;
	s.payload_len = len;
	write_spec(c, ms, &s);
}

static void udp_dgram(struct capture *c, const struct pkt_spec *f, unsigned int ms,
		      const uint8_t *payload, uint32_t len)
{
	struct pkt_spec s = *f;

	s.payload = payload;
	s.payload_len = len;
	write_spec(c, ms, &s);
}

/* A replica's side of a TCP scenario, its payload given by buf. */
struct tcp_side {
	uint32_t isn;
	unsigned int synack_ms, fin_ms;
	unsigned int nsegs;
	struct {
		unsigned int ms, off, len;
	} seg[8];
	const uint8_t *buf;
};

static void tcp_write(struct capture *c, const struct pkt_spec *f, const struct tcp_side *s)
{
	tcp_seg(c, f, s->synack_ms, s->isn, 0, COLO_TCP_SYN | COLO_TCP_ACK, NULL, 0);
	for (unsigned int i = 0; i < s->nsegs; i++)
		tcp_seg(c, f, s->seg[i].ms, s->isn, 1 + s->seg[i].off, COLO_TCP_ACK | COLO_TCP_PSH,
			s->buf + s->seg[i].off, s->seg[i].len);
	if (s->fin_ms)
		tcp_seg(c, f, s->fin_ms, s->isn, 1 + DATA_LEN, COLO_TCP_FIN | COLO_TCP_ACK, NULL,
			0);
}

static const struct tcp_side primary = {
	.isn = P_ISN,
	.synack_ms = 0,
	.fin_ms = 60,
	.nsegs = 4,
	.seg = {{10, 0, SEG}, {20, SEG, SEG}, {30, 2 * SEG, SEG}, {40, 3 * SEG, SEG}},
	.buf = data,
};

/* The secondary sends the same segments 2 ms after the primary. */
static struct tcp_side secondary_like_primary(void)
{
	struct tcp_side s = primary;

	s.isn = S_ISN;
	s.synack_ms += 2;
	s.fin_ms += 2;
	for (unsigned int i = 0; i < s.nsegs; i++)
		s.seg[i].ms += 2;
	return s;
}

static void tcp_scenario(const char *dir, const char *name, const struct pkt_spec *f,
			 const struct tcp_side *sec)
{
	struct capture p, s;
	char fname[256];

	snprintf(fname, sizeof(fname), "%s.p.pcap", name);
	open_capture(&p, dir, fname, DLT_EN10MB);
	snprintf(fname, sizeof(fname), "%s.s.pcap", name);
	open_capture(&s, dir, fname, DLT_EN10MB);
	tcp_write(&p, f, &primary);
	tcp_write(&s, f, sec);
	close_capture(&p);
	close_capture(&s);
}

static void gen_tcp(const char *dir)
{
	static uint8_t diverged[DATA_LEN];
	struct tcp_side s = secondary_like_primary();

	tcp_scenario(dir, "identical", &tcp4, &s);
	tcp_scenario(dir, "ipv6", &tcp6, &s);

	/* One byte in the second data segment differs. */
	memcpy(diverged, data, sizeof(diverged));
	diverged[SEG + SEG / 2] ^= 0x20;
	s.buf = diverged;
	tcp_scenario(dir, "diverge", &tcp4, &s);

	/* The secondary stops after the second data segment: the primary's rest times out. */
	s = secondary_like_primary();
	s.nsegs = 2;
	s.fin_ms = 0;
	tcp_scenario(dir, "timeout", &tcp4, &s);

	/* Same bytes in 700/700/600-byte segments, the first one before the primary's. */
	s = secondary_like_primary();
	s.nsegs = 3;
	s.seg[0].ms = 5;
	s.seg[0].off = 0;
	s.seg[0].len = 700;
	s.seg[1].ms = 25;
	s.seg[1].off = 700;
	s.seg[1].len = 700;
	s.seg[2].ms = 45;
	s.seg[2].off = 1400;
	s.seg[2].len = 600;
	tcp_scenario(dir, "segmentation", &tcp4, &s);
}

/* Four 100-byte datagrams each way; the secondary's third differs in one byte. */
static void gen_udp(const char *dir)
{
	struct capture p, s;
	uint8_t odd[100];

	open_capture(&p, dir, "udp.p.pcap", DLT_EN10MB);
	open_capture(&s, dir, "udp.s.pcap", DLT_EN10MB);
	for (unsigned int i = 0; i < 4; i++) {
		memcpy(odd, data + 100 * i, sizeof(odd));
		if (i == 2)
			odd[50] ^= 0x01;
		udp_dgram(&p, &udp4, 10 * i, data + 100 * i, sizeof(odd));
		udp_dgram(&s, &udp4, 10 * i + 2, odd, sizeof(odd));
	}
	close_capture(&p);
	close_capture(&s);
}

static void gen_empty_and_linktype(const char *dir)
{
	struct pkt_spec s = udp4;
	struct capture c;
	uint8_t frame[2048];
	size_t n;

	open_capture(&c, dir, "empty.p.pcap", DLT_EN10MB);
	close_capture(&c);
	open_capture(&c, dir, "empty.s.pcap", DLT_EN10MB);
	close_capture(&c);

	/* The same UDP datagram, without its Ethernet header, in a raw-IP capture. */
	s.payload = data;
	s.payload_len = 100;
	n = pkt_build(&s, frame, sizeof(frame));
	if (n <= 14)
		die("frame builder", "UDP frame does not fit");
	open_capture(&c, dir, "linktype.pcap", DLT_RAW);
	write_frame(&c, 0, frame + 14, n - 14);
	close_capture(&c);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_pcap DIR\n");
		return 2;
	}
	for (unsigned int i = 0; i < DATA_LEN; i++)
		data[i] = (uint8_t)('a' + (i * 7) % 26);
	gen_tcp(argv[1]);
	gen_udp(argv[1]);
	gen_empty_and_linktype(argv[1]);
	return 0;
}
