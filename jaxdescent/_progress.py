"""A one-line progress bar for sweeps that run in several chunks."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Counts finished chunks on one line of ``stream`` (standard error by default).

    Drawn only when ``enabled`` (default: when ``stream`` is a terminal) and
    there is more than one chunk, so logs and captured output stay clean.
    """

    def __init__(
        self, total: int, enabled: bool | None = None, stream: TextIO | None = None
    ) -> None:
        self.total = total
        self.stream = sys.stderr if stream is None else stream
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled and total > 1
        self.done = 0
        self.start = time.perf_counter()

    def advance(self, n: int = 1) -> None:
        """Mark ``n`` more chunks finished and redraw."""
        self.done += n
        if self.enabled:
            self.stream.write("\r" + self.line())
            self.stream.flush()

    def line(self, width: int = 30) -> str:
        """``sweep [#####.....]  3/8 chunks  1.2 s``."""
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (width - filled)
        elapsed = time.perf_counter() - self.start
        return f"sweep [{bar}] {self.done}/{self.total} chunks {elapsed:.1f} s"

    def close(self) -> None:
        """End the line."""
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
