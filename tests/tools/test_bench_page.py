"""docs/performance.md is written by tools/bench.sh: every table on the page sits in a block that a
benchmark of the script rewrites, every benchmark has its block, and each block holds what the
script prints (a table, then the line saying where and when it was measured)."""
import os
import re
import subprocess
import unittest

SOURCE = os.environ.get("TESSERA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
PAGE = os.path.join(SOURCE, "docs", "performance.md")
BENCH = os.path.join(SOURCE, "tools", "bench.sh")


def blocks(text):
    """{name: block text} for every <!-- bench:NAME --> ... <!-- /bench:NAME --> pair."""
    return dict(re.findall(r"^<!-- bench:([\w-]+) -->\n(.*?)^<!-- /bench:\1 -->$", text, re.S | re.M))


class BenchPage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(PAGE, encoding="utf-8") as f:
            cls.text = f.read()
        p = subprocess.run([BENCH, "--list"], capture_output=True, text=True, timeout=30)
        cls.names = p.stdout.split()
        cls.list_status = p.returncode

    def test_every_benchmark_has_its_block(self):
        self.assertEqual(self.list_status, 0)
        self.assertGreaterEqual(len(self.names), 4)
        self.assertEqual(sorted(blocks(self.text)), sorted(self.names))
        # Each block once: --update replaces the first pair it finds.
        for name in self.names:
            self.assertEqual(self.text.count(f"<!-- bench:{name} -->"), 1, name)

    def test_no_table_outside_the_blocks(self):
        outside = re.sub(r"^<!-- bench:([\w-]+) -->\n.*?^<!-- /bench:\1 -->$", "", self.text, flags=re.S | re.M)
        rows = [line for line in outside.splitlines() if line.startswith("|")]
        self.assertEqual(rows, [], "tables on docs/performance.md must come from tools/bench.sh")

    def test_blocks_hold_a_table_and_where_it_was_measured(self):
        for name, block in blocks(self.text).items():
            if not block.strip():
                continue  # not measured yet: tools/bench.sh --update fills it
            self.assertRegex(block, r"^\| .+ \|\n\|[-:|]+\|\n", name)
            self.assertRegex(block, r"\nMeasured \d{4}-\d\d-\d\d \d\d:\d\d UTC at commit `[0-9a-f]+` \(\w+ build\) on "
                                    r"\d+ cores of .+; load average", name)

    def test_unknown_benchmark_and_option_are_refused(self):
        p = subprocess.run([BENCH, "--no-build", "no-such-benchmark"], capture_output=True, text=True, timeout=30,
                           env={**os.environ, "TESSERA_BENCH_NICE": "0"})
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown benchmark 'no-such-benchmark'", p.stderr)
        p = subprocess.run([BENCH, "--quick", "--update", PAGE], capture_output=True, text=True, timeout=30,
                           env={**os.environ, "TESSERA_BENCH_NICE": "0"})
        self.assertEqual(p.returncode, 2)
        self.assertIn("--quick figures are not the page's", p.stderr)


if __name__ == "__main__":
    unittest.main()
