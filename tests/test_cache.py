"""The persistent compilation cache: explicit, configurable, and read back by a second process."""

import json
import pathlib
import subprocess
import sys
from typing import Any

import jax
import pytest

import jaxdescent as jd
from jaxdescent._cache import default_cache_directory

# A second process compiles the same small program and reports JAX's cache events.
SCRIPT = """
import json, sys
import jax, jax.numpy as jnp
import jaxdescent as jd

before = jax.config.jax_compilation_cache_dir  # importing jaxdescent turned nothing on
events = []
jax.monitoring.register_event_listener(lambda name, **kw: events.append(name))
jd.enable_compilation_cache(sys.argv[1])
jax.jit(lambda x: jnp.sin(x) * 3.0 + x**2)(jnp.arange(5.0)).block_until_ready()
print(json.dumps({
    "before": before,
    "hits": events.count("/jax/compilation_cache/cache_hits"),
    "requests": events.count("/jax/compilation_cache/compile_requests_use_cache"),
}))
"""


@pytest.fixture
def restore_cache_config():
    names = [
        "jax_compilation_cache_dir",
        "jax_persistent_cache_min_compile_time_secs",
        "jax_persistent_cache_min_entry_size_bytes",
    ]
    saved = {name: getattr(jax.config, name) for name in names}
    yield
    jd.disable_compilation_cache()
    for name, value in saved.items():
        jax.config.update(name, value)


def _run_script(directory: pathlib.Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(directory)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_enable_sets_directory_and_thresholds(tmp_path, restore_cache_config):
    path = jd.enable_compilation_cache(tmp_path / "xla")
    assert path == (tmp_path / "xla").resolve()
    assert path.is_dir()
    assert jax.config.jax_compilation_cache_dir == str(path)
    assert jax.config.jax_persistent_cache_min_compile_time_secs == 0.0
    assert jax.config.jax_persistent_cache_min_entry_size_bytes == -1


def test_default_directory_is_user_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_directory() == tmp_path / "jaxdescent" / "xla"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_directory() == pathlib.Path.home() / ".cache" / "jaxdescent" / "xla"


def test_second_process_reads_the_cache(tmp_path):
    first = _run_script(tmp_path)
    assert first["before"] is None, "importing jaxdescent must not enable the cache"
    assert first["requests"] >= 1
    assert first["hits"] == 0
    assert any(tmp_path.iterdir()), "the first process wrote nothing to the cache"
    second = _run_script(tmp_path)
    assert second["hits"] >= 1
    assert second["hits"] == second["requests"]


def test_rejects_a_file(tmp_path):
    file = tmp_path / "f"
    file.write_text("x")
    with pytest.raises(ValueError, match="`directory` must be a directory"):
        jd.enable_compilation_cache(file)


def test_rejects_a_non_path():
    with pytest.raises(TypeError, match="`directory` must be a path"):
        jd.enable_compilation_cache(3)
