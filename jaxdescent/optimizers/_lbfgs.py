"""L-BFGS: a quasi-Newton direction from the last ``m`` steps, scaled by a line search."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxdescent import _tree
from jaxdescent._checks import check_flag, check_optimizer, check_positive_int
from jaxdescent._hyperparameter_checks import check_learning_rate
from jaxdescent._optimizer import transformation
from jaxdescent.optimizers._linesearch import scale_by_zoom_linesearch


class ScaleByLBFGSState(NamedTuple):
    """The L-BFGS part of :func:`lbfgs`'s state: step count ``k``, the last ``w`` and ``g``,
    and the ring buffers of ``s_i``, ``y_i`` (stacked along a leading axis of length ``m``)
    and ``rho_i``."""

    count: jax.Array
    params: Any
    updates: Any
    diff_params_memory: Any
    diff_updates_memory: Any
    weights_memory: jax.Array


def lbfgs(
    learning_rate: Any = None,
    memory_size: int = 10,
    scale_init_precond: bool = True,
    linesearch: Any = scale_by_zoom_linesearch(  # noqa: B008 (built once, as optax does)
        max_linesearch_steps=20, initial_guess_strategy="one"
    ),
):
    r"""L-BFGS: descend along an approximate inverse Hessian times the gradient.

    At step ``k`` with gradient ``g_k``, the last ``m`` pairs
    ``s_i = w_{i+1} - w_i``, ``y_i = g_{i+1} - g_i``, ``rho_i = 1 / <y_i, s_i>`` give
    ``d_k = H_k g_k`` by the two-loop recursion (Nocedal and Wright, Algorithm 7.4)::

        q <- g_k;   for i = k-1 ... k-m:  a_i = rho_i <s_i, q>;  q <- q - a_i y_i
        r <- gamma_k q,   gamma_k = <s_{k-1}, y_{k-1}> / <y_{k-1}, y_{k-1}>
        for i = k-m ... k-1:  b = rho_i <y_i, r>;  r <- r + (a_i - b) s_i
        w <- w - eta_k alpha r

    ``gamma_0 = min(1, 1 / |g_0|)`` (optax's choice) and ``gamma_k = 1`` without
    ``scale_init_precond``; a pair with ``<y_i, s_i> = 0`` gets ``rho_i = 0``. The line
    search picks ``eta_k`` (``linesearch=None``: ``eta_k = 1``).

    Args:
      learning_rate: ``alpha`` (a number or a schedule of the step count); ``None``
        for 1, leaving the step to the line search.
      memory_size: ``m``, the pairs kept (an integer >= 1; static).
      scale_init_precond: use ``gamma_k`` above rather than 1.
      linesearch: a transformation scaling the direction, such as
        :func:`scale_by_zoom_linesearch` (the default: 20 evaluations from
        ``eta = 1``), ``optax.scale_by_backtracking_linesearch``, or ``None``.

    Returns:
      An optax ``GradientTransformationExtraArgs``; ``update`` needs ``params`` and,
      for a line search, ``value=``, ``grad=`` and ``value_fn=`` (``minimize`` passes
      them). The state is optax's: ``(ScaleByLBFGSState, EmptyState, line search
      state)``, so ``optax.value_and_grad_from_state`` reuses the search's last
      evaluation.

    Raises:
      ValueError: if ``learning_rate`` is negative or not finite, or ``memory_size``
        is not a positive integer.
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import optax, jax.numpy as jnp, jaxdescent as jd
      >>> f = lambda w: jnp.sum(w**2)
      >>> opt, w = jd.lbfgs(), jnp.array([1.0, 2.0, 3.0])
      >>> state, value_and_grad = opt.init(w), optax.value_and_grad_from_state(f)
      >>> for _ in range(2):
      ...     value, g = value_and_grad(w, state=state)
      ...     u, state = opt.update(g, state, w, value=value, grad=g, value_fn=f)
      ...     w = w + u
      >>> print(f"{f(w):.1e}")
      7.5e-14

    References:
      Nocedal and Wright, *Numerical Optimization*, 2nd ed., 2006, Algorithms 7.4
      and 7.5; Liu and Nocedal, *On the limited memory BFGS method for large scale
      optimization*, Mathematical Programming 45, 1989.

    Matches ``optax.lbfgs``. SciPy's ``L-BFGS-B`` (bounds, a More-Thuente search)
    and PyTorch's ``LBFGS`` (several iterations per ``step``) take other steps.
    """
    if learning_rate is not None:
        check_learning_rate(learning_rate)
    check_positive_int("memory_size", memory_size, below=2**20)
    check_flag("scale_init_precond", scale_init_precond)
    if linesearch is not None:
        check_optimizer(linesearch, "linesearch")
    return transformation(
        _init, _update, learning_rate=learning_rate, memory_size=int(memory_size),
        scale_init_precond=bool(scale_init_precond), linesearch=linesearch,
    )  # fmt: skip


def _init(h, params):
    m = h.memory_size
    stacked = _tree.tree_map(lambda w: jnp.zeros((m, *w.shape), w.dtype), params)
    lbfgs = ScaleByLBFGSState(
        count=jnp.zeros((), jnp.int32),
        params=_tree.zeros_like(params),
        updates=_tree.zeros_like(params),
        diff_params_memory=stacked,
        diff_updates_memory=stacked,
        weights_memory=jnp.zeros(m),
    )
    search = optax.EmptyState() if h.linesearch is None else h.linesearch.init(params)
    return lbfgs, optax.EmptyState(), search


def _update(h, grads, state, params=None, **extra_args):
    if params is None:
        raise TypeError("`lbfgs.update` needs `params`: update(grads, state, params, ...)")
    lbfgs, empty, search = state
    # optax keeps rho in JAX's default float and the buffers in the parameters' dtypes.
    with jax.numpy_dtype_promotion("standard"):
        direction, lbfgs = _direction(h, grads, lbfgs, params)
        alpha = (
            -1.0
            if h.learning_rate is None
            else -_tree.learning_rate_at(h.learning_rate, lbfgs.count - 1)
        )
        direction = _tree.tree_map(lambda d: alpha * d, direction)
    if h.linesearch is not None:
        direction, search = h.linesearch.update(direction, search, params, **extra_args)
    return direction, (lbfgs, empty, search)


def _direction(h, g, state: ScaleByLBFGSState, w) -> tuple[Any, ScaleByLBFGSState]:
    """``H_k g_k`` after storing the newest pair ``(s, y)`` in slot ``(k - 1) mod m``."""
    k, m = state.count, h.memory_size
    first = k == 0  # no pair yet: store zeros (rho = 0 makes them inert)
    s, y = optax.tree.sub(w, state.params), optax.tree.sub(g, state.updates)
    sy = optax.tree.real(optax.tree.vdot(y, s))
    rho = jnp.where(sy == 0.0, 0.0, 1.0 / sy)
    s, y, rho = jax.tree.map(lambda x: jnp.where(first, jnp.zeros_like(x), x), (s, y, rho))
    memory = jax.tree.map(
        lambda buf, x: buf.at[(k - 1) % m].set(x),
        (state.diff_params_memory, state.diff_updates_memory, state.weights_memory),
        (s, y, rho),
    )
    gamma = _gamma(h, g, s, y, first)
    d = _two_loop(g, *memory, gamma, k % m)
    return d, ScaleByLBFGSState(optax.safe_increment(k), w, g, *memory)


def _gamma(h, g, s, y, first) -> Any:
    """``gamma_k = <s, y> / <y, y>`` (1 if ``y = 0``), ``min(1, 1/|g|)`` at the first step."""
    if not h.scale_init_precond:
        return 1.0
    yy = optax.tree.norm(y, squared=True)
    gamma = jnp.where(yy > 0.0, optax.tree.real(optax.tree.vdot(y, s)) / yy, 1.0)
    first_gamma = jnp.minimum(1.0, 1.0 / optax.tree.norm(jax.lax.stop_gradient(g)))
    return jnp.where(first, first_gamma, gamma)


def _two_loop(g, s_memory, y_memory, rho, gamma, newest_next) -> Any:
    """Algorithm 7.4 over the ring buffers, oldest pair at slot ``newest_next``."""
    m = rho.shape[0]
    order = (newest_next + jnp.arange(m)) % m

    def pair(i):
        return jax.tree.map(lambda x: x[i], (s_memory, y_memory))

    def backward(q, i):
        s, y = pair(i)
        a = rho[i] * optax.tree.real(optax.tree.vdot(s, q))
        return optax.tree.cast_like(optax.tree.add_scale(q, -a, y), q), a

    def forward(r, i_a):
        i, a = i_a
        s, y = pair(i)
        b = rho[i] * optax.tree.real(optax.tree.vdot(y, r))
        return optax.tree.cast_like(optax.tree.add_scale(r, a - b, s), r), b

    q, alphas = jax.lax.scan(backward, g, order, reverse=True)
    r = optax.tree.cast_like(optax.tree.scale(gamma, q), q)  # each leaf keeps its dtype
    return jax.lax.scan(forward, r, (order, alphas))[0]
