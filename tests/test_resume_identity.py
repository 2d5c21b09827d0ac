"""A ``save_to`` directory is identified by what the sweep computes, never by names.

Each case runs a real sweep into a directory, then a second sweep that differs in
one part only: it must be refused before any compute, naming that part. A
second sweep that computes the same thing through new objects resumes.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxdescent as jd
from jaxdescent import _execute

X0 = np.array([0.5, -0.5], np.float32)
LRS = np.array([0.01, 0.02, 0.05], np.float32)


def _target(target: np.ndarray):
    return lambda w: jnp.sum((w - target) ** 2)


def _scaled(w, scale):
    return scale * jnp.sum(w**2)


def _accuracy_near(target: float):
    return lambda w: {"near": jnp.sum(jnp.abs(w - target))}


def _sweep(directory, fn=None, factory=jd.sgd, **overrides):
    kw = dict(x0=X0, steps=4, chunk_size=1, save_to=directory, learning_rate=LRS)
    kw.update(overrides)
    return jd.sweep(fn if fn is not None else (lambda w: jnp.sum(w**2)), factory, **kw)


# (first sweep, second sweep, the part that differs)
CASES = {
    "two lambdas": (dict(fn=lambda w: jnp.sum(w**2)), dict(fn=lambda w: jnp.sum((w - 5) ** 2)),
                    "objective"),
    "closures over other arrays": (dict(fn=_target(np.array([1.0, 2.0], np.float32))),
                                   dict(fn=_target(np.array([1.0, 3.0], np.float32))),
                                   "objective"),
    "partials with other arguments": (dict(fn=functools.partial(_scaled, scale=2.0)),
                                      dict(fn=functools.partial(_scaled, scale=3.0)), "objective"),
    "two landscapes": (dict(fn=jd.landscapes.rosenbrock()), dict(fn=jd.landscapes.himmelblau()),
                       "objective"),
    "landscapes with other parameters": (dict(fn=jd.landscapes.quadratic(2, 10.0)),
                                         dict(fn=jd.landscapes.quadratic(2, 100.0)), "objective"),
    "other evaluate closures": (dict(evaluate=_accuracy_near(1.0)),
                                dict(evaluate=_accuracy_near(2.0)), "evaluate"),
    "same count of other learning rates": (dict(), dict(learning_rate=LRS * 2), "values"),
    "another shared hyperparameter": (dict(momentum=0.9), dict(momentum=0.5), "values"),
    "another optimizer": (dict(factory=jd.adam), dict(factory=jd.adamw), "optimizer"),
    "another static setting": (dict(momentum=0.9), dict(momentum=0.9, nesterov=True), "optimizer"),
    "other starts": (dict(), dict(x0=X0 + 1), "starts"),
    "other steps": (dict(), dict(steps=5), "settings"),
}  # fmt: skip


@pytest.mark.parametrize(("first", "second", "part"), CASES.values(), ids=CASES.keys())
def test_a_different_sweep_is_refused_naming_what_differs(tmp_path, first, second, part) -> None:
    _sweep(tmp_path, **first)
    with pytest.raises(
        ValueError, match=f"holds a different sweep: its (.*, )?{part}(, .*)? differ"
    ):
        _sweep(tmp_path, **second)


def test_other_data_or_args_are_refused(tmp_path) -> None:
    def fit(w, batch, scale):
        return scale * jnp.mean((batch["x"] @ w - batch["y"]) ** 2)

    data = {"x": np.eye(2, dtype=np.float32), "y": np.ones(2, np.float32)}
    _sweep(tmp_path, fn=fit, data=data, args=(np.float32(1.0),))
    other = {"x": data["x"], "y": np.array([1.0, 2.0], np.float32)}
    with pytest.raises(ValueError, match="its data differ"):
        _sweep(tmp_path, fn=fit, data=other, args=(np.float32(1.0),))
    with pytest.raises(ValueError, match="its args differ"):
        _sweep(tmp_path, fn=fit, data=data, args=(np.float32(2.0),))


def test_the_same_computation_through_new_objects_resumes(tmp_path, monkeypatch) -> None:
    target = np.array([1.0, 2.0], np.float32)
    first = _sweep(tmp_path, fn=_target(target), evaluate=_accuracy_near(1.0))
    computed = []
    compute = _execute._compute
    monkeypatch.setattr(_execute, "_compute", lambda *a, **k: computed.append(1) or compute(*a))
    again = _sweep(tmp_path, fn=_target(target.copy()), evaluate=_accuracy_near(1.0))
    assert computed == []  # every chunk was read back
    np.testing.assert_array_equal(again.loss, first.loss)


def test_an_objective_calling_back_into_python_cannot_be_saved(tmp_path) -> None:
    def host_loss(w):
        jax.debug.callback(lambda v: None, w)  # Python code the traced program cannot show
        return jnp.sum(w**2)

    with pytest.raises(ValueError, match="cannot identify the objective"):
        _sweep(tmp_path, fn=host_loss)
    assert not any(tmp_path.iterdir())
