"""The one entry point for everything the project runs: `nox -s <session>`."""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = None  # the interpreter nox runs under
HOST_DEVICES = {"XLA_FLAGS": "--xla_force_host_platform_device_count=4"}


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite (with 4 host CPU devices, so sharding is exercised). The example
    scripts run in `nox -s examples` and in the docs build."""
    session.install("-e", ".[test,data]")
    default = ["-q", "-n", "auto", "-m", "not examples"]
    session.run("pytest", *(session.posargs or default), env=HOST_DEVICES)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff format check and ruff lint."""
    session.install("ruff>=0.6")
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """pyright on the package."""
    session.install("-e", ".[lint]")
    session.run("pyright", "jaxdescent")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The main job: a tour of gradient descent on built-in defaults."""
    session.install("-e", ".")
    session.run("jaxdescent", "demo", *session.posargs)


@nox.session(python=PYTHON)
def examples(session: nox.Session) -> None:
    """Run every example script at small sizes (they check their own claims)."""
    session.install("-e", ".[test,data]")
    session.run("pytest", "-q", "-n", "auto", "tests/test_examples.py", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation offline, warnings as errors, then check the built pages."""
    session.install("-e", ".[docs,data]")
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html")
    session.run("pytest", "-q", "tests/test_docs_html.py", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Speed benchmarks, as ratios against baselines measured in the same run."""
    session.install("-e", ".")
    cores = {"XLA_FLAGS": f"--xla_force_host_platform_device_count={os.cpu_count() or 1}"}
    session.run("python", "-m", "benchmarks", *session.posargs, env=cores)
