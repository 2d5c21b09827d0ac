"""The file format of :class:`~jaxdescent.SweepResult`: one ``.npz``, pytrees stored by key path.

:meth:`SweepResult.save` writes, through :func:`jaxdescent._files.write_npz` (atomic,
nothing pickled):

* ``coords:NAME``: each coordinate of numbers or flags (a coordinate of names, a
  categorical dim's, is a list in the header's ``text_coords``); ``loss``, ``steps``,
  ...: each array field;
* each leaf of the pytree fields (``params``, ``final_params``, ``evaluations``,
  ``aux``) under its field name and key path (``jax.tree_util.keystr``), e.g.
  ``final_params['w']`` or ``final_params.layers[0].weight``;
* in the JSON header, ``dims``, the order of ``coords``, and per pytree field its
  leaves' names in flattening order, ``str(treedef)``, and a ``skeleton``: the tree's
  dicts (string keys), lists, tuples and ``None`` in JSON, from which ``load``
  rebuilds it alone. A tree with any other node (an equinox module, a flax
  ``nnx.State``, a NamedTuple, a class registered as a pytree) has no skeleton:
  ``load`` rebuilds it from a template given as ``like=``, checking that the
  template's key paths and per-run leaf shapes are those saved.

Files written before the key paths were stored (a bare skeleton per field) read as before.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Iterator
from typing import Any

import jax
import numpy as np

from jaxdescent._files import CorruptFileError, read_npz, write_npz
from jaxdescent._store import MANIFEST

PyTree = Any
# The fields of a SweepResult, by what they hold per run:
RECORDS = ("loss", "grad_norm")  # one number per record
PER_RUN = ("final_loss", "diverged", "diverged_at", "steps_to_tolerance")  # one number
TREES = ("params", "final_params", "evaluations", "aux")  # a pytree
RUN_FIELDS = RECORDS + PER_RUN + TREES
ARRAYS = (*RECORDS, *PER_RUN, "steps", "evaluation_steps")  # what is saved as arrays
_LEAF = np.ndarray | np.generic | jax.Array | numbers.Number


class TemplateError(ValueError):
    """A pytree needs ``like=``, or ``like`` does not match what was saved."""


def _skeleton(treedef: Any, names: Iterator[str]) -> Any:
    """JSON that rebuilds ``treedef`` from named leaves, or ``None`` if it has another node."""
    if treedef.num_nodes == 1 and treedef.num_leaves == 1:
        return {"leaf": next(names)}
    kind, data = treedef.node_data()
    children = [_skeleton(child, names) for child in treedef.children()]
    if kind is type(None):
        return {"none": 0}
    if None in children:
        return None
    if kind is dict and all(isinstance(k, str) for k in data):
        return {"dict": [[k, c] for k, c in zip(data, children, strict=True)]}
    return {kind.__name__: children} if kind in (list, tuple) else None


def flatten(field: str, tree: PyTree) -> tuple[dict[str, np.ndarray], dict[str, Any] | None]:
    """The leaves of ``tree`` named by field and key path, and the header entry to rebuild it."""
    if tree is None:
        return {}, None
    flat, treedef = jax.tree_util.tree_flatten_with_path(tree)
    leaves: dict[str, np.ndarray] = {}
    for path, leaf in flat:
        name = field + jax.tree_util.keystr(path)
        if not isinstance(leaf, _LEAF):
            raise TypeError(
                f"`SweepResult.save` stores pytrees of arrays; `{name}` is a {type(leaf).__name__}"
            )
        if name in leaves:
            raise ValueError(f"`SweepResult.save`: two leaves of `{field}` share the path {name}")
        leaves[name] = np.asarray(leaf)
    skeleton = _skeleton(treedef, iter(leaves))
    return leaves, {"leaves": list(leaves), "treedef": str(treedef), "skeleton": skeleton}


def _rebuild(skeleton: Any, arrays: dict[str, np.ndarray]) -> PyTree:
    """Inverse of :func:`_skeleton`."""
    if skeleton is None or "none" in skeleton:
        return None
    if "leaf" in skeleton:
        return arrays[skeleton["leaf"]]
    if "dict" in skeleton:
        return {k: _rebuild(v, arrays) for k, v in skeleton["dict"]}
    kind = "list" if "list" in skeleton else "tuple"
    items = [_rebuild(v, arrays) for v in skeleton[kind]]
    return items if kind == "list" else tuple(items)


def _from_template(field: str, names: list[str], leaves: list, like: PyTree, axes: tuple) -> Any:
    """``leaves`` in the structure of ``like``, whose key paths and per-run shapes must match
    (``axes``: the run axes of the saved leaves, and of the template's)."""
    flat, treedef = jax.tree_util.tree_flatten_with_path(like)
    want = [field + jax.tree_util.keystr(path) for path, _ in flat]
    if want != names:
        raise TemplateError(
            f"`like` does not match the saved `{field}`: its {len(want)} leaves are "
            f"{want[:4]}{' ...' if len(want) > 4 else ''}, the file's {len(names)} are "
            f"{names[:4]}{' ...' if len(names) > 4 else ''}"
        )
    saved, ours = axes
    for name, (_, template), leaf in zip(names, flat, leaves, strict=True):
        if np.shape(template)[ours:] != leaf.shape[saved:]:
            raise TemplateError(
                f"`like` does not match the saved `{field}`: `{name}` is {leaf.shape[saved:]} "
                f"per run in the file, {np.shape(template)[ours:]} in `like`"
            )
    return jax.tree_util.tree_unflatten(treedef, leaves)


def _tree(field: str, entry: Any, arrays: dict, n_dims: int, like: Any, is_result: bool) -> Any:
    """The pytree ``field`` from its header entry (with the template ``like`` if it needs one)."""
    if entry is None or "treedef" not in entry:  # a file from before key paths were stored
        return _rebuild(entry, arrays)
    if entry["skeleton"] is not None:
        return _rebuild(entry["skeleton"], arrays)
    leaves = [arrays[name] for name in entry["leaves"]]
    extra = 0 if field == "final_params" else 1  # records or evaluations
    if is_result:
        template, ours = getattr(like, field), len(like.dims) + extra
    elif field in ("params", "final_params") and like is not None:
        template, ours = like, 0  # one run's parameters
    else:
        what = "a SweepResult" if field in ("evaluations", "aux") else "a template"
        raise TemplateError(
            f"`{field}` is a pytree with nodes that only a template can rebuild "
            f"({entry['treedef']}): pass like={what} of that structure, e.g. "
            "SweepResult.load(path, like=model) with one run's parameters, or like=a_result"
        )
    return _from_template(field, entry["leaves"], leaves, template, (n_dims + extra, ours))


def _is_text(coord: Any) -> bool:
    """A coordinate of names (a categorical dim): kept in the JSON header, as NPZ members
    hold numbers only."""
    return np.asarray(coord).dtype.kind in "US"


def save(result: Any, path: str | os.PathLike[str]) -> None:
    """Write ``result`` to ``path`` (see the module docstring)."""
    text = {name: np.asarray(v).tolist() for name, v in result.coords.items() if _is_text(v)}
    arrays = {f"coords:{k}": v for k, v in result.coords.items() if k not in text}
    meta: dict[str, Any] = {"dims": list(result.dims), "coords": list(result.coords), "trees": {}}
    meta["text_coords"] = text
    arrays.update(
        {name: getattr(result, name) for name in ARRAYS if getattr(result, name) is not None}
    )
    for name in TREES:
        leaves, meta["trees"][name] = flatten(name, getattr(result, name))
        arrays.update(leaves)
    write_npz(path, arrays, meta)


def _directory_error(path: str) -> ValueError:
    if not os.path.exists(os.path.join(path, MANIFEST)):
        return ValueError(f"`SweepResult.load`: {path!r} is a directory, not a saved result file")
    return ValueError(
        f"`SweepResult.load`: {path!r} is a sweep's `save_to` directory. It keeps each chunk's "
        "outputs as unnamed arrays, without the coordinates, record steps and pytree "
        "structure of a result, so it cannot be read alone; rerun the same `jd.sweep(...)` "
        f"call with save_to={path!r}: it reads every saved chunk back without computing "
        "them and returns the result (then `result.save('result.npz')` for a file to load)"
    )


def load(cls: type, path: str | os.PathLike[str], like: Any = None) -> Any:
    """Read a result written by :func:`save` (``like``: see the module docstring)."""
    if os.path.isdir(path):
        raise _directory_error(os.fspath(path))
    arrays, meta = read_npz(path)
    try:
        fields: dict[str, Any] = {name: arrays.get(name) for name in ARRAYS}
        n_dims, is_result = len(meta["dims"]), isinstance(like, cls)
        for name in TREES:
            entry = meta["trees"].get(name)
            fields[name] = _tree(name, entry, arrays, n_dims, like, is_result)
        text = {name: np.asarray(v, dtype=str) for name, v in meta.get("text_coords", {}).items()}
        coords = {name: text.get(name, arrays.get(f"coords:{name}")) for name in meta["coords"]}
        if any(v is None for v in coords.values()):
            raise KeyError(f"coordinates {[k for k, v in coords.items() if v is None]}")
        return cls(dims=tuple(meta["dims"]), coords=coords, **fields)
    except TemplateError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise CorruptFileError(f"{os.fspath(path)}: not a saved SweepResult ({error!r})") from None
