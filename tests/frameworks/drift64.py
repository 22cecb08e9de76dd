#!/usr/bin/env python3
"""Float32 drift of every runtime against a float64 run of the same training (issue 11's "show its drift
against its own float64 run"): S3 (dropout 0, the Keras cifar10_cnn model) or S1, 20 SGD-momentum steps
(lr 0.01, momentum 0.9, batch 32) on real data (CIFAR-10 / Fashion-MNIST from $CNNBENCH_DATA_DIR, else
uniform noise), from one set of random weights, batches in one shuffled order.

The float64 run is PyTorch (Debian python3-torch, this interpreter) in float64: the exact result of the
same arithmetic up to ~1e-15, so each float32 runtime's distance to it is that runtime's own rounding
drift. Printed per runtime: worst per-step loss relative difference to float64 (and to PyTorch float32),
and the trained weights' difference to float64 (and to PyTorch float32): the worst tensor's relative norm. Runtimes: torch float32 (this process),
and every generated framework module (bench/frameworks/codegen.py) whose venv exists, each run by
tests/frameworks/framework_worker.py in its own environment. An analysis tool, not a ctest test.

Weights: --init uniform is U(+-1/sqrt(fan_in)) (equivalence.py's), --init glorot is Glorot-uniform with
zero biases (cnnbench's init_scheme::glorot_uniform, as tests/frameworks/equivalence.cpp). --threads:
the frameworks' threads (equivalence.cpp runs them at 2); PyTorch float32/float64 here run at 1.

usage: drift64.py [s3|s1] [--frameworks a,b,...] [--steps 20] [--threads 1] [--init uniform|glorot]
                  [--weights DIR] [--work DIR]
       (venvs from $CNNBENCH_VENV_DIR, else the source tree's .venvs)
"""
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "bench", "frameworks"))
sys.path.insert(0, HERE)
import codegen  # noqa: E402
import equivalence as E  # noqa: E402


def real_data(model, n):
    """The first n training images, as the C++ equivalence test reads them, or None when absent."""
    root = os.environ.get("CNNBENCH_DATA_DIR", "")
    if model == "s3":
        path = os.path.join(root, "cifar10", "data_batch_1.bin")
        if not os.path.exists(path):
            return None
        raw = np.fromfile(path, np.uint8, count=n * 3073).reshape(n, 3073)
        return raw[:, 1:].reshape(n, 3, 32, 32).astype(np.float32) / 127.5 - 1, raw[:, 0].astype(np.int32)
    for d in (os.path.join(root, "fashion-mnist"), "/usr/share/fashion-mnist"):
        if os.path.exists(os.path.join(d, "train-images-idx3-ubyte.gz")):
            with gzip.open(os.path.join(d, "train-images-idx3-ubyte.gz")) as f:
                x = np.frombuffer(f.read(), np.uint8, offset=16)[:n * 784].reshape(n, 1, 28, 28)
            with gzip.open(os.path.join(d, "train-labels-idx1-ubyte.gz")) as f:
                y = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
            return x.astype(np.float32) / 255, y.astype(np.int32)
    return None


def torch_run(spec, weights, bx, by, dtype):
    import torch
    net, layers = E.torch_loaded(spec, weights)
    net = net.to(dtype)
    opt = torch.optim.SGD(net.parameters(), lr=E.LR, momentum=E.MOMENTUM)
    losses = []
    for x, y in zip(bx, by):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(torch.from_numpy(x).to(dtype)), torch.from_numpy(y).long())
        loss.backward()
        opt.step()
        losses.append(float(loss))
    return np.array(losses), {f"{n}.{t}": getattr(m, t).detach().double().numpy() for n, m in layers
                              for t in ("weight", "bias")}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", nargs="?", default="s3", choices=["s3", "s1"])
    ap.add_argument("--frameworks", default=",".join(codegen.FRAMEWORKS))
    ap.add_argument("--steps", type=int, default=E.STEPS)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--init", choices=["uniform", "glorot"], default="uniform")
    ap.add_argument("--weights", help="a folder of <tensor>.npy to start from instead (e.g. the 'initial' folder "
                    "framework_tests leaves in build/ci/tests/work/frameworks/<fw>/S3 (dropout 0))")
    ap.add_argument("--work", default=os.path.join("/tmp", "cnnbench_drift64"))
    a = ap.parse_args(argv)
    import torch
    torch.set_num_threads(1)
    spec = E.spec_of("s3_dropout0" if a.model == "s3" else "s1")
    batch = E.TRAIN["batch_size"]
    weights, _ = E.prepare(spec, a.steps, batch, a.work)  # random weights (and noise batches, replaced below)
    rng = np.random.default_rng(42)
    if a.weights:
        a.init = "from " + a.weights
        for t in spec["tensors"]:
            weights[t["name"]] = np.load(os.path.join(a.weights, t["name"] + ".npy")).astype(np.float32)
            np.save(os.path.join(a.work, "weights", t["name"] + ".npy"), weights[t["name"]])
    elif a.init == "glorot":
        for t in spec["tensors"]:
            shape = t["shape"]
            if len(shape) == 1:
                weights[t["name"]] = np.zeros(shape, np.float32)
            else:
                field = int(np.prod(shape[2:])) if len(shape) > 2 else 1
                bound = np.sqrt(6 / (shape[1] * field + shape[0] * field))
                weights[t["name"]] = rng.uniform(-bound, bound, size=shape).astype(np.float32)
            np.save(os.path.join(a.work, "weights", t["name"] + ".npy"), weights[t["name"]])
    data = real_data(a.model, 1000)
    source = "real data" if data is not None else "uniform noise (no data set found)"
    if data is not None:
        x, y = data
        idx = np.concatenate([rng.permutation(len(x)) for _ in range(a.steps * batch // len(x) + 1)])
        idx = idx[:a.steps * batch].reshape(a.steps, batch)
        np.save(os.path.join(a.work, "batches_x.npy"), x[idx])
        np.save(os.path.join(a.work, "batches_y.npy"), y[idx])
    bx, by = np.load(os.path.join(a.work, "batches_x.npy")), np.load(os.path.join(a.work, "batches_y.npy"))
    l64, w64 = torch_run(spec, weights, bx, by, torch.float64)
    l32, w32 = torch_run(spec, weights, bx, by, torch.float32)
    print(f"{a.model}, {a.steps} SGD-momentum steps, batch {batch}, {source}, init {a.init}, frameworks at "
          f"{a.threads} thread(s); losses (float64) "
          f"{l64[0]:.5f} -> {l64[-1]:.5f}")
    print(f"{'runtime':<24} {'loss vs float64':>16} {'loss vs torch32':>16} {'weights vs float64':>19} "
          f"{'weights vs torch32':>19}")

    def row(name, losses, w):
        el64 = np.max(np.abs(losses - l64) / np.abs(l64))
        el32 = np.max(np.abs(losses - l32) / np.abs(l32))
        ew = max(E.rel(w[k], w64[k]) for k in w64)
        ew32 = max(E.rel(w[k], w32[k]) for k in w32)
        print(f"{name:<24} {el64:16.2e} {el32:16.2e} {ew:19.2e} {ew32:19.2e}", flush=True)
    row("pytorch 1.13 float32", l32, w32)
    venvs = os.environ.get("CNNBENCH_VENV_DIR") or os.path.join(REPO, ".venvs")
    train = dict(E.TRAIN)
    for fw in a.frameworks.split(","):
        python = os.path.join(venvs, fw, "bin", "python")
        if not os.access(python, os.X_OK):
            print(f"{fw:<24} no venv at {os.path.dirname(os.path.dirname(python))}")
            continue
        module = os.path.join(a.work, f"{fw.replace('-', '_')}_drift.py")
        with open(module, "w") as f:
            f.write(codegen.generate(spec, fw, train))
        shutil.rmtree(os.path.join(a.work, "out"), ignore_errors=True)
        p = subprocess.run([python, os.path.join(HERE, "framework_worker.py"), "equivalence", module, a.work,
                            str(a.threads)], capture_output=True, text=True,
                           env=dict(os.environ, OMP_NUM_THREADS=str(a.threads)))
        if p.returncode != 0:
            print(f"{fw:<24} worker exited {p.returncode}: {p.stderr.strip().splitlines()[-1:]}")
            continue
        out = os.path.join(a.work, "out")
        with open(os.path.join(out, "roundtrip.json")) as f:
            version = json.load(f)["version"]
        w = {k: np.load(os.path.join(out, "weights_after", k + ".npy")).astype(np.float64) for k in w64}
        row(f"{fw} {version}"[:24], np.load(os.path.join(out, "losses.npy")), w)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
