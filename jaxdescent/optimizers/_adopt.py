"""ADOPT: Adam that normalises by the previous second moment, before its momentum."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax

from jaxdescent import _tree
from jaxdescent._checks import check_flag, check_float_dtype
from jaxdescent._hyperparameter_checks import (
    check_decay,
    check_learning_rate,
    check_nonnegative,
    check_schedule,
)
from jaxdescent._optimizer import transformation, weakly_typed
from jaxdescent.optimizers._adam import AdamState


def fourth_root(count: jax.Array) -> jax.Array:
    """ADOPT's clipping bound ``c_t = t^(1/4)`` of the step count ``t``."""
    return jnp.asarray(count, float) ** 0.25


def adopt(
    learning_rate: Any,
    b1: Any = 0.9,
    b2: Any = 0.9999,
    eps: Any = 1e-6,
    mu_dtype: Any = None,
    *,
    nesterov: bool = False,
    use_clipping: bool = True,
    clip_value_fn: Callable[[jax.Array], Any] = fourth_root,
):
    r"""ADOPT: the gradient is scaled by ``v`` of the previous steps, then averaged.

    The first step (``t = 0``) only sets ``v = g^2`` and moves nothing; then for
    ``t = 1, 2, ...``::

        m <- b1 m + (1 - b1) clip(g / max(sqrt(v), eps), c_t)
        w <- w - alpha m
        v <- b2 v + (1 - b2) g^2

    ``clip(., c)`` clips to [-c, c], with ``c_t = clip_value_fn(t)``. With
    ``nesterov=True`` the step uses ``b1 m + (1 - b1) clip(...)`` with the new ``m``.

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      b1: ``b1``, decay of ``m``, in [0, 1).
      b2: ``b2``, decay of ``v``, in [0, 1).
      eps: ``eps``, the floor of ``sqrt(v)``.
      mu_dtype: dtype in which ``m`` is stored (default: the parameters').
      nesterov: use the Nesterov look-ahead of ``m``.
      use_clipping: clip the normalised gradient (recommended from scratch).
      clip_value_fn: ``c_t`` as a function of the int32 step count (``t^(1/4)``).

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: for a negative ``learning_rate`` or ``eps``, or ``b1``/``b2`` outside [0, 1).
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.adopt(0.1, b1=0.0)
      >>> w = jnp.array([1.0, -2.0])
      >>> u0, state = opt.update(w, opt.init(w))  # t = 0: v = g^2, no step
      >>> u1, _ = opt.update(w, state)  # clip(g / |g|, 1) = sign(g)
      >>> print(abs(u0), u1)
      [0. 0.] [-0.1  0.1]

    References:
      Taniguchi, Harada, Minegishi, Oshima, Jeong, Nagahara, Iiyama, Suzuki,
      Iwasawa and Matsuo, *ADOPT: Modified Adam Can Converge with Any beta2 with
      the Optimal Rate*, NeurIPS 2024, arXiv:2411.02853 (Algorithm 2, clipped).

    Matches ``optax.contrib.adopt``, whose default ``lambda x: x**0.25`` needs standard
    dtype promotion. The authors' PyTorch ``ADOPT`` clips at ``(t + 1)^(1/4)``.
    """
    check_learning_rate(learning_rate)
    check_decay(b1=b1, b2=b2)
    check_nonnegative(eps=eps)
    check_float_dtype("mu_dtype", mu_dtype)
    check_flag("nesterov", nesterov)
    check_flag("use_clipping", use_clipping)
    check_schedule("clip_value_fn", clip_value_fn)
    return transformation(
        _init, _update, learning_rate=learning_rate, b1=b1, b2=b2, eps=eps, mu_dtype=mu_dtype,
        nesterov=nesterov, use_clipping=use_clipping, clip_value_fn=clip_value_fn,
    )  # fmt: skip


def _init(h, params):
    return AdamState(
        count=jnp.zeros([], jnp.int32),
        mu=_tree.zeros_like(params, h.mu_dtype),
        nu=_tree.zeros_like(params),
    )


def _update(h, grads, state, params=None, **extra_args):
    started = state.count > 0
    b1 = jnp.where(started, h.b1, 1)  # t = 0: m stays 0 and v becomes g^2
    b2 = jnp.where(started, h.b2, 0)
    eps = h.eps
    g_hat = _tree.tree_map(lambda g, v: g / jnp.maximum(jnp.sqrt(v), eps), grads, state.nu)
    if h.use_clipping:
        c = weakly_typed(jnp.asarray(h.clip_value_fn(state.count)))
        g_hat = _tree.tree_map(lambda x: jnp.clip(x, -c, c), g_hat)
    m = _tree.ema_widest(g_hat, state.mu, b1)
    direction = _tree.ema_widest(g_hat, m, b1) if h.nesterov else m
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    updates = _tree.cast_like(_tree.scale(direction, -alpha), grads)
    v = _tree.ema(grads, state.nu, b2, order=2)
    new_state = AdamState(optax.safe_increment(state.count), _tree.cast_like(m, state.mu), v)
    return updates, new_state
