"""Which configurations of a :class:`~jaxdescent.SweepResult` are best (``best``,
``summary``): each run's metric (the final loss or a final evaluation), reduced over
some dims, and the configurations of the other dims ranked by it.

Every function reads the result's fields through ``np.asarray`` (or indexes them
first), so ``jax.Array`` and NumPy fields are alike.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import numpy as np

REDUCE = {"mean": np.mean, "median": np.median, "max": np.max, "min": np.min}


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


def best_config(result: Any, metric: str, over: Any, reduce: str, mode: str, allow_diverged: bool):
    """The best configuration's coordinates and its (reduced) metric (see ``SweepResult.best``)."""
    ranking = rank(result, metric, over, reduce, mode, allow_diverged)
    if not ranking.order.size:
        what = (
            "every run diverged"
            if ranking.dims == result.dims
            else (f"every configuration over {over!r} has a run that diverged")
        )
        raise ValueError(
            f"`best` has nothing to pick: {what} (or has a non-finite {metric}); "
            "pass allow_diverged=True to rank them anyway"
        )
    i = int(ranking.order[0])
    winner = config_coords(result, ranking.dims, i)
    return {**winner, metric: ranking.value.flat[i].item()}
