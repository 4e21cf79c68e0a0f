// SPDX-License-Identifier: GPL-2.0-only
/*
 * Feeder for QEMU's colo-compare run standalone (make bench): listens on three unix sockets,
 * which QEMU's primary_in, secondary_in and outdev chardevs connect to, and sends the same
 * stream of TCP segments (one flow, a server's output) to both inputs in QEMU's socket framing:
 * per frame a 4-byte big-endian length, with vnet_hdr_support a 4-byte big-endian virtio-net
 * header length, then the bytes (virtio-net header first, if any). It reads back what
 * colo-compare forwards on outdev and checks that each record is a whole primary segment, each
 * one forwarded once. At most --window frames are in flight, counted from the oldest one not
 * forwarded yet, which keeps both of colo-compare's per-connection queues under its
 * max_queue_size (1024). Prints one JSON line: frames forwarded per second, payload Gbit/s and
 * the CPU time (user + system) of the connected process (QEMU) over the run.
 *
 * usage: bench_qemu_feed --primary SOCK --secondary SOCK --outdev SOCK
 *                        [--payload BYTES] [--seconds S] [--window FRAMES] [--vnet-hdr]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../tests/unit/pkt.h"

#define BATCH	       32   /* frames per write to each input */
#define MAX_PAYLOAD    1448 /* a full 1500-byte MTU with the timestamp option */
#define VNET_HDR_LEN   12   /* struct virtio_net_hdr_mrg_rxbuf, all zero: no offload */
#define ETH_IP_LEN     34   /* Ethernet + IPv4 header (no options) in front of TCP */
#define TCP_SEQ_OFF    4
#define TCP_CSUM_OFF   16
#define P_ISN	       1000u
#define STALL_SECONDS  5.0 /* no forwarded frame for this long while some are due: failure */
#define READ_CHUNK     (256 * 1024)
#define ACCEPT_SECONDS 30

struct options {
	const char *path[3];
	uint32_t payload;
	double seconds;
	uint32_t window;
	bool vnet_hdr;
};

enum { IN_PRIMARY, IN_SECONDARY, OUTDEV };

/* One batch of framed records, written whole to both inputs before the next one is made. */
struct batch {
	uint8_t *buf;
	size_t len;
	size_t rec_len;	   /* one framed record */
	size_t data_len;   /* its bytes after the length fields */
	size_t hdr_len;	   /* length fields in front of the data */
	size_t tcp_off;	   /* TCP header inside a record */
	size_t written[2]; /* per input */
	bool active;
};

/* What outdev returned so far. */
struct outdev_state {
	uint8_t *buf;
	size_t have;
	uint64_t frames;
	uint64_t bad;
	uint64_t reordered;
	uint64_t base; /* the oldest segment not forwarded yet */
	bool *seen;    /* per segment of the window from base: forwarded already */
};

static void usage_error(const char *msg)
{
	fprintf(stderr, "bench_qemu_feed: %s\n", msg);
	exit(2);
}

static long parse_number(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max) {
		fprintf(stderr, "bench_qemu_feed: bad %s '%s' (%ld..%ld)\n", what, s, min, max);
		exit(2);
	}
	return v;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"primary", required_argument, NULL, 'p'},
		{"secondary", required_argument, NULL, 's'},
		{"outdev", required_argument, NULL, 'o'},
		{"payload", required_argument, NULL, 'l'},
		{"seconds", required_argument, NULL, 't'},
		{"window", required_argument, NULL, 'w'},
		{"vnet-hdr", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct options){.payload = MAX_PAYLOAD, .seconds = 5, .window = 256};
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->path[IN_PRIMARY] = optarg;
			break;
		case 's':
			o->path[IN_SECONDARY] = optarg;
			break;
		case 'o':
			o->path[OUTDEV] = optarg;
			break;
		case 'l':
			o->payload = parse_number(optarg, 1, MAX_PAYLOAD, "--payload");
			break;
		case 't':
			o->seconds = parse_number(optarg, 1, 3600, "--seconds");
			break;
		case 'w':
			o->window = parse_number(optarg, BATCH, 1000, "--window");
			break;
		case 'v':
			o->vnet_hdr = true;
			break;
		default:
			usage_error(
				"usage: --primary SOCK --secondary SOCK --outdev SOCK "
				"[--payload BYTES] [--seconds S] [--window FRAMES] [--vnet-hdr]");
		}
	}
	if (optind != argc || !o->path[IN_PRIMARY] || !o->path[IN_SECONDARY] || !o->path[OUTDEV])
		usage_error("--primary, --secondary and --outdev are required");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* User + system CPU seconds of a process (all its threads), from /proc/PID/stat. */
static double process_cpu_s(long pid)
{
	unsigned long utime, stime;
	char path[64], line[1024], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f || !fgets(line, sizeof(line), f)) {
		fprintf(stderr, "bench_qemu_feed: cannot read %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fclose(f);
	/* The command name may hold spaces; fields 14 and 15 follow its closing parenthesis. */
	p = strrchr(line, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
			 &stime) != 2) {
		fprintf(stderr, "bench_qemu_feed: cannot parse %s\n", path);
		exit(1);
	}
	return (double)(utime + stime) / sysconf(_SC_CLK_TCK);
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		usage_error("socket path too long");
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
		fprintf(stderr, "bench_qemu_feed: listen %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

/*
 * Accepts QEMU's connection on each socket, in order, and returns the pid at the other end
 * (the same process on all three). QEMU connects as a client: its chardev counts as connected
 * once its connect() returned, so nothing it forwards is lost to a connection not yet accepted.
 */
static long accept_qemu(const int *lfd, const char *const *path, int *fd, int n)
{
	struct ucred cred;
	socklen_t len;
	long pid = 0;
	int i;

	for (i = 0; i < n; i++) {
		struct pollfd pfd = {.fd = lfd[i], .events = POLLIN};

		if (poll(&pfd, 1, ACCEPT_SECONDS * 1000) != 1) {
			fprintf(stderr, "bench_qemu_feed: no connection on %s within %d s\n",
				path[i], ACCEPT_SECONDS);
			exit(1);
		}
		len = sizeof(cred);
		fd[i] = accept4(lfd[i], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd[i] < 0 || getsockopt(fd[i], SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
			fprintf(stderr, "bench_qemu_feed: accept: %s\n", strerror(errno));
			exit(1);
		}
		if (pid && cred.pid != pid) {
			fprintf(stderr, "bench_qemu_feed: sockets connected by pids %ld and %ld\n",
				pid, (long)cred.pid);
			exit(1);
		}
		pid = cred.pid;
		close(lfd[i]);
	}
	return pid;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, sizeof(v));
}

static uint32_t get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return ntohl(v);
}

/* Frame i of the stream: the same bytes go to both inputs. */
static size_t build_frame(uint32_t payload_len, uint64_t i, uint8_t *out, size_t size)
{
	static uint8_t payload[MAX_PAYLOAD];
	struct pkt_spec s;
	uint32_t k;

	for (k = 0; k < payload_len; k++)
		payload[k] = (uint8_t)(i * 131 + k);
	s = pkt_tcp4(P_ISN + (uint32_t)(i * payload_len), 1, TH_ACK | TH_PUSH, payload,
		     payload_len);
	s.ts = true;
	s.tsval = 1000;
	s.tsecr = 500;
	return pkt_build(&s, out, size);
}

static void batch_init(struct batch *b, const struct options *o)
{
	uint8_t frame[2048];
	size_t flen = build_frame(o->payload, 0, frame, sizeof(frame)), off = 0;
	uint32_t i;

	if (!flen) {
		fprintf(stderr, "bench_qemu_feed: cannot build a %u-byte segment\n", o->payload);
		exit(1);
	}
	b->hdr_len = o->vnet_hdr ? 8 : 4;
	b->data_len = (o->vnet_hdr ? VNET_HDR_LEN : 0) + flen;
	b->rec_len = b->hdr_len + b->data_len;
	b->tcp_off = b->rec_len - flen + ETH_IP_LEN;
	b->len = BATCH * b->rec_len;
	b->buf = calloc(1, b->len);
	if (!b->buf) {
		fprintf(stderr, "bench_qemu_feed: out of memory\n");
		exit(1);
	}
	for (i = 0; i < BATCH; i++, off += b->rec_len) {
		uint8_t *rec = b->buf + off;

		put_be32(rec, b->data_len);
		if (o->vnet_hdr)
			put_be32(rec + 4, VNET_HDR_LEN);
		build_frame(o->payload, i, rec + b->rec_len - flen, flen);
	}
}

/* Moves every segment of the batch on by delta sequence numbers, checksums kept valid. */
static void batch_advance(struct batch *b, uint32_t delta)
{
	size_t off;

	for (off = 0; off < b->len; off += b->rec_len) {
		uint8_t *tcp = b->buf + off + b->tcp_off;
		uint32_t old = get_be32(tcp + TCP_SEQ_OFF), new = old + delta, sum;
		uint16_t csum;

		put_be32(tcp + TCP_SEQ_OFF, new);
		/* RFC 1624: HC' = ~(~HC + ~m + m'), over the two 16-bit halves of the field. */
		memcpy(&csum, tcp + TCP_CSUM_OFF, 2);
		sum = (uint16_t)~ntohs(csum);
		sum += (uint16_t) ~(old >> 16) + (uint16_t)~old + (new >> 16) + (new & 0xffff);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		csum = htons((uint16_t)~sum);
		memcpy(tcp + TCP_CSUM_OFF, &csum, 2);
	}
}

/* Writes what the socket takes of the batch to input side. Returns false on a hard error. */
static bool feed_input(int fd, struct batch *b, int side)
{
	while (b->written[side] < b->len) {
		ssize_t n = write(fd, b->buf + b->written[side], b->len - b->written[side]);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		b->written[side] += n;
	}
	return true;
}

/*
 * Checks one forwarded record: a whole primary segment of the window in flight, not seen
 * before. colo-compare may forward out of order (when outdev pushes back, it sends its queued
 * frames newest first): counted apart, as reordered.
 */
static void check_record(const struct batch *b, struct outdev_state *st, const uint8_t *rec,
			 uint32_t payload, uint32_t window)
{
	uint32_t d =
		get_be32(rec + b->tcp_off + TCP_SEQ_OFF) - (P_ISN + (uint32_t)(st->base * payload));
	uint64_t i = st->base + d / payload;

	st->frames++;
	if (get_be32(rec) != b->data_len || d % payload || d / payload >= window ||
	    st->seen[i % window]) {
		st->bad++;
		return;
	}
	st->seen[i % window] = true;
	if (i != st->base)
		st->reordered++;
	while (st->seen[st->base % window]) {
		st->seen[st->base % window] = false;
		st->base++;
	}
}

/* Counts the complete records in the read buffer and keeps the partial one. */
static bool parse_outdev(const struct batch *b, struct outdev_state *st, const struct options *o)
{
	size_t off = 0;

	while (st->have - off >= b->hdr_len) {
		/* Any length but the expected one is a record colo-compare should not have made. */
		if (get_be32(st->buf + off) != b->data_len) {
			st->bad++;
			return false;
		}
		if (st->have - off < b->rec_len)
			break;
		check_record(b, st, st->buf + off, o->payload, o->window);
		off += b->rec_len;
	}
	memmove(st->buf, st->buf + off, st->have - off);
	st->have -= off;
	return true;
}

/*
 * Reads all that outdev has: a full outdev makes colo-compare sleep and send its queued frames
 * newest first. Returns false on EOF, an error or a bad record.
 */
static bool drain_outdev(int fd, const struct batch *b, struct outdev_state *st,
			 const struct options *o)
{
	for (;;) {
		ssize_t n = read(fd, st->buf + st->have, READ_CHUNK);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		if (n == 0)
			return false;
		st->have += n;
		if (!parse_outdev(b, st, o))
			return false;
	}
}

struct run_result {
	uint64_t sent, forwarded, bad, reordered;
	double seconds, cpu_s;
	long pid;
};

/* Starts the next batch if the window allows: in flight counts from the oldest not forwarded. */
static void next_batch(struct batch *b, const struct options *o, const struct outdev_state *st,
		       uint64_t sent)
{
	if (b->active || sent - st->base + BATCH > o->window)
		return;
	if (sent)
		batch_advance(b, BATCH * o->payload);
	b->written[0] = b->written[1] = 0;
	b->active = true;
}

/* Feeds both inputs and drains outdev until --seconds have passed and all came back. */
static int feed(const struct options *o, struct batch *b, const int *fd, struct outdev_state *st,
		struct run_result *r)
{
	double t0 = now_s(), deadline = t0 + o->seconds, last = t0, now;
	bool stopping = false;

	for (;;) {
		struct pollfd pfd[3] = {
			{.fd = fd[IN_PRIMARY]},
			{.fd = fd[IN_SECONDARY]},
			{.fd = fd[OUTDEV], .events = POLLIN},
		};
		uint64_t before = st->frames;

		if (!stopping)
			next_batch(b, o, st, r->sent);
		if (!b->active && stopping && st->frames >= r->sent)
			break;
		pfd[0].events = b->active && b->written[0] < b->len ? POLLOUT : 0;
		pfd[1].events = b->active && b->written[1] < b->len ? POLLOUT : 0;
		if (poll(pfd, 3, 200) < 0 && errno != EINTR)
			return -1;
		if ((pfd[0].revents | pfd[1].revents) & (POLLERR | POLLHUP))
			return -1;
		if (b->active &&
		    (!feed_input(fd[IN_PRIMARY], b, 0) || !feed_input(fd[IN_SECONDARY], b, 1)))
			return -1;
		if (b->active && b->written[0] == b->len && b->written[1] == b->len) {
			b->active = false;
			r->sent += BATCH;
		}
		if ((pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !drain_outdev(fd[OUTDEV], b, st, o))
			break;
		now = now_s();
		if (st->frames != before)
			last = now;
		else if (st->frames < r->sent && now - last > STALL_SECONDS)
			break;
		stopping = stopping || now >= deadline;
	}
	r->seconds = last - t0;
	return 0;
}

static int run(const struct options *o, struct run_result *r)
{
	struct outdev_state st = {.buf = malloc(READ_CHUNK + 4096),
				  .seen = calloc(o->window, sizeof(bool))};
	struct batch b = {0};
	int lfd[3], fd[3], i, ret;
	double cpu0;

	if (!st.buf || !st.seen)
		return -1;
	batch_init(&b, o);
	for (i = 0; i < 3; i++)
		lfd[i] = listen_unix(o->path[i]);
	r->pid = accept_qemu(lfd, o->path, fd, 3);
	cpu0 = process_cpu_s(r->pid);
	ret = feed(o, &b, fd, &st, r);
	r->cpu_s = process_cpu_s(r->pid) - cpu0;
	r->forwarded = st.frames;
	r->bad = st.bad;
	r->reordered = st.reordered;
	for (i = 0; i < 3; i++)
		close(fd[i]);
	free(st.buf);
	free(st.seen);
	free(b.buf);
	return ret;
}

int main(int argc, char **argv)
{
	struct run_result r = {0};
	struct options o;
	double gb;

	parse_options(argc, argv, &o);
	if (run(&o, &r)) {
		fprintf(stderr, "bench_qemu_feed: socket error: %s\n", strerror(errno));
		return 1;
	}
	gb = (double)r.forwarded * o.payload / 1e9;
	printf("{\"payload\":%u,\"vnet_hdr\":%s,\"window\":%u,\"sent\":%" PRIu64
	       ",\"forwarded\":%" PRIu64 ",\"bad\":%" PRIu64 ",\"reordered\":%" PRIu64
	       ",\"bytes\":%.0f,\"seconds\":%.3f,"
	       "\"frames_per_s\":%.0f,\"gbps\":%.3f,\"cpu_s\":%.3f,\"cpu_s_per_gb\":%.3f}\n",
	       o.payload, o.vnet_hdr ? "true" : "false", o.window, r.sent, r.forwarded, r.bad,
	       r.reordered, gb * 1e9, r.seconds, r.seconds > 0 ? r.forwarded / r.seconds : 0,
	       r.seconds > 0 ? gb * 8 / r.seconds : 0, r.cpu_s, gb > 0 ? r.cpu_s / gb : 0);
	if (r.bad || r.forwarded != r.sent || !r.sent) {
		fprintf(stderr,
			"bench_qemu_feed: colo-compare forwarded %" PRIu64 " of %" PRIu64
			" frames, %" PRIu64 " not the expected next segment\n",
			r.forwarded, r.sent, r.bad);
		return 1;
	}
	return 0;
}
