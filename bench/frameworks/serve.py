"""The framework's own process: loads a generated module (codegen.py) and answers cnnbench's
requests (include/cnnbench/frameworks/external.hpp) on stdin/stdout until told to quit.

    <venv>/bin/python bench/frameworks/serve.py --module M.py --threads N --input C,H,W [--weights DIR]

Startup: set_threads(N), build(), load_weights(DIR) when given (else the framework's own init),
make_trainer(); then one reply, the hello:
    {"framework", "version", "param_count", "state_count", "threads" (read back from the framework,
     or null where it has no getter), "pid", "setup_seconds"}
Requests: a 16-byte header, little-endian: b"CNBQ", op u32, n u32, payload bytes u32, then the payload.
    op 1 step      payload x float32 [n, C, H, W] then y int32 [n]
                   -> {"loss", "seconds" (the step call alone), "cpu_seconds" (this process's CPU time)}
    op 2 evaluate  same payload -> {"loss_sum", "correct", "seconds"}
    op 3 weights   payload: a folder (UTF-8) -> writes <tensor name>.npy (float32, cnnbench's layouts)
    op 4 quit      -> {} and exit 0
    op 5 predict   payload x float32 [n, C, H, W] (no labels) -> {"logits": [[...], ...]} in inference
                   mode, from the module's optional predict(model, x) (the equivalence tests use it)
Replies: b"CNBR", status u32 (0 ok, 1 error), length u32, then that many bytes of JSON; an error's
JSON is {"error": "..."} and the process goes on. A broken request stream ends the process (exit 2).
"""
import argparse
import importlib.util
import json
import os
import struct
import sys
import time
import traceback

import numpy as np

OP_STEP, OP_EVALUATE, OP_WEIGHTS, OP_QUIT, OP_PREDICT = 1, 2, 3, 4, 5


def read_exact(f, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = f.read(n - len(buf))
        if not chunk:
            raise EOFError(f"request stream closed after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def reply(out, obj, status=0):
    body = json.dumps(obj).encode()
    out.write(b"CNBR" + struct.pack("<II", status, len(body)) + body)
    out.flush()


def load_module(path):
    spec = importlib.util.spec_from_file_location("cnnbench_generated", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def read_threads(mod):
    """The framework's own thread setting, read back where it has a getter."""
    if hasattr(mod, "get_threads"):
        return mod.get_threads()
    fw = getattr(mod, "FRAMEWORK", "")
    if fw == "tensorflow":
        import tensorflow as tf
        return tf.config.threading.get_intra_op_parallelism_threads()
    if fw == "pytorch":
        import torch
        return torch.get_num_threads()
    return None


def cpu_seconds():
    t = os.times()
    return t.user + t.system


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--module", required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--input", required=True, help="C,H,W of one sample")
    p.add_argument("--weights")
    a = p.parse_args(argv)
    # The protocol owns fd 1: everything a framework prints goes to stderr.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    inp = os.fdopen(0, "rb", buffering=0)
    t0 = time.perf_counter()
    mod = load_module(a.module)
    mod.set_threads(a.threads)
    model = mod.build()
    if a.weights:
        w = {f[:-4]: np.load(os.path.join(a.weights, f)) for f in os.listdir(a.weights) if f.endswith(".npy")}
        mod.load_weights(model, w)
    trainer = mod.make_trainer(model)
    hello = {"framework": mod.FRAMEWORK, "version": mod.VERSION, "param_count": int(mod.param_count(model)),
             "state_count": int(mod.state_count(model)) if hasattr(mod, "state_count") else None,
             "threads": read_threads(mod), "pid": os.getpid(), "setup_seconds": time.perf_counter() - t0}
    reply(out, hello)
    c, h, w_ = (int(v) for v in a.input.split(","))
    per = c * h * w_
    while True:
        try:
            head = read_exact(inp, 16)
        except EOFError:
            return 2
        if head[:4] != b"CNBQ":
            print(f"serve: bad request header {head[:4]!r}", file=sys.stderr)
            return 2
        op, n, size = struct.unpack("<III", head[4:])
        payload = read_exact(inp, size)
        try:
            if op in (OP_STEP, OP_EVALUATE):
                if size != n * (per * 4 + 4):
                    raise ValueError(f"payload of {size} bytes for {n} samples of {per} floats")
                x = np.frombuffer(payload, np.float32, n * per).reshape(n, c, h, w_)
                y = np.frombuffer(payload, np.int32, n, offset=n * per * 4)
                c0, s0 = cpu_seconds(), time.perf_counter()
                if op == OP_STEP:
                    loss = trainer.step(x, y)
                    reply(out, {"loss": float(loss), "seconds": time.perf_counter() - s0, "cpu_seconds": cpu_seconds() - c0})
                else:
                    loss_sum, correct = trainer.evaluate(x, y)
                    reply(out, {"loss_sum": float(loss_sum), "correct": int(correct), "seconds": time.perf_counter() - s0})
            elif op == OP_PREDICT:
                if size != n * per * 4:
                    raise ValueError(f"payload of {size} bytes for {n} samples of {per} floats")
                if not hasattr(mod, "predict"):
                    raise ValueError("the generated module has no predict(model, x)")
                x = np.frombuffer(payload, np.float32).reshape(n, c, h, w_)
                reply(out, {"logits": np.asarray(mod.predict(model, x), np.float64).reshape(n, -1).tolist()})
            elif op == OP_WEIGHTS:
                folder = payload.decode()
                os.makedirs(folder, exist_ok=True)
                for name, v in mod.get_weights(model).items():
                    np.save(os.path.join(folder, name + ".npy"), np.ascontiguousarray(v, np.float32))
                reply(out, {})
            elif op == OP_QUIT:
                reply(out, {})
                return 0
            else:
                raise ValueError(f"unknown op {op}")
        except Exception as e:  # reported to cnnbench, which names the framework
            traceback.print_exc(file=sys.stderr)
            reply(out, {"error": f"{type(e).__name__}: {e}"}, status=1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
