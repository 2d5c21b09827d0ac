"""The :class:`Landscape` object and the helpers every landscape factory shares."""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxdescent._checks import is_python_number, shown
from jaxdescent._memory import check_fits

Formula = Callable[[jax.Array], jax.Array]


def _frozen(value: Any, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """A read-only float64 copy of ``value`` (reshaped when ``shape`` is given)."""
    array = np.array(value, dtype=np.float64)
    if shape is not None:
        array = array.reshape(shape)
    array.setflags(write=False)
    return array


@dataclasses.dataclass(frozen=True, eq=False)
class Landscape:
    """A test function with known minima, callable on one point of shape ``(dim,)``.

    Hashable by identity (``eq=False``), so a landscape can be passed to ``jax.jit``
    as a static callable; it works under ``jit``, ``vmap`` and ``grad``.

    Attributes:
      name: the registry name, e.g. ``"himmelblau"``.
      fn: the formula, a function of one point ``x`` of shape ``(dim,)``.
      dim: the number of coordinates.
      domain: ``(dim, 2)`` rows ``[low, high]``: a box for plotting, which holds
        every listed minimum.
      minima: ``(k, dim)`` every global minimizer.
      minimum_value: the global minimum value.
      local_minima: ``(m, dim)`` local (non-global) minimizers worth knowing,
        possibly ``(0, dim)``; see each factory for what is and is not listed.
      log_scale: hint that contour plots should use log-spaced levels.
    """

    name: str
    fn: Formula
    dim: int
    domain: np.ndarray
    minima: np.ndarray
    minimum_value: float
    local_minima: np.ndarray
    log_scale: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "domain", _frozen(self.domain, (self.dim, 2)))
        set_(self, "minima", _frozen(self.minima, (-1, self.dim)))
        set_(self, "local_minima", _frozen(self.local_minima, (-1, self.dim)))
        set_(self, "minimum_value", float(self.minimum_value))

    def __call__(self, x: Any) -> jax.Array:
        """The value at one point ``x`` of shape ``(dim,)`` (integers become floats)."""
        x = jnp.asarray(x)
        if x.shape != (self.dim,):
            raise ValueError(
                f"`x` must be one point of shape ({self.dim},) for the {self.dim}-D landscape "
                f"{self.name!r}, got shape {x.shape}; use jax.vmap for a batch of points"
            )
        if not jnp.issubdtype(x.dtype, jnp.floating):
            x = x.astype(jnp.result_type(float))
        return self.fn(x)

    def __repr__(self) -> str:
        return f"Landscape({self.name!r}, dim={self.dim}, minimum_value={self.minimum_value!r})"

    @property
    def all_minima(self) -> np.ndarray:
        """Global then local minimizers stacked, shape ``(k + m, dim)``."""
        return np.concatenate([self.minima, self.local_minima])

    def basin_index(self, points: Any, tol: float = 1e-2) -> np.ndarray:
        """Which listed minimum each point has reached.

        Args:
          points: array of shape ``(..., dim)``, e.g. the final parameters of a sweep.
          tol: Euclidean distance within which a point counts as at a minimum.

        Returns:
          Integer array of shape ``(...)``: the index into :attr:`all_minima` of the
          nearest minimum if it lies within ``tol``, else -1 (also for non-finite points).

        Raises:
          ValueError: if ``points`` does not end in ``dim`` or ``tol`` is not > 0.
        """
        if not is_python_number(tol) or not tol > 0 or not math.isfinite(tol):
            raise ValueError(f"`tol` must be a finite number > 0, got {tol!r}")
        points = np.asarray(points, dtype=np.float64)
        if points.ndim == 0 or points.shape[-1] != self.dim:
            raise ValueError(
                f"`points` must have shape (..., {self.dim}) for the {self.dim}-D landscape "
                f"{self.name!r}, got shape {points.shape}"
            )
        distance = np.linalg.norm(points[..., None, :] - self.all_minima, axis=-1)
        nearest = np.argmin(np.where(np.isnan(distance), np.inf, distance), axis=-1)
        within = np.take_along_axis(distance, nearest[..., None], axis=-1)[..., 0] <= tol
        return np.where(within, nearest, -1)


BYTES_PER_COORDINATE = 32
"""What a landscape holds per coordinate: its domain row, a minimum's entry and a
coefficient (float64 each), the ``dim`` check's memory estimate."""


def check_dim(dim: Any, smallest: int = 1) -> int:
    """``dim`` must be a Python (or NumPy) integer >= ``smallest``, and the landscape's arrays
    (:data:`BYTES_PER_COORDINATE` each) must fit in the machine's memory."""
    if isinstance(dim, bool | np.bool_) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"`dim` must be an integer >= {smallest}, got {shown(dim)}")
    if dim < smallest:
        raise ValueError(f"`dim` must be an integer >= {smallest}, got {dim!r}")
    check_fits(
        int(dim) * BYTES_PER_COORDINATE, f"a landscape of {dim} dimensions (`dim`)", "ask for fewer"
    )
    return int(dim)


def landscape(
    name: str,
    fn: Formula,
    domain: Sequence[Sequence[float]],
    minima: Any,
    minimum_value: float,
    local_minima: Any = (),
    *,
    log_scale: bool = False,
) -> Landscape:
    """Build a :class:`Landscape`, the dimension read off ``domain``."""
    dim = len(domain)
    if not np.size(local_minima):
        local_minima = np.empty((0, dim))
    return Landscape(
        name, fn, dim, np.asarray(domain), minima, minimum_value, local_minima, log_scale
    )


def cube(low: float, high: float, dim: int) -> np.ndarray:
    """The box ``[low, high]^dim`` as ``dim`` rows."""
    return np.tile(np.array([low, high]), (dim, 1))


def safe_norm(x: jax.Array) -> jax.Array:
    """Euclidean norm whose gradient at 0 is 0 (a subgradient) rather than NaN."""
    squared = jnp.sum(x**2)
    zero = squared == 0
    return jnp.where(zero, 0.0, jnp.sqrt(jnp.where(zero, 1.0, squared)))
