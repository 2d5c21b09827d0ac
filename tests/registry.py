"""The one registry of optimizers that every optimizer test is parametrized by.

Each :class:`Case` pairs a jaxdescent factory with its reference: optax's factory
of the same name, or, where optax 0.2.8 deviates from the paper, an independent
transcription (see ``reference_note``). Cases are grouped by optimizer module
(``cases_*.py``) and concatenated here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any


@dataclasses.dataclass(frozen=True)
class Case:
    """One optimizer and everything the shared tests need to check it.

    Attributes:
      name: the public name (``jaxdescent.<name>`` and, usually, ``optax.<name>``).
      ours: the jaxdescent factory.
      reference: the factory it is checked against; same keyword arguments.
      kwargs: keyword sets, the first with only the required arguments; later
        ones exercise non-default options (nesterov, centered, a schedule ...).
      ranges: valid ``(low, high)`` ranges of numeric hyperparameters, for the
        hypothesis property tests.
      reference_note: empty when ``reference`` is optax's own; otherwise why
        optax is not the reference and what is used instead.
      needs_value: ``update`` needs the loss as ``value=`` (Polyak step sizes).
      needs_value_fn: ``update`` needs ``value=``, ``grad=`` and the objective as
        ``value_fn=`` (line searches).
    """

    name: str
    ours: Callable[..., Any]
    reference: Callable[..., Any]
    kwargs: tuple[Mapping[str, Any], ...]
    ranges: Mapping[str, tuple[float, float]] = dataclasses.field(default_factory=dict)
    reference_note: str = ""
    needs_value: bool = False
    needs_value_fn: bool = False

    def update_kwargs(self, value: Any, grad: Any, value_fn: Callable[..., Any]) -> dict:
        """The keyword arguments ``update`` needs beyond ``(grads, state, params)``."""
        if self.needs_value_fn:
            return {"value": value, "grad": grad, "value_fn": value_fn}
        return {"value": value} if self.needs_value else {}


def matrices_only(params: Any) -> Any:
    """Weight-decay mask: decay the matrices, not the vectors (a callable mask)."""
    import jax

    return jax.tree_util.tree_map(lambda x: x.ndim > 1, params)


def decaying(initial: float) -> Any:
    """A learning-rate (or weight-decay) schedule for the cases that take one."""
    import optax

    return optax.exponential_decay(initial, transition_steps=20, decay_rate=0.8)


LR = (1e-4, 5e-2)  # valid learning rates for the property tests
DECAY = (0.0, 0.999)  # valid averaging coefficients


def all_cases() -> list[Case]:
    """Every registered optimizer case, in a stable order."""
    from tests import (
        cases_adaptive,
        cases_contrib1,
        cases_contrib2,
        cases_factored,
        cases_lbfgs,
        cases_more,
        cases_sgd_adam,
    )

    return [
        *cases_sgd_adam.CASES,
        *cases_adaptive.CASES,
        *cases_more.CASES,
        *cases_lbfgs.CASES,
        *cases_contrib1.CASES,
        *cases_contrib2.CASES,
        *cases_factored.CASES,
    ]
