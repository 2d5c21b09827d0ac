"""Sharding the configuration axis over the (4 forced host) devices changes no result."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
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
    devices = _sharding.config_devices(1000)
    assert devices == jax.devices()
    assert _sharding.config_devices(3) == jax.devices()[:3]  # no padding for a small sweep
    mesh = _sharding.config_mesh(devices)
    assert mesh.axis_names == ("configs",)
    assert mesh.devices.size == 4
    assert _sharding.split_configs(mesh).spec == PartitionSpec("configs")
    assert _sharding.granularity(devices) == 4
    assert _sharding.round_up(5, 4) == 8


def test_sharded_equals_one_device(monkeypatch) -> None:
    seen = []
    kernel = _sweep._kernel

    def spy(*args, **kw):
        out = kernel(*args, **kw)
        if not isinstance(out["loss"], jax.core.Tracer):
            seen.append(out["loss"].sharding)
        return out

    monkeypatch.setattr(_sweep, "_kernel", spy)
    sharded = _sweep_16()
    assert len(seen) == 1
    assert len(seen[0].device_set) == 4  # 16 runs: 4 on each device
    monkeypatch.setattr(_sharding, "config_devices", lambda n: jax.devices()[:1])
    # Four runs per call on one device: the same per-device program, so equal bit for bit.
    unsharded = _sweep_16(chunk_size=4)
    assert len(seen) == 5
    assert all(s.device_set == {jax.devices()[0]} for s in seen[1:])
    for field in FIELDS:
        np.testing.assert_array_equal(getattr(sharded, field), getattr(unsharded, field))
