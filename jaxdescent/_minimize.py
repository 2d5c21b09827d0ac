"""``minimize``: check the inputs, then run the descent kernel as one compiled program."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdescent._batches import Sampling, num_examples
from jaxdescent._checks import is_python_number
from jaxdescent._descent import DescentConfig, Trajectory, run_descent, trajectory
from jaxdescent._factory import _hashable, _is_dynamic, _unwrap

PyTree = Any


def partition(tree: PyTree) -> tuple[list[Any], tuple[Any, tuple[Any, ...]]]:
    """Split a pytree into its numeric leaves (traced) and a hashable static rest."""
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    dynamic = [leaf if _is_dynamic(leaf) else None for leaf in leaves]
    static = tuple(None if _is_dynamic(leaf) else _hashable(leaf) for leaf in leaves)
    return dynamic, (treedef, static)


def combine(dynamic: list[Any], static: tuple[Any, tuple[Any, ...]]) -> PyTree:
    """Inverse of :func:`partition`."""
    treedef, fixed = static
    leaves = [d if s is None else _unwrap(s) for d, s in zip(dynamic, fixed, strict=True)]
    return jax.tree_util.tree_unflatten(treedef, leaves)


def _dtype_of(leaf: Any) -> Any:
    """A leaf's dtype (JAX's, for Python numbers and lists); ``None`` for a Python float."""
    if isinstance(leaf, float):
        return None
    if isinstance(leaf, np.ndarray | np.generic | jax.Array):
        return leaf.dtype  # as jnp.result_type would say, without its promotion machinery
    return jnp.result_type(leaf)


@functools.lru_cache(maxsize=64)
def _is_floating(dtype: Any) -> bool:
    return jnp.issubdtype(dtype, jnp.floating)


def _canonical(dtype: Any) -> Any:
    """JAX's dtype for ``dtype`` (float64 is float32 unless x64 is enabled)."""
    return _canonical_under(dtype, bool(jax.config.jax_enable_x64))


@functools.lru_cache(maxsize=64)
def _canonical_under(dtype: Any, x64: bool) -> Any:
    return jax.dtypes.canonicalize_dtype(dtype)


def as_float_params(x0: PyTree, name: str = "x0", *, on_host: bool = False) -> PyTree:
    """``x0`` with Python floats made arrays; integer or boolean leaves are an error.

    Leaves become JAX arrays, or with ``on_host`` NumPy arrays of JAX's dtype
    (JAX arrays stay as they are): a sweep hands them to its kernel as they are.
    """
    leaves, treedef = jax.tree_util.tree_flatten(x0)
    if not leaves:
        raise ValueError(f"`{name}` must hold at least one floating-point array, got {x0!r}")
    arrays = []
    for i, leaf in enumerate(leaves):
        dtype = _dtype_of(leaf)
        if dtype is not None and not _is_floating(dtype):
            path = jax.tree_util.tree_flatten_with_path(x0)[0][i][0]
            where = jax.tree_util.keystr(path)
            raise TypeError(
                f"`{name}` must hold floating-point arrays (descent moves them continuously), "
                f"but `{name}`{where} has dtype {dtype}; "
                f"pass e.g. jnp.asarray({name}, jnp.float32)"
            )
        if not on_host:
            arrays.append(jnp.asarray(leaf))
        elif isinstance(leaf, jax.Array):
            arrays.append(leaf)
        else:
            arrays.append(np.asarray(leaf, _canonical(dtype if dtype is not None else float)))
    return jax.tree_util.tree_unflatten(treedef, arrays)


def check_positive_int(name: str, value: Any, *, allow_none: bool = False) -> None:
    """``value`` must be a Python int >= 1 (or ``None`` where allowed)."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        expected = "an integer >= 1" + (" or None" if allow_none else "")
        raise ValueError(f"`{name}` must be {expected}, got {value!r}")


def check_optimizer(optimizer: Any) -> None:
    if not (
        callable(getattr(optimizer, "init", None)) and callable(getattr(optimizer, "update", None))
    ):
        raise TypeError(
            "`optimizer` must be an optax GradientTransformation (an object with `init` and "
            f"`update`), e.g. jaxdescent.adam(1e-2); got {optimizer!r}"
        )


def check_objective(fn: Callable[..., Any], x0: PyTree, config: DescentConfig, args, data, key):
    """Trace ``fn`` once (no compute) and check it returns a float scalar loss."""
    from jaxdescent._descent import _objective

    if not callable(fn):
        raise TypeError(f"`fn` must be a callable objective fn(params, ...), got {fn!r}")
    out = jax.eval_shape(
        lambda p: _objective(fn, config, args, data, key, p, jnp.array(0, jnp.int32)), x0
    )
    loss = out[0]
    if config.has_aux and not (isinstance(out, tuple) and len(out) == 2):
        raise ValueError("with `has_aux=True` the objective must return a pair (loss, aux)")
    if (
        not hasattr(loss, "shape")
        or loss.shape != ()
        or not jnp.issubdtype(loss.dtype, jnp.floating)
    ):
        shape = getattr(loss, "shape", type(loss).__name__)
        dtype = getattr(loss, "dtype", "")
        raise ValueError(
            "the objective must return a float scalar (use has_aux=True to return (loss, aux)); "
            f"it returned shape {shape} {dtype}".rstrip()
        )


# Bounded memos of work a repeated call need not redo (checks passed, arrays placed).
REMEMBER_BELOW = 1 << 16  # bytes: larger values are not kept (nor used as keys)


def remember(cache: dict[Any, Any], key: Any, value: Any = None) -> None:
    """``cache[key] = value``, the cache emptied first once it holds 256 entries."""
    if len(cache) >= 256:
        cache.clear()
    cache[key] = value


_CHECKED: dict[Any, None] = {}


def check_objective_once(fn, x0, config, args, data, key) -> None:
    """``check_objective``, skipped for an objective already checked on the same shapes."""
    leaves, treedef = jax.tree_util.tree_flatten((x0, args, data, key is None))
    described = tuple((x.shape, x.dtype) if hasattr(x, "dtype") else repr(x) for x in leaves)
    signature = (_hashable(fn), config, treedef, described)
    if signature in _CHECKED:
        return
    check_objective(fn, x0, config, args, data, key)
    remember(_CHECKED, signature)


def check_data(
    data: PyTree, batch_size: int | None, key: Any, sampling: str, key_name: str = "key"
) -> None:
    """``data`` shares one example axis; minibatches need a key (``key_name`` in messages)."""
    if sampling not in ("shuffle", "replacement"):
        raise ValueError(f"`sampling` must be 'shuffle' or 'replacement', got {sampling!r}")
    if key is not None and not isinstance(key, jax.Array):
        raise TypeError(f"`key` must be a jax.random key, e.g. jax.random.key(0); got {key!r}")
    if data is None:
        if batch_size is not None:
            raise ValueError("`batch_size` needs `data` (a pytree of arrays with an example axis)")
        return
    leaves = jax.tree_util.tree_leaves(data)
    lengths = {jnp.shape(x)[0] if jnp.ndim(x) else None for x in leaves}
    if not leaves or None in lengths or len(lengths) != 1:
        raise ValueError(
            "`data` must be a pytree of arrays sharing one leading example axis; "
            f"got leading lengths {sorted(map(str, lengths))}"
        )
    check_positive_int("batch_size", batch_size, allow_none=True)
    n = num_examples(data)
    if batch_size is not None:
        if batch_size > n:
            raise ValueError(
                f"`batch_size` must be at most the {n} examples in `data`, got {batch_size}"
            )
        if key is None:
            what = "a jax.random key" if key_name == "key" else "integers, one key per run"
            raise ValueError(f"`{key_name}` ({what}) is required to draw minibatches")


def make_config(
    steps: int,
    *,
    record_every: int | None,
    record_params: bool,
    record_grad_norm: bool = True,
    has_aux: bool,
    batch_size: int | None,
    sampling: Sampling,
    evaluate: Callable[[PyTree], PyTree] | None,
    evaluate_every: int | None,
    diverge_above: float | None,
    unroll: int,
) -> DescentConfig:
    """Validate the static settings shared by ``minimize`` and ``sweep``."""
    check_positive_int("steps", steps)
    check_positive_int("record_every", record_every, allow_none=True)
    check_positive_int("evaluate_every", evaluate_every, allow_none=True)
    check_positive_int("unroll", unroll)
    if evaluate is not None and not callable(evaluate):
        raise TypeError(f"`evaluate` must be a callable of the parameters, got {evaluate!r}")
    if evaluate is not None and record_every is None:
        raise ValueError("`evaluate` needs `record_every` (evaluations happen at record steps)")
    if evaluate_every is not None and record_every and evaluate_every % record_every:
        raise ValueError(
            f"`evaluate_every` must be a multiple of `record_every` ({record_every}), "
            f"got {evaluate_every}"
        )
    if diverge_above is not None and not (is_python_number(diverge_above) and diverge_above > 0):
        raise ValueError(
            f"`diverge_above` must be a positive number or None, got {diverge_above!r}"
        )
    return DescentConfig(
        steps=steps,
        record_every=record_every,
        record_params=bool(record_params),
        record_grad_norm=bool(record_grad_norm),
        has_aux=bool(has_aux),
        batch_size=batch_size,
        sampling=sampling,
        evaluate=evaluate,
        evaluate_every=evaluate_every if evaluate is not None else None,
        diverge_above=math.inf if diverge_above is None else float(diverge_above),
        unroll=unroll,
    )


@functools.partial(jax.jit, static_argnames=("fn", "static_optimizer", "config"))
def _compiled_descent(fn, x0, dynamic_optimizer, static_optimizer, config, args, data, key):
    optimizer = combine(dynamic_optimizer, static_optimizer)
    return trajectory(config, run_descent(_unwrap(fn), x0, optimizer, config, args, data, key))


def minimize(
    fn: Callable[..., Any],
    x0: PyTree,
    optimizer: optax.GradientTransformation,
    *,
    steps: int,
    args: tuple[Any, ...] = (),
    has_aux: bool = False,
    record_every: int | None = 1,
    record_params: bool = True,
    record_grad_norm: bool = True,
    data: PyTree | None = None,
    batch_size: int | None = None,
    sampling: Sampling = "shuffle",
    key: jax.Array | None = None,
    evaluate: Callable[[PyTree], PyTree] | None = None,
    evaluate_every: int | None = None,
    diverge_above: float | None = None,
    unroll: int = 1,
) -> Trajectory:
    r"""Descend ``fn`` from ``x0`` for ``steps`` steps as one compiled ``lax.scan``.

    Each step evaluates the loss and gradient at the current parameters ``w_t``
    and applies the optimizer's update::

        C_t, g_t = fn(w_t), grad fn(w_t) ;  u_t, s = optimizer.update(g_t, s, w_t)
        w_{t+1} = w_t + u_t

    A run whose loss or parameters stop being finite is *diverged*: it is frozen
    at its last finite parameters, flagged, and the step recorded.

    Args:
      fn: the objective, ``fn(params, *args) -> loss`` (a float scalar). With
        ``data``: ``fn(params, batch, *args)``. With ``key`` and no data:
        ``fn(params, *args, key=step_key)`` for stochastic objectives.
        With ``has_aux=True`` it returns ``(loss, aux)``.
      x0: the starting parameters, any pytree of floating-point arrays.
      optimizer: any optax ``GradientTransformation`` (jaxdescent's or optax's).
      steps: number of update steps (>= 1).
      args: extra positional arguments passed to ``fn`` after the parameters.
      has_aux: ``fn`` returns ``(loss, aux)``; ``aux`` is recorded with the loss.
      record_every: record every k-th step (and always the last); ``None``
        records only the final state, for long runs.
      record_params: also record the parameters (not only loss and gradient norm).
      record_grad_norm: record the gradient norm (``False`` saves a reduction and
        an output stream per step when only the loss is wanted).
      data: a pytree of arrays with a leading example axis for ``fn(params, batch)``.
      batch_size: minibatch size drawn from ``data`` at every step inside the
        compiled loop (``None``: the full data every step).
      sampling: ``"shuffle"`` (a new permutation each epoch) or ``"replacement"``.
      key: a ``jax.random`` key for minibatches or stochastic objectives; the
        same key gives the same run, bit for bit.
      evaluate: ``evaluate(params) -> pytree`` (e.g. full-data loss and accuracy),
        recorded every ``evaluate_every`` steps (default: every record).
      evaluate_every: steps between evaluations, a multiple of ``record_every``.
      diverge_above: a finite loss above this also counts as divergence.
      unroll: steps per compiled loop iteration (``lax.scan``'s ``unroll``).

    Returns:
      A :class:`Trajectory`.

    Raises:
      ValueError, TypeError: on bad input, before anything is computed.

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> run = jd.minimize(lambda w: jnp.sum(w**2), jnp.array([1.0, -1.0]), jd.sgd(0.25), steps=3)
      >>> run.loss  # each step halves w, so the loss falls by 4x
      Array([2.     , 0.5    , 0.125  , 0.03125], dtype=float32)
    """
    check_optimizer(optimizer)
    x0 = as_float_params(x0)
    check_data(data, batch_size, key, sampling)
    config = make_config(
        steps,
        record_every=record_every,
        record_params=record_params,
        record_grad_norm=record_grad_norm,
        has_aux=has_aux,
        batch_size=batch_size,
        sampling=sampling,
        evaluate=evaluate,
        evaluate_every=evaluate_every,
        diverge_above=diverge_above,
        unroll=unroll,
    )
    check_objective_once(fn, x0, config, tuple(args), data, key)
    dynamic, static = partition(optimizer)
    return _compiled_descent(_hashable(fn), x0, dynamic, static, config, tuple(args), data, key)
