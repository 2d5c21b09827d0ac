"""Random hyperparameters in their valid ranges: jaxdescent still equals the reference.

Each optimizer is compiled once: the drawn values enter as traced float64
arguments of one jitted 20-step stream through both implementations, so
hypothesis explores values without recompiling. In float64, a traced value and
the same Python float give the same arithmetic, in optax as in jaxdescent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import equivalence
from tests.registry import Case, all_cases

STEPS = 20
RTOL = 1e-12
CASES = {case.name: case for case in all_cases() if case.ranges}


@functools.cache
def _program(name: str) -> Callable:
    """One compiled stream for optimizer ``name``; hyperparameters are its arguments."""
    case = CASES[name]
    fixed = {k: v for k, v in case.kwargs[0].items() if k not in case.ranges}
    stream = equivalence.least_squares_stream(jnp.float64, STEPS)

    @jax.jit
    def run(values):
        ours = equivalence.scan_updates(case.ours(**fixed, **values), stream, case)
        with jax.numpy_dtype_promotion("standard"):
            reference = case.reference(**fixed, **values)
            theirs = equivalence.scan_updates(reference, stream, case)
        return ours, theirs

    return run


def _draw(case: Case, data: st.DataObject) -> dict[str, float]:
    return {
        name: data.draw(st.floats(low, high, exclude_max=name.startswith("b")), label=name)
        for name, (low, high) in case.ranges.items()
    }


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_random_hyperparameters_match_reference(name: str, data: st.DataObject) -> None:
    drawn = _draw(CASES[name], data)
    values = {k: jnp.asarray(v, jnp.float64) for k, v in drawn.items()}
    ours, theirs = _program(name)(values)
    deviation = equivalence.relative_deviation(ours, theirs)
    assert deviation <= RTOL, f"relative deviation {deviation:.3g} at {drawn}"
