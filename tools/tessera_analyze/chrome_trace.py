"""`chrome-trace`: the timelines as Chrome/Perfetto trace JSON (the Trace Event Format).

One process per NPU; threads split what overlaps: compute, collectives, send/recv, memory. Times
are microseconds (the format's unit) with picosecond precision kept as decimals.
"""
import json

from .plots import _category

THREADS = {"compute": 1, "cpu op": 2, "collective": 3, "send/recv": 4, "memory": 5}


def events(run, npus, start_ps, end_ps, with_links):
    out = []
    for npu in npus:
        used = set()
        for row in run.intervals(npu):
            s, e = int(row["start"]), int(row["end"])
            if e < start_ps or s > end_ps:
                continue
            cat = _category(row)
            used.add(cat)
            args = {"node_id": int(row["node_id"]), "kind": run.kind_names.get(int(row["kind"]), "?")}
            if int(row["bytes"]):
                args["bytes"] = int(row["bytes"])
            if int(row["collective"]) >= 0:
                args["collective"] = run.collective_name(row["collective"])
            if int(row["algorithm"]):
                args["algorithm"] = run.strings[int(row["algorithm"])]
            if int(row["chunks"]):
                args["chunks"] = int(row["chunks"])
            if int(row["peer"]) >= 0:
                args["peer"] = int(row["peer"])
            out.append({"name": run.strings[int(row["name"])] or f"node {int(row['node_id'])}",
                        "cat": cat, "ph": "X", "pid": npu, "tid": THREADS[cat],
                        "ts": s / 1e6, "dur": (e - s) / 1e6, "args": args})
        if used:
            out.append({"name": "process_name", "ph": "M", "pid": npu, "tid": 0, "args": {"name": f"NPU {npu}"}})
            out.append({"name": "process_sort_index", "ph": "M", "pid": npu, "tid": 0, "args": {"sort_index": npu}})
            for cat in sorted(used, key=THREADS.get):
                out.append({"name": "thread_name", "ph": "M", "pid": npu, "tid": THREADS[cat], "args": {"name": cat}})
    if with_links and run.has_link_series():
        busy = run.link_series("busy")
        width = run.link_bin_width_ps
        links_pid = run.num_npus  # after every NPU
        out.append({"name": "process_name", "ph": "M", "pid": links_pid, "tid": 0, "args": {"name": "links"}})
        for name, row in zip(run.link_names(), busy):
            for b, value in enumerate(row):
                t = b * width
                if start_ps <= t <= end_ps:
                    out.append({"name": name, "ph": "C", "pid": links_pid, "tid": 0, "ts": t / 1e6,
                                "args": {"busy": float(value)}})
    return out


def write(run, npus, start_ps, end_ps, with_links, output):
    evs = events(run, npus, start_ps, end_ps, with_links)
    doc = {"traceEvents": evs, "displayTimeUnit": "ns",
           "otherData": {"source": run.path, "tessera_version": run.attributes().get("tessera_version", "")}}
    with open(output, "w", encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"))
    return evs
