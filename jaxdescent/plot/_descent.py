"""The 1-D picture: a cost curve with the descent's steps on it, for several learning rates."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from jaxdescent._checks import is_python_number
from jaxdescent._minimize import Trajectory
from jaxdescent.plot._common import (
    default_dtype,
    grid_values,
    new_axes,
    new_axes_row,
    params_array,
    paths,
)
from jaxdescent.plot._outcome import outcome


class CostCurve(NamedTuple):
    """What :func:`cost_curve` drew: the curve, the visited points, one arrow per step."""

    figure: Figure | None
    ax: Axes
    curve: Line2D
    points: Line2D
    arrows: list[FancyArrowPatch]


class LearningRates(NamedTuple):
    """What :func:`learning_rates` drew: one :class:`CostCurve` per learning rate."""

    figure: Figure | None
    axes: list[Axes]
    trajectories: list[Trajectory]
    panels: list[CostCurve]


def _visited(trajectory: Trajectory) -> tuple[np.ndarray, np.ndarray]:
    """The finite points ``(w_t, C(w_t))`` up to (not past) the divergence."""
    found = paths(trajectory, with_params=True, what="cost_curve")
    if len(found) != 1:
        raise ValueError(f"cost_curve draws one run; the trajectory holds a batch of {len(found)}")
    path = found[0]
    if path.params.shape[-1] != 1:
        raise ValueError(
            "cost_curve draws a 1-D cost C(w); the parameters have "
            f"{path.params.shape[-1]} components (use trajectories() for 2-D)"
        )
    w, c = path.params[:, 0], path.loss
    keep = np.isfinite(w) & np.isfinite(c)
    if path.diverged:
        keep &= path.steps <= path.diverged_at
    return w[keep], c[keep]


def _span(fn: Any, w: np.ndarray, xlim: tuple[float, float] | None) -> tuple[float, float]:
    """The w-range of the curve: ``xlim``, else the visited points within sight of the domain.

    The base is the landscape's ``domain`` (else the first three points); the curve
    spans it and the visited points, but at most a quarter of its width beyond each
    end, so a diverging run shows its steps leaving the picture.
    """
    if xlim is not None:
        return float(xlim[0]), float(xlim[1])
    domain = getattr(fn, "domain", None)
    if domain is not None and np.shape(domain) == (1, 2):
        base = np.asarray(domain, dtype=np.float64)[0]
    else:
        base = np.array([np.min(w[:3]), np.max(w[:3])], dtype=np.float64)
        base = base + np.array([-1.0, 1.0]) * (base[1] == base[0])
    reach = 0.25 * (base[1] - base[0])
    lo = max(min(base[0], np.min(w)), base[0] - reach)
    hi = min(max(base[1], np.max(w)), base[1] + reach)
    return float(lo), float(hi)


def _into(p: np.ndarray, q: np.ndarray, box: np.ndarray) -> np.ndarray:
    """The segment ``p -> q`` (``p`` inside ``box``, rows low and high) cut at the box edge."""
    d = q - p
    with np.errstate(divide="ignore", invalid="ignore"):
        limit = np.where(d > 0, (box[1] - p) / d, np.where(d < 0, (box[0] - p) / d, np.inf))
    return p + min(1.0, float(np.min(limit))) * d


def _arrows(ax: Axes, points: np.ndarray, box: np.ndarray, most: int, color: Any):
    """An arrow for each step that starts in view, cut at the edge if it leaves."""
    style = {"arrowstyle": "->", "mutation_scale": 12, "color": color, "lw": 1.2}
    inside = np.all((points >= box[0]) & (points <= box[1]), axis=-1)
    arrows = []
    for i in range(min(len(points) - 1, most)):
        if inside[i]:
            end = _into(points[i], points[i + 1], box)
            ends = (float(points[i, 0]), float(points[i, 1])), (float(end[0]), float(end[1]))
            arrows.append(ax.add_patch(FancyArrowPatch(*ends, **style)))
    return arrows


def cost_curve(
    fn: Callable[[Any], Any],
    trajectory: Trajectory,
    ax: Axes | None = None,
    *,
    xlim: tuple[float, float] | None = None,
    num: int = 400,
    max_arrows: int = 50,
    color: Any = "C3",
) -> CostCurve:
    r"""Draw a 1-D cost curve ``C(w)`` with the descent's steps on it.

    Each recorded point ``(w_t, C(w_t))`` is marked and joined to the next by an
    arrow, so the picture shows the rule ``w <- w - alpha C'(w)``: steep slope,
    long step. A diverged run is drawn up to its last finite point.

    Args:
      fn: the cost, called on the parameters exactly as ``minimize`` called it
        (a landscape of dimension 1, or any ``fn(w) -> scalar``).
      trajectory: one run of ``minimize`` with 1-D parameters, recorded with
        ``record_params=True``.
      ax: the Axes to draw on; ``None`` builds a new ``Figure``.
      xlim: the w-range of the curve (default: the landscape's domain, widened
        to the visited points by at most a quarter of its width each side).
      num: number of points on the curve.
      max_arrows: draw arrows for the first ``max_arrows`` steps only. A step
        that starts in view gets an arrow, cut at the edge if it leaves the view.
      color: colour of the points and arrows.

    Returns:
      A :class:`CostCurve` with the figure (``None`` when ``ax`` was given).

    Raises:
      ValueError, TypeError: for a batch, parameters that are not 1-D, or no recorded parameters.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> well = jd.landscapes.double_well()
      >>> run = jd.minimize(well, jnp.array([-2.0]), jd.sgd(0.05), steps=4)
      >>> drawn = jd.plot.cost_curve(well, run)
      >>> len(drawn.arrows), drawn.ax.get_xlabel()
      (4, 'w')
    """
    w, c = _visited(trajectory)
    figure, ax = new_axes(ax)
    lo, hi = _span(fn, w, xlim)
    recorded = params_array(trajectory.params, "cost_curve")
    scalar = recorded.ndim == np.ndim(trajectory.loss)
    grid = np.linspace(lo, hi, num)[:, None]
    f = (lambda x: fn(x[0])) if scalar else fn
    values = grid_values(f, grid, default_dtype(recorded))
    (curve,) = ax.plot(grid[:, 0], values, color="0.25", lw=1.5, label="C(w)")
    (points,) = ax.plot(w, c, "o", color=color, ms=4, zorder=3, label="steps")
    pad = 0.05 * (np.max(values) - np.min(values))
    box = np.array([[lo, np.min(values) - pad], [hi, np.max(values) + pad]])
    arrows = _arrows(ax, np.stack([w, c], axis=-1), box, max_arrows, color)
    ax.set_xlim(*box[:, 0])
    ax.set_ylim(*box[:, 1])
    ax.set_xlabel("w")
    ax.set_ylabel("C(w)")
    return CostCurve(figure, ax, curve, points, arrows)


def _title(fn: Any, learning_rate: float, label: str | None, run: Trajectory) -> str:
    """The rate, the caller's label, and what happened: the outcome on a landscape with known
    minima, else the final cost; a diverged run says at which step."""
    head = f"learning rate {learning_rate:g}" + (f" ({label})" if label else "")
    if bool(run.diverged):
        return f"{head}\ndiverged at step {int(run.diverged_at)}"
    if hasattr(fn, "basin_index"):
        return f"{head}\n{outcome(fn, run)}"
    return f"{head}\nC = {float(run.final_loss):.3g} after {int(np.ravel(run.steps)[-1])} steps"


def _check_rates(learning_rates: Sequence[float], labels: Sequence[str] | None) -> None:
    rates = list(learning_rates)
    if not rates or not all(is_python_number(r) and r > 0 for r in rates):
        raise ValueError(
            f"`learning_rates` must be a non-empty sequence of positive numbers, got {rates!r}"
        )
    if labels is not None and len(labels) != len(rates):
        raise ValueError(
            f"`labels` must hold one label per learning rate ({len(rates)}), got {labels!r}"
        )


def learning_rates(
    fn: Callable[[Any], Any],
    x0: Any,
    *,
    learning_rates: Sequence[float],
    steps: int = 10,
    optimizer: Callable[[float], Any] | None = None,
    labels: Sequence[str] | None = None,
    axes: Sequence[Axes] | None = None,
) -> LearningRates:
    r"""The textbook triptych: the same descent for several step sizes, side by side.

    Runs ``minimize(fn, x0, optimizer(alpha), steps=steps)`` for each learning rate
    ``alpha`` and draws each with :func:`cost_curve` side by side. Since the step
    is ``-alpha C'(w)``, a tiny ``alpha`` crawls, a larger one converges, and a
    too large one overshoots the minimum, oscillates, or diverges. Each title says
    what the run did, computed from it: on a landscape with known minima the
    :func:`outcome` ("converged to the global minimum", "stuck in a local
    minimum", ...), else the final cost; "diverged at step t" for a diverged run.

    Args:
      fn: a 1-D cost (e.g. ``landscapes.double_well()``).
      x0: the common starting point.
      learning_rates: the learning rates, one panel each.
      steps: number of steps of each run.
      optimizer: a factory ``learning_rate -> optimizer`` (default: ``jaxdescent.sgd``).
      labels: an extra caption per panel (default: none; the outcome is always shown).
      axes: one Axes per learning rate; ``None`` builds a new ``Figure``.

    Returns:
      A :class:`LearningRates` with the runs and the panels.

    Raises:
      ValueError: for learning rates that are not positive numbers or mismatched labels.
    """
    from jaxdescent._minimize import minimize
    from jaxdescent.optimizers import sgd

    _check_rates(learning_rates, labels)
    rates = list(learning_rates)
    figure, axes = new_axes_row(axes, len(rates))
    make = optimizer or sgd
    runs = [minimize(fn, x0, make(rate), steps=steps) for rate in rates]
    panels = []
    for i, (rate, run, ax) in enumerate(zip(rates, runs, axes, strict=True)):
        panels.append(cost_curve(fn, run, ax))
        ax.set_title(_title(fn, rate, labels[i] if labels else None, run))
    return LearningRates(figure, axes, runs, panels)
