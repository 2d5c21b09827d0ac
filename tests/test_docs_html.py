"""The built documentation site, read as a reader sees it (``nox -s docs`` runs these).

A full build executes every example notebook, too slow for the test suite, so these
checks read the site ``nox -s docs`` (or ``sphinx-build ... docs docs/_build/html``)
left in ``docs/_build/html`` and are skipped when there is none:

- every public name has a rendered entry: an anchor on a signature, with the
  parameters, returns and example its docstring has, and a line in the index;
- no page shows a directive or a role as text (reST that nothing parsed);
- every example page shows each figure it draws;
- no page prints a path of the machine that built it;
- no page loads a script from another site (the maths renderer is bundled).
"""

from __future__ import annotations

import inspect
import re
import types
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.test_docs import public_names

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "docs" / "_build" / "html"

pytestmark = [
    pytest.mark.docs,
    pytest.mark.skipif(
        not (SITE / "index.html").exists(), reason=f"no built site in {SITE}: run `nox -s docs`"
    ),
]

bs4 = pytest.importorskip("bs4", reason="the HTML checks need beautifulsoup4 (the docs extra)")

# Generated folders that are not pages a reader opens from the table of contents.
SKIPPED = {"_static", "_sources", "_modules", "_images", ".doctrees"}
RAW_DIRECTIVE = re.compile(r"(?m)^\s*\.\. [\w:-]+::")
RAW_ROLE = re.compile(
    r"(?:^|\s):(?:py:)?(?:func|class|meth|attr|mod|exc|data|obj|param|returns?|raises|rtype|type"
    r"|ivar|vartype|doc|ref)[: ]\S*`?"
    r"|\{(?:func|class|meth|attr|mod|exc|doc|ref|eval-rst|autofunction|autoclass)\}"
)
MACHINE_PATH = re.compile(r"/tmp/|/var/folders/|\\AppData\\Local\\Temp\\|/private/var/")
SECTION = re.compile(r"^\s*(Args|Returns|Yields|Example|Examples):\s*$", re.MULTILINE)


def pages() -> list[Path]:
    """Every HTML page a reader can reach, generated indices included."""
    return sorted(
        p
        for p in SITE.rglob("*.html")
        if not SKIPPED & set(p.relative_to(SITE).parts[:-1]) and p.name != "search.html"
    )


@cache
def soup(page: Path) -> Any:
    return bs4.BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")


def reader_text(page: Path) -> str:
    """The page's words, outside code blocks, scripts and styles."""
    tree = bs4.BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for hidden in tree.find_all(["script", "style", "pre", "head"]):
        hidden.decompose()
    return tree.get_text("\n")


@cache
def entries() -> dict[str, Any]:
    """Every rendered API entry: the anchor id of its signature -> the ``<dt>``."""
    found = {}
    for page in pages():
        for dt in soup(page).select("dt.sig-object[id]"):
            found[dt["id"]] = dt
    for page in pages():
        for target in soup(page).select("[id^='module-']"):
            found[target["id"].removeprefix("module-")] = target
    return found


def anchor_for(path: str, obj: Any) -> str | None:
    """The anchor that documents ``obj``: its own path, or another public path to it."""
    if path in entries():
        return path
    if isinstance(obj, types.ModuleType):
        return obj.__name__ if obj.__name__ in entries() else None
    return next((p for p, o in public_names() if o is obj and p in entries()), None)


NAMES = public_names()
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.py") if not p.name.startswith("_"))


@pytest.mark.parametrize(("path", "obj"), NAMES, ids=[path for path, _ in NAMES])
def test_public_name_has_a_rendered_entry(path: str, obj: Any) -> None:
    anchor = anchor_for(path, obj)
    assert anchor, f"{path}: no element with id {path!r} on any page of {SITE}"
    if isinstance(obj, types.ModuleType):
        return
    dt = entries()[anchor]
    assert dt.select_one(".sig-name"), f"{path}: the entry has no signature"
    body = dt.find_next_sibling("dd")
    assert body is not None, f"{path}: the signature has no body"
    assert body.get_text(strip=True), f"{path}: the entry is empty"
    sections = set(SECTION.findall(inspect.getdoc(obj) or ""))
    fields = {f.get_text(strip=True).rstrip(":") for f in body.select("dl.field-list > dt")}
    if "Args" in sections:
        assert "Parameters" in fields, f"{path}: Args not rendered as parameters ({fields})"
    if "Returns" in sections or "Yields" in sections:
        assert fields & {"Returns", "Yields"}, f"{path}: Returns not rendered ({fields})"
    if sections & {"Example", "Examples"}:
        rubrics = {r.get_text(strip=True) for r in body.select("p.rubric")}
        assert rubrics & {"Example", "Examples"}, f"{path}: no Example heading ({rubrics})"
        assert ">>>" in body.get_text(), f"{path}: the example has no code"


def test_the_index_links_every_entry() -> None:
    links = {a["href"].partition("#")[2] for a in soup(SITE / "genindex.html").select("a[href]")}
    missing = sorted(p for p, o in NAMES if (a := anchor_for(p, o)) and a not in links)
    missing = [p for p in missing if not isinstance(dict(NAMES)[p], types.ModuleType)]
    assert not missing, f"genindex.html does not list {missing}"


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(SITE)))
def test_no_raw_markup(page: Path) -> None:
    text = reader_text(page)
    raw = RAW_DIRECTIVE.findall(text) + RAW_ROLE.findall(text)
    assert not raw, f"{page.name} shows unparsed markup as text: {raw[:5]}"


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(SITE)))
def test_no_machine_paths(page: Path) -> None:
    text = soup(page).get_text("\n")
    leaked = MACHINE_PATH.findall(text) + ([str(ROOT)] if str(ROOT) in text else [])
    assert not leaked, f"{page.name} prints a path of the build machine: {leaked}"


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(SITE)))
def test_no_remote_scripts(page: Path) -> None:
    remote = [s["src"] for s in soup(page).select("script[src]") if "://" in s["src"]]
    assert not remote, f"{page.name} loads scripts from elsewhere: {remote}"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_page_shows_its_figures(example: Path) -> None:
    """One image in the cell outputs per figure the example saves (``save(fig, name)``)."""
    page = SITE / "examples" / f"{example.stem}.html"
    assert page.exists(), f"{example.name} has no page in {SITE / 'examples'}"
    drawn = len(re.findall(r"(?m)^\s*save\(", example.read_text(encoding="utf-8")))
    shown = len(soup(page).select(".cell_output img"))
    assert drawn >= 1, f"{example.name} saves no figure"
    assert shown == drawn, f"{page.name} shows {shown} of the {drawn} figures it draws"


def test_maths_is_bundled() -> None:
    assert (SITE / "_static" / "mathjax" / "tex-chtml.js").exists(), "MathJax is not bundled"
