"""Side by side: a jaxdescent optimizer and optax's of the same name, through the same driver.

The deviation of two paths ``w_t`` (ours) and ``w'_t`` (optax's) is measured on the
reference path's own scale, ``max_t |w_t - w'_t|_inf / max_t |w'_t|_inf``, so that
two paths that agree to rounding near a minimum at zero read as agreeing (an
entry-wise relative error divides by the near-zero coordinates there).
"""

from __future__ import annotations

import contextlib
import inspect
import warnings
from collections.abc import Iterator
from typing import Any, NamedTuple

import jax
import numpy as np
import optax

from jaxdescent import optimizers
from jaxdescent._minimize import Trajectory, minimize

# Where optax 0.2.8 departs from the paper and jaxdescent follows the paper (each
# optimizer's docstring says so; tests/references.py transcribes the papers).
BY_DESIGN = {
    "adafactor": "optax's default learning_rate=None takes a relative step of 1; "
    "jaxdescent follows Shazeer and Stern 2018 (min(1e-2, 1/sqrt(t)))",
    "adadelta": "optax's default learning_rate=None climbs the gradient; "
    "jaxdescent follows Zeiler 2012 (a rate of 1)",
    "adan": "optax weighs gradient differences by 1 - b2 and decays weights without the "
    "proximal step; jaxdescent follows Xie et al. 2022",
    "lars": "optax's trust ratio divides by ||g + beta w||; jaxdescent follows You et al. "
    "2017 (||g|| + beta ||w||)",
    "polyak_sgd": "optax's `scaling` divides the step; jaxdescent multiplies, as in "
    "Loizou et al. 2021",
    "rprop": "optax returns the previous step's update; jaxdescent follows Igel and "
    "Hüsken 2000 (iRprop-)",
    "schedule_free_sgd": "optax warms the z step up one step later than the averaging "
    "weights; jaxdescent follows Defazio et al. 2024 (one step size for both)",
    "schedule_free_adamw": "optax leaves sqrt(1 - b2^t) out of the averaging weights; "
    "jaxdescent follows Defazio et al. 2024, Algorithm 1",
    "muon": "optax orthogonalises NAdam's look-ahead (with nesterov); jaxdescent follows "
    "Jordan et al. 2024 (b m + (1 - b) g)",
    "prodigy": "optax multiplies the step size by Adam's bias correction; jaxdescent "
    "follows Mishchenko and Defazio 2023",
    "dadapt_adamw": "optax multiplies the step size by Adam's bias correction; jaxdescent "
    "follows Defazio and Mishchenko 2023",
    "sm3": "optax divides by sqrt(nu + 1e-8); jaxdescent follows Anil et al. 2019 "
    "(sqrt(nu), 0/0 = 0)",
}


def optax_factory(name: str) -> Any:
    """optax's factory named ``name`` (in ``optax`` or ``optax.contrib``), or ``None``."""
    return getattr(optax, name, None) or getattr(optax.contrib, name, None)


class Comparison(NamedTuple):
    """Two descents from the same start with the same hyperparameters.

    Attributes:
      name: the optimizer's name in both libraries.
      kwargs: the hyperparameters both were built with.
      ours: the jaxdescent run.
      optax: the optax run.
      max_deviation: ``max_abs_deviation / scale``: the paths' largest difference
        on the reference path's scale (``inf`` where either path is not finite).
      max_abs_deviation: ``max_t |w_t - w'_t|_inf``, over every step and entry.
      scale: ``max_t |w'_t|_inf``, the size of optax's path (start included).
      agrees: ``max_deviation <= tolerance`` (rounding).
      tolerance: the square root of the parameters' machine epsilon.
      by_design: why optax differs from the paper jaxdescent follows, or ``""``.
    """

    name: str
    kwargs: dict[str, Any]
    ours: Trajectory
    optax: Trajectory
    max_deviation: float
    max_abs_deviation: float
    scale: float
    agrees: bool
    tolerance: float
    by_design: str

    @property
    def verdict(self) -> str:
        """``"rounding"`` (the paths agree), ``"by design"`` (see ``by_design``) or
        ``"differs"``."""
        if self.agrees:
            return "rounding"
        return "by design" if self.by_design else "differs"


def default_kwargs(name: str, learning_rate: float = 1e-2) -> dict[str, Any]:
    """The learning rate, when the factory requires one, else nothing (adadelta, polyak_sgd)."""
    parameters = inspect.signature(getattr(optimizers, name)).parameters
    needs = "learning_rate" in parameters and (
        parameters["learning_rate"].default is inspect.Parameter.empty
    )
    return {"learning_rate": learning_rate} if needs else {}


@contextlib.contextmanager
def quiet_optax() -> Iterator[None]:
    """optax's own notices (``optimistic_adam`` is deprecated; ``noisy_sgd`` wants a key),
    silenced only while we build and run optax's optimizer."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"optax(\.|$)")
        yield


def compare_with_optax(
    name: str,
    fn: Any,
    x0: Any,
    *,
    steps: int = 100,
    optax_kwargs: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Comparison:
    """Descend ``fn`` from ``x0`` with ``jaxdescent.<name>`` and ``optax.<name>``, same kwargs.

    Args:
      name: an optimizer name that both libraries define (see ``jaxdescent.optimizers``).
      fn: the objective, e.g. a landscape.
      x0: the start.
      steps: number of steps.
      optax_kwargs: hyperparameters for optax's optimizer, where they should differ
        (default: the same as ours).
      **kwargs: hyperparameters (default: ``learning_rate=1e-2`` where one is required).

    Returns:
      A :class:`Comparison`: the deviation on the path's scale, the absolute one, and
      whether they agree to rounding. Where optax departs from the paper,
      ``by_design`` says how (``BY_DESIGN``). A chaotic path (sign-like steps in
      float32) can amplify rounding past the tolerance: rerun in float64 to tell.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> sphere = lambda w: jnp.sum(w**2)
      >>> c = jd.compare_with_optax("adam", sphere, jnp.array([1.0, -1.0]), steps=20)
      >>> c.max_deviation < 1e-5, c.verdict
      (True, 'rounding')
    """
    if name not in optimizers.__all__ or optax_factory(name) is None:
        raise ValueError(f"`name` must be an optimizer both libraries define, got {name!r}")
    kwargs = kwargs or default_kwargs(name)
    ours = minimize(fn, x0, getattr(optimizers, name)(**kwargs), steps=steps)
    with quiet_optax():
        reference = optax_factory(name)(**(kwargs if optax_kwargs is None else optax_kwargs))
        theirs = minimize(fn, x0, reference, steps=steps)
    absolute, scale = path_deviation(ours.params, theirs.params)
    deviation = absolute / scale if scale > 0 else (0.0 if absolute == 0 else np.inf)
    tolerance = float(np.sqrt(np.finfo(jax.tree_util.tree_leaves(ours.params)[0].dtype).eps))
    return Comparison(
        name=name,
        kwargs=kwargs,
        ours=ours,
        optax=theirs,
        max_deviation=float(deviation),
        max_abs_deviation=absolute,
        scale=scale,
        agrees=bool(deviation <= tolerance),
        tolerance=tolerance,
        by_design=BY_DESIGN.get(name, ""),
    )


def path_deviation(ours: Any, reference: Any) -> tuple[float, float]:
    """``(max |ours - reference|, max |reference|)`` over every leaf, step and entry.

    Equal entries differ by 0 (two paths that overflow alike agree); a non-finite entry
    in one only makes the deviation ``inf``. The scale counts the reference's finite
    entries only.
    """
    diffs, scales = [0.0], [0.0]
    for a, b in zip(
        jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(reference), strict=True
    ):
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            same = (a == b) | (np.isnan(a) & np.isnan(b))  # inf == inf: no difference
            diff = np.where(same, 0.0, np.abs(a - b))
        diffs.append(float(np.max(np.nan_to_num(diff, nan=np.inf), initial=0.0)))
        scales.append(float(np.max(np.abs(b[np.isfinite(b)]), initial=0.0)))
    return max(diffs), max(scales)
