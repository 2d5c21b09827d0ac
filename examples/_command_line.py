"""The command line every example shares: ``--small``, ``--out DIR`` and ``save(fig, name)``.

Each example opens with a ``remove-cell`` cell (off its docs page) that calls
:func:`parse_command_line`. The example's own folder is on ``sys.path`` when it runs
as a script (``python examples/basins.py``) or as a notebook opened there, and the docs
build copies this file next to the example notebooks it executes (``docs/conf.py``),
which is why it is imported as a top-level module. The leading underscore keeps it out
of the examples the tests run and the docs render.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 80


class CommandLine(NamedTuple):
    """What an example reads from its command line; unpack it as ``SMALL, OUT, save``.

    Attributes:
        small: run at the small sizes (for the tests and the docs).
        out: the folder the figures are written to (created), or None to write none.
        save: ``save(fig, name)`` writes ``fig`` to ``out/name.png`` when ``out`` is
            given and returns ``fig``, so a notebook cell ending in it shows the figure.
    """

    small: bool
    out: Path | None
    save: Callable[[Figure, str], Figure]


def parse_command_line(description: str, argv: Sequence[str] | None = None) -> CommandLine:
    """Read ``--small`` and ``--out DIR``, create ``DIR``, and build ``save``.

    ``--small`` or the environment variable ``JAXDESCENT_SMALL=1`` (which the docs build
    sets, as a notebook kernel takes no arguments) picks the small sizes. Arguments
    other than these two are ignored: a notebook kernel is started with its own.

    Args:
        description: the example's one-line summary, shown by ``--help``.
        argv: the arguments to read; ``sys.argv[1:]`` when None.

    Returns:
        The example's :class:`CommandLine`.

    Example:
        >>> small, out, save = parse_command_line("A demo.", argv=["--small"])
        >>> small, out
        (True, None)
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--small", action="store_true", help="small sizes (for tests and docs)")
    parser.add_argument("--out", type=Path, default=None, help="folder to save the figures in")
    cli, _ = parser.parse_known_args(argv)
    if cli.out is not None:
        cli.out.mkdir(parents=True, exist_ok=True)
    small = cli.small or os.environ.get("JAXDESCENT_SMALL") == "1"
    return CommandLine(small=small, out=cli.out, save=_saver(cli.out))


def _saver(out: Path | None) -> Callable[[Figure, str], Figure]:
    """``save(fig, name)``: write ``fig`` to ``out/name.png`` (when ``out`` is given), return it."""

    def save(fig: Figure, name: str) -> Figure:
        if out is not None:
            fig.savefig(out / f"{name}.png", dpi=DPI)
        return fig

    return save
