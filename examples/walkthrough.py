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
# # Gradient descent, step by step
#
# This walk-through builds gradient descent from its pieces and checks every claim
# it makes with an `assert`: run it as a script (`python examples/walkthrough.py
# --small --out figures/`) or as a notebook; either way a wrong claim stops it.
# The docs run it at its small sizes (`SMALL`); `save(fig, name)` shows a figure
# and, given `--out`, also writes it there.
#
# We want the parameter $w$ that makes a cost $C(w)$ as small as possible. The
# derivative $dC/dw$ is the slope of the cost at $w$; gradient descent repeats
#
# $$ w \leftarrow w - \alpha \, \frac{dC}{dw}(w) $$
#
# with a small positive *learning rate* $\alpha$.

# %% tags=["remove-cell"]
# %matplotlib inline
# Command-line plumbing (`--small`, `--out DIR`, `save`; see _command_line.py),
# removed from the docs page.
from _command_line import parse_command_line

SMALL, OUT, save = parse_command_line("Gradient descent, step by step.")

# %%
import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure

import jaxdescent as jd
from jaxdescent import landscapes
from jaxdescent import plot as jdplot

# %% [markdown]
# ## 1. The sign of the slope gives the direction
#
# Take the quadratic cost $C(w) = \tfrac{a}{2}(w - 1)^2$ with $a = 4$: its minimum is at
# $w^\star = 1$ and its slope is $dC/dw = a (w - 1)$. Left of the minimum the slope is
# negative, so $-\alpha\, dC/dw$ is positive and the step goes right; right of the
# minimum it is the other way round. `jax.grad` computes the slope for us.

# %%
A = 4.0
W_STAR = 1.0


def cost(w):
    """C(w) = a/2 (w - 1)^2 on a one-element array."""
    return 0.5 * A * jnp.sum((w - W_STAR) ** 2)


slope = jax.grad(cost)
for w in (-1.0, 3.0):
    g = float(slope(jnp.array([w]))[0])
    assert g == A * (w - W_STAR), "jax.grad gives the slope a (w - 1)"
    step = -0.1 * g
    assert np.sign(step) == np.sign(W_STAR - w), "the step points towards the minimum"
    print(f"at w = {w:+.0f}: slope {g:+.0f}, step -alpha*slope = {step:+.1f}")

# %% [markdown]
# ## 2. The learning rate sets the step size
#
# `jd.minimize` runs the whole descent as one compiled loop and records every step.
# With `jd.sgd(alpha)` the first step is exactly $-\alpha\, dC/dw(w_0)$, and doubling
# $\alpha$ doubles it.

# %%
w0 = jnp.array([-1.0])
g0 = float(slope(w0)[0])
for alpha in (0.05, 0.1):
    run = jd.minimize(cost, w0, jd.sgd(alpha), steps=1)
    first_step = float(run.params[1, 0] - run.params[0, 0])
    assert np.isclose(first_step, -alpha * g0, rtol=1e-6), (first_step, -alpha * g0)
    print(f"alpha = {alpha}: first step {first_step:+.2f} = -alpha * {g0:+.0f}")

# %% [markdown]
# On this quadratic each step multiplies the distance to the minimum by $(1 - \alpha a)$:
#
# $$ w_{t+1} - w^\star = (1 - \alpha a)(w_t - w^\star)
#    \quad\Rightarrow\quad w_t - w^\star = (1 - \alpha a)^t (w_0 - w^\star). $$
#
# So a small $\alpha$ crawls, $\alpha = 1/a$ lands on the minimum in one step, and a
# step with $1 < \alpha a < 2$ overshoots and oscillates in to the minimum. The recorded
# trajectories follow the closed form.

# %%
STEPS = 12
rates = {"too small": 0.02, "good": 0.2, "oscillating": 0.45}
drawn = jdplot.learning_rates(
    cost, w0, learning_rates=list(rates.values()), steps=STEPS, labels=list(rates)
)
runs = dict(zip(rates, drawn.trajectories, strict=True))
t = np.arange(STEPS + 1)
for label, lr in rates.items():
    closed_form = W_STAR + (1 - lr * A) ** t * (float(w0[0]) - W_STAR)
    np.testing.assert_allclose(runs[label].params[:, 0], closed_form, rtol=1e-5, atol=1e-6)

crawl, good = runs["too small"].final_loss, runs["good"].final_loss
assert good < 1e-3 * crawl, "a good learning rate gets far closer in the same steps"
assert np.any(np.diff(np.sign(np.asarray(runs["oscillating"].params[:, 0]) - W_STAR)) != 0)
save(drawn.figure, "learning_rates")

# %% [markdown]
# ## 3. Too large diverges: the threshold is $2/a$
#
# The factor $(1 - \alpha a)$ shrinks the distance only while $|1 - \alpha a| < 1$,
# that is for $0 < \alpha < 2/a$. Beyond $2/a$ every step overshoots by more than it
# corrects and the iterates grow without bound. One `jax.vmap` runs the descent for a
# whole grid of learning rates at once; the runs that blow up are flagged `diverged`.

# %%
threshold = 2.0 / A
lrs = jnp.linspace(0.05, 2.5 * threshold, 24 if SMALL else 240, dtype=jnp.float32)
many = jax.vmap(lambda lr: jd.minimize(cost, w0, jd.sgd(lr), steps=300, record_params=False))(lrs)
initial = float(cost(w0))
lr_np = np.asarray(lrs)
shrinks = np.asarray(many.final_loss) < initial
below, above = lr_np < threshold * (1 - 1e-3), lr_np > threshold * (1 + 1e-3)
assert shrinks[below].all(), "every learning rate below 2/a converges"
assert not shrinks[above].any(), "every learning rate above 2/a grows"
assert np.asarray(many.diverged)[lr_np > 1.2 * threshold].all(), "and well above it overflows"
largest_stable = lr_np[shrinks].max()
print(f"2/a = {threshold}; largest converging learning rate on the grid: {largest_stable:.4f}")

fig = Figure(figsize=(5.5, 3.5), layout="constrained")
ax = fig.add_subplot()
final = np.where(np.asarray(many.diverged), np.nan, np.asarray(many.final_loss))
ax.semilogy(lr_np, np.maximum(final, 1e-30), ".", label="final loss (finite runs)")
ax.axvline(threshold, color="C3", linestyle="--", label="2/a")
ax.set(xlabel="learning rate", ylabel="C after 300 steps")
ax.legend()
save(fig, "divergence_threshold")

# %% [markdown]
# ## 4. Two parameters: partial derivatives
#
# With several parameters the slope becomes the gradient, the vector of partial
# derivatives $(\partial C/\partial x, \partial C/\partial y)$, and the update moves
# every coordinate against its own partial derivative. Here is Himmelblau's surface
#
# $$ f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2, $$
#
# whose partial derivatives by hand are
# $\partial f/\partial x = 4x(x^2 + y - 11) + 2(x + y^2 - 7)$ and
# $\partial f/\partial y = 2(x^2 + y - 11) + 4y(x + y^2 - 7)$.
# `jax.grad` must agree with them and with central finite differences
# $\big(f(p + h e_i) - f(p - h e_i)\big) / 2h$, computed here in NumPy float64.


# %%
def himmelblau(p):
    x, y = p[0], p[1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def by_hand(x, y):
    return np.array(
        [4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7), 2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7)]
    )


def finite_differences(p, h=1e-6):
    p = np.asarray(p, dtype=np.float64)
    return np.array([(himmelblau(p + h * e) - himmelblau(p - h * e)) / (2 * h) for e in np.eye(2)])


surface = landscapes.himmelblau()
for point in ([0.5, -1.5], [-2.0, 3.0], [3.5, 1.0]):
    assert float(surface(jnp.array(point))) == himmelblau(np.array(point)), "same surface"
    auto = np.asarray(jax.grad(himmelblau)(jnp.array(point, dtype=jnp.float32)))
    np.testing.assert_allclose(auto, by_hand(*point), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(auto, finite_differences(point), rtol=1e-5, atol=1e-4)
    print(f"at {point}: jax.grad {auto}, finite differences {finite_differences(point)}")

# %% [markdown]
# Descending from the origin follows the steepest way down and ends in the minimum
# at $(3, 2)$, one of the surface's four global minima (where $f = 0$).

# %%
start = jnp.array([0.0, 0.0])
path = jd.minimize(surface, start, jd.sgd(0.01), steps=200)
np.testing.assert_allclose(np.asarray(path.final_params), [3.0, 2.0], atol=1e-4)
assert himmelblau(np.array([3.0, 2.0])) == 0.0

drawn = jdplot.trajectories(surface, {"sgd(0.01)": path})
save(drawn.figure, "himmelblau")

# %% [markdown]
# ## 5. A local minimum traps plain descent
#
# The double well $C(w) = w^4 - 3w^2 + w$ has two valleys. Its slope
# $dC/dw = 4w^3 - 6w + 1$ vanishes at three points, found here as the roots of that
# cubic with NumPy: the global minimum on the left, a hump, and a shallower local
# minimum on the right.

# %%
double_well = landscapes.double_well()


def C(w):
    """The double well in NumPy float64, for independent checks."""
    return w**4 - 3 * w**2 + w


critical = np.sort(np.roots([4.0, 0.0, -6.0, 1.0]).real)
global_min, hump, local_min = critical
assert C(global_min) < C(local_min), "the left valley is the deeper one"
np.testing.assert_allclose(double_well.minima[0, 0], global_min, rtol=1e-6)
np.testing.assert_allclose(double_well.local_minima[0, 0], local_min, rtol=1e-6)
print(
    f"global minimum w = {global_min:.4f} (C = {C(global_min):.4f}), hump w = {hump:.4f}, "
    f"local minimum w = {local_min:.4f} (C = {C(local_min):.4f})"
)

# %% [markdown]
# Started on the right, at $w_0 = 2$, plain descent slides into the nearer, shallower
# valley and stays there: at its bottom the slope is zero, so the steps are zero too.
# In fact, with a small learning rate, plain descent ends in whichever valley it starts
# in: every start right of the hump ends in the local minimum.

# %%
W0 = jnp.array([2.0])
LR = 0.01
plain = jd.minimize(double_well, W0, jd.sgd(LR), steps=500)
assert abs(float(plain.final_params[0]) - local_min) < 1e-3, "plain descent is trapped"

starts = jnp.linspace(-2.0, 2.0, 41 if SMALL else 401, dtype=jnp.float32)[:, None]
ends = jax.vmap(lambda w: jd.minimize(double_well, w, jd.sgd(LR), steps=500).final_params)(starts)
ends = np.asarray(ends[:, 0])
away_from_hump = np.abs(np.asarray(starts[:, 0]) - hump) > 0.05
went_right = np.abs(ends - local_min) < 1e-3
np.testing.assert_array_equal(
    went_right[away_from_hump], (np.asarray(starts[:, 0]) > hump)[away_from_hump]
)

# %% [markdown]
# ## 6. Momentum carries through
#
# Momentum keeps a velocity $v$, a running sum of past gradients, and steps along it:
#
# $$ v \leftarrow \beta v + \frac{dC}{dw}, \qquad w \leftarrow w - \alpha v. $$
#
# Speed gathered on the way down the right valley carries the iterate over the hump
# into the deeper valley. With the same learning rate $\alpha = 0.01$ and
# $\beta = 0.9$ it does, from the same start; with $\beta = 0.5$ it still does not.

# %%
heavy = jd.minimize(double_well, W0, jd.sgd(LR, momentum=0.9), steps=500)
light = jd.minimize(double_well, W0, jd.sgd(LR, momentum=0.5), steps=500)
assert abs(float(heavy.final_params[0]) - global_min) < 1e-3, (
    "momentum 0.9 reaches the global minimum"
)
assert abs(float(light.final_params[0]) - local_min) < 1e-3, "momentum 0.5 stays in the local one"
crossed = int(np.argmax(np.asarray(heavy.params[:, 0]) < hump))
print(f"momentum 0.9 crosses the hump at step {crossed}")

fig = Figure(figsize=(10, 3.5), layout="constrained")
panels = {"plain sgd(0.01)": plain, "sgd(0.01, momentum=0.9)": heavy}
for ax, (label, run) in zip(fig.subplots(1, 2), panels.items(), strict=True):
    jdplot.cost_curve(double_well, run, ax, xlim=(-2.0, 2.1), max_arrows=40)
    ax.set(title=label, ylim=(-4, 6))
save(fig, "double_well")

# %% [markdown]
# ## 7. Adam: a step of about $\alpha$, whatever the gradient's scale
#
# Adam divides a running mean of the gradients, $m$, by the square root of a running
# mean of their squares, $v$ (both bias-corrected: $\hat m$, $\hat v$):
#
# $$ w \leftarrow w - \alpha \, \frac{\hat m}{\sqrt{\hat v} + \epsilon}. $$
#
# On the first step $\hat m = g$ and $\hat v = g^2$, so the step is
# $-\alpha\, g/(|g| + \epsilon) \approx -\alpha \operatorname{sign}(g)$: its size is
# $\alpha$ however steep or flat the cost is, and multiplying the cost by 1000 barely
# changes the path (SGD's steps would be 1000 times larger).

# %%
for scale in (1.0, 1000.0):
    run = jd.minimize(lambda w, s=scale: s * double_well(w), W0, jd.adam(0.1), steps=1)
    np.testing.assert_allclose(float(run.params[1, 0] - W0[0]), -0.1, rtol=1e-5)

scaled = jd.minimize(lambda w: 1000.0 * double_well(w), W0, jd.adam(0.1), steps=200)
unscaled = jd.minimize(double_well, W0, jd.adam(0.1), steps=200)
np.testing.assert_allclose(np.asarray(scaled.params), np.asarray(unscaled.params), atol=1e-4)

# %% [markdown]
# Adam is no cure for local minima by itself. With its usual $\alpha = 0.1$ it too
# settles in the right valley; with $\alpha = 0.5$ its first steps, each about
# $0.5$ long, jump the hump before the averages have settled.

# %%
adam_small = jd.minimize(double_well, W0, jd.adam(0.1), steps=1000)
adam_large = jd.minimize(double_well, W0, jd.adam(0.5), steps=1000)
assert abs(float(adam_small.final_params[0]) - local_min) < 1e-3, "adam(0.1) stays local"
assert abs(float(adam_large.final_params[0]) - global_min) < 1e-3, "adam(0.5) reaches global"

results = {
    "sgd(0.01)": plain,
    "sgd(0.01, momentum=0.5)": light,
    "sgd(0.01, momentum=0.9)": heavy,
    "adam(0.1)": adam_small,
    "adam(0.5)": adam_large,
}
for label, run in results.items():
    w_end = float(run.final_params[0])
    where = "global" if abs(w_end - global_min) < 1e-3 else "local"
    print(f"{label:>24}: ends at w = {w_end:+.4f} ({where} minimum)")

# %% [markdown]
# ## What we checked
#
# - the step goes against the slope, and its size is $\alpha$ times the slope;
# - on $\tfrac{a}{2}(w - w^\star)^2$ plain descent converges exactly for $\alpha < 2/a$;
# - `jax.grad` gives the partial derivatives, equal to the hand-derived ones and to
#   finite differences;
# - plain descent with a small step ends in the valley it starts in;
# - momentum ($\beta = 0.9$, $\alpha = 0.01$) carries through to the global minimum
#   of the double well, $\beta = 0.5$ does not;
# - Adam's steps do not depend on the scale of the cost; $\alpha = 0.5$ jumps to the
#   global minimum, $\alpha = 0.1$ does not.
