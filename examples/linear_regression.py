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
# # Linear regression by minibatch SGD, against the closed form
#
# A linear model predicts $\hat y = x \cdot w$. Given $n$ examples (the rows of
# $X$ and the targets $y$) the least-squares cost is
#
# $$ C(w) = \frac{1}{2n} \lVert X w - y \rVert^2 = \frac{1}{n} \sum_{i=1}^n c_i(w),
#    \qquad c_i(w) = \tfrac12 (x_i \cdot w - y_i)^2 . $$
#
# It is one of the few costs whose minimum has a formula: setting the gradient
# $\frac1n X^\top (Xw - y)$ to zero gives the *normal equations*
# $X^\top X\, w^\star = X^\top y$, which `np.linalg.lstsq` solves. So it is the
# place to watch stochastic gradient descent and check it against the answer.
#
# **Stochastic** gradient descent does not compute the full gradient. At each
# step it draws a *minibatch* $B_t$ of $b$ examples and steps along the
# gradient of their cost alone,
#
# $$ w_{t+1} = w_t - \alpha_t \, \frac1b \sum_{i \in B_t} \nabla c_i(w_t), $$
#
# an unbiased but noisy estimate of $\nabla C(w_t)$ that costs $b/n$ of the full
# one. `jaxdescent.minimize` draws the minibatches inside the compiled loop: pass
# `data=`, `batch_size=` and a `key=`. Every claim below is checked by an
# `assert`; run it as a script (`python examples/linear_regression.py --small`)
# or as a notebook.
# The docs run it at its small sizes (`SMALL`); `save(fig, name)` shows a figure
# and, given `--out`, also writes it there.

# %% tags=["remove-cell"]
# %matplotlib inline
# Command-line plumbing (`--small`, `--out DIR`, `save`; see _command_line.py),
# removed from the docs page.
from _command_line import parse_command_line

SMALL, OUT, save = parse_command_line("Linear regression by minibatch SGD.")

# %%
import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure

import jaxdescent as jd

# %% [markdown]
# ## The data and the closed-form answer
#
# `jd.datasets.linear_regression` draws Gaussian features $X$, true weights
# $w_{true}$ and targets $y = X w_{true} + \sigma \varepsilon$. Because of the
# noise, the least-squares answer $w^\star$ is close to $w_{true}$ but not equal to
# it: $w^\star$ is what any minimizer of $C$ must find.

# %%
N, DIM, STEPS, BATCH = (256, 5, 400, 4) if SMALL else (4096, 20, 3000, 32)
data, w_true = jd.datasets.linear_regression(N, DIM, 0.1, jax.random.key(0))
X, Y = np.asarray(data["x"], np.float64), np.asarray(data["y"], np.float64)
w_star = np.linalg.lstsq(X, Y, rcond=None)[0]
C_star = np.mean((X @ w_star - Y) ** 2) / 2
print(f"|w* - w_true| = {np.linalg.norm(w_star - w_true):.4f},  C(w*) = {C_star:.6f}")


def cost(w, batch):
    """Least-squares cost of the examples in ``batch`` (the whole data or a minibatch)."""
    return jnp.mean((batch["x"] @ w - batch["y"]) ** 2) / 2


def full_cost(w):
    """C(w) on all the data: what `evaluate` records every few steps."""
    return cost(w, data)


assert abs(C_star - 0.1**2 / 2) < 0.3 * 0.1**2 / 2, "the cost left at w* is the noise, sigma^2/2"

# %% [markdown]
# ## Constant learning rate: SGD settles in a cloud around $w^\star$
#
# With `batch_size` the recorded `loss` is each step's *minibatch* cost, noisy by
# nature. The full cost $C(w_t)$ is recorded separately by `evaluate=` every
# `evaluate_every` steps, between which the steps run undisturbed. A constant
# learning rate never lets the noise die out: the iterates reach $w^\star$'s
# neighbourhood fast, then wander in a cloud whose size grows with $\alpha$.

# %%
x0 = jnp.zeros(DIM, jnp.float32)
EVERY = STEPS // 20
constant = jd.minimize(
    cost,
    x0,
    jd.sgd(0.05),
    steps=STEPS,
    data=data,
    batch_size=BATCH,
    key=jax.random.key(1),
    evaluate=full_cost,
    evaluate_every=EVERY,
)
error_constant = np.linalg.norm(np.asarray(constant.params) - w_star, axis=1)
print(f"constant rate: |w - w*| over the last quarter = {error_constant[-STEPS // 4 :].mean():.2e}")

minibatch_loss = np.asarray(constant.loss)
evaluated = np.asarray(constant.evaluations)
assert np.array_equal(np.asarray(constant.evaluation_steps)[:3], [0, EVERY, 2 * EVERY])
assert np.all(evaluated >= C_star * (1 - 1e-5)), "no w beats the least-squares answer"
assert evaluated[-1] < 1.05 * C_star, "the full cost ends within 5% of the minimum"
assert minibatch_loss[-STEPS // 4 :].std() > 3 * evaluated[-5:].std(), "minibatch cost is noisy"
assert error_constant[-1] < 0.1 * error_constant[0], "SGD gets close to w*"

# %% [markdown]
# ## A decaying learning rate: SGD converges to $w^\star$
#
# Letting $\alpha_t$ fall to zero shrinks the cloud with it (Robbins and Monro,
# 1951). Any schedule, a function of the step count, can be the learning rate;
# here a cosine from 0.05 to 0. SGD then finds $w^\star$ itself, far closer than
# $w^\star$ is to the true weights.


# %%
def cosine(count):
    """Learning rate 0.05 at step 0, decaying to 0 at the last step."""
    return 0.025 * (1 + jnp.cos(jnp.pi * count.astype(jnp.float32) / STEPS))


decaying = jd.minimize(
    cost,
    x0,
    jd.sgd(cosine),
    steps=STEPS,
    data=data,
    batch_size=BATCH,
    key=jax.random.key(1),
    evaluate=full_cost,
    evaluate_every=EVERY,
)
error_decaying = np.linalg.norm(np.asarray(decaying.params) - w_star, axis=1)
print(f"decaying rate: |w_T - w*| = {error_decaying[-1]:.2e}")
print(f"closed form:   |w* - w_true| = {np.linalg.norm(w_star - w_true):.2e}")

assert error_decaying[-1] < 0.5 * error_constant[-STEPS // 4 :].mean(), "decay shrinks the cloud"
assert error_decaying[-1] < 0.2 * np.linalg.norm(w_star - w_true), "SGD finds w*, not w_true"
np.testing.assert_allclose(np.asarray(decaying.final_params), w_star, atol=5e-3)

# %% [markdown]
# ## What a full-batch step costs, and what it buys
#
# Without `batch_size` every step uses all the data: plain gradient descent.
# Each of its steps touches all $n$ examples, $n/b$ times as many as a
# minibatch step, so compare them per *epoch* (examples processed / $n$). We
# give gradient descent its best constant rate, $2/(\lambda_{max} +
# \lambda_{min})$ from the eigenvalues of the Hessian $X^\top X / n$: it then
# shrinks the error by at least $(\lambda_{max} - \lambda_{min}) /
# (\lambda_{max} + \lambda_{min})$ per step.
#
# After one epoch, SGD's $n/b$ small steps are far ahead of gradient descent's
# single step: on large, redundant data that is why networks train with SGD.
# Given many epochs, gradient descent converges all the way (linearly), while
# constant-rate SGD stays in its cloud.

# %%
eigenvalues = np.linalg.eigvalsh(X.T @ X / N)
lam_min, lam_max = eigenvalues[0], eigenvalues[-1]
EPOCHS = STEPS * BATCH // N
full = jd.minimize(cost, x0, jd.sgd(2 / (lam_max + lam_min)), steps=EPOCHS, data=data)
error_full = np.linalg.norm(np.asarray(full.params) - w_star, axis=1)
epochs_sgd = np.arange(STEPS + 1) * BATCH / N
epochs_full = np.arange(EPOCHS + 1)
rate = (lam_max - lam_min) / (lam_max + lam_min)
one_epoch = N // BATCH
print(f"after 1 epoch: gradient descent {error_full[1]:.2e}, SGD {error_constant[one_epoch]:.2e}")
print(f"after {EPOCHS} epochs: gradient descent {error_full[-1]:.2e}, SGD {error_constant[-1]:.2e}")

above_float32_floor = error_full[:-1] > 1e-4
shrink = error_full[1:][above_float32_floor] / error_full[:-1][above_float32_floor]
assert np.all(shrink <= rate * (1 + 1e-3)), "linear convergence, at the guaranteed rate"
assert error_constant[one_epoch] < 0.5 * error_full[1], "one epoch: SGD is ahead"
assert error_full[-1] < error_constant[-1], "many epochs: gradient descent passes constant SGD"

# %%
fig = Figure(figsize=(11, 4), layout="constrained")
left, right = fig.subplots(1, 2)
left.plot(np.asarray(constant.steps), minibatch_loss, lw=0.5, alpha=0.6, label="minibatch loss")
left.plot(np.asarray(constant.evaluation_steps), evaluated, "o-", ms=3, label="full loss C(w)")
left.axhline(C_star, color="k", ls="--", lw=1, label="C(w*) (closed form)")
left.set(yscale="log", xlabel="step", ylabel="cost", title="constant learning rate 0.05")
left.legend(fontsize="small")
right.plot(epochs_sgd, error_constant, lw=1, label=f"SGD, batch {BATCH}, constant rate")
right.plot(epochs_sgd, error_decaying, lw=1, label=f"SGD, batch {BATCH}, cosine decay")
right.plot(epochs_full, error_full, "o-", ms=3, label="full-batch gradient descent")
right.axhline(np.linalg.norm(w_star - w_true), color="k", ls=":", lw=1, label="|w* - w_true|")
right.set(yscale="log", xlabel="epochs (examples processed / n)", ylabel="|w - w*|")
right.legend(fontsize="small")
save(fig, "linear_regression")
