"""Progress of multi-chunk sweeps (a tqdm bar) and what Ctrl-C in a ``save_to`` sweep says."""

from __future__ import annotations

import io
import re
import sys
import types
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

import jaxdescent as jd
from jaxdescent import _execute, _progress
from jaxdescent._progress import Progress


def test_bar_draws_only_when_asked_and_multi_chunk() -> None:
    stream = io.StringIO()
    bar = Progress(4, enabled=None, stream=stream)  # a StringIO is not a terminal
    bar.advance()
    bar.close()
    assert stream.getvalue() == ""
    assert not Progress(1, enabled=True, stream=stream).enabled
    bar = Progress(4, enabled=True, stream=stream)
    bar.advance(2)
    bar.close()
    drawn = stream.getvalue()
    assert "sweep" in drawn
    assert "2/4" in drawn
    assert "chunk/s" in drawn or "s/chunk" in drawn, drawn  # the rate
    assert re.search(r"<\d\d:\d\d", drawn), drawn  # the time left


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_default_is_on_in_a_terminal_or_a_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _progress.shown_by_default(_Terminal())
    assert not _progress.shown_by_default(io.StringIO())
    shell = type("ZMQInteractiveShell", (), {})()
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert _progress.shown_by_default(io.StringIO())
    fake.get_ipython = lambda: None  # type: ignore[attr-defined]  # a terminal IPython
    assert not _progress.shown_by_default(io.StringIO())


def sphere(w):
    return jnp.sum(w**2)


def _sweep(save_to: Path, **kw) -> jd.SweepResult:
    return jd.sweep(
        sphere,
        jd.sgd,
        x0=jnp.array([1.0, -2.0], jnp.float32),
        steps=5,
        chunk_size=2,
        save_to=save_to,
        learning_rate=np.array([0.1, 0.2, 0.3, 0.4, 0.45]),
        **kw,
    )


def test_interrupt_says_what_is_saved_and_a_rerun_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the second of three chunks computes: one chunk is on disk."""
    compute, calls = _execute._compute, []

    def interrupted(*args, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return compute(*args, **kw)

    monkeypatch.setattr(_execute, "_compute", interrupted)
    with pytest.raises(jd.SweepInterrupted) as caught:
        _sweep(tmp_path / "saved")
    assert isinstance(caught.value, KeyboardInterrupt)
    assert str(caught.value) == (
        f"1 of 3 chunks saved in {tmp_path / 'saved'}; rerun the same call to resume"
    )
    monkeypatch.setattr(_execute, "_compute", compute)
    resumed = _sweep(tmp_path / "saved")
    whole = _sweep(tmp_path / "whole")
    np.testing.assert_array_equal(resumed.final_loss, whole.final_loss)
    np.testing.assert_array_equal(resumed.loss, whole.loss)
    np.testing.assert_allclose(
        whole.final_loss, 5.0 * (1 - 2 * resumed.coords["learning_rate"]) ** 10, rtol=1e-5
    )


def test_interrupt_without_save_to_stays_a_plain_keyboard_interrupt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupted(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(_execute, "_compute", interrupted)
    with pytest.raises(KeyboardInterrupt) as caught:
        jd.sweep(sphere, jd.sgd, x0=jnp.ones(2), steps=2, chunk_size=1, learning_rate=[0.1, 0.2])
    assert type(caught.value) is KeyboardInterrupt
