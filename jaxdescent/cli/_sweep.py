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
    """One line per swept hyperparameter of three or more values whose best final loss
    (mean over starts and seeds; a diverged run counts as infinite) is at its smallest or
    largest value, strictly better than at every other: the optimum may lie outside."""
    dims = list(result.dims)
    diverged = np.asarray(result.diverged, bool)
    loss = np.where(diverged, np.inf, np.asarray(result.final_loss, np.float64))
    loss = np.nan_to_num(loss, nan=np.inf)
    over = tuple(dims.index(d) for d in dims if d in ("start", "seed"))
    mean = loss.mean(axis=over) if over else loss
    kept = [d for d in dims if d not in ("start", "seed")]
    lines = []
    for dim in swept(result):
        values = np.asarray(result.coords[dim], np.float64)
        axis = kept.index(dim)
        best = np.moveaxis(mean, axis, 0).reshape(len(values), -1).min(axis=1)
        i = int(np.argmin(best))
        order = np.argsort(values)
        if len(values) < 3 or not np.isfinite(best[i]) or i not in (order[0], order[-1]):
            continue
        if best[i] < np.delete(best, i).min():
            side = "smallest" if i == order[0] else "largest"
            lines.append(
                f"the best {dim}, {values[i]:g}, is the {side} in its grid "
                f"({values.min():g} to {values.max():g}); the best value may lie beyond it: "
                "widen the grid"
            )
    return lines


def _plot(result: Any) -> Any:
    from jaxdescent import plot

    dims = swept(result)
    if len(dims) >= 2:
        return _heatmap(plot, result, dims[0], dims[1])
    if dims == ["learning_rate"]:
        loss = np.asarray(result.final_loss, np.float64)[~np.asarray(result.diverged, bool)]
        positive = bool(np.any(loss[np.isfinite(loss)] > 0))
        return plot.lr_sweep(result, yscale="log" if positive else "linear")
    return plot.loss_curves(result)


def _heatmap(plot: Any, result: Any, x: str, y: str) -> Any:
    """The heatmap over ``x`` and ``y``, at the first value of every other dim (in the title)."""
    rest = {d: result.coords[d][0] for d in result.dims if d not in (x, y)}
    drawn = plot.heatmap(result.sel(**rest) if rest else result, x=x, y=y)
    if rest:
        drawn.ax.set_title("at " + ", ".join(f"{d} = {v:g}" for d, v in rest.items()))
    return drawn
