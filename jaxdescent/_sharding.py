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
chunk's output straight into preallocated host arrays in the result's layout.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxdescent._minimize import check_positive_int
from jaxdescent._progress import Progress

PyTree = Any


def config_devices(n_runs: int) -> list[Any]:
    """The devices a sweep of ``n_runs`` runs uses: every local one, or one per run if fewer.

    With one process, a sweep of fewer runs than devices runs one per device and
    pads nothing (a single run is then the same program as ``minimize``).
    """
    devices = jax.local_devices()
    return devices if jax.process_count() > 1 else devices[: max(1, min(len(devices), n_runs))]


def config_mesh(devices: list[Any]) -> Mesh:
    """A one-axis mesh named ``"configs"`` over ``devices``.

    Built explicitly (not with ``jax.make_mesh``) so the axis keeps JAX's
    automatic sharding semantics.
    """
    return Mesh(np.array(devices), ("configs",))


def split_configs(mesh: Mesh) -> NamedSharding:
    """Shard the leading (configuration) axis over the mesh."""
    return NamedSharding(mesh, PartitionSpec("configs"))


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


def _compute(
    call: Callable, plan: Any, devices: list, lo: int, chunk: int, n_valid: int
) -> list[np.ndarray]:
    """Run the chunk ``[lo, lo + chunk)`` (padded by repeating the last run) on every device."""
    flat = np.minimum(np.arange(lo, lo + chunk), plan.size - 1)
    mine = slice(*process_share(0, chunk))
    swept, start, seeds = plan.inputs(flat[mine])
    split = split_configs(config_mesh(devices))
    swept, start, seeds = jax.device_put((swept, start, seeds), split)
    out = call(swept=swept, start=start, seeds=seeds)
    leaves = gather([np.asarray(x) for x in jax.tree_util.tree_leaves(out)])
    return [x[:n_valid] for x in leaves]


def execute(
    call: Callable,
    shapes: Callable,
    plan: Any,
    devices: list,
    chunk: int,
    store: Any,
    progress: bool | None,
) -> PyTree:
    """Every chunk, computed or read back from ``store``, written into one host array per field."""
    n = plan.size
    swept, start, seeds = plan.inputs(np.zeros(chunk // jax.process_count(), np.int64))
    outputs, treedef = jax.tree_util.tree_flatten(shapes(swept=swept, start=start, seeds=seeds))
    host = [np.empty((n, *s.shape[1:]), s.dtype) for s in outputs]
    bar = Progress(-(-n // chunk), progress)
    for c, lo in enumerate(range(0, n, chunk)):
        hi = min(lo + chunk, n)
        leaves = store.load(c, [(hi - lo, *s.shape[1:]) for s in outputs])
        if leaves is None:
            leaves = _compute(call, plan, devices, lo, chunk, hi - lo)
            store.save(c, leaves)
        for target, leaf in zip(host, leaves, strict=True):
            target[lo:hi] = leaf
        bar.advance()
    bar.close()
    return treedef.unflatten([x.reshape(plan.shape + x.shape[1:]) for x in host])


def bytes_per_run(shapes: Callable, plan: Any, unit: int) -> int:
    """Recorded output of one run plus its descent state (parameters, gradient, two moments)."""
    swept, start, seeds = plan.inputs(np.zeros(unit, np.int64))
    out = shapes(swept=swept, start=start, seeds=seeds)
    recorded = sum(x.size * x.dtype.itemsize for x in jax.tree_util.tree_leaves(out)) // unit
    state = sum(x[0].size * x.dtype.itemsize for x in jax.tree_util.tree_leaves(plan.starts))
    return recorded + 4 * state
