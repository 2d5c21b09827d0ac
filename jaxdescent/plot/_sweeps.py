"""Sweep plots: final loss against the learning rate, and a heatmap over two hyperparameters."""

from __future__ import annotations

from typing import Any, NamedTuple

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import QuadMesh
from matplotlib.colorbar import Colorbar
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from jaxdescent.plot._common import (
    check_log_axis,
    config_label,
    is_sweep_result,
    legend_outside,
    new_axes,
    sweep_axis,
)


class LrSweep(NamedTuple):
    """What :func:`lr_sweep` drew: a line per other configuration, diverged and best markers."""

    figure: Figure | None
    ax: Axes
    lines: list[Line2D]
    diverged: Line2D | None
    best: Line2D | None


class Heatmap(NamedTuple):
    """What :func:`heatmap` drew: the mesh (diverged cells masked), markers, colour bar."""

    figure: Figure | None
    ax: Axes
    mesh: QuadMesh
    colorbar: Colorbar
    diverged: Line2D | None
    best: Line2D | None


def _check_result(result: Any) -> None:
    if not is_sweep_result(result):
        raise TypeError(
            f"expected a SweepResult (from jaxdescent.sweep), got {type(result).__name__}"
        )


def _columns(result: Any, axis: int) -> tuple[np.ndarray, np.ndarray, list[tuple[int, ...]]]:
    """Final loss and divergence as (n_values, n_other); the index of each other configuration."""
    loss = np.moveaxis(np.asarray(result.final_loss, dtype=np.float64), axis, 0)
    diverged = np.moveaxis(np.asarray(result.diverged, dtype=bool), axis, 0)
    others = [(0, *i) for i in np.ndindex(*loss.shape[1:])]
    index = [tuple(np.insert(np.array(o[1:], int), axis, 0)) for o in others]
    return loss.reshape(len(loss), -1), diverged.reshape(len(loss), -1), index


def _best(y: np.ndarray, ok: np.ndarray) -> int | None:
    """Index of the lowest finite ``y`` among ``ok`` (the runs that did not diverge)."""
    ok = ok & np.isfinite(y)
    return None if not ok.any() else int(np.flatnonzero(ok)[np.argmin(y[ok])])


def _star(ax: Axes, x: float, y: float, label: str) -> Line2D:
    (star,) = ax.plot([x], [y], "*", color="C3", ms=14, zorder=4, ls="none", label=label)
    return star


def lr_sweep(
    result: Any,
    ax: Axes | None = None,
    *,
    dim: str = "learning_rate",
    minimum: float | None = None,
    yscale: str = "log",
) -> LrSweep:
    r"""Draw the final loss against the learning rate on a log axis.

    Runs that diverged have no final loss: they are drawn as red ``x`` markers at
    the top edge, at their learning rate. The lowest final loss among the other
    runs is starred. Other swept dimensions (seeds, starts, ``b1`` ...) give one
    line each.

    Args:
      result: a ``SweepResult`` from ``jaxdescent.sweep``.
      ax: the Axes to draw on; ``None`` builds a new ``Figure``.
      dim: the swept coordinate on the x axis.
      minimum: subtract this from the final losses (the gap to the known minimum).
      yscale: the y-axis scale.

    Returns:
      A :class:`LrSweep` with every artist.

    Raises:
      TypeError, ValueError: for a result that is not a sweep or lacks ``dim``, or
        a log axis with no positive final loss to show (pass ``minimum``).
    """
    _check_result(result)
    if yscale not in ("log", "linear", "symlog"):
        raise ValueError(f"`yscale` must be 'log', 'linear' or 'symlog', got {yscale!r}")
    axis, x = sweep_axis(result, dim)
    loss, diverged, index = _columns(result, axis)
    loss = loss - (minimum or 0.0)
    check_log_axis(np.where(diverged, np.nan, loss), yscale, "lr_sweep")
    figure, ax = new_axes(ax)
    order = np.argsort(x)
    lines = []
    for j in range(loss.shape[1]):
        y = np.where(diverged[:, j], np.nan, loss[:, j])[order]
        label = config_label(result, index[j], skip=(dim, "sample")) or None
        (line,) = ax.plot(x[order], y, "o-", ms=3, lw=1.2, label=label)
        lines.append(line)
    bad = np.flatnonzero(diverged.any(axis=1))
    marks = best = None
    if bad.size:
        (marks,) = ax.plot(
            x[bad],
            np.ones(bad.size),
            "x",
            color="C3",
            ms=8,
            mew=2,
            clip_on=False,
            ls="none",
            transform=ax.get_xaxis_transform(),
            label=f"diverged ({int(diverged.sum())})",
        )
    i = _best(loss.ravel(), ~diverged.ravel())
    if i is not None:
        xi, yi = np.repeat(x, loss.shape[1])[i], loss.ravel()[i]
        best = _star(ax, xi, yi, f"best: {dim}={xi:.3g}, loss={yi:.3g}")
    if np.all(x > 0):
        ax.set_xscale("log")
    ax.set_yscale(yscale)
    ax.set_xlabel(dim)
    ax.set_ylabel("final loss" if minimum is None else "final loss - minimum")
    legend_outside(ax, "above", ncols=2)
    return LrSweep(figure, ax, lines, marks, best)


def _spacing(values: np.ndarray) -> str:
    """``"log"`` for positive values spanning a factor of 10 or more, ``"linear"`` for three or
    more evenly spaced ones, else ``"category"`` (sorted values)."""
    if np.all(values > 0) and values.max() >= 10 * values.min():
        return "log"
    step = np.diff(values)
    if len(values) >= 3 and np.allclose(step, step[0], rtol=1e-3):
        return "linear"
    return "category"


def _edges(values: np.ndarray, spacing: str) -> np.ndarray:
    """Cell edges around sorted centres: midpoints (geometric on a log axis); for categories,
    edges around the positions 0, 1, 2, ..."""
    if spacing == "category":
        return np.arange(len(values) + 1) - 0.5
    log = spacing == "log"
    v = np.log(values) if log else values.astype(np.float64)
    mid = (v[1:] + v[:-1]) / 2
    e = np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]])
    return np.exp(e) if log else e


def _axis(ax: Axes, which: str, values: np.ndarray, spacing: str) -> np.ndarray:
    """Scale the axis for ``spacing``; the positions of the cell centres on it."""
    if spacing != "category":
        getattr(ax, f"set_{which}scale")(spacing)
        return values
    labels = [f"{v:.3g}" for v in values]
    getattr(ax, f"set_{which}ticks")(np.arange(len(values)), labels=labels)
    return np.arange(len(values), dtype=np.float64)


def _grid(result: Any, x: str, y: str) -> tuple[np.ndarray, np.ndarray]:
    """Final loss and divergence as (n_y, n_x), other dims (all of size 1) dropped."""
    dims = tuple(result.dims)
    for name in (x, y):
        if name not in dims:
            raise ValueError(
                f"heatmap needs `{name}` as a grid dimension; the sweep's dims are {dims} "
                "(a pairing='zip' sweep has no grid)"
            )
    if x == y:
        raise ValueError(f"`x` and `y` must differ, both are {x!r}")
    shape = np.shape(result.final_loss)
    extra = [d for d, n in zip(dims, shape, strict=True) if d not in (x, y) and n > 1]
    if extra:
        raise ValueError(
            f"heatmap shows two dims; {extra} also vary: select one value first, "
            f"e.g. result.sel({extra[0]}=...)"
        )
    order = [dims.index(y), dims.index(x)]
    rest = [i for i in range(len(dims)) if i not in order]
    loss = np.transpose(np.asarray(result.final_loss, dtype=np.float64), order + rest)
    diverged = np.transpose(np.asarray(result.diverged, dtype=bool), order + rest)
    return loss.reshape(loss.shape[:2]), diverged.reshape(loss.shape[:2])


def heatmap(
    result: Any,
    x: str = "learning_rate",
    y: str = "b1",
    ax: Axes | None = None,
    *,
    minimum: float | None = None,
    log: bool = True,
) -> Heatmap:
    r"""Draw the final loss over a grid of two hyperparameters.

    Each cell is one configuration, coloured by its final loss (log colour scale
    by default); diverged cells are masked (grey) and crossed; the best cell is
    starred. Each cell is drawn at its values, its edges halfway between
    neighbouring values: on a log axis (geometric midpoints) for positive values
    spanning a factor of 10 or more, on a linear axis for three or more evenly
    spaced ones. Other values (``b1`` = 0.5, 0.9, 0.99, or one or two values) get
    equal cells at positions 0, 1, 2, ... with the values as tick labels, so no
    cell claims values that were never swept (a band of ``b1`` past 1).

    Args:
      result: a grid ``SweepResult``; dimensions other than ``x`` and ``y`` must
        have size 1 (select one value first).
      x, y: the two swept dimensions.
      ax: the Axes to draw on; ``None`` builds a new ``Figure``.
      minimum: subtract this from the final losses.
      log: colour by the logarithm of the final loss.

    Returns:
      A :class:`Heatmap` with every artist.

    Raises:
      TypeError, ValueError: for a result that is not a grid sweep over ``x`` and ``y``.
    """
    _check_result(result)
    loss, diverged = _grid(result, x, y)
    loss = loss - (minimum or 0.0)
    xs, ys = np.asarray(result.coords[x], np.float64), np.asarray(result.coords[y], np.float64)
    ox, oy = np.argsort(xs), np.argsort(ys)
    xs, ys = xs[ox], ys[oy]
    loss, diverged = loss[np.ix_(oy, ox)], diverged[np.ix_(oy, ox)]
    masked = np.ma.masked_where(diverged | ~np.isfinite(loss), loss)
    figure, ax = new_axes(ax)
    ok = ~np.ma.getmaskarray(masked)
    norm = LogNorm() if log and (masked.compressed() > 0).all() and ok.any() else None
    cmap = mpl.colormaps["viridis"].with_extremes(bad="0.85")
    xspacing, yspacing = _spacing(xs), _spacing(ys)
    mesh = ax.pcolormesh(_edges(xs, xspacing), _edges(ys, yspacing), masked, cmap=cmap, norm=norm)
    colorbar = ax.figure.colorbar(mesh, ax=ax, label="final loss")
    cx, cy = np.meshgrid(_axis(ax, "x", xs, xspacing), _axis(ax, "y", ys, yspacing))
    marks = None
    if diverged.any():
        (marks,) = ax.plot(cx[diverged], cy[diverged], "x", color="C3", ms=7, mew=1.5, ls="none")
        marks.set_label("diverged")
    best, i = None, _best(loss.ravel(), ok.ravel())
    if i is not None:
        xi, yi = cx.ravel()[i], cy.ravel()[i]
        label = f"best: {x}={xs[i % len(xs)]:.3g}, {y}={ys[i // len(xs)]:.3g}"
        best = _star(ax, xi, yi, label)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    legend_outside(ax, "above", ncols=2, frameon=False)
    return Heatmap(figure, ax, mesh, colorbar, marks, best)
