"""One descent as a pure function of arrays: the kernel that ``minimize`` and ``sweep`` share.

Nothing here compiles. ``minimize`` jits :func:`run_descent`; ``sweep`` jits
``vmap(run_descent)``. This module shapes the loop (how steps group into records
and evaluations); each step is :func:`jaxdescent._step.step`. The objective's output
is checked while it is traced (:func:`jaxdescent._input_checks.check_loss`), so a
compiled call repeats no check.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdescent import _step, _tree
from jaxdescent._batches import Sampling, epoch_order, next_order, num_examples
from jaxdescent._input_checks import check_descent_settings
from jaxdescent._step import Carry, Record, evaluate, healthy, observe

PyTree = Any


@dataclasses.dataclass(frozen=True)
class DescentConfig:
    """The static settings of a descent (part of the compilation key), checked when built."""

    steps: int
    record_every: int | None = 1
    record_params: bool = True
    record_grad_norm: bool = True
    has_aux: bool = False
    batch_size: int | None = None
    sampling: Sampling = "shuffle"
    evaluate: Callable[[PyTree], PyTree] | None = None
    evaluate_every: int | None = None
    diverge_above: float | None = math.inf
    unroll: int = 1

    def __post_init__(self) -> None:
        for name, value in check_descent_settings(self).items():
            object.__setattr__(self, name, value)

    @property
    def block(self) -> int:
        """Steps between evaluations (between records when nothing is evaluated)."""
        return self.evaluate_every or self.record_every or self.steps

    def records(self) -> int:
        """How many records a descent keeps (the length of :meth:`record_steps`)."""
        return 1 if self.record_every is None else -(-self.steps // self.record_every) + 1

    def record_steps(self) -> np.ndarray:
        """Step numbers of the records: every ``record_every``-th step, then the last."""
        if self.record_every is None:
            return np.array([self.steps], np.int32)
        return np.append(np.arange(0, self.steps, self.record_every), self.steps).astype(np.int32)

    def evaluation_steps(self) -> np.ndarray | None:
        if self.evaluate is None:
            return None
        return np.append(np.arange(0, self.steps, self.block), self.steps).astype(np.int32)


def _shuffles(config: DescentConfig, data) -> bool:
    """Whether minibatches walk through a carried permutation per epoch."""
    return data is not None and config.batch_size is not None and config.sampling == "shuffle"


def _run(step, carry: Carry, n: int, unroll: int) -> Carry:
    """``n`` steps without recording anything."""
    if n == 0:
        return carry
    return jax.lax.scan(lambda c, _: (step(c)[0], None), carry, length=n, unroll=unroll)[0]


def _records(step, carry: Carry, count: int, every: int, unroll: int):
    """``count`` chunks of ``every`` steps, recording the first step of each chunk."""

    def chunk(c, _):
        c, record = step(c)
        return _run(step, c, every - 1, unroll), record

    return jax.lax.scan(chunk, carry, length=count, unroll=1 if every > 1 else unroll)


def _blocks(step, config: DescentConfig, carry: Carry, count: int):
    """``count`` blocks of ``config.block`` steps, each opened by an evaluation."""
    every = config.record_every
    per_block = config.block // every

    if config.evaluate is None:  # one flat loop: no block level at all
        carry, records = _records(step, carry, count * per_block, every, config.unroll)
        return carry, None, records

    def block(c, _):
        evaluation = evaluate(config, c.params)
        c, records = _records(step, c, per_block, every, config.unroll)
        return c, (evaluation, records)

    carry, (evaluations, records) = jax.lax.scan(block, carry, length=count)
    flat = jax.tree_util.tree_map(lambda x: x.reshape((-1, *x.shape[2:])), records)
    return carry, evaluations, flat


def _tail(step, config: DescentConfig, carry: Carry, left: int):
    """The last ``left < block`` steps: evaluated once, recorded every ``record_every``."""
    every = config.record_every
    evaluation = None
    if config.evaluate is not None:
        evaluation = _one(evaluate(config, carry.params))
    carry, records = _records(step, carry, left // every, every, config.unroll)
    if left % every:
        carry, record = step(carry)
        carry = _run(step, carry, left % every - 1, config.unroll)
        records = _concat(records, _one(record))
    return carry, evaluation, records


def _concat(*trees):
    return jax.tree_util.tree_map(lambda *xs: jnp.concatenate(xs), *trees)


def _one(tree):
    """``tree`` as a stack of one record (a leading axis of 1)."""
    return jax.tree_util.tree_map(lambda x: x[None], tree)


class Descent(NamedTuple):
    """One descent's outputs, its records stacked on a leading axis (the last one at the
    final parameters): what ``sweep``'s kernel returns per run, and ``minimize`` wraps."""

    records: Record
    evaluations: PyTree | None
    final_params: PyTree
    final_loss: jax.Array
    diverged_at: jax.Array
    final_state: PyTree


def _depends_on_step(config: DescentConfig, data, key) -> bool:
    """Whether the objective changes from step to step (minibatches, or a key)."""
    return config.batch_size is not None if data is not None else key is not None


def run_descent(
    fn: Callable[..., Any],
    x0: PyTree,
    optimizer: optax.GradientTransformation,
    config: DescentConfig,
    args: tuple[Any, ...] = (),
    data: PyTree | None = None,
    key: jax.Array | None = None,
    opt_state: PyTree | None = None,
) -> Descent:
    """Run ``config.steps`` steps of ``optimizer`` on ``fn`` from ``x0`` (and from
    ``opt_state``, to continue a descent; default ``optimizer.init(x0)``).

    Pure and traceable: no validation, no compilation, safe under ``jit`` and ``vmap``.
    """
    optimizer = optax.with_extra_args_support(optimizer)
    objective = functools.partial(_step.objective, fn, config, args, data, key)
    order, reorder = None, None
    if _shuffles(config, data):
        n, batch_size = num_examples(data), config.batch_size
        order = epoch_order(key, jnp.array(0, jnp.int32), n, batch_size)
        reorder = functools.partial(next_order, key, n=n, batch_size=batch_size)
    latch = _depends_on_step(config, data, key)
    step = functools.partial(_step.step, objective, optimizer, config, latch, reorder)
    t0 = jnp.array(0, jnp.int32)
    opt_state = optimizer.init(x0) if opt_state is None else opt_state
    carry = Carry(x0, opt_state, t0, t0, order)

    evaluations, records = None, None
    if config.record_every is None:
        carry = _run(step, carry, config.steps, config.unroll)
    else:
        n_blocks = config.steps // config.block
        carry, evaluations, records = _blocks(step, config, carry, n_blocks)
        left = config.steps - n_blocks * config.block
        if left:
            carry, tail_evaluation, tail = _tail(step, config, carry, left)
            records = _concat(records, tail)
            if config.evaluate is not None:
                evaluations = _concat(evaluations, tail_evaluation)
    _, last = observe(objective, config, carry, with_grads=config.record_grad_norm)
    records = _one(last) if records is None else _concat(records, _one(last))
    final_state = carry.opt_state
    if config.evaluate is not None:
        evaluations = _concat(evaluations, _one(evaluate(config, carry.params)))
    diverged_at = _diverged_at(config, carry, last)
    return Descent(records, evaluations, carry.params, last.loss, diverged_at, final_state)


def _diverged_at(config: DescentConfig, carry: Carry, last: Record) -> jax.Array:
    """The step whose loss first failed: the run's move count if it stopped moving;
    ``steps`` if only the final loss or parameters are not finite; else -1."""
    finished = healthy(config, last.loss) & _tree.all_finite(carry.params)
    steps = jnp.int32(config.steps)
    return jnp.where(carry.moves < steps, carry.moves, jnp.where(finished, -1, steps))
