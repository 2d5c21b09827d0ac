"""Rprop: steps of adaptive size along the sign of the gradient."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxdescent import _tree
from jaxdescent._checks import check_range
from jaxdescent._hyperparameter_checks import check_learning_rate, check_nonnegative, check_order
from jaxdescent._optimizer import transformation


class RpropState(NamedTuple):
    """State of :func:`rprop`: step count, step sizes ``Delta``, last step ``Delta sign(g)``."""

    count: jax.Array
    step_sizes: Any
    previous_step: Any


def _check_rprop(learning_rate: Any, eta_minus: Any, eta_plus: Any, low: Any, high: Any) -> None:
    if callable(learning_rate):
        raise TypeError(
            "`learning_rate` of rprop is the initial step size and must be a number or an "
            f"array, not a schedule; got {learning_rate!r}"
        )
    check_learning_rate(learning_rate)
    check_range("eta_minus", eta_minus, 0.0, 1.0, low_open=True)
    check_range("eta_plus", eta_plus, 1.0, math.inf, high_open=True)
    check_nonnegative(min_step_size=low)
    check_range("max_step_size", high, 0.0, math.inf, low_open=True, high_open=True)
    check_order("min_step_size", low, "max_step_size", high)


def rprop(
    learning_rate: Any,
    eta_minus: Any = 0.5,
    eta_plus: Any = 1.2,
    min_step_size: Any = 1e-6,
    max_step_size: Any = 50.0,
):
    r"""Rprop: every coordinate steps by its own size, grown while the gradient keeps its sign.

    Each coordinate keeps a step size ``Delta`` (initially ``learning_rate``) and
    the sign of its last gradient. With ``p = g * g_prev``::

        p > 0:  Delta <- clip(eta_plus Delta, min_step_size, max_step_size)
                w <- w - Delta sign(g)
        p < 0:  Delta <- clip(eta_minus Delta, min_step_size, max_step_size)
                no step, and g_prev <- 0
        p = 0:  Delta unchanged ;  w <- w - Delta sign(g)

    This is Rprop without weight backtracking in the "iRprop-" form (after a sign
    change the next step is treated as a fresh start), as in optax and PyTorch.

    **Deviation from optax 0.2.8**: ``optax.rprop`` returns, at each step, the step
    computed at the *previous* one (its first update is 0, and after a sign change
    it drops a step). We return the step of the current gradient, as in the
    papers and in PyTorch; the step sizes themselves are the same as optax's.

    Args:
      learning_rate: the initial step size ``Delta``; a number or an array (not a schedule).
      eta_minus: ``eta_minus`` in (0, 1], the shrink factor after a sign change.
      eta_plus: ``eta_plus`` >= 1, the growth factor while the sign holds.
      min_step_size: lower bound on ``Delta``, >= 0.
      max_step_size: upper bound on ``Delta``, > 0.

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      TypeError: if ``learning_rate`` is a schedule.
      ValueError: if ``learning_rate`` is negative, an ``eta`` is out of range, or
        the step bounds are negative or inverted.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.rprop(0.1)
      >>> w = jnp.array([1.0, -2.0])
      >>> state = opt.init(w)
      >>> u1, state = opt.update(2 * w, state)
      >>> u2, state = opt.update(2 * (w + u1), state)
      >>> print(u1, u2)  # Delta, then 1.2 Delta: the sign held
      [-0.1  0.1] [-0.12  0.12]

    References:
      Riedmiller and Braun, *A direct adaptive method for faster backpropagation
      learning: the RPROP algorithm*, IEEE ICNN 1993. Igel and Hüsken, *Improving
      the Rprop Learning Algorithm*, NC 2000 (the iRprop- variant).

    PyTorch's ``Rprop`` (default ``lr=0.01``) also clips ``Delta`` when ``p = 0``;
    the two differ only if ``learning_rate`` lies outside the step bounds.
    """
    _check_rprop(learning_rate, eta_minus, eta_plus, min_step_size, max_step_size)
    return transformation(
        _init, _update, learning_rate=learning_rate, eta_minus=eta_minus, eta_plus=eta_plus,
        min_step_size=min_step_size, max_step_size=max_step_size,
    )  # fmt: skip


def _init(h, params):
    return RpropState(
        count=jnp.zeros([], jnp.int32),
        step_sizes=_tree.full_like(params, h.learning_rate),
        previous_step=_tree.zeros_like(params),
    )


def _update(h, grads, state, params=None, **extra_args):
    p = _tree.tree_map(lambda g, prev: g * prev, grads, state.previous_step)
    delta = _tree.tree_map(lambda p, d: _next_step_size(h, p, d), p, state.step_sizes)
    step = _tree.tree_map(
        lambda p, g, d: jnp.where(p < 0, jnp.zeros_like(g), d * jnp.sign(g)), p, grads, delta
    )
    new_state = RpropState(optax.safe_increment(state.count), delta, step)
    return _tree.tree_map(jnp.negative, step), new_state


def _next_step_size(h, p, delta):
    """The next ``Delta``: times ``eta_plus`` (``p > 0``) or ``eta_minus`` (``p < 0``), clipped."""
    eta = jnp.where(p > 0, h.eta_plus, h.eta_minus)
    grown = jnp.clip(delta * eta, min=h.min_step_size, max=h.max_step_size)
    return jnp.where(p == 0, delta, grown)
