"""``sweep``: many descents (hyperparameters x starts x seeds) as one compiled, sharded program.

The road of one hyperparameter, ``sweep(fn, jd.adam, learning_rate=[1e-3, 1e-2], ...)``:

0. :func:`jaxdescent._categorical.sweep_each` takes out what is not a float (a list
   of flags, names, callables, or integers for a keyword without a float default; a
   dict of factories) and walks this road once per combination of those values, each
   a Python constant of its program; ``learning_rate`` is a float: walked once.
1. :func:`jaxdescent._grid.make_grid` names the dims and coordinates;
   ``learning_rate`` varies along its own dim (``Grid.along``), numeric keywords
   given once and the factory's float defaults are shared by every run
   (``Grid.fixed``), the rest (an integer too, unless its default is a float) are
   static settings. A numeric one that the factory branches on in Python fails the
   trace; :func:`jaxdescent._branching.naming_branches` then names it.
2. :meth:`jaxdescent._grid.Grid.runs` picks each run's values by flat index.
3. :func:`jaxdescent._execute.kernel`, one ``jit(vmap(run_descent))``, calls
   ``jd.adam(**values)`` per run, every numeric value traced and weakly typed,
   exactly as ``minimize`` traces an optimizer's leaves: a one-configuration sweep
   equals ``minimize`` bit for bit, and new values never recompile.
4. adam's ``update`` reads ``h.learning_rate``.
5. With categorical values, the results of every combination are stacked on
   leading dims (:func:`jaxdescent._categorical.join`).

Records come back from the kernel shaped as the user sees them, ``(*dims, records)``:
a sweep that fits on its devices keeps them there (``jax.Array``); a chunked one
fills NumPy arrays chunk by chunk (:mod:`jaxdescent._execute`).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable
from typing import Any

from jaxdescent import _branching, _categorical, _execute
from jaxdescent._batches import Sampling
from jaxdescent._checks import check_callable, check_directory, check_flag
from jaxdescent._descent import DescentConfig
from jaxdescent._grid import Grid, make_grid, with_defaults
from jaxdescent._input_checks import check_args, check_data, check_tolerance
from jaxdescent._memory import check_records_fit
from jaxdescent._optimizer import Static
from jaxdescent._results import SweepResult
from jaxdescent._store import Store
from jaxdescent._sweep_checks import FactoryKeywords, check_not_traced

PyTree = Any


def sweep(
    fn: Callable[..., Any],
    optimizer_factory: Callable[..., Any] | dict[str, Callable[..., Any]],
    *,
    x0: PyTree = None,
    starts: PyTree = None,
    steps: int,
    seeds: Any = None,
    pairing: str = "grid",
    record_every: int | None = 1,
    record_params: bool = False,
    record_grad_norm: bool = True,
    tolerance: float | None = None,
    chunk_size: int | None = None,
    memory_budget: int | None = None,
    save_to: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    args: tuple[Any, ...] = (),
    has_aux: bool = False,
    data: PyTree = None,
    batch_size: int | None = None,
    sampling: Sampling = "shuffle",
    evaluate: Callable[[PyTree], PyTree] | None = None,
    evaluate_every: int | None = None,
    diverge_above: float | None = None,
    unroll: int = 1,
    devices: Any = None,
    **hyperparameters: Any,
) -> SweepResult:
    r"""Run one descent per configuration (hyperparameters x starts x seeds), all in one program.

    Each run is exactly :func:`jaxdescent.minimize` with
    ``optimizer_factory(**hyperparameters_of_the_run)``; the runs are vectorised
    with ``vmap``, compiled once, and split over the devices (see
    :mod:`jaxdescent._execute` for several hosts, where each process computes its
    share and every process receives the whole result).

    Every numeric hyperparameter (swept, given once, or a float default of the
    factory's signature) is a traced, weakly typed value, as a jaxdescent
    optimizer's leaves are in ``minimize``: a one-configuration sweep equals
    ``minimize`` bit for bit, and new values never recompile. A factory may
    therefore not branch in Python on a float (optax's schedules do: build them from
    fixed numbers and scale by the swept value, see docs/howto/sweeps.md); such a
    hyperparameter is refused by name.

    What is not a float is passed as it is, a Python constant of the compiled
    program: booleans, strings, ``None``, callables, and integers, except that an
    integer given for a keyword whose default in the factory's signature is a float
    (``jd.adam(eps_root=0)``) is numeric like a float. Given as a list, such values
    make a categorical dim: one compiled sweep per value, joined into one result.
    A dict of factories makes the dim ``"optimizer"`` (coordinates: its keys); each
    factory keeps its own defaults, and every keyword must be one that every
    factory accepts.

    Args:
      fn: the objective, as in :func:`jaxdescent.minimize`.
      optimizer_factory: builds an optimizer from keyword hyperparameters, e.g.
        ``jaxdescent.adam`` or ``optax.adam``; or a dict of them by name, swept over.
      x0: one starting point (a pytree of float arrays); or
      starts: a batch of starting points (a leading axis on every leaf): dim ``"start"``.
      steps: update steps per run.
      seeds: integers in [0, 2**32), one PRNG key ``jax.random.key(seed)`` each,
        or a count ``n`` for seeds ``0..n-1``: dim ``"seed"``.
      pairing: ``"grid"`` (every combination of the swept values, in the order
        given) or ``"zip"`` (the i-th values together, one dim ``"sample"``:
        random search).
      record_every, record_params, record_grad_norm, args, has_aux: as in
        :func:`minimize` (``record_params`` defaults to ``False`` here).
      data, batch_size, sampling, evaluate, evaluate_every, diverge_above, unroll: as
        in :func:`minimize`.
      tolerance: for ``steps_to_tolerance``: the first recorded step with loss <= tolerance.
      chunk_size: runs per compiled call (rounded up to a multiple of the device
        count); the last chunk is padded, so every chunk shares one compilation.
      memory_budget: bytes per chunk, from which ``chunk_size`` is chosen
        (recorded output plus descent state per run; XLA's scratch is not counted).
      save_to: a directory; each finished chunk is written there, and a rerun of
        the same sweep resumes from what is saved. The directory is identified by
        what the sweep computes (the traced objective, optimizer and ``evaluate``
        with their constants, the data and every argument): a different sweep is
        refused, naming what differs.
      progress: draw a progress bar (``tqdm.auto``: chunks done, rate, time left; a
        widget in a notebook) on standard error for multi-chunk sweeps. Default: when
        standard error is a terminal or this is a notebook.
      devices: the devices to split the runs over. Default: every local device,
        or only the first for a sweep too small to gain from splitting (under
        ``2**18`` runs x steps x parameters).
      **hyperparameters: a 1-D sequence of values (swept) or a scalar (fixed) each.
        A list of numbers is swept traced (``pairing`` applies to these); a list of
        distinct values of one other kind (``nesterov=[False, True]``,
        ``memory_size=[5, 10]``, names, callables; ``None`` may join any kind) is a
        categorical dim, always crossed with the rest. Non-numeric settings given
        once (``nesterov=True``, a schedule) are passed as they are.

    Returns:
      A :class:`SweepResult` with dims: the categorical ones first
      (``"optimizer"`` for a dict of factories, then the categorical keywords in the
      order given; coordinates: bools, integers and strings as given, other values
      by name, e.g. a function's ``__name__``), then the numerically swept
      hyperparameters, then ``"start"`` (with ``starts``), then ``"seed"`` (with
      ``seeds``); with nothing swept, one run and no dims. ``sweep`` returns once
      every run has finished. A sweep that ran as one chunk holds ``jax.Array``
      fields that stay on the devices until read; several chunks, ``save_to`` or
      categorical dims give NumPy arrays. With ``save_to``, each categorical
      combination is saved (and resumed) in a subdirectory named after its values.

    Raises:
      ValueError, TypeError: on bad input, before anything is computed: every
        configuration's optimizer is built first (see
        ``jaxdescent._grid.check_every_run``); a
        result that would not fit in the machine's memory is refused (see
        ``jaxdescent._memory.check_records_fit``); so is a traced argument
        (``sweep`` inside ``jax.jit``): a sweep compiles and runs its own program.
        Every categorical combination is checked before any is computed; a list
        mixing kinds (``[True, 0.5]``) or repeating a value, an empty dict or one not
        keyed by strings, and a float hyperparameter the factory branches on in
        Python are refused by name.
      SweepInterrupted: a :class:`KeyboardInterrupt` (Ctrl-C) during a ``save_to``
        sweep, whose message says how many chunks are saved: the same call resumes.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> res = jd.sweep(lambda w: jnp.sum(w**2), jd.sgd, x0=jnp.array([1.0]), steps=2,
      ...                learning_rate=[0.25, 0.5])
      >>> res.dims, res.final_loss  # w <- (1 - 2 lr) w: halved twice, or zeroed
      (('learning_rate',), Array([0.0625, 0.    ], dtype=float32))
      >>> both = jd.sweep(lambda w: jnp.sum(w**2), {"sgd": jd.sgd, "adam": jd.adam},
      ...                 x0=jnp.array([1.0]), steps=2, learning_rate=[0.25, 0.5])
      >>> both.dims, both.sel(optimizer="sgd").final_loss  # the sgd runs above
      (('optimizer', 'learning_rate'), array([0.0625, 0.    ], dtype=float32))
    """
    options = {k: v for k, v in locals().items() if k not in ("fn", "optimizer_factory")}
    given = options.pop("hyperparameters")
    return _categorical.sweep_each(
        functools.partial(prepare, fn), optimizer_factory, given, options
    )


@dataclasses.dataclass(frozen=True)
class Prepared:
    """A sweep checked and planned, nothing computed yet: :meth:`run` computes it."""

    run: Callable[[], SweepResult]
    config: DescentConfig
    grid: Grid
    check_traceable: Callable[[], None]  # names a float the factory branches on, if any


def prepare(
    fn: Callable[..., Any],
    optimizer_factory: Callable[..., Any],
    hyperparameters: dict[str, Any],
    keywords: FactoryKeywords,
    *,
    x0: PyTree,
    starts: PyTree,
    steps: int,
    seeds: Any,
    pairing: str,
    record_every: int | None,
    record_params: bool,
    record_grad_norm: bool,
    tolerance: float | None,
    chunk_size: int | None,
    memory_budget: int | None,
    save_to: str | os.PathLike[str] | None,
    progress: bool | None,
    args: tuple[Any, ...],
    has_aux: bool,
    data: PyTree,
    batch_size: int | None,
    sampling: Sampling,
    evaluate: Callable[[PyTree], PyTree] | None,
    evaluate_every: int | None,
    diverge_above: float | None,
    unroll: int,
    devices: Any,
) -> Prepared:
    """Check every argument of one factory's numeric sweep and plan it (see :func:`sweep`);
    ``keywords``: :func:`jaxdescent._sweep_checks.check_factory_keywords` of the factory."""
    check_callable("fn", fn, "a callable objective fn(params, ...)")
    check_callable("optimizer_factory", optimizer_factory, "a factory of optimizers, e.g. jd.adam")
    check_not_traced(x0=x0, starts=starts, seeds=seeds, args=args, data=data, **hyperparameters)
    check_flag("progress", progress, allow_none=True)
    check_directory("save_to", save_to)
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
    grid = make_grid(hyperparameters, pairing, x0, starts, seeds, keywords.floats)
    check_data(data, batch_size, sampling, seeds is not None, key_name="seeds")
    check_records_fit(config, grid.one_start(), runs=grid.size)
    grid = with_defaults(optimizer_factory, grid, keywords.accepted)
    named = functools.partial(_branching.naming_branches, optimizer_factory, grid)
    shared = {
        "fixed": grid.fixed,
        "starts": grid.starts,
        "args": check_args(args),
        "data": data,
        "tolerance": check_tolerance(tolerance),
    }
    kernel = functools.partial(
        _execute.kernel, Static(fn), Static(optimizer_factory), grid.settings, config
    )
    plan = named(_execute.plan, grid, config, devices, chunk_size, memory_budget, kernel, shared)
    store = None if save_to is None else named(Store.open, save_to, kernel, grid, shared, plan)

    def run() -> SweepResult:
        fields = named(_execute.execute, kernel, grid, shared, plan, store, progress)
        return SweepResult(
            dims=grid.dims,
            coords=grid.coords,
            steps=config.record_steps(),
            evaluation_steps=config.evaluation_steps(),
            **fields,
        )

    check = functools.partial(_branching.check_traceable, optimizer_factory, grid)
    return Prepared(run, config, grid, check)
