#!/usr/bin/env python3
"""Equivalence of a generated framework module with PyTorch (Debian python3-torch, the oracle the
project already proves eigen_cpu equal to: tests/oracle), for S1 and S3 with dropout 0:
  - the same random weights load, and come back unchanged from get_weights (layout round trip);
  - forward logits within 1e-5 relative (||a - b||_2 / ||b||_2) of torch's;
  - evaluate()'s loss sum and correct count equal torch's (1e-5 relative; exact count);
  - 20 SGD-momentum steps (lr 0.01, momentum 0.9, torch.optim.SGD's convention) on the same batches:
    every per-step loss within 1e-4 relative, and the weights after them within 1e-3 relative;
and (case param_counts) param_count() of every published model equals param_count_v, which
include/cnnbench/models/published.hpp static_asserts (the fixtures carry those totals).

The generated module runs in the framework's own virtual environment (its Python, its numpy), this
script in the oracle's; they exchange .npy files in WORK_DIR. Without the environment the test prints
"skipped: <reason>" (ctest reports Skipped).

usage: equivalence.py FRAMEWORK CASE VENV_ROOT WORK_DIR       CASE: s1 | s3 | param_counts
       (tests/frameworks/check_<framework>.py CASE VENV_ROOT WORK_DIR: the same for one framework;
       $CNNBENCH_VENV_DIR, when set, replaces VENV_ROOT)
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "bench", "frameworks"))
FIXTURES = os.path.join(HERE, "fixtures")
PUBLISHED = ["s1", "s2", "s3", "s4", "s4_classic", "s5", "s5_binary", "resnet18_cifar"]
STEPS, LR, MOMENTUM = 20, 0.01, 0.9
TRAIN = {"loss": "softmax_cross_entropy", "batch_size": 32, "threads": 1, "seed": 1, "init": "cnnbench",
         "optimizer": {"kind": "sgd", "lr": LR, "momentum": MOMENTUM, "nesterov": False, "weight_decay": 0.0,
                       "decay": 0.0}}


def fail(msg):
    sys.exit(f"FAIL: {msg}")


def rel(a, b):
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def spec_of(model):
    with open(os.path.join(FIXTURES, model + ".json")) as f:
        return json.load(f)


def generate(framework, spec, path):
    gen = __import__(f"gen_{framework}")
    with open(path, "w") as f:
        f.write(gen.generate(spec, TRAIN))


def torch_model(spec):
    """The oracle: torch.nn from the spec, written independently of the generators."""
    import torch.nn as tnn
    mods, names = [], []
    for l in spec["layers"]:
        k = l["kind"]
        if k == "zero_pad":
            t, b, le, r = l["pads"]
            mods.append(tnn.ZeroPad2d((le, r, t, b)))
        elif k == "conv":
            t, b, le, r = l["pads"]
            if any(l["pads"]):
                mods.append(tnn.ZeroPad2d((le, r, t, b)))
            conv = tnn.Conv2d(l["in_shape"][0], l["filters"], tuple(l["kernel"]), tuple(l["stride"]), bias=l["bias"])
            mods.append(conv)
            names.append((l["name"], conv))
        elif k == "dense":
            lin = tnn.Linear(l["in_shape"][0], l["units"], bias=l["bias"])
            mods.append(lin)
            names.append((l["name"], lin))
        elif k == "max_pool":
            mods.append(tnn.MaxPool2d(tuple(l["window"]), tuple(l["stride"])))
        elif k == "avg_pool":
            mods.append(tnn.AvgPool2d(tuple(l["window"]), tuple(l["stride"])))
        elif k in ("relu", "sigmoid", "tanh"):
            mods.append({"relu": tnn.ReLU, "sigmoid": tnn.Sigmoid, "tanh": tnn.Tanh}[k]())
        elif k == "flatten":
            mods.append(tnn.Flatten())
        elif k == "dropout":
            if l["rate"] != 0:
                fail(f"the equivalence spec must have dropout 0, {l['name']} has {l['rate']}")
        else:
            fail(f"the oracle does not map {k} (only S1/S3's layers)")
    return tnn.Sequential(*mods), names


def random_weights(spec, rng):
    """U(+-1/sqrt(fan_in)) for every tensor (torch's default scale), float32, cnnbench layouts."""
    w = {}
    for t in spec["tensors"]:
        shape = t["shape"]
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else None
        if fan_in is None:  # a bias: its layer's fan-in
            weight = next(u for u in spec["tensors"] if u["name"] == t["name"][:-len("bias")] + "weight")
            fan_in = int(np.prod(weight["shape"][1:]))
        bound = 1 / np.sqrt(fan_in)
        w[t["name"]] = rng.uniform(-bound, bound, size=shape).astype(np.float32)
    return w


def equivalence(framework, model, python, work):
    import torch
    torch.set_num_threads(1)
    spec = spec_of("s3_dropout0" if model == "s3" else model)
    rng = np.random.default_rng(20261201)
    weights = random_weights(spec, rng)
    c, h, w = spec["input"]
    n, batch = 16, TRAIN["batch_size"]
    x = rng.uniform(-1, 1, size=(n, c, h, w)).astype(np.float32)
    y = rng.integers(0, spec["output"][0], size=n).astype(np.int32)
    bx = rng.uniform(-1, 1, size=(STEPS, batch, c, h, w)).astype(np.float32)
    by = rng.integers(0, spec["output"][0], size=(STEPS, batch)).astype(np.int32)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "weights"))
    for k, v in weights.items():
        np.save(os.path.join(work, "weights", k + ".npy"), v)
    for k, v in (("x", x), ("y", y), ("batches_x", bx), ("batches_y", by)):
        np.save(os.path.join(work, k + ".npy"), v)
    module = os.path.join(work, f"{framework}_{model}.py")
    generate(framework, spec, module)
    p = subprocess.run([python, os.path.join(HERE, "framework_worker.py"), "equivalence", module, work, "1"],
                       capture_output=True, text=True, timeout=1200, env=dict(os.environ, OMP_NUM_THREADS="1"))
    if p.returncode != 0:
        fail(f"{framework} worker exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    out = os.path.join(work, "out")
    with open(os.path.join(out, "roundtrip.json")) as f:
        rt = json.load(f)
    print(f"{framework} {rt['version']}: {model}, param_count {rt['param_count']:,}")
    if not rt["names"] or rt["max_abs_diff"] != 0:
        fail(f"get_weights(load_weights(w)) != w: names equal {rt['names']}, max |diff| {rt['max_abs_diff']}")
    if rt["param_count"] != spec["param_count"]:
        fail(f"param_count {rt['param_count']} != {spec['param_count']}")

    net, layers = torch_model(spec)
    with torch.no_grad():
        for name, mod in layers:
            mod.weight.copy_(torch.from_numpy(weights[name + ".weight"]))
            if mod.bias is not None:
                mod.bias.copy_(torch.from_numpy(weights[name + ".bias"]))
    loss_fn = torch.nn.CrossEntropyLoss()
    with torch.no_grad():
        want = net(torch.from_numpy(x))
        want_sum = float(torch.nn.functional.cross_entropy(want, torch.from_numpy(y).long(), reduction="sum"))
        want_correct = int((want.argmax(1) == torch.from_numpy(y).long()).sum())
    logits = np.load(os.path.join(out, "logits.npy"))
    e_logits = rel(logits, want.numpy())
    with open(os.path.join(out, "eval.json")) as f:
        ev = json.load(f)
    e_eval = abs(ev["loss_sum"] - want_sum) / abs(want_sum)
    print(f"  forward logits: relative error {e_logits:.2e} (bound 1e-5); evaluate loss sum {e_eval:.2e} "
          f"(1e-5), correct {ev['correct']} vs torch {want_correct}")
    opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
    want_losses = []
    for i in range(STEPS):
        opt.zero_grad()
        loss = loss_fn(net(torch.from_numpy(bx[i])), torch.from_numpy(by[i]).long())
        loss.backward()
        opt.step()
        want_losses.append(float(loss))
    losses = np.load(os.path.join(out, "losses.npy"))
    e_steps = [abs(a - b) / abs(b) for a, b in zip(losses, want_losses)]
    e_weights = max(rel(np.load(os.path.join(out, "weights_after", f"{name}.{t}.npy")),
                        getattr(mod, t).detach().numpy()) for name, mod in layers for t in ("weight", "bias"))
    print(f"  {STEPS} SGD-momentum steps: worst per-step loss relative error {max(e_steps):.2e} (bound 1e-4), "
          f"losses {want_losses[0]:.5f} -> {want_losses[-1]:.5f}; weights after: worst tensor {e_weights:.2e} (1e-3)")
    if not (e_logits <= 1e-5):
        fail(f"logits differ: {e_logits:.3e} relative")
    if not (e_eval <= 1e-5) or ev["correct"] != want_correct:
        fail(f"evaluate differs: loss sum {ev['loss_sum']} vs {want_sum}, correct {ev['correct']} vs {want_correct}")
    if len(losses) != STEPS or not (max(e_steps) <= 1e-4):
        fail(f"per-step losses differ: {list(losses)} vs {want_losses}")
    if not (e_weights <= 1e-3):
        fail(f"weights after {STEPS} steps differ: {e_weights:.3e} relative")


def param_counts(framework, python, work):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    paths, want = [], {}
    for mid in PUBLISHED:
        spec = spec_of(mid)
        path = os.path.join(work, f"{framework}_{mid}.py")
        generate(framework, spec, path)
        paths.append(path)
        want[os.path.basename(path)] = spec["param_count"]
    p = subprocess.run([python, os.path.join(HERE, "framework_worker.py"), "param_count", "1", *paths],
                       capture_output=True, text=True, timeout=1200, env=dict(os.environ, OMP_NUM_THREADS="1"))
    if p.returncode != 0:
        fail(f"{framework} worker exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    got = json.loads(p.stdout.strip().splitlines()[-1])
    for k in want:
        print(f"  {k}: {got.get(k)} (param_count_v {want[k]})")
    bad = [k for k in want if got.get(k) != want[k]]
    if bad:
        fail(f"param_count differs for {bad}")


def main(argv):
    framework, case, venv_root, work = argv
    venv_root = os.environ.get("CNNBENCH_VENV_DIR") or venv_root
    python = os.path.join(venv_root, framework, "bin", "python")
    if not os.access(python, os.X_OK):
        print(f"skipped: no {framework} environment at {os.path.join(venv_root, framework)} "
              f"(scripts/frameworks.sh {framework} creates it)")
        return 0
    try:
        import torch  # noqa: F401
    except ImportError:
        print(f"skipped: {sys.executable} has no torch (Debian python3-torch), the oracle")
        return 0
    if case == "param_counts":
        param_counts(framework, python, work)
    elif case in ("s1", "s3"):
        equivalence(framework, case, python, work)
    else:
        fail(f"unknown case {case!r}")
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:5]))
