"""``import jaxdescent`` leaves matplotlib alone until a plot is asked for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


def test_import_does_not_import_matplotlib_and_plot_loads_on_use() -> None:
    done = _python(
        "import sys, jaxdescent as jd\n"
        "assert 'matplotlib' not in sys.modules, 'imported at import'\n"
        "assert 'jaxdescent.plot' not in sys.modules\n"
        "assert 'plot' in dir(jd) and 'plot' in jd.__all__\n"
        "heatmap = jd.plot.heatmap\n"
        "assert 'matplotlib' in sys.modules\n"
        "from jaxdescent import plot\n"
        "assert plot.heatmap is heatmap and plot is sys.modules['jaxdescent.plot']\n"
        "try:\n"
        "    jd.no_such_name\n"
        "except AttributeError as error:\n"
        "    assert 'no_such_name' in str(error)\n"
        "else:\n"
        "    raise SystemExit('no AttributeError')\n"
    )
    assert done.returncode == 0, done.stderr


def test_from_jaxdescent_import_plot_in_a_fresh_process() -> None:
    done = _python("from jaxdescent import plot; print(plot.trajectories.__name__)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "trajectories"
