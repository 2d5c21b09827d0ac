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
# # A neural network on handwritten digits, trained by backpropagation
#
# This example trains a small multilayer perceptron (MLP) to read the 8x8
# handwritten digits that scikit-learn ships (`pip install jaxdescent[data]`),
# by minibatch stochastic gradient descent, then trains a whole grid of them
# (learning rates x seeds) in one compiled call. Every claim is checked by an
# `assert`; run it as a script (`python examples/mlp_digits.py --small`) or as a
# notebook.
# The docs run it at its small sizes (`SMALL`); `save(fig, name)` shows a figure
# and, given `--out`, also writes it there.
#
# The network is two plain functions of its parameters, no framework:
#
# $$ h = \mathrm{relu}(x W_1 + b_1), \qquad z = h W_2 + b_2, \qquad
#    p = \mathrm{softmax}(z), $$
#
# and its cost on a batch of $B$ images $x_i$ with labels $y_i$ is the
# cross-entropy, the mean surprise at the right answer:
#
# $$ C = -\frac1B \sum_{i} \log p_{i, y_i}. $$

# %% tags=["remove-cell"]
# %matplotlib inline
# Command-line plumbing (`--small`, `--out DIR`, `save`; see _command_line.py),
# removed from the docs page.
from _command_line import parse_command_line

SMALL, OUT, save = parse_command_line("An MLP on the digits, trained by backpropagation.")

# %%
import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure

import jaxdescent as jd
import jaxdescent.plot

# %% [markdown]
# ## The data
#
# `jd.datasets.digits()` returns a fixed split: 1,348 images to train on and
# 449 held out, each a dict `{"x": (n, 64) pixels in [0, 1], "y": (n,) labels}`.
# The held-out images are never used for training: accuracy on them measures
# what the network learned, not what it memorised.

# %%
train, test = jd.datasets.digits()
print({k: v.shape for k, v in train.items()}, {k: v.shape for k, v in test.items()})
assert train["x"].shape[1] == 64
assert 0.0 <= float(train["x"].min()) <= float(train["x"].max()) <= 1.0

# %% [markdown]
# ## The network: initialise and apply
#
# Weights start small and random (He et al., 2015: variance $2/\text{fan-in}$,
# which keeps ReLU activations from shrinking or exploding layer after layer);
# biases start at zero. The parameters are a plain pytree, a list of dicts, which
# `minimize` and the optimizers move as a whole.

# %%
HIDDEN = 32


def init(key, sizes=(64, HIDDEN, 10)):
    """A list of layers ``{"w": (fan_in, fan_out), "b": (fan_out,)}``, He-initialised."""
    keys = jax.random.split(key, len(sizes) - 1)
    return [
        {"w": jax.random.normal(k, (m, n)) * jnp.sqrt(2.0 / m), "b": jnp.zeros(n)}
        for k, m, n in zip(keys, sizes[:-1], sizes[1:], strict=True)
    ]


def apply(params, x):
    """Logits ``z`` of the images ``x`` (B, 64): ReLU hidden layers, then a linear one."""
    *hidden, last = params
    for layer in hidden:
        x = jax.nn.relu(x @ layer["w"] + layer["b"])
    return x @ last["w"] + last["b"]


def cost(params, batch):
    """Mean cross-entropy of the labels under the softmax of the logits."""
    log_p = jax.nn.log_softmax(apply(params, batch["x"]))
    return -jnp.mean(jnp.take_along_axis(log_p, batch["y"][:, None], axis=1))


def evaluate(params):
    """Held-out cost and accuracy: what `minimize` records every `evaluate_every` steps."""
    guess = jnp.argmax(apply(params, test["x"]), axis=1)
    return {"loss": cost(params, test), "accuracy": jnp.mean(guess == test["y"])}


x0 = init(jax.random.key(0))
print(f"{sum(p.size for p in jax.tree_util.tree_leaves(x0))} parameters")
assert abs(float(cost(x0, train)) - np.log(10)) < 1.0, "an untrained net is near-uniform"

# %% [markdown]
# ## Backpropagation is `jax.grad`
#
# Training needs the gradient of $C$ with respect to every weight.
# Backpropagation computes it with the chain rule, from the output back: with
# $Y$ the one-hot labels,
#
# $$ \delta_2 = \frac{p - Y}{B}, \quad
#    \frac{\partial C}{\partial W_2} = h^\top \delta_2, \quad
#    \delta_1 = (\delta_2 W_2^\top) \odot [x W_1 + b_1 > 0], \quad
#    \frac{\partial C}{\partial W_1} = x^\top \delta_1, $$
#
# and $\partial C / \partial b$ sums each $\delta$ over the batch. `jax.grad`
# is reverse-mode automatic differentiation, which *is* backpropagation, done
# for us for any network. `minimize` calls it on our `cost` at every step. Here
# the hand-written version, in NumPy, agrees with it:


# %%
def backprop(params, batch):
    """The gradient of ``cost`` by the chain rule, written out in NumPy."""
    (w1, b1), (w2, b2) = ((np.asarray(layer["w"]), np.asarray(layer["b"])) for layer in params)
    x, y = np.asarray(batch["x"]), np.asarray(batch["y"])
    z1 = x @ w1 + b1
    h = np.maximum(z1, 0)
    z2 = h @ w2 + b2
    p = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    delta2 = (p - np.eye(10)[y]) / len(y)
    delta1 = (delta2 @ w2.T) * (z1 > 0)
    return [{"w": x.T @ delta1, "b": delta1.sum(0)}, {"w": h.T @ delta2, "b": delta2.sum(0)}]


some = {k: v[:64] for k, v in train.items()}
for auto, by_hand in zip(
    jax.tree_util.tree_leaves(jax.grad(cost)(x0, some)),
    jax.tree_util.tree_leaves(backprop(x0, some)),
    strict=True,
):
    np.testing.assert_allclose(np.asarray(auto), by_hand, rtol=1e-4, atol=1e-6)

# %% [markdown]
# ## Training: minibatch SGD, held-out accuracy by `evaluate`
#
# Each step draws 32 training images (shuffled epochs: every image once per
# pass) inside the compiled loop, takes one SGD step with momentum, and moves
# on. The recorded `loss` is each step's minibatch cost. Every `evaluate_every`
# steps `evaluate` measures the held-out cost and accuracy; the steps between
# evaluations run at full speed.

# %%
STEPS = 150 if SMALL else 1000
BATCH = 32
EVERY = STEPS // 10
run = jd.minimize(
    cost,
    x0,
    jd.sgd(0.1, momentum=0.9),
    steps=STEPS,
    data=train,
    batch_size=BATCH,
    key=jax.random.key(1),
    evaluate=evaluate,
    evaluate_every=EVERY,
    record_every=EVERY // 5,
    record_params=False,
)
accuracy = np.asarray(run.evaluations["accuracy"])
print("held-out accuracy at steps", np.asarray(run.evaluation_steps), ":", accuracy.round(3))
print(f"after {STEPS} steps ({STEPS * BATCH / len(train['y']):.1f} epochs): {accuracy[-1]:.1%}")

assert np.array_equal(np.asarray(run.evaluation_steps), np.arange(0, STEPS + 1, EVERY))
assert accuracy[0] < 0.3, "untrained: little better than a guess among 10"
assert accuracy[-1] > (0.85 if SMALL else 0.94), "trained: reads held-out digits"
assert float(run.evaluations["loss"][-1]) < 0.5 * float(run.evaluations["loss"][0])

# %% [markdown]
# ## Learning rates x seeds, in one call
#
# How does the result depend on the learning rate, and how much on luck (the
# order of the minibatches)? `jd.sweep` trains every combination at once: one
# compiled program, vectorised over the runs with `vmap`. Each seed gives its
# run an independent stream of minibatches; all start from the same weights.

# %%
LEARNING_RATES = [0.003, 0.03, 0.3, 3.0] if SMALL else list(np.logspace(-3, 0.5, 8))
SEEDS = [0, 1] if SMALL else [0, 1, 2, 3]
grid = jd.sweep(
    cost,
    jd.sgd,
    x0=x0,
    steps=STEPS,
    seeds=SEEDS,
    data=train,
    batch_size=BATCH,
    evaluate=evaluate,
    evaluate_every=EVERY,
    record_every=EVERY // 5,
    learning_rate=LEARNING_RATES,
    momentum=0.9,
)
print(grid.summary())
held_out = grid.evaluations["accuracy"][..., -1]  # (learning rate, seed)
by_rate = held_out.mean(axis=1)
best = int(np.argmax(by_rate))
for lr, acc in zip(grid.coords["learning_rate"], held_out, strict=True):
    print(f"learning rate {lr:8.4f}: held-out accuracy {', '.join(f'{a:.1%}' for a in acc)}")

assert grid.dims == ("learning_rate", "seed")
assert held_out.shape == (len(LEARNING_RATES), len(SEEDS))
assert 0 < best < len(LEARNING_RATES) - 1, "the best learning rate is neither extreme"
assert by_rate[best] > (0.85 if SMALL else 0.94)
assert by_rate[0] < by_rate[best] - 0.1, "too small: the network has barely started"
assert by_rate[-1] < 0.5, "too large: the steps overshoot and training fails"
assert np.ptp(held_out[best]) < 0.05, "seeds change the details, not the outcome"
assert len({grid.loss[best, s].tobytes() for s in range(len(SEEDS))}) == len(SEEDS)

# %% [markdown]
# ## Loss curves and accuracy against the learning rate
#
# Left: the minibatch cost of every run (one seed), jagged because every step
# sees other images. Right: held-out accuracy at the end of training for each
# learning rate, every seed a dot. Too small a rate learns slowly; too large a
# one overshoots, and the network stops learning altogether.

# %%
fig = Figure(figsize=(11, 4), layout="constrained")
left, right = fig.subplots(1, 2)
jd.plot.loss_curves(grid.sel(seed=SEEDS[0]), ax=left)
left.set_title(f"minibatch cost, seed {SEEDS[0]}")
rates = grid.coords["learning_rate"]
for s, seed in enumerate(SEEDS):
    right.plot(rates, held_out[:, s], "o", ms=4, alpha=0.7, label=f"seed {seed}")
right.plot(rates, by_rate, "k-", lw=1, label="mean over seeds")
right.set(xscale="log", xlabel="learning rate", ylabel="held-out accuracy", ylim=(0, 1))
right.set_title(f"after {STEPS} steps of SGD (momentum 0.9)")
right.legend(fontsize="small")
save(fig, "mlp_digits")
