"""`timeline` (Gantt of NPUs over time) and `links` (heatmap of link utilization)."""
import os

import numpy as np

from .run_file import (KIND_COLLECTIVE, KIND_COMPUTE, KINDS_MEMORY, KINDS_P2P, AnalyzeError)

COLOURS = {"compute": "#1f77b4", "cpu op": "#9467bd", "collective": "#ff7f0e",
           "send/recv": "#2ca02c", "memory": "#7f7f7f"}
COMMUNICATION = ("collective", "send/recv")

# (picoseconds per unit, label on axes and titles, spelling `--start/--end` accept), largest first.
UNITS = ((10**12, "s", "s"), (10**9, "ms", "ms"), (10**6, "µs", "us"), (10**3, "ns", "ns"), (1, "ps", "ps"))

# Below this share of the window the communication bars are a few pixels wide at most: the title
# says so and names the window to zoom into.
COMMUNICATION_NOTE_SHARE = 0.03


def time_unit(start_ps, end_ps):
    """The unit the window reads best in: the largest one in which its end is at least 1 and its
    span at least 0.01, so ticks need neither a "1e6" multiplier nor more than ~5 digits
    (a 1 s run in s, 389.10-389.45 ms in ms, a 16 µs run in µs)."""
    span = end_ps - start_ps
    for scale, label, spelling in UNITS:
        if end_ps >= scale and span >= scale / 100:
            return scale, label, spelling
    return UNITS[-1]


def format_time(ps, unit):
    """`ps` in `unit` (a UNITS entry) with the digits the unit needs, e.g. 389.1 for 389.1 ms."""
    return f"{ps / unit[0]:.6g}"


def run_title(run):
    """What was simulated, for the first title line of every plot: the scenario (or the ASTRA-sim
    workload given by flags), the network model and the topology, from the run's attributes."""
    a = run.attributes()
    source = a.get("source")
    if source == "ASTRA-sim command line":
        workload = run.config().get("workload", {})
        source = "ASTRA-sim inputs, workload " + (workload.get("chakra") or workload.get("text") or "?")
    parts = [source or f"{os.path.basename(run.path)} (no scenario recorded)"]
    model = a.get("network_model")
    parts.append(f"{model} model" if model else "network model not recorded")
    if a.get("topology"):
        parts.append(a["topology"])
    return ", ".join(parts)


def _figure(size_px):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    w, h = size_px
    # 100 dpi and no tight bounding box: the PNG is exactly the requested pixel size.
    return plt, plt.figure(figsize=(w / 100.0, h / 100.0), dpi=100)


def _time_axis(ax, unit):
    ax.set_xlabel(f"time ({unit[1]})")
    ax.ticklabel_format(axis="x", style="plain", useOffset=False)


def _category(row):
    kind = int(row["kind"])
    if kind == KIND_COMPUTE:
        return "cpu op" if row["is_cpu_op"] else "compute"
    if kind == KIND_COLLECTIVE:
        return "collective"
    if kind in KINDS_P2P:
        return "send/recv"
    return "memory"


def _union(spans):
    """Merged, sorted [start, end) stretches covering `spans`."""
    out = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def communication_note(spans, start_ps, end_ps, path):
    """None when communication fills enough of the window to be seen; else a title line with its
    share and the zoom command around its longest stretch (padded by a quarter on each side)."""
    stretches = _union(spans)
    busy = sum(e - s for s, e in stretches)
    span = end_ps - start_ps
    if not stretches or busy >= COMMUNICATION_NOTE_SHARE * span:
        return None
    s, e = max(stretches, key=lambda x: (x[1] - x[0], -x[0]))
    pad = max((e - s) // 4, 1)
    z0, z1 = max(start_ps, s - pad), min(end_ps, e + pad)
    unit = time_unit(z0, z1)
    share = 100.0 * busy / span
    return (f"communication is {share:.2g}% of this window; zoom into the longest stretch: "
            f"tessera-analyze timeline {path} --start {format_time(z0, unit)}{unit[2]} "
            f"--end {format_time(z1, unit)}{unit[2]}")


def timeline(run, npus, start_ps, end_ps, size_px, output):
    """Draws the Gantt chart; returns (intervals drawn, the communication note or None)."""
    plt, fig = _figure(size_px)
    ax = fig.add_subplot(1, 1, 1)
    unit = time_unit(start_ps, end_ps)
    left, right = 80, 30
    # One pixel of the plot area in picoseconds: no bar is drawn narrower, so short communication
    # stays visible instead of vanishing under its neighbours.
    pixel = (end_ps - start_ps) / max(1, size_px[0] - left - right)
    bars = {c: [] for c in COLOURS}
    comm_spans = []
    for lane, npu in enumerate(npus):
        for row in run.intervals(npu):
            s, e = max(int(row["start"]), start_ps), min(int(row["end"]), end_ps)
            if e < s or (e == s and int(row["end"]) != int(row["start"])):
                continue
            cat = _category(row)
            if cat in COMMUNICATION:
                comm_spans.append((s, e))
            # Communication is drawn in the lower half of a lane so it shows under overlapping compute.
            y = lane + (0.05 if cat in ("compute", "cpu op", "memory") else 0.5)
            bars[cat].append((s / unit[0], max(e - s, pixel) / unit[0], y))
    narrow = 3 * pixel / unit[0]
    for cat, items in bars.items():
        ys = {}
        for x, w, y in items:
            # A white edge would cover a bar a few pixels wide: only wide bars get one.
            ys.setdefault((y, w >= narrow), []).append((x, w))
        for (y, wide), xs in sorted(ys.items()):
            ax.broken_barh(xs, (y, 0.45), facecolors=COLOURS[cat], edgecolors="white" if wide else "none",
                           linewidth=0.4 if wide else 0, label=cat)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    if unique:
        ax.legend(unique.values(), unique.keys(), loc="lower right", bbox_to_anchor=(1.0, 1.0),
                  ncol=len(unique), fontsize="small", frameon=False)
    ax.set_xlim(start_ps / unit[0], end_ps / unit[0])
    ax.set_ylim(len(npus), 0)
    step = max(1, len(npus) // 32)
    ax.set_yticks([i + 0.5 for i in range(0, len(npus), step)])
    ax.set_yticklabels([f"NPU {npus[i]}" for i in range(0, len(npus), step)], fontsize="small")
    _time_axis(ax, unit)
    note = communication_note(comm_spans, start_ps, end_ps, run.path)
    lines = [run_title(run), "compute (top of lane) vs communication (bottom)"]
    if note:
        lines.append(note)
    ax.set_title("\n".join(lines), loc="left", fontsize="medium")
    top = 18 + 16 * len(lines)
    fig.subplots_adjust(left=left / size_px[0], right=1 - right / size_px[0], top=1 - top / size_px[1],
                        bottom=50 / size_px[1])
    fig.savefig(output)
    plt.close(fig)
    return sum(len(v) for v in bars.values()), note


def links(run, metric, top, start_ps, end_ps, size_px, output):
    """Draws the heatmap; returns (the links x bins drawn, the note on a nearly idle window or None)."""
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
    unit = time_unit(b0 * width, b1 * width)
    vmax = 1.0 if metric == "busy" else max(float(data.max()), 1.0)
    im = ax.imshow(data, aspect="auto", interpolation="nearest", cmap="viridis", vmin=0.0, vmax=vmax,
                   extent=(b0 * width / unit[0], b1 * width / unit[0], len(order), 0))
    step = max(1, len(order) // 40)
    ax.set_yticks([i + 0.5 for i in range(0, len(order), step)])
    ax.set_yticklabels([names[order[i]] for i in range(0, len(order), step)], fontsize="x-small")
    _time_axis(ax, unit)
    bin_unit = time_unit(0, width)
    lines = [run_title(run), f"link {'busy fraction' if metric == 'busy' else 'bytes'} per "
             f"{width / bin_unit[0]:.4g} {bin_unit[1]} bin ({len(order)} of {len(names)} links)"]
    busiest = float(data.max()) if data.size else 0.0
    note = None
    if metric == "busy" and busiest < COMMUNICATION_NOTE_SHARE:
        note = (f"no bin is more than {100 * busiest:.2g}% busy: bins this wide average the traffic away; "
                     "zoom with --start/--end, and record finer bins with tessera run --link-stats-interval")
        lines.append(note)
    ax.set_title("\n".join(lines), loc="left", fontsize="medium")
    fig.colorbar(im, ax=ax, label="busy fraction" if metric == "busy" else "bytes per bin")
    longest = max((len(names[i]) for i in order), default=10)
    fig.subplots_adjust(left=min(0.4, 0.03 + 0.0055 * longest * 1600 / size_px[0]), right=0.98,
                        top=1 - (18 + 16 * len(lines)) / size_px[1], bottom=50 / size_px[1])
    fig.savefig(output)
    plt.close(fig)
    return data, note
