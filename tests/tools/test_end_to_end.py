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
    return os.path.join(E2E, np_ if isinstance(np_, str) else f"np{np_}", name)


def run(*argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main([str(a) for a in argv])
    return status, out.getvalue()


class EndToEnd(unittest.TestCase):
    def test_same_content_on_1_2_and_4_ranks(self):
        self.assertEqual(differences(path(1, "run.h5"), path(2, "run.h5")), [])
        self.assertEqual(differences(path(1, "run.h5"), path(4, "run.h5")), [])
        self.assertEqual(differences(path("aware_np1", "run.h5"), path("aware_np2", "run.h5")), [])

    def check_links(self, f):
        """/links holds every link's totals and a series that adds up to them."""
        totals = f["links/totals"][()]
        self.assertGreater(len(totals), 0)
        width = int(f.attrs["link_bin_width_ps"])
        self.assertGreater(width, 0)
        end = int(f.attrs["end_time_ps"])
        nbins = f["links/bytes"].shape[1]
        self.assertEqual(nbins, -(-end // width))
        self.assertTrue(100 < nbins <= 200, nbins)  # automatic width: at most 200 bins, more than 100
        by = f["links/bytes"][()]
        busy = f["links/busy_fraction"][()]
        self.assertEqual([int(x) for x in by.sum(axis=1)], [int(x) for x in totals["bytes"]])
        self.assertTrue(((busy >= 0) & (busy <= 1 + 1e-12)).all())
        for got, want in zip(busy.sum(axis=1) * width, totals["busy"]):
            self.assertAlmostEqual(got, int(want), delta=1e-6 * max(1, int(want)))
        self.assertGreater(int(totals["bytes"].sum()), 0)
        names = f["strings"][()]
        self.assertTrue(all(b" -> " in names[i] for i in totals["name"]))

    def test_links_packet_and_aware(self):
        with h5py.File(path(2, "run.h5"), "r") as f:
            self.assertTrue(f.attrs["link_stats"].decode().startswith("packet model"))
            self.check_links(f)
            # NPU NICs send, and NVSwitch ports forward: both kinds of link carried traffic.
            names = f["strings"][()]
            busy_from = {names[r["name"]].split(b":")[0].split(b"/")[0] for r in f["links/totals"][()] if r["bytes"] > 0}
            self.assertEqual(busy_from, {b"npu", b"sw"})
        with h5py.File(path("aware_np2", "run.h5"), "r") as f:
            self.assertTrue(f.attrs["link_stats"].decode().startswith("astra-congestion-aware"))
            self.check_links(f)

    def test_no_links_under_the_unaware_model(self):
        with h5py.File(path("unaware_np1", "run.h5"), "r") as f:
            self.assertTrue(f.attrs["link_stats"].decode().startswith("none"))
            self.assertEqual(f["links/totals"].shape[0], 0)

    def test_algorithm_and_config(self):
        with h5py.File(path(2, "run.h5"), "r") as f:
            names = f["strings"][()]
            colls = f["collectives"][()]
            self.assertGreater(len(colls), 0)
            # The scenario's all-reduces run "ring" on its one dimension (all-to-all would be "direct").
            self.assertEqual({names[a] for a in colls["algorithm"]}, {b"ring"})
            iv = f["npu/intervals"][()]
            coll_rows = iv[iv["kind"] == 7]
            self.assertEqual({names[a] for a in coll_rows["algorithm"]}, {b"ring"})
            self.assertTrue((iv[iv["kind"] != 7]["algorithm"] == 0).all())
            config = json.loads(f.attrs["config"])
            self.assertEqual(config["format"], "tessera-config/1")
            self.assertEqual(config["network"]["topology"], "hgx_h100")
            self.assertEqual(config["network"]["npu_count"], int(f.attrs["num_npus"]))
            self.assertEqual(config["system"]["all_reduce_implementation"]["per_dimension"], ["ring"])
            self.assertEqual(config["simulation"]["network_model"], "packet")
            self.assertIn("hgx_h100", f.attrs["config_text"].decode())

    def test_links_heatmap(self):
        png = path(2, "links.png")
        status, _ = run("links", path(2, "run.h5"), "-o", png, "--size", "800x500")
        self.assertEqual(status, 0)
        with open(png, "rb") as f:
            self.assertEqual(struct.unpack(">II", f.read(24)[16:24]), (800, 500))

    def test_contents_match_the_summary_json(self):
        with open(path(2, "summary.json")) as f:
            summary = json.load(f)
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
            self.assertEqual((mine["algorithm"], mine["chunks"]), (theirs["algorithm"], str(theirs["chunks"])))
            self.assertEqual((theirs["algorithm"], theirs["chunks"]), ("ring", 4))

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
