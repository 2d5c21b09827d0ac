"""What happened to a descent, in words a caption can use, read off the run and the landscape."""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxdescent.plot._common import params_array

GLOBAL = "converged to the global minimum"
LOCAL = "stuck in a local minimum"
DIVERGED = "diverged"
ELSEWHERE = "not at a known minimum"


def default_tolerance(landscape: Any) -> float:
    """1% of the diagonal of the landscape's ``domain``: near enough to call a minimum reached."""
    span = np.diff(np.asarray(landscape.domain, dtype=np.float64), axis=-1)
    return 0.01 * float(np.linalg.norm(span))


def outcome(landscape: Any, run: Any, *, tol: float | None = None) -> str:
    r"""Say where one descent ended: at the global minimum, a local one, nowhere known, or diverged.

    The run's final point ``w_T`` is compared with the landscape's listed minima
    (``landscape.minima``, then ``landscape.local_minima``) by
    ``landscape.basin_index``: within ``tol`` of a global minimizer is
    ``"converged to the global minimum"``, of a local one ``"stuck in a local
    minimum"``; a run flagged as diverged is ``"diverged"``; anything else
    (still descending, or at a minimum the landscape does not list) is
    ``"not at a known minimum"``.

    Args:
      landscape: a landscape with known minima (``jaxdescent.landscapes``).
      run: one run: a ``Trajectory`` of ``minimize`` (or anything with
        ``final_params`` and ``diverged``).
      tol: Euclidean distance within which ``w_T`` counts as at a minimum
        (default: 1% of the diagonal of ``landscape.domain``).

    Returns:
      One of the four phrases above.

    Raises:
      ValueError: for a batch of runs, or a landscape without listed minima.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> well = jd.landscapes.double_well()
      >>> jd.plot.outcome(well, jd.minimize(well, jnp.array([2.0]), jd.sgd(0.02), steps=30))
      'stuck in a local minimum'
    """
    if not hasattr(landscape, "basin_index"):
        raise ValueError(
            "`landscape` must list its minima (a jaxdescent.landscapes landscape), "
            f"got {type(landscape).__name__}"
        )
    diverged = np.asarray(run.diverged)
    if diverged.size != 1:
        raise ValueError(f"outcome describes one run; got a batch of {diverged.size}")
    if bool(diverged):
        return DIVERGED
    w = params_array(run.final_params, "outcome").reshape(landscape.dim)
    index = int(landscape.basin_index(w, default_tolerance(landscape) if tol is None else tol))
    if index < 0:
        return ELSEWHERE
    return GLOBAL if index < len(landscape.minima) else LOCAL
