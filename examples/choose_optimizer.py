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
# # How-to: which learning rate, which optimizer, how robust over seeds?
#
# Three questions every training run raises, answered on a small network and
# real data with one picture: held-out accuracy against the learning rate, one
# line per optimizer, the mean over seeds drawn as a line and its spread
# (+- one standard deviation) as a band around it.
#
# The network is the two-layer MLP of the {doc}`digits example <mlp_digits>`
# (64 pixels -> 32 ReLU units -> 10 classes, cross-entropy), trained by
# minibatches of 32 on scikit-learn's 8x8 handwritten digits
# (`pip install jaxdescent[data]`) and scored on the 449 images it never saw.
# "Seed" here means both sources of luck: the initial weights (dim `start`)
# and the order of the minibatches (dim `seed`); every combination runs.
# Every claim is checked by an `assert`; run it as a script
# (`python examples/choose_optimizer.py --small`) or as a notebook.

# %% tags=["remove-cell"]
# %matplotlib inline
# Command-line plumbing (`--small`, `--out DIR`, `save`; see _command_line.py),
# removed from the docs page.
from _command_line import parse_command_line

SMALL, OUT, save = parse_command_line("Learning rate x optimizer x seeds on the digits.")

# %%
import functools

import jax
import jax.numpy as jnp
import numpy as np

import jaxdescent as jd
import jaxdescent.plot

# %% [markdown]
# ## The model, the data, the score
#
# Parameters are a plain pytree; `evaluate` measures the held-out accuracy,
# which `minimize` (and so `sweep`) records at the end of training.

# %%
train, test = jd.datasets.digits()


def init(key, sizes=(64, 32, 10)):
    """He-initialised layers ``{"w": (fan_in, fan_out), "b": (fan_out,)}``."""
    keys = jax.random.split(key, len(sizes) - 1)
    return [
        {"w": jax.random.normal(k, (m, n)) * jnp.sqrt(2.0 / m), "b": jnp.zeros(n)}
        for k, m, n in zip(keys, sizes[:-1], sizes[1:], strict=True)
    ]


def apply(params, x):
    """Logits of the images ``x`` (B, 64)."""
    *hidden, last = params
    for layer in hidden:
        x = jax.nn.relu(x @ layer["w"] + layer["b"])
    return x @ last["w"] + last["b"]


def cost(params, batch):
    """Mean cross-entropy of the labels under the softmax of the logits."""
    log_p = jax.nn.log_softmax(apply(params, batch["x"]))
    return -jnp.mean(jnp.take_along_axis(log_p, batch["y"][:, None], axis=1))


def evaluate(params):
    """Held-out accuracy: the share of test digits read right."""
    return {"accuracy": jnp.mean(jnp.argmax(apply(params, test["x"]), axis=1) == test["y"])}


# %% [markdown]
# ## One sweep per optimizer
#
# Each optimizer trains the same network from the same initial weights over the
# same learning rates (a factor of about 2.6 apart, from 1e-4 to 3), every
# initialisation (`starts`) with every minibatch order (`seeds`). A dict of
# optimizer factories makes one more dim, `optimizer`: one call, one result,
# all the runs of each optimizer one compiled, vectorised program. Plain SGD,
# SGD with heavy-ball momentum 0.9 (Polyak, 1964), and Adam (Kingma and Ba,
# 2015) with optax's defaults.

# %%
STEPS = 200 if SMALL else 300
RATES = np.geomspace(1e-4, 3.0, 12)
N_STARTS, N_SEEDS = (2, 2) if SMALL else (3, 3)
OPTIMIZERS = {
    "sgd": jd.sgd,
    "momentum 0.9": functools.partial(jd.sgd, momentum=0.9),
    "adam": jd.adam,
}
starts = jax.tree_util.tree_map(
    lambda *leaves: jnp.stack(leaves), *[init(jax.random.key(s)) for s in range(N_STARTS)]
)
result = jd.sweep(
    cost,
    OPTIMIZERS,  # a dict of factories: the dim "optimizer"
    starts=starts,
    seeds=N_SEEDS,
    steps=STEPS,
    data=train,
    batch_size=32,
    evaluate=evaluate,
    evaluate_every=STEPS,
    record_every=STEPS // 10,
    learning_rate=RATES,
)
print(result.dims, result.shape, f"{int(np.sum(result.diverged))} runs diverged")
assert result.dims == ("optimizer", "learning_rate", "start", "seed")


# %% [markdown]
# ## The picture
#
# Each point is the mean held-out accuracy of all the runs at one learning rate;
# the band spans one standard deviation either side. An `x` on the top edge
# would mark a learning rate at which some run diverged.

# %%
drawn = jd.plot.sweep_summary(result, "accuracy", over=("start", "seed"), hue="optimizer")
drawn.ax.set_ylim(0.0, 1.0)
drawn.ax.set_xlabel("learning rate")
drawn.ax.set_ylabel("held-out accuracy")
save(drawn.figure, "choose_optimizer")

# %% [markdown]
# ## The answers, read off the runs
#
# For each optimizer: the learning rate with the best mean held-out accuracy
# (`best` ranks configurations by their mean over `start` and `seed`), the
# spread of the runs there, and how wide the good range is: the learning rates
# whose mean accuracy is within 2 points of that optimizer's best.

# %%
over = ("start", "seed")
answers = {}
for name in OPTIMIZERS:
    runs = result.sel(optimizer=name)
    best = runs.best("accuracy", over=over, mode="max")
    accuracy = np.asarray(runs.evaluations["accuracy"])[..., -1]  # (rate, start, seed)
    mean = accuracy.mean(axis=(1, 2))
    i = int(np.flatnonzero(np.isclose(RATES, best["learning_rate"]))[0])
    good = RATES[mean >= mean[i] - 0.02]
    answers[name] = {
        "lr": best["learning_rate"],
        "mean": mean[i],
        "std": accuracy[i].std(),
        "good": (good.min(), good.max()),
        "index": i,
    }
    print(
        f"{name:>13}: best learning rate {best['learning_rate']:.3g}, held-out accuracy "
        f"{mean[i]:.1%} +- {accuracy[i].std():.1%} over {accuracy[i].size} runs; "
        f"within 2 points of it from {good.min():.2g} to {good.max():.2g}"
    )
winner = max(answers, key=lambda name: answers[name]["mean"])
runner_up = sorted((a["mean"] for a in answers.values()), reverse=True)[1]
print(
    f"best by mean: {winner} at learning rate {answers[winner]['lr']:.3g}, "
    f"{answers[winner]['mean']:.1%} (the next best mean is {runner_up:.1%})"
)

# every optimizer has its best rate inside the sweep, not at an end of it
assert all(0 < a["index"] < len(RATES) - 1 for a in answers.values())
assert all(a["mean"] > (0.9 if SMALL else 0.94) for a in answers.values())
assert all(a["std"] < 0.03 for a in answers.values()), "at its best rate, luck matters little"
# momentum 0.9 takes steps up to 1 / (1 - 0.9) = 10 times larger: its good range starts lower
assert answers["momentum 0.9"]["good"][0] < answers["sgd"]["good"][0]
# adam's step is about the learning rate, whatever the gradient's scale: its whole good range
# lies below plain SGD's
assert answers["adam"]["good"][1] < answers["sgd"]["good"][0]
# too large a rate fails for every optimizer: near chance (10%) at the largest rate
largest = np.asarray(result.evaluations["accuracy"])[:, -1, ..., -1]  # (optimizer, start, seed)
assert np.all(largest.mean(axis=(1, 2)) < 0.3)

# %% [markdown]
# **What it says.** At its own best learning rate each optimizer reads well over
# 90% of the held-out digits, and the runs (initial weights x minibatch order)
# scatter by a point or two around their mean: the difference between the
# optimizers' best means is of the order of that spread, while a learning rate
# off by a factor of ten costs far more. The good ranges sit at different
# places: Adam's entirely below plain SGD's, momentum's reaching lower than
# plain SGD's. A learning rate tuned for one optimizer is wrong for another,
# and too large a rate fails for all three (near 10%, chance), which is why the
# sweep spans several decades.
