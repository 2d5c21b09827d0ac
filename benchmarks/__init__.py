"""Speed benchmarks of jaxdescent, run as ``python -m benchmarks [--quick] [--out FILE]``.

Each ``bench_*`` module has ``run(quick) -> [(title, rows)]``; ``__main__`` runs
them all in one process and prints one markdown report. ``gpu.py`` is a
separate, time-boxed script for one accelerator.
"""
