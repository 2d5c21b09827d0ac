"""Adafactor: Adam-like scaling by a factored (row x column) estimate of the squared gradient."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdescent import _tree
from jaxdescent._checks import check_flag, check_float_dtype, check_positive_int, check_range
from jaxdescent._hyperparameter_checks import (
    check_decay,
    check_learning_rate,
    check_mask,
    check_mask_tree,
    check_nonnegative,
    check_positive,
)
from jaxdescent._optimizer import transformation

MIN_PARAMETER_SCALE = 1e-3  # the paper's eps2: the relative step never scales below it


class AdafactorState(NamedTuple):
    """State of :func:`adafactor`, with optax's field names (``FactoredState`` and ``ema``).

    ``v_row``, ``v_col``: ``R``, ``C`` of a factored leaf (a placeholder of shape ``(1,)``
    elsewhere); ``v``: ``V`` of a leaf that is not factored (a placeholder elsewhere);
    ``ema``: the momentum ``m`` (``None`` without momentum).
    """

    count: jax.Array
    v_row: Any
    v_col: Any
    v: Any
    ema: Any


def adafactor(
    learning_rate: Any = None,
    min_dim_size_to_factor: int = 128,
    decay_rate: Any = 0.8,
    decay_offset: Any = 0,
    multiply_by_parameter_scale: bool = True,
    clipping_threshold: Any = 1.0,
    momentum: Any = None,
    dtype_momentum: Any = jnp.float32,
    weight_decay_rate: Any = None,
    eps: Any = 1e-30,
    factored: bool = True,
    weight_decay_mask: Any = None,
):
    r"""Adafactor: RMSProp-like scaling, storing only row and column sums for matrices.

    At step ``t = 1, 2, ...`` (``t`` counted from ``decay_offset``) with gradient ``g``,
    ``beta_t = 1 - t^(-c)`` and ``g2 = |g|^2 + eps``. A leaf ``W`` with two axes of size
    >= ``min_dim_size_to_factor`` is factored over its two largest axes (rows ``i``,
    columns ``j``); any other leaf keeps a full ``V``::

        factored:  R <- beta_t R + (1 - beta_t) mean_j g2      (one entry per row)
                   C <- beta_t C + (1 - beta_t) mean_i g2      (one entry per column)
                   U = g / sqrt(R C / mean_i R)
        otherwise: V <- beta_t V + (1 - beta_t) g2 ;   U = g / sqrt(V)
        U_hat = U / max(1, RMS(U) / d)                           (update clipping)
        a_t = rho_t max(eps2, RMS(W))                            (relative step size)
        m <- b1 m + (1 - b1) a_t U_hat                           (with momentum)
        W <- W - (m + lambda W)

    Without momentum ``m = a_t U_hat``. ``rho_t`` is ``learning_rate`` (by default the
    paper's ``min(1e-2, 1 / sqrt(t))``), ``eps2 = 1e-3`` (``max(eps2, RMS(W))`` is
    replaced by 1 when ``multiply_by_parameter_scale=False``), ``RMS(x) = sqrt(mean |x|^2)``
    over one leaf.
    ``beta_t`` is computed in float32, as in optax, for every parameter dtype.

    Args:
      learning_rate: ``rho_t``; a number, an array, a schedule of the step count, or
        ``None``: the paper's ``min(1e-2, 1 / sqrt(t))`` (optax: 1, see below).
      min_dim_size_to_factor: factor a leaf only if two of its axes are this long.
      decay_rate: ``c`` >= 0, the exponent of ``beta_t = 1 - t^(-c)``.
      decay_offset: the step count at which ``t = 1`` (fine-tuning restarts ``beta_t``);
        steps before it give NaN, as in optax.
      multiply_by_parameter_scale: scale the step by ``max(eps2, RMS(W))``.
      clipping_threshold: ``d`` > 0, or ``None`` for no update clipping.
      momentum: ``b1`` in [0, 1), or ``None`` (no momentum, no extra memory).
      dtype_momentum: the floating dtype of ``m`` (``None``: the parameters'; for
        complex parameters, its complex counterpart).
      weight_decay_rate: ``lambda`` >= 0 (a number or a schedule), or ``None``.
      eps: ``eps`` >= 0, added to ``|g|^2`` (the paper's ``eps1``).
      factored: factor the second moment of matrices (``False``: a full ``V`` everywhere).
      weight_decay_mask: which leaves decay: ``None`` (all), a pytree of bools or a
        callable returning one.

    Returns:
      An optax ``GradientTransformationExtraArgs``; ``update`` needs ``params``.

    Raises:
      ValueError: for a value out of its range (``learning_rate``, ``eps``,
        ``decay_rate`` or ``weight_decay_rate`` negative, ``clipping_threshold``
        not positive, ``momentum`` outside [0, 1), ``min_dim_size_to_factor`` not
        an integer >= 0), or if ``update`` is called without ``params``.
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.adafactor(0.1, multiply_by_parameter_scale=False)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(2 * w, opt.init(w), w)
      >>> print(updates.round(3))  # beta_1 = 0, so the first step is -rho sign(g)
      [-0.1  0.1]

    References:
      Shazeer and Stern, *Adafactor: Adaptive Learning Rates with Sublinear Memory
      Cost*, ICML 2018, arXiv:1804.04235 (Algorithms 4 and 5; the paper normalises
      ``R C / sum_i R`` with sums, equal to the means used here).

    **Deviation from optax 0.2.8**: with ``learning_rate=None`` optax takes
    ``rho_t = 1``, steps 100 times the paper's proposed ``rho_t`` (Section 9) at
    first, which its own tests call numerically unstable; we take the paper's.
    Otherwise this matches ``optax.adafactor`` step by step, except where optax's
    result is ill-typed: for complex parameters ``R``, ``C``, ``V`` are stored real (optax
    stores them as complex numbers) and ``m`` complex (optax drops its imaginary
    part), and the update always has the parameter's dtype (optax returns float32
    updates for bfloat16 parameters with a float32 ``m``). Weight decay is added
    after the step size, so ``lambda`` is not multiplied by ``rho_t``, as in optax.
    PyTorch's ``torch.optim.Adafactor`` (2.5) has no momentum and ``lr=1e-2``.
    """
    if isinstance(dtype_momentum, jax.Array | np.ndarray):
        # optax.inject_hyperparams calls a dtype like a schedule: its value stands for it
        dtype_momentum = dtype_momentum.dtype
    _check_adafactor(locals())
    return transformation(
        _init, _update, learning_rate=learning_rate,
        min_dim_size_to_factor=min_dim_size_to_factor, decay_rate=decay_rate,
        decay_offset=decay_offset, multiply_by_parameter_scale=multiply_by_parameter_scale,
        clipping_threshold=clipping_threshold, momentum=momentum,
        dtype_momentum=dtype_momentum, weight_decay_rate=weight_decay_rate, eps=eps,
        factored=factored, weight_decay_mask=weight_decay_mask,
    )  # fmt: skip


def _check_adafactor(a: dict[str, Any]) -> None:
    if a["learning_rate"] is not None:
        check_learning_rate(a["learning_rate"])
    if a["weight_decay_rate"] is not None:
        check_learning_rate(a["weight_decay_rate"], "weight_decay_rate")
    check_positive_int("min_dim_size_to_factor", a["min_dim_size_to_factor"], low=0)
    check_nonnegative(decay_rate=a["decay_rate"], eps=a["eps"])
    offset = a["decay_offset"]  # optax's is an int: an integer array (inject_hyperparams) too
    if not (
        isinstance(offset, np.ndarray | jax.Array) and jnp.issubdtype(offset.dtype, jnp.integer)
    ):
        check_range("decay_offset", offset, low_open=True, high_open=True)
    if a["clipping_threshold"] is not None:
        check_positive(clipping_threshold=a["clipping_threshold"])
    if a["momentum"] is not None:
        check_decay(momentum=a["momentum"])
    check_float_dtype("dtype_momentum", a["dtype_momentum"])
    check_flag("multiply_by_parameter_scale", a["multiply_by_parameter_scale"])
    check_flag("factored", a["factored"])
    check_mask("weight_decay_mask", a["weight_decay_mask"])


def factored_dims(shape: tuple[int, ...], factored: bool, min_size: int) -> tuple | None:
    """The axes ``(rows, columns)`` (second largest, largest) a leaf is factored over, or None.

    As optax's ``_factored_dims``, ties broken by ``np.argsort``.
    """
    if not factored or len(shape) < 2:
        return None
    order = np.argsort(shape)
    if shape[order[-2]] < min_size:
        return None
    return int(order[-2]), int(order[-1])


def paper_relative_step(count: jax.Array) -> jax.Array:
    """The paper's ``rho_t = min(1e-2, 1 / sqrt(t))`` at step ``t = count + 1``."""
    return jnp.minimum(1e-2, 1 / jnp.sqrt(jnp.asarray(count + 1, jnp.result_type(float))))


def _real_dtype(dtype: Any) -> Any:
    """The dtype of ``|x|^2`` for ``x`` of ``dtype`` (float32 for complex64)."""
    return jnp.finfo(dtype).dtype


def _placeholder(p: jax.Array) -> jax.Array:
    return jnp.zeros((1,), _real_dtype(p.dtype))


def _init_leaf(h, p: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    dims = factored_dims(p.shape, h.factored, h.min_dim_size_to_factor)
    real = _real_dtype(p.dtype)
    if dims is None:
        return _placeholder(p), _placeholder(p), jnp.zeros(p.shape, real)
    i, j = dims
    shape = np.array(p.shape)
    return (
        jnp.zeros(np.delete(shape, j), real),
        jnp.zeros(np.delete(shape, i), real),
        _placeholder(p),
    )


def _momentum_dtype(h, p: jax.Array) -> Any:
    dtype = p.dtype if h.dtype_momentum is None else jnp.dtype(h.dtype_momentum)
    return _tree.wider_dtype(dtype, jnp.complex64) if jnp.iscomplexobj(p) else dtype


def _init(h, params):
    v_row, v_col, v = _tree.map_unzipped(lambda p: _init_leaf(h, p), params, 3)
    ema = None
    if h.momentum is not None:
        ema = _tree.tree_map(lambda p: jnp.zeros(p.shape, _momentum_dtype(h, p)), params)
    return AdafactorState(jnp.zeros([], jnp.int32), v_row, v_col, v, ema)


def _decay(h, count: jax.Array) -> jax.Array:
    """``beta_t = 1 - t^(-c)`` with ``t = count - decay_offset + 1``, in float32 (as optax)."""
    t = jnp.asarray(count - h.decay_offset + 1, jnp.float32)
    return 1.0 - t ** (-h.decay_rate)


def _scaled_leaf(h, beta, g, v_row, v_col, v):
    """``U`` and the new ``R``, ``C``, ``V`` of one leaf (placeholders where unused)."""
    real = _real_dtype(g.dtype)
    wide = _tree.wider_dtype(beta.dtype, real)  # where optax's float32 beta_t meets the leaf
    b, one_minus_b = beta.astype(wide), (1 - beta).astype(wide)
    g2 = (jnp.conj(g) * g).real + h.eps

    def average(old, new):
        return (b * old.astype(wide) + one_minus_b * new.astype(wide)).astype(real)

    dims = factored_dims(g.shape, h.factored, h.min_dim_size_to_factor)
    if dims is None:
        v = average(v, g2)
        return g * (v**-0.5).astype(g.dtype), v_row, v_col, v
    i, j = dims  # rows i (second largest axis), columns j (largest)
    r = average(v_row, jnp.mean(g2, axis=j))
    c = average(v_col, jnp.mean(g2, axis=i))
    row_factor = (r / jnp.mean(r, axis=i - 1 if i > j else i, keepdims=True)) ** -0.5
    u = g * jnp.expand_dims(row_factor, j).astype(g.dtype)
    return u * jnp.expand_dims(c**-0.5, i).astype(g.dtype), r, c, v


def _rms(x: jax.Array) -> jax.Array:
    return jnp.sqrt(jnp.mean((jnp.conj(x) * x).real))


def _clipped(h, u: jax.Array) -> jax.Array:
    """``U / max(1, RMS(U) / d)``."""
    return u / jnp.maximum(1.0, _rms(u) / h.clipping_threshold).astype(u.dtype)


def _parameter_scale(p: jax.Array) -> jax.Array:
    """``max(eps2, RMS(W))``, written as optax's ``safe_root_mean_squares`` (which recomputes
    the RMS of a masked copy, so that XLA rounds it the same way)."""
    small = _rms(p) <= MIN_PARAMETER_SCALE
    return jnp.where(small, MIN_PARAMETER_SCALE, _rms(jnp.where(small, jnp.ones_like(p), p)))


def _step(h, u, state, params):
    """From ``U`` to the step ``m + lambda W``, and the new momentum."""
    if h.clipping_threshold is not None:
        u = _tree.tree_map(lambda u: _clipped(h, u), u)
    rho = paper_relative_step if h.learning_rate is None else h.learning_rate
    u = _tree.scale(u, _tree.learning_rate_at(rho, state.count))
    if h.multiply_by_parameter_scale:
        u = _tree.tree_map(lambda u, p: u * _parameter_scale(p).astype(u.dtype), u, params)
    ema = state.ema
    if h.momentum is not None:
        m = _tree.ema_widest(u, state.ema, h.momentum)  # optax's float32 m meets the leaf
        u, ema = _tree.cast_like(m, u), _tree.cast_like(m, state.ema)
    mask = h.weight_decay_mask
    if h.weight_decay_rate is not None:
        lam = _tree.learning_rate_at(h.weight_decay_rate, state.count)
        u = _tree.with_weight_decay(
            u, params, lam, mask, who="adafactor", mask_name="weight_decay_mask"
        )
    elif mask is not None:  # unused, but a wrong mask is still an error
        check_mask_tree("weight_decay_mask", mask(params) if callable(mask) else mask, params)
    return u, ema


def _update(h, grads, state, params=None, **extra_args):
    beta = _decay(h, state.count)
    u, v_row, v_col, v = _tree.map_unzipped(
        lambda *a: _scaled_leaf(h, beta, *a), grads, 4, state.v_row, state.v_col, state.v
    )
    step, ema = _step(h, u, state, params)
    new_state = AdafactorState(jnp.asarray(optax.safe_increment(state.count)), v_row, v_col, v, ema)
    return _tree.tree_map(jnp.negative, step), new_state


_update.needs_params = True  # the factored statistics are not shaped like the parameters
