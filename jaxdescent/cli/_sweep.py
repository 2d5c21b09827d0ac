"""`jaxdescent sweep`: the sweep, its files, and what the user should know about the grid."""

from __future__ import annotations

import argparse
import pathlib
import sys
from typing import Any

import numpy as np

import jaxdescent as jd
from jaxdescent.cli._commands import describe, optimizer_factory, warn
from jaxdescent.cli._output import figure_of

NOT_HYPERPARAMETERS = ("start", "seed", "sample")


def sweep(
    args: argparse.Namespace,
    landscape: Any,
    hyperparameters: dict[str, Any],
    where: dict[str, Any],
    out: pathlib.Path,
) -> int:
    """Run, save ``sweep.npz`` and ``summary.txt``; plot unless every run diverged (exit 2)."""
    result = jd.sweep(
        landscape,
        optimizer_factory(args.optimizer),
        steps=args.steps,
        chunk_size=args.chunk_size,
        save_to=args.save_to,
        progress=args.progress,
        **where,
        **hyperparameters,
    )
    result.save(out / "sweep.npz")
    table = result.summary()
    (out / "summary.txt").write_text(table + "\n")
    print(table)
    diverged = np.asarray(result.diverged, bool)
    if diverged.all():
        print(
            f"jaxdescent sweep: error: all {diverged.size} runs diverged "
            f"({args.optimizer}, {describe(hyperparameters)}); try smaller learning rates "
            f"(wrote {out / 'summary.txt'}, {out / 'sweep.npz'})",
            file=sys.stderr,
        )
        return 2
    for message in edge_warnings(result):
        warn("sweep", message)
    figure_of(_plot(result)).savefig(out / "sweep.png", dpi=110)
    print(f"wrote {out / 'sweep.png'}, {out / 'summary.txt'}, {out / 'sweep.npz'}")
    return 0


def swept(result: Any) -> list[str]:
    """The dims that are hyperparameters (not starts, seeds or zipped samples)."""
    return [d for d in result.dims if d not in NOT_HYPERPARAMETERS]


def edge_warnings(result: Any) -> list[str]:
    """One line per swept hyperparameter whose best value (mean over starts and seeds) is
    the smallest or largest of three or more: the optimum may lie outside the grid."""
    over = tuple(d for d in result.dims if d in ("start", "seed"))
    try:
        best = result.best(over=over)
    except ValueError:  # no configuration without a diverged run
        return []
    lines = []
    for dim in swept(result):
        values = np.asarray(result.coords[dim], np.float64)
        if len(values) < 3:
            continue
        low, high = values.min(), values.max()
        if best[dim] in (low, high):
            side = "smallest" if best[dim] == low else "largest"
            lines.append(
                f"the best {dim}, {best[dim]:g}, is the {side} in its grid "
                f"({low:g} to {high:g}); the best value may lie beyond it: widen the grid"
            )
    return lines


def _plot(result: Any) -> Any:
    from jaxdescent import plot

    dims = swept(result)
    if len(dims) >= 2:
        return _heatmap(plot, result, dims[0], dims[1])
    if dims == ["learning_rate"]:
        return plot.lr_sweep(result)
    return plot.loss_curves(result)


def _heatmap(plot: Any, result: Any, x: str, y: str) -> Any:
    """The heatmap over ``x`` and ``y``, at the first value of every other dim (in the title)."""
    rest = {d: result.coords[d][0] for d in result.dims if d not in (x, y)}
    drawn = plot.heatmap(result.sel(**rest) if rest else result, x=x, y=y)
    if rest:
        drawn.ax.set_title("at " + ", ".join(f"{d} = {v:g}" for d, v in rest.items()))
    return drawn
