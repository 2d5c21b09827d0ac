"""Checks of single values, run when an object is built, before any compute.

Every message names the argument, what is allowed and what was given. A concrete
array is checked entry by entry; a traced one (under ``jit`` or ``vmap``) by its
dtype only, its numbers being unknown. The checks that optimizer factories run on
their hyperparameters build on these in :mod:`jaxdescent._hyperparameter_checks`.
"""

from __future__ import annotations

import math
import numbers
import os
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


def is_python_number(value: Any) -> bool:
    """True for a concrete Python or NumPy real scalar (not a bool, not an array)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def is_traced(value: Any) -> bool:
    """True for a value traced by ``jit``, ``vmap`` or ``grad`` (its numbers are unknown)."""
    return isinstance(value, jax.core.Tracer)


def shown(value: Any, limit: int = 120) -> str:
    """``repr(value)``, cut short for a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_real_dtype(dtype: Any) -> bool:
    return jnp.issubdtype(dtype, jnp.floating) or jnp.issubdtype(dtype, jnp.integer)


def real_values(name: str, value: Any, expected: str) -> np.ndarray | None:
    """``value``'s numbers in float64: a real number (an integer that JAX's default integer
    holds), or a floating-point array (``None`` when traced: only its dtype is known).
    Anything else is a ``TypeError``."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
        limit = jnp.iinfo(jnp.result_type(int))
        if not limit.min <= value <= limit.max:
            raise ValueError(
                f"`{name}` must be {expected}, got the integer {shown(value)}, too large for "
                f"JAX's {limit.dtype}: give it as a float"
            )
    if is_python_number(value):
        return np.asarray(float(value))
    if isinstance(value, np.ndarray | jax.Array):
        if not jnp.issubdtype(value.dtype, jnp.floating):
            raise TypeError(
                f"`{name}` must be {expected} (an array of floats), got an array of dtype "
                f"{value.dtype}: {shown(value)}"
            )
        if value.size == 0:
            raise ValueError(f"`{name}` must be {expected}, got an empty array {shown(value)}")
        return None if is_traced(value) else np.asarray(value, np.float64)
    raise TypeError(f"`{name}` must be {expected}, got {shown(value)}")


def check_number(name: str, value: Any, expected: str, ok: Any) -> None:
    """A real number or a real array every entry of which satisfies ``ok`` (vectorised over a
    float64 array); a traced array is checked for its dtype only."""
    values = real_values(name, value, expected)
    if values is None:
        return
    good = ok(values)
    if not np.all(good):
        given = shown(value) if values.ndim <= 1 else f"{values[~good].flat[0]!r} among its values"
        raise ValueError(f"`{name}` must be {expected}, got {given}")


def check_range(
    name: str,
    value: Any,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """A real number, or a real array, in the interval (NaN never is); traced: dtype only."""
    interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"

    def inside(x: np.ndarray) -> np.ndarray:
        above = x > low if low_open else x >= low
        below = x < high if high_open else x <= high
        return above & below

    check_number(name, value, f"in {interval}", inside)


def check_real_number(name: str, value: Any, expected: str, ok: Any) -> float:
    """A setting that is a Python or NumPy real number (not an array) satisfying ``ok``;
    returned as a float (an integer beyond float64's range as an infinity)."""
    if not is_python_number(value):
        raise ValueError(f"`{name}` must be {expected}, got {shown(value)}")
    if isinstance(value, int) and abs(value) > 2**1000:
        number = math.inf if value > 0 else -math.inf
    else:
        number = float(value)
    if not np.all(ok(np.asarray(number))):
        raise ValueError(f"`{name}` must be {expected}, got {shown(value)}")
    return number


def check_flag(name: str, value: Any, *, allow_none: bool = False) -> bool | None:
    """``True`` or ``False`` (a NumPy bool too); ``None`` where allowed."""
    if value is None and allow_none:
        return None
    if not isinstance(value, bool | np.bool_):
        expected = "True or False" + (" or None" if allow_none else "")
        raise TypeError(f"`{name}` must be {expected}, got {shown(value)}")
    return bool(value)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """One of the strings ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"`{name}` must be one of {choices}, got {shown(value)}")
    return value


def check_float_dtype(name: str, value: Any, *, allow_none: bool = True) -> None:
    """A floating dtype (``jnp.float32``, ``"bfloat16"`` ...); ``None`` where allowed."""
    if value is None and allow_none:
        return
    expected = "a floating dtype such as jnp.float32" + (" or None" if allow_none else "")
    error = TypeError(f"`{name}` must be {expected}, got {shown(value)}")
    if value is None or isinstance(value, np.ndarray | jax.Array | np.generic | numbers.Number):
        raise error
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            dtype = jnp.dtype(value)
    except (TypeError, ValueError, Warning):
        raise error from None
    if not jnp.issubdtype(dtype, jnp.floating):
        raise TypeError(f"`{name}` must be {expected}, got {shown(value)} ({dtype})")


def check_seed(name: str, value: Any, *, allow_none: bool = False) -> int | None:
    """An integer seed in [0, 2**32) (Python or NumPy); ``None`` where allowed."""
    if value is None and allow_none:
        return None
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)
    if not ok or not 0 <= value < 2**32:
        expected = "an integer in [0, 2**32)" + (" or None" if allow_none else "")
        raise (ValueError if ok else TypeError)(f"`{name}` must be {expected}, got {shown(value)}")
    return int(value)


def is_key(value: Any) -> bool:
    """A typed ``jax.random`` key array (``jax.random.key``)."""
    return isinstance(value, jax.Array) and jnp.issubdtype(value.dtype, jax.dtypes.prng_key)


def check_key(key: Any, name: str = "key", *, allow_none: bool = True) -> None:
    """One ``jax.random`` key: typed (``jax.random.key(0)``) or a legacy uint32 pair."""
    if key is None and allow_none:
        return
    typed = is_key(key) and key.shape == ()
    legacy = isinstance(key, jax.Array) and key.dtype == jnp.uint32 and key.shape == (2,)
    if not (typed or legacy):
        raise TypeError(
            f"`{name}` must be a jax.random key, e.g. jax.random.key(0) (one key, not a "
            f"batch); got {shown(key)}"
        )


def check_key_or_seed(key: Any) -> None:
    """``key`` of :func:`jaxdescent.noisy_sgd`: ``None``, a ``jax.random`` key, or an integer
    seed in [0, 2**32) (a 0-d integer array too, traced under ``vmap``)."""
    if key is None or (is_key(key) and key.shape == ()):
        return
    if isinstance(key, numbers.Integral) and not isinstance(key, bool | np.bool_):
        check_seed("key", key)
        return
    seed = isinstance(key, np.ndarray | jax.Array) and key.shape == ()
    seed = seed and jnp.issubdtype(key.dtype, jnp.integer)
    if seed and (is_traced(key) or 0 <= int(key) < 2**32):
        return
    raise TypeError(
        "`key` must be None, a jax.random key (jax.random.key(0)) or an integer seed in "
        f"[0, 2**32), got {shown(key)}"
    )


def check_positive_int(
    name: str, value: Any, *, allow_none: bool = False, below: int | None = 2**31, low: int = 1
) -> int | None:
    """``value`` must be an integer >= ``low`` and under ``below`` (an int32 count by default);
    Python or NumPy; ``None`` where allowed."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral) or value < low:
        expected = f"an integer >= {low}" + (" or None" if allow_none else "")
        raise ValueError(f"`{name}` must be {expected}, got {shown(value)}")
    if below is not None and value >= below:
        raise ValueError(f"`{name}` must be below {below}, got {shown(value)}")
    return int(value)


def check_optimizer(optimizer: Any, name: str = "optimizer", *, returned: bool = False) -> None:
    """An optax ``GradientTransformation``: an object with callable ``init`` and ``update``
    (``returned``: what the factory ``name`` built)."""
    if not (
        callable(getattr(optimizer, "init", None)) and callable(getattr(optimizer, "update", None))
    ):
        what = "return" if returned else "be"
        raise TypeError(
            f"`{name}` must {what} an optax GradientTransformation (an object with `init` and "
            f"`update`), e.g. jaxdescent.adam{'' if returned else '(1e-2)'}; got {shown(optimizer)}"
        )


def check_callable(name: str, value: Any, what: str) -> None:
    """``value`` must be callable; ``what`` says how it is called."""
    if not callable(value):
        raise TypeError(f"`{name}` must be {what}, got {shown(value)}")


def check_directory(name: str, value: Any) -> None:
    """``None`` or a non-empty directory path (a string or ``os.PathLike``)."""
    if value is None:
        return
    if not isinstance(value, str | os.PathLike) or not os.fspath(value):
        raise TypeError(f"`{name}` must be a directory path or None, got {shown(value)}")
