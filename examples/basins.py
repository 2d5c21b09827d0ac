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
# # Basins of attraction: where does each start end?
#
# On a surface with several minima, *which* minimum a descent reaches depends on
# where it starts and on the optimizer. The set of starts that end in a given
# minimum is its *basin of attraction*. We map the basins of plain gradient
# descent, momentum and Adam with one `jd.sweep` per optimizer over a grid of
# starting points, and colour each start by the minimum it reached
# (`plot.basin_map`). Every claim is checked by an `assert`: run the file as a
# script (`python examples/basins.py --small --out figures/`) or as a notebook.
# The docs run it at its small sizes (`SMALL`); `save(fig, name)` shows a figure
# and, given `--out`, also writes it there.

# %% tags=["remove-cell"]
# %matplotlib inline
# Command-line plumbing (`--small`, `--out DIR`, `save`; see _command_line.py),
# removed from the docs page.
from _command_line import parse_command_line

SMALL, OUT, save = parse_command_line("Basins of attraction.")

# %%
import jax.numpy as jnp
import numpy as np

import jaxdescent as jd
from jaxdescent import landscapes
from jaxdescent import plot as jdplot

# %% [markdown]
# ## 1. The three-hump camel
#
# $$ f(x, y) = 2x^2 - 1.05x^4 + \tfrac{x^6}{6} + xy + y^2 $$
#
# has its global minimum $f = 0$ at the origin and two local minima (the two outer
# "humps" of its name) at about $\pm(1.748, -0.874)$. We check them: the gradient,
# computed by hand, vanishes there, and the Hessian is positive definite.


# %%
def gradient(x, y):
    return np.array([4 * x - 4.2 * x**3 + x**5 + y, x + 2 * y])


def hessian(x, y):
    return np.array([[4 - 12.6 * x**2 + 5 * x**4, 1.0], [1.0, 2.0]])


camel = landscapes.three_hump_camel()
minima = np.asarray(camel.all_minima, np.float64)
assert len(camel.minima) == 1
assert len(camel.local_minima) == 2
for point in minima:
    np.testing.assert_allclose(gradient(*point), 0.0, atol=1e-6)
    assert (np.linalg.eigvalsh(hessian(*point)) > 0).all(), "a minimum, not a saddle"
    print(
        f"minimum at ({point[0]:+.4f}, {point[1]:+.4f}): f = {float(camel(jnp.asarray(point))):.4f}"
    )
np.testing.assert_array_equal(minima[0], [0.0, 0.0])

# %% [markdown]
# ## 2. One sweep per optimizer over a grid of starts
#
# `starts=` gives `sweep` a batch of starting points: the result has a `start`
# axis, one run per point, all compiled and run together.

# %%
SIDE = 24 if SMALL else 80
STEPS = 500
(lo_x, hi_x), (lo_y, hi_y) = np.asarray(camel.domain)
xs, ys = np.meshgrid(np.linspace(lo_x, hi_x, SIDE), np.linspace(lo_y, hi_y, SIDE))
starts = jnp.asarray(np.stack([xs.ravel(), ys.ravel()], axis=-1), jnp.float32)

chosen = {
    "gradient descent": (jd.sgd, {"learning_rate": 0.01}),
    "momentum 0.9": (jd.sgd, {"learning_rate": 0.01, "momentum": 0.9}),
    "adam": (jd.adam, {"learning_rate": 0.05}),
}
results = {
    label: jd.sweep(camel, factory, starts=starts, steps=STEPS, **kwargs)
    for label, (factory, kwargs) in chosen.items()
}
for result in results.values():
    assert result.dims == ("start",)
    assert result.shape == (SIDE * SIDE,)
    assert not result.diverged.any()

# %% [markdown]
# ## 3. Which minimum did each run reach?
#
# A run *reached* a minimum when its final point lies within `tol` of it (1% of
# the domain's diagonal). We compute that in NumPy, and check it against the
# landscape's own `basin_index`.

# %%
tol = 0.01 * float(np.linalg.norm(np.diff(np.asarray(camel.domain, np.float64))))


def reached(final_params: np.ndarray) -> np.ndarray:
    """Index into ``minima`` of the minimum within ``tol`` of each point, or -1."""
    distance = np.linalg.norm(final_params[:, None, :] - minima[None, :, :], axis=-1)
    return np.where(distance.min(axis=1) < tol, distance.argmin(axis=1), -1)


basins = {label: reached(np.asarray(r.final_params, np.float64)) for label, r in results.items()}
share = {label: float(np.mean(index == 0)) for label, index in basins.items()}
for label, result in results.items():
    np.testing.assert_array_equal(basins[label], camel.basin_index(result.final_params, tol))
    assert (basins[label] >= 0).all(), "after 500 steps every run has settled in a minimum"
    print(f"{label:>16}: {share[label]:.0%} of starts reach the global minimum")

# %% [markdown]
# ## 4. Plain descent never climbs; momentum does
#
# With a learning rate $\alpha$ below $2/L$, where $L$ bounds the curvature, every
# step of plain gradient descent lowers the loss (the *descent lemma*). On this
# domain the largest curvature is at the corners, about $34$, so $\alpha = 0.01$ is
# far below $2/L \approx 0.06$: the loss never rises (beyond float32 rounding), and
# a descent can never cross the hump between a local minimum and the global one.
# Momentum's loss does rise: the velocity carries the iterate uphill, and over the
# hump.

# %%
curvature = max(np.linalg.eigvalsh(hessian(x, y)).max() for x in (-2, 2) for y in (-2, 2))
assert 2 / curvature > 0.01
rises = {label: np.diff(r.loss, axis=-1).max(axis=-1) for label, r in results.items()}
assert rises["gradient descent"].max() < 1e-5, "plain descent: never up, but for rounding"
assert (rises["momentum 0.9"] > 1e-3).mean() > 0.9, "momentum: up at some step in most runs"
print(f"largest curvature on the domain {curvature:.1f}; 2/L = {2 / curvature:.3f}")

# %% [markdown]
# And so momentum reaches the global minimum from more starts than plain descent
# does; so does Adam, whose early steps are about $\alpha$ long whatever the slope.

# %%
assert share["momentum 0.9"] > share["gradient descent"]
assert share["adam"] > share["gradient descent"]
crossing = np.flatnonzero((basins["gradient descent"] > 0) & (basins["momentum 0.9"] == 0))
assert crossing.size > 0, "some starts: plain descent stays local, momentum goes global"
print(f"{crossing.size} starts end locally with plain descent but globally with momentum")

# %% [markdown]
# ## 5. The basin maps
#
# `plot.basin_map` colours each start by the minimum its run reached, one panel
# per optimizer. The right-hand local minimum's basin (and the left one's)
# shrinks from plain descent to momentum.

# %%
drawn = jdplot.basin_map(results, camel, starts=np.asarray(starts), tol=tol)
for label in results:
    np.testing.assert_array_equal(drawn.basins[label], basins[label])
    assert (
        f"{share[label]:.0%} reach a global minimum"
        in drawn.axes[list(results).index(label)].get_title()
    )
save(drawn.figure, "basins")

# %% [markdown]
# One start from that set, traced on the contour map: plain descent slides into
# the nearer local minimum, momentum overshoots it and rolls on to the origin.

# %%
i = int(crossing[len(crossing) // 2])
start = starts[i]
paths = {
    "gradient descent": jd.minimize(camel, start, jd.sgd(0.01), steps=STEPS),
    "momentum 0.9": jd.minimize(camel, start, jd.sgd(0.01, momentum=0.9), steps=STEPS),
}
assert reached(np.asarray(paths["gradient descent"].final_params, np.float64)[None])[0] > 0
assert reached(np.asarray(paths["momentum 0.9"].final_params, np.float64)[None])[0] == 0
drawn = jdplot.trajectories(camel, paths)
save(drawn.figure, "one_start")

# %% [markdown]
# ## What we checked
#
# - the three minima of the three-hump camel: zero gradient, positive-definite Hessian;
# - one sweep per optimizer runs every start; every run settles in a minimum, and the
#   minimum reached agrees with an independent NumPy computation;
# - plain descent with $\alpha < 2/L$ never raises the loss, so it cannot cross a hump;
#   momentum's loss rises in most runs;
# - momentum and Adam reach the global minimum from more starts than plain descent.
