"""`tessera nccl-tests`: nccl-tests' programs in simulation. Checks the table and the JSON against
nccl-tests' size and bandwidth rules, the consistency of a row with `tessera run` of the same
microbenchmark, and the refusals of bad input."""
import json
import os
import re
import shlex
import subprocess
import tempfile
import unittest

TESSERA = os.environ.get("TESSERA", "build/tessera")
SRC = os.environ.get("TESSERA_SOURCE_DIR", os.path.abspath("../../.."))
MPIRUN = shlex.split(os.environ.get("TESSERA_MPIRUN", "mpirun --allow-run-as-root --oversubscribe"))
SCRATCH = os.environ.get("TESSERA_SCRATCH", tempfile.gettempdir())
BOX = os.path.join(SRC, "configs/network/hgx-h100-1box.yaml")
N = 8  # GPUs of one HGX-H100 box

ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(-?\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\S+)\s+(\S+)\s+(\d+)\s*$")


def nccl_tests(*args, prefix=(), expect_ok=True):
    p = subprocess.run(list(prefix) + [TESSERA, "nccl-tests", *args], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=120)
    if expect_ok:
        assert p.returncode == 0, p.stdout + p.stderr
    return p


def table(stdout):
    """The data rows: lines that are not comments, parsed by the column layout."""
    rows = []
    for line in stdout.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        m = ROW.match(line)
        assert m, f"not a table row: {line!r}"
        g = m.groups()
        rows.append({"size": int(g[0]), "count": int(g[1]), "type": g[2], "redop": g[3], "root": int(g[4]),
                     "time_us": float(g[5]), "algbw": float(g[6]), "busbw": float(g[7]), "algorithm": g[8],
                     "protocol": g[9], "channels": int(g[10])})
    return rows


class NcclTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="nccl-tests-", dir=SCRATCH)

    def test_all_reduce_table_and_json(self):
        out = os.path.join(self.dir, "ar.json")
        p = nccl_tests("all_reduce_perf", "-b", "1K", "-e", "1M", "-f", "4", "--network", BOX, "--json", out)
        rows = table(p.stdout)
        self.assertEqual([r["size"] for r in rows], [1024, 4096, 16384, 65536, 262144, 1048576])
        with open(out) as f:
            j = json.load(f)
        self.assertEqual((j["collective"], j["gpus"]), ("all_reduce", N))
        self.assertEqual([r["size"] for r in j["rows"]], [r["size"] for r in rows])
        for r, jr in zip(rows, j["rows"]):
            self.assertEqual(r["count"], r["size"] // 4)  # float, per-rank buffer
            self.assertEqual((r["type"], r["redop"], r["root"]), ("float", "sum", -1))
            self.assertAlmostEqual(jr["time_us"], r["time_us"], delta=0.006)
            # algbw = size / time with GB = 10^9 B; busbw = algbw x 2(n-1)/n.
            self.assertAlmostEqual(jr["algbw_gbps"], jr["size"] / (jr["time_us"] * 1e3), places=9)
            self.assertAlmostEqual(jr["busbw_gbps"], jr["algbw_gbps"] * 2 * (N - 1) / N, places=9)
            self.assertEqual((jr["algorithm"], jr["protocol"], jr["channels"]),
                             (r["algorithm"], r["protocol"], r["channels"]))
            self.assertEqual(jr["algorithm"], "nccl_ring")  # no NVLS without multicast groups
        times = [r["time_us"] for r in j["rows"]]
        self.assertEqual(times, sorted(times))
        self.assertLess(times[0], times[-1])
        # NCCL's choice grows its CTAs with the size (docs/nccl.md §3).
        self.assertEqual((j["rows"][0]["protocol"], j["rows"][0]["channels"]), ("LL", 1))
        self.assertEqual(j["rows"][-1]["channels"], 24)

    def test_row_equals_tessera_run(self):
        # The 1 KiB row is the run of the same microbenchmark by `tessera run`.
        out = os.path.join(self.dir, "one.json")
        nccl_tests("all_reduce_perf", "-b", "1K", "-e", "1K", "--network", BOX, "--json", out)
        with open(out) as f:
            (row,) = json.load(f)["rows"]
        traces = os.path.join(self.dir, "ar1k")
        subprocess.run([TESSERA, "trace", "microbench", "--collective", "all_reduce", "--npus", str(N), "--size",
                        "1KiB", "--out", traces], check=True, capture_output=True)
        scen = os.path.join(self.dir, "ar1k.yaml")
        with open(scen, "w") as f:
            f.write(f"network: {{file: {BOX}}}\nsystem: {{file: {SRC}/configs/system/nccl-h100.yaml}}\n"
                    f"workload: {{chakra: {traces}/all_reduce}}\n")
        summary = os.path.join(self.dir, "ar1k-summary.json")
        subprocess.run([TESSERA, "run", scen, "-q", "--summary-json", summary], check=True, capture_output=True)
        with open(summary) as f:
            (c,) = json.load(f)["collectives"]
        self.assertAlmostEqual(row["time_us"], (c["end_ps"] - c["start_ps"]) / 1e6, places=6)
        self.assertEqual((row["algorithm"], row["protocol"], row["channels"]),
                         (c["algorithm"], c["protocol"], c["channels"]))

    def test_all_gather_sizes_are_the_receive_buffer(self):
        # nccl-tests: size = the whole receive buffer, count = each rank's send count; sizes not a
        # multiple of n elements round down (8 B = 2 floats: nothing per rank).
        out = os.path.join(self.dir, "ag.json")
        p = nccl_tests("all_gather_perf", "-b", "8", "-e", "64K", "-f", "8", "--network", BOX, "--json", out)
        rows = table(p.stdout)
        self.assertEqual([r["size"] for r in rows], [0, 64, 512, 4096, 32768])
        self.assertEqual([r["count"] for r in rows], [0, 2, 16, 128, 1024])
        self.assertEqual(rows[0]["time_us"], 0.0)  # count 0: NCCL returns at once
        self.assertEqual(rows[0]["redop"], "none")
        with open(out) as f:
            j = json.load(f)
        for r in j["rows"][1:]:
            self.assertAlmostEqual(r["busbw_gbps"], r["algbw_gbps"] * (N - 1) / N, places=9)
        # The 4 KiB all-gather moves what a 512 B-per-rank all-gather moves.
        traces = os.path.join(self.dir, "ag512")
        subprocess.run([TESSERA, "trace", "microbench", "--collective", "all_gather", "--npus", str(N), "--size",
                        "512", "--out", traces], check=True, capture_output=True)
        scen = os.path.join(self.dir, "ag512.yaml")
        with open(scen, "w") as f:
            f.write(f"network: {{file: {BOX}}}\nsystem: {{file: {SRC}/configs/system/nccl-h100.yaml}}\n"
                    f"workload: {{chakra: {traces}/all_gather}}\n")
        summary = os.path.join(self.dir, "ag512-summary.json")
        subprocess.run([TESSERA, "run", scen, "-q", "--summary-json", summary], check=True, capture_output=True)
        with open(summary) as f:
            (c,) = json.load(f)["collectives"]
        self.assertAlmostEqual(j["rows"][3]["time_us"], (c["end_ps"] - c["start_ps"]) / 1e6, places=6)

    def test_rooted_programs_run(self):
        for prog, redop in (("broadcast_perf", "none"), ("reduce_perf", "sum"), ("reduce_scatter_perf", "sum")):
            rows = table(nccl_tests(prog, "-b", "64K", "-e", "256K", "-f", "4", "--network", BOX).stdout)
            self.assertEqual(len(rows), 2, prog)
            for r in rows:
                self.assertEqual(r["redop"], redop)
                self.assertEqual(r["root"], 0 if prog != "reduce_scatter_perf" else -1)
                self.assertGreater(r["time_us"], 0)
                self.assertAlmostEqual(r["busbw"], r["algbw"] * ((N - 1) / N if prog == "reduce_scatter_perf" else 1),
                                       delta=0.011)

    def test_double_halves_the_count(self):
        rows = table(nccl_tests("all_reduce_perf", "-b", "4K", "-e", "4K", "-d", "double", "--network", BOX).stdout)
        self.assertEqual((rows[0]["count"], rows[0]["type"]), (512, "double"))

    def test_mpirun_prints_once(self):
        p = nccl_tests("all_reduce_perf", "-b", "1K", "-e", "4K", "-f", "4", "--network", BOX,
                       prefix=MPIRUN + ["-np", "2"])
        one = nccl_tests("all_reduce_perf", "-b", "1K", "-e", "4K", "-f", "4", "--network", BOX)
        self.assertEqual(table(p.stdout), table(one.stdout))

    def test_bad_input(self):
        cases = [
            (["allreduce_perf"], "did you mean all_reduce_perf"),
            (["all_reduce_perf", "-b", "1X"], "-b/--minbytes: '1X' is not a size"),
            (["all_reduce_perf", "-b", "1M", "-e", "1K"], "-b 1M is larger than -e 1K"),
            (["all_reduce_perf", "-x", "3"], "-x"),
            (["all_reduce_perf", "-d", "floaty"], "-d/--datatype: unknown data type"),
            (["all_reduce_perf", "-g", "4"], "the network has 8 NPUs"),
            (["all_reduce_perf", "-f", "1"], "-f/--stepfactor"),
            (["sendrecv_perf"], "sendrecv_perf is not simulated yet"),
        ]
        for args, message in cases:
            p = nccl_tests(*args, "--network", BOX, expect_ok=False)
            self.assertNotEqual(p.returncode, 0, args)
            self.assertIn(message, p.stderr, args)
            self.assertNotIn("internal error", p.stderr, args)

    def test_alltoall_and_two_boxes(self):
        # all-to-all: the size is the per-rank buffer, the count per peer (nccl-tests paramcount), busbw = algbw x (n-1)/n, NCCL's grouped p2p.
        rows = table(nccl_tests("alltoall_perf", "-b", "64K", "-e", "64K", "--network", BOX).stdout)
        (r,) = rows
        self.assertEqual((r["size"], r["count"], r["algorithm"]), (65536, 2048, "nccl_p2p"))
        self.assertAlmostEqual(r["algbw"], 65536 / (r["time_us"] * 1e3), delta=0.01)
        self.assertAlmostEqual(r["busbw"], r["algbw"] * 7 / 8, delta=0.01)
        # Two boxes: NCCL's Tree LL for a small all-reduce.
        rows = table(nccl_tests("all_reduce_perf", "-b", "1K", "-e", "1K", "--network",
                                os.path.join(SRC, "configs/network/hgx-h100-2box.yaml")).stdout)
        self.assertEqual((rows[0]["algorithm"], rows[0]["protocol"]), ("nccl_tree", "LL"))


if __name__ == "__main__":
    unittest.main()
