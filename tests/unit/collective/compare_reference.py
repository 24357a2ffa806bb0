#!/usr/bin/python3
"""Sweep of collective cases run by the C++ executors (collective_case, on the PDES engine with the
congestion-unaware network) and by the Python reference model of ASTRA-sim
(tools/astra_reference_model.py --case); every case must agree exactly, max and min finish.

The cases are drawn from a fixed seed over topologies (Ring, Switch, FullyConnected, 1-3
dimensions), algorithms, collective types, sizes (including inflated tiny ones and sizes that do
not divide), splits, active chunks, queues per dimension, policies, decompositions, endpoint
delays, injection scales, local-mem-bw and engine rank counts."""

import argparse
import random
import subprocess
import sys


def pow2(n):
    return n & (n - 1) == 0


def draw_case(rng):
    ndim = rng.choice([1, 1, 1, 2, 2, 3])
    topo, npus, bw, lat, impl = [], [], [], [], []
    coll = rng.choice(["AR", "AR", "RS", "AG", "A2A"])
    for _ in range(ndim):
        t = rng.choice(["Ring", "Ring", "Switch", "FullyConnected"])
        n = rng.choice([2, 3, 4, 5, 8] if ndim == 1 else [2, 3, 4])
        topo.append(t)
        npus.append(n)
        bw.append(rng.choice([25, 50, 100, 400]))
        lat.append(rng.choice([100, 500, 936.25, 1000]))
        algs = ["ring", "ring", "direct", "direct2"]
        if pow2(n):
            algs.append("halvingDoubling")
            if coll == "AR":
                algs.append("doubleBinaryTree")
        a = rng.choice(algs)
        if a == "halvingDoubling" and coll == "A2A":
            a = "direct"
        impl.append(a)
    splits = rng.choice([1, 2, 3, 4, 8])
    size = rng.choice([1 << 20, 1 << 20, 12345, 100, 16, 3 * (1 << 20) + 7])
    if coll == "AG" and size < splits:
        size = 1 << 16  # ASTRA-sim loops forever there (documented difference)
    return dict(
        topology=",".join(topo), npus=",".join(map(str, npus)),
        bandwidth=",".join(map(str, bw)), latency=",".join(map(str, lat)),
        impl=",".join(impl), collective=coll, size=size, splits=splits,
        active=rng.choice([1, 1, 2, 3, 4]), queues=rng.choice([1, 1, 2, 3]),
        policy=rng.choice(["LIFO", "FIFO"]),
        optimization=rng.choice(["localBWAware", "localBWAware", "baseline"]),
        **{"endpoint-delay": rng.choice([1, 10, 25]), "injection-scale": rng.choice([1, 1, 2]),
           "local-mem-bw": rng.choice([50, 1600, 3350, 1e12])})


def argv_of(case):
    out = []
    for k, v in case.items():
        out += ["--" + k, str(v)]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case-runner", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--cases", type=int, default=36)
    ap.add_argument("--seed", type=int, default=20261122)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    failures = skipped = 0
    for i in range(args.cases):
        case = draw_case(rng)
        ranks = 1 + i % 4
        model = subprocess.run([sys.executable, args.model, "--case"] + argv_of(case),
                               capture_output=True, text=True)
        cpp = subprocess.run([args.case_runner, "--ranks", str(ranks)] + argv_of(case),
                             capture_output=True, text=True)
        want, got = model.stdout.strip(), cpp.stdout.strip()
        if want.startswith("ABORT: assert chunk_size > 0") and cpp.returncode == 0:
            # ASTRA-sim asserts on 0-byte messages (tiny chunks split over several dimensions);
            # Tessera sends them (latency only). Documented in docs/collectives.md.
            skipped += 1
            print("skip case %2d: ASTRA-sim aborts (0-byte message); tessera %s" % (i, got))
            continue
        if want.startswith("ABORT: doubleBinaryTree supports all-reduce only") and cpp.returncode == 2:
            # localBWAware puts reduce-scatter on a doubleBinaryTree dimension: both reject it.
            skipped += 1
            print("skip case %2d: both reject doubleBinaryTree outside all-reduce" % i)
            continue
        ok = model.returncode == 0 and cpp.returncode == 0 and want == got
        print("%s case %2d ranks %d: model %-16s tessera %-16s %s" % (
            "ok  " if ok else "FAIL", i, ranks, want, got, " ".join(argv_of(case))))
        if not ok:
            failures += 1
            sys.stdout.write(model.stderr[-2000:] + cpp.stderr[-2000:])
    compared = args.cases - skipped
    print("%d of %d compared cases agree (%d skipped: ASTRA-sim aborts or both reject)" % (compared - failures, compared, skipped))
    return 1 if failures or compared < args.cases // 2 else 0


if __name__ == "__main__":
    sys.exit(main())
