# SPDX-License-Identifier: GPL-2.0-only
"""soak_plot.py CSV PNG: make soak's samples (tests/faults/soak.sh) as four panels over time."""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src, dst):
    with open(src, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit("soak_plot: no samples in " + src)
    t = [int(r["t_s"]) / 60 for r in rows]

    def col(name):
        return [int(r[name] or 0) for r in rows]

    fig, ax = plt.subplots(4, 1, figsize=(9, 10), sharex=True)
    ax[0].plot(t, [v / 1024 for v in col("rss_kb")])
    ax[0].set_ylabel("daemon RSS (MiB)")
    ax[1].plot(t, col("fds"))
    ax[1].set_ylabel("daemon fds")
    ax[2].plot(t, col("held_p"), label="primary")
    ax[2].plot(t, col("held_s"), label="secondary")
    ax[2].set_ylabel("held frames")
    ax[2].legend()
    for name in ("checkpoints", "ring_full", "mem_refused"):
        ax[3].plot(t, col(name), label=name)
    ax[3].set_ylabel("counters (cumulative)")
    ax[3].set_yscale("symlog")
    ax[3].legend()
    ax[3].set_xlabel("minutes")
    fig.suptitle("colo-xdp make soak: " + src.rsplit("/", 1)[-1])
    fig.tight_layout()
    fig.savefig(dst, dpi=90)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
