#!/usr/bin/python3
"""Predicted against published LLM training steps: for every calibration run of the shared LLM
reference (llm-training.md §8.1, the DGXC v24.11 tables, each GPU count in BF16 and FP8; §8.2, the
Megatron-LM weak-scaling table) it writes a scenario, runs `tessera run --summary-json` on it and
writes its section of docs/accuracy.md: predicted against published step time (and TFLOP/s per GPU
where that is the published figure), with the error.

  tools/llm_accuracy.py                          # every row up to --max-gpus GPUs
  tools/llm_accuracy.py --only 'llama3.1-8b-8gpu-*' --jobs 2
  tools/llm_accuracy.py --max-gpus 6144                # every row (hours on one core)
  tools/llm_accuracy.py --only 'llama3.1-8b-8gpu-*' --network-model packet
  tools/llm_accuracy.py --list                   # the rows and their settings, nothing run
  tools/llm_accuracy.py --quick --only ROW --out FILE   # smoke test: ROW cut to 2 layers, 1 micro-batch

Each figure is a real simulation of one training step; nothing here computes a time. Rows above
--max-gpus are listed as not run, with the reason. Networks are HGX-H100 boxes of 8 GPUs
(configs/network/hgx-h100-2box.yaml with the box count), NCCL as configs/system/nccl-h100.yaml
with NVLS off (the DGXC runs set NCCL_NVLS_ENABLE=0), GPUs `npu: {preset: h100-sxm}`.
"""
import argparse
import concurrent.futures
import fnmatch
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from doc_sections import generated_by, replace_section  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
NETWORK_TEMPLATE = os.path.join(ROOT, "configs", "network", "hgx-h100-2box.yaml")
SYSTEM = os.path.join(ROOT, "configs", "system", "nccl-h100.yaml")
DEFAULT_MAX_GPUS = 256  # what the flow model runs in about an hour on one core

# Apex DistributedFusedAdam's bucket_cap_mb counts MiB of 16-bit gradients (grad_sync_dtype bf16).
def bucket(mib):
    return mib * (1 << 20) // 2


# DGXC v24.11 recipes (reference §7 and §8.1; DGXC YAMLs and launch scripts). Settings every recipe
# shares: distributed optimizer with overlapped gradient reduction and parameter gather, bf16
# gradient sync, Apex's parameter remainders, NVLS off.
DGXC = [
    {"family": "gpt3-175b", "title": "GPT-3 175B", "model": "gpt3-175b", "source": "DGXC nemo_megatron/README_175b.md",
     "run": {"tp": 4, "pp": 8, "vp": 12, "micro_batch": 1, "sequence_parallel": True, "tp_comm_overlap": True,
             "hidden_dropout": 0.1, "attention_backend": "flash2", "bucket_params": bucket(220)},
     "gpus": [128, 256, 512, 1024, 2048], "gbs": lambda n: 2 * n,
     "bf16": [8.91, 8.95, 9.09, 9.01, 9.02], "fp8": [5.92, 5.96, 6.44, 6.72, 6.24]},
    {"family": "llama3.1-8b", "title": "Llama 3.1 8B", "model": "llama3.1-8b", "source": "DGXC llama3.1/README_8b.md",
     "run": {"cp": 2, "micro_batch": 1, "attention_backend": "cudnn", "bucket_params": bucket(75)},
     "gpus": [8, 16, 32, 64, 128], "gbs": lambda n: 16 * n,
     "bf16": [12.91, 13.00, 13.05, 13.08, 13.10], "fp8": [9.67, 9.73, 9.75, 9.80, 9.82]},
    {"family": "llama3.1-70b", "title": "Llama 3.1 70B", "model": "llama3.1-70b",
     "source": "DGXC llama3.1/README_70b.md",
     "run": {"tp": 4, "pp": 4, "vp": 5, "cp": 2, "micro_batch": 1, "sequence_parallel": True,
             "tp_comm_overlap": True, "attention_backend": "cudnn", "bucket_params": bucket(75)},
     "gpus": [64, 128, 256, 512, 1024, 2048], "gbs": lambda n: 2 * n,
     "bf16": [14.72, 14.73, 14.80, 14.89, 14.92, 14.98], "fp8": [11.01, 10.93, 11.16, 11.18, 11.28, 11.39]},
    {"family": "llama3.1-405b", "title": "Llama 3.1 405B (16 KV heads)", "model": "llama3.1-405b",
     "source": "DGXC llama3.1/README_405b.md (32-192 GPUs: the README's proxy models with fewer layers)",
     "run": {"tp": 8, "cp": 2, "micro_batch": 1, "sequence_parallel": True, "tp_comm_overlap": True,
             "attention_backend": "cudnn", "bucket_params": bucket(125)},
     "model_keys": {"kv_heads": 16},
     "gpus": [32, 96, 192, 576, 1152, 2304],
     "per_size": [{"layers": 7, "pp": 1, "vp": 1, "global_batch": 126},
                  {"layers": 21, "pp": 3, "vp": 7, "global_batch": 126},
                  {"layers": 42, "pp": 3, "vp": 7, "global_batch": 252},
                  {"layers": 126, "pp": 9, "vp": 7, "global_batch": 252},
                  {"layers": 126, "pp": 9, "vp": 7, "global_batch": 504},
                  {"layers": 126, "pp": 9, "vp": 7, "global_batch": 1008}],
     "bf16": [8.85, 8.75, 16.93, 17.20, 17.52, 17.62], "fp8": [5.80, 5.71, 11.00, 11.24, 11.31, 12.35]},
    {"family": "nemotron4-340b", "title": "Nemotron-4 340B", "model": "nemotron4-340b",
     "source": "DGXC nemotron/README_340b.md",
     "run": {"tp": 8, "pp": 8, "vp": 12, "micro_batch": 1, "sequence_parallel": True, "tp_comm_overlap": True,
             "activation_recompute": "selective", "attention_backend": "flash2", "bucket_params": bucket(50)},
     "gpus": [128, 256, 512, 1024, 2048], "gbs": lambda n: n // 4,
     "bf16": [4.61, 4.67, 4.70, 4.73, 4.84], "fp8": [3.16, 3.21, 3.26, 3.34, 3.49]},
    {"family": "nemotron4-15b", "title": "Nemotron-4 15B", "model": "nemotron4-15b",
     "source": "DGXC nemotron/README_15b.md",
     "run": {"tp": 4, "micro_batch": 4, "sequence_parallel": True, "tp_comm_overlap": True,
             "attention_backend": "flash2", "bucket_params": bucket(100)},
     "gpus": [16, 32, 64, 128, 256, 512, 1024, 2048], "gbs": lambda n: 4 * n,
     "bf16": [2.83, 2.86, 2.86, 2.89, 2.88, 2.92, 2.92, 2.96],
     "fp8": [2.08, 2.07, 2.09, 2.08, 2.10, 2.12, 2.12, 2.18]},
]
DGXC_COMMON = {"distributed_optimizer": True, "overlap_grad_reduce": True, "overlap_param_gather": True,
               "grad_reduce_dtype": "bf16", "param_remainders": True}

# Megatron-LM README weak scaling (reference §8.2; Megatron-Core r0.8.0): V = 131072, s = 4096, DP 48,
# f = 4h, MHA, untied embeddings (the architecture that reproduces the parameter counts), BF16,
# `--overlap-grad-reduce --overlap-param-gather --tp-comm-overlap` (which need the distributed optimizer
# and SP), Megatron-LM's fp32 gradient reduction under --bf16. Micro-batch 1 [U: not published].
MLM = [  # (name, heads, h, L, TP, PP, GPUs, batch, TFLOP/s per GPU)
    ("1.7B", 16, 2048, 24, 1, 1, 48, 192, 408.8), ("7.1B", 32, 4096, 30, 2, 1, 96, 192, 465.9),
    ("16B", 48, 6144, 32, 4, 1, 192, 192, 489.1), ("32B", 56, 7168, 48, 8, 1, 384, 192, 459.6),
    ("70B", 64, 8192, 84, 8, 2, 768, 384, 419.7), ("119B", 80, 10240, 92, 8, 4, 1536, 768, 420.5),
    ("177B", 96, 12288, 96, 8, 6, 2304, 1152, 432.8), ("314B", 128, 16384, 96, 8, 8, 3072, 1536, 474.4),
    ("462B", 144, 18432, 112, 8, 16, 6144, 3072, 459.9)]
MLM_VOCAB, MLM_SEQ = 131072, 4096


def mlm_r08_flops(batch, h, layers, seq=MLM_SEQ, vocab=MLM_VOCAB):
    """Megatron-Core 0.8's FLOPs per step for an MHA, f = 4h model: 12·B·s·L·h²·(6 + s/h + V/(2·L·h))."""
    return 12.0 * batch * seq * layers * h * h * (6 + seq / h + vocab / (2.0 * layers * h))


def rows():
    out = []
    for fam in DGXC:
        for i, n in enumerate(fam["gpus"]):
            extra = dict(fam["per_size"][i]) if "per_size" in fam else {}
            model = dict(fam.get("model_keys", {}))
            if "layers" in extra:
                model["layers"] = extra.pop("layers")
            gbs = extra.pop("global_batch") if "global_batch" in extra else fam["gbs"](n)
            for prec in ("bf16", "fp8"):
                llm = {"model": {"preset": fam["model"], **model} if model else fam["model"], "global_batch": gbs,
                       "precision": prec, **DGXC_COMMON, **fam["run"], **extra}
                out.append({"name": f"{fam['family']}-{n}gpu-{prec}", "table": f"§8.1 {fam['title']}",
                            "source": fam["source"], "gpus": n, "llm": llm, "published_step": fam[prec][i],
                            "published_tflops": None})
    for name, heads, h, layers, tp, pp, gpus, batch, tflops in MLM:
        llm = {"model": {"layers": layers, "hidden": h, "ffn_hidden": 4 * h, "heads": heads, "vocab": MLM_VOCAB,
                         "activation": "gelu", "norm": "layernorm", "position": "learned",
                         "tied_embeddings": False, "flops_family": "gpt3"},
               "seq_len": MLM_SEQ, "global_batch": batch, "micro_batch": 1, "precision": "bf16", "tp": tp, "pp": pp,
               "sequence_parallel": tp > 1, "tp_comm_overlap": tp > 1, "distributed_optimizer": True,
               "overlap_grad_reduce": True, "overlap_param_gather": True, "grad_reduce_dtype": "fp32"}
        flops = mlm_r08_flops(batch, h, layers)
        out.append({"name": f"mlm-{name.lower()}-{gpus}gpu-bf16", "table": "§8.2 Megatron-LM weak scaling",
                    "source": "NVIDIA/Megatron-LM@f2e5db402c README.md, images/model_table.png", "gpus": gpus,
                    "llm": llm, "published_step": flops / (tflops * 1e12 * gpus), "published_tflops": tflops,
                    "flops": flops})
    return out


def yaml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {yaml_value(x)}" for k, x in v.items()) + "}"
    return str(v)


def quick(row):
    """The row cut to run in seconds (smoke test): 2 layers per pipeline stage and chunk, one
    micro-batch per data-parallel replica (pp of them with a pipeline). Not comparable with the
    published figure."""
    llm = dict(row["llm"])
    model = llm["model"] if isinstance(llm["model"], dict) else {"preset": llm["model"]}
    stages = llm.get("pp", 1) * llm.get("vp", 1)
    llm["model"] = {**model, "layers": 2 * stages}
    dp = row["gpus"] // (llm.get("tp", 1) * llm.get("pp", 1) * llm.get("cp", 1))
    llm["global_batch"] = llm.get("micro_batch", 1) * dp * max(1, llm.get("pp", 1))
    return dict(row, llm=llm, quick=True)


def scenario_text(row, network_path):
    L = [f"# {row['table']}: {row['name']} (published step {row['published_step']:.2f} s; {row['source']}).",
         "# Written by tools/llm_accuracy.py.",
         f"description: {row['name']}",
         "network:", f"  file: {network_path}",
         "system:", f"  file: {SYSTEM}", "  nccl: {NCCL_NVLS_ENABLE: 0}",
         "npu:", "  preset: h100-sxm",
         "workload:", "  llm:"]
    for k, v in row["llm"].items():
        L.append(f"    {k}: {yaml_value(v)}")
    L.append("    steps: 1")
    return "\n".join(L) + "\n"


def network_file(boxes, folder):
    path = os.path.join(folder, f"hgx-h100-{boxes}boxes.yaml")
    if not os.path.exists(path):
        with open(NETWORK_TEMPLATE, encoding="utf-8") as f:
            text = f.read()
        text, n = re.subn(r"^(\s*boxes:\s*)\d+", lambda m: f"{m.group(1)}{boxes}", text, count=1, flags=re.M)
        if n != 1:
            raise SystemExit(f"llm_accuracy.py: {NETWORK_TEMPLATE} has no `boxes:` key to set")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return path


def run_row(tessera, row, folder, network_model, timeout):
    scen = os.path.join(folder, row["name"] + ".yaml")
    with open(scen, "w", encoding="utf-8") as f:
        f.write(scenario_text(row, network_file(row["gpus"] // 8, folder)))
    summary = os.path.join(folder, row["name"] + ".summary.json")
    cmd = [tessera, "run", scen, "--quiet", "--summary-json", summary, "--network-model", network_model]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"stopped after {timeout} s (--timeout)"}
    wall = time.monotonic() - t0
    if p.returncode != 0:
        text = (p.stderr or p.stdout).strip()
        lines = [x for x in text.splitlines() if x.startswith("error")] or text.splitlines() or [f"exit {p.returncode}"]
        return {"error": lines[0], "wall": wall}
    with open(summary, encoding="utf-8") as f:
        llm = json.load(f).get("llm")
    if not llm:
        return {"error": "the summary has no llm figures", "wall": wall}
    step = llm["step_time_ps"] * 1e-12
    out = {"step": step, "mfu": llm["mfu"], "wall": wall}
    bd = llm.get("breakdown") or []
    if bd:
        out["compute"] = bd[0]["compute_ps"] * 1e-12
        out["exposed"] = max(b["exposed_communication_ps"] for b in bd) * 1e-12
    return out


def write_section(path, all_rows, results, command, network_model, max_gpus):
    L = ["# Accuracy against published LLM training steps", "",
         "Tessera generating each calibration run of the shared LLM reference (llm-training.md §8.1: the DGXC",
         "v24.11 tables, H100, every GPU count in BF16 and FP8; §8.2: the Megatron-LM weak-scaling table) as a",
         "Megatron-Core step (docs/llm.md), timing its kernels with the GPU compute model (docs/compute.md) and",
         f"running its communication on HGX-H100 boxes with NCCL, NVLS off ({network_model} network model).",
         "Every predicted figure is one simulated step (`tessera run --summary-json`); error = predicted /",
         "published − 1. The §8.2 step is the published TFLOP/s per GPU turned into a step time with",
         "Megatron-Core 0.8's FLOPs formula, the one the README's figure uses.", "",
         generated_by(command),
         f"Rows above {max_gpus} GPUs are not run here (`--max-gpus`).", "",
         "| run | GPUs | precision | published step (s) | predicted step (s) | error | compute (s) | exposed comm (s) | predicted MFU | wall (s) |",
         "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    notrun = 0
    for row in all_rows:
        r = results.get(row["name"])
        prec = row["llm"]["precision"]
        label = row["name"] + (" (quick: 2 layers, 1 micro-batch; not comparable)" if row.get("quick") else "")
        head = f"| {label} | {row['gpus']} | {prec} | {row['published_step']:.2f} |"
        if r is None or "error" in r:
            notrun += 1
            why = "not run: more GPUs than --max-gpus" if r is None else f"not run: {r['error']}"
            L.append(f"{head} – | – | – | – | – | {why} |")
            continue
        err = r["step"] / row["published_step"] - 1
        comp = f"{r['compute']:.2f}" if "compute" in r else "–"
        exp = f"{r['exposed']:.2f}" if "exposed" in r else "–"
        L.append(f"{head} {r['step']:.2f} | {err:+.1%} | {comp} | {exp} | {r['mfu']:.1%} | {r['wall']:.0f} |")
    L += ["", "Published TFLOP/s per GPU (§8.2) against the predicted figure from the same FLOPs formula:", "",
          "| run | GPUs | published TFLOP/s/GPU | predicted TFLOP/s/GPU | error |", "|---|---:|---:|---:|---:|"]
    for row in all_rows:
        if row["published_tflops"] is None:
            continue
        r = results.get(row["name"])
        if r is None or "error" in r:
            L.append(f"| {row['name']} | {row['gpus']} | {row['published_tflops']:.1f} | – | not run |")
            continue
        pred = row["flops"] / (r["step"] * row["gpus"]) / 1e12
        L.append(f"| {row['name']} | {row['gpus']} | {row['published_tflops']:.1f} | {pred:.1f} | "
                 f"{pred / row['published_tflops'] - 1:+.1%} |")
    L += ["", "Settings per row (`tools/llm_accuracy.py --list` prints each row's `workload.llm`): the DGXC",
          "recipes' parallel sizes, micro-batch and global batch, bucket size (Apex `bucket_cap_mb` MiB of bf16",
          "gradients), sequence parallelism and TP overlap, dropout, recompute and attention backend (cuDNN for",
          "Llama 3.1, FlashAttention 2 where the recipe sets `NVTE_FUSED_ATTN=0`), distributed optimizer with",
          "overlapped gradient reduction and parameter gather, bf16 gradient sync and parameter remainders.",
          "The §8.2 rows: f = 4h, MHA, untied embeddings, V = 131072, s = 4096, micro-batch 1 (not published),",
          "fp32 gradient reduction (Megatron-LM's `--bf16` default)."]
    replace_section(path, "tools/llm_accuracy.py", L)
    return notrun


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tessera", default=os.path.join(ROOT, "build", "tessera"), help="the tessera binary")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "accuracy.md"),
                    help="the page whose LLM section is (re)written")
    ap.add_argument("--network-model", default="flow", help="passed to `tessera run --network-model` (default: flow)")
    ap.add_argument("--max-gpus", type=int, default=DEFAULT_MAX_GPUS,
                    help=f"skip rows with more GPUs (listed as not run; default {DEFAULT_MAX_GPUS})")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only rows whose name matches (shell pattern; repeatable); the others are left out of the table")
    ap.add_argument("--jobs", type=int, default=1, help="simulations at once (default 1)")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per simulation (default 3600)")
    ap.add_argument("--scenarios", help="keep the generated scenarios in this folder (default: a temporary one)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: each row cut to 2 layers and one micro-batch (figures not comparable)")
    ap.add_argument("--list", action="store_true", help="print the rows and their workload.llm, run nothing")
    a = ap.parse_args(argv)
    all_rows = rows()
    if a.only:
        all_rows = [r for r in all_rows if any(fnmatch.fnmatch(r["name"], p) for p in a.only)]
        if not all_rows:
            names = ", ".join(r["name"] for r in rows()[:4])
            print(f"llm_accuracy.py: --only {' '.join(a.only)} matches no row (names look like {names}, ...; "
                  "see --list)", file=sys.stderr)
            return 2
    if a.quick:
        all_rows = [quick(r) for r in all_rows]
    if a.list:
        for r in all_rows:
            print(f"{r['name']}: {r['gpus']} GPUs, published {r['published_step']:.2f} s, {json.dumps(r['llm'])}")
        return 0
    if a.jobs < 1:
        print("llm_accuracy.py: --jobs must be at least 1", file=sys.stderr)
        return 2
    if not os.access(a.tessera, os.X_OK):
        print(f"llm_accuracy.py: {a.tessera} is not an executable; build first (tools/setup.sh) or pass --tessera",
              file=sys.stderr)
        return 2
    todo = [r for r in all_rows if r["gpus"] <= a.max_gpus]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = a.scenarios or tmp
        os.makedirs(folder, exist_ok=True)
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
            futures = {pool.submit(run_row, a.tessera, r, folder, a.network_model, a.timeout): r for r in todo}
            for fut in concurrent.futures.as_completed(futures):
                r = futures[fut]
                res = results[r["name"]] = fut.result()
                if "error" in res:
                    print(f"{r['name']}: not run: {res['error']}", flush=True)
                else:
                    print(f"{r['name']}: predicted {res['step']:.3f} s, published {r['published_step']:.2f} s "
                          f"({res['step'] / r['published_step'] - 1:+.1%}), wall {res['wall']:.0f} s", flush=True)
    command = "tools/llm_accuracy.py" + (" --quick" if a.quick else "") + "".join(f" --only '{p}'" for p in a.only or [])
    if a.max_gpus != DEFAULT_MAX_GPUS:
        command += f" --max-gpus {a.max_gpus}"
    if a.network_model != "flow":
        command += f" --network-model {a.network_model}"
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    write_section(a.out, all_rows, results, command, a.network_model, a.max_gpus)
    print(f"wrote the LLM section of {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
