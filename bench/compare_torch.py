#!/usr/bin/env python3
"""cnnbench (exec::eigen_cpu) and PyTorch train steps side by side, in the same run.

For each configuration (model, batch, threads) it alternates, `--rounds` times, one cnnbench
measurement (bench/bm_train, Google Benchmark, one configuration per process) and one PyTorch
measurement (bench/torch_train_step.py, same model, batch, SGD-momentum optimizer and thread
count), and reports medians: images/s of each, their ratio, cnnbench's GFLOP/s (a train step
counted as 3x the forward FLOPs of flops_v) as a fraction of the machine's peak FP32 rate (measured
by bench/peak_flops: cores x 32 FLOP/cycle for AVX2 FMA x the clock the cores run at), and each
process's peak resident memory.

PyTorch runs at its best setting on a small machine: `threads` intra-op threads and its BLAS held to
one thread (OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=threads); its default oversubscribes the cores.

With --baseline DIR (the build folder of another cnnbench checkout, e.g. the commit before a change),
each round also measures that build's bm_train, alternating with this one, and the table gains its
images/s and the ratio this/baseline: a regression check measured side by side in one run.

usage: bench/compare_torch.py [--build build/release] [--rounds 3] [--python /usr/bin/python3]
                              [--config s1:64:2 --config s3:128:2 ...] [--baseline DIR] [--json out.json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CONFIGS = ["s1:64:1", "s1:64:2", "s3:128:1", "s3:128:2"]
BM_NAME = {"s1": "S1", "s2": "S2", "s3": "S3"}


def run_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return out


def cnnbench_once(build, model, batch, threads, min_time):
    exe = os.path.join(build, "bench", "bm_train")
    filt = f"^train_step<{BM_NAME[model]}>/batch:{batch}/threads:{threads}/"
    out = run_json([exe, f"--benchmark_filter={filt}", "--benchmark_format=json", f"--benchmark_min_time={min_time}"])
    data = json.loads(out)
    runs = [b for b in data["benchmarks"] if b.get("run_type", "iteration") == "iteration"]
    if not runs:
        sys.exit(f"compare_torch: bm_train has no benchmark matching {filt}")
    b = runs[0]
    return {"images_per_s": b["items_per_second"], "gflops": b["GFLOP/s"], "peak_rss_mib": b["peak_rss_MiB"]}


def torch_once(python, model, batch, threads, steps):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS="1")
    out = run_json([python, os.path.join(HERE, "torch_train_step.py"), "--model", model, "--batch", str(batch),
                    "--threads", str(threads), "--steps", str(steps)], env=env)
    r = json.loads(out.strip().splitlines()[-1])
    return {"images_per_s": r["images_per_s"], "peak_rss_mib": r["peak_rss_bytes"] / 2**20,
            "baseline_rss_mib": r.get("baseline_rss_bytes", 0) / 2**20, "version": r["version"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build", "release"))
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--config", action="append", help="model:batch:threads (default: %s)" % " ".join(DEFAULT_CONFIGS))
    ap.add_argument("--min-time", type=float, default=2.0, help="seconds per cnnbench measurement")
    ap.add_argument("--json", help="write every measurement here")
    ap.add_argument("--baseline", help="build folder of another cnnbench whose bm_train alternates with this one's")
    a = ap.parse_args()
    configs = a.config or DEFAULT_CONFIGS

    peak = json.loads(run_json([os.path.join(a.build, "bench", "peak_flops")]))
    print(f"peak FP32 assumed: {peak['peak_gflops']:.1f} GFLOP/s = {peak['cores']} cores x 32 FLOP/cycle (AVX2 FMA) x "
          f"{peak['ghz_measured']:.2f} GHz measured (all cores busy together measured {peak['all_cores_gflops_measured']:.1f})")
    rows, raw = [], []
    for cfg in configs:
        model, batch, threads = cfg.split(":")
        batch, threads = int(batch), int(threads)
        cb, tc, bl = [], [], []
        for r in range(a.rounds):
            if a.baseline:
                bl.append(cnnbench_once(a.baseline, model, batch, threads, a.min_time))
            cb.append(cnnbench_once(a.build, model, batch, threads, a.min_time))
            steps = 60 if model == "s1" else 12
            tc.append(torch_once(a.python, model, batch, threads, steps))
            print(f"  {cfg} round {r + 1}: cnnbench {cb[-1]['images_per_s']:.0f} img/s, pytorch {tc[-1]['images_per_s']:.0f} img/s",
                  file=sys.stderr)
        med = lambda xs, k: statistics.median(x[k] for x in xs)
        row = {"model": model, "batch": batch, "threads": threads,
               "cnnbench_images_per_s": med(cb, "images_per_s"), "torch_images_per_s": med(tc, "images_per_s"),
               "cnnbench_gflops": med(cb, "gflops"), "cnnbench_peak_rss_mib": max(x["peak_rss_mib"] for x in cb),
               "torch_peak_rss_mib": max(x["peak_rss_mib"] for x in tc),
               "torch_baseline_rss_mib": max(x["baseline_rss_mib"] for x in tc), "torch_version": tc[0]["version"],
               "ratios": [c["images_per_s"] / t["images_per_s"] for c, t in zip(cb, tc)]}
        row["ratio"] = row["cnnbench_images_per_s"] / row["torch_images_per_s"]
        if bl:
            row["baseline_images_per_s"] = med(bl, "images_per_s")
            row["baseline_ratios"] = [c["images_per_s"] / b["images_per_s"] for c, b in zip(cb, bl)]
            row["vs_baseline"] = row["cnnbench_images_per_s"] / row["baseline_images_per_s"]
        row["fraction_of_peak"] = row["cnnbench_gflops"] / peak["peak_gflops"]
        rows.append(row)
        raw.append({"config": cfg, "cnnbench": cb, "torch": tc, "baseline": bl})

    print()
    print("| model | batch | threads | cnnbench img/s | PyTorch img/s | ratio (per round) | cnnbench GFLOP/s | of peak | "
          "peak RSS cnnbench | peak RSS PyTorch (of which after import) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        per = ", ".join(f"{x:.2f}" for x in r["ratios"])
        print(f"| {r['model'].upper()} | {r['batch']} | {r['threads']} | {r['cnnbench_images_per_s']:.0f} | "
              f"{r['torch_images_per_s']:.0f} | **{r['ratio']:.2f}x** ({per}) | {r['cnnbench_gflops']:.1f} | "
              f"{100 * r['fraction_of_peak']:.0f}% | {r['cnnbench_peak_rss_mib']:.0f} MiB | "
              f"{r['torch_peak_rss_mib']:.0f} MiB ({r['torch_baseline_rss_mib']:.0f}) |")
    print(f"\nPyTorch {rows[0]['torch_version']} with OPENBLAS_NUM_THREADS=1; medians of {a.rounds} alternating rounds; "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    if a.baseline:
        print(f"\n| model | batch | threads | this build img/s | baseline img/s | this / baseline (per round) |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            per = ", ".join(f"{x:.3f}" for x in r["baseline_ratios"])
            print(f"| {r['model'].upper()} | {r['batch']} | {r['threads']} | {r['cnnbench_images_per_s']:.0f} | "
                  f"{r['baseline_images_per_s']:.0f} | **{r['vs_baseline']:.3f}** ({per}) |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"peak": peak, "rows": rows, "raw": raw}, f, indent=1)


if __name__ == "__main__":
    main()
