"""`tessera run configs/scenarios/default.yaml --output run.h5` on 1 and 2 ranks: the files have
the same content, and tessera-analyze's figures match the run's own summary JSON."""
import contextlib
import csv
import io
import json
import os
import struct
import sys
import unittest

import h5py

from h5_content import differences

SOURCE = os.environ.get("TESSERA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tools"))
from tessera_analyze.cli import main  # noqa: E402

E2E = os.environ.get("TESSERA_E2E_DIR", "")


def path(np_, name):
    return os.path.join(E2E, f"np{np_}", name)


def run(*argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main([str(a) for a in argv])
    return status, out.getvalue()


class EndToEnd(unittest.TestCase):
    def test_same_content_on_1_and_2_ranks(self):
        self.assertEqual(differences(path(1, "run.h5"), path(2, "run.h5")), [])

    def test_contents_match_the_summary_json(self):
        summary = json.load(open(path(2, "summary.json")))
        with h5py.File(path(2, "run.h5"), "r") as f:
            self.assertEqual(int(f.attrs["end_time_ps"]), summary["end_time_ps"])
            self.assertEqual(int(f.attrs["num_npus"]), summary["npu_count"])
            self.assertEqual(f.attrs["events"].decode(), str(summary["events"]))
            s = f["npu/summary"][()]
            self.assertEqual([int(x) for x in s["finish"]], [n["finish_ps"] for n in summary["npus"]])
            # Every executed node has one interval; the last one ends when the NPU finishes.
            ix = f["index/intervals"][()]
            rows = f["npu/intervals"]
            for n, js in enumerate(summary["npus"]):
                tl = rows[ix[n]:ix[n + 1]]
                self.assertEqual(len(tl), js["nodes"])
                self.assertEqual(int(tl["end"].max()), js["finish_ps"])
            names = f["strings"][()]
            self.assertTrue(any(b"conv" in x.lower() or b"comm" in x.lower() for x in names), names[:10])
        status, out = run("summary", path(2, "run.h5"), "--csv", "--by", "collective")
        self.assertEqual(status, 0)
        rows = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual(len(rows), len(summary["collectives"]))
        for mine, theirs in zip(rows, summary["collectives"]):
            self.assertEqual(int(mine["bytes"]), theirs["bytes"])
            self.assertEqual(int(mine["npus"]), theirs["npus"])
            self.assertAlmostEqual(float(mine["duration_us"]), (theirs["end_ps"] - theirs["start_ps"]) / 1e6, places=3)

    def test_timeline_and_chrome_trace(self):
        png = path(2, "timeline.png")
        status, _ = run("timeline", path(2, "run.h5"), "-o", png, "--size", "1000x400")
        self.assertEqual(status, 0)
        with open(png, "rb") as f:
            self.assertEqual(struct.unpack(">II", f.read(24)[16:24]), (1000, 400))
        trace = path(2, "trace.json")
        status, _ = run("chrome-trace", path(2, "run.h5"), "-o", trace)
        self.assertEqual(status, 0)
        evs = json.load(open(trace))["traceEvents"]
        with h5py.File(path(2, "run.h5"), "r") as f:
            self.assertEqual(len([e for e in evs if e["ph"] == "X"]), f["npu/intervals"].shape[0])


if __name__ == "__main__":
    unittest.main()
