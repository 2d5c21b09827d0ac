"""``python -m benchmarks [--quick] [--out FILE] [--only NAME]``: the benchmarks, one report."""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import pathlib
import pkgutil
import platform
import sys
import time


def modules() -> list[str]:
    """Every ``benchmarks/bench_*.py``, in name order."""
    import benchmarks

    found = pkgutil.iter_modules(benchmarks.__path__, "benchmarks.")
    return sorted(m.name for m in found if m.name.split(".")[-1].startswith("bench_"))


def header(argv: list[str]) -> str:
    import jax

    devices = jax.devices()
    return "\n".join(
        [
            "# jaxdescent benchmarks",
            "",
            f"- command: `{' '.join(['python -m benchmarks', *argv])}`",
            f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
            f"- JAX {jax.__version__}, {len(devices)} x {devices[0].device_kind} "
            f"({jax.default_backend()}), Python {platform.python_version()}",
            "- times in seconds; steady = median of repeats after the first call (sweep and (b) "
            "timed in turns, repeated until 0.5 s has passed), "
            "compile = first call - steady; JAX compile = tracing + lowering + XLA compilation "
            "as JAX reports it (jax.monitoring) during the first call; sweep/(b) < 1 and "
            "(a)/sweep > 1 favour the sweep",
            "- sweep's time includes its argument checks; both end when every run has finished "
            "and its outputs are on the device (a one-chunk sweep returns jax.Arrays left "
            "there); the 'loss read to NumPy' column adds the copy of every step's loss to both",
            "- (a) is timed on 3 configurations and extrapolated linearly to N "
            "(its jitted step compiles once; each configuration costs T dispatches)",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    from benchmarks._common import markdown_table

    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small subset (~2 minutes)")
    parser.add_argument("--out", type=pathlib.Path, help="also write the report (.md or .json)")
    parser.add_argument("--only", help="run only the modules bench_<ONLY>*, e.g. --only sweep")
    options = parser.parse_args(argv)

    start = time.perf_counter()
    sections = []
    chosen = [m for m in modules() if m.startswith(f"benchmarks.bench_{options.only or ''}")]
    if not chosen:
        parser.error(f"no benchmark module matches --only {options.only!r}; have {modules()}")
    for name in chosen:
        sections += importlib.import_module(name).run(options.quick)
    report = header(argv)
    for title, rows in sections:
        report += f"\n## {title}\n\n{markdown_table(rows)}\n"
    report += f"\n(total {time.perf_counter() - start:.0f} s)\n"
    print(report)
    if options.out is not None:
        if options.out.suffix == ".json":
            options.out.write_text(json.dumps(dict(sections), indent=2, default=str))
        else:
            options.out.write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
