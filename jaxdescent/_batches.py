"""Minibatches drawn inside the compiled loop, from a key and the step number alone."""

from __future__ import annotations

from typing import Any, Literal

import jax
import jax.numpy as jnp

Sampling = Literal["shuffle", "replacement"]


def num_examples(data: Any) -> int:
    """The length of the leading (example) axis shared by every leaf of ``data``."""
    return int(jax.tree_util.tree_leaves(data)[0].shape[0])


def epoch_order(key: jax.Array, step: jax.Array, n: int, batch_size: int) -> jax.Array:
    """The permutation of the ``n`` examples that ``"shuffle"`` walks in the epoch of ``step``."""
    return jax.random.permutation(jax.random.fold_in(key, step // (n // batch_size)), n)


def next_order(
    key: jax.Array, step: jax.Array, n: int, batch_size: int, order: jax.Array
) -> jax.Array:
    """``order`` for ``step``: recomputed (one sort of ``n`` keys) only when an epoch starts."""
    starts = step % (n // batch_size) == 0
    return jax.lax.cond(starts, lambda: epoch_order(key, step, n, batch_size), lambda: order)


def batch_indices(
    key: jax.Array,
    step: jax.Array,
    n: int,
    batch_size: int,
    sampling: Sampling,
    order: jax.Array | None = None,
) -> jax.Array:
    """Indices of the examples in the minibatch of ``step``.

    ``"replacement"`` draws ``batch_size`` indices uniformly and independently at
    every step. ``"shuffle"`` walks through a fresh random permutation of the
    ``n`` examples each epoch of ``n // batch_size`` steps (the last
    ``n % batch_size`` examples of each permutation are left out of that epoch,
    as with ``drop_last=True`` in PyTorch). ``order``, when given, is that
    epoch's permutation (``epoch_order``), carried so it is not re-sorted every step.
    """
    if sampling == "replacement":
        return jax.random.randint(jax.random.fold_in(key, step), (batch_size,), 0, n)
    if order is None:
        order = epoch_order(key, step, n, batch_size)
    position = step % (n // batch_size)
    return jax.lax.dynamic_slice_in_dim(order, position * batch_size, batch_size)


def draw_batch(
    data: Any,
    key: jax.Array,
    step: jax.Array,
    batch_size: int,
    sampling: Sampling,
    order: jax.Array | None = None,
) -> Any:
    """The minibatch of ``step``: the same rows taken from every leaf of ``data``."""
    indices = batch_indices(key, step, num_examples(data), batch_size, sampling, order)
    return jax.tree_util.tree_map(lambda x: jnp.take(x, indices, axis=0), data)
