"""tools/tessera-analyze on the writer's real output (the mpirun driver's sample run on 2 ranks):
every subcommand runs and what it writes is checked."""
import contextlib
import csv
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import unittest

import h5py
import numpy as np

SOURCE = os.environ.get("TESSERA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tools"))
from tessera_analyze.cli import main  # noqa: E402

SAMPLE = os.path.join(os.environ.get("TESSERA_SAMPLE_H5_DIR", ""), "np2.h5")
SCRATCH = os.path.join(os.environ.get("TESSERA_SCRATCH", "/tmp"), "analyze_scratch")
TOOL = os.path.join(SOURCE, "tools", "tessera-analyze")


def run(*argv):
    """main() in-process (matplotlib is imported once): (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main([str(a) for a in argv])
        except SystemExit as e:
            status = e.code
    return status, out.getvalue(), err.getvalue()


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


def scratch(name):
    os.makedirs(SCRATCH, exist_ok=True)
    path = os.path.join(SCRATCH, name)
    if os.path.exists(path):
        os.remove(path)
    return path


class Summary(unittest.TestCase):
    def test_text_has_both_tables_with_values(self):
        status, out, _ = run("summary", SAMPLE)
        self.assertEqual(status, 0)
        self.assertIn("8 NPUs, end time 16.200 us", out)
        self.assertIn("per NPU", out)
        self.assertIn("per collective", out)
        self.assertRegex(out, r"\n\s+4\s+16\.200\s+6\.800\s")  # NPU 4 finishes last

    def test_csv_per_npu(self):
        path = scratch("npus.csv")
        status, _, _ = run("summary", SAMPLE, "--csv", "--by", "npu", "-o", path)
        self.assertEqual(status, 0)
        rows = list(csv.DictReader(open(path)))
        self.assertEqual(len(rows), 8)
        self.assertEqual([float(r["finish_us"]) for r in rows], [15.8, 15.9, 16.0, 16.1, 16.2, 15.8, 15.9, 16.0])
        self.assertEqual(float(rows[0]["communication_us"]), 9.4)

    def test_csv_per_collective(self):
        status, out, _ = run("summary", SAMPLE, "--csv", "--by", "collective")
        self.assertEqual(status, 0)
        rows = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual([int(r["bytes"]) for r in rows], [1 << 20, 1 << 21, 1 << 22])
        self.assertEqual({r["algorithm"] for r in rows}, {"ring"})
        self.assertEqual([int(r["npus"]) for r in rows], [8, 8, 8])
        # span over the NPUs: earliest start (NPUs 0, 5) to latest end (NPU 4)
        self.assertEqual([float(r["duration_us"]) for r in rows], [1.9, 3.4, 4.9])
        # busbw = algbw * 2(n-1)/n for an all-reduce over 8 NPUs
        for r in rows:
            self.assertAlmostEqual(float(r["busbw_gbps"]), float(r["algbw_gbps"]) * 14 / 8, delta=0.002)

    def test_csv_needs_one_table(self):
        status, _, err = run("summary", SAMPLE, "--csv")
        self.assertEqual(status, 2)
        self.assertIn("--by npu or --by collective", err)


class Timeline(unittest.TestCase):
    def test_png_has_the_requested_size(self):
        path = scratch("t.png")
        status, out, _ = run("timeline", SAMPLE, "-o", path, "--size", "800x500")
        self.assertEqual(status, 0, out)
        self.assertEqual(png_size(path), (800, 500))
        self.assertIn("8 NPUs, 64 intervals", out)

    def test_window_and_npu_selection(self):
        path = scratch("w.png")
        status, out, _ = run("timeline", SAMPLE, "-o", path, "--start", "2us", "--end", "3.5us", "--npus", "0-1,5")
        self.assertEqual(status, 0)
        self.assertEqual(png_size(path), (1600, 900))
        # Drawn: intervals overlapping the window for a positive time (NPU 0: its all-reduce;
        # NPU 1: the end of its compute and its all-reduce; NPU 5: as NPU 0) = 4.
        with h5py.File(SAMPLE, "r") as f:
            rows = f["npu/intervals"][()]
        sel = rows[np.isin(rows["npu"], [0, 1, 5]) & (rows["end"] > 2_000_000) & (rows["start"] < 3_500_000)]
        self.assertEqual(len(sel), 4)
        self.assertIn(f"3 NPUs, {len(sel)} intervals", out)

    def test_svg(self):
        path = scratch("t.svg")
        status, _, _ = run("timeline", SAMPLE, "-o", path)
        self.assertEqual(status, 0)
        with open(path) as f:
            text = f.read()
        self.assertIn("<svg", text)

    def test_empty_window_is_an_error(self):
        status, _, err = run("timeline", SAMPLE, "--start", "5us", "--end", "4us", "-o", scratch("x.png"))
        self.assertEqual(status, 2)
        self.assertIn("empty time window", err)

    def test_unknown_npu_is_an_error(self):
        status, _, err = run("timeline", SAMPLE, "--npus", "3,99", "-o", scratch("x.png"))
        self.assertEqual(status, 2)
        self.assertIn("NPU 99 is not in this run", err)


class Links(unittest.TestCase):
    def test_heatmap_png(self):
        path = scratch("l.png")
        status, out, _ = run("links", SAMPLE, "-o", path, "--size", "1200x700")
        self.assertEqual(status, 0)
        self.assertEqual(png_size(path), (1200, 700))
        self.assertIn("8 links x 17 bins", out)

    def test_top_and_window(self):
        path = scratch("l2.png")
        status, out, _ = run("links", SAMPLE, "-o", path, "--top", "3", "--start", "2us", "--end", "6us", "--metric", "bytes")
        self.assertEqual(status, 0)
        self.assertIn("3 links x 4 bins", out)


class ChromeTrace(unittest.TestCase):
    def test_events(self):
        path = scratch("trace.json")
        status, _, _ = run("chrome-trace", SAMPLE, "-o", path)
        self.assertEqual(status, 0)
        with open(path) as f:
            doc = json.load(f)
        evs = doc["traceEvents"]
        complete = [e for e in evs if e["ph"] == "X"]
        meta = [e for e in evs if e["ph"] == "M"]
        self.assertEqual(len(complete), 64)  # every interval of the run
        # per NPU: process_name, process_sort_index and threads compute, collective, send/recv
        self.assertEqual(len(meta), 8 * (2 + 3))
        self.assertEqual(len(evs), 64 + 40)
        ar = [e for e in complete if e["pid"] == 3 and e["cat"] == "collective"]
        self.assertEqual(len(ar), 3)
        self.assertEqual(ar[0]["args"]["algorithm"], "ring")
        self.assertEqual(ar[0]["args"]["bytes"], 1 << 20)
        self.assertAlmostEqual(ar[1]["dur"], 3.0)

    def test_links_counters_and_npu_filter(self):
        path = scratch("trace2.json")
        status, _, _ = run("chrome-trace", SAMPLE, "-o", path, "--links", "--npus", "2")
        self.assertEqual(status, 0)
        evs = json.load(open(path))["traceEvents"]
        self.assertEqual(len([e for e in evs if e["ph"] == "X"]), 8)
        self.assertEqual(len([e for e in evs if e["ph"] == "C"]), 8 * 17)


class Compare(unittest.TestCase):
    def test_deltas(self):
        slower = scratch("slower.h5")
        shutil.copy(SAMPLE, slower)
        with h5py.File(slower, "r+") as f:
            s = f["npu/summary"][()]
            s["finish"][2] += 1_000_000
            f["npu/summary"][...] = s
            c = f["collectives"][()]
            c["end"][c["node_id"] == 3] += 500_000
            f["collectives"][...] = c
            f.attrs["end_time_ps"] = 17_200_000
        status, out, _ = run("compare", SAMPLE, slower)
        self.assertEqual(status, 0)
        self.assertIn("B - A = +1.000 us", out)
        status, out, _ = run("compare", SAMPLE, slower, "--csv", "--by", "npu")
        rows = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual([float(r["finish_delta"]) for r in rows], [0, 0, 1.0, 0, 0, 0, 0, 0])
        self.assertAlmostEqual(float(rows[2]["finish_delta_pct"]), 100 / 16.0, places=2)
        status, out, _ = run("compare", SAMPLE, slower, "--csv", "--by", "collective")
        rows = {int(r["index"]): r for r in csv.DictReader(io.StringIO(out))}
        self.assertEqual(float(rows[1]["delta"]), 0.5)  # node 3 is each NPU's second collective
        self.assertEqual(float(rows[0]["delta"]), 0.0)
        self.assertEqual(rows[1]["in"], "both")


class Errors(unittest.TestCase):
    def test_not_a_tessera_output(self):
        other = scratch("other.h5")
        with h5py.File(other, "w") as f:
            f["x"] = np.arange(3)
        for cmd in ("summary", "timeline", "links", "chrome-trace"):
            status, _, err = run(cmd, other, "-o", scratch("o.out"))
            self.assertEqual(status, 2, cmd)
            self.assertIn("not a Tessera output", err)

    def test_text_file_and_missing_file(self):
        status, _, err = run("summary", os.path.join(SOURCE, "README.md"))
        self.assertEqual(status, 2)
        self.assertIn("not a Tessera output", err)
        missing = scratch("gone.h5")
        open(missing + ".partial.1234.00ab", "w").close()
        status, _, err = run("summary", missing)
        self.assertEqual(status, 2)
        self.assertIn("did not finish", err)

    def test_entry_point_help_and_error(self):
        for cmd in ("summary", "timeline", "links", "chrome-trace", "compare"):
            status, out, _ = run(cmd, "--help")
            self.assertEqual(status, 0)
            self.assertIn("-o PATH, --output PATH", out)
            self.assertIn("FILE.h5", out)
        p = subprocess.run([TOOL, "--help"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0)
        for cmd in ("summary", "timeline", "links", "chrome-trace", "compare"):
            self.assertIn(cmd, p.stdout)
        p = subprocess.run([TOOL, "summary", TOOL], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("not a Tessera output", p.stderr)


if __name__ == "__main__":
    unittest.main()
