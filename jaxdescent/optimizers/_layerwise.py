"""Optimizers that scale each parameter leaf (each layer) as a whole: LAMB, NovoGrad."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdescent import _tree
from jaxdescent._hyperparameter_checks import (
    check_decay,
    check_learning_rate,
    check_mask,
    check_nonnegative,
)
from jaxdescent._optimizer import transformation


class LambState(NamedTuple):
    """State of :func:`lamb`: step count ``t``, first moment ``m``, second moment ``v``."""

    count: jax.Array
    mu: Any
    nu: Any


def _trust_ratio(w: jax.Array, r: jax.Array) -> jax.Array:
    """``||w|| / ||r||`` for one leaf, or 1 when either norm is 0."""
    w_norm, r_norm = jnp.linalg.norm(w), jnp.linalg.norm(r)
    ratio = w_norm / r_norm
    return jnp.where((w_norm == 0) | (r_norm == 0), jnp.ones_like(ratio), ratio)


def lamb(
    learning_rate: Any,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-6,
    eps_root: Any = 0.0,
    weight_decay: Any = 0.0,
    mask: Any = None,
):
    r"""LAMB: Adam's direction rescaled, leaf by leaf, to the size of the parameters.

    With gradient ``g`` at step ``t = 1, 2, ...``, for each leaf ``w``::

        m <- b1 m + (1 - b1) g              m_hat = m / (1 - b1^t)
        v <- b2 v + (1 - b2) g^2            v_hat = v / (1 - b2^t)
        r  = m_hat / (sqrt(v_hat + eps_root) + eps) + lambda w
        w <- w - alpha (||w|| / ||r||) r    (ratio 1 when either norm is 0)

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      b1: ``b1``, decay of the first moment, in [0, 1).
      b2: ``b2``, decay of the second moment, in [0, 1).
      eps: ``eps``, added to the denominator outside the square root.
      eps_root: ``eps_root``, added inside the square root.
      weight_decay: ``lambda`` (decoupled, inside the trust ratio); a number, an
        array or a schedule.
      mask: ``None``, a pytree of bools (a prefix of the parameters') or a
        callable returning one: where weight decay applies.

    Returns:
      An optax ``GradientTransformationExtraArgs``; its ``update`` needs ``params``.

    Raises:
      ValueError: if ``learning_rate``, ``eps``, ``eps_root`` or ``weight_decay``
        is negative, or ``b1``/``b2`` is outside [0, 1).
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.lamb(0.1, eps=0.0)
      >>> w = jnp.array([3.0, -4.0])
      >>> updates, _ = opt.update(jnp.array([1.0, 1.0]), opt.init(w), w)
      >>> print(updates)  # r = sign(g) has norm sqrt(2), ||w|| = 5
      [-0.35355338 -0.35355338]

    References:
      You et al., *Large Batch Optimization for Deep Learning: Training BERT in 76
      minutes*, ICLR 2020, arXiv:1904.00962 (Algorithm 2, with ``phi`` the identity).

    Matches ``optax.lamb``. PyTorch has no LAMB.
    """
    check_learning_rate(learning_rate)
    check_learning_rate(weight_decay, name="weight_decay")
    check_decay(b1=b1, b2=b2)
    check_nonnegative(eps=eps, eps_root=eps_root)
    check_mask("mask", mask)
    return transformation(
        _lamb_init, _lamb_update, learning_rate=learning_rate, b1=b1, b2=b2, eps=eps,
        eps_root=eps_root, weight_decay=weight_decay, mask=mask,
    )  # fmt: skip


def _lamb_init(h, params):
    zeros = _tree.zeros_like(params)
    return LambState(count=jnp.zeros([], jnp.int32), mu=zeros, nu=zeros)


def _lamb_update(h, grads, state, params=None, **extra_args):
    eps, eps_root = h.eps, h.eps_root
    t = optax.safe_increment(state.count)
    m = _tree.ema(grads, state.mu, h.b1)
    v = _tree.ema(grads, state.nu, h.b2, order=2)
    m_hat, v_hat = _tree.bias_corrected(m, h.b1, t), _tree.bias_corrected(v, h.b2, t)
    r = _tree.tree_map(lambda m, v: m / (jnp.sqrt(v + eps_root) + eps), m_hat, v_hat)
    lam = _tree.learning_rate_at(h.weight_decay, state.count)
    r = _tree.with_weight_decay(r, params, lam, h.mask, who="lamb")
    r = _tree.tree_map(lambda r, w: r * _trust_ratio(w, r).astype(r.dtype), r, params)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    return _tree.scale(r, -alpha), LambState(count=t, mu=m, nu=v)


class NovogradState(NamedTuple):
    """State of :func:`novograd`: step count, momentum ``m``, one ``v`` per leaf."""

    count: jax.Array
    mu: Any
    nu: Any


def novograd(
    learning_rate: Any,
    b1: Any = 0.9,
    b2: Any = 0.25,
    eps: Any = 1e-6,
    eps_root: Any = 0.0,
    weight_decay: Any = 0.0,
):
    r"""NovoGrad: the gradient normalised by one running second moment per leaf.

    With gradient ``g`` of a leaf ``w`` at step ``t = 1, 2, ...``::

        v <- b2 v + (1 - b2) ||g||^2                          (v = ||g||^2 at t = 1)
        m <- b1 m + g / (sqrt(v + eps_root) + eps) + lambda w   (m = 0 before t = 1)
        w <- w - alpha m

    ``v`` is a scalar per leaf (per layer), not per coordinate.

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      b1: ``b1``, momentum of ``m``, in [0, 1).
      b2: ``b2``, decay of ``v``, in [0, 1).
      eps: ``eps``, added to the denominator outside the square root.
      eps_root: ``eps_root``, added inside the square root.
      weight_decay: ``lambda``, a number or an array (not a schedule: optax 0.2.8
        cannot use one either).

    Returns:
      An optax ``GradientTransformationExtraArgs``; its ``update`` needs ``params``.

    Raises:
      ValueError: if ``learning_rate``, ``eps``, ``eps_root`` or ``weight_decay``
        is negative, or ``b1``/``b2`` is outside [0, 1).
      TypeError: if ``weight_decay`` is a schedule.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.novograd(0.1, eps=0.0)
      >>> w = jnp.array([3.0, -4.0])
      >>> updates, _ = opt.update(jnp.array([3.0, 4.0]), opt.init(w), w)
      >>> print(updates.round(4))  # v = ||g||^2 = 25: the first step is -alpha g / 5
      [-0.06 -0.08]

    References:
      Ginsburg et al., *Stochastic Gradient Methods with Layer-wise Adaptive
      Moments for Training of Deep Networks*, 2019, arXiv:1905.11286 (Algorithm 1).

    Matches ``optax.novograd``. PyTorch has no NovoGrad.
    """
    check_learning_rate(learning_rate)
    if callable(weight_decay):
        raise TypeError(
            f"`weight_decay` of novograd must be a number or an array, got {weight_decay!r}"
        )
    check_nonnegative(weight_decay=weight_decay, eps=eps, eps_root=eps_root)
    check_decay(b1=b1, b2=b2)
    if np.ndim(b2):
        raise ValueError(
            "`b2` of novograd must be one number (it averages each layer's squared gradient "
            f"norm, a scalar), got an array of shape {np.shape(b2)}"
        )
    return transformation(
        _novograd_init, _novograd_update, learning_rate=learning_rate, b1=b1, b2=b2, eps=eps,
        eps_root=eps_root, weight_decay=weight_decay,
    )  # fmt: skip


def _novograd_init(h, params):
    nu = _tree.tree_map(lambda w: jnp.zeros([], w.dtype), params)
    return NovogradState(count=jnp.zeros([], jnp.int32), mu=_tree.zeros_like(params), nu=nu)


def _square_norm(g):
    return jnp.linalg.norm(g) ** 2


def _novograd_direction(h, grads, params, v):
    """``g / (sqrt(v + eps_root) + eps) + lambda w``, leafwise."""
    eps, eps_root, lam = h.eps, h.eps_root, h.weight_decay
    return _tree.tree_map(
        lambda g, w, v: g / (jnp.sqrt(v + eps_root) + eps) + lam * w, grads, params, v
    )


def _novograd_first_v(h, grads, v):
    return _tree.tree_map(lambda g, v: _square_norm(g).astype(v.dtype), grads, v)


def _novograd_next_v(h, grads, v):
    squares = _tree.tree_map(lambda g, v: _square_norm(g).astype(v.dtype), grads, v)
    return _tree.ema(squares, v, h.b2)


def _novograd_first_m(h, grads, params, m, v):
    return _novograd_direction(h, grads, params, v)


def _novograd_next_m(h, grads, params, m, v):
    b1 = h.b1
    return _tree.tree_map(lambda m, u: b1 * m + u, m, _novograd_direction(h, grads, params, v))


def _novograd_update(h, grads, state, params=None, **extra_args):
    _tree.require_params(params, "novograd")
    t = optax.safe_increment(state.count)
    # lax.cond (a select under vmap), as in optax: XLA then compiles the same fusions.
    v = jax.lax.cond(t == 1, _novograd_first_v, _novograd_next_v, h, grads, state.nu)
    m = jax.lax.cond(t == 1, _novograd_first_m, _novograd_next_m, h, grads, params, state.mu, v)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    return _tree.scale(m, -alpha), NovogradState(count=t, mu=m, nu=v)
