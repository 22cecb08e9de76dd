#!/usr/bin/env python3
"""cnnbench (exec::cudnn) and PyTorch CUDA train steps side by side, in the same run, on one GPU.

For each configuration (model, batch) it alternates, `--rounds` times, one cnnbench measurement
(bench/bm_train_cudnn, Google Benchmark, one configuration per process) and one PyTorch measurement
(bench/torch_train_step.py --device cuda: same model, batch and SGD-momentum optimizer, cuDNN's
algorithm search on, the batch copied from pinned host memory every step as cnnbench does, a device
synchronisation before the clock starts and stops), and reports medians: images/s of each, their
ratio (per round), cnnbench's GFLOP/s (a train step counted as 3x the forward FLOPs of flops_v) and
each side's peak device memory (cnnbench: the runner's own allocations; PyTorch:
torch.cuda.max_memory_allocated(), its caching allocator's live tensors). Both exclude the CUDA
context and the libraries' workspaces.

Precision: FP32 on both sides by default (cnnbench: CUDNN_FMA_MATH and CUBLAS_DEFAULT_MATH; PyTorch:
cudnn.allow_tf32 and matmul.allow_tf32 off). --tf32 runs cnnbench's train_step_fast (TF32, any
algorithm) against PyTorch with TF32 on.

usage: bench/compare_torch_gpu.py [--build build/cuda] [--rounds 3] [--python /usr/bin/python3]
                                  [--config s1:64 --config s2:64] [--tf32] [--json out.json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CONFIGS = ["s1:64", "s2:64"]
BM_NAME = {"s1": "S1", "s2": "S2"}


def run(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"compare_torch_gpu: {' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}{p.stdout}")
    return p.stdout


def cnnbench_once(build, model, batch, min_time, tf32):
    exe = os.path.join(build, "bench", "bm_train_cudnn")
    bench = "train_step_fast" if tf32 else "train_step"
    filt = f"^{bench}<{BM_NAME[model]}>/batch:{batch}/"
    data = json.loads(run([exe, f"--benchmark_filter={filt}", "--benchmark_format=json",
                           f"--benchmark_min_time={min_time}"]))
    runs = [b for b in data["benchmarks"] if b.get("run_type", "iteration") == "iteration"]
    if not runs:
        sys.exit(f"compare_torch_gpu: bm_train_cudnn has no benchmark matching {filt}")
    b = runs[0]
    if b.get("error_occurred"):
        sys.exit(f"compare_torch_gpu: cnnbench skipped: {b.get('error_message')}")
    return {"images_per_s": b["items_per_second"], "gflops": b["GFLOP/s"], "peak_device_mib": b["peak_device_MiB"],
            "label": b.get("label", "")}


def torch_once(python, model, batch, steps, tf32):
    cmd = [python, os.path.join(HERE, "torch_train_step.py"), "--model", model, "--batch", str(batch),
           "--steps", str(steps), "--warmup", "10", "--device", "cuda"]
    if tf32:
        cmd.append("--tf32")
    r = json.loads(run(cmd).strip().splitlines()[-1])
    return {"images_per_s": r["images_per_s"], "peak_device_mib": r["peak_device_bytes"] / 2**20,
            "version": r["version"], "device_name": r.get("device_name", "")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build", "cuda"))
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--config", action="append", help="model:batch (default: %s)" % " ".join(DEFAULT_CONFIGS))
    ap.add_argument("--min-time", type=float, default=2.0, help="seconds per cnnbench measurement")
    ap.add_argument("--steps", type=int, default=200, help="timed PyTorch steps per measurement")
    ap.add_argument("--tf32", action="store_true", help="TF32 tensor cores on both sides")
    ap.add_argument("--json", help="write every measurement here")
    a = ap.parse_args()
    configs = a.config or DEFAULT_CONFIGS

    rows, raw = [], []
    for cfg in configs:
        model, batch = cfg.split(":")
        batch = int(batch)
        if model not in BM_NAME:
            sys.exit(f"compare_torch_gpu: unknown model '{model}' (bm_train_cudnn has {', '.join(BM_NAME)})")
        cb, tc = [], []
        for r in range(a.rounds):
            cb.append(cnnbench_once(a.build, model, batch, a.min_time, a.tf32))
            tc.append(torch_once(a.python, model, batch, a.steps, a.tf32))
            print(f"  {cfg} round {r + 1}: cnnbench {cb[-1]['images_per_s']:.0f} img/s, "
                  f"pytorch {tc[-1]['images_per_s']:.0f} img/s", file=sys.stderr)
        med = lambda xs, k: statistics.median(x[k] for x in xs)
        row = {"model": model, "batch": batch,
               "cnnbench_images_per_s": med(cb, "images_per_s"), "torch_images_per_s": med(tc, "images_per_s"),
               "cnnbench_gflops": med(cb, "gflops"),
               "cnnbench_peak_device_mib": max(x["peak_device_mib"] for x in cb),
               "torch_peak_device_mib": max(x["peak_device_mib"] for x in tc),
               "torch_version": tc[0]["version"], "device": tc[0]["device_name"] or cb[0]["label"],
               "ratios": [c["images_per_s"] / t["images_per_s"] for c, t in zip(cb, tc)]}
        row["ratio"] = row["cnnbench_images_per_s"] / row["torch_images_per_s"]
        rows.append(row)
        raw.append({"config": cfg, "cnnbench": cb, "torch": tc})

    print()
    print("| model | batch | cnnbench img/s | PyTorch img/s | cnnbench / PyTorch (per round) | cnnbench GFLOP/s | "
          "peak device cnnbench | peak device PyTorch |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        per = ", ".join(f"{x:.2f}" for x in r["ratios"])
        print(f"| {r['model'].upper()} | {r['batch']} | {r['cnnbench_images_per_s']:.0f} | {r['torch_images_per_s']:.0f} | "
              f"**{r['ratio']:.2f}x** ({per}) | {r['cnnbench_gflops']:.1f} | {r['cnnbench_peak_device_mib']:.0f} MiB | "
              f"{r['torch_peak_device_mib']:.0f} MiB |")
    print(f"\n{rows[0]['device']}; PyTorch {rows[0]['torch_version']}; {'TF32' if a.tf32 else 'FP32 (no TF32)'}; "
          f"medians of {a.rounds} alternating rounds; {time.strftime('%Y-%m-%d %H:%M')}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rows": rows, "raw": raw, "tf32": a.tf32}, f, indent=1)


if __name__ == "__main__":
    main()
