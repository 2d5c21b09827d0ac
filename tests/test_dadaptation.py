"""Prodigy and D-Adapted AdamW beyond the registry: where they equal optax, where they depart.

Both papers use the learning rate as given; optax multiplies it by Adam's bias
correction ``sqrt(1 - b2^t) / (1 - b1^t)``, which is 1 when ``b1 = b2 = 0``: there
jaxdescent equals optax (Prodigy also needs ``eps = 0``, optax scaling it by ``d_{k+1}``
where the paper scales it by ``d_k``).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxdescent as jd
from tests import equivalence
from tests.registry import Case

RTOL = {"float32": 1e-6, "float64": 1e-12}
SCHEDULE = optax.linear_schedule(1.0, 0.2, 100)
PAIRS = {
    "prodigy": (jd.prodigy, optax.contrib.prodigy),
    "dadapt_adamw": (jd.dadapt_adamw, optax.contrib.dadapt_adamw),
}
WITHOUT_BIAS_CORRECTION = [
    ("prodigy", {"betas": (0.0, 0.0), "eps": 0.0}),
    ("prodigy", {"betas": (0.0, 0.0), "eps": 0.0, "learning_rate": SCHEDULE,
                 "weight_decay": 0.1, "beta3": 0.9, "estim_lr_coef": 2.0}),
    ("prodigy", {"betas": (0.0, 0.0), "eps": 0.0, "safeguard_warmup": True, "estim_lr0": 1e-4}),
    ("dadapt_adamw", {"betas": (0.0, 0.0)}),
    ("dadapt_adamw", {"betas": (0.0, 0.0), "learning_rate": SCHEDULE, "weight_decay": 0.1,
                      "estim_lr0": 1e-4, "eps": 1e-6}),
]  # fmt: skip


def _case(name: str) -> Case:
    ours, theirs = PAIRS[name]
    return Case(name, ours, theirs, ())


@pytest.mark.parametrize(("name", "kwargs"), WITHOUT_BIAS_CORRECTION)
def test_without_bias_correction_equals_optax(name: str, kwargs: dict) -> None:
    for dtype, deviation in equivalence.stream_deviations(_case(name), kwargs).items():
        assert deviation <= RTOL[dtype], f"{dtype}: relative deviation {deviation:.3g}"


@pytest.mark.parametrize("name", PAIRS)
def test_optax_bias_correction_is_a_real_departure(name: str) -> None:
    deviation = equivalence.stream_deviation(_case(name), {}, jnp.float64, steps=10)
    assert deviation > 0.1  # the first step alone differs by sqrt(1 - b2) / (1 - b1) = 0.32


@pytest.mark.parametrize("name", PAIRS)
def test_zero_gradients_keep_d_where_optax_gives_nan(name: str) -> None:
    ours, theirs = PAIRS[name]
    w = jnp.array([1.0, -2.0], jnp.float64)
    zero = jnp.zeros_like(w)
    opt = ours()
    state = opt.init(w)
    for _ in range(2):
        updates, state = opt.update(zero, state, w)
        np.testing.assert_array_equal(updates, 0.0)
    assert float(state.estim_lr) == 1e-6
    reference = theirs()
    with jax.numpy_dtype_promotion("standard"):
        _, optax_state = reference.update(zero, reference.init(w), w)
    assert np.isnan(float(optax_state.estim_lr))


@pytest.mark.parametrize("name", PAIRS)
def test_d_only_grows_and_the_descent_converges(name: str) -> None:
    fn, x0 = equivalence.problem("quadratic")
    ours, _ = PAIRS[name]
    opt = ours()
    x, state = x0, opt.init(x0)
    estimates = []
    for _ in range(300):
        updates, state = opt.update(jax.grad(fn)(x), state, x)
        x = optax.apply_updates(x, updates)
        estimates.append(float(state.estim_lr))
    assert np.all(np.diff(estimates) >= 0)
    assert estimates[-1] > 1e3 * estimates[0]  # from d_0 = 1e-6 towards the distance (~1)
    assert float(fn(x)) < 0.1 * float(fn(x0))


@pytest.mark.parametrize("name", PAIRS)
def test_a_sweep_over_two_learning_rates_equals_two_descents(name: str) -> None:
    ours, _ = PAIRS[name]
    fn, x0 = equivalence.problem("rosenbrock")
    rates = [0.5, 1.0]
    result = jd.sweep(fn, ours, x0=x0, steps=50, learning_rate=rates, progress=False)
    for i, rate in enumerate(rates):
        run = jd.minimize(fn, x0, ours(rate), steps=50)
        np.testing.assert_allclose(result.final_params[i], run.final_params, rtol=1e-12)


@pytest.mark.parametrize(
    ("factory", "kwargs", "match"),
    [
        (jd.prodigy, {"betas": (0.9,)}, r"`betas` must be a pair"),
        (jd.prodigy, {"betas": (0.9, 1.0)}, r"`betas` must be in \[0.0, 1.0\)"),
        (jd.prodigy, {"estim_lr0": 0.0}, r"`estim_lr0` must be in \(0.0"),
    ],
)
def test_bad_arguments_are_refused_by_name(factory: Any, kwargs: dict, match: str) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        factory(**kwargs)


@pytest.mark.parametrize("name", PAIRS)
def test_an_array_of_learning_rates_is_refused_while_tracing(name: str) -> None:
    """A sweep checks all its values at once (built with an array); each run takes one."""
    opt = PAIRS[name][0](np.full(2, 0.5))
    w = jnp.ones(2)
    with pytest.raises(ValueError, match=r"`learning_rate`.*shape \(2,\)"):
        jax.eval_shape(lambda: opt.update(w, opt.init(w), w))
