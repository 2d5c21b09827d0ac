"""``minimize``: one descent, checked in Python, traced once, run as one compiled ``lax.scan``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxdescent._batches import Sampling
from jaxdescent._checks import check_callable, check_key, check_optimizer
from jaxdescent._descent import Descent, DescentConfig, run_descent
from jaxdescent._input_checks import (
    check_args,
    check_data,
    check_hyperparameter_shapes,
    check_state,
    float_params,
)
from jaxdescent._memory import check_records_fit
from jaxdescent._optimizer import Static, hyperparameters, is_numeric

PyTree = Any


class Trajectory(NamedTuple):
    """The record of one descent (or, under ``vmap``, of many: every field gains a leading axis).

    Attributes:
      params: the parameters at each recorded step, a pytree shaped like ``x0``
        with a leading axis of records (``params[0]`` is ``x0``); ``None`` when
        parameters are not recorded.
      loss: ``loss[i] = fn(params[i])`` at each recorded step (the minibatch loss
        when training on data).
      grad_norm: global Euclidean norm of the gradient at each recorded step
        (``None`` with ``record_grad_norm=False``).
      steps: the step number of each record (``0, k, 2k, ..., steps``).
      aux: the objective's auxiliary output at each record (``has_aux=True``), else ``None``.
      evaluations: ``evaluate(params)`` at each evaluation step, else ``None``.
      evaluation_steps: the step numbers of ``evaluations``, else ``None``.
      final_params: the parameters after the last step.
      final_loss: the loss at ``final_params``.
      diverged: whether the loss stopped being finite (or exceeded
        ``diverge_above``), or the final parameters are not finite.
      diverged_at: the first step whose loss was not finite, -1 if none (``steps``
        when only the final loss or parameters are). From then on the run is frozen at the
        parameters of that step: usually finite ones whose loss overflowed, or
        the non-finite ones an overflowing update produced.
      final_state: the optimizer's state after the last step (L-BFGS memory,
        moments, schedule-free averages ...): ``minimize(..., x0=run.final_params,
        state=run.final_state)`` continues the descent.
    """

    params: PyTree | None
    loss: jax.Array
    grad_norm: jax.Array | None
    steps: jax.Array
    aux: PyTree | None
    evaluations: PyTree | None
    evaluation_steps: jax.Array | None
    final_params: PyTree
    final_loss: jax.Array
    diverged: jax.Array
    diverged_at: jax.Array
    final_state: PyTree


def trajectory(config: DescentConfig, descent: Descent) -> Trajectory:
    """The :class:`Trajectory` of one (unbatched) descent: its records joined."""
    records = descent.records
    return Trajectory(
        params=records.params,
        loss=records.loss,
        grad_norm=records.grad_norm,
        steps=jnp.asarray(config.record_steps()),
        aux=records.aux,
        evaluations=descent.evaluations,
        evaluation_steps=None
        if config.evaluate is None
        else jnp.asarray(config.evaluation_steps()),
        final_params=descent.final_params,
        final_loss=descent.final_loss,
        diverged=descent.diverged_at >= 0,
        diverged_at=descent.diverged_at,
        final_state=descent.final_state,
    )


def split(tree: PyTree) -> tuple[list[Any], Any]:
    """A pytree's numeric leaves (traced by ``jit``) and the rest, static and hashable.

    An optax optimizer built from closures has function leaves; a jaxdescent one
    has only its numeric hyperparameters.
    """
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    dynamic = [leaf if is_numeric(leaf) else None for leaf in leaves]
    static = tuple(None if is_numeric(leaf) else Static(leaf) for leaf in leaves)
    return dynamic, (treedef, static)


def join(dynamic: list[Any], static: Any) -> PyTree:
    """Inverse of :func:`split`."""
    treedef, fixed = static
    leaves = [d if s is None else s.value for d, s in zip(dynamic, fixed, strict=True)]
    return jax.tree_util.tree_unflatten(treedef, leaves)


@functools.partial(jax.jit, static_argnames=("fn", "static_optimizer", "config"))
def _descend(fn, x0, dynamic_optimizer, static_optimizer, config, args, data, key, state):
    optimizer = join(dynamic_optimizer, static_optimizer)
    if state is not None:
        check_state(state, jax.eval_shape(optimizer.init, x0))
    descent = run_descent(fn.value, x0, optimizer, config, args, data, key, state)
    return trajectory(config, descent)


def minimize(
    fn: Callable[..., Any],
    x0: PyTree,
    optimizer: optax.GradientTransformation,
    *,
    steps: int,
    args: tuple[Any, ...] = (),
    has_aux: bool = False,
    record_every: int | None = 1,
    record_params: bool = True,
    record_grad_norm: bool = True,
    data: PyTree | None = None,
    batch_size: int | None = None,
    sampling: Sampling = "shuffle",
    key: jax.Array | None = None,
    evaluate: Callable[[PyTree], PyTree] | None = None,
    evaluate_every: int | None = None,
    diverge_above: float | None = None,
    unroll: int = 1,
    state: PyTree | None = None,
) -> Trajectory:
    r"""Descend ``fn`` from ``x0`` for ``steps`` steps as one compiled ``lax.scan``.

    Each step evaluates the loss and gradient at the current parameters ``w_t``
    and applies the optimizer's update::

        C_t, g_t = fn(w_t), grad fn(w_t) ;  u_t, s = optimizer.update(g_t, s, w_t)
        w_{t+1} = w_t + u_t

    A run whose loss or parameters stop being finite is *diverged*: it is frozen
    at its last finite parameters, flagged, and the step recorded.

    Args:
      fn: the objective, ``fn(params, *args) -> loss`` (a float scalar). With
        ``data``: ``fn(params, batch, *args)``. With ``key`` and no data:
        ``fn(params, *args, key=step_key)`` for stochastic objectives.
        With ``has_aux=True`` it returns ``(loss, aux)``.
      x0: the starting parameters, any pytree of floating-point arrays, real or
        complex (a complex leaf descends along ``conj(grad)``, as optax's complex tests do).
      optimizer: any optax ``GradientTransformation`` (jaxdescent's or optax's).
      steps: number of update steps (>= 1).
      args: extra positional arguments passed to ``fn`` after the parameters.
      has_aux: ``fn`` returns ``(loss, aux)``; ``aux`` is recorded with the loss.
      record_every: record every k-th step (and always the last); ``None``
        records only the final state, for long runs.
      record_params: also record the parameters (not only loss and gradient norm).
      record_grad_norm: record the gradient norm (``False`` saves a reduction and
        an output stream per step when only the loss is wanted).
      data: a pytree of arrays with a leading example axis for ``fn(params, batch)``.
      batch_size: minibatch size drawn from ``data`` at every step inside the
        compiled loop (``None``: the full data every step).
      sampling: ``"shuffle"`` (a new permutation each epoch) or ``"replacement"``.
      key: a ``jax.random`` key for minibatches or stochastic objectives; the
        same key gives the same run, bit for bit.
      evaluate: ``evaluate(params) -> pytree`` (e.g. full-data loss and accuracy),
        recorded every ``evaluate_every`` steps (default: every record).
      evaluate_every: steps between evaluations, a multiple of ``record_every``.
      diverge_above: a finite loss above this also counts as divergence.
      unroll: steps per compiled loop iteration (``lax.scan``'s ``unroll``).
      state: the optimizer state to start from (a previous run's ``final_state``,
        with ``x0`` its ``final_params``); default ``optimizer.init(x0)``. The step
        count of minibatches and keys starts again at 0: for a stochastic objective
        pass a new ``key`` to continue with fresh draws.

    Returns:
      A :class:`Trajectory`.

    Raises:
      ValueError, TypeError: on bad input, before anything is computed; also when
        the records would not fit in memory. What only a trace reveals (the
        objective's output, the gradients' shapes, a mask's structure) is checked
        while ``fn`` is traced, still before anything runs.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> run = jd.minimize(lambda w: jnp.sum(w**2), jnp.array([1.0, -1.0]), jd.sgd(0.25), steps=3)
      >>> run.loss  # each step halves w, so the loss falls by 4x
      Array([2.     , 0.5    , 0.125  , 0.03125], dtype=float32)
    """
    check_callable("fn", fn, "a callable objective fn(params, ...)")
    check_optimizer(optimizer)
    x0 = float_params(x0)
    check_hyperparameter_shapes(
        {k: v for k, v in (hyperparameters(optimizer) or {}).items() if is_numeric(v)}, x0
    )
    check_key(key)
    args = check_args(args)
    check_data(data, batch_size, sampling, key is not None, key_name="key")
    config = DescentConfig(
        steps=steps,
        record_every=record_every,
        record_params=record_params,
        record_grad_norm=record_grad_norm,
        has_aux=has_aux,
        batch_size=batch_size,
        sampling=sampling,
        evaluate=evaluate,
        evaluate_every=evaluate_every,
        diverge_above=diverge_above,
        unroll=unroll,
    )
    check_records_fit(config, x0)
    dynamic, static = split(optimizer)
    return _descend(Static(fn), x0, dynamic, static, config, args, data, key, state)
