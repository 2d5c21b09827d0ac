"""Muon beyond the registry: matrices in a descent, optax without Nesterov, each option used.

The registry (``tests/cases_contrib2.py``) checks Muon against Jordan et al.'s momentum
on the gradient stream, whose ``w`` (4, 3) is a matrix; its trajectory problems are
vectors, so here a least-squares descent over a 6 x 4 matrix follows the reference.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from optax.contrib import MuonDimensionNumbers

import jaxdescent as jd
from tests import equivalence
from tests.cases_contrib2 import CASES
from tests.registry import Case, matrices_only

MUON = next(case for case in CASES if case.name == "muon")
OPTAX = Case("muon", jd.muon, optax.contrib.muon, ())
RTOL = {"float32": 1e-6, "float64": 1e-12}


@pytest.mark.parametrize("kwargs", MUON.kwargs, ids=range(len(MUON.kwargs)))
def test_descent_over_a_matrix_follows_the_reference(kwargs: dict) -> None:
    deviation = equivalence.trajectory_deviation(MUON, kwargs, "least_squares")
    assert deviation <= 1e-10, f"relative deviation {deviation:.3g}"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"learning_rate": 1e-2, "nesterov": False},
        {"learning_rate": 1e-2, "nesterov": False, "adaptive": True, "beta": 0.8,
         "preconditioning": "aol", "ns_coeffs": "dion", "weight_decay": 0.1},
        {"learning_rate": 1e-2, "nesterov": False, "preconditioning": "schatten",
         "consistent_rms": 0.2, "weight_decay": 0.3, "weight_decay_mask": matrices_only},
        {"learning_rate": 1e-2, "nesterov": False, "preconditioning": "spectral", "ns_steps": 3,
         "muon_weight_dimension_numbers": {"w": MuonDimensionNumbers(1, 0), "b": None}},
    ],
    ids=["defaults", "adaptive-aol-dion", "schatten-rms-mask", "spectral-dimension-numbers"],
)  # fmt: skip
def test_without_nesterov_equals_optax(kwargs: dict) -> None:
    """Only the Nesterov look-ahead departs from optax (see the docstring)."""
    for dtype, deviation in equivalence.stream_deviations(OPTAX, kwargs).items():
        assert deviation <= RTOL[dtype], f"{dtype}: relative deviation {deviation:.3g}"


def test_nesterov_departs_from_optax_in_the_first_steps() -> None:
    kwargs = {"learning_rate": 1e-2}
    early = equivalence.stream_deviation(OPTAX, kwargs, jnp.float64, steps=10)
    assert early > 1e-2  # NAdam's weights against Jordan's beta m + (1 - beta) g


def _params() -> dict[str, jax.Array]:
    shapes = {"w": (5, 3), "b": (3,), "k": (2, 3, 4)}
    keys = jax.random.split(jax.random.key(3), len(shapes))
    return {
        n: jax.random.normal(k, s, jnp.float64)
        for k, (n, s) in zip(keys, shapes.items(), strict=True)
    }


def _three_updates(opt: Any) -> dict[str, jax.Array]:
    params = _params()
    state = opt.init(params)
    for t in range(3):
        grads = jax.tree_util.tree_map(lambda p, t=t: jnp.sin(p * (t + 1)) + 0.1 * p, params)
        updates, state = opt.update(grads, state, params)
        params = optax.apply_updates(params, updates)
    return params


BATCHED = {"w": MuonDimensionNumbers(), "b": None, "k": MuonDimensionNumbers(1, 2)}
OPTIONS = {
    "ns_coeffs": (2.0, -1.5, 0.5), "ns_steps": 2, "beta": 0.5, "eps": 0.5,
    "weight_decay": 0.2, "nesterov": False, "adaptive": True, "preconditioning": "spectral",
    "adam_b1": 0.5, "adam_b2": 0.9, "adam_eps_root": 1.0, "adam_weight_decay": 0.2,
    "adam_learning_rate": 0.05, "muon_weight_dimension_numbers": BATCHED,
    "consistent_rms": 0.2, "mu_dtype": jnp.bfloat16,
}  # fmt: skip


@pytest.mark.parametrize(("name", "value"), OPTIONS.items(), ids=list(OPTIONS))
def test_each_option_changes_the_descent(name: str, value: Any) -> None:
    with jax.numpy_dtype_promotion("standard"):  # a bfloat16 momentum meets float64 gradients
        default = _three_updates(jd.muon(0.1))
        changed = _three_updates(jd.muon(0.1, **{name: value}))
    moved = [not np.allclose(default[k], changed[k], rtol=1e-9, atol=0) for k in default]
    assert any(moved), f"{name}={value!r} changed nothing"


def test_weight_decay_mask_spares_the_masked_matrices() -> None:
    params = {"w": jnp.ones((3, 2)), "v": jnp.ones((3, 2))}
    grads = jax.tree_util.tree_map(jnp.zeros_like, params)
    opt = jd.muon(0.1, weight_decay=0.5, weight_decay_mask={"w": True, "v": False})
    updates, _ = opt.update(grads, opt.init(params), params)
    np.testing.assert_allclose(updates["w"], -0.1 * 0.5 * params["w"])  # zero momentum: decay only
    np.testing.assert_array_equal(updates["v"], 0.0)


def test_newton_schulz_converges_to_the_polar_factor_of_each_matrix() -> None:
    """With a cubic that converges (1.5 X - 0.5 X X^T X), ``O = U V^T`` of ``u = U S V^T``;
    a leaf (2, 3, 4) with reduction axis 1 and output axis 2 is two 3 x 4 matrices."""
    g = jax.random.normal(jax.random.key(0), (2, 3, 4), jnp.float64)
    spec = {"k": MuonDimensionNumbers(1, 2)}
    opt = jd.muon(1.0, (1.5, -0.5, 0.0), 60, nesterov=False, muon_weight_dimension_numbers=spec)
    updates, _ = opt.update({"k": g}, opt.init({"k": g}), {"k": g})
    u, _, vt = np.linalg.svd(np.asarray(g), full_matrices=False)
    width = np.sqrt(max(1, 4 / 3))  # sqrt(max(1, fan_out / fan_in))
    np.testing.assert_allclose(updates["k"], -width * u @ vt, atol=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"muon_weight_dimension_numbers": MuonDimensionNumbers()}, "rank >= 2"),
        ({"muon_weight_dimension_numbers": {"w": MuonDimensionNumbers(0, 0), "b": None}},
         "distinct axes"),
        ({"muon_weight_dimension_numbers": [None]}, "structure"),
    ],
)  # fmt: skip
def test_a_leaf_muon_cannot_take_is_refused_while_tracing(kwargs: dict, match: str) -> None:
    params = {"w": jnp.ones((3, 2)), "b": jnp.ones(2)}
    opt = jd.muon(0.1, **kwargs)
    with pytest.raises(ValueError, match=rf"`muon_weight_dimension_numbers`.*{match}"):
        jax.eval_shape(lambda: opt.update(params, opt.init(params), params))


def test_too_few_steps_for_the_coefficient_rows_is_refused() -> None:
    with pytest.raises(ValueError, match=r"`ns_steps` must be at least the 5 rows"):
        jd.muon(0.1, ns_coeffs="dion", ns_steps=4)


def test_a_sweep_over_two_learning_rates_equals_two_descents() -> None:
    fn, x0 = equivalence.problem("least_squares")
    result = jd.sweep(fn, jd.muon, x0=x0, steps=30, learning_rate=[1e-3, 1e-2], progress=False)
    for i, rate in enumerate([1e-3, 1e-2]):
        run = jd.minimize(fn, x0, jd.muon(rate), steps=30)
        np.testing.assert_allclose(result.final_params[i], run.final_params, rtol=1e-12)
    assert float(fn(result.final_params[1])) < float(fn(x0))
