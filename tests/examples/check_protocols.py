#!/usr/bin/env python3
"""End-to-end tests of the protocol programs (S2 cifar10_vgg, S3 cifar10_keras, S4 mnist_lenet and
mnist_lenet5) on small real slices of the data: each runs its protocol, writes every report, prints the
published table beside ours and says what it had to change; and bad input (missing data, a CIFAR-10
file whose size is not a multiple of 3,073 bytes) stops with exit code 2 and a message naming the file.

usage: check_protocols.py EXE CASE WORK_DIR     (the data folder: $CNNBENCH_DATA_DIR)
A case whose data is absent prints "skipped: <path> not found" and exits 0.
"""
import json
import os
import shutil
import subprocess
import sys


def run(exe, *args, timeout=900):
    p = subprocess.run([exe, *args, "--quiet"], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def expect(cond, what, out=""):
    if not cond:
        sys.exit(f"FAIL: {what}\n--- output ---\n{out}")


def need(path):
    if not os.path.exists(path):
        print(f"skipped: {path} not found (set CNNBENCH_DATA_DIR to the folder holding the real data subsets)")
        sys.exit(0)


def reports(out_dir):
    for name in ["report.md", "results.csv", "results.json"]:
        expect(os.path.getsize(os.path.join(out_dir, name)) > 0, f"{name} written")
    with open(os.path.join(out_dir, "report.md")) as f:
        md = f.read()
    with open(os.path.join(out_dir, "results.json")) as f:
        js = json.load(f)
    return md, js


def main():
    exe, case, work = sys.argv[1:4]
    data = os.environ.get("CNNBENCH_DATA_DIR", "")
    os.makedirs(work, exist_ok=True)
    out_dir = os.path.join(work, case + "_out")
    shutil.rmtree(out_dir, ignore_errors=True)
    cifar = os.path.join(data, "cifar10") if data else "<CNNBENCH_DATA_DIR unset>/cifar10"
    mnist = os.path.join(data, "mnist") if data else "<CNNBENCH_DATA_DIR unset>/mnist"

    if case == "missing_data":
        missing = os.path.join(work, "no-such-folder")
        rc, out, err = run(exe, "--data", missing, "--out", out_dir)
        expect(rc == 2, f"exit code 2 for missing data, got {rc}", err)
        expect(missing in err, "the message names the missing folder's file", err)
    elif case == "no_data_option":
        rc, out, err = run(exe, "--out", out_dir)
        expect(rc == 2 and "--data" in err, f"without --data: exit 2 and how to give it, got {rc}", err)
    elif case == "cifar_bad_size":
        need(os.path.join(cifar, "test_batch.bin"))
        bad = os.path.join(work, "cifar_bad")
        shutil.rmtree(bad, ignore_errors=True)
        os.makedirs(bad)
        for f in os.listdir(cifar):
            os.symlink(os.path.join(os.path.abspath(cifar), f), os.path.join(bad, f))
        os.unlink(os.path.join(bad, "data_batch_1.bin"))
        with open(os.path.join(cifar, "data_batch_1.bin"), "rb") as f:
            raw = f.read()
        with open(os.path.join(bad, "data_batch_1.bin"), "wb") as f:
            f.write(raw[:3073 * 10 + 100])
        rc, out, err = run(exe, "--data", bad, "--out", out_dir)
        path = os.path.join(bad, "data_batch_1.bin")
        expect(rc == 2, f"exit code 2 for a truncated CIFAR-10 file, got {rc}", err)
        expect(path in err and "3073" in err.replace(",", ""), "the message names the file and the record size", err)
    elif case == "s2_small":  # cifar10_vgg: complete batches only, for training and for the test set
        need(os.path.join(cifar, "test_batch.bin"))
        rc, out, err = run(exe, "--data", cifar, "--out", out_dir, "--epochs", "1", "--train-samples", "640",
                           "--policy", "eigen_cpu", "--threads", "2")
        expect(rc == 0, f"exit 0, got {rc}", err + out)
        md, js = reports(out_dir)
        expect("(published; K80 GPU)" in out and "Chainer 2.0.2" in out, "the published table is printed beside ours", out)
        expect("complete batches only" in md and "960 images scored" in md, "1,017 test images scored on 15 complete batches", md)
        expect("a real subset" in md, "the report says the data is a subset", md)
        ep = js["trials"][0]["epochs"][0]
        expect(ep["images"] == 640 and ep["test_images"] == 960, "640 trained, 960 scored", json.dumps(ep))
        expect(js["protocol"]["evaluation"] == "complete batches", "the evaluation rule is in the JSON")
    elif case == "s3_small":  # cifar10_keras: no shuffle, [-1, 1], RMSprop (Keras 2), img/s the write-up's way
        need(os.path.join(cifar, "test_batch.bin"))
        rc, out, err = run(exe, "--data", cifar, "--out", out_dir, "--trials", "1", "--epochs", "1", "--policy",
                           "eigen_cpu", "--threads", "2")
        expect(rc == 0, f"exit 0, got {rc}", err + out)
        md, js = reports(out_dir)
        expect(js["protocol"]["train_samples"] == 2000 and js["protocol"]["normalization"] == "x/127.5-1" and
               not js["protocol"]["shuffle"], "the write-up's protocol", json.dumps(js["protocol"]))
        expect("RMSprop lr 0.001 rho 0.9 eps 1e-08" in js["protocol"]["arms"][0]["optimizer"], "Keras 2.0's RMSprop",
               json.dumps(js["protocol"]["arms"]))
        expect("counted the write-up's way (2,400 images per epoch)" in md, "images/s the write-up's way", md)
        expect("leak" in md, "the report says the write-up's test set leaked", md)
        expect(js["trials"][0]["epochs"][0]["images"] == 2000, "2,000 images trained per epoch")
    elif case == "s4_small":  # mnist_lenet: four arms (init x pixel scale), default policy set
        need(os.path.join(mnist, "t10k-images-idx3-ubyte.gz"))
        rc, out, err = run(exe, "--data", mnist, "--out", out_dir, "--epochs", "1", "--trials", "1",
                           "--train-samples", "2000", "--threads", "2")
        expect(rc == 0, f"exit 0, got {rc}", err + out)
        md, js = reports(out_dir)
        arms = [a["label"] for a in js["protocol"]["arms"]]
        expect(len(arms) == 4, "four arms", str(arms))
        expect({(a["init"], a["normalization"]) for a in js["protocol"]["arms"]} ==
               {("glorot_normal", "none (0..255)"), ("glorot_uniform", "none (0..255)"), ("glorot_normal", "x/255"),
                ("glorot_uniform", "x/255")}, "init x normalisation arms", json.dumps(js["protocol"]["arms"]))
        expect("training images (the first ones of the official 60,000" in md, "the subset is reported", md)
        policies = {t["policy"] for t in js["trials"]}
        listed = subprocess.run([exe, "--list-policies"], capture_output=True, text=True).stdout.splitlines()
        available = {line.split()[0] for line in listed
                     if line.strip() and "unavailable here" not in line and "runs only when named" not in line}
        expect("eigen_cpu" in available and policies == available,
               "the default policy set is every policy this build has that can run here", f"{policies} vs {listed}")
        ok = [t for t in js["trials"] if t["status"] == "ok" and t["policy"] == "eigen_cpu"]
        expect(len(ok) >= 2 and all(t["epochs"][0]["test_accuracy"] > 0.5 for t in ok),
               "LeNet learns in one epoch on 2,000 images (> 0.5 test accuracy)", json.dumps(ok)[:3000])
    elif case == "s4_profile":  # mnist_lenet --profile: per-layer tables in report.md and results.json
        need(os.path.join(mnist, "t10k-images-idx3-ubyte.gz"))
        rc, out, err = run(exe, "--data", mnist, "--out", out_dir, "--epochs", "1", "--trials", "2",
                           "--train-samples", "600", "--optimizer", "adam", "--threads", "2", "--profile")
        expect(rc == 0, f"exit 0, got {rc}", err + out)
        md, js = reports(out_dir)
        # LeNet as coded (models::LeNetTfMxnet), written out here: Conv<6, 5>, ReLU, AvgPool<2>, Conv<16, 3>, ReLU,
        # AvgPool<2>, Flatten, Dense<120>, ReLU, Dense<84>, ReLU, Dense<10>, with summary.hpp's Keras-style names.
        layers = ["conv_1", "relu_1", "avg_pool_1", "conv_2", "relu_2", "avg_pool_2", "flatten_1", "dense_1", "relu_3",
                  "dense_2", "relu_4", "dense_3"]
        eigen = [t for t in js["trials"] if t["policy"] == "eigen_cpu"]
        expect(len(eigen) == 2 and all(t["status"] == "ok" for t in eigen), "two eigen_cpu trials", json.dumps(eigen)[:2000])
        steps = -(-600 // 200)  # batch 200, the last batch partial
        for t in eigen:
            p = t.get("profile")
            expect(p is not None, "each eigen_cpu trial has a profile", json.dumps(t)[:2000])
            expect([r["name"] for r in p["rows"]] == layers, "profile rows = the model's layers", json.dumps(p["rows"]))
            expect(p["steps"] == steps and p["samples"] == 600 and p["threads"] == 2, "steps, samples, threads",
                   json.dumps(p)[:500])
            for r in p["rows"]:
                expect(r["forward_seconds"] > 0 and r["backward_data_seconds"] > 0, f"{r['name']} timed", json.dumps(r))
                if r["type"] == "Dense":
                    expect(r["backward_weights_seconds"] > 0, f"{r['name']}: backward-weights timed", json.dumps(r))
                if r["type"] in ("ReLU", "AvgPool", "Flatten"):  # no weights: nothing switches to backward-weights
                    expect(r["backward_weights_seconds"] == 0, f"{r['name']}: no backward-weights time", json.dumps(r))
            attributed = sum(r["forward_seconds"] + r["backward_data_seconds"] + r["backward_weights_seconds"]
                             for r in p["rows"]) + p["loss_seconds"] + p["update_seconds"]
            expect(0 < attributed <= p["step_seconds"], "the parts fit in the steps' time", json.dumps(p)[:500])
            expect(p["step_seconds"] <= t["train_seconds"], "profiled steps within the training loop's time", json.dumps(t)[:800])
        pooled = [x for x in js["profiles"] if x["policy"] == "eigen_cpu"]
        expect(len(pooled) == 1 and pooled[0]["profile"]["steps"] == 2 * steps, "pooled over both trials",
               json.dumps(js["profiles"])[:1000])
        expect("## Per-layer profile (--profile)" in md, "the report has the profile section", md)
        section = md.split("## Per-layer profile (--profile)")[1].split("\n## ")[0]
        table_rows = [line.split("|")[1].strip() for line in section.splitlines()
                      if line.startswith("| ") and not line.startswith("| layer ")]
        expect(table_rows[:len(layers)] == layers, "the report's table lists the model's layers in order", section)
        expect(f"{2 * steps} steps, 200 samples per step (mean), 2 threads." in section, "steps of both trials", section)
        others = {t["policy_label"] for t in js["trials"] if t["policy"] != "eigen_cpu"}
        for label in others:
            expect(all("profile" not in t for t in js["trials"] if t["policy_label"] == label), f"no profile for {label}")
            expect("No per-layer profile for: " in section and label in section, f"the report says {label} has none", section)
    elif case in ("s5_small", "s5_binary_small"):  # cats_vs_dogs: image folders, flips and rotations, curves
        cats = os.path.join(data, "cats_vs_dogs") if data else "<CNNBENCH_DATA_DIR unset>/cats_vs_dogs"
        need(os.path.join(cats, "train"))
        rc, out, err = run(exe, "--data", cats, "--out", out_dir, "--epochs", "1", "--per-class", "24", "--policy",
                           "eigen_cpu", "--threads", "2")
        expect(rc == 0, f"exit 0, got {rc}", err + out)
        md, js = reports(out_dir)
        expect(js["protocol"]["augmentation"] == {"hflip": True, "rotate_degrees": 30.0}, "flip and rotation",
               json.dumps(js["protocol"]))
        expect("random rotation within +-30 degrees" in md, "the augmentation is in the report", md)
        expect(js["protocol"]["loss"] == ("binary_cross_entropy" if case == "s5_binary_small" else "softmax_cross_entropy"),
               "the protocol's loss", json.dumps(js["protocol"]))
        ep = js["trials"][0]["epochs"][0]
        expect(ep["images"] == 48 and ep["test_images"] == 48, "24 photos per class trained and validated", json.dumps(ep))
        expect(ep["train_accuracy"] is not None and ep["test_loss"] is not None, "train and validation curves", json.dumps(ep))
        expect("TensorFlow (did not learn)" in out, "the published figures are printed", out)
    elif case in ("corrupt_image", "one_class", "empty_class"):
        cats = os.path.join(data, "cats_vs_dogs") if data else "<CNNBENCH_DATA_DIR unset>/cats_vs_dogs"
        need(os.path.join(cats, "train"))
        bad = os.path.join(work, case)
        shutil.rmtree(bad, ignore_errors=True)
        for split in ["train", "val"]:
            for cls in ["cat", "dog"]:
                os.makedirs(os.path.join(bad, split, cls))
                src = os.path.join(cats, split, cls)
                for f in sorted(os.listdir(src))[:3]:
                    os.symlink(os.path.join(os.path.abspath(src), f), os.path.join(bad, split, cls, f))
        if case == "corrupt_image":
            victim = os.path.join(bad, "train", "dog", "dog.zz.jpg")
            with open(os.path.join(cats, "train", "dog", sorted(os.listdir(os.path.join(cats, "train", "dog")))[0]), "rb") as f:
                raw = f.read()
            with open(victim, "wb") as f:
                f.write(raw[: len(raw) // 2])
        elif case == "one_class":
            shutil.rmtree(os.path.join(bad, "train", "dog"))
            victim = os.path.join(bad, "train")
        else:
            shutil.rmtree(os.path.join(bad, "train", "dog"))
            os.makedirs(os.path.join(bad, "train", "dog"))
            victim = os.path.join(bad, "train", "dog")
        rc, out, err = run(exe, "--data", bad, "--out", out_dir, "--epochs", "1", "--policy", "eigen_cpu")
        expect(rc == 2, f"exit code 2, got {rc}", err + out)
        expect(victim in err, "the message names the file or folder", err)
        expect("trial" not in out, "stopped before training", out)
    else:
        sys.exit(f"unknown case {case}")
    print(f"ok: {case}")


if __name__ == "__main__":
    main()
