#!/usr/bin/env python3
"""exec::eigen_cpu and exec::libtorch train steps side by side, in the same run (issue 6).

Runs build/<preset>/bench/bm_train_libtorch (Google Benchmark; both policies on the same model,
batch, SGD-momentum optimizer and thread count) alternately per policy, `--rounds` times, and prints
medians and the ratio eigen_cpu / libtorch. LibTorch's BLAS is held to one thread
(OPENBLAS_NUM_THREADS=1) and it runs torch::set_num_threads(threads): its best setting on 2 cores.

usage: bench/compare_libtorch.py [--build build/release] [--rounds 3] [--min-time 2]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = [("S1", 64, 1), ("S1", 64, 2), ("S3", 128, 1), ("S3", 128, 2)]


def once(exe, policy, model, batch, threads, min_time):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS=str(threads))
    filt = f"^{policy}_step<{model}>/batch:{batch}/threads:{threads}/"
    out = subprocess.run([exe, f"--benchmark_filter={filt}", "--benchmark_format=json", f"--benchmark_min_time={min_time}"],
                         check=True, capture_output=True, text=True, env=env).stdout
    b = [x for x in json.loads(out)["benchmarks"] if x.get("run_type", "iteration") == "iteration"][0]
    return b["items_per_second"], b["GFLOP/s"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build", "release"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=2.0)
    a = ap.parse_args()
    exe = os.path.join(a.build, "bench", "bm_train_libtorch")
    if not os.path.exists(exe):
        sys.exit(f"compare_libtorch: {exe} not found: configure with CNNBENCH_WITH_LIBTORCH=ON (Debian libtorch-dev) and build it")
    print("| model | batch | threads | eigen_cpu img/s | libtorch img/s | eigen_cpu / libtorch (per round) |")
    print("|---|---|---|---|---|---|")
    for model, batch, threads in CONFIGS:
        e, t = [], []
        for _ in range(a.rounds):
            e.append(once(exe, "eigen_cpu", model, batch, threads, a.min_time)[0])
            t.append(once(exe, "libtorch", model, batch, threads, a.min_time)[0])
        em, tm = statistics.median(e), statistics.median(t)
        per = ", ".join(f"{x / y:.2f}" for x, y in zip(e, t))
        print(f"| {model} | {batch} | {threads} | {em:.0f} | {tm:.0f} | **{em / tm:.2f}x** ({per}) |", flush=True)


if __name__ == "__main__":
    main()
