#!/usr/bin/env python3
"""Each framework's Adam, in float64, against torch.optim.Adam's documented update (PyTorch's epsilon:
added to sqrt(v_hat) after bias correction), on one gradient sequence whose magnitudes span 1e-11..1e-2
(so gradients near eps are included), with the mapping the generator writes: optax.adam as is (jax),
chainer.optimizers.Adam and mx.optimizer.Adam with eps * sqrt(1 - beta2^t) set before step t (their
update is the paper's "efficient" form, eps_hat). Prints the largest difference from the float64
reference, absolute and relative to the whole update. An analysis tool (issue 11's Adam finding), not
a ctest test; run it in the framework's venv (torch: Debian's python3).

usage: <venv>/bin/python tests/frameworks/adam_float64.py torch|jax|chainer|mxnet
"""
import sys

import numpy as np

T, LR, B1, B2, EPS = 5, 1e-3, 0.9, 0.999, 1e-8
rng = np.random.default_rng(1)
G = rng.standard_normal((T, 1000)) * np.logspace(-11, -2, 1000)
W0 = rng.standard_normal(1000)


def reference():
    """torch.optim.Adam's documented algorithm (amsgrad off, no weight decay), float64."""
    w, m, v = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    for t in range(1, T + 1):
        g = G[t - 1]
        m = B1 * m + (1 - B1) * g
        v = B2 * v + (1 - B2) * g * g
        w = w - LR * (m / (1 - B1 ** t)) / (np.sqrt(v / (1 - B2 ** t)) + EPS)
    return w


def run(which):
    if which == "torch":
        import torch
        p = torch.nn.Parameter(torch.from_numpy(W0.copy()))
        o = torch.optim.Adam([p], lr=LR, betas=(B1, B2), eps=EPS)
        for t in range(T):
            p.grad = torch.from_numpy(G[t].copy())
            o.step()
        return p.detach().numpy()
    if which == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        import optax
        tx = optax.adam(LR, b1=B1, b2=B2, eps=EPS)
        p = jnp.asarray(W0)
        s = tx.init(p)
        for t in range(T):
            u, s = tx.update(jnp.asarray(G[t]), s, p)
            p = optax.apply_updates(p, u)
        return np.asarray(p)
    if which == "chainer":
        import chainer
        link = chainer.Link()
        with link.init_scope():
            link.p = chainer.Parameter(W0.copy())
        o = chainer.optimizers.Adam(alpha=LR, beta1=B1, beta2=B2, eps=EPS)
        o.setup(link)
        for t in range(T):
            o.eps = EPS * (1 - B2 ** (o.t + 1)) ** 0.5  # gen_chainer's mapping
            link.p.grad = G[t].copy()
            o.update()
        return link.p.array
    if which == "mxnet":
        import mxnet as mx
        o = mx.optimizer.Adam(learning_rate=LR, beta1=B1, beta2=B2, epsilon=EPS, wd=0.0)
        w = mx.nd.array(W0, dtype="float64")
        state = o.create_state(0, w)
        for t in range(1, T + 1):
            o.epsilon = EPS * (1 - B2 ** t) ** 0.5  # gen_mxnet's mapping
            o.update(0, w, mx.nd.array(G[t - 1], dtype="float64"), state)
        return w.asnumpy()
    sys.exit(f"adam_float64: unknown framework {which!r} (torch, jax, chainer, mxnet)")


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "torch"
    w, r = run(which), reference()
    print(f"{which}: float64 Adam, {T} steps, |g| 1e-11..1e-2: max |w - reference| {np.abs(w - r).max():.2e}, "
          f"{np.linalg.norm(w - r) / np.linalg.norm(r - W0):.2e} of the whole update")
