#!/usr/bin/env python3
"""1 rank x 2 threads vs 2 ranks x 1 thread of exec::data_parallel (bench/mpi_scaling), alternating in
one run; prints the medians per model (images/s, communication share of a step, allreduce size and time).

usage: bench/compare_mpi.py [--exe build/release/bench/mpi_scaling] [--rounds 3] [--steps 30]
Runs mpirun on this machine (loopback, shared memory; as root with OMPI_ALLOW_RUN_AS_ROOT*).
"""
import argparse
import os
import statistics
import subprocess

MPIRUN = ["mpirun", "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,vader",
          "--mca", "btl_vader_single_copy_mechanism", "none", "--timeout", "600"]


def once(exe, ranks, threads, steps):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    out = subprocess.run([*MPIRUN, "-np", str(ranks), exe, "--threads", str(threads), "--steps", str(steps)],
                         capture_output=True, text=True, check=True, env=env).stdout
    rows = {}
    for line in out.splitlines():
        f = line.split()
        rows[f[0]] = {f[i]: float(f[i + 1]) for i in range(1, len(f) - 1, 2)}
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", default="build/release/bench/mpi_scaling")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=30)
    a = ap.parse_args()
    configs = [(1, 2), (2, 1)]
    results = {c: [] for c in configs}
    for _ in range(a.rounds):
        for c in configs:
            results[c].append(once(a.exe, *c, a.steps))
    print("| model | batch | ranks x threads | img/s (median) | per round | share of a step in the gradient sum "
          "(incl. waiting) | allreduce size, in-step time, time alone |")
    print("|---|---|---|---|---|---|---|")
    for model in results[configs[0]][0]:
        for c in configs:
            rs = [r[model] for r in results[c]]
            ips = [r["img/s"] for r in rs]
            share = statistics.median(r["comm_share"] for r in rs)
            ms = statistics.median(r["allreduce_ms"] for r in rs)
            alone = statistics.median(r["allreduce_alone_ms"] for r in rs)
            mib = rs[0]["allreduce_bytes"] / 2**20
            print(f"| {model} | {int(rs[0]['batch'])} | {c[0]} x {c[1]} | {statistics.median(ips):,.0f} | "
                  f"{', '.join(f'{v:,.0f}' for v in ips)} | {100 * share:.1f}% | {mib:.2f} MiB, {ms:.2f} ms, {alone:.2f} ms |")


if __name__ == "__main__":
    main()
