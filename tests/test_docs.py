"""Every public name has a docstring and a place in the API reference (docs/api/*.md).

Public names: ``jaxdescent.__all__`` and the ``__all__`` of every public submodule
(``jaxdescent.landscapes``, ``jaxdescent.plot``, ``jaxdescent.datasets``, ...). A name
has its place when an autodoc directive in an ``{eval-rst}`` block (``.. autofunction::
adam`` after ``.. currentmodule:: jaxdescent``, ``.. autoclass::``, ...) documents it,
or a ``.. py:module::`` directive for a module, under this path or under another public
path to the same object. The docs build itself (``nox -s docs``, then
``tests/test_docs_html.py`` on the built site) checks that each entry renders; it is too
slow for the test suite.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import types
from pathlib import Path
from typing import Any

import pytest

import jaxdescent

API_PAGES = Path(__file__).resolve().parent.parent / "docs" / "api"
DIRECTIVE = re.compile(
    r"^\.\. (currentmodule|py:module|auto(?:function|class|data|attribute|exception|module))::"
    r"\s+([\w.]+)",
    re.MULTILINE,
)


def public_modules() -> list[types.ModuleType]:
    """``jaxdescent`` and each submodule without a leading underscore that has ``__all__``."""
    modules = [jaxdescent]
    for info in pkgutil.walk_packages(jaxdescent.__path__, "jaxdescent."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        if hasattr(module, "__all__"):
            modules.append(module)
    return modules


def public_names() -> list[tuple[str, Any]]:
    """``("jaxdescent.landscapes.sphere", <function>)`` for every public name."""
    return [
        (f"{module.__name__}.{name}", getattr(module, name))
        for module in public_modules()
        for name in module.__all__
    ]


def page_targets(text: str) -> set[str]:
    """The dotted paths one page documents: its modules and, after each
    ``currentmodule``, the names its autodoc directives take relative to it."""
    targets, module = set(), ""
    for directive, name in DIRECTIVE.findall(text):
        if directive == "currentmodule":
            module = name
        elif directive in ("py:module", "automodule"):
            module = name
            targets.add(name)
        else:
            targets.add(
                f"{module}.{name}" if module and not name.startswith(module + ".") else name
            )
    return targets


def documented_targets() -> set[str]:
    """The dotted paths the API pages hand to autodoc directives."""
    return {
        target
        for page in sorted(API_PAGES.glob("*.md"))
        for target in page_targets(page.read_text(encoding="utf-8"))
    }


def resolve(path: str) -> Any:
    """The object at a dotted path (the longest importable module, then attributes)."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
        return obj
    return None


def has_own_docstring(obj: Any) -> bool:
    """A written docstring: not missing, and not the one dataclasses/NamedTuple generate."""
    doc = obj.__doc__ if isinstance(obj, types.ModuleType) else inspect.getdoc(obj)
    if not doc or not doc.strip():
        return False
    generated = f"{getattr(obj, '__name__', '')}("
    return not (inspect.isclass(obj) and doc.startswith(generated))


NAMES = public_names()


def test_api_pages_exist() -> None:
    assert documented_targets(), f"no autodoc directives found in {API_PAGES}"


@pytest.mark.parametrize(("path", "obj"), NAMES, ids=[path for path, _ in NAMES])
def test_public_name_has_docstring(path: str, obj: Any) -> None:
    assert has_own_docstring(obj), f"{path} has no docstring of its own"


@pytest.mark.parametrize(("path", "obj"), NAMES, ids=[path for path, _ in NAMES])
def test_public_name_is_in_api_reference(path: str, obj: Any) -> None:
    targets = documented_targets()
    if isinstance(obj, types.ModuleType):
        found = any(t == obj.__name__ or t.startswith(obj.__name__ + ".") for t in targets)
    else:
        found = path in targets or any(resolve(t) is obj for t in targets)
    assert found, f"{path} appears in no autodoc directive of {API_PAGES}/*.md"


def test_api_pages_document_only_public_names() -> None:
    """No directive points at a private or vanished object."""
    public = {id(obj) for _, obj in NAMES}
    stray = sorted(t for t in documented_targets() if id(resolve(t)) not in public)
    assert not stray, f"API pages document names that are not public: {stray}"
