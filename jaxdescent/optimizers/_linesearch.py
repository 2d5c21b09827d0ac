"""The zoom line search as an optax transformation: scale a direction by a strong-Wolfe step."""

from __future__ import annotations

import inspect
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdescent._checks import check_choice, check_flag, check_positive_int, check_range, shown
from jaxdescent._hyperparameter_checks import check_nonnegative
from jaxdescent._optimizer import transformation
from jaxdescent.optimizers import _zoom


class ZoomLinesearchInfo(NamedTuple):
    """How the last search went: its evaluations and the errors of the step it took
    (0 where a condition holds)."""

    num_linesearch_steps: jax.Array
    decrease_error: jax.Array
    curvature_error: jax.Array


class ScaleByZoomLinesearchState(NamedTuple):
    """State of :func:`scale_by_zoom_linesearch`: the step ``eta`` it took, ``f`` and its
    gradient there (for :func:`optax.value_and_grad_from_state`), and the search's info."""

    learning_rate: jax.Array
    value: jax.Array
    grad: Any
    info: ZoomLinesearchInfo


def scale_by_zoom_linesearch(
    max_linesearch_steps: int,
    max_learning_rate: Any = None,
    tol: Any = 0.0,
    increase_factor: Any = 2.0,
    slope_rtol: Any = 1e-4,
    curv_rtol: Any = 0.9,
    approx_dec_rtol: Any = 1e-6,
    stepsize_precision: Any = 1e-5,
    initial_guess_strategy: str = "keep",
    verbose: bool = False,
):
    r"""Scale a descent direction ``u`` by a step ``eta`` satisfying the strong Wolfe conditions.

    With objective ``f`` (``value_fn``), parameters ``w`` and slope
    ``phi'(eta) = <grad f(w + eta u), u>``, the zoom search (Nocedal and Wright,
    Algorithms 3.5 and 3.6; see ``jaxdescent/optimizers/_zoom.py``) looks for::

        f(w + eta u) <= f(w) + c1 eta phi'(0) + tol          (sufficient decrease)
        |phi'(eta)|  <= c2 |phi'(0)| + tol                   (small curvature)

    and returns the update ``eta u``. Close to a minimizer, where
    ``f(w + eta u) <= f(w) + c3 |f(w)|``, the decrease test may be Hager and Zhang's
    ``phi'(eta) <= (2 c1 - 1) phi'(0)`` instead. The search starts at ``eta = 1``
    (``"one"``) or at the previous step (``"keep"``), doubles it until an interval
    brackets a good step, then shrinks the interval by interpolation. If it runs out
    of evaluations it takes the best step with sufficient decrease found, if any.

    Args:
      max_linesearch_steps: evaluations of ``f`` per search (an integer >= 1).
      max_learning_rate: largest ``eta`` tried (``None``: no bound).
      tol: ``tol`` (>= 0), slack on both conditions.
      increase_factor: factor (>= 1) on ``eta`` while bracketing.
      slope_rtol: ``c1``, in [0, 1).
      curv_rtol: ``c2`` (>= 0; ``jnp.inf`` drops the curvature condition).
      approx_dec_rtol: ``c3`` (>= 0), or ``None`` for Armijo's test only.
      stepsize_precision: an interval shorter than this ends the search at the best
        step with sufficient decrease.
      initial_guess_strategy: ``"one"`` (for quasi-Newton directions) or ``"keep"``.
      verbose: print the search's errors when it fails.

    Returns:
      An optax ``GradientTransformationExtraArgs`` whose ``update`` needs
      ``params``, ``value=f(w)``, ``grad=grad f(w)`` and ``value_fn=f``; other
      keyword arguments go to ``value_fn`` when it accepts them (data, say).

    Raises:
      ValueError: for a value outside the ranges above.
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import optax, jax.numpy as jnp, jaxdescent as jd
      >>> f = lambda w: jnp.sum(w**2)
      >>> opt = optax.chain(jd.sgd(1.0), jd.scale_by_zoom_linesearch(15))
      >>> w = jnp.array([1.0, 2.0])
      >>> u, state = opt.update(2 * w, opt.init(w), w, value=f(w), grad=2 * w, value_fn=f)
      >>> print(w + u)  # eta = 1/2 reaches the bowl's minimum
      [0. 0.]

    References:
      Nocedal and Wright, *Numerical Optimization*, 2nd ed., 2006, Algorithms 3.5
      and 3.6; Hager and Zhang, *Algorithm 851: CG_DESCENT*, ACM TOMS 2006, eq. 23.

    Matches ``optax.scale_by_zoom_linesearch``: same state fields, so
    ``optax.value_and_grad_from_state`` and ``optax.tree.get(state, "info")`` work.
    """
    check_positive_int("max_linesearch_steps", max_linesearch_steps)
    _check_numbers(
        max_learning_rate=max_learning_rate, tol=tol, increase_factor=increase_factor,
        slope_rtol=slope_rtol, curv_rtol=curv_rtol, approx_dec_rtol=approx_dec_rtol,
        stepsize_precision=stepsize_precision,
    )  # fmt: skip
    if max_learning_rate is not None:
        check_nonnegative(max_learning_rate=max_learning_rate)
    check_nonnegative(tol=tol, stepsize_precision=stepsize_precision)
    check_range("increase_factor", increase_factor, 1.0, float("inf"), high_open=True)
    check_range("slope_rtol", slope_rtol, 0.0, 1.0, high_open=True)
    check_range("curv_rtol", curv_rtol, 0.0, float("inf"))
    if approx_dec_rtol is not None:
        check_nonnegative(approx_dec_rtol=approx_dec_rtol)
    check_choice("initial_guess_strategy", initial_guess_strategy, ("one", "keep"))
    check_flag("verbose", verbose)
    return transformation(
        _init, _update, max_linesearch_steps=int(max_linesearch_steps),
        max_learning_rate=max_learning_rate, tol=tol, increase_factor=increase_factor,
        slope_rtol=slope_rtol, curv_rtol=curv_rtol, approx_dec_rtol=approx_dec_rtol,
        stepsize_precision=stepsize_precision, initial_guess_strategy=initial_guess_strategy,
        verbose=bool(verbose),
    )  # fmt: skip


def _check_numbers(**named: Any) -> None:
    """The search's settings are numbers (or 0-d arrays), not arrays: it runs along one line."""
    for name, value in named.items():
        if isinstance(value, np.ndarray | jax.Array) and value.ndim:
            raise ValueError(
                f"`{name}` must be a number (the line search has one step size), got an array "
                f"of shape {value.shape}: {shown(value)}"
            )


def _init(h, params):
    val_dtype = jnp.real(jnp.empty((), jax.tree.leaves(params)[0].dtype)).dtype
    inf = jnp.full((), jnp.inf, jnp.zeros(()).dtype)
    return ScaleByZoomLinesearchState(
        learning_rate=jnp.ones((), val_dtype),
        value=jnp.full((), jnp.inf, val_dtype),
        grad=optax.tree.zeros_like(params),
        info=ZoomLinesearchInfo(jnp.zeros((), jnp.int32), inf, inf),
    )


def objective_kwargs(value_fn: Any, extra_args: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``update`` that ``value_fn`` accepts; any other is an error."""
    accepted = inspect.signature(value_fn).parameters
    unused = sorted(k for k in extra_args if k not in accepted)
    if unused:
        raise TypeError(
            f"`scale_by_zoom_linesearch` passes extra keyword arguments to `value_fn`, which "
            f"does not accept {unused}"
        )
    return extra_args


def _update(h, updates, state, params=None, *, value=None, grad=None, value_fn=None, **extra):
    if params is None or value is None or grad is None or not callable(value_fn):
        raise TypeError(
            "`scale_by_zoom_linesearch.update` needs `params`, `value=f(params)`, "
            f"`grad=grad f(params)` and a callable `value_fn=f`, got value_fn={shown(value_fn)}"
        )
    kwargs = objective_kwargs(value_fn, extra)
    # optax keeps the interval in JAX's default float and the values in theirs, mixed.
    with jax.numpy_dtype_promotion("standard"):
        s = _search(h, jax.value_and_grad(lambda w: value_fn(w, **kwargs)), updates, state, params,
                    value, grad)  # fmt: skip
        new = ScaleByZoomLinesearchState(
            learning_rate=s.stepsize,
            value=s.value,
            grad=s.grad,
            info=ZoomLinesearchInfo(s.count, s.decrease_error, s.curvature_error),
        )
        scaled = optax.tree.cast_like(optax.tree.scale(s.stepsize, updates), updates)
        return scaled, optax.tree.cast_like(new, state)


def _search(h, value_and_grad, updates, state, params, value, grad) -> _zoom.Search:
    """The search's final point, from the first guess ``1`` or the last step."""
    keep = h.initial_guess_strategy == "keep"
    guess = state.learning_rate if keep else jnp.asarray(1.0)  # weakly typed, as optax's
    line, s = _zoom.start(params, updates, value, grad, guess)
    step = lambda s: _zoom.search_step(h, value_and_grad, line, s)  # noqa: E731
    s = jax.lax.while_loop(_zoom.searching, step, s)
    if h.verbose:
        jax.debug.print(
            "scale_by_zoom_linesearch: step {eta}, decrease error {d}, curvature error {c}",
            eta=s.stepsize, d=s.decrease_error, c=s.curvature_error,
        )  # fmt: skip
    return s
