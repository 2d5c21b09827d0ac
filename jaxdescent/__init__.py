"""jaxdescent: gradient descent in JAX, fast, exact and visible."""

from jaxdescent import datasets, landscapes, optimizers, plot
from jaxdescent._cache import disable_compilation_cache, enable_compilation_cache
from jaxdescent._compare import Comparison, compare_with_optax
from jaxdescent._lr_find import LRFindResult, lr_find
from jaxdescent._minimize import Trajectory, minimize
from jaxdescent._results import SweepResult
from jaxdescent._sweep import sweep
from jaxdescent.optimizers import *  # noqa: F403 (the optimizers, listed once, in optimizers.__all__)
from jaxdescent.optimizers._schedule_free import schedule_free_eval_params

__all__ = [
    "Comparison",
    "LRFindResult",
    "SweepResult",
    "Trajectory",
    "compare_with_optax",
    "datasets",
    "disable_compilation_cache",
    "enable_compilation_cache",
    "landscapes",
    "lr_find",
    "minimize",
    "plot",
    "schedule_free_eval_params",
    "sweep",
]
__all__ += optimizers.__all__
