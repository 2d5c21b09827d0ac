"""The subcommands: each checks its arguments and paths, computes with the library, writes files."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import jaxdescent as jd
from jaxdescent import landscapes as landscape_module
from jaxdescent.cli import _flags
from jaxdescent.cli._output import (
    UsageError,
    figure_of,
    point_text,
    prepare_output,
    write_json,
    write_trajectory_csv,
)

__all__ = ["UsageError", "dispatch", "unrecognized"]

DEFAULT_LEARNING_RATE = 0.01


def optimizer_factory(name: str) -> Callable[..., Any]:
    if not _flags.known(name):
        raise UsageError(
            f"argument --optimizer: unknown optimizer {name!r}; choose from "
            f"{', '.join(_flags.runnable())}"
        )
    return _flags.factory(name)


def unrecognized(extra: list[str], args: argparse.Namespace) -> str:
    """The message for flags the parser did not know, listing the optimizer's own."""
    name = getattr(args, "optimizer", None)
    if name is None or not _flags.known(name):
        return f"unrecognized arguments: {' '.join(extra)}"
    takes = ", ".join(flag.option for flag in _flags.flags(name)) or "none besides the common ones"
    return f"unrecognized argument {extra[0]!r} for {name} (its hyperparameter flags: {takes})"


def learning_rate(name: str, given: Any, default: Any, *, strict: bool = True) -> dict[str, Any]:
    """``{"learning_rate": ...}`` for optimizer ``name``: ``given``, or ``default`` where the
    factory requires one; nothing for an optimizer without one (polyak_sgd)."""
    if not _flags.takes_learning_rate(name):
        if given is not None and strict:
            raise UsageError(
                f"argument --learning-rate: {name} takes no learning rate; see "
                f"`jaxdescent run --optimizer {name} --help` for its flags"
            )
        return {}
    if given is not None:
        return {"learning_rate": given}
    return {"learning_rate": default} if _flags.needs_learning_rate(name) else {}


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


def float_dtype(args: argparse.Namespace) -> Any:
    return jnp.float64 if args.x64 else jnp.float32


def start_point(args: argparse.Namespace, landscape: Any) -> jax.Array:
    """``--x0``, or the default start: 20% of the way into the domain box from its lower
    corner (Rosenbrock: (-1.2, -0.2))."""
    if args.x0 is None:
        low, high = landscape.domain[:, 0], landscape.domain[:, 1]
        return jnp.asarray(low + 0.2 * (high - low), float_dtype(args))
    if args.x0.shape != (landscape.dim,):
        raise UsageError(
            f"argument --x0: {landscape.name} needs {landscape.dim} coordinates, got {args.x0.size}"
        )
    return jnp.asarray(args.x0, float_dtype(args))


def describe(hyperparameters: dict[str, Any]) -> str:
    def one(value: Any) -> str:
        if np.ndim(value) == 1:
            return f"{len(value)} values from {np.min(value):g} to {np.max(value):g}"
        return f"{value:g}" if isinstance(value, float) else str(value)

    return ", ".join(f"{k}={one(v)}" for k, v in hyperparameters.items()) or "defaults"


def cmd_run(args: argparse.Namespace) -> int:
    landscape = make_landscape(args)
    x0 = start_point(args, landscape)
    factory = optimizer_factory(args.optimizer)
    hyperparameters = {
        **learning_rate(args.optimizer, args.learning_rate, DEFAULT_LEARNING_RATE),
        **_flags.given(args),
    }
    optimizer = factory(**hyperparameters)  # its checks, before any compute
    out = prepare_output(args.out)
    print(
        f"{args.optimizer} ({describe(hyperparameters)}) on {landscape.name} from "
        f"x0 = {point_text(x0)}, {args.steps} steps, {jnp.dtype(x0.dtype).name}"
    )
    run = jd.minimize(landscape, x0, optimizer, steps=args.steps)
    write_trajectory_csv(out / "trajectory.csv", run)
    summary = {
        "landscape": landscape.name,
        "optimizer": args.optimizer,
        "hyperparameters": hyperparameters,
        "steps": args.steps,
        "dtype": jnp.dtype(x0.dtype).name,
        "x0": np.asarray(x0).tolist(),
        "final_params": np.asarray(run.final_params).tolist(),
        "final_loss": float(run.final_loss),
        "minimum_value": float(landscape.minimum_value),
        "diverged": bool(run.diverged),
        "diverged_at": int(run.diverged_at),
    }
    write_json(out / "run.json", summary)
    _plot_run(args, landscape, run).savefig(out / "run.png", dpi=110)
    state = f"diverged at step {int(run.diverged_at)}" if run.diverged else "finished"
    print(
        f"{state}: loss {float(run.loss[0]):.6g} -> {float(run.final_loss):.6g} (minimum "
        f"{landscape.minimum_value:.6g}); wrote {out / 'run.png'}, {out / 'trajectory.csv'}, "
        f"{out / 'run.json'}"
    )
    return 0


def _plot_run(args: argparse.Namespace, landscape: Any, run: Any) -> Any:
    from jaxdescent import plot

    if landscape.dim == 1:
        return figure_of(plot.cost_curve(landscape, run))
    if landscape.dim == 2:
        return figure_of(plot.trajectories(landscape, {args.optimizer: run}))
    return figure_of(plot.loss_curves({args.optimizer: run}))


def sweep_starts(args: argparse.Namespace, landscape: Any) -> dict[str, Any]:
    if args.starts is not None and args.x0 is not None:
        raise UsageError("argument --x0: give --x0 (one start) or --starts (random ones), not both")
    if args.starts is None:
        return {"x0": start_point(args, landscape)}
    low, high = landscape.domain[:, 0], landscape.domain[:, 1]
    rng = np.random.default_rng(args.starts_seed)
    starts = low + (high - low) * rng.random((args.starts, landscape.dim))
    return {"starts": jnp.asarray(starts, float_dtype(args))}


def cmd_sweep(args: argparse.Namespace) -> int:
    from jaxdescent.cli._sweep import sweep

    landscape = make_landscape(args)
    optimizer_factory(args.optimizer)
    grid = np.geomspace(1e-4, 1.0, 32)
    hyperparameters = {
        **learning_rate(args.optimizer, args.learning_rate, grid),
        **_flags.given(args),
    }
    where = sweep_starts(args, landscape)
    out = prepare_output(args.out)
    if args.save_to is not None:
        prepare_output(args.save_to, "--save-to")
    return sweep(args, landscape, hyperparameters, where, out)


def cmd_compare(args: argparse.Namespace) -> int:
    from jaxdescent.cli._compare import compare

    names = _flags.runnable() if args.optimizer == "all" else [args.optimizer]
    for name in names:
        optimizer_factory(name)
    given = _flags.given(args)
    single = args.optimizer != "all"
    kwargs = {
        name: {
            **learning_rate(name, args.learning_rate, DEFAULT_LEARNING_RATE, strict=single),
            **given,
        }
        for name in names
    }
    landscape = make_landscape(args)
    x0 = start_point(args, landscape)
    return compare(kwargs, landscape, x0, steps=args.steps, out=prepare_output(args.out))


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

        return demo(prepare_output(args.out), small=args.small)
    for name in ("steps", "starts", "chunk_size"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            raise UsageError(f"argument --{name.replace('_', '-')}: must be >= 1, got {value}")
    commands = {
        "run": cmd_run,
        "sweep": cmd_sweep,
        "compare": cmd_compare,
        "landscapes": cmd_landscapes,
    }
    precision = jax.enable_x64(True) if getattr(args, "x64", False) else contextlib.nullcontext()
    with precision:
        return commands[args.command](args)


def warn(command: str, message: str) -> None:
    print(f"jaxdescent {command}: warning: {message}", file=sys.stderr)
