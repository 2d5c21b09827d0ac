"""Parsing command-line values: numbers, lists, ranges and log-spaced grids."""

from __future__ import annotations

import numpy as np


def parse_values(text: str) -> float | np.ndarray:
    """A number, or a 1-D grid of them.

    ``0.1`` is a scalar; ``0.1,0.2,0.5`` a list; ``0:1:11`` eleven evenly spaced
    values from 0 to 1; ``1e-4:1:64log`` sixty-four log-spaced values from 1e-4 to 1.

    Raises:
      ValueError: with a message saying what was expected.

    Example:
      >>> parse_values("1e-2:1:3log")
      array([0.01, 0.1 , 1.  ])
    """
    text = text.strip()
    if ":" in text:
        return _parse_range(text)
    if "," in text:
        return np.array([_number(part) for part in text.split(",")])
    return _number(text)


def _parse_range(text: str) -> np.ndarray:
    parts = text.split(":")
    if len(parts) != 3:
        raise ValueError(f"expected START:STOP:COUNT or START:STOP:COUNTlog, got {text!r}")
    start, stop, count = _number(parts[0]), _number(parts[1]), parts[2].strip()
    log = count.endswith("log")
    count = count.removesuffix("log")
    if not count.isdigit() or int(count) < 1:
        raise ValueError(f"the COUNT in START:STOP:COUNT must be a whole number >= 1, got {text!r}")
    if log:
        if start <= 0 or stop <= 0:
            raise ValueError(f"a log-spaced grid needs START and STOP > 0, got {text!r}")
        return np.geomspace(start, stop, int(count))
    return np.linspace(start, stop, int(count))


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"expected a number, got {text.strip()!r}") from None


def parse_point(text: str) -> np.ndarray:
    """A point written as comma-separated numbers, e.g. ``-1.5,2``."""
    return np.array([_number(part) for part in text.split(",")])
