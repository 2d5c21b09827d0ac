"""Progress of a sweep that runs in several chunks: a ``tqdm`` bar, and what an interrupt says."""

from __future__ import annotations

import sys
from typing import Any, TextIO


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a ``save_to`` sweep; the message says how much is saved and how to resume.

    A :class:`KeyboardInterrupt`, so code that stops on Ctrl-C still stops.
    """


def interrupted_message(saved: int, total: int, directory: str) -> str:
    """``"3 of 8 chunks saved in DIR; rerun the same call to resume"``."""
    return f"{saved} of {total} chunks saved in {directory}; rerun the same call to resume"


def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (IPython's ZMQ shell), without importing IPython."""
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    shell = get() if callable(get) else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def shown_by_default(stream: TextIO) -> bool:
    """Draw a bar when ``stream`` is a terminal or this is a notebook (logs stay clean)."""
    return bool(getattr(stream, "isatty", lambda: False)()) or in_notebook()


class Progress:
    """Finished chunks as a ``tqdm.auto`` bar on ``stream`` (standard error by default):
    count, rate and time left; a widget in a notebook.

    Drawn only when ``enabled`` (default: :func:`shown_by_default`) and there is more
    than one chunk.
    """

    def __init__(
        self, total: int, enabled: bool | None = None, stream: TextIO | None = None
    ) -> None:
        self.total = total
        self.stream = sys.stderr if stream is None else stream
        if enabled is None:
            enabled = shown_by_default(self.stream)
        self.enabled = bool(enabled) and total > 1
        self.bar: Any = None
        if self.enabled:
            from tqdm.auto import tqdm  # imported when a bar is drawn

            self.bar = tqdm(
                total=total, desc="sweep", unit="chunk", file=self.stream, dynamic_ncols=True
            )

    @property
    def done(self) -> int:
        return 0 if self.bar is None else int(self.bar.n)

    def advance(self, n: int = 1) -> None:
        """Mark ``n`` more chunks finished and redraw."""
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        """End the bar (its last state stays on screen)."""
        if self.bar is not None:
            self.bar.close()
