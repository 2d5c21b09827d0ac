"""Test-wide settings: float64 available, strict dtype and rank promotion, warnings are errors."""

import os

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")

import jax
import pytest

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_dtype_promotion", "strict")
jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def key() -> jax.Array:
    """A fixed PRNG key: tests are reproducible."""
    return jax.random.key(0)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests (marked slow, and the example scripts) first: with pytest-xdist the
    workers then finish together instead of one waiting on a long test drawn last."""
    items.sort(
        key=lambda item: not (item.get_closest_marker("slow") or "test_examples" in item.nodeid)
    )
