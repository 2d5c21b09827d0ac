"""Adam and the optimizers that share its two moment estimates."""

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
    check_moment_dtype,
    check_nonnegative,
)
from jaxdescent._optimizer import transformation


class AdamState(NamedTuple):
    """State of :func:`adam`: step count ``t``, first moment ``m``, second moment ``v``."""

    count: jax.Array
    mu: Any
    nu: Any


def adam_moments(grads: Any, state: Any, b1: Any, b2: Any, nesterov: bool) -> tuple:
    """Adam's step ``t``, moments ``m``, ``v`` and their bias-corrected ``m_hat``, ``v_hat``.

    Shared by :func:`adam`, :func:`adamw` and :func:`radam`; the formulas are in
    :func:`adam`'s docstring (``nesterov`` gives NAdam's look-ahead ``m_hat``).
    """
    t = optax.safe_increment(state.count)
    m = _tree.ema(grads, state.mu, b1)
    v = _tree.ema(grads, state.nu, b2, order=2)
    if nesterov:
        m_hat = _tree.nesterov_bias_corrected(m, grads, b1, t)
    else:
        m_hat = _tree.bias_corrected(m, b1, t)
    return t, m, v, m_hat, _tree.bias_corrected(v, b2, t)


def adam(
    learning_rate: Any,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    eps_root: Any = 0.0,
    mu_dtype: Any = None,
    *,
    nesterov: bool = False,
):
    r"""Adam: descent scaled by running estimates of the gradient's mean and square.

    With gradient ``g`` at step ``t = 1, 2, ...``::

        m <- b1 m + (1 - b1) g            m_hat = m / (1 - b1^t)
        v <- b2 v + (1 - b2) g^2          v_hat = v / (1 - b2^t)
        w <- w - alpha m_hat / (sqrt(v_hat + eps_root) + eps)

    With ``nesterov=True`` (NAdam, Dozat 2016) ``m_hat`` is replaced by
    ``b1 m / (1 - b1^(t+1)) + (1 - b1) g / (1 - b1^t)``.

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      b1: ``b1``, decay of the first moment, in [0, 1).
      b2: ``b2``, decay of the second moment, in [0, 1).
      eps: ``eps``, added to the denominator outside the square root.
      eps_root: ``eps_root``, added inside the square root.
      mu_dtype: dtype in which ``m`` is stored (default: the parameters').
      nesterov: use the Nesterov look-ahead of the first moment.

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: if ``learning_rate``, ``eps`` or ``eps_root`` is negative or
        ``b1``/``b2`` is outside [0, 1).
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.adam(0.1)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(2 * w, opt.init(w))
      >>> print(updates.round(3))  # the first Adam step is -alpha * sign(g)
      [-0.1  0.1]

    References:
      Kingma and Ba, *Adam: A Method for Stochastic Optimization*, 2014,
      arXiv:1412.6980 (Algorithm 1, as in optax and PyTorch).

    Matches ``optax.adam``; PyTorch's ``Adam`` has no ``eps_root``.
    """
    check_learning_rate(learning_rate)
    check_decay(b1=b1, b2=b2)
    check_nonnegative(eps=eps, eps_root=eps_root)
    check_moment_dtype("mu_dtype", mu_dtype)
    check_flag("nesterov", nesterov)
    return transformation(
        _init, _update, learning_rate=learning_rate, b1=b1, b2=b2, eps=eps, eps_root=eps_root,
        mu_dtype=mu_dtype, nesterov=nesterov,
    )  # fmt: skip


def _init(h, params):
    return AdamState(
        count=jnp.zeros([], jnp.int32),
        mu=_tree.zeros_like(params, h.mu_dtype),
        nu=_tree.zeros_like(params),
    )


def _direction(h, m_hat, v_hat):
    """Adam's ``m_hat / (sqrt(v_hat + eps_root) + eps)``."""
    eps, eps_root = h.eps, h.eps_root
    return _tree.tree_map(lambda m, v: m / (jnp.sqrt(v + eps_root) + eps), m_hat, v_hat)


def _update(h, grads, state, params=None, **extra_args):
    t, m, v, m_hat, v_hat = adam_moments(grads, state, h.b1, h.b2, h.nesterov)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    direction = _direction(h, m_hat, v_hat)
    return _tree.scale(direction, -alpha), AdamState(t, _tree.cast_like(m, state.mu), v)


def _adamw_update(h, grads, state, params=None, **extra_args):
    t, m, v, m_hat, v_hat = adam_moments(grads, state, h.b1, h.b2, h.nesterov)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    lam = _tree.learning_rate_at(h.weight_decay, state.count)
    direction = _tree.with_weight_decay(
        _direction(h, m_hat, v_hat), params, lam, h.mask, who="adamw"
    )
    return _tree.scale(direction, -alpha), AdamState(t, _tree.cast_like(m, state.mu), v)


def adamw(
    learning_rate: Any,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    eps_root: Any = 0.0,
    mu_dtype: Any = None,
    weight_decay: Any = 1e-4,
    mask: Any = None,
    *,
    nesterov: bool = False,
):
    r"""AdamW: Adam with weight decay decoupled from the adaptive scaling.

    With ``m_hat``, ``v_hat`` as in :func:`adam` and weight decay ``lambda``::

        w <- w - alpha (m_hat / (sqrt(v_hat + eps_root) + eps) + lambda w)

    The decay term is not divided by ``sqrt(v_hat)``, unlike an L2 penalty added
    to the loss under Adam.

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      b1, b2, eps, eps_root, mu_dtype, nesterov: as in :func:`adam`.
      weight_decay: ``lambda`` (>= 0), a number or a schedule of the step count.
      mask: which parameters decay: ``None`` (all), a pytree of bools shaped
        like the parameters (or a prefix of them), or a callable returning one.

    Returns:
      An optax ``GradientTransformationExtraArgs``; ``update`` needs ``params``.

    Raises:
      ValueError: as :func:`adam`, or if ``weight_decay`` is negative or not finite.
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.adamw(0.1, weight_decay=0.5)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(2 * w, opt.init(w), w)
      >>> print(updates.round(3))  # -alpha (sign(g) + lambda w)
      [-0.15  0.2 ]

    References:
      Loshchilov and Hutter, *Decoupled Weight Decay Regularization*, ICLR 2019,
      arXiv:1711.05101.

    Matches ``optax.adamw``. PyTorch's ``AdamW`` makes the same update
    (``w (1 - alpha lambda) - alpha m_hat / ...``) but defaults to
    ``weight_decay=0.01`` and ``lr=1e-3``.
    """
    check_learning_rate(learning_rate)
    check_learning_rate(weight_decay, "weight_decay")
    check_decay(b1=b1, b2=b2)
    check_nonnegative(eps=eps, eps_root=eps_root)
    check_moment_dtype("mu_dtype", mu_dtype)
    check_flag("nesterov", nesterov)
    check_mask("mask", mask)
    return transformation(
        _init, _adamw_update, learning_rate=learning_rate, b1=b1, b2=b2, eps=eps,
        eps_root=eps_root, mu_dtype=mu_dtype, nesterov=nesterov, weight_decay=weight_decay,
        mask=mask,
    )  # fmt: skip


def nadam(
    learning_rate: Any,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    eps_root: Any = 0.0,
    mu_dtype: Any = None,
    *,
    nesterov: bool = True,
):
    r"""NAdam: :func:`adam` with Nesterov momentum, i.e. ``adam(..., nesterov=True)``.

    The first-moment estimate looks one step ahead (symbols as in :func:`adam`)::

        m_hat = b1 m / (1 - b1^(t+1)) + (1 - b1) g / (1 - b1^t)
        w <- w - alpha m_hat / (sqrt(v_hat + eps_root) + eps)

    Args:
      learning_rate, b1, b2, eps, eps_root, mu_dtype: as in :func:`adam`.
      nesterov: ``False`` gives plain Adam (kept for optax compatibility).

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: as :func:`adam`.
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.nadam(0.1)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(2 * w, opt.init(w))
      >>> print(updates.round(3))  # alpha (b1 (1 - b1) / (1 - b1^2) + 1) at t = 1
      [-0.147  0.147]

    References:
      Dozat, *Incorporating Nesterov Momentum into Adam*, ICLR 2016 workshop
      (without the paper's momentum schedule and extra factor ``b2`` on ``v_hat``,
      as in optax).

    Matches ``optax.nadam``. PyTorch's ``NAdam`` keeps Dozat's momentum
    schedule (``momentum_decay=4e-3``) and so differs.
    """
    return adam(learning_rate, b1, b2, eps, eps_root, mu_dtype, nesterov=nesterov)


def nadamw(
    learning_rate: Any,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    eps_root: Any = 0.0,
    mu_dtype: Any = None,
    weight_decay: Any = 1e-4,
    mask: Any = None,
    *,
    nesterov: bool = True,
):
    r"""NAdamW: :func:`adamw` with NAdam's look-ahead, i.e. ``adamw(..., nesterov=True)``.

    The first moment looks one step ahead as in :func:`nadam`, and the weights
    decay outside the adaptive scaling as in :func:`adamw`::

        m_hat = b1 m / (1 - b1^(t+1)) + (1 - b1) g / (1 - b1^t)
        w <- w - alpha (m_hat / (sqrt(v_hat + eps_root) + eps) + lambda w)

    Args:
      learning_rate, b1, b2, eps, eps_root, mu_dtype, weight_decay, mask: as in
        :func:`adamw`.
      nesterov: ``False`` gives plain AdamW (kept for optax compatibility).

    Returns:
      An optax ``GradientTransformationExtraArgs``; ``update`` needs ``params``.

    Raises:
      ValueError: as :func:`adamw`.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.nadamw(0.1, weight_decay=1.0)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(2 * w, opt.init(w), w)
      >>> print(updates.round(2))  # nadam's first step -0.147 sign(g), plus -alpha lambda w
      [-0.25  0.35]

    References:
      Dozat, *Incorporating Nesterov Momentum into Adam*, ICLR 2016 workshop;
      Loshchilov and Hutter, *Decoupled Weight Decay Regularization*, ICLR 2019,
      arXiv:1711.05101.

    Matches ``optax.nadamw`` (``functools.partial(optax.adamw, nesterov=True)``).
    PyTorch's ``NAdam(decoupled_weight_decay=True)`` decays the weights the same way
    but keeps Dozat's momentum schedule (``momentum_decay=4e-3``), so it differs.
    """
    return adamw(
        learning_rate, b1, b2, eps, eps_root, mu_dtype, weight_decay, mask, nesterov=nesterov
    )
