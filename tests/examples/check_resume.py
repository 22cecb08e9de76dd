#!/usr/bin/env python3
"""End-to-end tests of resumable runs and run-time faults with examples/fashion_mnist on a small real
slice (300 training images, 3 epochs, 2 trials, eigen_cpu, 2 threads):

  kill_and_resume       a run killed with SIGKILL mid-run, after its first checkpoint, then resumed, gives
                        the same final weights (byte for byte) and the same results.json and results.csv,
                        except the wall-clock and memory fields, as a run that was not interrupted; without
                        --resume the unfinished checkpoint is refused; resuming the finished run only
                        rewrites the reports; resuming with other options is refused naming the difference;
                        a truncated checkpoint weight file is refused naming it; and a run killed before
                        any epoch was checkpointed resumes to the same result too
  write_failure         a report or checkpoint that cannot be written (a file-size limit: EFBIG, as a full
                        disk gives ENOSPC) is an error naming the file, every previous report is untouched,
                        and --resume writes the reports once there is room
  faults                zero epochs, --out inside the data folder: refused naming the value; more threads
                        than cores, a batch larger than the data: warnings, the run goes on

usage: check_resume.py EXE CASE DATA_DIR WORK_DIR
Prints "skipped: ..." and exits 0 when the Fashion-MNIST files are absent.
"""
import csv
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
SMALL = ["--policy", "eigen_cpu", "--train-samples", "300", "--epochs", "3", "--trials", "2", "--threads", "2", "--save-weights"]
# Fields that are wall-clock times, rates, dates or memory: allowed to differ after a resume.
VOLATILE = {"train_seconds", "images_per_second", "train_seconds_mean", "images_per_second_mean", "date", "peak_host_bytes",
            "baseline_host_bytes", "training_host_bytes", "peak_host_per_run", "peak_device_bytes"}


def expect(cond, what, out=""):
    if not cond:
        sys.exit(f"FAIL: {what}\n--- output ---\n{out}")


def run(exe, *args, timeout=600, **kw):
    p = subprocess.run([exe, *args, "--quiet"], capture_output=True, text=True, timeout=timeout, **kw)
    return p.returncode, p.stdout, p.stderr


def stable(j):
    """JSON without the volatile fields."""
    if isinstance(j, dict):
        return {k: stable(v) for k, v in j.items() if k not in VOLATILE}
    if isinstance(j, list):
        return [stable(v) for v in j]
    return j


def stable_csv(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [{k: v for k, v in r.items() if k not in VOLATILE} for r in rows]


def same_results(a, b):
    for name in ["results.json"]:
        with open(os.path.join(a, name)) as f:
            ja = stable(json.load(f))
        with open(os.path.join(b, name)) as f:
            jb = stable(json.load(f))
        if ja != jb:
            return f"{name} differs:\n{json.dumps(ja, indent=1)[:3000]}\nvs\n{json.dumps(jb, indent=1)[:3000]}"
    if stable_csv(os.path.join(a, "results.csv")) != stable_csv(os.path.join(b, "results.csv")):
        return "results.csv differs"
    wa, wb = sorted(os.listdir(os.path.join(a, "weights"))), sorted(os.listdir(os.path.join(b, "weights")))
    if wa != wb or len(wa) != 2:
        return f"weight files {wa} vs {wb}"
    for w in wa:
        with open(os.path.join(a, "weights", w), "rb") as f, open(os.path.join(b, "weights", w), "rb") as g:
            if f.read() != g.read():
                return f"weights/{w} differ"
    return ""


def checkpoint(out_dir):
    try:
        with open(os.path.join(out_dir, "checkpoint", "checkpoint.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def killed_run(exe, data, out_dir, when):
    """Starts a run and kills it with SIGKILL when when(checkpoint) is true; returns the checkpoint then."""
    shutil.rmtree(out_dir, ignore_errors=True)
    p = subprocess.Popen([exe, "--data", data, "--out", out_dir, "--quiet", *SMALL], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    cp = None
    while time.time() < deadline and p.poll() is None:
        cp = checkpoint(out_dir)
        if when(cp):
            p.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    p.wait()
    expect(p.returncode == -signal.SIGKILL, f"the run was killed by SIGKILL (exit status {p.returncode})")
    return cp


def reference(exe, data, work, case):
    """The uninterrupted run (made once per case)."""
    ref = os.path.join(work, case + "_reference")
    shutil.rmtree(ref, ignore_errors=True)
    rc, out, err = run(exe, "--data", data, "--out", ref, *SMALL)
    expect(rc == 0, f"the uninterrupted run: exit 0, got {rc}", err + out)
    return ref


def main():
    exe, case, data, work = sys.argv[1:5]
    for f in FILES:
        if not os.path.exists(os.path.join(data, f)):
            print(f"skipped: {os.path.join(data, f)} not found (Debian package dataset-fashion-mnist)")
            return
    os.makedirs(work, exist_ok=True)
    out_dir = os.path.join(work, case + "_out")

    if case == "kill_and_resume":
        ref = reference(exe, data, work, case)
        # Killed once the program has started but before any epoch was checkpointed: resumes from the start.
        cp = killed_run(exe, data, out_dir, lambda c: c is not None and c["running"] is None and not c["jobs"])
        expect(cp is not None and cp["running"] is None and not cp["jobs"], "killed before any checkpointed epoch", json.dumps(cp))
        rc, out, err = run(exe, "--data", data, "--out", out_dir, *SMALL, "--resume")
        expect(rc == 0, f"--resume before any checkpointed epoch: exit 0, got {rc}", err + out)
        diff = same_results(ref, out_dir)
        expect(not diff, "... gives the uninterrupted run's results", diff)

        # Killed mid-run, after its first checkpoint.
        cp = killed_run(exe, data, out_dir, lambda c: c is not None and c["running"] is not None)
        expect(not cp["finished"] and cp["running"]["epochs_done"] >= 1, "killed mid-run, after a checkpoint", json.dumps(cp)[:2000])
        state = os.path.join(out_dir, "checkpoint", cp["running"]["weights"])
        expect(os.path.exists(state), "the checkpoint's weight file exists", state)

        rc, out, err = run(exe, "--data", data, "--out", out_dir, *SMALL)
        expect(rc == 2 and "unfinished run" in err and "--resume" in err, f"without --resume: exit 2, got {rc}", err)
        other = [("4" if a == "3" and SMALL[i - 1] == "--epochs" else a) for i, a in enumerate(SMALL)]
        rc, out, err = run(exe, "--data", data, "--out", out_dir, *other, "--resume")
        expect(rc == 2 and "/protocol/epochs is 3 in the checkpoint, 4 now" in err,
               f"resuming with other options: exit 2 naming the difference, got {rc}", err)
        with open(state, "rb") as f:
            good = f.read()
        with open(state, "wb") as f:
            f.write(good[:100])
        rc, out, err = run(exe, "--data", data, "--out", out_dir, *SMALL, "--resume")
        expect(rc == 2 and state in err and "truncated" in err, f"a truncated checkpoint weight file: exit 2 naming it, got {rc}", err)
        with open(state, "wb") as f:
            f.write(good)

        rc, out, err = run(exe, "--data", data, "--out", out_dir, *SMALL, "--resume")
        expect(rc == 0 and "resuming from" in err, f"--resume: exit 0, got {rc}", err + out)
        diff = same_results(ref, out_dir)
        expect(not diff, "the resumed run equals the uninterrupted one", diff)
        expect(checkpoint(out_dir)["finished"], "the checkpoint says the run finished")

        before = os.path.getmtime(os.path.join(out_dir, "results.json"))
        time.sleep(0.01)
        t0 = time.time()
        rc, out, err = run(exe, "--data", data, "--out", out_dir, *SMALL, "--resume")
        expect(rc == 0 and "the run had finished" in err, f"resuming a finished run: exit 0, got {rc}", err)
        expect(os.path.getmtime(os.path.join(out_dir, "results.json")) > before, "the reports are rewritten")
        diff = same_results(ref, out_dir)
        expect(not diff, "... with the same results", diff)
        print(f"resumed run identical to the uninterrupted one; finished-run resume took {time.time() - t0:.1f} s")
    elif case == "write_failure":
        one = ["--policy", "eigen_cpu", "--train-samples", "100", "--epochs", "1", "--trials", "1", "--threads", "2"]
        shutil.rmtree(out_dir, ignore_errors=True)
        rc, out, err = run(exe, "--data", data, "--out", out_dir, *one)
        expect(rc == 0, f"first run: exit 0, got {rc}", err + out)
        before = {}
        for name in sorted(os.listdir(out_dir)):
            if os.path.isfile(os.path.join(out_dir, name)) and name != "gnuplot.log":
                with open(os.path.join(out_dir, name), "rb") as f:
                    before[name] = f.read()
        expect("results.json" in before and len(before["results.json"]) > 3000, "a results.json to protect", str(before.keys()))

        def limit():  # in the child: writes beyond 3,000 bytes fail with EFBIG instead of killing it
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))

        rc, out, err = run(exe, "--data", data, "--out", out_dir, *one, "--seed", "9", preexec_fn=limit)
        expect(rc == 2 and "File too large" in err and out_dir in err, f"exit 2 naming the file, got {rc}", err + out)
        for name, content in before.items():
            with open(os.path.join(out_dir, name), "rb") as f:
                expect(f.read() == content, f"{name} is untouched", err)
        left = [n for d in [out_dir, os.path.join(out_dir, "checkpoint")] for n in os.listdir(d) if ".tmp-" in n]
        expect(not left, "no temporary file is left", str(left))
        # The new run's checkpoint is whole; once there is room, --resume writes its reports without training.
        cp = checkpoint(out_dir)
        expect(cp is not None and cp["finished"], "the checkpoint is a whole file of the finished run", json.dumps(cp)[:2000])
        rc, out, err = run(exe, "--data", data, "--out", out_dir, *one, "--seed", "9", "--resume")
        expect(rc == 0 and "the run had finished" in err, f"--resume then writes the reports, got {rc}", err + out)
        with open(os.path.join(out_dir, "results.json")) as f:
            expect(json.load(f)["protocol"]["seed"] == 9, "the reports are the new run's")
    elif case == "faults":
        rc, out, err = run(exe, "--epochs", "0", "--data", data, "--out", out_dir)
        expect(rc == 2 and "--epochs" in err, f"zero epochs: exit 2 naming --epochs, got {rc}", err)
        rc, out, err = run(exe, "--trials", "0", "--data", data, "--out", out_dir)
        expect(rc == 2 and "--trials" in err, f"zero trials: exit 2 naming --trials, got {rc}", err)
        own = os.path.join(work, "own_data")
        shutil.rmtree(own, ignore_errors=True)
        os.makedirs(own)
        for f in FILES:
            os.symlink(os.path.join(os.path.abspath(data), f), os.path.join(own, f))
        inside = os.path.join(own, "results")
        rc, out, err = run(exe, "--data", own, "--out", inside)
        expect(rc == 2 and "inside the data folder" in err and inside in err, f"--out inside --data: exit 2, got {rc}", err)
        expect(not os.path.exists(inside), "nothing was created in the data folder")
        rc, out, err = run(exe, "--data", own, "--out", own)
        expect(rc == 2 and "inside the data folder" in err, f"--out = --data: exit 2, got {rc}", err)
        cores = os.cpu_count() or 1
        rc, out, err = run(exe, "--data", data, "--out", out_dir, "--policy", "eigen_cpu", "--train-samples", "200", "--epochs",
                           "1", "--trials", "1", "--threads", str(cores + 2), "--batch", "500")
        expect(rc == 0, f"more threads than cores and a batch above the data: the run goes on, got {rc}", err + out)
        expect(f"--threads {cores + 2} is more than the {cores} hardware threads" in err, "a warning about the threads", err)
        expect("batch size 500 is larger than the 200 training images" in err, "a warning about the batch", err)
        with open(os.path.join(out_dir, "results.json")) as f:
            ep = json.load(f)["trials"][0]["epochs"][0]
        expect(ep["images"] == 200, "one batch of 200 images", json.dumps(ep))
    else:
        sys.exit(f"unknown case {case}")


if __name__ == "__main__":
    main()
