"""Schedule-Free's evaluation parameters, and the optax.contrib optimizers in minimize and sweep.

Where optax.contrib.schedule_free_sgd follows the paper (no warmup), jaxdescent's
descent and its evaluation parameters equal optax's from an independent loop; where
it does not (warmup), the difference is the one the docstring describes.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxdescent as jd
from tests.equivalence import rosenbrock

X0 = jnp.array([-1.2, 1.0], jnp.float64)
STEPS = 60


def optax_loop(opt: optax.GradientTransformation, steps: int = STEPS) -> tuple[Any, Any]:
    """Final parameters and state of ``opt`` on Rosenbrock from ``X0``: a plain Python loop."""
    params, state = X0, opt.init(X0)
    with jax.numpy_dtype_promotion("standard"):
        for _ in range(steps):
            updates, state = opt.update(jax.grad(rosenbrock)(params), state, params)
            params = optax.apply_updates(params, updates)
    return params, state


@pytest.mark.parametrize(
    "kwargs",
    [{"learning_rate": 1e-3}, {"learning_rate": 1e-3, "b1": 0.8, "weight_decay": 0.1}],
    ids=["default", "b1-weight_decay"],
)
def test_eval_params_after_minimize_equal_optax(kwargs: dict) -> None:
    run = jd.minimize(rosenbrock, X0, jd.schedule_free_sgd(**kwargs), steps=STEPS)
    params, state = optax_loop(optax.contrib.schedule_free_sgd(**kwargs))
    ours = jd.schedule_free_eval_params(run.final_state, run.final_params)
    theirs = optax.contrib.schedule_free_eval_params(state, params)
    np.testing.assert_allclose(run.final_params, params, rtol=1e-12)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert not np.allclose(ours, run.final_params)  # x is not y


def test_eval_params_read_optax_states_as_optax_does() -> None:
    params, state = optax_loop(optax.contrib.schedule_free_adamw(1e-2, warmup_steps=5), 10)
    ours = jd.schedule_free_eval_params(state, params)
    np.testing.assert_array_equal(ours, optax.contrib.schedule_free_eval_params(state, params))


@pytest.mark.parametrize("factory", [jd.schedule_free_sgd, jd.schedule_free_adamw])
def test_final_state_continues_the_descent_and_gives_x(factory: Any) -> None:
    opt = factory(learning_rate=1e-3, warmup_steps=10)
    whole = jd.minimize(rosenbrock, X0, opt, steps=STEPS)
    half = jd.minimize(rosenbrock, X0, opt, steps=STEPS // 2)
    rest = jd.minimize(rosenbrock, half.final_params, opt, steps=STEPS // 2, state=half.final_state)
    np.testing.assert_allclose(rest.final_params, whole.final_params, rtol=1e-13)
    x = jd.schedule_free_eval_params(rest.final_state, rest.final_params)
    z, b1 = whole.final_state.z, 0.9  # y = b1 x + (1 - b1) z
    np.testing.assert_allclose(b1 * x + (1 - b1) * z, whole.final_params, rtol=1e-13)


def test_eval_params_of_a_tree_of_mixed_dtypes_keep_them() -> None:
    x0 = {"a": jnp.ones(2, jnp.bfloat16), "b": jnp.ones(3, jnp.float32)}
    fn = lambda w: sum(jnp.sum(v.astype(jnp.float32) ** 2) for v in w.values())  # noqa: E731
    run = jd.minimize(fn, x0, jd.schedule_free_adamw(0.1), steps=20)
    x = jd.schedule_free_eval_params(run.final_state, run.final_params)
    assert {k: v.dtype for k, v in x.items()} == {k: v.dtype for k, v in x0.items()}
    assert float(fn(x)) < float(fn(x0))


def test_eval_params_refuse_another_state_by_name() -> None:
    opt = jd.adam(0.1)
    with pytest.raises(ValueError, match=r"`state`.*AdamState"):
        jd.schedule_free_eval_params(opt.init(X0), X0)


def test_optax_warms_the_z_step_up_one_step_late() -> None:
    """The documented departure: with warmup, optax's first step leaves z (and y) in place."""
    g = jax.grad(rosenbrock)(X0)
    kwargs = {"learning_rate": 1e-3, "warmup_steps": 4}
    theirs = optax.contrib.schedule_free_sgd(**kwargs)
    with jax.numpy_dtype_promotion("standard"):
        u_theirs, _ = theirs.update(g, theirs.init(X0), X0)
    ours = jd.schedule_free_sgd(**kwargs)
    u_ours, _ = ours.update(g, ours.init(X0), X0)
    np.testing.assert_array_equal(u_theirs, 0.0)
    np.testing.assert_allclose(u_ours, -1e-3 / 4 * g, rtol=1e-14)  # gamma_1 = alpha / 4, c = 1


@pytest.mark.parametrize(
    "factory", [jd.schedule_free_sgd, jd.schedule_free_adamw, jd.adopt, jd.ademamix]
)
def test_a_sweep_over_learning_rates_equals_separate_descents(factory: Any) -> None:
    rates = [1e-3, 2e-3]
    res = jd.sweep(rosenbrock, factory, x0=X0, steps=30, progress=False, learning_rate=rates)
    assert res.shape == (2,)
    for i, rate in enumerate(rates):
        run = jd.minimize(rosenbrock, X0, factory(learning_rate=rate), steps=30)
        np.testing.assert_allclose(res.final_params[i], run.final_params, rtol=1e-12)
    assert not np.allclose(res.final_params[0], res.final_params[1])
