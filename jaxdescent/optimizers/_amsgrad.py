"""AMSGrad: Adam whose denominator is the running maximum of the second moment."""

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
