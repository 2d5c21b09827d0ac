"""JAX's persistent compilation cache, switched on explicitly (never on import).

A compiled sweep is written to disk, so a second process running the same
sweep (a rerun of a script, a second CLI call) loads the executable instead of
compiling it again.
"""

from __future__ import annotations

import os
import pathlib

import jax
from jax.experimental.compilation_cache import compilation_cache


def default_cache_directory() -> pathlib.Path:
    """``$XDG_CACHE_HOME/jaxdescent/xla``, i.e. ``~/.cache/jaxdescent/xla`` by default."""
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "jaxdescent" / "xla"


def enable_compilation_cache(directory: str | os.PathLike[str] | None = None) -> pathlib.Path:
    """Turn on JAX's persistent compilation cache for this process.

    Every compiled program, however small or quick to compile, is written to
    ``directory`` and read back by later processes that compile the same
    program with the same JAX version, backend and flags (thresholds on compile
    time and entry size are set to zero, so small kernels are cached too).
    Calling it again with another directory switches to that directory.

    Args:
      directory: where to keep the cache; created if missing. Default:
        ``$XDG_CACHE_HOME/jaxdescent/xla``, i.e. ``~/.cache/jaxdescent/xla``.

    Returns:
      The cache directory, as an absolute path.

    Raises:
      TypeError: if ``directory`` is not a path.
      ValueError: if ``directory`` exists and is not a directory.

    Warning:
      JAX trusts its cache: do not point it at a directory others can write to.

    Example:
      >>> import tempfile, jaxdescent as jd
      >>> path = jd.enable_compilation_cache(tempfile.mkdtemp())
      >>> path.is_dir()
      True
      >>> jd.disable_compilation_cache()
    """
    path = _as_directory(directory)
    path.mkdir(parents=True, exist_ok=True)
    if jax.config.jax_compilation_cache_dir != str(path):
        compilation_cache.reset_cache()  # a cache already opened elsewhere is dropped
    jax.config.update("jax_enable_compilation_cache", True)
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    return path


def disable_compilation_cache() -> None:
    """Stop reading and writing the persistent cache (JAX's defaults come back)."""
    compilation_cache.reset_cache()
    jax.config.update("jax_compilation_cache_dir", None)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


def _as_directory(directory: str | os.PathLike[str] | None) -> pathlib.Path:
    if directory is None:
        return default_cache_directory().resolve()
    if not isinstance(directory, str | os.PathLike):
        raise TypeError(
            f"`directory` must be a path (str or os.PathLike) or None, got {directory!r}"
        )
    path = pathlib.Path(directory).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ValueError(f"`directory` must be a directory, but {str(path)!r} is a file")
    return path
