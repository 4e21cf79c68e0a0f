// SPDX-License-Identifier: GPL-2.0-only
/* Divergence captures (see capture.h). */
#include <errno.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "lib/frame.h"
#include "lib/names.h"
#include "lib/pcapng.h"
#include "lib/replay_events.h"
#include "lib/attach_args.h"
#include "log.h"

#define CAPTURE_SNAPLEN	  262144
#define CAPTURE_MAX_FILES 256 /* captures remembered for rotation */

struct written {
	char base[320]; /* path without extension */
	uint64_t bytes;
};

struct colo_capture {
	char dir[200];
	char instance[COLO_INSTANCE_NAME_MAX];
	uint64_t max_bytes, total;
	unsigned int seq;
	unsigned int head, n; /* FIFO of what this run wrote */
	struct written files[CAPTURE_MAX_FILES];
};

/* ---- the job (worker thread) --------------------------------------------------------------- */

struct job_fill {
	struct colo_capture_job *job;
	size_t cap_frames, cap_bytes, used;
	bool failed;
};

static void job_add(void *ctx, enum colo_side side, uint64_t time_ns, const uint8_t *data,
		    uint32_t len)
{
	struct job_fill *jf = ctx;
	struct colo_capture_job *j = jf->job;

	if (jf->failed || j->nframes == jf->cap_frames || jf->used + len > jf->cap_bytes) {
		jf->failed = true;
		return;
	}
	j->frames[j->nframes++] = (struct colo_capture_frame){side, time_ns, len, jf->used};
	memcpy(j->bytes + jf->used, data, len);
	jf->used += len;
}

struct colo_capture_job *colo_capture_job_new(const struct colo_flow_hist *h, unsigned int shard,
					      enum colo_cp_reason reason,
					      const struct colo_flow_key *flow,
					      const struct colo_cp_where *where, uint64_t time_ns)
{
	struct colo_flow_hist_stats st;
	struct colo_capture_job *j = calloc(1, sizeof(*j));
	struct job_fill jf = {.job = j};

	if (!j)
		return NULL;
	colo_flow_hist_get_stats(h, &st);
	/* At most what the whole history holds; the flow's share is less. */
	jf.cap_frames = st.frames ? st.frames : 1;
	jf.cap_bytes = st.bytes ? st.bytes : 1;
	j->frames = calloc(jf.cap_frames, sizeof(*j->frames));
	j->bytes = malloc(jf.cap_bytes);
	if (!j->frames || !j->bytes) {
		colo_capture_job_free(j);
		return NULL;
	}
	*j = (struct colo_capture_job){shard,	reason, *flow,	   *where,
				       time_ns, 0,	j->frames, j->bytes};
	colo_flow_hist_foreach(h, flow, job_add, &jf);
	return j;
}

void colo_capture_job_free(struct colo_capture_job *job)
{
	if (!job)
		return;
	free(job->frames);
	free(job->bytes);
	free(job);
}

/* ---- files (main thread) ------------------------------------------------------------------- */

struct colo_capture *colo_capture_open(const char *dir, uint64_t max_bytes, const char *instance)
{
	struct colo_capture *c;
	struct stat st;

	if (strlen(dir) >= sizeof(c->dir)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (mkdir(dir, 0750) && errno != EEXIST)
		return NULL;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	snprintf(c->instance, sizeof(c->instance), "%s", instance);
	c->max_bytes = max_bytes;
	return c;
}

int colo_capture_reopen(struct colo_capture *c)
{
	return mkdir(c->dir, 0750) && errno != EEXIST ? -errno : 0;
}

void colo_capture_close(struct colo_capture *c)
{
	free(c);
}

/* Where the checkpoint's byte is, per side, as a primary/secondary sequence (from the SYNs). */
struct target {
	bool valid[COLO_SIDE_MAX];
	uint32_t seq[COLO_SIDE_MAX];
};

static void find_targets(const struct colo_capture_job *j, struct target *t)
{
	struct colo_frame_info fi;
	size_t i;

	memset(t, 0, sizeof(*t));
	if (j->where.pos_kind == COLO_CP_POS_SEQ) {
		t->valid[COLO_SIDE_PRIMARY] = true;
		t->seq[COLO_SIDE_PRIMARY] = j->where.pos;
	}
	if (j->where.pos_kind != COLO_CP_POS_STREAM)
		return;
	/* Stream byte K of a side is at its ISN + 1 + K; each side's SYN (or SYN-ACK) names its
	 * ISN. */
	for (i = 0; i < j->nframes; i++) {
		const struct colo_capture_frame *f = &j->frames[i];

		if (colo_frame_parse(j->bytes + f->off, f->len, &fi) != COLO_FRAME_IP ||
		    fi.key.proto != IPPROTO_TCP || !(fi.tcp.flags & COLO_TCP_SYN))
			continue;
		t->valid[f->side] = true;
		t->seq[f->side] = fi.tcp.seq + 1 + j->where.pos;
	}
}

/* Per-packet comment: side, sequence and length, and the checkpoint's byte when it holds it. */
static void packet_comment(const struct colo_capture_job *j, const struct colo_capture_frame *f,
			   const struct target *t, char *buf, size_t len)
{
	const uint8_t *d = j->bytes + f->off;
	struct colo_frame_info fi;
	uint32_t at;
	int n;

	n = snprintf(buf, len, "%s", colo_side_name(f->side));
	if (colo_frame_parse(d, f->len, &fi) != COLO_FRAME_IP || fi.key.proto != IPPROTO_TCP)
		return;
	n += snprintf(buf + n, len - (size_t)n, " seq=%u len=%u", fi.tcp.seq, fi.payload_len);
	if (!t->valid[f->side] || !fi.payload_len)
		return;
	at = t->seq[f->side] - fi.tcp.seq; /* modulo 2^32: inside when below the length */
	if (at >= fi.payload_len)
		return;
	snprintf(buf + n, len - (size_t)n,
		 "; checkpoint %s %s=%u: the byte at seq=%u (payload offset %u) is 0x%02x",
		 colo_cp_reason_name(j->reason), colo_cp_pos_name(&j->where), j->where.pos,
		 t->seq[f->side], at, d[fi.payload_off + at]);
}

static int64_t mono_to_real_ns(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((int64_t)r.tv_sec - m.tv_sec) * 1000000000 + (r.tv_nsec - m.tv_nsec);
}

static int write_pcapng(const char *path, const struct colo_capture_job *j, int64_t to_real)
{
	static const char *const ifnames[COLO_SIDE_MAX] = {"primary", "secondary"};
	char head[320], flow[128], where[COLO_CP_WHERE_STR_LEN], comment[256];
	struct target t;
	FILE *f = fopen(path, "w");
	size_t i;
	int r;

	if (!f)
		return -errno;
	colo_flow_format(&j->flow, flow, sizeof(flow));
	colo_cp_where_str(where, sizeof(where), &j->where);
	snprintf(head, sizeof(head), "colo-xdp checkpoint trigger: reason=%s flow=%s %s shard=%u",
		 colo_cp_reason_name(j->reason), flow, where, j->shard);
	find_targets(j, &t);
	r = colo_pcapng_section(f, head, ifnames, COLO_SIDE_MAX, CAPTURE_SNAPLEN);
	for (i = 0; i < j->nframes && !r; i++) {
		const struct colo_capture_frame *fr = &j->frames[i];

		packet_comment(j, fr, &t, comment, sizeof(comment));
		r = colo_pcapng_packet(f, fr->side, (uint64_t)((int64_t)fr->time_ns + to_real),
				       j->bytes + fr->off, fr->len, comment);
	}
	if (fclose(f) || r)
		return -EIO;
	return 0;
}

/* One side as a plain pcap (libpcap, nanosecond stamps), what `colo-xdp replay` reads. */
static int write_side_pcap(const char *path, const struct colo_capture_job *j, enum colo_side side,
			   int64_t to_real)
{
	pcap_t *p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, CAPTURE_SNAPLEN,
							 PCAP_TSTAMP_PRECISION_NANO);
	struct pcap_pkthdr hdr;
	pcap_dumper_t *d;
	uint64_t ts;
	size_t i;

	if (!p)
		return -ENOMEM;
	d = pcap_dump_open(p, path);
	if (!d) {
		pcap_close(p);
		return -EIO;
	}
	for (i = 0; i < j->nframes; i++) {
		if (j->frames[i].side != side)
			continue;
		ts = (uint64_t)((int64_t)j->frames[i].time_ns + to_real);
		hdr.ts.tv_sec = (time_t)(ts / 1000000000);
		hdr.ts.tv_usec = (suseconds_t)(ts % 1000000000); /* nanoseconds in a nano file */
		hdr.caplen = hdr.len = j->frames[i].len;
		pcap_dump((u_char *)d, &hdr, j->bytes + j->frames[i].off);
	}
	pcap_dump_close(d);
	pcap_close(p);
	return 0;
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (uint64_t)st.st_size;
}

static const char *const exts[] = {".pcapng", ".primary.pcap", ".secondary.pcap"};

static void remove_oldest(struct colo_capture *c)
{
	struct written *w = &c->files[c->head];
	char path[360];
	size_t i;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", w->base, exts[i]);
		unlink(path);
	}
	c->total -= w->bytes;
	c->head = (c->head + 1) % CAPTURE_MAX_FILES;
	c->n--;
}

int colo_capture_write(struct colo_capture *c, const struct colo_capture_job *j)
{
	struct written *w;
	int64_t to_real = mono_to_real_ns();
	char stamp[32], path[360], base[sizeof(w->base)];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	int r;

	if (c->n == CAPTURE_MAX_FILES)
		remove_oldest(c);
	w = &c->files[(c->head + c->n) % CAPTURE_MAX_FILES];
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(base, sizeof(base), "%s/%s-%s-%u-%s", c->dir, c->instance, stamp, ++c->seq,
		 colo_cp_reason_name(j->reason));
	memcpy(w->base, base, sizeof(base));
	snprintf(path, sizeof(path), "%s.pcapng", w->base);
	r = write_pcapng(path, j, to_real);
	for (i = COLO_SIDE_PRIMARY; !r && i < COLO_SIDE_MAX; i++) {
		snprintf(path, sizeof(path), "%s%s", w->base, exts[1 + i]);
		r = write_side_pcap(path, j, (enum colo_side)i, to_real);
	}
	w->bytes = 0;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", w->base, exts[i]);
		w->bytes += file_size(path);
	}
	c->n++;
	c->total += w->bytes;
	/* The newest capture stays even alone over the limit; older ones go first. */
	while (c->n > 1 && c->total > c->max_bytes)
		remove_oldest(c);
	if (r) {
		colo_warn("capture %s: %s", w->base, strerror(-r));
		return r;
	}
	colo_info("capture written: %s.pcapng (%zu frames; .primary.pcap, .secondary.pcap)",
		  w->base, j->nframes);
	return 0;
}
