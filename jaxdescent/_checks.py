"""Argument checks that run when an object is built, before any compute.

Every message names the argument, what is allowed and what was given. Traced or
array values are not value-checked (they may be tracers under ``vmap``).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


def is_python_number(value: Any) -> bool:
    """True for a concrete Python or NumPy real scalar (not a bool, not an array)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def check_learning_rate(value: Any, name: str = "learning_rate") -> None:
    """A learning rate is a finite non-negative number, an array, or a schedule callable."""
    if callable(value) or not is_python_number(value):
        if isinstance(value, str | bool | np.bool_) or value is None:
            raise TypeError(
                f"`{name}` must be a number, a JAX array or a schedule (a callable of the "
                f"step count), got {value!r}"
            )
        return
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"`{name}` must be a finite number >= 0, got {value!r}")


def check_range(
    name: str,
    value: Any,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Check that a Python number lies in the interval; arrays and tracers pass unchecked."""
    if value is None or not is_python_number(value):
        return
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if math.isnan(value) or too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise ValueError(f"`{name}` must be in {left}{low}, {high}{right}, got {value!r}")


def check_decay(**named: Any) -> None:
    """Averaging coefficients (``b1``, ``b2``, ``decay``, ``rho`` ...) must lie in [0, 1)."""
    for name, value in named.items():
        check_range(name, value, 0.0, 1.0, high_open=True)


def check_nonnegative(**named: Any) -> None:
    """Each named Python number must be finite and >= 0."""
    for name, value in named.items():
        check_range(name, value, 0.0, math.inf, high_open=True)


def check_positive(**named: Any) -> None:
    """Each named Python number must be finite and > 0."""
    for name, value in named.items():
        check_range(name, value, 0.0, math.inf, low_open=True, high_open=True)
