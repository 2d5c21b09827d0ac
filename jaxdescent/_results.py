"""``SweepResult``: the named, NumPy-backed record of a sweep, and its file format."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import jax
import numpy as np

from jaxdescent._files import CorruptFileError, read_npz, write_npz

PyTree = Any
_ARRAYS = ("loss", "grad_norm", "steps", "final_loss", "diverged", "diverged_at")
_ARRAYS += ("steps_to_tolerance", "evaluation_steps")
_TREES = ("params", "final_params", "evaluations", "aux")
_RUN_FIELDS = ("loss", "grad_norm", "final_loss", "diverged", "diverged_at", "steps_to_tolerance")
_RUN_FIELDS += _TREES


@dataclasses.dataclass(frozen=True, eq=False)
class SweepResult:
    """Every run of a sweep, laid out on named axes (like an ``xarray.Dataset`` of NumPy arrays).

    Runs are indexed by ``dims`` (sizes ``shape``): the swept hyperparameters in
    the order given (one shared dim ``"sample"`` when they were paired with
    ``pairing="zip"``), then ``"start"``, then ``"seed"``.

    Attributes:
      dims: the names of the run axes.
      coords: the values along each dim (for ``"zip"``: ``"sample"`` indices and
        one entry per hyperparameter, all of length ``n_samples``). Hyperparameter
        values are those given (float64 under x64, else float32); each run read them
        weakly typed, taking the dtype of the parameters they met.
      loss: ``(*shape, n_records)`` loss at each recorded step.
      grad_norm: ``(*shape, n_records)`` gradient norm at each recorded step.
      steps: ``(n_records,)`` the step numbers of the records.
      params: pytree of ``(*shape, n_records, ...)`` recorded parameters, or ``None``.
      final_loss: ``(*shape,)`` loss after the last step.
      final_params: pytree of ``(*shape, ...)`` parameters after the last step.
      diverged: ``(*shape,)`` bool, the run stopped being finite (it is frozen
        at its last finite parameters).
      diverged_at: ``(*shape,)`` first non-finite step, ``-1`` if none.
      steps_to_tolerance: ``(*shape,)`` first recorded step whose loss is
        ``<= tolerance``; ``-1`` if never or no tolerance was given.
      evaluations: pytree of ``(*shape, n_evaluations, ...)`` or ``None``.
      evaluation_steps: ``(n_evaluations,)`` or ``None``.
      aux: pytree of ``(*shape, n_records, ...)`` auxiliary outputs, or ``None``.

    A sweep that ran as one chunk returns its fields as ``jax.Array``, left on
    the devices that computed them until they are read (``np.asarray`` copies one
    to the host); chunked, saved or loaded results hold NumPy arrays. Every
    method takes either.
    """

    dims: tuple[str, ...]
    coords: dict[str, np.ndarray]
    loss: np.ndarray
    grad_norm: np.ndarray
    steps: np.ndarray
    params: PyTree | None
    final_loss: np.ndarray
    final_params: PyTree
    diverged: np.ndarray
    diverged_at: np.ndarray
    steps_to_tolerance: np.ndarray
    evaluations: PyTree | None = None
    evaluation_steps: np.ndarray | None = None
    aux: PyTree | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each dim."""
        return self.final_loss.shape

    def _paired(self) -> list[str]:
        """Hyperparameters paired along ``"sample"`` (``pairing="zip"``)."""
        return [name for name in self.coords if name not in self.dims]

    def sel(self, **coords: Any) -> SweepResult:
        """The runs at the coordinate values nearest to those given; the selected dims drop.

        Example: ``res.sel(learning_rate=1e-2, start=0)``. With ``pairing="zip"``
        give hyperparameter values (the nearest sample is taken) or ``sample=i``.
        """
        known = set(self.dims) | set(self._paired())
        unknown = sorted(set(coords) - known)
        if unknown:
            raise ValueError(
                f"`sel` got unknown coordinate(s) {unknown}; this result has {sorted(known)}"
            )
        index = {d: _nearest(self.coords[d], v) for d, v in coords.items() if d in self.dims}
        paired = {name: v for name, v in coords.items() if name not in self.dims}
        if paired and "sample" not in index:
            index["sample"] = _nearest_sample(self.coords, paired)
        out = self
        for dim, i in index.items():
            out = out._drop(dim, i)
        return out

    def _drop(self, dim: str, i: int) -> SweepResult:
        axis = self.dims.index(dim)
        take = lambda x: None if x is None else x[(slice(None),) * axis + (i,)]  # noqa: E731
        fields = {f: _tree_map(take, getattr(self, f)) for f in _RUN_FIELDS}
        dims = tuple(d for d in self.dims if d != dim)
        gone = {dim} | (set(self._paired()) if dim == "sample" else set())
        coords = {k: v for k, v in self.coords.items() if k not in gone}
        return dataclasses.replace(self, dims=dims, coords=coords, **fields)

    def _run_coords(self, index: tuple[int, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for dim, i in zip(self.dims, index, strict=True):
            out[dim] = self.coords[dim][i].item()
            if dim == "sample":
                out.update({name: self.coords[name][i].item() for name in self._paired()})
        return out

    def best(self) -> dict[str, Any]:
        """Coordinates and ``final_loss`` of the lowest final loss among runs that did not diverge.

        Raises:
          ValueError: if every run diverged.
        """
        ok = ~self.diverged & np.isfinite(self.final_loss)
        if not ok.any():
            raise ValueError("`best` has no run to pick: every run diverged")
        index = np.unravel_index(np.argmin(np.where(ok, self.final_loss, np.inf)), self.shape)
        index = tuple(int(i) for i in index)
        return {**self._run_coords(index), "final_loss": self.final_loss[index].item()}

    def summary(self, max_rows: int = 20) -> str:
        """A text table: the best run, then per dim the best final loss and the diverged count.

        Diverged runs are counted, never averaged, so no entry is NaN.
        """
        return _summary_table(self, max_rows)

    def to_dataframe(self) -> Any:
        """One row per run: its coordinates, final loss, divergence and steps to tolerance.

        Raises:
          ImportError: if pandas is not installed.
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "SweepResult.to_dataframe needs pandas, which is not installed: pip install pandas"
            ) from None
        rows = [
            {**self._run_coords(i), **{f: getattr(self, f)[i].item() for f in _RUN_FIELDS[2:6]}}
            for i in np.ndindex(*self.shape)
        ]
        return pd.DataFrame(rows)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write every field to one ``.npz`` file (exactly: dtypes and pytrees kept)."""
        arrays, meta = {}, {"dims": list(self.dims), "coords": list(self.coords), "trees": {}}
        for name, value in self.coords.items():
            arrays[f"coords:{name}"] = value
        for name in _ARRAYS:
            if getattr(self, name) is not None:
                arrays[name] = getattr(self, name)
        for name in _TREES:
            leaves, skeleton = flatten(name, getattr(self, name))
            arrays.update(leaves)
            meta["trees"][name] = skeleton
        write_npz(path, arrays, meta)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SweepResult:
        """Read a result written by :meth:`save` (sizes and dtypes checked, nothing unpickled).

        Raises:
          CorruptFileError: (a ``ValueError``) naming ``path``, if it is not such a file.
        """
        arrays, meta = read_npz(path)
        try:
            fields: dict[str, Any] = {name: arrays.get(name) for name in _ARRAYS}
            for name in _TREES:
                fields[name] = unflatten(meta["trees"].get(name), arrays)
            coords = {name: arrays[f"coords:{name}"] for name in meta["coords"]}
            return cls(dims=tuple(meta["dims"]), coords=coords, **fields)
        except (KeyError, TypeError, AttributeError, ValueError) as error:
            raise CorruptFileError(f"{path}: not a saved SweepResult ({error!r})") from None


def flatten(prefix: str, tree: PyTree) -> tuple[dict[str, np.ndarray], Any]:
    """The leaves of ``tree`` named by their key paths, and a JSON skeleton to rebuild it."""
    leaves: dict[str, np.ndarray] = {}

    def walk(node: Any, name: str) -> Any:
        if node is None:
            return {"none": 0}
        if type(node) is dict and all(isinstance(k, str) for k in node):
            return {"dict": [[k, walk(v, f"{name}[{k!r}]")] for k, v in node.items()]}
        if type(node) in (list, tuple):
            return {type(node).__name__: [walk(v, f"{name}[{i}]") for i, v in enumerate(node)]}
        if isinstance(node, np.ndarray | np.generic | jax.Array | int | float):
            leaves[name] = np.asarray(node)
            return {"leaf": name, "dtype": str(leaves[name].dtype)}
        raise TypeError(
            f"`SweepResult.save` stores pytrees of dicts (string keys), lists, tuples and "
            f"arrays; `{name}` is a {type(node).__name__}"
        )

    return leaves, walk(tree, prefix) if tree is not None else None


def unflatten(skeleton: Any, arrays: dict[str, np.ndarray]) -> PyTree:
    """Inverse of :func:`flatten`."""
    if skeleton is None or "none" in skeleton:
        return None
    if "leaf" in skeleton:
        return arrays[skeleton["leaf"]]
    if "dict" in skeleton:
        return {k: unflatten(v, arrays) for k, v in skeleton["dict"]}
    kind = "list" if "list" in skeleton else "tuple"
    items = [unflatten(v, arrays) for v in skeleton[kind]]
    return items if kind == "list" else tuple(items)


def _summary_table(result: SweepResult, max_rows: int) -> str:
    ok = ~result.diverged & np.isfinite(result.final_loss)
    n, n_bad = result.final_loss.size, int((~ok).sum())
    sizes = " x ".join(f"{d} ({s})" for d, s in zip(result.dims, result.shape, strict=True))
    lines = [f"SweepResult: {n} runs over {sizes or 'one configuration'}; {n_bad} diverged"]
    if ok.any():
        best = " ".join(f"{k}={v:.6g}" for k, v in result.best().items())
        lines.append(f"best: {best}")
    masked = np.where(ok, result.final_loss, np.inf)
    for axis, dim in enumerate(result.dims):
        lines += ["", f"{dim:>14}  {'best final loss':>16}  diverged"]
        others = tuple(a for a in range(masked.ndim) if a != axis)
        best = masked.min(axis=others) if others else masked
        bad = (~ok).sum(axis=others) if others else (~ok).astype(int)
        total = n // result.shape[axis]
        for i in range(min(result.shape[axis], max_rows)):
            loss = f"{best[i]:.6g}" if np.isfinite(best[i]) else "all diverged"
            lines.append(f"{result.coords[dim][i]:>14.6g}  {loss:>16}  {bad[i]}/{total}")
        if result.shape[axis] > max_rows:
            lines.append(f"{'...':>14}  ({result.shape[axis] - max_rows} more)")
    return "\n".join(lines)


def _tree_map(f, tree: PyTree) -> PyTree:
    return None if tree is None else jax.tree_util.tree_map(f, tree)


def _nearest(values: np.ndarray, value: Any) -> int:
    return int(np.argmin(np.abs(values.astype(np.float64) - float(value))))


def _nearest_sample(coords: dict[str, np.ndarray], wanted: dict[str, Any]) -> int:
    """The sample closest to ``wanted`` (distances scaled by each hyperparameter's spread)."""
    distance = 0.0
    for name, value in wanted.items():
        column = coords[name].astype(np.float64)
        spread = np.ptp(column) or 1.0
        distance = distance + np.abs(column - float(value)) / spread
    return int(np.argmin(distance))


def steps_to_tolerance(loss: np.ndarray, steps: np.ndarray, tolerance: float | None) -> np.ndarray:
    """The first recorded step whose loss is ``<= tolerance`` (``-1``: never or no tolerance)."""
    if tolerance is None:
        return np.full(loss.shape[:-1], -1, np.int32)
    hit = loss <= tolerance
    first = steps[np.argmax(hit, axis=-1)]
    return np.where(hit.any(axis=-1), first, -1).astype(np.int32)
