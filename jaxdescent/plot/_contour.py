"""Trajectories on the contour map of a 2-D landscape."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.contour import QuadContourSet
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from jaxdescent.plot._common import (
    Path,
    as_runs,
    default_dtype,
    grid_values,
    legend_outside,
    new_axes,
    paths,
)


class Trajectories(NamedTuple):
    """What :func:`trajectories` drew.

    Attributes:
      figure: the new figure, ``None`` when ``ax`` was given.
      ax: the Axes.
      contour: the contour set of the landscape.
      lines: ``{label: [one Line2D per run]}`` (a bare Trajectory has label ``None``).
      starts: ``{label: Line2D}`` markers at the first point of each run.
      ends: ``{label: Line2D}`` markers at the last point of each run.
      minima: the markers of the global minima, then of the local minima (or ``None``).
    """

    figure: Figure | None
    ax: Axes
    contour: QuadContourSet
    lines: dict[str | None, list[Line2D]]
    starts: dict[str | None, Line2D]
    ends: dict[str | None, Line2D]
    minima: tuple[Line2D, Line2D | None]


def contour_levels(z: np.ndarray, minimum: float, n: int, log: bool) -> np.ndarray:
    r"""``n`` contour levels: evenly spaced, or ``minimum + g`` for log-spaced gaps ``g``.

    Log-spaced gaps run from the smallest positive gap ``z - minimum`` on the grid
    (at least ``1e-6`` of the largest) up to the largest, so a steep valley like
    Rosenbrock's shows both its floor and its walls.
    """
    finite = z[np.isfinite(z)]
    if not log:
        return np.linspace(finite.min(), finite.max(), n)
    gap = finite - minimum
    top = gap.max()
    positive = gap[gap > 0]
    bottom = max(positive.min(), top * 1e-6) if positive.size else top * 1e-6
    return minimum + np.geomspace(bottom, top, n)


def landscape_contour(
    landscape: Any,
    ax: Axes,
    *,
    levels: int | np.ndarray = 30,
    log_levels: bool | None = None,
    resolution: int = 160,
    dtype: Any = None,
) -> QuadContourSet:
    """Contour lines of a 2-D landscape over its ``domain`` (log-spaced levels if it asks)."""
    if getattr(landscape, "dim", None) != 2:
        raise ValueError(
            "contour maps need a 2-D landscape, got one of dimension "
            f"{getattr(landscape, 'dim', None)!r}"
        )
    (x0, x1), (y0, y1) = np.asarray(landscape.domain, dtype=np.float64)
    x, y = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    grid = np.stack(np.meshgrid(x, y), axis=-1)
    z = grid_values(landscape, grid, dtype if dtype is not None else default_dtype(None))
    if np.ndim(levels) == 0:
        log = bool(landscape.log_scale) if log_levels is None else bool(log_levels)
        levels = contour_levels(z, float(landscape.minimum_value), int(levels), log)
    contour = ax.contour(
        grid[..., 0], grid[..., 1], z, levels=levels, cmap="viridis", linewidths=0.7
    )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(getattr(landscape, "name", ""))
    return contour


def mark_minima(landscape: Any, ax: Axes) -> tuple[Line2D, Line2D | None]:
    """Stars at the global minima, hollow circles at the local ones."""
    best = np.asarray(landscape.minima, dtype=np.float64).reshape(-1, 2)
    (glob,) = ax.plot(*best.T, "*", color="k", ms=12, ls="none", label="global minimum", zorder=4)
    local = np.asarray(landscape.local_minima, dtype=np.float64).reshape(-1, 2)
    if not len(local):
        return glob, None
    (loc,) = ax.plot(*local.T, "o", mfc="none", mec="k", ms=8, ls="none", label="local minimum")
    return glob, loc


LINESTYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "^", "s", "D", "v", "P")


def path_style(i: int, n_points: int) -> dict[str, Any]:
    """The look of the ``i``-th label's paths: its own line style, and its own marker every
    tenth of the path (staggered, so markers of coinciding paths do not stack); each label
    narrower and higher than the ones before, so identical paths stay visible."""
    every = max(1, n_points // 10)
    return {
        "ls": LINESTYLES[i % len(LINESTYLES)],
        "marker": MARKERS[i % len(MARKERS)],
        "markevery": ((every * (i % 3)) // 3, every),
        "ms": 5.0,
        "lw": max(2.8 - 0.6 * i, 1.0),
        "zorder": 2.0 + 0.1 * i,
    }


def _draw_runs(ax: Axes, label: str | None, runs: list[Path], color: Any, i: int):
    """One line per run, in one colour, with start and end markers; only the first is labelled."""
    lines = []
    style = path_style(i, len(runs[0].params))
    for j, run in enumerate(runs):
        c = color if color is not None else f"C{j % 10}"
        (line,) = ax.plot(*run.params[:, :2].T, color=c, label=label if j == 0 else None, **style)
        lines.append(line)
    first = np.array([run.params[0, :2] for run in runs])
    last = np.array([run.params[-1, :2] for run in runs])
    c = color if color is not None else "0.2"
    (start,) = ax.plot(*first.T, "o", color=c, ms=5, ls="none", zorder=3)
    (end,) = ax.plot(*last.T, "s", color=c, mec="w", ms=6, ls="none", zorder=3)
    return lines, start, end


def trajectories(
    landscape: Any,
    runs: Any,
    ax: Axes | None = None,
    *,
    levels: int | np.ndarray = 30,
    log_levels: bool | None = None,
    resolution: int = 160,
) -> Trajectories:
    r"""Draw descents on the contour map of a 2-D landscape.

    The landscape's level sets over its ``domain``, its global minima (stars) and
    local minima (circles); each run as a line from its start (circle) to its end
    (square), one colour per label, with a legend beside the map. Each label also
    has its own line style, marker (at every tenth point) and width, the later
    ones narrower and on top, so paths that coincide stay distinguishable.

    Args:
      landscape: a 2-D landscape (``jaxdescent.landscapes``).
      runs: ``{label: Trajectory}`` to overlay several optimizers, or one
        Trajectory; each may be a batch (e.g. many starts, from a vmapped run).
        Recorded with ``record_params=True``.
      ax: the Axes to draw on; ``None`` builds a new ``Figure``.
      levels: number of contour levels, or the levels themselves.
      log_levels: log-spaced levels above the minimum value (default: the
        landscape's ``log_scale`` hint).
      resolution: grid points per axis for the contour.

    Returns:
      A :class:`Trajectories` with every artist.

    Raises:
      ValueError, TypeError: for a landscape that is not 2-D, runs that are not
        Trajectories, or runs without recorded 2-D parameters.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> bowl = jd.landscapes.rosenbrock()
      >>> run = jd.minimize(bowl, jnp.array([-1.0, 1.0]), jd.sgd(1e-3), steps=3)
      >>> drawn = jd.plot.trajectories(bowl, {"sgd": run}, levels=8)
      >>> [t.get_text() for t in drawn.ax.get_legend().get_texts()]
      ['global minimum', 'sgd']
    """
    found = {
        label: paths(run, with_params=True, what="trajectories")
        for label, run in as_runs(runs, "runs").items()
    }
    for label, group in found.items():
        if group[0].params.shape[-1] != 2:
            raise ValueError(
                f"run {label!r} has {group[0].params.shape[-1]}-D parameters; "
                "a contour map needs 2-D ones"
            )
    figure, ax = new_axes(ax)
    dtype = default_dtype(next(iter(found.values()))[0].params)
    contour = landscape_contour(
        landscape, ax, levels=levels, log_levels=log_levels, resolution=resolution, dtype=dtype
    )
    minima = mark_minima(landscape, ax)
    lines, starts, ends = {}, {}, {}
    for i, (label, group) in enumerate(found.items()):
        color = None if label is None and len(group) > 1 else f"C{i % 10}"
        lines[label], starts[label], ends[label] = _draw_runs(ax, label, group, color, i)
    legend_outside(ax)
    return Trajectories(figure, ax, contour, lines, starts, ends, minima)
