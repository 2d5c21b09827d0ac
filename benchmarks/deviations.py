"""Largest deviation of every jaxdescent optimizer from its reference, as a markdown table.

Usage (from the repository root)::

    python benchmarks/deviations.py [--only adam sgd ...] [--draws 10]

For each optimizer of the test registry (``tests/registry.py``) and each of its
keyword sets, it measures what ``tests/test_optimizers.py`` and
``tests/test_optimizer_properties.py`` assert, and prints the largest value per
optimizer: the relative deviation ``max_t max|a_t - b_t| / max|b_t|`` of the
updates on the 100-step gradient stream (float32 and float64), of the iterates
of 200-step float64 descents by ``minimize`` on 2-D Rosenbrock and on the 50-D
quadratic of condition 1e3, and of the float64 stream updates for ``--draws``
random hyperparameter sets drawn uniformly from each optimizer's valid ranges.
Everything runs all keyword sets on both problems (the test suite alternates).
"""

from __future__ import annotations

import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_dtype_promotion", "strict")

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from tests import equivalence  # noqa: E402
from tests.registry import Case, all_cases  # noqa: E402

COLUMNS = ("stream f32", "stream f64", "rosenbrock", "quadratic", "random hyperparameters")
TOLERANCES = ("1e-6", "1e-12", "1e-10", "1e-10", "1e-12")


def random_deviation(case: Case, draws: int, seed: int = 0) -> float:
    """Largest float64 stream deviation (20 steps) over ``draws`` random hyperparameter sets."""
    rng = np.random.default_rng(seed)
    fixed = {k: v for k, v in case.kwargs[0].items() if k not in case.ranges}
    worst = 0.0
    for _ in range(draws if case.ranges else 0):
        drawn = {k: float(rng.uniform(low, high)) for k, (low, high) in case.ranges.items()}
        deviation = equivalence.stream_deviation(case, {**fixed, **drawn}, jnp.float64, steps=20)
        worst = max(worst, deviation)
    return worst


def measure(case: Case, draws: int) -> tuple[float, ...]:
    """The row of largest deviations for one optimizer, over all its keyword sets."""
    worst = dict.fromkeys(COLUMNS, 0.0)
    for kwargs in case.kwargs:
        streams = equivalence.stream_deviations(case, kwargs)
        trajectories = equivalence.trajectory_deviations(case, kwargs)
        found = {
            "stream f32": streams["float32"],
            "stream f64": streams["float64"],
            **trajectories,
        }
        worst = {k: max(v, found.get(k, 0.0)) for k, v in worst.items()}
    worst["random hyperparameters"] = random_deviation(case, draws)
    return tuple(worst.values())


def table(rows: dict[str, tuple[tuple[float, ...], str]]) -> str:
    """A markdown table: one row per optimizer, one column per test, plus the reference."""
    lines = [
        "| optimizer | " + " | ".join(COLUMNS) + " | reference |",
        "|---" * (len(COLUMNS) + 2) + "|",
        "| *tolerance* | " + " | ".join(TOLERANCES) + " | |",
    ]
    for name, (values, reference) in rows.items():
        cells = " | ".join("0" if v == 0 else f"{v:.1e}" for v in values)
        lines.append(f"| {name} | {cells} | {reference} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="optimizer names (default: all)")
    parser.add_argument("--draws", type=int, default=10, help="random hyperparameter sets")
    args = parser.parse_args(argv)
    rows = {}
    for case in all_cases():
        if args.only and case.name not in args.only:
            continue
        reference = "paper transcription" if case.reference_note else "optax 0.2.8"
        rows[case.name] = (measure(case, args.draws), reference)
        print(f"measured {case.name}", file=sys.stderr, flush=True)
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
