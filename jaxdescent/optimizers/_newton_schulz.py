"""Newton-Schulz orthogonalisation: ``G = U S V^T  ->  about U V^T``, without an SVD.

Muon's quintic iteration on ``X`` (rows <= columns, else on ``X^T``), with coefficients
``(a, b, c)`` and ``A = X X^T``::

    X <- a X + (b A + c A A) X

Its fixed-point map pushes every singular value of a normalised ``X`` towards 1 (the
default coefficients maximise the slope at 0, so the values end up in about [0.7, 1.2]
rather than exactly at 1). ``optax.contrib.MuonDimensionNumbers`` say which leaves are
matrices and how: the reduction and output axes, any other axes being a batch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from optax.contrib import MuonDimensionNumbers

from jaxdescent._checks import shown

PRECONDITIONINGS = ("frobenius", "spectral", "aol", "schatten")
PRESETS = {  # optax's named coefficient sets
    "standard": (3.4445, -4.7750, 2.0315),
    "dion": (
        (4.0848, -6.8946, 2.9270),
        (3.9505, -6.3029, 2.6377),
        (3.7418, -5.5913, 2.3037),
        (2.8769, -3.1427, 1.2046),
        (2.8366, -3.0525, 1.2012),
    ),
}
_FIRST_STEP_EPS = 1e-8  # optax's floor in the AOL and Schatten-4 rescalings


def _step(x: jax.Array, c: jax.Array) -> jax.Array:
    a = x @ x.T.conj()
    b = c[1] * a + c[2] * a @ a
    return c[0] * x + b @ x


def _aol_step(x: jax.Array, c: jax.Array) -> jax.Array:
    """The first step with "almost orthogonal layer" row scaling (Boissin et al. 2025)."""
    a = x @ x.T.conj()
    s = jnp.expand_dims(jax.lax.rsqrt(jnp.clip(jnp.abs(a).sum(axis=-1), min=_FIRST_STEP_EPS)), -1)
    x, a = x * s, a * s * s.transpose(-1, -2)
    b = c[1] * a + c[2] * a @ a
    return c[0] * x + b @ x


def _schatten_step(x: jax.Array, c: jax.Array) -> jax.Array:
    """The first step after scaling by the Schatten-4 norm (Grishina et al. 2025)."""
    a = x @ x.T
    norm = jnp.clip(jnp.linalg.norm(a, ord="fro", axis=(-2, -1)), min=_FIRST_STEP_EPS)
    s = jnp.expand_dims(jax.lax.rsqrt(norm), (0, -1))
    x, a = x * s, a * s**2
    b = c[1] * a + c[2] * a @ a
    return c[0] * x + b @ x


def orthogonalize_matrix(
    x: jax.Array, coeffs: jax.Array, steps: int, preconditioning: str, eps: float
) -> jax.Array:
    """Newton-Schulz on one matrix: ``steps`` iterations of ``coeffs`` (3,), or one per row
    of ``coeffs`` (n, 3); ``x`` is first divided by its Frobenius or spectral norm
    (plus ``eps``), or rescaled inside the first step (``"aol"``, ``"schatten"``)."""
    transposed = x.shape[0] > x.shape[1]
    if transposed:
        x = x.T
    if preconditioning == "frobenius":
        x = x / (jnp.linalg.norm(x, ord="fro") + eps)
    elif preconditioning == "spectral":
        x = x / (jnp.linalg.norm(x, ord=2) + eps)
    coeffs = coeffs.astype(x.dtype)
    rows = list(coeffs) if coeffs.ndim == 2 else [coeffs] * steps
    first = {"aol": _aol_step, "schatten": _schatten_step}.get(preconditioning, _step)
    for i, c in enumerate(rows):
        x = (first if i == 0 else _step)(x, c)
    return x.T if transposed else x


def _axes(spec: MuonDimensionNumbers, ndim: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The reduction and output axes of ``spec`` as non-negative ints."""
    as_tuple = lambda a: (a,) if isinstance(a, int) else tuple(a)  # noqa: E731
    return (
        tuple(a % ndim for a in as_tuple(spec.reduction_axis)),
        tuple(a % ndim for a in as_tuple(spec.output_axis)),
    )


def check_spec(spec: MuonDimensionNumbers, shape: tuple[int, ...], name: str) -> None:
    """A leaf of ``shape`` can be orthogonalised under ``spec`` (checked while tracing)."""
    if len(shape) < 2:
        raise ValueError(
            f"`{name}` must select leaves of rank >= 2 for Muon (None leaves the others to "
            f"Adam), got {spec} for a leaf of shape {shape}"
        )
    try:
        axes = [_as_list(spec.reduction_axis), _as_list(spec.output_axis)]
    except TypeError:
        axes = [[None], []]
    every = axes[0] + axes[1]
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in every):
        raise TypeError(f"`{name}`: the axes of {spec} must be ints or sequences of ints")
    ndim = len(shape)
    reduction, output = ({a % ndim for a in group} for group in axes)
    if any(not -ndim <= a < ndim for a in every) or reduction & output:
        raise ValueError(f"`{name}`: {spec} must name distinct axes of a leaf of shape {shape}")


def _as_list(axis: int | Sequence[int]) -> list[int]:
    return [axis] if isinstance(axis, int) else list(axis)


def fans(shape: tuple[int, ...], spec: MuonDimensionNumbers) -> tuple[int, int]:
    """``(fan_in, fan_out)``: the sizes of the reduction and of the output axes."""
    reduction, output = _axes(spec, len(shape))
    return math.prod(shape[a] for a in reduction), math.prod(shape[a] for a in output)


def orthogonalize(
    x: jax.Array,
    spec: MuonDimensionNumbers,
    coeffs: jax.Array,
    steps: int,
    preconditioning: str,
    eps: float,
) -> jax.Array:
    """:func:`orthogonalize_matrix` of each ``(reduction, output)`` matrix of ``x``, the
    other axes of ``spec`` being a batch."""
    reduction, output = _axes(spec, x.ndim)
    batch = tuple(sorted(set(range(x.ndim)) - set(reduction) - set(output)))
    order = batch + reduction + output
    sizes = [math.prod(x.shape[a] for a in axes) for axes in (batch, reduction, output)]
    matrices = x.transpose(order).reshape(sizes)
    one = lambda m: orthogonalize_matrix(m, coeffs, steps, preconditioning, eps)  # noqa: E731
    done = jax.vmap(one)(matrices).reshape([x.shape[a] for a in order])
    return done.transpose(sorted(range(x.ndim), key=lambda i: order[i]))


def _is_spec(x: Any) -> bool:
    return x is None or isinstance(x, MuonDimensionNumbers)


def check_dimension_numbers(dims: Any, name: str) -> None:
    """``None``, a callable, or a pytree whose leaves are ``MuonDimensionNumbers`` or None."""
    if dims is None or callable(dims):
        return
    leaves = jax.tree_util.tree_leaves(dims, is_leaf=_is_spec)
    if not all(_is_spec(x) for x in leaves):
        raise TypeError(
            f"`{name}` must be None, an optax.contrib.MuonDimensionNumbers, a pytree of "
            f"them (None for Adam's leaves) or a callable returning one; got {shown(dims)}"
        )


def leaf_specs(dims: Any, params: Any, name: str) -> list[MuonDimensionNumbers | None]:
    """Per leaf of ``params``: how Muon sees it as matrices, or ``None`` for Adam."""
    leaves = jax.tree_util.tree_leaves(params)
    if dims is None:
        return [MuonDimensionNumbers() if np.ndim(x) == 2 else None for x in leaves]
    tree = dims(params) if callable(dims) else dims
    check_dimension_numbers(None if callable(tree) else tree, name)
    if callable(tree):
        raise TypeError(f"`{name}` must return a pytree of specs, returned {shown(tree)}")
    try:
        full = jax.tree_util.tree_map(
            lambda spec, sub: jax.tree_util.tree_map(lambda _: spec, sub), tree, params,
            is_leaf=_is_spec,
        )  # fmt: skip
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must have the parameters' structure (or a prefix of it): "
            f"expected {jax.tree_util.tree_structure(params)}, got {shown(tree)}"
        ) from None
    specs = jax.tree_util.tree_leaves(full, is_leaf=_is_spec)
    for spec, x in zip(specs, leaves, strict=True):
        if spec is not None:
            check_spec(spec, np.shape(x), name)
    return specs
