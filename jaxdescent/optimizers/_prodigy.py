"""Prodigy: Adam whose step size ``d`` estimates the distance to the solution."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdescent import _tree
from jaxdescent._checks import check_flag, shown
from jaxdescent._hyperparameter_checks import (
    check_decay,
    check_learning_rate,
    check_nonnegative,
    check_positive,
)
from jaxdescent._optimizer import transformation


class ProdigyState(NamedTuple):
    """State of :func:`prodigy`, optax's field names: ``m``, ``v``, ``s``, ``x0``, ``d``,
    ``r`` and the step count."""

    exp_avg: Any
    exp_avg_sq: Any
    grad_sum: Any
    params0: Any
    estim_lr: jax.Array
    numerator_weighted: jax.Array
    count: jax.Array


def check_scalars(**named: Any) -> None:
    """While tracing: each value is a scalar, for it scales the one step size ``d``.

    Not checked when the optimizer is built: ``sweep`` builds it once with every swept
    value laid along an axis, to check them all; each run then gets one of them.
    """
    for name, value in named.items():
        if np.ndim(value):
            raise ValueError(
                f"`{name}` must be a number or a schedule (it scales the step size d, a "
                f"scalar), got an array of shape {np.shape(value)}"
            )


def check_betas(betas: Any) -> tuple[Any, Any]:
    """``betas`` is a pair ``(b1, b2)`` of averaging coefficients in [0, 1)."""
    if not isinstance(betas, tuple | list) or len(betas) != 2:
        raise TypeError(f"`betas` must be a pair (b1, b2) of numbers in [0, 1), got {shown(betas)}")
    for beta in betas:
        check_decay(betas=beta)
    return betas[0], betas[1]


def prodigy(
    learning_rate: Any = 1.0,
    betas: tuple[Any, Any] = (0.9, 0.999),
    beta3: Any = None,
    eps: Any = 1e-8,
    estim_lr0: Any = 1e-6,
    estim_lr_coef: Any = 1.0,
    weight_decay: Any = 0.0,
    safeguard_warmup: bool = False,
):
    r"""Prodigy: Adam with a learned step size ``d``, a lower bound on the distance to the solution.

    With gradient ``g_k`` at ``x_k``, start ``x_0``, ``d_0`` = ``estim_lr0`` and the
    learning rate ``eta_k`` (a multiplier, best left at 1 or a schedule from 1)::

        m <- b1 m + (1 - b1) d_k g_k
        v <- b2 v + (1 - b2) d_k^2 g_k^2
        r <- b3 r + eta_k d_k^2 <g_k, x_0 - x_k> / d_0
        s <- b3 s + eta_k d_k^2 g_k / d_0            (d_k^2 g_k / d_0 with safeguard_warmup)
        d_{k+1} = max(d_k, c r / ||s||_1)            (d_k while ||s||_1 = 0)
        x <- x - eta_k d_k (m / (sqrt(v) + d_k eps) + lambda x)

    The factor ``1 / d_0`` (and the paper's ``1 - b3``) cancels in ``r / ||s||_1``.

    Args:
      learning_rate: ``eta``, a multiplier of ``d``; a number or a schedule of the step count.
      betas: ``(b1, b2)``, Adam's decays, each in [0, 1).
      beta3: ``b3`` in [0, 1), the decay of ``r`` and ``s``; ``None`` for ``sqrt(b2)``.
      eps: ``eps``, added to ``sqrt(v)`` after scaling by ``d_k``.
      estim_lr0: ``d_0`` > 0, the initial (under-)estimate of ``d``.
      estim_lr_coef: ``c`` > 0, multiplies each estimate of ``d``.
      weight_decay: ``lambda`` >= 0, decoupled (AdamW) weight decay; a number or a schedule.
      safeguard_warmup: leave ``eta_k`` out of ``s`` (for warm-up schedules).

    Returns:
      An optax ``GradientTransformationExtraArgs``; ``update`` needs ``params``.

    Raises:
      ValueError: for a value out of its range.
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.prodigy()
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, state = opt.update(2 * w, opt.init(w), w)
      >>> print([f"{u:.4e}" for u in updates.tolist()])  # -d_0 (1 - b1) / sqrt(1 - b2) sign(g)
      ['-3.1623e-06', '3.1623e-06']

    References:
      Mishchenko and Defazio, *Prodigy: An Expeditiously Adaptive Parameter-Free
      Learner*, ICML 2024, arXiv:2306.06101 (Algorithm 4, the Adam version).

    Follows the paper where ``optax.contrib.prodigy`` departs from it: optax
    multiplies ``eta_k`` by Adam's bias correction ``sqrt(1 - b2^(k+1)) / (1 - b1^(k+1))``
    (in the step and in ``r`` and ``s``, which then weigh the steps differently), which
    neither the paper nor the authors' code (``use_bias_correction=False``) does, and
    scales ``eps`` by ``d_{k+1}`` (as the authors' code does) instead of ``d_k``; optax
    also returns NaN when ``||s||_1 = 0`` (all gradients zero so far), where the authors'
    code skips the step. The names and defaults are optax's (PyTorch's ``d0``, ``d_coef``
    are ``estim_lr0``, ``estim_lr_coef``).
    """
    check_learning_rate(learning_rate)
    check_learning_rate(weight_decay, "weight_decay")
    b1, b2 = check_betas(betas)
    if beta3 is not None:
        check_decay(beta3=beta3)
    check_nonnegative(eps=eps)
    check_positive(estim_lr0=estim_lr0, estim_lr_coef=estim_lr_coef)
    check_flag("safeguard_warmup", safeguard_warmup)
    return transformation(
        _init, _update, learning_rate=learning_rate, b1=b1, b2=b2, beta3=beta3, eps=eps,
        estim_lr0=estim_lr0, estim_lr_coef=estim_lr_coef, weight_decay=weight_decay,
        safeguard_warmup=safeguard_warmup,
    )  # fmt: skip


def _init(h, params):
    check_scalars(estim_lr0=h.estim_lr0)
    dtype = _tree.lowest_dtype(params)
    return ProdigyState(
        exp_avg=_tree.zeros_like(params),
        exp_avg_sq=_tree.zeros_like(params),
        grad_sum=_tree.zeros_like(params),
        params0=params,
        estim_lr=jnp.asarray(h.estim_lr0, dtype),
        numerator_weighted=jnp.zeros([], dtype),
        count=jnp.zeros([], jnp.int32),
    )


def _update(h, grads, state, params=None, **extra_args):
    _tree.require_params(params, "prodigy")
    b1, b2, d0 = h.b1, h.b2, h.estim_lr0
    b3 = b2**0.5 if h.beta3 is None else h.beta3
    eta = _tree.learning_rate_at(h.learning_rate, state.count)
    check_scalars(learning_rate=eta, betas=b1 + b2, beta3=b3, estim_lr_coef=h.estim_lr_coef)
    d = state.estim_lr
    dlr = d * eta  # eta_k d_k
    at = lambda x, like: x.astype(like.dtype)  # noqa: E731 (a scalar meets each leaf's dtype)
    dg = _tree.tree_map(lambda g: at(d, g) * g, grads)
    m = _tree.tree_map(lambda m, u: b1 * m + (1 - b1) * u, state.exp_avg, dg)
    v = _tree.tree_map(lambda v, u: b2 * v + (1 - b2) * u * u, state.exp_avg_sq, dg)
    weight = d if h.safeguard_warmup else dlr
    s = _tree.tree_map(lambda s, u: b3 * s + at(weight, u) * u / d0, state.grad_sum, dg)
    distance = _tree.tree_map(lambda x0, x: x0 - x, state.params0, params)
    r = b3 * state.numerator_weighted + (d / d0) * dlr * at(_tree.vdot(grads, distance), d)
    norm = at(_tree.l1_norm(s), d)
    d_next = jnp.where(norm > 0, jnp.maximum(d, h.estim_lr_coef * r / norm), d)
    lam, eps = _tree.learning_rate_at(h.weight_decay, state.count), h.eps
    updates = _tree.tree_map(
        lambda m, v, x: -lam * at(dlr, x) * x - at(dlr, x) * m / (jnp.sqrt(v) + at(d, x) * eps),
        m, v, params,
    )  # fmt: skip
    count = optax.safe_increment(state.count)
    return updates, ProdigyState(m, v, s, state.params0, d_next, r, count)
