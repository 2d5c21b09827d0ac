"""Every registered optimizer against its reference: same updates, same descents, stable under jit.

Agreement criterion (see ``tests/equivalence.py``): for every step ``t``,
``max|a_t - b_t| <= rtol * max|b_t|``, maxima over all entries of all leaves of
that step's update (or parameters), ``a`` jaxdescent and ``b`` the reference.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxdescent as jd
from tests import equivalence
from tests.registry import Case, all_cases

RTOL = {"float32": 1e-6, "float64": 1e-12}
TRAJECTORY_RTOL = 1e-10
# Above TRAJECTORY_RTOL, a trajectory passes if it is within this many times the
# reference's own move for a one-ulp move of its start (equivalence.start_sensitivity).
ULPS_OF_THE_START = 10

CASES = all_cases()
CASE_KWARGS = [
    pytest.param(case, kwargs, id=f"{case.name}-{i}")
    for case in CASES
    for i, kwargs in enumerate(case.kwargs)
]
BY_CASE = [pytest.param(case, id=case.name) for case in CASES]
# Compilation dominates the suite's time. Whole descents through `minimize` run the
# first keyword set of each optimizer on both problems; every keyword set meets its
# reference step by step on the gradient stream (the next test), test_options traces every
# keyword as `minimize` does, and benchmarks/deviations.py runs every set on both problems.
CASE_PROBLEMS = [
    pytest.param(case, case.kwargs[0], equivalence.PROBLEMS, id=case.name) for case in CASES
]


@pytest.mark.parametrize(("case", "kwargs"), CASE_KWARGS)
def test_same_gradient_stream_gives_same_updates(case: Case, kwargs: dict) -> None:
    deviations = equivalence.stream_deviations(case, kwargs)
    for dtype, deviation in deviations.items():
        assert deviation <= RTOL[dtype], f"{dtype}: relative deviation {deviation:.3g}"


@pytest.mark.parametrize(("case", "kwargs", "problems"), CASE_PROBLEMS)
def test_minimize_follows_reference_trajectory(case: Case, kwargs: dict, problems: tuple) -> None:
    deviations = equivalence.trajectory_deviations(case, kwargs, problems)
    for problem, deviation in deviations.items():
        if deviation <= TRAJECTORY_RTOL:
            continue
        rounding = ULPS_OF_THE_START * equivalence.start_sensitivity(case, kwargs, problem)
        assert deviation <= rounding, (
            f"{problem}: relative deviation {deviation:.3g}, more than {TRAJECTORY_RTOL:g} and "
            f"than {ULPS_OF_THE_START} x the reference's move for a one-ulp move of its start "
            f"({rounding / ULPS_OF_THE_START:.3g})"
        )


def _params(dtype: Any) -> dict[str, jax.Array]:
    return {"w": jnp.ones((4, 3), dtype), "b": jnp.full((3,), 0.5, dtype)}


def _bowl(params: dict[str, jax.Array]) -> jax.Array:
    """A value_fn for line searches, whose gradient at ``_params`` is ``_update``'s."""
    return sum(jnp.sum(0.15 * p**2 - 0.2 * p) for p in jax.tree_util.tree_leaves(params))


def _update(case: Case, opt: Any, state: Any, dtype: Any) -> Any:
    params = _params(dtype)
    grads = jax.tree_util.tree_map(lambda p: 0.3 * p - 0.2, params)
    extra = case.update_kwargs(jnp.asarray(1.5, dtype), grads, _bowl)
    return opt.update(grads, state, params, **extra)


def _avals(tree: Any) -> list[tuple[Any, ...]]:
    return [(x.shape, x.dtype, x.weak_type) for x in jax.tree_util.tree_leaves(tree)]


@pytest.mark.parametrize(("case", "kwargs"), CASE_KWARGS)
def test_update_keeps_state_and_gradient_dtypes(case: Case, kwargs: dict) -> None:
    opt = case.ours(**kwargs)
    for dtype in (jnp.float32, jnp.float64):
        state = jax.eval_shape(opt.init, _params(dtype))
        # Hyperparameters as built, and traced (as under jit/vmap in minimize and sweep).
        shapes = [
            jax.eval_shape(lambda s, d=dtype: _update(case, opt, s, d), state),
            jax.eval_shape(lambda o, s, d=dtype: _update(case, o, s, d), opt, state),
        ]
        for updates, new_state in shapes:
            assert jax.tree_util.tree_structure(new_state) == jax.tree_util.tree_structure(state)
            assert _avals(new_state) == _avals(state)
            assert {x.dtype for x in jax.tree_util.tree_leaves(updates)} == {jnp.dtype(dtype)}


def _perturbed(case: Case, kwargs: dict) -> dict:
    """The keyword set with every float hyperparameter (defaults included) halved where valid."""
    merged = {
        name: p.default
        for name, p in inspect.signature(case.ours).parameters.items()
        if isinstance(p.default, float)
    }
    merged.update(kwargs)
    for name, value in list(merged.items()):
        if isinstance(value, float):
            try:
                case.ours(**{**merged, name: value / 2})
            except ValueError:
                continue  # halving leaves the valid range (e.g. rprop's eta_plus >= 1)
            merged[name] = value / 2
    return merged


@pytest.mark.parametrize("case", BY_CASE)
def test_new_hyperparameter_values_do_not_recompile(case: Case) -> None:
    @jax.jit
    def step(opt, params):  # the second update: ADOPT's first one is always zero
        _, state = _update(case, opt, opt.init(params), jnp.float32)
        return _update(case, opt, state, jnp.float32)

    params = _params(jnp.float32)
    first = case.ours(**case.kwargs[0])
    second = case.ours(**_perturbed(case, case.kwargs[0]))
    u1, _ = step(first, params)
    u2, _ = step(second, params)
    assert step._cache_size() == 1
    different = any(
        not np.array_equal(a, b)
        for a, b in zip(jax.tree_util.tree_leaves(u1), jax.tree_util.tree_leaves(u2), strict=True)
    )
    assert different, "halving the hyperparameters did not change the update"


@pytest.mark.parametrize("case", BY_CASE)
def test_works_inside_optax_chain(case: Case) -> None:
    def clipped(opt):
        return optax.chain(optax.clip_by_global_norm(0.1), opt)

    deviation = equivalence.stream_deviation(
        case, case.kwargs[-1], jnp.float64, steps=20, wrap=clipped
    )
    assert deviation <= RTOL["float64"]


def _bad_inputs() -> list[Any]:
    learning_rates = ("learning_rate", "max_learning_rate", "scaling")
    decays = ("b1", "b2")
    params = []
    for case in CASES:
        names = inspect.signature(case.ours).parameters
        for name in (n for n in learning_rates if n in names):
            for value in (-0.1, math.nan, math.inf):
                params.append(pytest.param(case, name, value, id=f"{case.name}-{name}={value}"))
        for name in (n for n in decays if n in names):
            for value in (-0.1, 1.0, 1.5):
                params.append(pytest.param(case, name, value, id=f"{case.name}-{name}={value}"))
    return params


@pytest.mark.parametrize(("case", "name", "value"), _bad_inputs())
def test_bad_hyperparameter_raises_naming_it(case: Case, name: str, value: float) -> None:
    with pytest.raises(ValueError, match=f"`{name}`") as error:
        case.ours(**{**case.kwargs[0], name: value})
    assert repr(value) in str(error.value)


def test_polyak_default_scaling_equals_optax() -> None:
    """With ``scaling=1`` optax's Polyak step is the paper's, and ours equals it exactly."""
    case = Case("polyak_sgd", jd.polyak_sgd, optax.polyak_sgd, ({},), needs_value=True)
    deviations = equivalence.stream_deviations(case, {"max_learning_rate": 0.5, "f_min": -0.1})
    assert deviations == {"float32": 0.0, "float64": 0.0}


def test_optax_polyak_scaling_acts_inverted() -> None:
    """A closed form: on ``f = |w|^2`` (uncapped) ``scaling=2`` doubles our step, halves optax's."""
    w = jnp.array([1.0, 2.0], jnp.float64)
    value, g = jnp.sum(w**2), 2 * w  # Polyak step f / |g|^2 = 5 / 20 = 1/4
    ours = jd.polyak_sgd(scaling=2.0)
    theirs = optax.polyak_sgd(scaling=2.0)
    u_ours, _ = ours.update(g, ours.init(w), w, value=value)
    with jax.numpy_dtype_promotion("standard"):
        u_theirs, _ = theirs.update(g, theirs.init(w), w, value=value)
    np.testing.assert_allclose(u_ours, -2 * 0.25 * g, rtol=1e-15)
    np.testing.assert_allclose(u_theirs, -0.25 / 2 * g, rtol=1e-15)


def test_polyak_needs_the_loss_value() -> None:
    opt = jd.polyak_sgd()
    w = jnp.ones(2, jnp.float64)
    with pytest.raises(ValueError, match="value="):
        opt.update(w, opt.init(w), w)


def test_polyak_rejects_unknown_variant() -> None:
    with pytest.raises(ValueError, match=r"`variant`.*'sps-'"):
        jd.polyak_sgd(variant="sps-")


def test_noisy_sgd_rejects_key_and_seed() -> None:
    with pytest.raises(ValueError, match=r"`key`.*`seed`"):
        jd.noisy_sgd(0.1, key=0, seed=1)


@pytest.mark.parametrize("name", ["eta", "gamma"])
def test_noisy_sgd_rejects_negative_noise_parameters(name: str) -> None:
    with pytest.raises(ValueError, match=f"`{name}`.*-1.0"):
        jd.noisy_sgd(0.1, key=0, **{name: -1.0})


@pytest.mark.parametrize("factory", [jd.adamw, jd.lion])
def test_weight_decay_must_be_nonnegative_and_needs_params(factory: Any) -> None:
    with pytest.raises(ValueError, match=r"`weight_decay`.*-0\.1"):
        factory(0.1, weight_decay=-0.1)
    opt = factory(0.1)
    w = jnp.ones(2, jnp.float64)
    with pytest.raises(ValueError, match="params"):
        opt.update(w, opt.init(w))


def test_radam_threshold_below_four_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"`threshold`.*3\.0"):
        jd.radam(0.1, threshold=3.0)


def test_harness_detects_a_different_optimizer() -> None:
    """The deviation measures are not vacuous: Adam against Adam with another ``b2`` fails them."""

    def other_adam(**kwargs: Any) -> optax.GradientTransformation:
        return optax.adam(**{**kwargs, "b2": 0.99})

    case = Case("adam", jd.adam, other_adam, ({"learning_rate": 1e-2},))
    streams = equivalence.stream_deviations(case, case.kwargs[0])
    assert min(streams.values()) > 1e-3
    assert equivalence.trajectory_deviation(case, case.kwargs[0], "rosenbrock") > 1e-3
