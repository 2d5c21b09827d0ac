"""Complex parameters: ``minimize`` and ``sweep`` descend along ``conj(jax.grad)``, as optax's
own complex tests do, and jaxdescent's optimizers treat complex moments as optax does."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxdescent as jd

TARGET = jnp.array([1.0 + 1.0j, -1.0 - 1.0j, 0.5j])


def _objective(params: dict[str, jax.Array]) -> jax.Array:
    """A real loss of a complex leaf ``z`` and a real leaf ``r``."""
    z, r = params["z"], params["r"]
    gap = z - TARGET.astype(z.dtype)
    return jnp.sum(jnp.real(gap * jnp.conj(gap))) + jnp.sum((r - 2) ** 2) + jnp.abs(z[0]) * r[0]


def _x0(dtype: Any) -> dict[str, jax.Array]:
    real = jnp.zeros([], dtype).real.dtype
    return {"z": jnp.array([0.5, 2.0 - 1.0j, -1.0], dtype), "r": jnp.array([0.0, 1.0], real)}


def _optax_loop(optimizer: Any, x0: Any, steps: int) -> list[Any]:
    """optax's complex descent (``alias_test.py``): update along the conjugated gradient."""
    params, state, path = x0, optimizer.init(x0), [x0]
    for _ in range(steps):
        grads = jax.tree.map(jnp.conj, jax.grad(_objective)(params))
        updates, state = optimizer.update(grads, state, params)
        params = optax.apply_updates(params, updates)
        path.append(params)
    return path


@pytest.mark.parametrize("dtype", [jnp.complex64, jnp.complex128])
@pytest.mark.parametrize(
    "make",
    [
        lambda: optax.adam(0.1),
        lambda: optax.sgd(0.05, momentum=0.9),
        lambda: optax.rmsprop(0.05, centered=True),
        lambda: optax.adagrad(0.2),
    ],
)
def test_minimize_descends_complex_params_as_optax(make: Any, dtype: Any) -> None:
    x0 = _x0(dtype)
    with jax.numpy_dtype_promotion("standard"):  # optax adds real moments to complex ones
        run = jd.minimize(_objective, x0, make(), steps=20)
        expected = _optax_loop(make(), x0, 20)
    rtol = 1e-4 if dtype == jnp.complex64 else 1e-10
    for leaf in ("z", "r"):
        np.testing.assert_allclose(
            run.params[leaf], np.stack([p[leaf] for p in expected]), rtol=rtol, atol=rtol
        )
    assert run.final_params["z"].dtype == dtype
    assert float(run.final_loss) < float(run.loss[0])


@pytest.mark.parametrize(
    "name", ["adam", "adamw", "amsgrad", "rmsprop", "adagrad", "yogi", "adabelief", "sgd"]
)
def test_jaxdescent_optimizers_match_optax_on_complex_params(name: str) -> None:
    kwargs = {"learning_rate": 0.05}
    if name == "rmsprop":
        kwargs["centered"] = True
    if name == "sgd":
        kwargs["momentum"] = 0.9
    x0 = _x0(jnp.complex128)
    ours = jd.minimize(_objective, x0, getattr(jd, name)(**kwargs), steps=15)
    with jax.numpy_dtype_promotion("standard"):  # optax adds real moments to complex ones
        theirs = jd.minimize(_objective, x0, getattr(optax, name)(**kwargs), steps=15)
    for leaf in ("z", "r"):
        np.testing.assert_allclose(ours.params[leaf], theirs.params[leaf], rtol=1e-9, atol=1e-12)


def test_sweep_runs_complex_starts() -> None:
    x0 = _x0(jnp.complex64)
    result = jd.sweep(_objective, jd.adam, x0=x0, steps=30, learning_rate=[0.05, 0.1])
    single = jd.minimize(_objective, x0, jd.adam(0.1), steps=30)
    losses = np.asarray(result.final_loss)
    np.testing.assert_allclose(losses[1], single.final_loss, rtol=1e-5)
    assert np.all(losses < float(single.loss[0]))
