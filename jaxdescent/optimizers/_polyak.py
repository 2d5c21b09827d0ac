"""Gradient descent with the stochastic Polyak step size (SPS)."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxdescent import _tree
from jaxdescent._checks import check_range
from jaxdescent._hyperparameter_checks import check_learning_rate, check_nonnegative
from jaxdescent._optimizer import transformation

_VARIANTS = ("sps", "sps+")


class PolyakSgdState(NamedTuple):
    """State of :func:`polyak_sgd`: the step count (for a ``scaling`` schedule)."""

    count: jax.Array


def polyak_sgd(
    max_learning_rate: Any = 1.0,
    scaling: Any = 1.0,
    f_min: Any = 0.0,
    eps: Any = 0.0,
    variant: str = "sps",
):
    r"""Gradient descent whose step size is Polyak's: the loss gap over the squared gradient.

    With loss value ``f`` (passed to ``update`` as ``value=``) and gradient ``g``::

        gap   = f - f_min                       (sps+: max(f - f_min, 0))
        gamma = s min(gap / (|g|^2 + eps), gamma_max)
        w <- w - gamma g

    where ``|g|^2`` sums the squares of all entries of all leaves; ``gamma`` is 0
    when ``|g|^2 + eps`` is at most double machine epsilon (a zero gradient).

    Args:
      max_learning_rate: ``gamma_max``, the cap on the Polyak step (>= 0).
      scaling: ``s``, a factor (or a schedule of the step count) on the step size.
      f_min: ``f_min``, a guess of the minimum value of the loss (0 for models
        that interpolate their data).
      eps: ``eps`` (>= 0), added to the squared gradient norm.
      variant: ``"sps"`` or ``"sps+"`` (only the positive part of the gap,
        Garrigos et al. 2023).

    Returns:
      An optax ``GradientTransformationExtraArgs`` whose ``update`` needs the
      loss: ``update(grads, state, params, value=loss)`` (``minimize`` passes it).

    Raises:
      ValueError: if ``max_learning_rate``, ``scaling`` or ``eps`` is negative
        or not finite, or ``variant`` is unknown.
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax, jax.numpy as jnp, jaxdescent as jd
      >>> f = lambda w: jnp.sum(w**2)
      >>> opt = jd.polyak_sgd()
      >>> w = jnp.array([1.0, 2.0])
      >>> value, g = jax.value_and_grad(f)(w)
      >>> updates, _ = opt.update(g, opt.init(w), w, value=value)
      >>> print(w + updates)  # gamma = 5 / 20: halfway to the minimum
      [0.5 1. ]

    References:
      Loizou, Vaswani, Laradji and Lacoste-Julien, *Stochastic Polyak Step-size
      for SGD: An Adaptive Learning Rate for Fast Convergence*, AISTATS 2021,
      arXiv:2002.10542 (SPS_max with ``c = 1``; ``s = 1/c`` gives their ``c``
      while the cap is not active).

    Differs from ``optax.polyak_sgd`` when ``scaling != 1``: optax documents
    this same formula but multiplies the gradient by ``s`` *before* computing
    the Polyak step, so its step is ``min(gap / (s^2 |g|^2 + eps), gamma_max) s``
    -- ``gap / (s |g|^2)`` uncapped, i.e. ``scaling`` acts inverted. With the
    default ``scaling=1`` both agree exactly. PyTorch has no Polyak step.
    """
    check_nonnegative(max_learning_rate=max_learning_rate, eps=eps)
    check_learning_rate(scaling, "scaling")
    check_range("f_min", f_min, -math.inf, math.inf, low_open=True, high_open=True)
    if not isinstance(variant, str) or variant not in _VARIANTS:
        raise ValueError(f"`variant` must be one of {_VARIANTS}, got {variant!r}")
    return transformation(
        _init, _update, max_learning_rate=max_learning_rate, scaling=scaling, f_min=f_min,
        eps=eps, variant=variant,
    )  # fmt: skip


def _init(h, params):
    return PolyakSgdState(count=jnp.zeros([], jnp.int32))


def _update(h, grads, state, params=None, **extra_args):
    value = extra_args.get("value")
    if value is None:
        raise ValueError("polyak_sgd needs the loss: call update(grads, state, params, value=f)")
    s = _tree.learning_rate_at(h.scaling, state.count)
    g2 = _tree.squared_norm(grads)
    gap = jnp.asarray(value - h.f_min).astype(g2.dtype)  # as optax; the loss may be wider
    if h.variant == "sps+":
        gap = jnp.maximum(gap, 0)
    zero = g2 + h.eps <= float(jnp.finfo(float).eps)
    gamma = s * jnp.where(zero, 0.0, jnp.minimum(gap / (g2 + h.eps), h.max_learning_rate))
    return _tree.scale(grads, -gamma), PolyakSgdState(optax.safe_increment(state.count))
