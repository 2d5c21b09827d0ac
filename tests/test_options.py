"""Options that no trajectory test would notice if they were ignored.

Each test is built so that the option changes the answer: the expected value comes
from optax or from the formula, and the same computation without the option gives a
different number (checked too, so that the test keeps its power).
"""

from __future__ import annotations

import inspect
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxdescent as jd
from tests.registry import all_cases, matrices_only

F64 = jnp.float64


def _takes(factory, name: str) -> bool:
    return name in inspect.signature(factory).parameters


# optax.contrib.ademamix's averages change dtype from step to step with a mu_dtype (so its
# state cannot be carried by lax.scan); jaxdescent's keep theirs (see its docstring).
REFERENCE_CANNOT_SCAN = {"ademamix"}

MU_DTYPE_CASES = [
    case
    for case in all_cases()
    if not case.reference_note
    and case.name not in REFERENCE_CANNOT_SCAN
    and _takes(case.ours, "mu_dtype")
    and _takes(case.reference, "mu_dtype")
]


def _stream_updates(opt, grads, params):
    """Updates of ``opt`` along a fixed gradient stream, under ``jit``, and its final state."""

    @jax.jit
    def run(grads):
        def step(state, g):
            u, state = opt.update(g, state, params)
            return state, u

        return jax.lax.scan(step, opt.init(params), grads)

    state, updates = run(grads)
    return updates, state


def _gradients(steps: int = 12, dim: int = 6):
    rng = np.random.default_rng(0)
    return jnp.asarray(rng.normal(size=(steps, dim)).astype(np.float32) * 3.0)


@pytest.mark.parametrize("case", MU_DTYPE_CASES, ids=lambda c: c.name)
@jax.numpy_dtype_promotion("standard")  # a bfloat16 moment meets float32 gradients, as in optax
def test_mu_dtype_stores_the_first_moment_in_that_dtype_as_optax_does(case) -> None:
    params = jnp.ones(6, jnp.float32)
    grads = _gradients()
    kwargs = dict(case.kwargs[0])
    ours, state = _stream_updates(case.ours(**kwargs, mu_dtype=jnp.bfloat16), grads, params)
    reference, ref_state = _stream_updates(
        case.reference(**kwargs, mu_dtype=jnp.bfloat16), grads, params
    )
    np.testing.assert_allclose(ours, reference, rtol=1e-6, atol=1e-9)
    # The moments themselves: stored in bfloat16 where optax stores them so, equal to optax's.
    ours_moments, ref_moments = (_moments(s) for s in (state, ref_state))
    assert [m.dtype for m in ours_moments] == [m.dtype for m in ref_moments]
    assert jnp.dtype(jnp.bfloat16) in {m.dtype for m in ref_moments}
    for a, b in zip(ours_moments, ref_moments, strict=True):
        np.testing.assert_allclose(np.asarray(a, np.float32), np.asarray(b, np.float32), rtol=1e-6)


def _moments(state) -> list:
    """The state's array leaves (moments), ordered by dtype then shape: optax chains its
    state in another order than jaxdescent's single NamedTuple."""
    leaves = [leaf for leaf in jax.tree_util.tree_leaves(state) if leaf.ndim]
    return sorted(leaves, key=lambda x: (str(x.dtype), x.shape, float(jnp.sum(x.astype(F64)))))


def test_mu_dtype_is_not_ignored_by_a_case() -> None:
    """The parametrization above covers the optimizers that take ``mu_dtype``."""
    names = {case.name for case in MU_DTYPE_CASES}
    assert {"adam", "adamw", "nadam", "lion", "amsgrad"} <= names


def _polyak_update(variant: str, value: float, f_min: float):
    opt = jd.polyak_sgd(max_learning_rate=10.0, f_min=f_min, variant=variant)
    w, g = jnp.array([1.0, 2.0], F64), jnp.array([1.0, -2.0], F64)
    u, _ = opt.update(g, opt.init(w), w, value=jnp.asarray(value, F64))
    return np.asarray(u)


def test_polyak_sps_plus_never_steps_uphill_below_f_min() -> None:
    """Loss 1 below f_min = 3 and |g|^2 = 5: sps takes gamma = -2/5 (uphill), sps+ stops."""
    np.testing.assert_allclose(_polyak_update("sps", 1.0, 3.0), [0.4, -0.8], rtol=1e-12)
    np.testing.assert_array_equal(_polyak_update("sps+", 1.0, 3.0), [0.0, 0.0])
    # Above f_min the two agree: gamma = (4 - 3) / 5.
    np.testing.assert_allclose(_polyak_update("sps+", 4.0, 3.0), [-0.2, 0.4], rtol=1e-12)


@pytest.mark.parametrize("factory", [jd.lamb, jd.lars], ids=["lamb", "lars"])
@jax.numpy_dtype_promotion("standard")  # optax.lamb adds an int32 count to a float
def test_zero_initialised_leaves_still_move(factory) -> None:
    """A trust ratio ||w|| / ||r|| is 0 for zero parameters; both papers take it as 1 there,
    so zero-initialised biases move (by the plain, unscaled step)."""
    params = {"bias": jnp.zeros(3, F64), "weight": jnp.array([[1.0, -2.0]], F64)}
    grads = {"bias": jnp.array([0.5, -1.0, 2.0], F64), "weight": jnp.array([[1.0, 1.0]], F64)}
    kwargs = {"eps": 0.0} if factory is jd.lamb else {}
    opt = factory(0.1, **kwargs)
    u, _ = opt.update(grads, opt.init(params), params)
    if factory is jd.lamb:  # first Adam step: m_hat / sqrt(v_hat) = sign(g)
        expected = -0.1 * np.sign(np.asarray(grads["bias"]))
    else:  # lars' first momentum step is the gradient itself
        expected = -0.1 * np.asarray(grads["bias"])
    np.testing.assert_allclose(u["bias"], expected, rtol=1e-7)
    reference = {"lamb": optax.lamb, "lars": optax.lars}[factory.__name__]
    ref = reference(0.1, **kwargs)
    ref_u, _ = ref.update(grads, ref.init(params), params)
    np.testing.assert_allclose(u["bias"], ref_u["bias"], rtol=1e-7)


# --- every keyword of every optimizer changes its updates ---------------------------------

# A changed value for each keyword, and what else must be set for it to matter.
CHANGED: dict[str, Any] = {
    "learning_rate": 0.5,  # adadelta's, whose default is None (the paper's unit rate)
    "momentum": 0.5,
    "optimism": 0.5,
    "max_step_size": 1e-3,
    "min_step_size": 0.05,
    "initial_accumulator_value": 2.0,
    "initial_scale": 1.0,
    "threshold": 4.0,
    "trust_coefficient": 0.1,
    "max_learning_rate": 0.01,
    "min_norm": 10.0,
    "variant": "sps+",
    "mu_dtype": jnp.bfloat16,
    "accumulator_dtype": jnp.bfloat16,
    "mask": matrices_only,
    "weight_decay_mask": matrices_only,
    "trust_ratio_mask": matrices_only,
    "key": jax.random.key(3),
    "seed": 3,
    "warmup_steps": 5,
    "weight_decay": 0.5,  # where its default is None
    "state_dtype": jnp.float32,  # the parameters are float64
    "clip_value_fn": lambda count: 0 * count + 0.5,
    "adopt:eps": 10.0,  # max(sqrt(v), eps): only an eps above sqrt(v) shows
    "betas": (0.5, 0.9),
    "linesearch": None,  # lbfgs's zoom line search off: steps of the learning rate
    "beta3": 0.5,
    "adafactor:eps": 1e-2,  # added to g^2: the default 1e-30 and 3e-30 round alike
    "min_dim_size_to_factor": 3,  # factors w (3 x 4)
    "decay_offset": -5,
    "dtype_momentum": jnp.bfloat16,
    "weight_decay_rate": 0.5,
}
# Settings shared by both runs, without which the keyword has no effect.
NEEDS: dict[str, dict[str, Any]] = {
    "nesterov": {"momentum": 0.5},
    "accumulator_dtype": {"momentum": 0.5},
    "mask": {"weight_decay": 0.5},
    "weight_decay_mask": {"weight_decay": 0.5, "weight_decay_rate": 0.5},
    "factored": {"min_dim_size_to_factor": 3},
    "dtype_momentum": {"momentum": 0.5},
    "variant": {"f_min": 100.0},
    "eps_in_sqrt": {"eps": 0.1},
    "safeguard_warmup": {"learning_rate": optax.linear_schedule(0.1, 1.0, 10)},
}
# Optimizers whose every keyword has its own test of effect.
OWN_OPTION_TESTS = {"muon": "tests/test_muon.py"}


def _changed(optimizer: str, name: str, default: Any) -> Any:
    for key in (f"{optimizer}:{name}", name):
        if key in CHANGED and not (key == "weight_decay" and default is not None):
            return CHANGED[key]
    if isinstance(default, bool):
        return not default
    if isinstance(default, int):
        return max(1, default // 3)
    if isinstance(default, float):
        return default / 2 if 0 < default < 1 and name != "eps" else (default or 0.25) * 3
    raise AssertionError(f"no changed value for keyword {name!r} (default {default!r}): add one")


def _keywords() -> list:
    out = []
    for case in all_cases():
        if case.name in OWN_OPTION_TESTS:
            continue
        required = dict(case.kwargs[0])
        for name, p in inspect.signature(case.ours).parameters.items():
            if name in required and p.default is inspect.Parameter.empty:
                continue
            if name in required:
                continue
            out.append(pytest.param(case, name, p.default, id=f"{case.name}-{name}"))
    return out


def _bowl(params) -> jax.Array:
    """An objective for the optimizers that evaluate it (line searches)."""
    return sum(jnp.sum(jnp.cosh(x - 0.5)) for x in jax.tree_util.tree_leaves(params))


@jax.jit
def _step(opt, grads, state, params, value):
    """One update given the loss. The optimizer is an argument (a pytree whose numeric
    hyperparameters are leaves): a changed number reuses the compiled step."""
    return opt.update(grads, state, params, value=value)


@jax.jit
def _step_on_bowl(opt, state, params):
    """One update of an optimizer that evaluates the objective (a line search)."""
    value, grads = jax.value_and_grad(_bowl)(params)
    return opt.update(grads, state, params, value=value, grad=grads, value_fn=_bowl)


def _updates(case, opt, steps: int = 20) -> np.ndarray:
    """Twenty updates along a seeded gradient stream (the gradients of :func:`_bowl` where
    the objective is evaluated), then the final state's float leaves."""
    rng = np.random.default_rng(0)
    params = {"b": jnp.asarray(rng.normal(size=4)), "w": jnp.asarray(rng.normal(size=(3, 4)))}
    state, out = opt.init(params), []
    for t in range(steps):
        grads = jax.tree_util.tree_map(lambda x: jnp.asarray(rng.normal(size=x.shape)), params)
        if case.needs_value_fn:
            u, state = _step_on_bowl(opt, state, params)
        else:
            u, state = _step(opt, grads, state, params, jnp.asarray(1.0 + t, F64))
        params = optax.apply_updates(params, u)
        out.append(np.concatenate([np.ravel(np.asarray(x, np.float64)) for x in (u["b"], u["w"])]))
    moments = [x for x in jax.tree_util.tree_leaves(state) if jnp.issubdtype(x.dtype, jnp.floating)]
    return np.concatenate([np.stack(out).ravel(), *(np.ravel(np.asarray(x, F64)) for x in moments)])


@pytest.mark.parametrize(("case", "name", "default"), _keywords())
@jax.numpy_dtype_promotion("standard")
def test_every_keyword_changes_the_updates(case, name: str, default: Any) -> None:
    """Ignoring any keyword would leave the updates and state bitwise unchanged: each one,
    set to another valid value (with what it needs to matter), changes them."""
    shared = {**case.kwargs[0], **NEEDS.get(name, {})}
    synonyms = {"key": "seed", "seed": "key"}  # noisy_sgd takes one of the two
    shared = {
        k: v
        for k, v in shared.items()
        if k in inspect.signature(case.ours).parameters and k != synonyms.get(name)
    }
    base = _updates(case, case.ours(**shared))
    changed = _updates(case, case.ours(**{**shared, name: _changed(case.name, name, default)}))
    assert np.all(np.isfinite(changed)), f"{case.name}({name}=...) gave non-finite updates"
    assert not np.array_equal(base, changed), f"{case.name} ignores `{name}`"
