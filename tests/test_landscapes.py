"""Landscapes: formulas against NumPy transcriptions of the literature, every stated
minimum checked from first principles (value, zero gradient, positive-definite Hessian,
nothing lower on a dense grid), and the Landscape object's contract."""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdescent import landscapes
from jaxdescent.landscapes import Landscape

PI = math.pi


def _xy(p):
    return p[0], p[1]


def _beale(p):
    x, y = _xy(p)
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _goldstein_price(p):
    x, y = _xy(p)
    a = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2)
    b = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2)
    return a * b


def _ackley(p):
    d = p.size
    return (
        -20 * np.exp(-0.2 * np.sqrt(np.sum(p**2) / d))
        - np.exp(np.sum(np.cos(2 * PI * p)) / d)
        + 20
        + np.e
    )


def _levi13(p):
    x, y = _xy(p)
    return (
        np.sin(3 * PI * x) ** 2
        + (x - 1) ** 2 * (1 + np.sin(3 * PI * y) ** 2)
        + (y - 1) ** 2 * (1 + np.sin(2 * PI * y) ** 2)
    )


def _holder_table(p):
    x, y = _xy(p)
    return -abs(np.sin(x) * np.cos(y) * np.exp(abs(1 - np.sqrt(x**2 + y**2) / PI)))


def _cross_in_tray(p):
    x, y = _xy(p)
    inner = abs(np.sin(x) * np.sin(y) * np.exp(abs(100 - np.sqrt(x**2 + y**2) / PI)))
    return -0.0001 * (inner + 1) ** 0.1


def _quadratic(p, condition=10.0):
    d = p.size
    exponents = np.arange(d) / (d - 1) if d > 1 else np.zeros(1)
    return 0.5 * np.sum(condition**exponents * p**2)


# Direct NumPy transcriptions of the published formulas (Jamil & Yang 2013; Surjanovic &
# Bingham's Virtual Library of Simulation Experiments), in their usual published form.
REFERENCE = {
    "sphere": lambda p: np.sum(p**2),
    "quadratic": _quadratic,
    "rosenbrock": lambda p: np.sum(100 * (p[1:] - p[:-1] ** 2) ** 2 + (1 - p[:-1]) ** 2),
    "booth": lambda p: (p[0] + 2 * p[1] - 7) ** 2 + (2 * p[0] + p[1] - 5) ** 2,
    "matyas": lambda p: 0.26 * (p[0] ** 2 + p[1] ** 2) - 0.48 * p[0] * p[1],
    "beale": _beale,
    "double_well": lambda p: p[0] ** 4 - 3 * p[0] ** 2 + p[0],
    "himmelblau": lambda p: (p[0] ** 2 + p[1] - 11) ** 2 + (p[0] + p[1] ** 2 - 7) ** 2,
    "three_hump_camel": lambda p: (
        2 * p[0] ** 2 - 1.05 * p[0] ** 4 + p[0] ** 6 / 6 + p[0] * p[1] + p[1] ** 2
    ),
    "six_hump_camel": lambda p: (
        (4 - 2.1 * p[0] ** 2 + p[0] ** 4 / 3) * p[0] ** 2
        + p[0] * p[1]
        + (-4 + 4 * p[1] ** 2) * p[1] ** 2
    ),
    "goldstein_price": _goldstein_price,
    "mccormick": lambda p: np.sin(p[0] + p[1]) + (p[0] - p[1]) ** 2 - 1.5 * p[0] + 2.5 * p[1] + 1,
    "ackley": _ackley,
    "rastrigin": lambda p: 10 * p.size + np.sum(p**2 - 10 * np.cos(2 * PI * p)),
    "styblinski_tang": lambda p: 0.5 * np.sum(p**4 - 16 * p**2 + 5 * p),
    "levi13": _levi13,
    "easom": lambda p: (
        -np.cos(p[0]) * np.cos(p[1]) * np.exp(-((p[0] - PI) ** 2) - (p[1] - PI) ** 2)
    ),
    "holder_table": _holder_table,
    "cross_in_tray": _cross_in_tray,
}

# Every landscape with its defaults, and the dimension-parametrised ones at other sizes.
CASES = [(name, {}) for name in REFERENCE] + [
    ("sphere", {"dim": 1}),
    ("quadratic", {"dim": 5, "condition": 1e3}),
    ("rosenbrock", {"dim": 3}),
    ("ackley", {"dim": 3}),
    ("rastrigin", {"dim": 4}),
    ("styblinski_tang", {"dim": 3}),
]
IDS = [name + "".join(f"-{k}={v}" for k, v in kw.items()) for name, kw in CASES]
SMALL = [(c, i) for c, i in zip(CASES, IDS, strict=True) if landscapes.get(c[0], **c[1]).dim <= 2]

# Cone tip at the minimum: no gradient or Hessian there.
NONSMOOTH_AT_MINIMUM = {"ackley"}
# Landscapes whose docstrings claim every local minimum in the domain is listed.
COMPLETE = {
    "sphere",
    "quadratic",
    "rosenbrock",
    "booth",
    "matyas",
    "beale",
    "double_well",
    "himmelblau",
    "three_hump_camel",
    "six_hump_camel",
    "goldstein_price",
    "mccormick",
    "styblinski_tang",
}


@pytest.fixture(params=CASES, ids=IDS)
def case(request) -> tuple[Landscape, dict]:
    name, kwargs = request.param
    return landscapes.get(name, **kwargs), kwargs


@pytest.fixture(params=[c for c, _ in SMALL], ids=[i for _, i in SMALL])
def small(request) -> Landscape:
    name, kwargs = request.param
    return landscapes.get(name, **kwargs)


def _reference(f: Landscape, kwargs: dict):
    ref = REFERENCE[f.name]
    if f.name == "quadratic" and "condition" in kwargs:
        return lambda p: ref(p, kwargs["condition"])
    return ref


def _evaluate(f: Landscape, points: np.ndarray) -> np.ndarray:
    return np.asarray(jax.jit(jax.vmap(f))(jnp.asarray(points)))


def test_formula_and_stated_values(case) -> None:
    """Equal to the NumPy transcription anywhere; the stated value at each minimizer."""
    f, kwargs = case
    rng = np.random.default_rng(0)
    low, high = f.domain[:, 0], f.domain[:, 1]
    points = np.concatenate([f.minima, low + (high - low) * rng.random((32, f.dim))])
    got = _evaluate(f, points)
    want = np.array([_reference(f, kwargs)(p) for p in points])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    k = len(f.minima)
    np.testing.assert_allclose(want[:k], f.minimum_value, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(got[:k], f.minimum_value, rtol=1e-14, atol=1e-14)
    local = np.array([_reference(f, kwargs)(m) for m in f.local_minima])
    assert np.all(local > f.minimum_value + 1e-6)


def _derivatives(f: Landscape, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    derivatives = jax.jit(jax.vmap(lambda x: (jax.grad(f)(x), jax.hessian(f)(x))))
    grads, hessians = derivatives(jnp.asarray(points))
    return np.asarray(grads), np.asarray(hessians)


def _is_strict_minimum(grad: np.ndarray, hessian: np.ndarray) -> tuple[bool, bool]:
    """(stationary, positive definite), relative to the Hessian's scale."""
    eigenvalues = np.linalg.eigvalsh(hessian)
    scale = 1.0 + np.abs(eigenvalues).max()
    return bool(np.abs(grad).max() <= 1e-9 * scale), bool(eigenvalues.min() > 1e-9 * scale)


def test_minima_are_stationary_with_positive_definite_hessian(case) -> None:
    f, _ = case
    points = f.all_minima if f.name not in NONSMOOTH_AT_MINIMUM else f.local_minima
    if not len(points):
        pytest.skip(f"{f.name}: not differentiable at its only listed minimum")
    grads, hessians = _derivatives(f, points)
    for x, g, h in zip(points, grads, hessians, strict=True):
        assert _is_strict_minimum(g, h) == (True, True), (x, g, np.linalg.eigvalsh(h))


def test_gradient_check_rejects_published_digits() -> None:
    """The stationarity test above can fail: the published (1.3491, 1.3491) does."""
    f = landscapes.cross_in_tray()
    grads, hessians = _derivatives(f, np.array([[1.3491, 1.3491]]))
    assert _is_strict_minimum(grads[0], hessians[0]) == (False, True)


def test_minima_lie_in_the_domain(case) -> None:
    f, _ = case
    low, high = f.domain[:, 0], f.domain[:, 1]
    assert np.all(low < high)
    assert np.all((f.all_minima >= low) & (f.all_minima <= high))


def _grid(f: Landscape) -> tuple[np.ndarray, list[np.ndarray]]:
    """Values of ``f`` on a dense grid of its domain (801^2 in 2-D), vectorised with vmap."""
    n = 801 if f.dim == 2 else 100_001
    axes = [np.linspace(lo, hi, n) for lo, hi in f.domain]
    points = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, f.dim)
    return _evaluate(f, points).reshape((n,) * f.dim), axes


def _grid_local_minima(values: np.ndarray, axes: list[np.ndarray]) -> np.ndarray:
    """Interior grid points strictly lower than all their (3^dim - 1) neighbours."""
    inner = tuple(slice(1, -1) for _ in axes)
    is_min = np.ones(values[inner].shape, dtype=bool)
    for shift in np.ndindex(*(3,) * len(axes)):
        if any(s != 1 for s in shift):
            neighbour = tuple(slice(s, s + n - 2) for s, n in zip(shift, values.shape, strict=True))
            is_min &= values[inner] < values[neighbour]
    index = np.argwhere(is_min) + 1
    return np.stack([axis[index[:, i]] for i, axis in enumerate(axes)], axis=-1)


_LINE = jnp.asarray(np.append(2.0 ** np.arange(2.0, -41.0, -1.0), 0.0))


def _descend(f: Landscape, x: jax.Array, iterations: int = 100) -> jax.Array:
    """Saddle-free Newton (|eigenvalues|) with an exhaustive line search: never climbs."""

    def step(_, x):
        lam, v = jnp.linalg.eigh(jax.hessian(f)(x))
        floor = 1e-8 * (1.0 + jnp.abs(lam).max())
        direction = -v @ ((v.T @ jax.grad(f)(x)) / jnp.maximum(jnp.abs(lam), floor))
        values = jax.vmap(lambda t: f(x + t * direction))(_LINE)
        return x + _LINE[jnp.argmin(jnp.where(jnp.isnan(values), jnp.inf, values))] * direction

    return jax.lax.fori_loop(0, iterations, step, x)


def test_dense_grid(small) -> None:
    """Nothing on the grid is below the minimum; where the docstring says every local
    minimum is listed, every discrete local minimum of the grid leads to a listed one
    (or to a saddle, or out of the domain) and every listed minimum is found."""
    f = small
    values, axes = _grid(f)
    assert np.isfinite(values).all()
    assert values.min() >= f.minimum_value - 1e-12 * (1.0 + abs(f.minimum_value))
    if f.name not in COMPLETE:
        return
    found = _grid_local_minima(values, axes)
    spacing = np.linalg.norm([axis[1] - axis[0] for axis in axes])
    listed = f.basin_index(found, tol=2 * spacing)
    assert set(listed) - {-1} == set(range(len(f.all_minima)))
    others = found[listed < 0]
    if not len(others):
        return
    ends = np.asarray(jax.jit(jax.vmap(lambda x: _descend(f, x)))(jnp.asarray(others)))
    grads, hessians = _derivatives(f, ends)
    inside = np.all((ends >= f.domain[:, 0]) & (ends <= f.domain[:, 1]), axis=-1)
    for x, g, h, in_domain in zip(ends, grads, hessians, inside, strict=True):
        stationary, positive = _is_strict_minimum(g, h)
        assert not in_domain or stationary, f"descent did not converge at {x}"
        assert not (in_domain and positive) or f.basin_index(x, tol=1e-6) >= 0, x


def test_known_counts() -> None:
    counts = {
        "himmelblau": (4, 0),
        "three_hump_camel": (1, 2),
        "six_hump_camel": (2, 4),
        "goldstein_price": (1, 3),
        "mccormick": (1, 1),
        "double_well": (1, 1),
        "holder_table": (4, 0),
        "cross_in_tray": (4, 0),
    }
    for name, (k, m) in counts.items():
        f = landscapes.get(name)
        assert (len(f.minima), len(f.local_minima)) == (k, m), name
    st = landscapes.styblinski_tang(3)
    assert st.local_minima.shape == (7, 3)
    assert len(np.unique(st.all_minima, axis=0)) == 8
    assert landscapes.styblinski_tang(11).local_minima.shape == (0, 11)


def test_closed_forms() -> None:
    mc = landscapes.mccormick()
    np.testing.assert_allclose(mc.minima, [[0.5 - PI / 3, -0.5 - PI / 3]], rtol=1e-15)
    np.testing.assert_allclose(mc.minimum_value, -math.sqrt(3) / 2 - PI / 3, rtol=1e-15)
    well = landscapes.double_well()
    roots = np.sort(np.roots([4.0, 0.0, -6.0, 1.0]))  # f'(w) = 4w^3 - 6w + 1
    np.testing.assert_allclose(well.all_minima[:, 0], roots[[0, 2]], rtol=1e-14)
    st = landscapes.styblinski_tang(1)
    roots = np.sort(np.roots([4.0, 0.0, -32.0, 5.0]))  # 2 f'(t) = 4t^3 - 32t + 5
    np.testing.assert_allclose(st.all_minima[:, 0], roots[[0, 2]], rtol=1e-14)
    q = landscapes.quadratic(3, condition=100.0)
    np.testing.assert_allclose(np.diag(jax.jit(jax.hessian(q))(jnp.zeros(3))), [1.0, 10.0, 100.0])


def test_contract_attributes(case) -> None:
    f, _ = case
    assert isinstance(f.name, str)
    assert isinstance(f.dim, int)
    assert isinstance(f.minimum_value, float)
    assert isinstance(f.log_scale, bool)
    assert f.domain.shape == (f.dim, 2)
    assert f.minima.ndim == 2
    assert f.minima.shape[1] == f.dim
    assert f.local_minima.ndim == 2
    assert f.local_minima.shape[1] == f.dim
    np.testing.assert_array_equal(f.all_minima, np.concatenate([f.minima, f.local_minima]))
    assert not f.minima.flags.writeable
    assert repr(f).startswith(f"Landscape({f.name!r}, dim={f.dim}")


def test_hashable_and_works_under_jit_vmap_grad(case) -> None:
    f, _ = case
    assert {f: 1}[f] == 1  # hashable (by identity): usable as a static jit argument

    @functools.partial(jax.jit, static_argnums=0)
    def values_and_grads(fn, x):
        return jax.vmap(fn)(x), jax.vmap(jax.grad(fn))(x)

    points = jnp.asarray(f.domain.mean(axis=1) + 0.1 * np.arange(3)[:, None])
    values, grads = values_and_grads(f, points)
    np.testing.assert_allclose(values[1], f(points[1]), rtol=1e-14)  # eagerly too
    assert grads.shape == (3, f.dim)
    assert np.isfinite(grads).all()


def test_float32_in_float32_out(case) -> None:
    f, _ = case
    x = jnp.asarray(f.domain.mean(axis=1) + 0.25, jnp.float32)
    value, grad = jax.jit(jax.value_and_grad(f))(x)
    assert value.dtype == jnp.float32
    assert grad.dtype == jnp.float32
    assert np.isfinite(value)
    assert np.isfinite(grad).all()


@pytest.mark.parametrize("name", ["ackley", "holder_table", "cross_in_tray"])
@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_finite_gradient_at_kinks(name: str, dtype) -> None:
    f = landscapes.get(name)
    points = jnp.asarray([[0.0, 0.0], [0.0, 1.0], [PI, 0.0], [1.0, 1.0]], dtype)
    values, grads = jax.jit(jax.vmap(jax.value_and_grad(f)))(points)
    assert np.isfinite(values).all()
    assert np.isfinite(grads).all()
    if name == "ackley":  # the minimum: 0 is a subgradient
        np.testing.assert_array_equal(grads[0], [0.0, 0.0])


def test_integer_point_becomes_float() -> None:
    assert float(landscapes.booth()(jnp.array([1, 3]))) == 0.0


def test_basin_index() -> None:
    f = landscapes.six_hump_camel()
    near = f.all_minima + 1e-3
    np.testing.assert_array_equal(f.basin_index(near), np.arange(6))
    batch = np.stack([near[:3], [[0.0, 0.0], [np.nan, 0.0], [9.0, 9.0]]])
    np.testing.assert_array_equal(f.basin_index(batch), [[0, 1, 2], [-1, -1, -1]])
    assert f.basin_index(near[0], tol=1e-4) == -1
    assert f.basin_index(jnp.asarray(near)).shape == (6,)


def test_names_and_get() -> None:
    expected = set(REFERENCE)
    assert set(landscapes.names()) == expected
    assert len(landscapes.names()) == len(expected)
    for name in landscapes.names():
        f = landscapes.get(name)
        assert isinstance(f, Landscape)
        assert f.name == name
        assert f.dim == (1 if name == "double_well" else 2)
        assert getattr(landscapes, name)().name == name
    assert landscapes.get("rosenbrock", dim=5).dim == 5
    assert type(landscapes.sphere(np.int64(3)).dim) is int
    with pytest.raises(ValueError, match=r"`name` must be one of .*'nope'"):
        landscapes.get("nope")
    with pytest.raises(TypeError, match="dim"):
        landscapes.get("himmelblau", dim=3)


@pytest.mark.parametrize(
    ("factory", "kwargs", "error", "match"),
    [
        (landscapes.sphere, {"dim": 0}, ValueError, r"`dim` must be an integer >= 1, got 0"),
        (landscapes.ackley, {"dim": 2.0}, TypeError, r"`dim` must be an integer >= 1, got 2.0"),
        (landscapes.rastrigin, {"dim": True}, TypeError, r"`dim` .*got True"),
        (landscapes.rosenbrock, {"dim": 1}, ValueError, r"`dim` must be an integer >= 2, got 1"),
        (landscapes.quadratic, {"condition": 0.5}, ValueError, r"`condition` .*>= 1, got 0.5"),
        (landscapes.quadratic, {"condition": math.inf}, ValueError, r"`condition` .*got inf"),
        (landscapes.quadratic, {"condition": "10"}, TypeError, r"`condition` .*got '10'"),
        (landscapes.quadratic, {"dim": 1}, ValueError, r"`condition` must be 1 when `dim` is 1"),
    ],
)
def test_bad_arguments(factory, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        factory(**kwargs)


def test_bad_points() -> None:
    f = landscapes.himmelblau()
    with pytest.raises(
        ValueError, match=r"`x` must be one point of shape \(2,\).*got shape \(3,\)"
    ):
        f(jnp.zeros(3))
    with pytest.raises(ValueError, match=r"`x` .*got shape \(4, 2\); use jax.vmap"):
        f(jnp.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"`points` must have shape \(\.\.\., 2\).*\(5, 3\)"):
        f.basin_index(np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"`tol` must be a finite number > 0, got 0"):
        f.basin_index(np.zeros((5, 2)), tol=0)
