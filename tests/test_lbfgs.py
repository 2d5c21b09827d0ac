"""L-BFGS and the zoom line search: step by step equal to optax, at the minima SciPy finds.

The registry (``tests/cases_lbfgs.py``) checks ``lbfgs`` on the shared gradient stream
and through ``minimize``; here: optax's own documented loop (with
``optax.value_and_grad_from_state``) on several problems and dtypes, the zoom search
after other directions, SciPy's L-BFGS-B on the landscapes, a sweep, and argument checks.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import scipy.optimize

import jaxdescent as jd
from jaxdescent import landscapes
from tests import equivalence


def rosenbrock(x: jax.Array) -> jax.Array:
    return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def himmelblau(p: jax.Array) -> jax.Array:
    x, y = p[0], p[1]
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


def zakharov(x: jax.Array) -> jax.Array:
    s = jnp.sum(0.5 * jnp.arange(1, x.size + 1, dtype=x.dtype) * x)
    return jnp.sum(x**2) + s**2 + s**4


_X = np.random.default_rng(0).normal(size=(30, 4))
_Y = np.arange(30) % 3 == 0


def logistic(p: dict[str, jax.Array]) -> jax.Array:
    """Ridge logistic regression over a pytree ``{"w": (4,), "b": ()}``."""
    z = jnp.asarray(_X, p["w"].dtype) @ p["w"] + p["b"]
    return jnp.mean(jax.nn.softplus(jnp.where(_Y, -z, z))) + 0.01 * jnp.sum(p["w"] ** 2)


PROBLEMS = {  # optax's alias_test problems (himmelblau from its bad start) and a pytree
    "rosenbrock": (rosenbrock, np.array([-1.2, 1.0, -0.5, 0.8])),
    "himmelblau": (himmelblau, np.array([92.0, 0.001])),
    "zakharov": (zakharov, np.array([600.0, 700.0, 200.0, 100.0, 90.0, 1e3])),
    "logistic": (logistic, {"w": np.zeros(4), "b": np.zeros(())}),
}
RTOL = {"float32": 1e-6, "float64": 1e-12}


def optax_loop(opt: Any, fn: Any, x0: Any, steps: int, from_state: bool = True) -> Any:
    """The iterates of optax's documented loop (``lbfgs`` docstring), as one ``lax.scan``."""
    value_and_grad = optax.value_and_grad_from_state(fn)

    def step(carry, _):
        x, state = carry
        if from_state:
            value, g = value_and_grad(x, state=state)
        else:
            value, g = jax.value_and_grad(fn)(x)
        updates, state = opt.update(g, state, x, value=value, grad=g, value_fn=fn)
        x = optax.apply_updates(x, updates)
        return (x, state), x

    return jax.lax.scan(step, (x0, opt.init(x0)), length=steps)[1]


def _cast(tree: Any, dtype: Any) -> Any:
    return jax.tree_util.tree_map(lambda a: jnp.asarray(a, dtype), tree)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64], ids=["float32", "float64"])
def test_lbfgs_equals_optax_in_optax_loop(dtype: Any) -> None:
    kwargs = [{}, {"memory_size": 3, "scale_init_precond": False, "learning_rate": 0.8}]
    starts = {name: _cast(x0, dtype) for name, (_, x0) in PROBLEMS.items()}

    @jax.jit
    def run(starts):
        pairs = {}
        for i, (name, (fn, _)) in enumerate(PROBLEMS.items()):  # keyword sets alternate
            kw = kwargs[i % 2]
            ours = optax_loop(jd.lbfgs(**kw), fn, starts[name], 25)
            with jax.numpy_dtype_promotion("standard"):
                theirs = optax_loop(optax.lbfgs(**kw), fn, starts[name], 25)
            pairs[f"{name}-{i % 2}"] = (ours, theirs)
        return pairs

    for key, (ours, theirs) in run(starts).items():
        deviation = equivalence.relative_deviation(ours, theirs)
        assert deviation <= RTOL[jnp.dtype(dtype).name], f"{key}: {deviation:.3g}"


def test_state_serves_optax_helpers() -> None:
    x = jnp.array([-1.2, 1.0], jnp.float64)
    opt = jd.lbfgs()
    state = opt.init(x)
    value_and_grad = jax.jit(optax.value_and_grad_from_state(rosenbrock))
    value, g = value_and_grad(x, state=state)  # the state's value is inf: computed
    np.testing.assert_allclose(value, rosenbrock(x))
    update = jax.jit(lambda g, s, x, v: opt.update(g, s, x, value=v, grad=g, value_fn=rosenbrock))
    updates, state = update(g, state, x, value)
    info = optax.tree.get(state, "info")
    assert int(info.num_linesearch_steps) >= 1
    assert float(info.decrease_error) == 0.0  # the step decreased f enough
    # The line search's last evaluation is reused at the new point.
    reused, reused_g = value_and_grad(x + updates, state=state)
    np.testing.assert_allclose(reused, rosenbrock(x + updates), rtol=1e-12)
    np.testing.assert_allclose(reused_g, jax.grad(rosenbrock)(x + updates), rtol=1e-10)
    fields = {type(s).__name__: s._fields for s in state if s._fields}
    reference = {type(s).__name__: s._fields for s in optax.lbfgs().init(x) if s._fields}
    assert fields == reference


ZOOMS = [
    ({"max_linesearch_steps": 15}, lambda: jd.sgd(1.0), lambda: optax.sgd(1.0)),
    (
        {"max_linesearch_steps": 10, "initial_guess_strategy": "one", "approx_dec_rtol": None},
        lambda: jd.adam(0.5),
        lambda: optax.adam(0.5),
    ),
    (
        {"max_linesearch_steps": 8, "max_learning_rate": 0.05, "curv_rtol": jnp.inf},
        lambda: jd.sgd(1.0, momentum=0.5),
        lambda: optax.sgd(1.0, momentum=0.5),
    ),
]


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64], ids=["float32", "float64"])
def test_zoom_after_another_direction_equals_optax(dtype: Any) -> None:
    x0 = _cast(PROBLEMS["rosenbrock"][1], dtype)

    @jax.jit
    def run(x0):
        pairs = []
        for kw, ours, theirs in ZOOMS:
            for from_state in (True, False):
                a = optax.chain(ours(), jd.scale_by_zoom_linesearch(**kw))
                b = optax.chain(theirs(), optax.scale_by_zoom_linesearch(**kw))
                with jax.numpy_dtype_promotion("standard"):
                    pairs.append(
                        (
                            optax_loop(a, rosenbrock, x0, 25, from_state),
                            optax_loop(b, rosenbrock, x0, 25, from_state),
                        )
                    )
        return pairs

    for i, (ours, theirs) in enumerate(run(x0)):
        deviation = equivalence.relative_deviation(ours, theirs)
        assert deviation <= RTOL[jnp.dtype(dtype).name], f"zoom {i // 2}: {deviation:.3g}"


def test_zoom_passes_data_to_the_objective_and_refuses_the_rest() -> None:
    def fn(w, x, y):
        return jnp.mean((x @ w - y) ** 2)

    w, x, y = jnp.ones(3), jnp.eye(3), jnp.array([1.0, -1.0, 2.0])
    zoom = jd.scale_by_zoom_linesearch(max_linesearch_steps=15)
    value, g = jax.value_and_grad(fn)(w, x, y)
    u, _ = zoom.update(-g, zoom.init(w), w, value=value, grad=g, value_fn=fn, x=x, y=y)
    assert float(fn(w + u, x, y)) < float(value)
    with pytest.raises(TypeError, match=r"`value_fn`.*\['z'\]"):
        zoom.update(-g, zoom.init(w), w, value=value, grad=g, value_fn=fn, x=x, y=y, z=1)
    with pytest.raises(TypeError, match="`value_fn=f`"):
        zoom.update(-g, zoom.init(w), w, value=value, grad=g)


LANDSCAPES = ["rosenbrock", "booth", "matyas", "beale", "three_hump_camel", "quadratic"]


@pytest.mark.parametrize("name", LANDSCAPES)
def test_reaches_the_minimum_scipy_lbfgsb_reaches(name: str) -> None:
    f = landscapes.get(name)
    x0 = np.asarray(f.domain[:, 0] + 0.3 * (f.domain[:, 1] - f.domain[:, 0]))
    ours = jd.minimize(f, jnp.asarray(x0), jd.lbfgs(), steps=100, record_params=False)
    value_and_grad = jax.jit(jax.value_and_grad(f))
    theirs = scipy.optimize.minimize(
        lambda x: tuple(np.asarray(v, np.float64) for v in value_and_grad(jnp.asarray(x))),
        x0,
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-10, "ftol": 1e-15, "maxiter": 1000},
    )
    assert theirs.success, theirs.message
    np.testing.assert_allclose(ours.final_params, theirs.x, atol=1e-8)
    np.testing.assert_allclose(float(ours.final_loss), f.minimum_value, atol=1e-9)
    nearest = f.minima[np.argmin(np.linalg.norm(f.minima - theirs.x, axis=1))]
    np.testing.assert_allclose(theirs.x, nearest, atol=1e-5)


def test_sweep_over_learning_rate_equals_minimize_per_value() -> None:
    x0 = jnp.array([-1.2, 1.0], jnp.float64)
    result = jd.sweep(
        rosenbrock, jd.lbfgs, x0=x0, steps=30, learning_rate=[0.5, 1.0], memory_size=4
    )
    for i, lr in enumerate([0.5, 1.0]):
        run = jd.minimize(rosenbrock, x0, jd.lbfgs(learning_rate=lr, memory_size=4), steps=30)
        np.testing.assert_allclose(result.loss[i], run.loss, rtol=1e-12, atol=1e-300)
    assert float(result.final_loss.max()) < 0.1 * float(rosenbrock(x0))
    assert float(result.final_loss[1]) < 0.01 * float(result.final_loss[0])  # alpha matters


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: jd.lbfgs(memory_size=0), "memory_size"),
        (lambda: jd.lbfgs(memory_size=2.5), "memory_size"),
        (lambda: jd.lbfgs(linesearch="zoom"), "linesearch"),
        (lambda: jd.scale_by_zoom_linesearch(0), "max_linesearch_steps"),
        (lambda: jd.scale_by_zoom_linesearch(5, curv_rtol=-1.0), "curv_rtol"),
        (lambda: jd.scale_by_zoom_linesearch(5, tol=np.ones(2)), "tol"),
        (lambda: jd.scale_by_zoom_linesearch(5, initial_guess_strategy="two"), "initial_guess"),
    ],
)
def test_bad_arguments_are_refused_by_name(call: Any, name: str) -> None:
    with pytest.raises((ValueError, TypeError), match=f"`{name}"):
        call()
