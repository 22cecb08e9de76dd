"""Times a generated framework module's train steps (make_trainer(model).step) on synthetic data of the
model's input shape; run in the framework's own virtual environment by bench/compare_frameworks.py.

Prints one JSON line: {"framework", "version", "batch", "threads", "steps", "images_per_s", "step_s",
"peak_rss_bytes"}. The first --warmup steps (tracing, compilation, allocation) are not timed; then
steps run until --min-time seconds have passed (at least 3).

usage: time_steps.py MODULE.py --batch N --threads T [--classes 10] [--min-time 2] [--warmup 3]
"""
import argparse
import importlib.util
import json
import os
import resource
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("module")
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--min-time", type=float, default=2.0)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--classes", type=int, default=10, help="labels are drawn from 0 .. classes-1 (the model's outputs; "
                    "2 for a one-logit binary model)")
    a = ap.parse_args()
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(a.module))[0], a.module)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    m.set_threads(a.threads)
    model = m.build()
    trainer = m.make_trainer(model)
    rng = np.random.default_rng(1)
    batches = [(rng.uniform(-1, 1, size=(a.batch,) + tuple(m.INPUT)).astype(np.float32),
                rng.integers(0, a.classes, size=a.batch).astype(np.int32)) for _ in range(4)]
    for i in range(a.warmup):
        trainer.step(*batches[i % 4])
    steps, start = 0, time.perf_counter()
    while True:
        loss = trainer.step(*batches[steps % 4])
        steps += 1
        elapsed = time.perf_counter() - start
        if steps >= 3 and elapsed >= a.min_time:
            break
    if not np.isfinite(loss):
        raise SystemExit(f"time_steps: loss {loss} after {steps} steps")
    print(json.dumps({"framework": m.FRAMEWORK, "version": m.VERSION, "batch": a.batch, "threads": a.threads,
                      "steps": steps, "images_per_s": steps * a.batch / elapsed, "step_s": elapsed / steps,
                      "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))


if __name__ == "__main__":
    main()
