"""``SweepResult.summary``: the best configurations, and the best at each value of each dim.

Diverged runs are counted, never averaged, so no entry is NaN.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from jaxdescent._checks import check_positive_int
from jaxdescent._results_rank import Ranking, check_over, config_coords, describe_over, rank


def _fmt(value: Any) -> str:
    """A number to 6 significant digits; a categorical coordinate (a name, a flag) as it is."""
    number = isinstance(value, numbers.Number) and not isinstance(value, bool | np.bool_)
    return f"{value:.6g}" if number else str(value)


def _table(rows: list[list[str]]) -> list[str]:
    """Rows of cells, right-aligned in columns."""
    widths = [max(len(c) for c in column) for column in zip(*rows, strict=True)]
    return ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]


def _top(result: Any, ranking: Ranking, label: str, top: int) -> list[str]:
    """The ``top`` configurations, best first: rank, coordinates, metric, diverged runs."""
    rows = []
    for k, i in enumerate(ranking.order[:top].tolist()):
        coords = config_coords(result, ranking.dims, i)
        if not rows:
            rows.append(["rank", *coords, label, "diverged"])
        value, bad = ranking.value.flat[i], ranking.bad.flat[i]
        rows.append([str(k + 1), *map(_fmt, coords.values()), _fmt(value), f"{bad}/{ranking.runs}"])
    return _table(rows) if rows else []


def _per_dim(result: Any, ranking: Ranking, label: str, mode: str, max_rows: int) -> list[str]:
    """For each configuration dim: the best metric at each of its values, and diverged runs."""
    eligible = np.zeros(ranking.value.size, bool)
    eligible[ranking.order] = True
    sign = 1.0 if mode == "min" else -1.0
    masked = np.where(eligible.reshape(ranking.value.shape), sign * ranking.value, np.inf)
    width = max(16, len(label) + 5)
    lines = []
    for axis, dim in enumerate(ranking.dims):
        others = tuple(a for a in range(masked.ndim) if a != axis)
        best, bad = masked.min(axis=others), ranking.bad.sum(axis=others)
        total = ranking.runs * ranking.value.size // len(best)
        lines += ["", f"{dim:>14}  {'best ' + label:>{width}}  diverged"]
        for i in range(min(len(best), max_rows)):
            value = _fmt(sign * best[i]) if np.isfinite(best[i]) else "all diverged"
            coord = np.asarray(result.coords[dim])[i]
            lines.append(f"{_fmt(coord):>14}  {value:>{width}}  {bad[i]}/{total}")
        if len(best) > max_rows:
            lines.append(f"{'...':>14}  ({len(best) - max_rows} more)")
    return lines


def summary_text(
    result: Any, top: int, max_rows: int, metric: str, over: Any, reduce: str, mode: str
) -> str:
    """The text of :meth:`SweepResult.summary` (its arguments checked here)."""
    check_positive_int("top", top)
    check_positive_int("max_rows", max_rows)
    if over is None:
        over = ("seed",) if "seed" in result.dims else ()
    over = check_over(result.dims, over)
    ranking = rank(result, metric, over, reduce, mode, allow_diverged=False)
    ok = ~np.asarray(result.diverged, bool) & np.isfinite(np.asarray(result.final_loss))
    sizes = " x ".join(f"{d} ({s})" for d, s in zip(result.dims, result.shape, strict=True))
    lines = [
        f"SweepResult: {ok.size} runs over {sizes or 'one configuration'}; "
        f"{int((~ok).sum())} diverged"
    ]
    how = describe_over(result, over, reduce)
    label = f"{reduce} {metric}" if how else metric
    if not ranking.order.size:
        lines.append("best: none (every configuration has a diverged run)")
    else:
        i = int(ranking.order[0])
        best = {**config_coords(result, ranking.dims, i), metric: ranking.value.flat[i]}
        pairs = " ".join(f"{k}={_fmt(v)}" for k, v in best.items())
        lines.append(f"best: {pairs}" + (f" ({how})" if how else ""))
        left_out = ranking.value.size - ranking.order.size
        title = (
            f"top {min(top, ranking.order.size)} of {ranking.value.size} configurations by "
            f"{metric}{f' ({how})' if how else ''}, {'lowest' if mode == 'min' else 'highest'} "
            "first" + (f"; {left_out} with a diverged run left out" if left_out else "")
        )
        lines += ["", title + ":", *_top(result, ranking, label, top)]
    return "\n".join(lines + _per_dim(result, ranking, label, mode, max_rows))
