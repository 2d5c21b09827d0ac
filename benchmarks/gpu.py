"""Config-steps per second on one accelerator: ``jaxdescent.sweep`` against (b) ``jit(vmap(scan))``.

Run once on the GPU from the repository root::

    python -m benchmarks.gpu            # N up to 2^22, T = 1000, under 6 minutes
    python -m benchmarks.gpu --tiny     # a CPU smoke test of the same script

Series, in order of priority (a later series gets the time left):

1. Adam on 2-D Rosenbrock, final loss only, ``unroll`` in {1, 8, 32};
2. Adam, loss recorded every step, the best ``unroll`` of series 1;
3. SGD with momentum, final loss only, the best ``unroll``.

Each series grows N by powers of 2 up to 2^22 and stops growing once a call
took more than 60 s or the predicted next call would pass the deadline. Both are
timed until every run has finished and its outputs are on the device (a one-chunk
sweep returns jax.Arrays left there; neither side copies to the host here).
Prints a markdown table and, if ``$OUT`` is set, writes ``$OUT/gpu.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time
from typing import Any

import jax

from benchmarks._common import METHODS, PROBLEMS, expert, markdown_table, measure
from benchmarks.bench_sweep import sweep_runner

FULL = {"ns": [2**k for k in (12, 16, 20, 22)], "steps": 1000, "unrolls": (1, 8, 32)}
TINY = {"ns": [16, 64], "steps": 20, "unrolls": (1, 2)}
DEADLINE_S = 300.0  # from the first device call; leaves margin under 6 minutes
SLOW_S = 60.0


class Clock:
    def __init__(self, deadline: float):
        self.start = time.perf_counter()
        self.deadline = deadline

    @property
    def left(self) -> float:
        return self.deadline - (time.perf_counter() - self.start)


def runner(impl: str, method: str, steps: int, unroll: int, record: bool):
    problem, family = PROBLEMS["rosenbrock-2d"], METHODS[method]
    if impl == "sweep":
        run = sweep_runner(problem, family, steps, unroll=unroll, record=record)
    else:
        run = expert(problem, family, steps, unroll=unroll, record=record)

    def at(n: int):
        rates = family.rates(n)
        return lambda: run(rates)

    return at


def series(clock: Clock, impl: str, method: str, record: bool, unroll: int, cfg) -> list[dict]:
    """One implementation over growing N, time-boxed."""
    rows: list[dict[str, Any]] = []
    make = runner(impl, method, cfg["steps"], unroll, record)
    previous = None
    for n in cfg["ns"]:
        row = {"impl": impl, "optimizer": method, "record": "every step" if record else "final"}
        row |= {"unroll": unroll, "N": n, "T": cfg["steps"]}
        if previous is not None:
            scale = n / previous["N"]
            predicted = previous["compile s"] + 3 * previous["steady s"] * scale
            if previous["first s"] > SLOW_S or predicted > clock.left:
                rows.append(
                    row | {"skipped": f"predicted {predicted:.0f} s, {clock.left:.0f} s left"}
                )
                break
        try:
            timing = measure(make(n), repeats=3, budget_s=min(10.0, max(clock.left / 4, 1.0)))
        except Exception as error:  # out of memory, say: record it, stop growing N
            rows.append(row | {"error": f"{type(error).__name__}: {str(error)[:200]}"})
            break
        row |= {
            "first s": timing.first,
            "compile s": timing.compile,
            "steady s": timing.steady,
            "config-steps/s": n * cfg["steps"] / timing.steady,
        }
        rows.append(row)
        previous = row
        print(_line(row), flush=True)
    return rows


def _line(row: dict[str, Any]) -> str:
    return " ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items())


def best_unroll(rows: list[dict[str, Any]], impl: str) -> int:
    """The unroll of the highest sweep (or (b)) throughput at the largest N measured."""
    done = [r for r in rows if r["impl"] == impl and "config-steps/s" in r]
    if not done:
        return 1
    top = max(r["N"] for r in done)
    return max((r for r in done if r["N"] == top), key=lambda r: r["config-steps/s"])["unroll"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu", description=__doc__)
    parser.add_argument("--tiny", action="store_true", help="tiny sizes: a CPU smoke test")
    options = parser.parse_args(sys.argv[1:] if argv is None else argv)
    cfg = TINY if options.tiny else FULL
    clock = Clock(DEADLINE_S)
    device = jax.devices()[0]
    print(
        f"# {len(jax.devices())} x {device.device_kind} ({device.platform}), JAX {jax.__version__}"
    )

    rows: list[dict[str, Any]] = []
    for unroll in cfg["unrolls"]:
        for impl in ("sweep", "expert"):
            rows += series(clock, impl, "adam", False, unroll, cfg)
    for method, record in (("adam", True), ("sgd-momentum", False)):
        for impl in ("sweep", "expert"):
            rows += series(clock, impl, method, record, best_unroll(rows, impl), cfg)

    elapsed = time.perf_counter() - clock.start
    keys = ["impl", "optimizer", "record", "unroll", "N", "T", "compile s", "steady s"]
    keys += ["config-steps/s", "skipped", "error"]
    table = [{k: r.get(k, "") for k in keys} for r in rows]
    print(markdown_table(table))
    print(f"\n(total {elapsed:.0f} s; expert = (b) jit(vmap(scan)))")
    out = os.environ.get("OUT")
    if out:
        report = {
            "device": f"{len(jax.devices())} x {device.device_kind} ({device.platform})",
            "jax": jax.__version__,
            "tiny": options.tiny,
            "elapsed_s": elapsed,
            "rows": rows,
        }
        pathlib.Path(out, "gpu.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
