#!/usr/bin/env python3
"""End-to-end tests of examples/fashion_mnist: bad input gives a clear message naming the file or
value and exit code 2 (before training starts); a diverging trial is marked in every report and the
run goes on; a small real run writes every report with consistent numbers.

usage: check_fashion_mnist.py FASHION_MNIST_EXE CASE DATA_DIR WORK_DIR
Cases needing the real data print "skipped: <path> not found" and exit 0 when it is absent.
"""
import csv
import gzip
import json
import os
import shutil
import subprocess
import sys
import time

FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def run(exe, *args, timeout=600):
    t0 = time.time()
    p = subprocess.run([exe, *args, "--quiet"], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.time() - t0


def expect(cond, what, out=""):
    if not cond:
        sys.exit(f"FAIL: {what}\n--- output ---\n{out}")


def need_data(data):
    for f in FILES:
        if not os.path.exists(os.path.join(data, f)):
            print(f"skipped: {os.path.join(data, f)} not found (Debian package dataset-fashion-mnist)")
            sys.exit(0)


def fake_data(data, work, name):
    """A copy of the dataset folder (symlinks) in which tests replace one file."""
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for f in FILES:
        os.symlink(os.path.join(os.path.abspath(data), f), os.path.join(d, f))
    return d


def replace(d, name, content):
    os.unlink(os.path.join(d, name))
    with open(os.path.join(d, name), "wb") as f:
        f.write(content)


def main():
    exe, case, data, work = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    out_dir = os.path.join(work, case + "_out")

    if case == "missing_data":
        missing = os.path.join(work, "no-such-folder")
        rc, out, err, _ = run(exe, "--data", missing, "--out", out_dir)
        expect(rc == 2, f"exit code 2 for missing data, got {rc}", err)
        expect(os.path.join(missing, "train-images-idx3-ubyte.gz") in err, "the message names the missing file", err)
        expect("dataset-fashion-mnist" in err and "--data" in err, "the message says how to get the data", err)
    elif case == "unwritable_out":
        blocker = os.path.join(work, "a-file")
        with open(blocker, "w") as f:
            f.write("not a folder")
        rc, out, err, secs = run(exe, "--out", os.path.join(blocker, "out"), "--data", data)
        expect(rc == 2, f"exit code 2 for an unwritable --out, got {rc}", err)
        expect(os.path.join(blocker, "out") in err, "the message names the folder", err)
        expect("reading" not in err and "trial" not in out, "reported before reading data or training", err + out)
    elif case == "unknown_policy":
        rc, out, err, _ = run(exe, "--policy", "eigen_cpu,tpu", "--out", out_dir, "--data", data)
        expect(rc == 2 and "unknown policy 'tpu'" in err and "eigen_cpu" in err, "unknown policy named, known ones listed", err)
    elif case == "bad_option":
        rc, out, err, _ = run(exe, "--epochs", "many")
        expect(rc == 2 and "--epochs" in err, f"exit code 2 naming the option, got {rc}", err)
    elif case == "truncated_gzip":
        need_data(data)
        d = fake_data(data, work, "truncated")
        with open(os.path.join(data, FILES[0]), "rb") as f:
            raw = f.read()
        replace(d, FILES[0], raw[: len(raw) // 3])
        rc, out, err, _ = run(exe, "--data", d, "--out", out_dir)
        path = os.path.join(d, FILES[0])
        expect(rc == 2, f"exit code 2 for a truncated file, got {rc}", err)
        expect(path in err and "truncated" in err and f"offset {len(raw) // 3}" in err, "file, 'truncated' and offset named", err)
    elif case == "corrupt_header":
        need_data(data)
        d = fake_data(data, work, "corrupt")
        with gzip.open(os.path.join(data, FILES[0])) as f:
            raw = bytearray(f.read())
        raw[0:4] = b"\x00\x00\x08\x01"  # the labels' magic in the images file
        replace(d, FILES[0], gzip.compress(bytes(raw), compresslevel=1))
        rc, out, err, _ = run(exe, "--data", d, "--out", out_dir)
        expect(rc == 2, f"exit code 2 for a bad IDX magic, got {rc}", err)
        expect(os.path.join(d, FILES[0]) in err and "offset 0" in err and "0x00000803" in err, "file, offset and expected magic", err)
    elif case == "count_mismatch":
        need_data(data)
        d = fake_data(data, work, "mismatch")
        os.unlink(os.path.join(d, FILES[1]))
        os.symlink(os.path.join(os.path.abspath(data), FILES[3]), os.path.join(d, FILES[1]))  # 10,000 labels
        rc, out, err, _ = run(exe, "--data", d, "--out", out_dir)
        expect(rc == 2, f"exit code 2 for disagreeing counts, got {rc}", err)
        expect("60000 images" in err and "10000 labels" in err, "both counts named", err)
    elif case == "diverged":
        need_data(data)
        # One policy (eigen_cpu): the default set is every policy available here, which would multiply the trials.
        rc, out, err, _ = run(exe, "--data", data, "--out", out_dir, "--optimizer", "sgd", "--lr", "1e6", "--epochs", "2",
                              "--trials", "2", "--train-samples", "1280", "--policy", "eigen_cpu")
        expect(rc == 0, f"a diverging run is reported, not fatal (exit 0), got {rc}", err)
        expect(out.count("diverged") >= 2, "both trials reported diverged on stdout", out)
        with open(os.path.join(out_dir, "report.md")) as f:
            md = f.read()
        expect("2 (2 diverged)" in md, "report.md counts the diverged trials", md)
        with open(os.path.join(out_dir, "results.csv")) as f:
            rows = list(csv.DictReader(f))
        expect({r["trial"] for r in rows} == {"1", "2"} and all(r["status"] == "diverged" for r in rows),
               "results.csv: both trials, status diverged", str(rows))
        with open(os.path.join(out_dir, "results.json")) as f:
            j = json.load(f)
        expect([t["status"] for t in j["trials"]] == ["diverged", "diverged"] and "loss" in j["trials"][0]["detail"],
               "results.json: statuses and the reason", json.dumps(j["trials"])[:2000])
        expect(j["summary"][0]["diverged"] == 2 and j["summary"][0]["accuracy_mean"] is None, "summary: 2 diverged, no accuracy")
    elif case == "small_run":
        need_data(data)
        rc, out, err, _ = run(exe, "--data", data, "--out", out_dir, "--epochs", "2", "--trials", "2", "--train-samples", "6000",
                              "--threads", "2", "--policy", "eigen_cpu")
        expect(rc == 0, f"exit 0, got {rc}", err + out)
        for name in ["report.md", "results.csv", "results.json", "learning_curves.dat", "learning_curves.gp"]:
            expect(os.path.getsize(os.path.join(out_dir, name)) > 0, f"{name} written")
        if shutil.which("gnuplot"):
            for name in ["learning_curves.png", "learning_curves.svg"]:
                expect(os.path.getsize(os.path.join(out_dir, name)) > 1000, f"{name} drawn")
        with open(os.path.join(out_dir, "results.json")) as f:
            j = json.load(f)
        trials = j["trials"]
        expect(len(trials) == 2 and all(len(t["epochs"]) == 2 and t["status"] == "ok" for t in trials), "2 trials x 2 epochs")
        accs = [t["final_test_accuracy"] for t in trials]
        expect(all(0.70 < a < 1.0 for a in accs), f"trained: test accuracies {accs} above 0.70 (6,000 images, 2 epochs)")
        mean = sum(accs) / 2
        expect(abs(j["summary"][0]["accuracy_mean"] - mean) < 1e-12, "summary mean = mean of the trials")
        expect(trials[0]["seed"] != trials[1]["seed"], "trials use different seeds")
        expect(all(t["epochs"][0]["images"] == 6000 for t in trials), "every epoch saw the 6,000 images")
        expect(trials[0]["peak_host_bytes"] > 0 and j["environment"]["cpu"], "memory and environment recorded")
        with open(os.path.join(out_dir, "results.csv")) as f:
            rows = list(csv.DictReader(f))
        expect(len(rows) == 4, f"results.csv: 4 rows (2 trials x 2 epochs), got {len(rows)}")
        with open(os.path.join(out_dir, "report.md")) as f:
            md = f.read()
        expect("| Platform | Optimizer | Acc (Mean) | Acc (Std) |" in md and "*PyTorch (published" in md, "table with published rows", md)
        expect(f"{mean:.4f}" in md and f"{mean:.4f}" in out, "the mean accuracy in report.md and on stdout", md + out)
    else:
        sys.exit(f"unknown case {case}")
    print(f"OK: {case}")


if __name__ == "__main__":
    main()
