"""Sharding the configuration axis over the (4 forced host) devices changes no result."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import PartitionSpec

import jaxdescent as jd
from jaxdescent import _sharding, _sweep

FIELDS = ("loss", "grad_norm", "final_params", "final_loss", "diverged_at")


def rosenbrock(w: jax.Array) -> jax.Array:
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def _sweep_16(**kw):
    starts = jnp.array([[-1.2, 1.0], [0.5, 0.5], [1.5, 1.5], [0.0, 2.0]], jnp.float32)
    lrs = np.geomspace(1e-3, 1e-1, 4)
    return jd.sweep(rosenbrock, jd.adam, starts=starts, steps=10, learning_rate=lrs, **kw)


def test_the_mesh_spans_every_device_on_one_axis() -> None:
    assert jax.device_count() == 4  # set by conftest.py
    big = _sharding.SPLIT_WORTH
    devices = _sharding.config_devices(1000, big)
    assert devices == jax.devices()
    assert _sharding.config_devices(3, big) == jax.devices()[:3]  # no padding for a small sweep
    mesh = _sharding.config_mesh(devices)
    assert mesh.axis_names == ("configs",)
    assert mesh.devices.size == 4
    split = _sharding.placement(devices, PartitionSpec(_sharding.AXIS))
    assert split.spec == PartitionSpec("configs")
    assert split.mesh == mesh
    assert _sharding.placement(devices[:1], PartitionSpec("configs")) is None  # jit places it
    assert _sharding.granularity(devices) == 4
    assert _sharding.round_up(5, 4) == 8


def test_a_sweep_too_small_to_gain_runs_on_one_device_unless_told() -> None:
    small = _sharding.SPLIT_WORTH - 1
    assert _sharding.config_devices(1000, small) == jax.devices()[:1]
    chosen = jax.devices()[1:3]
    assert _sharding.config_devices(1000, small, chosen) == chosen


def test_devices_must_be_jax_devices() -> None:
    with pytest.raises(TypeError, match="`devices` must be a non-empty sequence of jax devices"):
        _sweep_16(devices=["cpu:0"])
    with pytest.raises(TypeError, match="`devices`"):
        _sweep_16(devices=[])


def _spy_on_the_kernel(monkeypatch) -> list:
    """The sharding of every loss the kernel returns (outside tracing)."""
    seen = []
    kernel = _sweep._kernel

    def spy(*args, **kw):
        out = kernel(*args, **kw)
        loss = out["final_loss"]
        if not isinstance(loss, jax.core.Tracer):
            seen.append(loss.sharding)
        return out

    monkeypatch.setattr(_sweep, "_kernel", spy)
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
    steps = _sharding.SPLIT_WORTH // (16 * 2)  # 16 runs x steps x 2 parameters = SPLIT_WORTH
    jd.sweep(rosenbrock, jd.sgd, x0=jnp.array([-1.2, 1.0]), steps=steps, learning_rate=lrs)
    assert [len(s.device_set) for s in seen] == [1, 4]


def test_what_every_run_reads_is_placed_on_every_device_once() -> None:
    devices = jax.devices()
    tree = (np.array([1.0, 2.0, 3.0], np.float32), {"b1": np.float32(0.9)}, None)
    first = _sharding.replicate(tree, devices)
    again = _sharding.replicate((tree[0].copy(), {"b1": np.float32(0.9)}, None), devices)
    assert first[0] is again[0]
    assert first[1]["b1"] is again[1]["b1"]
    assert first[0].sharding.is_fully_replicated
    assert first[0].sharding.device_set == set(devices)
    np.testing.assert_array_equal(first[0], tree[0])
    other = _sharding.replicate((np.array([1.0, 2.0, 4.0], np.float32),), devices)
    np.testing.assert_array_equal(other[0], [1.0, 2.0, 4.0])
    assert _sharding.replicate(tree, devices[:1]) is tree  # jit places host arrays itself there
