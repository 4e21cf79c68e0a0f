#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks colo-xdp's Prometheus text against a `stats --json` reply.

usage: metrics_check.py METRICS.prom STATS.json

Parses the metrics with prometheus_client's own text parser (a format error fails), then
compares every sample that has a counterpart in the JSON, and checks each histogram: buckets
cumulative, +Inf equal to _count. Prints one line per mismatch; exit 0 only when all agree.
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

PFX = "colo_xdp_"


def get(obj, path):
    for key in path.split("."):
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj


# metric name (without prefix) -> (json path, label whose value is the last path element)
SCALARS = {
    "daemon_up": "daemon",
    "compared_bytes_total": "compared_bytes",
    "released_frames_total": "released.frames",
    "released_bytes_total": "released.bytes",
    "passed_frames_total": "released.passed",
    "held_bytes": "held.bytes",
    "checkpoint_commits_total": "checkpoints.commits",
    "checkpoint_aborts_total": "checkpoints.aborts",
    "agent_connected": "agent.connected",
    "checkpoint_in_flight": "agent.in_flight",
    "failover": "failover",
    "conns": "conns.active",
    "conns_refused_total": "conns.refused",
    "conns_evicted_total": "conns.evicted",
    "ring_full_total": "rings.ring_full",
}
LABELLED = {
    "frames_in_total": ("frames_in", "side"),
    "held_frames": ("held", "side"),
    "dropped_total": ("dropped", "reason"),
    "checkpoint_requests_total": ("checkpoints.requested", "reason"),
    "checkpoint_triggers_total": ("checkpoints.triggers", "reason"),
}
HISTOGRAMS = {
    "ring_delay_seconds": "delay_us.ring",
    "release_delay_seconds": "delay_us.release",
    "checkpoint_rtt_seconds": "agent.rtt_us",
}


def main():
    text = open(sys.argv[1]).read()
    stats = json.load(open(sys.argv[2]))
    samples = {}
    types = {}
    for fam in text_string_to_metric_families(text):
        types[fam.name] = fam.type
        for s in fam.samples:
            if s.labels.get("instance") != stats["instance"]:
                print(f"{s.name}: instance label {s.labels.get('instance')!r}")
                return 1
            labels = tuple(sorted((k, v) for k, v in s.labels.items() if k != "instance"))
            samples[(s.name, labels)] = s.value
    bad = []
    checked = 0

    def expect(name, labels, want):
        nonlocal checked
        got = samples.get((PFX + name, labels))
        if isinstance(want, bool):
            want = int(want)
        if got is None or abs(got - want) > 1e-9 * max(1, abs(want)):
            bad.append(f"{name}{dict(labels)}: metrics {got}, stats --json {want}")
        checked += 1

    for name, path in SCALARS.items():
        v = get(stats, path)
        if v is not None:
            expect(name, (), v)
    for name, (path, label) in LABELLED.items():
        for k, v in (get(stats, path) or {}).items():
            if label == "side" and k not in ("primary", "secondary"):
                if (PFX + name, ((label, k),)) in samples:
                    bad.append(f"{name}: {k} is no side")
                continue
            expect(name, ((label, k),), v)
    for role, counters in (stats.get("kernel") or {}).items():
        for field, v in counters.items():
            expect(f"kernel_{field}_total", (("role", role),), v)
    for name, path in HISTOGRAMS.items():
        h = get(stats, path)
        if h is None:
            continue
        if types.get(PFX + name) != "histogram":
            bad.append(f"{name}: not typed histogram")
        expect(name + "_count", (), h["count"])
        expect(name + "_sum", (), h["sum_us"] / 1e6)
        expect(name + "_bucket", (("le", "+Inf"),), h["count"])
        prev = 0
        for bound, n in h["buckets"]:
            le = samples.get((PFX + name + "_bucket", (("le", f"{bound / 1e6:.9g}"),)))
            if le is None or le != n or le < prev:
                bad.append(f"{name} bucket le={bound}us: {le}, want {n} >= {prev}")
            prev = n
            checked += 1
    last = get(stats, "checkpoints.last")
    if isinstance(last, dict):
        labels = (("flow", last["flow"]), ("reason", last["reason"]), ("side", last["side"]))
        expect("checkpoint_last_id", labels, last["id"])
    for b in bad:
        print(b)
    print(f"# {checked} values compared, {len(bad)} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
