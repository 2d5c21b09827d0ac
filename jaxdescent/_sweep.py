"""``sweep``: many descents (hyperparameters x starts x seeds) as one compiled, sharded program.

The configurations are laid out on named dims and flattened to one axis. Each
chunk of that axis runs through ``jit(vmap(run_descent))`` (the kernel that
``minimize`` compiles, vectorised), each device running its share; every chunk
has the same size, so a sweep compiles once whatever its values.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import json
import math
import os
from collections.abc import Callable
from typing import Any

import jax
import numpy as np
from jax.sharding import PartitionSpec

from jaxdescent import _layout, _results, _sharding
from jaxdescent._batches import Sampling
from jaxdescent._descent import DescentConfig, run_descent
from jaxdescent._factory import _hashable, _is_dynamic, _unwrap
from jaxdescent._minimize import (
    REMEMBER_BELOW,
    as_float_params,
    check_data,
    check_objective_once,
    combine,
    make_config,
    partition,
    remember,
)
from jaxdescent._results import SweepResult
from jaxdescent._tree import working_dtype

PyTree = Any
_RESERVED = ("sample", "start", "seed")


@dataclasses.dataclass(frozen=True)
class _Plan:
    """The configurations: named dims, their values, and how a flat index maps to a run."""

    dims: tuple[str, ...]
    coords: dict[str, np.ndarray]
    swept: dict[str, str]  # hyperparameter -> the dim it varies along
    fixed: dict[str, np.ndarray]  # numeric, cast to the parameters' dtype
    static: tuple[tuple[str, Any], ...]  # everything else, hashable
    starts: PyTree  # ``x0``, or the batch of starts (a leading axis, dim ``"start"``)
    dtype: Any  # the parameters' floating dtype, which numeric hyperparameters are cast to

    @functools.cached_property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(self.coords[d]) for d in self.dims)

    @functools.cached_property
    def size(self) -> int:
        return math.prod(self.shape)

    def inputs(self, flat: np.ndarray | None) -> tuple[dict[str, np.ndarray], Any, Any]:
        """Per-run hyperparameters, start indices (or None) and seeds (or None) of runs ``flat``
        (``None``: every run, in order)."""
        if flat is None and len(self.dims) == 1:
            index = {self.dims[0]: slice(None)}
        else:
            flat = np.arange(self.size) if flat is None else flat
            index = dict(zip(self.dims, np.unravel_index(flat, self.shape), strict=True))
        swept = {name: self.coords[name][index[dim]] for name, dim in self.swept.items()}
        start = self.coords["start"][index["start"]].astype(np.int32) if "start" in index else None
        seeds = self.coords["seed"][index["seed"]] if "seed" in index else None
        return swept, start, seeds

    def _one_start(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of one run's leaf: ``starts`` has a leading axis only with dim "start"."""
        return shape[1:] if "start" in self.dims else shape

    def start_shapes(self) -> PyTree:
        """Shape and dtype of one run's starting parameters (``x0`` itself, for one start)."""
        if "start" not in self.dims:
            return self.starts
        return jax.tree_util.tree_map(
            lambda x: jax.ShapeDtypeStruct(self._one_start(np.shape(x)), x.dtype), self.starts
        )

    def params_per_run(self) -> int:
        leaves = jax.tree_util.tree_leaves(self.starts)
        return sum(math.prod(self._one_start(np.shape(x))) for x in leaves)


def _signature_parameters(factory: Callable[..., Any]) -> Any:
    try:
        return inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return None


_remembered_parameters = functools.lru_cache(maxsize=256)(_signature_parameters)


def _parameters(factory: Callable[..., Any]) -> Any:
    """``inspect.signature(factory).parameters`` (remembered per factory), or None if unknown."""
    try:
        return _remembered_parameters(factory)
    except TypeError:  # an unhashable factory
        return _signature_parameters(factory)


def _check_factory(factory: Any, hyperparameters: dict[str, Any]) -> None:
    if not callable(factory):
        raise TypeError(
            "`optimizer_factory` must build an optimizer from keyword hyperparameters, "
            f"e.g. jaxdescent.adam or optax.adam; got {factory!r}"
        )
    key = (_hashable(factory), tuple(hyperparameters))
    if key in _ACCEPTED:
        return
    _check_names(factory, hyperparameters)
    remember(_ACCEPTED, key)


# What a repeated sweep need not check again: a factory with the keywords it was
# given, and the hyperparameter values it was built with (``_check_values``).
_ACCEPTED: dict[Any, None] = {}
_BUILT: dict[Any, None] = {}


def _check_names(factory: Any, hyperparameters: dict[str, Any]) -> None:
    params = _parameters(factory)
    if params is None:
        return
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    unknown = sorted(set(hyperparameters) - set(params))
    if unknown:
        raise ValueError(
            f"unknown hyperparameter(s) {unknown} for {getattr(factory, '__name__', factory)}; "
            f"it accepts {list(params)}"
        )
    missing = [n for n, p in params.items() if p.default is p.empty and n not in hyperparameters]
    if missing:
        raise ValueError(f"`optimizer_factory` needs {missing}: pass them as keywords of sweep")


def _split_hyperparameters(hyperparameters: dict[str, Any], dtype: Any):
    """Swept (1-D numeric), fixed (numeric scalar, cast to ``dtype``) and static values."""
    swept, fixed, static = {}, {}, []
    for name, value in hyperparameters.items():
        if name in _RESERVED:
            raise ValueError(f"a hyperparameter may not be named {name!r} (a dim of the result)")
        is_sequence = isinstance(value, list | tuple | np.ndarray | jax.Array)
        if not is_sequence and not _is_dynamic(value):
            static.append((name, _hashable(value)))
            continue
        array = np.asarray(value)
        if array.dtype.kind not in "iufc":  # numbers, not booleans
            raise TypeError(f"`{name}` must hold numbers to sweep, got dtype {array.dtype}")
        if array.ndim > 1 or (array.ndim == 1 and array.size == 0):
            raise ValueError(
                f"`{name}` must be a scalar (fixed) or a non-empty 1-D array of values (swept), "
                f"got shape {array.shape}"
            )
        (swept if array.ndim == 1 else fixed)[name] = array.astype(dtype)
    return swept, fixed, tuple(static)


def _check_values(factory: Callable, plan: _Plan) -> None:
    """Build the optimizer at each swept value's extremes, so range checks run before compute.

    A repeated sweep (same factory, settings and values, under 64 KiB of them) is
    not checked again.
    """
    given = {**plan.fixed, **{name: plan.coords[name] for name in plan.swept}}
    key = None
    if sum(v.nbytes for v in given.values()) < REMEMBER_BELOW:
        values = tuple((name, v.dtype.str, v.tobytes()) for name, v in given.items())
        key = (_hashable(factory), plan.static, values)
        if key in _BUILT:
            return
    base = {k: v.item() for k, v in plan.fixed.items()}
    base.update({name: plan.coords[name][0].item() for name in plan.swept})
    extremes = {n: (plan.coords[n].min().item(), plan.coords[n].max().item()) for n in plan.swept}
    static = {k: _unwrap(v) for k, v in plan.static}
    for name, (low, high) in extremes.items():
        for value in (low, high):
            factory(**static, **{**base, name: value})
    if key is not None:
        remember(_BUILT, key)


def _as_seeds(seeds: Any) -> np.ndarray:
    array = np.asarray(seeds)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"`seeds` must be integers (one PRNG key each), got {seeds!r}")
    if array.ndim != 1 or array.size == 0:
        raise ValueError(
            f"`seeds` must be a non-empty 1-D sequence of ints, got shape {array.shape}"
        )
    return array.astype(jax.dtypes.canonicalize_dtype(np.int64))


def _as_starts(x0: PyTree, starts: PyTree) -> PyTree:
    if (x0 is None) == (starts is None):
        raise ValueError("give exactly one of `x0` (one start) or `starts` (a batch of starts)")
    if x0 is not None:
        return as_float_params(x0, on_host=True)
    starts = as_float_params(starts, "starts", on_host=True)
    lengths = {np.shape(x)[0] if np.ndim(x) else None for x in jax.tree_util.tree_leaves(starts)}
    if None in lengths or len(lengths) != 1 or 0 in lengths:
        raise ValueError(
            "`starts` must be a pytree of arrays sharing one non-empty leading axis (one entry "
            f"per start); got leading lengths {sorted(map(str, lengths))}"
        )
    return starts


def _plan(hyperparameters, pairing, x0, starts, seeds) -> _Plan:
    if pairing not in ("grid", "zip"):
        raise ValueError(f"`pairing` must be 'grid' or 'zip', got {pairing!r}")
    starts = _as_starts(x0, starts)
    dtype = working_dtype(starts)
    swept, fixed, static = _split_hyperparameters(hyperparameters, dtype)
    dims, coords = list(swept), dict(swept)
    if pairing == "zip" and swept:
        lengths = {name: len(v) for name, v in swept.items()}
        if len(set(lengths.values())) != 1:
            raise ValueError(f"pairing='zip' needs swept values of one length, got {lengths}")
        dims, coords["sample"] = ["sample"], np.arange(next(iter(lengths.values())))
    if x0 is None:
        dims.append("start")
        coords["start"] = np.arange(np.shape(jax.tree_util.tree_leaves(starts)[0])[0])
    if seeds is not None:
        dims.append("seed")
        coords["seed"] = _as_seeds(seeds)
    along = {name: ("sample" if pairing == "zip" else name) for name in swept}
    return _Plan(tuple(dims), coords, along, fixed, static, starts, dtype)


def _defaults(factory: Callable, plan: _Plan) -> tuple[np.ndarray, ...]:
    """The optimizer's Python-float leaves (its defaults), cast to the parameters' dtype,
    in leaf order.

    ``minimize`` traces every numeric leaf of an optimizer pytree (a jaxdescent
    optimizer's hyperparameters, defaults included) and the factory casts them to
    the parameters' dtype. The sweep kernel receives the defaults as arguments
    too, so constant folding cannot make it differ. optax's closures have no leaves.
    """
    names = (tuple(sorted(plan.fixed)), tuple(sorted(plan.swept)))
    key = (_hashable(factory), plan.static, names, np.dtype(plan.dtype).str)
    if key not in _DEFAULTS:
        given = {k: np.asarray(plan.coords[k][0]) for k in plan.swept}
        settings = {k: _unwrap(v) for k, v in plan.static}
        template = factory(**settings, **plan.fixed, **given)
        floats = [v for v in partition(template)[0] if isinstance(v, float)]
        remember(_DEFAULTS, key, tuple(np.asarray(v, plan.dtype) for v in floats))
    return _DEFAULTS[key]


# The defaults depend on the factory, its settings, which hyperparameters are given
# and the dtype, not on their values: a sweep repeated with new values builds no template.
_DEFAULTS: dict[Any, tuple[np.ndarray, ...]] = {}


def _with_defaults(optimizer: Any, defaults: tuple[jax.Array, ...]) -> Any:
    """Replace the optimizer's Python-float leaves, in order, by the traced ``defaults``."""
    dynamic, static = partition(optimizer)
    supply = iter(defaults)
    dynamic = [next(supply) if isinstance(v, float) else v for v in dynamic]
    return combine(dynamic, static)


@functools.partial(jax.jit, static_argnames=("fn", "factory", "static", "config", "mesh"))
def _kernel(
    fn, factory, static, config, mesh, swept, fixed, defaults, starts, start, seeds, args, data
):
    """``vmap(run_descent)`` over the runs of one chunk; the optimizer is built inside, per run.

    With a ``mesh`` (several devices), each device runs ``vmap`` over its own
    share of the runs (``shard_map``): the runs are independent, so every device
    compiles the one-device program and nothing is communicated. Records come
    back as the scan writes them, step-major (see :mod:`jaxdescent._layout`).
    """

    def one(hyperparameters, i, seed, fixed, defaults, starts, args, data):
        x0 = starts if i is None else jax.tree_util.tree_map(lambda s: s[i], starts)
        settings = {k: _unwrap(v) for k, v in static}
        optimizer = _unwrap(factory)(**settings, **fixed, **hyperparameters)
        optimizer = _with_defaults(optimizer, defaults)
        key = None if seed is None else jax.random.key(seed)
        return run_descent(_unwrap(fn), x0, optimizer, config, args, data, key)._asdict()

    def share(swept, start, seeds, *shared):
        in_axes = (0, 0, 0) + (None,) * len(shared)
        return jax.vmap(one, in_axes, _layout.RUNS_AXIS)(swept, start, seeds, *shared)

    inputs = (swept, start, seeds, fixed, defaults, starts, args, data)
    if mesh is None:
        return share(*inputs)
    split, whole = PartitionSpec(_sharding.AXIS), PartitionSpec()
    out_specs = {name: PartitionSpec(*[None] * axis, _sharding.AXIS)
                 for name, axis in _layout.RUNS_AXIS.items()}  # fmt: skip
    specs = (split,) * 3 + (whole,) * 5
    return jax.shard_map(share, mesh=mesh, in_specs=specs, out_specs=out_specs, check_vma=False)(
        *inputs
    )


def _shapes(kernel: Callable, kernel_args: dict[str, Any], **inputs: Any) -> PyTree:
    """The kernel's output shapes, from jit's trace cache when ``kernel`` is jitted."""
    eval_shape = getattr(kernel, "eval_shape", None)
    if eval_shape is None:
        return jax.eval_shape(functools.partial(kernel, **kernel_args), **inputs)
    return eval_shape(**kernel_args, **inputs)


def _fingerprint(*parts: Any) -> str:
    """A digest of the arguments: array bytes, callables by qualified name, the rest by repr."""
    digest = hashlib.sha256()
    for leaf in jax.tree_util.tree_leaves(parts):
        leaf = _unwrap(leaf)
        if isinstance(leaf, np.ndarray | np.generic | jax.Array):
            array = np.asarray(leaf)
            digest.update(f"{array.dtype}{array.shape}".encode())
            digest.update(np.ascontiguousarray(array).tobytes())
        elif callable(leaf):
            name = getattr(leaf, "__qualname__", type(leaf).__qualname__)
            digest.update(f"{getattr(leaf, '__module__', '')}.{name}".encode())
        else:
            digest.update(repr(leaf).encode())
    return digest.hexdigest()


def _describe(config: DescentConfig) -> tuple[Any, ...]:
    return tuple(getattr(config, f.name) for f in dataclasses.fields(config))


class _Store:
    """``save_to``: one ``.npz`` per finished chunk and a JSON manifest of the arguments."""

    def __init__(self, directory: str | os.PathLike[str] | None, manifest: dict[str, Any]):
        self.directory = None if directory is None else os.fspath(directory)
        self.fingerprint = manifest["fingerprint"]
        self.writer = jax.process_index() == 0
        if self.directory is None:
            return
        path = os.path.join(self.directory, "sweep.json")
        if os.path.exists(path):
            with open(path) as f:
                saved = json.load(f)
            if saved.get("fingerprint") != self.fingerprint:
                raise ValueError(
                    f"`save_to` directory {self.directory!r} holds a different sweep "
                    "(its arguments differ); use another directory or delete it"
                )
        elif self.writer:
            os.makedirs(self.directory, exist_ok=True)
            _results.dump_json(path, manifest)

    def _path(self, chunk: int) -> str:
        return os.path.join(self.directory or "", f"chunk_{chunk:06d}.npz")

    def load(self, chunk: int, like: list[tuple[int, ...]]) -> list[np.ndarray] | None:
        if self.directory is None or not os.path.exists(self._path(chunk)):
            return None
        arrays, meta = _results.read_npz(self._path(chunk))
        leaves = [arrays[f"leaf:{i}"] for i in range(len(arrays))]
        if meta.get("fingerprint") != self.fingerprint or [x.shape for x in leaves] != like:
            return None
        return leaves

    def save(self, chunk: int, leaves: list[np.ndarray]) -> None:
        if self.directory is not None and self.writer:
            arrays = {f"leaf:{i}": x for i, x in enumerate(leaves)}
            _results.write_npz(self._path(chunk), arrays, {"fingerprint": self.fingerprint})


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
    with ``vmap``, compiled once, and their configuration axis is sharded over
    every device (see :mod:`jaxdescent._sharding` for several hosts, where each
    process computes its share and every process receives the whole result).

    Casting rule: every numeric hyperparameter given (swept or fixed) is cast to
    the parameters' dtype before the optimizer is built, and so are a jaxdescent
    optimizer's numeric defaults; all are traced arguments, as when ``minimize``
    traces an optimizer. So a one-configuration sweep equals ``minimize`` bit for
    bit (for optax's factories: ``minimize(optax.adam(lr_as_array_of_that_dtype))``,
    which for the learning rate alone is the same as a Python float). New values
    never recompile. Runs equal their ``minimize`` bit for bit as long as XLA
    compiles the same arithmetic; on CPU the number of runs per device can change
    how it fuses multiply-adds, so sweeps chunked differently agree to a few ulps.

    Args:
      fn: the objective, as in :func:`jaxdescent.minimize`.
      optimizer_factory: builds an optimizer from keyword hyperparameters, e.g.
        ``jaxdescent.adam`` or ``optax.adam``.
      x0: one starting point (a pytree of float arrays); or
      starts: a batch of starting points (a leading axis on every leaf): dim ``"start"``.
      steps: update steps per run.
      seeds: integers, one PRNG key ``jax.random.key(seed)`` each, for
        minibatches or stochastic objectives: dim ``"seed"``.
      pairing: ``"grid"`` (every combination of the swept values, in the order
        given) or ``"zip"`` (the i-th values together, one dim ``"sample"``:
        random search).
      record_every, record_params, record_grad_norm, args, has_aux, data, batch_size,
        sampling, evaluate, evaluate_every, diverge_above, unroll: as in ``minimize``
        (``record_params`` defaults to ``False`` here).
      tolerance: for ``steps_to_tolerance``: the first recorded step with loss <= tolerance.
      chunk_size: runs per compiled call (rounded up to a multiple of the device
        count); the last chunk is padded, so every chunk shares one compilation.
      memory_budget: bytes per chunk, from which ``chunk_size`` is chosen
        (recorded output plus descent state per run; XLA's scratch is not counted).
      save_to: a directory; each finished chunk is written there, and a rerun
        with the same arguments resumes from what is saved.
      progress: draw a progress bar on standard error for multi-chunk sweeps
        (default: when it is a terminal).
      devices: the devices to split the runs over. Default: every local device,
        or only the first for a sweep too small to gain from splitting (under
        ``2**18`` runs x steps x parameters).
      **hyperparameters: a 1-D array of values (swept) or a scalar (fixed) each;
        non-numeric settings (``nesterov=True``, a schedule) are passed as they are.

    Returns:
      A :class:`SweepResult` with dims: the swept hyperparameters, then
      ``"start"`` (with ``starts``), then ``"seed"`` (with ``seeds``). ``sweep``
      returns once every run has finished; a sweep that ran as one chunk keeps
      its outputs on the devices and copies each field to NumPy when it is first
      read (several chunks, or ``save_to``, fill host arrays as they go).

    Raises:
      ValueError, TypeError: on bad input, before anything is computed.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> res = jd.sweep(lambda w: jnp.sum(w**2), jd.sgd, x0=jnp.array([1.0]), steps=2,
      ...                learning_rate=[0.25, 0.5])
      >>> res.dims, res.final_loss  # w <- (1 - 2 lr) w: halved twice, or zeroed
      (('learning_rate',), array([0.0625, 0.    ], dtype=float32))
    """
    _check_factory(optimizer_factory, hyperparameters)
    plan = _plan(hyperparameters, pairing, x0, starts, seeds)
    key = None if seeds is None else jax.random.key(0)
    check_data(data, batch_size, key, sampling, key_name="seeds")
    config = make_config(
        steps,
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
    if tolerance is not None and not (
        isinstance(tolerance, int | float) and tolerance == tolerance
    ):
        raise ValueError(f"`tolerance` must be a number or None, got {tolerance!r}")
    args = tuple(args)
    check_objective_once(fn, plan.start_shapes(), config, args, data, key)
    _check_values(optimizer_factory, plan)
    work = plan.size * steps * plan.params_per_run()
    devices = _sharding.config_devices(plan.size, work, devices)
    defaults = _defaults(optimizer_factory, plan)
    shared = _sharding.replicate((plan.fixed, defaults, plan.starts, args, data), devices)
    kernel_args = dict(
        fn=_hashable(fn),
        factory=_hashable(optimizer_factory),
        static=plan.static,
        config=config,
        **dict(zip(("fixed", "defaults", "starts", "args", "data"), shared, strict=True)),
    )
    kernel_args["mesh"] = _sharding.kernel_mesh(devices)
    call = functools.partial(_kernel, **kernel_args)
    shapes = functools.partial(_shapes, _kernel, kernel_args)
    unit = _sharding.granularity(devices)
    per_run = lambda: _sharding.bytes_per_run(shapes, plan, len(devices))  # noqa: E731
    chunk = _sharding.chunk_size_for(chunk_size, memory_budget, plan.size, unit, per_run)
    fingerprint = ""  # hashing every argument is only needed to resume from disk
    if save_to is not None:
        fingerprint = _fingerprint(
            fn, optimizer_factory, plan.dims, plan.coords, plan.swept, plan.fixed, plan.static,
            plan.starts, _describe(config), args, data, chunk,
        )  # fmt: skip
    manifest = {"fingerprint": fingerprint, "dims": plan.dims, "shape": plan.shape, "chunk": chunk}
    store = _Store(save_to, manifest)
    out, running = _sharding.execute(call, shapes, plan, devices, chunk, store, progress)
    record_steps = config.record_steps()
    if tolerance is None:
        reached = np.full(plan.shape, -1, np.int32)
    else:
        reached = _results.derive(
            out["loss"], lambda loss: _results.steps_to_tolerance(loss, record_steps, tolerance)
        )
    result = SweepResult(
        dims=plan.dims,
        coords=plan.coords,
        steps=record_steps,
        steps_to_tolerance=reached,
        evaluation_steps=config.evaluation_steps(),
        diverged=_results.derive(out["diverged_at"], lambda at: at >= 0),
        **out,
    )
    jax.block_until_ready(running)  # built while the runs ran; returned once they have finished
    return result
