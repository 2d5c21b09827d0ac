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


def _kill_when(directory: Path, chunks: int, extra: float) -> int:
    """Start the paced sweep, SIGKILL it ``extra`` seconds after ``chunks`` chunks are saved
    (after start-up for 0); return how many chunks are saved after the kill."""
    code = f"import tests._resume_job as j; j.paced({str(directory)!r}, 0.2)"
    child = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    try:
        while len(list(directory.glob("chunk_*.npz"))) < chunks:
            if child.poll() is not None:
                raise AssertionError(f"the sweep process ended early: {child.stderr.read()!r}")
            assert time.monotonic() < deadline, f"{chunks} chunks not saved within 120 s"
            time.sleep(0.01)
        time.sleep(extra)
    finally:
        child.kill()
        child.wait()
        child.stderr.close()
    return len(list(directory.glob("chunk_*.npz")))


@pytest.mark.slow
def test_kills_at_random_moments_lose_nothing_and_resume_bit_identical(tmp_path) -> None:
    """SIGKILL again and again on one directory, at seeded random moments: during start-up
    and compilation, then within a chunk or its write. No kill loses a saved chunk, and
    the sweep finally resumed equals one run without interruption."""
    directory = tmp_path / "sweep"
    rng = np.random.default_rng(2026)
    saved = [_kill_when(directory, 0, rng.uniform(0.2, 3.0))]
    for target in (1, 3, 5, 8, 10):
        saved.append(_kill_when(directory, max(target, saved[-1]), rng.uniform(0.0, 0.25)))
    assert saved == sorted(saved), saved  # a kill never loses a saved chunk
    assert saved[-1] < 12, saved  # the last kill landed before the end
    resumed = _resume_job.run(directory, chunk_size=1)
    uninterrupted = _resume_job.run(chunk_size=1)
    for field in ("loss", "grad_norm", "final_params", "final_loss", "diverged_at"):
        np.testing.assert_array_equal(getattr(resumed, field), getattr(uninterrupted, field))
    assert len(list(directory.glob("chunk_*.npz"))) == 12


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
