"""Yogi: Adam whose second moment moves additively towards the squared gradient."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxdescent import _tree
from jaxdescent._hyperparameter_checks import check_decay, check_learning_rate, check_nonnegative
from jaxdescent._optimizer import transformation


class YogiState(NamedTuple):
    """State of :func:`yogi`: step count ``t``, first moment ``m``, second moment ``v``."""

    count: jax.Array
    mu: Any
    nu: Any


YOGI_INITIAL_VALUE = 1e-6
"""Starting value of both of Yogi's moments (optax's, not exposed by ``optax.yogi``)."""


def yogi(learning_rate: Any, b1: Any = 0.9, b2: Any = 0.999, eps: Any = 1e-3):
    r"""Yogi: Adam whose second moment moves additively, so it cannot blow up or vanish fast.

    With gradient ``g`` at step ``t = 1, 2, ...`` and ``m``, ``v`` starting at 1e-6::

        m <- b1 m + (1 - b1) g                           m_hat = m / (1 - b1^t)
        v <- v - (1 - b2) sign(v - g^2) g^2              v_hat = v / (1 - b2^t)
        w <- w - alpha m_hat / (sqrt(v_hat) + eps)

    Adam's ``v`` moves by ``(1 - b2)(g^2 - v)``, proportional to ``v``; Yogi's
    moves by ``(1 - b2) g^2`` towards ``g^2``.

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      b1: ``b1``, decay of the first moment, in [0, 1).
      b2: ``b2``, rate of the second moment, in [0, 1).
      eps: ``eps``, added to the denominator.

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: if ``learning_rate`` or ``eps`` is negative or ``b1``/``b2`` is
        outside [0, 1).
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.yogi(0.1, eps=0.0)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(w, opt.init(w))
      >>> print(updates.round(3))  # close to Adam's first step -alpha sign(g)
      [-0.1  0.1]

    References:
      Zaheer, Reddi, Sachan, Kale and Kumar, *Adaptive Methods for Nonconvex
      Optimization*, NeurIPS 2018 (Algorithm 2).

    Matches ``optax.yogi``, which (unlike the paper's Algorithm 2) bias-corrects
    both moments and starts them at 1e-6. PyTorch has no Yogi.
    """
    check_learning_rate(learning_rate)
    check_decay(b1=b1, b2=b2)
    check_nonnegative(eps=eps)
    return transformation(
        _yogi_init, _yogi_update, learning_rate=learning_rate, b1=b1, b2=b2, eps=eps
    )


def _yogi_init(h, params):
    start = _tree.full_like(params, YOGI_INITIAL_VALUE)
    return YogiState(count=jnp.zeros([], jnp.int32), mu=start, nu=start)


def _yogi_update(h, grads, state, params=None, **extra_args):
    b2, eps = h.b2, h.eps
    t = optax.safe_increment(state.count)
    m = _tree.ema(grads, state.mu, h.b1)
    v = _tree.tree_map(
        lambda g, v: v - (1 - b2) * jnp.sign(v - _tree.abs_sq_like(g)) * _tree.abs_sq_like(g),
        grads,
        state.nu,
    )
    m_hat = _tree.bias_corrected(m, h.b1, t)
    v_hat = _tree.bias_corrected(v, b2, t)
    d = _tree.tree_map(lambda m, v: m / (jnp.sqrt(v) + eps), m_hat, v_hat)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    return _tree.scale(d, -alpha), YogiState(count=t, mu=m, nu=v)
