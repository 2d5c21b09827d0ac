"""Shared plumbing for the plots: axes without pyplot, results as NumPy, sweep coordinates."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from jaxdescent._minimize import Trajectory


class Path(NamedTuple):
    """One descent as plain NumPy: what every plot draws from."""

    steps: np.ndarray
    loss: np.ndarray
    params: np.ndarray  # (n_records, dim); (n_records, 0) when not asked for
    diverged: bool
    diverged_at: int


def new_axes(ax: Axes | None) -> tuple[Figure | None, Axes]:
    """``ax``, or a fresh single-axes ``Figure`` built without pyplot."""
    if ax is None:
        figure = Figure(figsize=(6.0, 4.5), layout="constrained")
        return figure, figure.add_subplot()
    if not isinstance(ax, Axes):
        raise TypeError(f"`ax` must be a matplotlib Axes or None, got {type(ax).__name__}")
    return None, ax


def new_axes_row(axes: Sequence[Axes] | None, n: int) -> tuple[Figure | None, list[Axes]]:
    """``axes`` (checked to hold ``n`` Axes), or a fresh row of ``n`` panels."""
    if axes is None:
        figure = Figure(figsize=(4.2 * n, 4.0), layout="constrained")
        return figure, list(figure.subplots(1, n, squeeze=False)[0])
    axes = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(axes) != n or not all(isinstance(a, Axes) for a in axes):
        raise ValueError(f"`axes` must hold {n} matplotlib Axes (one per panel), got {axes!r}")
    return None, axes


def is_sweep_result(value: Any) -> bool:
    """Duck-typed ``SweepResult``: named dims, coordinates and final losses."""
    return all(hasattr(value, name) for name in ("dims", "coords", "final_loss", "diverged"))


def params_array(params: Any, what: str) -> np.ndarray:
    """The recorded parameters as one NumPy array (a pytree is an error here)."""
    if params is None:
        raise ValueError(f"{what} needs the recorded parameters: run with record_params=True")
    leaves = jax.tree_util.tree_leaves(params)
    if len(leaves) != 1:
        raise ValueError(
            f"{what} needs the parameters as one array (e.g. shape (steps, 2)); "
            f"got a pytree with {len(leaves)} leaves"
        )
    return np.asarray(leaves[0])


def paths(trajectory: Trajectory, *, with_params: bool = False, what: str = "") -> list[Path]:
    """Split a (possibly batched) Trajectory into one :class:`Path` per run."""
    if not isinstance(trajectory, Trajectory):
        raise TypeError(
            f"expected a jaxdescent Trajectory (the result of minimize), "
            f"got {type(trajectory).__name__}"
        )
    raw_loss = np.asarray(trajectory.loss)
    n = raw_loss.shape[-1]
    loss = raw_loss.reshape(-1, n)
    steps = np.asarray(trajectory.steps).reshape(-1, n)[0]
    diverged = np.asarray(trajectory.diverged).reshape(-1)
    diverged_at = np.asarray(trajectory.diverged_at).reshape(-1)
    params = np.zeros((len(loss), n, 0))
    if with_params:
        raw = params_array(trajectory.params, what or "this plot")
        params = raw.reshape(len(loss), n, -1)  # scalar parameters become dim 1
    return [
        Path(
            steps=steps,
            loss=loss[i],
            params=params[i],
            diverged=bool(diverged[i]),
            diverged_at=int(diverged_at[i]),
        )
        for i in range(len(loss))
    ]


def as_runs(runs: Any, what: str) -> dict[str | None, Any]:
    """A mapping ``{label: result}``; a bare result gets the label ``None``."""
    if isinstance(runs, Mapping):
        if not runs:
            raise ValueError(f"`{what}` must hold at least one run, got an empty mapping")
        return dict(runs)
    return {None: runs}


def grid_values(fn: Callable[[jax.Array], jax.Array], points: np.ndarray, dtype: Any) -> np.ndarray:
    """``fn`` at each row of ``points`` (..., dim), computed as one vmapped call."""
    flat = jnp.asarray(points.reshape(-1, points.shape[-1]), dtype=dtype)
    values = jax.jit(jax.vmap(fn))(flat)
    return np.asarray(values, dtype=np.float64).reshape(points.shape[:-1])


def default_dtype(params: np.ndarray | None) -> Any:
    """The dtype to evaluate a landscape in: the recorded parameters', else JAX's default float."""
    if params is not None and np.issubdtype(params.dtype, np.floating):
        return params.dtype
    return jnp.asarray(0.0).dtype


def check_log_axis(values: np.ndarray, scale: str, what: str) -> None:
    """A log axis needs a positive value to show: else say how to draw the gap instead."""
    if scale == "log" and not np.any(np.isfinite(values) & (values > 0)):
        raise ValueError(
            f"{what}: no positive loss to draw on a log axis; pass `minimum` (e.g. "
            "landscape.minimum_value) to draw the gap to the minimum, or yscale='linear'"
        )


def sweep_axis(result: Any, name: str) -> tuple[int, np.ndarray]:
    """The axis of ``result`` along which coordinate ``name`` varies, and its values."""
    dims = tuple(result.dims)
    if name in dims:
        return dims.index(name), np.asarray(result.coords[name])
    if name in result.coords and "sample" in dims:
        return dims.index("sample"), np.asarray(result.coords[name])
    raise ValueError(f"`{name}` is not a coordinate of this sweep; its dims are {dims}")


def config_label(result: Any, index: tuple[int, ...], skip: tuple[str, ...] = ()) -> str:
    """``"learning_rate=0.01, seed=1"`` for one cell of a sweep (size-1 dims left out)."""
    parts = []
    for axis, dim in enumerate(result.dims):
        if dim in skip or np.shape(result.final_loss)[axis] == 1:
            continue
        if dim == "sample":
            for name, values in result.coords.items():
                if name not in result.dims:
                    parts.append(f"{name}={np.asarray(values)[index[axis]]:.3g}")
            continue
        value = np.asarray(result.coords[dim])[index[axis]]
        parts.append(
            f"{dim}={value:.3g}" if np.issubdtype(type(value), np.number) else f"{dim}={value}"
        )
    return ", ".join(parts)


def legend_outside(ax: Axes, where: str = "right", **kwargs: Any) -> Any:
    """The legend beside the Axes (``"right"`` of its top corner, or ``"above"`` it, clear of
    markers on the top edge), where it cannot cover data."""
    if where == "above":
        place = {"loc": "lower left", "bbox_to_anchor": (0.0, 1.0), "borderaxespad": 1.0}
    else:
        place = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0}
    return ax.legend(**place, fontsize="small", **kwargs)
