"""Argument checks that run when an object is built, before any compute.

Every message names the argument, what is allowed and what was given. Traced or
array values are not value-checked (they may be tracers under ``vmap``).
"""

from __future__ import annotations

import inspect
import math
import numbers
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


def is_python_number(value: Any) -> bool:
    """True for a concrete Python or NumPy real scalar (not a bool, not an array)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def check_learning_rate(value: Any, name: str = "learning_rate") -> None:
    """A learning rate is a finite non-negative number, an array, or a schedule callable."""
    if callable(value) or not is_python_number(value):
        if isinstance(value, str | bool | np.bool_) or value is None:
            raise TypeError(
                f"`{name}` must be a number, a JAX array or a schedule (a callable of the "
                f"step count), got {value!r}"
            )
        return
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"`{name}` must be a finite number >= 0, got {value!r}")


def check_range(
    name: str,
    value: Any,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Check that a Python number lies in the interval; arrays and tracers pass unchecked."""
    if value is None or not is_python_number(value):
        return
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if math.isnan(value) or too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise ValueError(f"`{name}` must be in {left}{low}, {high}{right}, got {value!r}")


def check_decay(**named: Any) -> None:
    """Averaging coefficients (``b1``, ``b2``, ``decay``, ``rho`` ...) must lie in [0, 1)."""
    for name, value in named.items():
        check_range(name, value, 0.0, 1.0, high_open=True)


def check_nonnegative(**named: Any) -> None:
    """Each named Python number must be finite and >= 0."""
    for name, value in named.items():
        check_range(name, value, 0.0, math.inf, high_open=True)


def check_positive(**named: Any) -> None:
    """Each named Python number must be finite and > 0."""
    for name, value in named.items():
        check_range(name, value, 0.0, math.inf, low_open=True, high_open=True)


def check_positive_int(
    name: str, value: Any, *, allow_none: bool = False, below: int | None = 2**31
) -> int | None:
    """``value`` must be an integer >= 1 and under ``below`` (an int32 count by default);
    Python or NumPy; ``None`` where allowed."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral) or value < 1:
        expected = "an integer >= 1" + (" or None" if allow_none else "")
        raise ValueError(f"`{name}` must be {expected}, got {value!r}")
    if below is not None and value >= below:
        raise ValueError(f"`{name}` must be below {below}, got {value!r}")
    return int(value)


def check_optimizer(optimizer: Any) -> None:
    """An optax ``GradientTransformation``: an object with callable ``init`` and ``update``."""
    if not (
        callable(getattr(optimizer, "init", None)) and callable(getattr(optimizer, "update", None))
    ):
        raise TypeError(
            "`optimizer` must be an optax GradientTransformation (an object with `init` and "
            f"`update`), e.g. jaxdescent.adam(1e-2); got {optimizer!r}"
        )


def check_callable(name: str, value: Any, what: str) -> None:
    """``value`` must be callable; ``what`` says how it is called."""
    if not callable(value):
        raise TypeError(f"`{name}` must be {what}, got {value!r}")


def float_params(x0: Any, name: str = "x0") -> Any:
    """``x0`` as a pytree of float arrays (JAX's as given, else NumPy of JAX's dtype);
    integer, boolean or empty trees are an error."""
    leaves, treedef = jax.tree_util.tree_flatten(x0)
    if not leaves:
        raise ValueError(f"`{name}` must hold at least one floating-point array, got {x0!r}")
    arrays = []
    for path, leaf in jax.tree_util.tree_flatten_with_path(x0)[0]:
        if not isinstance(leaf, np.ndarray | np.generic | jax.Array | numbers.Number):
            raise TypeError(
                f"`{name}` must be a pytree of floating-point arrays, but `{name}`"
                f"{jax.tree_util.keystr(path)} is a {type(leaf).__name__}; for an equinox "
                "module pass its arrays (eqx.partition(model, eqx.is_inexact_array))"
            )
        array = leaf if isinstance(leaf, jax.Array) else np.asarray(leaf)
        if not isinstance(leaf, jax.Array):  # JAX's dtype: float64 is float32 without x64
            array = array.astype(jax.dtypes.canonicalize_dtype(array.dtype), copy=False)
        if not jnp.issubdtype(array.dtype, jnp.inexact):
            raise TypeError(
                f"`{name}` must hold floating-point arrays (descent moves them continuously), "
                f"but `{name}`{jax.tree_util.keystr(path)} has dtype {array.dtype}; "
                f"pass e.g. jnp.asarray({name}, jnp.float32)"
            )
        arrays.append(array)
    return jax.tree_util.tree_unflatten(treedef, arrays)


def check_key(key: Any) -> None:
    """``None`` or a ``jax.random`` key."""
    if key is not None and not isinstance(key, jax.Array):
        raise TypeError(f"`key` must be a jax.random key, e.g. jax.random.key(0); got {key!r}")


def check_data(
    data: Any, batch_size: int | None, sampling: str, has_key: bool, key_name: str
) -> None:
    """``data`` shares one example axis; minibatches need a key (``key_name`` in messages)."""
    if sampling not in ("shuffle", "replacement"):
        raise ValueError(f"`sampling` must be 'shuffle' or 'replacement', got {sampling!r}")
    if data is None:
        if batch_size is not None:
            raise ValueError("`batch_size` needs `data` (a pytree of arrays with an example axis)")
        return
    leaves = jax.tree_util.tree_leaves(data)
    lengths = {np.shape(x)[0] if np.ndim(x) else None for x in leaves}
    if not leaves or None in lengths or len(lengths) != 1 or 0 in lengths:
        raise ValueError(
            "`data` must be a pytree of arrays sharing one leading example axis, not empty; "
            f"got leading lengths {sorted(map(str, lengths))}"
        )
    check_positive_int("batch_size", batch_size, allow_none=True)
    n = lengths.pop()
    if batch_size is not None:
        if batch_size > n:
            raise ValueError(
                f"`batch_size` must be at most the {n} examples in `data`, got {batch_size}"
            )
        if not has_key:
            what = "a jax.random key" if key_name == "key" else "integers, one key per run"
            raise ValueError(f"`{key_name}` ({what}) is required to draw minibatches")


def check_loss(out: Any, has_aux: bool) -> None:
    """The objective's output, at trace time: a float scalar, or ``(loss, aux)`` with has_aux."""
    if has_aux and not (isinstance(out, tuple) and len(out) == 2):
        raise ValueError(
            "with `has_aux=True` the objective must return a pair (loss, aux); "
            f"it returned {type(out).__name__}"
        )
    loss = out[0] if has_aux else out
    if np.shape(loss) != () or not jnp.issubdtype(jnp.result_type(loss), jnp.floating):
        raise ValueError(
            "the objective must return a float scalar (use has_aux=True to return (loss, aux)); "
            f"it returned shape {np.shape(loss)} {jnp.result_type(loss)}"
        )


def check_descent_settings(config: Any) -> dict[str, Any]:
    """The settings of a descent (a ``DescentConfig``), checked; returns them normalised."""
    steps = check_positive_int("steps", config.steps)
    record_every = check_positive_int("record_every", config.record_every, allow_none=True)
    evaluate_every = check_positive_int("evaluate_every", config.evaluate_every, allow_none=True)
    unroll = check_positive_int("unroll", config.unroll)
    evaluate, diverge_above = config.evaluate, config.diverge_above
    if evaluate is not None:
        check_callable("evaluate", evaluate, "a callable of the parameters")
        if record_every is None:
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
    return {
        "steps": steps,
        "record_every": record_every,
        "evaluate_every": evaluate_every if evaluate is not None else None,
        "unroll": unroll,
        "diverge_above": math.inf if diverge_above is None else float(diverge_above),
        "record_params": bool(config.record_params),
        "record_grad_norm": bool(config.record_grad_norm),
        "has_aux": bool(config.has_aux),
    }


def check_factory_keywords(factory: Any, hyperparameters: dict[str, Any]) -> set[str] | None:
    """Every keyword is one the factory accepts, and every required one is given.

    Returns the keywords it accepts (``None``: any, or its signature is unknown).
    """
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return None
    accepted = {p.name for p in parameters if p.kind is not p.VAR_POSITIONAL}
    name = getattr(factory, "__name__", repr(factory))
    unknown = sorted(set(hyperparameters) - accepted)
    if unknown:
        raise ValueError(
            f"unknown hyperparameter(s) {unknown} for {name}; it accepts {sorted(accepted)}"
        )
    missing = [
        p.name
        for p in parameters
        if p.default is p.empty and p.name not in hyperparameters and p.name in accepted
    ]
    if missing:
        raise ValueError(f"`optimizer_factory` {name} needs {missing}: pass them to sweep")
    return accepted


def check_hyperparameter(name: str, value: Any) -> np.ndarray:
    """A swept (non-empty 1-D) or fixed (scalar) hyperparameter of finite real numbers."""
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"`{name}` must hold real numbers to sweep (a scalar or a 1-D list), "
            f"got {value!r} of dtype {array.dtype}"
        )
    if array.ndim > 1 or (array.ndim == 1 and array.size == 0):
        raise ValueError(
            f"`{name}` must be a scalar (fixed) or a non-empty 1-D sequence of values (swept), "
            f"got shape {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"`{name}` must hold finite numbers, got {value!r}")
    return array


def check_seeds(seeds: Any) -> np.ndarray:
    """Seeds: a count ``n`` (seeds ``0..n-1``) or a 1-D sequence of integers in [0, 2**32)."""
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool | np.bool_):
        check_positive_int("seeds", seeds)
        return np.arange(int(seeds), dtype=np.uint32)
    array = np.asarray(seeds)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"`seeds` must be a count or integers (one PRNG key each), got {seeds!r}")
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"`seeds` must be a count or a non-empty 1-D sequence, got {seeds!r}")
    if array.min() < 0 or array.max() >= 2**32:
        raise ValueError(f"`seeds` must lie in [0, 2**32), got {seeds!r}")
    return array.astype(np.uint32)


def check_starts(starts: Any) -> Any:
    """A batch of starting points: every leaf shares one non-empty leading axis."""
    lengths = {np.shape(x)[0] if np.ndim(x) else None for x in jax.tree_util.tree_leaves(starts)}
    if None in lengths or len(lengths) != 1 or 0 in lengths:
        raise ValueError(
            "`starts` must be a pytree of arrays sharing one non-empty leading axis (one entry "
            f"per start); got leading lengths {sorted(map(str, lengths))}"
        )
    return starts


def check_tolerance(tolerance: Any) -> float | None:
    """``None`` or a real number (compared with the loss)."""
    if tolerance is None:
        return None
    if not is_python_number(tolerance) or math.isnan(tolerance):
        raise ValueError(f"`tolerance` must be a number or None, got {tolerance!r}")
    return float(tolerance)


def check_state(state: Any, expected: Any) -> None:
    """An optimizer state given to continue a descent: the structure, shapes and dtypes
    that ``optimizer.init(x0)`` gives (checked at trace time)."""
    got, want = jax.tree_util.tree_structure(state), jax.tree_util.tree_structure(expected)
    if got != want:
        raise ValueError(
            f"`state` must be this optimizer's state for `x0` (as `init(x0)` gives): "
            f"expected structure {want}, got {got}"
        )
    for a, b in zip(
        jax.tree_util.tree_leaves(state), jax.tree_util.tree_leaves(expected), strict=True
    ):
        if (np.shape(a), jnp.result_type(a)) != (b.shape, b.dtype):
            raise ValueError(
                f"`state` must match `init(x0)`: expected a leaf {b.dtype}{list(b.shape)}, "
                f"got {jnp.result_type(a)}{list(np.shape(a))}"
            )
