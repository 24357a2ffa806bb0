"""`compare`: two runs side by side, per NPU and per collective, with B - A deltas."""
from .run_file import collective_table, npu_table


def _delta(a, b):
    d = b - a
    pct = (100.0 * d / a) if a else 0.0
    return d, pct


def npu_rows(run_a, run_b):
    a, b = npu_table(run_a), npu_table(run_b)
    rows = []
    for n in range(max(len(a), len(b))):
        ra = a[n] if n < len(a) else None
        rb = b[n] if n < len(b) else None
        row = {"npu": n}
        for key, short in (("finish_us", "finish"), ("compute_us", "compute"),
                           ("communication_us", "comm"), ("exposed_communication_us", "exposed")):
            va = ra[key] if ra else 0.0
            vb = rb[key] if rb else 0.0
            d, pct = _delta(va, vb)
            row[f"{short}_a"] = va
            row[f"{short}_b"] = vb
            row[f"{short}_delta"] = d
            if key == "finish_us":
                row["finish_delta_pct"] = pct
        rows.append(row)
    return rows


def collective_rows(run_a, run_b):
    def keyed(run):
        return {(r["node_id"], r["collective"], r["bytes"]): r for r in collective_table(run)}
    a, b = keyed(run_a), keyed(run_b)
    rows = []
    for key in sorted(set(a) | set(b)):
        ra, rb = a.get(key), b.get(key)
        da = ra["duration_us"] if ra else 0.0
        db = rb["duration_us"] if rb else 0.0
        d, pct = _delta(da, db)
        rows.append({"node_id": key[0], "collective": key[1], "bytes": key[2],
                     "in": "both" if ra and rb else ("a" if ra else "b"),
                     "duration_a": da, "duration_b": db, "delta": d, "delta_pct": pct,
                     "busbw_a_gbps": ra["busbw_gbps"] if ra else 0.0,
                     "busbw_b_gbps": rb["busbw_gbps"] if rb else 0.0})
    return rows


def headline(run_a, run_b):
    ea, eb = run_a.end_time_ps / 1e6, run_b.end_time_ps / 1e6
    d, pct = _delta(ea, eb)
    return (f"end time: A {ea:.3f} us ({run_a.path}), B {eb:.3f} us ({run_b.path}), "
            f"B - A = {d:+.3f} us ({pct:+.2f}%)\n")
