"""``jaxdescent sweep --save-to`` held after its first chunk, for test_cli.py to send Ctrl-C.

Run as ``python -c "import tests._interrupt_job as j; j.main(argv)"``: every chunk after
the first waits in Python (where SIGINT lands at once) before it computes.
"""

from __future__ import annotations

import signal
import sys
import time

from jaxdescent import _execute
from jaxdescent.cli import main as cli_main


def main(argv: list[str]) -> None:
    # SIGINT raises KeyboardInterrupt even where the parent process ignores it
    signal.signal(signal.SIGINT, signal.default_int_handler)
    compute, calls = _execute._compute, []

    def held(*args, **kw):
        calls.append(1)
        if len(calls) > 1:
            time.sleep(120)
        return compute(*args, **kw)

    _execute._compute = held
    sys.exit(cli_main(argv))
