"""The configurations of a sweep: named dims, their coordinates, and what each run receives.

:func:`make_grid` sorts the keywords of one factory's sweep into swept, fixed and
static ones; :func:`with_defaults` adds the factory's float defaults and builds the
optimizer of every configuration first (:func:`check_every_run`), so that a bad
value is refused before anything is compiled.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from jaxdescent import _categorical
from jaxdescent._checks import check_choice, check_optimizer
from jaxdescent._input_checks import float_params
from jaxdescent._optimizer import Static, hyperparameters, is_numeric
from jaxdescent._sweep_checks import check_hyperparameter, check_seeds, check_starts

PyTree = Any
RESERVED = ("sample", "start", "seed")


@dataclasses.dataclass(frozen=True)
class Grid:
    """The configurations: named dims, their coordinates, and what each run receives.

    Attributes:
      dims: the names of the run axes, swept hyperparameters first, then
        ``"start"`` and ``"seed"``.
      coords: the values along each dim (and, for ``pairing="zip"``, each
        hyperparameter's values along ``"sample"``).
      along: swept hyperparameter -> the dim it varies along.
      fixed: numeric hyperparameters every run shares, traced (float defaults included).
      settings: non-numeric keywords, static: ``(name, Static(value))`` pairs.
      starts: ``x0``, or the batch of starts (a leading axis, dim ``"start"``).
    """

    dims: tuple[str, ...]
    coords: dict[str, np.ndarray]
    along: dict[str, str]
    fixed: dict[str, np.ndarray]
    settings: tuple[tuple[str, Static], ...]
    starts: PyTree

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(self.coords[d]) for d in self.dims)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def runs(self, flat: np.ndarray) -> dict[str, Any]:
        """What the runs ``flat`` (flat indices) receive: values, start index, seed, and
        the index itself (which gives ``vmap`` its axis when nothing varies)."""
        unraveled = np.unravel_index(flat, self.shape) if self.dims else ()
        index = dict(zip(self.dims, unraveled, strict=True))
        values = {name: self.coords[name][index[dim]] for name, dim in self.along.items()}
        start = index["start"].astype(np.int32) if "start" in index else None
        seed = self.coords["seed"][index["seed"]] if "seed" in index else None
        return {"values": values, "start": start, "seed": seed, "run": flat.astype(np.int32)}

    def one_start(self) -> PyTree:
        """Shapes and dtypes of one run's starting parameters."""
        if "start" not in self.dims:
            return self.starts
        return jax.tree_util.tree_map(
            lambda x: jax.ShapeDtypeStruct(x.shape[1:], x.dtype), self.starts
        )


def _split(hyperparameters: dict[str, Any], floats: frozenset[str]) -> tuple[dict, dict, dict]:
    """Swept (1-D numeric), fixed (numeric scalar) and static keywords, each checked; an
    integer is numeric only for a keyword in ``floats`` (the factory's float defaults)."""
    swept, fixed, static = {}, {}, {}
    float_dtype = jax.dtypes.canonicalize_dtype(np.float64)
    for name, value in hyperparameters.items():
        if name in RESERVED:
            raise ValueError(f"`{name}` may not name a hyperparameter: it is a dim of the result")
        integer = _categorical.is_integer(value)
        if integer and name not in floats:
            static[name] = Static(_categorical.as_python(value))
            continue
        is_sequence = isinstance(value, list | tuple | np.ndarray | jax.Array)
        if not is_sequence and not is_numeric(value) and not integer:
            static[name] = Static(value)
            continue
        array = check_hyperparameter(name, value)
        (swept if array.ndim == 1 else fixed)[name] = array.astype(float_dtype)
    return swept, fixed, static


def make_grid(
    hyperparameters: dict[str, Any],
    pairing: str,
    x0: PyTree,
    starts: PyTree,
    seeds: Any,
    floats: frozenset[str] = frozenset(),
) -> Grid:
    """The sweep's configurations, every argument checked (``floats``: see :func:`_split`)."""
    check_choice("pairing", pairing, ("grid", "zip"))
    if (x0 is None) == (starts is None):
        raise ValueError("give exactly one of `x0` (one start) or `starts` (a batch of starts)")
    swept, fixed, static = _split(hyperparameters, floats)
    dims, coords = list(swept), dict(swept)
    along = {name: name for name in swept}
    if pairing == "zip" and swept:
        lengths = {name: len(v) for name, v in swept.items()}
        if len(set(lengths.values())) != 1:
            raise ValueError(f"pairing='zip' needs swept values of one length, got {lengths}")
        dims, coords["sample"] = ["sample"], np.arange(next(iter(lengths.values())))
        along = {name: "sample" for name in swept}
    if starts is not None:
        starts = check_starts(float_params(starts, "starts"))
        dims.append("start")
        coords["start"] = np.arange(jax.tree_util.tree_leaves(starts)[0].shape[0])
    if seeds is not None:
        dims.append("seed")
        coords["seed"] = check_seeds(seeds)
    start = float_params(x0) if starts is None else starts
    return Grid(tuple(dims), coords, along, fixed, tuple(static.items()), start)


def with_defaults(factory: Callable[..., Any], grid: Grid, accepted: frozenset[str] | None) -> Grid:
    """``grid`` with the factory's numeric defaults traced too, after building the optimizer
    of every run (so its own checks run before any compute: :func:`check_every_run`).

    A jaxdescent optimizer's numeric hyperparameters are leaves that ``minimize``
    traces, defaults included; tracing the same set here makes a one-configuration
    sweep equal ``minimize``. An optax factory's defaults stay Python numbers.
    """
    settings = {name: s.value for name, s in grid.settings}
    base = {k: v.item() for k, v in grid.fixed.items()}
    base.update({name: grid.coords[name][0].item() for name in grid.along})
    template = factory(**settings, **base)
    check_optimizer(template, "optimizer_factory", returned=True)
    check_every_run(factory, grid, settings, base)
    built = hyperparameters(template) or {}
    float_dtype = jax.dtypes.canonicalize_dtype(np.float64)
    defaults = {
        name: np.asarray(value, float_dtype)
        for name, value in built.items()
        if isinstance(value, float) and name not in base and name not in settings
        and (accepted is None or name in accepted)
    }  # fmt: skip
    return dataclasses.replace(grid, fixed={**grid.fixed, **defaults})


def check_every_run(factory: Callable[..., Any], grid: Grid, settings: dict, base: dict) -> None:
    """Build the optimizer of every configuration, or as many as a check needs.

    A jaxdescent factory checks arrays entry by entry, so it is called once with every
    swept value laid along its dim: every combination is checked, cross-parameter
    constraints too (rprop's ``min_step_size <= max_step_size``), in vectorised NumPy.
    Another factory (optax's, a user's) is called at each swept value's extremes.
    """
    if (getattr(factory, "__module__", None) or "").startswith("jaxdescent.optimizers"):
        axes = {name: grid.dims.index(dim) for name, dim in grid.along.items()}
        laid = {
            name: grid.coords[name].reshape([-1 if d == axis else 1 for d in range(len(grid.dims))])
            for name, axis in axes.items()
        }
        factory(**settings, **{**base, **laid})
        return
    for name in grid.along:
        for value in (grid.coords[name].min(), grid.coords[name].max()):
            factory(**settings, **{**base, name: value.item()})
