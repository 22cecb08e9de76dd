#!/usr/bin/env python3
"""Every generator's module keeps the one module contract (bench/frameworks/gen_common.MODULE_CONTRACT):
for each framework codegen.py knows, the S1 and ResNet-18 modules (SGD-momentum and PyTorch-mode Adam)
parse, define every required top-level name (functions as functions), FRAMEWORK is the framework's
name and INPUT is the spec's input shape. Read with ast, never imported: no framework is needed.
Also codegen.py's exit codes: 3 and the reason for a spec a framework refuses (jax: tf.keras' Adam
epsilon hat), 2 naming the field for an optimizer field cnnbench does not have ("mode").

usage: check_contract.py WORK_DIR
"""
import ast
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FW_DIR = os.path.join(os.path.dirname(os.path.dirname(HERE)), "bench", "frameworks")
sys.path.insert(0, FW_DIR)
import codegen  # noqa: E402
from gen_common import MODULE_CONTRACT  # noqa: E402

FUNCTIONS = {"set_threads", "build", "load_weights", "get_weights", "param_count", "make_trainer", "predict", "main"}
TRAINS = {"sgd": {"optimizer": {"kind": "sgd", "lr": 0.01, "momentum": 0.9, "nesterov": False, "weight_decay": 0.0,
                                "decay": 0.0}},
          "adam": {"optimizer": {"kind": "adam", "lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                                 "weight_decay": 0.0, "decay": 0.0, "epsilon_mode": "pytorch"}}}


def top_level(tree):
    """{name: ast node} of the module's top-level definitions, through if/try blocks."""
    found = {}

    def walk(body):
        for n in body:
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)):
                found[n.name] = n
            elif isinstance(n, ast.Assign):
                for t in n.targets:
                    if isinstance(t, ast.Name):
                        found[t.id] = n
            elif isinstance(n, (ast.If, ast.Try)):
                walk(n.body)
                walk(n.orelse)
                for h in getattr(n, "handlers", []):
                    walk(h.body)
                walk(getattr(n, "finalbody", []))
    walk(tree.body)
    return found


def check_module(framework, model, train_name, problems):
    with open(os.path.join(HERE, "fixtures", model + ".json")) as f:
        spec = json.load(f)
    src = codegen.generate(spec, framework, TRAINS[train_name])
    what = f"{framework} {model} ({train_name})"
    try:
        names = top_level(ast.parse(src))
    except SyntaxError as e:
        problems.append(f"{what}: does not parse: {e}")
        return
    for name in MODULE_CONTRACT:
        node = names.get(name)
        if node is None:
            problems.append(f"{what}: no top-level {name} ({MODULE_CONTRACT[name]})")
        elif name in FUNCTIONS and not isinstance(node, ast.FunctionDef):
            problems.append(f"{what}: {name} is not a function")
    for name, want in (("FRAMEWORK", framework), ("INPUT", tuple(spec["input"]))):
        node = names.get(name)
        if isinstance(node, ast.Assign):
            try:
                got = ast.literal_eval(node.value)
            except ValueError:
                got = "(not a literal)"
            if got != want:
                problems.append(f"{what}: {name} is {got!r}, not {want!r}")
    print(f"  {what}: {len(MODULE_CONTRACT)} contract names checked, {len(src.splitlines())} lines")


def codegen_exit(work, framework, train, want_rc, want_text, problems):
    train_path = os.path.join(work, "train.json")
    with open(train_path, "w") as f:
        json.dump(train, f)
    p = subprocess.run([sys.executable, os.path.join(FW_DIR, "codegen.py"), os.path.join(HERE, "fixtures", "s1.json"),
                        "--framework", framework, "--train", train_path, "-o", os.path.join(work, "out.py")],
                       capture_output=True, text=True)
    print(f"  codegen {framework} {json.dumps(train['optimizer'])}: exit {p.returncode}: {p.stderr.strip()}")
    if p.returncode != want_rc or want_text not in p.stderr:
        problems.append(f"codegen {framework}: exit {p.returncode} ({p.stderr.strip()!r}), want {want_rc} "
                        f"with {want_text!r}")


def main(argv):
    work = argv[0]
    os.makedirs(work, exist_ok=True)
    problems = []
    for framework in codegen.FRAMEWORKS:
        for model in ("s1", "resnet18_cifar"):
            for train_name in TRAINS:
                check_module(framework, model, train_name, problems)
    keras_adam = {"optimizer": dict(TRAINS["adam"]["optimizer"], eps=1e-7, epsilon_mode="keras")}
    codegen_exit(work, "jax", keras_adam, 3, "epsilon hat", problems)
    misspelt = {"optimizer": {k if k != "epsilon_mode" else "mode": v for k, v in keras_adam["optimizer"].items()}}
    codegen_exit(work, "mxnet", misspelt, 2, "'mode'", problems)
    if problems:
        print("FAIL:\n  " + "\n  ".join(problems))
        return 1
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
