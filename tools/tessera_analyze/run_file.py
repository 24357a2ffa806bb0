"""Opening and reading one Tessera HDF5 output (layout: docs/hdf5-layout.md)."""
import glob
import json
import os

import numpy as np

FORMAT = "tessera-timeline"
SUPPORTED_VERSION = 1

# IntervalKind numbers (include/tessera/output/records.hpp) grouped as the plots colour them.
KIND_COMPUTE = 4
KIND_COLLECTIVE = 7
KINDS_P2P = (5, 6)
KINDS_MEMORY = (1, 2, 3)


class AnalyzeError(Exception):
    """A problem with the user's input; printed as one line, exit status 2."""


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class Run:
    """One output file. Tables are numpy structured arrays; strings are decoded."""

    def __init__(self, path):
        try:
            import h5py
        except ImportError as e:  # pragma: no cover - depends on the machine
            raise AnalyzeError("python3-h5py is missing: apt-get install python3-h5py") from e
        self.path = path
        if not os.path.exists(path):
            hint = ""
            left = sorted(glob.glob(glob.escape(path) + ".partial.*"))
            if left:
                hint = f" ({left[0]} exists: that run did not finish; its file is incomplete)"
            raise AnalyzeError(f"{path}: no such file{hint}")
        try:
            self.h5 = h5py.File(path, "r")
        except OSError as e:
            raise AnalyzeError(f"{path}: not a Tessera output (not an HDF5 file: {e}); "
                               "write one with `tessera run ... --output FILE.h5`") from e
        fmt = _text(self.h5.attrs.get("format", b""))
        if fmt != FORMAT:
            raise AnalyzeError(f"{path}: not a Tessera output (root attribute 'format' is "
                               f"{fmt!r}, expected {FORMAT!r}); write one with "
                               "`tessera run ... --output FILE.h5`")
        version = int(self.h5.attrs.get("format_version", 0))
        if version > SUPPORTED_VERSION:
            raise AnalyzeError(f"{path}: layout version {version} is newer than this tool reads "
                               f"({SUPPORTED_VERSION}); use tessera-analyze from the same Tessera")
        self.num_npus = int(self.h5.attrs["num_npus"])
        self.end_time_ps = int(self.h5.attrs["end_time_ps"])
        self.link_bin_width_ps = int(self.h5.attrs["link_bin_width_ps"])
        self.strings = [_text(s) for s in self.h5["strings"][()]]
        self.kind_names = {int(k): v for k, v in json.loads(_text(self.h5.attrs["interval_kinds"])).items()}
        self.collective_names = {int(k): v for k, v in
                                 json.loads(_text(self.h5.attrs["collective_types"])).items()}

    def attributes(self):
        return {k: (_text(v) if isinstance(v, (bytes, str)) else v.item() if hasattr(v, "item") else v)
                for k, v in self.h5.attrs.items()}

    def config(self):
        """The resolved configuration (the `config` attribute, JSON); {} when absent or not JSON."""
        try:
            value = json.loads(self.attributes().get("config", "{}"))
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def npu_summary(self):
        return self.h5["npu/summary"][()]

    def collectives(self):
        return self.h5["collectives"][()]

    def intervals(self, npu=None):
        """All intervals, or one NPU's: one slice through index/intervals."""
        if npu is None:
            return self.h5["npu/intervals"][()]
        index = self.h5["index/intervals"]
        lo, hi = int(index[npu]), int(index[npu + 1])
        return self.h5["npu/intervals"][lo:hi]

    def link_names(self):
        return [self.strings[i] for i in self.h5["links/totals"]["name"]]

    def link_totals(self):
        return self.h5["links/totals"][()]

    def has_link_series(self):
        return "links/busy_fraction" in self.h5

    def link_series(self, metric):
        """(links x bins) array of 'busy' (fraction of the bin) or 'bytes'."""
        if not self.has_link_series():
            raise AnalyzeError(f"{self.path}: no per-link time series in this run "
                               "(link_bin_width_ps is 0)")
        return self.h5["links/busy_fraction" if metric == "busy" else "links/bytes"][()]

    def collective_name(self, code):
        return self.collective_names.get(int(code), f"type_{int(code)}")

    def close(self):
        self.h5.close()


def parse_time(text):
    """'12.5us' (or '12.5µs') -> ps. A bare number is microseconds."""
    units = {"ps": 1, "ns": 1e3, "us": 1e6, "µs": 1e6, "ms": 1e9, "s": 1e12}
    t = text.strip().lower()
    for suffix in ("ps", "ns", "us", "µs", "ms", "s"):
        if t.endswith(suffix):
            number, scale = t[: -len(suffix)], units[suffix]
            break
    else:
        number, scale = t, 1e6
    try:
        return int(round(float(number) * scale))
    except ValueError:
        raise AnalyzeError(f"bad time {text!r}: write a number with a unit, e.g. 12.5us or 3ms") from None


def parse_npus(text, num_npus):
    """'0-7,12' -> [0..7, 12], each checked against the run's NPU count."""
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                a, b = (int(x) for x in part.split("-", 1))
                out.extend(range(a, b + 1))
            else:
                out.append(int(part))
        except ValueError:
            raise AnalyzeError(f"bad --npus {text!r}: write ids and ranges such as 0-7,12") from None
    bad = [n for n in out if n < 0 or n >= num_npus]
    if bad:
        raise AnalyzeError(f"--npus: NPU {bad[0]} is not in this run (it has NPUs 0-{num_npus - 1})")
    return sorted(set(out))


def joined_chunks(rs):
    """The chunk count the NPUs recorded (0 = none); "4|8" when they disagree (as summary_json)."""
    counts = sorted({int(r["chunks"]) for r in rs} - {0})
    return counts[0] if len(counts) == 1 else "|".join(map(str, counts)) or 0


def collective_table(run):
    """One row per collective: the k-th collective of every NPU with the same type, size and group
    size (as the run's own summary groups them). Duration = latest end - earliest start; the
    bandwidths are the mean of the NPUs' nccl-tests figures."""
    recs = run.collectives()
    index = run.h5["index/collectives"][()]
    groups = {}
    for n in range(len(index) - 1):
        mine = recs[index[n]:index[n + 1]]
        for k, r in enumerate(mine[np.argsort(mine["start"], kind="stable")]):
            key = (k, int(r["collective"]), int(r["bytes"]), int(r["group_size"]))
            groups.setdefault(key, []).append(r)
    rows = []
    for (k, ctype, nbytes, group), rs in sorted(groups.items()):
        start = min(int(r["start"]) for r in rs)
        end = max(int(r["end"]) for r in rs)
        rows.append({
            "index": k,
            "node_id": int(rs[0]["node_id"]),
            "collective": run.collective_name(ctype),
            "bytes": nbytes,
            "npus": len(rs),
            "group_size": group,
            # NPUs should agree; if not, every label joined, as the run's own summary shows them.
            "algorithm": "|".join(sorted({run.strings[int(r["algorithm"])] for r in rs} - {""})),
            "chunks": joined_chunks(rs),
            "start_us": start / 1e6,
            "end_us": end / 1e6,
            "duration_us": (end - start) / 1e6,
            "algbw_gbps": float(np.mean([r["algbw_gbps"] for r in rs])),
            "busbw_gbps": float(np.mean([r["busbw_gbps"] for r in rs])),
        })
    return rows


def npu_table(run):
    rows = []
    # Row n is NPU n (the file's layout), also for NPUs that reported no summary.
    for n, r in enumerate(run.npu_summary()):
        rows.append({
            "npu": n,
            "finish_us": int(r["finish"]) / 1e6,
            "compute_us": int(r["compute"]) / 1e6,
            "cpu_us": int(r["cpu"]) / 1e6,
            "communication_us": int(r["communication"]) / 1e6,
            "exposed_communication_us": int(r["exposed_communication"]) / 1e6,
            "nodes": int(r["nodes"]),
        })
    return rows
