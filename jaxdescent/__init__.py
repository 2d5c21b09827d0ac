"""jaxdescent: gradient descent in JAX, fast, exact and visible.

``jaxdescent.plot`` (and matplotlib with it) is imported the first time it is used,
so ``import jaxdescent`` stays quick for code that never draws.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from jaxdescent import datasets, landscapes, optimizers
from jaxdescent._cache import disable_compilation_cache, enable_compilation_cache
from jaxdescent._compare import Comparison, compare_with_optax
from jaxdescent._lr_find import lr_find
from jaxdescent._lr_find_result import LRFindResult
from jaxdescent._minimize import Trajectory, minimize
from jaxdescent._progress import SweepInterrupted
from jaxdescent._results import SweepResult
from jaxdescent._sweep import sweep
from jaxdescent.optimizers import *  # noqa: F403 (the optimizers, listed once, in optimizers.__all__)
from jaxdescent.optimizers._schedule_free import schedule_free_eval_params

if TYPE_CHECKING:
    from jaxdescent import plot

__all__ = [
    "Comparison",
    "LRFindResult",
    "SweepInterrupted",
    "SweepResult",
    "Trajectory",
    "compare_with_optax",
    "datasets",
    "disable_compilation_cache",
    "enable_compilation_cache",
    "landscapes",
    "lr_find",
    "minimize",
    "optimizers",
    "plot",
    "schedule_free_eval_params",
    "sweep",
]
__all__ += optimizers.__all__


def __getattr__(name: str) -> Any:
    """``jaxdescent.plot``, imported on first use (it imports matplotlib)."""
    if name == "plot":
        return importlib.import_module("jaxdescent.plot")
    raise AttributeError(f"module 'jaxdescent' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"plot"})
