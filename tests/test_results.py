"""`SweepResult`: selection, best, summary, save/load, on hand-built results (no compute)."""

from __future__ import annotations

import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdescent import SweepResult
from jaxdescent._results import steps_to_tolerance


def _result() -> SweepResult:
    """lr (3) x start (2), 4 records; run (lr=0.1, start=1) has the lowest loss but diverged."""
    rng = np.random.default_rng(0)
    final_loss = np.array([[3.0, 2.0], [1.5, 0.5], [0.7, 0.1]], np.float32)
    diverged = np.array([[False, False], [False, False], [False, True]])
    params = {
        "w": rng.normal(size=(3, 2, 4, 2)).astype(np.float32),
        "layers": [
            (rng.normal(size=(3, 2, 4)).astype(jnp.bfloat16), np.zeros((3, 2, 4), np.int32))
        ],
    }
    return SweepResult(
        dims=("learning_rate", "start"),
        coords={"learning_rate": np.array([0.001, 0.01, 0.1], np.float32), "start": np.arange(2)},
        loss=rng.normal(size=(3, 2, 4)).astype(np.float32),
        grad_norm=rng.random((3, 2, 4)).astype(np.float32),
        steps=np.array([0, 1, 2, 3], np.int32),
        params=params,
        final_loss=final_loss,
        final_params=jax.tree_util.tree_map(lambda x: x[:, :, -1], params),
        diverged=diverged,
        diverged_at=np.where(diverged, 2, -1).astype(np.int32),
        steps_to_tolerance=np.full((3, 2), -1, np.int32),
        evaluations={"accuracy": rng.random((3, 2, 2))},
        evaluation_steps=np.array([0, 3], np.int32),
    )


def _assert_same(a: SweepResult, b: SweepResult) -> None:
    assert a.dims == b.dims
    assert list(a.coords) == list(b.coords)
    for name in a.coords:
        assert a.coords[name].dtype == b.coords[name].dtype
        np.testing.assert_array_equal(a.coords[name], b.coords[name])
    for field in ("loss", "grad_norm", "steps", "final_loss", "diverged", "diverged_at",
                  "steps_to_tolerance", "evaluation_steps", "params", "final_params",
                  "evaluations", "aux"):  # fmt: skip
        x, y = getattr(a, field), getattr(b, field)
        assert jax.tree_util.tree_structure(x) == jax.tree_util.tree_structure(y), field
        for u, v in zip(jax.tree_util.tree_leaves(x), jax.tree_util.tree_leaves(y), strict=True):
            assert u.dtype == v.dtype, field
            np.testing.assert_array_equal(u, v, err_msg=field)


def test_save_and_load_round_trip_every_field_exactly(tmp_path) -> None:
    result = _result()
    result.save(tmp_path / "sweep.npz")
    _assert_same(SweepResult.load(tmp_path / "sweep.npz"), result)


def test_save_refuses_a_pytree_it_cannot_rebuild(tmp_path) -> None:
    class Box:
        pass

    result = _result()
    odd = SweepResult(**{**result.__dict__, "aux": {"box": Box()}})
    with pytest.raises(TypeError, match=r"`aux\['box'\]` is a Box"):
        odd.save(tmp_path / "odd.npz")


def test_sel_picks_the_nearest_coordinate_and_drops_the_dim() -> None:
    result = _result()
    picked = result.sel(learning_rate=0.012)
    assert picked.dims == ("start",)
    assert "learning_rate" not in picked.coords
    np.testing.assert_array_equal(picked.loss, result.loss[1])
    np.testing.assert_array_equal(picked.params["w"], result.params["w"][1])
    one = result.sel(learning_rate=0.1, start=0)
    assert one.shape == ()
    assert one.final_loss == np.float32(0.7)


def test_sel_by_a_paired_hyperparameter_picks_its_sample() -> None:
    result = _result()
    zipped = SweepResult(
        **{
            **result.sel(start=0).__dict__,
            "dims": ("sample",),
            "coords": {"sample": np.arange(3), "learning_rate": np.array([0.1, 0.01, 0.001]),
                       "b1": np.array([0.9, 0.5, 0.0])},
        }
    )  # fmt: skip
    picked = zipped.sel(b1=0.45)
    assert picked.dims == ()
    assert picked.coords == {}
    assert picked.final_loss == np.float32(1.5)
    assert zipped.best() == {
        "sample": 2,
        "learning_rate": 0.001,
        "b1": 0.0,
        "final_loss": pytest.approx(0.7),
    }


def test_sel_of_an_unknown_name_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"unknown coordinate\(s\) \['momentum'\]"):
        _result().sel(momentum=0.9)


def test_best_never_picks_a_diverged_run() -> None:
    # The lowest final loss, 0.1 at (0.1, start 1), diverged: the best is 0.5 at (0.01, 1).
    best = _result().best()
    assert best == {"learning_rate": pytest.approx(0.01), "start": 1, "final_loss": 0.5}


def test_best_when_every_run_diverged_is_an_error() -> None:
    result = _result()
    all_bad = SweepResult(**{**result.__dict__, "diverged": np.ones((3, 2), bool)})
    with pytest.raises(ValueError, match="every run diverged"):
        all_bad.best()
    assert "all diverged" in all_bad.summary()
    assert "nan" not in all_bad.summary().lower()


def test_summary_lists_best_per_dimension_and_diverged_counts() -> None:
    result = _result()
    nan_loss = SweepResult(
        **{**result.__dict__, "final_loss": np.where(result.diverged, np.nan, result.final_loss)}
    )
    text = nan_loss.summary()  # fmt: skip
    assert "6 runs over learning_rate (3) x start (2); 1 diverged" in text
    assert "nan" not in text.lower()
    rows = [line.split() for line in text.splitlines() if line.strip().startswith("0.1 ")]
    assert rows == [["0.1", "0.7", "1/2"]]


def test_to_dataframe_names_pandas_when_missing(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes `import pandas` fail
    with pytest.raises(ImportError, match="needs pandas"):
        _result().to_dataframe()


def test_to_dataframe_has_a_row_per_run() -> None:
    pytest.importorskip("pandas")
    frame = _result().to_dataframe()
    assert len(frame) == 6
    assert {"learning_rate", "start", "final_loss", "diverged"} <= set(frame.columns)


def test_steps_to_tolerance_is_the_first_recorded_step_below() -> None:
    loss = np.array([[5.0, 2.0, 0.5, 0.1], [5.0, 4.0, 3.0, 2.0], [0.0, 9.0, 9.0, 9.0]])
    steps = np.array([0, 10, 20, 25], np.int32)
    np.testing.assert_array_equal(steps_to_tolerance(loss, steps, 0.5), [20, -1, 0])
    np.testing.assert_array_equal(steps_to_tolerance(loss, steps, None), [-1, -1, -1])
