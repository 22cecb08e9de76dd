#!/usr/bin/env python3
"""Compares a cnnbench summary (printed by examples/01_model_summary) with a verbatim Keras
model.summary() from a write-up: same sequence of layer kinds, same output shapes (Keras prints
NHWC, cnnbench NCHW) and the same parameter count per layer.

Keras models written with Conv2D(..., activation='relu') have no activation rows, while cnnbench
has explicit ReLU layers; activation rows are therefore compared separately (by count), and a
trailing Keras softmax activation is allowed to be absent (cnnbench models end in logits).

usage: check_keras_summary.py SUMMARY_EXE MODEL_ID KERAS_SUMMARY.txt
"""
import re
import subprocess
import sys

KERAS_KIND = {"ZeroPaddin": "ZeroPad", "Conv2D": "Conv", "MaxPooling2": "MaxPool", "Flatten": "Flatten",
              "Dense": "Dense", "Dropout": "Dropout", "Activation": "Activation", "AveragePool": "AvgPool"}
ACTIVATIONS = {"ReLU", "Sigmoid", "Tanh", "Softmax"}
ROW = re.compile(r"^(\w+) \((\w+)\)?\s+\(None, ([0-9, ]+)\)\s+(\d+)\s*(\d+)?\s*$")


def parse(lines, keras):
    rows = []
    for line in lines:
        m = ROW.match(line.strip())
        if not m:
            continue
        name, kind, dims, params = m.group(1), m.group(2), [int(d) for d in m.group(3).split(",")], int(m.group(4))
        if keras:
            kind = KERAS_KIND.get(kind, kind)
            if len(dims) == 3:  # NHWC -> NCHW
                dims = [dims[2], dims[0], dims[1]]
        rows.append((name, kind, tuple(dims), params))
    return rows


def main():
    exe, model, keras_file = sys.argv[1:4]
    ours = parse(subprocess.run([exe, "--model", model], check=True, capture_output=True, text=True).stdout.splitlines(), False)
    with open(keras_file) as f:
        keras_text = f.read()
    theirs = parse(keras_text.splitlines(), True)
    if not ours or not theirs:
        sys.exit(f"FAIL: nothing parsed (ours {len(ours)} rows, keras {len(theirs)} rows)")

    ours_s = [r for r in ours if r[1] not in ACTIVATIONS]
    theirs_s = [r for r in theirs if r[1] != "Activation"]
    errors = []
    if len(ours_s) != len(theirs_s):
        errors.append(f"{len(ours_s)} non-activation layers here, {len(theirs_s)} in Keras")
    for o, t in zip(ours_s, theirs_s):
        if o[1] != t[1] or o[2] != t[2] or o[3] != t[3]:
            errors.append(f"{o[0]} {o[1]} {o[2]} {o[3]}  !=  keras {t[0]} {t[1]} {t[2]} {t[3]}")
    keras_act = [r for r in theirs if r[1] == "Activation"]
    ours_act = [r for r in ours if r[1] in ACTIVATIONS]
    if keras_act and len(keras_act) not in (len(ours_act), len(ours_act) + 1):
        errors.append(f"{len(ours_act)} activation layers here, {len(keras_act)} in Keras")
    total = re.search(r"Total params: ([0-9,]+)", keras_text)
    ours_total = sum(r[3] for r in ours)
    if total and int(total.group(1).replace(",", "")) != ours_total:
        errors.append(f"total params {ours_total} != keras {total.group(1)}")
    if errors:
        print("\n".join(errors))
        sys.exit("FAIL")
    print(f"OK: {len(ours_s)} layers, shapes and parameter counts equal Keras' ({ours_total:,} params); "
          f"{len(ours_act)} ReLU layers here, {len(keras_act)} Keras activation rows")


if __name__ == "__main__":
    main()
