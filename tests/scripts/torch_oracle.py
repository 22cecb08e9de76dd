#!/usr/bin/env python3
"""PyTorch oracle of tests/oracle/torch_oracle.cpp.

    torch_oracle.py --model s1|s3 --dir DIR

Reads, written by the C++ test:
    DIR/x.npy                 float32 input, NCHW
    DIR/y.npy                 labels (float32 holding integers), shape (N,)
    DIR/weights/<name>.npy    every parameter of the cnnbench model (export_npy: conv_1.weight, OIHW; ...)
    DIR/optimizers.txt        one optimizer configuration per line: "<id> <kind> key=value ..."
                              kinds: sgd (lr momentum nesterov weight_decay),
                                     adam (lr beta1 beta2 eps weight_decay),
                                     rmsprop (lr alpha eps momentum)
Writes, all float32, into DIR/torch/:
    logits.npy                model(x), shape (N, 10)
    loss.npy                  nn.CrossEntropyLoss()(logits, y), shape (1,)
    grad.<name>.npy           d loss / d parameter, same shape as the parameter
    <id>.loss<k>.npy          loss before step k (k = 1, 2, 3), shape (1,)
    <id>.step<k>.<name>.npy   every parameter after step k of torch.optim, from the initial weights
    <id>.f64.loss<k>.npy, <id>.f64.step<k>.<name>.npy
                              the same computed in float64 (saved as float32): the reference that tells
                              how far float32 itself is from the exact result (the conditioning)
    done                      written last: the C++ side checks it
Every step uses the same batch (x, y). Exits non-zero with a message on any error.
"""
import argparse
import os
import sys

import numpy as np
import torch
from torch import nn

STEPS = 3


def build(model):
    """The torch.nn.Sequential equivalent of cnnbench's models::FashionMnistCnn (s1) or of
    models::KerasCifar10Cnn with Dropout(0) (s3), see include/cnnbench/models/published.hpp."""
    if model == "s1":
        return nn.Sequential(
            nn.ZeroPad2d(1), nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.ZeroPad2d(1), nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.ZeroPad2d(1), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(576, 72), nn.ReLU(), nn.Linear(72, 10))
    if model == "s3":
        return nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Dropout(0.0),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Dropout(0.0),
            nn.Flatten(), nn.Linear(2304, 512), nn.ReLU(), nn.Linear(512, 10))
    raise SystemExit(f"torch_oracle.py: unknown model '{model}' (known: s1, s3)")


def named_parameters(net):
    """cnnbench's tensor names (conv_<k>, dense_<k>, counted per kind in layer order) -> torch parameters."""
    names = {}
    conv = dense = 0
    for module in net:
        if isinstance(module, nn.Conv2d):
            conv += 1
            prefix = f"conv_{conv}"
        elif isinstance(module, nn.Linear):
            dense += 1
            prefix = f"dense_{dense}"
        else:
            continue
        names[prefix + ".weight"] = module.weight
        names[prefix + ".bias"] = module.bias
    return names


def load_weights(params, weight_dir):
    """Copies the .npy weights into the torch parameters (converted to the parameters' dtype)."""
    with torch.no_grad():
        for name, p in params.items():
            path = os.path.join(weight_dir, name + ".npy")
            w = np.load(path)
            if w.dtype != np.float32:
                raise SystemExit(f"{path}: dtype {w.dtype}, expected float32")
            if tuple(w.shape) != tuple(p.shape):
                raise SystemExit(f"{path}: shape {w.shape}, torch expects {tuple(p.shape)}")
            p.copy_(torch.from_numpy(w).to(p.dtype))


def parse_optimizers(path):
    configs = []
    with open(path) as f:
        for line in f:
            fields = line.split()
            if not fields:
                continue
            ident, kind = fields[0], fields[1]
            kv = dict(item.split("=", 1) for item in fields[2:])
            configs.append((ident, kind, kv))
    return configs


def make_optimizer(kind, kv, params):
    if kind == "sgd":
        return torch.optim.SGD(params, lr=float(kv["lr"]), momentum=float(kv["momentum"]),
                               nesterov=kv["nesterov"] == "1", weight_decay=float(kv["weight_decay"]))
    if kind == "adam":
        return torch.optim.Adam(params, lr=float(kv["lr"]), betas=(float(kv["beta1"]), float(kv["beta2"])),
                                eps=float(kv["eps"]), weight_decay=float(kv["weight_decay"]))
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=float(kv["lr"]), alpha=float(kv["alpha"]), eps=float(kv["eps"]),
                                   momentum=float(kv["momentum"]))
    raise SystemExit(f"torch_oracle.py: unknown optimizer kind '{kind}'")


def save(out_dir, name, tensor):
    np.save(os.path.join(out_dir, name + ".npy"), tensor.detach().cpu().numpy().astype(np.float32))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, choices=["s1", "s3"])
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float32)

    x = torch.from_numpy(np.load(os.path.join(args.dir, "x.npy")).astype(np.float32))
    y_raw = np.load(os.path.join(args.dir, "y.npy"))
    y = torch.from_numpy(np.rint(y_raw).astype(np.int64))
    weight_dir = os.path.join(args.dir, "weights")
    out_dir = os.path.join(args.dir, "torch")
    os.makedirs(out_dir, exist_ok=True)

    net = build(args.model)
    net.train()  # Dropout(0) is the identity; no BatchNorm: train and eval agree
    params = named_parameters(net)
    if len(params) != sum(1 for _ in net.parameters()):
        raise SystemExit("torch_oracle.py: a torch parameter has no cnnbench name")
    load_weights(params, weight_dir)
    loss_fn = nn.CrossEntropyLoss()

    # ---- logits, loss, gradients
    net.zero_grad(set_to_none=True)
    logits = net(x)
    loss = loss_fn(logits, y)
    loss.backward()
    save(out_dir, "logits", logits)
    save(out_dir, "loss", loss.reshape(1))
    for name, p in params.items():
        save(out_dir, "grad." + name, p.grad)

    # ---- optimizer steps, each configuration from the initial weights, in float32 and in float64
    net64 = build(args.model).double()
    net64.train()
    params64 = named_parameters(net64)
    x64 = x.double()
    for ident, kind, kv in parse_optimizers(os.path.join(args.dir, "optimizers.txt")):
        for tag, model, p_by_name, inputs in (("", net, params, x), (".f64", net64, params64, x64)):
            load_weights(p_by_name, weight_dir)
            opt = make_optimizer(kind, kv, list(p_by_name.values()))
            for k in range(1, STEPS + 1):
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(inputs), y)
                loss.backward()
                opt.step()
                save(out_dir, f"{ident}{tag}.loss{k}", loss.detach().reshape(1))
                for name, p in p_by_name.items():
                    save(out_dir, f"{ident}{tag}.step{k}.{name}", p)

    with open(os.path.join(out_dir, "done"), "w") as f:
        f.write(f"torch {torch.__version__}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
