"""The datasets: digits against scikit-learn's own copy, generated ones against their maths."""

from __future__ import annotations

import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxdescent as jd


def _sorted_rows(x: np.ndarray) -> np.ndarray:
    return x[np.lexsort(x.T[::-1])]


def test_digits_is_a_split_of_scikit_learns_images() -> None:
    load_digits = pytest.importorskip("sklearn.datasets").load_digits
    train, test = jd.datasets.digits()
    assert train["x"].shape == (1348, 64)
    assert test["x"].shape == (449, 64)
    assert train["x"].dtype == jnp.float32
    assert train["y"].dtype == jnp.int32
    reference = load_digits()
    x = np.concatenate([np.asarray(train["x"]), np.asarray(test["x"])])
    y = np.concatenate([np.asarray(train["y"]), np.asarray(test["y"])])
    # together the two sets hold every (image, label) once, pixels 0..16 scaled to [0, 1]
    both = np.column_stack([x * 16, y])
    expected = np.column_stack([reference.data, reference.target])
    np.testing.assert_array_equal(_sorted_rows(both), _sorted_rows(expected))
    assert x.min() == 0.0
    assert x.max() == 1.0
    for part in (train, test):
        assert set(np.asarray(part["y"]).tolist()) == set(range(10))


def test_digits_split_is_deterministic_and_follows_the_seed() -> None:
    pytest.importorskip("sklearn")
    first, again, other = jd.datasets.digits(), jd.datasets.digits(), jd.datasets.digits(seed=1)
    np.testing.assert_array_equal(np.asarray(first[1]["x"]), np.asarray(again[1]["x"]))
    np.testing.assert_array_equal(np.asarray(first[0]["y"]), np.asarray(again[0]["y"]))
    assert not np.array_equal(np.asarray(first[1]["x"]), np.asarray(other[1]["x"]))
    train, test = jd.datasets.digits(test_fraction=0.5)
    assert (len(train["y"]), len(test["y"])) == (899, 898)


def test_digits_without_scikit_learn_says_how_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install jaxdescent\[data\]"):
        jd.datasets.digits()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"test_fraction": 0.0}, "`test_fraction` must be a number in \\(0, 1\\), got 0.0"),
        ({"test_fraction": 1}, "`test_fraction` must be a number in \\(0, 1\\), got 1"),
        ({"test_fraction": "a"}, "`test_fraction`"),
        ({"seed": -1}, "`seed` must be an integer >= 0, got -1"),
        ({"seed": 1.5}, "`seed` must be an integer >= 0, got 1.5"),
    ],
)
def test_digits_bad_arguments(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        jd.datasets.digits(**kwargs)


def test_linear_regression_is_the_linear_model_plus_noise(key) -> None:
    n, dim, noise = 4000, 4, 0.3
    data, w = jd.datasets.linear_regression(n, dim, noise, key, dtype=jnp.float64)
    x, y = np.asarray(data["x"]), np.asarray(data["y"])
    assert x.shape == (n, dim)
    assert y.shape == (n,)
    assert w.shape == (dim,)
    assert data["x"].dtype == data["y"].dtype == w.dtype == jnp.float64
    residual = y - x @ np.asarray(w)
    # N(0, noise^2) residuals: the sample std is within 5% (about 4.5 standard errors)
    assert abs(residual.std() / noise - 1) < 0.05
    assert abs(residual.mean()) < 4 * noise / np.sqrt(n)
    assert np.all(np.abs(x.std(axis=0) - 1) < 0.05)  # standard normal features


def test_linear_regression_default_is_float32_and_reproducible(key) -> None:
    data, w = jd.datasets.linear_regression(8, 2, 0.0, key)
    again, _ = jd.datasets.linear_regression(8, 2, 0.0, key)
    other, _ = jd.datasets.linear_regression(8, 2, 0.0, jax.random.key(1))
    assert data["x"].dtype == w.dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(data["y"]), np.asarray(again["y"]))
    assert not np.array_equal(np.asarray(data["y"]), np.asarray(other["y"]))
    np.testing.assert_allclose(
        np.asarray(data["y"]), np.asarray(data["x"]) @ np.asarray(w), rtol=1e-5
    )


def test_two_spirals_lie_on_their_spirals(key) -> None:
    turns = 1.5
    data = jd.datasets.two_spirals(200, 0.0, key, turns=turns, dtype=jnp.float64)
    x, y = np.asarray(data["x"]), np.asarray(data["y"])
    assert x.shape == (200, 2)
    assert data["y"].dtype == jnp.int32
    np.testing.assert_array_equal(y, np.arange(200) % 2)
    r = np.hypot(x[:, 0], x[:, 1])
    assert r.max() <= 1.0
    # class 0 at angle 2 pi turns r, class 1 half a turn further round
    angle = np.arctan2(x[:, 1], x[:, 0]) - 2 * np.pi * turns * r - np.pi * y
    np.testing.assert_allclose(np.cos(angle), 1.0, atol=1e-9)


def test_two_spirals_noise_jitters_the_points(key) -> None:
    clean = jd.datasets.two_spirals(2000, 0.0, key, dtype=jnp.float64)
    noisy = jd.datasets.two_spirals(2000, 0.05, key, dtype=jnp.float64)
    jitter = np.asarray(noisy["x"]) - np.asarray(clean["x"])
    assert abs(jitter.std() / 0.05 - 1) < 0.05
    np.testing.assert_array_equal(np.asarray(noisy["y"]), np.asarray(clean["y"]))


K = jax.random.key(0)
BAD = [
    (jd.datasets.linear_regression, (0, 2, 0.1, K), {}, ValueError, "`n` must be an integer >= 1"),
    (jd.datasets.linear_regression, (2.0, 2, 0.1, K), {}, ValueError, "`n` must be an integer"),
    (jd.datasets.linear_regression, (4, 0, 0.1, K), {}, ValueError, "`dim` must be an integer"),
    (jd.datasets.linear_regression, (4, 2, -0.1, K), {}, ValueError, "`noise` must be a finite"),
    (jd.datasets.linear_regression, (4, 2, np.nan, K), {}, ValueError, "`noise` must be"),
    (jd.datasets.linear_regression, (4, 2, 0.1, 0), {}, TypeError, "`key` must be a jax.random"),
    (
        jd.datasets.linear_regression,
        (4, 2, 0.1, K),
        {"dtype": jnp.int32},
        TypeError,
        "`dtype` must be a floating dtype",
    ),
    (jd.datasets.two_spirals, (0, 0.1, K), {}, ValueError, "`n` must be an integer >= 1, got 0"),
    (jd.datasets.two_spirals, (4, -1.0, K), {}, ValueError, "`noise` must be a finite number"),
    (jd.datasets.two_spirals, (4, 0.1, None), {}, TypeError, "`key` must be a jax.random key"),
    (jd.datasets.two_spirals, (4, 0.1, K), {"turns": 0}, ValueError, "`turns` must be a finite"),
]


@pytest.mark.parametrize(("factory", "args", "kwargs", "error", "message"), BAD)
def test_generated_bad_arguments(factory, args, kwargs, error, message) -> None:
    with pytest.raises(error, match=message):
        factory(*args, **kwargs)
