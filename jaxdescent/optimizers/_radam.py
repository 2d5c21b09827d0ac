"""RAdam: Adam with its adaptive step rectified by the variance of the denominator."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from jaxdescent import _tree
from jaxdescent._checks import check_flag, check_range
from jaxdescent._hyperparameter_checks import check_decay, check_learning_rate, check_nonnegative
from jaxdescent._optimizer import transformation
from jaxdescent.optimizers._adam import AdamState, adam_moments


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


def _init(h, params):
    zeros = _tree.zeros_like(params)
    return AdamState(count=jnp.zeros([], jnp.int32), mu=zeros, nu=zeros)


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
