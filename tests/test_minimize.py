"""The descent driver: what `minimize` records, against closed forms and recomputation."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxdescent as jd
from jaxdescent._minimize import _descend


def rosenbrock(w: jax.Array) -> jax.Array:
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def quadratic(w: jax.Array) -> jax.Array:
    """C(w) = 3/2 |w|^2, so dC/dw = 3 w and plain descent gives w_t = (1 - 3 lr)^t w_0."""
    return 1.5 * jnp.sum(w**2)


def test_sgd_on_a_quadratic_follows_the_closed_form() -> None:
    w0 = jnp.array([1.0, -2.0], jnp.float64)
    run = jd.minimize(quadratic, w0, jd.sgd(0.1), steps=20)
    t = np.arange(21)[:, None]
    expected = (1 - 3 * 0.1) ** t * np.array([1.0, -2.0])
    np.testing.assert_allclose(run.params, expected, rtol=1e-13)
    np.testing.assert_allclose(run.grad_norm, 3 * np.linalg.norm(expected, axis=1), rtol=1e-13)
    assert run.steps.tolist() == list(range(21))


def test_loss_is_the_objective_at_the_recorded_params() -> None:
    w0 = jnp.array([1.5, 0.5], jnp.float64)
    rosenbrock = lambda w: (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2  # noqa: E731
    run = jd.minimize(rosenbrock, w0, jd.adam(0.01), steps=50)
    recomputed = jax.vmap(rosenbrock)(run.params)
    # value_and_grad inside the compiled scan fuses differently: equal to rounding.
    np.testing.assert_allclose(run.loss, recomputed, rtol=1e-14)
    np.testing.assert_array_equal(run.params[0], w0)
    np.testing.assert_array_equal(run.params[-1], run.final_params)
    assert run.final_loss == run.loss[-1]
    assert not run.diverged
    assert run.diverged_at == -1


def test_pytree_parameters_and_extra_arguments() -> None:
    key_x, _key_w = jax.random.split(jax.random.key(1))
    x = jax.random.normal(key_x, (20, 3), jnp.float64)
    y = x @ jnp.array([1.0, -2.0, 0.5], jnp.float64) + 0.3

    def loss(params, x, y):
        return jnp.mean((x @ params["w"] + params["b"] - y) ** 2)

    params0 = {"w": jnp.zeros(3, jnp.float64), "b": jnp.zeros((), jnp.float64)}
    run = jd.minimize(loss, params0, jd.sgd(0.1, momentum=0.5), steps=400, args=(x, y))
    assert run.params["w"].shape == (401, 3)
    assert run.params["b"].shape == (401,)
    np.testing.assert_allclose(run.final_params["w"], [1.0, -2.0, 0.5], atol=1e-6)
    np.testing.assert_allclose(run.final_params["b"], 0.3, atol=1e-6)


def test_thinned_and_final_only_records_match_the_full_record() -> None:
    w0 = jnp.array([1.0, -1.0], jnp.float32)
    full = jd.minimize(quadratic, w0, jd.adam(0.05), steps=10)
    every3 = jd.minimize(quadratic, w0, jd.adam(0.05), steps=10, record_every=3)
    final = jd.minimize(quadratic, w0, jd.adam(0.05), steps=10, record_every=None)
    assert every3.steps.tolist() == [0, 3, 6, 9, 10]
    np.testing.assert_array_equal(every3.loss, full.loss[every3.steps])
    np.testing.assert_array_equal(every3.params, full.params[every3.steps])
    assert final.params.shape == (1, 2)
    assert final.steps.tolist() == [10]
    np.testing.assert_array_equal(final.final_params, full.final_params)
    no_params = jd.minimize(quadratic, w0, jd.adam(0.05), steps=10, record_params=False)
    assert no_params.params is None
    np.testing.assert_array_equal(no_params.loss, full.loss)


@pytest.mark.parametrize("record_every", [1, 2, None])
def test_an_objective_returning_a_python_number_is_recorded(record_every) -> None:
    # A constant loss: the parameters move by nothing, every record is the number.
    run = jd.minimize(lambda w: 0.5, jnp.ones(2), jd.sgd(0.1), steps=3, record_every=record_every)
    assert run.loss.shape == (len(run.steps),)
    np.testing.assert_array_equal(run.loss, 0.5)
    np.testing.assert_array_equal(run.params[-1], jnp.ones(2))


def test_auxiliary_outputs_are_recorded() -> None:
    def with_aux(w):
        return quadratic(w), {"w0": w[0]}

    w0 = jnp.array([1.0, 2.0], jnp.float64)
    run = jd.minimize(with_aux, w0, jd.sgd(0.1), steps=5, has_aux=True)
    np.testing.assert_array_equal(run.aux["w0"], run.params[:, 0])


def test_divergence_is_recorded_and_the_run_frozen() -> None:
    # lr = 1 on C = 3/2 w^2 multiplies w by -2 each step: float32 overflows at a known step.
    w0 = jnp.array([1.0], jnp.float32)
    run = jd.minimize(quadratic, w0, jd.sgd(1.0), steps=300)
    w, first_bad = np.float32(1.0), None
    for t in range(300):  # independent float32 recomputation
        with np.errstate(over="ignore"):
            loss = np.float32(1.5) * (w * w)
        if not np.isfinite(loss):
            first_bad = t
            break
        w = w - np.float32(1.0) * (np.float32(3.0) * w)
    assert bool(run.diverged)
    assert int(run.diverged_at) == first_bad
    assert np.all(np.isfinite(run.params))
    frozen = np.broadcast_to(run.params[first_bad], run.params[first_bad:].shape)
    np.testing.assert_array_equal(run.params[first_bad:], frozen)  # its loss overflowed there
    assert np.all(run.params[first_bad] != run.params[first_bad - 1])

    # Stopped just as its loss overflows: every step's loss was finite, the final one is not.
    cut = jd.minimize(quadratic, w0, jd.sgd(1.0), steps=first_bad)
    assert np.all(np.isfinite(cut.loss[:-1]))
    assert not np.isfinite(cut.final_loss)
    assert np.all(np.isfinite(cut.final_params))
    assert bool(cut.diverged)
    assert int(cut.diverged_at) == first_bad


def test_a_stochastic_objective_stays_frozen_once_its_loss_was_not_finite() -> None:
    # The loss is infinite at the steps whose coin (drawn from the step's key) comes up; at
    # the same parameters it is finite again at the next step, so only a latch keeps it frozen.
    def coin(key: jax.Array) -> jax.Array:
        return jax.random.bernoulli(key, 0.3)

    def noisy(w: jax.Array, key: jax.Array) -> jax.Array:
        return jnp.where(coin(key), jnp.inf, quadratic(w))

    key = jax.random.key(3)
    run = jd.minimize(noisy, jnp.array([1.0], jnp.float64), jd.sgd(0.1), steps=40, key=key)
    coins = [bool(coin(jax.random.fold_in(key, t))) for t in range(40)]  # as minimize draws them
    first = coins.index(True)
    assert int(run.diverged_at) == first
    assert not all(coins[first:])  # later steps had finite losses at the frozen parameters
    frozen = np.broadcast_to(run.params[first], run.params[first:].shape)
    np.testing.assert_array_equal(run.params[first:], frozen)
    assert np.all(run.params[1 : first + 1] != run.params[:first])  # it moved until then


def test_diverge_above_flags_a_finite_blow_up() -> None:
    w0 = jnp.array([1.0], jnp.float64)
    run = jd.minimize(quadratic, w0, jd.sgd(1.0), steps=20, diverge_above=1e3)
    losses = 1.5 * 4.0 ** np.arange(21)  # |w_t| = 2^t
    assert int(run.diverged_at) == int(np.argmax(losses > 1e3))
    # The bound is inclusive: a loss equal to it (1.5 * 4^3, exact in binary) still moves.
    at_bound = jd.minimize(quadratic, w0, jd.sgd(1.0), steps=20, diverge_above=96.0)
    assert int(at_bound.diverged_at) == 4


def test_vmap_over_learning_rates_equals_separate_runs() -> None:
    w0 = jnp.array([1.0, -2.0], jnp.float32)
    rates = jnp.array([0.01, 0.1, 0.3], jnp.float32)
    batched = jax.vmap(lambda lr: jd.minimize(quadratic, w0, jd.adam(lr), steps=30).loss)(rates)
    for i, lr in enumerate(rates):
        single = jd.minimize(quadratic, w0, jd.adam(lr), steps=30).loss
        np.testing.assert_allclose(batched[i], single, rtol=1e-6)


def test_new_hyperparameter_values_do_not_recompile() -> None:
    w0 = jnp.array([1.0, -2.0], jnp.float32)
    jd.minimize(quadratic, w0, jd.adam(0.1, b1=0.8), steps=7)
    before = _descend._cache_size()
    for lr, b1 in [(0.2, 0.7), (0.05, 0.95)]:
        jd.minimize(quadratic, w0, jd.adam(lr, b1=b1), steps=7)
    assert _descend._cache_size() == before


def test_a_repeated_call_traces_the_objective_no_more() -> None:
    traces = []

    def counted(w: jax.Array) -> jax.Array:
        traces.append(1)  # runs only while JAX traces the objective
        return quadratic(w)

    w0 = jnp.array([1.0, -2.0], jnp.float32)
    jd.minimize(counted, w0, jd.adam(0.1), steps=3)
    assert traces  # the input check and the compilation traced it
    traces.clear()
    jd.minimize(counted, w0 + 1.0, jd.adam(0.2), steps=3)  # same shapes, new values
    assert traces == []  # neither the check nor the kernel traced it again


def test_optax_optimizers_and_schedules_work() -> None:
    w0 = jnp.array([1.0, -2.0], jnp.float64)
    ours = jd.minimize(quadratic, w0, jd.sgd(optax.exponential_decay(0.1, 1, 0.9)), steps=10)
    theirs = jd.minimize(quadratic, w0, optax.sgd(optax.exponential_decay(0.1, 1, 0.9)), steps=10)
    np.testing.assert_allclose(ours.params, theirs.params, rtol=1e-14)
    schedule = lambda t: 0.1 * 0.9 ** t.astype(jnp.float64)  # noqa: E731 (optax's runs in float32)
    ours = jd.minimize(quadratic, w0, jd.sgd(schedule), steps=10)
    w, expected = np.array([1.0, -2.0]), [np.array([1.0, -2.0])]
    for t in range(10):
        w = w - 0.1 * 0.9**t * 3 * w
        expected.append(w)
    np.testing.assert_allclose(ours.params, expected, rtol=1e-13)


def test_minimize_composes_with_jit() -> None:
    w0 = jnp.array([1.0, -2.0], jnp.float32)
    jitted = jax.jit(lambda lr: jd.minimize(quadratic, w0, jd.sgd(lr), steps=5).final_loss)
    eager = jd.minimize(quadratic, w0, jd.sgd(jnp.float32(0.1)), steps=5).final_loss
    np.testing.assert_allclose(jitted(jnp.float32(0.1)), eager, rtol=1e-6)


def test_evaluations_are_recorded_at_their_steps() -> None:
    w0 = jnp.array([1.0, -2.0], jnp.float64)
    run = jd.minimize(
        quadratic,
        w0,
        jd.sgd(0.1),
        steps=10,
        record_every=2,
        evaluate=lambda w: {"w": w},
        evaluate_every=4,
    )
    assert run.evaluation_steps.tolist() == [0, 4, 8, 10]
    np.testing.assert_array_equal(run.evaluations["w"], run.params[np.array([0, 2, 4, 5])])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": 0}, "`steps` must be an integer >= 1, got 0"),
        ({"steps": 2.5}, "`steps` must be an integer >= 1, got 2.5"),
        ({"steps": 5, "record_every": 0}, "`record_every` must be an integer >= 1 or None"),
        ({"steps": 5, "batch_size": 2}, "`batch_size` needs `data`"),
        (
            {"steps": 5, "record_every": 2, "evaluate": jnp.sum, "evaluate_every": 3},
            "`evaluate_every` must be a multiple of `record_every`",
        ),
    ],
)
def test_bad_settings_are_rejected_by_name(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        jd.minimize(quadratic, jnp.ones(2, jnp.float32), jd.sgd(0.1), **kwargs)


def test_integer_start_is_rejected() -> None:
    with pytest.raises(TypeError, match=r"`x0` must hold floating-point arrays.*int32"):
        jd.minimize(quadratic, jnp.array([1, 2], jnp.int32), jd.sgd(0.1), steps=3)


def test_non_scalar_objective_names_its_shape() -> None:
    with pytest.raises(ValueError, match=r"float scalar.*returned shape \(2,\)"):
        jd.minimize(lambda w: w**2, jnp.ones(2, jnp.float32), jd.sgd(0.1), steps=3)


def test_not_an_optimizer_is_rejected() -> None:
    with pytest.raises(TypeError, match="`optimizer` must be an optax GradientTransformation"):
        jd.minimize(quadratic, jnp.ones(2, jnp.float32), 0.1, steps=3)


def test_mismatched_gradients_are_rejected_before_compute() -> None:
    opt = jd.adam(0.1)
    state = opt.init({"w": jnp.ones(2, jnp.float32)})
    with pytest.raises(ValueError, match="`grads` must have the same pytree structure"):
        opt.update({"v": jnp.ones(2, jnp.float32)}, state)
    with pytest.raises(ValueError, match=r"expected a leaf of shape \(2,\), got \(3,\)"):
        opt.update({"w": jnp.ones(3, jnp.float32)}, state)


def test_gradient_norm_recording_can_be_left_out() -> None:
    w0 = jnp.array([1.0, -2.0], jnp.float32)
    full = jd.minimize(quadratic, w0, jd.adam(0.1), steps=10)
    lean = jd.minimize(quadratic, w0, jd.adam(0.1), steps=10, record_grad_norm=False)
    assert lean.grad_norm is None
    np.testing.assert_array_equal(lean.loss, full.loss)
    np.testing.assert_array_equal(lean.params, full.params)


@pytest.mark.parametrize(
    "build",
    [lambda: jd.adam(0.02), lambda: jd.sgd(1e-3, momentum=0.9), optax.lbfgs],
    ids=["adam", "sgd-momentum", "optax.lbfgs"],
)
def test_a_continued_descent_equals_one_descent_bit_for_bit(build) -> None:
    x0 = jnp.array([-1.2, 1.0], jnp.float64)
    with jax.numpy_dtype_promotion("standard"):  # optax mixes int32 counts with Python ints
        whole = jd.minimize(rosenbrock, x0, build(), steps=60)
        first = jd.minimize(rosenbrock, x0, build(), steps=25)
        rest = jd.minimize(
            rosenbrock, first.final_params, build(), steps=35, state=first.final_state
        )
    np.testing.assert_array_equal(rest.final_params, whole.final_params)
    np.testing.assert_array_equal(np.concatenate([first.loss[:-1], rest.loss]), whole.loss)
    assert jax.tree_util.tree_structure(rest.final_state) == jax.tree_util.tree_structure(
        build().init(x0)
    )


def test_lbfgs_and_line_searches_get_value_grad_and_value_fn() -> None:
    x0 = jnp.array([-1.2, 1.0], jnp.float64)
    backtracking = optax.scale_by_backtracking_linesearch(max_backtracking_steps=30)
    with jax.numpy_dtype_promotion("standard"):  # optax mixes int32 counts with Python ints
        lbfgs = jd.minimize(rosenbrock, x0, optax.lbfgs(), steps=60)
        searched = jd.minimize(rosenbrock, x0, optax.chain(jd.sgd(1.0), backtracking), steps=300)
    assert float(lbfgs.final_loss) < 1e-12  # Rosenbrock's minimum is 0 at (1, 1)
    np.testing.assert_allclose(lbfgs.final_params, [1.0, 1.0], atol=1e-6)
    # A step of 1 diverges on Rosenbrock; the line search (which calls value_fn) shrinks it
    # until the loss decreases (Armijo), so the loss never rises.
    assert bool(jd.minimize(rosenbrock, x0, jd.sgd(1.0), steps=300).diverged)
    assert not bool(searched.diverged)
    assert np.all(np.diff(np.asarray(searched.loss)) <= 0)
    assert float(searched.final_loss) < 0.01 * float(searched.loss[0])


def test_a_state_of_another_optimizer_is_refused() -> None:
    x0 = jnp.ones(2, jnp.float32)
    with pytest.raises(ValueError, match="`state` must be this optimizer's state"):
        jd.minimize(quadratic, x0, jd.adam(0.1), steps=2, state=jd.sgd(0.1).init(x0))
