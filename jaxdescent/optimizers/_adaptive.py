"""Adam's relatives with a different second moment: AdaBelief, Yogi, Adan."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxdescent import _tree
from jaxdescent._checks import check_flag
from jaxdescent._hyperparameter_checks import (
    check_decay,
    check_learning_rate,
    check_mask,
    check_nonnegative,
)
from jaxdescent._optimizer import transformation


class AdabeliefState(NamedTuple):
    """State of :func:`adabelief`: step count ``t``, mean ``m`` and belief ``s``."""

    count: jax.Array
    mu: Any
    nu: Any


def adabelief(
    learning_rate: Any,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-16,
    eps_root: Any = 1e-16,
    *,
    nesterov: bool = False,
):
    r"""AdaBelief: Adam with the variance of the gradient around its mean as second moment.

    With gradient ``g`` at step ``t = 1, 2, ...``::

        m <- b1 m + (1 - b1) g                     m_hat = m / (1 - b1^t)
        s <- b2 s + (1 - b2) (g - m)^2 + eps_root  s_hat = s / (1 - b2^t)
        w <- w - alpha m_hat / (sqrt(s_hat) + eps)

    The "belief" ``s`` is small where the gradient matches its prediction ``m``,
    so those coordinates take large steps. ``nesterov=True`` replaces ``m_hat``
    by ``b1 m / (1 - b1^(t+1)) + (1 - b1) g / (1 - b1^t)``, as :func:`adam` does.

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      b1: ``b1``, decay of the mean, in [0, 1).
      b2: ``b2``, decay of the belief, in [0, 1).
      eps: ``eps``, added to the denominator outside the square root.
      eps_root: ``eps_root``, added to ``s`` at every step (and kept in it).
      nesterov: use the Nesterov look-ahead of the mean.

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: if ``learning_rate``, ``eps`` or ``eps_root`` is negative or
        ``b1``/``b2`` is outside [0, 1).
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.adabelief(0.1, b1=0.5, b2=0.5, eps=0.0, eps_root=0.0)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(w, opt.init(w))
      >>> print(updates)  # m_hat = g, s_hat = g^2 / 4: the step is -2 alpha sign(g)
      [-0.2  0.2]

    References:
      Zhuang et al., *AdaBelief Optimizer: Adapting Stepsizes by the Belief in
      Observed Gradients*, NeurIPS 2020, arXiv:2010.07468.

    Matches ``optax.adabelief``. PyTorch has no AdaBelief; the authors' package
    ``adabelief-pytorch`` adds ``eps`` inside ``s`` the same way.
    """
    check_learning_rate(learning_rate)
    check_decay(b1=b1, b2=b2)
    check_nonnegative(eps=eps, eps_root=eps_root)
    check_flag("nesterov", nesterov)
    return transformation(
        _adabelief_init, _adabelief_update, learning_rate=learning_rate, b1=b1, b2=b2, eps=eps,
        eps_root=eps_root, nesterov=nesterov,
    )  # fmt: skip


def _adabelief_init(h, params):
    zeros = _tree.zeros_like(params)
    return AdabeliefState(count=jnp.zeros([], jnp.int32), mu=zeros, nu=zeros)


def _adabelief_m_hat(h, grads, m, t):
    """The bias-corrected mean ``m_hat``, or its Nesterov look-ahead when ``h.nesterov``."""
    b1 = h.b1
    if not h.nesterov:
        return _tree.bias_corrected(m, b1, t)
    return _tree.tree_map(
        lambda m, g: b1 * m + (1 - b1) * g,
        _tree.bias_corrected(m, b1, optax.safe_increment(t)),
        _tree.bias_corrected(grads, b1, t),
    )


def _adabelief_update(h, grads, state, params=None, **extra_args):
    eps, eps_root = h.eps, h.eps_root
    t = optax.safe_increment(state.count)
    m = _tree.ema(grads, state.mu, h.b1)
    surprise = _tree.tree_map(lambda g, m: g - m, grads, m)
    s = _tree.tree_map(lambda s: s + eps_root, _tree.ema(surprise, state.nu, h.b2, order=2))
    m_hat, s_hat = _adabelief_m_hat(h, grads, m, t), _tree.bias_corrected(s, h.b2, t)
    d = _tree.tree_map(lambda m, s: m / (jnp.sqrt(s) + eps), m_hat, s_hat)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    return _tree.scale(d, -alpha), AdabeliefState(count=t, mu=m, nu=s)


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
