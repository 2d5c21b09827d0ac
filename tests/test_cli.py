"""The ``jaxdescent`` command, called as ``main(argv)``: exit codes, messages and files written.

Expected values come from closed forms: on the sphere ``C(w) = |w|^2`` plain
gradient descent multiplies ``w`` by ``1 - 2 alpha`` each step, so the loss
after ``t`` steps is ``|w_0|^2 (1 - 2 alpha)^(2t)``.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxdescent as jd
from jaxdescent import cli, landscapes
from jaxdescent.cli import _commands, main

ROOT = Path(__file__).resolve().parent.parent


def sphere_loss(x0: list[float], lr: np.ndarray | float, steps: np.ndarray | int) -> np.ndarray:
    """``|w_0|^2 (1 - 2 lr)^(2 t)``, in float64."""
    return float(np.sum(np.square(x0))) * (1.0 - 2.0 * np.asarray(lr)) ** (2 * np.asarray(steps))


# --- run ---------------------------------------------------------------------------------------


def test_run_writes_plot_csv_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", "--landscape", "sphere", "--optimizer", "sgd", "--learning-rate", "0.1"]
    argv += ["--x0", "1,-2", "--steps", "10", "--out", str(tmp_path)]
    assert main(argv) == 0
    assert "sgd on sphere: finished" in capsys.readouterr().out
    assert (tmp_path / "run.png").stat().st_size > 0
    with (tmp_path / "trajectory.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 11, "one row per step, and the start"
    assert list(rows[0]) == ["step", "loss", "grad_norm", "w0", "w1"]
    steps = np.array([int(r["step"]) for r in rows])
    loss = np.array([float(r["loss"]) for r in rows])
    np.testing.assert_array_equal(steps, np.arange(11))
    np.testing.assert_allclose(loss, sphere_loss([1.0, -2.0], 0.1, steps), rtol=1e-5)
    w = np.array([[float(r["w0"]), float(r["w1"])] for r in rows])
    np.testing.assert_allclose(w, np.outer(0.8**steps, [1.0, -2.0]), rtol=1e-5)
    # and exactly what `minimize` records, float32 start as the command uses
    direct = jd.minimize(
        landscapes.sphere(2), jnp.array([1.0, -2.0], jnp.float32), jd.sgd(0.1), steps=10
    )
    np.testing.assert_array_equal(loss, np.asarray(direct.loss, np.float64))

    summary = json.loads((tmp_path / "run.json").read_text())
    assert summary["hyperparameters"] == {"learning_rate": 0.1}
    assert summary["x0"] == [1.0, -2.0]
    assert summary["steps"] == 10
    assert not summary["diverged"]
    assert summary["diverged_at"] == -1
    np.testing.assert_allclose(summary["final_loss"], sphere_loss([1.0, -2.0], 0.1, 10), rtol=1e-5)


def test_run_one_dimensional_with_momentum_and_negative_start(tmp_path: Path) -> None:
    """The double well from w0 = 2: momentum 0.9 carries through to the global minimum."""
    argv = ["run", "--landscape", "double_well", "--optimizer", "sgd", "--learning-rate", "0.01"]
    argv += ["--momentum", "0.9", "--x0", "2", "--steps", "300", "--out", str(tmp_path)]
    assert main(argv) == 0
    summary = json.loads((tmp_path / "run.json").read_text())
    assert summary["hyperparameters"] == {"learning_rate": 0.01, "momentum": 0.9}
    global_min = np.sort(np.roots([4.0, 0.0, -6.0, 1.0]).real)[0]  # C'(w) = 4w^3 - 6w + 1
    np.testing.assert_allclose(summary["final_params"], [global_min], atol=1e-3)
    assert (tmp_path / "run.png").exists()
    # a negative start is read as a value, not as a flag
    assert main([*argv[:-6], "--x0", "-1.5", "--steps", "300", "--out", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "run.json").read_text())["x0"] == [-1.5]


# --- sweep -------------------------------------------------------------------------------------


def test_sweep_writes_table_plot_and_result(tmp_path: Path) -> None:
    argv = ["sweep", "--landscape", "sphere", "--optimizer", "sgd", "--learning-rate", "0.1:0.9:9"]
    argv += ["--x0", "1,-2", "--steps", "20", "--out", str(tmp_path)]
    assert main(argv) == 0
    result = jd.SweepResult.load(tmp_path / "sweep.npz")
    assert result.dims == ("learning_rate",)
    lrs = np.linspace(0.1, 0.9, 9)
    np.testing.assert_allclose(result.coords["learning_rate"], lrs, rtol=1e-7)
    expected = sphere_loss([1.0, -2.0], result.coords["learning_rate"].astype(np.float64), 20)
    np.testing.assert_allclose(result.final_loss, expected, rtol=1e-4, atol=1e-30)
    assert not result.diverged.any()
    # the loaded result equals the same sweep called directly, field by field
    direct = jd.sweep(
        landscapes.sphere(2),
        jd.sgd,
        x0=jnp.array([1.0, -2.0], jnp.float32),
        steps=20,
        learning_rate=lrs,
    )
    for field in ("loss", "grad_norm", "steps", "final_loss", "diverged", "diverged_at"):
        np.testing.assert_array_equal(getattr(result, field), getattr(direct, field), field)
    np.testing.assert_array_equal(result.final_params, direct.final_params)
    np.testing.assert_array_equal(result.coords["learning_rate"], direct.coords["learning_rate"])
    # the loaded result equals itself saved again: every field survives the round trip
    again_path = tmp_path / "again.npz"
    result.save(again_path)
    again = jd.SweepResult.load(again_path)
    for field in ("loss", "grad_norm", "steps", "final_loss", "diverged", "final_params"):
        np.testing.assert_array_equal(getattr(again, field), getattr(result, field))
    summary = (tmp_path / "summary.txt").read_text()
    assert summary.startswith("SweepResult: 9 runs over learning_rate (9); 0 diverged")
    assert "best: learning_rate=0.5 final_loss=0" in summary, "alpha = 1/2 lands on 0 in one step"
    assert (tmp_path / "sweep.png").stat().st_size > 0


def test_sweep_over_two_hyperparameters_and_starts(tmp_path: Path) -> None:
    argv = ["sweep", "--landscape", "sphere", "--optimizer", "sgd", "--learning-rate", "0.1,0.4"]
    argv += ["--momentum", "0,0.5", "--nesterov", "true", "--starts", "3", "--steps", "5"]
    argv += ["--out", str(tmp_path)]
    assert main(argv) == 0
    result = jd.SweepResult.load(tmp_path / "sweep.npz")
    assert result.dims == ("learning_rate", "momentum", "start")
    assert result.shape == (2, 2, 3)
    plain = result.sel(momentum=0.0)
    start_loss = np.asarray(plain.loss, np.float64)[..., 0]  # |w0|^2 for each start
    np.testing.assert_allclose(
        plain.final_loss, start_loss * (1.0 - 2.0 * np.array([[0.1], [0.4]])) ** 10, rtol=1e-4
    )
    assert (tmp_path / "sweep.png").exists()


# --- compare, landscapes, help -----------------------------------------------------------------


def test_compare_writes_the_deviation_table(tmp_path: Path) -> None:
    assert (
        main(["compare", "--optimizer", "adadelta", "--steps", "20", "--out", str(tmp_path)]) == 0
    )
    rows = (tmp_path / "compare.md").read_text().splitlines()
    assert rows[0] == "| optimizer | hyperparameters | max relative deviation from optax |"
    assert len(rows) == 3
    name, kwargs, deviation = (cell.strip() for cell in rows[2].strip("|").split("|"))
    assert (name, kwargs) == ("adadelta", "defaults")
    # optax's adadelta with learning_rate=None climbs the gradient (see jd.adadelta)
    assert float(deviation) > 1e-3
    assert (tmp_path / "compare.png").exists()


def test_landscapes_lists_every_landscape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["landscapes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(landscapes.names())
    rosenbrock = next(line for line in lines if line.startswith("rosenbrock "))
    assert "f* = 0 at (1, 1)" in rosenbrock
    well = next(line for line in lines if line.startswith("double_well "))
    assert "dim 1" in well
    assert "1 local minima" in well


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["sweep", "--help"]])
def test_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "usage: jaxdescent" in out
    if argv == ["--help"]:
        assert "examples:" in out
        assert "jaxdescent sweep --landscape rosenbrock" in out
        for command in ("demo", "run", "sweep", "compare", "landscapes"):
            assert command in out
    else:
        assert "--learning-rate" in out
        assert "--landscape" in out


def test_every_help_example_parses() -> None:
    """The examples in ``--help`` are valid command lines (parsed, not run)."""
    text = cli.EXAMPLES.replace("\\\n", " ")
    lines = [line.split() for line in text.splitlines() if line.strip().startswith("jaxdescent ")]
    assert len(lines) >= 5
    for words in lines:
        args, extra = cli.build_parser().parse_known_args(cli._join_negative_values(words[1:]))
        if args.command in ("run", "sweep"):
            _commands.parse_hyperparameters(extra, args.optimizer, sweep=args.command == "sweep")
        else:
            assert extra == [], words


def test_python_dash_m_jaxdescent_help() -> None:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    done = subprocess.run(
        [sys.executable, "-m", "jaxdescent", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "examples:" in done.stdout


# --- bad arguments: exit code 2, one line naming the argument, no traceback --------------------

BAD = {
    "unknown optimizer": (["run", "--optimizer", "adamm"], "--optimizer", "adamm"),
    "unknown landscape": (["run", "--landscape", "moon"], "--landscape", "moon"),
    "unknown hyperparameter": (["run", "--optimizer", "adam", "--beta", "1"], "--beta", "--b1"),
    "bad grid": (["sweep", "--learning-rate", "1:2"], "--learning-rate", "START:STOP:COUNT"),
    "bad grid count": (["sweep", "--learning-rate", "1e-3:1:xlog"], "--learning-rate", "COUNT"),
    "grid in run": (["run", "--learning-rate", "0.1,0.2"], "--learning-rate", "sweep"),
    "wrong x0 length": (["run", "--x0", "1,2,3"], "--x0", "needs 2"),
    "x0 not numbers": (["run", "--x0", "1,b"], "--x0", "'b'"),
    "steps 0": (["run", "--steps", "0"], "--steps", ">= 1"),
    "steps 0 in sweep": (["sweep", "--steps", "0"], "--steps", ">= 1"),
    "steps not a number": (["run", "--steps", "ten"], "--steps", "ten"),
    "starts 0": (["sweep", "--starts", "0"], "--starts", ">= 1"),
    "x0 and starts": (["sweep", "--x0", "1,1", "--starts", "2"], "--x0", "not both"),
    "boolean grid": (["sweep", "--optimizer", "sgd", "--nesterov", "maybe"], "--nesterov", "maybe"),
    "b1 out of range": (["run", "--optimizer", "adam", "--b1", "2"], "b1", "[0.0, 1.0)"),
    "b1 out of range in sweep": (["sweep", "--b1", "0.5,2"], "b1", "[0.0, 1.0)"),
    "missing value": (["run", "--optimizer", "adam", "--b1"], "--b1", "expected a value"),
    "negative learning rate": (["run", "--learning-rate", "-1"], "learning_rate", ">= 0"),
    "dim of a 2-D landscape": (["run", "--landscape", "beale", "--dim", "3"], "--dim", "beale"),
    "unknown command": (["descend"], "command", "descend"),
    "compare unknown optimizer": (["compare", "--optimizer", "nope"], "--optimizer", "nope"),
    "demo extra argument": (["demo", "--fast"], "--fast", "unrecognized"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_argument(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv, argument, detail = BAD[case]
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out)] if argv[0] != "descend" else argv) == 2
    captured = capsys.readouterr()
    message = captured.err.rstrip("\n")
    assert "\n" not in message, f"more than one line:\n{message}"
    assert message.startswith("jaxdescent"), message
    assert "error:" in message, message
    assert argument in message, message
    assert detail in message, message
    assert "Traceback" not in captured.err + captured.out
    assert not (out / "run.json").exists()
    assert not (out / "sweep.npz").exists()


# --- demo --------------------------------------------------------------------------------------


def test_demo_small_writes_the_report_and_every_figure(tmp_path: Path) -> None:
    start = time.perf_counter()
    # optax 0.2.8's own adam computes `b1 ** count` (float ** int32), which strict promotion
    # (tests/conftest.py) rejects; users run under JAX's default promotion.
    with jax.numpy_dtype_promotion("standard"):
        assert main(["demo", "--small", "--out", str(tmp_path)]) == 0
    seconds = time.perf_counter() - start
    report = (tmp_path / "report.md").read_text()
    named = re.findall(r"[\w-]+\.png", report)
    assert len(named) >= 6, named
    for name in named:
        assert (tmp_path / name).stat().st_size > 0, name
    assert sorted(p.name for p in tmp_path.glob("*.png")) == sorted(set(named))
    # the report's claims are computed: the double well's global minimum is where C' = 0
    global_min = np.sort(np.roots([4.0, 0.0, -6.0, 1.0]).real)[0]
    assert f"reaches w = {global_min:.4f}" in report
    assert seconds < 120, f"demo --small took {seconds:.0f} s"
