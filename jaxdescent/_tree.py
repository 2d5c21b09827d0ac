"""Small pytree helpers shared by the optimizers and the descent driver.

Only real shared pieces live here (moment averages, bias correction, norms);
each optimizer still reads as its own formula.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax

from jaxdescent._hyperparameter_checks import check_mask_tree
from jaxdescent._optimizer import weakly_typed

PyTree = Any
tree_map = jax.tree_util.tree_map


def zeros_like(tree: PyTree, dtype: Any = None) -> PyTree:
    """A pytree of zeros shaped like ``tree`` (optionally of another dtype)."""
    return tree_map(lambda x: jnp.zeros_like(x, dtype=dtype), tree)


def full_like(tree: PyTree, value: Any) -> PyTree:
    """A pytree shaped like ``tree`` filled with ``value`` (cast to each leaf's dtype)."""
    return tree_map(lambda x: jnp.full_like(x, value), tree)


def ema(new: PyTree, old: PyTree, decay: jax.Array, order: int = 1) -> PyTree:
    """Exponential moving average ``(1 - decay) * |new|**order + decay * old``, leafwise.

    A real ``new`` is raised to ``order`` as it is (``|new|`` only for complex
    leaves, where the moment of the modulus is ``abs_sq(new)**(order / 2)``, as in
    ``optax.tree.update_moment_per_elem_norm``). The operands are in optax's order:
    under ``jit`` XLA may fuse a product and a sum into one rounding, and the same
    order keeps the result bitwise equal.
    """
    return tree_map(lambda n, o: (1 - decay) * _moment_term(n, order) + decay * o, new, old)


def _moment_term(x: jax.Array, order: int) -> jax.Array:
    """``x**order`` for a real ``x`` (and for ``order=1``); ``|x|**order`` for a complex one, in
    its complex dtype (the moment it joins is stored in the parameters' dtype, as optax's is)."""
    if order == 1 or not jnp.iscomplexobj(x):
        return x**order
    half = order / 2
    return (abs_sq(x) ** (int(half) if half.is_integer() else half)).astype(x.dtype)


@functools.partial(jax.jit, inline=True)
def bias_corrected(moment: PyTree, decay: jax.Array, count: jax.Array) -> PyTree:
    """Adam's bias correction ``moment / (1 - decay**count)``, with ``count`` an integer step.

    As in optax, ``1 - decay**count`` is computed in the precision of ``decay``
    (double for a Python float when x64 is on), with the integer power, and only
    then cast to the moment's dtype, so it never rounds to zero in low precision.
    Like optax's it is one inlined ``jit``: called eagerly, XLA compiles the
    divisions of all leaves together exactly as it does for optax, which makes
    the two bitwise equal in float64 too.
    """
    decay = jnp.asarray(decay)
    if not jnp.issubdtype(decay.dtype, jnp.inexact):  # an integer decay (b1=0): a float power
        decay = decay.astype(jnp.result_type(float))
    correction = 1 - jax.lax.pow(decay, count)
    return tree_map(lambda m: m / correction.astype(m.dtype), moment)


def scale(tree: PyTree, factor: Any) -> PyTree:
    """Multiply every leaf by ``factor``, cast to the leaf's dtype (each update keeps it)."""
    return tree_map(lambda x: jnp.asarray(factor, x.dtype) * x, tree)


def l2_norm(tree: PyTree) -> jax.Array:
    """Global Euclidean norm of all leaves together (``optax.global_norm``).

    Leaves of at most 16 entries are summed as one flat chain of products, not
    by a reduction: when a sweep vmaps a small problem (2-D Rosenbrock), XLA's
    CPU backend runs the reduction over that tiny axis as a separate slow loop
    that cost more than the whole Adam step.
    """
    leaves = jax.tree_util.tree_leaves(tree)
    wide = summing_dtype(leaves)
    return jnp.sqrt(sum(_sum_of_squares(x).astype(wide) for x in leaves))


def summing_dtype(leaves: list[jax.Array]) -> Any:
    """The dtype in which sums over leaves of mixed dtypes are taken: float32, or the widest
    leaf's (float64, a complex type's real part) when wider."""
    widest = max((jnp.finfo(x.dtype).bits for x in leaves), default=32)
    return jnp.float64 if widest > 32 else jnp.float32


def squared_norm(tree: PyTree) -> jax.Array:
    """``sum |g|^2`` over every entry of every leaf, as ``optax.tree.norm(squared=True)``,
    each leaf's sum taken in its dtype and the total in :func:`summing_dtype`."""
    leaves = jax.tree_util.tree_leaves(tree)
    wide = summing_dtype(leaves)
    return sum(jnp.sum(jnp.real(x * jnp.conj(x))).astype(wide) for x in leaves)


def _sum_of_squares(x: jax.Array) -> jax.Array:
    if jnp.iscomplexobj(x):
        return jnp.sum(abs_sq(x))
    if x.size > 16:
        return jnp.sum(jnp.square(x))
    flat = jnp.ravel(x)
    return sum((flat[i] * flat[i] for i in range(1, flat.size)), flat[0] * flat[0])


def all_finite(tree: PyTree) -> jax.Array:
    """True when every entry of every leaf is finite."""
    leaves = jax.tree_util.tree_leaves(tree)
    return jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in leaves]))


def where(condition: jax.Array, on_true: PyTree, on_false: PyTree) -> PyTree:
    """Leafwise ``jnp.where`` with one scalar condition."""
    return tree_map(lambda a, b: jnp.where(condition, a, b), on_true, on_false)


def resolve(value: jax.Array | float | Callable[[jax.Array], Any], count: jax.Array) -> Any:
    """A schedule evaluated at ``count``, or the value itself when it is not callable."""
    return value(count) if callable(value) else value


def learning_rate_at(
    learning_rate: jax.Array | float | Callable[[jax.Array], Any], count: jax.Array
) -> Any:
    """The learning rate for step ``count`` (a schedule is called), weakly typed: it takes
    the dtype of each leaf it meets, as a Python number does."""
    return weakly_typed(resolve(learning_rate, count))


def masked_map(
    fn: Callable[..., Any], mask: Any, tree: PyTree, *rest: PyTree, name: str = "mask"
) -> PyTree:
    """``fn`` leafwise where ``mask`` is True; elsewhere the leaves of ``tree`` pass unchanged.

    ``mask`` is ``None`` (everywhere), a pytree of Python bools that is a prefix of
    ``tree``'s structure, or a callable building one from ``tree`` (optax's ``masked``);
    checked here, where ``tree`` is known (``name`` is the argument, for the message).
    """
    if mask is None:
        return tree_map(fn, tree, *rest)
    mask_tree = mask(tree) if callable(mask) else mask
    check_mask_tree(name, mask_tree, tree)
    return tree_map(lambda m, x, *r: tree_map(fn, x, *r) if m else x, mask_tree, tree, *rest)


def with_weight_decay(
    grads: PyTree,
    params: PyTree,
    rate: jax.Array,
    mask: Any = None,
    *,
    who: str = "the optimizer",
    mask_name: str = "mask",
) -> PyTree:
    """``g + rate * w`` leafwise (optax's ``add_decayed_weights``), where ``mask`` allows.

    Args:
      grads: the gradients ``g``.
      params: the parameters ``w``; required.
      rate: the decay rate, already resolved for this step.
      mask: where to decay, as in :func:`masked_map`.
      mask_name: the optimizer's argument that gave ``mask``, for messages.
      who: the optimizer's name, for the error message.

    Raises:
      ValueError: if ``params`` is ``None``.
    """
    require_params(params, who)
    return masked_map(lambda g, w: g + rate * w, mask, grads, params, name=mask_name)


def require_params(params: PyTree, who: str) -> None:
    """Raise a clear error when ``update`` was called without the parameters it needs."""
    if params is None:
        raise ValueError(f"`params` must be passed to `update`: {who} needs the parameters")


def cast_like(tree: PyTree, like: PyTree) -> PyTree:
    """``tree`` with each leaf cast to the dtype of the matching leaf of ``like``."""
    return tree_map(lambda x, y: x.astype(y.dtype), tree, like)


def ema_widest(new: PyTree, old: PyTree, decay: Any) -> PyTree:
    """:func:`ema` of order 1 whose two terms meet in the wider of their dtypes, as under
    standard promotion (an average stored in a lower ``mu_dtype``, as optax computes it)."""

    def average(n: jax.Array, o: jax.Array) -> jax.Array:
        wide = wider_dtype(n.dtype, o.dtype)
        return ((1 - decay) * n).astype(wide) + (decay * o).astype(wide)

    return tree_map(average, new, old)


def wider_dtype(a: Any, b: Any) -> Any:
    """The dtype that standard promotion gives ``a`` and ``b`` (whatever promotion is set)."""
    with jax.numpy_dtype_promotion("standard"):
        return jnp.promote_types(a, b)


def vdot(a: PyTree, b: PyTree) -> jax.Array:
    """``sum <a, b>`` over all leaves (``optax.tree.vdot``), the total in :func:`summing_dtype`."""
    leaves = jax.tree_util.tree_leaves(a)
    wide = summing_dtype(leaves)
    pairs = zip(leaves, jax.tree_util.tree_leaves(b), strict=True)
    return sum((jnp.tensordot(x, y, x.ndim).astype(wide) for x, y in pairs), jnp.zeros([], wide))


def l1_norm(tree: PyTree) -> jax.Array:
    """``sum |x|`` over every entry of every leaf, the total in :func:`summing_dtype`."""
    leaves = jax.tree_util.tree_leaves(tree)
    wide = summing_dtype(leaves)
    return sum((jnp.sum(jnp.abs(x)).astype(wide) for x in leaves), jnp.zeros([], wide))


def lowest_dtype(tree: PyTree) -> Any:
    """The narrowest floating dtype among the leaves (``optax.tree.dtype(tree, "lowest")``)."""
    return min((x.dtype for x in jax.tree_util.tree_leaves(tree)), key=lambda d: d.itemsize)


def map_unzipped(fn: Callable[..., tuple], tree: PyTree, n: int, *rest: PyTree) -> tuple:
    """``fn`` leafwise over ``tree`` (and the matching subtrees of ``rest``), returning
    ``n``-tuples, unzipped into ``n`` trees shaped like ``tree``."""
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    others = [treedef.flatten_up_to(r) for r in rest]
    out = [fn(*args) for args in zip(leaves, *others, strict=True)]
    return tuple(treedef.unflatten([o[k] for o in out]) for k in range(n))


def abs_sq(x: jax.Array) -> jax.Array:
    """``|x|^2`` entrywise, real: ``x * x`` for a real ``x``, ``re(conj(x) x)`` for a complex one
    (``optax._src.numerics.abs_sq``)."""
    return jnp.real(jnp.conj(x) * x) if jnp.iscomplexobj(x) else x * x


def abs_sq_like(x: jax.Array) -> jax.Array:
    """:func:`abs_sq` in ``x``'s own dtype (complex with zero imaginary part for a complex ``x``):
    what a moment stored in the parameters' dtype receives, as optax's does by promotion."""
    return abs_sq(x).astype(x.dtype)


def nesterov_bias_corrected(moment: PyTree, grads: PyTree, decay: Any, count: jax.Array) -> PyTree:
    """NAdam's look-ahead ``decay m / (1 - decay^(t+1)) + (1 - decay) g / (1 - decay^t)``.

    ``m`` is the updated ``moment`` and ``t`` the step ``count``; each term is corrected
    by :func:`bias_corrected` (shared by ``adam(nesterov=True)`` and ``adabelief``).
    """
    return tree_map(
        lambda m, g: decay * m + (1 - decay) * g,
        bias_corrected(moment, decay, optax.safe_increment(count)),
        bias_corrected(grads, decay, count),
    )
