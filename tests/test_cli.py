"""The ``jaxdescent`` command, called as ``main(argv)``: exit codes, messages and files written.

Expected values come from closed forms: on the sphere ``C(w) = |w|^2`` plain
gradient descent multiplies ``w`` by ``1 - 2 alpha`` each step, so the loss
after ``t`` steps is ``|w_0|^2 (1 - 2 alpha)^(2t)``.
"""

from __future__ import annotations

import csv
import inspect
import json
import os
import re
import signal
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
from jaxdescent.cli import _commands, _flags, _output, main

ROOT = Path(__file__).resolve().parent.parent


def sphere_loss(x0: list[float], lr: np.ndarray | float, steps: np.ndarray | int) -> np.ndarray:
    """``|w_0|^2 (1 - 2 lr)^(2 t)``, in float64."""
    return float(np.sum(np.square(x0))) * (1.0 - 2.0 * np.asarray(lr)) ** (2 * np.asarray(steps))


@pytest.fixture
def standard_promotion():
    """optax 0.2.8's own adam computes ``b1 ** count`` (float ** int32), which strict
    promotion (tests/conftest.py) rejects; users run under JAX's default promotion."""
    with jax.numpy_dtype_promotion("standard"):
        yield


# --- run ---------------------------------------------------------------------------------------


def test_run_writes_plot_csv_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", "--landscape", "sphere", "--optimizer", "sgd", "--learning-rate", "0.1"]
    argv += ["--x0", "1,-2", "--steps", "10", "--out", str(tmp_path)]
    assert main(argv) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "sgd (learning_rate=0.1) on sphere from x0 = (1, -2), 10 steps, float32"
    assert printed[1].startswith("finished: loss 5 -> ")
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
    assert summary["dtype"] == "float32"
    assert summary["non_finite"] == []
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


def test_sweep_of_one_learning_rate(tmp_path: Path) -> None:
    argv = ["sweep", "--landscape", "sphere", "--optimizer", "sgd", "--learning-rate", "0.1"]
    assert main([*argv, "--x0", "1,-2", "--steps", "10", "--out", str(tmp_path)]) == 0
    result = jd.SweepResult.load(tmp_path / "sweep.npz")
    assert result.dims == ()
    np.testing.assert_allclose(result.final_loss, sphere_loss([1.0, -2.0], 0.1, 10), rtol=1e-5)


def test_sweep_warns_when_the_best_value_is_at_a_grid_edge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the sphere the best rate is 1/2: a grid below it is best at its top."""
    argv = ["sweep", "--landscape", "sphere", "--optimizer", "sgd", "--x0", "1,-2"]
    assert (
        main([*argv, "--learning-rate", "0.01:0.3:4", "--steps", "5", "--out", str(tmp_path)]) == 0
    )
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (
        "jaxdescent sweep: warning: the best learning_rate, 0.3, is the largest in its grid "
        "(0.01 to 0.3); the best value may lie beyond it: widen the grid"
    )
    assert (
        main([*argv, "--learning-rate", "0.1:0.9:9", "--steps", "5", "--out", str(tmp_path)]) == 0
    )
    assert capsys.readouterr().err == "", "0.5 is inside the grid"
    # every rate reaches 0 in float32 within 2000 steps: a tie is no edge, and the plot
    # of losses that are all 0 is drawn on a linear axis
    argv += ["--learning-rate", "0.3:0.5:3", "--steps", "2000", "--out", str(tmp_path / "tie")]
    assert main(argv) == 0
    assert capsys.readouterr().err == ""
    np.testing.assert_array_equal(jd.SweepResult.load(tmp_path / "tie" / "sweep.npz").final_loss, 0)
    assert (tmp_path / "tie" / "sweep.png").stat().st_size > 0


def test_sweep_where_every_run_diverges_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["sweep", "--landscape", "sphere", "--optimizer", "sgd", "--learning-rate", "2,3,4"]
    assert main([*argv, "--steps", "50", "--out", str(tmp_path)]) == 2
    message = capsys.readouterr().err.rstrip("\n")
    assert "\n" not in message
    assert message.startswith("jaxdescent sweep: error: all 3 runs diverged"), message
    assert "smaller learning rates" in message
    assert jd.SweepResult.load(tmp_path / "sweep.npz").diverged.all()
    assert not (tmp_path / "sweep.png").exists()


def _cli_process(args: list[str], **kw) -> subprocess.Popen:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def test_ctrl_c_in_a_saved_sweep_says_what_is_saved_and_exits_130(tmp_path: Path) -> None:
    """SIGINT once the first of four chunks is on disk; the same command then resumes to
    the result of an uninterrupted sweep."""
    saved = tmp_path / "saved"
    argv = ["sweep", "--landscape", "sphere", "--optimizer", "sgd", "--x0", "1,-2", "--x64"]
    argv += ["--learning-rate", "0.05:0.45:8", "--steps", "20", "--chunk-size", "2"]
    held = [*argv, "--save-to", str(saved), "--out", str(tmp_path / "a")]
    child = _cli_process(["-c", f"import tests._interrupt_job as j; j.main({held!r})"])
    deadline = time.monotonic() + 120
    while not (saved / "chunk_000000.npz").exists():
        assert child.poll() is None, child.stderr.read() if child.stderr else ""
        assert time.monotonic() < deadline, "no chunk saved within 120 s"
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 130, err
    assert err.splitlines() == [
        f"jaxdescent sweep: 1 of 4 chunks saved in {saved}; rerun the same call to resume"
    ]
    assert sorted(p.name for p in saved.glob("chunk_*.npz")) == ["chunk_000000.npz"]
    first = (saved / "chunk_000000.npz").stat().st_mtime_ns

    rerun = _cli_process(
        ["-m", "jaxdescent", *argv, "--save-to", str(saved), "--out", str(tmp_path / "b")]
    )
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert (saved / "chunk_000000.npz").stat().st_mtime_ns == first, "read back, not recomputed"
    assert len(list(saved.glob("chunk_*.npz"))) == 4
    assert main([*argv, "--out", str(tmp_path / "c")]) == 0
    resumed = jd.SweepResult.load(tmp_path / "b" / "sweep.npz")
    whole = jd.SweepResult.load(tmp_path / "c" / "sweep.npz")
    for field in ("loss", "grad_norm", "final_loss", "final_params", "diverged"):
        np.testing.assert_array_equal(getattr(resumed, field), getattr(whole, field), field)
    lrs = whole.coords["learning_rate"]
    np.testing.assert_allclose(whole.final_loss, sphere_loss([1.0, -2.0], lrs, 20), rtol=1e-10)


# --- compare, landscapes, help -----------------------------------------------------------------


@pytest.mark.usefixtures("standard_promotion")
def test_compare_names_the_problem_and_marks_each_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """adam agrees to rounding; adadelta differs by design (optax's default climbs); the
    problem is printed and both files say the same."""
    argv = ["compare", "--optimizer", "adadelta", "--landscape", "sphere", "--x0", "1,-2"]
    assert main([*argv, "--steps", "20", "--out", str(tmp_path / "a")]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == (
        "comparing with optax 0.2.8 on sphere (dim 2) from x0 = (1, -2), 20 steps, float32"
    )
    rows = (tmp_path / "a" / "compare.md").read_text().splitlines()
    assert rows[0] == "sphere from x0 = (1, -2), 20 steps, float32"
    cells = [cell.strip() for cell in rows[-1].strip("|").split("|")]
    assert cells[0] == "adadelta"
    assert cells[1] == "defaults"
    assert cells[4] == "by design"
    assert "learning_rate=None climbs" in cells[5]
    record = json.loads((tmp_path / "a" / "compare.json").read_text())
    assert (record["landscape"], record["x0"], record["steps"]) == ("sphere", [1.0, -2.0], 20)
    (row,) = record["rows"]
    assert row["verdict"] == "by design"
    # optax's adadelta climbs while ours descends: far beyond rounding
    assert row["max_deviation"] > 100 * row["tolerance"]
    assert "0 rounding, 1 by design, 0 differs" in printed

    argv = ["compare", "--optimizer", "adam", "--landscape", "quadratic", "--dim", "5"]
    assert main([*argv, "--learning-rate", "0.05", "--b1", "0.5", "--out", str(tmp_path)]) == 0
    assert "on quadratic (dim 5) from x0 = (-0.6, -0.6, -0.6, -0.6, -0.6)" in (
        capsys.readouterr().out
    )
    record = json.loads((tmp_path / "compare.json").read_text())
    (row,) = record["rows"]
    assert row["hyperparameters"] == {"learning_rate": 0.05, "b1": 0.5}
    assert row["verdict"] == "rounding"
    assert row["max_deviation"] < 1e-5
    assert row["max_abs_deviation"] <= row["max_deviation"] * row["scale"] * (1 + 1e-9)
    assert record["non_finite"] == []
    assert (tmp_path / "compare.png").stat().st_size > 0


@pytest.mark.usefixtures("standard_promotion")
def test_json_is_strict_when_a_run_diverges(tmp_path: Path) -> None:
    """sgd at rate 10 on the sphere overflows float32: the loss is null, and flagged."""
    argv = ["run", "--optimizer", "sgd", "--landscape", "sphere", "--learning-rate", "10"]
    assert main([*argv, "--steps", "60", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "run.json").read_text()
    record = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))
    assert record["diverged"]
    assert record["final_loss"] is None
    assert "final_loss" in record["non_finite"]
    # the same blow-up in both libraries is agreement, and the JSON stays strict
    argv[0] = "compare"
    assert main([*argv, "--steps", "60", "--out", str(tmp_path)]) == 0
    record = json.loads(
        (tmp_path / "compare.json").read_text(),
        parse_constant=lambda c: pytest.fail(f"{c} in the JSON"),
    )
    assert record["rows"][0]["verdict"] == "rounding"


@pytest.mark.usefixtures("standard_promotion")
def test_compare_float32_chaos_is_told_from_a_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """rmsprop's sign-like first steps amplify float32 rounding on Rosenbrock from
    (-1.5, 2); in float64 the paths agree, so the verdict is rounding, with the reason.
    (Run as the command runs: without JAX's x64 mode, which tests/conftest.py turns on.)"""
    argv = ["compare", "--optimizer", "rmsprop", "--x0", "-1.5,2", "--out", str(tmp_path)]
    with jax.enable_x64(False):
        assert main(argv) == 0
    (row,) = json.loads((tmp_path / "compare.json").read_text())["rows"]
    assert row["max_deviation"] > row["tolerance"]
    assert row["verdict"] == "rounding"
    assert "in float64 the paths agree" in row["why"]
    assert "rmsprop" in capsys.readouterr().out


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


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main([*argv, "--help"]) == 0
    return " ".join(capsys.readouterr().out.split())  # argparse wraps lines


def test_help_shows_every_default(capsys: pytest.CaptureFixture[str]) -> None:
    run = _help(["run"], capsys)
    for shown in (
        "(default: 0.01 where the optimizer requires one)",
        "update steps (default: 500)",
        "(default: rosenbrock)",
        "(default: adam)",
        "(default: jaxdescent-output)",
        "compute in float64 (default: float32)",
        "20% into the domain box",
        "--b1 VALUE a number (default: 0.9)",
        "--nesterov VALUE true or false (default: false)",
    ):
        assert shown in run, shown
    sweep = _help(["sweep", "--optimizer", "sgd"], capsys)
    assert "(default: 1e-4:1:32log, 32 log-spaced values from 1e-4 to 1" in sweep
    assert "--momentum VALUE a number or a grid (default: None)" in sweep
    assert "seed for the random starts (default: 0)" in sweep
    assert "--b1" not in sweep
    compare = _help(["compare"], capsys)
    assert "update steps (default: 100)" in compare
    assert "(default: all)" in compare
    polyak = _help(["run", "--optimizer", "polyak_sgd"], capsys)
    for flag in ("--max-learning-rate", "--scaling", "--f-min", "--eps", "--variant"):
        assert flag in polyak


@pytest.mark.parametrize("name", _flags.runnable())
def test_every_optimizer_has_its_flags(name: str) -> None:
    """Each keyword of the factory's signature that a command line can spell is a flag, and
    the factory builds from the values parsed (every default given back as text)."""
    signature = inspect.signature(getattr(jd.optimizers, name)).parameters
    argv = ["run", "--optimizer", name]
    expected = {}
    for key, parameter in signature.items():
        unspellable = any(part in key for part in ("mask", "dtype", "key"))
        several = callable(parameter.default) or isinstance(parameter.default, tuple)
        if key == "learning_rate" or unspellable or several or parameter.default is None:
            continue
        argv += [f"--{key.replace('_', '-')}", str(parameter.default)]
        expected[key] = parameter.default
    args, extra = cli.build_parser(name).parse_known_args(argv)
    assert extra == []
    assert _flags.given(args) == expected
    needs = signature.get("learning_rate")
    rate = {"learning_rate": 0.01} if needs and needs.default is inspect.Parameter.empty else {}
    getattr(jd.optimizers, name)(**rate, **_flags.given(args))


@pytest.mark.parametrize(
    ("name", "flags"),
    [
        ("polyak_sgd", ["--max-learning-rate", "0.5", "--scaling", "0.5"]),
        ("adadelta", ["--rho", "0.95"]),
        ("rmsprop", ["--learning-rate", "0.01", "--momentum", "0.5", "--centered", "true"]),
        ("noisy_sgd", ["--learning-rate", "0.01", "--seed", "3"]),
    ],
)
def test_run_optimizers_without_or_with_unusual_flags(
    name: str, flags: list[str], tmp_path: Path
) -> None:
    argv = ["run", "--landscape", "sphere", "--optimizer", name, *flags, "--steps", "30"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "run.json").read_text())
    assert summary["optimizer"] == name
    pairs = dict(zip(flags[::2], flags[1::2], strict=True))
    assert set(summary["hyperparameters"]) == {f[2:].replace("-", "_") for f in pairs}
    with (tmp_path / "trajectory.csv").open() as handle:
        loss = [float(r["loss"]) for r in csv.DictReader(handle)]
    assert loss[-1] < loss[0], "it descends"


def test_run_in_float64_matches_minimize(tmp_path: Path) -> None:
    argv = ["run", "--landscape", "rosenbrock", "--optimizer", "adam", "--x64", "--steps", "50"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "run.json").read_text())
    assert summary["dtype"] == "float64"
    low, high = np.array([-2.0, -1.0]), np.array([2.0, 3.0])  # Rosenbrock's domain box
    x0 = jnp.asarray(low + 0.2 * (high - low), jnp.float64)
    direct = jd.minimize(landscapes.rosenbrock(), x0, jd.adam(0.01), steps=50)
    np.testing.assert_allclose(summary["x0"], [-1.2, -0.2], rtol=1e-15)
    assert summary["x0"] == np.asarray(x0).tolist()
    assert summary["final_loss"] == float(direct.final_loss)


def test_the_printed_start_is_the_readme_s(capsys: pytest.CaptureFixture[str]) -> None:
    """The README and --help describe the default start; `run` prints the one it used."""
    readme = (ROOT / "README.md").read_text()
    said = "20% of the way into the landscape's domain box from its lower corner"
    assert said in " ".join(readme.split())
    assert said in " ".join(cli.EXAMPLES.split())
    assert "(Rosenbrock: (-1.2, -0.2))" in readme
    args = cli.build_parser().parse_args(["run"])
    x0 = _commands.start_point(args, landscapes.rosenbrock())
    assert f"(Rosenbrock: {_output.point_text(x0)})" in readme


def test_every_help_example_parses() -> None:
    """The examples in ``--help`` and the README are valid command lines (parsed, not run)."""
    text = cli.EXAMPLES.replace("\\\n", " ") + (ROOT / "README.md").read_text()
    lines = [line.split() for line in text.splitlines() if line.strip().startswith("jaxdescent ")]
    assert len(lines) >= 9
    for words in lines:
        argv = cli._join_negative_values(words[1:])
        _, extra = cli.build_parser(_flags.chosen_optimizer(argv)).parse_known_args(argv)
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
    "missing value": (["run", "--optimizer", "adam", "--b1"], "--b1", "expected one argument"),
    "learning rate of polyak_sgd": (
        ["run", "--optimizer", "polyak_sgd", "--learning-rate", "0.1"],
        "--learning-rate",
        "takes no learning rate",
    ),
    "flag of another optimizer": (
        ["run", "--optimizer", "sgd", "--b1", "0.9"],
        "--b1",
        "--momentum",
    ),
    "compare flag of another": (["compare", "--optimizer", "sgd", "--b2", "0.9"], "--b2", "sgd"),
    "chunk size 0": (["sweep", "--chunk-size", "0"], "--chunk-size", ">= 1"),
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


@pytest.mark.parametrize("command", ["run", "sweep", "compare", "demo"])
@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_bad_output_folder_before_any_compute(
    command: str, where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    file = tmp_path / "file.txt"
    file.write_text("keep me")
    out = file if where == "a file" else file / "sub"
    monkeypatch.setattr(jd, "minimize", lambda *a, **k: pytest.fail("computed"))
    monkeypatch.setattr(jd, "sweep", lambda *a, **k: pytest.fail("computed"))
    extra = ["--optimizer", "sgd"] if command == "compare" else []
    assert main([command, *extra, "--out", str(out)]) == 2
    message = capsys.readouterr().err.rstrip("\n")
    assert "\n" not in message
    assert message.startswith(f"jaxdescent {command}: error: argument --out:"), message
    assert str(file) in message
    assert file.read_text() == "keep me"


def test_save_to_a_file_is_refused_before_any_compute(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    file = tmp_path / "file.txt"
    file.write_text("")
    monkeypatch.setattr(jd, "sweep", lambda *a, **k: pytest.fail("computed"))
    argv = ["sweep", "--save-to", str(file), "--out", str(tmp_path / "out")]
    assert main(argv) == 2
    message = capsys.readouterr().err.rstrip("\n")
    assert (
        message
        == f"jaxdescent sweep: error: argument --save-to: {str(file)!r} is a file, not a folder"
    )


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
