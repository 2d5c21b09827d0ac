"""A :class:`~jaxdescent.SweepResult` as a pandas ``DataFrame`` (one row per run) or an
``xarray.Dataset`` (every field on named dims); pandas and xarray are optional."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from jaxdescent._results_io import PER_RUN
from jaxdescent._results_rank import final_evaluations, named_leaves


def _require(module: str, method: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"SweepResult.{method} needs {module}, which is not installed: pip install {module}"
        ) from None


def _paired(result: Any) -> list[str]:
    return [name for name in result.coords if name not in result.dims]


def to_dataframe(result: Any) -> Any:
    """One row per run: coordinates, per-run fields and final evaluations (see the method)."""
    pd = _require("pandas", "to_dataframe")
    grids = np.meshgrid(*(np.arange(n) for n in result.shape), indexing="ij")
    columns: dict[str, np.ndarray] = {}
    for dim, index in zip(result.dims, grids, strict=True):
        for name in [dim, *(_paired(result) if dim == "sample" else [])]:
            columns[name] = np.asarray(result.coords[name])[index.ravel()]
    for name in PER_RUN:
        columns[name] = np.asarray(getattr(result, name)).reshape(-1)
    for name, values in final_evaluations(result).items():
        columns[name] = values.reshape(-1)
    return pd.DataFrame(columns)


def _leaves(tree: Any, prefix: str, run_dims: list[str], axes: Any) -> dict[str, tuple]:
    """Each leaf as ``(dims, array)``: ``run_dims``, then one dim per trailing axis, named
    by ``axes(name, i)``."""
    out = {}
    for name, leaf in named_leaves(tree, prefix).items():
        array = np.asarray(leaf)
        trailing = [axes(name, i) for i in range(array.ndim - len(run_dims))]
        out[name] = ([*run_dims, *trailing], array)
    return out


def to_xarray(result: Any) -> Any:
    """Every field on named dims (see the method)."""
    xr = _require("xarray", "to_xarray")
    dims, paired = list(result.dims), _paired(result)
    coords = {d: (d, np.asarray(result.coords[d])) for d in dims}
    coords.update({name: ("sample", np.asarray(result.coords[name])) for name in paired})
    coords["step"] = ("step", np.asarray(result.steps))
    data = {name: (dims, np.asarray(getattr(result, name))) for name in PER_RUN}
    for name in ("loss", "grad_norm"):
        if getattr(result, name) is not None:
            data[name] = ([*dims, "step"], np.asarray(getattr(result, name)))

    def param_axis(name: str, i: int) -> str:  # shared by params/... and final_params/...
        return f"{name.partition('/')[2] or 'params'}_dim_{i}"

    def own_axis(name: str, i: int) -> str:
        return f"{name}_dim_{i}"

    data.update(_leaves(result.final_params, "final_params", dims, param_axis))
    data.update(_leaves(result.params, "params", [*dims, "step"], param_axis))
    data.update(_leaves(result.aux, "aux", [*dims, "step"], own_axis))
    if result.evaluations is not None:
        coords["evaluation_step"] = ("evaluation_step", np.asarray(result.evaluation_steps))
        data.update(_leaves(result.evaluations, "evaluation", [*dims, "evaluation_step"], own_axis))
    return xr.Dataset(data, coords=coords)
