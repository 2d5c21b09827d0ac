"""`save_to`: a sweep killed (SIGKILL) mid-way resumes from its saved chunks, losing nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from jaxdescent import _execute
from tests import _resume_job

ROOT = Path(__file__).resolve().parents[1]


def _kill_after_first_chunk(directory: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", f"import tests._resume_job as j; j.main({str(directory)!r})"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    try:
        while not (directory / "chunk_000000.npz").exists():
            if child.poll() is not None:
                raise AssertionError(f"the sweep process ended early: {child.stderr.read()!r}")
            if time.monotonic() > deadline:
                raise AssertionError("no chunk was saved within 120 s")
            time.sleep(0.05)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_a_killed_sweep_resumes_from_its_saved_chunks(tmp_path, monkeypatch) -> None:
    directory = tmp_path / "sweep"
    _kill_after_first_chunk(directory)
    saved = sorted(p.name for p in directory.glob("chunk_*.npz"))
    assert saved == ["chunk_000000.npz"]  # the chunk in flight was lost, nothing else
    first_written = (directory / "chunk_000000.npz").stat().st_mtime_ns

    computed = []
    compute = _execute._compute
    monkeypatch.setattr(
        _execute, "_compute", lambda *a, **k: computed.append(1) or compute(*a, **k)
    )
    resumed = _resume_job.run(directory)
    assert len(computed) == 2  # chunks 1 and 2; chunk 0 was read back
    assert (directory / "chunk_000000.npz").stat().st_mtime_ns == first_written
    assert len(list(directory.glob("chunk_*.npz"))) == 3

    monkeypatch.setattr(_execute, "_compute", compute)
    uninterrupted = _resume_job.run()
    for field in ("loss", "grad_norm", "final_params", "final_loss", "diverged_at"):
        np.testing.assert_array_equal(getattr(resumed, field), getattr(uninterrupted, field))
    np.testing.assert_array_equal(resumed.coords["learning_rate"], [1e-3, 1e-2, 1e-1])


def test_a_directory_holding_another_sweep_is_refused(tmp_path) -> None:
    _resume_job.run(tmp_path)
    with pytest.raises(ValueError, match="holds a different sweep"):
        _resume_job.jd.sweep(
            _resume_job.rosenbrock,
            _resume_job.jd.adam,
            x0=np.array([0.0, 0.0]),
            steps=20,
            chunk_size=4,
            save_to=tmp_path,
            learning_rate=np.array([1e-3]),
        )
