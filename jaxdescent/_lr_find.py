"""The learning-rate finder: an exponential range test, or a parallel one over a grid.

``method="range"`` is Leslie Smith's range test with fastai's semantics: one
run whose learning rate grows exponentially each step, the loss smoothed and the
run stopped when it blows up. ``method="parallel"`` is what ``vmap`` makes
cheap: many fixed learning rates run side by side for the same steps.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxdescent._checks import (
    check_choice,
    check_optimizer,
    check_positive_int,
    check_real_number,
    check_seed,
    shown,
)
from jaxdescent._descent import DescentConfig
from jaxdescent._input_checks import float_params
from jaxdescent._lr_find_result import LRFindResult, smooth, steep, stop_index, valley
from jaxdescent._memory import check_records_fit
from jaxdescent._minimize import Trajectory, minimize
from jaxdescent._sweep import sweep
from jaxdescent._sweep_checks import check_factory_keywords

PyTree = Any
METHODS = ("range", "parallel")


@dataclasses.dataclass(frozen=True)
class ExponentialRange:
    """The schedule ``alpha_t = alpha_0 (alpha_1 / alpha_0) ** (t / steps)`` (fastai's SchedExp).

    A frozen dataclass, so equal schedules hash equal and a repeated
    ``lr_find`` reuses its compiled program.
    """

    start: float
    end: float
    steps: int

    def __call__(self, count: Any) -> Any:
        t = jnp.asarray(count, jnp.result_type(float))
        return self.start * jnp.exp(t * (math.log(self.end / self.start) / self.steps))

    def values(self, n: int) -> np.ndarray:
        """The first ``n`` learning rates, in float64 on the host."""
        t = np.arange(n, dtype=np.float64)
        return self.start * np.exp(t * (math.log(self.end / self.start) / self.steps))


def lr_find(
    fn: Callable[..., Any],
    x0: PyTree,
    optimizer_factory: Callable[..., Any],
    *,
    method: str = "range",
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    steps: int = 100,
    num: int = 64,
    beta: float = 0.98,
    stop_factor: float = 4.0,
    args: tuple[Any, ...] = (),
    data: PyTree | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    **hyperparameters: Any,
) -> LRFindResult:
    r"""Find a learning rate for ``optimizer_factory`` on ``fn`` from ``x0``.

    ``method="range"`` (Smith 2017; fastai's ``lr_find``) runs **one** descent
    of ``steps`` steps whose learning rate grows exponentially,
    ``alpha_t = start_lr (end_lr / start_lr) ** (t / steps)``, recording the loss
    ``C_t`` of every step. On the host the loss is smoothed
    (``s_t``, a debiased moving average with ``beta``) and cut after the first
    ``s_t > stop_factor * min(s_0..s_t)`` (or where the run diverged). After
    dropping the first ``steps // 10`` and last 5 points, as fastai does, it
    suggests ``valley`` (the middle of the longest decreasing stretch) and
    ``steep`` (the steepest fall of ``s`` against ``log alpha``).

    ``method="parallel"`` runs ``num`` descents side by side, one per rate of a
    log-spaced grid from ``start_lr`` to ``end_lr``, each ``steps`` steps at a
    fixed rate, as one compiled :func:`jaxdescent.sweep`. A rate is *stable* if
    its run stays finite and ends no higher than its starting loss. It suggests
    ``largest_stable`` (the largest rate below which every rate is stable) and
    ``best`` (the rate of lowest final loss among the stable ones; where several
    tie, e.g. losses that reached exactly 0, the middle one).

    Args:
      fn: the objective ``fn(params, *args) -> loss``.
      x0: the starting parameters (a pytree of floating-point arrays).
      optimizer_factory: builds an optimizer from ``learning_rate=`` and
        ``hyperparameters``: ``jaxdescent.adam``, ``optax.sgd`` ...
      method: ``"range"`` or ``"parallel"``.
      start_lr: the smallest learning rate (> 0).
      end_lr: the largest learning rate (> ``start_lr``).
      steps: steps of the range test, or of each run of the parallel test (>= 10).
      num: number of learning rates of the parallel test (>= 2).
      beta: smoothing of the range test's loss, in [0, 1).
      args: extra positional arguments of ``fn``.
      data: a pytree of arrays with a leading example axis, for ``fn(params, batch)``.
      batch_size: minibatch size drawn from ``data`` each step (``None``: all of it).
      seed: the PRNG seed of the minibatches (default 0) or, without ``data``, of
        a stochastic objective ``fn(params, key=...)``; every rate of the
        parallel test sees the same batches.
      stop_factor: the range test stops when the smoothed loss exceeds this
        multiple of its best (> 1).
      **hyperparameters: fixed keyword arguments of ``optimizer_factory``
        (``momentum=0.9``, ``b1=0.95`` ...).

    Returns:
      An :class:`LRFindResult`; ``result.valley``, ``result.best`` ... read its suggestions.

    Raises:
      ValueError, TypeError: on bad input, before anything is computed.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> found = jd.lr_find(lambda w: 50.0 * w @ w, jnp.ones(2), jd.sgd)  # a = 100
      >>> bool(0.05 / 100 < found.steep < 1 / 100), bool(found.valley < found.steep)
      (True, True)
      >>> grid = jd.lr_find(lambda w: 50.0 * w @ w, jnp.ones(2), jd.sgd, method="parallel",
      ...                   start_lr=1e-3, end_lr=1.0, num=4, steps=20)
      >>> grid.stable  # rates 1e-3, 1e-2, 0.1, 1: stable iff rate < 2 / a = 0.02
      array([ True,  True, False, False])

    References:
      Smith, *Cyclical Learning Rates for Training Neural Networks*, WACV 2017,
      arXiv:1506.01186. fastai's ``Learner.lr_find`` (``callback/schedule.py``).
    """
    start_lr, end_lr, steps, num = _check_settings(
        optimizer_factory, method, start_lr, end_lr, steps, num, beta, stop_factor
    )
    if "learning_rate" in hyperparameters:
        raise ValueError("`learning_rate` is what lr_find varies: do not pass it")
    check_factory_keywords(optimizer_factory, {"learning_rate": None, **hyperparameters})
    seed = check_seed("seed", seed, allow_none=True)
    if seed is None and batch_size is not None:
        seed = 0
    passed = {"args": args, "data": data, "batch_size": batch_size}
    if method == "range":
        schedule = ExponentialRange(start_lr, end_lr, steps)
        optimizer = optimizer_factory(learning_rate=schedule, **hyperparameters)
        check_optimizer(optimizer, "optimizer_factory", returned=True)
        key = None if seed is None else jax.random.key(seed)
        run = minimize(fn, x0, optimizer, steps=steps, key=key, record_params=False, **passed)
        return _range_result(run, schedule, beta, stop_factor)
    x0 = float_params(x0)
    check_records_fit(DescentConfig(steps=steps, record_params=False), x0, runs=num)
    grid = np.geomspace(start_lr, end_lr, num)
    seeds = None if seed is None else [seed]
    return _parallel_test(fn, x0, optimizer_factory, grid, steps, seeds, passed, hyperparameters)


def _range_result(run: Trajectory, schedule: ExponentialRange, beta: float, factor: float):
    """Cut the recorded loss where the run diverged or blew up, then suggest rates."""
    steps = schedule.steps
    ran = int(run.diverged_at) if bool(run.diverged) else steps  # records past it are frozen
    loss = np.asarray(run.loss, np.float64)[:ran]
    smoothed = smooth(loss, beta)
    kept = stop_index(smoothed, factor)
    rates = schedule.values(kept)
    window = slice(steps // 10, max(kept - 5, 0))
    suggestions = {
        "valley": valley(rates[window], smoothed[:kept][window]),
        "steep": steep(rates[window], smoothed[:kept][window]),
    }
    return LRFindResult("range", rates, loss[:kept], smoothed[:kept], None, suggestions)


def _parallel_test(fn, x0, factory, grid, steps, seeds, passed, hyperparameters):
    """One sweep over the grid of rates; stable runs end finite and no higher than they began."""
    num = len(grid)
    result = sweep(
        fn,
        factory,
        x0=x0,
        steps=steps,
        seeds=seeds,
        progress=False,
        learning_rate=grid,
        **passed,
        **hyperparameters,
    )
    loss = np.asarray(result.loss, np.float64).reshape(num, -1)
    final = np.asarray(result.final_loss, np.float64).reshape(num)
    diverged = np.asarray(result.diverged).reshape(num)
    stable = ~diverged & np.isfinite(final) & (final <= loss[:, 0])
    unstable = np.flatnonzero(~stable)
    first_bad = int(unstable[0]) if unstable.size else num
    best = math.nan
    if stable.any():
        lowest = np.flatnonzero(stable & (final == final[stable].min()))
        best = float(grid[lowest[len(lowest) // 2]])  # ties (losses that reached 0): the middle
    suggestions = {
        "largest_stable": float(grid[first_bad - 1]) if first_bad else math.nan,
        "best": best,
    }
    return LRFindResult("parallel", grid, loss, None, stable, suggestions)


def _check_settings(factory, method, start_lr, end_lr, steps, num, beta, stop_factor) -> tuple:
    """The settings checked; returns ``(start_lr, end_lr, steps, num)`` as Python numbers."""
    if not callable(factory):
        raise TypeError(
            "`optimizer_factory` must be a callable building an optimizer from "
            f"`learning_rate=...`, e.g. jaxdescent.adam or optax.sgd; got {shown(factory)}"
        )
    check_choice("method", method, METHODS)
    positive = lambda x: np.isfinite(x) & (x > 0)  # noqa: E731
    start_lr = check_real_number("start_lr", start_lr, "a finite number > 0", positive)
    end_lr = check_real_number("end_lr", end_lr, "a finite number > 0", positive)
    if not end_lr > start_lr:
        raise ValueError(f"`end_lr` must be larger than `start_lr` ({start_lr}), got {end_lr}")
    if not math.isfinite(end_lr / start_lr):
        raise ValueError(
            f"`start_lr` ({start_lr}) is too small for `end_lr` ({end_lr}): their ratio "
            "overflows float64"
        )
    steps = check_positive_int("steps", steps, low=10)
    num = check_positive_int("num", num, low=2)
    check_real_number("beta", beta, "in [0, 1)", lambda x: (x >= 0) & (x < 1))
    check_real_number(
        "stop_factor", stop_factor, "a finite number > 1", lambda x: np.isfinite(x) & (x > 1)
    )
    return start_lr, end_lr, steps, num
