"""`timeline` (Gantt of NPUs over time) and `links` (heatmap of link utilization)."""
import numpy as np

from .run_file import (KIND_COLLECTIVE, KIND_COMPUTE, KINDS_MEMORY, KINDS_P2P, AnalyzeError)

COLOURS = {"compute": "#1f77b4", "cpu op": "#9467bd", "collective": "#ff7f0e",
           "send/recv": "#2ca02c", "memory": "#7f7f7f"}


def _figure(size_px):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    w, h = size_px
    # 100 dpi and no tight bounding box: the PNG is exactly the requested pixel size.
    return plt, plt.figure(figsize=(w / 100.0, h / 100.0), dpi=100)


def _category(row):
    kind = int(row["kind"])
    if kind == KIND_COMPUTE:
        return "cpu op" if row["is_cpu_op"] else "compute"
    if kind == KIND_COLLECTIVE:
        return "collective"
    if kind in KINDS_P2P:
        return "send/recv"
    return "memory"


def timeline(run, npus, start_ps, end_ps, size_px, output):
    plt, fig = _figure(size_px)
    ax = fig.add_subplot(1, 1, 1)
    bars = {c: [] for c in COLOURS}
    lanes = {}
    for lane, npu in enumerate(npus):
        lanes[npu] = lane
        for row in run.intervals(npu):
            s, e = max(int(row["start"]), start_ps), min(int(row["end"]), end_ps)
            if e < s or (e == s and int(row["end"]) != int(row["start"])):
                continue
            cat = _category(row)
            # Communication is drawn in the lower half of a lane so it shows under overlapping compute.
            y = lane + (0.05 if cat in ("compute", "cpu op", "memory") else 0.5)
            bars[cat].append((s / 1e6, max(e - s, 1) / 1e6, y))
    for cat, items in bars.items():
        if not items:
            continue
        ys = {}
        for x, w, y in items:
            ys.setdefault(y, []).append((x, w))
        for y, xs in ys.items():
            ax.broken_barh(xs, (y, 0.45), facecolors=COLOURS[cat], label=cat)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    if unique:
        ax.legend(unique.values(), unique.keys(), loc="lower right", bbox_to_anchor=(1.0, 1.0),
                  ncol=len(unique), fontsize="small", frameon=False)
    ax.set_xlim(start_ps / 1e6, end_ps / 1e6)
    ax.set_ylim(len(npus), 0)
    step = max(1, len(npus) // 32)
    ax.set_yticks([i + 0.5 for i in range(0, len(npus), step)])
    ax.set_yticklabels([f"NPU {npus[i]}" for i in range(0, len(npus), step)], fontsize="small")
    ax.set_xlabel("time (us)")
    ax.set_title(f"{run.path}: compute (top of lane) vs communication (bottom)", loc="left")
    fig.subplots_adjust(left=0.08, right=0.98, top=0.93, bottom=0.08)
    fig.savefig(output)
    plt.close(fig)
    return sum(len(v) for v in bars.values())


def links(run, metric, top, start_ps, end_ps, size_px, output):
    data = run.link_series(metric).astype(float)
    names = run.link_names()
    width = run.link_bin_width_ps
    b0 = max(0, start_ps // width)
    b1 = min(data.shape[1], -(-end_ps // width)) if data.shape[1] else 0
    if data.shape[0] == 0 or b1 <= b0:
        raise AnalyzeError(f"{run.path}: no link traffic in the chosen window")
    data = data[:, b0:b1]
    order = np.argsort(-data.sum(axis=1), kind="stable")[:top]
    order = np.sort(order)  # keep the file's (name) order among the busiest links
    data = data[order]
    plt, fig = _figure(size_px)
    ax = fig.add_subplot(1, 1, 1)
    vmax = 1.0 if metric == "busy" else max(float(data.max()), 1.0)
    im = ax.imshow(data, aspect="auto", interpolation="nearest", cmap="viridis", vmin=0.0, vmax=vmax,
                   extent=(b0 * width / 1e6, b1 * width / 1e6, len(order), 0))
    step = max(1, len(order) // 40)
    ax.set_yticks([i + 0.5 for i in range(0, len(order), step)])
    ax.set_yticklabels([names[order[i]] for i in range(0, len(order), step)], fontsize="x-small")
    ax.set_xlabel("time (us)")
    ax.set_title(f"{run.path}: link {'busy fraction' if metric == 'busy' else 'bytes'} per "
                 f"{width / 1e6:g} us bin ({len(order)} of {len(names)} links)")
    fig.colorbar(im, ax=ax, label="busy fraction" if metric == "busy" else "bytes per bin")
    longest = max((len(names[i]) for i in order), default=10)
    fig.subplots_adjust(left=min(0.4, 0.03 + 0.0055 * longest * 1600 / size_px[0]), right=0.98, top=0.93, bottom=0.08)
    fig.savefig(output)
    plt.close(fig)
    return data
