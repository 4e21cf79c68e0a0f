#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turns bench/dataplane.sh's raw records into the benchmark table (stdout and a results file).

Ratios are taken inside each repetition (configurations measured back to back), then the median
over repetitions is shown; every other figure is a median over repetitions too.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

QUICK_NOTE = " BENCH_QUICK=1: a check of the benchmark itself, small counts, not for the README"

# Issue 12's targets (compare against mirror, the baseline without comparison) and the
# memory goals.
GOALS = {
    "ratio_mirror": 0.9,
    "dataplane_s_per_gb": 0.25,
    "added_p50_us": 5.0,
    "added_p99_us": 15.0,
    "udp_ratio": 0.8,
    "kernel_b_per_flow": 256,
    "daemon_b_per_flow": 512,
    "flows_ratio": 0.8,
    "vs_qemu": 15.0,
}


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def failed(m):
    return m.get("stalled") or m.get("failed")


def by(records, config, kind):
    return {r["rep"]: r["m"] for r in records
            if r["config"] == config and r["kind"] == kind and not failed(r["m"])}


def stalled(records):
    return [f"{r['config']} {r['kind']} rep {r['rep']}" for r in records if failed(r["m"])]


def per_rep(records, a, b, kind, field, fn):
    """fn(a's value, b's value) for each repetition that has both."""
    ra, rb = by(records, a, kind), by(records, b, kind)
    return [fn(ra[k][field], rb[k][field]) for k in ra if k in rb]


def fmt(v, spec=".2f", unit=""):
    return "n/a" if v is None else format(v, spec) + unit


def pct(v):
    return None if v is None else 100 * v


def cpu_per_gb(m, field):
    return m[field] / (m["bytes"] / 1e9) if m.get("bytes") else None


def main_table(recs):
    rows = ["| configuration | bulk Gbit/s | RR p50 µs | RR p99 µs | UDP 64 B replies/s | "
            "daemon CPU s/GB | BPF CPU s/GB | machine CPU s/GB | cores busy | checkpoints | "
            "ring_full |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for cfg in ("none", "passthrough", "mirror", "compare"):
        bulk, rr, udp, fin = (list(by(recs, cfg, k).values())
                              for k in ("bulk1", "rr", "udp", "final"))
        rows.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
            cfg, fmt(median(m["gbps"] for m in bulk)),
            fmt(median(m["p50_us"] for m in rr), ".1f"),
            fmt(median(m["p99_us"] for m in rr), ".1f"),
            fmt(median(m["per_s"] for m in udp), ".0f"),
            fmt(median(cpu_per_gb(m, "daemon_cpu_s") for m in bulk), ".3f"),
            fmt(median(cpu_per_gb(m, "bpf_cpu_s") for m in bulk), ".3f"),
            fmt(median(cpu_per_gb(m, "machine_cpu_s") for m in bulk), ".3f"),
            fmt(median(m["machine_cpu_s"] / m["seconds"] for m in bulk)),
            "-" if not fin else sum(m.get("checkpoints", 0) for m in fin),
            "-" if not fin else sum(m.get("ring_full", 0) for m in fin)))
    return rows


def ratio(a, b):
    return a / b


def diff(a, b):
    return a - b


def secondary_share(recs):
    """Mirror: the secondary's output as a share of the primary's (bytes its capture saw)."""
    return median(m["secondary"]["bytes"] / m["primary"]["bytes"]
                  for m in by(recs, "mirror", "kernel").values() if m["primary"]["bytes"])


def ratios(recs):
    r = {}
    r["c_m"] = median(per_rep(recs, "compare", "mirror", "bulk1", "gbps", ratio))
    r["c_b"] = median(per_rep(recs, "compare", "passthrough", "bulk1", "gbps", ratio))
    r["c_a"] = median(per_rep(recs, "compare", "none", "bulk1", "gbps", ratio))
    r["m_b"] = median(per_rep(recs, "mirror", "passthrough", "bulk1", "gbps", ratio))
    r["b_a"] = median(per_rep(recs, "passthrough", "none", "bulk1", "gbps", ratio))
    r["p99"] = median(per_rep(recs, "compare", "mirror", "rr", "p99_us", diff))
    r["p50"] = median(per_rep(recs, "compare", "mirror", "rr", "p50_us", diff))
    r["udp"] = median(per_rep(recs, "compare", "mirror", "udp", "per_s", ratio))
    r["dp_s_gb"] = median(dataplane_cpu_per_gb(m) for m in by(recs, "compare", "bulk1").values())
    r["sec_share"] = secondary_share(recs)
    udp = by(recs, "compare", "udp").values()
    r["frames_s"] = median(2 * m["per_s"] for m in udp)
    fin = by(recs, "compare-rr", "final").values()
    for k in ("ring_delay_p50_us", "ring_delay_p99_us", "hold_p50_us", "hold_p99_us"):
        r[k] = median(m.get(k) for m in fin)
    share = [(m["daemon_cpu_s"] + m["bpf_cpu_s"]) / m["machine_cpu_s"]
             for m in by(recs, "compare", "bulk1").values() if m["machine_cpu_s"] > 0]
    r["share"] = median(share)
    return r


def flow_table(recs):
    rows = ["| connections | none Gbit/s | compare Gbit/s | compare vs 1 connection | "
            "compare / none |", "|---|---|---|---|---|"]
    base = by(recs, "compare", "flows1")
    out = {}
    for n in (1, 100, 10000):
        runs, plain = by(recs, "compare", f"flows{n}"), by(recs, "none", f"flows{n}")
        ratio = median(runs[k]["gbps"] / base[k]["gbps"] for k in runs if k in base)
        vs_none = median(runs[k]["gbps"] / plain[k]["gbps"] for k in runs if k in plain)
        out[n] = ratio
        label = f"{n}, all transferring" if n <= 100 else f"{n}, 100 transferring at a time"
        rows.append(f"| {label} | {fmt(median(m['gbps'] for m in plain.values()))} | "
                    f"{fmt(median(m['gbps'] for m in runs.values()))} | {fmt(ratio)} | "
                    f"{fmt(vs_none)} |")
    beside = next(iter(by(recs, "compare", "bulk1-beside10000").values()), None)
    base_gbps = median(m["gbps"] for m in base.values())
    out["beside"] = beside["gbps"] / base_gbps if beside and base_gbps else None
    rows.append(f"| 1 transferring beside 10000 idle | - | {fmt(beside and beside['gbps'])} | "
                f"{fmt(out['beside'])} | - |")
    return rows, out


def memory(recs):
    m = next(iter(by(recs, "compare", "memory").values()), None)
    if not m:
        return None, None, []
    kernel = m["ct_bytes"] / m["ct_entries"]
    daemon = (m["rss1_kib"] - m["rss0_kib"]) * 1024 / m["flows"]
    return kernel, daemon, [
        f"- Kernel: conntrack LRU hash {m['ct_bytes']} B for {m['ct_entries']} entries "
        f"(key {m['ct_key']} B, value {m['ct_value']} B, preallocated): "
        f"**{kernel:.0f} B per flow**.",
        f"- Daemon: RSS {m['rss0_kib']} KiB before, {m['rss1_kib']} KiB with {m['flows']} idle "
        f"connections open: **{daemon:.0f} B per flow**."]


def variant_table(recs):
    rows = ["| variant (compare) | 1 connection Gbit/s | 16 connections Gbit/s | checkpoints |",
            "|---|---|---|---|"]
    names = {"shards1": "1 shard, tc capture, AF_PACKET", "shards2": "2 shards, tc, AF_PACKET",
             "xdp": "2 shards, XDP capture, AF_PACKET", "afxdp": "2 shards, tc, AF_XDP release"}
    for v, label in names.items():
        cfg = "compare-" + v
        rows.append("| {} | {} | {} | {} |".format(
            label, fmt(median(m["gbps"] for m in by(recs, cfg, "bulk1").values())),
            fmt(median(m["gbps"] for m in by(recs, cfg, "bulk16").values())),
            sum(m.get("checkpoints", 0) for m in by(recs, cfg, "final").values())))
    return rows


def dataplane_cpu_per_gb(m):
    return (m["daemon_cpu_s"] + m["bpf_cpu_s"]) / (m["bytes"] / 1e9) if m.get("bytes") else None


def qemu_table(recs):
    """QEMU's colo-compare beside colo-xdp's compare in the same repetitions."""
    rows = ["| segments | QEMU colo-compare frames/s | QEMU Gbit/s | QEMU CPU s/GB | "
            "QEMU forwarded out of order | colo-xdp compare: dataplane CPU s/GB "
            "(daemon + BPF) | QEMU / colo-xdp CPU s/GB |", "|---|---|---|---|---|---|---|"]
    out = {}
    for size, ours_kind, ours_label in ((1448, "bulk1", "bulk download"),
                                        (64, "udp", "64-byte UDP replies")):
        q, ours = by(recs, "qemu", f"colo-compare{size}"), by(recs, "compare", ours_kind)
        ratio = median(q[k]["cpu_s_per_gb"] / dataplane_cpu_per_gb(ours[k]) for k in q
                       if k in ours and dataplane_cpu_per_gb(ours[k]))
        out[size] = ratio
        rows.append("| {} B TCP | {} | {} | {} | {} | {} ({}) | {} |".format(
            size, fmt(median(m["frames_per_s"] for m in q.values()), ".0f"),
            fmt(median(m["gbps"] for m in q.values()), ".3f"),
            fmt(median(m["cpu_s_per_gb"] for m in q.values()), ".3f"),
            fmt(median(100 * m["reordered"] / m["forwarded"] for m in q.values()
                       if m["forwarded"]), ".0f", " %"),
            fmt(median(dataplane_cpu_per_gb(m) for m in ours.values()), ".3f"), ours_label,
            fmt(ratio, ".1f", " ×")))
    return rows, out


def goal(ok, text):
    return f"- {'met' if ok else 'MISSED'}: {text}"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("compare_bench")
    ap.add_argument("--output", required=True)
    ap.add_argument("--seconds", type=int, default=0)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--bytes", type=int, default=0)
    ap.add_argument("--quick", type=int, default=0)
    a = ap.parse_args()

    recs = load(a.raw)
    r = ratios(recs)
    frows, fr = flow_table(recs)
    kern, daemon, memlines = memory(recs)
    qrows, qr = qemu_table(recs)
    with open(a.compare_bench) as f:
        cmp_lines = f.read().rstrip("\n").splitlines()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    out = [
        f"# colo-xdp benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"- kernel {platform.release()}, CPU {cpu_model()} × {os.cpu_count()}, commit"
        f" {commit}; {a.reps} repetitions, medians; {a.seconds} s in all",
        f"- command: `make bench` (bench/dataplane.sh; BENCH_REPS={a.reps} BENCH_BYTES={a.bytes}"
        f"{QUICK_NOTE if a.quick else ''})",
        "- traffic: build/tools/colo_load in the scripts/netns.sh topology: bulk = one TCP "
        "download from the replicas; RR = 8-byte request, 64-byte response, one connection, "
        "sequential; UDP = 64-byte datagrams, 32 in flight, against an echo server",
        f"- runs that failed (QEMU) or stalled past BENCH_BULK_LIMIT, left out of the medians: "
        f"{', '.join(stalled(recs)) or 'none'}",
        "",
        "## Throughput, latency, small packets",
        "",
        *main_table(recs),
        "",
        f"- **compare / mirror: {fmt(r['c_m'])}** (bulk; mirror is everything but the "
        f"comparison: both replicas get the input and serve); compare / passthrough (one "
        f"replica): {fmt(r['c_b'])}; compare / none: {fmt(r['c_a'])}; mirror / passthrough: "
        f"{fmt(r['m_b'])}; passthrough / none: {fmt(r['b_a'])}",
        f"- dataplane CPU per GB under compare (daemon + BPF programs): "
        f"**{fmt(r['dp_s_gb'], '.3f', ' s')}**",
        f"- latency compare adds over mirror: p50 **{fmt(r['p50'], '.1f', ' µs')}**, "
        f"p99 **{fmt(r['p99'], '.1f', ' µs')}**; UDP 64 B replies/s, compare / mirror: "
        f"**{fmt(r['udp'])}**",
        f"- mirror: the secondary's output was {fmt(pct(r['sec_share']), '.0f', ' %')} "
        f"of the primary's (bytes its capture program saw; under CPU contention it falls "
        f"behind, and the end of a transfer waits for ACKs only the client's next segments "
        f"would bring)",
        f"- where compare's request/response time goes (daemon's own histograms, request/"
        f"response alone, quarter-octave upper bounds): capture to worker (ring wakeup) p50 "
        f"{fmt(r['ring_delay_p50_us'], '.0f', ' µs')}, "
        f"p99 {fmt(r['ring_delay_p99_us'], '.0f', ' µs')}; "
        f"capture to release (wakeup + wait for the other replica + compare) p50 "
        f"{fmt(r['hold_p50_us'], '.0f', ' µs')}, p99 {fmt(r['hold_p99_us'], '.0f', ' µs')}",
        f"- frames compared per second at 64 B (a primary and a secondary frame per reply): "
        f"{fmt(r['frames_s'], '.0f')}",
        f"- dataplane's own share of the machine's CPU during compare bulk (daemon + BPF "
        f"programs): {fmt(pct(r['share']), '.0f', ' %')}",
        "",
        "## QEMU's colo-compare beside colo-xdp (same repetitions)",
        "",
        "QEMU's own colo-compare (Debian's qemu-system-x86, `-M none`, no guest, an iothread, "
        "vnet_hdr_support=on) fed by build/bench/bench_qemu_feed over its chardev sockets: "
        "identical primary and secondary streams of one TCP flow, at most 512 segments in "
        "flight; every segment checked forwarded once, whole. Its CPU is the QEMU process's "
        "(the feeder's is not counted); per GB of TCP payload, like colo-xdp's. The 1448-byte "
        "row is the same traffic on both sides (one bulk TCP stream); the 64-byte row is not: "
        "colo-xdp's figure there comes from its UDP echo run (32 datagrams in flight, a "
        "wakeup per few packets), QEMU's from a saturated one-way stream.",
        "",
        *qrows,
        "",
        "## Flow scale (compare)",
        "",
        *frows,
        "",
        *memlines,
        "",
        "## Variants (compare)",
        "",
        *variant_table(recs),
        "",
        "## Comparator microbenchmark (make bench-compare)",
        "",
        "```",
        *cmp_lines,
        "```",
        "",
        "## Goals",
        "",
        goal(r["c_m"] is not None and r["c_m"] >= GOALS["ratio_mirror"],
             f"bulk throughput with compare ≥ 0.9 × mirror ({fmt(r['c_m'])})"),
        goal(r["dp_s_gb"] is not None and r["dp_s_gb"] <= GOALS["dataplane_s_per_gb"],
             f"dataplane ≤ 0.25 CPU-s per GB ({fmt(r['dp_s_gb'], '.3f', ' s')})"),
        goal(r["p50"] is not None and r["p50"] <= GOALS["added_p50_us"] and
             r["p99"] is not None and r["p99"] <= GOALS["added_p99_us"],
             f"latency added over mirror ≤ 5 µs p50, ≤ 15 µs p99 "
             f"({fmt(r['p50'], '.1f', ' µs')}, {fmt(r['p99'], '.1f', ' µs')})"),
        goal(r["udp"] is not None and r["udp"] >= GOALS["udp_ratio"],
             f"UDP 64 B replies/s, compare ≥ 0.8 × mirror ({fmt(r['udp'])})"),
        goal(kern is not None and kern <= GOALS["kernel_b_per_flow"],
             f"idle flow ≤ 256 B in the kernel ({fmt(kern, '.0f', ' B')})"),
        goal(daemon is not None and daemon <= GOALS["daemon_b_per_flow"],
             f"idle flow ≤ 512 B in the daemon ({fmt(daemon, '.0f', ' B')})"),
        goal(fr.get(10000) is not None and fr[10000] >= GOALS["flows_ratio"],
             f"10,000 flows ≥ 0.8 × 1 flow, 100 transferring at a time "
             f"({fmt(fr.get(10000))}; one flow beside 10,000 idle ones: {fmt(fr.get('beside'))})"),
        goal(qr.get(1448) is not None and qr[1448] >= GOALS["vs_qemu"],
             f"≥ 15 × less CPU per GB than QEMU's colo-compare, 1448-byte segments "
             f"({fmt(qr.get(1448), '.1f', ' ×')}; 64-byte: {fmt(qr.get(64), '.1f', ' ×')})"),
    ]
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    with open(a.output, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
