"""Independent reference transcriptions, used where optax 0.2.8 is not the reference.

Each is written straight from its paper with ``jax.numpy`` (the NumPy API, so
that the same code runs inside the reference ``lax.scan``), shares no code with
jaxdescent and follows optax's ``(init, update)`` protocol so that the shared
equivalence tests can drive it like an optax optimizer.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import optax


def polyak_sgd(
    max_learning_rate: float = 1.0,
    scaling: Any = 1.0,
    f_min: float = 0.0,
    eps: float = 0.0,
    variant: str = "sps",
) -> optax.GradientTransformationExtraArgs:
    """SPS_max (Loizou et al. 2021, eq. 4 with c = 1) times a scaling factor ``s``.

    ``x <- x - s * min((f(x) - f_min) / (|g|^2 + eps), max_learning_rate) * g``,
    with the step set to zero for a vanishing ``|g|^2 + eps``; ``sps+`` clips the
    gap at zero (Garrigos et al. 2023). This is the formula optax documents.
    """

    def init(params):
        del params
        return jnp.zeros([], jnp.int32)

    def update(grads, count, params=None, *, value, **extra_args):  # optax's protocol
        del params, extra_args
        leaves = jax.tree_util.tree_leaves(grads)
        dtype = leaves[0].dtype
        squared_norm = sum(jnp.sum(g * g) for g in leaves)
        gap = jnp.asarray(value, dtype) - jnp.asarray(f_min, dtype)
        if variant == "sps+":
            gap = jnp.maximum(gap, jnp.zeros([], dtype))
        denominator = squared_norm + jnp.asarray(eps, dtype)
        polyak = jnp.minimum(gap / denominator, jnp.asarray(max_learning_rate, dtype))
        polyak = jnp.where(denominator <= jnp.finfo(jnp.float64).eps, jnp.zeros([], dtype), polyak)
        s = scaling(count) if callable(scaling) else scaling
        step = jnp.asarray(s, dtype) * polyak
        updates = jax.tree_util.tree_map(lambda g: -step * g, grads)
        return updates, count + 1

    return optax.GradientTransformationExtraArgs(init, update)
