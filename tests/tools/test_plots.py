"""The plots of tools/tessera-analyze as a reader sees them, on the real binary's output (the
default scenario's whole ResNet-50 iteration, 1.082 s, and ASTRA-sim's 8-NPU ring under the
congestion-aware model) and on the writer's sample file: the time unit chosen from the window, no
multiplier on the axis, the scenario and network model in every title, and a note with a working
zoom command when communication is too thin to see. Text is read from SVG files written with
real text elements (svg.fonttype none)."""
import contextlib
import io
import os
import re
import shlex
import sys
import unittest

import matplotlib

SOURCE = os.environ.get("TESSERA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tools"))
from tessera_analyze.cli import main  # noqa: E402

E2E = os.environ.get("TESSERA_E2E_DIR", "")
WHOLE = os.path.join(E2E, "np1", "run.h5")          # configs/scenarios/default.yaml, packet model
AWARE = os.path.join(E2E, "aware_np1", "run.h5")    # configs/scenarios/ring-8-inline.yaml
SAMPLE = os.path.join(os.environ.get("TESSERA_SAMPLE_H5_DIR", ""), "np2.h5")  # no run attributes
SCRATCH = os.path.join(os.environ.get("TESSERA_SCRATCH", "/tmp"), "plots")

matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in the SVG


def plot(*argv):
    """Runs tessera-analyze in-process; returns (status, stdout, the SVG's text elements)."""
    os.makedirs(SCRATCH, exist_ok=True)
    path = os.path.join(SCRATCH, f"{len(os.listdir(SCRATCH))}.svg")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main([*map(str, argv), "-o", path])
    with open(path, encoding="utf-8") as f:
        texts = re.findall(r"<text[^>]*>([^<]*)<", f.read())
    return status, out.getvalue(), [t.strip() for t in texts]


class Timeline(unittest.TestCase):
    def test_whole_run_in_seconds_without_a_multiplier(self):
        status, out, texts = plot("timeline", WHOLE)
        self.assertEqual(status, 0)
        self.assertIn("time (s)", texts)
        self.assertNotIn("time (us)", texts)
        ticks = [t for t in texts if re.fullmatch(r"[0-9.]+", t)]
        self.assertIn("1.0", ticks)
        self.assertFalse([t for t in texts if re.search(r"1e[0-9]|×10|\+[0-9]", t)], texts)  # no offset text
        self.assertIn("0-1.08246 s", out)

    def test_titles_name_the_scenario_and_model(self):
        _, _, texts = plot("timeline", WHOLE)
        self.assertTrue(any(re.search(r"configs/scenarios/default\.yaml, packet model, hgx_h100 \[8\]$", t)
                            for t in texts), texts)
        _, _, texts = plot("timeline", AWARE)
        self.assertTrue(any(re.search(r"ring-8-inline\.yaml, astra-congestion-aware model, ", t) for t in texts),
                        texts)
        _, _, texts = plot("links", AWARE)
        self.assertTrue(any(re.search(r"ring-8-inline\.yaml, astra-congestion-aware model, ", t) for t in texts),
                        texts)
        _, _, texts = plot("timeline", SAMPLE)
        self.assertIn("np2.h5 (no scenario recorded), network model not recorded", texts)

    def test_thin_communication_is_named_with_a_zoom_that_works(self):
        status, out, texts = plot("timeline", WHOLE)
        self.assertEqual(status, 0)
        notes = [t for t in texts if t.startswith("communication is ")]
        self.assertEqual(len(notes), 1, texts)
        share = float(re.match(r"communication is ([0-9.]+)% of this window", notes[0]).group(1))
        self.assertLess(share, 3.0)
        self.assertGreater(share, 0.0)
        self.assertIn(notes[0], out)  # printed too, for a copy and paste
        command = shlex.split(notes[0].split(": ", 1)[1])
        self.assertEqual(command[:3], ["tessera-analyze", "timeline", WHOLE])
        self.assertEqual(command[3::2], ["--start", "--end"])
        # The zoom shows the longest collective wide: no note, an axis in ms or µs.
        status, out, texts = plot(*command[1:])
        self.assertEqual(status, 0)
        self.assertFalse([t for t in texts if t.startswith("communication is ")], texts)
        self.assertTrue({"time (ms)", "time (µs)"} & set(texts), texts)
        self.assertRegex(out, r"8 NPUs, [1-9][0-9]* intervals")

    def test_readme_window_in_ms(self):
        status, out, texts = plot("timeline", WHOLE, "--start", "389.1ms", "--end", "389.45ms")
        self.assertEqual(status, 0)
        self.assertIn("time (ms)", texts)
        self.assertIn("389.10", texts)
        self.assertIn("389.1-389.45 ms", out)
        self.assertFalse([t for t in texts if t.startswith("communication is ")])

    def test_short_run_in_microseconds(self):
        status, out, texts = plot("timeline", SAMPLE)
        self.assertEqual(status, 0)
        self.assertIn("time (µs)", texts)
        self.assertIn("0-16.2 µs", out)


class Links(unittest.TestCase):
    def test_whole_run_units_and_idle_note(self):
        status, out, texts = plot("links", WHOLE)
        self.assertEqual(status, 0)
        self.assertIn("time (s)", texts)
        self.assertTrue(any(re.search(r"default\.yaml, packet model, hgx_h100 \[8\]$", t) for t in texts), texts)
        self.assertTrue(any(re.match(r"link busy fraction per [0-9.]+ ms bin \(16 of 16 links\)$", t) for t in texts),
                        texts)
        notes = [t for t in texts if t.startswith("no bin is more than ")]
        self.assertEqual(len(notes), 1, texts)
        self.assertIn("--link-stats-interval", notes[0])
        self.assertIn(notes[0], out)

    def test_busy_window_has_no_note(self):
        status, _, texts = plot("links", SAMPLE)
        self.assertEqual(status, 0)
        self.assertIn("time (µs)", texts)
        self.assertFalse([t for t in texts if t.startswith("no bin is more than ")], texts)


if __name__ == "__main__":
    unittest.main()
