"""What a jaxdescent optimizer is: optax's ``(init, update)`` pair, its hyperparameters leaves.

Each optimizer is two module-level functions of its hyperparameters ``h``::

    def _init(h, params): ...
    def _update(h, grads, state, params=None, **extra_args): ...   # reads h.b1, h.eps ...

and a public factory that checks its arguments and binds them once::

    return transformation(_init, _update, learning_rate=learning_rate, b1=b1, ...)

The result is an :class:`optax.GradientTransformationExtraArgs` whose ``init`` and
``update`` are :class:`jax.tree_util.Partial` objects over one :class:`Hyperparameters`.
Its pytree leaves are the numeric hyperparameters, so ``jax.jit`` and ``jax.vmap``
trace them: a new learning rate never recompiles, and a batch of them vectorises.
Everything else (``nesterov``, a schedule, a mask, a dtype) is static.

Casting rule: a hyperparameter acts as a Python number does in optax. It is weakly
typed, so arithmetic between hyperparameters (``1 - b2``, ``b2**t``) runs in JAX's
default float precision (float32, or float64 with x64), and where it meets a leaf
it takes that leaf's dtype: a bfloat16 leaf gets bfloat16 updates, and ``1 - b2``
is never rounded to bfloat16 first. Traced Python floats are weak by JAX's rules;
:func:`weakly_typed` makes any other numeric value so, wherever it is read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np
import optax
from jax._src.lax.lax import _convert_element_type  # the one way to mark a traced value weak


def is_numeric(value: Any) -> bool:
    """A real or complex float, or an array of numbers or PRNG keys: what becomes a traced leaf.

    Python ints and bools stay static (they may size arrays or choose a branch).
    """
    if isinstance(value, float | complex):
        return True
    if isinstance(value, np.ndarray | np.generic | jax.Array):
        return _is_key(value) or value.dtype.kind in "iufc"
    return False


def _is_key(value: Any) -> bool:
    """A typed PRNG key array (its dtype has no ``kind`` and it has no weak form)."""
    return jax.dtypes.issubdtype(value.dtype, jax.dtypes.prng_key)


def weakly_typed(value: Any) -> Any:
    """``value`` as a weakly typed JAX value, as a Python number is under ``jit``.

    Python numbers (already weak), weakly typed arrays and PRNG keys are returned as they are.
    """
    if not isinstance(value, np.ndarray | np.generic | jax.Array) or _is_key(value):
        return value
    if getattr(getattr(value, "aval", None), "weak_type", False):
        return value
    return _convert_element_type(value, None, weak_type=True)


@jax.tree_util.register_static
class Static:
    """A static value in a pytree's structure (no leaves): equal by value when hashable,
    else by identity (a mask pytree, say)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def _key(self) -> Any:
        try:
            hash(self.value)
        except TypeError:
            return ("id", id(self.value))
        return ("value", type(self.value), self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Static) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


@jax.tree_util.register_pytree_node_class
class Hyperparameters:
    """An optimizer's hyperparameters by name; the numeric ones are pytree leaves.

    Read them as attributes (``h.b1``); numeric values come back weakly typed.
    """

    __slots__ = ("_dynamic", "_values")

    def __init__(self, values: dict[str, Any], dynamic: tuple[str, ...] | None = None) -> None:
        self._values = dict(values)
        if dynamic is None:
            dynamic = tuple(name for name, v in self._values.items() if is_numeric(v))
        self._dynamic = dynamic

    def __getattr__(self, name: str) -> Any:
        try:
            value = self._values[name]
        except KeyError:
            raise AttributeError(name) from None
        return weakly_typed(value) if name in self._dynamic else value

    def items(self) -> list[tuple[str, Any]]:
        """``(name, value)`` pairs, values as given."""
        return list(self._values.items())

    def __repr__(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self._values.items())

    def tree_flatten(self) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        children = tuple(self._values[name] for name in self._dynamic)
        static = tuple(
            (name, None if name in self._dynamic else Static(value))
            for name, value in self._values.items()
        )
        return children, (self._dynamic, static)

    @classmethod
    def tree_unflatten(cls, aux: tuple[Any, ...], children: Any) -> Hyperparameters:
        dynamic, static = aux
        given = dict(zip(dynamic, children, strict=True))
        values = {name: given[name] if s is None else s.value for name, s in static}
        return cls(values, dynamic)


def transformation(
    init: Callable[..., Any], update: Callable[..., Any], **hyperparameters: Any
) -> optax.GradientTransformationExtraArgs:
    """Bind ``init(h, params)`` and ``update(h, grads, state, params, **extra_args)`` to ``h``.

    ``init`` and ``update`` must be module-level functions (they are compared by
    identity in the pytree structure). ``update`` takes ``**extra_args`` and ignores
    those it does not use, as optax's protocol allows. An ``update`` with the attribute
    ``needs_params = True`` is refused without ``params`` before any other check (its
    state need not be shaped like the parameters).
    """
    h = Hyperparameters(hyperparameters)
    checked = jax.tree_util.Partial(_checked_update, Static(update), h)
    return optax.GradientTransformationExtraArgs(jax.tree_util.Partial(init, h), checked)


def _checked_update(
    update: Static, h: Hyperparameters, grads: Any, state: Any, params: Any = None, **extra: Any
) -> Any:
    """``update``, after checking that ``grads`` is shaped like the parameters (at trace time
    under ``jit``): a clear error instead of one from deep inside a ``tree_map``."""
    if params is None and getattr(update.value, "needs_params", False):
        raise ValueError(
            f"`params` must be passed to `update`: {update.value.__module__} needs the parameters"
        )
    grads_def = jax.tree_util.tree_structure(grads)
    references = [params] if params is not None else _params_like_fields(state, grads_def)
    for reference in references:
        if jax.tree_util.tree_structure(reference) != grads_def:
            raise ValueError(
                "`grads` must have the same pytree structure as the parameters: expected "
                f"{jax.tree_util.tree_structure(reference)}, got {grads_def}"
            )
        pairs = zip(
            jax.tree_util.tree_leaves(grads), jax.tree_util.tree_leaves(reference), strict=True
        )
        for g, r in pairs:
            if np.ndim(r) and np.shape(g) != np.shape(r):
                raise ValueError(
                    "`grads` must have the parameters' shapes: expected a leaf of shape "
                    f"{np.shape(r)}, got {np.shape(g)}"
                )
    return update.value(h, grads, state, params, **extra)


def _params_like_fields(state: Any, grads_def: Any) -> list[Any]:
    """The fields of an optimizer state that hold one entry per parameter leaf.

    A field finer than ``grads`` (several arrays per leaf: SM3's per-axis accumulators)
    is left out, unless every field is (then ``grads`` is coarser than the parameters).
    """
    fields = state if isinstance(state, tuple) else ()
    fields = [f for f in fields if np.ndim(f) > 0 or (isinstance(f, dict | list | tuple) and f)]
    return [f for f in fields if not _finer(f, grads_def)] or fields


def _finer(tree: Any, treedef: Any) -> bool:
    """``treedef`` is a strict prefix of ``tree``'s structure."""
    if jax.tree_util.tree_structure(tree) == treedef:
        return False
    try:
        treedef.flatten_up_to(tree)
    except (TypeError, ValueError):
        return False
    return True


def hyperparameters(optimizer: Any) -> dict[str, Any] | None:
    """The hyperparameters a jaxdescent optimizer was built with (``None`` for another one)."""
    init = getattr(optimizer, "init", None)
    args = getattr(init, "args", ())
    if isinstance(init, jax.tree_util.Partial) and args and isinstance(args[0], Hyperparameters):
        return dict(args[0].items())
    return None
