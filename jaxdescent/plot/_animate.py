"""Trajectories growing step by step on a contour map, saved as a GIF."""

from __future__ import annotations

import os
import pathlib
from typing import Any, NamedTuple

import numpy as np
from matplotlib.animation import PillowWriter
from matplotlib.figure import Figure

from jaxdescent._checks import is_python_number
from jaxdescent.plot._common import as_runs, paths
from jaxdescent.plot._contour import trajectories


class Animation(NamedTuple):
    """What :func:`animate` wrote: the GIF's path, the record shown in each frame, the figure."""

    path: pathlib.Path
    frames: np.ndarray
    figure: Figure


def _frames(n_records: int, frames: int | None) -> np.ndarray:
    """Record indices to show: all of them, or ``frames`` evenly spaced (first and last kept)."""
    if frames is None or frames >= n_records:
        return np.arange(n_records)
    return np.unique(np.linspace(0, n_records - 1, frames).round().astype(int))


def _check(path: Any, fps: Any, frames: Any) -> pathlib.Path:
    path = pathlib.Path(os.fspath(path))
    if path.suffix.lower() != ".gif":
        raise ValueError(f"`path` must end in .gif, got {str(path)!r}")
    if not (is_python_number(fps) and fps > 0):
        raise ValueError(f"`fps` must be a positive number, got {fps!r}")
    if frames is not None and (
        isinstance(frames, bool) or not isinstance(frames, int) or frames < 2
    ):
        raise ValueError(f"`frames` must be an integer >= 2 or None, got {frames!r}")
    return path


def animate(
    landscape: Any,
    runs: Any,
    path: str | os.PathLike[str],
    *,
    fps: float = 10,
    frames: int | None = None,
    dpi: float = 72,
    levels: int | np.ndarray = 30,
    log_levels: bool | None = None,
) -> Animation:
    r"""Save an animation of descents on a landscape's contour map as a GIF.

    The picture of :func:`trajectories`, drawn one record at a time: frame ``f``
    shows each run from its start to its ``f``-th record (the end marker rides
    along), titled with the step number.

    Args:
      landscape: a 2-D landscape.
      runs: ``{label: Trajectory}`` or one Trajectory (possibly a batch),
        recorded with ``record_params=True``.
      path: where to write the GIF (must end in ``.gif``).
      fps: frames per second.
      frames: number of frames (evenly spaced records); ``None``: one per record.
      dpi: resolution of the frames.
      levels, log_levels: contour levels, as in :func:`trajectories`.

    Returns:
      An :class:`Animation` with the path and the record index of each frame.

    Raises:
      ValueError, TypeError: for a bad path, ``fps`` or ``frames``, or bad runs.
    """
    path = _check(path, fps, frames)
    figure = Figure(figsize=(5.0, 4.5), layout="constrained")
    drawn = trajectories(
        landscape, runs, figure.add_subplot(), levels=levels, log_levels=log_levels
    )
    found = {label: paths(run, with_params=True) for label, run in as_runs(runs, "runs").items()}
    steps = next(iter(found.values()))[0].steps
    shown = _frames(max(len(p.steps) for g in found.values() for p in g), frames)
    name = getattr(landscape, "name", "")
    figure.draw_without_rendering()  # lay out once; frames reuse the layout
    figure.set_layout_engine("none")
    writer = PillowWriter(fps=fps)  # pyright: ignore[reportArgumentType] (a float works)
    with writer.saving(figure, str(path), dpi):
        for f in shown:
            for label, group in found.items():
                for line, run in zip(drawn.lines[label], group, strict=True):
                    line.set_data(*run.params[: f + 1, :2].T)
                drawn.ends[label].set_data(
                    *np.array([r.params[min(f, len(r.params) - 1), :2] for r in group]).T
                )
            drawn.ax.set_title(f"{name}: step {steps[min(f, len(steps) - 1)]}")
            writer.grab_frame()
    return Animation(path, shown, figure)
