"""Loss against step for several runs, with the diverged ones marked."""

from __future__ import annotations

from typing import Any, NamedTuple

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from jaxdescent.plot._common import (
    Path,
    as_runs,
    check_log_axis,
    config_label,
    is_sweep_result,
    new_axes,
    paths,
)

_MAX_LEGEND = 12


class LossCurves(NamedTuple):
    """What :func:`loss_curves` drew.

    Attributes:
      figure: the new figure, ``None`` when ``ax`` was given.
      ax: the Axes.
      lines: ``{label: [one Line2D per run]}`` (solid, dashed for diverged runs).
      diverged: one ``x`` marker per diverged run, at its ``diverged_at`` step.
    """

    figure: Figure | None
    ax: Axes
    lines: dict[str | None, list[Line2D]]
    diverged: list[Line2D]


def _sweep_groups(result: Any) -> dict[str | None, list[Path]]:
    """One labelled group (of one run) per configuration of a sweep."""
    loss = np.asarray(result.loss)
    shape = loss.shape[:-1]
    diverged_at = np.asarray(result.diverged_at).reshape(shape)
    groups: dict[str | None, list[Path]] = {}
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
    return groups


def _groups(runs: Any) -> dict[str | None, list[Path]]:
    if is_sweep_result(runs):
        return _sweep_groups(runs)
    return {label: paths(run) for label, run in as_runs(runs, "runs").items()}


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
    an exploding loss does not flatten the others.

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
    groups = _groups(runs)
    drawn = [run.loss - (minimum or 0.0) for group in groups.values() for run in group]
    check_log_axis(np.concatenate(drawn), yscale, "loss_curves")
    figure, ax = new_axes(ax)
    many = len(groups) > 10
    cmap = mpl.colormaps["viridis"]
    lines: dict[str | None, list[Line2D]] = {}
    marks = []
    for i, (label, group) in enumerate(groups.items()):
        color = cmap(i / (len(groups) - 1)) if many else f"C{i % 10}"
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
    if len(groups) <= _MAX_LEGEND and (any(k is not None for k in groups) or marks):
        ax.legend(loc="best", fontsize="small")
    return LossCurves(figure, ax, lines, marks)
