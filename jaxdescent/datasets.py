"""Datasets to train on: the handwritten digits scikit-learn ships, and generated ones.

Every dataset is a dict of arrays sharing a leading example axis, ready for
``minimize(fn, x0, optimizer, data=..., batch_size=..., key=...)``: features
under ``"x"``, targets under ``"y"``.

The digits need scikit-learn (``pip install jaxdescent[data]``), which carries
the 1,797 images in its wheel: nothing is downloaded at run time.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxdescent._checks import check_float_dtype, check_key, check_positive_int, check_real_number
from jaxdescent._memory import check_fits, device_memory

__all__ = ["digits", "linear_regression", "two_spirals"]

Data = dict[str, jax.Array]


def _check_count(name: str, value: Any, minimum: int = 1) -> int:
    return check_positive_int(name, value, low=minimum, below=None)


def _check_noise(noise: Any) -> float:
    return check_real_number(
        "noise", noise, "a finite number >= 0", lambda x: np.isfinite(x) & (x >= 0)
    )


def digits(test_fraction: float = 0.25, *, seed: int = 0) -> tuple[Data, Data]:
    """The 8x8 handwritten digits of scikit-learn, split into a training and a test set.

    1,797 grey-scale images of the digits 0-9 (UCI optical recognition of
    handwritten digits; Alpaydin and Kaynak, 1998), flattened to 64 pixels and
    scaled from 0..16 to [0, 1]. The split is a fixed permutation drawn from
    ``numpy.random.default_rng(seed)``: the same ``seed`` always gives the same
    sets. The test set holds ``round(test_fraction * 1797)`` images (449 by
    default, leaving 1,348 to train on).

    Args:
      test_fraction: share of the images held out for testing, in (0, 1).
      seed: seed of the split's permutation.

    Returns:
      ``(train, test)``, each ``{"x": float32 (n, 64) in [0, 1], "y": int32 (n,)}``;
      ``x[i].reshape(8, 8)`` is the image of the digit ``y[i]``.

    Raises:
      ImportError: if scikit-learn is not installed.
      ValueError: if ``test_fraction`` is not in (0, 1) or ``seed`` is not an integer.
    """
    check_real_number(
        "test_fraction", test_fraction, "a number in (0, 1)", lambda x: (x > 0) & (x < 1)
    )
    if not 1 <= round(test_fraction * 1797) <= 1796:
        raise ValueError(
            "`test_fraction` must leave at least one of the 1797 images in each set, got "
            f"{test_fraction!r}"
        )
    seed = _check_count("seed", seed, minimum=0)
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:
        raise ImportError(
            "jaxdescent.datasets.digits() needs scikit-learn, which ships the images: "
            "pip install jaxdescent[data]  (or: pip install scikit-learn)"
        ) from err
    bunch = load_digits()
    x = (np.asarray(bunch.data) / 16.0).astype(np.float32)
    y = np.asarray(bunch.target).astype(np.int32)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = round(test_fraction * len(y))
    test, train = order[:n_test], order[n_test:]
    return _as_data(x[train], y[train]), _as_data(x[test], y[test])


def _as_data(x: np.ndarray, y: np.ndarray) -> Data:
    return {"x": jnp.asarray(x), "y": jnp.asarray(y)}


def linear_regression(
    n: int, dim: int, noise: float, key: jax.Array, *, dtype: Any = jnp.float32
) -> tuple[Data, jax.Array]:
    r"""Noisy linear data ``y = X w + noise * eps`` with Gaussian ``X``, ``w`` and ``eps``.

    Every entry of ``X`` (n, dim), of the true weights ``w`` (dim,) and of the
    noise ``eps`` (n,) is an independent standard normal draw. The least-squares
    fit ``argmin_v |X v - y|^2`` tends to ``w`` as ``n`` grows.

    Args:
      n: number of examples.
      dim: number of features.
      noise: standard deviation of the noise on ``y``.
      key: a ``jax.random`` key; the same key gives the same data.
      dtype: floating dtype of the arrays.

    Returns:
      ``({"x": (n, dim), "y": (n,)}, w)``.

    Example:
      >>> import jax, jaxdescent as jd
      >>> data, w = jd.datasets.linear_regression(100, 3, 0.0, jax.random.key(0))
      >>> data["x"].shape, data["y"].shape, w.shape
      ((100, 3), (100,), (3,))
      >>> bool(jax.numpy.allclose(data["x"] @ w, data["y"]))
      True
    """
    n, dim = _check_count("n", n), _check_count("dim", dim)
    noise = _check_noise(noise)
    check_key(key, allow_none=False)
    check_float_dtype("dtype", dtype, allow_none=False)
    check_fits(
        2 * (n + 1) * (dim + 1) * np.dtype(dtype).itemsize,  # the arrays and their draws
        f"{n} examples (`n`) of {dim} features (`dim`)",
        "ask for fewer examples or features",
        device_memory(),
    )
    key_x, key_w, key_eps = jax.random.split(key, 3)
    x = jax.random.normal(key_x, (n, dim), dtype)
    w = jax.random.normal(key_w, (dim,), dtype)
    y = x @ w + noise * jax.random.normal(key_eps, (n,), dtype)
    return {"x": x, "y": y}, w


def two_spirals(
    n: int, noise: float, key: jax.Array, *, turns: float = 1.5, dtype: Any = jnp.float32
) -> Data:
    r"""Two interleaved spirals in the plane, labelled 0 and 1 (Lang and Witbrock, 1988).

    Point ``i`` has label ``y = i mod 2`` and, with ``u`` uniform on [0, 1],
    angle ``theta = 2 pi turns sqrt(u)`` and radius ``r = theta / (2 pi turns)``::

        x = (-1)^y r (cos theta, sin theta) + noise * eps,   eps ~ N(0, I)

    so spiral 1 is spiral 0 turned by half a turn; both fill the unit disc. No
    linear model separates them; a small network does.

    Args:
      n: number of points (classes alternate, so they differ in size by at most 1).
      noise: standard deviation of the Gaussian jitter on each coordinate.
      key: a ``jax.random`` key; the same key gives the same data.
      turns: how many times each spiral winds around the origin (> 0).
      dtype: floating dtype of ``x``.

    Returns:
      ``{"x": (n, 2), "y": int32 (n,)}``.

    Example:
      >>> import jax, jaxdescent as jd
      >>> data = jd.datasets.two_spirals(6, 0.0, jax.random.key(0))
      >>> data["x"].shape, data["y"].tolist()
      ((6, 2), [0, 1, 0, 1, 0, 1])
    """
    n = _check_count("n", n)
    noise = _check_noise(noise)
    check_key(key, allow_none=False)
    turns = check_real_number(
        "turns", turns, "a finite number > 0", lambda x: np.isfinite(x) & (x > 0)
    )
    check_float_dtype("dtype", dtype, allow_none=False)
    check_fits(
        8 * n * np.dtype(dtype).itemsize,
        f"{n} points (`n`)",
        "ask for fewer points",
        device_memory(),
    )
    key_u, key_eps = jax.random.split(key)
    y = jnp.arange(n, dtype=jnp.int32) % 2
    r = jnp.sqrt(jax.random.uniform(key_u, (n,), dtype))
    theta = (2 * math.pi * turns) * r
    sign = (1 - 2 * y).astype(dtype)
    x = (sign * r)[:, None] * jnp.stack([jnp.cos(theta), jnp.sin(theta)], axis=1)
    return {"x": x + noise * jax.random.normal(key_eps, (n, 2), dtype), "y": y}
