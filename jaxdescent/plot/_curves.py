"""Loss against step for several runs, with the diverged ones marked."""

from __future__ import annotations

from typing import Any, NamedTuple

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colorbar import Colorbar
from matplotlib.colors import BoundaryNorm, LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from jaxdescent.plot._common import (
    Path,
    as_runs,
    check_log_axis,
    config_label,
    is_sweep_result,
    legend_outside,
    new_axes,
    paths,
    sweep_axis,
)

MAX_LEGEND = 8
"""Up to this many labels get a legend; more get a colour bar keyed to the swept value."""


class LossCurves(NamedTuple):
    """What :func:`loss_curves` drew.

    Attributes:
      figure: the new figure, ``None`` when ``ax`` was given.
      ax: the Axes.
      lines: ``{label: [one Line2D per run]}`` (solid, dashed for diverged runs).
      diverged: one ``x`` marker per diverged run, at its ``diverged_at`` step.
      colorbar: the colour bar keying more than eight labels, else ``None`` (they
        have a legend).
    """

    figure: Figure | None
    ax: Axes
    lines: dict[str | None, list[Line2D]]
    diverged: list[Line2D]
    colorbar: Colorbar | None


def _colour_dim(result: Any) -> str | None:
    """The swept coordinate that colours a sweep's many lines: the varying one with most values."""
    shape = np.shape(result.final_loss)
    sizes = {d: n for d, n in zip(result.dims, shape, strict=True) if n > 1}
    names = [d for d in sizes if d != "sample"]
    if "sample" in sizes:
        names += [n for n in result.coords if n not in result.dims]
    numeric = [n for n in names if np.issubdtype(np.asarray(result.coords[n]).dtype, np.number)]
    if not numeric:
        return None
    return max(numeric, key=lambda n: len(np.unique(np.asarray(result.coords[n]))))


def _sweep_groups(result: Any) -> tuple[dict[str | None, list[Path]], dict[Any, float], str | None]:
    """One labelled group (of one run) per configuration of a sweep, each group's value of the
    colouring coordinate, and that coordinate's name."""
    loss = np.asarray(result.loss)
    shape = loss.shape[:-1]
    diverged_at = np.asarray(result.diverged_at).reshape(shape)
    key = _colour_dim(result)
    axis = sweep_axis(result, key)[0] if key is not None else 0
    groups: dict[str | None, list[Path]] = {}
    values: dict[Any, float] = {}
    for index in np.ndindex(*shape):
        label = config_label(result, index) or None
        path = Path(
            steps=np.asarray(result.steps),
            loss=loss[index],
            params=np.zeros((len(result.steps), 0)),
            diverged=bool(np.asarray(result.diverged)[index]),
            diverged_at=int(diverged_at[index]),
        )
        groups.setdefault(label, []).append(path)
        if key is not None:
            values[label] = float(np.asarray(result.coords[key])[index[axis]])
    return groups, values, key


def _groups(runs: Any) -> tuple[dict[str | None, list[Path]], dict[Any, float], str | None]:
    if is_sweep_result(runs):
        return _sweep_groups(runs)
    return {label: paths(run) for label, run in as_runs(runs, "runs").items()}, {}, None


def _colour_scale(
    groups: dict[Any, Any], values: dict[Any, float], colours: int
) -> tuple[Normalize, dict[Any, float], list[Any] | None]:
    """A norm over the groups' values (log when positive and spanning a factor of 10 or more);
    groups without values are numbered across the ``colours`` of the map, their labels the
    colour bar's ticks."""
    if len(values) == len(groups):
        v = np.array(list(values.values()))
        log = bool(np.all(v > 0) and v.max() >= 10 * v.min())
        lo, hi = float(v.min()), float(v.max())
        norm = LogNorm(lo, hi) if log else Normalize(lo, hi if hi > lo else lo + 1.0)
        return norm, values, None
    n = len(groups)
    norm = BoundaryNorm(np.arange(n + 1) - 0.5, colours)
    return norm, {label: i for i, label in enumerate(groups)}, list(groups)


def _draw(ax: Axes, label: str | None, run: Path, color: Any, minimum: float):
    """The loss curve up to divergence; a diverged run is dashed, an ``x`` at the top edge."""
    keep = run.steps <= run.diverged_at if run.diverged else np.ones(len(run.steps), bool)
    style = "--" if run.diverged else "-"
    (line,) = ax.plot(
        run.steps[keep], run.loss[keep] - minimum, style, color=color, lw=1.3, label=label
    )
    if not run.diverged:
        return line, None
    (mark,) = ax.plot(
        [run.diverged_at],
        [1.0],
        "x",
        color=color,
        ms=9,
        mew=2,
        clip_on=False,
        transform=ax.get_xaxis_transform(),
    )
    return line, mark


def _sane_ylim(ax: Axes, groups: dict[Any, list[Path]], minimum: float, log: bool) -> None:
    """Keep exploding losses from flattening the rest: the view covers the runs that did not
    diverge and every run's start; diverged runs run off the top, where their ``x`` sits."""
    ys = [run.loss - minimum for g in groups.values() for run in g if not run.diverged]
    ys += [run.loss[:1] - minimum for g in groups.values() for run in g]
    y = np.concatenate(ys)
    y = y[np.isfinite(y) & ((y > 0) if log else True)]
    if not y.size:
        return
    lo, hi = float(y.min()), float(y.max())
    if log:
        pad = (hi / lo) ** 0.05 if hi > lo else 10.0
        ax.set_ylim(lo / pad, hi * pad)
    else:
        pad = 0.05 * (hi - lo) if hi > lo else 1.0
        ax.set_ylim(lo - pad, hi + pad)


def loss_curves(
    runs: Any,
    ax: Axes | None = None,
    *,
    minimum: float | None = None,
    yscale: str = "log",
) -> LossCurves:
    r"""Draw the loss against the step for several runs, diverged runs marked.

    A diverged run is drawn dashed up to its ``diverged_at`` step and marked by
    an ``x`` at the top edge at that step; past it, its frozen loss is not drawn.
    The view covers the runs that did not diverge (and every run's start), so
    an exploding loss does not flatten the others. Up to eight labels get a
    legend beside the Axes; more get one colour each from a colour bar keyed to
    the swept value (for a sweep, the varying coordinate with the most values, on
    a log scale when its values are positive and span a factor of 10 or more;
    runs that differ only in another coordinate share a colour), or to the labels
    in order (for a mapping).

    Args:
      runs: ``{label: Trajectory}`` (each possibly a batch: one line per run, one
        colour per label), one Trajectory, or a ``SweepResult`` (one line per
        configuration, labelled by its coordinates).
      ax: the Axes to draw on; ``None`` builds a new ``Figure``.
      minimum: subtract this (e.g. ``landscape.minimum_value``) to draw the gap
        ``C(w_t) - C*``, which a log axis needs when the minimum is not 0.
      yscale: the y-axis scale, ``"log"`` or ``"linear"``.

    Returns:
      A :class:`LossCurves` with every artist.

    Raises:
      ValueError, TypeError: for an unknown scale, runs that are not results, or a
        log axis with no positive loss to show (pass ``minimum``).
    """
    if yscale not in ("log", "linear", "symlog"):
        raise ValueError(f"`yscale` must be 'log', 'linear' or 'symlog', got {yscale!r}")
    groups, values, key = _groups(runs)
    drawn = [run.loss - (minimum or 0.0) for group in groups.values() for run in group]
    check_log_axis(np.concatenate(drawn), yscale, "loss_curves")
    figure, ax = new_axes(ax)
    many = len(groups) > MAX_LEGEND
    cmap = mpl.colormaps["viridis"]
    norm, keys, ticks = _colour_scale(groups, values, cmap.N) if many else (None, {}, None)
    lines: dict[str | None, list[Line2D]] = {}
    marks = []
    for i, (label, group) in enumerate(groups.items()):
        color = cmap(norm(keys[label])) if norm is not None else f"C{i % 10}"
        lines[label] = []
        for j, run in enumerate(group):
            line, mark = _draw(ax, label if j == 0 else None, run, color, minimum or 0.0)
            lines[label].append(line)
            if mark is not None:
                mark.set_label("diverged" if not marks else None)
                marks.append(mark)
    ax.set_yscale(yscale)
    if marks:
        _sane_ylim(ax, groups, minimum or 0.0, yscale == "log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss" if minimum is None else "loss - minimum")
    colorbar = None
    if norm is not None:
        colorbar = ax.figure.colorbar(ScalarMappable(norm, cmap), ax=ax, label=key or "run")
        if ticks is not None:
            colorbar.set_ticks(range(len(ticks)), labels=[str(t) for t in ticks])
        if marks:
            legend_outside(ax, handles=marks[:1])
    elif any(k is not None for k in groups) or marks:
        legend_outside(ax)
    return LossCurves(figure, ax, lines, marks, colorbar)
