"""``sweep``: many descents (hyperparameters x starts x seeds) as one compiled, sharded program.

The road of one hyperparameter, ``sweep(fn, jd.adam, learning_rate=[1e-3, 1e-2], ...)``:

1. :func:`make_grid` names the dims and coordinates; ``learning_rate`` varies along
   its own dim (``Grid.along``), numeric keywords given once and the factory's float
   defaults are shared by every run (``Grid.fixed``), the rest are static settings.
2. :meth:`Grid.runs` picks each run's values by flat index (a NumPy gather).
3. :func:`jaxdescent._execute.kernel`, one ``jit(vmap(run_descent))``, calls
   ``jd.adam(**values)`` per run, every numeric value traced and weakly typed,
   exactly as ``minimize`` traces an optimizer's leaves: a one-configuration sweep
   equals ``minimize`` bit for bit, and new values never recompile.
4. adam's ``update`` reads ``h.learning_rate``.

Records come back from the kernel shaped as the user sees them, ``(*dims, records)``:
a sweep that fits on its devices keeps them there (``jax.Array``); a chunked one
fills NumPy arrays chunk by chunk (:mod:`jaxdescent._execute`).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from jaxdescent import _categorical, _execute
from jaxdescent._batches import Sampling
from jaxdescent._checks import (
    check_callable,
    check_choice,
    check_directory,
    check_flag,
    check_optimizer,
)
from jaxdescent._descent import DescentConfig
from jaxdescent._input_checks import (
    check_args,
    check_data,
    check_factory_keywords,
    check_hyperparameter,
    check_not_traced,
    check_seeds,
    check_starts,
    check_tolerance,
    float_params,
)
from jaxdescent._memory import check_records_fit
from jaxdescent._optimizer import Static, hyperparameters, is_numeric
from jaxdescent._results import SweepResult
from jaxdescent._store import Store

PyTree = Any
RESERVED = ("sample", "start", "seed")


@dataclasses.dataclass(frozen=True)
class Grid:
    """The configurations: named dims, their coordinates, and what each run receives.

    Attributes:
      dims: the names of the run axes, swept hyperparameters first, then
        ``"start"`` and ``"seed"``.
      coords: the values along each dim (and, for ``pairing="zip"``, each
        hyperparameter's values along ``"sample"``).
      along: swept hyperparameter -> the dim it varies along.
      fixed: numeric hyperparameters every run shares, traced (float defaults included).
      settings: non-numeric keywords, static: ``(name, Static(value))`` pairs.
      starts: ``x0``, or the batch of starts (a leading axis, dim ``"start"``).
    """

    dims: tuple[str, ...]
    coords: dict[str, np.ndarray]
    along: dict[str, str]
    fixed: dict[str, np.ndarray]
    settings: tuple[tuple[str, Static], ...]
    starts: PyTree

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(self.coords[d]) for d in self.dims)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def runs(self, flat: np.ndarray) -> dict[str, Any]:
        """What the runs ``flat`` (flat indices) receive: values, start index, seed, and
        the index itself (which gives ``vmap`` its axis when nothing varies)."""
        unraveled = np.unravel_index(flat, self.shape) if self.dims else ()
        index = dict(zip(self.dims, unraveled, strict=True))
        values = {name: self.coords[name][index[dim]] for name, dim in self.along.items()}
        start = index["start"].astype(np.int32) if "start" in index else None
        seed = self.coords["seed"][index["seed"]] if "seed" in index else None
        return {"values": values, "start": start, "seed": seed, "run": flat.astype(np.int32)}

    def one_start(self) -> PyTree:
        """Shapes and dtypes of one run's starting parameters."""
        if "start" not in self.dims:
            return self.starts
        return jax.tree_util.tree_map(
            lambda x: jax.ShapeDtypeStruct(x.shape[1:], x.dtype), self.starts
        )


def _split(hyperparameters: dict[str, Any], floats: set[str]) -> tuple[dict, dict, dict]:
    """Swept (1-D numeric), fixed (numeric scalar) and static keywords, each checked; an
    integer is numeric only for a keyword in ``floats`` (the factory's float defaults)."""
    swept, fixed, static = {}, {}, {}
    float_dtype = jax.dtypes.canonicalize_dtype(np.float64)
    for name, value in hyperparameters.items():
        if name in RESERVED:
            raise ValueError(f"`{name}` may not name a hyperparameter: it is a dim of the result")
        is_sequence = isinstance(value, list | tuple | np.ndarray | jax.Array)
        if not is_sequence and _categorical.is_integer(value) and name not in floats:
            static[name] = Static(_categorical.as_python(value))
            continue
        if not is_sequence and not is_numeric(value):
            static[name] = Static(value)
            continue
        array = check_hyperparameter(name, value)
        (swept if array.ndim == 1 else fixed)[name] = array.astype(float_dtype)
    return swept, fixed, static


def make_grid(
    hyperparameters: dict[str, Any],
    pairing: str,
    x0: PyTree,
    starts: PyTree,
    seeds: Any,
    floats: set[str] = frozenset(),
) -> Grid:
    """The sweep's configurations, every argument checked (``floats``: see :func:`_split`)."""
    check_choice("pairing", pairing, ("grid", "zip"))
    if (x0 is None) == (starts is None):
        raise ValueError("give exactly one of `x0` (one start) or `starts` (a batch of starts)")
    swept, fixed, static = _split(hyperparameters, floats)
    dims, coords = list(swept), dict(swept)
    along = {name: name for name in swept}
    if pairing == "zip" and swept:
        lengths = {name: len(v) for name, v in swept.items()}
        if len(set(lengths.values())) != 1:
            raise ValueError(f"pairing='zip' needs swept values of one length, got {lengths}")
        dims, coords["sample"] = ["sample"], np.arange(next(iter(lengths.values())))
        along = {name: "sample" for name in swept}
    if starts is not None:
        starts = check_starts(float_params(starts, "starts"))
        dims.append("start")
        coords["start"] = np.arange(jax.tree_util.tree_leaves(starts)[0].shape[0])
    if seeds is not None:
        dims.append("seed")
        coords["seed"] = check_seeds(seeds)
    start = float_params(x0) if starts is None else starts
    return Grid(tuple(dims), coords, along, fixed, tuple(static.items()), start)


def with_defaults(factory: Callable[..., Any], grid: Grid, accepted: set[str] | None) -> Grid:
    """``grid`` with the factory's numeric defaults traced too, after building the optimizer
    of every run (so its own checks run before any compute: :func:`check_every_run`).

    A jaxdescent optimizer's numeric hyperparameters are leaves that ``minimize``
    traces, defaults included; tracing the same set here makes a one-configuration
    sweep equal ``minimize``. An optax factory's defaults stay Python numbers.
    """
    settings = {name: s.value for name, s in grid.settings}
    base = {k: v.item() for k, v in grid.fixed.items()}
    base.update({name: grid.coords[name][0].item() for name in grid.along})
    template = factory(**settings, **base)
    check_optimizer(template, "optimizer_factory", returned=True)
    check_every_run(factory, grid, settings, base)
    built = hyperparameters(template) or {}
    float_dtype = jax.dtypes.canonicalize_dtype(np.float64)
    defaults = {
        name: np.asarray(value, float_dtype)
        for name, value in built.items()
        if isinstance(value, float) and name not in base and name not in settings
        and (accepted is None or name in accepted)
    }  # fmt: skip
    return dataclasses.replace(grid, fixed={**grid.fixed, **defaults})


def check_every_run(factory: Callable[..., Any], grid: Grid, settings: dict, base: dict) -> None:
    """Build the optimizer of every configuration, or as many as a check needs.

    A jaxdescent factory checks arrays entry by entry, so it is called once with every
    swept value laid along its dim: every combination is checked, cross-parameter
    constraints too (rprop's ``min_step_size <= max_step_size``), in vectorised NumPy.
    Another factory (optax's, a user's) is called at each swept value's extremes.
    """
    if (getattr(factory, "__module__", None) or "").startswith("jaxdescent.optimizers"):
        axes = {name: grid.dims.index(dim) for name, dim in grid.along.items()}
        laid = {
            name: grid.coords[name].reshape([-1 if d == axis else 1 for d in range(len(grid.dims))])
            for name, axis in axes.items()
        }
        factory(**settings, **{**base, **laid})
        return
    for name in grid.along:
        for value in (grid.coords[name].min(), grid.coords[name].max()):
            factory(**settings, **{**base, name: value.item()})


def sweep(
    fn: Callable[..., Any],
    optimizer_factory: Callable[..., Any],
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
    ``minimize`` bit for bit, and new values never recompile. Integers, booleans,
    strings and callables given once are passed as they are.

    Args:
      fn: the objective, as in :func:`jaxdescent.minimize`.
      optimizer_factory: builds an optimizer from keyword hyperparameters, e.g.
        ``jaxdescent.adam`` or ``optax.adam``.
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
      progress: draw a progress bar on standard error for multi-chunk sweeps
        (default: when it is a terminal).
      devices: the devices to split the runs over. Default: every local device,
        or only the first for a sweep too small to gain from splitting (under
        ``2**18`` runs x steps x parameters).
      **hyperparameters: a 1-D sequence of values (swept) or a scalar (fixed) each;
        non-numeric settings (``nesterov=True``, a schedule) are passed as they are.

    Returns:
      A :class:`SweepResult` with dims: the swept hyperparameters, then
      ``"start"`` (with ``starts``), then ``"seed"`` (with ``seeds``); with nothing
      swept, one run and no dims. ``sweep`` returns once every run has finished. A
      sweep that ran as one chunk holds ``jax.Array`` fields that stay on the
      devices until read; several chunks or ``save_to`` give NumPy arrays.

    Raises:
      ValueError, TypeError: on bad input, before anything is computed: every
        configuration's optimizer is built first (see :func:`check_every_run`); a
        result that would not fit in the machine's memory is refused (see
        :func:`jaxdescent._memory.check_records_fit`); so is a traced argument
        (``sweep`` inside ``jax.jit``): a sweep compiles and runs its own program.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> res = jd.sweep(lambda w: jnp.sum(w**2), jd.sgd, x0=jnp.array([1.0]), steps=2,
      ...                learning_rate=[0.25, 0.5])
      >>> res.dims, res.final_loss  # w <- (1 - 2 lr) w: halved twice, or zeroed
      (('learning_rate',), Array([0.0625, 0.    ], dtype=float32))
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


def prepare(
    fn: Callable[..., Any],
    optimizer_factory: Callable[..., Any],
    hyperparameters: dict[str, Any],
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
    """Check every argument of one factory's numeric sweep and plan it (see :func:`sweep`)."""
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
    accepted = check_factory_keywords(optimizer_factory, hyperparameters)
    floats = _categorical.float_defaults(optimizer_factory)
    grid = make_grid(hyperparameters, pairing, x0, starts, seeds, floats)
    check_data(data, batch_size, sampling, seeds is not None, key_name="seeds")
    check_records_fit(config, grid.one_start(), runs=grid.size)
    grid = with_defaults(optimizer_factory, grid, accepted)
    _categorical.check_traceable(optimizer_factory, grid)
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
    plan = _execute.plan(grid, config, devices, chunk_size, memory_budget, kernel, shared)
    store = None if save_to is None else Store.open(save_to, kernel, grid, shared, plan)

    def run() -> SweepResult:
        fields = _execute.execute(kernel, grid, shared, plan, store, progress)
        return SweepResult(
            dims=grid.dims,
            coords=grid.coords,
            steps=config.record_steps(),
            evaluation_steps=config.evaluation_steps(),
            **fields,
        )

    return Prepared(run, config, grid)
