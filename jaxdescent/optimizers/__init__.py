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

from jaxdescent.optimizers._adabelief import adabelief
from jaxdescent.optimizers._adafactor import adafactor
from jaxdescent.optimizers._adam import adam, adamw, nadam, nadamw
from jaxdescent.optimizers._adamax import adamax, adamaxw
from jaxdescent.optimizers._adan import adan
from jaxdescent.optimizers._ademamix import ademamix
from jaxdescent.optimizers._adopt import adopt
from jaxdescent.optimizers._amsgrad import amsgrad
from jaxdescent.optimizers._dadapt_adamw import dadapt_adamw
from jaxdescent.optimizers._layerwise import lamb, novograd
from jaxdescent.optimizers._lbfgs import lbfgs
from jaxdescent.optimizers._linesearch import scale_by_zoom_linesearch
from jaxdescent.optimizers._lion import lion
from jaxdescent.optimizers._muon import muon
from jaxdescent.optimizers._optimistic import (
    optimistic_adam,
    optimistic_adam_v2,
    optimistic_gradient_descent,
)
from jaxdescent.optimizers._polyak import polyak_sgd
from jaxdescent.optimizers._prodigy import prodigy
from jaxdescent.optimizers._radam import radam
from jaxdescent.optimizers._rms import adadelta, adagrad, rmsprop
from jaxdescent.optimizers._rprop import rprop
from jaxdescent.optimizers._schedule_free import schedule_free_adamw, schedule_free_sgd
from jaxdescent.optimizers._sgd import noisy_sgd, sgd, sign_sgd, signum
from jaxdescent.optimizers._sm3 import sm3
from jaxdescent.optimizers._trust_ratio import fromage, lars
from jaxdescent.optimizers._yogi import yogi

__all__ = [
    "adabelief",
    "adadelta",
    "adafactor",
    "adagrad",
    "adam",
    "adamax",
    "adamaxw",
    "adamw",
    "adan",
    "ademamix",
    "adopt",
    "amsgrad",
    "dadapt_adamw",
    "fromage",
    "lamb",
    "lars",
    "lbfgs",
    "lion",
    "muon",
    "nadam",
    "nadamw",
    "noisy_sgd",
    "novograd",
    "optimistic_adam",
    "optimistic_adam_v2",
    "optimistic_gradient_descent",
    "polyak_sgd",
    "prodigy",
    "radam",
    "rmsprop",
    "rprop",
    "scale_by_zoom_linesearch",
    "schedule_free_adamw",
    "schedule_free_sgd",
    "sgd",
    "sign_sgd",
    "signum",
    "sm3",
    "yogi",
]
