"""Generator of the "chainer" policy's module: the model as a chainer.Sequential of links and functions,
chainer.functions losses, a chainer.optimizers optimizer, define-by-run (Chainer has no graph
compiler). generate(spec, train) -> the module's source.

Chainer is NCHW with PyTorch's layouts (Convolution2D W [F, C, KH, KW], Linear W [out, in]): the
weights load unchanged. Refused, with the reason: RMSprop with momentum (Chainer's RMSprop has none),
Nesterov momentum (Chainer's NesterovAG is another formulation) and a time decay together with SGD
momentum (Chainer keeps the lr inside the velocity, as Keras).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_common import MAIN, Refused, check_spec, describe, training  # noqa: E402

NAME = "chainer"


class _Emitter:
    def __init__(self):
        self.tensors = []  # (cnnbench name, link path, Chainer attribute)
        self.residual = False

    def links(self, layers, prefix, path, ind):
        out = []

        def add(line, note=""):
            out.append(f"{ind}{line},{'  # ' + note if note else ''}")

        for l in layers:
            k, n, full = l["kind"], l["name"], prefix + l["name"]
            at = path + (len(out),)
            if k == "zero_pad":
                t, b, le, r = l["pads"]
                add(f"lambda x: F.pad(x, ((0, 0), (0, 0), ({t}, {b}), ({le}, {r})), \"constant\")", n)
            elif k == "conv":
                t, b, le, r = l["pads"]
                if t == b and le == r:
                    pad = f", pad=({t}, {le})" if t or le else ""
                    note = "'same'" if l["padding"] == "same" else ""
                else:  # Chainer pads both sides alike: TensorFlow's uneven 'same' split is written out
                    add(f"lambda x: F.pad(x, ((0, 0), (0, 0), ({t}, {b}), ({le}, {r})), \"constant\")",
                        f"{n}: 'same', split as TensorFlow splits it")
                    at, pad, note = path + (len(out),), "", ""
                add(f"L.Convolution2D({l['in_shape'][0]}, {l['filters']}, {tuple(l['kernel'])}, "
                    f"stride={tuple(l['stride'])}{pad}{'' if l['bias'] else ', nobias=True'})", note)
                self.tensors.append((full + ".weight", at, "W"))
                if l["bias"]:
                    self.tensors.append((full + ".bias", at, "b"))
            elif k == "dense":
                add(f"L.Linear({l['in_shape'][0]}, {l['units']}{'' if l['bias'] else ', nobias=True'})")
                self.tensors.append((full + ".weight", at, "W"))
                if l["bias"]:
                    self.tensors.append((full + ".bias", at, "b"))
            elif k in ("relu", "sigmoid", "tanh"):
                add(f"F.{k}")
            elif k == "softmax":
                add("lambda x: F.softmax(x, axis=1)", "over channels")
            elif k == "identity":
                add("F.identity")
            elif k == "max_pool":
                add(f"lambda x: F.max_pooling_2d(x, {tuple(l['window'])}, {tuple(l['stride'])}, cover_all=False)",
                    "Chainer's default cover_all=True adds a partial last window")
            elif k == "avg_pool":
                add(f"lambda x: F.average_pooling_2d(x, {tuple(l['window'])}, {tuple(l['stride'])})")
            elif k == "global_avg_pool":
                add("lambda x: F.average(x, axis=(2, 3))", n)
            elif k == "flatten":
                add("lambda x: F.reshape(x, (x.shape[0], -1))", n)
            elif k == "dropout":
                add(f"lambda x: F.dropout(x, {l['rate']!r})", "active only under chainer.config.train")
            elif k == "batch_norm":
                m = l["momentum"]
                add(f"L.BatchNormalization({l['in_shape'][0]}, decay={1 - m!r}, eps={l['eps']!r})",
                    f"Chainer's decay is 1 - PyTorch's momentum {m!r}; its default eps is 2e-5")
                for t, a in (("weight", "gamma"), ("bias", "beta"), ("running_mean", "avg_mean"),
                             ("running_var", "avg_var")):
                    self.tensors.append((f"{full}.{t}", at, a))
            elif k == "residual":
                self.residual = True
                main = self.links(l["main"], full + ".main.", at + ("main",), ind + "    ")
                short = self.links(l["shortcut"], full + ".shortcut.", at + ("shortcut",), ind + "    ")
                block = [f"{ind}Residual(chainer.Sequential(  # {n}"] + main + \
                        [f"{ind}), chainer.Sequential(" + ("" if short else "  # identity shortcut")] + short + [f"{ind})),"]
                out.append("\n".join(block))
        return out


def generate(spec, train=None):
    check_spec(spec, "gen_chainer")
    t = training(train, "gen_chainer")
    o = t["optimizer"]
    e = _Emitter()
    links = e.links(spec["layers"], "", (), " " * 8)

    adjust, hooks = [], []
    if o["kind"] == "sgd":
        if o["decay"] and o["momentum"]:
            raise Refused("gen_chainer: SGD momentum with a time decay: Chainer keeps lr inside the velocity "
                              "(v = m*v - lr*g), cnnbench outside it (p -= lr_t*b), so a changing lr differs")
        if o["nesterov"]:
            raise Refused("gen_chainer: Nesterov momentum: Chainer's NesterovAG steps by m^2 v_new - (1+m) lr g "
                              "with the updated velocity, PyTorch by lr ((1+m) g + m^2 b) with the old buffer")
        cls = "MomentumSGD" if o["momentum"] else "SGD"
        opt = (f"chainer.optimizers.{cls}(lr={o['lr']!r}" + (f", momentum={o['momentum']!r})" if o["momentum"] else ")"))
        opt_note = "# Chainer's velocity is -lr*b (v = m*v - lr*g, w += v): PyTorch's steps while lr is constant"
        lr_attr = "lr"
    elif o["kind"] == "adam":
        opt = (f"chainer.optimizers.Adam(alpha={o['lr']!r}, beta1={o['beta1']!r}, beta2={o['beta2']!r}, "
               f"eps={o['eps']!r})")
        opt_note = "# Chainer's Adam scales alpha by sqrt(1 - beta2^t) / (1 - beta1^t): tf.keras' 'epsilon hat'"
        if o["epsilon_mode"] == "pytorch":
            adjust.append(f"        # PyTorch adds epsilon to the bias-corrected sqrt(v): that is epsilon * sqrt(1 - "
                          f"beta2^t) here\n        self.optimizer.eps = {o['eps']!r} * (1 - {o['beta2']!r} ** "
                          f"(self.optimizer.t + 1)) ** 0.5")
        lr_attr = "alpha"
    else:
        if o["momentum"]:
            raise Refused("gen_chainer: RMSprop with momentum: Chainer's RMSprop has no momentum")
        opt = (f"chainer.optimizers.RMSprop(lr={o['lr']!r}, alpha={o['rho']!r}, eps={o['eps']!r}, "
               f"eps_inside_sqrt={o['eps_inside_sqrt']})")
        opt_note = "# alpha is rho; Chainer's default puts epsilon outside the square root (PyTorch's place)"
        lr_attr = "lr"
    if o.get("weight_decay"):
        hooks.append(f"        self.optimizer.add_hook(chainer.optimizer_hooks.WeightDecay({o['weight_decay']!r}))"
                     f"  # L2 in the gradient, as torch.optim")
    if o["decay"]:
        adjust.append(f"        self.optimizer.{lr_attr} = {o['lr']!r} / (1 + {o['decay']!r} * self.optimizer.t)"
                      f"  # Keras' time decay")
    if t["loss"] == "softmax_cross_entropy":
        loss = ["def loss_fn(logits, y, reduce=\"mean\"):",
                "    return F.softmax_cross_entropy(logits, y, reduce=reduce)",
                "", "", "def correct_count(logits, y):",
                "    return int((logits.array.argmax(axis=1) == y).sum())"]
    else:
        loss = ["def loss_fn(logits, y, reduce=\"mean\"):  # one logit; y is 0 or 1",
                "    return F.sigmoid_cross_entropy(logits, y[:, None], reduce=reduce)",
                "", "", "def correct_count(logits, y):",
                "    return int(((logits.array[:, 0] > 0) == (y == 1)).sum())"]
    helpers = []
    if e.residual:
        helpers = ['class Residual(chainer.Chain):',
                   '    """main(x) + shortcut(x); an empty shortcut is the identity."""', '',
                   '    def __init__(self, main, shortcut):',
                   '        super().__init__()',
                   '        with self.init_scope():',
                   '            self.main, self.shortcut = main, shortcut', '',
                   '    def forward(self, x):',
                   '        return self.main(x) + (self.shortcut(x) if len(self.shortcut) else x)', '', '', '']
    tensors = "\n".join(f"    ({n!r}, {p!r}, {a!r})," for n, p, a in e.tensors).replace("'", '"')
    adjust_src = ("\n" + "\n".join(adjust)) if adjust else ""
    hooks_src = ("\n" + "\n".join(hooks)) if hooks else ""
    src = f'''"""{describe(spec)} in Chainer: a chainer.Sequential, define-by-run. Generated by cnnbench
(bench/frameworks/gen_chainer.py) from the model's type; NCHW and PyTorch's weight layouts, as cnnbench's.

Run alone: python3 THIS.py --x X.npy --y Y.npy [--weights DIR] --epochs 2
"""
import numpy as np
import chainer
import chainer.functions as F
import chainer.links as L
import threadpoolctl

FRAMEWORK = "chainer"
VERSION = chainer.__version__
INPUT = {tuple(spec["input"])!r}  # C, H, W
BATCH_SIZE, THREADS, SEED = {t["batch_size"]}, {t["threads"]}, {t["seed"]}


# ---- the model -------------------------------------------------------------------------------
{chr(10).join(helpers)}def build():
    np.random.seed(SEED)  # Chainer's initializers draw from NumPy's global generator
    return chainer.Sequential(  # Chainer's own init: LeCun-normal weights, zero biases
{chr(10).join(links)}
    )


# ---- loss and optimizer ----------------------------------------------------------------------
{chr(10).join(loss)}


def make_optimizer():
    {opt_note}
    return {opt}


# ---- training loop ---------------------------------------------------------------------------
class Trainer:
    def __init__(self, net):
        self.net, self.optimizer = net, make_optimizer()
        self.optimizer.setup(net){hooks_src}

    def step(self, x, y):{adjust_src}
        with chainer.using_config("train", True):
            loss = loss_fn(self.net(np.asarray(x, np.float32)), np.asarray(y, np.int32))  # the batch mean
        self.net.cleargrads()
        loss.backward()
        self.optimizer.update()
        return float(loss.array)

    def evaluate(self, x, y):
        y = np.asarray(y, np.int32)
        with chainer.using_config("train", False), chainer.no_backprop_mode():  # inference mode
            logits = self.net(np.asarray(x, np.float32))
            return float(loss_fn(logits, y, reduce="no").array.sum()), correct_count(logits, y)


def make_trainer(net):
    return Trainer(net)


def predict(net, x):
    """Logits [N, outputs] in inference mode."""
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        return net(np.asarray(x, np.float32)).array


# ---- weights: cnnbench's names <-> Chainer's (same layouts) ------------------------------------
# (cnnbench name, the link's position in the net, its attribute: a parameter, or BatchNorm's avg_*)
TENSORS = [
{tensors}
]
TENSOR_NAMES = [t[0] for t in TENSORS]


def _array(net, path, attr):
    link = net
    for p in path:
        link = getattr(link, p) if isinstance(p, str) else link[p]
    value = getattr(link, attr)
    return value.array if isinstance(value, chainer.Variable) else value


def load_weights(net, weights):
    for name, path, attr in TENSORS:
        a = _array(net, path, attr)
        if a.shape != tuple(weights[name].shape):
            raise ValueError(f"{{name}}: shape {{weights[name].shape}} does not fit {{a.shape}}")
        a[...] = weights[name]


def get_weights(net):
    return {{name: np.array(_array(net, path, attr), np.float32) for name, path, attr in TENSORS}}


def param_count(net):
    """Trainable scalars (BatchNorm's running statistics are persistent values, not parameters)."""
    return int(sum(p.size for p in net.params()))


_limits = None


def set_threads(n):
    # Chainer computes with NumPy: its BLAS (and any OpenMP pool) held to n threads
    global _limits
    _limits = threadpoolctl.threadpool_limits(n)

{MAIN.replace("%(fw)s", "Chainer")}'''
    return src
