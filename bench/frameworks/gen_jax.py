"""Generator of the "jax" policy's module: the model as a Flax (linen) nn.Module, the loss and optimizer
with Optax, the train step compiled by jax.jit. generate(spec, train) -> the module's source.

Flax convolves NHWC: the module transposes cnnbench's NCHW batches once, on entry, and the loader
converts the weights (conv OIHW -> HWIO; dense [out, in] -> [in, out], with the columns of a Dense
fed by a Flatten permuted from c, h, w to h, w, c order).
Refused, with the reason: tf.keras Adam's "epsilon hat" (optax.adam has only PyTorch's placement) and
a time decay together with RMSprop momentum (optax applies the lr before the momentum trace).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_common import MAIN, Refused, check_spec, describe, flatten_permutations, py, training

NAME = "jax"


class _Emitter:
    def __init__(self):
        self.classes = []  # Residual module classes, one per distinct structure
        self.tensors = []  # (cnnbench name, collection, path, conversion, (C, H, W) or None)

    def layers(self, layers, var, prefix, path, scope, ind, perms):
        """Lines applying `layers` to `var` inside a compact __call__; `var` is NHWC (4-D) or flat (2-D).
        prefix: of the cnnbench tensor names; path: the Flax modules above; scope: of submodule names."""
        out, flat = [], False
        for l in layers:
            k, n = l["kind"], l["name"]
            full, mod = prefix + n, scope + n
            if k == "zero_pad":
                t, b, le, r = l["pads"]
                out.append(f"{var} = jnp.pad({var}, ((0, 0), ({t}, {b}), ({le}, {r}), (0, 0)))  # {n}")
            elif k == "conv":
                t, b, le, r = l["pads"]
                pad = '"VALID"' if l["padding"] == "valid" else f"(({t}, {b}), ({le}, {r}))"
                note = ("  # 'same', split as TensorFlow splits it (more at the bottom/right)" if l["padding"] == "same"
                        else "  # Flax's default padding is 'SAME'")
                out.append(f"{var} = nn.Conv({l['filters']}, {tuple(l['kernel'])}, strides={tuple(l['stride'])}, "
                           f"padding={pad}, use_bias={l['bias']}, name={py(mod)})({var}){note}")
                self.tensors.append((full + ".weight", "params", path + (mod, "kernel"), "conv", None))
                if l["bias"]:
                    self.tensors.append((full + ".bias", "params", path + (mod, "bias"), "vector", None))
            elif k == "dense":
                if not flat:
                    out.append(f"{var} = {var}.reshape(({var}.shape[0], -1))  # 1x1 spatial map -> features")
                    flat = True
                out.append(f"{var} = nn.Dense({l['units']}, use_bias={l['bias']}, name={py(mod)})({var})")
                chw = perms.get(n)
                self.tensors.append((full + ".weight", "params", path + (mod, "kernel"), "dense", chw))
                if l["bias"]:
                    self.tensors.append((full + ".bias", "params", path + (mod, "bias"), "vector", None))
            elif k in ("relu", "sigmoid"):
                out.append(f"{var} = nn.{k}({var})")
            elif k == "tanh":
                out.append(f"{var} = jnp.tanh({var})")
            elif k == "softmax":
                out.append(f"{var} = nn.softmax({var}, axis=-1)  # over channels (last in NHWC)")
            elif k == "identity":
                out.append(f"# {n}: identity")
            elif k in ("max_pool", "avg_pool"):
                out.append(f"{var} = nn.{k}({var}, {tuple(l['window'])}, strides={tuple(l['stride'])})"
                           f"  # Flax's default stride is 1, not the window")
            elif k == "global_avg_pool":
                out.append(f"{var} = jnp.mean({var}, axis=(1, 2))  # {n}")
                flat = True
            elif k == "flatten":
                c, h, w = l["in_shape"]
                note = "  # h, w, c order: the loader permutes the next Dense" if h * w > 1 and not flat else ""
                out.append(f"{var} = {var}.reshape(({var}.shape[0], -1)){note}")
                flat = True
            elif k == "dropout":
                out.append(f"{var} = nn.Dropout({l['rate']}, deterministic=not train)({var})")
            elif k == "batch_norm":
                m = l["momentum"]
                out.append(f"{var} = nn.BatchNorm(use_running_average=not train, momentum={1 - m!r}, "
                           f"epsilon={l['eps']!r}, name={py(mod)})({var})"
                           f"  # Flax's momentum is the running average's decay: 1 - PyTorch's {m!r}")
                self.tensors.append((full + ".weight", "params", path + (mod, "scale"), "vector", None))
                self.tensors.append((full + ".bias", "params", path + (mod, "bias"), "vector", None))
                self.tensors.append((full + ".running_mean", "batch_stats", path + (mod, "mean"), "vector", None))
                self.tensors.append((full + ".running_var", "batch_stats", path + (mod, "var"), "vector", None))
            elif k == "residual":
                cls = self.residual(l, prefix + n + ".", path + (mod,))
                out.append(f"{var} = {cls}(name={py(mod)})({var}, train)")
        return [ind + s for s in out]

    def residual(self, l, prefix, path):
        main = self.layers(l["main"], "y", prefix + "main.", path, "main_", " " * 8, {})
        short = (self.layers(l["shortcut"], "s", prefix + "shortcut.", path, "shortcut_", " " * 8, {})
                 if l["shortcut"] else [])
        body = ["        y = x"] + main + (["        s = x"] + short + ["        return y + s"] if short
                                          else ["        return y + x  # identity shortcut"])
        for name, text in self.classes:
            if text == body:
                return name
        name = f"Residual{len(self.classes) + 1}"
        self.classes.append((name, body))
        return name


def generate(spec, train=None):
    check_spec(spec, "gen_jax")
    t = training(train, "gen_jax")
    o = t["optimizer"]
    e = _Emitter()
    # A Residual's layers are named "main_<layer>" / "shortcut_<layer>" inside its module.
    body = e.layers(spec["layers"], "x", "", (), "", " " * 8, flatten_permutations(spec["layers"]))
    classes = []
    for name, text in e.classes:
        classes += [f"class {name}(nn.Module):", "    @nn.compact", "    def __call__(self, x, train: bool = False):"]
        classes += text + ["", "", ""]

    if o["kind"] == "sgd":
        if o["weight_decay"]:
            opt = (f"optax.chain(optax.add_decayed_weights({o['weight_decay']!r}),  # L2 in the gradient, as torch.optim\n"
                   f"                       optax.sgd(lr, momentum={o['momentum'] or None!r}, nesterov={o['nesterov']}))")
        else:
            opt = f"optax.sgd(lr, momentum={o['momentum'] or None!r}, nesterov={o['nesterov']})"
        opt_note = "# optax's trace is PyTorch's momentum buffer (b = m b + g, p -= lr b)"
    elif o["kind"] == "adam":
        if o["epsilon_mode"] != "pytorch":
            raise Refused("gen_jax: Adam with tf.keras' 'epsilon hat' placement: optax.adam has PyTorch's only")
        opt = f"optax.adam(lr, b1={o['beta1']!r}, b2={o['beta2']!r}, eps={o['eps']!r})"
        if o["weight_decay"]:
            opt = f"optax.chain(optax.add_decayed_weights({o['weight_decay']!r}), {opt})  # L2 (torch.optim.Adam), not AdamW"
        opt_note = "# epsilon outside the square root, after bias correction (PyTorch's placement)"
    else:
        if o["momentum"] and o["decay"]:
            raise Refused("gen_jax: RMSprop momentum with a time decay: optax scales by the lr before the momentum "
                              "trace, cnnbench after it, so a changing lr gives different steps")
        opt = (f"optax.rmsprop(lr, decay={o['rho']!r}, eps={o['eps']!r}, eps_in_sqrt={o['eps_inside_sqrt']}, "
               f"momentum={o['momentum'] or None!r})")
        opt_note = "# optax's default eps_in_sqrt=True is tf.keras'; cnnbench says where epsilon goes"
    lr = (f"lambda step: {o['lr']!r} / (1 + {o['decay']!r} * step)  # Keras' time decay" if o["decay"]
          else repr(o["lr"]))
    if t["loss"] == "softmax_cross_entropy":
        loss = ["def per_sample_loss(logits, y):",
                "    return optax.softmax_cross_entropy_with_integer_labels(logits, y)",
                "", "", "def predictions_correct(logits, y):",
                "    return jnp.argmax(logits, axis=-1) == y"]
    else:
        loss = ["def per_sample_loss(logits, y):  # one logit; y is 0 or 1",
                "    return optax.sigmoid_binary_cross_entropy(logits[:, 0], y.astype(jnp.float32))",
                "", "", "def predictions_correct(logits, y):",
                "    return (logits[:, 0] > 0) == (y == 1)"]

    tensors = "\n".join(f"    ({py(n)}, {py(c)}, {p!r}, {py(conv)}, {chw!r}),"
                        for n, c, p, conv, chw in e.tensors)
    src = f'''"""{describe(spec)} in JAX: a Flax nn.Module, Optax, jax.jit. Generated by cnnbench
(bench/frameworks/gen_jax.py) from the model's type; cnnbench's weights and batches are NCHW, Flax is NHWC.

Run alone: python3 THIS.py --x X.npy --y Y.npy [--weights DIR] --epochs 2
"""
import os

import numpy as np
import jax
import jax.numpy as jnp
import flax.linen as nn
import optax

FRAMEWORK = "jax"
VERSION = f"jax {{jax.__version__}}, flax {{__import__('flax').__version__}}, optax {{optax.__version__}}"
INPUT = {tuple(spec["input"])!r}  # C, H, W
BATCH_SIZE, THREADS, SEED = {t["batch_size"]}, {t["threads"]}, {t["seed"]}


# ---- the model -------------------------------------------------------------------------------
{chr(10).join(classes)}class Net(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = False):
        x = jnp.transpose(x, (0, 2, 3, 1))  # NCHW (cnnbench) -> NHWC (Flax)
{chr(10).join(body)}
        return x


# ---- loss and optimizer ----------------------------------------------------------------------
{chr(10).join(loss)}


def make_optimizer():
    lr = {lr}
    {opt_note}
    return {opt}


# ---- training loop ---------------------------------------------------------------------------
class Model:
    """The Flax module and its variables ("params", and "batch_stats" with BatchNorm)."""

    def __init__(self, net, variables):
        self.net, self.variables = net, variables


def build():
    net = Net()
    key = jax.random.PRNGKey(SEED)
    variables = net.init({{"params": key, "dropout": key}}, jnp.zeros((1,) + INPUT, jnp.float32))  # Flax's own init
    return Model(net, jax.tree.map(np.asarray, dict(variables)))


class Trainer:
    def __init__(self, model):
        self.model, self.tx = model, make_optimizer()
        self.opt_state = self.tx.init(model.variables["params"])
        self.key = jax.random.PRNGKey(SEED)
        self.steps = 0
        net = model.net

        def train_step(variables, opt_state, x, y, key):
            def loss_of(params):
                logits, updates = net.apply({{**variables, "params": params}}, x, train=True,
                                            rngs={{"dropout": key}}, mutable=["batch_stats"])
                return jnp.mean(per_sample_loss(logits, y)), updates

            (loss, updates), grads = jax.value_and_grad(loss_of, has_aux=True)(variables["params"])
            steps, opt_state = self.tx.update(grads, opt_state, variables["params"])
            return {{**variables, **updates, "params": optax.apply_updates(variables["params"], steps)}}, opt_state, loss

        def eval_step(variables, x, y):
            logits = net.apply(variables, x, train=False)
            return jnp.sum(per_sample_loss(logits, y)), jnp.sum(predictions_correct(logits, y))

        self._train_step, self._eval_step = jax.jit(train_step), jax.jit(eval_step)

    def step(self, x, y):
        self.steps += 1
        key = jax.random.fold_in(self.key, self.steps)
        self.model.variables, self.opt_state, loss = self._train_step(self.model.variables, self.opt_state,
                                                                      jnp.asarray(x), jnp.asarray(y), key)
        return float(loss)

    def evaluate(self, x, y):
        loss, correct = self._eval_step(self.model.variables, jnp.asarray(x), jnp.asarray(y))
        return float(loss), int(correct)


def make_trainer(model):
    return Trainer(model)


def predict(model, x):
    """Logits [N, outputs] in inference mode."""
    return np.asarray(model.net.apply(model.variables, jnp.asarray(x), train=False))


# ---- weights: cnnbench's names and layouts <-> Flax's ------------------------------------------
# (cnnbench name, collection, path in it, conversion, (C, H, W) of the Flatten before a Dense)
TENSORS = [
{tensors}
]
TENSOR_NAMES = [t[0] for t in TENSORS]


def _to_flax(w, conv, chw):
    if conv == "conv":
        return w.transpose(2, 3, 1, 0)  # OIHW -> HWIO
    if conv == "dense":
        if chw:  # columns in c, h, w order -> h, w, c (Flax flattens NHWC)
            w = w.reshape((w.shape[0],) + chw).transpose(0, 2, 3, 1).reshape(w.shape[0], -1)
        return w.T  # [out, in] -> [in, out]
    return w


def _from_flax(w, conv, chw):
    if conv == "conv":
        return w.transpose(3, 2, 0, 1)
    if conv == "dense":
        w = w.T
        if chw:
            c, h, wd = chw
            w = w.reshape(w.shape[0], h, wd, c).transpose(0, 3, 1, 2).reshape(w.shape[0], -1)
        return w
    return w


def _node(variables, collection, path):
    d = variables[collection]
    for p in path[:-1]:
        d = d[p]
    return d


def load_weights(model, weights):
    variables = jax.tree.map(np.array, model.variables)  # a mutable copy
    for name, collection, path, conv, chw in TENSORS:
        node = _node(variables, collection, path)
        w = _to_flax(np.asarray(weights[name], np.float32), conv, chw)
        if w.shape != node[path[-1]].shape:
            raise ValueError(f"{{name}}: shape {{weights[name].shape}} does not fit {{node[path[-1]].shape}}")
        node[path[-1]] = w
    model.variables = variables


def get_weights(model):
    return {{name: np.ascontiguousarray(_from_flax(np.asarray(_node(model.variables, c, p)[p[-1]]), conv, chw),
                                         dtype=np.float32)
            for name, c, p, conv, chw in TENSORS}}


def param_count(model):
    """Trainable scalars (Flax's "params"; BatchNorm's running statistics are "batch_stats")."""
    return int(sum(np.size(v) for v in jax.tree.leaves(model.variables["params"])))


def set_threads(n):
    # XLA's CPU client sizes its thread pool from the CPUs this process may run on when it starts
    # (at the first computation): hold the process to n of them.
    os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:n])
    if n == 1:
        os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false"

{MAIN.replace("%(fw)s", "Flax")}'''
    return src
