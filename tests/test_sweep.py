"""`sweep`: equal to `minimize` run by run, closed forms, one compilation, chunks, divergence."""

from __future__ import annotations

import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxdescent as jd
from jaxdescent import _execute


def rosenbrock(w: jax.Array) -> jax.Array:
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def quadratic(w: jax.Array) -> jax.Array:
    """C(w) = 3/2 |w|^2: plain descent gives w_t = (1 - 3 lr)^t w_0."""
    return 1.5 * jnp.sum(w**2)


FIELDS = ("loss", "grad_norm", "params", "final_params", "final_loss", "diverged_at")

# (factory, swept and fixed keywords for sweep, the same optimizer for minimize)
CASES = {
    "jaxdescent.adam": (
        jd.adam,
        {"learning_rate": [0.05], "b1": 0.8},
        lambda: jd.adam(0.05, b1=0.8),
    ),
    "jaxdescent.sgd+momentum": (
        jd.sgd,
        {"learning_rate": [2e-3], "momentum": 0.9},
        lambda: jd.sgd(2e-3, momentum=0.9),
    ),
    "optax.adam": (optax.adam, {"learning_rate": [0.05]}, lambda: optax.adam(0.05)),
}


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
@pytest.mark.parametrize("case", list(CASES))
def test_one_configuration_equals_minimize_bit_for_bit(case: str, dtype) -> None:
    factory, hyperparameters, build = CASES[case]
    x0 = jnp.array([-1.2, 1.0], dtype)
    # optax computes decay**count with an int32 count: it needs standard promotion.
    with jax.numpy_dtype_promotion("standard" if case.startswith("optax") else "strict"):
        res = jd.sweep(rosenbrock, factory, x0=x0, steps=30, record_params=True, **hyperparameters)
        run = jd.minimize(rosenbrock, x0, build(), steps=30)
    assert res.shape == (1,)
    for field in FIELDS:
        got, want = getattr(res, field)[0], getattr(run, field)
        assert got.dtype == want.dtype, field
        np.testing.assert_array_equal(got, want, err_msg=field)
    np.testing.assert_array_equal(res.steps, run.steps)


def test_nothing_swept_is_one_run_equal_to_minimize() -> None:
    x0 = jnp.array([-1.2, 1.0], jnp.float32)
    res = jd.sweep(rosenbrock, jd.adam, x0=x0, steps=30, record_params=True, learning_rate=0.02)
    run = jd.minimize(rosenbrock, x0, jd.adam(0.02), steps=30)
    assert res.dims == ()
    assert res.shape == ()
    for field in FIELDS:
        np.testing.assert_array_equal(getattr(res, field), getattr(run, field), err_msg=field)


ONE_CONFIGURATION_WITHOUT_X64 = """
import jax, jax.numpy as jnp, numpy as np, jaxdescent as jd
assert not jax.config.jax_enable_x64
f = lambda w: (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2
for dtype in (jnp.float32, jnp.bfloat16):
    x0 = jnp.array([-1.2, 1.0], dtype)
    res = jd.sweep(f, jd.adam, x0=x0, steps=50, learning_rate=[0.01], b2=0.99)
    run = jd.minimize(f, x0, jd.adam(0.01, b2=0.99), steps=50)
    assert bool(jnp.isfinite(run.final_loss)), dtype
    got, want = (np.asarray(x, np.float32) for x in (res.loss[0], run.loss))
    np.testing.assert_array_equal(got, want)
print("equal")
"""


def test_one_configuration_equals_minimize_without_x64() -> None:
    # The suite runs with x64; users mostly run without, where hyperparameters trace as float32.
    env = {**os.environ, "JAX_ENABLE_X64": "0", "XLA_FLAGS": ""}
    out = subprocess.run(
        [sys.executable, "-c", ONE_CONFIGURATION_WITHOUT_X64], env=env, capture_output=True
    )
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    assert out.stdout.decode().strip() == "equal"


def test_grid_follows_the_closed_form_on_a_quadratic() -> None:
    learning_rates = np.array([0.05, 0.1, 0.2])
    starts = jnp.array([[1.0, -2.0], [0.5, 0.25]], jnp.float64)
    res = jd.sweep(quadratic, jd.sgd, starts=starts, steps=10, learning_rate=learning_rates)
    assert res.dims == ("learning_rate", "start")
    assert res.shape == (3, 2)
    np.testing.assert_array_equal(res.coords["learning_rate"], learning_rates)
    np.testing.assert_array_equal(res.coords["start"], [0, 1])
    factor = (1 - 3 * learning_rates)[:, None, None] ** 10
    np.testing.assert_allclose(res.final_params, factor * np.asarray(starts)[None], rtol=1e-13)
    t = np.arange(11)
    expected_loss = (
        1.5
        * (1 - 3 * learning_rates[:, None, None]) ** (2 * t)
        * np.sum(np.asarray(starts) ** 2, axis=1)[None, :, None]
    )
    np.testing.assert_allclose(res.loss, expected_loss, rtol=1e-12)


def test_every_run_of_a_grid_equals_its_own_minimize() -> None:
    starts = jnp.array([[-1.2, 1.0], [0.5, 0.5]], jnp.float64)
    res = jd.sweep(
        rosenbrock, jd.sgd, starts=starts, steps=20, learning_rate=[1e-3, 2e-3], momentum=[0.0, 0.9]
    )
    assert res.dims == ("learning_rate", "momentum", "start")
    for lr in (1e-3, 2e-3):
        for momentum in (0.0, 0.9):
            for s in (0, 1):
                run = jd.minimize(rosenbrock, starts[s], jd.sgd(lr, momentum=momentum), steps=20)
                picked = res.sel(learning_rate=lr, momentum=momentum, start=s)
                np.testing.assert_array_equal(picked.loss, run.loss)
                np.testing.assert_array_equal(picked.final_params, run.final_params)


def test_zip_pairs_values_into_one_sample_dim() -> None:
    x0 = jnp.array([-1.2, 1.0], jnp.float64)
    lrs, momenta = [1e-3, 2e-3, 5e-4], [0.5, 0.9, 0.0]
    res = jd.sweep(
        rosenbrock, jd.sgd, x0=x0, steps=15, pairing="zip", learning_rate=lrs, momentum=momenta
    )
    assert res.dims == ("sample",)
    np.testing.assert_array_equal(res.coords["momentum"], momenta)
    for i, (lr, momentum) in enumerate(zip(lrs, momenta, strict=True)):
        run = jd.minimize(rosenbrock, x0, jd.sgd(lr, momentum=momentum), steps=15)
        np.testing.assert_array_equal(res.final_loss[i], run.final_loss)
        np.testing.assert_array_equal(res.sel(momentum=momentum).loss, run.loss)


def test_sweep_over_seeds_equals_separate_minibatch_runs() -> None:
    x = jax.random.normal(jax.random.key(3), (32, 2), jnp.float64)
    data = {"x": x, "y": x @ jnp.array([2.0, -1.0], jnp.float64)}

    def loss(w, batch):
        return jnp.mean((batch["x"] @ w - batch["y"]) ** 2)

    w0 = jnp.zeros(2, jnp.float64)
    res = jd.sweep(
        loss, jd.sgd, x0=w0, steps=12, seeds=[0, 7], data=data, batch_size=8, learning_rate=0.1
    )
    assert res.dims == ("seed",)
    for i, seed in enumerate([0, 7]):
        run = jd.minimize(
            loss, w0, jd.sgd(0.1), steps=12, data=data, batch_size=8, key=jax.random.key(seed)
        )
        np.testing.assert_array_equal(res.loss[i], run.loss)
        np.testing.assert_array_equal(res.final_params[i], run.final_params)
    assert not np.array_equal(res.loss[0], res.loss[1])


def test_new_values_never_recompile() -> None:
    x0 = jnp.array([1.0, -1.0], jnp.float32)
    before = _execute.kernel._cache_size()
    jd.sweep(quadratic, jd.sgd, x0=x0, steps=5, learning_rate=[0.1, 0.2, 0.3, 0.4], momentum=0.5)
    jd.sweep(quadratic, jd.sgd, x0=x0, steps=5, learning_rate=[0.3, 0.01, 0.02, 0.05], momentum=0.7)
    assert _execute.kernel._cache_size() == before + 1
    # Nine configurations in chunks of four (the last padded) reuse that same program.
    res = jd.sweep(
        quadratic,
        jd.sgd,
        x0=x0,
        steps=5,
        learning_rate=np.linspace(0, 0.2, 9),
        momentum=0.1,
        chunk_size=4,
    )
    assert res.shape == (9,)
    assert _execute.kernel._cache_size() == before + 1


def test_chunks_and_memory_budget_equal_one_call(tmp_path) -> None:
    starts = jnp.array([[-1.2, 1.0], [0.5, 0.5], [1.5, 1.5]], jnp.float32)
    lrs = np.geomspace(1e-4, 1e-2, 5)
    kw = {"starts": starts, "steps": 8, "record_params": True, "learning_rate": lrs}
    whole = jd.sweep(rosenbrock, jd.adam, **kw)
    chunked = jd.sweep(rosenbrock, jd.adam, chunk_size=4, save_to=tmp_path / "a", **kw)
    budget = jd.sweep(rosenbrock, jd.adam, memory_budget=1600, save_to=tmp_path / "b", **kw)
    assert len(list((tmp_path / "a").glob("chunk_*.npz"))) == 4  # 15 runs, 4 per chunk
    assert len(list((tmp_path / "b").glob("chunk_*.npz"))) > 1
    # XLA compiles a run's arithmetic differently for different numbers of runs per device
    # (vectorised or scalar loops, where it contracts a*b+c into one fused multiply-add), so
    # chunks of another size agree to a few float32 ulps, not bit for bit (equal chunk
    # shapes are bitwise equal: see test_sharding.py).
    for other in (chunked, budget):
        for field in ("loss", "grad_norm", "params", "final_params", "final_loss"):
            np.testing.assert_allclose(getattr(other, field), getattr(whole, field), rtol=1e-6)
        np.testing.assert_array_equal(other.diverged_at, whole.diverged_at)


def test_memory_budget_below_one_run_is_an_error() -> None:
    with pytest.raises(ValueError, match="`memory_budget` of 10 bytes"):
        jd.sweep(quadratic, jd.sgd, x0=jnp.ones(2, jnp.float32), steps=5, learning_rate=[0.1],
                 memory_budget=10)  # fmt: skip


def test_diverged_runs_are_frozen_flagged_and_never_best() -> None:
    x0 = jnp.array([1.0, -1.0], jnp.float32)
    res = jd.sweep(quadratic, jd.sgd, x0=x0, steps=40, learning_rate=[0.1, 100.0, 0.2])
    np.testing.assert_array_equal(res.diverged, [False, True, False])
    # |1 - 300|^t overflows float32 (max ~3.4e38) between t = 15 and t = 16 for the parameters;
    # the loss 1.5 |w|^2 overflows earlier, at the first t with 299^(2t) * 3 > 3.4e38.
    first_inf_loss = int(np.argmax(1.5 * 299.0 ** (2 * np.arange(40)) * 2 > 3.4028235e38))
    assert res.diverged_at[1] == first_inf_loss
    assert np.all(np.isfinite(res.final_params[1]))
    assert res.best()["learning_rate"] == pytest.approx(0.2)
    assert "nan" not in res.summary().lower()
    assert "1 diverged" in res.summary()


def test_a_one_chunk_sweep_leaves_its_fields_on_the_device(tmp_path) -> None:
    x0 = jnp.array([1.0, -1.0], jnp.float32)
    kw = dict(x0=x0, steps=20, record_params=True, tolerance=1.0, learning_rate=[0.01, 0.1, 10.0])
    on_device = jd.sweep(quadratic, jd.sgd, **kw)
    for field in (*FIELDS, "diverged", "steps_to_tolerance"):
        for leaf in jax.tree_util.tree_leaves(getattr(on_device, field)):
            assert isinstance(leaf, jax.Array), field
    assert on_device.loss.shape == (3, 21)  # shaped as the user sees it: (*dims, records)
    # Saved as it runs, the same sweep fills NumPy arrays: the same program, so equal bits.
    saved = jd.sweep(quadratic, jd.sgd, save_to=tmp_path, **kw)
    for field in (*FIELDS, "diverged", "steps_to_tolerance"):
        got, want = getattr(on_device, field), getattr(saved, field)
        assert all(type(x) is np.ndarray for x in jax.tree_util.tree_leaves(want))
        jax.tree_util.tree_map(np.testing.assert_array_equal, got, want)
    assert on_device.diverged.tolist() == [False, False, True]  # w <- -29 w overflows float32


def test_steps_to_tolerance_against_the_closed_form() -> None:
    x0 = jnp.array([1.0, -2.0], jnp.float64)
    lrs = np.array([0.01, 0.1, 0.0])
    res = jd.sweep(quadratic, jd.sgd, x0=x0, steps=30, tolerance=1e-3, learning_rate=lrs)
    t = np.arange(31)
    loss = 1.5 * 5.0 * (1 - 3 * lrs[:, None]) ** (2 * t)
    expected = [int(np.argmax(row <= 1e-3)) if (row <= 1e-3).any() else -1 for row in loss]
    assert expected[1] > 0
    assert expected[2] == -1
    np.testing.assert_array_equal(res.steps_to_tolerance, expected)
    no_tolerance = jd.sweep(quadratic, jd.sgd, x0=x0, steps=30, learning_rate=lrs)
    np.testing.assert_array_equal(no_tolerance.steps_to_tolerance, [-1, -1, -1])
    # Inclusive: a loss equal to the tolerance (7.5 at the start, unmoved by lr 0) reaches it.
    at_bound = jd.sweep(quadratic, jd.sgd, x0=x0, steps=3, tolerance=7.5, learning_rate=[0.0])
    np.testing.assert_array_equal(at_bound.steps_to_tolerance, [0])


X0 = jnp.array([1.0, -1.0], jnp.float32)
RAGGED = {"a": jnp.ones((2, 2), jnp.float32), "b": jnp.ones((3,), jnp.float32)}
DATA = jnp.ones((4, 2), jnp.float32)
DROP = object()  # leave the keyword out
BAD_INPUT = {
    "factory not callable": (
        {"optimizer_factory": 3, "learning_rate": [0.1]},
        TypeError,
        "optimizer_factory",
    ),
    "unknown hyperparameter": (
        {"learning_rat": [0.1]},
        ValueError,
        r"unknown hyperparameter\(s\) `learning_rat` for `optimizer_factory` sgd",
    ),
    "missing hyperparameter": (
        {"momentum": 0.5, "learning_rate": DROP},
        ValueError,
        r"needs \['learning_rate'\]",
    ),
    "not 1-D": (
        {"learning_rate": [[0.1, 0.2]]},
        ValueError,
        r"`learning_rate` must be a scalar .* shape \(1, 2\)",
    ),
    "empty values": ({"learning_rate": []}, ValueError, "non-empty 1-D"),
    "non-numeric values": (
        {"learning_rate": ["a"]},  # a categorical axis: each value goes to the factory
        TypeError,
        "`learning_rate` must be a finite number",
    ),
    "out of range": (
        {"learning_rate": [0.1], "momentum": [0.5, 1.5]},
        ValueError,
        "`momentum` must be in",
    ),
    "both starts": (
        {"starts": X0[None], "learning_rate": [0.1]},
        ValueError,
        "exactly one of `x0`",
    ),
    "neither start": ({"x0": None, "learning_rate": [0.1]}, ValueError, "exactly one of `x0`"),
    "ragged starts": (
        {"x0": None, "starts": RAGGED, "learning_rate": [0.1]},
        ValueError,
        "leading",
    ),
    "zip lengths": (
        {"pairing": "zip", "learning_rate": [0.1, 0.2], "momentum": [0.5]},
        ValueError,
        "pairing='zip' needs",
    ),
    "bad pairing": (
        {"pairing": "product", "learning_rate": [0.1]},
        ValueError,
        "`pairing` must be",
    ),
    "float seeds": (
        {"seeds": [0.5], "learning_rate": [0.1]},
        TypeError,
        "`seeds` must be a count or integers",
    ),
    "2-D seeds": (
        {"seeds": [[0, 1]], "learning_rate": [0.1]},
        ValueError,
        "`seeds` must be a count or a non-empty 1-D",
    ),
    "reserved name": (
        {"optimizer_factory": lambda learning_rate, seed: jd.sgd(learning_rate), "seed": 1.0},
        ValueError,
        "`seed` may not name a hyperparameter",
    ),
    "bad chunk size": (
        {"chunk_size": 0, "learning_rate": [0.1]},
        ValueError,
        "`chunk_size` must be an integer >= 1",
    ),
    "chunk and budget": (
        {"chunk_size": 4, "memory_budget": 10**6, "learning_rate": [0.1]},
        ValueError,
        "not both",
    ),
    "bad tolerance": (
        {"tolerance": "small", "learning_rate": [0.1]},
        ValueError,
        "`tolerance` must be a number",
    ),
    "minibatches without seeds": (
        {"fn": lambda w, b: jnp.sum(w * b[0]), "data": DATA, "batch_size": 2},
        ValueError,
        "`seeds` .* required to draw minibatches",
    ),
    "bad steps": (
        {"steps": 0, "learning_rate": [0.1]},
        ValueError,
        "`steps` must be an integer >= 1",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_refused_before_compute(case: str) -> None:
    overrides, error, message = BAD_INPUT[case]
    kw = {"fn": quadratic, "optimizer_factory": jd.sgd, "x0": X0, "steps": 5}
    kw |= {"learning_rate": [0.1], **overrides}
    kw = {k: v for k, v in kw.items() if v is not DROP}
    fn, factory = kw.pop("fn"), kw.pop("optimizer_factory")
    before = _execute.kernel._cache_size()
    with pytest.raises(error, match=message):
        jd.sweep(fn, factory, **kw)
    assert _execute.kernel._cache_size() == before


def test_a_repeated_sweep_still_checks_what_is_new() -> None:
    # A sweep remembers the checks it passed (factory keywords, values); new ones are checked.
    kw = {"x0": X0, "steps": 3, "momentum": 0.5}
    jd.sweep(quadratic, jd.sgd, learning_rate=[0.1, 0.2], **kw)
    jd.sweep(quadratic, jd.sgd, learning_rate=[0.1, 0.2], **kw)  # all remembered
    with pytest.raises(ValueError, match="`learning_rate` must be a finite number >= 0"):
        jd.sweep(quadratic, jd.sgd, learning_rate=[-0.1, 0.2], **kw)
    with pytest.raises(ValueError, match="`momentum`"):
        jd.sweep(quadratic, jd.sgd, **{**kw, "learning_rate": [0.1, 0.2], "momentum": -0.5})
    with pytest.raises(ValueError, match="unknown hyperparameter"):
        jd.sweep(quadratic, jd.sgd, learning_rate=[0.1, 0.2], b1=[0.9], **kw)


def test_pytree_params_aux_and_evaluations_match_minimize() -> None:
    x = jnp.linspace(-1.0, 1.0, 8, dtype=jnp.float64)
    y = 2.0 * x - 0.5

    def loss(params):
        residual = params["w"] * x + params["b"] - y
        return jnp.mean(residual**2), {"max_error": jnp.max(jnp.abs(residual))}

    def evaluate(params):
        return {"slope_error": jnp.abs(params["w"] - 2.0)}

    p0 = {"w": jnp.zeros((), jnp.float64), "b": jnp.zeros((), jnp.float64)}
    kw = {"steps": 12, "has_aux": True, "record_every": 2, "evaluate": evaluate}
    res = jd.sweep(loss, jd.sgd, x0=p0, record_params=True, learning_rate=[0.1, 0.3], **kw)
    assert res.params["w"].shape == (2, 7)
    assert res.evaluations["slope_error"].shape == (2, 7)
    np.testing.assert_array_equal(res.evaluation_steps, [0, 2, 4, 6, 8, 10, 12])
    for lr in (0.1, 0.3):
        run = jd.minimize(loss, p0, jd.sgd(lr), **kw)
        for field in ("params", "aux", "evaluations", "final_params", "loss"):
            want, got = getattr(run, field), getattr(res.sel(learning_rate=lr), field)
            jax.tree_util.tree_map(np.testing.assert_array_equal, got, want)


def test_a_sweep_without_gradient_norms_saves_and_loads(tmp_path) -> None:
    sphere = lambda w: jnp.sum(w**2)  # noqa: E731
    x0 = jnp.array([1.0, -1.0], jnp.float32)
    full = jd.sweep(sphere, jd.sgd, x0=x0, steps=5, learning_rate=[0.1, 0.2])
    lean = jd.sweep(
        sphere, jd.sgd, x0=x0, steps=5, learning_rate=[0.1, 0.2], record_grad_norm=False
    )
    assert lean.grad_norm is None
    np.testing.assert_array_equal(lean.loss, full.loss)
    lean.save(tmp_path / "lean.npz")
    loaded = jd.SweepResult.load(tmp_path / "lean.npz")
    assert loaded.grad_norm is None
    np.testing.assert_array_equal(loaded.loss, lean.loss)
    assert "learning_rate" in loaded.summary()
