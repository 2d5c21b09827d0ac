"""Low and mixed precision: every optimizer descends as its reference does, through one driver.

A hyperparameter acts as a Python number does in optax (weakly typed): ``1 - b2``
and ``b2**t`` are computed before they meet a bfloat16 leaf, never rounded to
bfloat16 first (``bfloat16(0.999) == 1``, so rounding first makes Adam's bias
correction 0 and its first step NaN). Each update and state leaf keeps its
parameter's dtype, so trees mixing dtypes run in ``minimize`` and ``sweep``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxdescent as jd
from tests.registry import Case, all_cases

CASES = [pytest.param(case, id=case.name) for case in all_cases()]
LOW = (jnp.bfloat16, jnp.float16)


def bowl(w: dict) -> jax.Array:
    """A quadratic over a tree of any floating dtypes, summed in float32."""
    return sum(jnp.sum((x.astype(jnp.float32) - 3.0) ** 2) for x in jax.tree_util.tree_leaves(w))


def _run(optimizer, x0, steps: int = 100):
    return jd.minimize(bowl, x0, optimizer, steps=steps, record_params=False)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", LOW, ids=["bfloat16", "float16"])
def test_low_precision_descends_as_the_reference_does(case: Case, dtype) -> None:
    kwargs = case.kwargs[0]
    x0 = {"w": jnp.ones((3,), dtype), "b": jnp.zeros((2,), dtype)}
    ours = _run(case.ours(**kwargs), x0)
    with jax.numpy_dtype_promotion("standard"):  # optax mixes Python floats with int32 counts
        theirs = _run(case.reference(**kwargs), x0)
    assert jax.tree_util.tree_map(lambda x: x.dtype, ours.final_params) == {"w": dtype, "b": dtype}
    if bool(jnp.isfinite(theirs.final_loss)):
        assert bool(jnp.isfinite(ours.final_loss)), f"NaN where {case.reference} is finite"
        start, a, b = float(ours.loss[0]), float(ours.final_loss), float(theirs.final_loss)
        # Rounding to 8 (bfloat16) or 11 (float16) bits lets the paths drift apart a little.
        assert abs(a - b) <= 0.05 * start, (a, b, start)
    # Where the reference is NaN, ours may be too (NaN only where the reference is).


def _bowl(w: dict) -> jax.Array:
    """A value_fn for line searches, whose gradient is the ``grads`` below."""
    return sum(jnp.sum(0.5 * (x - 0.25) ** 2) for x in jax.tree_util.tree_leaves(w))


@pytest.mark.parametrize("case", CASES)
def test_updates_and_state_keep_each_leafs_dtype(case: Case) -> None:
    params = {
        "half": jnp.full((2,), 0.5, jnp.bfloat16),
        "single": jnp.full((3,), 0.5, jnp.float32),
        "double": jnp.full((2, 2), 0.5, jnp.float64),
    }
    opt = case.ours(**case.kwargs[0])
    grads = jax.tree_util.tree_map(lambda p: p - 0.25, params)
    extra = case.update_kwargs(jnp.asarray(1.5, jnp.float32), grads, _bowl)
    for run in (
        lambda o: o.update(grads, o.init(params), params, **extra),
        jax.jit(lambda o: o.update(grads, o.init(params), params, **extra)),
    ):
        updates, state = run(opt)
        assert jax.tree_util.tree_map(lambda u: u.dtype, updates) == {
            k: v.dtype for k, v in params.items()
        }
        for field in state if isinstance(state, tuple) else ():
            if isinstance(field, dict):  # moments of the parameters (per axis for SM3)
                for name, leaves in field.items():
                    for leaf in jax.tree_util.tree_leaves(leaves):
                        if jnp.issubdtype(leaf.dtype, jnp.floating):
                            assert leaf.dtype == params[name].dtype, (name, leaf.dtype)


def test_a_tree_mixing_dtypes_runs_in_minimize_and_sweep() -> None:
    x0 = {
        "a": jnp.zeros((2,), jnp.float16),
        "b": jnp.zeros((2,), jnp.bfloat16),
        "c": jnp.zeros((2,), jnp.float32),
        "d": jnp.zeros((2,), jnp.float64),
    }
    run = jd.minimize(bowl, x0, jd.adam(0.1), steps=60)
    assert {k: v.dtype for k, v in run.final_params.items()} == {k: v.dtype for k, v in x0.items()}
    assert float(run.final_loss) < 0.1 * float(run.loss[0])
    res = jd.sweep(bowl, jd.adam, x0=x0, steps=60, learning_rate=[0.1])
    for name, leaf in res.final_params.items():
        assert leaf.dtype == x0[name].dtype
        np.testing.assert_array_equal(np.asarray(leaf[0]), np.asarray(run.final_params[name]))


def test_adam_in_bfloat16_matches_optax_step_by_step_on_python_floats() -> None:
    w = jnp.array([1.0, -2.0, 0.5], jnp.bfloat16)
    ours, theirs = jd.adam(1e-2), optax.adam(1e-2)
    s1, s2 = ours.init(w), theirs.init(w)
    for t in range(20):
        g = (w - 3 + 0.1 * t).astype(jnp.bfloat16)
        u1, s1 = ours.update(g, s1)
        with jax.numpy_dtype_promotion("standard"):
            u2, s2 = theirs.update(g, s2)
        assert u1.dtype == jnp.bfloat16
        np.testing.assert_array_equal(np.asarray(u1, np.float32), np.asarray(u2, np.float32))
