"""tools/accuracy.py --quick: each quick size simulated by `tessera nccl-tests`, the table and the
plot written, the errors computed against the reference's measured figures."""
import os
import re
import subprocess
import unittest

SRC = os.environ["TESSERA_SOURCE_DIR"]
TESSERA = os.environ["TESSERA"]
OUT = os.environ["TESSERA_SCRATCH"]


class Accuracy(unittest.TestCase):
    def test_quick_sweep_writes_the_table_and_the_plot(self):
        p = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "tools", "accuracy.py"), "--quick", "--out", OUT,
                            "--tessera", TESSERA], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(os.path.join(OUT, "accuracy.md"), encoding="utf-8") as f:
            md = f.read()
        self.assertGreater(os.path.getsize(os.path.join(OUT, "images", "accuracy-nccl.png")), 10000)
        # The 1 KiB row: measured 16.17 µs, a simulated prediction, its error, NCCL's Ring LL on one CTA.
        row = re.search(r"^\| 1 KiB \| 16\.17 \| ([0-9.]+) \| ([+-][0-9.]+)% \| nccl_ring \| LL \| 1 \|$", md, re.M)
        self.assertIsNotNone(row, md)
        predicted, error = float(row.group(1)), float(row.group(2))
        self.assertAlmostEqual(error, round((predicted / 16.17 - 1) * 100, 1), delta=0.051)
        self.assertLess(abs(error), 5)

    def test_missing_binary_is_one_clear_error(self):
        p = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "tools", "accuracy.py"), "--quick", "--out", OUT,
                            "--tessera", os.path.join(OUT, "no-such-tessera")], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no-such-tessera", p.stderr)
        self.assertIn("build first", p.stderr)


if __name__ == "__main__":
    unittest.main()
