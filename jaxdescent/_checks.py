"""Argument checks that run when an object is built, before any compute.

Every message names the argument, what is allowed and what was given. A concrete
array is checked entry by entry; a traced one (under ``jit`` or ``vmap``) by its
dtype only, its numbers being unknown. Memory is estimated, and refused when it
cannot fit, before anything is allocated.
"""

from __future__ import annotations

import inspect
import math
import numbers
import os
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


def is_python_number(value: Any) -> bool:
    """True for a concrete Python or NumPy real scalar (not a bool, not an array)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def is_traced(value: Any) -> bool:
    """True for a value traced by ``jit``, ``vmap`` or ``grad`` (its numbers are unknown)."""
    return isinstance(value, jax.core.Tracer)


def shown(value: Any, limit: int = 120) -> str:
    """``repr(value)``, cut short for a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_real_dtype(dtype: Any) -> bool:
    return jnp.issubdtype(dtype, jnp.floating) or jnp.issubdtype(dtype, jnp.integer)


def real_values(name: str, value: Any, expected: str) -> np.ndarray | None:
    """``value``'s numbers in float64: a real number (an integer that JAX's default integer
    holds), or a floating-point array (``None`` when traced: only its dtype is known).
    Anything else is a ``TypeError``."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
        limit = jnp.iinfo(jnp.result_type(int))
        if not limit.min <= value <= limit.max:
            raise ValueError(
                f"`{name}` must be {expected}, got the integer {shown(value)}, too large for "
                f"JAX's {limit.dtype}: give it as a float"
            )
    if is_python_number(value):
        return np.asarray(float(value))
    if isinstance(value, np.ndarray | jax.Array):
        if not jnp.issubdtype(value.dtype, jnp.floating):
            raise TypeError(
                f"`{name}` must be {expected} (an array of floats), got an array of dtype "
                f"{value.dtype}: {shown(value)}"
            )
        if value.size == 0:
            raise ValueError(f"`{name}` must be {expected}, got an empty array {shown(value)}")
        return None if is_traced(value) else np.asarray(value, np.float64)
    raise TypeError(f"`{name}` must be {expected}, got {shown(value)}")


def check_number(name: str, value: Any, expected: str, ok: Any) -> None:
    """A real number or a real array every entry of which satisfies ``ok`` (vectorised over a
    float64 array); a traced array is checked for its dtype only."""
    values = real_values(name, value, expected)
    if values is None:
        return
    good = ok(values)
    if not np.all(good):
        given = shown(value) if values.ndim <= 1 else f"{values[~good].flat[0]!r} among its values"
        raise ValueError(f"`{name}` must be {expected}, got {given}")


def check_range(
    name: str,
    value: Any,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """A real number, or a real array, in the interval (NaN never is); traced: dtype only."""
    interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"

    def inside(x: np.ndarray) -> np.ndarray:
        above = x > low if low_open else x >= low
        below = x < high if high_open else x <= high
        return above & below

    check_number(name, value, f"in {interval}", inside)


def check_decay(**named: Any) -> None:
    """Averaging coefficients (``b1``, ``b2``, ``decay``, ``rho`` ...) must lie in [0, 1)."""
    for name, value in named.items():
        check_range(name, value, 0.0, 1.0, high_open=True)


def check_nonnegative(**named: Any) -> None:
    """Each named value must be finite and >= 0."""
    for name, value in named.items():
        check_range(name, value, 0.0, math.inf, high_open=True)


def check_positive(**named: Any) -> None:
    """Each named value must be finite and > 0."""
    for name, value in named.items():
        check_range(name, value, 0.0, math.inf, low_open=True, high_open=True)


def check_learning_rate(value: Any, name: str = "learning_rate") -> None:
    """A learning rate is a finite number >= 0, a real array of them, or a schedule callable
    (traced once, abstractly, to check that it returns a real number)."""
    if callable(value) and not isinstance(value, np.ndarray | jax.Array):
        check_schedule(name, value)
        return
    check_number(
        name,
        value,
        "a finite number >= 0, a float array or a schedule (a callable of the step count)",
        lambda x: np.isfinite(x) & (x >= 0),
    )


def check_schedule(name: str, schedule: Any) -> None:
    """A schedule maps the int32 step count to a real number: traced once, without compute,
    as ``jit`` will trace it."""
    count = jax.ShapeDtypeStruct((), jnp.int32)
    try:
        out = jax.eval_shape(schedule, count)
    except Exception as error:
        raise TypeError(
            f"`{name}` is a schedule, so it must be a traceable function of the step count "
            f"(an int32 array); calling {shown(schedule)} failed: {type(error).__name__}: {error}"
        ) from error
    number = isinstance(out, jax.ShapeDtypeStruct) and out.shape == ()
    if not (number and _is_real_dtype(out.dtype)):
        raise TypeError(
            f"`{name}` is a schedule, so it must return a real number (a scalar) for the step "
            "count; "
            f"{shown(schedule)} returned {shown(out)}"
        )


def check_order(low_name: str, low: Any, high_name: str, high: Any) -> None:
    """``low <= high`` entry by entry, for numbers or concrete arrays (broadcast together)."""
    if any(is_traced(v) or callable(v) for v in (low, high)):
        return
    low_values, high_values = np.asarray(low, np.float64), np.asarray(high, np.float64)
    inverted = low_values > high_values
    if np.any(inverted):
        pair = np.broadcast_arrays(low_values, high_values)
        first = np.argwhere(inverted)[0] if inverted.ndim else ()
        lo, hi = (float(x[tuple(first)]) for x in pair)
        raise ValueError(f"`{low_name}` must be <= `{high_name}`, got {lo!r} > {hi!r}")


def check_real_number(name: str, value: Any, expected: str, ok: Any) -> float:
    """A setting that is a Python or NumPy real number (not an array) satisfying ``ok``;
    returned as a float (an integer beyond float64's range as an infinity)."""
    if not is_python_number(value):
        raise ValueError(f"`{name}` must be {expected}, got {shown(value)}")
    if isinstance(value, int) and abs(value) > 2**1000:
        number = math.inf if value > 0 else -math.inf
    else:
        number = float(value)
    if not np.all(ok(np.asarray(number))):
        raise ValueError(f"`{name}` must be {expected}, got {shown(value)}")
    return number


def check_flag(name: str, value: Any, *, allow_none: bool = False) -> bool | None:
    """``True`` or ``False`` (a NumPy bool too); ``None`` where allowed."""
    if value is None and allow_none:
        return None
    if not isinstance(value, bool | np.bool_):
        expected = "True or False" + (" or None" if allow_none else "")
        raise TypeError(f"`{name}` must be {expected}, got {shown(value)}")
    return bool(value)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """One of the strings ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"`{name}` must be one of {choices}, got {shown(value)}")
    return value


def check_float_dtype(name: str, value: Any, *, allow_none: bool = True) -> None:
    """A floating dtype (``jnp.float32``, ``"bfloat16"`` ...); ``None`` where allowed."""
    if value is None and allow_none:
        return
    expected = "a floating dtype such as jnp.float32" + (" or None" if allow_none else "")
    error = TypeError(f"`{name}` must be {expected}, got {shown(value)}")
    if value is None or isinstance(value, np.ndarray | jax.Array | np.generic | numbers.Number):
        raise error
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            dtype = jnp.dtype(value)
    except (TypeError, ValueError, Warning):
        raise error from None
    if not jnp.issubdtype(dtype, jnp.floating):
        raise TypeError(f"`{name}` must be {expected}, got {shown(value)} ({dtype})")


def check_mask(name: str, mask: Any) -> None:
    """``None``, a callable of the parameters, or a pytree of Python bools (a prefix of the
    parameters' structure: checked where the parameters are known, in ``update``)."""
    if mask is None or callable(mask):
        return
    leaves = jax.tree_util.tree_leaves(mask)
    if not all(isinstance(leaf, bool | np.bool_) for leaf in leaves):
        raise TypeError(
            f"`{name}` must be None, a callable of the parameters or a pytree of bools, "
            f"got {shown(mask)}"
        )


def check_mask_tree(name: str, mask: Any, params: Any) -> None:
    """At trace time: a mask (or what its callable returned) is a pytree of bools whose
    structure is a prefix of the parameters'."""
    check_mask(name, None if callable(mask) else mask)
    try:
        jax.tree_util.tree_map(lambda m, x: None, mask, params)
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must have the parameters' structure (or a prefix of it): expected "
            f"{jax.tree_util.tree_structure(params)}, got {shown(mask)}"
        ) from None


def check_seed(name: str, value: Any, *, allow_none: bool = False) -> int | None:
    """An integer seed in [0, 2**32) (Python or NumPy); ``None`` where allowed."""
    if value is None and allow_none:
        return None
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)
    if not ok or not 0 <= value < 2**32:
        expected = "an integer in [0, 2**32)" + (" or None" if allow_none else "")
        raise (ValueError if ok else TypeError)(f"`{name}` must be {expected}, got {shown(value)}")
    return int(value)


def is_key(value: Any) -> bool:
    """A typed ``jax.random`` key array (``jax.random.key``)."""
    return isinstance(value, jax.Array) and jnp.issubdtype(value.dtype, jax.dtypes.prng_key)


def check_key(key: Any, name: str = "key", *, allow_none: bool = True) -> None:
    """One ``jax.random`` key: typed (``jax.random.key(0)``) or a legacy uint32 pair."""
    if key is None and allow_none:
        return
    typed = is_key(key) and key.shape == ()
    legacy = isinstance(key, jax.Array) and key.dtype == jnp.uint32 and key.shape == (2,)
    if not (typed or legacy):
        raise TypeError(
            f"`{name}` must be a jax.random key, e.g. jax.random.key(0) (one key, not a "
            f"batch); got {shown(key)}"
        )


def check_key_or_seed(key: Any) -> None:
    """``key`` of :func:`jaxdescent.noisy_sgd`: ``None``, a ``jax.random`` key, or an integer
    seed in [0, 2**32) (a 0-d integer array too, traced under ``vmap``)."""
    if key is None or (is_key(key) and key.shape == ()):
        return
    if isinstance(key, numbers.Integral) and not isinstance(key, bool | np.bool_):
        check_seed("key", key)
        return
    seed = isinstance(key, np.ndarray | jax.Array) and key.shape == ()
    seed = seed and jnp.issubdtype(key.dtype, jnp.integer)
    if seed and (is_traced(key) or 0 <= int(key) < 2**32):
        return
    raise TypeError(
        "`key` must be None, a jax.random key (jax.random.key(0)) or an integer seed in "
        f"[0, 2**32), got {shown(key)}"
    )


def check_positive_int(
    name: str, value: Any, *, allow_none: bool = False, below: int | None = 2**31, low: int = 1
) -> int | None:
    """``value`` must be an integer >= ``low`` and under ``below`` (an int32 count by default);
    Python or NumPy; ``None`` where allowed."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral) or value < low:
        expected = f"an integer >= {low}" + (" or None" if allow_none else "")
        raise ValueError(f"`{name}` must be {expected}, got {shown(value)}")
    if below is not None and value >= below:
        raise ValueError(f"`{name}` must be below {below}, got {shown(value)}")
    return int(value)


def check_optimizer(optimizer: Any, name: str = "optimizer", *, returned: bool = False) -> None:
    """An optax ``GradientTransformation``: an object with callable ``init`` and ``update``
    (``returned``: what the factory ``name`` built)."""
    if not (
        callable(getattr(optimizer, "init", None)) and callable(getattr(optimizer, "update", None))
    ):
        what = "return" if returned else "be"
        raise TypeError(
            f"`{name}` must {what} an optax GradientTransformation (an object with `init` and "
            f"`update`), e.g. jaxdescent.adam{'' if returned else '(1e-2)'}; got {shown(optimizer)}"
        )


def check_callable(name: str, value: Any, what: str) -> None:
    """``value`` must be callable; ``what`` says how it is called."""
    if not callable(value):
        raise TypeError(f"`{name}` must be {what}, got {shown(value)}")


def check_args(args: Any) -> tuple[Any, ...]:
    """The extra positional arguments of the objective: a tuple (or list)."""
    if not isinstance(args, tuple | list):
        raise TypeError(
            f"`args` must be a tuple of extra arguments for fn(params, *args), got {shown(args)}"
        )
    for path, leaf in jax.tree_util.tree_flatten_with_path(tuple(args))[0]:
        if not isinstance(leaf, np.ndarray | np.generic | jax.Array | numbers.Number):
            raise TypeError(
                f"`args` must hold arrays and numbers (they are traced), but "
                f"`args`{jax.tree_util.keystr(path)} is a {type(leaf).__name__}: close over it "
                "in fn instead"
            )
    return tuple(args)


def float_params(x0: Any, name: str = "x0") -> Any:
    """``x0`` as a pytree of float arrays (JAX's as given, else NumPy of JAX's dtype);
    integer, boolean or empty trees are an error."""
    leaves, treedef = jax.tree_util.tree_flatten(x0)
    if not leaves:
        raise ValueError(f"`{name}` must hold at least one floating-point array, got {shown(x0)}")
    arrays = []
    for path, leaf in jax.tree_util.tree_flatten_with_path(x0)[0]:
        where = f"`{name}`{jax.tree_util.keystr(path)}"
        if not isinstance(leaf, np.ndarray | np.generic | jax.Array | numbers.Number):
            raise TypeError(
                f"`{name}` must be a pytree of floating-point arrays, but {where} is a "
                f"{type(leaf).__name__}; for an equinox module pass its arrays "
                "(params, static = eqx.partition(model, eqx.is_inexact_array))"
            )
        array = leaf if isinstance(leaf, jax.Array) else np.asarray(leaf)
        if not isinstance(leaf, jax.Array):  # JAX's dtype: float64 is float32 without x64
            array = array.astype(jax.dtypes.canonicalize_dtype(array.dtype), copy=False)
        if jnp.issubdtype(array.dtype, jnp.complexfloating):
            raise TypeError(
                f"`{name}` must hold real floating-point arrays, but {where} is complex "
                f"({array.dtype}): descend on its real and imaginary parts as two real arrays"
            )
        if not jnp.issubdtype(array.dtype, jnp.floating):
            raise TypeError(
                f"`{name}` must hold floating-point arrays (descent moves them continuously), "
                f"but {where} has dtype {array.dtype}; pass e.g. jnp.asarray({name}, jnp.float32)"
            )
        arrays.append(array)
    if sum(np.size(a) for a in arrays) == 0:
        raise ValueError(
            f"`{name}` must hold at least one number to descend on, but every array in it is "
            f"empty: {shown(x0)}"
        )
    return jax.tree_util.tree_unflatten(treedef, arrays)


def check_data(
    data: Any, batch_size: int | None, sampling: str, has_key: bool, key_name: str
) -> None:
    """``data`` shares one example axis; minibatches need a key (``key_name`` in messages)."""
    check_choice("sampling", sampling, ("shuffle", "replacement"))
    if data is None:
        if batch_size is not None:
            raise ValueError("`batch_size` needs `data` (a pytree of arrays with an example axis)")
        return
    leaves = jax.tree_util.tree_leaves(data)
    for leaf in leaves:
        dtype = getattr(leaf, "dtype", None)
        numeric = dtype is not None and (jnp.issubdtype(dtype, jnp.number) or dtype == np.bool_)
        if not numeric:
            raise TypeError(
                "`data` must be a pytree of numeric arrays (NumPy or JAX) sharing a leading "
                f"example axis; it holds {shown(leaf, 60)}"
            )
    lengths = {np.shape(x)[0] if np.ndim(x) else None for x in leaves}
    if not leaves or None in lengths or len(lengths) != 1 or 0 in lengths:
        raise ValueError(
            "`data` must be a pytree of arrays sharing one leading example axis, holding at "
            f"least one example; got leading lengths {sorted(map(str, lengths))}"
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


def described(value: Any) -> str:
    """What a traced function returned, in words: an array's shape and dtype, else its type."""
    if isinstance(value, jax.Array | np.ndarray | np.generic):
        return f"shape {np.shape(value)} {value.dtype}"
    return f"a {type(value).__name__}"


def check_loss(out: Any, has_aux: bool) -> None:
    """The objective's output, at trace time: a float scalar, or ``(loss, aux)`` with has_aux."""
    if has_aux and not (isinstance(out, tuple | list) and len(out) == 2):
        raise ValueError(
            "`has_aux` is True, so `fn` must return a pair (loss, aux); "
            f"it returned {described(out)}"
        )
    loss = out[0] if has_aux else out
    array = isinstance(loss, jax.Array | np.ndarray | np.generic | float)
    if not array or np.shape(loss) != () or not jnp.issubdtype(jnp.result_type(loss), jnp.floating):
        raise ValueError(
            "`fn` must return a float scalar (use has_aux=True to return (loss, aux)); "
            f"it returned {described(loss)}"
        )


def check_evaluation(out: Any) -> None:
    """At trace time: ``evaluate(params)`` returned a pytree of numbers or arrays."""
    for leaf in jax.tree_util.tree_leaves(out):
        if not isinstance(leaf, jax.Array | np.ndarray | np.generic | numbers.Number):
            raise TypeError(
                "`evaluate` must return a pytree of arrays or numbers; it returned "
                f"{shown(out, 80)}, which holds a {type(leaf).__name__}"
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
    if diverge_above is not None:
        expected = "a number > 0 or None"
        diverge_above = check_real_number("diverge_above", diverge_above, expected, lambda x: x > 0)
    return {
        "steps": steps,
        "batch_size": check_positive_int("batch_size", config.batch_size, allow_none=True),
        "record_every": record_every,
        "evaluate_every": evaluate_every if evaluate is not None else None,
        "unroll": unroll,
        "diverge_above": math.inf if diverge_above is None else diverge_above,
        "record_params": check_flag("record_params", config.record_params),
        "record_grad_norm": check_flag("record_grad_norm", config.record_grad_norm),
        "has_aux": check_flag("has_aux", config.has_aux),
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
    accepted = {p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.POSITIONAL_ONLY)}
    name = getattr(factory, "__name__", repr(factory))
    unknown = sorted(set(hyperparameters) - accepted)
    if unknown:
        raise ValueError(
            f"unknown hyperparameter(s) {', '.join(f'`{u}`' for u in unknown)} for "
            f"`optimizer_factory` {name}; it accepts {sorted(accepted)}"
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
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):  # ragged nesting, or values NumPy cannot hold
        array = np.asarray(None)
    if not _is_real_dtype(array.dtype):
        raise TypeError(
            f"`{name}` must hold real numbers to sweep (a scalar or a 1-D list), "
            f"got {shown(value)} of dtype {array.dtype}"
        )
    if array.ndim > 1 or (array.ndim == 1 and array.size == 0):
        raise ValueError(
            f"`{name}` must be a scalar (fixed) or a non-empty 1-D sequence of values (swept), "
            f"got shape {array.shape}"
        )
    if not np.all(np.isfinite(array.astype(np.float64))):
        raise ValueError(f"`{name}` must hold finite numbers, got {shown(value)}")
    return array


def check_seeds(seeds: Any) -> np.ndarray:
    """Seeds: a count ``n`` (seeds ``0..n-1``) or a 1-D sequence of integers in [0, 2**32)."""
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool | np.bool_):
        check_positive_int("seeds", seeds)
        return np.arange(int(seeds), dtype=np.uint32)
    try:
        array = np.asarray(seeds)
    except (TypeError, ValueError):
        array = np.asarray(None)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(
            f"`seeds` must be a count or integers (one PRNG key each), got {shown(seeds)}"
        )
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"`seeds` must be a count or a non-empty 1-D sequence, got {shown(seeds)}")
    if array.min() < 0 or array.max() >= 2**32:
        raise ValueError(f"`seeds` must lie in [0, 2**32), got {shown(seeds)}")
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
    if isinstance(tolerance, int) and abs(tolerance) > 2**1000:  # beyond float64
        return math.inf if tolerance > 0 else -math.inf
    if not is_python_number(tolerance) or math.isnan(tolerance):
        raise ValueError(f"`tolerance` must be a number or None, got {shown(tolerance)}")
    return float(tolerance)


def check_directory(name: str, value: Any) -> None:
    """``None`` or a non-empty directory path (a string or ``os.PathLike``)."""
    if value is None:
        return
    if not isinstance(value, str | os.PathLike) or not os.fspath(value):
        raise TypeError(f"`{name}` must be a directory path or None, got {shown(value)}")


def check_not_traced(**named: Any) -> None:
    """``sweep``'s inputs are concrete: a sweep runs its own compiled program."""
    for name, value in named.items():
        if any(is_traced(leaf) for leaf in jax.tree_util.tree_leaves(value)):
            raise TypeError(
                f"`{name}` is a traced value: sweep was called inside jax.jit, vmap or grad, "
                "but a sweep compiles and runs its own program and cannot be traced. Pass the "
                "values to sweep itself (a list is swept), or jax.vmap a function that calls "
                "jaxdescent.minimize"
            )


def check_hyperparameter_shapes(values: dict[str, Any], x0: Any) -> None:
    """An optimizer's array hyperparameters broadcast to every parameter array's shape."""
    for name, value in values.items():
        shape = np.shape(value)
        if not shape:
            continue
        for path, leaf in jax.tree_util.tree_flatten_with_path(x0)[0]:
            try:
                fits = np.broadcast_shapes(shape, np.shape(leaf)) == np.shape(leaf)
            except ValueError:
                fits = False
            if not fits:
                raise ValueError(
                    f"the optimizer's `{name}` has shape {shape}, which does not broadcast to "
                    f"the shape {np.shape(leaf)} of `x0`{jax.tree_util.keystr(path)}: give one "
                    "number, or an array shaped like every parameter array"
                )


# ---- memory ----------------------------------------------------------------------------------


def physical_memory() -> int:
    """Bytes of memory of this machine."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def device_memory() -> int:
    """Bytes of memory of the default device (the machine's, for a CPU)."""
    stats = jax.devices()[0].memory_stats() or {}
    return stats.get("bytes_limit") or physical_memory()


def in_bytes(n: float) -> str:
    """``n`` bytes, readably: ``'1.5 GiB'``."""
    n = float(n) if n < 2**1000 else math.inf
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # unreachable


def result_bytes(runs: int, records: int, record_bytes: int, final_bytes: int) -> int:
    """Memory of the result of ``runs`` descents: each has ``records`` records of
    ``record_bytes`` and a final state of ``final_bytes``."""
    return runs * (records * record_bytes + final_bytes)


def check_fits(need: int, what: str, remedy: str, available: int | None = None) -> None:
    """Refuse, before allocating, what needs more than the machine's memory."""
    available = physical_memory() if available is None else available
    if need > available:
        raise ValueError(
            f"{what} would need about {in_bytes(need)}, more than this machine's "
            f"{in_bytes(available)} of memory; {remedy}"
        )


def check_records_fit(config: Any, x0: Any, runs: int = 1) -> None:
    """Refuse ``runs`` descents (a ``DescentConfig``) whose records (loss, gradient norm,
    parameters) and final state would not fit in memory: :func:`result_bytes` with 64
    bytes per run for its final loss, flags and indices; ``aux`` and evaluations not counted."""
    leaves = jax.tree_util.tree_leaves(x0)
    params = sum(math.prod(np.shape(x)) * np.dtype(x.dtype).itemsize for x in leaves)
    number = np.dtype(jnp.result_type(float)).itemsize
    record = number * (1 + config.record_grad_norm) + params * config.record_params
    records = config.records()
    many = f"{runs} runs x " if runs > 1 else ""
    check_fits(
        result_bytes(runs, records, record, params + 64),
        f"recording {many}{records} records (`steps`={config.steps}, `record_every`="
        f"{config.record_every}) of {record} bytes",
        "record less often (`record_every`, None for the final state only) or not the "
        "parameters (`record_params=False`)"
        + (
            ", or sweep fewer configurations: the whole result is kept, so `chunk_size` and "
            "`memory_budget` do not help"
            if runs > 1
            else ""
        ),
    )
