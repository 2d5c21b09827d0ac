"""Optimizers as pure ``(init, update)`` pairs, following optax's protocol."""

from jaxdescent.optimizers._adam import adam
from jaxdescent.optimizers._sgd import sgd

__all__ = ["adam", "sgd"]
