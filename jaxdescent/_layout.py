"""From the sweep kernel's output to the fields of a ``SweepResult``, copied to the host once.

The kernel returns each record stream as ``lax.scan`` stacks it, without its
final record (:class:`~jaxdescent._descent.Descent`: ``head`` of shape
``(runs, R - 1, ...)`` and ``last`` of shape ``(runs, ...)``). Joining them on
the device would copy every record once more, so the join happens on the way to
the host: each device's shard is written straight into the result's array.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

PyTree = Any
RECORDED = ("loss", "grad_norm", "params", "aux")
FIELDS = (*RECORDED, "evaluations", "final_params", "final_loss", "diverged_at")


@dataclasses.dataclass(frozen=True)
class Source:
    """One leaf of a result field: ``last`` alone, or records ``head`` followed by ``last``.

    ``head`` and ``last`` are device arrays (or shape structs) with the runs on
    axis 0. A recorded leaf gains a record axis 1 of length ``R``.
    """

    last: Any
    head: Any = None
    recorded: bool = False

    @property
    def dtype(self) -> Any:
        return self.last.dtype

    def host_shape(self, runs: int) -> tuple[int, ...]:
        """The leaf's shape in the result, for ``runs`` runs."""
        rest = tuple(self.last.shape[1:])
        if not self.recorded:
            return (runs, *rest)
        records = 1 if self.head is None else self.head.shape[1] + 1
        return (runs, records, *rest)

    def write(self, target: np.ndarray) -> None:
        """Copy the first ``len(target)`` runs into ``target``, shard by shard."""
        if not self.recorded:
            _copy_rows(self.last, target)
            return
        if self.head is not None:
            _copy_rows(self.head, target[:, :-1])
        _copy_rows(self.last, target[:, -1])


def _copy_rows(array: Any, target: np.ndarray) -> None:
    """``target[:] = array[:len(target)]`` from each addressable shard (one copy, no gather)."""
    for shard in array.addressable_shards:
        lo, hi, _ = shard.index[0].indices(array.shape[0])
        hi = min(hi, len(target))
        if lo < hi:
            target[lo:hi] = np.asarray(shard.data)[: hi - lo]


def _tree_map(f: Callable[..., Any], tree: PyTree, *rest: PyTree) -> PyTree:
    return None if tree is None else jax.tree_util.tree_map(f, tree, *rest)


def sources(out: dict[str, Any]) -> dict[str, PyTree]:
    """Every result field of a kernel output, as a pytree of :class:`Source` leaves."""
    head, last = out["head"], out["last"]
    fields: dict[str, PyTree] = {}
    for name in RECORDED:
        tails = getattr(last, name)
        if head is None:
            fields[name] = _tree_map(lambda x: Source(x, recorded=True), tails)
        else:
            fields[name] = _tree_map(
                lambda x, h: Source(x, h, recorded=True), tails, getattr(head, name)
            )
    fields["evaluations"] = _tree_map(Source, out["evaluations"])
    fields["final_params"] = _tree_map(Source, out["final_params"])
    fields["final_loss"] = Source(last.loss)
    fields["diverged_at"] = Source(out["diverged_at"])
    return fields


def leaves(fields: PyTree) -> tuple[list[Source], Any]:
    """The :class:`Source` leaves of ``fields``, and the structure to rebuild them."""
    return jax.tree_util.tree_flatten(fields, is_leaf=lambda x: isinstance(x, Source))


def to_host(fields: PyTree, runs: int) -> PyTree:
    """``fields`` (a pytree of :class:`Source`) as NumPy arrays of their first ``runs`` runs.

    One copy per leaf, shard by shard.
    """

    def copy(source: Source) -> np.ndarray:
        target = np.empty(source.host_shape(runs), source.dtype)
        source.write(target)
        return target

    flat, treedef = leaves(fields)
    return treedef.unflatten([copy(s) for s in flat])
