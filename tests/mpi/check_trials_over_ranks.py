#!/usr/bin/env python3
"""Trials over MPI ranks (mpi/trials.hpp) through the fashion_mnist program, on real Fashion-MNIST.

usage: check_trials_over_ranks.py CASE EXE DATA_DIR WORK_DIR MPIRUN [MPIRUN_ARGS...]
  same_reports  a small run (3 trials x 1 epoch on 640 images, eigen_cpu, 1 thread) in one process and
                under `mpirun -np 2`: results.json must be equal except the wall-clock and memory
                fields and the environment, which must list the ranks and hosts; only rank 0 reports.
  rank_fails    rank 1 throws after its first job (CNNBENCH_MPI_TEST_FAIL_RANK=1): a non-zero exit
                within the time limit and a message naming the rank and the error.
  rank_dies     rank 1 calls abort() after its first job (CNNBENCH_MPI_TEST_FAIL_MODE=abort): a
                non-zero exit within the time limit and a message naming the rank (from mpirun).
Prints "skipped: ..." and exits 0 without the data (Debian package dataset-fashion-mnist).
"""
import json
import os
import shutil
import subprocess
import sys
import time

# Fields that differ between runs by nature: time, memory, the environment.
VOLATILE = {"train_seconds", "images_per_second", "peak_host_bytes", "baseline_host_bytes", "training_host_bytes",
            "train_seconds_mean", "images_per_second_mean", "environment"}
SMALL = ["--policy", "eigen_cpu", "--threads", "1", "--epochs", "1", "--trials", "3", "--train-samples", "640", "--quiet"]
LIMIT = 240  # seconds: a hang is a failure, not a stuck CI job


def strip(j):
    if isinstance(j, dict):
        return {k: strip(v) for k, v in j.items() if k not in VOLATILE}
    if isinstance(j, list):
        return [strip(v) for v in j]
    return j


def expect(cond, what, out=""):
    if not cond:
        sys.exit(f"FAIL: {what}\n--- output ---\n{out}")


def run(cmd, env=None):
    t0 = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=LIMIT, env=env)
    except subprocess.TimeoutExpired as e:
        sys.exit(f"FAIL: {' '.join(cmd)} did not end within {LIMIT} s (a hang)\n{e.stdout}\n{e.stderr}")
    return p.returncode, p.stdout + p.stderr, time.time() - t0


def main():
    case, exe, data, work, mpirun = sys.argv[1:6]
    mpi_args = sys.argv[6:]
    if not os.path.exists(os.path.join(data, "train-images-idx3-ubyte.gz")):
        print(f"skipped: {data}/train-images-idx3-ubyte.gz not found (Debian package dataset-fashion-mnist)")
        return
    work = os.path.join(work, case)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    ranks = [mpirun, "-np", "2", *mpi_args]

    if case == "same_reports":
        code, out, secs_single = run([exe, *SMALL, "--data", data, "--out", f"{work}/single"])
        expect(code == 0, "the single-process run failed", out)
        code, out, secs_ranks = run([*ranks, exe, *SMALL, "--data", data, "--out", f"{work}/ranks"], env)
        expect(code == 0, "the 2-rank run failed", out)
        expect(out.count("report:  ") == 1, "exactly one rank writes the reports", out)
        expect(out.count("trial ") >= 3, "every rank prints its trial lines", out)
        single = json.load(open(f"{work}/single/results.json"))
        ranked = json.load(open(f"{work}/ranks/results.json"))
        expect(len(ranked["trials"]) == 3, "3 trial records gathered", json.dumps(ranked["trials"])[:2000])
        a, b = strip(single), strip(ranked)
        for key in a:
            expect(a[key] == b[key], f"results.json '{key}' differs between 1 process and 2 ranks",
                   json.dumps(a[key], indent=1)[:3000] + "\n--- 2 ranks ---\n" + json.dumps(b[key], indent=1)[:3000])
        expect(a == b, "results.json differs (apart from time, memory, environment)")
        other = ranked["environment"]["other"]
        expect("2 ranks on 1 host" in other and "Open MPI" in other, f"the environment lists the ranks and hosts: '{other}'")
        expect("ranks" not in single["environment"]["other"], "a single-process run does not mention ranks")
        acc = [t["final_test_accuracy"] for t in ranked["trials"]]
        print(f"1 process {secs_single:.1f} s, 2 ranks {secs_ranks:.1f} s; 3 trials, identical records "
              f"(final test accuracies {acc}); environment: {other}")
    elif case in ("rank_fails", "rank_dies"):
        env = dict(env, CNNBENCH_MPI_TEST_FAIL_RANK="1", CNNBENCH_MPI_TEST_FAIL_MODE="abort" if case == "rank_dies" else "throw")
        fwd = ["-x", "CNNBENCH_MPI_TEST_FAIL_RANK", "-x", "CNNBENCH_MPI_TEST_FAIL_MODE"]
        code, out, secs = run([*ranks, *fwd, exe, *SMALL, "--data", data, "--out", f"{work}/out"], env)
        expect(code != 0, "a failing rank makes the run fail", out)
        expect(not os.path.exists(f"{work}/out/results.json"), "no report from a failed run", out)
        if case == "rank_fails":
            expect("rank 1 of 2" in out and "fails on purpose" in out and "aborting all ranks" in out,
                   "the message names the rank and the error", out)
        else:
            expect("rank 1" in out and ("signal 6" in out or "Aborted" in out), "mpirun names the rank that died", out)
        print(f"exit code {code} after {secs:.1f} s; output:\n{out.strip()[-1500:]}")
    else:
        sys.exit(f"unknown case {case}")


if __name__ == "__main__":
    main()
