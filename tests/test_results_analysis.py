"""`SweepResult` answers research questions: best over seeds, exact selection, positions,
xarray and pandas views, the summary, custom pytrees on disk, and ``save_to`` directories.

Expected values are NumPy computations on the fields, never the code under test.
"""

from __future__ import annotations

import dataclasses
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxdescent as jd
from jaxdescent import SweepResult

LR = np.array([0.01, 0.1, 1.0], np.float32)
# lr 0.01: one lucky seed (the best single run); lr 0.1: the best mean; lr 1.0: the best median.
FINAL = np.array([[0.05, 3.0, 3.0, 3.0], [1.0, 1.0, 1.0, 1.0], [0.5, 0.5, 0.6, 4.0]])


def _seeded(final_loss=FINAL, diverged=None) -> SweepResult:
    """learning_rate (3) x seed (4), 2 records, 3 evaluations, hand-built."""
    rng = np.random.default_rng(1)
    shape = final_loss.shape
    diverged = np.zeros(shape, bool) if diverged is None else diverged
    accuracy = rng.random((*shape, 3))
    accuracy[..., -1] = 1.0 - final_loss / 10  # last evaluation: best where the loss is lowest
    accuracy[..., 0] = final_loss / 10  # first: the opposite, so the last one must be read
    params = {"w": rng.normal(size=(*shape, 2, 2, 2)), "b": [rng.normal(size=(*shape, 2, 2))]}
    return SweepResult(
        dims=("learning_rate", "seed"),
        coords={"learning_rate": LR, "seed": np.arange(shape[1], dtype=np.uint32)},
        loss=rng.random((*shape, 2)),
        grad_norm=rng.random((*shape, 2)),
        steps=np.array([0, 5], np.int32),
        params=params,
        final_loss=final_loss,
        final_params=jax.tree_util.tree_map(lambda x: x[:, :, -1], params),
        diverged=diverged,
        diverged_at=np.where(diverged, 3, -1).astype(np.int32),
        steps_to_tolerance=np.where(final_loss < 1, 5, -1).astype(np.int32),
        evaluations={
            "accuracy": accuracy,
            "val": {"acc": accuracy[..., ::-1].copy()},  # last = the first of `accuracy`
            "confusion": rng.random((*shape, 3, 2)),  # not a number per evaluation
        },
        evaluation_steps=np.array([0, 5, 10], np.int32),
    )


# --- best ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reduce", ["mean", "median", "max", "min"])
def test_best_over_seeds_reduces_each_configuration_then_picks(reduce) -> None:
    by_config = getattr(np, reduce)(FINAL, axis=1)
    i = int(np.argmin(by_config))
    assert _seeded().best(over=("seed",), reduce=reduce) == {
        "learning_rate": LR[i].item(),
        "final_loss": by_config[i],
    }


def test_best_over_seeds_differs_from_the_best_single_run() -> None:
    result = _seeded()
    single = np.unravel_index(np.argmin(FINAL), FINAL.shape)
    winners = {
        "run": result.best()["learning_rate"],
        "mean": result.best(over="seed")["learning_rate"],
        "median": result.best(over="seed", reduce="median")["learning_rate"],
    }
    assert winners == {
        "run": LR[single[0]].item(),
        "mean": LR[np.argmin(FINAL.mean(axis=1))].item(),
        "median": LR[np.argmin(np.median(FINAL, axis=1))].item(),
    }
    assert len(set(winners.values())) == 3, "the case tells the three rules apart"
    assert result.best()["seed"] == single[1]


def test_best_by_an_evaluation_reads_its_last_evaluation() -> None:
    result = _seeded()
    last = result.evaluations["accuracy"][..., -1].mean(axis=1)
    i = int(np.argmax(last))
    best = result.best("accuracy", over="seed", mode="max")
    assert best == {"learning_rate": LR[i].item(), "accuracy": last[i]}
    first = result.evaluations["accuracy"][..., 0].mean(axis=1)
    assert np.argmax(first) != i, "the first evaluation would pick another configuration"
    nested = result.evaluations["val"]["acc"][..., -1]
    j = np.unravel_index(np.argmin(nested), nested.shape)
    assert result.best("val/acc") == {
        "learning_rate": LR[j[0]].item(),
        "seed": int(j[1]),
        "val/acc": nested[j],
    }
    assert result.best("evaluation/accuracy", over="seed", mode="max")["learning_rate"] == LR[i]


def test_a_configuration_with_a_diverged_run_never_wins_unless_asked() -> None:
    # lr 1.0 has the lowest mean, but one of its runs diverged (frozen at a finite loss).
    final = np.array([[2.0, 2.0], [1.0, 1.5], [0.1, 0.2]])
    diverged = np.array([[False, False], [False, False], [False, True]])
    result = _seeded(final, diverged)
    assert result.best(over="seed") == {"learning_rate": LR[1].item(), "final_loss": 1.25}
    assert result.best() == {"learning_rate": LR[2].item(), "seed": 0, "final_loss": 0.1}
    allowed = result.best(over="seed", allow_diverged=True)
    assert allowed == {"learning_rate": LR[2].item(), "final_loss": pytest.approx(0.15)}
    # by accuracy (highest wins), lr 1.0 is best too, and still left out
    assert result.best("accuracy", over="seed", mode="max")["learning_rate"] == LR[1]
    # an infinite final loss never wins a minimum, even when allowed
    inf = _seeded(np.where(diverged, np.inf, final), diverged)
    assert inf.best(over="seed", allow_diverged=True)["learning_rate"] == LR[1]


def test_best_with_every_configuration_diverged_is_an_error() -> None:
    diverged = np.zeros(FINAL.shape, bool)
    diverged[:, 0] = True  # one run of each configuration
    result = _seeded(diverged=diverged)
    with pytest.raises(ValueError, match="every configuration over 'seed' has a run that diverged"):
        result.best(over="seed")
    assert result.best()["seed"] != 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "loss"}, r"`metric` must be one of \['final_loss', 'accuracy', 'val/acc'\]"),
        ({"metric": "confusion"}, "`metric` must be one of"),
        ({"over": "start"}, r"`over` must name distinct dims among \['learning_rate', 'seed'\]"),
        ({"over": ("seed", "seed")}, "`over` must name distinct dims"),
        ({"reduce": "sum"}, r"`reduce` must be one of \['mean', 'median', 'max', 'min'\]"),
        ({"mode": "lowest"}, "`mode` must be 'min' or 'max', got 'lowest'"),
    ],
)
def test_best_names_a_bad_argument(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        _seeded().best(**kwargs)


# --- sel and isel ----------------------------------------------------------------------------


def _assert_runs(picked: SweepResult, result: SweepResult, index: tuple) -> None:
    """``picked`` holds the runs ``result.<field>[index]`` of every field."""
    for field in ("loss", "final_loss", "diverged", "params", "final_params", "evaluations"):
        got, want = getattr(picked, field), getattr(result, field)
        for u, v in zip(jax.tree.leaves(got), jax.tree.leaves(want), strict=True):
            np.testing.assert_array_equal(np.asarray(u), np.asarray(v)[index], err_msg=field)


def test_sel_is_exact_after_casting_to_the_coordinate_dtype() -> None:
    result = _seeded()
    assert np.float64(0.01) != LR[0], "float64 0.01 is not float32 0.01: the cast matters"
    picked = result.sel(learning_rate=0.01)
    assert picked.dims == ("seed",)
    _assert_runs(picked, result, (0,))
    _assert_runs(result.sel(seed=2.0), result, (slice(None), 2))
    with pytest.raises(
        ValueError,
        match=r"learning_rate=0.02 is not a coordinate of dim "
        r"'learning_rate', whose values are \[0.01, 0.1, 1\]",
    ):
        result.sel(learning_rate=0.02)
    with pytest.raises(ValueError, match=r"seed=1\.5 is not a coordinate of dim 'seed'"):
        result.sel(seed=1.5)  # not truncated to 1
    with pytest.raises(ValueError, match="seed=-1 is not a coordinate"):
        result.sel(seed=-1)  # not wrapped to 2**32 - 1


def test_sel_nearest_opts_in_and_nan_is_always_an_error() -> None:
    result = _seeded()
    _assert_runs(result.sel(learning_rate=0.3, method="nearest"), result, (1,))
    for method in (None, "nearest"):
        with pytest.raises(ValueError, match="learning_rate=nan: NaN equals no coordinate"):
            result.sel(learning_rate=np.nan, method=method)
    with pytest.raises(ValueError, match=r"`method` must be None .* or 'nearest', got 'linear'"):
        result.sel(learning_rate=0.1, method="linear")
    with pytest.raises(TypeError, match="`sel` takes numbers: got learning_rate='fast'"):
        result.sel(learning_rate="fast")
    with pytest.raises(ValueError, match=r"unknown coordinate\(s\) \['momentum'\]"):
        result.sel(momentum=0.9)


def test_sel_with_a_list_keeps_the_dim_with_the_chosen_coordinates() -> None:
    result = _seeded()
    picked = result.sel(learning_rate=[1.0, 0.01], seed=[3])
    assert picked.dims == ("learning_rate", "seed")
    np.testing.assert_array_equal(picked.coords["learning_rate"], LR[[2, 0]])
    np.testing.assert_array_equal(picked.coords["seed"], [3])
    _assert_runs(picked, result, np.ix_([2, 0], [3]))
    with pytest.raises(ValueError, match="empty list for 'seed'"):
        result.sel(seed=[])
    with pytest.raises(ValueError, match=r"learning_rate=0\.5 is not a coordinate"):
        result.sel(learning_rate=[0.1, 0.5])


def test_isel_selects_by_position() -> None:
    result = _seeded()
    _assert_runs(result.isel(seed=-1), result, (slice(None), 3))
    picked = result.isel(learning_rate=[2, 0], seed=1)
    assert picked.dims == ("learning_rate",)
    np.testing.assert_array_equal(picked.coords["learning_rate"], LR[[2, 0]])
    assert "seed" not in picked.coords
    _assert_runs(picked, result, ([2, 0], 1))
    assert picked.best() == result.sel(learning_rate=[1.0, 0.01], seed=1).best()


@pytest.mark.parametrize(
    ("positions", "error", "message"),
    [
        (
            {"learning_rate": 3},
            IndexError,
            r"learning_rate=3 is out of range: dim 'learning_rate' "
            r"has 3 positions \(0 to 2, or -3 to -1\)",
        ),
        ({"seed": [0, -5]}, IndexError, "seed=-5 is out of range"),
        ({"seed": 1.0}, TypeError, "`isel` takes integer positions: got seed=1.0"),
        ({"seed": True}, TypeError, "integer positions: got seed=True"),
        ({"seed": []}, ValueError, "empty list for 'seed'"),
        ({"start": 0}, ValueError, r"`isel` got unknown coordinate\(s\) \['start'\]"),
    ],
)
def test_isel_names_a_bad_position(positions, error, message) -> None:
    with pytest.raises(error, match=message):
        _seeded().isel(**positions)


# --- xarray and pandas -----------------------------------------------------------------------


def test_to_xarray_puts_every_field_on_named_dims() -> None:
    result = _seeded()
    ds = result.to_xarray()
    assert dict(ds.sizes) == {
        "learning_rate": 3,
        "seed": 4,
        "step": 2,
        "evaluation_step": 3,
        "w_dim_0": 2,
        "w_dim_1": 2,
        "b/0_dim_0": 2,
        "evaluation/confusion_dim_0": 2,
    }
    np.testing.assert_array_equal(ds["learning_rate"], LR)
    np.testing.assert_array_equal(ds["step"], result.steps)
    np.testing.assert_array_equal(ds["evaluation_step"], result.evaluation_steps)
    expected = {
        "final_loss": (("learning_rate", "seed"), result.final_loss),
        "diverged": (("learning_rate", "seed"), result.diverged),
        "diverged_at": (("learning_rate", "seed"), result.diverged_at),
        "steps_to_tolerance": (("learning_rate", "seed"), result.steps_to_tolerance),
        "loss": (("learning_rate", "seed", "step"), result.loss),
        "grad_norm": (("learning_rate", "seed", "step"), result.grad_norm),
        "params/w": (("learning_rate", "seed", "step", "w_dim_0", "w_dim_1"), result.params["w"]),
        "params/b/0": (("learning_rate", "seed", "step", "b/0_dim_0"), result.params["b"][0]),
        "final_params/w": (
            ("learning_rate", "seed", "w_dim_0", "w_dim_1"),
            result.final_params["w"],
        ),
        "final_params/b/0": (("learning_rate", "seed", "b/0_dim_0"), result.final_params["b"][0]),
        "evaluation/accuracy": (
            ("learning_rate", "seed", "evaluation_step"),
            result.evaluations["accuracy"],
        ),
        "evaluation/val/acc": (
            ("learning_rate", "seed", "evaluation_step"),
            result.evaluations["val"]["acc"],
        ),
        "evaluation/confusion": (
            ("learning_rate", "seed", "evaluation_step", "evaluation/confusion_dim_0"),
            result.evaluations["confusion"],
        ),
    }
    assert set(ds.data_vars) == set(expected)
    for name, (dims, values) in expected.items():
        assert ds[name].dims == dims, name
        np.testing.assert_array_equal(ds[name].values, values, err_msg=name)
    # the last recorded params and the final params share their axes: they subtract to zero
    gap = ds["params/w"].isel(step=-1) - ds["final_params/w"]
    assert gap.dims == ("learning_rate", "seed", "w_dim_0", "w_dim_1")
    assert float(abs(gap).max()) == 0.0


def test_to_xarray_of_zip_pairing_puts_paired_values_on_sample() -> None:
    result = _seeded()
    zipped = dataclasses.replace(
        result.isel(seed=0),
        dims=("sample",),
        coords={"sample": np.arange(3), "learning_rate": LR, "b1": np.array([0.9, 0.5, 0.0])},
    )
    ds = zipped.to_xarray()
    assert ds["final_loss"].dims == ("sample",)
    for name in ("learning_rate", "b1"):
        assert ds.coords[name].dims == ("sample",)
        np.testing.assert_array_equal(ds.coords[name], zipped.coords[name])
    assert "b1" not in ds.sizes


def test_to_xarray_names_xarray_when_missing(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "xarray", None)  # makes `import xarray` fail
    with pytest.raises(
        ImportError, match="needs xarray, which is not installed: pip install xarray"
    ):
        _seeded().to_xarray()


def test_to_dataframe_has_the_final_evaluations() -> None:
    result = _seeded()
    frame = result.to_dataframe()
    assert list(frame.columns) == [
        "learning_rate",
        "seed",
        "final_loss",
        "diverged",
        "diverged_at",
        "steps_to_tolerance",
        "evaluation/accuracy",
        "evaluation/val/acc",
    ]  # confusion: 2 numbers per evaluation, left out
    np.testing.assert_array_equal(frame["learning_rate"], np.repeat(LR, 4))
    np.testing.assert_array_equal(frame["seed"], np.tile(np.arange(4), 3))
    np.testing.assert_array_equal(frame["final_loss"], FINAL.ravel())
    accuracy = result.evaluations["accuracy"][..., -1].ravel()
    np.testing.assert_array_equal(frame["evaluation/accuracy"], accuracy)
    np.testing.assert_array_equal(
        frame["evaluation/val/acc"], result.evaluations["val"]["acc"][..., -1].ravel()
    )


# --- summary ---------------------------------------------------------------------------------


def test_summary_ranks_configurations_reduced_over_seeds() -> None:
    diverged = np.zeros(FINAL.shape, bool)
    diverged[2, 3] = True
    text = _seeded(diverged=diverged).summary(top=2)
    lines = text.splitlines()
    assert lines[0] == "SweepResult: 12 runs over learning_rate (3) x seed (4); 1 diverged"
    mean = FINAL.mean(axis=1)
    assert lines[1] == f"best: learning_rate=0.1 final_loss={mean[1]:.6g} (mean over seed (4))"
    assert lines[3] == (
        "top 2 of 3 configurations by final_loss (mean over seed (4)), lowest first; "
        "1 with a diverged run left out:"
    )
    rows = [line.split() for line in lines[5:7]]
    assert rows == [["1", "0.1", f"{mean[1]:.6g}", "0/4"], ["2", "0.01", f"{mean[0]:.6g}", "0/4"]]
    header = lines.index(" learning_rate  best mean final_loss  diverged")
    per_lr = [line.split() for line in lines[header + 1 :]]
    assert per_lr == [
        ["0.01", f"{mean[0]:.6g}", "0/4"],
        ["0.1", f"{mean[1]:.6g}", "0/4"],
        ["1", "all", "diverged", "1/4"],
    ]
    assert "nan" not in text.lower()


def test_summary_over_nothing_ranks_single_runs_and_cuts_long_dims() -> None:
    text = _seeded().summary(top=1, over=(), max_rows=1)
    assert "over seed" not in text
    assert "best: learning_rate=0.01 seed=0 final_loss=0.05" in text
    assert "top 1 of 12 configurations by final_loss, lowest first:" in text
    assert "(2 more)" in text  # learning_rate: 3 values
    assert "(3 more)" in text  # seed: 4 values


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_rows": -1}, "`max_rows` must be an integer >= 1, got -1"),
        ({"max_rows": 0}, "`max_rows` must be an integer >= 1, got 0"),
        ({"top": 0}, "`top` must be an integer >= 1, got 0"),
        ({"top": 2.5}, "`top` must be an integer >= 1, got 2.5"),
        ({"over": "start"}, "`over` must name distinct dims"),
    ],
)
def test_summary_names_a_bad_argument(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        _seeded().summary(**kwargs)


# --- a real sweep: jax.Array fields -----------------------------------------------------------


def _noisy(w, key):
    """|w - 0.5 z|^2 with z ~ N(0, I) drawn per step: each seed descends differently."""
    return jnp.sum((w - 0.5 * jax.random.normal(key, w.shape, w.dtype)) ** 2)


@pytest.fixture(scope="module")
def noisy_sweep() -> SweepResult:
    return jd.sweep(
        _noisy,
        jd.sgd,
        x0=jnp.array([1.0, -1.0]),
        steps=10,
        seeds=4,
        learning_rate=[0.05, 0.2, 0.45],
        evaluate=lambda w: {"norm": jnp.sum(w**2), "w": w},
        evaluate_every=5,
    )


def test_a_one_chunk_sweep_answers_from_device_arrays(noisy_sweep) -> None:
    res = noisy_sweep
    assert isinstance(res.final_loss, jax.Array), "one chunk: the fields stay jax.Array"
    final = np.asarray(res.final_loss)
    assert len({final[1, s].item() for s in range(4)}) == 4, "seeds differ"
    lrs = np.asarray(res.coords["learning_rate"])
    mean = final.mean(axis=1)
    assert res.best(over="seed") == {
        "learning_rate": lrs[np.argmin(mean)].item(),
        "final_loss": pytest.approx(mean.min(), rel=1e-12),
    }
    norm = np.median(np.asarray(res.evaluations["norm"])[..., -1], axis=1)
    best = res.best("norm", over="seed", reduce="median")
    assert best == {"learning_rate": lrs[np.argmin(norm)].item(), "norm": norm.min()}
    np.testing.assert_array_equal(res.isel(seed=2).final_loss, final[:, 2])
    np.testing.assert_array_equal(
        res.sel(learning_rate=[0.45, 0.05]).loss, np.asarray(res.loss)[[2, 0]]
    )
    assert "(mean over seed (4))" in res.summary()
    frame = res.to_dataframe()
    np.testing.assert_array_equal(
        frame["evaluation/norm"], np.asarray(res.evaluations["norm"])[..., -1].ravel()
    )
    assert "evaluation/w" not in frame.columns
    ds = res.to_xarray()
    assert ds["evaluation/w"].dims == (
        "learning_rate",
        "seed",
        "evaluation_step",
        "evaluation/w_dim_0",
    )
    np.testing.assert_array_equal(ds["evaluation_step"], [0, 5, 10])
    np.testing.assert_array_equal(ds["final_params"], np.asarray(res.final_params))
    assert ds["final_params"].dims == ("learning_rate", "seed", "params_dim_0")
