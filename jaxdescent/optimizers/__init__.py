"""Optimizers as pure ``(init, update)`` pairs, following optax's protocol.

Every factory checks its arguments when it builds the optimizer, before any compute:
a hyperparameter is a number (Python or NumPy; not a bool, not complex) or an array
of floats, checked entry by entry (a traced one by its dtype); a schedule is traced
once to check that it returns a real scalar; a dtype (``mu_dtype``) must be inexact (real
or complex, as in optax),
a flag (``nesterov``) True or False, a mask a pytree of bools (its structure is
checked in ``update``, where the parameters are known). A wrong value raises a
``ValueError`` or ``TypeError`` naming the argument.
"""

from jaxdescent.optimizers._adam import adam, adamw, nadam, nadamw
from jaxdescent.optimizers._adam_variants import adamax, adamaxw, amsgrad, radam
from jaxdescent.optimizers._adaptive import adabelief, adan, yogi
from jaxdescent.optimizers._layerwise import lamb, novograd
from jaxdescent.optimizers._lion import lion
from jaxdescent.optimizers._optimistic import (
    optimistic_adam,
    optimistic_adam_v2,
    optimistic_gradient_descent,
)
from jaxdescent.optimizers._polyak import polyak_sgd
from jaxdescent.optimizers._rms import adadelta, adagrad, rmsprop
from jaxdescent.optimizers._rprop import rprop
from jaxdescent.optimizers._sgd import noisy_sgd, sgd, sign_sgd, signum
from jaxdescent.optimizers._trust_ratio import fromage, lars

__all__ = [
    "adabelief",
    "adadelta",
    "adagrad",
    "adam",
    "adamax",
    "adamaxw",
    "adamw",
    "adan",
    "amsgrad",
    "fromage",
    "lamb",
    "lars",
    "lion",
    "nadam",
    "nadamw",
    "noisy_sgd",
    "novograd",
    "optimistic_adam",
    "optimistic_adam_v2",
    "optimistic_gradient_descent",
    "polyak_sgd",
    "radam",
    "rmsprop",
    "rprop",
    "sgd",
    "sign_sgd",
    "signum",
    "yogi",
]
