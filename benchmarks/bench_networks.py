"""Training N small networks: one ``jaxdescent.sweep`` against N separate ``minimize`` calls.

The network is the MLP of ``examples/mlp_digits.py`` (64 -> 32 -> 10, ReLU,
cross-entropy) trained by minibatch SGD with momentum (batch 32, shuffled
epochs, drawn inside the compiled loop) on scikit-learn's digits; without
scikit-learn, random data of the same shape (the timing does not depend on the
values). The N runs differ by seed (their minibatch streams).

* sweep: ``jd.sweep(..., seeds=range(N))``: one compiled, vectorised program.
* loop: ``for seed in range(N): jd.minimize(..., key=jax.random.key(seed))``,
  each call jitted (compiled once, reused N times): what a user writes first.

Each row starts from empty JAX caches, so "first" (compile + one run) is
comparable between the two. "warm" is the best of ``repeats`` later calls,
taken alternately from the two sides (the minimum, not the median, because this
machine is shared and contention only ever adds time). ``loop/sweep`` > 1
favours the sweep.

``python -m benchmarks.bench_networks [--quick]`` prints the table.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks._common import markdown_table

FULL = {"n": (16, 64), "steps": 200, "repeats": 5}
QUICK = {"n": (8,), "steps": 50, "repeats": 2}
BATCH = 32
LEARNING_RATE = 0.1


def digits_or_lookalike() -> tuple[dict[str, jax.Array], str]:
    """The digits' training set, or random data of its shape when scikit-learn is missing."""
    import jaxdescent as jd

    try:
        return jd.datasets.digits()[0], "digits"
    except ImportError:
        rng = np.random.default_rng(0)
        x = rng.uniform(size=(1348, 64)).astype(np.float32)
        y = rng.integers(0, 10, 1348).astype(np.int32)
        return {"x": jnp.asarray(x), "y": jnp.asarray(y)}, "random (no scikit-learn)"


def init(key: jax.Array, sizes: tuple[int, ...] = (64, 32, 10)) -> list[dict[str, jax.Array]]:
    """He-initialised layers ``{"w", "b"}``."""
    keys = jax.random.split(key, len(sizes) - 1)
    return [
        {
            "w": jax.random.normal(k, (m, n), jnp.float32) * jnp.sqrt(jnp.float32(2.0 / m)),
            "b": jnp.zeros(n, jnp.float32),
        }
        for k, m, n in zip(keys, sizes[:-1], sizes[1:], strict=True)
    ]


def cost(params: list[dict[str, jax.Array]], batch: dict[str, jax.Array]) -> jax.Array:
    """Mean cross-entropy of an MLP with ReLU hidden layers."""
    *hidden, last = params
    x = batch["x"]
    for layer in hidden:
        x = jax.nn.relu(x @ layer["w"] + layer["b"])
    log_p = jax.nn.log_softmax(x @ last["w"] + last["b"])
    return -jnp.mean(jnp.take_along_axis(log_p, batch["y"][:, None], axis=1))


def compare(n: int, steps: int, repeats: int, data: dict[str, jax.Array]) -> dict[str, Any]:
    """One row: steady and compile times of the sweep and of the loop, and their ratio."""
    import jaxdescent as jd

    x0 = init(jax.random.key(0))
    common = {"steps": steps, "data": data, "batch_size": BATCH, "record_every": 1}
    common["record_params"] = False

    def swept():
        return jd.sweep(
            cost, jd.sgd, x0=x0, seeds=np.arange(n), progress=False,
            learning_rate=LEARNING_RATE, momentum=0.9, **common,
        ).final_loss  # fmt: skip

    def looped():
        optimizer = jd.sgd(LEARNING_RATE, momentum=0.9)
        runs = [jd.minimize(cost, x0, optimizer, key=jax.random.key(s), **common) for s in range(n)]
        return [run.final_loss for run in runs]

    jax.clear_caches()
    first = {name: _timed(call) for name, call in (("sweep", swept), ("loop", looped))}
    warm: dict[str, list[float]] = {"sweep": [], "loop": []}
    for _ in range(repeats):
        warm["sweep"].append(_timed(swept))
        warm["loop"].append(_timed(looped))
    best = {name: min(times) for name, times in warm.items()}
    return {
        "N": n,
        "T": steps,
        "sweep warm s": best["sweep"],
        "loop warm s": best["loop"],
        "loop/sweep warm": best["loop"] / best["sweep"],
        "sweep first s": first["sweep"],
        "loop first s": first["loop"],
        "loop/sweep first": first["loop"] / first["sweep"],
    }


def _timed(call) -> float:
    start = time.perf_counter()
    jax.block_until_ready(call())
    return time.perf_counter() - start


def run(quick: bool) -> list[tuple[str, list[dict[str, Any]]]]:
    """The benchmark sections, ``[(title, rows)]``, as ``python -m benchmarks`` collects them."""
    sizes = QUICK if quick else FULL
    data, source = digits_or_lookalike()
    rows = [compare(n, sizes["steps"], sizes["repeats"], data) for n in sizes["n"]]
    title = (
        f"N networks (MLP 64-32-10, SGD momentum, batch {BATCH}, data: {source}): "
        "one sweep over seeds vs a Python loop of minimize"
    )
    return [(title, rows)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N=8, 50 steps")
    options = parser.parse_args()
    for title, rows in run(options.quick):
        print(f"## {title}\n\n{markdown_table(rows)}\n")
