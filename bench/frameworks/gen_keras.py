"""Generator of Keras 3 modules: policy "tensorflow" (Keras Sequential, a tf.function GradientTape
step) and policy "keras-jax" (the same model code with KERAS_BACKEND=jax, trained with Keras' own
jitted train_on_batch).

generate(spec, train, backend="tensorflow") -> the module's source (see codegen.py for the contract).
Keras works in NHWC (channels_last: TensorFlow's CPU kernels have no NCHW convolution), so the module
transposes batches from cnnbench's NCHW, and its loader converts the weights: conv kernels
[F,C,KH,KW] -> [KH,KW,C,F], dense [out,in] -> [in,out], and a Dense after a Flatten has its input
rows permuted from cnnbench's (c,h,w) order to Keras' (h,w,c) flatten order.
Raises gen_common.Refused where Keras cannot express cnnbench's optimizer.
"""
from gen_common import Refused, Writer, flat_layers, float_literal


def _layer(l, indent):
    """The Keras layer of one spec entry (a source expression)."""
    k, name = l["kind"], l["name"]
    if k == "zero_pad":
        t, b, le, r = l["pads"]
        return f'layers.ZeroPadding2D((({t}, {b}), ({le}, {r})), name="{name}")'
    if k == "conv":
        # "same" is Keras' own: TensorFlow's split (the extra row/column after) is cnnbench's.
        bias = "" if l["bias"] else ", use_bias=False"
        return (f'layers.Conv2D({l["filters"]}, {tuple(l["kernel"])}, strides={tuple(l["stride"])}, '
                f'padding="{l["padding"]}"{bias}, name="{name}")')
    if k == "dense":
        bias = "" if l["bias"] else ", use_bias=False"
        return f'layers.Dense({l["units"]}{bias}, name="{name}")'
    if k in ("relu", "sigmoid", "tanh", "softmax"):
        return f'layers.Activation("{k}", name="{name}")'
    if k == "identity":
        return f'layers.Identity(name="{name}")'
    if k == "flatten":
        return f'layers.Flatten(name="{name}")  # (h, w, c) order: the loader permutes the next Dense'
    if k in ("max_pool", "avg_pool"):
        cls = "MaxPooling2D" if k == "max_pool" else "AveragePooling2D"
        return f'layers.{cls}({tuple(l["window"])}, strides={tuple(l["stride"])}, name="{name}")'
    if k == "global_avg_pool":
        return f'layers.GlobalAveragePooling2D(name="{name}")'
    if k == "dropout":
        return f'layers.Dropout({float_literal(l["rate"])}, name="{name}")'
    if k == "batch_norm":
        # Keras' defaults are epsilon 1e-3, momentum 0.99 in its convention (running = m * running +
        # (1 - m) * batch): cnnbench's (PyTorch's) momentum m is Keras' 1 - m. Keras' moving variance
        # uses the biased batch variance (PyTorch's and cnnbench's the unbiased one): the running
        # statistics, used only at inference, differ by n / (n - 1) per update.
        return (f'layers.BatchNormalization(epsilon={float_literal(l["eps"])}, momentum={float_literal(1.0 - l["momentum"])}, '
                f'name="{name}")')
    if k == "residual":
        main = ", ".join(_layer(s, indent).partition("  # ")[0] for s in l["main"])
        short = ", ".join(_layer(s, indent).partition("  # ")[0] for s in l["shortcut"])
        return f'Residual([{main}], [{short}], name="{name}")'
    raise Refused(f"layer kind {k!r} has no Keras mapping")


def _weights_code(layers, w):
    """Lines of load_weights / get_weights for every layer with tensors."""
    load, get = [], []
    flat_shape = None  # the (C, H, W) before the last Flatten, until a Dense consumes it
    for path, l in flat_layers(layers):
        k = l["kind"]
        key = path  # the tensor name prefix
        parts = path.split(".")  # "conv_1", or "residual_1.main.conv_2" inside a Residual
        acc = (f'model.get_layer("{parts[0]}")' if len(parts) == 1
               else f'model.get_layer("{parts[0]}").branch("{parts[1]}", "{parts[2]}")')
        if k == "flatten":
            c, h, ww = l["in_shape"]
            flat_shape = (c, h, ww) if h * ww > 1 else None
        if k == "conv":
            t = [f'conv_kernel(w["{key}.weight"])'] + ([f'w["{key}.bias"]'] if l["bias"] else [])
            load.append(f'{acc}.set_weights([{", ".join(t)}])')
            get.append(f'v = {acc}.get_weights()')
            get.append(f'out["{key}.weight"] = v[0].transpose(3, 2, 0, 1)  # [KH,KW,C,F] -> [F,C,KH,KW]')
            if l["bias"]:
                get.append(f'out["{key}.bias"] = v[1]')
        elif k == "dense":
            fs = flat_shape
            flat_shape = None
            kern = f'dense_kernel(w["{key}.weight"], {fs})' if fs else f'w["{key}.weight"].T'
            t = [kern] + ([f'w["{key}.bias"]'] if l["bias"] else [])
            load.append(f'{acc}.set_weights([{", ".join(t)}])')
            get.append(f'v = {acc}.get_weights()')
            get.append(f'out["{key}.weight"] = dense_weight(v[0], {fs})' if fs else f'out["{key}.weight"] = v[0].T')
            if l["bias"]:
                get.append(f'out["{key}.bias"] = v[1]')
        elif k == "batch_norm":
            names = ["weight", "bias", "running_mean", "running_var"]
            load.append(f'{acc}.set_weights([' + ", ".join(f'w["{key}.{n}"]' for n in names) + "])")
            get.append(f'v = {acc}.get_weights()  # gamma, beta, moving mean, moving variance')
            for i, n in enumerate(names):
                get.append(f'out["{key}.{n}"] = v[{i}]')
    return load, get


def _optimizer(opt, backend):
    """(setup lines, optimizer expression, gradient hook lines) for cnnbench's optimizer in Keras."""
    k, lr, decay = opt["kind"], opt["lr"], opt.get("decay", 0.0)
    pre = []
    rate = float_literal(lr)
    if decay:
        # cnnbench's (Keras 2's legacy) time decay lr / (1 + decay * (t - 1)); Keras 3 counts
        # iterations from 0, so InverseTimeDecay with decay_steps 1 is the same rate at every step.
        pre.append(f"lr = keras.optimizers.schedules.InverseTimeDecay({rate}, decay_steps=1, decay_rate={float_literal(decay)})")
        rate = "lr"
    wd = opt.get("weight_decay", 0.0)
    if wd and backend != "tensorflow":
        raise Refused("weight decay: cnnbench adds L2 to the gradient (PyTorch's weight_decay); Keras 3's "
                      "weight_decay is decoupled (AdamW-style), and train_on_batch gives no gradient hook")
    if k == "sgd":
        if decay and opt["momentum"]:
            raise Refused("sgd with momentum and time decay: Keras scales each gradient by its step's rate "
                          "(v = m v - lr_t g), cnnbench and PyTorch scale the whole velocity (p -= lr_t b)")
        # Keras' v = m v - lr g, p += v is PyTorch's b = m b + g, p -= lr b while lr is constant.
        expr = f"keras.optimizers.SGD({rate}, momentum={float_literal(opt['momentum'])}, nesterov={opt['nesterov']})"
    elif k == "adam":
        if opt["epsilon_mode"] == "keras":
            expr = (f"keras.optimizers.Adam({rate}, beta_1={float_literal(opt['beta1'])}, beta_2={float_literal(opt['beta2'])}, "
                    f"epsilon={float_literal(opt['eps'])})  # Keras' own \"epsilon hat\"")
        else:
            expr = (f"TorchAdam({rate}, beta_1={float_literal(opt['beta1'])}, beta_2={float_literal(opt['beta2'])}, "
                    f"epsilon={float_literal(opt['eps'])})")
    elif k == "rmsprop":
        if decay and opt["momentum"]:
            raise Refused("rmsprop with momentum and time decay: Keras scales each increment by its step's "
                          "rate, cnnbench and PyTorch the whole momentum buffer")
        cls = "keras.optimizers.RMSprop" if opt["eps_inside_sqrt"] else "RMSpropEpsOutside"
        expr = (f"{cls}({rate}, rho={float_literal(opt['rho'])}, momentum={float_literal(opt['momentum'])}, epsilon={float_literal(opt['eps'])})")
    else:
        raise Refused(f"optimizer {k!r} unknown")
    return pre, expr, wd


TORCH_ADAM = '''
class TorchAdam(keras.optimizers.Adam):
    """Adam with PyTorch's epsilon placement (cnnbench's default): eps is added to the bias-corrected
    sqrt(v / (1 - beta_2^t)); Keras adds it to sqrt(v) ("epsilon hat"), so eps is scaled per step."""

    def update_step(self, gradient, variable, learning_rate):
        t = ops.cast(self.iterations + 1, variable.dtype)
        c2 = ops.sqrt(1 - ops.power(ops.cast(self.beta_2, variable.dtype), t))
        alpha = ops.cast(learning_rate, variable.dtype) * c2 / (1 - ops.power(ops.cast(self.beta_1, variable.dtype), t))
        m = self._momentums[self._get_variable_index(variable)]
        v = self._velocities[self._get_variable_index(variable)]
        self.assign_add(m, (gradient - m) * (1 - self.beta_1))
        self.assign_add(v, (ops.square(gradient) - v) * (1 - self.beta_2))
        self.assign_sub(variable, m * alpha / (ops.sqrt(v) + self.epsilon * c2))
'''

RMSPROP_OUTSIDE = '''
class RMSpropEpsOutside(keras.optimizers.RMSprop):
    """RMSprop with eps outside the square root, g / (sqrt(s) + eps): PyTorch's and Keras 2.0's
    (cnnbench's rmsprop and rmsprop-keras2); Keras 3 (TensorFlow's) divides by sqrt(s + eps)."""

    def update_step(self, gradient, variable, learning_rate):
        s = self._velocities[self._get_variable_index(variable)]
        self.assign(s, self.rho * s + (1 - self.rho) * ops.square(gradient))
        increment = ops.cast(learning_rate, variable.dtype) * gradient / (ops.sqrt(s) + self.epsilon)
        if self.momentum > 0:
            b = self._momentums[self._get_variable_index(variable)]
            self.assign(b, self.momentum * b + increment)
            increment = b
        self.assign_sub(variable, increment)
'''

RESIDUAL = '''
class Residual(layers.Layer):
    """output = main(x) + shortcut(x) (identity when the shortcut is empty): cnnbench's Residual."""

    def __init__(self, main, shortcut, **kwargs):
        super().__init__(**kwargs)
        self.main, self.shortcut = keras.Sequential(main), (keras.Sequential(shortcut) if shortcut else None)

    def call(self, x, training=False):
        return self.main(x, training=training) + (self.shortcut(x, training=training) if self.shortcut else x)

    def branch(self, which, name):
        return getattr(self, which).get_layer(name)
'''


def generate(spec, train, backend="tensorflow"):
    loss = train["loss"]
    opt = train["optimizer"]
    pre, opt_expr, wd = _optimizer(opt, backend)
    c, h, w = spec["input"]
    all_layers = [l for _, l in flat_layers(spec["layers"])]
    has_residual = any(l["kind"] == "residual" for l in spec["layers"])
    load, get = _weights_code(spec["layers"], "w")
    o = Writer()
    o.line(f'"""cnnbench model {spec.get("id", "")} in Keras 3 ({backend} back end), generated by '
           f'bench/frameworks/codegen.py.\nLoss {loss}, optimizer {opt["kind"]}; weights in cnnbench\'s NCHW layouts."""')
    o.line("import os")
    o.line("import sys")
    o.line("import time")
    o.blank()
    o.line(f'os.environ["KERAS_BACKEND"] = "{backend}"')
    o.line("import numpy as np  # noqa: E402")
    if backend == "tensorflow":
        o.line("import tensorflow as tf  # noqa: E402")
    else:
        o.line("import jax  # noqa: E402")
    o.line("import keras  # noqa: E402")
    o.line("from keras import layers, ops  # noqa: E402")
    o.blank()
    o.line(f'FRAMEWORK = "{"tensorflow" if backend == "tensorflow" else "keras-jax"}"')
    if backend == "tensorflow":
        o.line('VERSION = f"TensorFlow {tf.__version__}, Keras {keras.__version__}"')
    else:
        o.line('VERSION = f"Keras {keras.__version__} on JAX {jax.__version__}"')
    o.line(f"INPUT = ({c}, {h}, {w})  # cnnbench's per-sample shape, NCHW")
    o.blank(2)
    o.line("def set_threads(n):")
    if backend == "tensorflow":
        o.line("    tf.config.threading.set_intra_op_parallelism_threads(n)")
        o.line("    tf.config.threading.set_inter_op_parallelism_threads(n)")
    else:
        o.line("    # XLA's CPU client reads its thread count from the environment before JAX starts.")
        o.line('    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + f" --xla_cpu_multi_thread_eigen={n > 1} '
               'intra_op_parallelism_threads={n}").strip()')
    o.line(f'    keras.utils.set_random_seed({int(train.get("seed", 1))})')
    o.blank(2)
    if has_residual:
        o.code(RESIDUAL)
        o.blank(1)
    o.line("def build():")
    o.line("    return keras.Sequential([")
    o.line(f"        keras.Input(shape=({h}, {w}, {c})),  # NHWC")
    for l in spec["layers"]:
        expr, _, comment = _layer(l, 8).partition("  # ")
        o.line(f"        {expr}," + (f"  # {comment}" if comment else ""))
    o.line("    ])")
    o.blank(2)
    o.line("def conv_kernel(w):")
    o.line("    return w.transpose(2, 3, 1, 0)  # [F,C,KH,KW] -> Keras' [KH,KW,C,F]")
    o.blank(2)
    o.line("def dense_kernel(w, chw):")
    o.line("    # Keras flattens NHWC in (h, w, c) order, cnnbench NCHW in (c, h, w): permute the input rows.")
    o.line("    c, h, w_ = chw")
    o.line("    return w.reshape(-1, c, h, w_).transpose(2, 3, 1, 0).reshape(h * w_ * c, -1)")
    o.blank(2)
    o.line("def dense_weight(k, chw):")
    o.line("    c, h, w_ = chw")
    o.line("    return k.reshape(h, w_, c, -1).transpose(3, 2, 0, 1).reshape(-1, c * h * w_)")
    o.blank(2)
    o.line("def load_weights(model, w):")
    for s in load or ["pass"]:
        o.line("    " + s)
    o.blank(2)
    o.line("def get_weights(model):")
    o.line("    out = {}")
    for s in get:
        o.line("    " + s)
    o.line("    return {k: np.asarray(v, np.float32) for k, v in out.items()}")
    o.blank(2)
    o.line("def param_count(model):")
    o.line("    return sum(int(np.prod(v.shape)) for v in model.trainable_weights)")
    o.blank(2)
    o.line("def state_count(model):")
    o.line("    return sum(int(np.prod(v.shape)) for v in model.non_trainable_weights)")
    o.blank(2)
    if "TorchAdam" in opt_expr:
        o.code(TORCH_ADAM)
        o.blank(1)
    if "RMSpropEpsOutside" in opt_expr:
        o.code(RMSPROP_OUTSIDE)
        o.blank(1)
    binary = loss == "binary_cross_entropy"
    loss_expr = ("keras.losses.BinaryCrossentropy(from_logits=True)" if binary
                 else "keras.losses.SparseCategoricalCrossentropy(from_logits=True)")
    o.line("class Trainer:")
    o.line("    def __init__(self, model):")
    o.line("        self.model = model")
    for p in pre:
        o.line("        " + p)
    o.line(f"        self.loss = {loss_expr}  # mean over the batch")
    o.line(f"        self.optimizer = {opt_expr}")
    if backend == "tensorflow":
        o.line("        self.optimizer.build(model.trainable_variables)")
        o.blank()
        o.line("    @tf.function(reduce_retracing=True)")
        o.line("    def _step(self, x, y):")
        o.line("        with tf.GradientTape() as tape:")
        o.line("            loss = self.loss(y, self.model(x, training=True))")
        o.line("        grads = tape.gradient(loss, self.model.trainable_variables)")
        if wd:
            o.line("        # cnnbench's weight decay is L2 added to the gradient (PyTorch's), not Keras' decoupled one.")
            o.line(f"        grads = [g + {float_literal(wd)} * v for g, v in zip(grads, self.model.trainable_variables)]")
        o.line("        self.optimizer.apply_gradients(zip(grads, self.model.trainable_variables))")
        o.line("        return loss")
        o.blank()
        o.line("    @tf.function(reduce_retracing=True)")
        o.line("    def _logits(self, x):")
        o.line("        return self.model(x, training=False)")
    else:
        o.line("        # Keras compiles train_on_batch's step with jax.jit.")
        o.line("        model.compile(optimizer=self.optimizer, loss=self.loss, jit_compile=True)")
    o.blank()
    o.line("    def step(self, x, y):")
    o.line("        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1))  # NCHW -> NHWC")
    yconv = "y.astype(np.float32).reshape(-1, 1)" if binary else "y"
    if backend == "tensorflow":
        o.line(f"        return float(self._step(x, {yconv}))")
    else:
        o.line(f"        return float(self.model.train_on_batch(x, {yconv}))")
    o.blank()
    o.line("    def evaluate(self, x, y):")
    o.line("        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1))")
    if backend == "tensorflow":
        o.line("        logits = self._logits(x)")
    else:
        o.line("        logits = self.model.predict_on_batch(x)")
    if binary:
        o.line("        z = np.asarray(logits, np.float64).reshape(-1)")
        o.line("        loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))")
        o.line("        return float(loss.sum()), int(((z > 0) == (y == 1)).sum())")
    else:
        o.line("        z = np.asarray(logits, np.float64)")
        o.line("        m = z.max(axis=1, keepdims=True)")
        o.line("        logp = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))")
        o.line("        return float(-logp[np.arange(len(y)), y].sum()), int((z.argmax(axis=1) == y).sum())")
    o.blank(2)
    o.line("def predict(model, x):")
    o.line("    return np.asarray(model(np.ascontiguousarray(x.transpose(0, 2, 3, 1)), training=False))")
    o.blank(2)
    o.line("def make_trainer(model):")
    o.line("    return Trainer(model)")
    o.blank(2)
    o.code(MAIN.replace("@BATCH@", str(int(train.get("batch_size", 64)))).replace("@THREADS@", str(int(train.get("threads", 1)))))
    return o.text()


MAIN = '''
def main(argv):
    import argparse
    p = argparse.ArgumentParser(description="Train this model on .npy files (x: float32 NCHW, y: int32)")
    p.add_argument("--weights", help="folder of <tensor name>.npy in cnnbench's layouts (default: Keras' own init)")
    p.add_argument("--x", required=True)
    p.add_argument("--y", required=True)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch", type=int, default=@BATCH@)
    p.add_argument("--threads", type=int, default=@THREADS@)
    a = p.parse_args(argv)
    set_threads(a.threads)
    model = build()
    if a.weights:
        load_weights(model, {f[:-4]: np.load(os.path.join(a.weights, f)) for f in os.listdir(a.weights) if f.endswith(".npy")})
    trainer = make_trainer(model)
    x, y = np.load(a.x).astype(np.float32), np.load(a.y).astype(np.int32)
    for epoch in range(1, a.epochs + 1):
        t0, losses = time.perf_counter(), []
        for i in range(0, len(x), a.batch):
            losses.append(trainer.step(x[i:i + a.batch], y[i:i + a.batch]))
        print(f"epoch {epoch}: loss {np.mean(losses):.6f}, {time.perf_counter() - t0:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
'''
