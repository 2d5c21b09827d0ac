"""Sharding the configuration axis over the (4 forced host) devices changes no result."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxdescent as jd
from jaxdescent import _execute

FIELDS = ("loss", "grad_norm", "final_params", "final_loss", "diverged_at")


def rosenbrock(w: jax.Array) -> jax.Array:
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def _sweep_16(**kw):
    starts = jnp.array([[-1.2, 1.0], [0.5, 0.5], [1.5, 1.5], [0.0, 2.0]], jnp.float32)
    lrs = np.geomspace(1e-3, 1e-1, 4)
    return jd.sweep(rosenbrock, jd.adam, starts=starts, steps=10, learning_rate=lrs, **kw)


def test_devices_are_every_local_device_or_one_for_a_small_sweep() -> None:
    assert jax.device_count() == 4  # set by conftest.py
    big = _execute.SPLIT_WORTH
    assert _execute.choose_devices(1000, big) == jax.devices()
    assert _execute.choose_devices(3, big) == jax.devices()[:3]  # no padding for a small sweep
    assert _execute.choose_devices(1000, big - 1) == jax.devices()[:1]
    chosen = jax.devices()[1:3]
    assert _execute.choose_devices(1000, big - 1, chosen) == chosen
    assert _execute.round_up(5, 4) == 8


def test_devices_must_be_jax_devices() -> None:
    with pytest.raises(TypeError, match="`devices` must be a non-empty sequence of jax devices"):
        _sweep_16(devices=["cpu:0"])
    with pytest.raises(TypeError, match="`devices`"):
        _sweep_16(devices=[])


def _spy_on_the_kernel(monkeypatch) -> list:
    """The sharding of every final loss the kernel returns."""
    seen = []
    kernel = _execute.kernel

    def spy(*args, **kw):
        out = kernel(*args, **kw)
        seen.append(out["final_loss"].sharding)
        return out

    monkeypatch.setattr(_execute, "kernel", spy)
    return seen


def test_sharded_equals_one_device(monkeypatch) -> None:
    seen = _spy_on_the_kernel(monkeypatch)
    sharded = _sweep_16(devices=jax.devices())
    assert len(seen) == 1
    assert len(seen[0].device_set) == 4  # 16 runs: 4 on each device
    # Four runs per call on one device: the same per-device program, so equal bit for bit.
    unsharded = _sweep_16(chunk_size=4, devices=jax.devices()[:1])
    assert len(seen) == 5
    assert all(s.device_set == {jax.devices()[0]} for s in seen[1:])
    for field in FIELDS:
        np.testing.assert_array_equal(getattr(sharded, field), getattr(unsharded, field))


def test_by_default_a_small_sweep_stays_on_one_device_and_a_large_one_splits(monkeypatch) -> None:
    seen = _spy_on_the_kernel(monkeypatch)
    _sweep_16()  # 16 runs x 10 steps x 2 parameters: far below SPLIT_WORTH
    lrs = np.geomspace(1e-3, 1e-1, 16)
    steps = _execute.SPLIT_WORTH // (16 * 2)  # 16 runs x steps x 2 parameters = SPLIT_WORTH
    jd.sweep(rosenbrock, jd.sgd, x0=jnp.array([-1.2, 1.0]), steps=steps, learning_rate=lrs)
    assert [len(s.device_set) for s in seen] == [1, 4]
