"""Every example in ``examples/`` runs at its small size and checks its own claims.

Each example is a script (its asserts fail the run) and a jupytext percent-format
notebook (the docs build executes it); both forms are checked here, the run in a
fresh interpreter under JAX's defaults, as a user would start it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.py") if not p.name.startswith("_"))
TIMEOUT_S = 300


def _environment() -> dict[str, str]:
    """The parent's environment, with the checkout importable and no display needed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["MPLBACKEND"] = "Agg"
    env.pop("JAXDESCENT_SMALL", None)  # `--small` alone must be enough
    return env


def test_there_are_examples() -> None:
    assert any(p.name == "walkthrough.py" for p in EXAMPLES), [p.name for p in EXAMPLES]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_a_notebook(path: Path) -> None:
    """jupytext reads it as a percent-format notebook that teaches (markdown) and runs (code)."""
    notebook = jupytext.reads(path.read_text(encoding="utf-8"), fmt="py:percent")
    kinds = {cell.cell_type for cell in notebook.cells}
    assert {"markdown", "code"} <= kinds, f"{path.name} has cells of kinds {sorted(kinds)}"
    assert notebook.cells[0].cell_type == "markdown", f"{path.name} must open with a title cell"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_first_code_a_reader_sees_is_about_the_subject(path: Path) -> None:
    """The command-line plumbing sits in a ``remove-cell`` cell, off the docs page."""
    notebook = jupytext.reads(path.read_text(encoding="utf-8"), fmt="py:percent")
    shown = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and "remove-cell" not in cell.metadata.get("tags", [])
    ]
    assert shown, f"{path.name} shows no code"
    plumbing = [
        w
        for w in ("argparse", "parse_known_args", "_command_line", "--out", "mkdir")
        if w in shown[0].source
    ]
    assert not plumbing, f"{path.name} opens with command-line plumbing: {plumbing}"


@pytest.mark.examples
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs(path: Path, tmp_path: Path) -> None:
    """``python examples/X.py --small --out DIR`` exits 0 (its asserts held) and saves to DIR."""
    out = tmp_path / path.stem
    result = subprocess.run(
        [sys.executable, str(path), "--small", "--out", str(out)],
        cwd=tmp_path,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    tail = (result.stdout + result.stderr)[-4000:]
    assert result.returncode == 0, f"{path.name} exited {result.returncode}:\n{tail}"
    assert sorted(out.glob("*.png")), f"{path.name} wrote no figure to --out {out}"
