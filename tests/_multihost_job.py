"""One of two processes of a multi-host sweep (CPU, 127.0.0.1), started by test_multihost.py.

``python -c "import tests._multihost_job as j; j.main(process_id, port, out)"`` with
``XLA_FLAGS=--xla_force_host_platform_device_count=2``: two processes of two devices each.
"""

from __future__ import annotations

import jax

from jaxdescent import _execute
from tests import _resume_job


def main(process_id: int, port: int, directory: str) -> None:
    """Join the two-process cluster, sweep (each computes its share), save the gathered result."""
    jax.distributed.initialize(f"127.0.0.1:{port}", num_processes=2, process_id=process_id)
    assert jax.process_count() == 2
    assert jax.device_count() == 4
    kernel, runs = _execute.kernel, []

    def spy(*args, **kw):
        out = kernel(*args, **kw)
        loss = out["final_loss"]
        if not isinstance(loss, jax.core.Tracer):
            runs.append(loss.shape[0])
        return out

    _execute.kernel = spy
    _resume_job.run().save(f"{directory}/{process_id}.npz")
    print(f"runs per call on this process: {runs}", flush=True)
    jax.distributed.shutdown()
