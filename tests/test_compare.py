"""``compare_with_optax``: deviations on the path's scale, verdicts and by-design reasons.

Expected values are computed here from the two trajectories with NumPy (never read
from the Comparison under test), or follow from the update rules: optax's adam with
another learning rate is a genuinely different descent.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxdescent as jd
from jaxdescent._compare import BY_DESIGN, path_deviation
from tests.registry import all_cases

# optax 0.2.8's adam computes `b1 ** count` (float ** int32), which strict promotion rejects.
pytestmark = pytest.mark.usefixtures("standard_promotion")


@pytest.fixture
def standard_promotion():
    with jax.numpy_dtype_promotion("standard"):
        yield


def ill_conditioned() -> tuple[jd.landscapes.Landscape, jax.Array]:
    """The reported case: 50-D quadratic, condition 1e4, float32, coordinates that reach ~0."""
    surface = jd.landscapes.quadratic(50, condition=1e4)
    x0 = jnp.asarray(np.random.default_rng(0).uniform(-1.0, 1.0, 50), jnp.float32)
    return surface, x0


def test_agreement_near_a_zero_minimum_reads_as_agreement() -> None:
    surface, x0 = ill_conditioned()
    # A learning rate one float32 ulp apart: a difference of rounding's size, whether or
    # not the two compiled descents happen to round alike.
    ulp_apart = float(np.nextafter(np.float32(0.01), np.float32(1)))
    c = jd.compare_with_optax(
        "adam", surface, x0, steps=500, optax_kwargs={"learning_rate": ulp_apart}
    )
    ours, theirs = np.asarray(c.ours.params, np.float64), np.asarray(c.optax.params, np.float64)
    absolute = np.max(np.abs(ours - theirs))
    # the entry-wise relative error this used to report: large, because some w'_t ~ 0
    assert np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-30)) > 1e-2
    assert 0 < absolute < 1e-5
    np.testing.assert_allclose(c.max_abs_deviation, absolute, rtol=1e-12)
    np.testing.assert_allclose(c.scale, np.max(np.abs(theirs)), rtol=1e-12)
    np.testing.assert_allclose(c.max_deviation, absolute / np.max(np.abs(theirs)), rtol=1e-12)
    assert c.tolerance == pytest.approx(np.sqrt(np.finfo(np.float32).eps))
    assert c.agrees
    assert c.verdict == "rounding"
    assert c.by_design == ""


def test_a_different_learning_rate_reads_as_disagreement() -> None:
    surface, x0 = ill_conditioned()
    c = jd.compare_with_optax("adam", surface, x0, steps=500, optax_kwargs={"learning_rate": 0.02})
    assert c.kwargs == {"learning_rate": 1e-2}
    # Adam's first step moves each coordinate by about the learning rate: 0.01 apart
    first = np.max(np.abs(np.asarray(c.ours.params[1]) - np.asarray(c.optax.params[1])))
    np.testing.assert_allclose(first, 0.01, rtol=1e-3)
    assert c.max_deviation > 1e-2
    assert not c.agrees
    assert c.verdict == "differs"


def test_by_design_optimizers_say_why() -> None:
    bowl = jd.landscapes.sphere(2)
    x0 = jnp.array([1.0, -2.0], jnp.float64)
    c = jd.compare_with_optax("adadelta", bowl, x0, steps=20)
    assert c.verdict == "by design"
    assert "learning_rate=None" in c.by_design
    # optax's default adadelta climbs: its loss grows while ours falls
    assert float(c.optax.final_loss) > float(c.optax.loss[0])
    assert float(c.ours.final_loss) < float(c.ours.loss[0])
    # given the paper's rate of 1 explicitly, optax agrees: the verdict follows the paths
    explicit = jd.compare_with_optax("adadelta", bowl, x0, steps=20, learning_rate=1.0)
    assert explicit.verdict == "rounding"
    # the package's list is the registry's: a case tested against a paper transcription
    paper_followers = {case.name for case in all_cases() if case.reference_note}
    assert set(BY_DESIGN) == paper_followers
    for name, reason in BY_DESIGN.items():
        assert name in jd.optimizers.__all__
        assert reason.startswith("optax"), name


@pytest.mark.parametrize("name", ["optimistic_adam", "noisy_sgd"])
def test_optax_notices_do_not_leak(name: str) -> None:
    """optax warns when these are built (a deprecation, a missing key); we silence it there."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = jd.compare_with_optax(name, jd.landscapes.sphere(2), jnp.ones(2), steps=3)
    assert c.verdict == "rounding"


def test_path_deviation_of_pytrees_and_non_finite_paths() -> None:
    ours = {"a": np.array([[1.0, 2.0], [1.5, 0.0]]), "b": np.array([[3.0], [-4.0]])}
    ref = {"a": np.array([[1.0, 2.0], [1.0, 0.0]]), "b": np.array([[3.0], [-4.25]])}
    assert path_deviation(ours, ref) == (0.5, 4.25)
    ours["b"][1, 0] = np.nan
    assert path_deviation(ours, ref)[0] == np.inf
    ref["b"][1, 0] = np.inf  # the scale counts finite entries only
    assert path_deviation(ours, ref) == (np.inf, 3.0)
    ours["b"][1, 0] = np.inf  # overflowing alike is no difference
    assert path_deviation(ours, ref) == (0.5, 3.0)
    ours["b"][1, 0], ref["b"][1, 0] = np.nan, np.nan
    assert path_deviation(ours, ref) == (0.5, 3.0)


def test_unknown_name_is_refused() -> None:
    with pytest.raises(ValueError, match="`name` must be an optimizer both libraries define"):
        jd.compare_with_optax("adamm", jd.landscapes.sphere(2), jnp.ones(2))
