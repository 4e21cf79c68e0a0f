// SPDX-License-Identifier: GPL-2.0-only
/*
 * colo_load: the benchmark's traffic (make bench). One epoll server runs in both replicas and
 * answers deterministically, so the dataplane compares equal streams at any connection count.
 *
 *   colo_load server --port P
 *       TCP: each 8-byte big-endian request N is answered with N bytes of a fixed pattern;
 *       connections persist, so one server carries bulk, request/response and 10,000 idle flows.
 *   colo_load bulk --connect ADDR --port P [--conns C] [--bytes N] [--active A] [--hold-ms MS]
 *       Opens C connections (at most 256 handshakes in flight), waits MS, then asks every
 *       connection for N/C bytes, at most A connections at a time (default: all), and reads
 *       them: prints the throughput.
 *   colo_load rr --connect ADDR --port P [--count N] [--size S]
 *       One connection, N sequential requests of S response bytes: prints p50/p99 latency.
 *   colo_load udp --connect ADDR --port P [--size S] [--window W] [--seconds T]
 *       Against a UDP echo server: keeps W datagrams of S bytes in flight for T seconds and
 *       prints the replies per second.
 * Every result is one JSON object on stdout. Exit 0 on success, 1 on a failed transfer, 2 on
 * bad usage.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PATTERN_LEN    65536
#define MAX_EVENTS     256
#define MAX_HANDSHAKES 256
#define IO_TIMEOUT_MS  20000
#define MAX_CONNS      60000
#define MAX_RR_COUNT   1000000
#define REQUEST_BYTES  8

struct opts {
	const char *mode;
	const char *addr;
	unsigned int port;
	unsigned int conns;
	unsigned int active;
	uint64_t bytes;
	unsigned int hold_ms;
	unsigned int count;
	unsigned int size;
	unsigned int window;
	unsigned int seconds;
};

/* One TCP connection, on either end. */
struct conn {
	int fd;
	uint64_t pending; /* server: bytes still to send; client: bytes still to receive */
	uint64_t sent;	  /* server: pattern position */
	uint8_t req[REQUEST_BYTES];
	unsigned int req_len;
};

/* Twice the period, so any position has PATTERN_LEN contiguous bytes after it. */
static uint8_t pattern[2 * PATTERN_LEN];
static uint8_t sink[1 << 18];

static __attribute__((noreturn)) void die(const char *what)
{
	fprintf(stderr, "colo_load: %s: %s\n", what, strerror(errno));
	exit(1);
}

static __attribute__((noreturn)) void fail(const char *what)
{
	fprintf(stderr, "colo_load: %s\n", what);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void fill_pattern(void)
{
	size_t i;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)((i % PATTERN_LEN) * 131 + (i % PATTERN_LEN >> 8) * 7);
}

static void set_nonblock(int fd)
{
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK))
		die("fcntl");
}

static struct addrinfo *resolve(const struct opts *o, int type)
{
	struct addrinfo hints = {.ai_socktype = type, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
	struct addrinfo *ai;
	char port[8];

	snprintf(port, sizeof(port), "%u", o->port);
	if (getaddrinfo(o->addr, port, &hints, &ai)) {
		fprintf(stderr, "colo_load: bad address '%s'\n", o->addr);
		exit(2);
	}
	return ai;
}

static int epoll_add(int ep, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = {.events = events, .data.ptr = ptr};

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static void epoll_mod(int ep, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = {.events = events, .data.ptr = ptr};

	if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev))
		die("epoll_ctl");
}

static int listen_tcp(unsigned int port)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	int fd = socket(AF_INET6, SOCK_STREAM, 0), zero = 0, one = 1;

	if (fd < 0)
		die("socket");
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4096))
		die("listen");
	set_nonblock(fd);
	return fd;
}

/* Server: parse requests, then send pattern bytes until the socket is full. False: close it. */
static int server_io(struct conn *c)
{
	ssize_t n;

	for (;;) {
		n = read(c->fd, c->req + c->req_len, REQUEST_BYTES - c->req_len);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return 0;
		if (n < 0)
			break;
		c->req_len += n;
		if (c->req_len == REQUEST_BYTES) {
			uint64_t want;

			memcpy(&want, c->req, sizeof(want));
			c->pending += be64toh(want);
			c->req_len = 0;
		}
	}
	while (c->pending) {
		size_t len = c->pending < PATTERN_LEN ? c->pending : PATTERN_LEN;

		n = write(c->fd, pattern + c->sent % PATTERN_LEN, len);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		c->pending -= n;
		c->sent += n;
	}
	return 1;
}

static void accept_all(int ep, int lfd)
{
	struct conn *c;
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		c = calloc(1, sizeof(*c));
		if (!c)
			die("calloc");
		c->fd = fd;
		if (epoll_add(ep, fd, EPOLLIN | EPOLLOUT | EPOLLET, c))
			die("epoll_ctl");
	}
}

static __attribute__((noreturn)) void mode_server(const struct opts *o)
{
	struct epoll_event ev[MAX_EVENTS];
	int ep = epoll_create1(0), lfd = listen_tcp(o->port), n, i;

	if (ep < 0 || epoll_add(ep, lfd, EPOLLIN, NULL))
		die("epoll");
	for (;;) {
		n = epoll_wait(ep, ev, MAX_EVENTS, -1);
		for (i = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;

			if (!c) {
				accept_all(ep, lfd);
			} else if (!server_io(c)) {
				close(c->fd);
				free(c);
			}
		}
	}
}

static int tcp_socket(const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

	if (fd < 0)
		die("socket");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS)
		die("connect");
	return fd;
}

/* Waits for epoll events, failing the run when nothing moves for IO_TIMEOUT_MS. */
static int wait_events(int ep, struct epoll_event *ev, const char *what)
{
	int n = epoll_wait(ep, ev, MAX_EVENTS, IO_TIMEOUT_MS);

	if (n < 0 && errno != EINTR)
		die("epoll_wait");
	if (n == 0)
		fail(what);
	return n < 0 ? 0 : n;
}

static void finish_connect(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		errno = err;
		die("connect");
	}
}

/* Opens conns connections with at most MAX_HANDSHAKES in flight; all registered for EPOLLIN. */
static struct conn *open_conns(int ep, const struct addrinfo *ai, unsigned int conns)
{
	struct conn *cs = calloc(conns, sizeof(*cs));
	struct epoll_event ev[MAX_EVENTS];
	unsigned int started = 0, done = 0;
	int n, i;

	if (!cs)
		die("calloc");
	while (done < conns) {
		for (; started < conns && started - done < MAX_HANDSHAKES; started++) {
			cs[started].fd = tcp_socket(ai);
			if (epoll_add(ep, cs[started].fd, EPOLLOUT, &cs[started]))
				die("epoll_ctl");
		}
		n = wait_events(ep, ev, "connect timed out");
		for (i = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;

			finish_connect(c);
			epoll_mod(ep, c->fd, EPOLLIN, c);
			done++;
		}
	}
	return cs;
}

static void send_request(struct conn *c, uint64_t bytes)
{
	uint64_t req = htobe64(bytes);

	if (write(c->fd, &req, sizeof(req)) != sizeof(req))
		die("request");
	c->pending += bytes;
}

/*
 * Reads until every connection got what it asked for; each one that finishes hands a request
 * for bytes to the next connection still waiting its turn (*next up to conns). Returns the
 * bytes received.
 */
static uint64_t receive_all(int ep, struct conn *cs, unsigned int conns, unsigned int *next,
			    uint64_t bytes)
{
	struct epoll_event ev[MAX_EVENTS];
	unsigned int busy = 0, i;
	uint64_t total = 0;
	ssize_t r;
	int n, k;

	for (i = 0; i < conns; i++)
		busy += cs[i].pending > 0;
	while (busy) {
		n = wait_events(ep, ev, "transfer stalled");
		for (k = 0; k < n; k++) {
			struct conn *c = ev[k].data.ptr;

			r = read(c->fd, sink,
				 c->pending < sizeof(sink) ? c->pending : sizeof(sink));
			if (r == 0)
				fail("server closed a connection early");
			if (r < 0) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				die("read");
			}
			c->pending -= r;
			total += r;
			if (c->pending)
				continue;
			if (*next < conns)
				send_request(&cs[(*next)++], bytes);
			else
				busy--;
		}
	}
	return total;
}

static int mode_bulk(const struct opts *o)
{
	struct addrinfo *ai = resolve(o, SOCK_STREAM);
	int ep = epoll_create1(0);
	uint64_t per_conn = o->bytes / o->conns, got, t0, t1;
	unsigned int active = o->active && o->active < o->conns ? o->active : o->conns, next;
	struct conn *cs;

	if (ep < 0)
		die("epoll_create1");
	t0 = now_ns();
	cs = open_conns(ep, ai, o->conns);
	t1 = now_ns();
	printf("{\"connected\":%u,\"connect_s\":%.3f}\n", o->conns, (t1 - t0) / 1e9);
	fflush(stdout);
	usleep(o->hold_ms * 1000u);
	t0 = now_ns();
	for (next = 0; next < active; next++)
		send_request(&cs[next], per_conn);
	got = receive_all(ep, cs, o->conns, &next, per_conn);
	t1 = now_ns();
	printf("{\"conns\":%u,\"active\":%u,\"bytes\":%llu,\"seconds\":%.3f,\"gbps\":%.3f}\n",
	       o->conns, active, (unsigned long long)got, (t1 - t0) / 1e9,
	       got * 8.0 / (double)(t1 - t0));
	freeaddrinfo(ai);
	return got == per_conn * o->conns ? 0 : 1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int mode_rr(const struct opts *o)
{
	struct addrinfo *ai = resolve(o, SOCK_STREAM);
	uint64_t *lat = calloc(o->count, sizeof(*lat)), t0;
	int ep = epoll_create1(0);
	struct conn *c;
	unsigned int i, next = 1;

	if (!lat || ep < 0)
		die("setup");
	c = open_conns(ep, ai, 1);
	for (i = 0; i < o->count; i++) {
		t0 = now_ns();
		send_request(c, o->size);
		receive_all(ep, c, 1, &next, 0);
		lat[i] = now_ns() - t0;
	}
	qsort(lat, o->count, sizeof(*lat), cmp_u64);
	printf("{\"count\":%u,\"size\":%u,\"p50_us\":%.1f,\"p99_us\":%.1f}\n", o->count, o->size,
	       lat[o->count / 2] / 1e3, lat[o->count * 99 / 100] / 1e3);
	free(lat);
	freeaddrinfo(ai);
	return 0;
}

static int udp_socket(const struct opts *o)
{
	struct addrinfo *ai = resolve(o, SOCK_DGRAM);
	int fd = socket(ai->ai_family, SOCK_DGRAM, 0);

	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen))
		die("udp socket");
	freeaddrinfo(ai);
	return fd;
}

/* Datagrams carry their number, so both replicas echo the same bytes in the same order. */
static void udp_send(int fd, uint64_t seq, unsigned int size)
{
	uint8_t buf[PATTERN_LEN];

	memcpy(buf, pattern, size);
	memcpy(buf, &seq, sizeof(seq));
	if (send(fd, buf, size, 0) < 0 && errno != ENOBUFS && errno != EAGAIN)
		die("send");
}

static int mode_udp(const struct opts *o)
{
	int fd = udp_socket(o);
	uint64_t seq = 0, replies = 0, refills = 0, t0 = now_ns(),
		 end = t0 + o->seconds * 1000000000ull;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	unsigned int i;

	for (i = 0; i < o->window; i++)
		udp_send(fd, seq++, o->size);
	while (now_ns() < end) {
		if (poll(&p, 1, 100) != 1) {
			/* Replies lost (ring or queue full): fill the window again. */
			refills++;
			for (i = 0; i < o->window; i++)
				udp_send(fd, seq++, o->size);
			continue;
		}
		while (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0) {
			replies++;
			udp_send(fd, seq++, o->size);
		}
	}
	printf("{\"size\":%u,\"window\":%u,\"replies\":%llu,\"per_s\":%.0f,\"refills\":%llu}\n",
	       o->size, o->window, (unsigned long long)replies,
	       replies * 1e9 / (double)(now_ns() - t0), (unsigned long long)refills);
	return replies ? 0 : 1;
}

static __attribute__((noreturn)) void usage(const char *why)
{
	fprintf(stderr,
		"colo_load: %s (usage: colo_load server|bulk|rr|udp --port P "
		"[--connect ADDR] [--conns C] [--bytes N] [--active A] [--hold-ms MS] [--count N] "
		"[--size S] [--window W] [--seconds T])\n",
		why);
	exit(2);
}

static unsigned long long number(const char *s, unsigned long long min, unsigned long long max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max || *s == '-')
		usage("bad number");
	return v;
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{"port", required_argument, NULL, 'p'},
		{"connect", required_argument, NULL, 'c'},
		{"conns", required_argument, NULL, 'n'},
		{"bytes", required_argument, NULL, 'b'},
		{"hold-ms", required_argument, NULL, 'H'},
		{"count", required_argument, NULL, 'k'},
		{"size", required_argument, NULL, 's'},
		{"window", required_argument, NULL, 'w'},
		{"seconds", required_argument, NULL, 't'},
		{"active", required_argument, NULL, 'a'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 2;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->port = number(optarg, 1, 65535);
			break;
		case 'c':
			o->addr = optarg;
			break;
		case 'n':
			o->conns = number(optarg, 1, MAX_CONNS);
			break;
		case 'a':
			o->active = number(optarg, 1, MAX_CONNS);
			break;
		case 'b':
			o->bytes = number(optarg, 1, 1ull << 40);
			break;
		case 'H':
			o->hold_ms = number(optarg, 0, 600000);
			break;
		case 'k':
			o->count = number(optarg, 1, MAX_RR_COUNT);
			break;
		case 's':
			o->size = number(optarg, REQUEST_BYTES, PATTERN_LEN);
			break;
		case 'w':
			o->window = number(optarg, 1, 4096);
			break;
		case 't':
			o->seconds = number(optarg, 1, 600);
			break;
		default:
			usage("unknown option");
		}
	}
	if (optind != argc || !o->port)
		usage("needs --port and no extra arguments");
	if (strcmp(o->mode, "server") && !o->addr)
		usage("needs --connect ADDR");
}

int main(int argc, char **argv)
{
	struct opts o = {.conns = 1,
			 .bytes = 1ull << 30,
			 .count = 10000,
			 .size = 64,
			 .window = 64,
			 .seconds = 5};

	if (argc < 2)
		usage("needs a mode");
	o.mode = argv[1];
	parse(argc, argv, &o);
	fill_pattern();
	if (!strcmp(o.mode, "server"))
		mode_server(&o);
	if (!strcmp(o.mode, "bulk"))
		return mode_bulk(&o);
	if (!strcmp(o.mode, "rr"))
		return mode_rr(&o);
	if (!strcmp(o.mode, "udp"))
		return mode_udp(&o);
	usage("unknown mode");
}
