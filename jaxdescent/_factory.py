"""How an optimizer is built: the ``optimizer`` decorator.

A jaxdescent optimizer is written as a plain function ``build(**hyperparameters)``
that validates its arguments and returns an ``(init, update)`` pair of closures,
exactly as in optax. The decorator turns it into a public factory whose result

* is an :class:`optax.GradientTransformationExtraArgs` (so it works with
  ``optax.chain``, ``optax.apply_updates`` and everything else in optax), and
* is also a pytree whose leaves are its *numeric* hyperparameters. Passing an
  optimizer through ``jax.jit`` or ``jax.vmap`` therefore traces the learning
  rate and friends instead of baking them in: a new value never recompiles, and
  a batch of values vectorises.

One casting rule holds everywhere: before any arithmetic, every floating array
hyperparameter (a traced value included) is cast to the dtype of the tree it
meets (the gradients in ``update``, the parameters in ``init``); Python numbers
stay weakly typed, as in optax. ``minimize`` and ``sweep`` both trace their
hyperparameters and so follow the same rule, which is why a one-configuration
sweep equals ``minimize`` bit for bit.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Hashable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdescent._checks import is_python_number
from jaxdescent._tree import working_dtype

Build = Callable[..., tuple[Callable[..., Any], Callable[..., Any]]]


@dataclasses.dataclass(frozen=True, eq=False)
class _ByIdentity:
    """Wraps an unhashable static value (a mask pytree, say) so it hashes by identity."""

    value: Any


def _is_dynamic(value: Any) -> bool:
    """Numbers and arrays become traced leaves; everything else stays static."""
    if isinstance(value, jax.Array | np.ndarray | np.generic) and not isinstance(value, np.bool_):
        return value.dtype != bool
    return is_python_number(value)


def _hashable(value: Any) -> Hashable:
    try:
        hash(value)
    except TypeError:
        return _ByIdentity(value)
    return value


def _unwrap(value: Any) -> Any:
    return value.value if isinstance(value, _ByIdentity) else value


@dataclasses.dataclass(frozen=True)
class _Recipe:
    """The static half of an optimizer: its build function and non-numeric settings."""

    build: Build
    dynamic_names: tuple[str, ...]
    static_items: tuple[tuple[str, Hashable], ...]

    def rebuild(self, values: tuple[Any, ...], dtype: Any) -> tuple[Callable, Callable]:
        """Call the build function with the hyperparameters cast to ``dtype``."""
        cast = {
            name: _cast_float(value, dtype)
            for name, value in zip(self.dynamic_names, values, strict=True)
        }
        static = {name: _unwrap(value) for name, value in self.static_items}
        return self.build(**static, **cast)


def _cast_float(value: Any, dtype: Any) -> Any:
    """Floating arrays (and tracers) take ``dtype``; Python numbers stay weakly typed.

    A Python number already adapts to the dtype it meets, and arithmetic on it
    (``1 - b2``) stays in double precision, exactly as in optax.
    """
    if isinstance(value, int | float) or not jnp.issubdtype(jnp.result_type(value), jnp.inexact):
        return value
    return jnp.asarray(value, dtype)


@jax.tree_util.register_pytree_node_class
@dataclasses.dataclass(frozen=True)
class _Method:
    """``init`` or ``update`` of a built optimizer, as a pytree of its hyperparameters."""

    recipe: _Recipe
    name: str
    values: tuple[Any, ...]

    def __call__(self, tree: Any, *args: Any, **extra_args: Any) -> Any:
        """``init(params)`` or ``update(grads, state, params=None, **extra_args)``."""
        init, update = self.recipe.rebuild(self.values, working_dtype(tree))
        if self.name == "init":
            return init(tree)
        return _call_update(update, tree, *args, **extra_args)

    def tree_flatten(self) -> tuple[tuple[Any, ...], tuple[_Recipe, str]]:
        return self.values, (self.recipe, self.name)

    @classmethod
    def tree_unflatten(cls, aux: tuple[_Recipe, str], children: Any) -> _Method:
        return cls(aux[0], aux[1], tuple(children))


def _call_update(
    update: Callable[..., Any], grads: Any, state: Any, params: Any = None, **extra_args: Any
) -> Any:
    """Check the gradients, then call ``update`` with the extra arguments it accepts."""
    _check_grads(grads, state, params)
    accepted = inspect.signature(update).parameters
    extra = {k: v for k, v in extra_args.items() if k in accepted}
    return update(grads, state, params, **extra)


def _check_grads(grads: Any, state: Any = None, params: Any = None) -> None:
    """Gradients must have the parameters' pytree structure and shapes (checked at trace time)."""
    references = [params] if params is not None else _params_like_fields(state)
    grads_def = jax.tree_util.tree_structure(grads)
    for reference in references:
        ref_def = jax.tree_util.tree_structure(reference)
        if ref_def != grads_def:
            raise ValueError(
                "`grads` must have the same pytree structure as the parameters: "
                f"expected {ref_def}, got {grads_def}"
            )
        for g, r in zip(
            jax.tree_util.tree_leaves(grads), jax.tree_util.tree_leaves(reference), strict=True
        ):
            if jnp.ndim(r) and jnp.shape(g) != jnp.shape(r):
                raise ValueError(
                    "`grads` must have the parameters' shapes: expected a leaf of shape "
                    f"{jnp.shape(r)}, got {jnp.shape(g)}"
                )


def _params_like_fields(state: Any) -> list[Any]:
    """The fields of an optimizer state that hold one entry per parameter leaf."""
    fields = state if isinstance(state, tuple) else ()
    return [
        f
        for f in fields
        if not (isinstance(f, jax.Array | np.ndarray) and f.ndim == 0)
        and jax.tree_util.tree_leaves(f)
    ]


def optimizer(build: Build | None = None, *, integer: tuple[str, ...] = ()) -> Any:
    """Turn ``build(**hyperparameters) -> (init, update)`` into a public optimizer factory.

    Args:
      build: validates its arguments eagerly and returns optax-style ``init`` and
        ``update`` closures.

    Returns:
      A factory with ``build``'s signature and docstring whose result is an
      :class:`optax.GradientTransformationExtraArgs` and a pytree of its numeric
      hyperparameters.
    """
    signature = inspect.signature(build)

    @functools.wraps(build)
    def factory(*args: Any, **kwargs: Any) -> optax.GradientTransformationExtraArgs:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        hyperparameters = dict(bound.arguments)
        build(**hyperparameters)  # validates before anything is computed
        dynamic = {k: v for k, v in hyperparameters.items() if _is_dynamic(v)}
        recipe = _Recipe(
            build=build,
            dynamic_names=tuple(dynamic),
            static_items=tuple(
                (k, _hashable(v)) for k, v in hyperparameters.items() if k not in dynamic
            ),
        )
        values = tuple(dynamic.values())
        return optax.GradientTransformationExtraArgs(
            _Method(recipe, "init", values), _Method(recipe, "update", values)
        )

    return factory
