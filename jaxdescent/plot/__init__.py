"""Plots that teach gradient descent, drawn from ``minimize`` and ``sweep`` results.

Every function takes ``ax=None`` (``axes=None`` for several panels): given
Axes it draws there, otherwise it builds a ``matplotlib.figure.Figure``
directly, never touching pyplot's global state. It returns what it drew (a
small NamedTuple of artists, with the figure it created) and never calls
``show()``.
"""

from jaxdescent.plot._animate import Animation, animate
from jaxdescent.plot._basins import BasinMap, basin_map
from jaxdescent.plot._contour import Trajectories, trajectories
from jaxdescent.plot._curves import LossCurves, loss_curves
from jaxdescent.plot._descent import CostCurve, LearningRates, cost_curve, learning_rates
from jaxdescent.plot._outcome import outcome
from jaxdescent.plot._summary import SweepSummary, sweep_summary
from jaxdescent.plot._sweeps import Heatmap, LrSweep, heatmap, lr_sweep

__all__ = [
    "Animation",
    "BasinMap",
    "CostCurve",
    "Heatmap",
    "LearningRates",
    "LossCurves",
    "LrSweep",
    "SweepSummary",
    "Trajectories",
    "animate",
    "basin_map",
    "cost_curve",
    "heatmap",
    "learning_rates",
    "loss_curves",
    "lr_sweep",
    "outcome",
    "sweep_summary",
    "trajectories",
]
