"""The NCCL model on the packet network (docs/nccl.md §7-§8), checked end to end through
`tessera run`: each test writes a one-collective workload and a scenario, runs it and reads the
summary JSON."""
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

# docs/nccl.md §8 (src/collective/nccl/timing.cpp), in µs and GB/s, and the network's NVLink
# (configs/network/hgx-h100-1box.yaml): two 155 ns links GPU -> NVSwitch -> GPU at 370.8 GB/s.
F, F_CTA = 6.09, 0.070
LL_STEP = 0.712 - 0.31          # NCCL's a less the hop the network adds
LL_RATE = 43.0                  # GB/s of LL wire bytes per CTA
LL128_EXTRA, LL128_TRIP = 1.3, 0.523
COPY_CALL, SIMPLE_RATE = 0.648, 20.3
SIMPLE_LOCAL_RATE = 2 * SIMPLE_RATE  # a step that only receives: local HBM, no NVLink stores
LINK_US, NVLINK_GBPS = 0.155, 370.8
FLAG = 8                        # bytes of a flag or credit store
# configs/network/hgx-h100-{2,4}box.yaml: each GPU's NIC on the InfiniBand leaf, 100 ns links at NDR
# 400 Gb/s, 200 ns per switch; the CPU proxy on both sides of a network step (1 µs on Intel hosts).
IB_LINK_US, IB_SWITCH_US, NIC_GBPS, PROXY_US = 0.1, 0.2, 50.0, 1.0
NVLS_COPY_RATE = 18.9           # GB/s per CTA, scatter and gather
NVLS_REDUCE_FIXED, NVLS_REDUCE_RATE = 1.16, 2.50
SIGNAL = 1.53                   # ℓ, including the NVLink hop of the post
NVLSTREE_BCAST_RATE = NVLS_REDUCE_RATE * 4 / 5  # the broadcast group's 4 warps at the reduce op's 5-warp pace
NIC_PAYLOAD_GBPS = 48.9         # configs/network/hgx-h100-*box.yaml nic_bandwidth
# 1 x DGX H100 all_reduce_perf, in-place, measured (docs/nccl.md §8a), µs.
NVLS_REFERENCE = {"2MiB": 42.09, "4MiB": 53.82, "8MiB": 82.03, "16MiB": 123.0, "64MiB": 324.7}


def hop(nbytes):
    """One GPU -> NVSwitch -> GPU delivery of a small message on idle links (store and forward)."""
    return 2 * (LINK_US + nbytes / (NVLINK_GBPS * 1e3))


def net_hop(nbytes):
    """A network step between boxes: proxy, GPU -> IB leaf -> GPU, proxy."""
    return 2 * PROXY_US + 2 * (IB_LINK_US + nbytes / (NIC_GBPS * 1e3)) + IB_SWITCH_US


class NcclModel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="nccl-", dir=SCRATCH)

    def trace(self, collective, npus, size):
        out = os.path.join(self.dir, f"{collective}-{npus}-{size}")
        if not os.path.isdir(out):
            subprocess.run([TESSERA, "trace", "microbench", "--collective", collective, "--npus", str(npus),
                            "--size", size, "--out", out], check=True, capture_output=True)
        return os.path.join(out, collective)

    def run_case(self, name, collective, size, system_extra="", network="hgx-h100-1box.yaml", env=None,
                 ranks=1, npus=8, placement="auto", expect_ok=True):
        scen = os.path.join(self.dir, name + ".yaml")
        with open(scen, "w") as f:
            f.write(f"network: {{file: {SRC}/configs/network/{network}}}\n"
                    f"system:\n  file: {SRC}/configs/system/nccl-h100.yaml\n{system_extra}"
                    f"workload: {{chakra: {self.trace(collective, npus, size)}}}\n"
                    f"simulation: {{network_model: packet, placement: {placement}}}\n")
        out = os.path.join(self.dir, name + ".json")
        cmd = [TESSERA, "run", scen, "-q", "--summary-json", out]
        if ranks > 1:
            cmd = MPIRUN + ["-np", str(ranks)] + cmd
        e = dict(os.environ)
        e.update(env or {})
        p = subprocess.run(cmd, capture_output=True, text=True, env=e, stdin=subprocess.DEVNULL)
        if not expect_ok:
            self.assertNotEqual(p.returncode, 0, p.stdout + p.stderr)
            return p.stdout + p.stderr
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(out, "rb") as f:
            raw = f.read()
        return json.loads(raw), raw

    def one(self, summary):
        (c,) = summary["collectives"]
        return c, (c["end_ps"] - c["start_ps"]) / 1e6

    def test_ring_ll_closed_form(self):
        # 1 KiB all-reduce: Ring LL on one CTA (NCCL's choice), 2n-1 = 15 steps of 128 B; each step
        # sends its lines at once and its flag after the CTA's trip; the last step only stores.
        s, _ = self.run_case("ll", "all_reduce", "1KiB")
        c, t = self.one(s)
        self.assertEqual((c["algorithm"], c["protocol"], c["channels"]), ("nccl_ring", "LL", 1))
        wire = 128 // 8 * 16
        step = LL_STEP + wire / (LL_RATE * 1e3)
        expect = F + F_CTA + 14 * (step + hop(FLAG)) + wire / (LL_RATE * 1e3)
        self.assertAlmostEqual(t, expect, delta=0.002)

    def test_ring_ll128_closed_form(self):
        s, _ = self.run_case("ll128", "all_reduce", "1KiB", "  nccl: {NCCL_PROTO: LL128, NCCL_ALGO: ring}\n")
        c, t = self.one(s)
        self.assertEqual((c["protocol"], c["channels"]), ("LL128", 1))
        expect = F + F_CTA + 14 * (LL_STEP + LL128_EXTRA + LL128_TRIP + hop(FLAG)) + LL128_TRIP
        self.assertAlmostEqual(t, expect, delta=0.002)

    def test_ring_simple_closed_form(self):
        # Simple: each 128 B slice costs the copy call plus the copy; the data leave after the
        # call, the posted flag after the copy, and the flag arrives last. The last step only
        # receives: its copy stays in local memory, at the local rate.
        s, _ = self.run_case("simple", "all_reduce", "1KiB", "  nccl: {NCCL_PROTO: Simple, NCCL_ALGO: ring}\n")
        c, t = self.one(s)
        self.assertEqual((c["protocol"], c["channels"]), ("Simple", 1))
        op = COPY_CALL + 128 / (SIMPLE_RATE * 1e3)
        last = COPY_CALL + 128 / (SIMPLE_LOCAL_RATE * 1e3)
        expect = F + F_CTA + 14 * (op + hop(FLAG)) + last
        self.assertAlmostEqual(t, expect, delta=0.002)

    def test_choice_by_size_and_overrides(self):
        s, _ = self.run_case("ll1m", "all_reduce", "1MiB")
        c, _ = self.one(s)
        self.assertEqual((c["algorithm"], c["protocol"], c["channels"]), ("nccl_ring", "LL", 24))
        # The environment applies after the configuration: NCCL_PROTO=Simple wins over LL128.
        # (The ring is forced: with Simple alone NCCL takes NVLS at 1 MiB, whose CTAs
        # NCCL_MAX_NCHANNELS does not clamp.)
        s, _ = self.run_case("env", "all_reduce", "1MiB", "  nccl: {NCCL_PROTO: LL128, NCCL_ALGO: ring}\n",
                             env={"NCCL_PROTO": "Simple", "NCCL_MAX_NCHANNELS": "4"})
        c, _ = self.one(s)
        self.assertEqual((c["protocol"], c["channels"]), ("Simple", 4))

    def test_ring_plateau_is_nvlink_bound(self):
        # 256 MiB, NVLS off: Ring Simple on 24 CTAs shares each GPU's 370.8 GB/s NVLink.
        s, _ = self.run_case("plateau", "all_reduce", "256MiB", "  nccl: {NCCL_NVLS_ENABLE: 0}\n")
        c, _ = self.one(s)
        self.assertEqual((c["protocol"], c["channels"]), ("Simple", 24))
        self.assertGreater(c["busbw_gbps"], 340)
        self.assertLess(c["busbw_gbps"], NVLINK_GBPS)

    def test_other_ring_collectives(self):
        for coll in ("all_gather", "reduce_scatter"):
            s, _ = self.run_case("ring-" + coll, coll, "4MiB")
            c, t = self.one(s)
            self.assertEqual(c["algorithm"], "nccl_ring", coll)
            self.assertGreater(t, F)

    def test_two_boxes_ring_crosses_the_nics(self):
        s, _ = self.run_case("2box", "all_reduce", "4MiB", "  nccl: {NCCL_ALGO: ring}\n",
                             network="hgx-h100-2box.yaml", npus=16)
        c, t = self.one(s)
        self.assertEqual((c["algorithm"], c["group_size"]), ("nccl_ring", 16))
        self.assertGreater(t, 2 * 1.0)  # at least the two proxy delays of a network step

    def assert_identical_on_1_2_4_ranks(self, name, collective, size, algorithm, extra="", **kw):
        """The summary of one case, byte for byte the same on 1, 2 and 4 MPI ranks (one scenario
        file for every rank count: the summary names its source)."""
        raws = []
        for ranks in (1, 2, 4):
            _, raw = self.run_case(name, collective, size, extra, ranks=ranks, placement="round_robin", **kw)
            raws.append(raw)
        self.assertIn(algorithm.encode(), raws[0])
        self.assertEqual(raws[0], raws[1])
        self.assertEqual(raws[0], raws[2])

    def test_identical_on_1_2_4_ranks(self):
        self.assert_identical_on_1_2_4_ranks("det", "all_reduce", "8MiB", "nccl_ring",
                                             "  nccl: {NCCL_NVLS_ENABLE: 0}\n")

    def test_all_to_all_one_box_is_nvlink_bound(self):
        # NCCL's grouped send/recv: 8 rounds, each transfer striped over its p2p channels; every
        # GPU sends 7/8 of its buffer over its own NVLink, so busbw stays below the link's rate.
        s, _ = self.run_case("a2a", "all_to_all", "64MiB")
        c, _ = self.one(s)
        self.assertEqual((c["algorithm"], c["protocol"]), ("nccl_p2p", "Simple"))
        self.assertGreater(c["busbw_gbps"], 250)
        self.assertLess(c["busbw_gbps"], NVLINK_GBPS)
        s, _ = self.run_case("a2a-small", "all_to_all", "1KiB")
        c, t = self.one(s)
        self.assertEqual(c["protocol"], "LL")
        self.assertGreater(t, F)

    def test_all_to_all_two_boxes_is_nic_bound(self):
        # Half of each GPU's buffer leaves the box, through the NIC of the receiver's rail (PXN):
        # algbw = 2 x the NIC's 48.9 GB/s payload rate (reference: nNodes/(nNodes-1) x one NIC).
        s, _ = self.run_case("a2a-2box", "all_to_all", "256MiB", network="hgx-h100-2box.yaml", npus=16)
        c, _ = self.one(s)
        self.assertEqual(c["algorithm"], "nccl_p2p")
        self.assertAlmostEqual(c["algbw_gbps"] / (2 * 48.9), 1.0, delta=0.03)

    def test_all_to_all_identical_on_1_2_4_ranks(self):
        self.assert_identical_on_1_2_4_ranks("a2a-det", "all_to_all", "1MiB", "nccl_p2p",
                                             network="hgx-h100-2box.yaml", npus=16)

    def tree_ll_1k(self, boxes):
        """Closed form of a 1 KiB Tree LL all-reduce on one CTA (CTA 0: tree 0, chains from GPU 0).
        Reduce-up gets 448 of the 640 threads (70 %), broadcast-down 192, so each side stores its
        2048 wire bytes at that share of the CTA's LL rate, once per peer; a step's flag follows its
        work, and the flag arrives last. The longest path climbs node 1's chain (7 NVLink steps),
        crosses to the root's node (through node 2, whose head has 3 children, on 4 boxes) and comes
        back down node 1's chain, whose last GPU only stores."""
        wire = 1024 // 8 * 16
        up = LL_STEP + wire / (0.7 * LL_RATE * 1e3)
        down = lambda peers: LL_STEP + peers * wire / (0.3 * LL_RATE * 1e3)
        root = LL_STEP + 2 * wire / (LL_RATE * 1e3)
        net = net_hop(FLAG)
        t = F + F_CTA + 7 * (up + hop(FLAG)) + up + net + root + net + 7 * (down(1) + hop(FLAG))
        t += wire / (0.3 * LL_RATE * 1e3)
        if boxes == 4:
            t += up + net + down(3) + net
        return t

    def test_tree_ll_closed_form_on_two_and_four_boxes(self):
        for boxes in (2, 4):
            s, _ = self.run_case(f"tree{boxes}", "all_reduce", "1KiB", network=f"hgx-h100-{boxes}box.yaml",
                                 npus=8 * boxes)
            c, t = self.one(s)
            self.assertEqual((c["algorithm"], c["protocol"], c["channels"]), ("nccl_tree", "LL", 1))
            self.assertAlmostEqual(t, self.tree_ll_1k(boxes), delta=0.002)

    def test_tree_simple_closed_form(self):
        # Forced Tree Simple, 1 KiB on 2 boxes: reduce-up copies with 384 of the 640 threads,
        # broadcast-down with 256, the root with all; every step (a leaf's store too) pays the copy
        # call, and its posted flag follows the copy.
        s, _ = self.run_case("tree-simple", "all_reduce", "1KiB", "  nccl: {NCCL_ALGO: tree, NCCL_PROTO: Simple}\n",
                             network="hgx-h100-2box.yaml", npus=16)
        c, t = self.one(s)
        self.assertEqual((c["algorithm"], c["protocol"], c["channels"]), ("nccl_tree", "Simple", 1))
        up = COPY_CALL + 1024 / (384 / 640 * SIMPLE_RATE * 1e3)
        down = COPY_CALL + 1024 / (256 / 640 * SIMPLE_RATE * 1e3)
        root = COPY_CALL + 1024 / (SIMPLE_RATE * 1e3)
        net = net_hop(FLAG)
        expect = F + F_CTA + 7 * (up + hop(FLAG)) + up + net + root + net + 7 * (down + hop(FLAG)) + down
        self.assertAlmostEqual(t, expect, delta=0.002)

    def test_tree_choice_on_two_and_four_boxes(self):
        # docs/nccl.md §3: Tree LL to 128 KiB, then Tree LL128; every CTA of the communicator.
        times = {}
        for boxes, size, proto in ((2, "64KiB", "LL"), (2, "1MiB", "LL128"), (4, "64KiB", "LL"),
                                   (4, "1MiB", "LL128")):
            s, _ = self.run_case(f"tree{boxes}-{size}", "all_reduce", size, network=f"hgx-h100-{boxes}box.yaml",
                                 npus=8 * boxes)
            c, t = self.one(s)
            self.assertEqual((c["algorithm"], c["protocol"], c["channels"]), ("nccl_tree", proto, 16))
            self.assertEqual(c["group_size"], 8 * boxes)
            times[boxes, size] = t
        # More data per step and one more tree level each way cost time.
        self.assertGreater(times[2, "64KiB"], self.tree_ll_1k(2))
        self.assertGreater(times[2, "1MiB"], times[2, "64KiB"])
        self.assertGreater(times[4, "64KiB"], times[2, "64KiB"] + 2 * net_hop(FLAG))

    def test_tree_identical_on_1_2_4_ranks(self):
        self.assert_identical_on_1_2_4_ranks("tree-det", "all_reduce", "1MiB", "nccl_tree",
                                             network="hgx-h100-2box.yaml", npus=16)

    def test_nvls_choice_and_bound(self):
        # 2 MiB on one box: NVLS Simple on 16 CTAs. Each CTA runs one loop of 8 head chunks of
        # 16 KiB: scatter (8 copy calls), ℓ, the head's reduce op, ℓ, gather. That GPU-side chain
        # is a lower bound; the NVLink traffic it overlaps (9/8 of the data per GPU and
        # direction) may add its queueing, a little.
        s, _ = self.run_case("nvls2m", "all_reduce", "2MiB")
        c, t = self.one(s)
        self.assertEqual((c["algorithm"], c["protocol"], c["channels"]), ("nccl_nvls", "Simple", 16))
        chunk = 16384
        copy = 8 * COPY_CALL + 8 * chunk / (NVLS_COPY_RATE * 1e3)
        reduce = NVLS_REDUCE_FIXED + chunk / (NVLS_REDUCE_RATE * 1e3)
        chain = F + 16 * F_CTA + copy + SIGNAL + reduce + SIGNAL + copy
        self.assertGreaterEqual(t, chain - 0.002)
        self.assertLess(t, chain * 1.03)

    def test_nvls_matches_the_reference_sweep(self):
        # docs/nccl.md §8: the model within 5 % of the measured sweep.
        for size, ref in NVLS_REFERENCE.items():
            s, _ = self.run_case("nvls-" + size, "all_reduce", size)
            c, t = self.one(s)
            self.assertEqual(c["algorithm"], "nccl_nvls", size)
            self.assertLess(abs(t / ref - 1), 0.05, f"{size}: {t:.2f} µs against {ref} µs measured")

    def link_totals(self, name, network, npus, size):
        """(link name, bytes) of every link after an all-reduce of `size` on `npus` GPUs, NCCL's choice."""
        try:
            import h5py
        except ImportError:
            self.skipTest("h5py is not installed")
        scen = os.path.join(self.dir, name + ".yaml")
        with open(scen, "w") as f:
            f.write(f"network: {{file: {SRC}/configs/network/{network}}}\n"
                    f"system: {{file: {SRC}/configs/system/nccl-h100.yaml}}\n"
                    f"workload: {{chakra: {self.trace('all_reduce', npus, size)}}}\n"
                    f"simulation: {{network_model: packet}}\n")
        h5 = os.path.join(self.dir, name + ".h5")
        p = subprocess.run([TESSERA, "run", scen, "-q", "--output", h5], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with h5py.File(h5) as f:
            names = [x.decode() for x in f["strings"][:]]
            return [(names[r["name"]], int(r["bytes"])) for r in f["links/totals"][:]]

    def test_nvls_conserves_bytes_at_the_switch(self):
        # Per GPU and direction NVLS moves 9/8 of the buffer: egress its 8 reduction shares and
        # its multicast of the sum into the switch, ingress the 8 heads' multicasts and its
        # reduction result; the switch sends out exactly what it took in. The rest are flags.
        links = self.link_totals("nvls-links", "hgx-h100-1box.yaml", 8, "2MiB")
        into = [b for name, b in links if name.startswith("npu/")]
        out = [b for name, b in links if name.startswith("sw/")]
        self.assertEqual((len(into), len(out)), (8, 8))
        self.assertEqual(sum(into), sum(out))
        data = 9 * (2 << 20) // 8
        flags = 2 * 16 * 7 * FLAG  # scatter and gather posts of 16 CTAs to the 7 other GPUs
        for b in into + out:
            self.assertEqual(b, data + flags)

    def test_nvls_identical_on_1_2_4_ranks(self):
        self.assert_identical_on_1_2_4_ranks("det-nvls", "all_reduce", "4MiB", "nccl_nvls")

    def nvlstree_bounds(self, boxes):
        """docs/nccl.md §7 "NVLSTree": a 2 MiB all-reduce on 16 CTAs is one loop of 8 head chunks of
        16 KiB per CTA. The GPU-side chain of a CTA: scatter, ℓ, the reduce op at the leaf head and at
        every head up to the root, each followed by a network step (proxy, IB links and leaf, one
        chunk on the wire), the broadcast group at every head below the root on the way down, ℓ,
        gather. The lower bound is that chain; the upper one adds the chunks of the other CTAs that
        share the busiest NIC on each level up (8 CTAs per tree; an interior head receives from 2
        children) and 3 % of NVLink queueing."""
        c = 16384
        copy = 8 * COPY_CALL + 8 * c / (NVLS_COPY_RATE * 1e3)
        reduce = NVLS_REDUCE_FIXED + c / (NVLS_REDUCE_RATE * 1e3)
        bcast = NVLS_REDUCE_FIXED + c / (NVLSTREE_BCAST_RATE * 1e3)
        wire = c / (NIC_PAYLOAD_GBPS * 1e3)
        net = 2 * PROXY_US + 2 * IB_LINK_US + IB_SWITCH_US + wire
        levels = {2: 1, 4: 2}[boxes]  # tree depth between the nodes
        chain = (F + 16 * F_CTA + copy + SIGNAL + (levels + 1) * reduce + 2 * levels * net + levels * bcast + SIGNAL
                 + copy)
        queued = {2: 7, 4: 15 + 7}[boxes] * wire
        return chain, (chain + queued) * 1.03

    def test_nvlstree_closed_form_on_two_and_four_boxes(self):
        for boxes, extra in ((2, ""), (4, "  nccl: {NCCL_ALGO: nvlstree}\n")):
            s, _ = self.run_case(f"nvlstree{boxes}", "all_reduce", "2MiB", extra, network=f"hgx-h100-{boxes}box.yaml",
                                 npus=8 * boxes)
            c, t = self.one(s)
            self.assertEqual((c["algorithm"], c["protocol"], c["channels"]), ("nccl_nvlstree", "Simple", 16))
            lo, hi = self.nvlstree_bounds(boxes)
            self.assertGreaterEqual(t, lo - 0.002, boxes)
            self.assertLessEqual(t, hi, boxes)

    def test_nvlstree_choice_by_size(self):
        # docs/nccl.md §3: NVLSTree on 2 boxes from 2 MiB, on 4 boxes from 8 MiB to 512 MiB, on 8
        # boxes from 16 MiB; Tree LL128 below, Ring Simple above.
        cases = ((2, "1MiB", "nccl_tree"), (2, "2MiB", "nccl_nvlstree"), (4, "4MiB", "nccl_tree"),
                 (4, "8MiB", "nccl_nvlstree"), (4, "512MiB", "nccl_nvlstree"), (4, "1GiB", "nccl_ring"),
                 (8, "8MiB", "nccl_tree"), (8, "16MiB", "nccl_nvlstree"))
        for boxes, size, algo in cases:
            net = f"hgx-h100-{boxes}box.yaml" if boxes < 8 else "hgx-h100-8boxes.yaml"
            s, _ = self.run_case(f"nvlstree-choice{boxes}-{size}", "all_reduce", size, network=net, npus=8 * boxes)
            c, _ = self.one(s)
            self.assertEqual(c["algorithm"], algo, (boxes, size))
            self.assertEqual(c["channels"], 16, (boxes, size))

    def test_nvlstree_conserves_bytes(self):
        # Inside each box as NVLS on one box: every GPU's NVLink carries 9/8 of the buffer each way
        # (its 8 reduction shares and, as head, its multicast of 1/8 out; the 8 heads' multicasts and
        # its reduction result in), so every byte is reduced once and reaches every GPU. Between the
        # 2 boxes each head's NIC carries its eighth once each way: up in the CTAs whose tree roots
        # on the other box, down in the others. The rest are flags: scatter and gather posts of 16
        # CTAs to the 7 other GPUs of the box, one posted tail per CTA and network step.
        links = self.link_totals("nvlstree-links", "hgx-h100-2box.yaml", 16, "2MiB")
        nvlink = [b for name, b in links if "nvswitch" in name]
        ib = [b for name, b in links if "ib-leaf" in name]
        self.assertEqual((len(nvlink), len(ib)), (32, 32))
        buffer = 2 << 20
        for b in nvlink:
            self.assertEqual(b, 9 * buffer // 8 + 2 * 16 * 7 * FLAG)
        for b in ib:
            self.assertEqual(b, buffer // 8 + 16 * FLAG)

    def test_nvlstree_identical_on_1_2_4_ranks(self):
        self.assert_identical_on_1_2_4_ranks("det-nvlstree", "all_reduce", "8MiB", "nccl_nvlstree",
                                             network="hgx-h100-2box.yaml", npus=16)

    def test_nvls_off_falls_back_to_ring(self):
        s, _ = self.run_case("nvls-off", "all_reduce", "2MiB", env={"NCCL_NVLS_ENABLE": "0"})
        c, _ = self.one(s)
        self.assertEqual(c["algorithm"], "nccl_ring")

    def test_bad_settings(self):
        out = self.run_case("bad", "all_reduce", "1KiB", "  nccl: {NCCL_ALGO: rng}\n", expect_ok=False)
        self.assertIn("system.nccl.NCCL_ALGO", out)
        self.assertIn("ring", out)
        out = self.run_case("badenv", "all_reduce", "1KiB", env={"NCCL_PROTO": "fast"}, expect_ok=False)
        self.assertIn("NCCL_PROTO", out)
        self.assertIn("environment", out)


if __name__ == "__main__":
    unittest.main()
