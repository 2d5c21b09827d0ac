"""`sweep` over what is not a float: flags, integers, names, callables and optimizers.

Each categorical slice must equal the sweep that gives its value once, bit for bit.
"""

from __future__ import annotations

import functools
import os
import re

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxdescent as jd
from jaxdescent import _execute, _memory

X0 = jnp.array([-1.2, 1.0], jnp.float32)
LRS = [1e-3, 1e-2]
FIELDS = ("loss", "grad_norm", "final_params", "final_loss", "diverged_at", "steps_to_tolerance")
DOCS = os.path.join(os.path.dirname(__file__), "..", "docs", "howto", "sweeps.md")


def rosenbrock(w: jax.Array) -> jax.Array:
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def run(factory, **kw):
    return jd.sweep(rosenbrock, factory, x0=X0, steps=12, progress=False, **kw)


def assert_same(got, want) -> None:
    assert got.dims == want.dims
    for field in FIELDS:
        a, b = np.asarray(getattr(got, field)), np.asarray(getattr(want, field))
        assert a.dtype == b.dtype, field
        np.testing.assert_array_equal(a, b, err_msg=field)


def test_flags_are_a_dim_whose_slices_are_the_separate_sweeps() -> None:
    res = run(jd.sgd, learning_rate=LRS, momentum=0.9, nesterov=[False, True])
    assert res.dims == ("nesterov", "learning_rate")
    assert res.coords["nesterov"].tolist() == [False, True]
    for flag in (False, True):
        assert_same(
            res.sel(nesterov=flag), run(jd.sgd, learning_rate=LRS, momentum=0.9, nesterov=flag)
        )
    assert not np.array_equal(res.final_loss[0], res.final_loss[1])  # the flag mattered


def test_integers_for_an_integer_keyword_are_a_dim_of_python_ints() -> None:
    seen = []

    def lbfgs(learning_rate, memory_size=10):
        seen.append(type(memory_size))
        return optax.lbfgs(learning_rate, memory_size=memory_size, linesearch=None)

    with jax.numpy_dtype_promotion("standard"):
        res = run(lbfgs, learning_rate=LRS, memory_size=[1, 5])
        one = run(lbfgs, learning_rate=LRS, memory_size=1)
    assert res.dims == ("memory_size", "learning_rate")
    assert res.coords["memory_size"].dtype.kind == "i"
    assert set(seen) == {int}
    assert_same(res.sel(memory_size=1), one)
    assert res.isel(memory_size=1).coords["learning_rate"].tolist() == pytest.approx(LRS)


def test_an_integer_for_a_factory_that_needs_one_stays_a_python_int() -> None:
    def accumulating_sgd(learning_rate, every_k):
        assert type(every_k) is int
        return optax.MultiSteps(optax.sgd(learning_rate), every_k)

    with jax.numpy_dtype_promotion("standard"):  # optax compares an int32 count with a float
        res = run(accumulating_sgd, learning_rate=[0.01], every_k=4)
        want = jd.minimize(rosenbrock, X0, optax.MultiSteps(optax.sgd(0.01), 4), steps=12)
        grid = run(accumulating_sgd, learning_rate=[0.01], every_k=[1, 4])
    np.testing.assert_allclose(res.final_loss[0], want.final_loss, rtol=1e-6)
    # Updates are applied every 4th step only: the parameters hold still in between.
    assert np.all(np.diff(np.asarray(res.loss[0, :4])) == 0)
    assert grid.dims == ("every_k", "learning_rate")
    assert_same(grid.sel(every_k=4), res)


def test_integers_for_a_float_keyword_are_numbers() -> None:
    ints = run(jd.adam, learning_rate=0.1, eps_root=[0, 1])
    floats = run(jd.adam, learning_rate=0.1, eps_root=[0.0, 1.0])
    assert ints.coords["eps_root"].dtype.kind == "f"
    assert_same(ints, floats)
    assert_same(run(jd.adam, learning_rate=0.1, eps=0), run(jd.adam, learning_rate=0.1, eps=0.0))
    before = _execute.kernel._cache_size()
    assert run(jd.adam, learning_rate=0.1, eps=2).final_loss != ints.final_loss[0]
    assert _execute.kernel._cache_size() == before  # traced: a new integer, no new program


def test_strings_callables_and_none_are_named_coordinates() -> None:
    def constant(t):
        return 1.0

    def halving(t):
        return 0.5 ** (t / 4.0)

    def make(learning_rate, kind, scale, momentum):
        opt = {"sgd": optax.sgd, "adam": optax.adam}[kind]
        rate = lambda t: learning_rate * scale(t)  # noqa: E731
        return opt(rate) if momentum is None else optax.sgd(rate, momentum)

    kw = {"learning_rate": [0.01], "kind": ["sgd", "adam"], "scale": [constant, halving]}
    with jax.numpy_dtype_promotion("standard"):
        res = run(make, **kw, momentum=[None, 0.9])
        one = run(make, learning_rate=[0.01], kind="adam", scale=halving, momentum=None)
    assert res.dims == ("kind", "scale", "momentum", "learning_rate")
    assert res.coords["kind"].tolist() == ["sgd", "adam"]
    assert res.coords["scale"].tolist() == ["constant", "halving"]
    assert res.coords["momentum"].tolist() == ["None", "0.9"]
    assert_same(res.sel(kind="adam", scale="halving", momentum="None"), one)


def test_a_dict_of_factories_is_the_optimizer_dim_each_with_its_defaults() -> None:
    momentum_sgd = functools.partial(jd.sgd, momentum=0.9)
    res = run({"adam": jd.adam, "sgd-m": momentum_sgd}, learning_rate=LRS)
    assert res.dims == ("optimizer", "learning_rate")
    assert res.coords["optimizer"].tolist() == ["adam", "sgd-m"]
    assert_same(res.sel(optimizer="adam"), run(jd.adam, learning_rate=LRS))
    assert_same(res.sel(optimizer="sgd-m"), run(momentum_sgd, learning_rate=LRS))
    want = jd.minimize(rosenbrock, X0, jd.sgd(1e-3, momentum=0.9), steps=12)
    np.testing.assert_array_equal(res.sel(optimizer="sgd-m").final_loss[0], want.final_loss)


@pytest.fixture(scope="module")
def res():
    """Optimizers x flags x learning rates."""
    return run({"adam": jd.adam, "sgd": jd.sgd}, learning_rate=LRS, nesterov=[False, True])


def test_categorical_dims_in_every_view_of_the_result(res, tmp_path) -> None:
    assert res.shape == (2, 2, 2)
    assert res.isel(optimizer=0, nesterov=-1).dims == ("learning_rate",)
    picked = res.sel(optimizer=["sgd"], nesterov=True)
    assert picked.dims == ("optimizer", "learning_rate")
    assert picked.coords["optimizer"].tolist() == ["sgd"]
    best = res.best()
    assert set(best) == {"optimizer", "nesterov", "learning_rate", "final_loss"}
    assert isinstance(best["optimizer"], str)
    assert isinstance(best["nesterov"], bool)
    value = res.sel(optimizer=best["optimizer"], nesterov=best["nesterov"])
    assert best["final_loss"] == pytest.approx(float(np.min(value.final_loss)))
    text = res.summary()
    assert re.search(r"\n\s+optimizer\s+best final_loss", text)
    assert re.search(r"\n\s+True\s+\S+\s+\d/4", text)
    frame = res.to_dataframe()
    assert frame["optimizer"].tolist() == ["adam"] * 4 + ["sgd"] * 4
    assert frame["nesterov"].tolist() == [False, False, True, True] * 2
    dataset = res.to_xarray()
    assert dataset["final_loss"].sel(optimizer="sgd", nesterov=False).shape == (2,)
    path = tmp_path / "result.npz"
    res.save(path)
    loaded = jd.SweepResult.load(path)
    assert_same(loaded, res)
    assert {k: v.tolist() for k, v in loaded.coords.items()} == {
        k: v.tolist() for k, v in res.coords.items()
    }


def test_sel_refuses_a_missing_name_or_nearest_on_a_categorical_dim(res) -> None:
    with pytest.raises(ValueError, match=r"optimizer='rmsprop' is not a coordinate.*'adam'"):
        res.sel(optimizer="rmsprop")
    with pytest.raises(ValueError, match="nearest"):
        res.sel(optimizer="adam", method="nearest")


def test_a_saved_categorical_sweep_resumes_each_combination(tmp_path, monkeypatch) -> None:
    kw = {"learning_rate": LRS, "nesterov": [False, True], "save_to": tmp_path, "chunk_size": 1}
    factories = {"adam": jd.adam, "sgd/m": functools.partial(jd.sgd, momentum=0.5)}
    first = run(factories, **kw)
    names = sorted(os.listdir(tmp_path))
    assert len(names) == 4
    assert "optimizer1-sgd_m__nesterov0-False" in names
    computed = []
    compute = _execute._compute
    monkeypatch.setattr(
        _execute, "_compute", lambda *a, **k: computed.append(1) or compute(*a, **k)
    )
    again = run(factories, **kw)
    assert computed == []  # every chunk of every combination read back
    assert_same(again, first)
    os.remove(tmp_path / "optimizer0-adam__nesterov1-True" / "chunk_000001.npz")
    assert_same(run(factories, **kw), first)
    assert computed == [1]
    with pytest.raises(ValueError, match=r"`save_to` directory .* holds a sweep without"):
        run(jd.adam, learning_rate=LRS, save_to=tmp_path / "optimizer0-adam__nesterov1-True",
            nesterov=[True])  # fmt: skip
    with pytest.raises(ValueError, match=r"`save_to` directory .* holds a sweep with categ"):
        run(jd.adam, learning_rate=LRS, save_to=tmp_path)
    with pytest.raises(ValueError, match=r"`save_to` must be a directory"):
        run(
            factories,
            **{**kw, "save_to": tmp_path / "optimizer0-adam__nesterov1-True" / "sweep.json"},
        )


def test_a_swept_value_the_factory_branches_on_is_refused_by_name() -> None:
    def warmup_adam(peak):
        return optax.adam(optax.warmup_cosine_decay_schedule(0.0, peak, 10, 100))

    # Refused while the kernel is traced (the check runs only when a trace fails): nothing
    # is compiled or computed.
    with pytest.raises(TypeError, match=r"branches in Python on `peak`.*peak \* optax"):
        run(warmup_adam, peak=[0.1, 0.2])


def test_the_swept_schedule_recipe_of_the_docs_runs() -> None:
    with open(DOCS) as file:
        text = file.read()
    cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)```", text, re.S)
    setup, recipes = cells[1], [c for c in cells if "warmup_cosine_adam" in c or "nesterov=[" in c]
    assert len(recipes) == 2
    scope: dict = {}
    with jax.numpy_dtype_promotion("standard"):
        for cell in [setup, *recipes]:
            exec(re.sub(r"\bsteps=\d+", "steps=12", cell), scope)
        want = jd.minimize(scope["rosenbrock"], scope["x0"], optax.adam(
            optax.warmup_cosine_decay_schedule(0.0, 0.1, warmup_steps=10, decay_steps=100)
        ), steps=12)  # fmt: skip
    peaks, accumulated = scope["peaks"], scope["accumulated"]
    assert peaks.dims == ("peak",)
    assert accumulated.dims == ("every_k", "learning_rate")
    assert scope["res"].dims == ("optimizer", "nesterov", "learning_rate")
    np.testing.assert_allclose(peaks.sel(peak=0.1).final_loss, want.final_loss, rtol=1e-5)


BAD = {
    "unknown in every factory": (
        {"optimizer_factory": {"a": jd.adam, "s": jd.sgd}, "lr": [0.1]},
        ValueError,
        r"`optimizer_factory`\['a'\].*unknown hyperparameter\(s\) `lr`",
    ),
    "a keyword one factory lacks": (
        {"optimizer_factory": {"s": jd.sgd, "a": jd.adam}, "b1": 0.9},
        ValueError,
        r"`optimizer_factory`\['s'\].*`b1`",
    ),
    "no common keywords": (
        {"optimizer_factory": {"s": jd.sgd, "m": optax.lbfgs}, "momentum": 0.5},
        ValueError,
        r"`optimizer_factory`\['m'\].*`momentum`",
    ),
    "numbers and names": ({"learning_rate": [0.1, "a"]}, TypeError, r"`learning_rate` mixes"),
    "flags and numbers": ({"nesterov": [True, 0.5]}, TypeError, r"`nesterov` mixes bool and"),
    "an empty axis": ({"nesterov": []}, ValueError, r"`nesterov` must be .* non-empty"),
    "a repeated value": ({"nesterov": [True, True]}, ValueError, r"`nesterov` holds True twice"),
    "an empty dict": ({"optimizer_factory": {}}, ValueError, r"`optimizer_factory` is an empty"),
    "a key that is no name": (
        {"optimizer_factory": {1: jd.sgd}},
        TypeError,
        r"`optimizer_factory` must be keyed by names",
    ),
    "a factory that is not one": (
        {"optimizer_factory": {"s": 0.1}},
        TypeError,
        r"`optimizer_factory`\['s'\] must be a factory",
    ),
    "a bad value in a later factory": (
        {"optimizer_factory": {"a": jd.adam, "s": functools.partial(jd.sgd, momentum=1.5)}},
        ValueError,
        r"`optimizer_factory`\['s'\].*`momentum`",
    ),
    "optimizer as a keyword": (
        {"optimizer_factory": {"s": jd.sgd}, "optimizer": ["x", "y"]},
        ValueError,
        r"`optimizer` may not name",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused_by_name_before_compute(case: str) -> None:
    overrides, error, message = BAD[case]
    kw = {"optimizer_factory": jd.sgd, "learning_rate": [0.1], **overrides}
    before = _execute.kernel._cache_size()
    with pytest.raises(error, match=message):
        run(kw.pop("optimizer_factory"), **kw)
    assert _execute.kernel._cache_size() == before


def test_the_whole_categorical_result_must_fit_in_memory(monkeypatch) -> None:
    # 2 runs of 13 records x 16 bytes (float64 under x64) and 72 bytes of final state fit in
    # 800 bytes; 4 do not.
    monkeypatch.setattr(_memory, "physical_memory", lambda: 800)
    assert run(jd.sgd, learning_rate=LRS).shape == (2,)
    before = _execute.kernel._cache_size()
    with pytest.raises(ValueError, match="recording 4 runs"):
        run(jd.sgd, learning_rate=LRS, nesterov=[False, True], momentum=0.5)
    assert _execute.kernel._cache_size() == before
