"""Sweeps over what is not a float: categorical axes, one compiled sweep per value.

A list of values that cannot be traced becomes a named axis: booleans
(``nesterov=[False, True]``), strings, ``None``, callables, and integers for a
keyword whose factory default is not a float (``memory_size=[5, 10]``); so does
a dict of factories (``{"adam": jd.adam, "sgd": jd.sgd}``: the dim
``"optimizer"``). :func:`sweep_each` runs the numeric sweep
(:func:`jaxdescent._sweep.prepare`) once per combination of these values, each
value a Python constant of its compiled program, and stacks the results on the
categorical dims, which come first (``"optimizer"``, then the keywords in the
order given). Each combination is exactly the sweep that gives its values once.

The rule for integers: an integer (or a list of them) is numeric, cast to float
and traced, only for a keyword whose default in the factory's signature is a
float (in every factory of a dict); anywhere else it stays a Python ``int``
(``every_k=4``, ``memory_size=[5, 10]``).
"""

from __future__ import annotations

import itertools
import numbers
import os
import re
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from jaxdescent._checks import check_directory, shown
from jaxdescent._memory import check_records_fit
from jaxdescent._results_io import RUN_FIELDS
from jaxdescent._store import MANIFEST
from jaxdescent._sweep_checks import FactoryKeywords, check_factory_keywords, check_not_traced

OPTIMIZER = "optimizer"
_LISTS = list | tuple | np.ndarray | jax.Array


def is_integer(value: Any) -> bool:
    """A Python or NumPy integer (or a 0-d integer array); not a bool."""
    if isinstance(value, np.ndarray | jax.Array):
        return value.ndim == 0 and value.dtype.kind in "iu"
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def as_python(value: Any) -> Any:
    """A NumPy or 0-d array scalar as the Python value it holds."""
    return value.item() if isinstance(value, np.generic | np.ndarray | jax.Array) else value


def _kind(value: Any) -> str:
    """What a list's entry is: ``"None"``, ``"bool"``, ``"int"``, ``"number"``, ``"str"``,
    ``"list"`` (nested), ``"callable"`` or its type's name."""
    if value is None:
        return "None"
    if isinstance(value, bool | np.bool_):
        return "bool"
    if is_integer(value):
        return "int"
    if isinstance(value, numbers.Number) or (np.ndim(value) == 0 and is_array(value)):
        return "number"
    if isinstance(value, str | np.str_):
        return "str"
    if isinstance(value, _LISTS | dict):
        return "list"
    return "callable" if callable(value) else type(value).__name__


def is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray | jax.Array)


def axis_values(name: str, value: Any, numeric_ints: bool) -> list[Any] | None:
    """The values of a categorical axis, checked; ``None`` for a number, a list of numbers
    (swept numerically) or one value (a setting)."""
    if not isinstance(value, _LISTS):
        return None
    if is_array(value):
        if np.ndim(value) != 1 or value.dtype.kind in "fc" or value.size == 0:
            return None  # the numeric checks say what is wrong with it
        value = value.tolist()
    if not len(value):
        return None  # the numeric checks refuse it
    kinds = {_kind(v) for v in value}
    if "list" in kinds or (kinds <= {"number", "int"} and (numeric_ints or "number" in kinds)):
        return None
    if len(kinds - {"None"}) > 1:
        raise TypeError(
            f"`{name}` mixes {' and '.join(sorted(kinds))} values: a swept list holds numbers "
            f"(traced) or values of one other kind (compiled once each), got {shown(value)}"
        )
    values = [as_python(v) for v in value]
    for i, v in enumerate(values):
        if any(v is w or _equal(v, w) for w in values[:i]):
            raise ValueError(f"`{name}` holds {v!r} twice: give each value once")
    return values


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _label(value: Any) -> str:
    """A coordinate for a value that NumPy cannot hold: a name (``None``, a function's name)."""
    if isinstance(value, str):
        return value
    func = getattr(value, "func", None)  # functools.partial
    name = getattr(value, "__name__", None) or (func and f"partial({_label(func)})")
    return name or repr(value)


def coordinates(values: list[Any]) -> np.ndarray:
    """Bools, integers and strings as they are; anything else by name (made unique)."""
    kinds = {_kind(v) for v in values}
    if len(kinds) == 1 and kinds <= {"bool", "int", "str"}:
        return np.asarray(values)
    labels = [_label(v) for v in values]
    return np.asarray(
        [f"{x}#{i}" if labels.count(x) > 1 else x for i, x in enumerate(labels)], dtype=str
    )


def factories(optimizer_factory: Any) -> dict[str, Callable[..., Any]] | None:
    """A dict of factories, checked (``None`` for one factory)."""
    if not isinstance(optimizer_factory, dict):
        return None
    if not optimizer_factory:
        raise ValueError("`optimizer_factory` is an empty dict: give at least one factory")
    for key, factory in optimizer_factory.items():
        if not isinstance(key, str):
            raise TypeError(
                f"`optimizer_factory` must be keyed by names (strings), got the key {key!r}"
            )
        if not callable(factory):
            raise TypeError(
                f"`optimizer_factory`[{key!r}] must be a factory of optimizers, e.g. jd.adam, "
                f"got {shown(factory)}"
            )
    return dict(optimizer_factory)


def split(keywords: dict[Any, FactoryKeywords], given: dict | None, hyperparameters: dict) -> dict:
    """The categorical axes (``"optimizer"`` first) and their values."""
    axes = {} if given is None else {OPTIMIZER: list(given)}
    for name, value in hyperparameters.items():
        numeric_ints = all(name in k.floats for k in keywords.values())
        values = axis_values(name, value, numeric_ints)
        if values is not None:
            axes[name] = values
    return axes


def directory(save_to: Any, dims: list[str], positions: tuple[int, ...], labels: list) -> Any:
    """The ``save_to`` subdirectory of one combination: each dim, position and a safe label."""
    if save_to is None:
        return None
    check_directory("save_to", save_to)
    save_to = os.fspath(save_to)
    if os.path.exists(save_to) and not os.path.isdir(save_to):
        raise ValueError(f"`save_to` must be a directory, but {save_to!r} is a file")
    if os.path.exists(os.path.join(save_to, MANIFEST)):
        raise ValueError(
            f"`save_to` directory {save_to!r} holds a sweep without categorical dims, not "
            "this one (which saves one subdirectory per combination); use another directory"
        )
    parts = [
        f"{dim}{i}-{re.sub(r'[^A-Za-z0-9.+-]', '_', str(label))[:40]}"
        for dim, i, label in zip(dims, positions, labels, strict=True)
    ]
    return os.path.join(save_to, "__".join(parts))


def sweep_each(prepare: Callable, optimizer_factory: Any, hyperparameters: dict, options: dict):
    """Prepare the sweep of every combination of categorical values (every check before any
    compute), run each, and join them on the categorical dims (see the module docstring)."""
    check_not_traced(**hyperparameters)
    given = factories(optimizer_factory)
    if OPTIMIZER in hyperparameters and given is not None:
        raise ValueError("`optimizer` may not name a hyperparameter of a dict of factories")
    named = {None: optimizer_factory} if given is None else given
    keywords = {
        key: _saying_which(key, check_factory_keywords, factory, hyperparameters)
        for key, factory in named.items()
    }
    axes = split(keywords, given, hyperparameters)
    if not axes:
        return prepare(optimizer_factory, hyperparameters, keywords[None], **options).run()
    dims, coords = list(axes), {dim: coordinates(values) for dim, values in axes.items()}
    prepared = []
    for positions in itertools.product(*(range(len(v)) for v in axes.values())):
        chosen = {dim: axes[dim][i] for dim, i in zip(dims, positions, strict=True)}
        key = None if given is None else chosen.pop(OPTIMIZER)
        labels = [coords[dim][i] for dim, i in zip(dims, positions, strict=True)]
        save_to = directory(options["save_to"], dims, positions, labels)
        plan = _saying_which(
            key,
            prepare,
            named[key],
            {**hyperparameters, **chosen},
            keywords[key],
            **{**options, "save_to": save_to},
        )
        prepared.append(plan)
    first = prepared[0]
    check_records_fit(first.config, first.grid.one_start(), runs=first.grid.size * len(prepared))
    for plan in prepared:  # before any combination computes
        plan.check_traceable()
    return join([p.run() for p in prepared], dims, coords)


def _saying_which(key: str | None, call: Callable, *args: Any, **kwargs: Any) -> Any:
    """``call(*args, **kwargs)``; its error says which factory of a dict (``key``) it is."""
    try:
        return call(*args, **kwargs)
    except (ValueError, TypeError) as error:
        if key is not None:
            error.args = (f"with `optimizer_factory`[{key!r}]: {error}", *error.args[1:])
        raise


def join(results: list, dims: list[str], coords: dict[str, np.ndarray]):
    """The results of every combination (in ``itertools.product`` order) on new leading dims."""
    first = results[0]
    shape = tuple(len(coords[d]) for d in dims)

    def stack(*leaves: Any) -> np.ndarray:
        stacked = np.stack([np.asarray(x) for x in leaves])
        return stacked.reshape(shape + stacked.shape[1:])

    fields = {
        name: None
        if getattr(first, name) is None
        else jax.tree_util.tree_map(stack, *(getattr(r, name) for r in results))
        for name in RUN_FIELDS
    }
    return type(first)(
        dims=(*dims, *first.dims),
        coords={**coords, **first.coords},
        steps=first.steps,
        evaluation_steps=first.evaluation_steps,
        **fields,
    )
