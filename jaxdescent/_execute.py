"""Running a sweep: one compiled kernel over chunks of runs, split over devices and hosts.

One process: each chunk's runs are split evenly over the chosen local devices
(``shard_map`` over a one-axis mesh named ``"configs"``; every run is an
independent descent, so nothing is communicated); what every run reads (the
starts, the data, the shared hyperparameters) is replicated.

Several processes (hosts): start every process with
``jax.distributed.initialize(coordinator_address, num_processes, process_id)``
and call :func:`jaxdescent.sweep` with the same arguments in every process.
Each chunk is split into one equal share per process; a process computes its
share on its own devices, the shares are gathered
(``multihost_utils.process_allgather``), and every process holds the whole result.

A sweep of one chunk in one process, not saved, returns the kernel's output as
it is, on the devices. Otherwise each chunk is copied into NumPy arrays of the
whole sweep, saved as it finishes, and read back instead of computed on a rerun.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxdescent._checks import check_positive_int, shown
from jaxdescent._descent import Descent, DescentConfig, run_descent
from jaxdescent._optimizer import Static, weakly_typed
from jaxdescent._progress import Progress, SweepInterrupted, interrupted_message

PyTree = Any
AXIS = "configs"
# Below this many run-steps x parameters one device beats splitting: placing the
# inputs on several devices costs more than splitting saves (docs/performance.md).
SPLIT_WORTH = 2**18


def _one_run(fn: Static, factory: Static, settings, config: DescentConfig, run, shared) -> Descent:
    """One run's descent: its optimizer built from its values, every number weakly typed."""
    starts = shared["starts"]
    x0 = (
        starts
        if run["start"] is None
        else jax.tree_util.tree_map(lambda s: s[run["start"]], starts)
    )
    values = {
        k: weakly_typed(jnp.asarray(v)) for k, v in {**shared["fixed"], **run["values"]}.items()
    }
    optimizer = factory.value(**{name: s.value for name, s in settings}, **values)
    key = None if run["seed"] is None else jax.random.key(run["seed"])
    return run_descent(fn.value, x0, optimizer, config, shared["args"], shared["data"], key)


def _fields(config: DescentConfig, descent: Descent, tolerance: Any) -> dict[str, Any]:
    """The result's fields of a batch of runs (a leading runs axis on every leaf)."""
    records, at = descent.records, descent.diverged_at
    reached = jnp.full(at.shape, -1, jnp.int32)
    if tolerance is not None:
        hit = records.loss <= tolerance
        first = jnp.asarray(config.record_steps())[jnp.argmax(hit, axis=-1)]
        reached = jnp.where(hit.any(axis=-1), first, -1)
    return {
        "loss": records.loss,
        "grad_norm": records.grad_norm,
        "params": records.params,
        "aux": records.aux,
        "evaluations": descent.evaluations,
        "final_params": descent.final_params,
        "final_loss": descent.final_loss,
        "diverged_at": at,
        "diverged": at >= 0,
        "steps_to_tolerance": reached,
        # Returned by the program, as minimize's is, so that XLA compiles the same loop
        # (a state it may drop fuses differently); dropped from the result after the call.
        "final_state": descent.final_state,
    }


@functools.partial(jax.jit, static_argnums=(0, 1, 2, 3), static_argnames=("mesh", "shape"))
def kernel(fn, factory, settings, config, runs, shared, *, mesh, shape):
    """``vmap`` of one run over ``runs``; with a ``mesh``, each device runs its own share.
    The fields come back shaped ``(*shape, ...)``: the first ``prod(shape)`` runs on the dims."""
    one = functools.partial(_one_run, fn, factory, settings, config)

    def batch(runs, shared):
        descent = jax.vmap(one, in_axes=(0, None))(runs, shared)
        return _fields(config, descent, shared["tolerance"])

    if mesh is not None:  # each device computes its runs' fields: nothing to partition
        split, whole = PartitionSpec(AXIS), PartitionSpec()
        batch = jax.shard_map(
            batch, mesh=mesh, in_specs=(split, whole), out_specs=split, check_vma=False
        )
    n = math.prod(shape)  # the runs that are not padding, laid out on the dims
    return jax.tree_util.tree_map(lambda x: x[:n].reshape(shape + x.shape[1:]), batch(runs, shared))


@dataclasses.dataclass(frozen=True)
class Plan:
    """Where and in what pieces a sweep runs: its devices, mesh and chunk size."""

    devices: tuple[Any, ...]
    mesh: Mesh | None
    chunk: int

    @property
    def share(self) -> int:
        """Runs per chunk that this process computes."""
        return self.chunk // jax.process_count()


def choose_devices(n_runs: int, work: int, devices: Any = None) -> list[Any]:
    """``devices`` if given; else every local device (one per run at most), or only the
    first when the sweep's ``work`` (runs x steps x parameters) is under ``SPLIT_WORTH``."""
    if devices is not None:
        try:
            junk = str | bytes | dict | np.ndarray | jax.Array
            given = [] if isinstance(devices, junk) else list(devices)
        except TypeError:  # not iterable
            given = []
        if not given or not all(isinstance(d, jax.Device) for d in given):
            raise TypeError(
                f"`devices` must be a non-empty sequence of jax devices, got {shown(devices)}"
            )
        return given
    local = jax.local_devices()
    if jax.process_count() > 1:
        return local
    if work < SPLIT_WORTH:
        return local[:1]
    return local[: max(1, min(len(local), n_runs))]


def round_up(n: int, multiple: int) -> int:
    """The smallest multiple of ``multiple`` that is at least ``n``."""
    return -(-n // multiple) * multiple


def plan(grid, config, devices, chunk_size, memory_budget, kernel, shared) -> Plan:
    """Devices, mesh and chunk size for ``grid``'s runs (checked before any compute)."""
    chunk_size = check_positive_int("chunk_size", chunk_size, allow_none=True)
    memory_budget = check_positive_int("memory_budget", memory_budget, allow_none=True, below=None)
    if chunk_size is not None and memory_budget is not None:
        raise ValueError("give `chunk_size` or `memory_budget`, not both")
    per_run = sum(math.prod(np.shape(x)) for x in jax.tree_util.tree_leaves(grid.one_start()))
    chosen = choose_devices(grid.size, grid.size * config.steps * per_run, devices)
    several = len(chosen) > 1 or jax.process_count() > 1
    mesh = Mesh(np.array(chosen), (AXIS,)) if several else None
    unit = jax.process_count() * len(chosen)
    whole = round_up(grid.size, unit)
    chunk = whole if chunk_size is None else min(round_up(chunk_size, unit), whole)
    if memory_budget is not None:
        need = bytes_per_run(kernel, grid, shared, len(chosen))
        fits = memory_budget // need // unit * unit
        if fits == 0:
            raise ValueError(
                f"`memory_budget` of {memory_budget} bytes is less than one run on each of the "
                f"{unit} devices ({need} bytes per run)"
            )
        chunk = min(fits, whole)
    return Plan(tuple(chosen), mesh, chunk)


def bytes_per_run(kernel: Callable, grid, shared, n: int) -> int:
    """Output of one run (from the kernel's traced shapes) plus its descent state
    (parameters, gradient and two moments)."""
    runs = grid.runs(np.zeros(n, np.int64))
    out = jax.eval_shape(functools.partial(kernel, mesh=None, shape=(n,)), runs, shared)
    output = sum(x.size * x.dtype.itemsize for x in jax.tree_util.tree_leaves(out)) // n
    state = sum(x.size * x.dtype.itemsize for x in jax.tree_util.tree_leaves(grid.one_start()))
    return output + 4 * state


def _place(plan: Plan, runs: dict, shared: dict) -> tuple[dict, dict]:
    """Runs split over the mesh and shared inputs replicated; with one device of one
    process, ``jit`` places host arrays itself."""
    if plan.mesh is None:
        if plan.devices[0] == jax.devices()[0]:
            return runs, shared
        return jax.device_put((runs, shared), plan.devices[0])
    split = NamedSharding(plan.mesh, PartitionSpec(AXIS))
    whole = NamedSharding(plan.mesh, PartitionSpec())
    return jax.device_put(runs, split), jax.device_put(shared, whole)


def _compute(kernel: Callable, grid, shared: dict, plan: Plan, lo: int, shape=None) -> dict:
    """This process's share of the chunk of runs from ``lo`` (padded by repeating the last
    run), laid out on ``shape`` (default: one runs axis)."""
    share = plan.share
    flat = np.minimum(np.arange(lo, lo + plan.chunk), grid.size - 1)
    mine = flat[jax.process_index() * share :][:share]
    runs, shared = _place(plan, grid.runs(mine), shared)
    out = kernel(runs, shared, mesh=plan.mesh, shape=(share,) if shape is None else shape)
    return {name: value for name, value in out.items() if name != "final_state"}


def execute(kernel: Callable, grid, shared: dict, plan: Plan, store, progress) -> dict[str, Any]:
    """Every field of the result, computed chunk by chunk or read back from ``store``.

    Raises:
      SweepInterrupted: on Ctrl-C with a ``store``, saying how many chunks are saved there.
    """
    if plan.chunk >= grid.size and store is None and jax.process_count() == 1:
        return jax.block_until_ready(_compute(kernel, grid, shared, plan, 0, grid.shape))
    total = -(-grid.size // plan.chunk)
    bar = Progress(total, progress)
    try:
        host, treedef = _chunks(kernel, grid, shared, plan, store, bar)
    except KeyboardInterrupt as interrupt:
        if store is None or isinstance(interrupt, SweepInterrupted):
            raise
        message = interrupted_message(store.saved(total), total, store.directory)
        raise SweepInterrupted(message) from None
    finally:
        bar.close()
    if treedef is None:  # every chunk was read back: the structure from the traced shapes
        runs = grid.runs(np.zeros(plan.share, np.int64))
        out = jax.eval_shape(
            functools.partial(kernel, mesh=None, shape=(plan.share,)), runs, shared
        )
        out.pop("final_state")
        treedef = jax.tree_util.tree_structure(out)
    on_dims = [x.reshape(grid.shape + x.shape[1:]) for x in host or []]
    return jax.tree_util.tree_unflatten(treedef, on_dims)


def _chunks(kernel, grid, shared, plan: Plan, store, bar: Progress):
    """The host arrays of every chunk, in order, and the fields' structure (``None`` when
    every chunk was read back)."""
    host, treedef = None, None
    for c, lo in enumerate(range(0, grid.size, plan.chunk)):
        hi = min(lo + plan.chunk, grid.size)
        leaves = None if store is None else store.load(c, hi - lo)
        if leaves is None:
            out = _compute(kernel, grid, shared, plan, lo)
            flat, treedef = jax.tree_util.tree_flatten(out)
            leaves = [x[: hi - lo] for x in _gather([np.asarray(x) for x in flat])]
            if store is not None:
                store.save(c, leaves)
        if host is None:
            host = [np.empty((grid.size, *x.shape[1:]), x.dtype) for x in leaves]
        for target, leaf in zip(host, leaves, strict=True):
            target[lo:hi] = leaf
        bar.advance()
    return host, treedef


def _gather(leaves: list[np.ndarray]) -> list[np.ndarray]:
    """Every process's share of each leaf, joined on the runs axis (one process: as is)."""
    if jax.process_count() == 1:
        return leaves
    return [np.asarray(multihost_utils.process_allgather(x, tiled=True)) for x in leaves]
