"""Selection in a :class:`~jaxdescent.SweepResult` (``sel``, ``isel``): where a value or a
position lies on a dim, and the result of the runs taken there.

Every function reads the result's fields through ``np.asarray`` (or indexes them
first), so ``jax.Array`` and NumPy fields are alike.
"""

from __future__ import annotations

import dataclasses
import operator
from typing import Any

import jax
import numpy as np

from jaxdescent._results_io import RUN_FIELDS

PyTree = Any


def is_list(value: Any) -> bool:
    """A list of values (a Python list or tuple, or a 1-D array), as opposed to one value."""
    return isinstance(value, list | tuple) or (
        isinstance(value, np.ndarray | jax.Array) and np.ndim(value) == 1
    )


def _number(name: str, value: Any) -> float:
    """``value`` as a float; a non-number or NaN is an error naming ``name``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`sel` takes numbers: got {name}={value!r}") from None
    if np.isnan(number):
        raise ValueError(f"`sel` got {name}=nan: NaN equals no coordinate; give a number")
    return number


def _matches(coord: np.ndarray, value: Any) -> np.ndarray:
    """Where ``coord`` equals ``value`` cast to its dtype (an integer coord: cast exactly)."""
    value = np.asarray(value)
    with np.errstate(all="ignore"):
        cast = value.astype(coord.dtype)
    if not np.issubdtype(coord.dtype, np.inexact) and cast != value:
        return np.zeros(coord.shape, bool)  # 1.5 is no position, -1 no unsigned seed
    return coord == cast


def is_categorical(coord: np.ndarray) -> bool:
    """A coordinate of names or flags (a categorical dim), not of numbers."""
    return coord.dtype.kind in "bUS"


def _show(coord: np.ndarray) -> str:
    """A coordinate's values, e.g. ``[0.001, 0.01, 0.1]`` (the first and last three of many)."""
    form = "{!r}" if is_categorical(coord) else "{:.6g}"
    shown = [form.format(v) for v in coord.tolist()]
    return "[" + ", ".join(shown if len(shown) <= 8 else [*shown[:3], "...", *shown[-3:]]) + "]"


def _category(name: str, coord: np.ndarray, value: Any, method: str | None) -> int:
    """The position of a name or flag on a categorical dim (equal, and of the same kind)."""
    if method == "nearest":
        raise ValueError(f"`sel`: method='nearest' needs numbers, but dim {name!r} is categorical")
    kind = np.asarray(value).dtype.kind
    same = kind == coord.dtype.kind or {kind, coord.dtype.kind} <= {"U", "S"}
    hits = np.flatnonzero(coord == value) if same else []
    if not len(hits):
        raise ValueError(
            f"`sel`: {name}={value!r} is not a coordinate of dim {name!r}, whose values are "
            f"{_show(coord)}"
        )
    return int(hits[0])


def _position(name: str, coord: Any, value: Any, method: str | None) -> int:
    if is_categorical(np.asarray(coord)):
        return _category(name, np.asarray(coord), value, method)
    number, coord = _number(name, value), np.asarray(coord)
    if method == "nearest":
        return int(np.argmin(np.abs(coord.astype(np.float64) - number)))
    hits = np.flatnonzero(_matches(coord, value))
    if not hits.size:
        raise ValueError(
            f"`sel`: {name}={value!r} is not a coordinate of dim {name!r}, whose values are "
            f"{_show(coord)}; pass method='nearest' for the nearest one"
        )
    return int(hits[0])


def positions(name: str, coord: Any, value: Any, method: str | None) -> int | list[int]:
    """The position of ``value`` on the dim ``name`` (equal after casting to the coord's dtype,
    or the nearest), or the positions of a list of values."""
    if not is_list(value):
        return _position(name, coord, value, method)
    if not len(value):
        raise ValueError(f"`sel` got an empty list for {name!r}: give at least one value")
    return [_position(name, coord, v, method) for v in value]


def _sample(coords: dict[str, Any], wanted: dict[str, Any], method: str | None) -> int:
    """The sample whose paired values equal ``wanted`` (or the nearest, distances scaled by
    each hyperparameter's spread)."""
    asked = {name: _number(name, value) for name, value in wanted.items()}
    if method == "nearest":
        distance = 0.0
        for name, number in asked.items():
            column = np.asarray(coords[name], np.float64)
            distance = distance + np.abs(column - number) / (np.ptp(column) or 1.0)
        return int(np.argmin(distance))
    hit = np.logical_and.reduce([_matches(np.asarray(coords[k]), v) for k, v in wanted.items()])
    if not hit.any():
        values = ", ".join(f"{k}={v!r}" for k, v in wanted.items())
        raise ValueError(
            f"`sel`: no sample (the dim 'sample' of pairing='zip') has {values}; "
            "pass method='nearest' for the nearest sample"
        )
    return int(np.flatnonzero(hit)[0])


def sample_positions(coords: dict[str, Any], wanted: dict[str, Any], method: str | None) -> Any:
    """The sample of the paired values ``wanted``, or one sample per i-th values of lists."""
    lists = {name: len(v) for name, v in wanted.items() if is_list(v)}
    if not lists:
        return _sample(coords, wanted, method)
    if len(set(lists.values())) != 1 or 0 in lists.values():
        raise ValueError(f"`sel` needs lists of one non-zero length for paired values, got {lists}")
    n = next(iter(lists.values()))
    picks = [{k: v[i] if k in lists else v for k, v in wanted.items()} for i in range(n)]
    return [_sample(coords, pick, method) for pick in picks]


def _index(dim: str, size: int, i: Any) -> int:
    try:
        if isinstance(i, bool | np.bool_):
            raise TypeError
        i = operator.index(i)
    except TypeError:
        raise TypeError(
            f"`isel` takes integer positions: got {dim}={i!r} (select by value with `sel`)"
        ) from None
    if not -size <= i < size:
        raise IndexError(
            f"`isel`: {dim}={i} is out of range: dim {dim!r} has {size} positions "
            f"(0 to {size - 1}, or -{size} to -1)"
        )
    return i % size


def check_positions(dim: str, size: int, where: Any) -> int | list[int]:
    """Positions given to ``isel`` on a dim of ``size``, in range (negatives from the end)."""
    if not is_list(where):
        return _index(dim, size, where)
    if not len(where):
        raise ValueError(f"`isel` got an empty list for {dim!r}: give at least one position")
    return [_index(dim, size, i) for i in where]


def _check_names(method: str, names: Any, known: list[str]) -> None:
    if unknown := sorted(set(names) - set(known)):
        raise ValueError(
            f"`{method}` got unknown coordinate(s) {unknown}; this result has {sorted(known)}"
        )


def where_values(result: Any, coords: dict[str, Any], method: str | None) -> dict[str, Any]:
    """``sel``'s arguments as positions on the dims (the paired values' as ``"sample"``'s)."""
    if method not in (None, "nearest"):
        raise ValueError(f"`method` must be None (exact) or 'nearest', got {method!r}")
    paired = {name: v for name, v in coords.items() if name not in result.dims}
    _check_names("sel", coords, [*result.dims, *(n for n in result.coords if n not in result.dims)])
    if paired and "sample" in coords:
        raise ValueError("`sel`: give `sample` or the paired hyperparameters, not both")
    where = {
        d: positions(d, result.coords[d], v, method) for d, v in coords.items() if d not in paired
    }
    if paired:
        where["sample"] = sample_positions(result.coords, paired, method)
    return where


def where_positions(result: Any, given: dict[str, Any]) -> dict[str, Any]:
    """``isel``'s arguments, checked, as positions on the dims."""
    _check_names("isel", given, list(result.dims))
    return {d: check_positions(d, result.shape[result.dims.index(d)], w) for d, w in given.items()}


def _tree_map(f, tree: PyTree) -> PyTree:
    return None if tree is None else jax.tree_util.tree_map(f, tree)


def take(result: Any, where: dict[str, int | list[int]]) -> Any:
    """The runs of ``result`` at positions ``where`` (an int drops the dim, a list keeps it)."""

    def runs(x: Any) -> Any:  # one axis at a time, the last first: two lists make a grid
        for axis in reversed(range(len(result.dims))):
            if (w := where.get(result.dims[axis])) is not None:
                x = x[(slice(None),) * axis + (np.asarray(w) if isinstance(w, list) else w,)]
        return x

    fields = {f: _tree_map(runs, getattr(result, f)) for f in RUN_FIELDS}
    coords = {}
    for name, values in result.coords.items():
        dim = name if name in result.dims else "sample"
        if dim not in where:
            coords[name] = values
        elif isinstance(where[dim], list):
            coords[name] = np.asarray(values)[where[dim]]
    dims = tuple(d for d in result.dims if not isinstance(where.get(d, []), int))
    return dataclasses.replace(result, dims=dims, coords=coords, **fields)
