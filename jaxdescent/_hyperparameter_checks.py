"""Checks that optimizer factories run on their hyperparameters when an optimizer is built.

Averaging coefficients in [0, 1), non-negative and positive numbers, learning rates
and their schedules, ordered pairs, masks and the dtypes moments are stored in. Each
builds on the checks of single values in :mod:`jaxdescent._checks`: a concrete array
is checked entry by entry, a traced one by its dtype only.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxdescent._checks import (
    check_float_dtype,
    check_number,
    check_range,
    is_real_dtype,
    is_traced,
    shown,
)


def check_decay(**named: Any) -> None:
    """Averaging coefficients (``b1``, ``b2``, ``decay``, ``rho`` ...) must lie in [0, 1)."""
    for name, value in named.items():
        check_range(name, value, 0.0, 1.0, high_open=True)


def check_nonnegative(**named: Any) -> None:
    """Each named value must be finite and >= 0."""
    for name, value in named.items():
        check_range(name, value, 0.0, math.inf, high_open=True)


def check_positive(**named: Any) -> None:
    """Each named value must be finite and > 0."""
    for name, value in named.items():
        check_range(name, value, 0.0, math.inf, low_open=True, high_open=True)


def check_learning_rate(value: Any, name: str = "learning_rate") -> None:
    """A learning rate is a finite number >= 0, a real array of them, or a schedule callable
    (traced once, abstractly, to check that it returns a real number)."""
    if callable(value) and not isinstance(value, np.ndarray | jax.Array):
        check_schedule(name, value)
        return
    check_number(
        name,
        value,
        "a finite number >= 0, a float array or a schedule (a callable of the step count)",
        lambda x: np.isfinite(x) & (x >= 0),
    )


def check_schedule(name: str, schedule: Any) -> None:
    """A schedule maps the int32 step count to a real number: traced once, without compute,
    as ``jit`` will trace it."""
    count = jax.ShapeDtypeStruct((), jnp.int32)
    try:
        out = jax.eval_shape(schedule, count)
    except Exception as error:
        raise TypeError(
            f"`{name}` is a schedule, so it must be a traceable function of the step count "
            f"(an int32 array); calling {shown(schedule)} failed: {type(error).__name__}: {error}"
        ) from error
    number = isinstance(out, jax.ShapeDtypeStruct) and out.shape == ()
    if not (number and is_real_dtype(out.dtype)):
        raise TypeError(
            f"`{name}` is a schedule, so it must return a real number (a scalar) for the step "
            "count; "
            f"{shown(schedule)} returned {shown(out)}"
        )


def check_order(low_name: str, low: Any, high_name: str, high: Any) -> None:
    """``low <= high`` entry by entry, for numbers or concrete arrays (broadcast together)."""
    if any(is_traced(v) or callable(v) for v in (low, high)):
        return
    low_values, high_values = np.asarray(low, np.float64), np.asarray(high, np.float64)
    inverted = low_values > high_values
    if np.any(inverted):
        pair = np.broadcast_arrays(low_values, high_values)
        first = np.argwhere(inverted)[0] if inverted.ndim else ()
        lo, hi = (float(x[tuple(first)]) for x in pair)
        raise ValueError(f"`{low_name}` must be <= `{high_name}`, got {lo!r} > {hi!r}")


def check_mask(name: str, mask: Any) -> None:
    """``None``, a callable of the parameters, or a pytree of Python bools (a prefix of the
    parameters' structure: checked where the parameters are known, in ``update``)."""
    if mask is None or callable(mask):
        return
    leaves = jax.tree_util.tree_leaves(mask)
    if not all(isinstance(leaf, bool | np.bool_) for leaf in leaves):
        raise TypeError(
            f"`{name}` must be None, a callable of the parameters or a pytree of bools, "
            f"got {shown(mask)}"
        )


def check_mask_tree(name: str, mask: Any, params: Any) -> None:
    """At trace time: a mask (or what its callable returned) is a pytree of bools whose
    structure is a prefix of the parameters'."""
    check_mask(name, None if callable(mask) else mask)
    try:
        jax.tree_util.tree_map(lambda m, x: None, mask, params)
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must have the parameters' structure (or a prefix of it): expected "
            f"{jax.tree_util.tree_structure(params)}, got {shown(mask)}"
        ) from None


def check_moment_dtype(name: str, value: Any) -> None:
    """``None`` or an inexact dtype, real or complex (``jnp.bfloat16``, ``"complex64"`` ...): the
    dtype an optimizer stores a moment in, which optax allows to be complex."""
    if value is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                complex_ok = jnp.issubdtype(jnp.dtype(value), jnp.complexfloating)
        except (TypeError, ValueError, Warning):
            complex_ok = False
        if complex_ok and not isinstance(value, np.ndarray | jax.Array | np.generic):
            return
    check_float_dtype(name, value)
