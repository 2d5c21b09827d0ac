"""Two processes on 127.0.0.1 (``jax.distributed``) each hold the whole, single-process sweep."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

from jaxdescent import SweepResult
from tests import _resume_job

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_processes_gather_the_single_process_result(tmp_path) -> None:
    port = _free_port()
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"import tests._multihost_job as j; j.main({i}, {port}, {str(tmp_path)!r})",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for i in range(2)
    ]
    for child in children:
        output, _ = child.communicate(timeout=120)
        assert child.returncode == 0, output.decode()[-3000:]
        # Each process ran only its half of every chunk of four (three chunks).
        assert "runs per call on this process: [2, 2, 2]" in output.decode()
    # one process, four devices, the same chunks of four: one run per device, as there
    single = _resume_job.run(devices=jax.devices())
    for i in range(2):
        gathered = SweepResult.load(tmp_path / f"{i}.npz")
        assert gathered.dims == single.dims
        for field in ("loss", "grad_norm", "final_params", "final_loss", "diverged_at"):
            np.testing.assert_array_equal(getattr(gathered, field), getattr(single, field))
