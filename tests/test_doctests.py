"""Every docstring example in the package runs, under JAX's default settings (float32)."""

import doctest
import importlib
import inspect
import pkgutil

import jax
import pytest

import jaxdescent


def _modules() -> list[str]:
    names = ["jaxdescent"]
    for info in pkgutil.walk_packages(jaxdescent.__path__, "jaxdescent."):
        names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    with jax.enable_x64(False), jax.numpy_dtype_promotion("standard"):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
    written = inspect.getsource(module).count(">>> ")
    assert (result.attempted > 0) == (written > 0), (
        f"{name} has {written} example line(s) but doctest ran {result.attempted}: examples "
        "in docstrings it cannot reach (e.g. a function re-exported from another module)"
    )
