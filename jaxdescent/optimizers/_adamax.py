"""AdaMax and AdaMaxW: Adam with an exponentially weighted infinity norm as denominator."""

from __future__ import annotations

from typing import Any

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
from jaxdescent.optimizers._adam import AdamState


def adamax(learning_rate: Any, b1: Any = 0.9, b2: Any = 0.999, eps: Any = 1e-8):
    r"""AdaMax: Adam with the infinity norm of past gradients as denominator.

    With ``m`` and ``m_hat`` as in :func:`adam`, the second moment becomes an
    exponentially weighted maximum ``u``::

        u <- max(b2 u, |g| + eps)
        w <- w - alpha m_hat / u

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      b1: ``b1``, decay of the first moment, in [0, 1).
      b2: ``b2``, decay of the infinity norm ``u``, in [0, 1).
      eps: ``eps`` (>= 0), added to ``|g|`` so that ``u > 0``.

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: if ``learning_rate`` or ``eps`` is negative or ``b1``/``b2``
        is outside [0, 1).
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.adamax(0.1)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(2 * w, opt.init(w))
      >>> print(updates.round(3))
      [-0.1  0.1]

    References:
      Kingma and Ba, *Adam: A Method for Stochastic Optimization*, 2014,
      arXiv:1412.6980 (Section 7.1, Algorithm 2, which has no ``eps``).

    Matches ``optax.adamax`` and PyTorch's ``Adamax`` (both add ``eps`` inside the max).
    """
    check_learning_rate(learning_rate)
    check_decay(b1=b1, b2=b2)
    check_nonnegative(eps=eps)
    return transformation(_init, _adamax_update, learning_rate=learning_rate, b1=b1, b2=b2, eps=eps)


def _init(h, params):
    zeros = _tree.zeros_like(params)
    return AdamState(count=jnp.zeros([], jnp.int32), mu=zeros, nu=zeros)


def _adamax_direction(h, grads, state):
    """AdaMax's ``m_hat / u`` and its new state."""
    eps, b2 = h.eps, h.b2
    t = optax.safe_increment(state.count)
    m = _tree.ema(grads, state.mu, h.b1)
    u = _tree.tree_map(
        lambda g, u: jnp.maximum((jnp.abs(g) + eps).astype(u.dtype), b2 * u), grads, state.nu
    )
    direction = _tree.tree_map(lambda m, u: m / u, _tree.bias_corrected(m, h.b1, t), u)
    return direction, AdamState(count=t, mu=m, nu=u)


def _adamax_update(h, grads, state, params=None, **extra_args):
    direction, new_state = _adamax_direction(h, grads, state)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    return _tree.scale(direction, -alpha), new_state


def adamaxw(
    learning_rate: Any,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    weight_decay: Any = 1e-4,
    mask: Any = None,
):
    r"""AdaMaxW: :func:`adamax` with weight decay decoupled as in :func:`adamw`.

    With ``m_hat`` and ``u`` as in :func:`adamax` and weight decay ``lambda``::

        w <- w - alpha (m_hat / u + lambda w)

    Args:
      learning_rate, b1, b2, eps: as in :func:`adamax`.
      weight_decay, mask: as in :func:`adamw`.

    Returns:
      An optax ``GradientTransformationExtraArgs``; ``update`` needs ``params``.

    Raises:
      ValueError: as :func:`adamax`, or if ``weight_decay`` is negative or not finite.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.adamaxw(0.1, weight_decay=0.5)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(2 * w, opt.init(w), w)
      >>> print(updates.round(3))  # -alpha (sign(g) + lambda w)
      [-0.15  0.2 ]

    References:
      Kingma and Ba, arXiv:1412.6980 (AdaMax, Section 7.1); Loshchilov and Hutter,
      *Decoupled Weight Decay Regularization*, ICLR 2019, arXiv:1711.05101.

    Matches ``optax.adamaxw``. PyTorch's ``Adamax`` has only a coupled (L2) weight
    decay, added to the gradient before the moments.
    """
    check_learning_rate(learning_rate)
    check_learning_rate(weight_decay, "weight_decay")
    check_decay(b1=b1, b2=b2)
    check_nonnegative(eps=eps)
    check_mask("mask", mask)
    return transformation(
        _init, _adamaxw_update, learning_rate=learning_rate, b1=b1, b2=b2, eps=eps,
        weight_decay=weight_decay, mask=mask,
    )  # fmt: skip


def _adamaxw_update(h, grads, state, params=None, **extra_args):
    direction, new_state = _adamax_direction(h, grads, state)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    lam = _tree.learning_rate_at(h.weight_decay, state.count)
    direction = _tree.with_weight_decay(direction, params, lam, h.mask, who="adamaxw")
    return _tree.scale(direction, -alpha), new_state
