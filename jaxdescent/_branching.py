"""Hyperparameters an optimizer branches on in Python, which a sweep cannot trace.

A sweep traces every float hyperparameter (see :func:`jaxdescent.sweep`); a factory
that branches on one in Python (``if peak_value == 0``) fails that trace. When a
sweep's trace fails, :func:`naming_branches` runs :func:`check_traceable`, which
traces the optimizer once per hyperparameter to name the culprit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np
import optax

from jaxdescent._optimizer import weakly_typed

_CONCRETE = (
    jax.errors.ConcretizationTypeError,
    jax.errors.TracerBoolConversionError,
    jax.errors.TracerIntegerConversionError,
)


def naming_branches(factory: Callable[..., Any], grid: Any, call: Callable, *args: Any) -> Any:
    """``call(*args)``; if tracing it fails on a float the factory branches on in Python,
    the error names that hyperparameter (:func:`check_traceable`, run only then: it traces
    the optimizer once per hyperparameter, too slow for every call)."""
    try:
        return call(*args)
    except _CONCRETE:
        check_traceable(factory, grid)
        raise


def check_traceable(factory: Callable[..., Any], grid: Any) -> None:
    """Refuse, naming it, a numeric hyperparameter that the optimizer branches on in Python:
    ``sweep`` traces every float (see :func:`jaxdescent.sweep`)."""
    settings = {name: s.value for name, s in grid.settings}
    values = {**grid.fixed, **{name: grid.coords[name][0] for name in grid.along}}
    values = {name: np.asarray(v).item() for name, v in values.items()}
    if not values or _traces(factory, settings, values, grid.one_start(), set(values)):
        return
    culprits = [
        name for name in values if not _traces(factory, settings, values, grid.one_start(), {name})
    ]
    if not culprits:
        return  # not the hyperparameters' doing: the sweep's own trace reports it
    names = ", ".join(f"`{name}`" for name in culprits)
    raise TypeError(
        f"the optimizer branches in Python on {names} (e.g. optax's schedules check "
        "`if peak_value == 0`), but sweep traces every float hyperparameter. Build the "
        "branching part from fixed numbers and scale it with jnp arithmetic, e.g. "
        "`lambda peak: optax.adam(lambda t: peak * optax.warmup_cosine_decay_schedule(0.0, "
        "1.0, 10, 100)(t))`; or give a dict of factories, one per value, each binding it as "
        "a Python float (functools.partial(make, peak=0.1)): see docs/howto/sweeps.md"
    )


def _traces(factory: Callable, settings: dict, values: dict, x0: Any, traced: set[str]) -> bool:
    """Whether building the optimizer and one update trace with the ``traced`` values traced."""

    def build(numbers: dict[str, Any], params: Any) -> Any:
        numbers = {k: weakly_typed(v) for k, v in numbers.items()}
        optimizer = optax.with_extra_args_support(
            factory(**settings, **{k: v for k, v in values.items() if k not in numbers}, **numbers)
        )
        state = optimizer.init(params)
        zero = lambda p: jax.numpy.zeros([], jax.tree_util.tree_leaves(p)[0].dtype)  # noqa: E731
        return optimizer.update(
            params, state, params, value=zero(params), grad=params, value_fn=zero
        )

    dtype = jax.dtypes.canonicalize_dtype(np.float64)
    numbers = {k: np.asarray(v, dtype) for k, v in values.items() if k in traced}
    try:
        jax.eval_shape(build, numbers, x0)
    except _CONCRETE:
        return False
    return True
