"""jaxdescent: gradient descent in JAX, fast, exact and visible."""

from jaxdescent._descent import Trajectory
from jaxdescent._minimize import minimize
from jaxdescent.optimizers import adam, sgd

__all__ = ["Trajectory", "adam", "minimize", "sgd"]
