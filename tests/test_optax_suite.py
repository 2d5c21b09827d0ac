"""optax's own alias test suite, run with optax's optimizers replaced by jaxdescent's.

The installed ``optax/_src/alias_test.py`` (not a copy) runs in a fresh pytest
process with this module loaded as a plugin (``-p tests.test_optax_suite``). For
each test, every name that both ``optax._src.alias`` (where the suite looks its
optimizers up: ``getattr(alias, opt_name)``, ``alias.sgd``, ``alias.lbfgs``) and
``jaxdescent.optimizers.__all__`` define is replaced by jaxdescent's, computed at
run time, and restored after the test.

:data:`UNREPLACED` would list the (test, optimizer) pairs that keep optax's optimizer,
each with its reason; it is empty: every test runs on ours. The suite takes about
4.5 minutes of one core, hence ``slow``.

To iterate on one optimizer::

    python -m pytest -p no:cacheprovider -c /dev/null -p tests.test_optax_suite \\
        --optax-only=adam .../optax/_src/alias_test.py
"""

from __future__ import annotations

import contextlib
import functools
import pathlib
import re
import subprocess
import sys
import warnings
from collections.abc import Collection, Iterator
from typing import Any

import pytest
from optax._src import alias

import jaxdescent.optimizers

#: (test method, optax's ``opt_name``) -> why optax's optimizer is kept for that test. Empty:
#: with optax 0.2.8 every test of the suite passes on jaxdescent's optimizers, including
#: those that follow the paper where optax does not (lars, adan, rprop, adadelta,
#: polyak_sgd; see tests/references.py), whose convergence tests pass all the same.
UNREPLACED: dict[tuple[str, str], str] = {}

#: The message optax 0.2.8's ``optimistic_adam`` warns with, which the suite's ``_get_opt``
#: requires. jaxdescent does not deprecate ``optimistic_adam``; its stand-in here emits
#: optax's warning and then builds jaxdescent's optimizer, so the algorithm is tested.
OPTIMISTIC_ADAM_WARNING = (
    "`optimistic_adam` is deprecated, please use `optimistic_adam_v2` instead."
)

_PARAMS = re.compile(r"opt_name='(\w+)'")
_METHOD = re.compile(r"^(test_\w+?)\d*$")


def _suite_path() -> pathlib.Path:
    return pathlib.Path(alias.__file__).parent / "alias_test.py"


def replaced_names() -> list[str]:
    """The names both optax's alias module and ``jaxdescent.optimizers.__all__`` define."""
    return [n for n in jaxdescent.optimizers.__all__ if hasattr(alias, n)]


def _ours(name: str) -> Any:
    """jaxdescent's optimizer ``name`` as the suite should find it in optax's alias module."""
    ours = getattr(jaxdescent.optimizers, name)
    if name != "optimistic_adam":
        return ours

    @functools.wraps(ours)
    def warning(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(OPTIMISTIC_ADAM_WARNING, DeprecationWarning, stacklevel=2)
        return ours(*args, **kwargs)

    return warning


def _opt_name(item: Any) -> str | None:
    """optax's ``opt_name`` of a parametrized alias test (``sgd_mom`` is ``sgd``)."""
    found = _PARAMS.search(getattr(item.obj, "__x_params_repr__", ""))
    if found is None:
        return None
    return "sgd" if found.group(1) == "sgd_mom" else found.group(1)


def _kept(item: Any) -> set[str]:
    """The names that keep optax's optimizer during ``item``."""
    method = _METHOD.match(item.name)
    name = _opt_name(item)
    key = (method.group(1) if method else item.name, name)
    return {name} if key in UNREPLACED else set()


def pytest_addoption(parser: Any) -> None:
    """``--optax-only=NAME``: run only the parametrized tests of optax's ``opt_name`` NAME."""
    parser.addoption("--optax-only", default=None, help="run only this opt_name's tests")


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Keep only ``--optax-only``'s tests when it is given."""
    only = config.getoption("--optax-only")
    if only is not None:
        items[:] = [item for item in items if _opt_name(item) == only]


@contextlib.contextmanager
def jaxdescent_in_alias(kept: Collection[str] = ()) -> Iterator[list[str]]:
    """Within: optax's alias module holds jaxdescent's optimizers (all but ``kept``), whose
    names it yields; after: optax's own again."""
    names = [n for n in replaced_names() if n not in kept]
    originals = {n: getattr(alias, n) for n in names}
    for n in names:
        setattr(alias, n, _ours(n))
    try:
        yield names
    finally:
        for n, fn in originals.items():
            setattr(alias, n, fn)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: Any) -> Iterator[None]:
    """Run ``item`` with jaxdescent's optimizers in optax's alias module."""
    with jaxdescent_in_alias(_kept(item)):
        yield


def run_suite(*args: str) -> subprocess.CompletedProcess[str]:
    """optax's alias tests in a fresh process with this plugin; ``args`` go to pytest."""
    root = pathlib.Path(__file__).parent.parent
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", "/dev/null"]
    command += ["-p", "tests.test_optax_suite", "-n", "0", str(_suite_path()), *args]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)


def test_replaced_names_are_computed_from_the_registry():
    names = replaced_names()
    assert "adam" in names
    assert set(names) <= set(jaxdescent.optimizers.__all__)
    assert all(hasattr(alias, n) for n in names)


def test_alias_module_holds_ours_only_within_the_patch():
    theirs = alias.adam
    with jaxdescent_in_alias(kept={"sgd"}) as names:
        assert alias.adam is jaxdescent.optimizers.adam
        assert alias.sgd is not jaxdescent.optimizers.sgd
        assert "sgd" not in names
        with pytest.warns(DeprecationWarning, match="optimistic_adam_v2"):
            alias.optimistic_adam(0.1)
    assert alias.adam is theirs


@pytest.mark.slow
def test_optax_alias_suite_passes_with_jaxdescent_optimizers():
    result = run_suite()
    summary = result.stdout.strip().splitlines()[-1:] or [result.stderr[-2000:]]
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "passed" in summary[0]
