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
chunk's output straight into preallocated host arrays in the result's layout;
a sweep that runs as one chunk leaves its output on the devices until it is read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxdescent import _layout
from jaxdescent._minimize import check_positive_int
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


def config_mesh(devices: list[Any]) -> Mesh:
    """A one-axis mesh named ``"configs"`` over ``devices``.

    Built explicitly (not with ``jax.make_mesh``) so the axis keeps JAX's
    automatic sharding semantics.
    """
    return Mesh(np.array(devices), (AXIS,))


def kernel_mesh(devices: list[Any]) -> Mesh | None:
    """The mesh the sweep kernel splits its runs over; ``None`` for one device of one process."""
    return None if len(devices) == 1 and jax.process_count() == 1 else config_mesh(devices)


_PLACED: dict[tuple[Any, ...], jax.Array] = {}
_REMEMBER_BELOW = 1 << 16  # bytes: starts, fixed hyperparameters, small args


def placement(devices: list[Any], spec: PartitionSpec) -> NamedSharding | None:
    """Where to put inputs laid out as ``spec``; ``None`` where ``jit`` places them itself.

    That is the default device of a single process: ``jit`` puts host arrays
    there cheaply (~0.003 ms each on CPU, against ~0.08 ms for ``device_put``).
    """
    if jax.process_count() == 1 and devices == jax.devices()[:1]:
        return None
    return NamedSharding(config_mesh(devices), spec)


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
        key = (x.dtype.str, x.shape, x.tobytes(), sharding) if x.nbytes < _REMEMBER_BELOW else None
        if key is not None and key in _PLACED:
            leaves[i] = _PLACED[key]
        else:
            keys[i] = key
    if keys:
        placed = jax.device_put([leaves[i] for i in keys], sharding)
        if len(_PLACED) > 256:
            _PLACED.clear()
        for (i, key), array in zip(keys.items(), placed, strict=True):
            leaves[i] = array
            if key is not None:
                _PLACED[key] = array
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
    flat = np.minimum(np.arange(lo, lo + chunk), plan.size - 1)
    mine = slice(*process_share(0, chunk))
    inputs = plan.inputs(flat[mine])
    split = placement(devices, PartitionSpec(AXIS))
    if split is not None:
        inputs = jax.device_put(inputs, split)
    swept, start, seeds = inputs
    return call(swept=swept, start=start, seeds=seeds)


def _reshape(tree: PyTree, shape: tuple[int, ...]) -> PyTree:
    """Runs laid out on the sweep's dims: ``(n, ...)`` to ``(*shape, ...)``."""
    return jax.tree_util.tree_map(lambda x: x.reshape(shape + x.shape[1:]), tree)


def _deferred(fields: dict[str, Any], runs: int, shape: tuple[int, ...]) -> dict[str, Deferred]:
    """Each field copied to the host (and laid out on the dims) when first read."""

    def later(tree: PyTree) -> Deferred:
        return Deferred(lambda: _reshape(_layout.to_host(tree, runs), shape))

    return {name: later(tree) for name, tree in fields.items()}


def execute(
    call: Callable,
    shapes: Callable,
    plan: Any,
    devices: list,
    chunk: int,
    store: Any,
    progress: bool | None,
) -> dict[str, Any]:
    """Every chunk, computed or read back from ``store``: the result's fields.

    A sweep of one chunk in one process, not saved, returns when its runs have
    finished, its fields still on the devices (:class:`Deferred`). Otherwise
    every chunk is written into one host array per field leaf, in the result's
    layout, so the host never holds a second copy of the output.
    """
    n = plan.size
    if chunk >= n and store.directory is None and jax.process_count() == 1:
        out = jax.block_until_ready(_compute(call, plan, devices, 0, chunk))
        return _deferred(_layout.sources(out), n, plan.shape)
    swept, start, seeds = plan.inputs(np.zeros(chunk // jax.process_count(), np.int64))
    template, treedef = _layout.leaves(
        _layout.sources(shapes(swept=swept, start=start, seeds=seeds))
    )
    host = [np.empty(s.host_shape(n), s.dtype) for s in template]
    bar = Progress(-(-n // chunk), progress)
    for c, lo in enumerate(range(0, n, chunk)):
        hi = min(lo + chunk, n)
        saved = store.load(c, [(hi - lo, *h.shape[1:]) for h in host])
        if saved is None:
            out = _compute(call, plan, devices, lo, chunk)
            _write_chunk(_layout.leaves(_layout.sources(out))[0], [h[lo:hi] for h in host])
            store.save(c, [h[lo:hi] for h in host])
        else:
            for target, leaf in zip(host, saved, strict=True):
                target[lo:hi] = leaf
        bar.advance()
    bar.close()
    return _reshape(treedef.unflatten(host), plan.shape)


def _write_chunk(parts: list[_layout.Source], targets: list[np.ndarray]) -> None:
    """Each part's runs into its target; with several processes, every process's share."""
    if jax.process_count() == 1:
        for part, target in zip(parts, targets, strict=True):
            part.write(target)
        return
    shares = []
    for part in parts:
        share = np.empty(part.host_shape(part.last.shape[0]), part.dtype)
        part.write(share)
        shares.append(share)
    for target, whole in zip(targets, gather(shares), strict=True):
        target[:] = whole[: len(target)]


def bytes_per_run(shapes: Callable, plan: Any, unit: int) -> int:
    """Recorded output of one run plus its descent state (parameters, gradient, two moments)."""
    swept, start, seeds = plan.inputs(np.zeros(unit, np.int64))
    out = shapes(swept=swept, start=start, seeds=seeds)
    recorded = sum(x.size * x.dtype.itemsize for x in jax.tree_util.tree_leaves(out)) // unit
    state = sum(x.size * x.dtype.itemsize for x in jax.tree_util.tree_leaves(plan.start_shapes()))
    return recorded + 4 * state
