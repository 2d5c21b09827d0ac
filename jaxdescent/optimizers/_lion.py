"""Lion: sign descent on an interpolated momentum."""

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
    check_moment_dtype,
)
from jaxdescent._optimizer import transformation


class LionState(NamedTuple):
    """State of :func:`lion`: the step count and the momentum ``m``."""

    count: jax.Array
    mu: Any


def lion(
    learning_rate: Any,
    b1: Any = 0.9,
    b2: Any = 0.99,
    mu_dtype: Any = None,
    weight_decay: Any = 1e-3,
    mask: Any = None,
):
    r"""Lion (EvoLved Sign Momentum): step by the sign of a blend of momentum and gradient.

    With gradient ``g``, momentum ``m`` and weight decay ``lambda``::

        c = b1 m + (1 - b1) g
        w <- w - alpha (sign(c) + lambda w)
        m <- b2 m + (1 - b2) g

    Every entry moves by ``alpha`` (plus decay), so Lion wants a learning rate
    3-10x smaller than AdamW's and a weight decay 3-10x larger.

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      b1: ``b1`` in [0, 1), the weight of the momentum in the step direction.
      b2: ``b2`` in [0, 1), the decay of the momentum.
      mu_dtype: dtype in which ``m`` is stored (default: the parameters').
      weight_decay: ``lambda`` (>= 0), a number or a schedule of the step count.
      mask: which parameters decay, as in :func:`adamw`.

    Returns:
      An optax ``GradientTransformationExtraArgs``; ``update`` needs ``params``.

    Raises:
      ValueError: if ``learning_rate`` or ``weight_decay`` is negative or not
        finite, or ``b1``/``b2`` is outside [0, 1).
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.lion(0.1, weight_decay=0.0)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(2 * w, opt.init(w), w)
      >>> print(updates)
      [-0.1  0.1]

    References:
      Chen et al., *Symbolic Discovery of Optimization Algorithms*, NeurIPS 2023,
      arXiv:2302.06675 (Algorithm 2).

    Matches ``optax.lion`` (its default ``mode="hard"``). The common PyTorch port
    (``lion-pytorch``) makes the same update but defaults to ``lr=1e-4`` and
    ``weight_decay=0``.
    """
    check_learning_rate(learning_rate)
    check_learning_rate(weight_decay, "weight_decay")
    check_decay(b1=b1, b2=b2)
    check_moment_dtype("mu_dtype", mu_dtype)
    check_mask("mask", mask)
    return transformation(
        _init, _update, learning_rate=learning_rate, b1=b1, b2=b2, mu_dtype=mu_dtype,
        weight_decay=weight_decay, mask=mask,
    )  # fmt: skip


def _init(h, params):
    return LionState(count=jnp.zeros([], jnp.int32), mu=_tree.zeros_like(params, h.mu_dtype))


def _update(h, grads, state, params=None, **extra_args):
    c = _tree.ema(grads, state.mu, h.b1)
    m = _tree.cast_like(_tree.ema(grads, state.mu, h.b2), state.mu)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    lam = _tree.learning_rate_at(h.weight_decay, state.count)
    sign_c = _tree.tree_map(jnp.sign, c)
    direction = _tree.with_weight_decay(sign_c, params, lam, h.mask, who="lion")
    return _tree.scale(direction, -alpha), LionState(optax.safe_increment(state.count), m)
