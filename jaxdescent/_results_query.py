"""What a :class:`~jaxdescent.SweepResult` answers: where a value lies on a dim (``sel``,
``isel``), and which configurations are best (``best``, ``summary``).

Every function reads the result's fields through ``np.asarray`` (or indexes them
first), so ``jax.Array`` and NumPy fields are alike.
"""

from __future__ import annotations

import operator
from typing import Any, NamedTuple

import jax
import numpy as np

REDUCE = {"mean": np.mean, "median": np.median, "max": np.max, "min": np.min}


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


def named_leaves(tree: Any, prefix: str) -> dict[str, Any]:
    """The leaves of ``tree`` named ``prefix/key/path`` (a lone array: ``prefix``)."""
    flat, _ = jax.tree_util.tree_flatten_with_path(tree)
    keystr = jax.tree_util.keystr
    return {
        "/".join(filter(None, [prefix, keystr(p, simple=True, separator="/")])): x for p, x in flat
    }


def final_evaluations(result: Any) -> dict[str, np.ndarray]:
    """The last evaluation of each scalar evaluation leaf, ``(*shape,)``, named
    ``evaluation/NAME`` (leaves holding more than a number per evaluation are left out)."""
    rank = len(result.dims) + 1
    leaves = named_leaves(result.evaluations, "evaluation")
    return {
        name: np.asarray(x[..., -1])
        for name, x in leaves.items()
        if np.ndim(x) == rank and np.shape(x)[-1] > 0
    }


def metric_values(result: Any, metric: str) -> np.ndarray:
    """``final_loss``, or the last evaluation ``metric`` (``"accuracy"`` or
    ``"evaluation/accuracy"``), of every run: float64 ``(*shape,)``."""
    if metric == "final_loss":
        return np.asarray(result.final_loss, np.float64)
    finals = final_evaluations(result)
    for name in (metric, f"evaluation/{metric}"):
        if isinstance(metric, str) and name in finals:
            return np.asarray(finals[name], np.float64)
    known = ["final_loss", *(name.removeprefix("evaluation/") for name in finals)]
    raise ValueError(
        f"`metric` must be one of {known} (the final loss, or an evaluation holding one number "
        f"per run), got {metric!r}"
    )


def check_over(dims: tuple[str, ...], over: Any) -> tuple[str, ...]:
    """``over`` as a tuple of distinct dims of the result (one name may be given alone)."""
    over = (over,) if isinstance(over, str) else tuple(over)
    unknown = [d for d in over if d not in dims]
    if unknown or len(set(over)) != len(over):
        raise ValueError(f"`over` must name distinct dims among {list(dims)}, got {over}")
    return over


class Ranking(NamedTuple):
    """Configurations (the dims not reduced over) ranked by a metric reduced over the others."""

    dims: tuple[str, ...]  # the configuration dims
    value: np.ndarray  # (*configuration shape,) the reduced metric
    bad: np.ndarray  # (*configuration shape,) runs that diverged (or whose metric is not finite)
    runs: int  # runs per configuration
    order: np.ndarray  # flat indices of the configurations that may win, best first


def rank(result: Any, metric: str, over: Any, reduce: str, mode: str, allow_diverged: bool):
    """Rank the configurations; one with a bad run never wins unless ``allow_diverged``."""
    over = check_over(result.dims, over)
    if reduce not in REDUCE:
        raise ValueError(f"`reduce` must be one of {list(REDUCE)}, got {reduce!r}")
    if mode not in ("min", "max"):
        raise ValueError(f"`mode` must be 'min' or 'max', got {mode!r}")
    values = metric_values(result, metric)
    bad = np.asarray(result.diverged, bool) | ~np.isfinite(values)
    axes = tuple(result.dims.index(d) for d in over)
    value = REDUCE[reduce](values, axis=axes) if axes else values
    n_bad = bad.sum(axis=axes) if axes else bad.astype(int)
    eligible = np.flatnonzero((~np.isnan(value) & (allow_diverged | (n_bad == 0))).ravel())
    key = value.ravel()[eligible] * (1.0 if mode == "min" else -1.0)
    order = eligible[np.argsort(key, kind="stable")]
    runs = int(np.prod([result.shape[a] for a in axes]))
    dims = tuple(d for d in result.dims if d not in over)
    return Ranking(dims, np.asarray(value), n_bad, runs, order)


def config_coords(result: Any, dims: tuple[str, ...], flat: int) -> dict[str, Any]:
    """The coordinates (paired hyperparameters included) of configuration ``flat`` on ``dims``."""
    shape = tuple(len(result.coords[d]) for d in dims)
    out: dict[str, Any] = {}
    for dim, i in zip(dims, np.unravel_index(flat, shape), strict=True):
        out[dim] = np.asarray(result.coords[dim])[i].item()
        if dim == "sample":
            paired = [name for name in result.coords if name not in result.dims]
            out.update({name: np.asarray(result.coords[name])[i].item() for name in paired})
    return out


def describe_over(result: Any, over: tuple[str, ...], reduce: str) -> str:
    """E.g. ``"mean over seed (4)"``; empty when nothing is reduced."""
    sizes = " x ".join(f"{d} ({result.shape[result.dims.index(d)]})" for d in over)
    return f"{reduce} over {sizes}" if over else ""
