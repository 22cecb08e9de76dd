"""Generator of the "mxnet" policy's module: the model as a Gluon HybridSequential (hybridized: compiled
to a static graph), gluon.loss, an mx.optimizer through gluon.Trainer. generate(spec, train) -> source.

MXNet is NCHW with PyTorch's layouts (conv OIHW, dense [out, in]): the weights load unchanged.
Refused, with the reason: RMSprop with epsilon outside the square root or with momentum (MXNet's
RMSProp puts epsilon inside and has momentum only in its centred form), and a time decay together
with SGD momentum (MXNet folds the learning rate into the momentum buffer, as Keras does).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_common import MAIN, Refused, check_spec, describe, training  # noqa: E402

NAME = "mxnet"


class _Emitter:
    def __init__(self):
        self.tensors = []  # (cnnbench name, block path, Gluon parameter name)
        self.residual = False

    def blocks(self, layers, prefix, path, ind):
        """Gluon blocks for `layers`, one source line each, and their tensor table entries."""
        out = []

        def add(line, note=""):
            out.append(f"{ind}{line},{'  # ' + note if note else ''}")

        for l in layers:
            k, n, full = l["kind"], l["name"], prefix + l["name"]
            at = path + (len(out),)
            if k == "zero_pad":
                t, b, le, r = l["pads"]
                add(f"pad({t}, {b}, {le}, {r})", n)
            elif k == "conv":
                t, b, le, r = l["pads"]
                c = l["in_shape"][0]
                if t == b and le == r:
                    pad = f", padding=({t}, {le})" if t or le else ""
                    note = "'same'" if l["padding"] == "same" else ""
                else:  # Gluon pads both sides alike: TensorFlow's uneven 'same' split is written out
                    add(f"pad({t}, {b}, {le}, {r})", f"{n}: 'same', split as TensorFlow splits it")
                    at, pad, note = path + (len(out),), "", ""
                add(f"nn.Conv2D({l['filters']}, {tuple(l['kernel'])}, strides={tuple(l['stride'])}{pad}, "
                    f"in_channels={c}{'' if l['bias'] else ', use_bias=False'})", note)
                self.tensors.append((full + ".weight", at, "weight"))
                if l["bias"]:
                    self.tensors.append((full + ".bias", at, "bias"))
            elif k == "dense":
                add(f"nn.Dense({l['units']}, in_units={l['in_shape'][0]}{'' if l['bias'] else ', use_bias=False'})")
                self.tensors.append((full + ".weight", at, "weight"))
                if l["bias"]:
                    self.tensors.append((full + ".bias", at, "bias"))
            elif k in ("relu", "sigmoid", "tanh"):
                add(f'nn.Activation("{k}")')
            elif k == "softmax":
                add("nn.HybridLambda(lambda F, x: F.softmax(x, axis=1))", "over channels")
            elif k == "identity":
                add("nn.HybridLambda(lambda F, x: x)", n)
            elif k == "max_pool":
                add(f"nn.MaxPool2D({tuple(l['window'])}, strides={tuple(l['stride'])})")
            elif k == "avg_pool":
                add(f"nn.AvgPool2D({tuple(l['window'])}, strides={tuple(l['stride'])})")
            elif k == "global_avg_pool":
                add("nn.GlobalAvgPool2D()")
            elif k == "flatten":
                add("nn.Flatten()")
            elif k == "dropout":
                add(f"nn.Dropout({l['rate']!r})")
            elif k == "batch_norm":
                m = l["momentum"]
                add(f"nn.BatchNorm(momentum={1 - m!r}, epsilon={l['eps']!r}, in_channels={l['in_shape'][0]})",
                    f"Gluon's momentum is the running average's decay: 1 - PyTorch's {m!r}")
                for t, g in (("weight", "gamma"), ("bias", "beta"), ("running_mean", "running_mean"),
                             ("running_var", "running_var")):
                    self.tensors.append((f"{full}.{t}", at, g))
            elif k == "residual":
                self.residual = True
                main = self.blocks(l["main"], full + ".main.", at + ("main",), ind + "    ")
                short = self.blocks(l["shortcut"], full + ".shortcut.", at + ("shortcut",), ind + "    ")
                out.append(f"{ind}Residual(sequential(  # {n}")
                out.extend(main)
                out.append(f"{ind}), sequential(" + ("" if short else "  # identity shortcut"))
                out.extend(short)
                out.append(f"{ind})),")
                # lines of one block count once: record positions by block, not by line
                out[-len(main) - len(short) - 3:] = ["\n".join(out[-len(main) - len(short) - 3:])]
        return out


def generate(spec, train=None):
    check_spec(spec, "gen_mxnet")
    t = training(train, "gen_mxnet")
    o = t["optimizer"]
    e = _Emitter()
    blocks = e.blocks(spec["layers"], "", (), " " * 8)

    adjust = []
    if o["kind"] == "sgd":
        if o["decay"] and o["momentum"]:
            raise Refused("gen_mxnet: SGD momentum with a time decay: MXNet keeps lr inside the momentum buffer "
                              "(mom = m*mom - lr*g), cnnbench outside it (p -= lr_t*b), so a changing lr differs")
        opt = (f"mx.optimizer.SGD(learning_rate={o['lr']!r}, momentum={o['momentum']!r}, wd={o['weight_decay']!r})"
               f"  # wd: L2 added to the gradient, as torch.optim.SGD's weight_decay")
        if o["nesterov"]:
            opt = (f"mx.optimizer.NAG(learning_rate={o['lr']!r}, momentum={o['momentum']!r}, wd={o['weight_decay']!r})")
        opt_note = ("# MXNet's momentum buffer holds -lr*b (mom = m*mom - lr*g, w += mom): PyTorch's steps "
                    "while lr is constant")
    elif o["kind"] == "adam":
        opt = (f"mx.optimizer.Adam(learning_rate={o['lr']!r}, beta1={o['beta1']!r}, beta2={o['beta2']!r}, "
               f"epsilon={o['eps']!r}, wd={o['weight_decay']!r})")
        opt_note = "# MXNet's Adam scales the lr by sqrt(1 - beta2^t) / (1 - beta1^t): tf.keras' 'epsilon hat'"
        if o["epsilon_mode"] == "pytorch":
            adjust.append(f"        # PyTorch adds epsilon to the bias-corrected sqrt(v): that is epsilon * sqrt(1 - "
                          f"beta2^t) here\n        self.optimizer.epsilon = {o['eps']!r} * (1 - {o['beta2']!r} ** "
                          f"self.t) ** 0.5")
    else:
        if not o["eps_inside_sqrt"]:
            raise Refused("gen_mxnet: RMSprop with epsilon outside the square root (PyTorch, Keras 2.0): MXNet's "
                              "RMSProp divides by sqrt(n + epsilon) only")
        if o["momentum"]:
            raise Refused("gen_mxnet: RMSprop with momentum: MXNet has momentum only in centred RMSProp")
        opt = f"mx.optimizer.RMSProp(learning_rate={o['lr']!r}, gamma1={o['rho']!r}, epsilon={o['eps']!r})"
        opt_note = "# gamma1 is rho; epsilon inside the square root, as tf.keras"
    if o["decay"]:
        adjust.append(f"        self.trainer.set_learning_rate({o['lr']!r} / (1 + {o['decay']!r} * (self.t - 1)))"
                      f"  # Keras' time decay")
    if t["loss"] == "softmax_cross_entropy":
        loss = "gluon.loss.SoftmaxCrossEntropyLoss()  # per sample, softmax inside (from logits)"
        correct = "(logits.argmax(axis=1) == y).sum()"
        label = "mx.nd.array(y)"
    else:
        loss = "gluon.loss.SigmoidBinaryCrossEntropyLoss()  # per sample, from the logit (from_sigmoid=False)"
        correct = "((logits[:, 0] > 0) == y[:, 0]).sum()"
        label = "mx.nd.array(y).reshape((-1, 1))"

    helpers = ['def pad(top, bottom, left, right):',
               '    return nn.HybridLambda(lambda F, x: F.pad(x, mode="constant", pad_width=(0, 0, 0, 0, top, bottom, '
               'left, right)))',
               '', '', '']
    if e.residual:
        helpers = helpers[:-1] + ['def sequential(*blocks):', '    s = nn.HybridSequential()', '    s.add(*blocks)',
                                    '    return s', '', '',
                    'class Residual(gluon.HybridBlock):',
                    '    """main(x) + shortcut(x); an empty shortcut is the identity."""', '',
                    '    def __init__(self, main, shortcut, **kwargs):',
                    '        super().__init__(**kwargs)',
                    '        self.main, self.shortcut = main, shortcut', '',
                    '    def hybrid_forward(self, F, x):',
                    '        return self.main(x) + (self.shortcut(x) if len(self.shortcut) else x)', '', '', '']
    tensors = "\n".join(f"    ({n!r}, {p!r}, {g!r})," for n, p, g in e.tensors).replace("'", '"')
    adjust_src = ("\n" + "\n".join(adjust)) if adjust else ""
    threads = t["threads"]
    src = f'''"""{describe(spec)} in MXNet Gluon: a HybridSequential, hybridized. Generated by cnnbench
(bench/frameworks/gen_mxnet.py) from the model's type; NCHW and PyTorch's weight layouts, as cnnbench's.

Run alone: OMP_NUM_THREADS=2 python3 THIS.py --x X.npy --y Y.npy [--weights DIR] --epochs 2 --threads 2
"""
import os

# MXNet sizes its OpenMP thread pool from OMP_NUM_THREADS when it is loaded, so it must be set before
# the import: set_threads() can only check it.
os.environ.setdefault("OMP_NUM_THREADS", "{threads}")
import numpy as np  # noqa: E402
import mxnet as mx  # noqa: E402
from mxnet import autograd, gluon  # noqa: E402
from mxnet.gluon import nn  # noqa: E402

FRAMEWORK = "mxnet"
VERSION = mx.__version__
INPUT = {tuple(spec["input"])!r}  # C, H, W
BATCH_SIZE, THREADS, SEED = {t["batch_size"]}, {threads}, {t["seed"]}


# ---- the model -------------------------------------------------------------------------------
{chr(10).join(helpers)}def build():
    net = nn.HybridSequential()
    net.add(
{chr(10).join(blocks)}
    )
    mx.random.seed(SEED)
    net.initialize()  # Gluon's own init: U(-0.07, 0.07) weights, zero biases
    net.hybridize(static_alloc=True, static_shape=True)
    return net


# ---- loss and optimizer ----------------------------------------------------------------------
def make_loss():
    return {loss}


def make_optimizer():
    {opt_note}
    return {opt}


# ---- training loop ---------------------------------------------------------------------------
class Trainer:
    def __init__(self, net):
        self.net, self.loss, self.optimizer = net, make_loss(), make_optimizer()
        self.trainer = gluon.Trainer(net.collect_params(), self.optimizer)
        self.t = 0

    def step(self, x, y):
        self.t += 1{adjust_src}
        x, y = mx.nd.array(x), {label}
        with autograd.record():
            loss = self.loss(self.net(x), y)
        loss.backward()  # the gradient of the per-sample losses' sum
        # Gluon rescales the gradients by 1 / step's argument: the batch size makes them the batch mean's
        self.trainer.step(x.shape[0])
        return float(loss.mean().asscalar())

    def evaluate(self, x, y):
        x, y = mx.nd.array(x), {label}
        logits = self.net(x)  # outside autograd.record(): inference mode (dropout off, running statistics)
        return float(self.loss(logits, y).sum().asscalar()), int({correct}.asscalar())


def make_trainer(net):
    return Trainer(net)


def predict(net, x):
    """Logits [N, outputs] in inference mode."""
    return net(mx.nd.array(x)).asnumpy()


# ---- weights: cnnbench's names <-> Gluon's parameters (same layouts) --------------------------
# (cnnbench name, the block's position in the net, the Gluon parameter)
TENSORS = [
{tensors}
]
TENSOR_NAMES = [t[0] for t in TENSORS]


def _parameter(net, path, name):
    block = net
    for p in path:
        block = getattr(block, p) if isinstance(p, str) else block[p]
    return getattr(block, name)


def load_weights(net, weights):
    for name, path, param in TENSORS:
        p = _parameter(net, path, param)
        if tuple(weights[name].shape) != p.shape:
            raise ValueError(f"{{name}}: shape {{weights[name].shape}} does not fit {{p.shape}}")
        p.set_data(mx.nd.array(weights[name], dtype="float32"))


def get_weights(net):
    return {{name: _parameter(net, path, param).data().asnumpy() for name, path, param in TENSORS}}


def param_count(net):
    """Trainable scalars (BatchNorm's running statistics have grad_req 'null')."""
    return int(sum(np.prod(p.shape) for p in net.collect_params().values() if p.grad_req != "null"))


def set_threads(n):
    loaded = int(os.environ["OMP_NUM_THREADS"])
    if n != loaded:
        raise RuntimeError(f"mxnet was loaded with OMP_NUM_THREADS={{loaded}}, not {{n}}: set it before the import")

{MAIN.replace("%(fw)s", "Gluon")}'''
    return src
