#!/usr/bin/python3
"""The LLM time breakdown (docs/llm.md "Output") of two generated runs through the real binary:
the CI scenario (TP 2 x DP 4, no pipeline) and the same model with PP 2 (TP 2 x PP 2 x DP 2).
Checks that each NPU's parts add up to its wall time, that only the pipelined run has a bubble,
that TP collectives are exposed, and that the HDF5 file holds the same rows as the JSON.

usage: breakdown.py TESSERA SCENARIO WORKDIR"""
import json
import os
import subprocess
import sys

import h5py

tessera, scenario, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
here = os.path.dirname(os.path.abspath(scenario))

# The pipelined variant: the CI scenario with pp 2 and a global batch of 8 (4 micro-batches per
# pipeline), its relative file paths made absolute so it runs from the work directory.
with open(scenario) as f:
    text = f.read()
text = text.replace("../../", os.path.normpath(os.path.join(here, "../..")) + "/")
text = text.replace("    tp: 2\n", "    tp: 2\n    pp: 2\n").replace("global_batch: 4", "global_batch: 8")
assert "pp: 2" in text and "global_batch: 8" in text, "the CI scenario changed; update this test"
pp_scenario = os.path.join(work, "pp2.yaml")
with open(pp_scenario, "w") as f:
    f.write(text)

PARTS = ("tp", "cp", "pp", "dp", "ep")


def run(name, path):
    js, h5 = os.path.join(work, name + ".json"), os.path.join(work, name + ".h5")
    out = subprocess.run([tessera, "run", path, "--summary-json", js, "--output", h5],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{name}: tessera exited {out.returncode}\n{out.stderr}")
    if "time per step (mean over NPUs): compute" not in out.stdout:
        sys.exit(f"{name}: the console summary lacks the breakdown line\n{out.stdout[:2000]}")
    with open(js) as f:
        return json.load(f), h5py.File(h5, "r")


def check(name, j, h5):
    llm = j["llm"]
    steps = llm["steps"]
    finish = {n["npu"]: n["finish_ps"] for n in j["npus"]}
    rows = llm["breakdown"]
    assert len(rows) == j["npu_count"], f"{name}: {len(rows)} breakdown rows"
    table = h5["npu/breakdown"][:]
    for b in rows:
        parts = b["compute_ps"] + sum(b["exposed_ps"][k] for k in PARTS) + b["bubble_ps"] + b["other_ps"]
        # Each part is the run total / steps rounded down: the sum is short by at most 8 ps.
        assert 0 <= b["wall_ps"] - parts <= 8, f"{name} NPU {b['npu']}: parts {parts} != wall {b['wall_ps']}"
        assert b["wall_ps"] == finish[b["npu"]] // steps, f"{name} NPU {b['npu']}: wall is not the NPU's finish"
        exposed = sum(b["exposed_ps"][k] for k in PARTS) + b["bubble_ps"] + b["other_ps"]
        assert abs(exposed - b["exposed_communication_ps"]) <= 8, f"{name} NPU {b['npu']}: exposed parts"
        # The HDF5 row holds the whole-run totals, which add up exactly.
        r = table[b["npu"]]
        assert r["npu"] == b["npu"] and r["finish"] == finish[b["npu"]]
        total = r["compute"] + sum(r["exposed_" + k] for k in PARTS) + r["bubble"] + r["other"]
        assert total == r["finish"], f"{name} NPU {b['npu']}: HDF5 parts {total} != finish {r['finish']}"
        assert r["bubble"] // steps == b["bubble_ps"] and r["exposed_tp"] // steps == b["exposed_ps"]["tp"]
    mean = llm["breakdown_mean"]
    return mean


mean1 = check("tp2-dp4", *run("tp2-dp4", scenario))
mean2 = check("tp2-pp2-dp2", *run("tp2-pp2-dp2", pp_scenario))
assert mean1["bubble_ps"] == 0 and mean1["exposed_ps"]["pp"] == 0, f"pp 1 has no pipeline: {mean1}"
assert mean2["bubble_ps"] > 0, f"pp 2 must wait for its other stage: {mean2}"
for m in (mean1, mean2):
    assert m["exposed_ps"]["tp"] > 0, f"the TP collectives of sequence parallelism are exposed: {m}"
    assert m["exposed_ps"]["dp"] > 0, f"the first parameter all-gather is exposed: {m}"
    assert m["exposed_ps"]["cp"] == 0 and m["exposed_ps"]["ep"] == 0, f"no CP, no EP: {m}"
print(f"ok: tp2-dp4 {mean1}\nok: tp2-pp2-dp2 {mean2}")
