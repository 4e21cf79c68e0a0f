// SPDX-License-Identifier: GPL-2.0-only
/*
 * Deterministic traffic for colo-xdp's end-to-end tests: the same program runs in both replica
 * namespaces and produces the same bytes (except where --flip-at asks for one divergent byte).
 *
 *   colo_serve serve  --port P --bytes N [--flip-at K]   TCP: every connection gets N pattern bytes
 *   colo_serve fetch  --connect ADDR --port P [--out F]  TCP: read until EOF, print the byte count
 *   colo_serve upload --connect ADDR --port P --bytes N [--sport S]
 *                                                        TCP: send N pattern bytes, print the reply
 *   colo_serve sink   --port P [--out F]                 TCP: per connection, store what arrives
 *                                                        and reply "received N"
 *   colo_serve echo   --port P                           UDP: echo every datagram
 *   colo_serve ping   --connect ADDR --port P --count N [--size S]
 *                                                        UDP: N requests, each answered exactly
 *   colo_serve pattern --bytes N                         the pattern on stdout (for checksums)
 * Addresses are IPv4 or IPv6 literals; servers listen dual-stack.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHUNK 65536

struct opts {
	const char *mode;
	const char *addr;
	const char *out;
	unsigned int port;
	uint64_t bytes;
	int64_t flip_at;
	unsigned int count;
	unsigned int size;
	unsigned int sport; /* client source port: replicas as clients need the same 5-tuple */
};

static __attribute__((noreturn)) void die(const char *what)
{
	fprintf(stderr, "colo_serve: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint8_t pattern_byte(uint64_t i)
{
	return (uint8_t)(i * 131 + (i >> 8) * 7 + (i >> 16) * 13 + (i >> 24));
}

static void fill_pattern(uint8_t *buf, uint64_t off, size_t len, int64_t flip_at)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pattern_byte(off + i);
	if (flip_at >= 0 && (uint64_t)flip_at >= off && (uint64_t)flip_at < off + len)
		buf[flip_at - off] ^= 0xff;
}

static int parse_addr(const char *s, unsigned int port, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return AF_INET6;
	}
	fprintf(stderr, "colo_serve: bad address '%s'\n", s);
	exit(2);
}

static int listen_on(int type, unsigned int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int fd = socket(AF_INET6, type, 0), zero = 0, one = 1;

	if (fd < 0)
		die("socket");
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		die("bind");
	if (type == SOCK_STREAM && listen(fd, 128))
		die("listen");
	return fd;
}

static int connect_to(const struct opts *o, int type)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fam = parse_addr(o->addr, o->port, &ss, &len);
	int fd = socket(fam, type, 0);

	if (fd < 0)
		die("socket");
	if (o->sport) {
		struct sockaddr_storage local;
		socklen_t llen;
		int one = 1;

		parse_addr(fam == AF_INET ? "0.0.0.0" : "::", o->sport, &local, &llen);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&local, llen))
			die("bind");
	}
	if (connect(fd, (struct sockaddr *)&ss, len))
		die("connect");
	return fd;
}

static void write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t w;

	while (len) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write");
		p += w;
		len -= w;
	}
}

static void send_pattern(int fd, uint64_t bytes, int64_t flip_at)
{
	static uint8_t buf[CHUNK];
	uint64_t off;
	size_t n;

	for (off = 0; off < bytes; off += n) {
		n = bytes - off < CHUNK ? bytes - off : CHUNK;
		fill_pattern(buf, off, n, flip_at);
		write_all(fd, buf, n);
	}
}

/* Reads until EOF into out (may be -1); returns the byte count. */
static uint64_t read_all(int fd, int out)
{
	static uint8_t buf[CHUNK];
	uint64_t total = 0;
	ssize_t r;

	for (;;) {
		r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read");
		if (r == 0)
			return total;
		if (out >= 0)
			write_all(out, buf, r);
		total += r;
	}
}

static int open_out(const char *path)
{
	int fd;

	if (!path)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(path);
	return fd;
}

static __attribute__((noreturn)) void mode_serve(const struct opts *o)
{
	int lfd = listen_on(SOCK_STREAM, o->port), fd;

	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		if (fork() == 0) {
			close(lfd);
			send_pattern(fd, o->bytes, o->flip_at);
			close(fd);
			_exit(0);
		}
		close(fd);
	}
}

static int mode_fetch(const struct opts *o)
{
	int fd = connect_to(o, SOCK_STREAM), out = open_out(o->out);
	uint64_t n = read_all(fd, out);

	printf("%llu\n", (unsigned long long)n);
	return 0;
}

static int mode_upload(const struct opts *o)
{
	int fd = connect_to(o, SOCK_STREAM);

	send_pattern(fd, o->bytes, o->flip_at);
	shutdown(fd, SHUT_WR);
	read_all(fd, STDOUT_FILENO);
	return 0;
}

static __attribute__((noreturn)) void mode_sink(const struct opts *o)
{
	int lfd = listen_on(SOCK_STREAM, o->port), fd, out;
	char reply[64];
	uint64_t n;

	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		out = open_out(o->out);
		n = read_all(fd, out);
		if (out >= 0)
			close(out);
		snprintf(reply, sizeof(reply), "received %llu\n", (unsigned long long)n);
		write_all(fd, (uint8_t *)reply, strlen(reply));
		close(fd);
		printf("%s", reply);
		fflush(stdout);
	}
}

static __attribute__((noreturn)) void mode_echo(const struct opts *o)
{
	int fd = listen_on(SOCK_DGRAM, o->port);
	struct sockaddr_storage peer;
	socklen_t plen;
	uint8_t buf[CHUNK];
	ssize_t r;

	for (;;) {
		plen = sizeof(peer);
		r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("recvfrom");
		}
		sendto(fd, buf, r, 0, (struct sockaddr *)&peer, plen);
	}
}

static int mode_ping(const struct opts *o)
{
	int fd = connect_to(o, SOCK_DGRAM);
	uint8_t req[CHUNK], rsp[CHUNK];
	unsigned int i, tries, ok = 0, size = o->size < 8 ? 8 : o->size;
	ssize_t r;

	if (size > sizeof(req))
		size = sizeof(req);
	for (i = 0; i < o->count; i++) {
		fill_pattern(req, (uint64_t)i * size, size, -1);
		memcpy(req, &i, sizeof(i));
		for (tries = 0; tries < 10; tries++) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			if (send(fd, req, size, 0) < 0)
				die("send");
			/* Drain replies to earlier tries until this request's answer arrives. */
			while (poll(&p, 1, 300) == 1) {
				r = recv(fd, rsp, sizeof(rsp), 0);
				if (r == (ssize_t)size && !memcmp(req, rsp, size))
					goto answered;
			}
		}
		continue;
answered:
		ok++;
	}
	printf("udp %u/%u\n", ok, o->count);
	return ok == o->count ? 0 : 1;
}

static int mode_pattern(const struct opts *o)
{
	send_pattern(STDOUT_FILENO, o->bytes, o->flip_at);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },	{ "bytes", required_argument, NULL, 'b' },
		{ "flip-at", required_argument, NULL, 'f' },	{ "connect", required_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' },	{ "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },	{ "sport", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .flip_at = -1, .count = 1, .size = 64 };
	int c;

	if (argc < 2) {
		fprintf(stderr, "usage: colo_serve serve|fetch|upload|sink|echo|ping|pattern ...\n");
		return 2;
	}
	o.mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.port = strtoul(optarg, NULL, 10);
			break;
		case 'b':
			o.bytes = strtoull(optarg, NULL, 10);
			break;
		case 'f':
			o.flip_at = strtoll(optarg, NULL, 10);
			break;
		case 'c':
			o.addr = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'n':
			o.count = strtoul(optarg, NULL, 10);
			break;
		case 's':
			o.size = strtoul(optarg, NULL, 10);
			break;
		case 'l':
			o.sport = strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (!strcmp(o.mode, "pattern"))
		return mode_pattern(&o);
	if (!strcmp(o.mode, "serve"))
		mode_serve(&o);
	if (!strcmp(o.mode, "sink"))
		mode_sink(&o);
	if (!strcmp(o.mode, "echo"))
		mode_echo(&o);
	if (!o.addr) {
		fprintf(stderr, "colo_serve: %s needs --connect ADDR\n", o.mode);
		return 2;
	}
	if (!strcmp(o.mode, "fetch"))
		return mode_fetch(&o);
	if (!strcmp(o.mode, "upload"))
		return mode_upload(&o);
	if (!strcmp(o.mode, "ping"))
		return mode_ping(&o);
	fprintf(stderr, "colo_serve: unknown mode '%s'\n", o.mode);
	return 2;
}
