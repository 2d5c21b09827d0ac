"""Spreading a sweep's configuration axis over devices and over hosts.

One process: the flattened configuration axis of each chunk is split evenly over
every local device with a one-axis :class:`jax.sharding.Mesh` named ``"configs"``
and a ``NamedSharding(mesh, PartitionSpec("configs"))``; everything else (the
starts, the data, the fixed hyperparameters) is replicated. Each configuration
is an independent descent, so the compiled program needs no communication.

Several processes (hosts): start every process with
``jax.distributed.initialize(coordinator_address, num_processes, process_id)``
before calling :func:`jaxdescent.sweep`, and call ``sweep`` with the same
arguments in every process. Each chunk is then split into one equal share per
process; a process computes its share on its own devices, and the shares are
gathered with ``multihost_utils.process_allgather``, so that every process
ends up holding the whole :class:`~jaxdescent.SweepResult`.

:func:`execute` runs the chunks through one compiled kernel and writes each
chunk's output straight into preallocated host arrays, which the result views;
a sweep that runs as one chunk leaves its output on the devices until it is read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxdescent import _layout
from jaxdescent._minimize import REMEMBER_BELOW, check_positive_int, remember
from jaxdescent._progress import Progress
from jaxdescent._results import Deferred

PyTree = Any


# Below this many run-steps x parameters, one device beats splitting: placing the
# inputs on several devices costs ~0.1-0.3 ms a call on a 2-core CPU, more than
# splitting saves on a sweep of ~1 ms (docs/performance.md).
SPLIT_WORTH = 2**18


def config_devices(n_runs: int, work: int = SPLIT_WORTH, devices: Any = None) -> list[Any]:
    """The devices a sweep of ``n_runs`` runs uses.

    ``devices`` given: those. Otherwise every local device, one per run if there
    are fewer runs (a single run is then the same program as ``minimize``), or
    only the first when the sweep's ``work`` (runs x steps x parameters) is
    under :data:`SPLIT_WORTH`. Several processes always use every local device.
    """
    if devices is not None:
        devices = list(devices)
        if not devices or not all(isinstance(d, jax.Device) for d in devices):
            raise TypeError(f"`devices` must be a non-empty sequence of jax devices, got {devices}")
        return devices
    devices = jax.local_devices()
    if jax.process_count() > 1:
        return devices
    if work < SPLIT_WORTH:
        return devices[:1]
    return devices[: max(1, min(len(devices), n_runs))]


AXIS = "configs"
_SPLIT = PartitionSpec(AXIS)


def config_mesh(devices: list[Any]) -> Mesh:
    """A one-axis mesh named ``"configs"`` over ``devices``.

    Built explicitly (not with ``jax.make_mesh``) so the axis keeps JAX's
    automatic sharding semantics.
    """
    return _mesh(tuple(devices))


@functools.lru_cache(maxsize=16)
def _mesh(devices: tuple[Any, ...]) -> Mesh:
    return Mesh(np.array(devices), (AXIS,))


@functools.lru_cache(maxsize=16)
def _named(devices: tuple[Any, ...], spec: PartitionSpec) -> NamedSharding:
    return NamedSharding(_mesh(devices), spec)


def kernel_mesh(devices: list[Any]) -> Mesh | None:
    """The mesh the sweep kernel splits its runs over; ``None`` for one device of one process."""
    return None if len(devices) == 1 and jax.process_count() == 1 else config_mesh(devices)


_PLACED: dict[tuple[Any, ...], jax.Array] = {}


def placement(devices: list[Any], spec: PartitionSpec) -> NamedSharding | None:
    """Where to put inputs laid out as ``spec``; ``None`` where ``jit`` places them itself.

    That is the default device of a single process: ``jit`` puts host arrays
    there cheaply (~0.003 ms each on CPU, against ~0.08 ms for ``device_put``).
    """
    if jax.process_count() == 1 and devices == jax.devices()[:1]:
        return None
    return _named(tuple(devices), spec)


def replicate(tree: PyTree, devices: list[Any]) -> PyTree:
    """The NumPy arrays of ``tree`` (what every run reads) placed on every device.

    Where ``jit`` places them itself (:func:`placement`), ``tree`` is returned as
    it is. Elsewhere each host array is a separate transfer per call, so they go
    in one batch, and small ones are remembered by value: a sweep repeated with
    the same starts and settings does not place them again.
    """
    sharding = placement(devices, PartitionSpec())
    if sharding is None:
        return tree
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    keys: dict[int, tuple[Any, ...] | None] = {}
    for i, x in enumerate(leaves):
        if not isinstance(x, np.ndarray | np.generic):
            continue
        key = (x.dtype.str, x.shape, x.tobytes(), sharding) if x.nbytes < REMEMBER_BELOW else None
        if key is not None and key in _PLACED:
            leaves[i] = _PLACED[key]
        else:
            keys[i] = key
    if keys:
        placed = jax.device_put([leaves[i] for i in keys], sharding)
        for (i, key), array in zip(keys.items(), placed, strict=True):
            leaves[i] = array
            if key is not None:
                remember(_PLACED, key, array)
    return jax.tree_util.tree_unflatten(treedef, leaves)


def granularity(devices: list[Any]) -> int:
    """Chunk sizes are multiples of this: one equal share per device of every process."""
    return jax.process_count() * len(devices)


def round_up(n: int, multiple: int) -> int:
    """The smallest multiple of ``multiple`` that is at least ``n``."""
    return -(-n // multiple) * multiple


def process_share(start: int, stop: int) -> tuple[int, int]:
    """This process's part ``[lo, hi)`` of the chunk ``[start, stop)`` (equal shares)."""
    share = (stop - start) // jax.process_count()
    lo = start + jax.process_index() * share
    return lo, lo + share


def gather(tree: PyTree) -> PyTree:
    """Concatenate every process's NumPy share along the leading axis (no-op for one process)."""
    if jax.process_count() == 1:
        return tree
    return jax.tree_util.tree_map(
        lambda x: np.asarray(multihost_utils.process_allgather(x, tiled=True)), tree
    )


def chunk_size_for(chunk_size, memory_budget, n: int, unit: int, per_run: Callable[[], int]) -> int:
    """Runs per chunk: a multiple of the device count, at most the (padded) sweep."""
    check_positive_int("chunk_size", chunk_size, allow_none=True)
    check_positive_int("memory_budget", memory_budget, allow_none=True)
    if chunk_size is not None and memory_budget is not None:
        raise ValueError("give `chunk_size` or `memory_budget`, not both")
    whole = round_up(n, unit)
    if chunk_size is not None:
        return min(round_up(chunk_size, unit), whole)
    if memory_budget is None:
        return whole
    fits = memory_budget // per_run() // unit * unit
    if fits == 0:
        raise ValueError(
            f"`memory_budget` of {memory_budget} bytes is less than one run on each of the "
            f"{unit} devices ({per_run()} bytes per run)"
        )
    return min(fits, whole)


def _compute(call: Callable, plan: Any, devices: list, lo: int, chunk: int) -> dict[str, Any]:
    """Start the chunk ``[lo, lo + chunk)`` (padded by repeating the last run) on every device."""
    if lo == 0 and chunk == plan.size and jax.process_count() == 1:
        inputs = plan.inputs(None)  # the whole sweep, unpadded
    else:
        flat = np.minimum(np.arange(lo, lo + chunk), plan.size - 1)
        inputs = plan.inputs(flat[slice(*process_share(0, chunk))])
    split = placement(devices, _SPLIT)
    if split is not None:
        inputs = jax.tree_util.tree_map(functools.partial(_put, split), inputs)
    swept, start, seeds = inputs
    return call(swept=swept, start=start, seeds=seeds)


def _put(sharding: NamedSharding, array: np.ndarray) -> jax.Array:
    """``jax.device_put(array, sharding)``, slice by slice: on CPU it took 40 rather than
    110 us for a small array over two devices."""
    return jax.make_array_from_callback(array.shape, sharding, array.__getitem__)


def _deferred(out: Any, runs: int, shape: tuple[int, ...]) -> dict[str, Deferred]:
    """Each field of the kernel's output copied to the host (on the dims) when first read.

    Nothing is done before: on two CPU cores, Python work done while the
    devices run takes a core from one of them.
    """
    fields = Deferred(lambda: _layout.sources(out))

    def later(name: str) -> Deferred:
        return Deferred(lambda: _layout.to_host(fields.resolve()[name], runs, shape))

    return {name: later(name) for name in _layout.FIELDS}


def execute(
    call: Callable,
    shapes: Callable,
    plan: Any,
    devices: list,
    chunk: int,
    store: Any,
    progress: bool | None,
) -> tuple[dict[str, Any], Any]:
    """Every chunk, computed or read back from ``store``: the result's fields, and what
    is still running (wait for it with ``jax.block_until_ready``; ``None`` when nothing is).

    A sweep of one chunk in one process, not saved, returns as soon as its runs
    have started, its fields on the devices (:class:`Deferred`), so the caller
    builds its result while they run. Otherwise every chunk is written into one
    host array per field leaf (the result views it), so the host never holds
    a second copy of the output.
    """
    n = plan.size
    if chunk >= n and store.directory is None and jax.process_count() == 1:
        out = _compute(call, plan, devices, 0, chunk)
        return _deferred(out, n, plan.shape), out
    swept, start, seeds = plan.inputs(np.zeros(chunk // jax.process_count(), np.int64))
    template, treedef = _layout.leaves(
        _layout.sources(shapes(swept=swept, start=start, seeds=seeds))
    )
    host = [np.empty(s.host_shape(n), s.dtype) for s in template]
    bar = Progress(-(-n // chunk), progress)
    for c, lo in enumerate(range(0, n, chunk)):
        parts = [s.part(h, lo, min(lo + chunk, n)) for s, h in zip(template, host, strict=True)]
        saved = store.load(c, [part.shape for part in parts])
        if saved is None:
            out = _compute(call, plan, devices, lo, chunk)
            _write_chunk(_layout.leaves(_layout.sources(out))[0], parts)
            store.save(c, parts)
        else:
            for part, leaf in zip(parts, saved, strict=True):
                part[...] = leaf
        bar.advance()
    bar.close()
    arranged = [s.arrange(h, plan.shape) for s, h in zip(template, host, strict=True)]
    return treedef.unflatten(arranged), None


def _write_chunk(sources: list[_layout.Source], targets: list[np.ndarray]) -> None:
    """Each source's runs into its target; with several processes, every process's share."""
    if jax.process_count() == 1:
        for source, target in zip(sources, targets, strict=True):
            source.write(target)
        return
    shares = []  # runs first: the processes' shares are joined on axis 0
    for source in sources:
        share = np.empty(source.host_shape(source.runs), source.dtype)
        source.write(share)
        shares.append(np.moveaxis(share, source.runs_axis, 0))
    for source, target, whole in zip(sources, targets, gather(shares), strict=True):
        runs = target.shape[source.runs_axis]
        target[...] = np.moveaxis(whole[:runs], 0, source.runs_axis)


def bytes_per_run(shapes: Callable, plan: Any, unit: int) -> int:
    """Recorded output of one run plus its descent state (parameters, gradient, two moments)."""
    swept, start, seeds = plan.inputs(np.zeros(unit, np.int64))
    out = shapes(swept=swept, start=start, seeds=seeds)
    recorded = sum(x.size * x.dtype.itemsize for x in jax.tree_util.tree_leaves(out)) // unit
    state = sum(x.size * x.dtype.itemsize for x in jax.tree_util.tree_leaves(plan.start_shapes()))
    return recorded + 4 * state
