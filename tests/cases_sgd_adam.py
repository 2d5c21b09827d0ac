"""Registry cases for SGD and its variants (sign, noisy, Polyak), the Adam family and Lion.

Learning rates are small enough that every keyword set descends (without
diverging) for 200 steps on both trajectory problems of ``tests/equivalence.py``.
"""

import jax
import optax

import jaxdescent as jd
from tests import references
from tests.registry import DECAY, LR, Case, matrices_only
from tests.registry import decaying as _decay

CASES = [
    Case(
        "sgd",
        jd.sgd,
        optax.sgd,
        (
            {"learning_rate": 1e-3},
            {"learning_rate": 1e-3, "momentum": 0.9},
            {"learning_rate": 5e-4, "momentum": 0.5, "nesterov": True},
            {"learning_rate": _decay(2e-3)},
        ),
        ranges={"learning_rate": (1e-5, 2e-3), "momentum": (0.0, 0.9)},
    ),
    Case(
        "adam",
        jd.adam,
        optax.adam,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 2e-2, "b1": 0.8, "b2": 0.99, "nesterov": True},
            {"learning_rate": 1e-2, "eps": 1e-6, "eps_root": 1e-8},
            {"learning_rate": optax.linear_schedule(5e-2, 1e-3, 200)},
        ),
        ranges={"learning_rate": LR, "b1": DECAY, "b2": DECAY, "eps": (0.0, 1e-3)},
    ),
    Case(
        "adamw",
        jd.adamw,
        optax.adamw,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 1e-2, "weight_decay": 0.1, "nesterov": True},
            {"learning_rate": 1e-2, "weight_decay": 0.5, "mask": matrices_only},
            {"learning_rate": 1e-2, "weight_decay": optax.linear_schedule(0.2, 0.0, 100)},
        ),
        ranges={"learning_rate": LR, "b1": DECAY, "b2": DECAY, "weight_decay": (0.0, 1.0)},
    ),
    Case(
        "nadam",
        jd.nadam,
        optax.nadam,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 1e-2, "b1": 0.95, "b2": 0.99, "eps_root": 1e-10},
            {"learning_rate": 1e-2, "nesterov": False},
        ),
        ranges={"learning_rate": LR, "b1": DECAY, "b2": DECAY},
    ),
    Case(
        "amsgrad",
        jd.amsgrad,
        optax.amsgrad,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 1e-2, "b2": 0.99, "bias_correction_nu": False},
            {"learning_rate": 2e-2, "eps": 1e-6, "bias_correction_mu": False},
        ),
        ranges={"learning_rate": LR, "b1": DECAY, "b2": DECAY, "eps_root": (0.0, 1e-6)},
    ),
    Case(
        "adamax",
        jd.adamax,
        optax.adamax,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 2e-2, "b1": 0.8, "b2": 0.99, "eps": 1e-6},
            {"learning_rate": _decay(2e-2)},
        ),
        ranges={"learning_rate": LR, "b1": DECAY, "b2": DECAY, "eps": (0.0, 1e-3)},
    ),
    Case(
        "radam",
        jd.radam,
        optax.radam,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 1e-2, "b2": 0.99, "threshold": 4.5},
            {"learning_rate": 1e-2, "nesterov": True, "eps_root": 1e-12},
        ),
        ranges={"learning_rate": LR, "b1": DECAY, "b2": (0.9, 0.999), "threshold": (4.0, 6.0)},
    ),
    Case(
        "sign_sgd",
        jd.sign_sgd,
        optax.sign_sgd,
        ({"learning_rate": 1e-3}, {"learning_rate": _decay(1e-2)}),
        ranges={"learning_rate": (1e-5, 1e-2)},
    ),
    Case(
        "noisy_sgd",
        jd.noisy_sgd,
        optax.noisy_sgd,
        (
            {"learning_rate": 1e-3, "key": 0},
            {"learning_rate": 1e-3, "eta": 0.1, "gamma": 0.3, "key": jax.random.key(42)},
        ),
        ranges={"learning_rate": (1e-5, 2e-3), "eta": (0.0, 0.5), "gamma": (0.0, 1.0)},
    ),
    Case(
        "polyak_sgd",
        jd.polyak_sgd,
        references.polyak_sgd,
        (
            {},
            {"max_learning_rate": 0.01, "scaling": 0.5, "f_min": -0.1},
            {"max_learning_rate": 0.005, "scaling": 2.0, "eps": 1e-3, "variant": "sps+"},
            {"max_learning_rate": 0.01, "scaling": _decay(1.0)},
        ),
        ranges={
            "max_learning_rate": (1e-4, 1e-2),
            "scaling": (0.1, 2.0),
            "f_min": (-1.0, 0.0),
            "eps": (0.0, 1.0),
        },
        reference_note=(
            "optax.polyak_sgd applies `scaling` before computing the Polyak step, so it "
            "divides the step instead of multiplying it; the reference is the formula "
            "optax documents (SPS_max of Loizou et al. 2021 times `scaling`)."
        ),
        needs_value=True,
    ),
    Case(
        "lion",
        jd.lion,
        optax.lion,
        (
            {"learning_rate": 1e-3},
            {"learning_rate": 1e-3, "b1": 0.95, "b2": 0.98, "weight_decay": 0.1},
            {"learning_rate": 1e-3, "weight_decay": 0.5, "mask": matrices_only},
            {"learning_rate": _decay(3e-3), "weight_decay": 0.0},
        ),
        ranges={"learning_rate": (1e-5, 1e-2), "b1": DECAY, "b2": DECAY},
    ),
]
