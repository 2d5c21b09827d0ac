"""Adan: adaptive Nesterov momentum from gradients and gradient differences."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxdescent import _tree
from jaxdescent._hyperparameter_checks import (
    check_decay,
    check_learning_rate,
    check_mask,
    check_nonnegative,
)
from jaxdescent._optimizer import transformation


class AdanState(NamedTuple):
    """State of :func:`adan`: step count, ``m``, ``v``, ``n`` and the previous gradient."""

    count: jax.Array
    m: Any
    v: Any
    n: Any
    previous_grad: Any


def adan(
    learning_rate: Any,
    b1: Any = 0.98,
    b2: Any = 0.92,
    b3: Any = 0.99,
    eps: Any = 1e-8,
    eps_root: Any = 1e-8,
    weight_decay: Any = 0.0,
    mask: Any = None,
):
    r"""Adan: adaptive Nesterov momentum, built from gradients and gradient differences.

    With gradient ``g``, difference ``delta = g - g_prev`` (0 at the first step)
    and step ``t = 1, 2, ...``; each hat is the moment divided by ``1 - b^t``::

        m <- b1 m + (1 - b1) g
        v <- b2 v + (1 - b2) delta
        n <- b3 n + (1 - b3) (g + b2 delta)^2
        d  = (m_hat + b2 v_hat) / (sqrt(n_hat + eps_root) + eps)
        w <- (w - alpha d) / (1 + alpha lambda)
           = w - alpha (d + lambda w) / (1 + alpha lambda)      (the form computed)

    **Deviations from optax 0.2.8**, which follow the paper (its Algorithm 1 with
    ``beta_i = 1 - b_i``) and the authors' code (github.com/sail-sg/Adan):
    ``optax.adan`` weighs ``delta`` and ``v_hat`` by ``1 - b2`` (0.08 by default)
    instead of ``b2`` (the paper's ``1 - beta_2`` = 0.92), and it replaces the
    proximal weight decay above by ``w <- w - alpha (d + lambda w)``. With
    ``weight_decay=0`` and ``b2 = 0.5`` both give the same steps.

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      b1: ``b1``, decay of ``m``, in [0, 1).
      b2: ``b2``, decay of ``v`` and weight of the differences, in [0, 1).
      b3: ``b3``, decay of ``n``, in [0, 1).
      eps: ``eps``, added to the denominator outside the square root.
      eps_root: ``eps_root``, added inside the square root.
      weight_decay: ``lambda``, proximal weight decay; a number, an array or a schedule.
      mask: ``None``, a pytree of bools (a prefix of the parameters') or a
        callable returning one: where weight decay applies.

    Returns:
      An optax ``GradientTransformationExtraArgs``; its ``update`` needs ``params``.

    Raises:
      ValueError: if ``learning_rate``, ``eps``, ``eps_root`` or ``weight_decay``
        is negative, or ``b1``/``b2``/``b3`` is outside [0, 1).
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.adan(0.1, eps=0.0, eps_root=0.0)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(w, opt.init(w), w)
      >>> print([f"{u:.4f}" for u in updates])  # no difference yet: -alpha sign(g)
      ['-0.1000', '0.1000']

    References:
      Xie, Zhou, Li, Lin and Yan, *Adan: Adaptive Nesterov Momentum Algorithm for
      Faster Optimizing Deep Models*, 2022, arXiv:2208.06677.

    PyTorch has no Adan; the authors' PyTorch ``Adan`` uses these defaults.
    """
    check_learning_rate(learning_rate)
    check_learning_rate(weight_decay, name="weight_decay")
    check_decay(b1=b1, b2=b2, b3=b3)
    check_nonnegative(eps=eps, eps_root=eps_root)
    check_mask("mask", mask)
    return transformation(
        _adan_init, _adan_update, learning_rate=learning_rate, b1=b1, b2=b2, b3=b3, eps=eps,
        eps_root=eps_root, weight_decay=weight_decay, mask=mask,
    )  # fmt: skip


def _adan_init(h, params):
    zeros = _tree.zeros_like(params)
    return AdanState(jnp.zeros([], jnp.int32), zeros, zeros, zeros, zeros)


def _adan_moments(h, grads, state):
    """Adan's ``m``, ``v`` and ``n`` after this step (``delta`` is 0 at the first step)."""
    b2 = h.b2
    delta = _tree.tree_map(
        lambda g, p: jnp.where(state.count == 0, jnp.zeros_like(g), g - p),
        grads,
        state.previous_grad,
    )
    m = _tree.ema(grads, state.m, h.b1)
    v = _tree.ema(delta, state.v, b2)
    n = _tree.ema(_tree.tree_map(lambda g, d: g + b2 * d, grads, delta), state.n, h.b3, order=2)
    return m, v, n


def _adan_direction(h, m, v, n, t):
    """``d = (m_hat + b2 v_hat) / (sqrt(n_hat + eps_root) + eps)``, each hat bias-corrected."""
    b2, eps, eps_root = h.b2, h.eps, h.eps_root
    m_hat, v_hat, n_hat = (_tree.bias_corrected(*x, t) for x in ((m, h.b1), (v, b2), (n, h.b3)))
    return _tree.tree_map(
        lambda m, v, n: (m + b2 * v) / (jnp.sqrt(n + eps_root) + eps), m_hat, v_hat, n_hat
    )


def _adan_update(h, grads, state, params=None, **extra_args):
    _tree.require_params(params, "adan's weight decay")
    t = optax.safe_increment(state.count)
    m, v, n = _adan_moments(h, grads, state)
    d = _adan_direction(h, m, v, n, t)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    lam = _tree.learning_rate_at(h.weight_decay, state.count)
    step = _tree.masked_map(
        lambda s, d, w: -alpha * (d + lam * w) / (1 + alpha * lam),
        h.mask,
        _tree.scale(d, -alpha),
        d,
        params,
    )
    return step, AdanState(t, m, v, n, grads)
