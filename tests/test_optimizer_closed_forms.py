"""Closed forms of specific optimizers, and where optax 0.2.8 deviates from the paper.

The shared registry tests compare every keyword set with its reference; here the
expected values come from mathematics (hand-derived closed forms in float64) or
from optax where jaxdescent must agree with it, and the deviations from optax are
shown directly.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxdescent as jd
from tests import equivalence
from tests.registry import Case, matrices_only

F64 = jnp.float64


def _run(opt, grad_fn, w, steps, *, with_params=True, standard=False):
    """Descend ``steps`` steps; returns the parameters after each step and the updates."""
    state = opt.init(w)
    path, updates = [], []
    for _ in range(steps):
        if standard:  # optax's bias correction needs standard dtype promotion
            with jax.numpy_dtype_promotion("standard"):
                u, state = opt.update(grad_fn(w), state, w if with_params else None)
        else:
            u, state = opt.update(grad_fn(w), state, w if with_params else None)
        w = optax.apply_updates(w, u)
        path.append(w)
        updates.append(u)
    return path, updates


def _bowl(w):
    return jnp.sum(w**2) / 2


# --- adadelta --------------------------------------------------------------------------


def test_adadelta_default_descends_where_optax_climbs():
    w0 = jnp.array([1.0, -2.0], F64)
    ours, _ = _run(jd.adadelta(), jax.grad(_bowl), w0, 50)
    theirs, _ = _run(optax.adadelta(), jax.grad(_bowl), w0, 50)
    assert _bowl(ours[-1]) < _bowl(w0)
    assert _bowl(theirs[-1]) > _bowl(w0)  # optax 0.2.8 returns +dx: it climbs


def test_adadelta_first_steps_follow_zeiler():
    """Zeiler's Algorithm 1 by hand for a constant gradient g: E[g^2]_t = (1 - rho^t) g^2."""
    rho, eps, g = 0.9, 1e-6, 3.0
    opt = jd.adadelta(rho=rho, eps=eps)
    state = opt.init(jnp.zeros(1, F64))
    e_dx = 0.0
    for t in range(1, 6):
        u, state = opt.update(jnp.array([g], F64), state, jnp.zeros(1, F64))
        dx = -math.sqrt(e_dx + eps) / math.sqrt((1 - rho**t) * g**2 + eps) * g
        e_dx = rho * e_dx + (1 - rho) * dx**2
        np.testing.assert_allclose(float(u[0]), dx, rtol=1e-13)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"learning_rate": 0.5},
        {"learning_rate": 1.0, "weight_decay": 0.1, "weight_decay_mask": matrices_only},
        {"learning_rate": 1.0, "weight_decay": 0.1, "weight_decay_mask": {"W": False, "b": True}},
    ],
)
def test_adadelta_with_a_learning_rate_equals_optax(kwargs):
    params = {"W": jnp.array([[1.0, -2.0], [0.5, 3.0]], F64), "b": jnp.array([0.3, -0.7], F64)}

    def loss(p):
        return jnp.sum(jnp.tanh(p["W"] @ p["b"] + 1.0) ** 2) + jnp.sum(p["b"] ** 4)

    _, ours = _run(jd.adadelta(**kwargs), jax.grad(loss), params, 30)
    _, theirs = _run(optax.adadelta(**kwargs), jax.grad(loss), params, 30)
    for a, b in zip(jax.tree.leaves(ours), jax.tree.leaves(theirs), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


# --- rprop -----------------------------------------------------------------------------


def test_rprop_grows_then_halves_at_a_sign_flip():
    """On w^2 from w = 1 with Delta = 0.1: steps 0.1 * 1.2^k until w crosses 0, then none."""
    path, updates = _run(jd.rprop(0.1), jax.grad(_bowl), jnp.array([1.0], F64), 9)
    steps = [0.1 * 1.2**k for k in range(7)]  # the sign holds: w = 1 - sum > 0 until k = 6
    w = 1 - sum(steps)
    assert w < 0 < 1 - sum(steps[:-1])
    np.testing.assert_allclose([float(u[0]) for u in updates[:7]], [-s for s in steps], rtol=1e-14)
    assert float(updates[7][0]) == 0.0  # the gradient changed sign: no step, Delta halves
    np.testing.assert_allclose(float(updates[8][0]), steps[-1] * 0.5, rtol=1e-14)
    np.testing.assert_allclose(float(path[8][0]), w + steps[-1] * 0.5, rtol=1e-13)


def test_optax_rprop_lags_one_step_behind():
    """optax emits at step t the step it computed at t - 1; its step sizes are ours."""
    w = {"a": jnp.array([1.0, -2.0, 0.5], F64)}

    def loss(p):
        return jnp.sum(p["a"] ** 2 + jnp.sin(3 * p["a"]))

    ours, theirs = jd.rprop(0.05), optax.rprop(0.05)
    s_ours, s_theirs = ours.init(w), theirs.init(w)
    previous, flips = None, 0
    for t in range(40):
        g = jax.grad(loss)(w)
        u, s_ours = ours.update(g, s_ours)
        v, s_theirs = theirs.update(g, s_theirs)
        np.testing.assert_array_equal(s_ours.step_sizes["a"], s_theirs[0].step_sizes["a"])
        np.testing.assert_array_equal(u["a"], -s_theirs[0].prev_updates["a"])
        if t == 0:
            np.testing.assert_array_equal(v["a"], 0.0)  # optax's first update is zero
        else:  # ... later its update is ours of the previous step, or 0 after a flip
            flipped = g["a"] * previous["a"] > 0  # previous is -Delta sign(g_prev)
            flips += int(flipped.sum())
            np.testing.assert_array_equal(v["a"], jnp.where(flipped, 0.0, previous["a"]))
        previous = u
        w = optax.apply_updates(w, u)
    assert flips > 0  # the comparison above covered sign changes


# --- adan ------------------------------------------------------------------------------


def test_adan_equals_optax_when_b2_is_one_half():
    """optax weighs differences by 1 - b2 instead of b2: the two agree only at b2 = 1/2."""
    w0 = jnp.array([1.0, -2.0, 0.5], F64)

    def loss(w):
        return jnp.sum(w**2 + jnp.sin(3 * w))

    _, ours = _run(jd.adan(1e-2, b2=0.5), jax.grad(loss), w0, 30)
    _, theirs = _run(optax.adan(1e-2, b2=0.5), jax.grad(loss), w0, 30, standard=True)
    np.testing.assert_allclose(np.stack(ours), np.stack(theirs), rtol=1e-12)
    _, ours = _run(jd.adan(1e-2), jax.grad(loss), w0, 30)
    _, theirs = _run(optax.adan(1e-2), jax.grad(loss), w0, 30, standard=True)
    assert not np.allclose(np.stack(ours)[1:], np.stack(theirs)[1:], rtol=1e-3)


def test_adan_weight_decay_is_the_proximal_step():
    """With a zero gradient the step is pure decay: w <- w / (1 + alpha lambda)."""
    alpha, lam = 0.1, 0.5
    w = {"W": jnp.array([[2.0, -1.0]], F64), "b": jnp.array([4.0], F64)}
    opt = jd.adan(alpha, weight_decay=lam, mask={"W": True, "b": False})
    u, _ = opt.update(jax.tree.map(jnp.zeros_like, w), opt.init(w), w)
    np.testing.assert_allclose(w["W"] + u["W"], w["W"] / (1 + alpha * lam), rtol=1e-14)
    np.testing.assert_array_equal(u["b"], 0.0)  # masked out


# --- rmsprop, lamb, novograd ------------------------------------------------------------


@pytest.mark.parametrize("bias_correction", [False, True])
def test_centered_rmsprop_with_a_constant_gradient(bias_correction):
    """m_t = (1 - rho^t) g, v_t = (1 - rho^t) g^2: variance (1 - rho^t) rho^t g^2 (or 0 when
    bias-corrected)."""
    rho, eps, alpha, g = 0.8, 1e-3, 0.1, 2.0
    opt = jd.rmsprop(alpha, decay=rho, eps=eps, centered=True, bias_correction=bias_correction)
    state = opt.init(jnp.zeros(1, F64))
    for t in range(1, 6):
        u, state = opt.update(jnp.array([g], F64), state)
        variance = 0.0 if bias_correction else (1 - rho**t) * rho**t * g**2
        np.testing.assert_allclose(float(u[0]), -alpha * g / math.sqrt(variance + eps), rtol=1e-9)


def test_rmsprop_nesterov_momentum_by_hand():
    """Constant g, no centering: d_t = g / sqrt((1 - rho^t) g^2 + eps); u <- beta u - alpha d."""
    rho, eps, alpha, beta, g = 0.9, 1e-8, 0.01, 0.5, -1.5
    opt = jd.rmsprop(alpha, decay=rho, eps=eps, momentum=beta, nesterov=True)
    state, u = opt.init(jnp.zeros(1, F64)), 0.0
    for t in range(1, 6):
        step, state = opt.update(jnp.array([g], F64), state)
        d = -alpha * g / math.sqrt((1 - rho**t) * g**2 + eps)
        u = beta * u + d
        np.testing.assert_allclose(float(step[0]), beta * u + d, rtol=1e-12)


def test_lamb_first_step_trust_ratio():
    """At t = 1, m_hat / sqrt(v_hat) = sign(g): the step is alpha ||w|| / ||r|| along -r."""
    alpha, lam = 0.1, 0.2
    w = jnp.array([3.0, -4.0, 1.0], F64)
    g = jnp.array([0.5, 2.0, -1.0], F64)
    u, _ = jd.lamb(alpha, eps=0.0, weight_decay=lam).update(g, jd.lamb(alpha).init(w), w)
    r = np.sign(np.asarray(g)) + lam * np.asarray(w)
    expected = -alpha * np.linalg.norm(np.asarray(w)) / np.linalg.norm(r) * r
    np.testing.assert_allclose(u, expected, rtol=1e-12)


def test_novograd_first_steps_by_hand():
    """v_1 = ||g||^2, m_1 = g / ||g|| + lambda w; then v_2 = b2 v_1 + (1 - b2)||g||^2."""
    alpha, b1, b2, lam = 0.1, 0.9, 0.25, 0.01
    w = jnp.array([3.0, -4.0], F64)
    g1, g2 = np.array([3.0, 4.0]), np.array([0.0, 1.0])
    opt = jd.novograd(alpha, b1=b1, b2=b2, eps=0.0, weight_decay=lam)
    u1, state = opt.update(jnp.asarray(g1), opt.init(w), w)
    m1 = g1 / 5 + lam * np.asarray(w)
    np.testing.assert_allclose(u1, -alpha * m1, rtol=1e-14)
    u2, _ = opt.update(jnp.asarray(g2), state, w)
    m2 = b1 * m1 + g2 / math.sqrt(b2 * 25 + (1 - b2) * 1) + lam * np.asarray(w)
    np.testing.assert_allclose(u2, -alpha * m2, rtol=1e-14)


def test_yogi_second_moment_moves_additively():
    """From v_0 = 1e-6 < g^2 the second moment grows by exactly (1 - b2) g^2 per step."""
    opt = jd.yogi(0.1, b2=0.9)
    state = opt.init(jnp.zeros(1, F64))
    for t in range(1, 4):
        _, state = opt.update(jnp.array([2.0], F64), state)
        np.testing.assert_allclose(float(state.nu[0]), 1e-6 + t * 0.1 * 4.0, rtol=1e-14)


# --- signum, lars, fromage, optimistic methods, nadamw, adamaxw ------------------------


def test_signum_steps_by_the_sign_of_the_momentum():
    """m_1 = 0.1 g_1 = 0.1; a smaller opposite g_2 = -0.5 leaves m_2 = 0.04 > 0, -1.5 flips it."""
    opt = jd.signum(0.1, beta=0.9)
    for g2, m2 in ((-0.5, 0.09 - 0.05), (-1.5, 0.09 - 0.15)):
        u1, state = opt.update(jnp.array([1.0], F64), opt.init(jnp.zeros(1, F64)))
        u2, state = opt.update(jnp.array([g2], F64), state)
        assert float(u1[0]) == -0.1
        assert float(u2[0]) == -0.1 * math.copysign(1.0, m2)
        np.testing.assert_allclose(float(state.ema[0]), m2, rtol=1e-14)


def test_lars_trust_ratio_is_the_papers():
    """lam = eta ||w|| / (||g|| + beta ||w||) = 0.5 * 5 / (5 + 5); optax uses ||g + beta w||."""
    w, g = jnp.array([3.0, 4.0], F64), jnp.array([0.0, 5.0], F64)
    kwargs = {"learning_rate": 1.0, "weight_decay": 1.0, "trust_coefficient": 0.5}
    d = np.array([3.0, 9.0])  # g + beta w
    ours, theirs = jd.lars(**kwargs), optax.lars(**kwargs)
    u, state = ours.update(g, ours.init(w), w)
    np.testing.assert_allclose(u, -0.25 * d, rtol=1e-15)
    with jax.numpy_dtype_promotion("standard"):
        u_optax, _ = theirs.update(g, theirs.init(w), w)
    np.testing.assert_allclose(u_optax, -0.5 * 5 / np.linalg.norm(d) * d, rtol=1e-15)
    u2, _ = ours.update(g, state, w)  # v_2 = m v_1 + the same step
    np.testing.assert_allclose(u2, -(0.9 + 1) * 0.25 * d, rtol=1e-15)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"learning_rate": 1.0},
        {"learning_rate": 1.0, "momentum": 0.5, "nesterov": True, "eps": 1e-8},
        {"learning_rate": 1.0, "trust_ratio_mask": matrices_only},
        {  # the decaying leaf has no trust ratio
            "learning_rate": 1.0,
            "weight_decay": 0.1,
            "weight_decay_mask": {"w": False, "b": True},
            "trust_ratio_mask": {"w": True, "b": False},
        },
    ],
)
def test_lars_without_weight_decay_equals_optax(kwargs):
    """Where no weight decays inside a trust ratio the two denominators agree: we equal
    optax.lars (bitwise but for XLA's fusion of the masked tree, within float32 rounding)."""
    case = Case("lars", jd.lars, optax.lars, (kwargs,))
    deviations = equivalence.stream_deviations(case, kwargs)
    assert deviations["float32"] <= 1e-6
    assert deviations["float64"] <= 1e-15


def test_fromage_keeps_the_norm_for_an_orthogonal_gradient():
    """With g orthogonal to w the step alpha ||w|| g / ||g|| grows the norm by sqrt(1 + alpha^2),
    which c = 1 / sqrt(1 + alpha^2) undoes."""
    w, g = jnp.array([3.0, 4.0], F64), jnp.array([8.0, -6.0], F64)
    opt = jd.fromage(0.3)
    u, _ = opt.update(g, opt.init(w), w)
    expected = (np.asarray(w) - 0.3 * 5 * np.asarray(g) / 10) / math.sqrt(1 + 0.3**2)
    np.testing.assert_allclose(w + u, expected, rtol=1e-15)
    np.testing.assert_allclose(np.linalg.norm(w + u), 5.0, rtol=1e-15)


def test_fromage_float32_schedule_in_double_precision():
    """Under x64 optax computes c - 1 = 1 / sqrt(1 + alpha^2) - 1 from a float32 schedule in
    float32 (cancellation: 4e-4 relative error at alpha = 0.02); jaxdescent, reading the
    schedule's value as a Python number, in float64 (but for alpha^2, squared in float32).
    With g = 0 the update is (c - 1) w."""
    schedule = optax.exponential_decay(2e-2, transition_steps=20, decay_rate=0.8)
    alpha = float(np.float32(2e-2))
    exact = (1 / math.sqrt(1 + alpha**2) - 1) * np.array([1.0, -2.0])
    w, g = jnp.array([1.0, -2.0], F64), jnp.zeros(2, F64)
    ours, theirs = jd.fromage(schedule), optax.fromage(schedule)
    u, _ = ours.update(g, ours.init(w), w)
    with jax.numpy_dtype_promotion("standard"):
        u_optax, _ = theirs.update(g, theirs.init(w), w)
    np.testing.assert_allclose(u, exact, rtol=1e-7)
    assert np.max(np.abs(np.asarray(u_optax) - exact) / np.abs(exact)) > 1e-4


def test_optimistic_gradient_descent_first_steps_by_hand():
    """u_1 = -eta alpha g_1 (g_0 = g_1), then u_2 = -eta ((alpha + beta) g_2 - beta g_1)."""
    eta, a, b = 0.1, 0.5, 2.0
    g1, g2 = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    opt = jd.optimistic_gradient_descent(eta, alpha=a, beta=b)
    u1, state = opt.update(jnp.asarray(g1), opt.init(jnp.zeros(2, F64)))
    u2, _ = opt.update(jnp.asarray(g2), state)
    np.testing.assert_allclose(u1, -eta * a * g1, rtol=1e-15)
    np.testing.assert_allclose(u2, -eta * ((a + b) * g2 - b * g1), rtol=1e-15)


def _bilinear_distance(opt, steps):
    """Descent on x, ascent on y of f(x, y) = x y from (1, 2): the distance to the saddle."""

    def step(carry, _):
        z, state = carry
        updates, state = opt.update(jnp.stack([z[1], -z[0]]), state, z)
        return (z + updates, state), None

    z = jnp.array([1.0, 2.0], F64)
    (z, _), _ = jax.lax.scan(step, (z, opt.init(z)), length=steps)
    return float(jnp.linalg.norm(z))


def test_optimism_converges_on_a_bilinear_game_where_descent_spirals_out():
    """Gradient descent-ascent on x y grows |z| by sqrt(1 + eta^2) a step; OGD contracts."""
    start = math.sqrt(5.0)
    plain = _bilinear_distance(jd.sgd(0.1), 200)
    np.testing.assert_allclose(plain, start * (1 + 0.1**2) ** 100, rtol=1e-12)
    assert _bilinear_distance(jd.optimistic_gradient_descent(0.1), 1000) < 0.1 * start
    # optax's own example: a small step along r_t, a large correction by r_t - r_{t-1}
    assert _bilinear_distance(jd.optimistic_adam_v2(1.0, alpha=0.01), 1024) < 0.01 * start


def test_optimistic_adam_is_v2_with_unit_learning_rate():
    """optimistic_adam(lr, o) is optimistic_adam_v2(1, alpha=lr, beta=o), bitwise."""
    first = Case("optimistic_adam", jd.optimistic_adam, jd.optimistic_adam, ())
    kwargs = {"learning_rate": 0.05, "optimism": 0.2, "b2": 0.99, "nesterov": False}
    first_pairs = equivalence.stream_pairs(first, kwargs, (F64,))
    v2 = jd.optimistic_adam_v2(1.0, alpha=0.05, beta=0.2, b2=0.99, nesterov=False)
    second = Case("v2", lambda **_: v2, lambda **_: v2, ())
    second_pairs = equivalence.stream_pairs(second, {}, (F64,))
    np.testing.assert_array_equal(
        np.asarray(first_pairs[0][0]["w"]), np.asarray(second_pairs[0][0]["w"])
    )


@pytest.mark.parametrize(
    ("ours", "same"),
    [
        (jd.nadamw(0.01, weight_decay=0.1), jd.adamw(0.01, weight_decay=0.1, nesterov=True)),
        (jd.adamaxw(0.01, weight_decay=0.0), jd.adamax(0.01)),
    ],
    ids=["nadamw-is-adamw-nesterov", "adamaxw-without-decay-is-adamax"],
)
def test_decoupled_variants_reduce_to_their_base(ours, same):
    case = Case("", lambda **_: ours, lambda **_: same, ())
    assert equivalence.stream_deviations(case, {}) == {"float32": 0.0, "float64": 0.0}


# --- traced hyperparameters ------------------------------------------------------------


def test_vmap_over_learning_rates_equals_a_loop():
    w = jnp.array([1.0, -2.0], F64)
    rates = jnp.array([0.01, 0.05, 0.2], F64)

    def final(lr):
        path, _ = _run(jd.rprop(lr, max_step_size=1.0), jax.grad(_bowl), w, 5)
        return path[-1]

    batched = jax.jit(jax.vmap(final))(rates)
    for i, lr in enumerate([0.01, 0.05, 0.2]):
        np.testing.assert_allclose(batched[i], final(lr), rtol=1e-14)


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "kwargs", "match"),
    [
        (jd.rmsprop, {"learning_rate": -1.0}, "`learning_rate` must be a finite number >= 0"),
        (jd.rmsprop, {"learning_rate": 0.1, "decay": 1.0}, r"`decay` must be in \[0.0, 1.0\)"),
        (jd.rmsprop, {"learning_rate": 0.1, "momentum": 1.5}, "`momentum` must be in"),
        (jd.rmsprop, {"learning_rate": 0.1, "eps": -1e-8}, "`eps` must be in"),
        (jd.rmsprop, {"learning_rate": 0.1, "initial_scale": -1.0}, "`initial_scale` must be"),
        (jd.adagrad, {"learning_rate": math.nan}, "`learning_rate` must be a finite"),
        (jd.adagrad, {"learning_rate": 0.1, "initial_accumulator_value": -1.0}, "initial_acc"),
        (jd.adadelta, {"learning_rate": -0.5}, "`learning_rate` must be"),
        (jd.adadelta, {"rho": 1.0}, r"`rho` must be in \[0.0, 1.0\), got 1.0"),
        (jd.adadelta, {"weight_decay": -0.1}, "`weight_decay` must be"),
        (jd.adabelief, {"learning_rate": 0.1, "b1": 1.0}, "`b1` must be in"),
        (jd.adabelief, {"learning_rate": 0.1, "eps_root": -1.0}, "`eps_root` must be"),
        (jd.yogi, {"learning_rate": 0.1, "b2": -0.1}, "`b2` must be in"),
        (jd.adan, {"learning_rate": 0.1, "b3": 1.0}, "`b3` must be in"),
        (jd.adan, {"learning_rate": 0.1, "weight_decay": -1.0}, "`weight_decay` must be"),
        (jd.lamb, {"learning_rate": 0.1, "weight_decay": math.inf}, "`weight_decay` must be"),
        (jd.lamb, {"learning_rate": 0.1, "b1": 2.0}, "`b1` must be in"),
        (jd.novograd, {"learning_rate": 0.1, "weight_decay": -1.0}, "`weight_decay` must be"),
        (jd.novograd, {"learning_rate": 0.1, "b2": 1.0}, "`b2` must be in"),
        (jd.rprop, {"learning_rate": -0.1}, "`learning_rate` must be"),
        (jd.rprop, {"learning_rate": 0.1, "eta_minus": 0.0}, r"`eta_minus` must be in \(0.0"),
        (jd.rprop, {"learning_rate": 0.1, "eta_plus": 0.9}, r"`eta_plus` must be in \[1.0"),
        (jd.rprop, {"learning_rate": 0.1, "max_step_size": 0.0}, "`max_step_size` must be in"),
        (jd.rprop, {"learning_rate": 0.1, "min_step_size": -1.0}, "`min_step_size` must be"),
        (
            jd.rprop,
            {"learning_rate": 0.1, "min_step_size": 1.0, "max_step_size": 0.5},
            "`min_step_size` must be <= `max_step_size`, got 1.0 > 0.5",
        ),
        (jd.adamaxw, {"learning_rate": 0.1, "weight_decay": -0.1}, "`weight_decay` must be"),
        (jd.nadamw, {"learning_rate": 0.1, "weight_decay": math.nan}, "`weight_decay` must be"),
        (jd.signum, {"learning_rate": 0.1, "beta": 1.0}, r"`beta` must be in \[0.0, 1.0\)"),
        (jd.lars, {"learning_rate": 0.1, "momentum": 1.0}, "`momentum` must be in"),
        (jd.lars, {"learning_rate": 0.1, "trust_coefficient": -1.0}, "`trust_coefficient`"),
        (jd.lars, {"learning_rate": 0.1, "weight_decay": -1.0}, "`weight_decay` must be"),
        (jd.fromage, {"learning_rate": 0.1, "min_norm": -1.0}, "`min_norm` must be"),
        (jd.optimistic_gradient_descent, {"learning_rate": 0.1, "beta": -1.0}, "`beta` must"),
        (jd.optimistic_adam_v2, {"learning_rate": 0.1, "alpha": math.inf}, "`alpha` must"),
        (jd.optimistic_adam, {"learning_rate": 0.1, "optimism": -0.1}, "`optimism` must"),
    ],
)
def test_bad_hyperparameters_are_named(factory, kwargs, match):
    with pytest.raises(ValueError, match=match):
        factory(**kwargs)


@pytest.mark.parametrize(
    ("factory", "kwargs", "match"),
    [
        (jd.rprop, {"learning_rate": optax.constant_schedule(0.1)}, "initial step size"),
        (jd.novograd, {"learning_rate": 0.1, "weight_decay": lambda t: 0.1}, "weight_decay"),
        (jd.rmsprop, {"learning_rate": "0.1"}, "`learning_rate` must be a finite number"),
        (jd.optimistic_adam, {"learning_rate": optax.constant_schedule(0.1)}, "_v2 takes one"),
        (jd.optimistic_gradient_descent, {"learning_rate": 0.1, "alpha": lambda t: 1.0}, "alpha"),
    ],
)
def test_unsupported_types_are_named(factory, kwargs, match):
    with pytest.raises(TypeError, match=match):
        factory(**kwargs)


@pytest.mark.parametrize(
    "opt",
    [
        jd.adadelta(),
        jd.lamb(0.1),
        jd.novograd(0.1),
        jd.adan(0.1),
        jd.adamaxw(0.1),
        jd.nadamw(0.1),
        jd.lars(0.1),
        jd.fromage(0.1),
    ],
    ids=["adadelta", "lamb", "novograd", "adan", "adamaxw", "nadamw", "lars", "fromage"],
)
def test_update_without_params_is_a_clear_error(opt):
    w = jnp.ones(2, F64)
    with pytest.raises(ValueError, match="`params` must be passed to `update`"):
        opt.update(w, opt.init(w))
