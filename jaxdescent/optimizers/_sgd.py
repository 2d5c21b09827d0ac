"""Plain, momentum and Nesterov stochastic gradient descent."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import optax

from jaxdescent import _tree
from jaxdescent._checks import check_decay, check_learning_rate
from jaxdescent._factory import optimizer


class SgdState(NamedTuple):
    """State of :func:`sgd`: the step count and the velocity (``None`` without momentum)."""

    count: jax.Array
    velocity: Any


@optimizer
def sgd(
    learning_rate: Any,
    momentum: Any = None,
    nesterov: bool = False,
    accumulator_dtype: Any = None,
):
    r"""Stochastic gradient descent, with optional heavy-ball or Nesterov momentum.

    Plain descent steps against the gradient ``g`` with step size ``alpha``::

        w <- w - alpha g

    With ``momentum`` (``beta``) a velocity ``v`` accumulates past gradients
    (Polyak's heavy ball)::

        v <- beta v + g ;  w <- w - alpha v

    and with ``nesterov=True`` the step looks ahead along the velocity::

        v <- beta v + g ;  w <- w - alpha (beta v + g)

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      momentum: ``beta`` in [0, 1), or ``None`` for plain descent.
      nesterov: use Nesterov's look-ahead form (Sutskever et al. 2013).
      accumulator_dtype: dtype of the velocity (default: the parameters').

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: if ``learning_rate`` is negative or not finite, or ``momentum``
        is outside [0, 1).

    Example:
      >>> import jax.numpy as jnp, optax, jaxdescent as jd
      >>> opt = jd.sgd(0.1, momentum=0.9)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, state = opt.update(2 * w, opt.init(w))
      >>> optax.apply_updates(w, updates)
      Array([ 0.8, -1.6], dtype=float32)

    References:
      Polyak, *Some methods of speeding up the convergence of iteration methods*, 1964.
      Sutskever et al., *On the importance of initialization and momentum in deep
      learning*, ICML 2013.

    Matches ``optax.sgd`` and PyTorch's ``SGD`` (dampening 0) exactly.
    """
    check_learning_rate(learning_rate)
    check_decay(momentum=momentum)

    def init(params):
        velocity = None if momentum is None else _tree.zeros_like(params, accumulator_dtype)
        return SgdState(count=jax.numpy.zeros([], jax.numpy.int32), velocity=velocity)

    def update(grads, state, params=None):
        alpha = _tree.learning_rate_at(learning_rate, state.count, _tree.working_dtype(grads))
        if momentum is None:
            return _tree.scale(grads, -alpha), SgdState(optax.safe_increment(state.count), None)
        v = _tree.tree_map(lambda v, g: momentum * v + g, state.velocity, grads)
        step = _tree.tree_map(lambda v, g: momentum * v + g, v, grads) if nesterov else v
        return _tree.scale(step, -alpha), SgdState(optax.safe_increment(state.count), v)

    return init, update
