"""The framework side of the equivalence tests (tests/frameworks/equivalence.py), run by the framework's
own virtual environment's Python: it imports a generated module by path and uses only its contract
(set_threads, build, load_weights, get_weights, param_count, make_trainer, predict) and NumPy.

usage: framework_worker.py equivalence MODULE.py WORK_DIR THREADS
         reads  WORK_DIR/weights/<tensor>.npy, x.npy [N,C,H,W], y.npy, batches_x.npy [S,B,C,H,W], batches_y.npy
         writes WORK_DIR/out/logits.npy, losses.npy, eval.json, weights_after/<tensor>.npy, roundtrip.json
       framework_worker.py param_count THREADS MODULE.py...   prints {"<module>": count, ...} as JSON
"""
import importlib.util
import json
import os
import sys

import numpy as np


def load(path):
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def equivalence(module, work, threads):
    m = load(module)
    m.set_threads(threads)
    model = m.build()
    names = sorted(f[:-4] for f in os.listdir(os.path.join(work, "weights")))
    weights = {n: np.load(os.path.join(work, "weights", n + ".npy")) for n in names}
    m.load_weights(model, weights)
    out = os.path.join(work, "out")
    os.makedirs(os.path.join(out, "weights_after"), exist_ok=True)
    back = m.get_weights(model)
    worst = max(float(np.max(np.abs(back[n] - weights[n]))) for n in names)
    with open(os.path.join(out, "roundtrip.json"), "w") as f:
        json.dump({"names": sorted(back) == names, "max_abs_diff": worst,
                   "param_count": m.param_count(model), "framework": m.FRAMEWORK, "version": m.VERSION}, f)
    x, y = np.load(os.path.join(work, "x.npy")), np.load(os.path.join(work, "y.npy"))
    np.save(os.path.join(out, "logits.npy"), np.asarray(m.predict(model, x), np.float32))
    trainer = m.make_trainer(model)
    loss_sum, correct = trainer.evaluate(x, y)
    bx, by = np.load(os.path.join(work, "batches_x.npy")), np.load(os.path.join(work, "batches_y.npy"))
    losses = [trainer.step(bx[i], by[i]) for i in range(len(bx))]
    np.save(os.path.join(out, "losses.npy"), np.asarray(losses, np.float64))
    with open(os.path.join(out, "eval.json"), "w") as f:
        json.dump({"loss_sum": float(loss_sum), "correct": int(correct)}, f)
    for n, w in m.get_weights(model).items():
        np.save(os.path.join(out, "weights_after", n + ".npy"), w)


def main():
    if sys.argv[1] == "equivalence":
        equivalence(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "param_count":
        counts = {}
        for path in sys.argv[3:]:
            m = load(path)
            if not counts:
                m.set_threads(int(sys.argv[2]))
            counts[os.path.basename(path)] = int(m.param_count(m.build()))
        print(json.dumps(counts))
    else:
        sys.exit(f"framework_worker: unknown mode {sys.argv[1]!r}")


if __name__ == "__main__":
    main()
