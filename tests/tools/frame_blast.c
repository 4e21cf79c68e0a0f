// SPDX-License-Identifier: GPL-2.0-only
/*
 * frame_blast: crafted frames out of one interface (AF_PACKET), for the fault suite. Frames are
 * built by the tests' frame builder (tests/unit/pkt.c) and then cut or bent.
 *
 *   frame_blast --dev IF --src ADDR --dst ADDR --malformed
 *       The fixed set of bad and unusual frames below, once each, from UDP port 7 to 7 (a flow
 *       no test traffic uses); prints {"malformed":M,"non_ip":N,"ip":I}: how many the capture
 *       program must count as malformed, as non-IP, and how many are well-formed IP it must
 *       capture and compare.
 *   frame_blast --dev IF --src ADDR --dst ADDR --syn-flood N --port P
 *       N TCP SYNs, to ports P and P+1 in turn, from ports 1024..65023: N distinct flows up to
 *       128000; prints {"sent":N}.
 *   frame_blast --dev IF --src ADDR --dst ADDR --udp-vlan TCI --port P [--tpid 0x8100|0x88a8]
 *       One UDP datagram from port P to P, with one VLAN tag and a fixed payload.
 * Source MAC 02:66:00:00:00:66 (tests look for it at the client), destination --dst-mac or
 * broadcast. Exit 0, 1 on a socket error, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/opts.h"
#include "../unit/pkt.h"

#define FRAME_BYTES 2048
#define BLAST_PORT  7

static const uint8_t blast_smac[6] = {0x02, 0x66, 0x00, 0x00, 0x00, 0x66};

struct blast {
	int fd;
	struct sockaddr_ll to;
	uint8_t dmac[6];
	const char *src, *dst;
	int family;
};

enum expect { EXP_MALFORMED, EXP_NON_IP, EXP_IP, EXP_MAX };

/* One frame out; the MACs are set here. */
static int send_frame(struct blast *b, uint8_t *frame, size_t len)
{
	memcpy(frame, b->dmac, 6);
	memcpy(frame + 6, blast_smac, 6);
	if (sendto(b->fd, frame, len, 0, (struct sockaddr *)&b->to, sizeof(b->to)) !=
	    (ssize_t)len) {
		fprintf(stderr, "frame_blast: send: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static struct pkt_spec udp_spec(const struct blast *b, uint16_t port, const char *payload)
{
	struct pkt_spec s = {
		.family = b->family,
		.src = b->src,
		.dst = b->dst,
		.proto = IPPROTO_UDP,
		.sport = port,
		.dport = port,
		.payload = payload,
		.payload_len = (uint32_t)strlen(payload),
	};
	return s;
}

/* Offset of the IP header in a frame pkt_build made with nvlan tags. */
static size_t l3_of(const struct pkt_spec *s)
{
	return 14 + 4 * (size_t)s->nvlan;
}

/* Inserts n bytes at off (the frame grows by n). */
static size_t insert(uint8_t *f, size_t len, size_t off, const void *bytes, size_t n)
{
	memmove(f + off + n, f + off, len - off);
	memcpy(f + off, bytes, n);
	return len + n;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Sets the IP length field so that the datagram ends at frame offset end. */
static void set_ip_end(const struct pkt_spec *s, uint8_t *f, size_t end)
{
	size_t l3 = l3_of(s);

	if (s->family == 4)
		put16(f + l3 + 2, (uint16_t)(end - l3));
	else
		put16(f + l3 + 4, (uint16_t)(end - l3 - 40));
}

/* IPv4 options (NOP, NOP, NOP, EOL) or an IPv6 destination-options header: valid IP. */
static size_t with_ip_options(const struct pkt_spec *s, uint8_t *f, size_t len)
{
	static const uint8_t nops[4] = {1, 1, 1, 0};
	uint8_t dstopts[8] = {0, 0, 1, 4, 0, 0, 0, 0};
	uint8_t *ip = f + l3_of(s);

	if (s->family == 4) {
		len = insert(f, len, l3_of(s) + 20, nops, 4);
		ip[0] = 0x46;
		put16(ip + 2, get16(ip + 2) + 4);
		return len;
	}
	dstopts[0] = ip[6];
	len = insert(f, len, l3_of(s) + 40, dstopts, 8);
	ip[6] = 60;
	put16(ip + 4, get16(ip + 4) + 8);
	return len;
}

/* A first fragment (more fragments follow): valid IP, not parsed past L3. */
static size_t as_fragment(const struct pkt_spec *s, uint8_t *f, size_t len)
{
	uint8_t frag[8] = {0, 0, 0, 1, 0, 0, 0x42, 0x42};
	uint8_t *ip = f + l3_of(s);

	if (s->family == 4) {
		put16(ip + 6, 0x2000);
		return len;
	}
	frag[0] = ip[6];
	len = insert(f, len, l3_of(s) + 40, frag, 8);
	ip[6] = 44;
	put16(ip + 4, get16(ip + 4) + 8);
	return len;
}

/* Sends the malformed set; counts what each is expected to be. */
static int blast_malformed(struct blast *b, unsigned int counts[EXP_MAX])
{
	static const char payload[] = "colo-xdp fault suite: malformed";
	uint8_t f[FRAME_BYTES];
	struct pkt_spec s = udp_spec(b, BLAST_PORT, payload);
	size_t len, l3 = l3_of(&s), l4 = l3 + (b->family == 4 ? 20 : 40);
	int rc = 0;

	/* Cut inside the IP header, and inside the UDP header. */
	pkt_build(&s, f, sizeof(f));
	rc |= send_frame(b, f, l3 + 10);
	pkt_build(&s, f, sizeof(f));
	set_ip_end(&s, f, l4 + 4);
	rc |= send_frame(b, f, l4 + 4);
	/* IP length beyond the frame. */
	len = pkt_build(&s, f, sizeof(f));
	set_ip_end(&s, f, len + 100);
	rc |= send_frame(b, f, len);
	counts[EXP_MALFORMED] += 3;
	/* UDP length below 8, and beyond the IP end. */
	len = pkt_build(&s, f, sizeof(f));
	put16(f + l4 + 4, 7);
	rc |= send_frame(b, f, len);
	counts[EXP_MALFORMED]++;
	len = pkt_build(&s, f, sizeof(f));
	put16(f + l4 + 4, (uint16_t)(len - l4 + 1));
	rc |= send_frame(b, f, len);
	counts[EXP_MALFORMED]++;
	/* IPv4: header length below 20; IPv6: version field wrong. */
	len = pkt_build(&s, f, sizeof(f));
	f[l3] = b->family == 4 ? 0x44 : 0x50;
	rc |= send_frame(b, f, len);
	counts[EXP_MALFORMED]++;
	/* Well-formed but unusual IP: options / extension header, a fragment, VLAN, QinQ. */
	len = with_ip_options(&s, f, pkt_build(&s, f, sizeof(f)));
	rc |= send_frame(b, f, len);
	len = as_fragment(&s, f, pkt_build(&s, f, sizeof(f)));
	rc |= send_frame(b, f, len);
	s.nvlan = 1;
	s.vlan[0] = 100;
	rc |= send_frame(b, f, pkt_build(&s, f, sizeof(f)));
	s.nvlan = 2;
	s.vlan[1] = 200;
	rc |= send_frame(b, f, pkt_build(&s, f, sizeof(f)));
	counts[EXP_IP] += 4;
	/* Not IP: an LLDP ethertype; three VLAN tags. */
	s.nvlan = 0;
	len = pkt_build(&s, f, sizeof(f));
	put16(f + 12, 0x88cc);
	rc |= send_frame(b, f, len);
	s.nvlan = 2;
	len = pkt_build(&s, f, sizeof(f));
	len = insert(f, len, 12, "\x81\x00\x01\x2c", 4);
	rc |= send_frame(b, f, len);
	counts[EXP_NON_IP] += 2;
	return rc;
}

static int blast_syn_flood(struct blast *b, unsigned int n, uint16_t port)
{
	uint8_t f[FRAME_BYTES];
	struct pkt_spec s = {
		.family = b->family,
		.src = b->src,
		.dst = b->dst,
		.proto = IPPROTO_TCP,
		.dport = port,
		.flags = 0x02,
		.window = 65535,
	};
	unsigned int i;

	for (i = 0; i < n; i++) {
		s.sport = (uint16_t)(1024 + (i / 2) % 64000);
		s.dport = (uint16_t)(port + i % 2);
		s.seq = 0x10000000u + i;
		if (send_frame(b, f, pkt_build(&s, f, sizeof(f))))
			return -1;
	}
	return 0;
}

static int blast_udp_vlan(struct blast *b, uint16_t tci, uint16_t tpid, uint16_t port)
{
	uint8_t f[FRAME_BYTES];
	struct pkt_spec s = udp_spec(b, port, "colo-xdp fault suite: vlan");
	size_t len;

	s.nvlan = 1;
	s.vlan[0] = tci;
	len = pkt_build(&s, f, sizeof(f));
	put16(f + 12, tpid);
	return send_frame(b, f, len);
}

static bool parse_u32(const char *s, __u32 min, __u32 max, __u32 *out)
{
	uint64_t v;

	if (colo_parse_u64(s, min, max, &v))
		return false;
	*out = (__u32)v;
	return true;
}

static int open_socket(struct blast *b, const char *dev)
{
	b->fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (b->fd < 0) {
		fprintf(stderr, "frame_blast: socket: %s\n", strerror(errno));
		return -1;
	}
	b->to.sll_family = AF_PACKET;
	b->to.sll_ifindex = (int)if_nametoindex(dev);
	b->to.sll_halen = 6;
	if (!b->to.sll_ifindex) {
		fprintf(stderr, "frame_blast: %s: %s\n", dev, strerror(errno));
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: frame_blast --dev IF --src ADDR --dst ADDR [--dst-mac MAC] "
		   "(--malformed | --syn-flood N --port P | --udp-vlan TCI --port P [--tpid T])\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dev", required_argument, NULL, 'd'},
		{"src", required_argument, NULL, 's'},
		{"dst", required_argument, NULL, 'D'},
		{"dst-mac", required_argument, NULL, 'm'},
		{"malformed", no_argument, NULL, 'M'},
		{"syn-flood", required_argument, NULL, 'f'},
		{"udp-vlan", required_argument, NULL, 'v'},
		{"port", required_argument, NULL, 'p'},
		{"tpid", required_argument, NULL, 't'},
		{0},
	};
	struct blast b = {.dmac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	__u32 flood = 0, tci = 0, port = 0, tpid = 0x8100;
	unsigned int counts[EXP_MAX] = {0};
	const char *dev = NULL;
	bool ok = true, malformed = false, vlan = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dev = optarg;
			break;
		case 's':
			b.src = optarg;
			break;
		case 'D':
			b.dst = optarg;
			break;
		case 'm':
			ok = ok &&
			     sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &b.dmac[0], &b.dmac[1],
				    &b.dmac[2], &b.dmac[3], &b.dmac[4], &b.dmac[5]) == 6;
			break;
		case 'M':
			malformed = true;
			break;
		case 'f':
			ok = ok && parse_u32(optarg, 1, 1000000, &flood);
			break;
		case 'v':
			vlan = true;
			ok = ok && parse_u32(optarg, 0, 4095, &tci);
			break;
		case 'p':
			ok = ok && parse_u32(optarg, 1, 65535, &port);
			break;
		case 't':
			ok = ok && parse_u32(optarg, 0x8100, 0x88a8, &tpid) &&
			     (tpid == 0x8100 || tpid == 0x88a8);
			break;
		default:
			ok = false;
			break;
		}
	}
	if (!ok || optind != argc || !dev || !b.src || !b.dst || malformed + !!flood + vlan != 1 ||
	    ((flood || vlan) && !port)) {
		usage(stderr);
		return 2;
	}
	b.family = strchr(b.src, ':') ? 6 : 4;
	if (open_socket(&b, dev))
		return 1;
	if (malformed) {
		rc = blast_malformed(&b, counts);
		printf("{\"malformed\":%u,\"non_ip\":%u,\"ip\":%u}\n", counts[EXP_MALFORMED],
		       counts[EXP_NON_IP], counts[EXP_IP]);
	} else if (flood) {
		rc = blast_syn_flood(&b, flood, (uint16_t)port);
		printf("{\"sent\":%u}\n", flood);
	} else {
		rc = blast_udp_vlan(&b, (uint16_t)tci, (uint16_t)tpid, (uint16_t)port);
	}
	close(b.fd);
	return rc ? 1 : 0;
}
