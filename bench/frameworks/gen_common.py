"""What the generators gen_<family>.py share (the one module of shared generator helpers): reading a
model spec ("cnnbench-model" v1, written by cnnbench's frameworks::model_spec) and a training spec,
the refusal of what a framework cannot reproduce exactly (Refused: codegen.py exits 3 with its
message), literals, a source writer, the walk over Residual sub-layers, lines-of-code counting, the
generated module's contract (MODULE_CONTRACT, checked by tests/frameworks/check_contract.py) and the
standalone `main()` the gen_jax/gen_mxnet/gen_chainer modules end with. Pure Python (no framework
import): the generators run in any interpreter.
"""
import json

# The generated module's contract, the one place it is written: every gen_<family>.py's module defines
# these top-level names (tests/frameworks/check_contract.py checks each generator's S1 module for them,
# without importing the framework); serve.py, time_steps.py, framework_worker.py and the tests use
# nothing else. Shapes are NCHW, batch first; cnnbench's tensor names and layouts in and out.
MODULE_CONTRACT = {
    "FRAMEWORK": "str, the policy's name (tensorflow, keras-jax, pytorch, jax, mxnet, chainer)",
    "VERSION": "str, the framework and its version as imported",
    "INPUT": "(C, H, W), cnnbench's per-sample input shape",
    "set_threads": "set_threads(n): before anything else is built, intra- and inter-op threads = n",
    "build": "build() -> model, with the framework's own default initialisation",
    "load_weights": "load_weights(model, {name: float32 array}): cnnbench's tensor names and layouts in",
    "get_weights": "get_weights(model) -> {name: float32 array}: cnnbench's names and layouts out",
    "param_count": "param_count(model) -> int: trainable scalars as the framework counts them (= param_count_v)",
    "make_trainer": "make_trainer(model) -> object with .step(x float32 [N,C,H,W], y int32 [N]) -> mean loss "
                    "and .evaluate(x, y) -> (loss sum, correct count), in inference mode",
    "predict": "predict(model, x) -> logits [N, outputs], inference mode (the equivalence tests use it)",
    "main": "main(argv) -> int: standalone, --weights DIR --x X.npy --y Y.npy --epochs E",
}
MODULE_CONTRACT_OPTIONAL = {
    "state_count": "state_count(model) -> int: BatchNorm running statistics (= state_count_v)",
}

KINDS = {"zero_pad", "conv", "dense", "relu", "sigmoid", "tanh", "softmax", "identity", "flatten", "max_pool",
         "avg_pool", "global_avg_pool", "dropout", "batch_norm", "residual"}
LOSSES = {"softmax_cross_entropy", "binary_cross_entropy"}
OPTIMIZER_DEFAULTS = {  # cnnbench's own defaults (include/cnnbench/optim/*.hpp), for fields a spec leaves out
    "sgd": {"lr": 0.01, "momentum": 0.0, "nesterov": False, "weight_decay": 0.0, "decay": 0.0},
    "adam": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0, "decay": 0.0,
             "epsilon_mode": "pytorch"},
    "rmsprop": {"lr": 1e-3, "rho": 0.9, "eps": 1e-8, "momentum": 0.0, "eps_inside_sqrt": False, "decay": 0.0},
}


class Refused(ValueError):
    """A model or optimizer the framework cannot reproduce exactly; the message says why (codegen.py
    exits 3 with it, and the framework's policy is then skipped for that arm)."""


def check_spec(spec, generator):
    if spec.get("format") != "cnnbench-model" or spec.get("version") != 1:
        raise ValueError(f"{generator}: not a cnnbench-model v1 spec (format {spec.get('format')!r}, "
                         f"version {spec.get('version')!r})")

    def walk(layers):
        for l in layers:
            if l["kind"] not in KINDS:
                raise Refused(f"{generator}: layer {l['name']}: unknown kind {l['kind']!r}")
            if l["kind"] == "residual":
                walk(l["main"])
                walk(l["shortcut"])
    walk(spec["layers"])


def training(train, generator):
    """The training spec with cnnbench's defaults filled in; Refused on an unknown loss or optimizer kind,
    ValueError on an optimizer field cnnbench's optim/*.hpp does not have (e.g. "mode" for "epsilon_mode")."""
    t = {"loss": "softmax_cross_entropy", "batch_size": 64, "threads": 1, "seed": 1, "init": "cnnbench",
         "optimizer": {"kind": "sgd"}}
    t.update(train or {})
    if t["loss"] not in LOSSES:
        raise Refused(f"{generator}: unknown loss {t['loss']!r} (known: {', '.join(sorted(LOSSES))})")
    kind = t["optimizer"].get("kind")
    if kind not in OPTIMIZER_DEFAULTS:
        raise Refused(f"{generator}: unknown optimizer {kind!r} (known: {', '.join(OPTIMIZER_DEFAULTS)})")
    unknown = sorted(set(t["optimizer"]) - set(OPTIMIZER_DEFAULTS[kind]) - {"kind"})
    if unknown:  # a misspelt field would otherwise silently take its default
        raise ValueError(f"{generator}: unknown {kind} field(s) {', '.join(map(repr, unknown))} (cnnbench's: "
                         f"{', '.join(OPTIMIZER_DEFAULTS[kind])})")
    opt = dict(OPTIMIZER_DEFAULTS[kind], kind=kind)
    opt.update(t["optimizer"])
    t["optimizer"] = opt
    return t


def flatten_permutations(layers):
    """{dense layer name: (C, H, W)} for each Dense fed by a Flatten of a spatial map (H*W > 1): an NHWC
    framework flattens in h, w, c order, so that Dense's weight columns must be permuted from c, h, w."""
    out, pending = {}, None
    for l in layers:
        if l["kind"] == "flatten":
            c, h, w = l["in_shape"]
            pending = (c, h, w) if h * w > 1 else None
        elif l["kind"] == "dense":
            if pending:
                out[l["name"]] = pending
            pending = None
        elif l["kind"] not in ("relu", "sigmoid", "tanh", "dropout", "identity"):
            pending = None
    return out


def py(v):
    """A Python literal for a spec value (floats exactly as written in the spec)."""
    return json.dumps(v) if isinstance(v, str) else repr(v)


def float_literal(v):
    """A float as the shortest Python literal that reads back exactly (0.9, 1e-08; an int becomes 1.0)."""
    return repr(float(v))


def flat_layers(layers, prefix=""):
    """(tensor-name prefix, layer) for every layer, depth first; a Residual's sub-layers are
    "residual_1.main.conv_2" (cnnbench's tensor names), after the Residual itself."""
    for l in layers:
        path = prefix + l["name"]
        yield path, l
        if l["kind"] == "residual":
            for branch in ("main", "shortcut"):
                yield from flat_layers(l[branch], f"{path}.{branch}.")


class Writer:
    """Collects source lines."""

    def __init__(self):
        self.lines = []

    def line(self, s=""):
        self.lines.append(s)

    def blank(self, n=1):
        self.lines.extend([""] * n)

    def code(self, block):
        self.lines.extend(block.strip("\n").split("\n"))

    def text(self):
        return "\n".join(self.lines).rstrip() + "\n"


def count_lines(code):
    """Lines of code: not blank, not a comment, not inside the module docstring."""
    n, in_doc = 0, False
    for line in code.splitlines():
        s = line.strip()
        if s.startswith('"""'):
            in_doc = not (in_doc or (len(s) > 3 and s.endswith('"""')))
            continue
        if in_doc or not s or s.startswith("#"):
            continue
        n += 1
    return n


# The standalone entry point of every generated module (the contract's `main(argv)`); it uses only the
# module's own functions and NumPy.
MAIN = '''
def main(argv=None):
    """Standalone: train on X.npy (float32 N,C,H,W) / Y.npy (int N), from cnnbench's weights if given."""
    import argparse
    import os
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", help="folder of <tensor name>.npy written by cnnbench (else %(fw)s's own init)")
    ap.add_argument("--x", required=True)
    ap.add_argument("--y", required=True)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    ap.add_argument("--threads", type=int, default=THREADS)
    a = ap.parse_args(argv)
    set_threads(a.threads)
    x, y = np.load(a.x).astype(np.float32), np.load(a.y).astype(np.int32)
    model = build()
    if a.weights:
        load_weights(model, {n: np.load(os.path.join(a.weights, n + ".npy")) for n in TENSOR_NAMES})
    trainer = make_trainer(model)
    order = np.random.default_rng(SEED)
    for epoch in range(1, a.epochs + 1):
        perm = order.permutation(len(x))
        losses = [trainer.step(x[perm[i:i + a.batch_size]], y[perm[i:i + a.batch_size]])
                  for i in range(0, len(x) - a.batch_size + 1, a.batch_size)]
        loss_sum, correct = trainer.evaluate(x, y)
        print(f"epoch {epoch}: train loss {np.mean(losses):.6f}, loss {loss_sum / len(x):.6f}, "
              f"accuracy {correct / len(x):.4f}")
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main())
'''


def describe(spec):
    """'A 1x28x28 -> 10 model (65,570 parameters)': the generated module's title."""
    c, h, w = spec["input"]
    return f"A {c}x{h}x{w} -> {spec['output'][0]} model ({spec['param_count']:,} parameters)"


def section_lines(code):
    """Lines of code of a generated module's parts, by its '# ---- <part> ----' headers: {"the model": n,
    "loss and optimizer": n, "training loop": n, "weights: ...": n} (the S4 write-up's 'lines of code')."""
    parts, name, chunk = {}, "header", []
    for line in code.splitlines() + ["# ---- end ----"]:
        if line.startswith("# ---- "):
            parts[name] = count_lines("\n".join(chunk))
            name, chunk = line[7:].rstrip("- ").strip(), []
        else:
            chunk.append(line)
    return parts
