"""What a reader sees on the console from the real `tessera` binary: the run summary's collective
table (which rows, in which order, the totals per type, times in a readable unit with one
spelling), the closing stderr line after the table under mpirun, `tessera run` with no argument,
help that ends with examples that work, and `tessera schema --grep`."""
import json
import os
import re
import shlex
import subprocess
import unittest

SOURCE = os.environ.get("TESSERA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("TESSERA_BIN", os.path.join(SOURCE, "build", "tessera"))
MPIRUN = shlex.split(os.environ.get("TESSERA_MPIRUN", "mpirun"))
SCRATCH = os.path.join(os.environ.get("TESSERA_SCRATCH", "/tmp"), "console")
DEFAULT = os.path.join(SOURCE, "configs", "scenarios", "default.yaml")

# A time as the summary prints it: three decimals and a unit.
TIME = re.compile(r"(\d+\.\d{3}) (ps|ns|µs|ms|s)\b")
SCALE = {"ps": 1, "ns": 10**3, "µs": 10**6, "ms": 10**9, "s": 10**12}


def tessera(*args, cwd=SOURCE, merged=False):
    """(exit status, stdout, stderr); with merged, stderr goes into stdout's pipe."""
    p = subprocess.run([BIN, *map(str, args)], cwd=cwd, stdin=subprocess.DEVNULL, capture_output=not merged,
                       stdout=subprocess.PIPE if merged else None, stderr=subprocess.STDOUT if merged else None,
                       text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr or ""


def format_time(ps):
    """The summary's own rule: three decimals in the largest unit not above the value."""
    for unit in ("s", "ms", "µs", "ns"):
        if ps >= SCALE[unit]:
            return f"{ps / SCALE[unit]:.3f} {unit}"
    return f"{ps} ps"


def format_bytes(b):
    units = ["B", "KiB", "MiB", "GiB", "TiB"]
    v, u = float(b), 0
    while v >= 1024 and u < 4:
        v, u = v / 1024, u + 1
    return f"{b} B" if u == 0 else f"{v:.2f} {units[u]}"


def table_rows(text):
    """The collective table's rows: (index, type, time in ps), in print order."""
    rows, inside = [], False
    for line in text.splitlines():
        if "busbw GB/s" in line:
            inside = True
            continue
        if inside:
            if line.startswith("  total by type") or not line.strip():
                break
            m = TIME.search(line)
            fields = line.split()
            rows.append((int(fields[0]), fields[1], round(float(m.group(1)) * SCALE[m.group(2)])))
    return rows


class Summary(unittest.TestCase):
    """The default scenario (ResNet-50, 54 all-reduces) on one process, checked against its own
    summary JSON."""

    @classmethod
    def setUpClass(cls):
        os.makedirs(SCRATCH, exist_ok=True)
        js = os.path.join(SCRATCH, "default.json")
        # A short interval: the run takes about 0.1 s, and the test needs progress lines on stderr.
        cls.rc, cls.out, cls.err = tessera("run", DEFAULT, "--summary-json", js, "--progress-interval", "0.005")
        with open(js) as f:
            cls.json = json.load(f)

    def test_the_40_longest_longest_first(self):
        self.assertEqual(self.rc, 0, self.err)
        colls = self.json["collectives"]
        self.assertEqual(len(colls), 54)
        self.assertIn("collectives: 54 (GB = 10^9 B, nccl-tests algbw/busbw); the 40 longest, longest first\n", self.out)
        rows = table_rows(self.out)
        self.assertEqual(len(rows), 40)
        times = [t for _, _, t in rows]
        self.assertEqual(times, sorted(times, reverse=True), self.out)
        # The rows shown are the longest: ordered by (time descending, index), as the JSON gives them.
        by_time = sorted(colls, key=lambda c: (-(c["end_ps"] - c["start_ps"]), c["index"]))[:40]
        self.assertEqual([i for i, _, _ in rows], [c["index"] for c in by_time])
        for (_, _, t), c in zip(rows, by_time):
            self.assertEqual(format_time(t), format_time(c["end_ps"] - c["start_ps"]))

    def test_totals_per_type_count_every_collective(self):
        colls = self.json["collectives"]
        total_bytes = sum(c["bytes"] for c in colls)
        total_time = sum(c["end_ps"] - c["start_ps"] for c in colls)
        self.assertEqual({c["comm_type"] for c in colls}, {0})
        line = f"  {'all-reduce':<20} {54:>6} {format_bytes(total_bytes):>11} {format_time(total_time):>14}\n"
        self.assertIn(f"  {'total by type':<20} {'count':>6} {'size':>11} {'time (sum)':>14}\n" + line, self.out)

    def test_times_in_a_readable_unit_one_spelling(self):
        seen = TIME.findall(self.out + self.err)
        self.assertGreater(len(seen), 60)
        for value, unit in seen:
            # The largest unit not above the value: 1 <= value < 1000 except in seconds.
            self.assertGreaterEqual(float(value), 1.0, (value, unit))
            if unit != "s":
                self.assertLess(float(value), 1000.0, (value, unit))
        self.assertEqual({u for _, u in seen} & {"s", "ms", "µs"}, {"s", "ms", "µs"})
        # "µs" everywhere, never "us", in the summary and in the progress lines on stderr.
        self.assertIn("tessera: simulated", self.err)
        self.assertIsNone(re.search(r"\dus\b|\d us\b|\(us\)", self.out + self.err))


class ClosingLine(unittest.TestCase):
    """`tessera: N events in ...` (stderr) comes after the whole stdout report, also when mpirun
    copies the two streams separately and both end up in one file."""

    def check_last(self, text):
        lines = [l for l in text.splitlines() if l.strip()]
        self.assertRegex(lines[-1], r"^tessera: \d+ events in [\d.]+ s on \d rank", text)
        self.assertEqual(sum("events in" in l for l in lines), 1, text)
        self.assertTrue(lines[-2].startswith("  all-reduce "), text)  # the totals line ends the report

    def test_one_process(self):
        rc, out, _ = tessera("run", DEFAULT, "--progress-interval", "100", merged=True)
        self.assertEqual(rc, 0, out)
        self.check_last(out)

    def test_under_mpirun_two_ranks(self):
        for _ in range(3):  # without the pause for mpirun's copy, nearly every run interleaves
            p = subprocess.run([*MPIRUN, "-np", "2", BIN, "run", DEFAULT, "--progress-interval", "100"], cwd=SOURCE,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=120)
            self.assertEqual(p.returncode, 0, p.stdout)
            self.check_last(p.stdout)


class NoArgument(unittest.TestCase):
    def test_run_and_validate_show_the_usual_invocations(self):
        for command in ("run", "validate"):
            rc, out, err = tessera(command)
            self.assertEqual(rc, 2, command)
            self.assertEqual(out, "")
            self.assertIn("nothing to load", err)
            self.assertIn(f"\n  tessera {command} configs/scenarios/default.yaml\n", err)
            self.assertIn(f"\n  tessera {command} --workload-configuration=", err)
            self.assertIn("--remote-memory-configuration=", err)


# Every `tessera ... --help` ends with examples; each is run as written (in a folder where
# configs/ and traces/ are the repository's), mpirun with the test's launcher.
HELP = ([], ["run"], ["validate"], ["schema"], ["plan"], ["trace"], ["trace", "inspect"], ["trace", "microbench"],
        ["trace", "dump"], ["trace", "convert-text"])


def examples(help_text):
    """The command lines after the last 'Example(s):' line, continuation lines joined, comments cut."""
    lines = help_text.rstrip("\n").splitlines()
    start = max(i for i, l in enumerate(lines) if l in ("Example:", "Examples:"))
    out, pending = [], ""
    for line in lines[start + 1:]:
        if not line.startswith("  "):
            continue
        line = pending + line.strip()
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        out.append(shlex.split(line, comments=True))
    return out


class Help(unittest.TestCase):
    def test_every_help_ends_with_examples_that_run(self):
        work = os.path.join(SCRATCH, "examples")
        os.makedirs(work, exist_ok=True)
        for name in ("configs", "traces"):
            link = os.path.join(work, name)
            if not os.path.islink(link):
                os.symlink(os.path.join(os.path.abspath(SOURCE), name), link)
        ran = 0
        for args in HELP:
            rc, out, _ = tessera(*args, "--help")
            self.assertEqual(rc, 0, args)
            # The examples close the help: at most one line of pointers follows them.
            tail = out.rstrip("\n").splitlines()[-9:]
            self.assertTrue(any(l in ("Example:", "Examples:") for l in tail), (args, out))
            cmds = examples(out)
            self.assertGreater(len(cmds), 0, args)
            for cmd in cmds:
                self.assertIn(cmd[0], ("tessera", "mpirun"), cmd)
                argv = [*MPIRUN, "-np", cmd[2], BIN, *cmd[4:]] if cmd[0] == "mpirun" else [BIN, *cmd[1:]]
                if cmd[0] == "mpirun":
                    self.assertEqual((cmd[1], cmd[3]), ("-np", "tessera"), cmd)
                p = subprocess.run(argv, cwd=work, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                   timeout=120)
                self.assertEqual(p.returncode, 0, f"{' '.join(cmd)}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
                ran += 1
        self.assertGreaterEqual(ran, 15)


class SchemaGrep(unittest.TestCase):
    def test_filters_the_parameter_list(self):
        rc, full, _ = tessera("schema")
        self.assertEqual(rc, 0)
        rc, out, _ = tessera("schema", "--grep", "bandwidth")
        self.assertEqual(rc, 0)
        self.assertIn("nvlink_bandwidth", out)
        self.assertNotIn("preferred-dataset-splits", out)
        self.assertLess(len(out), len(full) / 3)
        rc, out, _ = tessera("schema", "--format", "json", "--grep", "BandWidth")
        self.assertEqual(rc, 0)
        kept = [(s["section"], p) for s in json.loads(out) for p in s["params"]]
        self.assertGreater(len(kept), 5)
        for section, p in kept:
            self.assertIn("bandwidth", " ".join([section, p["key"], p["unit"], p["doc"]]).lower(), p)
        rc, _, err = tessera("schema", "--grep", "no-such-word-in-any-parameter")
        self.assertEqual(rc, 2)
        self.assertIn('--grep: no parameter matches "no-such-word-in-any-parameter"', err)


if __name__ == "__main__":
    unittest.main()
