"""The learning-rate finder, checked on a 1-D quadratic whose answers are known in closed form.

On ``C(w) = a w^2 / 2`` plain SGD maps ``w -> (1 - alpha a) w``: the loss shrinks iff
``alpha < 2 / a``, and a run of rates ``alpha_0, alpha_1, ...`` has loss
``C_i = C_0 prod_{j<i} (1 - alpha_j a)^2``.
"""

import math

import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxdescent as jd
from jaxdescent._lr_find_result import smooth, steep, stop_index, valley


def quadratic(a: float):
    return lambda w: a * jnp.sum(w**2) / 2


def closed_form_losses(a: float, rates: np.ndarray) -> np.ndarray:
    """``C_i`` of SGD from w0 = 1 with rate ``rates[i]`` at step i, in float64."""
    factors = np.concatenate([[1.0], np.cumprod((1.0 - rates * a) ** 2)])
    return a / 2 * factors


# ---- range test -------------------------------------------------------------------------------


def test_range_schedule_is_fastai_exponential():
    found = jd.lr_find(quadratic(1.0), jnp.ones(1, jnp.float64), jd.sgd)
    n = len(found.learning_rates)
    np.testing.assert_allclose(found.learning_rates, 1e-7 * 1e8 ** (np.arange(n) / 100), rtol=1e-12)


@pytest.mark.parametrize("factory", [jd.sgd, optax.sgd], ids=["jaxdescent", "optax"])
def test_range_loss_follows_the_closed_form(factory):
    a = 100.0
    found = jd.lr_find(quadratic(a), jnp.ones(1, jnp.float64), factory)
    expected = closed_form_losses(a, found.learning_rates)[: len(found.loss)]
    np.testing.assert_allclose(found.loss, expected, rtol=1e-9)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
@pytest.mark.parametrize("a", [1.0, 100.0])
def test_range_suggestions_bracket(a, dtype):
    # The raw loss is C_0 exp(-2 a sum alpha_j) ~ C_0 exp(-12 a alpha_k) (rates grow 1.2x a step):
    # still 0.55 C_0 at alpha = 0.05/a, and the step factor (1 - alpha a)^2 vanishes at
    # alpha = 1/a, so by then the raw loss has collapsed. The smoothed loss falls
    # fastest once the raw loss has collapsed, so `steep` lies in [0.05/a, 1/a]; `valley`,
    # the middle of the stretch where the smoothed loss falls, lies below it.
    found = jd.lr_find(quadratic(a), jnp.ones(1, dtype), jd.sgd)
    assert 0.05 / a <= found.steep <= 1.0 / a
    assert 1e-7 < found.valley < found.steep


def test_range_stops_when_smoothed_loss_exceeds_four_times_best():
    found = jd.lr_find(quadratic(100.0), jnp.ones(1, jnp.float64), jd.sgd)
    s = found.smoothed_loss
    best = np.minimum.accumulate(s)
    assert len(s) < 100, "on a = 100 the rates pass 2/a = 0.02 long before 10"
    assert s[-1] > 4 * best[-2]
    assert np.all(s[:-1] <= 4 * best[:-1])
    assert found.learning_rates[-1] > 2 / 100


def test_range_cut_where_the_run_diverged():
    # Without the 4x stop, the float32 loss overflows once the closed form exceeds ~3.4e38.
    a = 100.0
    found = jd.lr_find(quadratic(a), jnp.ones(1, jnp.float32), jd.sgd, stop_factor=1e300)
    rates = 1e-7 * 1e8 ** (np.arange(100) / 100)
    overflow = int(np.argmax(closed_form_losses(a, rates) > np.finfo(np.float32).max))
    assert np.all(np.isfinite(found.loss))
    assert abs(len(found.loss) - overflow) <= 1


def test_range_fixed_hyperparameters_reach_the_optimizer():
    plain = jd.lr_find(quadratic(1.0), jnp.ones(1, jnp.float64), jd.sgd)
    heavy = jd.lr_find(quadratic(1.0), jnp.ones(1, jnp.float64), jd.sgd, momentum=0.9)
    assert not np.array_equal(plain.loss, heavy.loss)
    assert "valley" in repr(plain.suggestions)
    with pytest.raises(AttributeError, match="its suggestions are"):
        _ = plain.best


# ---- host-side pieces, against hand-derived values ----------------------------------------------


def test_smooth_is_debiased():
    np.testing.assert_allclose(smooth(np.full(7, 3.0), 0.98), np.full(7, 3.0), rtol=1e-12)
    beta, c0, c1 = 0.9, 2.0, 5.0
    np.testing.assert_allclose(
        smooth(np.array([c0, c1]), beta), [c0, (beta * c0 + c1) / (1 + beta)]
    )


def test_stop_index_counts_the_point_that_stops():
    assert stop_index(np.array([4.0, 2.0, 1.0, 3.0, 5.0, 9.0]), 4.0) == 5
    assert stop_index(np.array([1.0, 2.0, 3.0]), 4.0) == 3
    assert stop_index(np.array([1.0, np.nan, 0.5]), 4.0) == 2


def test_valley_is_fastais_rule():
    # The longest strictly decreasing run is 10 -> 1.5 (indices 2..11, 10 points); fastai puts
    # its start at end - 10 = 1 and suggests index 1 + floor(10/3) + floor(10/6) = 5.
    loss = np.array([1.0, 2.0, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1.5, 20])
    rates = np.arange(len(loss), dtype=np.float64) + 100
    assert valley(rates, loss) == 105
    # a stretch starting at the first point: fastai's index -1 + 1 + 0 is clamped to 0
    assert valley(np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 5.0])) == 1.0
    assert math.isnan(valley(np.array([1.0]), np.array([1.0])))


def test_steep_is_the_steepest_fall_against_log_rate():
    rates = np.array([1.0, 10.0, 100.0, 1000.0])
    assert steep(rates, np.array([5.0, 4.0, 1.0, 0.9])) == 10.0
    # on a non-uniform grid the slope is per unit of log rate, not per point
    assert steep(np.array([1.0, 2.0, 200.0]), np.array([3.0, 2.0, 0.0])) == 1.0
    assert math.isnan(steep(np.array([1.0]), np.array([1.0])))


# ---- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"method": "grid"}, ValueError, "`method` must be one of"),
        ({"start_lr": 0.0}, ValueError, "`start_lr` must be a finite number > 0"),
        ({"end_lr": math.inf}, ValueError, "`end_lr` must be a finite number > 0"),
        ({"start_lr": 1.0, "end_lr": 0.5}, ValueError, "`end_lr` must be larger"),
        ({"steps": 5}, ValueError, "`steps` must be an integer >= 10"),
        ({"num": 1}, ValueError, "`num` must be an integer >= 2"),
        ({"beta": 1.0}, ValueError, r"`beta` must be in \[0, 1\)"),
        ({"stop_factor": 1.0}, ValueError, "`stop_factor` must be a finite number > 1"),
    ],
)
def test_bad_settings(kwargs, error, match):
    with pytest.raises(error, match=match):
        jd.lr_find(quadratic(1.0), jnp.ones(1, jnp.float64), jd.sgd, **kwargs)


def test_bad_factory():
    with pytest.raises(TypeError, match="`optimizer_factory` must be a callable"):
        jd.lr_find(quadratic(1.0), jnp.ones(1, jnp.float64), jd.sgd(0.1))


def test_bad_objective_is_caught_before_compute():
    with pytest.raises(ValueError, match="float scalar"):
        jd.lr_find(lambda w: w, jnp.ones(2, jnp.float64), jd.sgd)


def test_no_recompilation_for_a_repeated_range_test():
    fn = quadratic(3.0)
    x0 = jnp.ones(1, jnp.float64)
    jd.lr_find(fn, x0, jd.sgd)
    before = jd._minimize._descend._cache_size()
    jd.lr_find(fn, x0, jd.sgd)
    assert jd._minimize._descend._cache_size() == before


# ---- parallel test -------------------------------------------------------------------------------

GRID = {"start_lr": 1e-2, "end_lr": 10.0, "num": 50}  # ratio 10^(3/49) ~ 1.15 between rates


@pytest.mark.parametrize("factory", [jd.sgd, optax.sgd], ids=["jaxdescent", "optax"])
def test_parallel_stable_iff_rate_below_two_over_a(factory):
    a = 3.0
    found = jd.lr_find(
        quadratic(a), jnp.ones(1, jnp.float64), factory, method="parallel", steps=10, **GRID
    )
    grid = np.geomspace(1e-2, 10.0, 50)
    np.testing.assert_allclose(found.learning_rates, grid, rtol=1e-12)
    np.testing.assert_array_equal(found.stable, grid < 2 / a)
    ratio = grid[1] / grid[0]
    assert found.largest_stable < 2 / a <= found.largest_stable * ratio
    # the loss after T steps is C_0 (1 - alpha a)^(2T): least where |1 - alpha a| is least
    assert found.best == grid[np.argmin(np.abs(1 - grid * a))]
    np.testing.assert_allclose(found.loss[:, -1], a / 2 * (1 - grid * a) ** 20, rtol=1e-9)


def test_parallel_ties_resolve_to_the_middle():
    # In float32 the loss (1 - alpha a)^60 C_0 of 30 steps underflows to exactly 0 for
    # |1 - alpha a| < ~0.2: a band of tied rates around 1/a; the middle one is kept.
    a = 3.0
    found = jd.lr_find(
        quadratic(a), jnp.ones(1, jnp.float32), jd.sgd, method="parallel", steps=30, **GRID
    )
    assert (found.loss[:, -1] == 0).sum() >= 3
    ratio = found.learning_rates[1] / found.learning_rates[0]
    assert 1 / (a * ratio) <= found.best <= ratio / a


def test_parallel_momentum_moves_the_edge():
    # heavy ball on a quadratic is stable iff alpha a < 2 (1 + beta)
    a, beta = 3.0, 0.5
    found = jd.lr_find(
        quadratic(a), jnp.ones(1, jnp.float64), jd.sgd, method="parallel", momentum=beta,
        steps=200, **GRID,
    )  # fmt: skip
    ratio = found.learning_rates[1] / found.learning_rates[0]
    edge = 2 * (1 + beta) / a
    assert found.largest_stable < edge <= found.largest_stable * ratio


def test_parallel_nothing_stable_gives_nan():
    found = jd.lr_find(
        quadratic(3.0), jnp.ones(1, jnp.float64), jd.sgd, method="parallel",
        start_lr=1.0, end_lr=10.0, num=4, steps=10,
    )  # fmt: skip
    assert not found.stable.any()
    assert math.isnan(found.largest_stable)
    assert math.isnan(found.best)


# ---- data ----------------------------------------------------------------------------------------


def _least_squares():
    x = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.2], [-1.0, 1.5]])
    y = np.array([1.0, 0.0, 2.0, -1.0])
    fn = lambda w, batch: jnp.mean((batch[0] @ w - batch[1]) ** 2) / 2  # noqa: E731
    return fn, (jnp.asarray(x), jnp.asarray(y)), x


def test_parallel_full_batch_data_edge_is_two_over_top_curvature():
    # C(w) = |Xw - y|^2 / (2n): full-batch descent is stable iff alpha < 2 / lambda_max(X^T X / n)
    fn, data, x = _least_squares()
    edge = 2 / np.linalg.eigvalsh(x.T @ x / len(x)).max()
    found = jd.lr_find(
        fn, jnp.zeros(2, jnp.float64), jd.sgd, method="parallel", data=data, steps=200, **GRID
    )
    ratio = found.learning_rates[1] / found.learning_rates[0]
    assert found.largest_stable < edge <= found.largest_stable * ratio


def test_range_minibatches_follow_the_seed():
    fn, data, _ = _least_squares()
    x0 = jnp.zeros(2, jnp.float64)
    first = jd.lr_find(fn, x0, jd.sgd, data=data, batch_size=2)
    again = jd.lr_find(fn, x0, jd.sgd, data=data, batch_size=2, seed=0)
    other = jd.lr_find(fn, x0, jd.sgd, data=data, batch_size=2, seed=1)
    np.testing.assert_array_equal(first.loss, again.loss)
    assert not np.array_equal(first.loss[:20], other.loss[:20])
    assert np.isfinite(first.valley)
    with pytest.raises(TypeError, match=r"`seed` must be an integer in \[0, 2\*\*32\) or None"):
        jd.lr_find(fn, x0, jd.sgd, data=data, batch_size=2, seed=1.5)
