"""Checks of what a descent is given (``minimize``, and each run of a sweep): parameters,
data, settings, the objective's output (at trace time), a tolerance, a state, and the
shapes of an optimizer's array hyperparameters. What only a sweep is given (its grid,
seeds, starts) is checked in :mod:`jaxdescent._sweep_checks`.

Every message names the argument, what is allowed and what was given.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxdescent._checks import (
    check_callable,
    check_choice,
    check_flag,
    check_positive_int,
    check_real_number,
    is_python_number,
    shown,
)


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
    """``x0`` as a pytree of real or complex float arrays (JAX's as given, else NumPy of JAX's
    dtype); integer, boolean or empty trees are an error."""
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
        if not jnp.issubdtype(array.dtype, jnp.inexact):
            raise TypeError(
                f"`{name}` must hold floating-point arrays, real or complex (descent moves them "
                f"continuously), but {where} has dtype {array.dtype}; pass e.g. "
                f"jnp.asarray({name}, jnp.float32)"
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


def check_tolerance(tolerance: Any) -> float | None:
    """``None`` or a real number (compared with the loss)."""
    if tolerance is None:
        return None
    if isinstance(tolerance, int) and abs(tolerance) > 2**1000:  # beyond float64
        return math.inf if tolerance > 0 else -math.inf
    if not is_python_number(tolerance) or math.isnan(tolerance):
        raise ValueError(f"`tolerance` must be a number or None, got {shown(tolerance)}")
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
