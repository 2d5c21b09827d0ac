"""A multi-chunk sweep with ``save_to``, which test_resume.py kills after its first chunk.

Run in a subprocess as ``python -c "import tests._resume_job as j; j.main(directory)"`` so
that the objective has the same qualified name there and in the test process.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import jaxdescent as jd  # noqa: E402
from jaxdescent import _execute  # noqa: E402


def rosenbrock(w: jax.Array) -> jax.Array:
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def run(save_to=None, devices=None, chunk_size: int = 4) -> jd.SweepResult:
    """3 learning rates x 4 starts = 12 runs, in 3 chunks of 4 by default."""
    starts = jnp.array([[-1.2, 1.0], [0.5, 0.5], [1.5, 1.5], [0.0, 2.0]], jnp.float64)
    return jd.sweep(
        rosenbrock,
        jd.adam,
        starts=starts,
        steps=20,
        chunk_size=chunk_size,
        save_to=save_to,
        devices=devices,
        learning_rate=np.array([1e-3, 1e-2, 1e-1]),
    )


def main(directory: str) -> None:
    """The sweep, with every chunk after the first held in flight long enough to be killed."""
    compute = _execute._compute
    calls = []

    def slow(*args, **kw):
        calls.append(1)
        if len(calls) > 1:
            time.sleep(120)
        return compute(*args, **kw)

    _execute._compute = slow
    run(directory)


def paced(directory: str, seconds: float) -> None:
    """The sweep in 12 chunks of one run, each held ``seconds`` before it is computed, so
    that a kill at a random moment may land in any chunk, or while one is written."""
    compute = _execute._compute

    def slow(*args, **kw):
        time.sleep(seconds)
        return compute(*args, **kw)

    _execute._compute = slow
    run(directory, chunk_size=1)
