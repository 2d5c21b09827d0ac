"""What the commands write: the output folder (checked before any compute), strict JSON, CSV."""

from __future__ import annotations

import csv
import json
import math
import pathlib
import tempfile
from typing import Any

import numpy as np


class UsageError(Exception):
    """A bad command-line argument or path: reported on one line with exit code 2."""


def prepare_output(path: str, flag: str = "--out") -> pathlib.Path:
    """The folder ``path``, created, and checked to take a file, before anything is computed."""
    folder = pathlib.Path(path)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"argument {flag}: {path!r} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise UsageError(f"argument {flag}: cannot write to {path!r} ({error.strerror})") from None
    return folder


def json_ready(value: Any, path: str = "", non_finite: list[str] | None = None) -> Any:
    """``value`` with NumPy numbers as Python ones and each non-finite float as ``None``
    (its path appended to ``non_finite``)."""
    if isinstance(value, dict):
        return {k: json_ready(v, f"{path}.{k}".lstrip("."), non_finite) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [json_ready(v, f"{path}[{i}]", non_finite) for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        if non_finite is not None:
            non_finite.append(path)
        return None
    return value


def write_json(path: pathlib.Path, record: dict[str, Any]) -> None:
    """``record`` as strict JSON: non-finite numbers are ``null``, listed under ``non_finite``."""
    non_finite: list[str] = []
    ready = json_ready(record, "", non_finite)
    ready["non_finite"] = non_finite
    path.write_text(json.dumps(ready, indent=2, allow_nan=False) + "\n")


def point_text(x: Any) -> str:
    """``(-1.2, -0.2)``: a point as the user would type it (six significant digits)."""
    return "(" + ", ".join(f"{float(v):.6g}" for v in np.asarray(x).ravel()) + ")"


def write_trajectory_csv(path: pathlib.Path, run: Any) -> None:
    params = np.asarray(run.params)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", "loss", "grad_norm", *[f"w{i}" for i in range(params.shape[1])]])
        for step, loss, norm, w in zip(run.steps, run.loss, run.grad_norm, params, strict=True):
            writer.writerow([int(step), float(loss), float(norm), *map(float, w)])


def figure_of(drawn: Any) -> Any:
    """The Figure behind whatever a plot function returned."""
    for candidate in (drawn, getattr(drawn, "figure", None), getattr(drawn, "fig", None)):
        if candidate is not None and hasattr(candidate, "savefig"):
            return candidate
    if isinstance(drawn, tuple | list):
        for item in drawn:
            figure = getattr(item, "figure", None)
            if figure is not None and hasattr(figure, "savefig"):
                return figure
    raise TypeError(f"cannot find the figure of {drawn!r}")
