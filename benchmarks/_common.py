"""What every benchmark shares: the objectives, the optimizers, the two baselines and the clock.

The baselines are what people write without jaxdescent:

* (a) a Python loop over configurations, each taking ``T`` calls of one jitted
  optax step (compiled once: the learning rate is an argument, not a constant);
* (b) the expert's ``jax.jit(jax.vmap(lambda lr: lax.scan(step, ...)))``.

Both record the loss of every step, as the sweep they are compared with does.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax


def rosenbrock(w: jax.Array) -> jax.Array:
    """``(1 - x)^2 + 100 (y - x^2)^2``, minimum 0 at (1, 1)."""
    return (1.0 - w[0]) ** 2 + 100.0 * (w[1] - w[0] ** 2) ** 2


QUADRATIC_DIM = 1000
_CURVATURES = np.geomspace(1.0, 1e3, QUADRATIC_DIM).astype(np.float32)


def quadratic(w: jax.Array) -> jax.Array:
    """``sum_i d_i w_i^2 / 2`` with curvatures ``d_i`` log-spaced from 1 to 1000."""
    return 0.5 * jnp.sum(jnp.asarray(_CURVATURES) * w**2)


@dataclasses.dataclass(frozen=True)
class Problem:
    name: str
    fn: Callable[[jax.Array], jax.Array]
    x0: np.ndarray


@dataclasses.dataclass(frozen=True)
class Method:
    """An optax optimizer family swept over ``learning_rate`` in ``[low, high]``."""

    name: str
    factory: Callable[..., optax.GradientTransformation]
    fixed: dict[str, float]
    low: float
    high: float

    def build(self, learning_rate: Any) -> optax.GradientTransformation:
        return self.factory(learning_rate, **self.fixed)

    def rates(self, n: int) -> np.ndarray:
        return np.geomspace(self.low, self.high, n).astype(np.float32)


PROBLEMS = {
    "rosenbrock-2d": Problem("rosenbrock-2d", rosenbrock, np.array([-1.2, 1.0], np.float32)),
    "quadratic-1000d": Problem("quadratic-1000d", quadratic, np.ones(QUADRATIC_DIM, np.float32)),
}
# learning-rate ranges where every run is stable on both problems (no NaN arithmetic timed)
METHODS = {
    "adam": Method("adam", optax.adam, {}, 1e-4, 1e-2),
    "sgd-momentum": Method("sgd-momentum", optax.sgd, {"momentum": 0.9}, 1e-6, 1e-4),
}


def _step(fn, optimizer, carry):
    params, state = carry
    loss, grads = jax.value_and_grad(fn)(params)
    updates, state = optimizer.update(grads, state, params)
    return (optax.apply_updates(params, updates), state), loss


def expert(problem: Problem, method: Method, steps: int, unroll: int = 1, record: bool = True):
    """Baseline (b): ``jit(vmap(scan))`` over a vector of learning rates.

    Returns ``run(rates) -> (loss (N, T) or None, final_loss (N,))``.
    """
    x0 = jnp.asarray(problem.x0)

    def one(learning_rate):
        optimizer = method.build(learning_rate)
        carry = (x0, optimizer.init(x0))
        body = lambda c, _: _step(problem.fn, optimizer, c)  # noqa: E731
        (params, _), losses = jax.lax.scan(body, carry, length=steps, unroll=unroll)
        return (losses if record else None), problem.fn(params)

    return jax.jit(jax.vmap(one))


def python_loop(problem: Problem, method: Method, steps: int):
    """Baseline (a): for each rate, ``steps`` calls of one jitted optax step.

    Returns ``run(rates) -> list of (T,) loss arrays``.
    """

    @jax.jit
    def step(params, state, learning_rate):
        return _step(problem.fn, method.build(learning_rate), (params, state))

    def run(rates):
        out = []
        for learning_rate in rates:
            params = jnp.asarray(problem.x0)
            state = method.build(1.0).init(params)
            losses = []
            for _ in range(steps):
                (params, state), loss = step(params, state, learning_rate)
                losses.append(loss)
            out.append(jax.block_until_ready(jnp.stack(losses)))
        return out

    return run


def block(tree: Any) -> Any:
    """Wait for every array in ``tree``; NumPy arrays are already there."""
    return jax.block_until_ready(tree)


@dataclasses.dataclass(frozen=True)
class Timing:
    """``first``: the first call (compile + one run); ``steady``: median of later calls.

    ``jax_compile``: the seconds JAX itself reported spending, during the first
    call, on tracing, lowering and XLA compilation (``jax.monitoring``), which
    unlike ``first - steady`` does not drown in the noise of a long steady call.
    """

    first: float
    steady: float
    repeats: int
    jax_compile: float

    @property
    def compile(self) -> float:
        return max(self.first - self.steady, 0.0)


_COMPILE_EVENTS: list[float] = []
jax.monitoring.register_event_duration_secs_listener(
    lambda name, seconds, **_: (
        _COMPILE_EVENTS.append(seconds) if name.startswith("/jax/core/compile/") else None
    )
)
jax.jit(lambda x: x + 1)(np.float32(0))  # pay the process's one-time lowering setup here


def measure(
    call: Callable[[], Any], repeats: int, budget_s: float = 20.0, least_s: float = 0.5
) -> Timing:
    """Time ``call()`` once cold, then warm: ``repeats`` times, more while under ``least_s``."""
    return measure_together([call], repeats, budget_s, least_s)[0]


def _first_call(call: Callable[[], Any]) -> tuple[float, float]:
    """Seconds of the first call, and the seconds JAX reported compiling during it."""
    _COMPILE_EVENTS.clear()
    start = time.perf_counter()
    block(call())
    return time.perf_counter() - start, sum(_COMPILE_EVENTS)


def measure_together(
    calls: list[Callable[[], Any]], repeats: int, budget_s: float = 20.0, least_s: float = 0.5
) -> list[Timing]:
    """Time each call once cold, then warm in turns (a, b, a, b, ...), so that a change in
    the machine's load between the two measurements does not land on one side only.

    Short calls are repeated (up to 100 rounds) until ``least_s`` has passed, so
    that a median of sub-millisecond calls is not a median of five noisy ones;
    long ones stop after ``budget_s`` (and at least one round).
    """
    firsts = [_first_call(call) for call in calls]
    times: list[list[float]] = [[] for _ in calls]
    spent, rounds = 0.0, 0
    while rounds < 1 or (
        spent < budget_s and (rounds < repeats or (spent < least_s and rounds < 100))
    ):
        for call, record in zip(calls, times, strict=True):
            start = time.perf_counter()
            block(call())
            record.append(time.perf_counter() - start)
            spent += record[-1]
        rounds += 1
    return [
        Timing(first, statistics.median(taken), rounds, compiled)
        for (first, compiled), taken in zip(firsts, times, strict=True)
    ]


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """Rows of equal keys as a markdown table (floats to 3 significant digits)."""
    if not rows:
        return "(no rows)"
    keys = list(rows[0])
    fmt = lambda v: f"{v:.3g}" if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(fmt(row.get(k, "")) for k in keys) + " |" for row in rows]
    return "\n".join(lines)
