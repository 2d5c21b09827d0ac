"""Optimistic methods: a step along ``d_t`` corrected by the change ``d_t - d_{t-1}``.

Each steps by ``(alpha + beta) d_t - beta d_{t-1}``, with ``d`` the gradient
(:func:`optimistic_gradient_descent`) or Adam's direction (:func:`optimistic_adam_v2`).
The correction damps the rotation that plain descent-ascent shows on min-max games.
"""

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
    check_moment_dtype,
    check_nonnegative,
)
from jaxdescent._optimizer import transformation
from jaxdescent.optimizers._adam import adam_moments


def _check_coefficients(**named: Any) -> None:
    """Optimism coefficients: finite numbers >= 0 (or arrays), not schedules.

    Local to this module: optax types ``alpha`` and ``beta`` as schedules but fails on one.
    """
    for name, value in named.items():
        if callable(value):
            raise TypeError(
                f"`{name}` must be a number or an array (not a schedule), got {value!r}"
            )
    check_nonnegative(**named)


def _optimistic(d: Any, d_prev: Any, count: jax.Array, alpha: Any, beta: Any) -> Any:
    """``(alpha + beta) d - beta d_prev``, leafwise; ``d_prev = d`` at the first step."""
    first = count == 0
    return _tree.tree_map(
        lambda d, p: (alpha + beta) * d - beta * jnp.where(first, d, p), d, d_prev
    )


class OptimisticState(NamedTuple):
    """State of :func:`optimistic_gradient_descent`: the step count and ``g_{t-1}``."""

    count: jax.Array
    previous_gradient: Any


def optimistic_gradient_descent(learning_rate: Any, alpha: Any = 1.0, beta: Any = 1.0):
    r"""Optimistic gradient descent: extrapolate the gradient from its last change.

    With gradient ``g_t`` at step ``t = 1, 2, ...`` (and ``g_0 = g_1``)::

        u = (alpha + beta) g_t - beta g_{t-1}
        w <- w - eta u

    ``alpha = beta = 1`` is the paper's OGD, ``w - eta (2 g_t - g_{t-1})``; ``beta = 0``
    is plain descent with step ``eta alpha``.

    Args:
      learning_rate: ``eta``; a number, an array or a schedule of the step count.
      alpha: ``alpha`` (>= 0), the weight of the current gradient.
      beta: ``beta`` (>= 0), the weight of the change ``g_t - g_{t-1}`` (a negative momentum).

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: if ``learning_rate``, ``alpha`` or ``beta`` is negative or not finite.
      TypeError: if ``alpha`` or ``beta`` is a schedule (optax's signature allows one,
        but its update fails on it).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.optimistic_gradient_descent(0.1)
      >>> w = jnp.array([1.0, -2.0])
      >>> u1, state = opt.update(w, opt.init(w))  # the first step is -eta alpha g
      >>> u2, _ = opt.update(2 * w, state)  # -eta (2 (2 w) - w) = -3 eta w
      >>> print(u1, u2)
      [-0.1  0.2] [-0.3  0.6]

    References:
      Mokhtari, Ozdaglar and Pattathil, *A Unified Analysis of Extra-gradient and
      Optimistic Gradient Methods for Saddle Point Problems: Proximal Point
      Approach*, AISTATS 2020, arXiv:1901.08511 (OGDA, and its generalisation with
      ``alpha``, ``beta``).

    Matches ``optax.optimistic_gradient_descent``; PyTorch has no such optimizer.
    """
    check_learning_rate(learning_rate)
    _check_coefficients(alpha=alpha, beta=beta)
    return transformation(_init, _update, learning_rate=learning_rate, alpha=alpha, beta=beta)


def _init(h, params):
    return OptimisticState(jnp.zeros([], jnp.int32), _tree.zeros_like(params))


def _update(h, grads, state, params=None, **extra_args):
    u = _optimistic(grads, state.previous_gradient, state.count, h.alpha, h.beta)
    eta = _tree.learning_rate_at(h.learning_rate, state.count)
    return _tree.scale(u, -eta), OptimisticState(optax.safe_increment(state.count), grads)


class OptimisticAdamState(NamedTuple):
    """State of :func:`optimistic_adam_v2`: Adam's ``t``, ``m``, ``v`` and ``r_{t-1}``."""

    count: jax.Array
    mu: Any
    nu: Any
    previous_gradient: Any


def optimistic_adam_v2(
    learning_rate: Any,
    *,
    alpha: Any = 1.0,
    beta: Any = 1.0,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    eps_root: Any = 0.0,
    mu_dtype: Any = None,
    nesterov: bool = True,
):
    r"""Optimistic Adam: :func:`optimistic_gradient_descent` along Adam's direction.

    With ``m_hat``, ``v_hat`` as in :func:`adam` (NAdam's look-ahead ``m_hat`` when
    ``nesterov``), at step ``t = 1, 2, ...`` (and ``r_0 = r_1``)::

        r_t = m_hat / (sqrt(v_hat + eps_root) + eps)
        w <- w - eta ((alpha + beta) r_t - beta r_{t-1})

    Args:
      learning_rate: ``eta``; a number, an array or a schedule of the step count.
      alpha, beta: as in :func:`optimistic_gradient_descent`.
      b1, b2, eps, eps_root, mu_dtype: as in :func:`adam`.
      nesterov: use NAdam's look-ahead ``m_hat`` (optax's default; the paper's
        Optimistic Adam is ``nesterov=False``).

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: as :func:`adam`, or if ``alpha`` or ``beta`` is negative or not finite.
      TypeError: if ``alpha`` or ``beta`` is a schedule.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.optimistic_adam_v2(0.1, nesterov=False)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(2 * w, opt.init(w))
      >>> print(updates.round(3))  # r_0 = r_1: the first step is Adam's, -eta alpha sign(g)
      [-0.1  0.1]

    References:
      Daskalakis, Ilyas, Syrgkanis and Zeng, *Training GANs with Optimism*, ICLR 2018,
      arXiv:1711.00141 (Algorithm 1, ``alpha = beta = 1``, ``nesterov=False``).

    Matches ``optax.optimistic_adam_v2``, whose default ``nesterov=True`` departs from
    the paper's plain ``m_hat`` (kept here, as optax's default). PyTorch has no such
    optimizer.
    """
    check_learning_rate(learning_rate)
    _check_coefficients(alpha=alpha, beta=beta)
    check_decay(b1=b1, b2=b2)
    check_nonnegative(eps=eps, eps_root=eps_root)
    check_moment_dtype("mu_dtype", mu_dtype)
    check_flag("nesterov", nesterov)
    return transformation(
        _adam_init, _adam_v2_update, learning_rate=learning_rate, alpha=alpha, beta=beta,
        b1=b1, b2=b2, eps=eps, eps_root=eps_root, mu_dtype=mu_dtype, nesterov=nesterov,
    )  # fmt: skip


def optimistic_adam(
    learning_rate: Any,
    optimism: Any = None,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    eps_root: Any = 0.0,
    mu_dtype: Any = None,
    *,
    nesterov: bool = True,
):
    r"""Optimistic Adam in optax's first interface: :func:`optimistic_adam_v2` with
    ``eta = 1``, ``alpha = learning_rate`` and ``beta = optimism``.

    With ``r_t`` as in :func:`optimistic_adam_v2`, ``alpha`` the learning rate and
    ``o`` the optimism::

        w <- w - ((alpha + o) r_t - o r_{t-1})

    ``o = alpha`` (the default) is the paper's ``w - alpha (2 r_t - r_{t-1})``.

    Args:
      learning_rate: ``alpha`` (>= 0), a number or an array; not a schedule.
      optimism: ``o`` (>= 0), or ``None`` for ``learning_rate``.
      b1, b2, eps, eps_root, mu_dtype: as in :func:`adam`.
      nesterov: as in :func:`optimistic_adam_v2`.

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: as :func:`adam`, or if ``optimism`` is negative or not finite.
      TypeError: if ``learning_rate`` is a schedule (use :func:`optimistic_adam_v2`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.optimistic_adam(0.1, optimism=0.5, nesterov=False)
      >>> w = jnp.array([1.0, -2.0])
      >>> u1, state = opt.update(2 * w, opt.init(w))  # -alpha sign(g), as Adam's
      >>> u2, _ = opt.update(2 * w, state)  # the same r: still -alpha r
      >>> print(u1.round(3), u2.round(3))
      [-0.1  0.1] [-0.1  0.1]

    References:
      Daskalakis et al., arXiv:1711.00141, as in :func:`optimistic_adam_v2`.

    Matches ``optax.optimistic_adam``, which optax 0.2.8 deprecates in favour of
    ``optimistic_adam_v2`` (same algorithm, new interface); this one does not warn.
    """
    if callable(learning_rate):
        raise TypeError(
            "`learning_rate` of optimistic_adam must be a number or an array, not a schedule "
            f"(optimistic_adam_v2 takes one), got {learning_rate!r}"
        )
    check_learning_rate(learning_rate)
    if optimism is not None:
        _check_coefficients(optimism=optimism)
    check_decay(b1=b1, b2=b2)
    check_nonnegative(eps=eps, eps_root=eps_root)
    check_moment_dtype("mu_dtype", mu_dtype)
    check_flag("nesterov", nesterov)
    return transformation(
        _adam_init, _adam_v1_update, learning_rate=learning_rate, optimism=optimism, b1=b1,
        b2=b2, eps=eps, eps_root=eps_root, mu_dtype=mu_dtype, nesterov=nesterov,
    )  # fmt: skip


def _adam_init(h, params):
    zeros = _tree.zeros_like(params)
    mu = _tree.zeros_like(params, h.mu_dtype)
    return OptimisticAdamState(jnp.zeros([], jnp.int32), mu=mu, nu=zeros, previous_gradient=zeros)


def _optimistic_adam(h, grads, state, eta, alpha, beta):
    """The step ``-eta ((alpha + beta) r_t - beta r_{t-1})`` and the new state."""
    eps, eps_root = h.eps, h.eps_root
    t, m, v, m_hat, v_hat = adam_moments(grads, state, h.b1, h.b2, h.nesterov)
    r = _tree.tree_map(lambda m, v: m / (jnp.sqrt(v + eps_root) + eps), m_hat, v_hat)
    u = _optimistic(r, state.previous_gradient, state.count, alpha, beta)
    r = _tree.cast_like(r, state.previous_gradient)
    new_state = OptimisticAdamState(t, _tree.cast_like(m, state.mu), v, r)
    return _tree.scale(u, -eta), new_state


def _adam_v2_update(h, grads, state, params=None, **extra_args):
    eta = _tree.learning_rate_at(h.learning_rate, state.count)
    return _optimistic_adam(h, grads, state, eta, h.alpha, h.beta)


def _adam_v1_update(h, grads, state, params=None, **extra_args):
    optimism = h.learning_rate if h.optimism is None else h.optimism
    return _optimistic_adam(h, grads, state, 1.0, h.learning_rate, optimism)
