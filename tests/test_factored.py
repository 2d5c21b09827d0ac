"""Adafactor and SM3 beyond the registry: matrices big enough to factor, the options one by
one, complex parameters, and SM3's bound and its departure from optax (the missing eps).

Expected values come from optax, closed forms of the first step, or the paper's bound.
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
from tests.cases_factored import CASES
from tests.registry import Case

BY_NAME = {case.name: case for case in CASES}


def _matrix_problem() -> tuple[Any, dict[str, jax.Array]]:
    """Least squares ``|X W T - Y|^2`` with ``W`` 200 x 150, a 3-D leaf and a bias."""
    rng = np.random.default_rng(3)
    x, t = rng.normal(size=(8, 200)) / 14, rng.normal(size=(150, 6)) / 12
    y = rng.normal(size=(8, 6))

    def loss(p: dict[str, jax.Array]) -> jax.Array:
        out = x @ p["w"] @ t + jnp.sum(p["k"]) + p["b"][None, :]
        return jnp.mean((out - y) ** 2)

    x0 = {
        "w": jnp.asarray(rng.normal(size=(200, 150)) * 0.1),
        "k": jnp.asarray(rng.normal(size=(5, 3, 4))),
        "b": jnp.zeros(6),
    }
    return loss, x0


MATRIX_KWARGS = [
    # W (200 x 150) and K (5 x 3 x 4, over its axes 2 and 0) factored.
    {"learning_rate": 1e-2, "min_dim_size_to_factor": 4, "momentum": 0.9, "dtype_momentum": None},
    {"learning_rate": 1e-2, "min_dim_size_to_factor": 2, "factored": False},
]
STEPS = 15


@pytest.mark.parametrize("kwargs", MATRIX_KWARGS)
def test_adafactor_descends_a_large_matrix_as_optax(kwargs: dict) -> None:
    loss, x0 = _matrix_problem()
    opt, reference = jd.adafactor(**kwargs), BY_NAME["adafactor"].reference(**kwargs)
    run = jd.minimize(loss, x0, opt, steps=STEPS)

    def step(carry, _):
        p, s = carry
        u, s = reference.update(jax.grad(loss)(p), s, p)
        p = optax.apply_updates(p, u)
        return (p, s), p

    with jax.numpy_dtype_promotion("standard"):
        _, ps = jax.jit(lambda p: jax.lax.scan(step, (p, reference.init(p)), length=STEPS))(x0)
    ps = jax.tree_util.tree_map(lambda a, b: jnp.concatenate([a[None], b]), x0, ps)
    assert equivalence.relative_deviation(run.params, ps) <= 1e-12
    assert float(run.final_loss) < 0.9 * float(run.loss[0])
    ours, theirs = opt.init(x0), reference.init(x0)
    with jax.numpy_dtype_promotion("standard"):
        for name in ("v_row", "v_col", "v"):
            shapes = jax.tree_util.tree_map(jnp.shape, optax.tree.get(ours, name))
            assert shapes == jax.tree_util.tree_map(jnp.shape, optax.tree.get(theirs, name))


def test_adafactor_factors_the_two_largest_axes() -> None:
    state = jd.adafactor(min_dim_size_to_factor=4).init(
        {
            "m": jnp.ones((5, 4)),
            "t": jnp.ones((3, 7, 4)),
            "small": jnp.ones((3, 9)),
            "v": jnp.ones(9),
        }
    )
    assert state.v_row["m"].shape == (4,)
    assert state.v_col["m"].shape == (5,)
    assert state.v_row["t"].shape == (3, 4)
    assert state.v_col["t"].shape == (3, 7)
    for name, shape in {"small": (3, 9), "v": (9,)}.items():  # an axis under 4, or a vector
        assert state.v[name].shape == shape
        assert state.v_row[name].shape == (1,)
    assert state.v["m"].shape == (1,)


def _without(case: Case, kwargs: dict, name: str) -> dict:
    """``kwargs`` with ``name`` back at its default (sm3 has none for its learning rate)."""
    rest = {k: v for k, v in kwargs.items() if k != name}
    return {**rest, "learning_rate": 0.1} if (case.name, name) == ("sm3", "learning_rate") else rest


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_every_registered_option_changes_the_updates(case: Case) -> None:
    """Back at its default, each keyword of a registry set changes the stream's updates: an
    implementation ignoring it would fail the registry's comparison with the reference."""
    variants = [(kwargs, name) for kwargs in case.kwargs for name in kwargs]
    optimizers = [(case.ours(**kw), case.ours(**_without(case, kw, name))) for kw, name in variants]
    stream = equivalence.least_squares_stream(jnp.float64, 12)
    runs = jax.jit(
        lambda: [[equivalence.scan_updates(o, stream, case) for o in pair] for pair in optimizers]
    )()
    for (kwargs, name), (given, default) in zip(variants, runs, strict=True):
        deviation = equivalence.relative_deviation(given, default)
        assert deviation > 1e-12, f"{name} of {kwargs} changes nothing"  # float64's tolerance


def test_adafactor_on_complex_parameters_follows_optax() -> None:
    """optax's alias tests run Adafactor on complex parameters (conjugated gradients)."""
    w0 = jnp.array([-1.0, 10.0, 1.0], jnp.complex64) * (1 - 0.5j)
    target = jnp.array([1.0, -1.0, 1.0], jnp.complex64) * (1 + 1j)
    grad = jax.grad(lambda w: jnp.sum(jnp.abs(w - target) ** 2))
    ours, theirs = jd.adafactor(5e-3), optax.adafactor(5e-3)
    a, b, sa, sb = w0, w0, ours.init(w0), theirs.init(w0)
    grad = jax.jit(grad)
    for _ in range(10):
        ua, sa = jax.jit(ours.update)(grad(a).conj(), sa, a)
        with jax.numpy_dtype_promotion("standard"):
            ub, sb = jax.jit(theirs.update)(grad(b).conj(), sb, b)
        assert ua.dtype == jnp.complex64
        assert sa.v.dtype == jnp.float32
        np.testing.assert_allclose(ua, ub, rtol=1e-5, atol=1e-9)
        a, b = a + ua, b + ub
    state = jd.adafactor(5e-3, momentum=0.9).init(w0)
    assert state.ema.dtype == jnp.complex64  # optax's float32 buffer would drop Im(m)


def test_sm3_refuses_complex_parameters_by_name() -> None:
    with pytest.raises(ValueError, match=r"`params`.*complex"):
        jd.sm3(0.1).init({"w": jnp.ones(2, jnp.complex64)})


def test_sm3_bounds_the_sums_of_squared_gradients() -> None:
    """The paper's invariant: ``min_a mu_a(i_a) >= sum_s g_s(i)^2`` for every entry ``i``."""
    rng = np.random.default_rng(5)
    opt = jd.sm3(0.1)
    update = jax.jit(opt.update)
    w = {"m": jnp.zeros((4, 5, 3)), "v": jnp.zeros(6)}
    state, total = opt.init(w), jax.tree_util.tree_map(jnp.zeros_like, w)
    for _ in range(20):
        g = jax.tree_util.tree_map(lambda x: jnp.asarray(rng.normal(size=x.shape)), w)
        _, state = update(g, state)
        total = jax.tree_util.tree_map(lambda t, g: t + g**2, total, g)
        mu = state.mu["m"]
        bound = jnp.minimum(
            jnp.minimum(mu[0][:, None, None], mu[1][None, :, None]), mu[2][None, None]
        )
        assert bool(jnp.all(bound >= total["m"] * (1 - 1e-12)))
        np.testing.assert_allclose(state.mu["v"][0], total["v"], rtol=1e-12)  # a vector: Adagrad


def test_sm3_first_step_is_the_paper_s_not_optax_s() -> None:
    """Step 1: ``-alpha (1 - b1) g / |g|`` (paper); optax divides by ``sqrt(g^2 + 1e-8)``."""
    g = jnp.array([1e-5, -1e-5, 0.0, 2.0])
    expected = -0.1 * (1 - 0.9) * jnp.sign(g)
    ours, _ = jd.sm3(0.1).update(g, jd.sm3(0.1).init(g))
    np.testing.assert_allclose(ours, expected, rtol=1e-12)
    theirs, _ = optax.sm3(0.1).update(g, optax.sm3(0.1).init(g))
    np.testing.assert_allclose(theirs, -0.01 * g / jnp.sqrt(g**2 + 1e-8), rtol=1e-12)
    assert abs(float(theirs[0]) / float(expected[0]) - 0.1) < 1e-3  # a tenth of the paper's step


def test_sm3_scalar_parameter_is_adagrad_and_needs_no_params() -> None:
    opt = jd.sm3(0.5, momentum=None)
    state = opt.init({"s": jnp.asarray(1.0), "m": jnp.ones((2, 2))})
    grads = {"s": jnp.asarray(-3.0), "m": jnp.full((2, 2), 2.0)}
    u1, state = opt.update(grads, state)
    u2, state = opt.update(grads, state)
    np.testing.assert_allclose(u1["s"], 0.5, rtol=1e-12)  # -alpha g / sqrt(g^2)
    np.testing.assert_allclose(u2["s"], 0.5 / np.sqrt(2), rtol=1e-12)  # -alpha g / sqrt(2 g^2)
    with pytest.raises(ValueError, match="`grads` must have the parameters' shapes"):
        opt.update({"s": jnp.asarray(1.0), "m": jnp.ones(3)}, state)


def test_adafactor_needs_params_and_checks_an_unused_mask() -> None:
    opt = jd.adafactor(0.1)
    w = jnp.ones(3)
    with pytest.raises(ValueError, match="`params`"):
        opt.update(w, opt.init(w))
    masked = jd.adafactor(0.1, weight_decay_mask={"a": True})
    with pytest.raises(ValueError, match="`weight_decay_mask`"):
        masked.update(w, masked.init(w), w)
