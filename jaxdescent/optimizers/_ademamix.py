"""AdEMAMix: AdamW whose step mixes a fast and a slow average of the gradients."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxdescent import _tree
from jaxdescent._checks import check_float_dtype
from jaxdescent._hyperparameter_checks import (
    check_decay,
    check_learning_rate,
    check_mask,
    check_nonnegative,
    check_schedule,
)
from jaxdescent._optimizer import transformation


class ScaleByAdemamixState(NamedTuple):
    """State of :func:`ademamix` (optax's fields): step counts of the fast and slow averages,
    the fast ``m1`` and slow ``m2`` averages of ``g`` and the second moment ``nu``."""

    count: jax.Array
    count_m2: jax.Array
    m1: Any
    m2: Any
    nu: Any


def ademamix(
    learning_rate: Any,
    b1: Any = 0.9,
    b2: Any = 0.999,
    b3: Any = 0.9999,
    alpha: Any = 5.0,
    eps: Any = 1e-8,
    eps_root: Any = 0.0,
    mu_dtype: Any = None,
    weight_decay: Any = 0.0,
    mask: Any = None,
):
    r"""AdEMAMix: Adam's fast average plus ``alpha`` times a slow one, over Adam's scale.

    With gradient ``g`` at step ``t = 1, 2, ...``::

        m1 <- b1 m1 + (1 - b1) g          m1_hat = m1 / (1 - b1^t)
        m2 <- b3 m2 + (1 - b3) g          (no bias correction)
        nu <- b2 nu + (1 - b2) g^2        nu_hat = nu / (1 - b2^t)
        w <- w - eta ((m1_hat + alpha m2) / (sqrt(nu_hat + eps_root) + eps) + lambda w)

    Args:
      learning_rate: ``eta``; a number, an array or a schedule of the step count.
      b1: ``b1``, decay of the fast average, in [0, 1).
      b2: ``b2``, decay of ``nu``, in [0, 1).
      b3: ``b3``, decay of the slow average, in [0, 1), or a schedule of the step count
        (the paper warms it up from ``b1``).
      alpha: ``alpha`` (>= 0), the weight of the slow average, or a schedule of the step
        count (the paper warms it up linearly).
      eps: ``eps``, added to the denominator outside the square root.
      eps_root: ``eps_root``, added inside the square root.
      mu_dtype: dtype in which ``m1`` and ``m2`` are stored (default: the parameters').
      weight_decay: ``lambda`` (>= 0), a number or a schedule of the step count.
      mask: which parameters decay, as in :func:`adamw`.

    Returns:
      An optax ``GradientTransformationExtraArgs``; ``update`` needs ``params``.

    Raises:
      ValueError: for a negative rate or ``eps``, or a decay outside [0, 1).
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.ademamix(0.1, b3=0.5, alpha=2.0)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(w, opt.init(w), w)
      >>> print(updates.round(3))  # -eta (1 + alpha (1 - b3)) sign(g)
      [-0.2  0.2]

    References:
      Pagliardini, Ablin and Grangier, *The AdEMAMix Optimizer: Better, Faster,
      Older*, ICLR 2025, arXiv:2409.03137 (Algorithm 1).

    Matches ``optax.contrib.ademamix``; the schedules of ``b3`` and ``alpha`` are
    evaluated at ``t - 1``, as optax's. With ``mu_dtype``, ``nu`` stays in the
    parameters' dtype and every average keeps its dtype from step to step (optax
    stores ``nu`` in ``mu_dtype`` and lets the averages' dtypes change).
    """
    check_learning_rate(learning_rate)
    check_decay(b1=b1, b2=b2)
    _check_number_or_schedule("b3", b3, check_decay)
    check_learning_rate(alpha, "alpha")
    check_nonnegative(eps=eps, eps_root=eps_root)
    check_float_dtype("mu_dtype", mu_dtype)
    check_learning_rate(weight_decay, "weight_decay")
    check_mask("mask", mask)
    return transformation(
        _init, _update, learning_rate=learning_rate, b1=b1, b2=b2, b3=b3, alpha=alpha, eps=eps,
        eps_root=eps_root, mu_dtype=mu_dtype, weight_decay=weight_decay, mask=mask,
    )  # fmt: skip


def _check_number_or_schedule(name: str, value: Any, check: Any) -> None:
    if callable(value) and not isinstance(value, jax.Array):
        check_schedule(name, value)
    else:
        check(**{name: value})


def _init(h, params):
    return ScaleByAdemamixState(
        count=jnp.zeros([], jnp.int32),
        count_m2=jnp.zeros([], jnp.int32),
        m1=_tree.zeros_like(params, h.mu_dtype),
        m2=_tree.zeros_like(params, h.mu_dtype),
        nu=_tree.zeros_like(params),
    )


def _update(h, grads, state, params=None, **extra_args):
    b3 = _tree.learning_rate_at(h.b3, state.count_m2)
    alpha = _tree.learning_rate_at(h.alpha, state.count_m2)
    m1, m2 = _tree.ema_widest(grads, state.m1, h.b1), _tree.ema_widest(grads, state.m2, b3)
    nu = _tree.ema(grads, state.nu, h.b2, order=2)
    t = optax.safe_increment(state.count)
    m1_hat, nu_hat = _tree.bias_corrected(m1, h.b1, t), _tree.bias_corrected(nu, h.b2, t)
    eps, eps_root = h.eps, h.eps_root
    direction = _tree.tree_map(
        lambda m1, m2, v: (m1 + alpha * m2) / (jnp.sqrt(v + eps_root) + eps), m1_hat, m2, nu_hat
    )
    lam = _tree.learning_rate_at(h.weight_decay, state.count)
    direction = _tree.with_weight_decay(direction, params, lam, h.mask, who="ademamix")
    lr = _tree.learning_rate_at(h.learning_rate, state.count)
    updates = _tree.cast_like(_tree.scale(direction, -lr), grads)
    m1, m2 = _tree.cast_like(m1, state.m1), _tree.cast_like(m2, state.m2)
    new_state = ScaleByAdemamixState(t, optax.safe_increment(state.count_m2), m1, m2, nu)
    return updates, new_state
