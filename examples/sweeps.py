# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Hundreds of learning rates in one call, and the learning-rate finder
#
# Which learning rate? Try them all. `jaxdescent.sweep` runs one descent per
# hyperparameter value as a single compiled, vectorised program, and returns a
# `SweepResult`: named axes, NumPy arrays, the diverged runs flagged. The
# learning-rate finder `jaxdescent.lr_find` does the same job with fewer runs and
# suggests a value. Every claim below is checked by an `assert`: run the file as a
# script (`python examples/sweeps.py --small --out figures/`) or as a notebook.
# The docs run it at its small sizes (`SMALL`); `save(fig, name)` shows a figure
# and, given `--out`, also writes it there.

# %% tags=["remove-cell"]
# %matplotlib inline
# Command-line plumbing (`--small`, `--out DIR`, `save`; see _command_line.py),
# removed from the docs page.
from _command_line import parse_command_line

SMALL, OUT, save = parse_command_line("Sweeps and the learning-rate finder.")

# %%
import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure

import jaxdescent as jd
from jaxdescent import landscapes
from jaxdescent import plot as jdplot

# %% [markdown]
# ## 1. One call, hundreds of descents
#
# Rosenbrock's banana valley, $f(x, y) = (1 - x)^2 + 100 (y - x^2)^2$, from
# $(-1.5, 2)$. We give `sweep` the optimizer's *factory* and a 1-D array of
# learning rates; every other keyword is a fixed hyperparameter. The result has one
# named axis, `learning_rate`, with one final loss per value.

# %%
surface = landscapes.rosenbrock()
x0 = jnp.array([-1.5, 2.0], jnp.float32)
N = 128 if SMALL else 512
STEPS = 300
rates = np.geomspace(1e-5, 1.0, N)

momentum = jd.sweep(surface, jd.sgd, x0=x0, steps=STEPS, learning_rate=rates, momentum=0.9)
adam = jd.sweep(surface, jd.adam, x0=x0, steps=STEPS, learning_rate=rates)

assert momentum.dims == ("learning_rate",)
assert momentum.shape == (N,)
assert momentum.loss.shape == (N, STEPS + 1), "the loss of every step of every run"
np.testing.assert_allclose(momentum.coords["learning_rate"], rates, rtol=1e-6)
print(momentum.summary(max_rows=6))

# %% [markdown]
# The sweep is the same computation as a loop of `jd.minimize`, one learning rate
# at a time; `sel(..., method="nearest")` picks the run at the coordinate value nearest
# to the one asked (plain `sel` asks for an exact coordinate value).

# %%
for wanted in (1e-4, 1e-3, 0.5):
    picked = momentum.sel(learning_rate=wanted, method="nearest")
    assert picked.dims == ()
    lr = float(rates[np.argmin(np.abs(np.log(rates / wanted)))])
    one = jd.minimize(surface, x0, jd.sgd(lr, momentum=0.9), steps=STEPS, record_params=False)
    assert bool(picked.diverged) == bool(one.diverged)
    if not one.diverged:
        np.testing.assert_allclose(picked.final_loss, float(one.final_loss), rtol=1e-4)
    print(
        f"lr = {lr:.4g}: sweep {float(picked.final_loss):.6g}, minimize {float(one.final_loss):.6g}"
    )

# %% [markdown]
# ## 2. Diverged runs are flagged, and left out
#
# With momentum, the larger learning rates overshoot the steep walls of the valley
# and blow up. Such a run is *flagged* (`diverged`, with the step at which it
# stopped being finite in `diverged_at`), frozen at its last finite point, and left
# out of `best()` and of the summary's best losses.

# %%
lr = momentum.coords["learning_rate"]
bad = momentum.diverged
assert not bad[0], "the smallest learning rate crawls, but it does not blow up"
assert bad[-1], "learning rate 1 with momentum blows up"
assert (momentum.diverged_at[bad] > 0).all()
assert (momentum.diverged_at[~bad] == -1).all()
best = momentum.best()
finite = np.where(bad, np.inf, momentum.final_loss)
assert best["learning_rate"] == lr[np.argmin(finite)]
assert best["final_loss"] == finite.min()
assert momentum.summary().splitlines()[0].endswith(f"{int(bad.sum())} diverged")
print(f"{int(bad.sum())} of {N} diverged, the first at learning rate {lr[bad].min():.3g}")
print(f"best: learning rate {best['learning_rate']:.3g}, final loss {best['final_loss']:.3g}")

# %% [markdown]
# Adam does not diverge here at any learning rate up to 1. Its step divides a mean
# of the gradients by the root of a mean of their squares, so its size is bounded
# whatever the gradient: Kingma and Ba (2015, section 2.1) show
# $|\Delta w| \le \alpha (1 - \beta_1) / \sqrt{1 - \beta_2}$ per coordinate when
# $1 - \beta_1 > \sqrt{1 - \beta_2}$, which is $3.16\,\alpha$ with the defaults.
# We check the bound on the recorded steps of the largest learning rate.

# %%
assert not adam.diverged.any()
largest = jd.minimize(surface, x0, jd.adam(1.0), steps=STEPS)
moves = np.abs(np.diff(np.asarray(largest.params), axis=0))
bound = 1.0 * (1 - 0.9) / np.sqrt(1 - 0.999)
assert moves.max() <= bound * (1 + 1e-5), (moves.max(), bound)
print(f"largest Adam step at lr = 1: {moves.max():.3f} <= {bound:.3f}")
print(f"Adam's best: {adam.best()}")

# %% [markdown]
# `plot.lr_sweep` draws the final loss against the learning rate on a log axis:
# diverged runs as red crosses along the top, the best run starred.

# %%
fig = Figure(figsize=(10, 3.8), layout="constrained")
panels = {"sgd, momentum 0.9": momentum, "adam": adam}
for ax, (title, result) in zip(fig.subplots(1, 2), panels.items(), strict=True):
    drawn = jdplot.lr_sweep(result, ax, minimum=surface.minimum_value)
    ax.set_title(title)
    order = np.argsort(result.coords["learning_rate"])
    np.testing.assert_allclose(drawn.lines[0].get_xdata(), result.coords["learning_rate"][order])
    crosses = [] if drawn.diverged is None else drawn.diverged.get_xdata()
    np.testing.assert_allclose(
        np.sort(crosses), np.sort(result.coords["learning_rate"][result.diverged])
    )
    assert drawn.best.get_xdata()[0] == result.best()["learning_rate"]
save(fig, "lr_sweep")

# %% [markdown]
# ## 3. Two hyperparameters: a heatmap
#
# Several swept keywords make a grid: here Adam's learning rate against its
# momentum-like decay $\beta_1$, every pair one run, still one call. The
# learning rates are log-spaced, so their cells sit at their values on a log
# axis; the $\beta_1$ values are not evenly spaced, so each gets an equal row,
# labelled by its value (a row drawn at 0.99 with a midpoint edge would run
# past $\beta_1 = 1$, which no run had).

# %%
grid = jd.sweep(
    surface,
    jd.adam,
    x0=x0,
    steps=STEPS,
    learning_rate=np.geomspace(1e-3, 1.0, 8 if SMALL else 24),
    b1=np.array([0.0, 0.5, 0.8, 0.9, 0.95, 0.99]),
)
assert grid.dims == ("learning_rate", "b1")
assert grid.shape == (8 if SMALL else 24, 6)
drawn = jdplot.heatmap(grid, x="learning_rate", y="b1")
assert drawn.mesh.get_array().shape == (6, grid.shape[0]), "one cell per pair, b1 on the rows"
best = grid.best()
b1_rows = list(np.sort(grid.coords["b1"]))
assert [t.get_text() for t in drawn.ax.get_yticklabels()] == [f"{b:.3g}" for b in b1_rows]
assert drawn.best.get_xdata()[0] == best["learning_rate"]
assert drawn.best.get_ydata()[0] == b1_rows.index(best["b1"]), "the best b1's row"
print(grid.summary(max_rows=6))
save(drawn.figure, "heatmap")

# %% [markdown]
# ## 4. The learning-rate finder, checked against the mathematics
#
# On the quadratic $C(w) = \tfrac{a}{2} |w|^2$ plain gradient descent multiplies
# $w$ by $(1 - \alpha a)$ every step, so it converges if and only if
# $\alpha < 2/a$, and lands on the minimum in one step at $\alpha = 1/a$. With
# $a = 100$ the threshold is $0.02$. Does the finder find it?
#
# **The parallel form** (`method="parallel"`) runs a log-spaced grid of fixed
# learning rates side by side, as one sweep, and calls a rate *stable* if its run
# ends no higher than it started. After $t$ steps the loss is
# $(1 - \alpha a)^{2t} C(w_0)$: stable exactly below $2/a$, and lowest at the rate
# nearest $1/a$.

# %%
A = 100.0


def quadratic(w):
    return 0.5 * A * jnp.sum(w**2)


w0 = jnp.array([1.0, -1.0], jnp.float32)
parallel = jd.lr_find(
    quadratic, w0, jd.sgd, method="parallel", start_lr=1e-4, end_lr=1.0, num=25, steps=10
)
g = parallel.learning_rates
np.testing.assert_array_equal(parallel.stable, g < 2 / A)
assert parallel.largest_stable == g[g < 2 / A].max()
assert parallel.best == g[np.argmin(np.abs(1 - g * A))]
print(f"2/a = {2 / A}: largest stable rate on the grid {parallel.largest_stable:.4g}")
print(f"1/a = {1 / A}: best rate on the grid {parallel.best:.4g}")

# %% [markdown]
# With momentum $\beta$ the heavy ball on the same quadratic is stable for
# $\alpha < 2(1 + \beta)/a$ (Polyak 1964): momentum admits larger steps, here
# nearly twice as large.

# %%
beta = 0.9
heavy = jd.lr_find(
    quadratic,
    w0,
    jd.sgd,
    method="parallel",
    start_lr=1e-4,
    end_lr=1.0,
    num=25,
    steps=100,
    momentum=beta,
)
assert 2 / A < heavy.largest_stable < 2 * (1 + beta) / A
print(f"with momentum {beta}: largest stable {heavy.largest_stable:.4g} < {2 * (1 + beta) / A}")

# %% [markdown]
# **The range test** (`method="range"`, the default; Smith 2017, fastai's
# `lr_find`) runs *one* descent whose learning rate grows exponentially each step,
# from $10^{-7}$ to $10$, and stops once the (smoothed) loss has blown up. While
# $\alpha_t < 2/a$ every step lowers the loss, so the curve falls, then it climbs.
# Its suggestions, `valley` and `steep`, sit on the falling part: below $2/a$.

# %%
found = jd.lr_find(quadratic, w0, jd.sgd)
rates_seen, loss_seen = found.learning_rates, found.loss
falling = rates_seen[:-1] < 2 / A
assert (loss_seen[1:][falling] <= loss_seen[:-1][falling] * (1 + 1e-6)).all()
assert rates_seen[-1] > 2 / A, "the test stopped only after the threshold"
assert found.valley < 2 / A
assert found.steep < 2 / A
print(f"range test: valley {found.valley:.3g}, steep {found.steep:.3g}; 2/a = {2 / A}")

fig = Figure(figsize=(10, 3.8), layout="constrained")
left, right = fig.subplots(1, 2)
left.loglog(rates_seen, loss_seen, lw=1, label="loss")
left.loglog(rates_seen, found.smoothed_loss, lw=2, label="smoothed")
for name, color in (("valley", "C2"), ("steep", "C4")):
    left.axvline(
        found.suggestions[name], color=color, ls=":", label=f"{name} {found.suggestions[name]:.2g}"
    )
left.axvline(2 / A, color="C3", ls="--", label="2/a")
left.set(xlabel="learning rate (growing each step)", ylabel="loss", title="range test")
left.legend(fontsize="small")
final = parallel.loss[:, -1]
right.loglog(g[parallel.stable], np.maximum(final[parallel.stable], 1e-30), "o", label="stable")
right.loglog(g[~parallel.stable], final[~parallel.stable], "x", color="C3", label="unstable")
right.axvline(2 / A, color="C3", ls="--", label="2/a")
right.set(
    xlabel="learning rate (fixed per run)", ylabel="loss after 10 steps", title="parallel test"
)
right.legend(fontsize="small")
save(fig, "lr_find")

# %% [markdown]
# ## What we checked
#
# - one `sweep` call runs every learning rate, and equals a loop of `minimize`;
# - diverged runs are flagged with their step, and left out of `best()` and `summary()`;
# - Adam's step stays within $\alpha (1 - \beta_1)/\sqrt{1 - \beta_2}$, so it never
#   diverged on this grid;
# - `lr_sweep` and `heatmap` draw the sweep's own values, the diverged runs and the best;
# - on $\tfrac{a}{2}|w|^2$ the parallel finder marks exactly the rates below $2/a$
#   stable and picks the rate nearest $1/a$; with momentum it allows up to
#   $2(1 + \beta)/a$; the range test's suggestions lie below $2/a$.
