"""D-Adaptation for AdamW: the step size ``d`` is a lower bound on the distance to the solution."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxdescent import _tree
from jaxdescent._hyperparameter_checks import check_learning_rate, check_nonnegative, check_positive
from jaxdescent._optimizer import transformation
from jaxdescent.optimizers._prodigy import check_betas, check_scalars


class DAdaptAdamWState(NamedTuple):
    """State of :func:`dadapt_adamw`, optax's field names: ``m``, ``v``, ``s``, ``d``, ``r``
    and the step count."""

    exp_avg: Any
    exp_avg_sq: Any
    grad_sum: Any
    estim_lr: jax.Array
    numerator_weighted: jax.Array
    count: jax.Array


def dadapt_adamw(
    learning_rate: Any = 1.0,
    betas: tuple[Any, Any] = (0.9, 0.999),
    eps: Any = 1e-8,
    estim_lr0: Any = 1e-6,
    weight_decay: Any = 0.0,
):
    r"""D-Adapted AdamW: Adam whose step size ``d`` grows to the distance to the solution.

    With gradient ``g_k``, ``d_0`` = ``estim_lr0``, the learning rate ``gamma_k`` (a
    multiplier, best left at 1 or a schedule from 1) and ``c = sqrt(b2)``::

        r <- c r + (1 - c) d_k gamma_k <g_k, s / (sqrt(v) + eps)>     (s, v before this step)
        m <- b1 m + (1 - b1) d_k gamma_k g_k
        v <- b2 v + (1 - b2) g_k^2
        s <- c s + (1 - c) d_k gamma_k g_k
        d_{k+1} = max(d_k, r / ((1 - c) ||s||_1))                      (d_k while ||s||_1 = 0)
        x <- x - m / (sqrt(v) + eps) - lambda d_k gamma_k x

    Args:
      learning_rate: ``gamma``, a multiplier of ``d``; a number or a schedule of the step count.
      betas: ``(b1, b2)``, Adam's decays, each in [0, 1).
      eps: ``eps``, added to ``sqrt(v)``.
      estim_lr0: ``d_0`` > 0, the initial (under-)estimate of ``d``.
      weight_decay: ``lambda`` >= 0, decoupled (AdamW) weight decay; a number or a schedule.

    Returns:
      An optax ``GradientTransformationExtraArgs``; ``update`` needs ``params``.

    Raises:
      ValueError: for a value out of its range.
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.dadapt_adamw()
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, state = opt.update(2 * w, opt.init(w), w)
      >>> print([f"{u:.4e}" for u in updates.tolist()])  # -d_0 (1 - b1) / sqrt(1 - b2) sign(g)
      ['-3.1623e-06', '3.1623e-06']

    References:
      Defazio and Mishchenko, *Learning-Rate-Free Learning by D-Adaptation*,
      ICML 2023, arXiv:2301.07733 (the Adam variant, as the authors' ``DAdaptAdam``).

    Follows the paper where ``optax.contrib.dadapt_adamw`` departs from it: optax
    multiplies ``gamma_k`` by Adam's bias correction ``sqrt(1 - b2^(k+1)) / (1 - b1^(k+1))``
    (in ``m``, ``s``, ``r`` and the decay), which neither the paper nor the authors' code
    (``use_bias_correction=False``) does; optax also returns NaN when ``||s||_1 = 0`` (all
    gradients zero so far), where the authors' code skips the step. The names and
    defaults are optax's (PyTorch's ``d0`` is ``estim_lr0``, and its ``decouple=True``
    is this weight decay).
    """
    check_learning_rate(learning_rate)
    check_learning_rate(weight_decay, "weight_decay")
    b1, b2 = check_betas(betas)
    check_nonnegative(eps=eps)
    check_positive(estim_lr0=estim_lr0)
    return transformation(
        _init, _update, learning_rate=learning_rate, b1=b1, b2=b2, eps=eps,
        estim_lr0=estim_lr0, weight_decay=weight_decay,
    )  # fmt: skip


def _init(h, params):
    check_scalars(estim_lr0=h.estim_lr0)
    dtype = _tree.lowest_dtype(params)
    return DAdaptAdamWState(
        exp_avg=_tree.zeros_like(params),
        exp_avg_sq=_tree.zeros_like(params),
        grad_sum=_tree.zeros_like(params),
        estim_lr=jnp.asarray(h.estim_lr0, dtype),
        numerator_weighted=jnp.zeros([], dtype),
        count=jnp.zeros([], jnp.int32),
    )


def _update(h, grads, state, params=None, **extra_args):
    _tree.require_params(params, "dadapt_adamw")
    b1, b2, eps = h.b1, h.b2, h.eps
    c = b2**0.5
    gamma = _tree.learning_rate_at(h.learning_rate, state.count)
    check_scalars(learning_rate=gamma, betas=b1 + b2)
    d = state.estim_lr
    dlr = d * gamma  # d_k gamma_k
    at = lambda x, like: x.astype(like.dtype)  # noqa: E731 (a scalar meets each leaf's dtype)
    weighted = _tree.tree_map(
        lambda s, v: s / (jnp.sqrt(v) + eps), state.grad_sum, state.exp_avg_sq
    )
    inner = at(_tree.vdot(grads, weighted), d)
    m = _tree.tree_map(lambda m, g: b1 * m + (1 - b1) * at(dlr, g) * g, state.exp_avg, grads)
    v = _tree.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, state.exp_avg_sq, grads)
    s = _tree.tree_map(lambda s, g: c * s + (1 - c) * at(dlr, g) * g, state.grad_sum, grads)
    r = c * state.numerator_weighted + (1 - c) * dlr * inner
    norm = at(_tree.l1_norm(s), d)
    d_next = jnp.where(norm > 0, jnp.maximum(d, r / ((1 - c) * norm)), d)
    lam = _tree.learning_rate_at(h.weight_decay, state.count)
    updates = _tree.tree_map(
        lambda m, v, x: -lam * at(dlr, x) * x - m / (jnp.sqrt(v) + eps), m, v, params
    )
    count = optax.safe_increment(state.count)
    return updates, DAdaptAdamWState(m, v, s, d_next, r, count)
