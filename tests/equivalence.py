"""Deviation of a jaxdescent optimizer from its reference, measured two ways.

* :func:`stream_deviation` feeds one fixed sequence of gradients (and
  parameters and loss values) to both implementations and compares every update.
* :func:`trajectory_deviation` compares whole descents: ``jaxdescent.minimize``
  against a hand-written ``jax.jit(lax.scan)`` over the reference optimizer.

Both return the largest *relative* deviation over all steps::

    max_t  max|a_t - b_t| / max|b_t|

where ``a_t`` and ``b_t`` are everything one step produced (all entries of all
leaves of the update, or the parameters) by jaxdescent and by the reference.
Each implementation is compiled once as a whole ``lax.scan``. The reference is
traced under standard dtype promotion (optax 0.2.8 mixes Python floats with
int32 step counts, which strict promotion forbids); jaxdescent under whatever
the caller set (strict in the test suite).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxdescent
from tests.registry import Case

STREAM_STEPS = 100
TRAJECTORY_STEPS = 200
PROBLEMS = ("rosenbrock", "quadratic")


def least_squares_stream(dtype: Any, steps: int = STREAM_STEPS) -> tuple[Any, Any, Any]:
    """Parameters, gradients and loss values of a least-squares fit along a random walk.

    The loss is ``0.5 mean((X w + b - Y)^2)`` over parameters ``{"w": (4, 3),
    "b": (3,)}``; the parameters wander as a Gaussian random walk (fixed seed),
    and gradients and losses are computed in float64 NumPy and then cast to
    ``dtype``, so both implementations see bit-identical inputs.
    Every array has a leading axis of ``steps``.
    """
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 4)), rng.normal(size=(20, 3))
    w = rng.normal(size=(4, 3)) + 0.1 * np.cumsum(rng.normal(size=(steps, 4, 3)), axis=0)
    b = rng.normal(size=3) + 0.1 * np.cumsum(rng.normal(size=(steps, 3)), axis=0)
    residual = np.einsum("nd,tdk->tnk", x, w) + b[:, None, :] - y
    n = residual[0].size
    grads = {"w": np.einsum("nd,tnk->tdk", x, residual) / n, "b": residual.sum(axis=1) / n}
    values = 0.5 * np.mean(residual**2, axis=(1, 2))
    cast = lambda tree: jax.tree_util.tree_map(lambda a: jnp.asarray(a, dtype), tree)  # noqa: E731
    return cast({"w": w, "b": b}), cast(grads), cast(values)


def least_squares_loss(params: Any) -> jax.Array:
    """The loss of :func:`least_squares_stream` at ``params``, in their dtype (for line
    searches, which evaluate it along the update)."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 4)), rng.normal(size=(20, 3))
    w, b = params["w"], params["b"]
    residual = jnp.asarray(x, w.dtype) @ w + b[None, :] - jnp.asarray(y, w.dtype)
    return 0.5 * jnp.mean(residual**2)


def scan_updates(opt: optax.GradientTransformation, stream: tuple, case: Case) -> Any:
    """Every update ``opt`` makes on ``stream`` (traceable: call it inside ``jit``); ``case``
    says which keyword arguments ``update`` needs."""
    params, grads, values = stream

    def step(state, inputs):
        p, g, value = inputs
        extra = case.update_kwargs(value, g, least_squares_loss)
        updates, state = opt.update(g, state, p, **extra)
        return state, updates

    state = opt.init(jax.tree_util.tree_map(lambda x: x[0], params))
    return jax.lax.scan(step, state, (params, grads, values))[1]


def relative_deviation(ours: Any, reference: Any) -> float:
    """``max_t max|a_t - b_t| / max|b_t|`` over pytrees with a leading axis ``t``.

    Entries equal in both (NaN included) count as no deviation; a step whose
    reference is all zero has deviation 0 if ours is too, else infinity.
    """
    a, b = (_rows(tree) for tree in (ours, reference))
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    diff = np.where(same, 0.0, np.abs(a - b)).max(axis=1)
    diff = np.where(np.isnan(diff), np.inf, diff)
    scale = np.abs(np.where(np.isfinite(b), b, 0.0)).max(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        deviation = np.where(diff == 0, 0.0, diff / scale)
    return float(deviation.max())


def _rows(tree: Any) -> np.ndarray:
    leaves = [np.asarray(x, np.float64) for x in jax.tree_util.tree_leaves(tree)]
    return np.concatenate([x.reshape(x.shape[0], -1) for x in leaves], axis=1)


def stream_pairs(
    case: Case,
    kwargs: Mapping[str, Any],
    dtypes: tuple[Any, ...] = (jnp.float32, jnp.float64),
    steps: int = STREAM_STEPS,
    wrap: Callable[[Any], Any] = lambda opt: opt,
) -> list[tuple[Any, Any]]:
    """Per dtype, the updates of jaxdescent's and the reference optimizer on the same stream.

    Everything runs in one compiled program (compilation dominates the cost).
    Hyperparameters are closed over as given, so Python floats stay weakly
    typed in both implementations.
    """
    ours, reference = wrap(case.ours(**kwargs)), wrap(case.reference(**kwargs))
    streams = [least_squares_stream(dtype, steps) for dtype in dtypes]

    @jax.jit
    def run(streams):
        pairs = []
        for stream in streams:
            a = scan_updates(ours, stream, case)
            with jax.numpy_dtype_promotion("standard"):
                b = scan_updates(reference, stream, case)
            pairs.append((a, b))
        return pairs

    return run(streams)


def stream_deviations(case: Case, kwargs: Mapping[str, Any], **options: Any) -> dict[str, float]:
    """Largest relative deviation of the updates on the gradient stream, per dtype name."""
    dtypes = options.pop("dtypes", (jnp.float32, jnp.float64))
    pairs = stream_pairs(case, kwargs, dtypes, **options)
    return {
        jnp.dtype(d).name: relative_deviation(*pair) for d, pair in zip(dtypes, pairs, strict=True)
    }


def stream_deviation(case: Case, kwargs: Mapping[str, Any], dtype: Any, **options: Any) -> float:
    """Largest relative deviation of the updates on the least-squares gradient stream."""
    return stream_deviations(case, kwargs, dtypes=(dtype,), **options)[jnp.dtype(dtype).name]


def rosenbrock(x: jax.Array) -> jax.Array:
    """``(1 - x0)^2 + 100 (x1 - x0^2)^2``, minimum 0 at (1, 1)."""
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _rotated_spectrum(dim: int = 50, condition: float = 1e3) -> np.ndarray:
    rotation, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(dim, dim)))
    eigenvalues = np.logspace(0, -np.log10(condition), dim)
    return (rotation * eigenvalues) @ rotation.T


_QUADRATIC = _rotated_spectrum()


def quadratic(x: jax.Array) -> jax.Array:
    """``0.5 x^T A x`` with ``A`` a rotated diagonal of eigenvalues 1 ... 1e-3 (condition 1e3)."""
    return 0.5 * x @ jnp.asarray(_QUADRATIC, x.dtype) @ x


_X, _Y = (np.random.default_rng(2).normal(size=shape) for shape in ((30, 6), (30, 4)))


def least_squares(w: jax.Array) -> jax.Array:
    """``0.5 mean((X W - Y)^2)`` over a matrix ``W`` (6, 4): a problem with a 2-D leaf (Muon's)."""
    residual = jnp.asarray(_X, w.dtype) @ w - jnp.asarray(_Y, w.dtype)
    return 0.5 * jnp.mean(residual**2)


def problem(name: str) -> tuple[Callable[[jax.Array], jax.Array], jax.Array]:
    """The objective and float64 start of ``"rosenbrock"`` (2-D), ``"quadratic"`` (50-D)
    or ``"least_squares"`` (a 6 x 4 matrix; not among ``PROBLEMS``)."""
    if name == "rosenbrock":
        return rosenbrock, jnp.array([-1.2, 1.0], jnp.float64)
    if name == "least_squares":
        return least_squares, jnp.linspace(-1.0, 1.0, 24, dtype=jnp.float64).reshape(6, 4)
    return quadratic, jnp.ones(50, jnp.float64)


def reference_trajectories(
    opt, names: tuple[str, ...], steps: int, case: Case, nudge: float = 0.0
) -> list:
    """Per problem, ``x0`` and the ``steps`` iterates of ``opt``, in one ``jit(lax.scan)`` each
    (from ``x0 * (1 + nudge)``: see :func:`start_sensitivity`)."""

    def descend(fn, x0):
        x0 = x0 * (1 + nudge)

        def step(carry, _):
            x, state = carry
            value, g = jax.value_and_grad(fn)(x)
            extra = case.update_kwargs(value, g, fn)
            updates, state = opt.update(g, state, x, **extra)
            x = optax.apply_updates(x, updates)
            return (x, state), x

        _, xs = jax.lax.scan(step, (x0, opt.init(x0)), length=steps)
        return jnp.concatenate([x0[None], xs])

    problems = [problem(name) for name in names]

    @jax.jit
    def run(starts):
        with jax.numpy_dtype_promotion("standard"):
            return [descend(fn, x0) for (fn, _), x0 in zip(problems, starts, strict=True)]

    return run([x0 for _, x0 in problems])


def trajectory_deviations(
    case: Case, kwargs: Mapping[str, Any], names: tuple[str, ...] = PROBLEMS
) -> dict[str, float]:
    """Largest relative deviation of the iterates of 200-step float64 descents, per problem.

    ``jaxdescent.minimize`` against :func:`reference_trajectories`. Infinite when
    either descent stopped being finite: the registry's keyword sets are chosen
    to descend, so a divergence is itself a failure.
    """
    references = reference_trajectories(case.reference(**kwargs), names, TRAJECTORY_STEPS, case)
    deviations = {}
    for name, reference in zip(names, references, strict=True):
        fn, x0 = problem(name)
        run = jaxdescent.minimize(fn, x0, case.ours(**kwargs), steps=TRAJECTORY_STEPS)
        finite = bool(np.all(np.isfinite(np.asarray(reference))))
        deviations[name] = relative_deviation(run.params, reference) if finite else np.inf
        if bool(run.diverged):
            deviations[name] = np.inf
    return deviations


def start_sensitivity(case: Case, kwargs: Mapping[str, Any], name: str) -> float:
    """How far the reference's own path moves when its start moves by one rounding unit:
    the relative deviation between descents from ``x0`` and from ``x0 * (1 + eps)``.

    A path that magnifies one ulp at the start to this much magnifies the rounding
    of every step alike, so deviations of this size are rounding, not a different formula.
    """
    opt = case.reference(**kwargs)
    eps = float(np.finfo(np.float64).eps)
    (a,), (b,) = (
        reference_trajectories(opt, (name,), TRAJECTORY_STEPS, case, nudge) for nudge in (0, eps)
    )
    return relative_deviation(b, a)


def trajectory_deviation(case: Case, kwargs: Mapping[str, Any], name: str) -> float:
    """:func:`trajectory_deviations` for one problem (``"rosenbrock"`` or ``"quadratic"``)."""
    return trajectory_deviations(case, kwargs, (name,))[name]
