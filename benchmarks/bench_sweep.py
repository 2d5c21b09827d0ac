"""``jaxdescent.sweep`` against the two baselines, the persistent cache, and a million-run sweep.

Every figure is measured in this process (the cache and memory checks in fresh
child processes, which is their point) and reported as a ratio against the
expert baseline (b) measured in the same run.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

import numpy as np

from benchmarks._common import (
    METHODS,
    PROBLEMS,
    Method,
    Problem,
    expert,
    measure,
    measure_together,
    python_loop,
)

FULL = {
    "n": (16, 256, 4096),
    "t": (100, 1000),
    "problems": tuple(PROBLEMS),
    "methods": tuple(METHODS),
}
QUICK_CELLS = (
    ("rosenbrock-2d", "adam", 256, 1000),
    ("rosenbrock-2d", "sgd-momentum", 4096, 100),
    ("quadratic-1000d", "adam", 256, 100),
)
LOOP_CONFIGS = 3  # baseline (a) is timed on this many configurations and extrapolated
MEMORY_RUNS = {"quick": 65_536, "full": 1_048_576}
CACHE_CELL = ("rosenbrock-2d", "adam", 256, 1000)


def sweep_runner(
    problem: Problem, method: Method, steps: int, unroll: int = 1, record: bool = True
):
    """``rates -> SweepResult``: one ``jaxdescent.sweep`` over the learning rates.

    It records what (b) records, the loss (every step or final only), so both do
    the same work; the gradient norm, which sweep records by default, is left out.
    """
    from jaxdescent import sweep

    def run(rates):
        return sweep(
            problem.fn,
            method.factory,
            x0=problem.x0,
            steps=steps,
            record_every=1 if record else None,
            record_params=False,
            record_grad_norm=False,
            unroll=unroll,
            progress=False,
            learning_rate=rates,
            **method.fixed,
        )

    return run


def compare_cell(
    problem: Problem, method: Method, n: int, steps: int, repeats: int
) -> dict[str, Any]:
    """One row: steady and compile times of sweep, (b) and (a), as ratios against (b)."""
    rates = method.rates(n)
    expert_run = expert(problem, method, steps)
    sweep_run = sweep_runner(problem, method, steps)
    # (b) and sweep in turns; then the same with every step's loss copied into NumPy.
    b, s = measure_together([lambda: expert_run(rates), lambda: sweep_run(rates)], repeats)
    read = [lambda: np.asarray(expert_run(rates)[0]), lambda: np.asarray(sweep_run(rates).loss)]
    b_read, s_read = measure_together(read, repeats)
    loop = python_loop(problem, method, steps)
    a = measure(lambda: loop(rates[:LOOP_CONFIGS]), 1)
    loop_steady = a.steady * n / min(n, LOOP_CONFIGS)
    return {
        "problem": problem.name,
        "optimizer": method.name,
        "N": n,
        "T": steps,
        "sweep steady s": s.steady,
        "(b) steady s": b.steady,
        "steady sweep/(b)": s.steady / b.steady,
        "loss read to NumPy: sweep/(b)": s_read.steady / b_read.steady,
        "sweep compile s": s.compile,
        "(b) compile s": b.compile,
        "compile sweep/(b)": _ratio(s.compile, b.compile, floor=0.05 * max(s.steady, b.steady)),
        "sweep JAX compile s": s.jax_compile,
        "(b) JAX compile s": b.jax_compile,
        "JAX compile sweep/(b)": s.jax_compile / b.jax_compile,
        "sweep Mcfg-steps/s": n * steps / s.steady / 1e6,
        "(a) steady s (extrap.)": loop_steady,
        "(a)/sweep": loop_steady / s.steady,
    }


def _ratio(x: float, y: float, floor: float = 0.0) -> float | str:
    """``x / y``, or "n/a" where either is under ``floor`` (first - steady is then noise)."""
    return x / y if min(x, y) > floor and y > 0 else "n/a"


def comparison(quick: bool) -> list[dict[str, Any]]:
    if quick:
        cells = QUICK_CELLS
    else:
        cells = tuple(
            (p, m, n, t)
            for p in FULL["problems"]
            for m in FULL["methods"]
            for n in FULL["n"]
            for t in FULL["t"]
        )
    repeats = 3 if quick else 5
    rows = []
    for p, m, n, t in cells:
        rows.append(compare_cell(PROBLEMS[p], METHODS[m], n, t, repeats))
        print(rows[-1], file=sys.stderr, flush=True)  # progress, and a record if a later cell fails
    return rows


def overhead_row(method: Method) -> dict[str, Any]:
    """The fixed cost of a call: a warm sweep of 2 runs x 1 step against (b), one device."""
    problem, rates = PROBLEMS["rosenbrock-2d"], method.rates(2)
    expert_run, sweep_run = expert(problem, method, 1), sweep_runner(problem, method, 1)
    b, s = measure_together([lambda: expert_run(rates), lambda: sweep_run(rates)], 200)
    return {
        "optimizer": method.name,
        "N x T": "2 x 1",
        "(b) steady us": b.steady * 1e6,
        "sweep steady us": s.steady * 1e6,
        "sweep - (b) us": (s.steady - b.steady) * 1e6,
    }


# ---- child processes ---------------------------------------------------------------------------


def _child(*argv: str) -> dict[str, Any]:
    """Run this module in a fresh Python and read the JSON line it prints last."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_sweep", *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    if out.returncode:
        raise RuntimeError(f"child {argv} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cache_child(directory: str) -> dict[str, Any]:
    """In a fresh process: enable the cache, run the sweep twice, report compile time and hits."""
    import jax

    import jaxdescent as jd

    hits: list[str] = []
    jax.monitoring.register_event_listener(
        lambda name, **_: hits.append(name) if name.endswith("cache_hits") else None
    )
    jd.enable_compilation_cache(directory)
    p, m, n, t = CACHE_CELL
    run = sweep_runner(PROBLEMS[p], METHODS[m], t)
    rates = METHODS[m].rates(n)
    timing = measure(lambda: run(rates), 3)
    return {"compile": timing.compile, "first": timing.first, "hits": len(hits)}


def cache_check() -> list[dict[str, Any]]:
    """A second process running the same sweep loads it from the persistent cache."""
    with tempfile.TemporaryDirectory() as directory:
        cold = _child("cache", directory)
        warm = _child("cache", directory)
    p, m, n, t = CACHE_CELL
    return [
        {
            "sweep": f"{p} {m} N={n} T={t}",
            "compile cold s": cold["compile"],
            "compile warm s": warm["compile"],
            "warm/cold": warm["compile"] / cold["compile"],
            "cache hits cold": cold["hits"],
            "cache hits warm": warm["hits"],
        }
    ]


def memory_child(n: int) -> dict[str, Any]:
    """In a fresh process: ``n`` Adam runs x 100 steps on Rosenbrock, loss recorded every step.

    The loss records are read (copied into NumPy), so the peak counts them on the host.
    """
    start = time.perf_counter()
    result = sweep_runner(PROBLEMS["rosenbrock-2d"], METHODS["adam"], 100)(METHODS["adam"].rates(n))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    return {
        "seconds": seconds,
        "peak_rss_gb": peak / 2**30,
        "loss_shape": list(np.shape(result.loss)),
        "finite": bool(np.isfinite(result.final_loss).all()),
    }


def memory_check(quick: bool) -> list[dict[str, Any]]:
    n = MEMORY_RUNS["quick" if quick else "full"]
    out = _child("memory", str(n))
    return [
        {
            "runs x steps": f"{n:,} x 100",
            "recording": "loss every step (no gradient norm, no params)",
            "loss shape": "x".join(map(str, out["loss_shape"])),
            "seconds": out["seconds"],
            "peak RSS GB": out["peak_rss_gb"],
            "within 24 GB": out["peak_rss_gb"] < 24,
            "all finite": out["finite"],
        }
    ]


def run(quick: bool) -> list[tuple[str, list[dict[str, Any]]]]:
    """The benchmark sections: (title, rows)."""
    return [
        ("fixed cost per call (rosenbrock-2d)", [overhead_row(m) for m in METHODS.values()]),
        ("sweep vs (b) jit(vmap(scan)) and (a) Python loop", comparison(quick)),
        ("persistent compilation cache (fresh process each)", cache_check()),
        ("memory (fresh process)", memory_check(quick)),
    ]


if __name__ == "__main__":
    kind, argument = sys.argv[1], sys.argv[2]
    result = cache_child(argument) if kind == "cache" else memory_child(int(argument))
    print(json.dumps(result))
