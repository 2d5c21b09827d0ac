"""A metric against a swept value, mean and spread over seeds, one line per optimizer."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from jaxdescent._results_rank import metric_values
from jaxdescent.plot._common import is_sweep_result, legend_outside, new_axes

SPREADS = ("std", "range")


class SweepSummary(NamedTuple):
    """What :func:`sweep_summary` drew.

    Attributes:
      figure: the new figure, ``None`` when ``ax`` was given.
      ax: the Axes.
      lines: ``{hue label: Line2D}`` of the mean against ``x`` (label ``None``
        without a hue).
      bands: ``{hue label: PolyCollection}`` of the spread around it.
      diverged: ``{hue label: Line2D}`` ``x`` markers at the top edge where a run
        diverged (absent when none did).
    """

    figure: Figure | None
    ax: Axes
    lines: dict[str | None, Line2D]
    bands: dict[str | None, PolyCollection]
    diverged: dict[str | None, Line2D]


class Summary(NamedTuple):
    """One line's numbers: ``x`` sorted, the mean and the band over the reduced runs."""

    x: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    diverged: np.ndarray  # (n_x,) bool: some run at this x diverged
    count: int  # runs reduced per point


def _over(over: Any) -> tuple[str, ...]:
    """``over`` as a tuple of dim names (``None``: none)."""
    return () if over is None else (over,) if isinstance(over, str) else tuple(over)


def _check(result: Any, metric: str, x: str, over: tuple[str, ...]) -> None:
    """Every dim other than ``x`` and ``over`` must have one value (select it first)."""
    dims = tuple(result.dims)
    if x not in dims:
        raise ValueError(f"`x` must be a dim of the sweep, one of {dims}; got {x!r}")
    if not set(over) <= set(dims) or x in over:
        raise ValueError(
            f"`over` must name dims of the sweep other than `x` ({dims}), or be None; got {over!r}"
        )
    extra = [
        d
        for d, n in zip(dims, np.shape(result.final_loss), strict=True)
        if d != x and d not in over and n > 1
    ]
    if extra:
        raise ValueError(
            f"sweep_summary draws {metric} against `{x}`, reduced over {over!r}; {extra} also "
            f"vary: pass one of them as `hue`, or select one value first, e.g. "
            f"result.isel({extra[0]}=0)"
        )


def summarize(result: Any, metric: str, x: str, over: tuple[str, ...], spread: str) -> Summary:
    r"""The mean of ``metric`` over ``over`` at each ``x``, with its band.

    The band is mean +- one standard deviation (``spread="std"``, ``ddof=0``) or
    the lowest to the highest run (``"range"``). Runs that diverged or whose
    metric is not finite are left out of both; ``diverged`` flags where that
    happened.
    """
    _check(result, metric, x, over)
    dims = tuple(result.dims)
    values = np.where(np.asarray(result.diverged, bool), np.nan, metric_values(result, metric))
    values[~np.isfinite(values)] = np.nan
    order = [dims.index(x)] + [dims.index(d) for d in over]
    rest = [i for i in range(len(dims)) if i not in order]
    v = np.transpose(values, order + rest).reshape(result.shape[order[0]], -1)
    xs = np.asarray(result.coords[x], np.float64)
    sort = np.argsort(xs)
    v, xs = v[sort], xs[sort]
    with warnings.catch_warnings():  # a point with no finite run is a gap, not a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(v, axis=1)
        if spread == "std":
            half = np.nanstd(v, axis=1)
            low, high = mean - half, mean + half
        else:
            low, high = np.nanmin(v, axis=1), np.nanmax(v, axis=1)
    return Summary(xs, mean, low, high, np.asarray(np.isnan(v).any(axis=1)), v.shape[1])


def _groups(result: Any, hue: str | None) -> dict[str | None, Any]:
    """``{label: result}``: a mapping as given, one entry per ``hue`` coordinate, or the whole."""
    if isinstance(result, Mapping):
        if not result or not all(is_sweep_result(r) for r in result.values()):
            raise TypeError("`result` must be a SweepResult or a non-empty {label: SweepResult}")
        return {str(k): r for k, r in result.items()}
    if not is_sweep_result(result):
        raise TypeError(
            f"`result` must be a SweepResult (from jaxdescent.sweep), got {type(result).__name__}"
        )
    if hue is None:
        return {None: result}
    if hue not in result.dims:
        raise ValueError(f"`hue` must be a dim of the sweep, one of {result.dims}; got {hue!r}")
    labels = np.asarray(result.coords[hue])
    return {str(label): result.isel(**{hue: i}) for i, label in enumerate(labels)}


def sweep_summary(
    result: Any,
    metric: str = "final_loss",
    *,
    x: str = "learning_rate",
    over: str | Sequence[str] | None = "seed",
    hue: str | None = "optimizer",
    spread: str = "std",
    ax: Axes | None = None,
) -> SweepSummary:
    r"""Draw a metric against a swept value: the mean over seeds, its spread, one line per hue.

    For each value of ``x`` the final ``metric`` of the runs along ``over`` is
    reduced to its mean, drawn as a line, and to a band: mean +- one standard
    deviation, or the lowest to the highest run. Diverged runs are left out and
    marked by an ``x`` at the top edge, at their ``x``. Each value of ``hue``
    (e.g. the ``optimizer`` dim of a sweep over several factories) gets its own
    line; a mapping ``{label: SweepResult}`` does the same for separate sweeps.

    Args:
      result: a ``SweepResult``, or ``{label: SweepResult}`` (one line each).
      metric: ``"final_loss"`` or an evaluation's name (``"accuracy"``): its last value.
      x: the swept dim on the x axis (log scale for positive values spanning a
        factor of 10 or more).
      over: the dim (or dims, e.g. ``("start", "seed")``) to reduce over, or
        ``None`` (then each point is one run).
      hue: the dim giving one line per value (ignored for a mapping, or when the
        result has no such dim and ``hue`` is the default).
      spread: ``"std"`` or ``"range"``.
      ax: the Axes to draw on; ``None`` builds a new ``Figure``.

    Returns:
      A :class:`SweepSummary` with every artist.

    Raises:
      ValueError, TypeError: for a result that is not a sweep, unknown dims or
        metric, or dims other than ``x``, ``over`` and ``hue`` that vary.

    Example:
      >>> import numpy as np, jaxdescent as jd
      >>> res = jd.sweep(lambda w, key: w @ w, jd.sgd, x0=np.ones(2, np.float32), steps=3,
      ...                learning_rate=[0.1, 0.2], seeds=2)
      >>> drawn = jd.plot.sweep_summary(res)  # no optimizer dim: one line
      >>> [round(float(y), 4) for y in drawn.lines[None].get_ydata()]  # 2 (1 - 2 lr)^6
      [0.5243, 0.0933]
    """
    if spread not in SPREADS:
        raise ValueError(f"`spread` must be one of {SPREADS}, got {spread!r}")
    if hue == "optimizer" and is_sweep_result(result) and hue not in result.dims:
        hue = None
    over = _over(over)
    sums = {k: summarize(r, metric, x, over, spread) for k, r in _groups(result, hue).items()}
    figure, ax = new_axes(ax)
    lines, bands, marks = {}, {}, {}
    for i, (label, s) in enumerate(sums.items()):
        color = f"C{i % 10}"
        bands[label] = ax.fill_between(s.x, s.low, s.high, color=color, alpha=0.2, lw=0)
        (lines[label],) = ax.plot(s.x, s.mean, "o-", color=color, ms=3, lw=1.5, label=label)
        if s.diverged.any():
            (marks[label],) = ax.plot(
                s.x[s.diverged],
                np.ones(int(s.diverged.sum())),
                "x",
                color=color,
                ms=8,
                mew=2,
                ls="none",
                clip_on=False,
                transform=ax.get_xaxis_transform(),
            )
    every = np.concatenate([s.x for s in sums.values()])
    if np.all(every > 0) and every.max() >= 10 * every.min():
        ax.set_xscale("log")
    count = next(iter(sums.values())).count
    how = "mean ± std" if spread == "std" else "mean, min to max"
    ax.set(xlabel=x, ylabel=metric)
    if len(over) == 1:
        ax.set_title(f"{how} over {count} {over[0]}s", fontsize="medium")
    elif over:
        ax.set_title(f"{how} over {count} runs ({' x '.join(over)})", fontsize="medium")
    if any(sums):
        legend_outside(ax, title=hue)
    return SweepSummary(figure, ax, lines, bands, marks)
