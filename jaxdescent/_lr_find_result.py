"""What :func:`jaxdescent.lr_find` returns: :class:`LRFindResult`, and fastai's rules that
read its suggestions off a range test's loss curve (the smoothing, the stop, ``valley``
and ``steep``). Host-side NumPy on the recorded losses: nothing here is traced.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np


@dataclasses.dataclass(frozen=True)
class LRFindResult:
    """What :func:`lr_find` measured, and the learning rates it suggests.

    Attributes:
      method: ``"range"`` or ``"parallel"``.
      learning_rates: ``(n,)``. Range test: the learning rate of each step that
        ran before the stop. Parallel test: the grid.
      loss: range test: ``(n,)`` the loss at each of those steps (before its
        update). Parallel test: ``(n, steps + 1)`` the loss curve of each rate.
      smoothed_loss: range test: ``(n,)`` the debiased moving average of ``loss``;
        ``None`` for the parallel test.
      stable: parallel test: ``(n,)`` whether each rate's run stayed finite and
        ended no higher than its starting loss; ``None`` for the range test.
      suggestions: ``{"valley": ..., "steep": ...}`` (range) or
        ``{"largest_stable": ..., "best": ...}`` (parallel); NaN where the data
        allow no suggestion (too few steps before a blow-up, no stable rate).
    """

    method: str
    learning_rates: np.ndarray
    loss: np.ndarray
    smoothed_loss: np.ndarray | None
    stable: np.ndarray | None
    suggestions: Mapping[str, float]

    def __getattr__(self, name: str) -> float:
        """``result.valley``, ``result.best`` ...: a suggestion by name."""
        suggestions = self.__dict__.get("suggestions", {})
        if name in suggestions:
            return suggestions[name]
        raise AttributeError(
            f"{type(self).__name__} ({self.__dict__.get('method')!r} method) has no attribute "
            f"{name!r}; its suggestions are {sorted(suggestions)}"
        )


def smooth(loss: np.ndarray, beta: float) -> np.ndarray:
    r"""fastai's debiased exponential moving average.

    ``a_i = beta a_{i-1} + (1 - beta) C_i`` from ``a_0 = 0``, reported as
    ``s_i = a_i / (1 - beta^i)`` (i counted from 1), so a constant loss stays constant.
    """
    out = np.empty(len(loss), np.float64)
    average = 0.0
    for i, value in enumerate(np.asarray(loss, np.float64)):
        average = beta * average + (1.0 - beta) * value
        out[i] = average / (1.0 - beta ** (i + 1))
    return out


def stop_index(smoothed: np.ndarray, factor: float) -> int:
    """Number of points kept: up to and including the first ``s_i > factor * min(s_0..s_i)``."""
    best = np.minimum.accumulate(smoothed)
    over = np.flatnonzero(~(smoothed <= factor * best))  # NaN counts as over
    return int(over[0]) + 1 if over.size else len(smoothed)


def valley(learning_rates: np.ndarray, loss: np.ndarray) -> float:
    """fastai's ``valley``: the middle of the longest decreasing stretch of the loss.

    ``lds[i]`` is the length of the longest strictly decreasing subsequence
    ending at point ``i``; the stretch ends at the first point with the largest
    ``lds`` and starts ``lds`` points earlier; the suggestion sits
    ``floor(len/3) + floor(len/6)`` points into it (ESRI's rule). Where fastai's
    index would be -1 (a stretch starting at the first point) it is clamped to 0.
    """
    n = len(loss)
    if n < 2:
        return math.nan
    lds = np.ones(n, np.int64)
    for i in range(1, n):
        below = loss[:i] > loss[i]
        if below.any():
            lds[i] = lds[:i][below].max() + 1
    end = int(np.argmax(lds))
    start = end - int(lds[end])
    sections = (end - start) / 3
    return float(learning_rates[max(start + int(sections) + int(sections / 2), 0)])


def steep(learning_rates: np.ndarray, loss: np.ndarray) -> float:
    """fastai's ``steep``: the rate opening the steepest fall of loss against log rate."""
    if len(loss) < 2:
        return math.nan
    slope = np.diff(loss) / np.diff(np.log(learning_rates))
    return float(learning_rates[int(np.argmin(slope))])
