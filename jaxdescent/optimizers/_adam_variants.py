"""Variants of Adam that change its second-moment denominator: AMSGrad, AdaMax(W), RAdam."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxdescent import _tree
from jaxdescent._checks import check_flag, check_range
from jaxdescent._hyperparameter_checks import (
    check_decay,
    check_learning_rate,
    check_moment_dtype,
    check_nonnegative,
)
from jaxdescent._optimizer import transformation
from jaxdescent.optimizers._adam import AdamState, adam_moments


class AmsgradState(NamedTuple):
    """State of :func:`amsgrad`: Adam's ``t``, ``m``, ``v`` and the running maximum ``v_max``."""

    count: jax.Array
    mu: Any
    nu: Any
    nu_max: Any


def amsgrad(
    learning_rate: Any,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    eps_root: Any = 0.0,
    mu_dtype: Any = None,
    bias_correction_mu: bool = True,
    bias_correction_nu: bool = True,
):
    r"""AMSGrad: Adam whose denominator never shrinks.

    With ``m``, ``v``, ``m_hat``, ``v_hat`` as in :func:`adam` (a flag off uses
    the uncorrected moment)::

        v_max <- max(v_max, v_hat)
        w <- w - alpha m_hat / (sqrt(v_max + eps_root) + eps)

    Args:
      learning_rate, b1, b2, eps, eps_root, mu_dtype: as in :func:`adam`.
      bias_correction_mu: divide ``m`` by ``1 - b1^t``.
      bias_correction_nu: divide ``v`` by ``1 - b2^t`` before taking the maximum.

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: as :func:`adam`.
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.amsgrad(0.1)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(2 * w, opt.init(w))
      >>> print(updates.round(3))  # the first step is Adam's
      [-0.1  0.1]

    References:
      Reddi, Kale and Kumar, *On the Convergence of Adam and Beyond*, ICLR 2018,
      arXiv:1904.09237 (the paper has no bias correction).

    Matches ``optax.amsgrad``. PyTorch's ``Adam(amsgrad=True)`` keeps the
    maximum of the *uncorrected* ``v`` and divides it by the current
    ``1 - b2^t``, a smaller denominator than the maximum of corrected ones.
    """
    check_learning_rate(learning_rate)
    check_decay(b1=b1, b2=b2)
    check_nonnegative(eps=eps, eps_root=eps_root)
    check_moment_dtype("mu_dtype", mu_dtype)
    check_flag("bias_correction_mu", bias_correction_mu)
    check_flag("bias_correction_nu", bias_correction_nu)
    return transformation(
        _amsgrad_init, _amsgrad_update, learning_rate=learning_rate, b1=b1, b2=b2, eps=eps,
        eps_root=eps_root, mu_dtype=mu_dtype, bias_correction_mu=bias_correction_mu,
        bias_correction_nu=bias_correction_nu,
    )  # fmt: skip


def _amsgrad_init(h, params):
    zeros = _tree.zeros_like(params)
    mu = _tree.zeros_like(params, h.mu_dtype)
    return AmsgradState(count=jnp.zeros([], jnp.int32), mu=mu, nu=zeros, nu_max=zeros)


def _amsgrad_update(h, grads, state, params=None, **extra_args):
    eps, eps_root = h.eps, h.eps_root
    t = optax.safe_increment(state.count)
    m = _tree.ema(grads, state.mu, h.b1)
    v = _tree.ema(grads, state.nu, h.b2, order=2)
    m_hat = _tree.bias_corrected(m, h.b1, t) if h.bias_correction_mu else m
    v_hat = _tree.bias_corrected(v, h.b2, t) if h.bias_correction_nu else v
    v_max = _tree.tree_map(jnp.maximum, state.nu_max, v_hat)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    direction = _tree.tree_map(lambda m, v: m / (jnp.sqrt(v + eps_root) + eps), m_hat, v_max)
    new_state = AmsgradState(t, _tree.cast_like(m, state.mu), v, v_max)
    return _tree.scale(direction, -alpha), new_state


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


def radam(
    learning_rate: Any,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    eps_root: Any = 0.0,
    threshold: Any = 5.0,
    *,
    nesterov: bool = False,
):
    r"""RAdam: Adam with its adaptive step switched on once the variance estimate is reliable.

    With ``m_hat``, ``v_hat`` as in :func:`adam`, the length ``rho`` of the
    approximated simple moving average decides::

        rho_inf = 2 / (1 - b2) - 1
        rho     = rho_inf - 2 t b2^t / (1 - b2^t)
        r       = sqrt((rho - 4)(rho - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho))
        w <- w - alpha r m_hat / (sqrt(v_hat + eps_root) + eps)   if rho >= threshold
        w <- w - alpha m_hat                                      otherwise

    Args:
      learning_rate, b1, b2, eps, eps_root, nesterov: as in :func:`adam`.
      threshold: the ``rho`` from which the adaptive step is used, >= 4 (``r``
        is not real for ``rho < 4``).

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: as :func:`adam`, or if ``threshold`` is below 4 (optax accepts
        it and returns NaN once ``4 > rho >= threshold``).
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.radam(0.1)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(2 * w, opt.init(w))
      >>> print(updates.round(3))  # rho = 1 < 5 at t = 1: a momentum step
      [-0.2  0.4]

    References:
      Liu et al., *On the Variance of the Adaptive Learning Rate and Beyond*,
      ICLR 2020, arXiv:1908.03265 (the paper switches at ``rho > 4``; 5 as in
      optax and the authors' code).

    Matches ``optax.radam``. PyTorch's ``RAdam`` hard-codes ``rho > 5``.
    """
    check_learning_rate(learning_rate)
    check_decay(b1=b1, b2=b2)
    check_nonnegative(eps=eps, eps_root=eps_root)
    check_range("threshold", threshold, 4.0)
    check_flag("nesterov", nesterov)
    return transformation(
        _init, _radam_update, learning_rate=learning_rate, b1=b1, b2=b2, eps=eps,
        eps_root=eps_root, threshold=threshold, nesterov=nesterov,
    )  # fmt: skip


def _rectification(b2, t):
    """RAdam's ``rho`` and ``r`` at step ``t``, in the precision of the hyperparameters."""
    rho_inf = 2.0 / (1.0 - b2) - 1.0
    b2t = b2 ** t.astype(jnp.result_type(b2))
    rho = rho_inf - 2 * t.astype(b2t.dtype) * b2t / (1 - b2t)
    r = jnp.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    return rho, r


def _radam_update(h, grads, state, params=None, **extra_args):
    eps, eps_root = h.eps, h.eps_root
    t, m, v, m_hat, v_hat = adam_moments(grads, state, h.b1, h.b2, h.nesterov)
    rho, r = _rectification(h.b2, t)
    adaptive = _tree.tree_map(
        lambda m, v: r.astype(m.dtype) * m / (jnp.sqrt(v + eps_root) + eps), m_hat, v_hat
    )
    direction = _tree.where(rho >= h.threshold, adaptive, m_hat)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    return _tree.scale(direction, -alpha), AdamState(count=t, mu=m, nu=v)
