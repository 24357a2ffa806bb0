"""The flow network model (docs/network.md, "The flow model"): NCCL's collectives timed whole from
one packet-model measurement per distinct call. It must choose what the packet model chooses and
agree with it within 3 % on nccl-tests sweeps, within 5 % on a contended LLM step (pipeline sends
and cross-box data-parallel rings sharing the NICs), give byte-identical summaries on 1, 2 and 4
ranks, be the default for LLM scenarios with NCCL on HGX boxes, and refuse what it cannot run."""
import json
import os
import shlex
import subprocess
import tempfile
import unittest

TESSERA = os.environ.get("TESSERA", "build/tessera")
SRC = os.environ.get("TESSERA_SOURCE_DIR", os.path.abspath("../../.."))
MPIRUN = shlex.split(os.environ.get("TESSERA_MPIRUN", "mpirun --allow-run-as-root --oversubscribe"))
SCRATCH = os.environ.get("TESSERA_SCRATCH", tempfile.gettempdir())
NET = os.path.join(SRC, "configs/network")
NCCL = os.path.join(SRC, "configs/system/nccl-h100.yaml")


def run(cmd, expect_ok=True):
    p = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
    if expect_ok:
        assert p.returncode == 0, " ".join(cmd) + "\n" + p.stdout + p.stderr
    return p


class FlowModel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="flow-", dir=SCRATCH)
        # The contended case: Llama-2-7B's layers cut to 4, TP4 x PP2 (2 virtual stages) x DP4 on 4
        # boxes: each data-parallel ring spans two boxes and the pipeline sends cross boxes too, so
        # both share the GPUs' NICs while the interleaved schedule overlaps them.
        with open(os.path.join(NET, "hgx-h100-8boxes.yaml")) as f:
            net = f.read().replace("\n  boxes: 8\n", "\n  boxes: 4\n")
        cls.net4 = os.path.join(cls.dir, "hgx-h100-4boxes.yaml")
        with open(cls.net4, "w") as f:
            f.write(net)
        cls.scenario = os.path.join(cls.dir, "contended.yaml")
        with open(cls.scenario, "w") as f:
            f.write(f"""network: {{file: {cls.net4}}}
system: {{file: {NCCL}}}
npu: {{preset: h100-sxm}}
workload:
  llm:
    model: {{preset: llama2-7b, layers: 4}}
    seq_len: 2048
    global_batch: 16
    micro_batch: 1
    tp: 4
    pp: 2
    vp: 2
    sequence_parallel: true
    distributed_optimizer: true
    bucket_params: 20000000
""")

    def sweep(self, program, network, lo, hi, factor, model):
        out = os.path.join(self.dir, f"{program}-{os.path.basename(network)}-{model}.json")
        run([TESSERA, "nccl-tests", program, "-b", lo, "-e", hi, "-f", factor, "--network", network, "--system",
             NCCL, "--network-model", model, "--json", out])
        with open(out) as f:
            return json.load(f)["rows"]

    def assert_sweeps_agree(self, program, network, lo, hi, factor):
        flow = self.sweep(program, network, lo, hi, factor, "flow")
        packet = self.sweep(program, network, lo, hi, factor, "packet")
        self.assertEqual(len(flow), len(packet))
        for f, p in zip(flow, packet):
            self.assertEqual((f["size"], f["algorithm"], f["protocol"], f["channels"]),
                             (p["size"], p["algorithm"], p["protocol"], p["channels"]))
            self.assertLessEqual(abs(f["time_us"] / p["time_us"] - 1), 0.03, (program, f, p))

    def test_one_box_sweeps_agree_with_packet(self):
        box = os.path.join(NET, "hgx-h100-1box.yaml")
        self.assert_sweeps_agree("all_reduce_perf", box, "1K", "256M", "8")
        self.assert_sweeps_agree("reduce_scatter_perf", box, "64K", "64M", "32")
        self.assert_sweeps_agree("all_gather_perf", box, "64K", "64M", "32")

    def test_two_box_sweeps_agree_with_packet(self):
        two = os.path.join(NET, "hgx-h100-2box.yaml")
        self.assert_sweeps_agree("all_reduce_perf", two, "1K", "32M", "32")  # to NVLSTree at 32 MiB
        self.assert_sweeps_agree("alltoall_perf", two, "1M", "16M", "16")

    def test_partly_filled_leaf_runs(self):
        # 6 boxes = 48 NICs: the second leaf of the fat-tree has spare ports (no link, no bandwidth).
        with open(os.path.join(NET, "hgx-h100-8boxes.yaml")) as f:
            net = f.read().replace("\n  boxes: 8\n", "\n  boxes: 6\n")
        six = os.path.join(self.dir, "hgx-h100-6boxes.yaml")
        with open(six, "w") as f:
            f.write(net)
        self.assert_sweeps_agree("all_reduce_perf", six, "1M", "1M", "2")

    def summary(self, model, ranks=1):
        out = os.path.join(self.dir, f"contended-{model}-{ranks}.json")
        cmd = [TESSERA, "run", self.scenario, "--quiet", "--summary-json", out]
        if model:
            cmd += ["--network-model", model]
        if ranks > 1:
            cmd = MPIRUN + ["-np", str(ranks)] + cmd
        run(cmd)
        with open(out, "rb") as f:
            raw = f.read()
        return raw, json.loads(raw)

    def test_contended_step_agrees_with_packet(self):
        _, flow = self.summary(None)  # the default for this scenario
        self.assertEqual(flow["network_model"], "flow")
        _, packet = self.summary("packet")
        f, p = flow["llm"]["step_time_ps"], packet["llm"]["step_time_ps"]
        self.assertLessEqual(abs(f / p - 1), 0.05, (f, p))
        fc = sum(n["communication_ps"] for n in flow["npus"])
        pc = sum(n["communication_ps"] for n in packet["npus"])
        self.assertLessEqual(abs(fc / pc - 1), 0.05, (fc, pc))
        self.assertLess(flow["events"] * 10, packet["events"])

    def test_identical_on_1_2_4_ranks(self):
        one, _ = self.summary("flow")
        for ranks in (2, 4):
            raw, _ = self.summary("flow", ranks)
            self.assertEqual(raw, one, f"{ranks} ranks")

    def test_explicit_placement_runs_and_matches(self):
        # Each packet measurement runs on one rank of its own, whatever placement the run asks for:
        # the 32 NPUs split by pipeline stage half (boxes 0, 2 on rank 0; 1, 3 on rank 1).
        placed = os.path.join(self.dir, "contended-placed.yaml")
        ranks = [(n // 8) % 2 for n in range(32)]
        with open(self.scenario) as f, open(placed, "w") as g:
            g.write(f.read() + f"simulation:\n  placement: explicit\n  rank_of_npu: {ranks}\n")
        out = os.path.join(self.dir, "contended-placed.json")
        run(MPIRUN + ["-np", "2", TESSERA, "run", placed, "--quiet", "--summary-json", out])
        with open(out) as f:
            got = json.load(f)
        _, want = self.summary("flow")
        self.assertEqual(got.pop("source"), placed)
        want.pop("source")
        self.assertEqual(got, want)

    def test_refuses_astra_collectives(self):
        p = run([TESSERA, "run", os.path.join(SRC, "configs/scenarios/llm/llama2-7b-2layers-tp2-dp4.yaml"),
                 "--network-model", "flow"], expect_ok=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("simulation.network_model", p.stderr)
        self.assertIn("collective_library: nccl", p.stderr)
        self.assertEqual(p.stderr.count("error:"), 1, p.stderr)


if __name__ == "__main__":
    unittest.main()
