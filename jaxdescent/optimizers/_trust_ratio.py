"""Descent scaled leaf by leaf (layer by layer) by a trust ratio ``||w|| / ||g||``: LARS, Fromage.

Each parameter leaf moves by a step proportional to its own norm, whatever the
size of its gradient. (:func:`lamb` applies the same idea to Adam's direction.)
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
    check_mask,
    check_mask_tree,
    check_nonnegative,
)
from jaxdescent._optimizer import transformation


def _mask_leaves(mask: Any, tree: Any, name: str) -> Any:
    """``mask`` (``True``, a pytree of bools that is a prefix of ``tree``'s, or a callable
    building one from ``tree``) as one Python bool per leaf of ``tree``; ``None`` is
    everywhere. Checked here, where ``tree`` is known (``name`` is the argument)."""
    mask_tree = True if mask is None else mask(tree) if callable(mask) else mask
    check_mask_tree(name, mask_tree, tree)
    return _tree.tree_map(lambda m, x: _tree.tree_map(lambda _: bool(m), x), mask_tree, tree)


class LarsState(NamedTuple):
    """State of :func:`lars`: the step count and the momentum ``v`` (optax's ``trace``)."""

    count: jax.Array
    trace: Any


def lars(
    learning_rate: Any,
    weight_decay: Any = 0.0,
    weight_decay_mask: Any = True,
    trust_coefficient: Any = 0.001,
    eps: Any = 0.0,
    trust_ratio_mask: Any = True,
    momentum: Any = 0.9,
    nesterov: bool = False,
):
    r"""LARS: momentum descent with a learning rate per leaf, set by its trust ratio.

    With gradient ``g`` of a leaf ``w`` and weight decay ``beta``::

        lam = eta ||w|| / (||g|| + beta ||w|| + eps)   (1 where ||w|| or the denominator is 0)
        v <- m v + alpha lam (g + beta w)
        w <- w - v            (nesterov=True: w <- w - (m v + alpha lam (g + beta w)))

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      weight_decay: ``beta`` (>= 0), a number, an array or a schedule.
      weight_decay_mask: where ``beta`` applies: ``True`` or ``None`` (everywhere), a pytree of
        bools (a prefix of the parameters') or a callable returning one.
      trust_coefficient: ``eta`` (>= 0).
      eps: ``eps`` (>= 0), added to the denominator of ``lam``.
      trust_ratio_mask: where ``lam`` applies, likewise (elsewhere ``lam = 1``).
      momentum: ``m`` in [0, 1).
      nesterov: step by the look-ahead ``m v + alpha lam (g + beta w)``.

    Returns:
      An optax ``GradientTransformationExtraArgs``; its ``update`` needs ``params``.

    Raises:
      ValueError: if ``learning_rate``, ``weight_decay``, ``trust_coefficient`` or
        ``eps`` is negative or not finite, or ``momentum`` is outside [0, 1).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.lars(1.0, weight_decay=1.0, trust_coefficient=0.5)
      >>> w = jnp.array([3.0, 4.0])
      >>> updates, _ = opt.update(jnp.array([0.0, 5.0]), opt.init(w), w)
      >>> print(updates)  # lam = 0.5 * 5 / (5 + 5) = 0.25, g + beta w = (3, 9)
      [-0.75 -2.25]

    References:
      You, Gitman and Ginsburg, *Large Batch Training of Convolutional Networks*,
      2017, arXiv:1708.03888 (Algorithm 1 and eq. 6; ``eps`` and ``nesterov`` as optax).

    Departs from ``optax.lars``, which divides by ``||g + beta w|| + eps`` instead of
    the paper's ``||g|| + beta ||w||``: the two agree when ``weight_decay`` is 0 (the
    default), where this equals optax. PyTorch has no LARS.
    """
    check_learning_rate(learning_rate)
    check_learning_rate(weight_decay, "weight_decay")
    check_nonnegative(trust_coefficient=trust_coefficient, eps=eps)
    check_decay(momentum=momentum)
    check_mask("weight_decay_mask", weight_decay_mask)
    check_mask("trust_ratio_mask", trust_ratio_mask)
    check_flag("nesterov", nesterov)
    return transformation(
        _lars_init, _lars_update, learning_rate=learning_rate, weight_decay=weight_decay,
        weight_decay_mask=weight_decay_mask, trust_coefficient=trust_coefficient, eps=eps,
        trust_ratio_mask=trust_ratio_mask, momentum=momentum, nesterov=nesterov,
    )  # fmt: skip


def _lars_init(h, params):
    return LarsState(count=jnp.zeros([], jnp.int32), trace=_tree.zeros_like(params))


def _lars_direction(h, beta, g, w, decays, scaled):
    """``lam (g + beta w)`` for one leaf; ``decays`` and ``scaled`` are its (static) masks."""
    eta, eps = h.trust_coefficient, h.eps
    d = g + beta * w if decays else g
    if not scaled:
        return d
    w_norm, g_norm = jnp.linalg.norm(w), jnp.linalg.norm(g)
    denominator = g_norm + beta * w_norm if decays else g_norm
    lam = eta * w_norm / (denominator + eps)
    lam = jnp.where((w_norm == 0) | (denominator == 0), jnp.ones_like(lam), lam)
    return d * lam.astype(d.dtype)


def _lars_update(h, grads, state, params=None, **extra_args):
    _tree.require_params(params, "lars")
    beta = _tree.learning_rate_at(h.weight_decay, state.count)
    decays = _mask_leaves(h.weight_decay_mask, grads, "weight_decay_mask")
    scaled = _mask_leaves(h.trust_ratio_mask, grads, "trust_ratio_mask")
    d = _tree.tree_map(
        lambda g, w, dm, sm: _lars_direction(h, beta, g, w, dm, sm), grads, params, decays, scaled
    )
    s = _tree.scale(d, -_tree.learning_rate_at(h.learning_rate, state.count))
    m = h.momentum
    v = _tree.tree_map(lambda s, v: s + m * v, s, state.trace)
    u = _tree.tree_map(lambda s, v: s + m * v, s, v) if h.nesterov else v
    return u, LarsState(optax.safe_increment(state.count), v)


class FromageState(NamedTuple):
    """State of :func:`fromage`: the step count (for a schedule)."""

    count: jax.Array


def fromage(learning_rate: Any, min_norm: Any = 1e-6):
    r"""Fromage: a step of relative size ``alpha`` per leaf, then a shrink that keeps the norm.

    With gradient ``g`` of a leaf ``w``, both norms clipped below at ``min_norm``::

        c = 1 / sqrt(1 + alpha^2)
        w <- c (w - alpha (||w|| / ||g||) g)

    The step is ``alpha ||w||`` long and orthogonal-ish to ``w``; the factor ``c``
    undoes the growth of ``||w||`` it would cause. As an update:
    ``-alpha c (||w|| / ||g||) g + (c - 1) w``.

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      min_norm: ``min_norm`` (>= 0), the floor of both norms (the ratio is 1 where
        one of them is 0, which only ``min_norm=0`` allows).

    Returns:
      An optax ``GradientTransformationExtraArgs``; its ``update`` needs ``params``.

    Raises:
      ValueError: if ``learning_rate`` or ``min_norm`` is negative or not finite.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.fromage(0.75)
      >>> w = jnp.array([3.0, 4.0])
      >>> updates, _ = opt.update(jnp.array([0.0, 1.0]), opt.init(w), w)
      >>> print((w + updates).round(3))  # c = 0.8: 0.8 * ((3, 4) - 0.75 * 5 * (0, 1))
      [2.4 0.2]

    References:
      Bernstein, Vahdat, Yue and Liu, *On the distance between two neural networks
      and the stability of learning*, NeurIPS 2020, arXiv:2002.03432 (Algorithm 1).

    Matches ``optax.fromage``; ``torch.optim`` has no Fromage.
    """
    check_learning_rate(learning_rate)
    check_nonnegative(min_norm=min_norm)
    return transformation(
        _fromage_init, _fromage_update, learning_rate=learning_rate, min_norm=min_norm
    )


def _fromage_init(h, params):
    return FromageState(count=jnp.zeros([], jnp.int32))


def _clipped_norm(x, min_norm):
    """``max(||x||, min_norm)`` (optax's ``safe_norm``)."""
    norm = jnp.linalg.norm(x)
    return jnp.where(norm <= min_norm, min_norm, norm)


def _ratio_times(g, w, min_norm):
    """``(||w|| / ||g||) g`` with clipped norms, the ratio 1 where one of them is 0."""
    w_norm, g_norm = _clipped_norm(w, min_norm), _clipped_norm(g, min_norm)
    ratio = w_norm / g_norm
    return g * jnp.where((w_norm == 0) | (g_norm == 0), jnp.ones_like(ratio), ratio)


def _fromage_update(h, grads, state, params=None, **extra_args):
    _tree.require_params(params, "fromage")
    min_norm = h.min_norm
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    c = 1 / (1 + alpha**2) ** 0.5
    r = _tree.tree_map(lambda g, w: _ratio_times(g, w, min_norm), grads, params)
    step = _tree.scale(r, -(alpha * c))
    u = _tree.tree_map(lambda s, w: s + (c - 1) * w, step, params)
    return u, FromageState(optax.safe_increment(state.count))
