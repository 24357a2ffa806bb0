#!/usr/bin/python3
"""Predicted against measured: runs Tessera's nccl-tests on every case of tools/nccl_reference.json
and writes its section of docs/accuracy.md (between its markers) with its tables and docs/images/accuracy-nccl.png (busbw against size,
measured points and the predicted line, one panel per collective and box count).

  tools/accuracy.py                 # every case, every size (a few minutes on one core)
  tools/accuracy.py --quick --out DIR   # the cases' "quick" sizes only, into DIR (smoke test)

Each size is a real simulation (`tessera nccl-tests ... --json`, the packet model); nothing here
computes a time. The errors are predicted / measured - 1, on the time where the reference gives a
time and on busbw where it gives only a plateau.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from doc_sections import generated_by, replace_section  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
BUSBW = {"all_reduce_perf": lambda n: 2 * (n - 1) / n, "all_gather_perf": lambda n: (n - 1) / n,
         "reduce_scatter_perf": lambda n: (n - 1) / n, "alltoall_perf": lambda n: (n - 1) / n,
         "broadcast_perf": lambda n: 1.0, "reduce_perf": lambda n: 1.0, "sendrecv_perf": lambda n: 1.0}


def human(size):
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} B"


def run_case(tessera, case, sizes, scratch):
    """Runs nccl-tests over `sizes` (a factor-2 sweep or single sizes); returns {size: row} and the
    error text of a run that failed."""
    env = dict(os.environ)
    env.update(case.get("env", {}))
    rows, errors = {}, []
    sizes = sorted(sizes)
    # One invocation per run of consecutive powers of two (nccl-tests' -f 2 sweep), else one per size.
    groups, cur = [], [sizes[0]]
    for s in sizes[1:]:
        if s == cur[-1] * 2:
            cur.append(s)
        else:
            groups.append(cur)
            cur = [s]
    groups.append(cur)
    for g in groups:
        out = os.path.join(scratch, f"{case['name']}-{g[0]}.json")
        cmd = [tessera, "nccl-tests", case["program"], "-b", str(g[0]), "-e", str(g[-1]), "-f", "2",
               "--network", os.path.join(ROOT, case["network"]), "--system", os.path.join(ROOT, case["system"]),
               "--json", out]
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            errors.append((p.stderr or p.stdout).strip().splitlines()[-1] if (p.stderr or p.stdout).strip()
                          else f"exit {p.returncode}")
            continue
        with open(out, encoding="utf-8") as f:
            data = json.load(f)
        for r in data["rows"]:
            rows[r["size"]] = dict(r, gpus=data["gpus"])
    return rows, errors


def evaluate(case, rows):
    """Per point: (size, measured, predicted, error, row, in_acceptance); the quantity is time or busbw."""
    acc = case.get("acceptance", {})
    out = []
    for pt in case["points"]:
        r = rows.get(pt["size"])
        accepted = pt["size"] >= acc.get("from_bytes", 0)
        if "time_us" in pt:
            meas, pred = pt["time_us"], (r["time_us"] if r else None)
        else:
            meas, pred = pt["busbw_gbps"], (r["busbw_gbps"] if r else None)
        err = pred / meas - 1 if pred is not None else None
        out.append((pt, meas, pred, err, r, accepted))
    return out


def expected_choice(case, size):
    """NCCL's observed (algorithm, protocol) at this size, where the reference states it."""
    for c in case.get("choice", []):
        if c["from_bytes"] <= size <= c["to_bytes"]:
            return c["algorithm"], c["protocol"]
    return None


def choice_mismatches(case, ev):
    out = []
    for pt, _, _, _, r, accepted in ev:
        want = expected_choice(case, pt["size"])
        if accepted and r and want and (r["algorithm"], r["protocol"]) != want:
            out.append((pt["size"], want, (r["algorithm"], r["protocol"])))
    return out


def verdict(case, ev):
    acc = case.get("acceptance", {})
    errs = [abs(e) for (_, _, _, e, _, a) in ev if a and e is not None]
    missing = [1 for (_, _, p, _, _, a) in ev if a and p is None]
    if missing or not errs:
        return "not run", None, None
    worst = max(errs)
    geo = math.exp(sum(math.log(max(e, 1e-6)) for e in errs) / len(errs)) if len(errs) > 1 else None
    ok = worst <= acc.get("max_error", 0.05) and (geo is None or geo <= acc.get("max_geomean", 1.0))
    ok = ok and not choice_mismatches(case, ev)
    return ("within" if ok else "outside"), worst, geo


def plot(cases, results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    n = len(cases)
    cols = 3 if n > 4 else n
    rows_ = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows_, cols, figsize=(5.2 * cols, 3.6 * rows_), squeeze=False)
    for ax in axes.flat[n:]:
        ax.axis("off")
    for ax, case in zip(axes.flat, cases):
        ev = results[case["name"]]["eval"]
        rows = results[case["name"]]["rows"]
        gpus = next((r["gpus"] for r in rows.values()), None)
        factor = BUSBW[case["program"]](gpus) if gpus else None
        xs, ys = [], []
        for pt, meas, _, _, r, _ in ev:
            if "time_us" in pt:
                if factor is not None:
                    xs.append(pt["size"])
                    ys.append(pt["size"] / (meas * 1e3) * factor)
            else:
                xs.append(pt["size"])
                ys.append(meas)
        ax.scatter(xs, ys, s=14, color="black", label="measured", zorder=3)
        px = sorted(rows)
        ax.plot(px, [rows[s]["busbw_gbps"] for s in px], color="tab:blue", marker="." if len(px) < 3 else None,
                label="Tessera")
        if len(px) < 3:
            # A plateau point: the scale from zero, so the gap reads as its share of the figure.
            ax.set_ylim(0, 1.15 * max(ys + [rows[s]["busbw_gbps"] for s in px] + [1]))
            ax.set_xlim(min(xs + px) / 4, max(xs + px) * 4)
        ax.set_xscale("log", base=2)
        ax.set_title(case["title"], fontsize=9)
        ax.set_xlabel("size (bytes)")
        ax.set_ylabel("busbw (GB/s)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_markdown(cases, results, path, image_rel, command):
    L = ["# Accuracy against measured NCCL figures", "",
         "Tessera's NCCL model (docs/nccl.md) predicting nccl-tests on the hardware of the shared",
         "reference's measurements. Every predicted figure is a packet-model simulation of that size",
         "(`tessera nccl-tests`); error = predicted / measured − 1, on the time where the source gives times",
         "and on busbw where it gives a plateau.", "",
         generated_by(command), "",
         f"![busbw against size, measured and predicted]({image_rel})", "",
         "| case | acceptance | worst error | geometric mean | result |", "|---|---|---:|---:|---|"]
    for c in cases:
        r = results[c["name"]]
        acc = c.get("acceptance", {})
        rule = f"every point within {acc.get('max_error', 0.05):.0%}"
        if "max_geomean" in acc:
            rule += f", geo-mean ≤ {acc['max_geomean']:.0%}"
        if acc.get("from_bytes"):
            rule += f", from {human(acc['from_bytes'])}"
        worst = f"{r['worst']:+.1%}".replace("+", "") if r["worst"] is not None else "–"
        geo = f"{r['geo']:.2%}" if r["geo"] is not None else "–"
        L.append(f"| {c['title']} | {rule} | {worst} | {geo} | {r['verdict']} |")
    for c in cases:
        r = results[c["name"]]
        L += ["", f"## {c['title']}", "", f"Source: {c['source']}.", ""]
        cmd = f"tessera nccl-tests {c['program']} --network {c['network']} --system {c['system']}"
        env = " ".join(f"{k}={v}" for k, v in c.get("env", {}).items())
        L += [f"Command: `{(env + ' ') if env else ''}{cmd} -b SIZE -e SIZE`.", ""]
        if c.get("choice"):
            rule = "; ".join(f"{x['algorithm']}/{x['protocol']} from {human(x['from_bytes'])}"
                             + (f" to {human(x['to_bytes'])}" if x["to_bytes"] < 1 << 40 else "")
                             for x in c["choice"])
            L += [f"NCCL's observed choice: {rule} ({c['choice_source']}); a row marked ✗ chose otherwise.", ""]
        if c.get("note"):
            L += [c["note"], ""]
        for e in r["errors"]:
            L += [f"Not run: {e}", ""]
        quantity = "time µs" if "time_us" in c["points"][0] else "busbw GB/s"
        L += [f"| size | measured {quantity} | predicted {quantity} | error | algorithm | protocol | CTAs |",
              "|---:|---:|---:|---:|---|---|---:|"]
        for pt, meas, pred, err, row, accepted in r["eval"]:
            if pred is None and not r["ran_all"]:
                continue
            p = f"{pred:.2f}" if pred is not None else "–"
            e = f"{err:+.1%}" if err is not None else "–"
            if not accepted:
                e += " (outside acceptance)"
            alg = (row["algorithm"], row["protocol"], str(row["channels"])) if row else ("–", "–", "–")
            want = expected_choice(c, pt["size"])
            if row and want and (row["algorithm"], row["protocol"]) != want:
                alg = (alg[0] + " ✗", alg[1], alg[2])
            L.append(f"| {human(pt['size'])} | {meas:.2f} | {p} | {e} | {alg[0]} | {alg[1]} | {alg[2]} |")
    replace_section(path, "tools/accuracy.py", L)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tessera", default=os.path.join(ROOT, "build", "tessera"), help="the tessera binary")
    ap.add_argument("--reference", default=os.path.join(ROOT, "tools", "nccl_reference.json"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs"),
                    help="folder for accuracy.md (the plot goes to its images/ folder)")
    ap.add_argument("--quick", action="store_true", help="only each case's quick sizes (cases without are skipped)")
    ap.add_argument("--case", action="append", help="run only these cases (by name)")
    a = ap.parse_args(argv)
    if not os.access(a.tessera, os.X_OK):
        print(f"accuracy.py: {a.tessera} is not an executable; build first (tools/setup.sh) or pass --tessera",
              file=sys.stderr)
        return 2
    with open(a.reference, encoding="utf-8") as f:
        ref = json.load(f)
    cases = [c for c in ref["cases"] if (not a.case or c["name"] in a.case) and (not a.quick or c.get("quick"))]
    if a.quick:
        cases = [dict(c, points=[p for p in c["points"] if p["size"] in c["quick"]]) for c in cases]
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for c in cases:
            sizes = [p["size"] for p in c["points"]]
            print(f"{c['name']}: {len(sizes)} sizes", flush=True)
            rows, errors = run_case(a.tessera, c, sizes, scratch)
            ev = evaluate(c, rows)
            v, worst, geo = verdict(c, ev)
            results[c["name"]] = {"rows": rows, "errors": errors, "eval": ev, "verdict": v, "worst": worst,
                                  "geo": geo, "ran_all": not errors}
            print(f"  {v}" + (f", worst {worst:.1%}" if worst is not None else "") + "".join(
                f"\n  error: {e}" for e in errors), flush=True)
    os.makedirs(os.path.join(a.out, "images"), exist_ok=True)
    plot(cases, results, os.path.join(a.out, "images", "accuracy-nccl.png"))
    command = "tools/accuracy.py" + (" --quick" if a.quick else "") + "".join(f" --case {c}" for c in a.case or [])
    write_markdown(cases, results, os.path.join(a.out, "accuracy.md"), "images/accuracy-nccl.png", command)
    print(f"wrote {os.path.join(a.out, 'accuracy.md')} and images/accuracy-nccl.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
