"""``save_to``: a sweep's finished chunks on disk, and the identity that makes a resume safe.

A directory holds ``sweep.json`` (the sweep's identity and layout) and one
``chunk_NNNNNN.npz`` per finished chunk. The identity is a digest per part of
what the sweep computes, never of what things are called:

* ``objective``: the traced program of the loss and its gradient, with the
  constants it closes over (a closure's arrays, a partial's arguments, a landscape);
* ``optimizer``: the traced program of the optimizer's ``init`` and ``update``,
  its static settings included (the swept and shared values are hashed as ``values``);
* ``evaluate``: the traced program of ``evaluate``;
* ``values``, ``starts``, ``args``, ``data``, ``settings``: the bytes of every
  array and the repr of every other argument.

A rerun whose identity differs in any part is refused, naming the parts. A
program that calls back into Python (``pure_callback``, ``io_callback``) cannot
be identified, so it cannot be saved.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import warnings
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxdescent import _files, _step
from jaxdescent._descent import DescentConfig
from jaxdescent._optimizer import weakly_typed

PyTree = Any
MANIFEST = "sweep.json"


def _digest_arrays(tree: PyTree) -> str:
    """A digest of a pytree: its structure, and each leaf's dtype, shape and bytes."""
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    digest = hashlib.sha256(str(treedef).encode())
    for leaf in leaves:
        array = np.asarray(leaf)
        digest.update(f"{array.dtype}{array.shape}".encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def _digest_program(part: str, fn: Callable[..., Any], *inputs: Any) -> str:
    """A digest of ``fn``'s traced program and its constants; refuses Python callbacks."""
    closed = jax.make_jaxpr(fn)(*inputs)
    text = str(closed.jaxpr)
    if "callback" in text:
        raise ValueError(
            f"`save_to` cannot identify the {part}: its program calls back into Python, so a "
            "resumed sweep could not be told from another; run it without `save_to`"
        )
    return hashlib.sha256(text.encode() + _digest_arrays(closed.consts).encode()).hexdigest()


def identity(kernel: Any, grid: Any, shared: dict[str, Any], chunk: int) -> dict[str, str]:
    """The digest of each part of what the sweep computes (see the module docstring)."""
    fn, factory, settings, config = kernel.args
    config: DescentConfig
    x0 = jax.tree_util.tree_map(jnp.zeros_like, grid.one_start())
    key = None if "seed" not in grid.dims else jax.random.key(0)
    t0 = jnp.zeros([], jnp.int32)

    def objective(params, args, data):
        loss = lambda p: _step.objective(fn.value, config, args, data, key, p, t0)[0]  # noqa: E731
        return jax.value_and_grad(loss)(params)

    def optimizer(values, params):
        values = {k: weakly_typed(v) for k, v in values.items()}
        opt = factory.value(**{k: s.value for k, s in settings}, **values)
        state = opt.init(params)
        value_fn = lambda p: jnp.zeros([], jax.tree_util.tree_leaves(p)[0].dtype)  # noqa: E731
        return opt.update(
            params, state, params, value=value_fn(params), grad=params, value_fn=value_fn
        )

    values = {**shared["fixed"], **grid.runs(np.zeros(1, np.int64))["values"]}
    values = {k: jnp.asarray(v).reshape(()) for k, v in values.items()}
    parts = {
        "objective": _digest_program("objective", objective, x0, shared["args"], shared["data"]),
        "optimizer": _digest_program("optimizer", optimizer, values, x0),
        "evaluate": ""
        if config.evaluate is None
        else _digest_program("evaluate", config.evaluate, x0),
        "values": _digest_arrays((grid.coords, grid.fixed, sorted(grid.along.items()))),
        "starts": _digest_arrays(grid.starts),
        "args": _digest_arrays(shared["args"]),
        "data": _digest_arrays(shared["data"]),
    }
    settings_text = repr(
        {
            f.name: getattr(config, f.name)
            for f in dataclasses.fields(config)
            if f.name != "evaluate"
        }
    ) + repr((grid.dims, shared["tolerance"], chunk))
    parts["settings"] = hashlib.sha256(settings_text.encode()).hexdigest()
    return parts


@dataclasses.dataclass(frozen=True)
class Store:
    """A ``save_to`` directory opened for one sweep (its identity checked)."""

    directory: str
    parts: dict[str, str]

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(repr(sorted(self.parts.items())).encode()).hexdigest()

    @classmethod
    def open(cls, directory: Any, kernel: Any, grid: Any, shared: dict, plan: Any) -> Store:
        """Open (or create) ``directory`` for this sweep; refuse one that holds another sweep."""
        if not isinstance(directory, str | os.PathLike):
            raise TypeError(f"`save_to` must be a directory path or None, got {directory!r}")
        directory = os.fspath(directory)
        if os.path.exists(directory) and not os.path.isdir(directory):
            raise ValueError(f"`save_to` must be a directory, but {directory!r} is a file")
        store = cls(directory, identity(kernel, grid, shared, plan.chunk))
        path = os.path.join(directory, MANIFEST)
        if os.path.exists(path):
            saved = _files.read_json(path).get("identity", {})
            differ = sorted(k for k in store.parts if saved.get(k) != store.parts[k])
            if differ:
                raise ValueError(
                    f"`save_to` directory {directory!r} holds a different sweep: its "
                    f"{', '.join(differ)} differ(s) from this call's; use another directory "
                    "or delete it"
                )
        elif _holds_combinations(directory):
            raise ValueError(
                f"`save_to` directory {directory!r} holds a sweep with categorical dims (one "
                "subdirectory per combination), not this one; use another directory"
            )
        elif jax.process_index() == 0:
            os.makedirs(directory, exist_ok=True)
            manifest = {"identity": store.parts, "dims": grid.dims, "shape": grid.shape}
            _files.write_json(path, {**manifest, "chunk": plan.chunk})
        return store

    def _path(self, chunk: int) -> str:
        return os.path.join(self.directory, f"chunk_{chunk:06d}.npz")

    def load(self, chunk: int, runs: int) -> list[np.ndarray] | None:
        """The leaves of a saved chunk of ``runs`` runs, or ``None`` (not saved, or unreadable:
        then it is recomputed, with a warning naming the file)."""
        path = self._path(chunk)
        if not os.path.exists(path):
            return None
        try:
            arrays, meta = _files.read_npz(path)
            leaves = [arrays[f"leaf:{i}"] for i in range(len(arrays))]
        except (_files.CorruptFileError, KeyError) as error:
            warnings.warn(f"recomputing a chunk: {path} could not be read ({error})", stacklevel=4)
            return None
        if meta.get("fingerprint") != self.fingerprint or any(len(x) != runs for x in leaves):
            return None
        return leaves

    def saved(self, total: int) -> int:
        """How many of the ``total`` chunks have a file here."""
        return sum(os.path.exists(self._path(c)) for c in range(total))

    def save(self, chunk: int, leaves: list[np.ndarray]) -> None:
        """Write a finished chunk (process 0 only; every process holds the same leaves)."""
        if jax.process_index() == 0:
            arrays = {f"leaf:{i}": x for i, x in enumerate(leaves)}
            _files.write_npz(self._path(chunk), arrays, {"fingerprint": self.fingerprint})


def _holds_combinations(directory: str) -> bool:
    """Whether ``directory`` holds a categorical sweep: subdirectories with a manifest."""
    if not os.path.isdir(directory):
        return False
    with os.scandir(directory) as entries:
        return any(
            entry.is_dir() and os.path.isfile(os.path.join(entry.path, MANIFEST))
            for entry in entries
        )
