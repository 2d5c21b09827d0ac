"""Minibatch SGD inside the compiled loop: sampling, reproducibility, evaluation, sweeps.

Expected values come from counting (chi-square bounds with quantiles of the
chi-square law, computed once with ``scipy.stats.chi2.ppf(0.9999, df)``), from
plain ``minimize`` on the closure over the data, from ``np.linalg.lstsq`` and
from NumPy transcriptions of the losses.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxdescent as jd
from jaxdescent._batches import batch_indices

# Upper 0.9999 quantiles of the chi-square law with df degrees of freedom.
CHI2_9999 = {9: 33.72, 25: 60.14, 99: 160.06}


def _chi_square(counts: np.ndarray) -> float:
    """Pearson's statistic against equal expected counts."""
    expected = counts.sum() / counts.size
    return float(np.sum((counts - expected) ** 2 / expected))


def _drawn_indices(n: int, batch_size: int, steps: int, sampling: str, key) -> np.ndarray:
    """The example indices of every step's minibatch, as seen by the objective itself."""
    data = {"i": jnp.arange(n, dtype=jnp.int32)}

    def fn(w, batch):
        return jnp.sum(w**2), batch["i"]

    run = jd.minimize(
        fn,
        jnp.zeros(1, jnp.float64),
        jd.sgd(0.1),
        steps=steps,
        has_aux=True,
        record_params=False,
        data=data,
        batch_size=batch_size,
        sampling=sampling,
        key=key,
    )
    return np.asarray(run.aux)[:steps]  # the last record belongs to the unused step `steps`


def _least_squares(w, batch):
    return jnp.mean((batch["x"] @ w - batch["y"]) ** 2) / 2


def _regression(n: int = 64, dim: int = 3):
    data, _ = jd.datasets.linear_regression(n, dim, 0.1, jax.random.key(7), dtype=jnp.float64)
    return data


def _assert_trees_equal(a, b) -> None:
    assert jax.tree_util.tree_structure(a) == jax.tree_util.tree_structure(b)
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_replacement_draws_uniformly_and_independently(key) -> None:
    n, batch_size, steps = 10, 5, 2000
    drawn = _drawn_indices(n, batch_size, steps, "replacement", key)
    assert drawn.shape == (steps, batch_size)
    counts = np.bincount(drawn.ravel(), minlength=n)
    assert _chi_square(counts) < CHI2_9999[9], counts
    # the first two slots of a batch are independent: 100 pairs, equally likely
    pairs = np.bincount(drawn[:, 0] * n + drawn[:, 1], minlength=n * n)
    assert _chi_square(pairs) < CHI2_9999[99]
    # with replacement, 5 draws of 10 are all distinct with probability 10*9*8*7*6/10^5
    distinct = np.mean([len(set(row)) == batch_size for row in drawn])
    assert abs(distinct - 0.3024) < 0.05  # ~5 standard deviations (0.0103)


def test_shuffle_covers_every_example_once_per_epoch(key) -> None:
    n, batch_size, epochs = 12, 4, 5
    drawn = _drawn_indices(n, batch_size, epochs * n // batch_size, "shuffle", key)
    by_epoch = drawn.reshape(epochs, n)
    for order in by_epoch:
        np.testing.assert_array_equal(np.sort(order), np.arange(n))
    assert len({tuple(order) for order in by_epoch}) == epochs  # a fresh permutation each epoch
    assert not any(np.array_equal(order, np.arange(n)) for order in by_epoch)


def test_shuffle_drops_the_remainder_without_repeats(key) -> None:
    n, batch_size = 10, 4  # two steps per epoch, 8 distinct examples each
    drawn = _drawn_indices(n, batch_size, 6, "shuffle", key).reshape(3, 8)
    assert all(len(set(epoch)) == 8 for epoch in drawn)


def test_shuffle_places_each_example_uniformly(key) -> None:
    n, epochs = 6, 600
    drawn = _drawn_indices(n, 3, 2 * epochs, "shuffle", key).reshape(epochs, n)
    table = np.zeros((n, n), np.int64)  # table[example, position]
    np.add.at(table, (drawn, np.broadcast_to(np.arange(n), drawn.shape)), 1)
    assert _chi_square(table) < CHI2_9999[25], table


def test_carried_permutation_is_the_stateless_one(key) -> None:
    """The loop keeps each epoch's permutation; it must be the one defined by (key, step)."""
    n, batch_size, steps = 10, 3, 14  # 3 steps per epoch (one example dropped), 4+ epochs
    drawn = _drawn_indices(n, batch_size, steps, "shuffle", key)
    step = jnp.arange(steps, dtype=jnp.int32)
    stateless = jax.vmap(lambda t: batch_indices(key, t, n, batch_size, "shuffle"))(step)
    np.testing.assert_array_equal(drawn, np.asarray(stateless))


def test_recording_does_not_change_the_minibatches(key) -> None:
    data = _regression(n=40)

    def final(record_every):
        run = jd.minimize(
            _least_squares,
            jnp.zeros(3, jnp.float64),
            jd.sgd(0.05),
            steps=23,
            record_every=record_every,
            data=data,
            batch_size=8,
            key=key,
        )
        return np.asarray(run.final_params)

    every_step = final(1)
    np.testing.assert_array_equal(final(4), every_step)
    np.testing.assert_array_equal(final(None), every_step)


def test_full_batch_equals_minimize_on_the_closure() -> None:
    data = _regression()
    x0 = jnp.zeros(3, jnp.float64)
    on_data = jd.minimize(_least_squares, x0, jd.sgd(0.1, momentum=0.9), steps=30, data=data)
    closure = jd.minimize(
        lambda w: _least_squares(w, data), x0, jd.sgd(0.1, momentum=0.9), steps=30
    )
    _assert_trees_equal(on_data, closure)


@pytest.mark.parametrize("sampling", ["shuffle", "replacement"])
def test_same_key_same_run_other_key_other_run(sampling: str) -> None:
    data = _regression()

    def run(seed: int):
        return jd.minimize(
            _least_squares,
            jnp.zeros(3, jnp.float64),
            jd.sgd(0.05),
            steps=20,
            data=data,
            batch_size=8,
            sampling=sampling,
            key=jax.random.key(seed),
        )

    first, again, other = run(0), run(0), run(1)
    _assert_trees_equal(first, again)
    assert not np.array_equal(np.asarray(first.loss), np.asarray(other.loss))
    assert not np.array_equal(np.asarray(first.final_params), np.asarray(other.final_params))


def test_minibatch_sgd_reaches_least_squares() -> None:
    data, w_true = jd.datasets.linear_regression(256, 5, 0.1, jax.random.key(0), dtype=jnp.float64)
    steps = 800

    def cosine(count):  # learning rate 0.2 decayed to 0 over the run
        return 0.1 * (1 + jnp.cos(jnp.pi * count.astype(jnp.float64) / steps))

    run = jd.minimize(
        _least_squares,
        jnp.zeros(5, jnp.float64),
        jd.sgd(cosine),
        steps=steps,
        record_every=None,
        data=data,
        batch_size=32,
        key=jax.random.key(1),
    )
    x, y = np.asarray(data["x"]), np.asarray(data["y"])
    w_ls = np.linalg.lstsq(x, y, rcond=None)[0]
    # the noise puts w_ls about 1e-2 from the true weights; SGD must find w_ls itself
    assert np.max(np.abs(w_ls - np.asarray(w_true))) > 3e-3
    np.testing.assert_allclose(np.asarray(run.final_params), w_ls, rtol=0, atol=1e-3)


def test_evaluate_records_full_loss_at_its_steps(key) -> None:
    data = _regression(n=48)
    data["i"] = jnp.arange(48, dtype=jnp.int32)
    x, y = np.asarray(data["x"]), np.asarray(data["y"])

    def fn(w, batch):
        return _least_squares(w, batch), batch["i"]

    def evaluate(w):
        return {
            "loss": _least_squares(w, data),
            "worst": jnp.max(jnp.abs(data["x"] @ w - data["y"])),
        }

    run = jd.minimize(
        fn,
        jnp.zeros(3, jnp.float64),
        jd.sgd(0.1),
        steps=25,
        has_aux=True,
        record_every=5,
        data=data,
        batch_size=6,
        key=key,
        evaluate=evaluate,
        evaluate_every=10,
    )
    np.testing.assert_array_equal(np.asarray(run.steps), [0, 5, 10, 15, 20, 25])
    np.testing.assert_array_equal(np.asarray(run.evaluation_steps), [0, 10, 20, 25])
    params = np.asarray(run.params)
    at_evaluation = params[[0, 2, 4, 5]]
    full = [np.mean((x @ w - y) ** 2) / 2 for w in at_evaluation]
    worst = [np.max(np.abs(x @ w - y)) for w in at_evaluation]
    np.testing.assert_allclose(np.asarray(run.evaluations["loss"]), full, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(run.evaluations["worst"]), worst, rtol=1e-12)
    # the recorded loss is the loss of each record's own minibatch
    rows = np.asarray(run.aux)
    minibatch = [np.mean((x[r] @ w - y[r]) ** 2) / 2 for w, r in zip(params, rows, strict=True)]
    np.testing.assert_allclose(np.asarray(run.loss), minibatch, rtol=1e-12)


def test_evaluate_defaults_to_every_record(key) -> None:
    data = _regression(n=16)
    run = jd.minimize(
        _least_squares,
        jnp.zeros(3, jnp.float64),
        jd.sgd(0.1),
        steps=7,
        record_every=3,
        data=data,
        batch_size=4,
        key=key,
        evaluate=lambda w: _least_squares(w, data),
    )
    np.testing.assert_array_equal(np.asarray(run.evaluation_steps), [0, 3, 6, 7])
    x, y = np.asarray(data["x"]), np.asarray(data["y"])
    full = [np.mean((x @ w - y) ** 2) / 2 for w in np.asarray(run.params)]
    np.testing.assert_allclose(np.asarray(run.evaluations), full, rtol=1e-12)


def test_sweep_over_seeds_equals_separate_runs() -> None:
    data = _regression()
    seeds = [0, 1, 2]
    common = dict(steps=20, data=data, batch_size=8, record_every=5)
    swept = jd.sweep(
        _least_squares,
        jd.sgd,
        x0=jnp.zeros(3, jnp.float64),
        seeds=seeds,
        learning_rate=0.05,
        **common,
    )
    assert swept.dims == ("seed",)
    assert len({swept.loss[i].tobytes() for i in range(len(seeds))}) == len(seeds)  # independent
    for i, seed in enumerate(seeds):
        alone = jd.minimize(
            _least_squares,
            jnp.zeros(3, jnp.float64),
            jd.sgd(0.05),
            key=jax.random.key(seed),
            **common,
        )
        np.testing.assert_array_equal(swept.loss[i], np.asarray(alone.loss))
        np.testing.assert_array_equal(swept.final_params[i], np.asarray(alone.final_params))


BAD_DATA = [
    ({"sampling": "cyclic"}, ValueError, r"`sampling` must be one of \('shuffle', 'replacement'\)"),
    ({"key": 0}, TypeError, "`key` must be a jax.random key"),
    ({"data": None}, ValueError, "`batch_size` needs `data`"),
    ({"batch_size": 0}, ValueError, "`batch_size` must be an integer >= 1"),
    ({"batch_size": 2.5}, ValueError, "`batch_size` must be an integer >= 1"),
    ({"batch_size": 17}, ValueError, "at most the 16 examples in `data`, got 17"),
    ({"key": None}, ValueError, "`key` .* is required to draw minibatches"),
    (
        {"data": {"x": jnp.zeros((16, 3)), "y": jnp.zeros(15)}},
        ValueError,
        "one leading example axis",
    ),
]


@pytest.mark.parametrize(("change", "error", "message"), BAD_DATA)
def test_bad_minibatch_arguments_are_named(key, change, error, message) -> None:
    kwargs = {"data": _regression(n=16), "batch_size": 4, "key": key, "sampling": "shuffle"}
    kwargs.update(change)
    with pytest.raises(error, match=message):
        jd.minimize(_least_squares, jnp.zeros(3, jnp.float64), jd.sgd(0.1), steps=3, **kwargs)
