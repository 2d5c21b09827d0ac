"""Sphinx configuration: builds offline, warnings are errors, example notebooks execute.

The examples live in ``examples/`` as jupytext percent-format ``.py`` files. Sphinx
only reads sources inside ``docs/``, so each build copies them into ``docs/examples/``
(a generated folder, ignored by git) and myst-nb reads them through jupytext and
executes them. ``JAXDESCENT_SMALL=1`` (inherited by the notebook kernels) makes the
examples run at their small sizes, as ``--small`` does on the command line. The
examples' shared helper modules (``examples/_*.py``) are copied beside them, where the
kernels (started in that folder) import them, and are not pages.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
EXAMPLES = ROOT / "examples"
GENERATED = DOCS / "examples"

# The package is importable by autodoc and by the notebook kernels (which inherit the
# environment) even without an editable install.
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
os.environ["JAXDESCENT_SMALL"] = "1"


def _copy_examples() -> None:
    """Mirror ``examples/*.py``, helpers included, into ``docs/examples/`` (changed files only)."""
    GENERATED.mkdir(exist_ok=True)
    sources = {p.name: p for p in EXAMPLES.glob("*.py")}
    for stale in GENERATED.glob("*.py"):
        if stale.name not in sources:
            stale.unlink()
    for name, source in sources.items():
        target = GENERATED / name
        if not target.exists() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)


_copy_examples()

project = "jaxdescent"
author = "the jaxdescent authors"
copyright = "2026, the jaxdescent authors"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    # MathJax 3, shipped in the package and copied into _static/mathjax when a build
    # succeeds; it also sets mathjax_path, so pages load no script from a CDN.
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
]

# Every cross-reference must resolve: `-W` alone lets a dead {func} link through.
nitpicky = True
# Except the types of other libraries in signatures and attribute types: the build is
# offline, so there are no intersphinx inventories to link them to. Every jaxdescent
# name must still resolve.
nitpick_ignore_regex = [
    ("py:class", r"(collections\.abc|os|pathlib|typing|numpy|jax|jaxlib|optax|matplotlib)\..+"),
]
# Private names that docstrings point at and the API does not document. To be removed
# when those docstrings (sweep in _sweep.py, SweepResult.load in _results.py) stop
# naming them.
nitpick_ignore = [
    ("py:mod", "jaxdescent._execute"),
    ("py:exc", "CorruptFileError"),
]

# `examples/_*.py` are the examples' helper modules, imported by them, not pages.
exclude_patterns = [
    "_build",
    "conf.py",
    "examples/_*.py",
    "Thumbs.db",
    ".DS_Store",
    "**.ipynb_checkpoints",
]

# MyST: $...$ maths, ::: fences, and heading anchors for cross-page links.
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

# myst-nb: the examples are notebooks in jupytext's percent format; execute them
# (cached between builds). A failing cell (a failed assert included) is reported as a
# warning, so `-W` fails the build and `--keep-going` still lists every failure.
nb_custom_formats = {".py": ["jupytext.reads", {"fmt": "py:percent"}]}
nb_execution_mode = "cache"
nb_execution_cache_path = str(DOCS / "_build" / ".jupyter_cache")
nb_execution_raise_on_error = False
nb_execution_show_tb = True
nb_execution_timeout = 300
nb_merge_streams = True

# The API pages are MyST files whose entries sit in {eval-rst} blocks: MyST does not
# parse the reST that autodoc emits inside a MyST directive, so ```{autofunction}``` would
# print `.. py:function::` as text. autosummary draws each page's table; it writes no
# stub pages (every entry is written out by hand in docs/api/*.md).
autosummary_generate = False

# autodoc: Google-style docstrings, signatures as written, members in source order.
autodoc_member_order = "bysource"
autodoc_typehints = "description"
# Types only for what the docstring describes: a class's fields are its Attributes,
# not a second, undescribed list of constructor parameters.
autodoc_typehints_description_target = "documented"
autodoc_default_options = {"exclude-members": "__init__, __new__"}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
# Attributes as one compact field list (name, type, description), like Args.
napoleon_use_ivar = True

html_theme = "sphinx_book_theme"
html_title = "jaxdescent"
html_theme_options = {
    "repository_url": "",
    "use_repository_button": False,
    "show_toc_level": 2,
}
# Nothing is fetched at build time (no intersphinx, no remote images), nor when a page is
# read: the maths renderer is bundled (see extensions).
suppress_warnings: list[str] = []
