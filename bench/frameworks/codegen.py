"""The Rosetta Stone's code generator: a cnnbench model spec (and training spec) -> a standalone
Python module for one framework.

    python3 bench/frameworks/codegen.py SPEC.json --framework NAME [--train TRAIN.json] -o OUT.py

SPEC.json is written by cnnbench (include/cnnbench/frameworks/spec.hpp, "cnnbench-model" version 1);
TRAIN.json says the loss, optimizer (cnnbench's fields), batch size, threads, seed and init mode
(default: softmax cross-entropy, SGD lr 0.01 momentum 0.9, batch 64, 1 thread).
Each framework family has its generator module gen_<family>.py exposing
generate(spec: dict, train: dict) -> str; a framework whose module is absent is reported as such.

The generated module's contract (the top-level names serve.py, time_steps.py and the tests rely on)
is written once, in gen_common.MODULE_CONTRACT; tests/frameworks/check_contract.py checks every
generator against it.
Binary cross-entropy models have one logit: y is 0/1 and correct means (logit > 0) == y.
Exit codes: 0 written, 2 bad input (file, JSON, unknown framework or generator missing, a spec field
the generator cannot read), 3 the framework cannot express the spec (the reason is printed).
"""
import argparse
import importlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from gen_common import Refused  # noqa: E402

# framework name -> (generator module, keyword arguments of its generate())
FRAMEWORKS = {
    "tensorflow": ("gen_keras", {"backend": "tensorflow"}),
    "keras-jax": ("gen_keras", {"backend": "jax"}),
    "pytorch": ("gen_torch", {}),
    "jax": ("gen_jax", {}),
    "mxnet": ("gen_mxnet", {}),
    "chainer": ("gen_chainer", {}),
}

DEFAULT_TRAIN = {"loss": "softmax_cross_entropy",
                 "optimizer": {"kind": "sgd", "lr": 0.01, "momentum": 0.9, "nesterov": False,
                               "weight_decay": 0.0, "decay": 0.0},
                 "batch_size": 64, "threads": 1, "seed": 1, "init": "cnnbench"}


class BadInput(Exception):
    pass


def generator(framework):
    """The generate() function for a framework; BadInput when unknown or its module is absent."""
    if framework not in FRAMEWORKS:
        raise BadInput(f"unknown framework {framework!r} (known: {', '.join(FRAMEWORKS)})")
    module, kwargs = FRAMEWORKS[framework]
    if not os.path.exists(os.path.join(HERE, module + ".py")):
        raise BadInput(f"{framework}: no generator {os.path.join(HERE, module + '.py')} (not written yet)")
    gen = importlib.import_module(module).generate
    return lambda spec, train: gen(spec, train, **kwargs)


def generate(spec, framework, train=None):
    """The module's source for `framework`; raises BadInput or gen_common.Refused."""
    if spec.get("format") != "cnnbench-model" or spec.get("version") != 1:
        raise BadInput(f"not a cnnbench model spec version 1 (format {spec.get('format')!r}, "
                       f"version {spec.get('version')!r})")
    t = dict(DEFAULT_TRAIN)
    t.update(train or {})
    return generator(framework)(spec, t)


def load_json(path, what):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        raise BadInput(f"{path}: cannot read the {what}: {e.strerror}")
    except json.JSONDecodeError as e:
        raise BadInput(f"{path}: not JSON ({what}): {e}")


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("spec", help="model spec JSON written by cnnbench")
    p.add_argument("--framework", required=True, help=", ".join(FRAMEWORKS))
    p.add_argument("--train", help="training spec JSON")
    p.add_argument("-o", "--out", required=True, help="the module to write")
    a = p.parse_args(argv)
    try:
        spec = load_json(a.spec, "model spec")
        train = load_json(a.train, "training spec") if a.train else None
        src = generate(spec, a.framework, train)
    except BadInput as e:
        print(f"codegen: {e}", file=sys.stderr)
        return 2
    except Refused as e:
        print(f"codegen: {a.framework} cannot run this: {e}", file=sys.stderr)
        return 3
    except (ValueError, KeyError) as e:  # a spec the generator cannot read (after Refused, a ValueError)
        print(f"codegen: {a.spec}: bad model or training spec for {a.framework}: {e}", file=sys.stderr)
        return 2
    try:
        with open(a.out, "w") as f:
            f.write(src)
    except OSError as e:
        print(f"codegen: {a.out}: cannot write: {e.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
