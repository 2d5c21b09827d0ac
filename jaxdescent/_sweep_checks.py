"""Checks of what a sweep is given beyond one descent's inputs: the keywords its factory
accepts, the hyperparameters to sweep, seeds, a batch of starts, and that nothing is traced.

Every message names the argument, what is allowed and what was given.
"""

from __future__ import annotations

import inspect
import numbers
from typing import Any, NamedTuple

import jax
import numpy as np

from jaxdescent._checks import check_positive_int, is_real_dtype, is_traced, shown


class FactoryKeywords(NamedTuple):
    """What a factory's signature says, read once per sweep."""

    accepted: frozenset[str] | None  # None: any keyword (``**kwargs``) or no signature
    floats: frozenset[str]  # the keywords whose default is a float


def check_factory_keywords(factory: Any, hyperparameters: dict[str, Any]) -> FactoryKeywords:
    """Every keyword is one the factory accepts, and every required one is given."""
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return FactoryKeywords(None, frozenset())
    floats = frozenset(p.name for p in parameters if isinstance(p.default, float))
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return FactoryKeywords(None, floats)
    accepted = {p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.POSITIONAL_ONLY)}
    name = getattr(factory, "__name__", repr(factory))
    unknown = sorted(set(hyperparameters) - accepted)
    if unknown:
        raise ValueError(
            f"unknown hyperparameter(s) {', '.join(f'`{u}`' for u in unknown)} for "
            f"`optimizer_factory` {name}; it accepts {sorted(accepted)}"
        )
    missing = [
        p.name
        for p in parameters
        if p.default is p.empty and p.name not in hyperparameters and p.name in accepted
    ]
    if missing:
        raise ValueError(f"`optimizer_factory` {name} needs {missing}: pass them to sweep")
    return FactoryKeywords(frozenset(accepted), floats)


def check_hyperparameter(name: str, value: Any) -> np.ndarray:
    """A swept (non-empty 1-D) or fixed (scalar) hyperparameter of finite real numbers."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):  # ragged nesting, or values NumPy cannot hold
        array = np.asarray(None)
    if not is_real_dtype(array.dtype):
        raise TypeError(
            f"`{name}` must hold real numbers to sweep (a scalar or a 1-D list), "
            f"got {shown(value)} of dtype {array.dtype}"
        )
    if array.ndim > 1 or (array.ndim == 1 and array.size == 0):
        raise ValueError(
            f"`{name}` must be a scalar (fixed) or a non-empty 1-D sequence of values (swept), "
            f"got shape {array.shape}"
        )
    if not np.all(np.isfinite(array.astype(np.float64))):
        raise ValueError(f"`{name}` must hold finite numbers, got {shown(value)}")
    return array


def check_seeds(seeds: Any) -> np.ndarray:
    """Seeds: a count ``n`` (seeds ``0..n-1``) or a 1-D sequence of integers in [0, 2**32)."""
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool | np.bool_):
        check_positive_int("seeds", seeds)
        return np.arange(int(seeds), dtype=np.uint32)
    try:
        array = np.asarray(seeds)
    except (TypeError, ValueError):
        array = np.asarray(None)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(
            f"`seeds` must be a count or integers (one PRNG key each), got {shown(seeds)}"
        )
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"`seeds` must be a count or a non-empty 1-D sequence, got {shown(seeds)}")
    if array.min() < 0 or array.max() >= 2**32:
        raise ValueError(f"`seeds` must lie in [0, 2**32), got {shown(seeds)}")
    return array.astype(np.uint32)


def check_starts(starts: Any) -> Any:
    """A batch of starting points: every leaf shares one non-empty leading axis."""
    lengths = {np.shape(x)[0] if np.ndim(x) else None for x in jax.tree_util.tree_leaves(starts)}
    if None in lengths or len(lengths) != 1 or 0 in lengths:
        raise ValueError(
            "`starts` must be a pytree of arrays sharing one non-empty leading axis (one entry "
            f"per start); got leading lengths {sorted(map(str, lengths))}"
        )
    return starts


def check_not_traced(**named: Any) -> None:
    """``sweep``'s inputs are concrete: a sweep runs its own compiled program."""
    for name, value in named.items():
        if any(is_traced(leaf) for leaf in jax.tree_util.tree_leaves(value)):
            raise TypeError(
                f"`{name}` is a traced value: sweep was called inside jax.jit, vmap or grad, "
                "but a sweep compiles and runs its own program and cannot be traced. Pass the "
                "values to sweep itself (a list is swept), or jax.vmap a function that calls "
                "jaxdescent.minimize"
            )
