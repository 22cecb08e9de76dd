#!/usr/bin/env python3
"""Writes the model-spec fixtures (format "cnnbench-model" v1) of the published models into
tests/frameworks/fixtures/, for the framework generators' tests and bench/compare_frameworks.py.

The spec is normally written by C++ (`frameworks::model_spec<Net, In>()`); these fixtures were written
before that exporter existed, from include/cnnbench/models/published.hpp transcribed below, with the
same naming (summary()'s `<key>_<k>` per key, 1-based; inside a Residual, per branch), shapes (NCHW,
batch excluded), "same" padding split as TensorFlow does (conv.hpp: total = max((ceil(H/S)-1)*S + K - H, 0),
top = total / 2, bottom = the rest) and tensor layouts (conv OIHW, dense [out, in], bias after weight).
The totals are checked against the published counts static_asserted in published.hpp, so a wrong
transcription fails here; once the exporter exists its output must equal these files.

usage: tests/frameworks/make_fixtures.py [OUT_DIR]     (default: tests/frameworks/fixtures)
"""
import json
import math
import os
import sys


def zero_pad(p):
    return ("zero_pad", {"pads": [p, p, p, p]})


def conv(f, k, s=1, padding="valid", bias=True):
    return ("conv", {"filters": f, "kernel": [k, k], "stride": [s, s], "padding": padding, "bias": bias})


def pool(kind, k, s=None):
    return (kind, {"window": [k, k], "stride": [s or k, s or k]})


def dense(u, bias=True):
    return ("dense", {"units": u, "bias": bias})


def bn(eps=1e-5, momentum=0.1):
    return ("batch_norm", {"eps": eps, "momentum": momentum})


def residual(main, shortcut=()):
    return ("residual", {"main": list(main), "shortcut": list(shortcut)})


RELU, FLATTEN, GAP = ("relu", {}), ("flatten", {}), ("global_avg_pool", {})
SIGMOID = ("sigmoid", {})


def dropout(r):
    return ("dropout", {"rate": r})


def out_shape(kind, f, c, h, w):
    """The layer's output shape and, for conv, its resolved pads; raises on a model that cannot work."""
    if kind == "zero_pad":
        t, b, l, r = f["pads"]
        return [c, h + t + b, w + l + r], None
    if kind == "conv":
        (kh, kw), (sh, sw) = f["kernel"], f["stride"]
        if f["padding"] == "same":
            th = max((math.ceil(h / sh) - 1) * sh + kh - h, 0)
            tw = max((math.ceil(w / sw) - 1) * sw + kw - w, 0)
            pads = [th // 2, th - th // 2, tw // 2, tw - tw // 2]
        else:
            pads = [0, 0, 0, 0]
        hp, wp = h + pads[0] + pads[1], w + pads[2] + pads[3]
        assert kh <= hp and kw <= wp, f"conv kernel {kh}x{kw} larger than its input {hp}x{wp}"
        return [f["filters"], (hp - kh) // sh + 1, (wp - kw) // sw + 1], pads
    if kind in ("max_pool", "avg_pool"):
        (kh, kw), (sh, sw) = f["window"], f["stride"]
        return [c, (h - kh) // sh + 1, (w - kw) // sw + 1], None
    if kind == "global_avg_pool":
        return [c, 1, 1], None
    if kind == "flatten":
        return [c * h * w, 1, 1], None
    if kind == "dense":
        assert h == 1 and w == 1, "dense needs a flat input"
        return [f["units"], 1, 1], None
    return [c, h, w], None


def build_layers(layers, shape, prefix, tensors):
    """Layers with names, shapes and tensors (appended to `tensors`); returns (layers, output shape)."""
    counts, out = {}, []
    for kind, fields in layers:
        counts[kind] = counts.get(kind, 0) + 1
        name = f"{kind}_{counts[kind]}"
        entry = {"name": name, "kind": kind, "in_shape": list(shape)}
        c = shape[0]
        if kind == "residual":
            main, mshape = build_layers(fields["main"], shape, f"{prefix}{name}.main.", tensors)
            short, sshape = build_layers(fields["shortcut"], shape, f"{prefix}{name}.shortcut.", tensors)
            assert mshape == (sshape if fields["shortcut"] else list(shape)), "residual branches disagree"
            entry.update(main=main, shortcut=short)
            new_shape = mshape
        else:
            new_shape, pads = out_shape(kind, fields, *shape)
            entry.update(fields)
            if pads is not None:
                entry["pads"] = pads
            full = prefix + name
            if kind == "conv":
                tensors.append({"name": f"{full}.weight", "shape": [fields["filters"], c] + fields["kernel"], "trainable": True})
                if fields["bias"]:
                    tensors.append({"name": f"{full}.bias", "shape": [fields["filters"]], "trainable": True})
            elif kind == "dense":
                tensors.append({"name": f"{full}.weight", "shape": [fields["units"], c], "trainable": True})
                if fields["bias"]:
                    tensors.append({"name": f"{full}.bias", "shape": [fields["units"]], "trainable": True})
            elif kind == "batch_norm":
                for t, tr in (("weight", True), ("bias", True), ("running_mean", False), ("running_var", False)):
                    tensors.append({"name": f"{full}.{t}", "shape": [c], "trainable": tr})
        entry["out_shape"] = list(new_shape)
        out.append(entry)
        shape = new_shape
    return out, shape


def spec(layers, input_shape):
    tensors = []
    built, output = build_layers(layers, input_shape, "", tensors)
    count = sum(math.prod(t["shape"]) for t in tensors if t["trainable"])
    return {"format": "cnnbench-model", "version": 1, "input": list(input_shape), "output": output,
            "param_count": count, "layers": built, "tensors": tensors}


def s1():
    block = lambda f: [zero_pad(1), conv(f, 3), RELU, pool("max_pool", 2)]
    return block(16) + block(32) + block(64) + [FLATTEN, dense(72), RELU, dense(10)]


def s2(rate=(0.25, 0.5)):
    return [conv(50, 3, 1, "same"), RELU, conv(50, 3, 1, "same"), RELU, pool("max_pool", 2), dropout(rate[0]),
            conv(100, 3, 1, "same"), RELU, conv(100, 3, 1, "same"), RELU, pool("max_pool", 2), dropout(rate[0]),
            FLATTEN, dense(512), RELU, dropout(rate[1]), dense(10)]


def s3(rate=0.25):
    return [conv(32, 3, 1, "same"), RELU, conv(32, 3), RELU, pool("max_pool", 2), dropout(rate),
            conv(64, 3, 1, "same"), RELU, conv(64, 3), RELU, pool("max_pool", 2), dropout(rate),
            FLATTEN, dense(512), RELU, dense(10)]


def s4():
    return [conv(6, 5), RELU, pool("avg_pool", 2), conv(16, 3), RELU, pool("avg_pool", 2),
            FLATTEN, dense(120), RELU, dense(84), RELU, dense(10)]


def s4_classic():
    return [zero_pad(2), conv(6, 5), SIGMOID, pool("avg_pool", 2), conv(16, 5), SIGMOID, pool("avg_pool", 2),
            FLATTEN, dense(120), SIGMOID, dense(84), SIGMOID, dense(10)]


def s5(units=2):
    return [conv(32, 3), RELU, pool("max_pool", 2), conv(64, 3), RELU, pool("max_pool", 2),
            conv(128, 3), RELU, pool("max_pool", 2), FLATTEN, dense(128), RELU, dense(units)]


def resnet18_cifar():
    def block(f, stride, project):
        first = [conv(f, 3, 1, "same", False)] if stride == 1 else [zero_pad(1), conv(f, 3, stride, "valid", False)]
        main = first + [bn(), RELU, conv(f, 3, 1, "same", False), bn()]
        short = [conv(f, 1, stride, "valid", False), bn()] if project else []
        return [residual(main, short), RELU]
    layers = [conv(64, 3, 1, "same", False), bn(), RELU]
    for f, s, p in ((64, 1, False), (128, 2, True), (256, 2, True), (512, 2, True)):
        layers += block(f, s, p) + block(f, 1, False)
    return layers + [GAP, dense(10)]


# id: (layers, input, the count static_asserted in published.hpp)
MODELS = {
    "s1": (s1(), [1, 28, 28], 65_570),
    "s2": (s2(), [3, 32, 32], 3_441_592),
    "s3": (s3(), [3, 32, 32], 1_250_858),
    "s4": (s4(), [1, 28, 28], 60_170),
    "s4_classic": (s4_classic(), [1, 28, 28], 61_706),
    "s5": (s5(2), [3, 224, 224], 11_169_218),
    "s5_binary": (s5(1), [3, 224, 224], 11_169_089),
    "resnet18_cifar": (resnet18_cifar(), [3, 32, 32], 11_173_962),
    # the equivalence tests' variant: S3 with its dropout rates 0 (S1 has no dropout)
    "s3_dropout0": (s3(0.0), [3, 32, 32], 1_250_858),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
    os.makedirs(out, exist_ok=True)
    for mid, (layers, inp, published) in MODELS.items():
        s = spec(layers, inp)
        if s["param_count"] != published:
            sys.exit(f"make_fixtures: {mid}: {s['param_count']} parameters, published.hpp asserts {published}")
        with open(os.path.join(out, f"{mid}.json"), "w") as f:
            json.dump(s, f, indent=1)
            f.write("\n")
        print(f"{mid}: {s['param_count']:,} parameters -> {out}/{mid}.json")


if __name__ == "__main__":
    main()
