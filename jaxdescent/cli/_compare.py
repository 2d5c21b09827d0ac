"""`jaxdescent compare`: optimizers against optax's, as a table, JSON and an overlay plot.

Each row's verdict: ``rounding`` (the paths agree to ``sqrt(eps)`` of their scale),
``by design`` (optax departs from the paper; the reason is given) or ``differs``.
A float32 comparison that differs is rerun in float64: a path that only amplified
rounding agrees there, and reads ``rounding`` with a note.
"""

from __future__ import annotations

import pathlib
from typing import Any

import jax
import jax.numpy as jnp
import optax

from jaxdescent._compare import Comparison, compare_with_optax, optax_factory
from jaxdescent.cli._output import figure_of, point_text, write_json

HEADER = [
    "| optimizer | hyperparameters | deviation / path scale | max abs deviation | verdict | why |",
    "|---|---|---|---|---|---|",
]


def _row(name: str, c: Comparison, verdict: str, why: str) -> dict[str, Any]:
    return {
        "optimizer": name,
        "hyperparameters": c.kwargs,
        "max_deviation": c.max_deviation,
        "max_abs_deviation": c.max_abs_deviation,
        "scale": c.scale,
        "tolerance": c.tolerance,
        "verdict": verdict,
        "why": why,
    }


def judge(name: str, fn: Any, x0: jax.Array, steps: int, kwargs: dict) -> dict[str, Any]:
    """One comparison as a row (a float32 one that differs, rechecked in float64)."""
    c = compare_with_optax(name, fn, x0, steps=steps, **kwargs)
    verdict, why = c.verdict, c.by_design
    if c.agrees and c.by_design:
        why = f"equal at these hyperparameters; elsewhere by design: {c.by_design}"
    if verdict == "differs" and x0.dtype != jnp.float64:
        with jax.enable_x64(True):
            wide = compare_with_optax(name, fn, x0.astype(jnp.float64), steps=steps, **kwargs)
        if wide.agrees:
            verdict = "rounding"
            why = (
                f"{jnp.dtype(x0.dtype).name} rounding amplified along the path; in float64 the "
                f"paths agree to {wide.max_deviation:.1e}"
            )
    return {"row": _row(name, c, verdict, why), "comparison": c}


def _cells(row: dict[str, Any]) -> str:
    kwargs = ", ".join(
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
        for k, v in row["hyperparameters"].items()
    )
    return (
        f"| {row['optimizer']} | {kwargs or 'defaults'} | {row['max_deviation']:.2e} | "
        f"{row['max_abs_deviation']:.2e} | {row['verdict']} | {row['why']} |"
    )


def compare(
    kwargs: dict[str, dict[str, Any]], fn: Any, x0: jax.Array, *, steps: int, out: pathlib.Path
) -> int:
    """Compare each optimizer named in ``kwargs`` (with its hyperparameters); print and write
    ``compare.md`` and ``compare.json``. Exit code 1 if any differs unexplained."""
    dtype = jnp.dtype(x0.dtype).name
    print(
        f"comparing with optax {optax.__version__} on {fn.name} (dim {fn.dim}) from "
        f"x0 = {point_text(x0)}, {steps} steps, {dtype}"
    )
    rows, overlays, skipped = [], {}, []
    for name, hyperparameters in kwargs.items():
        if optax_factory(name) is None:
            skipped.append(name)
            continue
        judged = judge(name, fn, x0, steps, hyperparameters)
        rows.append(judged["row"])
        overlays[f"{name} (jaxdescent)"] = judged["comparison"].ours
        overlays[f"{name} (optax)"] = judged["comparison"].optax
    table = "\n".join([*HEADER, *map(_cells, rows)])
    counts = {v: sum(r["verdict"] == v for r in rows) for v in ("rounding", "by design", "differs")}
    tally = ", ".join(f"{n} {v}" for v, n in counts.items())
    if skipped:
        tally += f"; not in optax: {', '.join(skipped)}"
    (out / "compare.md").write_text(
        f"{fn.name} from x0 = {point_text(x0)}, {steps} steps, {dtype}\n\n{table}\n"
    )
    problem = {"landscape": fn.name, "dim": fn.dim, "x0": jnp.asarray(x0).tolist(), "steps": steps}
    record = {**problem, "dtype": dtype, "optax": optax.__version__, "rows": rows}
    write_json(out / "compare.json", {**record, "not_in_optax": skipped})
    if len(rows) <= 4:
        _plot(fn, overlays).savefig(out / "compare.png", dpi=110)
    print(table)
    print(f"{tally}; wrote {out / 'compare.md'}, {out / 'compare.json'}")
    return 1 if counts["differs"] else 0


def _plot(fn: Any, overlays: dict[str, Any]) -> Any:
    from jaxdescent import plot

    if fn.dim == 2:
        return figure_of(plot.trajectories(fn, overlays))
    return figure_of(plot.loss_curves(overlays))
