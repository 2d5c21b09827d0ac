"""Memory a result will take, estimated and refused before anything is allocated."""

from __future__ import annotations

import math
import os
from typing import Any

import jax
import numpy as np


def physical_memory() -> int:
    """Bytes of memory of this machine."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def device_memory() -> int:
    """Bytes of memory of the default device (the machine's, for a CPU)."""
    stats = jax.devices()[0].memory_stats() or {}
    return stats.get("bytes_limit") or physical_memory()


def in_bytes(n: float) -> str:
    """``n`` bytes, readably: ``'1.5 GiB'``."""
    n = float(n) if n < 2**1000 else math.inf
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # unreachable


def result_bytes(runs: int, records: int, record_bytes: int, final_bytes: int) -> int:
    """Memory of the result of ``runs`` descents: each has ``records`` records of
    ``record_bytes`` and a final state of ``final_bytes``."""
    return runs * (records * record_bytes + final_bytes)


def check_fits(need: int, what: str, remedy: str, available: int | None = None) -> None:
    """Refuse, before allocating, what needs more than the machine's memory."""
    available = physical_memory() if available is None else available
    if need > available:
        raise ValueError(
            f"{what} would need about {in_bytes(need)}, more than this machine's "
            f"{in_bytes(available)} of memory; {remedy}"
        )


def check_records_fit(config: Any, x0: Any, runs: int = 1) -> None:
    """Refuse ``runs`` descents (a ``DescentConfig``) whose records (loss, gradient norm,
    parameters) and final state would not fit in memory: :func:`result_bytes` with 64
    bytes per run for its final loss, flags and indices; ``aux`` and evaluations not counted."""
    leaves = jax.tree_util.tree_leaves(x0)
    params = sum(math.prod(np.shape(x)) * np.dtype(x.dtype).itemsize for x in leaves)
    number = np.dtype(jax.dtypes.canonicalize_dtype(np.float64)).itemsize
    record = number * (1 + config.record_grad_norm) + params * config.record_params
    records = config.records()
    many = f"{runs} runs x " if runs > 1 else ""
    check_fits(
        result_bytes(runs, records, record, params + 64),
        f"recording {many}{records} records (`steps`={config.steps}, `record_every`="
        f"{config.record_every}) of {record} bytes",
        "record less often (`record_every`, None for the final state only) or not the "
        "parameters (`record_params=False`)"
        + (
            ", or sweep fewer configurations: the whole result is kept, so `chunk_size` and "
            "`memory_budget` do not help"
            if runs > 1
            else ""
        ),
    )
