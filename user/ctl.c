// SPDX-License-Identifier: GPL-2.0-only
/*
 * `colo-xdp stats` and `colo-xdp conns`: ask the running daemon over its control socket
 * (user/control.c), or, when none serves the instance, read the pinned maps alone.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "conns.h"
#include "control.h"
#include "instance.h"
#include "lib/flow_filter.h"
#include "lib/metrics.h"
#include "log.h"
#include "stats.h"

#define CTL_TIMEOUT_S 10 /* a conns snapshot of every shard takes at most a second each */

/* Connects to instance's control socket: fd, or -errno (-ENOENT/-ECONNREFUSED: no daemon). */
static int ctl_connect(const char *instance)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = CTL_TIMEOUT_S};
	int fd, err;

	if (colo_ctl_path(instance, addr.sun_path, sizeof(addr.sun_path)))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Sends one request and reads its reply line (malloc'd, *len without the newline). */
static char *ctl_exchange(int fd, enum colo_ctl_request_kind kind, size_t *len, int *err)
{
	char *req = colo_ctl_request_line(kind), *buf = NULL, *nl = NULL, *nb;
	size_t cap = 0, n = 0;
	ssize_t r;

	*err = -ENOMEM;
	if (!req)
		return NULL;
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req)) {
		*err = -errno;
		goto fail;
	}
	while (!nl) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > COLO_CTL_REPLY_MAX || !(nb = realloc(buf, cap))) {
				*err = cap > COLO_CTL_REPLY_MAX ? -EMSGSIZE : -ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		r = recv(fd, buf + n, cap - n, 0);
		if (r <= 0) {
			*err = r ? -errno : -ECONNRESET;
			goto fail;
		}
		nl = memchr(buf + n, '\n', (size_t)r);
		n += (size_t)r;
	}
	*len = (size_t)(nl - buf);
	free(req);
	return buf;
fail:
	free(req);
	free(buf);
	return NULL;
}

/* Builds the reply from the pinned maps (needs root). */
static json_t *offline(const char *cmd, const char *instance, enum colo_ctl_request_kind kind)
{
	struct colo_instance *inst;
	json_t *data;

	if (cli_need_root(cmd))
		return NULL;
	colo_log_init();
	inst = colo_instance_open(instance);
	if (!inst) {
		cli_err(cmd, "no daemon serves instance '%s' and its maps cannot be opened: %s",
			instance, strerror(errno));
		return NULL;
	}
	data = kind == COLO_CTL_STATS ? colo_stats_offline_json(inst)
				      : colo_conns_offline_json(inst);
	if (!data)
		cli_err(cmd, "cannot read instance '%s': %s", instance, strerror(errno));
	colo_instance_close(inst);
	return data;
}

/* The reply's data: from the daemon, or from the pinned maps when none runs. NULL: printed why. */
static json_t *query(const char *cmd, const char *instance, enum colo_ctl_request_kind kind)
{
	char *line, why[256];
	json_t *data;
	size_t len;
	int fd, err;

	fd = ctl_connect(instance);
	if (fd == -ENOENT || fd == -ECONNREFUSED)
		return offline(cmd, instance, kind);
	if (fd < 0) {
		cli_err(cmd, "control socket of '%s': %s", instance, strerror(-fd));
		return NULL;
	}
	line = ctl_exchange(fd, kind, &len, &err);
	close(fd);
	if (!line) {
		cli_err(cmd, "control socket of '%s': %s", instance, strerror(-err));
		return NULL;
	}
	if (colo_ctl_reply_parse(line, len, kind, &data, why, sizeof(why)))
		cli_err(cmd, "daemon of '%s' answered: %s", instance, why);
	free(line);
	return data;
}

/* ---- text output -------------------------------------------------------------------------- */

static long long num(const json_t *o, const char *path)
{
	char key[48];
	const char *dot;

	while (o && *path) {
		dot = strchrnul(path, '.');
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = *dot ? dot + 1 : dot;
	}
	return json_is_number(o) ? (long long)json_number_value(o) : 0;
}

static void print_members(const char *title, const json_t *obj)
{
	const char *k;
	json_t *v;

	printf("%-12s", title);
	json_object_foreach((json_t *)obj, k, v)
		printf(" %s=%lld", k, (long long)json_integer_value(v));
	printf("\n");
}

static void print_last(const json_t *l)
{
	const json_t *v;

	if (!json_is_object(l))
		return;
	printf("  last       #%lld %s %s side=%s", num(l, "id"),
	       json_string_value(json_object_get(l, "reason")),
	       json_string_value(json_object_get(l, "flow")),
	       json_string_value(json_object_get(l, "side")));
	if ((v = json_object_get(l, "at")) || (v = json_object_get(l, "seq")))
		printf(" %s=%lld", json_object_get(l, "at") ? "at" : "seq",
		       (long long)json_integer_value(v));
	printf(" t=%.3fs\n", json_number_value(json_object_get(l, "t_s")));
}

static void print_delay(const char *title, const json_t *d)
{
	printf("%-12s p50 %lld us, p99 %lld us, p999 %lld us (%lld samples)\n", title,
	       num(d, "p50"), num(d, "p99"), num(d, "p999"), num(d, "count"));
}

static void print_stats_text(const json_t *st)
{
	const json_t *shards = json_object_get(json_object_get(st, "rings"), "shards"), *s;
	const json_t *agent = json_object_get(st, "agent");
	size_t i;

	if (json_is_true(json_object_get(st, "daemon")))
		printf("instance %s: daemon pid %lld, up %.1f s%s\n",
		       json_string_value(json_object_get(st, "instance")), num(st, "pid"),
		       json_number_value(json_object_get(st, "uptime_s")),
		       json_is_true(json_object_get(st, "failover")) ? ", FAILOVER" : "");
	else
		printf("instance %s: no daemon running (kernel counters only)%s\n",
		       json_string_value(json_object_get(st, "instance")),
		       json_is_true(json_object_get(st, "failover")) ? ", FAILOVER" : "");
	if (agent) {
		printf("%-12s frames %lld, %lld bytes (%lld passed after failover)\n", "released",
		       num(st, "released.frames"), num(st, "released.bytes"),
		       num(st, "released.passed"));
		printf("%-12s primary %lld, secondary %lld frames, %lld bytes\n", "held",
		       num(st, "held.primary"), num(st, "held.secondary"), num(st, "held.bytes"));
		printf("%-12s primary %lld, secondary %lld frames; %lld payload bytes matched\n",
		       "compared", num(st, "frames_in.primary"), num(st, "frames_in.secondary"),
		       num(st, "compared_bytes"));
		print_members("dropped", json_object_get(st, "dropped"));
		print_members("checkpoints",
			      json_object_get(json_object_get(st, "checkpoints"), "requested"));
		printf("%-12s commits=%lld aborts=%lld\n", "", num(st, "checkpoints.commits"),
		       num(st, "checkpoints.aborts"));
		print_last(json_object_get(json_object_get(st, "checkpoints"), "last"));
		printf("%-12s %s, %s; requests %lld, commits %lld; round trip last %lld us, "
		       "p50 %lld us, p99 %lld us\n",
		       "agent",
		       json_is_true(json_object_get(agent, "connected")) ? "connected"
									 : "not connected",
		       json_is_true(json_object_get(agent, "in_flight")) ? "checkpoint in flight"
									 : "idle",
		       num(agent, "requests"), num(agent, "commits"), num(agent, "rtt_us.last"),
		       num(agent, "rtt_us.p50"), num(agent, "rtt_us.p99"));
		printf("%-12s active %lld, refused %lld, evicted %lld\n", "conns",
		       num(st, "conns.active"), num(st, "conns.refused"), num(st, "conns.evicted"));
		print_delay("ring delay", json_object_get(json_object_get(st, "delay_us"), "ring"));
		print_delay("hold delay",
			    json_object_get(json_object_get(st, "delay_us"), "release"));
	}
	printf("%-12s ring_full=%lld ring_missing=%lld\n", "rings", num(st, "rings.ring_full"),
	       num(st, "rings.ring_missing"));
	json_array_foreach(shards, i, s)
	{
		printf("  shard %-4lld ring %lld of %lld bytes used", num(s, "shard"),
		       num(s, "ring_used"), num(s, "ring_bytes"));
		if (json_object_get(s, "records"))
			printf(", records %lld, held %lld/%lld (P/S), conns %lld",
			       num(s, "records"), num(s, "held.primary"), num(s, "held.secondary"),
			       num(s, "conns"));
		printf("\n");
	}
	printf("%-12s primary: seen=%lld captured=%lld malformed=%lld; secondary: seen=%lld "
	       "captured=%lld malformed=%lld; outside: redirected=%lld cloned=%lld\n",
	       "kernel", num(st, "kernel.primary.seen"), num(st, "kernel.primary.captured"),
	       num(st, "kernel.primary.malformed"), num(st, "kernel.secondary.seen"),
	       num(st, "kernel.secondary.captured"), num(st, "kernel.secondary.malformed"),
	       num(st, "kernel.outside.redirected"), num(st, "kernel.outside.cloned"));
}

/* ---- stats -------------------------------------------------------------------------------- */

enum ctl_format { CTL_TEXT, CTL_JSON, CTL_PROMETHEUS };

static volatile sig_atomic_t ctl_stop;

static void on_stop(int sig)
{
	(void)sig;
	ctl_stop = 1;
}

static int print_stats(const char *instance, enum ctl_format fmt)
{
	json_t *st = query("stats", instance, COLO_CTL_STATS);
	int r = 0;

	if (!st)
		return -1;
	if (fmt == CTL_JSON) {
		r = json_dumpf(st, stdout, JSON_COMPACT);
		putchar('\n');
	} else if (fmt == CTL_PROMETHEUS) {
		r = colo_metrics_write(stdout, st);
	} else {
		print_stats_text(st);
	}
	json_decref(st);
	fflush(stdout);
	return r;
}

struct stats_opts {
	const char *instance;
	bool json, prometheus;
	uint32_t watch_s;
};

static const struct colo_opt stats_opt_table[] = {
	COLO_OPT_INSTANCE(struct stats_opts, instance, COLO_INSTANCE_HELP),
	{.name = "json",
	 .short_name = 'j',
	 .type = COLO_OPT_FLAG,
	 .offset = offsetof(struct stats_opts, json),
	 .help = "the control socket's reply, one JSON line"},
	{.name = "prometheus",
	 .type = COLO_OPT_FLAG,
	 .offset = offsetof(struct stats_opts, prometheus),
	 .help = "Prometheus text format (what run --metrics-file writes)"},
	{.name = "watch",
	 .type = COLO_OPT_U32,
	 .offset = offsetof(struct stats_opts, watch_s),
	 .arg = "S",
	 .help = "print again every S seconds until interrupted",
	 .min = 1,
	 .max = 86400},
	{},
};

static const struct colo_cmd_spec stats_spec = {
	.name = "stats",
	.usage = "[--instance NAME] [--json|--prometheus] [--watch S]",
	.summary =
		"The daemon's and the kernel's counters (the pinned maps alone without a daemon).",
	.min_pos = 0,
	.max_pos = 0,
	.opts = stats_opt_table,
};

int cmd_stats(int argc, char **argv)
{
	struct stats_opts o = {.instance = COLO_DEFAULT_INSTANCE};
	struct colo_opts_result res;
	enum ctl_format fmt;
	int r;

	r = cli_parse(&stats_spec, argc, argv, &o, &res);
	if (r >= 0)
		return r;
	if (o.json && o.prometheus) {
		cli_err("stats", "--json and --prometheus exclude each other");
		return COLO_EXIT_USAGE;
	}
	fmt = o.json ? CTL_JSON : o.prometheus ? CTL_PROMETHEUS : CTL_TEXT;
	if (!o.watch_s)
		return print_stats(o.instance, fmt) ? COLO_EXIT_RUNTIME : COLO_EXIT_OK;
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	while (!ctl_stop) {
		/* Like watch(1): clear the terminal and redraw; JSON and metrics just follow. */
		if (fmt == CTL_TEXT && isatty(STDOUT_FILENO))
			fputs("\033[H\033[2J", stdout);
		if (print_stats(o.instance, fmt))
			return COLO_EXIT_RUNTIME;
		sleep(o.watch_s);
	}
	return COLO_EXIT_OK;
}

/* ---- conns -------------------------------------------------------------------------------- */

enum conn_sort { SORT_NONE, SORT_HELD, SORT_AGE, SORT_BYTES };

static enum conn_sort conn_sort_key;

static double held_bytes(const json_t *c)
{
	return (double)num(c, "held_primary.bytes") + (double)num(c, "held_secondary.bytes");
}

static double sort_value(const json_t *c)
{
	switch (conn_sort_key) {
	case SORT_HELD:
		return (double)num(c, "held_primary.frames") +
		       (double)num(c, "held_secondary.frames");
	case SORT_AGE:
		return json_number_value(json_object_get(c, "oldest_held_ms"));
	case SORT_BYTES:
		return held_bytes(c) ? held_bytes(c)
				     : (double)num(c, "kernel.bytes.primary") +
					       (double)num(c, "kernel.bytes.secondary");
	default:
		return 0;
	}
}

/* Largest first. */
static int conn_cmp(const void *a, const void *b)
{
	double x = sort_value(*(json_t *const *)a), y = sort_value(*(json_t *const *)b);

	return x < y ? 1 : x > y ? -1 : 0;
}

static void print_ms(const json_t *v)
{
	if (json_is_number(v))
		printf(" %9.0f", json_number_value(v));
	else
		printf(" %9s", "-");
}

static void print_opt_int(const json_t *v, int width)
{
	if (json_is_integer(v))
		printf(" %*lld", width, (long long)json_integer_value(v));
	else
		printf(" %*s", width, "-");
}

static void print_conn_text(const json_t *c)
{
	const json_t *state = json_object_get(c, "state");
	char st[40] = "-";

	if (json_is_object(state))
		snprintf(st, sizeof(st), "%s/%s",
			 json_string_value(json_object_get(state, "primary")),
			 json_string_value(json_object_get(state, "secondary")));
	printf("%-48s %-23s", json_string_value(json_object_get(c, "flow")), st);
	print_opt_int(json_object_get(c, "offset"), 10);
	print_opt_int(json_object_get(c, "compared"), 10);
	if (json_object_get(c, "held_primary"))
		printf(" %5lld/%-5lld %9lld/%-9lld", num(c, "held_primary.frames"),
		       num(c, "held_secondary.frames"), num(c, "held_primary.bytes"),
		       num(c, "held_secondary.bytes"));
	else
		printf(" %11s %19s", "-", "-");
	print_ms(json_object_get(c, "oldest_held_ms"));
	print_ms(json_object_get(c, "last_seen_ms")
			 ?: json_object_get(json_object_get(c, "kernel"), "last_seen_ms"));
	print_opt_int(json_object_get(c, "checkpoints"), 3);
	printf("%s\n", json_is_true(json_object_get(c, "diverged")) ? " diverged" : "");
}

static int print_conns(const json_t *data, const char *filter, bool json)
{
	const json_t *list = json_object_get(data, "conns"), *c;
	json_t *kept = json_array(), *out, *o;
	size_t i, n;
	json_t **v;

	json_array_foreach(list, i,
			   c) if (!filter ||
				  colo_flow_filter_match(
					  json_string_value(json_object_get(c, "flow")), filter))
		json_array_append((json_t *)kept, (json_t *)c);
	n = json_array_size(kept);
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -1;
	for (i = 0; i < n; i++)
		v[i] = json_array_get(kept, i);
	if (conn_sort_key != SORT_NONE)
		qsort(v, n, sizeof(*v), conn_cmp);
	if (json) {
		out = json_array();
		for (i = 0; i < n; i++)
			json_array_append(out, v[i]);
		o = json_deep_copy(data);
		json_object_set_new(o, "conns", out);
		json_dumpf(o, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(o);
	} else {
		printf("%-48s %-23s %10s %10s %11s %19s %9s %9s %3s\n", "flow", "state (P/S)",
		       "offset", "compared", "held (P/S)", "held bytes (P/S)", "oldest ms",
		       "seen ms", "cps");
		for (i = 0; i < n; i++)
			print_conn_text(v[i]);
		if (num(data, "omitted"))
			printf("(%lld connections not listed: over the snapshot limit)\n",
			       num(data, "omitted"));
	}
	free(v);
	json_decref(kept);
	return 0;
}

static const struct colo_enum_name sort_names[] = {
	{"held", SORT_HELD},
	{"age", SORT_AGE},
	{"bytes", SORT_BYTES},
	{NULL},
};

struct conns_opts {
	const char *instance;
	bool json;
	const char *filter;
	int sort; /* enum conn_sort */
};

static const struct colo_opt conns_opt_table[] = {
	COLO_OPT_INSTANCE(struct conns_opts, instance, COLO_INSTANCE_HELP),
	{.name = "json",
	 .short_name = 'j',
	 .type = COLO_OPT_FLAG,
	 .offset = offsetof(struct conns_opts, json),
	 .help = "the control socket's reply, one JSON line"},
	{.name = "flow",
	 .type = COLO_OPT_STR,
	 .offset = offsetof(struct conns_opts, filter),
	 .arg = "FILTER",
	 .help = "only flows matching every term: tcp, 10.0.0.1, :80, 10.0.0.1:80, [fd00::1]:80"},
	{.name = "sort",
	 .type = COLO_OPT_ENUM,
	 .offset = offsetof(struct conns_opts, sort),
	 .help = "largest first: frames held, oldest held frame, bytes held (or seen)",
	 .names = sort_names},
	{},
};

static const struct colo_cmd_spec conns_spec = {
	.name = "conns",
	.usage = "[--instance NAME] [--json] [--flow FILTER] [--sort held|age|bytes]",
	.summary = "One line per connection: state, offset, compare position, what is held.",
	.min_pos = 0,
	.max_pos = 0,
	.opts = conns_opt_table,
};

int cmd_conns(int argc, char **argv)
{
	struct conns_opts o = {.instance = COLO_DEFAULT_INSTANCE, .sort = SORT_NONE};
	struct colo_opts_result res;
	json_t *data;
	int r;

	r = cli_parse(&conns_spec, argc, argv, &o, &res);
	if (r >= 0)
		return r;
	conn_sort_key = (enum conn_sort)o.sort;
	data = query("conns", o.instance, COLO_CTL_CONNS);
	if (!data)
		return COLO_EXIT_RUNTIME;
	r = print_conns(data, o.filter, o.json);
	json_decref(data);
	return r ? COLO_EXIT_RUNTIME : COLO_EXIT_OK;
}
