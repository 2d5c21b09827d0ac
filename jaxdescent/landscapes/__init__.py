"""Test functions with known minima, to descend on, plot and sweep over.

Every factory returns a :class:`Landscape`: callable on one point of shape ``(dim,)``
(under ``jit``, ``vmap`` and ``grad``), with its ``domain`` (a box for plotting), every
global minimizer in ``minima``, the ``minimum_value``, and the ``local_minima`` worth
knowing. :func:`names` lists the factories and :func:`get` builds one by name.

Example:
  >>> from jaxdescent import landscapes
  >>> f = landscapes.get("himmelblau")
  >>> f.minima.shape, f.minimum_value
  ((4, 2), 0.0)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from jaxdescent._checks import shown
from jaxdescent.landscapes._bowls import beale, booth, matyas, quadratic, rosenbrock, sphere
from jaxdescent.landscapes._landscape import Landscape
from jaxdescent.landscapes._rugged import (
    ackley,
    cross_in_tray,
    easom,
    holder_table,
    levi13,
    rastrigin,
    styblinski_tang,
)
from jaxdescent.landscapes._several import (
    double_well,
    goldstein_price,
    himmelblau,
    mccormick,
    six_hump_camel,
    three_hump_camel,
)

_FACTORIES: dict[str, Callable[..., Landscape]] = {
    f.__name__: f
    for f in (
        sphere,
        quadratic,
        rosenbrock,
        booth,
        matyas,
        beale,
        double_well,
        himmelblau,
        three_hump_camel,
        six_hump_camel,
        goldstein_price,
        mccormick,
        ackley,
        rastrigin,
        styblinski_tang,
        levi13,
        easom,
        holder_table,
        cross_in_tray,
    )
}


def names() -> list[str]:
    """The names :func:`get` accepts, simplest landscapes first."""
    return list(_FACTORIES)


def get(name: str, **kwargs: Any) -> Landscape:
    """Build the landscape called ``name``, e.g. ``get("rosenbrock", dim=5)``.

    Args:
      name: one of :func:`names`.
      **kwargs: passed to the factory (``dim`` for the dimension-parametrised ones,
        ``condition`` for :func:`quadratic`); every landscape builds without any.

    Raises:
      ValueError: if ``name`` is not a landscape's name.
      TypeError: if the factory does not take one of ``kwargs``.
    """
    if not isinstance(name, str) or name not in _FACTORIES:
        raise ValueError(f"`name` must be one of {names()}, got {shown(name)}")
    factory = _FACTORIES[name]
    takes = list(inspect.signature(factory).parameters)
    unknown = [k for k in kwargs if k not in takes]
    if unknown:
        raise TypeError(
            f"{', '.join(f'`{k}`' for k in unknown)}: not an argument of {name}, which takes "
            f"{takes or 'none'}"
        )
    return factory(**kwargs)


__all__ = [
    "Landscape",
    "ackley",
    "beale",
    "booth",
    "cross_in_tray",
    "double_well",
    "easom",
    "get",
    "goldstein_price",
    "himmelblau",
    "holder_table",
    "levi13",
    "matyas",
    "mccormick",
    "names",
    "quadratic",
    "rastrigin",
    "rosenbrock",
    "six_hump_camel",
    "sphere",
    "styblinski_tang",
    "three_hump_camel",
]
