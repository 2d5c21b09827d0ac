"""Basins of attraction: which minimum each starting point reached, per optimizer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import Collection
from matplotlib.colors import BoundaryNorm, ListedColormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from jaxdescent.plot._common import (
    as_runs,
    is_sweep_result,
    legend_outside,
    new_axes_row,
    params_array,
)
from jaxdescent.plot._contour import mark_minima

NONE_COLOR = "0.85"


class BasinMap(NamedTuple):
    """What :func:`basin_map` drew.

    Attributes:
      figure: the new figure, ``None`` when ``axes`` were given.
      axes: one Axes per optimizer.
      cells: per optimizer, the ``QuadMesh`` (starts on a grid) or the scatter.
      basins: per label, the reached minimum of each start (index into
        ``landscape.all_minima``, -1 for none), in the order of the starts.
      colors: RGBA of minimum ``k`` at row ``k + 1``; row 0 is "none".
    """

    figure: Figure | None
    axes: list[Axes]
    cells: dict[str | None, Collection]
    basins: dict[str | None, np.ndarray]
    colors: np.ndarray


def _finals_and_starts(run: Any, label: Any) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Final points (N, 2), recorded starts (N, 2) or None, divergence (N,)."""
    if not (is_sweep_result(run) or hasattr(run, "final_params")):
        raise TypeError(
            f"run {label!r} must be a SweepResult or a Trajectory, got {type(run).__name__}"
        )
    finals = params_array(run.final_params, "basin_map").reshape(-1, 2)
    diverged = np.asarray(run.diverged, dtype=bool).reshape(-1)
    starts = None
    if run.params is not None:
        recorded = params_array(run.params, "basin_map")
        starts = recorded[..., 0, :].reshape(-1, 2)
    return finals, starts, diverged


def _grid(starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """If the starts fill a rectangular grid: its x and y values and each start's flat cell."""
    xs, ix = np.unique(starts[:, 0], return_inverse=True)
    ys, iy = np.unique(starts[:, 1], return_inverse=True)
    cell = iy * len(xs) + ix
    if len(xs) < 2 or len(ys) < 2 or len(xs) * len(ys) != len(starts):
        return None
    if len(np.unique(cell)) != len(starts):
        return None
    return xs, ys, cell


def _edges(v: np.ndarray) -> np.ndarray:
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]])


def _draw(ax: Axes, starts: np.ndarray, basins: np.ndarray, cmap, norm) -> Collection:
    grid = _grid(starts)
    if grid is None:
        return ax.scatter(*starts.T, c=basins, cmap=cmap, norm=norm, s=12, marker="s")
    xs, ys, cell = grid
    image = np.empty(len(xs) * len(ys), int)
    image[cell] = basins
    image = image.reshape(len(ys), len(xs))
    return ax.pcolormesh(_edges(xs), _edges(ys), image, cmap=cmap, norm=norm)


def _legend(landscape: Any, colors: np.ndarray) -> list[Patch]:
    k = len(np.asarray(landscape.minima).reshape(-1, 2))
    handles = []
    for i, point in enumerate(np.asarray(landscape.all_minima, dtype=np.float64).reshape(-1, 2)):
        kind = "global" if i < k else "local"
        where = ", ".join(f"{v:.2f}" for v in point)
        handles.append(Patch(color=colors[i + 1], label=f"{kind} minimum ({where})"))
    handles.append(Patch(color=colors[0], label="none (or diverged)"))
    return handles


def basin_map(
    runs: Any,
    landscape: Any,
    *,
    starts: np.ndarray | None = None,
    tol: float | None = None,
    axes: Sequence[Axes] | None = None,
) -> BasinMap:
    r"""Colour each starting point by the minimum its descent reached, one panel per optimizer.

    Run ``i`` reached minimum ``k`` when its final parameters lie within ``tol``
    of ``landscape.all_minima[k]`` (``landscape.basin_index``); diverged runs and
    runs near no minimum are grey. Side by side, the panels show where plain
    descent stops in a local minimum and momentum carries through.

    Args:
      runs: ``{label: result}``, each a ``SweepResult`` over starts or a batched
        ``Trajectory`` (one run per start), all over the same starts.
      landscape: the 2-D landscape the runs descended.
      starts: the starting points (N, 2) (any grid shape ``(..., 2)``); default:
        the first recorded parameters of each run (needs ``record_params=True``).
      tol: distance to count as reaching a minimum (default 1% of the domain's diagonal).
      axes: one Axes per label; ``None`` builds a new ``Figure``.

    Returns:
      A :class:`BasinMap`.

    Raises:
      TypeError, ValueError: for runs that are not results, missing starts, or counts that differ.
    """
    found = as_runs(runs, "runs")
    if tol is None:
        tol = 0.01 * float(np.linalg.norm(np.diff(np.asarray(landscape.domain, np.float64))))
    n_minima = len(np.asarray(landscape.all_minima).reshape(-1, 2))
    colors = np.array([to_rgba(NONE_COLOR)] + [to_rgba(f"C{k % 10}") for k in range(n_minima)])
    cmap, norm = ListedColormap(colors), BoundaryNorm(np.arange(-1.5, n_minima), len(colors))
    n_global = len(np.asarray(landscape.minima).reshape(-1, 2))
    figure, axes = new_axes_row(axes, len(found))
    cells, basins = {}, {}
    for ax, (label, run) in zip(axes, found.items(), strict=True):
        finals, recorded, diverged = _finals_and_starts(run, label)
        points = recorded if starts is None else np.asarray(starts, np.float64).reshape(-1, 2)
        if points is None:
            raise ValueError(f"run {label!r} has no recorded parameters: pass `starts`")
        if len(points) != len(finals):
            raise ValueError(
                f"`starts` holds {len(points)} points but run {label!r} has {len(finals)} runs"
            )
        index = np.where(diverged, -1, np.asarray(landscape.basin_index(finals, tol)).reshape(-1))
        basins[label], cells[label] = index, _draw(ax, points, index, cmap, norm)
        mark_minima(landscape, ax)
        share = np.mean((index >= 0) & (index < n_global))
        ax.set_title(f"{label or ''}\n{share:.0%} reach a global minimum".lstrip())
        ax.set_xlabel("$w_1$ at start")
        ax.set_ylabel("$w_2$ at start")
    legend_outside(axes[-1], handles=_legend(landscape, colors))
    return BasinMap(figure, axes, cells, basins, colors)
