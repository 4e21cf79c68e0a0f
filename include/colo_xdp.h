/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one contract between colo-xdp's BPF programs and its userspace: flow keys, conntrack
 * values, ring records, stats, roles and config. Everything here is shared verbatim by both
 * sides; change it in one place only.
 */
#ifndef COLO_XDP_H
#define COLO_XDP_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* Names of objects pinned under COLO_PIN_ROOT/<instance>/. */
#define COLO_PIN_ROOT	      "/sys/fs/bpf/colo-xdp"
#define COLO_DEFAULT_INSTANCE "default"
#define COLO_MAP_CONNTRACK    "colo_conntrack"
#define COLO_MAP_STATS	      "colo_stats"
#define COLO_MAP_CONFIG	      "colo_config"
#define COLO_MAP_RINGS	      "colo_rings"
#define COLO_MAP_IFACES	      "colo_ifaces"
#define COLO_MAP_OFFSETS      "colo_offsets"

#define COLO_MAX_SHARDS	   16
#define COLO_CONNTRACK_MAX 65536
/* Size of the BPF object's ring template; the loader creates the real rings (--ring-size). */
#define COLO_RING_BYTES_TEMPLATE (32u << 20)

/* Largest frame a ring record carries: a 64 KiB GSO super-frame plus its headers. */
#define COLO_MAX_FRAME 65792

enum colo_role {
	COLO_ROLE_OUTSIDE = 0,
	COLO_ROLE_PRIMARY = 1,
	COLO_ROLE_SECONDARY = 2,
	COLO_ROLE_MAX,
};

/* Which replica produced a captured frame. */
enum colo_side {
	COLO_SIDE_PRIMARY = 0,
	COLO_SIDE_SECONDARY = 1,
	COLO_SIDE_MAX,
};

/*
 * Flow key in replica-output orientation (service -> client): a frame the replica sends has
 * its own address in saddr. IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d). For ICMP
 * and ICMPv6 echo, sport and dport both hold the echo identifier; for other protocols without
 * ports they are 0, and so are they for IPv4/IPv6 fragments (all fragments of a datagram share
 * one key; proto is the fragmented payload's protocol).
 */
struct colo_flow_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
	__u8 proto;  /* IPPROTO_* */
	__u8 family; /* 4 or 6 */
	__u8 pad[2];
};

/*
 * Symmetric flow hash, computed by BPF (bpf/parse.h) and userspace (user/lib/frame.c) from this
 * one definition, so both orientations of a flow and both sides meet in one shard:
 *   mix(h, w):  k = w * 0xcc9e2d51; k = rotl32(k, 15); k *= 0x1b873593;
 *               h ^= k; h = rotl32(h, 13); h = h * 5 + 0xe6546b64      (murmur3 block step)
 *   fin(h):     h ^= h >> 16; h *= 0x85ebca6b; h ^= h >> 13; h *= 0xc2b2ae35; h ^= h >> 16
 *   endpoint(addr[16], port[2]): h = COLO_HASH_SEED; for i in 0..3:
 *               h = mix(h, addr[4i] << 24 | addr[4i+1] << 16 | addr[4i+2] << 8 | addr[4i+3]);
 *               h = mix(h, port[0] << 8 | port[1]); return fin(h)
 *   hash:       a = endpoint(saddr, sport), b = endpoint(daddr, dport);
 *               h = mix(COLO_HASH_SEED, min(a, b)); h = mix(h, max(a, b)); h = mix(h, proto);
 *               return fin(h)
 * All arithmetic is on uint32 with wraparound; addresses and ports are read byte by byte
 * (network order), so the value does not depend on the host's endianness.
 * Test vector: TCP [::ffff:192.0.2.1]:80 <-> [::ffff:198.51.100.2]:40000 hashes to
 * COLO_HASH_TEST_VECTOR in both orientations (tests/bpf checks BPF against it).
 */
#define COLO_HASH_SEED	      0x636f6c6fu /* "colo" */
#define COLO_HASH_TEST_VECTOR 0x019a6dc0u

static inline __u32 colo_hash_rotl(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

static inline __u32 colo_hash_mix(__u32 h, __u32 w)
{
	w *= 0xcc9e2d51u;
	w = colo_hash_rotl(w, 15);
	w *= 0x1b873593u;
	h ^= w;
	h = colo_hash_rotl(h, 13);
	return h * 5 + 0xe6546b64u;
}

static inline __u32 colo_hash_fin(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}

static inline __u32 colo_hash_endpoint(const __u8 *addr, const __u8 *port)
{
	__u32 h = COLO_HASH_SEED;
	int i;

	for (i = 0; i < 16; i += 4)
		h = colo_hash_mix(h, (__u32)addr[i] << 24 | (__u32)addr[i + 1] << 16 |
					     (__u32)addr[i + 2] << 8 | addr[i + 3]);
	h = colo_hash_mix(h, (__u32)port[0] << 8 | port[1]);
	return colo_hash_fin(h);
}

/* The symmetric flow hash described above; shard = colo_flow_key_hash(key) % nshards. */
static inline __u32 colo_flow_key_hash(const struct colo_flow_key *key)
{
	__u32 a = colo_hash_endpoint(key->saddr, (const __u8 *)&key->sport);
	__u32 b = colo_hash_endpoint(key->daddr, (const __u8 *)&key->dport);
	__u32 h = colo_hash_mix(COLO_HASH_SEED, a < b ? a : b);

	h = colo_hash_mix(h, a < b ? b : a);
	h = colo_hash_mix(h, key->proto);
	return colo_hash_fin(h);
}

/* TCP state per side, advanced by the capture program from the flags it sees. */
enum colo_tcp_state {
	COLO_TCP_NONE = 0,
	COLO_TCP_SYN_SENT, /* replica sent SYN (replica is the client) */
	COLO_TCP_SYN_RECV, /* replica sent SYN-ACK (replica is the server) */
	COLO_TCP_ESTABLISHED,
	COLO_TCP_FIN_SENT,
	COLO_TCP_CLOSED, /* RST seen */
};

/*
 * Conntrack value: kernel-owned. The capture programs create entries and advance state and
 * counters; userspace only reads them (daemon-owned state is in struct colo_offsets).
 */
struct colo_conn {
	__u64 created_ns;
	__u64 last_seen_ns;
	__u64 packets[COLO_SIDE_MAX];
	__u64 bytes[COLO_SIDE_MAX];
	__u8 state[COLO_SIDE_MAX]; /* enum colo_tcp_state */
	__u8 secondary_sent_valid; /* secondary_sent is set (mirror mode only) */
	__u8 pad;
	/*
	 * Mirror mode: the end of the sequence space the secondary has sent (its snd_nxt, in its
	 * own space); the rewriter caps the client's ACKs there.
	 */
	__u32 secondary_sent;
};

enum colo_offset_flags {
	COLO_OFFSET_SEQ = 1u << 0, /* seq_offset is valid: the rewriter applies it */
	COLO_OFFSET_TS = 1u << 1,  /* ts_offset is valid */
};

/*
 * colo_offsets value, keyed like colo_conntrack (replica-output orientation): daemon-owned.
 * Userspace writes it (learned by the comparator, before the primary frame that revealed it
 * is released); the secondary egress rewriter reads it. Offsets map primary space into
 * secondary space: secondary_seq = primary_seq + seq_offset, secondary_tsval = primary_tsval +
 * ts_offset.
 */
struct colo_offsets {
	__u32 seq_offset;
	__u32 ts_offset;
	__u32 flags; /* enum colo_offset_flags */
	__u32 pad;
};

enum colo_rec_flags {
	COLO_REC_VLAN = 1u << 0,	 /* at least one VLAN tag */
	COLO_REC_QINQ = 1u << 1,	 /* two VLAN tags */
	COLO_REC_FRAGMENT = 1u << 2,	 /* IPv4/IPv6 fragment: l4_off/payload_off not set */
	COLO_REC_IP_OPTIONS = 1u << 3,	 /* IPv4 options or IPv6 extension headers present */
	COLO_REC_TRUNCATED = 1u << 4,	 /* cap_len < frame_len */
	COLO_REC_CSUM_PARTIAL = 1u << 5, /* skb checksum offload pending (CHECKSUM_PARTIAL) */
	COLO_REC_GSO = 1u << 6,		 /* GSO super-frame: gso_size/gso_type valid */
	/* vlan[0] came from skb metadata (VLAN offload), not from the frame: release inserts it. */
	COLO_REC_VLAN_META = 1u << 7,
};

/* Tags a ring record carries: the offloaded one (if any) and the frame's own, outer first. */
#define COLO_REC_VLANS 2

/* One 802.1Q / 802.1ad tag as on the wire: TPID and TCI, both in network order. */
struct colo_vlan_tag {
	__be16 tpid;
	__be16 tci;
};

/*
 * Ring record: this header, then cap_len bytes of the frame from its Ethernet header on.
 * Records are reserved in a few size classes, so the record can be longer than
 * sizeof(header) + cap_len. Offsets are from the start of the frame; 0 means "not parsed".
 * Userspace trusts them only after bounds checks.
 */
struct colo_rec {
	__u64 tstamp_ns; /* bpf_ktime_get_ns() at capture */
	__u32 frame_len; /* skb->len / xdp length (an offloaded VLAN tag not included) */
	__u32 cap_len;	 /* bytes of frame that follow this header */
	__u32 hash;	 /* symmetric flow hash; shard = hash % nshards */
	__u16 l3_off;
	__u16 l4_off;
	__u16 payload_off;
	__u16 gso_size;
	__u32 gso_type;	  /* SKB_GSO_* bits from the skb */
	__u16 csum_start; /* CHECKSUM_PARTIAL: L4 offset where checksumming starts */
	__u16 csum_offset;
	__u8 side;     /* enum colo_side */
	__u8 l4_proto; /* IPPROTO_*, 0 for non-IP */
	__u8 family;   /* 4, 6, or 0 for non-IP */
	__u8 flags;    /* enum colo_rec_flags */
	/*
	 * The frame's VLAN tags on the wire, outer first: one with COLO_REC_VLAN, two with
	 * COLO_REC_QINQ, unused entries zero. With COLO_REC_VLAN_META, vlan[0] is not in the
	 * frame bytes (VLAN offload keeps it in skb metadata); any other tag is.
	 */
	struct colo_vlan_tag vlan[COLO_REC_VLANS];
};

/* Per-role, per-CPU counters (stats map: PERCPU_ARRAY indexed by enum colo_role). */
struct colo_stats {
	__u64 seen;	    /* frames the program ran on */
	__u64 parsed;	    /* IP frames parsed to L4 */
	__u64 captured;	    /* frames written to a ring */
	__u64 ring_full;    /* ring reservation failed: frame dropped (never released raw) */
	__u64 ring_missing; /* no ring for the shard: frame dropped */
	__u64 too_big;	    /* frame larger than COLO_MAX_FRAME: dropped */
	__u64 malformed;    /* truncated or inconsistent headers: dropped */
	__u64 non_ip;	    /* non-IP frames */
	__u64 tcp;
	__u64 udp;
	__u64 icmp; /* ICMP and ICMPv6 */
	__u64 other_l4;
	__u64 fragments;
	__u64 ctrl_passed;  /* ARP / neighbour discovery let out toward outside */
	__u64 ctrl_dropped; /* ARP / ND replies from the secondary */
	__u64 ct_created;
	__u64 ct_failed;      /* conntrack insert failed */
	__u64 redirected;     /* outside: to primary; failover: primary straight to outside */
	__u64 cloned;	      /* outside: mirrored to secondary */
	__u64 rewritten;      /* secondary egress: segments whose ack/SACK/TSecr were rewritten */
	__u64 rewrite_miss;   /* secondary egress: TCP segment with no offset known */
	__u64 rewrite_failed; /* secondary egress: rewrite could not be stored: segment dropped */
	__u64 bytes;	      /* bytes of frames seen */
	__u64 uncompared_dropped; /* failover or mirror: the secondary's output dropped unseen */
	__u64 ack_capped; /* mirror: secondary egress ACK lowered to what the secondary sent */
};

enum colo_config_flags {
	COLO_CFG_FAILOVER =
		1u << 0, /* primary output goes straight to outside; secondary's dropped */
	COLO_CFG_NO_MIRROR = 1u << 1, /* outside does not clone client traffic to the secondary */
	/*
	 * Mirror mode (colo-xdp run --mode mirror), a baseline without comparison: only TCP
	 * segments with SYN go to the rings (the daemon learns the offsets from them); the
	 * primary's other output goes straight to outside, the secondary's is dropped, and the
	 * rewriter caps the client's ACKs at what the secondary sent, so it keeps serving.
	 */
	COLO_CFG_MIRROR = 1u << 2,
};

enum colo_hook {
	COLO_HOOK_TC = 0,
	COLO_HOOK_XDP = 1,
};

enum colo_xdp_mode {
	COLO_XDP_NATIVE = 0,
	COLO_XDP_SKB = 1,
};

/*
 * What attach did to one interface (ifaces map: HASH, key ifindex, COLO_ROLE_MAX * 4 entries),
 * so that detach undoes exactly that and status can list it. Written by userspace only.
 */
struct colo_iface {
	__u32 role;	       /* enum colo_role */
	__u32 hook;	       /* enum colo_hook of the ingress program */
	__u32 xdp_mode;	       /* enum colo_xdp_mode when hook is XDP */
	__u32 ingress_prog_id; /* capture (primary/secondary) or redirect/clone (outside) */
	__u32 egress_prog_id;  /* secondary: the ack/SACK/TSecr rewriter; else 0 */
	__u32 tc_handle;
	__u16 tc_priority;
	__u8 created_clsact; /* attach created the clsact qdisc: detach removes it */
	__u8 pad;
	char name[16];	 /* interface name at attach time */
	__u32 netns_ino; /* inode of the interface's network namespace (ifindex is per namespace) */
};

/* Config map: ARRAY with one entry (key 0). Each attach fills its own role's ifindex. */
struct colo_config {
	__u32 ifindex[COLO_ROLE_MAX]; /* 0 = role not attached */
	__u32 nshards;		      /* rings in use, 1..COLO_MAX_SHARDS */
	__u32 flags;		      /* enum colo_config_flags */
};

#endif /* COLO_XDP_H */
