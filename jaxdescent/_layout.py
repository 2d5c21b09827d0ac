"""From the sweep kernel's output to the fields of a ``SweepResult``, copied to the host once.

``lax.scan`` writes a run's records one step after another; under ``vmap`` that
is step-major, ``(records, runs, ...)``. Turning it run-major on the device
(what ``vmap``'s default ``out_axes=0`` does) copies every record once more: a
fifth of a 2-parameter sweep's time on CPU. So the kernel returns records
step-major, each device's shard is copied once into a host array of that
layout, and the result shows it run-major as a NumPy view
(``np.moveaxis``), without a copy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

PyTree = Any
RECORDED = ("loss", "grad_norm", "params", "aux")  # the fields of the kernel's "records"
PER_RUN = ("evaluations", "final_params", "final_loss", "diverged_at")  # its other outputs
FIELDS = (*RECORDED, *PER_RUN)
# The axis of the runs in each output of the kernel: records come step-major.
RUNS_AXIS = {"records": 1, **dict.fromkeys(PER_RUN, 0)}


@dataclasses.dataclass(frozen=True)
class Source:
    """One leaf of a result field: a device array (or shape struct) with the runs on
    ``runs_axis`` (1 for records, which come step-major, else 0)."""

    array: Any
    runs_axis: int = 0

    @property
    def dtype(self) -> Any:
        return self.array.dtype

    @property
    def runs(self) -> int:
        return self.array.shape[self.runs_axis]

    def host_shape(self, runs: int) -> tuple[int, ...]:
        """The shape of the leaf's host array (in the kernel's layout), for ``runs`` runs."""
        shape = list(self.array.shape)
        shape[self.runs_axis] = runs
        return tuple(shape)

    def part(self, host: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """The runs ``[lo, hi)`` of a host array of this leaf (a view)."""
        return host[lo:hi] if self.runs_axis == 0 else host[:, lo:hi]

    def write(self, target: np.ndarray) -> None:
        """Copy the first runs (as many as ``target`` holds) into ``target``, shard by shard."""
        axis, fits = self.runs_axis, target.shape[self.runs_axis]
        for shard in self.array.addressable_shards:
            lo, hi, _ = shard.index[axis].indices(self.runs)
            hi = min(hi, fits)
            if lo < hi:
                data = np.asarray(shard.data)
                self.part(target, lo, hi)[...] = self.part(data, 0, hi - lo)

    def arrange(self, host: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """A host array of this leaf laid out on the sweep's dims ``shape``, runs first:
        ``(*shape, ...)``, or ``(*shape, records, ...)`` for records (a view)."""
        if self.runs_axis == 0:
            return host.reshape(shape + host.shape[1:])
        runs_on_dims = host.reshape(host.shape[:1] + shape + host.shape[2:])
        return np.moveaxis(runs_on_dims, 0, len(shape))


def _tree_map(f: Callable[..., Any], tree: PyTree) -> PyTree:
    return None if tree is None else jax.tree_util.tree_map(f, tree)


def sources(out: dict[str, Any]) -> dict[str, PyTree]:
    """Every result field of a kernel output, as a pytree of :class:`Source` leaves."""
    fields: dict[str, PyTree] = {}
    for name in RECORDED:
        fields[name] = _tree_map(lambda x: Source(x, 1), getattr(out["records"], name))
    for name in PER_RUN:
        fields[name] = _tree_map(Source, out[name])
    return fields


def leaves(fields: PyTree) -> tuple[list[Source], Any]:
    """The :class:`Source` leaves of ``fields``, and the structure to rebuild them."""
    return jax.tree_util.tree_flatten(fields, is_leaf=lambda x: isinstance(x, Source))


def to_host(fields: PyTree, runs: int, shape: tuple[int, ...]) -> PyTree:
    """``fields`` (a pytree of :class:`Source`) as NumPy arrays of their first ``runs`` runs,
    laid out on the dims ``shape``. One copy per leaf, shard by shard."""

    def copy(source: Source) -> np.ndarray:
        target = np.empty(source.host_shape(runs), source.dtype)
        source.write(target)
        return source.arrange(target, shape)

    flat, treedef = leaves(fields)
    return treedef.unflatten([copy(s) for s in flat])
