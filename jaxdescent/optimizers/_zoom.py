"""The zoom line search (Nocedal and Wright 2006, Algorithms 3.5 and 3.6), one step at a time.

Along the line ``eta -> f(w + eta u)`` with slope ``phi'(eta) = <grad f(w + eta u), u>``,
a step size ``eta`` is sought that satisfies the strong Wolfe conditions::

    f(w + eta u) <= f(w) + c1 eta phi'(0)                 (sufficient decrease)
    |phi'(eta)|  <= c2 |phi'(0)|                          (small curvature)

Near a minimizer the decrease test may use Hager and Zhang's approximate form instead
(2006, eq. 23). :func:`search_step` makes one evaluation: while no interval is known,
it tries larger steps (Algorithm 3.5); then it shrinks ``[low, high]`` by cubic,
quadratic or bisection interpolation (Algorithm 3.6). ``low`` is the end with the lower
value, not the smaller step. Every float is kept in the dtype it started with (optax's
choice, followed so that the two agree to the last bit, weak types included); the
arithmetic runs under standard dtype promotion, as optax's does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

_where = optax.tree.where


class Line(NamedTuple):
    """What one search keeps fixed: ``w``, ``u``, ``f(w)``, ``phi'(0)`` and the first guess."""

    params: Any
    updates: Any
    value_init: jax.Array
    slope_init: jax.Array
    stepsize_guess: jax.Array


class Search(NamedTuple):
    """The search's progress: the last point tried, the interval, the best safe point."""

    count: jax.Array
    stepsize: jax.Array
    value: jax.Array
    grad: Any
    slope: jax.Array
    decrease_error: jax.Array
    curvature_error: jax.Array
    error: jax.Array
    interval_found: jax.Array
    done: jax.Array
    failed: jax.Array
    low: jax.Array
    value_low: jax.Array
    slope_low: jax.Array
    high: jax.Array
    value_high: jax.Array
    slope_high: jax.Array
    cubic_ref: jax.Array
    value_cubic_ref: jax.Array
    safe_stepsize: jax.Array  # the best step found with sufficient decrease (0: none yet)
    safe_value: jax.Array
    safe_grad: Any


def start(params: Any, updates: Any, value: Any, grad: Any, guess: jax.Array) -> tuple:
    """The fixed :class:`Line` and the first :class:`Search` (at ``eta = 0``).

    The interval's ends and the errors start as weakly typed scalars of JAX's default
    float, as optax's do: the ``while_loop`` keeps them weak, so they take the dtype
    of what they meet, and the two searches evaluate ``f`` in the same precision.
    """
    val_dtype = jnp.real(jnp.empty((), jax.tree.leaves(params)[0].dtype)).dtype
    slope = optax.tree.real(optax.tree.vdot(updates, grad))
    zero, inf, no = jnp.asarray(0.0), jnp.asarray(jnp.inf), jnp.asarray(False)
    search = Search(
        jnp.asarray(0), jnp.asarray(0.0, val_dtype), jnp.array(value, val_dtype), grad, slope,
        inf, inf, inf, no, no, no, zero, value, slope, zero, value, slope, zero, value,
        zero, value, grad,
    )  # fmt: skip
    return Line(params, updates, value, slope, guess), search


def _on_line(value_and_grad: Callable, line: Line, eta: jax.Array) -> tuple:
    """``f``, its gradient and the slope ``phi'(eta)`` at ``w + eta u``."""
    value, grad = value_and_grad(optax.tree.add_scale(line.params, eta, line.updates))
    slope = optax.tree.real(optax.tree.vdot(optax.tree.conj(grad), line.updates))
    return value, grad, slope


def _violation(error: jax.Array) -> jax.Array:
    """How far a condition is violated (>= 0); NaN counts as infinitely far."""
    error = jnp.maximum(error, 0.0)
    return jnp.where(jnp.isnan(error), jnp.inf, error)


def _decrease_error(h: Any, line: Line, eta: Any, value: Any, slope: Any) -> jax.Array:
    """Armijo's ``f(w + eta u) - f(w) - c1 eta phi'(0)``, or, close enough to a minimizer,
    the smaller Hager-Zhang error ``phi'(eta) - (2 c1 - 1) phi'(0)``."""
    error = value - line.value_init - h.slope_rtol * eta * line.slope_init
    if h.approx_dec_rtol is not None:
        approx = slope - (2 * h.slope_rtol - 1.0) * line.slope_init
        not_close = value - line.value_init - h.approx_dec_rtol * jnp.abs(line.value_init)
        error = jnp.minimum(jnp.maximum(approx, not_close), error)
    return _violation(error)


def _try(h: Any, value_and_grad: Callable, line: Line, eta: Any) -> tuple:
    """Evaluate step ``eta``: value, gradient, slope and the two conditions' errors."""
    value, grad, slope = _on_line(value_and_grad, line, eta)
    decrease = _decrease_error(h, line, eta, value, slope)
    curvature = _violation(jnp.abs(slope) - h.curv_rtol * jnp.abs(line.slope_init))
    return value, grad, slope, decrease, curvature, jnp.maximum(decrease, curvature)


def _search_interval(h: Any, value_and_grad: Callable, line: Line, s: Search) -> Search:
    """Algorithm 3.5: try ``eta`` (the guess, then ``increase_factor`` times the last one)
    until it satisfies both conditions or brackets a step that does."""
    eta = jnp.where(s.count == 0, line.stepsize_guess, h.increase_factor * s.stepsize)
    at_max = jnp.asarray(False)
    if h.max_learning_rate is not None:
        at_max, eta = eta >= h.max_learning_rate, jnp.minimum(eta, h.max_learning_rate)
    value, grad, slope, decrease, curvature, error = _try(h, value_and_grad, line, eta)
    safe = _where(
        decrease <= h.tol, [eta, value, grad], [s.safe_stepsize, s.safe_value, s.safe_grad]
    )
    high_is_new = (decrease > 0.0) | ((value >= s.value) & (s.count > 0))
    low_is_new = (slope >= 0.0) & ~high_is_new
    new, previous = [eta, value, slope], [s.stepsize, s.value, s.slope]
    low, high = _where(low_is_new, [new, previous], [previous, new])
    found = high_is_new | low_is_new | (error <= h.tol)
    done = (error <= h.tol) | (at_max & ~found)
    return Search(
        s.count + 1, eta, value, grad, slope, decrease, curvature, error, found, done,
        (s.count + 1 >= h.max_linesearch_steps) & ~done, *low, *high, low[0], low[1], *safe,
    )  # fmt: skip


def _zoom(h: Any, value_and_grad: Callable, line: Line, s: Search) -> Search:
    """Algorithm 3.6: try a point inside ``[low, high]`` and keep the half that brackets."""
    eta = _interpolate(s)
    value, grad, slope, decrease, curvature, error = _try(h, value_and_grad, line, eta)
    better = (decrease <= h.tol) & (value < s.safe_value)
    safe = _where(better, [eta, value, grad], [s.safe_stepsize, s.safe_value, s.safe_grad])
    done = error <= h.tol
    high_is_new = (decrease > 0.0) | (value >= s.value_low)
    high_is_low = (slope * (s.high - s.low) >= 0.0) & ~high_is_new
    new, low = [eta, value, slope], [s.low, s.value_low, s.slope_low]
    high = _where(high_is_low, low, _where(high_is_new, new, [s.high, s.value_high, s.slope_high]))
    low = _where(~high_is_new, new, low)
    cubic_ref = _where(high_is_new | high_is_low, [s.high, s.value_high], [s.low, s.value_low])
    # Once the interval is below stepsize_precision, a step with sufficient decrease will do.
    small = jnp.abs(s.high - s.low) <= h.stepsize_precision
    stop = (s.count + 1 >= h.max_linesearch_steps) | (small & (safe[0] > 0.0))
    return Search(
        s.count + 1, eta, value, grad, slope, decrease, curvature, error, s.interval_found,
        done, stop & ~done, *low, *high, *cubic_ref, *safe,
    )  # fmt: skip


def _interpolate(s: Search) -> jax.Array:
    """The cubic's minimizer if well inside the interval, else the quadratic's, else
    the midpoint (safeguards of 20% and 10% of the interval, as in SciPy)."""
    delta = jnp.abs(s.high - s.low)
    left, right = jnp.minimum(s.high, s.low), jnp.maximum(s.high, s.low)
    cubic = _cubicmin(
        s.low, s.value_low, s.slope_low, s.high, s.value_high, s.cubic_ref, s.value_cubic_ref
    )
    use_cubic = (cubic > left + 0.2 * delta) & (cubic < right - 0.2 * delta)
    quad = _quadmin(s.low, s.value_low, s.slope_low, s.high, s.value_high)
    use_quad = ~use_cubic & (quad > left + 0.1 * delta) & (quad < right - 0.1 * delta)
    middle = jnp.where(use_cubic, cubic, s.cubic_ref)
    middle = jnp.where(use_quad, quad, middle)
    return jnp.where(~use_cubic & ~use_quad, (s.low + s.high) / 2.0, middle)


def _cubicmin(a, fa, fpa, b, fb, c, fc):
    """Critical point of the cubic through ``(a, fa)``, ``(b, fb)``, ``(c, fc)`` with slope
    ``fpa`` at ``a`` (NaN when it has none: then it is not used)."""
    db, dc = b - a, c - a
    denom = (db * dc) ** 2 * (db - dc)
    d1 = jnp.array([[dc**2, -(db**2)], [-(dc**3), db**3]])
    rhs = jnp.array([fb - fa - fpa * db, fc - fa - fpa * dc])
    A, B = jnp.dot(d1, rhs, precision=jax.lax.Precision.HIGHEST) / denom
    return a + (-B + jnp.sqrt(B * B - 3.0 * A * fpa)) / (3.0 * A)


def _quadmin(a, fa, fpa, b, fb):
    """Critical point of the quadratic through ``(a, fa)``, ``(b, fb)`` with slope ``fpa`` at a."""
    db = b - a
    B = (fb - fa - fpa * db) / (db**2)
    return a - fpa / (2.0 * B)


def _fall_back(s: Search) -> Search:
    """A failed search returns its safe step (sufficient decrease only) if it has one."""
    take_safe = (s.safe_stepsize > 0.0) | jnp.isinf(s.decrease_error)
    eta, value, grad = _where(
        take_safe, [s.safe_stepsize, s.safe_value, s.safe_grad], [s.stepsize, s.value, s.grad]
    )
    return optax.tree.cast_like(s._replace(stepsize=eta, value=value, grad=grad), s)


def search_step(h: Any, value_and_grad: Callable, line: Line, s: Search) -> Search:
    """One evaluation: bracket (Algorithm 3.5) until an interval is found, then zoom (3.6)."""
    new = jax.lax.cond(
        s.interval_found,
        lambda s: optax.tree.cast_like(_zoom(h, value_and_grad, line, s), s),
        lambda s: optax.tree.cast_like(_search_interval(h, value_and_grad, line, s), s),
        s,
    )
    return jax.lax.cond(new.failed, _fall_back, lambda s: s, new)


def searching(s: Search) -> jax.Array:
    """The loop's condition: neither done nor failed."""
    return ~(s.done | s.failed)
