"""Progress lines of `tessera run`: rank 0 prints them on a wall-clock cadence on 1 and on 2 ranks
(a single rank runs one engine window, so this needs the engine's in-window clock check),
`--quiet` prints none, and printing them changes no result."""
import os
import shlex
import subprocess
import unittest

SOURCE = os.environ.get("TESSERA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("TESSERA_BIN", "")
MPIRUN = shlex.split(os.environ.get("TESSERA_MPIRUN", "mpirun"))
E2E = os.environ.get("TESSERA_E2E_DIR", "")
SCRATCH = os.environ.get("TESSERA_SCRATCH", "/tmp/tessera-progress")
SCENARIO = os.path.join(SOURCE, "configs", "scenarios", "default.yaml")
LINE = "tessera: simulated "


def run(name, np_, *extra):
    folder = os.path.join(SCRATCH, name)
    os.makedirs(folder, exist_ok=True)
    cmd = ([BIN] if np_ == 1 else MPIRUN + ["-np", str(np_), BIN]) + [
        "run", SCENARIO, "--summary-json", "summary.json", *extra]
    p = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=200)
    if p.returncode != 0:
        raise AssertionError(f"{cmd} failed ({p.returncode}):\n{p.stderr}")
    with open(os.path.join(folder, "summary.json")) as f:
        return p.stderr, f.read()


class Progress(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(E2E, "np1", "summary.json")) as f:
            cls.reference = f.read()  # the same scenario run with --quiet (no progress)

    def check_lines(self, stderr):
        lines = [l for l in stderr.splitlines() if LINE in l]
        self.assertGreaterEqual(len(lines), 2, stderr[-2000:])
        for l in lines:
            self.assertRegex(l, r"tessera: simulated .* \| \d+ events \| .* events/s \| rank 0 nodes \d+/\d+ "
                                r"\(\d+\.\d%\) \| (ETA ~\d+ s|ETA unknown|ETA: finishing) \| wall \d+\.\d s")
        return lines

    def test_one_rank(self):
        stderr, summary = run("np1", 1, "--progress-interval", "0.000001")
        self.check_lines(stderr)
        self.assertEqual(summary, self.reference)

    def test_two_ranks(self):
        stderr, summary = run("np2", 2, "--progress-interval", "0.000001")
        lines = self.check_lines(stderr)
        # Only rank 0 prints: the node counts are rank 0's share of the 8 NPUs' traces.
        self.assertTrue(all("rank 0 nodes" in l for l in lines))
        self.assertEqual(summary, self.reference)

    def test_quiet_prints_none(self):
        stderr, summary = run("quiet", 1, "--progress-interval", "0.000001", "--quiet")
        self.assertNotIn(LINE, stderr)
        self.assertEqual(summary, self.reference)


if __name__ == "__main__":
    unittest.main()
