"""`SweepResult`: selection, best, summary, save/load, on hand-built results (no compute)."""

from __future__ import annotations

import dataclasses
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxdescent as jd
from jaxdescent import SweepResult
from jaxdescent._files import write_npz


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


def test_sel_nearest_picks_the_nearest_coordinate_and_drops_the_dim() -> None:
    result = _result()
    picked = result.sel(learning_rate=0.012, method="nearest")
    assert picked.dims == ("start",)
    assert "learning_rate" not in picked.coords
    np.testing.assert_array_equal(picked.loss, result.loss[1])
    np.testing.assert_array_equal(picked.params["w"], result.params["w"][1])
    one = result.sel(learning_rate=0.1, start=0)
    assert one.shape == ()
    assert one.final_loss == np.float32(0.7)


def _zipped() -> SweepResult:
    """Three samples of (learning_rate, b1) paired with pairing='zip'."""
    return SweepResult(
        **{
            **_result().sel(start=0).__dict__,
            "dims": ("sample",),
            "coords": {"sample": np.arange(3), "learning_rate": np.array([0.1, 0.01, 0.001]),
                       "b1": np.array([0.9, 0.5, 0.0])},
        }
    )  # fmt: skip


def test_sel_by_a_paired_hyperparameter_picks_its_sample() -> None:
    zipped = _zipped()
    picked = zipped.sel(b1=0.45, method="nearest")
    assert picked.dims == ()
    assert picked.coords == {}
    assert picked.final_loss == np.float32(1.5)
    assert zipped.sel(b1=0.5, learning_rate=0.01).final_loss == np.float32(1.5)  # exact
    with pytest.raises(ValueError, match=r"no sample .* has b1=0.45; pass method='nearest'"):
        zipped.sel(b1=0.45)
    with pytest.raises(ValueError, match=r"no sample .* has b1=0.5, learning_rate=0.1;"):
        zipped.sel(b1=0.5, learning_rate=0.1)  # both exist, not in one sample
    with pytest.raises(ValueError, match="`sample` or the paired hyperparameters, not both"):
        zipped.sel(b1=0.5, sample=1)
    assert zipped.best() == {
        "sample": 2,
        "learning_rate": 0.001,
        "b1": 0.0,
        "final_loss": pytest.approx(0.7),
    }


def test_sel_lists_of_paired_values_pick_one_sample_each_and_keep_the_dim() -> None:
    zipped = _zipped()
    picked = zipped.sel(b1=[0.0, 0.9], learning_rate=[0.001, 0.1])
    assert picked.dims == ("sample",)
    np.testing.assert_array_equal(picked.coords["sample"], [2, 0])
    np.testing.assert_array_equal(picked.coords["b1"], [0.0, 0.9])
    np.testing.assert_array_equal(picked.coords["learning_rate"], [0.001, 0.1])
    np.testing.assert_array_equal(picked.final_loss, zipped.final_loss[[2, 0]])
    with pytest.raises(ValueError, match="lists of one non-zero length"):
        zipped.sel(b1=[0.0, 0.9], learning_rate=[0.001])


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


@jax.tree_util.register_pytree_node_class
class Affine:
    """A custom pytree node (as an equinox module or a flax ``nnx.State`` is)."""

    def __init__(self, weight, bias) -> None:
        self.weight, self.bias = weight, bias

    def tree_flatten(self):
        return (self.weight, self.bias), None

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(*children)


def _with_affine() -> SweepResult:
    """``_result()`` whose parameters are ``Affine`` (2 x 3 weight, 2 bias) per run."""
    rng = np.random.default_rng(2)
    params = Affine(rng.normal(size=(3, 2, 4, 2, 3)), rng.normal(size=(3, 2, 4, 2)))
    final = jax.tree_util.tree_map(lambda x: x[:, :, -1], params)
    return dataclasses.replace(_result(), params=params, final_params=final)


def test_save_and_load_a_custom_pytree_with_a_template(tmp_path) -> None:
    result = _with_affine()
    result.save(tmp_path / "affine.npz")
    one_run = Affine(np.zeros((2, 3), np.float32), np.zeros(2, np.float32))
    for like in (one_run, result):
        loaded = SweepResult.load(tmp_path / "affine.npz", like=like)
        assert isinstance(loaded.final_params, Affine)
        assert isinstance(loaded.params, Affine)
        _assert_same(loaded, result)


def test_load_of_a_custom_pytree_without_a_template_says_to_pass_like(tmp_path) -> None:
    _with_affine().save(tmp_path / "affine.npz")
    with pytest.raises(
        ValueError,
        match=r"`params` is a pytree with nodes that only a template "
        r"can rebuild .*pass like=",
    ):
        SweepResult.load(tmp_path / "affine.npz")


@pytest.mark.parametrize(
    ("like", "message"),
    [
        (
            Affine(np.zeros((3, 2)), np.zeros(2)),
            r"`params\[<flat index 0>\]` is \(2, 3\) per run "
            r"in the file, \(3, 2\) in `like`",
        ),
        # a tuple of the same shapes is another structure: its key paths differ
        (
            (np.zeros((2, 3)), np.zeros(2)),
            r"its 2 leaves are \['params\[0\]', 'params\[1\]'\], "
            r"the file's 2 are \['params\[<flat index 0>\]', ",
        ),
        ({"w": np.zeros((2, 3))}, r"its 1 leaves are \[\"params\['w'\]\"\], the file's 2"),
    ],
)
def test_load_refuses_a_template_that_does_not_match(tmp_path, like, message) -> None:
    _with_affine().save(tmp_path / "affine.npz")
    with pytest.raises(ValueError, match=message):
        SweepResult.load(tmp_path / "affine.npz", like=like)


def test_load_of_a_custom_evaluation_pytree_needs_a_result_as_template(tmp_path) -> None:
    result = _result()
    custom = dataclasses.replace(result, evaluations=Affine(*[result.evaluations["accuracy"]] * 2))
    custom.save(tmp_path / "custom.npz")
    with pytest.raises(ValueError, match=r"`evaluations` is a pytree .* pass like=a SweepResult"):
        SweepResult.load(tmp_path / "custom.npz", like=Affine(None, None))
    _assert_same(SweepResult.load(tmp_path / "custom.npz", like=custom), custom)


def test_save_and_load_an_equinox_module(tmp_path) -> None:
    import equinox as eqx

    class Model(eqx.Module):
        linear: eqx.nn.Linear
        scale: jax.Array

    model = Model(eqx.nn.Linear(3, 2, key=jax.random.key(0)), jnp.ones(2))
    batched = jax.tree_util.tree_map(
        lambda x: np.stack([np.asarray(x) + i for i in range(3)]), model
    )
    result = dataclasses.replace(_result().isel(start=0), params=None, final_params=batched)
    result.save(tmp_path / "model.npz")
    with pytest.raises(ValueError, match="pass like="):
        SweepResult.load(tmp_path / "model.npz")
    loaded = SweepResult.load(tmp_path / "model.npz", like=model)
    assert isinstance(loaded.final_params, Model)
    assert loaded.final_params.linear.in_features == 3
    _assert_same(loaded, result)


def test_load_of_a_save_to_directory_says_to_rerun_the_sweep(tmp_path, monkeypatch) -> None:
    def call():
        return jd.sweep(
            lambda w: jnp.sum(w**2),
            jd.sgd,
            x0=jnp.array([1.0, -1.0]),
            steps=3,
            learning_rate=[0.1, 0.2],
            chunk_size=1,
            save_to=tmp_path / "run",
        )

    first = call()
    with pytest.raises(
        ValueError,
        match=r"is a sweep's `save_to` directory.* rerun the same "
        r"`jd.sweep\(...\)` call with save_to=",
    ):
        SweepResult.load(tmp_path / "run")

    # what the message promises: the rerun reads every chunk back, computing nothing
    def refuse(*args, **kwargs):
        raise AssertionError("a chunk was computed")

    monkeypatch.setattr(jd._execute, "_compute", refuse)  # type: ignore[attr-defined]
    _assert_same(call(), first)
    with pytest.raises(ValueError, match="is a directory, not a saved result file"):
        SweepResult.load(tmp_path)


def test_load_reads_a_file_from_before_key_paths_were_stored(tmp_path) -> None:
    result = _result().isel(start=0)
    arrays = {f"coords:{name}": value for name, value in result.coords.items()}
    arrays |= {
        name: getattr(result, name)
        for name in (
            "loss",
            "grad_norm",
            "steps",
            "final_loss",
            "diverged",
            "diverged_at",
            "steps_to_tolerance",
        )
    }
    arrays["final_params['w']"] = result.final_params["w"]
    skeleton = {"dict": [["w", {"leaf": "final_params['w']", "dtype": "float32"}]]}
    meta = {
        "dims": ["learning_rate"],
        "coords": ["learning_rate"],
        "trees": {"params": None, "final_params": skeleton},
    }
    write_npz(tmp_path / "old.npz", arrays, meta)
    loaded = SweepResult.load(tmp_path / "old.npz")
    assert loaded.params is None
    assert loaded.evaluations is None
    assert list(loaded.final_params) == ["w"]
    np.testing.assert_array_equal(loaded.final_params["w"], result.final_params["w"])
    np.testing.assert_array_equal(loaded.final_loss, result.final_loss)
