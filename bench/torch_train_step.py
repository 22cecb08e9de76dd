#!/usr/bin/env python3
"""PyTorch side of the side-by-side CPU benchmark: the same models as cnnbench (S1, S3), the same
batch, the same optimizer, timed train steps (forward, cross-entropy, backward, optimizer step).

Prints one JSON object per line: {"model", "batch", "threads", "images_per_s", "step_s", "peak_rss_bytes", ...}.
Run it with the BLAS held to one thread (OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS set by --threads),
which on a 2-core machine is torch's fastest setting; bench/compare_torch.sh does that.

usage: torch_train_step.py --model s1|s3 --batch N --threads T [--steps S] [--warmup W] [--device cpu|cuda [--tf32]]

--device cuda: the model, the batch and the optimizer on the GPU, torch.backends.cudnn.benchmark = True
(cuDNN's algorithm search, as cnnbench's cudnn policy does), the batch copied to the device in every
step from pinned host memory (as cnnbench's cudnn runner does), TF32 off in convolutions and matmuls
unless --tf32 (cnnbench's default), torch.cuda.synchronize() before the clock starts and before it
stops; "peak_device_bytes" is torch.cuda.max_memory_allocated().
"""
import argparse
import json
import resource
import time

import torch
import torch.nn as nn


def rss_now():
    """Resident memory now (bytes), from /proc/self/status."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def s1():
    return nn.Sequential(
        nn.ZeroPad2d(1), nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.ZeroPad2d(1), nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.ZeroPad2d(1), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(576, 72), nn.ReLU(), nn.Linear(72, 10)), (1, 28, 28)


def s3():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(2304, 512), nn.ReLU(), nn.Linear(512, 10)), (3, 32, 32)


def s2():
    return nn.Sequential(
        nn.Conv2d(3, 50, 3, padding=1), nn.ReLU(), nn.Conv2d(50, 50, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.25),
        nn.Conv2d(50, 100, 3, padding=1), nn.ReLU(), nn.Conv2d(100, 100, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.25), nn.Flatten(), nn.Linear(6400, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10)), (3, 32, 32)


MODELS = {"s1": s1, "s2": s2, "s3": s3}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=MODELS, required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--threads", type=int, default=0, help="intra-op threads (0: torch's default)")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    ap.add_argument("--forward-only", action="store_true")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--tf32", action="store_true", help="with --device cuda: allow TF32 (default off)")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    cuda = a.device == "cuda"
    if cuda:
        if not torch.cuda.is_available():
            raise SystemExit("torch_train_step: --device cuda but torch.cuda.is_available() is False")
        torch.backends.cudnn.benchmark = True
        torch.backends.cudnn.allow_tf32 = a.tf32
        torch.backends.cuda.matmul.allow_tf32 = a.tf32
    device = torch.device(a.device)
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    baseline_rss = rss_now()
    torch.manual_seed(0)
    net, shape = MODELS[a.model]()
    net = net.to(device)
    x_host = torch.rand(a.batch, *shape)
    y_host = torch.randint(0, 10, (a.batch,))
    if cuda:  # each step copies the batch from pinned host memory, as cnnbench's cudnn runner does
        x_host, y_host = x_host.pin_memory(), y_host.pin_memory()
    x, y = x_host, y_host
    opt = (torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9) if a.optimizer == "sgd"
           else torch.optim.Adam(net.parameters(), lr=1e-3))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        if cuda:
            nonlocal x, y
            x = x_host.to(device, non_blocking=True)
            y = y_host.to(device, non_blocking=True)
        if a.forward_only:
            with torch.no_grad():
                net.eval()
                net(x)
            return
        net.train()
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(a.steps):
        sync()
        t0 = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    print(json.dumps({"framework": "pytorch", "version": torch.__version__, "model": a.model, "batch": a.batch,
                      "threads": torch.get_num_threads(), "mode": "forward" if a.forward_only else "train_step",
                      "optimizer": a.optimizer, "steps": a.steps, "step_s_median": med, "step_s_min": times[0],
                      "images_per_s": a.batch / med,
                      "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      "baseline_rss_bytes": baseline_rss, "device": a.device,
                      "device_name": torch.cuda.get_device_name() if cuda else "",
                      "tf32": bool(cuda and a.tf32),
                      "peak_device_bytes": torch.cuda.max_memory_allocated() if cuda else 0}))


if __name__ == "__main__":
    main()
