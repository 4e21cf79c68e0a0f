/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pure pieces of `colo-xdp replay`: the order in which the two captures are merged, the virtual
 * clock's tick schedule, and the JSON/text formatting of events and the summary.
 * Every formatter writes at most size bytes (NUL included) and returns what snprintf would:
 * the length of the full text; a return >= size means it was truncated.
 */
#ifndef COLO_REPLAY_EVENTS_H
#define COLO_REPLAY_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "colo_xdp.h"
#include "lib/compare.h"
#include "lib/names.h" /* colo_side_name(), colo_drop_reason_name() */

/* Virtual clock resolution: the comparator is ticked at least this often while frames are held. */
#define COLO_REPLAY_TICK_NS 100000000ull

/* A checkpoint's origin as text: "side=secondary at=1999743 waited=3.0s" (the fields known). */
#define COLO_CP_WHERE_STR_LEN 64 /* holds the longest: side=secondary seq=4294967295 waited=... */
int colo_cp_where_str(char *buf, size_t size, const struct colo_cp_where *where);
/* The name of where's position: "at" for a stream offset, "seq" for a sequence; NULL for none. */
const char *colo_cp_pos_name(const struct colo_cp_where *where);

/*
 * Which capture feeds the comparator next: the one whose next frame is earlier, the primary on
 * a tie. has[] says whether that capture still has a frame. Returns COLO_SIDE_MAX when both are
 * exhausted.
 */
enum colo_side colo_replay_pick(const bool has[COLO_SIDE_MAX], const uint64_t ts_ns[COLO_SIDE_MAX]);

/*
 * The next time the comparator must be ticked on the way from clock to target: one tick step
 * later while that stays before target and within horizon_ns of the last frame fed (after that
 * no held frame can time out any more), else target itself. Returns clock when target <= clock.
 */
uint64_t colo_replay_next_tick(uint64_t clock_ns, uint64_t target_ns, uint64_t last_feed_ns,
			       uint64_t horizon_ns);

/* Counters the summary reports. */
struct colo_replay_summary {
	uint64_t frames[COLO_SIDE_MAX];
	uint64_t released;
	uint64_t released_bytes;
	uint64_t compared_bytes;
	uint64_t checkpoints[COLO_CP_REASON_MAX];
	uint64_t commits;
	uint64_t drops[COLO_SIDE_MAX][COLO_DROP_REASON_MAX];
	uint64_t held[COLO_SIDE_MAX]; /* still held when the replay ended */
};

/* {"event":"release","index":N,"time":T,"len":L,"flow":"..."} */
int colo_json_release(char *buf, size_t size, uint64_t index, uint64_t time_ns, uint32_t len,
		      const struct colo_flow_key *flow);
/*
 * {"event":"checkpoint","id":K,"reason":"mismatch","flow":"...","side":"primary","at":N,
 * "time":T} (flow may be NULL; "at" or "seq" when the stream position is known, "waited":T for
 * a timeout).
 */
int colo_json_checkpoint(char *buf, size_t size, uint64_t id, enum colo_cp_reason reason,
			 const struct colo_flow_key *flow, const struct colo_cp_where *where,
			 uint64_t time_ns);
/* {"event":"commit","id":K,"time":T} */
int colo_json_commit(char *buf, size_t size, uint64_t id, uint64_t time_ns);
/* {"event":"offset","flow":"...","seq_offset":S,"ts_offset":O,"ts_valid":B,"time":T} */
int colo_json_offset(char *buf, size_t size, const struct colo_flow_key *flow, uint32_t seq_offset,
		     uint32_t ts_offset, bool ts_valid, uint64_t time_ns);
/* {"event":"drop","side":"secondary","index":N,"reason":"compared","time":T} */
int colo_json_drop(char *buf, size_t size, enum colo_side side, uint64_t index,
		   enum colo_drop_reason reason, uint64_t time_ns);
/* {"event":"summary",...}: one object with every counter of s. */
int colo_json_summary(char *buf, size_t size, const struct colo_replay_summary *s);
/* The same counters as a few human-readable lines. */
int colo_text_summary(char *buf, size_t size, const struct colo_replay_summary *s);

#endif /* COLO_REPLAY_EVENTS_H */
