"""Side by side: a jaxdescent optimizer and optax's of the same name, through the same driver."""

from __future__ import annotations

import inspect
from typing import Any, NamedTuple

import numpy as np
import optax

from jaxdescent import optimizers
from jaxdescent._minimize import Trajectory, minimize


class Comparison(NamedTuple):
    """Two descents from the same start with the same hyperparameters.

    Attributes:
      name: the optimizer's name in both libraries.
      kwargs: the hyperparameters both were built with.
      ours: the jaxdescent run.
      optax: the optax run.
      max_deviation: the largest relative difference of the parameters over all
        steps, ``max_t |w_t - w'_t| / max(|w'_t|, 1e-30)``.
    """

    name: str
    kwargs: dict[str, Any]
    ours: Trajectory
    optax: Trajectory
    max_deviation: float


def default_kwargs(name: str, learning_rate: float = 1e-2) -> dict[str, Any]:
    """The learning rate, when the factory requires one, else nothing (adadelta, polyak_sgd)."""
    parameters = inspect.signature(getattr(optimizers, name)).parameters
    needs = "learning_rate" in parameters and (
        parameters["learning_rate"].default is inspect.Parameter.empty
    )
    return {"learning_rate": learning_rate} if needs else {}


def compare_with_optax(
    name: str,
    fn: Any,
    x0: Any,
    *,
    steps: int = 100,
    **kwargs: Any,
) -> Comparison:
    """Descend ``fn`` from ``x0`` with ``jaxdescent.<name>`` and ``optax.<name>``, same kwargs.

    Args:
      name: an optimizer name that both libraries define (see ``jaxdescent.optimizers``).
      fn: the objective, e.g. a landscape.
      x0: the start.
      steps: number of steps.
      **kwargs: hyperparameters (default: ``learning_rate=1e-2`` where one is required).

    Returns:
      A :class:`Comparison`. Where optax departs from the paper (the optimizer's
      docstring says so) the deviation is large by design.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> sphere = lambda w: jnp.sum(w**2)
      >>> c = jd.compare_with_optax("adam", sphere, jnp.array([1.0, -1.0]), steps=20)
      >>> c.max_deviation < 1e-5
      True
    """
    if name not in optimizers.__all__ or not hasattr(optax, name):
        raise ValueError(f"`name` must be an optimizer both libraries define, got {name!r}")
    kwargs = kwargs or default_kwargs(name)
    ours = minimize(fn, x0, getattr(optimizers, name)(**kwargs), steps=steps)
    theirs = minimize(fn, x0, getattr(optax, name)(**kwargs), steps=steps)
    return Comparison(name, kwargs, ours, theirs, relative_deviation(ours.params, theirs.params))


def relative_deviation(a: Any, b: Any) -> float:
    """``max |a - b| / max(|b|, 1e-30)`` over every entry (NaN-safe: NaN counts as inf)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        ratio = np.abs(a - b) / np.maximum(np.abs(b), 1e-30)
    return float(np.max(np.nan_to_num(ratio, nan=np.inf))) if ratio.size else 0.0
