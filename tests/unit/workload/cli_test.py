#!/usr/bin/python3
"""`tessera trace` on the real binary. Usage: cli_test.py TESSERA_BIN SOURCE_DIR SCRATCH CASE"""
import json
import os
import shutil
import subprocess
import sys

tessera, src, scratch, case = sys.argv[1:5]


def run(*args, expect_rc=0):
    p = subprocess.run([tessera, "trace", *args], capture_output=True, text=True)
    if p.returncode != expect_rc:
        sys.exit(f"rc {p.returncode} (wanted {expect_rc}) for {args}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def check(cond, msg):
    if not cond:
        sys.exit("FAILED: " + msg)


if case == "inspect_resnet8":
    # Acceptance: 215 nodes per NPU per pass, 54 collectives, the text file's all-reduce bytes.
    out = json.loads(run("inspect", f"{src}/traces/resnet50/8npus/Resnet50_DataParallel", "--json").stdout)
    check(out["npus"] == 8, "8 NPUs")
    for npu in out["per_npu"]:
        check(npu["nodes"] == 215, f"npu {npu['npu']}: {npu['nodes']} nodes")
        check(npu["nodes_by_type"] == {"COMP_NODE": 161, "COMM_COLL_NODE": 54}, str(npu["nodes_by_type"]))
        check(npu["collectives"] == {"ALL_REDUCE": {"count": 54, "bytes": 102011648}}, str(npu["collectives"]))
        check(npu["critical_path_compute_ps"] == 1082450 * 10**6, str(npu["critical_path_compute_ps"]))
    check(out["total"]["collectives"]["ALL_REDUCE"]["bytes"] == 8 * 102011648, "total bytes")
    text = run("inspect", f"{src}/traces/resnet50/8npus/Resnet50_DataParallel").stdout
    check("npu 7: 215 nodes (161 COMP_NODE, 54 COMM_COLL_NODE); ALL_REDUCE x54 = 102011648 B" in text, text)
    # The text workload itself, converted in memory, over 3 passes.
    out = json.loads(run("inspect", f"{src}/traces/text/Resnet50_DataParallel.txt", "--npus", "2",
                         "--passes", "3", "--json").stdout)
    check(out["per_npu"][1]["nodes"] == 3 * 215, "3 passes in memory")
elif case == "inspect_pytorch":
    p = run("inspect", f"{src}/tests/unit/workload/fixtures/chakra/pytorch_feeder_tests", "--json")
    out = json.loads(p.stdout)
    check(out["per_npu"][0]["nodes"] == 3664, "3664 nodes")
    check(any("210 node id(s)" in w for w in out["warnings"]), str(out["warnings"]))
    # replay-only: communication nodes are replayed too, so their time is part of no compute sum.
    rep = json.loads(run("inspect", f"{src}/tests/unit/workload/fixtures/chakra/pytorch_feeder_tests",
                         "--replay-only", "--json").stdout)
    check(rep["per_npu"][0]["compute_ps"] == out["per_npu"][0]["compute_ps"], "replay-only COMP time")
    p = run("inspect", f"{src}/traces/resnet50/2npus/Resnet50_DataParallel", "--peak-perf", "100", expect_rc=2)
    check("needs both --peak-perf and --local-mem-bw" in p.stderr, p.stderr)
    p = run("inspect", f"{src}/tests/unit/workload/fixtures/chakra/pytorch_feeder_tests", "--deps", "strict",
            expect_rc=2)
    check("ctrl_deps name 210 node id(s) that are not in the file" in p.stderr, p.stderr)
    check("Traceback" not in p.stderr and p.stderr.count("error:") == 2, p.stderr)
elif case == "bad_input":
    os.makedirs(scratch, exist_ok=True)
    p = run("inspect", f"{scratch}/nothing", expect_rc=2)
    check("no trace files" in p.stderr, p.stderr)
    shutil.copy(f"{src}/traces/microbenchmarks/all_reduce/4npus_1MB/all_reduce.0.et", f"{scratch}/x.0.et")
    with open(f"{scratch}/x.1.et", "wb") as f:
        f.write(b"\x10garbage")
    p = run("inspect", f"{scratch}/x", "--npus", "2", expect_rc=2)
    check("x.1.et" in p.stderr and "truncated" in p.stderr, p.stderr)
    p = run("inspect", f"{scratch}/x", "--npus", "4", expect_rc=2)
    check("NPU(s) 2..3 are missing" in p.stderr, p.stderr)
    p = run("microbench", "--collective", "all_reduce", "--npus", "2", "--size", "1 parsec", "--out", scratch,
            expect_rc=2)
    check("unknown size unit" in p.stderr, p.stderr)
    p = run("convert-text", f"{src}/traces/text/Transformer_HybridParallel.txt", "--npus", "2", "--out", scratch,
            expect_rc=2)
    check("unsupported parallelism type 'HYBRID_TRANSFORMER'" in p.stderr, p.stderr)
elif case == "generate":
    os.makedirs(scratch, exist_ok=True)
    run("microbench", "--collective", "all_gather", "--npus", "8", "--size", "1048576", "--out", scratch)
    for i in range(8):
        a = open(f"{scratch}/all_gather.{i}.et", "rb").read()
        b = open(f"{src}/tests/unit/workload/fixtures/astra-sim/microbenchmarks/all_gather/8npus_1MB/all_gather.{i}.et",
                 "rb").read()
        check(a == b, f"all_gather.{i}.et differs from ASTRA-sim's")
    run("convert-text", f"{src}/traces/text/MLP_ModelParallel.txt", "--npus", "2", "--passes", "2", "--out", scratch)
    for i in range(2):
        a = open(f"{scratch}/MLP_ModelParallel.{i}.et", "rb").read()
        b = open(f"{src}/tests/unit/workload/fixtures/chakra-text-converter/MLP_ModelParallel.{i}.et", "rb").read()
        check(a == b, f"MLP_ModelParallel.{i}.et differs from Chakra's")
    dump = run("dump", f"{scratch}/MLP_ModelParallel.1.et", "--id", "58").stdout.splitlines()
    check(json.loads(dump[0])["attr"]["schema"] == "1.0.2-chakra.1.0.0", dump[0])
    first = json.loads(dump[1])  # NPU 1 starts at id 2 passes x 29 nodes
    check(first["id"] == 58 and first["name"].startswith("COMP_NODE_") and first["name"].endswith("_FWD"), dump[1])
else:
    sys.exit(f"unknown case {case}")
print(f"cli_test {case}: ok")
