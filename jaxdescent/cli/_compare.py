"""`jaxdescent compare`: every optimizer against optax's, as a table and an overlay plot."""

from __future__ import annotations

import pathlib

import jax.numpy as jnp

from jaxdescent import landscapes
from jaxdescent._compare import compare_with_optax


def compare(names: list[str], *, steps: int, out: pathlib.Path) -> int:
    """Run each comparison on 2-D Rosenbrock from (-1.5, 2); print and write the table."""
    from jaxdescent import plot

    surface = landscapes.rosenbrock()
    x0 = jnp.array([-1.5, 2.0], jnp.float32)
    rows = ["| optimizer | hyperparameters | max relative deviation from optax |", "|---|---|---|"]
    overlays = {}
    for name in names:
        result = compare_with_optax(name, surface, x0, steps=steps)
        kwargs = ", ".join(f"{k}={v}" for k, v in result.kwargs.items()) or "defaults"
        rows.append(f"| {name} | {kwargs} | {result.max_deviation:.2e} |")
        overlays[f"{name} (jaxdescent)"] = result.ours
        overlays[f"{name} (optax)"] = result.optax
    table = "\n".join(rows)
    (out / "compare.md").write_text(table + "\n")
    if len(names) <= 4:
        drawn = plot.trajectories(surface, overlays)
        figure = getattr(drawn, "figure", None) or drawn[0].figure
        figure.savefig(out / "compare.png", dpi=110)
    print(table)
    print(f"wrote {out / 'compare.md'}")
    return 0
