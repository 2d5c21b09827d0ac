"""Schedule-Free SGD and AdamW: momentum by interpolation, no learning-rate decay.

Defazio et al. 2024 keep two sequences, the base iterate ``z`` and the average
``x``, and take each gradient at their interpolation ``y``, which is what the
descent holds as its parameters. :func:`schedule_free_eval_params` recovers ``x``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxdescent import _tree
from jaxdescent._checks import check_float_dtype, check_positive_int, check_range
from jaxdescent._hyperparameter_checks import check_decay, check_learning_rate, check_nonnegative
from jaxdescent._optimizer import transformation, weakly_typed


class ScheduleFreeState(NamedTuple):
    """State of the schedule-free optimizers (optax's fields): ``b1``, the sum of the averaging
    weights, the step ``t`` (from 1), the largest step size ``gamma`` so far, the base
    optimizer's state (Adam's ``v`` for :func:`schedule_free_adamw`) and the base iterate ``z``."""

    b1: jax.Array
    weight_sum: jax.Array
    step_count: jax.Array
    max_lr: jax.Array
    base_optimizer_state: Any
    z: Any


def schedule_free_eval_params(state: Any, params: Any) -> Any:
    r"""The average ``x``, where a schedule-free descent should be evaluated.

    The descent's parameters are ``y = b1 x + (1 - b1) z``, so::

        x = (y - (1 - b1) z) / b1

    Args:
      state: the optimizer's ``ScheduleFreeState`` (``Trajectory.final_state``).
      params: the parameters ``y`` it was built for (``Trajectory.final_params``).

    Returns:
      ``x``, shaped and typed like ``params``.

    Raises:
      ValueError: if ``state`` is not a schedule-free state.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> run = jd.minimize(lambda w: jnp.sum(w**2), jnp.ones(2), jd.schedule_free_sgd(0.3),
      ...                   steps=50)
      >>> x = jd.schedule_free_eval_params(run.final_state, run.final_params)
      >>> bool(jnp.sum(x**2) < jnp.sum(run.final_params**2))
      True

    Matches ``optax.contrib.schedule_free_eval_params``.
    """
    if getattr(state, "b1", None) is None or getattr(state, "z", None) is None:
        raise ValueError(
            "`state` must be the state of a schedule-free optimizer (with fields `b1` and `z`), "
            f"got {type(state).__name__}"
        )
    b1 = weakly_typed(state.b1)
    return _tree.tree_map(lambda y, z: _x_from(y, z, b1).astype(y.dtype), params, state.z)


def _x_from(y: jax.Array, z: jax.Array, b1: Any) -> jax.Array:
    """``x = (y - (1 - b1) z) / b1`` in the wider of ``y``'s and ``z``'s dtypes."""
    dtype = _tree.wider_dtype(y.dtype, z.dtype)
    return (y.astype(dtype) - (1.0 - b1) * z.astype(dtype)) / b1


def _promoted(a: jax.Array, b: jax.Array, op: Any) -> jax.Array:
    """``op(a, b)`` in the wider of the two dtypes (as standard promotion would)."""
    dtype = _tree.wider_dtype(a.dtype, b.dtype)
    return op(a.astype(dtype), b.astype(dtype))


def _check(learning_rate, warmup_steps, b1, weight_lr_power, state_dtype) -> int | None:
    """Check the arguments both optimizers share; ``warmup_steps`` as a Python int (static)."""
    check_learning_rate(learning_rate)
    warmup_steps = check_positive_int("warmup_steps", warmup_steps, allow_none=True, low=0)
    check_range("b1", b1, 0.0, 1.0, low_open=True, high_open=True)
    check_nonnegative(weight_lr_power=weight_lr_power)
    check_float_dtype("state_dtype", state_dtype)
    return warmup_steps


def schedule_free_sgd(
    learning_rate: Any = 1.0,
    warmup_steps: int | None = None,
    b1: Any = 0.9,
    weight_decay: Any = None,
    weight_lr_power: Any = 2.0,
    state_dtype: Any = None,
):
    r"""Schedule-Free SGD: gradients at an interpolation of the iterate and its average.

    At step ``t = 1, 2, ...`` with gradient ``g`` at the parameters ``y``::

        gamma_t = alpha min(1, t / warmup_steps)
        z <- z - gamma_t (g + lambda y)
        c = gamma_max^p / sum_{i <= t} gamma_max,i^p      (gamma_max: the largest gamma so far)
        x <- (1 - c) x + c z ;   y <- b1 x + (1 - b1) z

    where ``x = (y - (1 - b1) z) / b1`` is recovered from ``y`` (as optax does) and
    ``z`` starts at ``y``. Evaluate at ``x``: :func:`schedule_free_eval_params`.

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count
        (evaluated at ``t - 1``, then warmed up).
      warmup_steps: length of the linear warmup, or ``None`` (or 0) for none.
      b1: ``b1`` in (0, 1), the interpolation towards the average.
      weight_decay: ``lambda`` (>= 0, number or schedule), or ``None`` for none.
      weight_lr_power: ``p``, the power of ``gamma_max`` in the averaging weights.
      state_dtype: dtype in which ``z`` is stored (default: the parameters').

    Returns:
      An optax ``GradientTransformationExtraArgs``; ``update`` needs ``params``.

    Raises:
      ValueError: for a negative rate, ``b1`` outside (0, 1) or a negative ``warmup_steps``.
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.schedule_free_sgd(0.1)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(w, opt.init(w), w)
      >>> print(updates.round(3))  # c = 1 on the first step: y <- z = w - 0.1 g
      [-0.1  0.2]

    References:
      Defazio, Yang, Mehta, Mishchenko, Khaled and Cutkosky, *The Road Less
      Scheduled*, NeurIPS 2024, arXiv:2405.15682 (Algorithm 1 without Adam's scaling).

    ``optax.contrib.schedule_free_sgd`` warms up its SGD step one step late (its schedule
    runs from count 0, the averaging weights' from 1, so its first ``z`` step is zero);
    here both use ``gamma_t``, as in the paper and the authors' code. Without warmup (and
    with a constant rate) the two are the same. The scalars of the state are float32
    (float64 for float64 parameters), never bfloat16.
    """
    warmup_steps = _check(learning_rate, warmup_steps, b1, weight_lr_power, state_dtype)
    if weight_decay is not None:
        check_learning_rate(weight_decay, "weight_decay")
    return transformation(
        _sgd_init, _sgd_update, learning_rate=learning_rate, warmup_steps=warmup_steps, b1=b1,
        weight_decay=weight_decay, weight_lr_power=weight_lr_power, state_dtype=state_dtype,
    )  # fmt: skip


def schedule_free_adamw(
    learning_rate: Any = 0.0025,
    warmup_steps: int | None = None,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    weight_decay: Any = 0.0,
    weight_lr_power: Any = 2.0,
    state_dtype: Any = None,
):
    r"""Schedule-Free AdamW: :func:`schedule_free_sgd` on Adam's scaled gradient.

    At step ``t = 1, 2, ...`` with gradient ``g`` at the parameters ``y``::

        v <- b2 v + (1 - b2) g^2
        gamma_t = alpha sqrt(1 - b2^t) min(1, t / warmup_steps)
        z <- z - gamma_t (g / (sqrt(v) + eps) + lambda y)

    then ``x`` and ``y`` move as in :func:`schedule_free_sgd`, with averaging weights
    ``gamma_max^p`` of this ``gamma_t`` (Adam's bias correction included).

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      warmup_steps, b1, weight_lr_power, state_dtype: as in :func:`schedule_free_sgd`.
      b2: ``b2``, decay of ``v``, in [0, 1).
      eps: ``eps``, added to ``sqrt(v)``.
      weight_decay: ``lambda`` (>= 0), a number or a schedule of the step count.

    Returns:
      An optax ``GradientTransformationExtraArgs``; ``update`` needs ``params``.

    Raises:
      ValueError: as :func:`schedule_free_sgd`, or for ``b2`` outside [0, 1).
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.schedule_free_adamw(0.1, b2=0.75)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(w, opt.init(w), w)
      >>> print(updates.round(3))  # -alpha sqrt(1 - b2) g / sqrt((1 - b2) g^2) = -alpha sign(g)
      [-0.1  0.1]

    References:
      Defazio, Yang, Mehta, Mishchenko, Khaled and Cutkosky, *The Road Less
      Scheduled*, NeurIPS 2024, arXiv:2405.15682, Algorithm 1.

    ``optax.contrib.schedule_free_adamw`` (like the authors' later ``AdamWScheduleFree``)
    departs from the paper's Algorithm 1 followed here: it divides by
    ``sqrt(v / (1 - b2^t)) + eps`` instead of scaling the step by ``sqrt(1 - b2^t)``
    (``eps`` acts ``1 / sqrt(1 - b2^t)`` times larger here), its averaging weights leave
    out ``sqrt(1 - b2^t)``, and its warmup of the ``z`` step runs one step late (see
    :func:`schedule_free_sgd`). The authors' ``AdamWScheduleFreePaper`` is the paper's.
    """
    warmup_steps = _check(learning_rate, warmup_steps, b1, weight_lr_power, state_dtype)
    check_decay(b2=b2)
    check_nonnegative(eps=eps)
    check_learning_rate(weight_decay, "weight_decay")
    return transformation(
        _adamw_init, _adamw_update, learning_rate=learning_rate, warmup_steps=warmup_steps, b1=b1,
        b2=b2, eps=eps, weight_decay=weight_decay, weight_lr_power=weight_lr_power,
        state_dtype=state_dtype,
    )  # fmt: skip


def _sgd_init(h, params):
    return _init(h, params, optax.EmptyState())


def _adamw_init(h, params):
    return _init(h, params, optax.ScaleByRmsState(_tree.zeros_like(params)))


_WEIGHTS = ("learning_rate", "b2", "weight_lr_power")  # what the averaging weights depend on


def _init(h, params, base_state):
    dtype = _tree.summing_dtype(jax.tree_util.tree_leaves(params))
    shape = jnp.broadcast_shapes(  # of gamma_max^p: () unless given per entry
        *(jnp.shape(v) for k, v in h.items() if k in _WEIGHTS and not callable(v))
    )
    return ScheduleFreeState(
        b1=jnp.asarray(h.b1, dtype),
        weight_sum=jnp.zeros(shape, dtype),
        step_count=jnp.ones([], jnp.int32),
        max_lr=jnp.zeros(shape, dtype),
        base_optimizer_state=base_state,
        z=_tree.tree_map(lambda w: jnp.array(w, h.state_dtype or w.dtype, copy=True), params),
    )


def _gamma(h, t: jax.Array) -> Any:
    """``alpha min(1, t / warmup_steps)``, ``alpha`` evaluated at step count ``t - 1``."""
    alpha = _tree.learning_rate_at(h.learning_rate, t - 1)
    if not h.warmup_steps:  # a static int: None or 0 is no warmup
        return alpha
    return weakly_typed(alpha * jnp.minimum(1.0, jnp.asarray(t, float) / h.warmup_steps))


def _sgd_update(h, grads, state, params=None, **extra_args):
    _tree.require_params(params, "schedule_free_sgd")
    gamma = _gamma(h, state.step_count)
    d = grads
    if h.weight_decay is not None:
        lam = _tree.learning_rate_at(h.weight_decay, state.step_count - 1)
        d = _tree.with_weight_decay(grads, params, lam, who="schedule_free_sgd")
    return _step(h, state, params, d, gamma, optax.EmptyState())


def _adamw_update(h, grads, state, params=None, **extra_args):
    _tree.require_params(params, "schedule_free_adamw")
    t = state.step_count
    v = _tree.ema(grads, state.base_optimizer_state.nu, h.b2, order=2)
    b2 = jnp.asarray(h.b2)
    b2 = b2 if jnp.issubdtype(b2.dtype, jnp.inexact) else b2.astype(float)
    gamma = weakly_typed(_gamma(h, t) * jnp.sqrt(1 - jax.lax.pow(b2, t)))
    lam = _tree.learning_rate_at(h.weight_decay, t - 1)
    eps = h.eps
    d = _tree.tree_map(lambda g, v, y: g / (jnp.sqrt(v) + eps) + lam * y, grads, v, params)
    return _step(h, state, params, d, gamma, optax.ScaleByRmsState(v))


def _step(h, state, params, d, gamma, base_state):
    """``z <- z - gamma d``, then the average ``x`` and the parameters ``y`` (the update)."""
    b1, dtype = h.b1, state.max_lr.dtype
    max_lr = jnp.maximum(state.max_lr, jnp.asarray(gamma, dtype))
    weight = max_lr**h.weight_lr_power
    weight_sum = state.weight_sum + weight
    c = jnp.where(  # 0 while every weight is 0 (gamma = 0); NaN stays NaN
        jnp.isnan(weight) | jnp.isnan(weight_sum),
        jnp.nan,
        jnp.nan_to_num(weight / weight_sum, nan=0.0, posinf=jnp.inf),
    )
    u = _tree.scale(d, -gamma)
    z = _tree.tree_map(lambda z, u: _promoted(z, u, jnp.add).astype(z.dtype), state.z, u)

    def new_y(y, z_old, z_new):
        c_ = c.astype(_tree.wider_dtype(y.dtype, z_old.dtype))
        x = (1.0 - c_) * _x_from(y, z_old, b1) + c_ * z_new.astype(c_.dtype)
        return (b1 * x + (1.0 - b1) * z_new.astype(c_.dtype) - y.astype(c_.dtype)).astype(y.dtype)

    updates = _tree.tree_map(new_y, params, state.z, z)
    t = optax.safe_increment(state.step_count)
    return updates, ScheduleFreeState(state.b1, weight_sum, t, max_lr, base_state, z)
