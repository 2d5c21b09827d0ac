"""jaxdescent: gradient descent in JAX, fast, exact and visible."""

from jaxdescent import datasets, landscapes, plot
from jaxdescent._cache import disable_compilation_cache, enable_compilation_cache
from jaxdescent._compare import Comparison, compare_with_optax
from jaxdescent._descent import Trajectory
from jaxdescent._lr_find import LRFindResult, lr_find
from jaxdescent._minimize import minimize
from jaxdescent._results import SweepResult
from jaxdescent._sweep import sweep
from jaxdescent.optimizers import (
    adabelief,
    adadelta,
    adagrad,
    adam,
    adamax,
    adamw,
    adan,
    amsgrad,
    lamb,
    lion,
    nadam,
    noisy_sgd,
    novograd,
    polyak_sgd,
    radam,
    rmsprop,
    rprop,
    sgd,
    sign_sgd,
    yogi,
)

__all__ = [
    "Comparison",
    "LRFindResult",
    "SweepResult",
    "Trajectory",
    "adabelief",
    "adadelta",
    "adagrad",
    "adam",
    "adamax",
    "adamw",
    "adan",
    "amsgrad",
    "compare_with_optax",
    "datasets",
    "disable_compilation_cache",
    "enable_compilation_cache",
    "lamb",
    "landscapes",
    "lion",
    "lr_find",
    "minimize",
    "nadam",
    "noisy_sgd",
    "novograd",
    "plot",
    "polyak_sgd",
    "radam",
    "rmsprop",
    "rprop",
    "sgd",
    "sign_sgd",
    "sweep",
    "yogi",
]
