"""The subcommands: each checks its arguments, computes with the library, writes files."""

from __future__ import annotations

import argparse
import csv
import inspect
import json
import pathlib
from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

import jaxdescent as jd
from jaxdescent import landscapes as landscape_module
from jaxdescent import optimizers
from jaxdescent.cli._grid import parse_values


class UsageError(Exception):
    """A bad command-line argument: reported on one line with exit code 2."""


def optimizer_factory(name: str) -> Callable[..., Any]:
    if name not in optimizers.__all__:
        raise UsageError(
            f"argument --optimizer: unknown optimizer {name!r}; choose from "
            f"{', '.join(sorted(optimizers.__all__))}"
        )
    return getattr(optimizers, name)


def parse_hyperparameters(extra: list[str], optimizer: str, *, sweep: bool) -> dict[str, Any]:
    """``--b1 0.9 --weight-decay 1e-4`` -> {"b1": 0.9, "weight_decay": 1e-4}, checked by name."""
    accepted = inspect.signature(optimizer_factory(optimizer)).parameters
    values: dict[str, Any] = {}
    pending = list(extra)
    while pending:
        flag = pending.pop(0)
        if flag.startswith("--") and "=" in flag:
            flag, text = flag.split("=", 1)
            pending.insert(0, text)
        name = flag.removeprefix("--").replace("-", "_")
        if not flag.startswith("--") or name not in accepted or name == "learning_rate":
            known = ", ".join(f"--{k.replace('_', '-')}" for k in accepted if k != "learning_rate")
            raise UsageError(f"unrecognized argument {flag!r} for {optimizer} (it takes {known})")
        if not pending:
            raise UsageError(f"argument {flag}: expected a value")
        text = pending.pop(0)
        try:
            value = parse_values(text) if sweep and not _is_bool(text) else _scalar(text)
        except ValueError as error:
            raise UsageError(f"argument {flag}: {error}") from None
        values[name] = value
    return values


def _is_bool(text: str) -> bool:
    return text.lower() in ("true", "false")


def _scalar(text: str) -> Any:
    if _is_bool(text):
        return text.lower() == "true"
    value = parse_values(text)
    if isinstance(value, np.ndarray):
        raise ValueError(f"expected one number (grids are for `jaxdescent sweep`), got {text!r}")
    return value


def make_landscape(args: argparse.Namespace) -> Any:
    if args.landscape not in landscape_module.names():
        raise UsageError(
            f"argument --landscape: unknown landscape {args.landscape!r}; choose from "
            f"{', '.join(landscape_module.names())}"
        )
    kwargs = {} if args.dim is None else {"dim": args.dim}
    try:
        return landscape_module.get(args.landscape, **kwargs)
    except TypeError:
        raise UsageError(f"argument --dim: {args.landscape} has a fixed dimension") from None


def start_point(args: argparse.Namespace, landscape: Any) -> jnp.ndarray:
    """``--x0``, or a default start: a quarter of the way into the domain box."""
    if args.x0 is None:
        low, high = landscape.domain[:, 0], landscape.domain[:, 1]
        return jnp.asarray(low + 0.2 * (high - low), jnp.float32)
    if args.x0.shape != (landscape.dim,):
        raise UsageError(
            f"argument --x0: {landscape.name} needs {landscape.dim} coordinates, got {args.x0.size}"
        )
    return jnp.asarray(args.x0, jnp.float32)


def output_folder(path: str) -> pathlib.Path:
    folder = pathlib.Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cmd_run(args: argparse.Namespace) -> int:
    from jaxdescent import plot

    landscape = make_landscape(args)
    x0 = start_point(args, landscape)
    lr = 0.01 if args.learning_rate is None else args.learning_rate
    opt = optimizer_factory(args.optimizer)(learning_rate=lr, **args.hyperparameters)
    run = jd.minimize(landscape, x0, opt, steps=args.steps)
    out = output_folder(args.out)
    _write_trajectory_csv(out / "trajectory.csv", run)
    summary = {
        "landscape": landscape.name,
        "optimizer": args.optimizer,
        "hyperparameters": {"learning_rate": lr, **args.hyperparameters},
        "steps": args.steps,
        "x0": np.asarray(x0).tolist(),
        "final_params": np.asarray(run.final_params).tolist(),
        "final_loss": float(run.final_loss),
        "minimum_value": float(landscape.minimum_value),
        "diverged": bool(run.diverged),
        "diverged_at": int(run.diverged_at),
    }
    (out / "run.json").write_text(json.dumps(summary, indent=2) + "\n")
    if landscape.dim == 1:
        drawn = plot.cost_curve(landscape, run)
    elif landscape.dim == 2:
        drawn = plot.trajectories(landscape, {args.optimizer: run})
    else:
        drawn = plot.loss_curves({args.optimizer: run})
    _figure_of(drawn).savefig(out / "run.png", dpi=110)
    state = f"diverged at step {int(run.diverged_at)}" if run.diverged else "finished"
    print(
        f"{args.optimizer} on {landscape.name}: {state}, loss {float(run.loss[0]):.6g} -> "
        f"{float(run.final_loss):.6g} (minimum {landscape.minimum_value:.6g}); wrote "
        f"{out / 'run.png'}, {out / 'trajectory.csv'}, {out / 'run.json'}"
    )
    return 0


def _figure_of(drawn: Any) -> Any:
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


def _write_trajectory_csv(path: pathlib.Path, run: Any) -> None:
    params = np.asarray(run.params)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", "loss", "grad_norm", *[f"w{i}" for i in range(params.shape[1])]])
        for step, loss, norm, w in zip(run.steps, run.loss, run.grad_norm, params, strict=True):
            writer.writerow([int(step), float(loss), float(norm), *map(float, w)])


def cmd_sweep(args: argparse.Namespace) -> int:
    from jaxdescent import plot

    landscape = make_landscape(args)
    factory = optimizer_factory(args.optimizer)
    lr = np.geomspace(1e-4, 1.0, 32) if args.learning_rate is None else args.learning_rate
    hyperparameters = {"learning_rate": lr, **args.hyperparameters}
    swept = [k for k, v in hyperparameters.items() if np.ndim(v) == 1]
    if args.starts is not None and args.x0 is not None:
        raise UsageError("argument --x0: give --x0 (one start) or --starts (random ones), not both")
    if args.starts is not None:
        low, high = landscape.domain[:, 0], landscape.domain[:, 1]
        rng = np.random.default_rng(args.seed)
        starts = jnp.asarray(
            low + (high - low) * rng.random((args.starts, landscape.dim)), jnp.float32
        )
        where = {"starts": starts}
    else:
        where = {"x0": start_point(args, landscape)}
    result = jd.sweep(landscape, factory, steps=args.steps, **where, **hyperparameters)
    out = output_folder(args.out)
    result.save(out / "sweep.npz")
    table = result.summary()
    (out / "summary.txt").write_text(table + "\n")
    if len(swept) >= 2:
        drawn = _heatmap(plot, result, swept[0], swept[1])
    elif swept == ["learning_rate"]:
        drawn = plot.lr_sweep(result)
    else:
        drawn = plot.loss_curves(result)
    _figure_of(drawn).savefig(out / "sweep.png", dpi=110)
    print(table)
    print(f"wrote {out / 'sweep.png'}, {out / 'summary.txt'}, {out / 'sweep.npz'}")
    return 0


def _heatmap(plot: Any, result: Any, x: str, y: str) -> Any:
    """The heatmap over ``x`` and ``y``, at the first value of every other dim (in the title)."""
    rest = {d: result.coords[d][0] for d in result.dims if d not in (x, y)}
    drawn = plot.heatmap(result.sel(**rest) if rest else result, x=x, y=y)
    if rest:
        drawn.ax.set_title("at " + ", ".join(f"{d} = {v:g}" for d, v in rest.items()))
    return drawn


def cmd_compare(args: argparse.Namespace) -> int:
    from jaxdescent.cli._compare import compare

    names = sorted(optimizers.__all__) if args.optimizer == "all" else [args.optimizer]
    for name in names:
        optimizer_factory(name)
    return compare(names, steps=args.steps, out=output_folder(args.out))


def cmd_landscapes(args: argparse.Namespace) -> int:
    for name in landscape_module.names():
        landscape = landscape_module.get(name)
        minima = "; ".join(
            "(" + ", ".join(f"{x:.6g}" for x in point) + ")" for point in landscape.minima
        )
        local = len(landscape.local_minima)
        extra = f", {local} local minima" if local else ""
        print(
            f"{name:18s} dim {landscape.dim}  f* = {landscape.minimum_value:.6g} at {minima}{extra}"
        )
    return 0


def dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from jaxdescent.cli._demo import demo

        return demo(output_folder(args.out), small=args.small)
    for name in ("steps", "starts"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            raise UsageError(f"argument --{name}: must be >= 1, got {value}")
    commands = {
        "run": cmd_run,
        "sweep": cmd_sweep,
        "compare": cmd_compare,
        "landscapes": cmd_landscapes,
    }
    return commands[args.command](args)
