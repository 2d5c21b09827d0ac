"""`jaxdescent demo`: the tour. Every claim in the report is computed, none is typed in."""

from __future__ import annotations

import pathlib
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure

import jaxdescent as jd
from jaxdescent import landscapes


def demo(out: pathlib.Path, *, small: bool = False) -> int:
    """Write the tour's figures and ``report.md`` into ``out``; print the report."""
    from jaxdescent import plot

    start = time.perf_counter()
    scale = 0.25 if small else 1.0
    report = ["# jaxdescent demo", ""]
    report += _learning_rate(plot, out)
    report += _local_minimum(plot, out)
    report += _rosenbrock(plot, out, steps=int(2000 * scale))
    report += _sweep(plot, out, n=16 if small else 128, steps=int(500 * scale))
    report += _basins(plot, out, side=12 if small else 40, steps=int(400 * scale))
    report += _versus_optax(out)
    report += ["", f"Finished in {time.perf_counter() - start:.1f} s; figures in {out}/."]
    text = "\n".join(report) + "\n"
    (out / "report.md").write_text(text)
    print(text)
    return 0


def _save(drawn: Any, path: pathlib.Path) -> None:
    drawn.figure.savefig(path, dpi=100)


def _learning_rate(plot: Any, out: pathlib.Path) -> list[str]:
    well = landscapes.double_well()
    x0 = jnp.array([2.0], jnp.float32)
    rates = (0.002, 0.02, 0.1, 0.2)
    drawn = plot.learning_rates(well, x0, learning_rates=rates, steps=30)
    _save(drawn, out / "1_learning_rates.png")
    lines = ["## 1. The step is the slope times the learning rate", ""]
    for rate, run in zip(rates, drawn.trajectories, strict=True):
        fate = (
            f"diverged at step {int(run.diverged_at)}"
            if run.diverged
            else f"{plot.outcome(well, run)}: w = {float(run.final_params[0]):.4f}, "
            f"C = {float(run.final_loss):.4f}"
        )
        lines.append(f"- sgd, learning rate {rate:g}, 30 steps from w = 2: {fate}")
    return [*lines, "", "Figure: 1_learning_rates.png", ""]


def momentum_pair(plot: Any, well: Any, x0: Any, steps: int = 300) -> tuple[Figure, dict]:
    """Plain SGD beside SGD with momentum on one cost curve each, titled by their outcomes."""
    runs = {
        "plain sgd (0.01)": jd.minimize(well, x0, jd.sgd(0.01), steps=steps),
        "sgd 0.01, momentum 0.9": jd.minimize(well, x0, jd.sgd(0.01, momentum=0.9), steps=steps),
    }
    figure = Figure(figsize=(8.4, 4.0), layout="constrained")
    for ax, (label, run) in zip(figure.subplots(1, 2), runs.items(), strict=True):
        plot.cost_curve(well, run, ax, max_arrows=steps)
        ax.set_title(f"{label}\n{plot.outcome(well, run)}")
    return figure, runs


def _local_minimum(plot: Any, out: pathlib.Path) -> list[str]:
    well = landscapes.double_well()
    figure, runs = momentum_pair(plot, well, jnp.array([2.0], jnp.float32))
    figure.savefig(out / "2_momentum.png", dpi=100)
    plain, heavy = runs.values()
    return [
        "## 2. A local minimum traps plain descent; momentum carries through",
        "",
        f"- plain sgd (0.01) from w = 2 stops at w = {float(plain.final_params[0]):.4f} "
        f"(C = {float(plain.final_loss):.4f}): {plot.outcome(well, plain)}",
        f"- sgd with momentum 0.9 reaches w = {float(heavy.final_params[0]):.4f} "
        f"(C = {float(heavy.final_loss):.4f}): {plot.outcome(well, heavy)}; the global "
        f"minimum is w = {float(well.minima[0, 0]):.4f} (C = {well.minimum_value:.4f})",
        "",
        "Figure: 2_momentum.png",
        "",
    ]


def _rosenbrock(plot: Any, out: pathlib.Path, steps: int) -> list[str]:
    surface = landscapes.rosenbrock()
    x0 = jnp.array([-1.5, 2.0], jnp.float32)
    optimizers = {
        "sgd 1e-3": jd.sgd(1e-3),
        "momentum 1e-3, 0.9": jd.sgd(1e-3, momentum=0.9),
        "adam 0.02": jd.adam(0.02),
    }
    runs = {label: jd.minimize(surface, x0, opt, steps=steps) for label, opt in optimizers.items()}
    _save(plot.trajectories(surface, runs), out / "3_rosenbrock_paths.png")
    _save(plot.loss_curves(runs), out / "3_rosenbrock_loss.png")
    lines = [f"## 3. Rosenbrock's valley, {steps} steps from (-1.5, 2)", ""]
    for label, run in runs.items():
        w = np.asarray(run.final_params)
        lines.append(f"- {label}: C = {float(run.final_loss):.3g} at ({w[0]:.3f}, {w[1]:.3f})")
    return [*lines, "", "Figures: 3_rosenbrock_paths.png, 3_rosenbrock_loss.png", ""]


def _sweep(plot: Any, out: pathlib.Path, n: int, steps: int) -> list[str]:
    surface = landscapes.rosenbrock()
    rates = np.geomspace(1e-5, 1.0, n).astype(np.float32)
    x0 = jnp.array([-1.5, 2.0], jnp.float32)
    result = jd.sweep(surface, jd.sgd, x0=x0, steps=steps, learning_rate=rates, momentum=0.9)
    _save(plot.lr_sweep(result), out / "4_lr_sweep.png")
    best = result.best()
    diverged = int(np.sum(result.diverged))
    return [
        f"## 4. {n} learning rates in one compiled call (sgd, momentum 0.9, {steps} steps)",
        "",
        f"- best learning rate {best['learning_rate']:.3g}: final loss {best['final_loss']:.3g}",
        f"- {diverged} of {n} runs diverged (flagged, frozen, left out of the best)",
        "",
        "Figure: 4_lr_sweep.png",
        "",
    ]


def _basins(plot: Any, out: pathlib.Path, side: int, steps: int) -> list[str]:
    surface = landscapes.three_hump_camel()
    (lo_x, hi_x), (lo_y, hi_y) = np.asarray(surface.domain)
    xs, ys = np.meshgrid(np.linspace(lo_x, hi_x, side), np.linspace(lo_y, hi_y, side))
    starts = jnp.asarray(np.stack([xs.ravel(), ys.ravel()], axis=-1), jnp.float32)
    chosen = {
        "sgd": (jd.sgd, {"learning_rate": 0.01}),
        "momentum 0.9": (jd.sgd, {"learning_rate": 0.01, "momentum": 0.9}),
        "adam": (jd.adam, {"learning_rate": 0.05}),
    }
    results = {
        label: jd.sweep(surface, factory, starts=starts, steps=steps, **kwargs)
        for label, (factory, kwargs) in chosen.items()
    }
    drawn = plot.basin_map(results, surface, starts=np.asarray(starts))
    _save(drawn, out / "5_basins.png")
    lines = [f"## 5. Basins of attraction on the three-hump camel ({side}x{side} starts)", ""]
    tol = 0.01 * float(np.linalg.norm(np.diff(np.asarray(surface.domain))))
    for label, result in results.items():
        index = surface.basin_index(np.asarray(result.final_params), tol)
        global_share = np.mean(index[~np.asarray(result.diverged)] == 0)
        lines.append(f"- {label}: {100 * global_share:.0f}% of starts reach the global minimum")
    return [*lines, "", "Figure: 5_basins.png", ""]


def _versus_optax(out: pathlib.Path) -> list[str]:
    surface = landscapes.rosenbrock()
    lines = [
        "## 6. Same optimizer, same numbers: jaxdescent against optax (100 steps, float64)",
        "",
    ]
    with jax.enable_x64(True):
        x0 = jnp.array([-1.5, 2.0], jnp.float64)
        for name in ("sgd", "adam", "rmsprop", "lion"):
            result = jd.compare_with_optax(name, surface, x0, steps=100)
            lines.append(
                f"- {name}: largest parameter difference {result.max_abs_deviation:.1e} on a "
                f"path of scale {result.scale:.1f} ({result.verdict})"
            )
    note = (
        "In float32 the two differ by rounding (jaxdescent traces its hyperparameters, "
        "optax folds Python floats), which an oscillating path such as rmsprop's on "
        "Rosenbrock can amplify."
    )
    return [*lines, "", note, "All of them: `jaxdescent compare --optimizer all`.", ""]
