"""Generator of PyTorch 2 modules (policy "pytorch"): torch.nn.Sequential with cnnbench's layer names,
torch.optim, an eager training loop.

generate(spec, train) -> the module's source (see codegen.py for the contract).
PyTorch is NCHW with cnnbench's weight layouts (OIHW convolutions, [out, in] Linear), and its
state_dict keys are cnnbench's tensor names, so the loader converts nothing. The optimizers map as
the LibTorch adapter maps them (include/cnnbench/backend/torch/optimizers.hpp); tf.keras RMSprop
(epsilon inside the square root) has no torch form and is refused. torch.compile is not used: on
this 2-core CPU its compilation takes longer than the short protocols train, and eager mode is the
idiom of the write-ups' PyTorch code.
"""
from gen_common import Refused, Writer, float_literal


def _modules(layers, flat):
    """[(name, source expression, comment)] for a list of spec layers; `flat`: the input is [N, F]."""
    out = []
    for l in layers:
        k, name = l["kind"], l["name"]
        c = l["in_shape"][0]
        if k == "zero_pad":
            t, b, le, r = l["pads"]
            out.append((name, f"nn.ZeroPad2d(({le}, {r}, {t}, {b}))", "torch orders pads left, right, top, bottom"))
        elif k == "conv":
            t, b, le, r = l["pads"]
            bias = "" if l["bias"] else ", bias=False"
            kh, kw = l["kernel"]
            sh, sw = l["stride"]
            if t == b and le == r:
                pad = f", padding=({t}, {le})" if t or le else ""
                note = "\"same\" as explicit padding" if l["padding"] == "same" else ""
            else:
                out.append((name + "_pad", f"nn.ZeroPad2d(({le}, {r}, {t}, {b}))",
                            "\"same\" with an uneven split: TensorFlow's (the extra row/column after); torch pads evenly"))
                pad, note = "", ""
            out.append((name, f"nn.Conv2d({c}, {l['filters']}, ({kh}, {kw}), stride=({sh}, {sw}){pad}{bias})", note))
        elif k == "dense":
            if not flat:
                out.append((name + "_flat", "nn.Flatten()", "cnnbench's Dense takes a [C, 1, 1] input as it is"))
            n_in = l["in_shape"][0] * l["in_shape"][1] * l["in_shape"][2]
            bias = "" if l["bias"] else ", bias=False"
            out.append((name, f"nn.Linear({n_in}, {l['units']}{bias})", ""))
        elif k in ("relu", "sigmoid", "tanh", "identity", "flatten"):
            cls = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh", "identity": "Identity", "flatten": "Flatten"}[k]
            out.append((name, f"nn.{cls}()", "(c, h, w) order, as cnnbench's" if k == "flatten" else ""))
        elif k == "softmax":
            out.append((name, "nn.Softmax(dim=1)", "over the channels"))
        elif k in ("max_pool", "avg_pool"):
            cls = "MaxPool2d" if k == "max_pool" else "AvgPool2d"
            out.append((name, f"nn.{cls}({tuple(l['window'])}, stride={tuple(l['stride'])})", ""))
        elif k == "global_avg_pool":
            out.append((name, "nn.AdaptiveAvgPool2d(1)", ""))
        elif k == "dropout":
            out.append((name, f"nn.Dropout({float_literal(l['rate'])})", ""))
        elif k == "batch_norm":
            cls = "BatchNorm1d" if flat else "BatchNorm2d"
            out.append((name, f"nn.{cls}({c}, eps={float_literal(l['eps'])}, momentum={float_literal(l['momentum'])})",
                        "cnnbench's momentum convention is PyTorch's"))
        elif k == "residual":
            main = _seq(_modules(l["main"], flat), 12)
            short = _seq(_modules(l["shortcut"], flat), 12) if l["shortcut"] else "None"
            out.append((name, f"Residual(\n            {main},\n            {short})", ""))
        else:
            raise Refused(f"layer kind {k!r} has no torch.nn mapping")
        if k in ("flatten", "dense"):
            flat = True
        elif k not in ("relu", "sigmoid", "tanh", "identity", "dropout", "batch_norm", "softmax"):
            flat = False
    return out


def _seq(mods, indent):
    pad = " " * indent
    lines = [f'{pad}    ("{n}", {e}),' + (f"  # {c}" if c else "") for n, e, c in mods]
    return "nn.Sequential(OrderedDict([\n" + "\n".join(lines) + f"\n{pad}]))"


def _optimizer(opt):
    """(optimizer expression, per-step lines before optimizer.step(), uses a LambdaLR)."""
    k, decay = opt["kind"], opt.get("decay", 0.0)
    per_step = []
    if k == "sgd":
        expr = (f"torch.optim.SGD(model.parameters(), lr={float_literal(opt['lr'])}, momentum={float_literal(opt['momentum'])}, "
                f"nesterov={opt['nesterov']}, weight_decay={float_literal(opt['weight_decay'])})")
    elif k == "adam":
        expr = (f"torch.optim.Adam(model.parameters(), lr={float_literal(opt['lr'])}, betas=({float_literal(opt['beta1'])}, {float_literal(opt['beta2'])}), "
                f"eps={float_literal(opt['eps'])}, weight_decay={float_literal(opt['weight_decay'])})")
        if opt["epsilon_mode"] == "keras":
            per_step = ["# Keras' \"epsilon hat\" is added to sqrt(v), torch's eps to sqrt(v / (1 - beta2^t)):",
                        "# eps_t = eps / sqrt(1 - beta2^t) gives Keras' update.",
                        f"self.optimizer.param_groups[0][\"eps\"] = {float_literal(opt['eps'])} / "
                        f"math.sqrt(1 - {float_literal(opt['beta2'])} ** self.t)"]
    elif k == "rmsprop":
        if opt["eps_inside_sqrt"]:
            raise Refused("tf.keras RMSprop divides by sqrt(s + eps); torch.optim.RMSprop only by sqrt(s) + eps "
                          "(as the LibTorch adapter, refused)")
        # PyTorch calls rho `alpha`.
        expr = (f"torch.optim.RMSprop(model.parameters(), lr={float_literal(opt['lr'])}, alpha={float_literal(opt['rho'])}, "
                f"eps={float_literal(opt['eps'])}, momentum={float_literal(opt['momentum'])})")
    else:
        raise Refused(f"optimizer {k!r} unknown")
    return expr, per_step, bool(decay)


RESIDUAL = '''
class Residual(nn.Module):
    """output = main(x) + shortcut(x) (identity without a shortcut): cnnbench's Residual."""

    def __init__(self, main, shortcut=None):
        super().__init__()
        self.main, self.shortcut = main, shortcut

    def forward(self, x):
        return self.main(x) + (self.shortcut(x) if self.shortcut is not None else x)
'''


def generate(spec, train):
    loss, opt = train["loss"], train["optimizer"]
    opt_expr, per_step, lambda_lr = _optimizer(opt)
    binary = loss == "binary_cross_entropy"
    o = Writer()
    o.line(f'"""cnnbench model in PyTorch (torch.nn.Sequential), generated by bench/frameworks/codegen.py.\n'
           f'Loss {loss}, optimizer {opt["kind"]}; weights in cnnbench\'s layouts, which are PyTorch\'s."""')
    if per_step:
        o.line("import math")
    o.line("import os")
    o.line("import sys")
    o.line("import time")
    o.line("from collections import OrderedDict")
    o.blank()
    o.line("import numpy as np")
    o.line("import torch")
    o.line("from torch import nn")
    o.blank()
    o.line('FRAMEWORK = "pytorch"')
    o.line('VERSION = f"PyTorch {torch.__version__}"')
    c, h, w = spec["input"]
    o.line(f"INPUT = ({c}, {h}, {w})  # cnnbench's per-sample shape, NCHW (PyTorch's too)")
    o.blank(2)
    o.line("def set_threads(n):")
    o.line("    torch.set_num_threads(n)")
    o.line("    torch.set_num_interop_threads(n)")
    o.blank(2)
    o.line("def get_threads():")
    o.line("    return torch.get_num_threads()")
    o.blank(2)
    if any(l["kind"] == "residual" for l in spec["layers"]):
        o.code(RESIDUAL)
        o.blank(1)
    o.line("def build():")
    o.line(f"    torch.manual_seed({int(train.get('seed', 1))})  # PyTorch's own init draws from it")
    o.line("    return " + _seq(_modules(spec["layers"], False), 4))
    o.blank(2)
    o.line("def load_weights(model, w):")
    o.line("    # state_dict keys are cnnbench's tensor names; layouts are the same.")
    o.line("    missing, unexpected = model.load_state_dict({k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in w.items()},")
    o.line("                                                strict=False)")
    o.line("    missing = [k for k in missing if not k.endswith(\"num_batches_tracked\")]")
    o.line("    if missing or unexpected:")
    o.line("        raise KeyError(f\"weights do not fit: missing {missing}, unexpected {unexpected}\")")
    o.blank(2)
    o.line("def get_weights(model):")
    o.line("    return {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()")
    o.line("            if not k.endswith(\"num_batches_tracked\")}")
    o.blank(2)
    o.line("def param_count(model):")
    o.line("    return sum(p.numel() for p in model.parameters())")
    o.blank(2)
    o.line("def state_count(model):")
    o.line("    return sum(b.numel() for n, b in model.named_buffers() if not n.endswith(\"num_batches_tracked\"))")
    o.blank(2)
    o.line("class Trainer:")
    o.line("    def __init__(self, model):")
    o.line("        self.model = model.train()")
    o.line(f"        self.loss = nn.{'BCEWithLogitsLoss' if binary else 'CrossEntropyLoss'}()  # mean over the batch")
    o.line(f"        self.optimizer = {opt_expr.replace('model.parameters()', 'model.parameters()')}")
    if lambda_lr:
        o.line("        # cnnbench's (Keras') time decay: lr / (1 + decay * (t - 1)) at step t.")
        o.line(f"        self.schedule = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lambda t: 1 / (1 + {float_literal(opt['decay'])} * t))")
    o.line("        self.t = 0")
    o.blank()
    o.line("    def step(self, x, y):")
    o.line("        self.t += 1")
    for s in per_step:
        o.line("        " + s)
    o.line("        self.optimizer.zero_grad()")
    target = "torch.from_numpy(y).float().reshape(-1, 1)" if binary else "torch.from_numpy(y).long()"
    o.line(f"        loss = self.loss(self.model(torch.from_numpy(x)), {target})")
    o.line("        loss.backward()")
    o.line("        self.optimizer.step()")
    if lambda_lr:
        o.line("        self.schedule.step()")
    o.line("        return loss.item()")
    o.blank()
    o.line("    @torch.no_grad()")
    o.line("    def evaluate(self, x, y):")
    o.line("        self.model.eval()")
    o.line("        z = self.model(torch.from_numpy(x)).double()")
    o.line("        self.model.train()")
    o.line("        t = torch.from_numpy(y).long()")
    if binary:
        o.line("        z = z.reshape(-1)")
        o.line("        loss = nn.functional.binary_cross_entropy_with_logits(z, t.double(), reduction=\"sum\")")
        o.line("        return loss.item(), int(((z > 0) == (t == 1)).sum())")
    else:
        o.line("        loss = nn.functional.cross_entropy(z, t, reduction=\"sum\")")
        o.line("        return loss.item(), int((z.argmax(dim=1) == t).sum())")
    o.blank(2)
    o.line("@torch.no_grad()")
    o.line("def predict(model, x):")
    o.line("    was_training = model.training")
    o.line("    z = model.eval()(torch.from_numpy(x)).numpy()")
    o.line("    model.train(was_training)")
    o.line("    return z")
    o.blank(2)
    o.line("def make_trainer(model):")
    o.line("    return Trainer(model)")
    o.blank(2)
    from gen_keras import MAIN
    o.code(MAIN.replace("Keras' own init", "PyTorch's own init").replace("@BATCH@", str(int(train.get("batch_size", 64))))
           .replace("@THREADS@", str(int(train.get("threads", 1)))))
    return o.text()
