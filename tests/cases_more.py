"""Registry cases for AdaMaxW, NAdamW, Signum, LARS, Fromage and the optimistic methods.

Learning rates are small enough that every keyword set descends (without
diverging) for 200 steps on both trajectory problems of ``tests/equivalence.py``.
LARS is checked against the paper transcription of ``tests/references.py`` (see
its ``reference_note``); the others against optax.
"""

import warnings
from typing import Any

import jax
import optax

import jaxdescent as jd
from tests import references
from tests.registry import DECAY, LR, Case, matrices_only
from tests.registry import decaying as _decay


def optax_optimistic_adam(*args: Any, **kwargs: Any) -> Any:
    """``optax.optimistic_adam`` without its DeprecationWarning (it points to ``_v2``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return optax.optimistic_adam(*args, **kwargs)


def default_precision_decay(initial: float) -> Any:
    """An exponential decay in JAX's default float precision (float64 under x64).

    ``optax.exponential_decay`` returns float32 even under x64; optax's Fromage then
    computes ``1 / sqrt(1 + alpha^2) - 1`` in float32 and jaxdescent, which treats a
    schedule's value as a Python number, in float64 (see
    ``tests/test_optimizer_closed_forms.py``).
    """

    def schedule(count: jax.Array) -> jax.Array:
        return initial * 0.8 ** (count.astype(float) / 20)

    return schedule


CASES = [
    Case(
        "adamaxw",
        jd.adamaxw,
        optax.adamaxw,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 2e-2, "b1": 0.8, "b2": 0.99, "eps": 1e-6, "weight_decay": 0.1},
            {"learning_rate": 1e-2, "weight_decay": 0.5, "mask": matrices_only},
            {"learning_rate": _decay(2e-2), "weight_decay": optax.linear_schedule(0.2, 0.0, 100)},
        ),
        ranges={
            "learning_rate": LR,
            "b1": DECAY,
            "b2": DECAY,
            "eps": (1e-10, 1e-3),
            "weight_decay": (0.0, 1.0),
        },
    ),
    Case(
        "nadamw",
        jd.nadamw,
        optax.nadamw,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 1e-2, "b1": 0.95, "b2": 0.99, "eps_root": 1e-10, "weight_decay": 0.1},
            {"learning_rate": 1e-2, "weight_decay": 0.5, "mask": matrices_only, "nesterov": False},
            {"learning_rate": optax.linear_schedule(5e-2, 1e-3, 200), "weight_decay": _decay(0.2)},
        ),
        ranges={"learning_rate": LR, "b1": DECAY, "b2": DECAY, "weight_decay": (0.0, 1.0)},
    ),
    Case(
        "signum",
        jd.signum,
        optax.signum,
        (
            {"learning_rate": 1e-3},
            {"learning_rate": 1e-3, "beta": 0.5},
            {"learning_rate": _decay(1e-2), "beta": 0.99},
        ),
        ranges={"learning_rate": (1e-5, 1e-2), "beta": DECAY},
    ),
    Case(
        "lars",
        jd.lars,
        references.lars,
        (
            {"learning_rate": 1.0},
            {"learning_rate": 1.0, "weight_decay": 0.1, "momentum": 0.5, "nesterov": True},
            # Off the matrices (all of both trajectory problems) LARS is momentum SGD.
            {
                "learning_rate": 1e-3,
                "weight_decay": 0.5,
                "weight_decay_mask": matrices_only,
                "trust_ratio_mask": matrices_only,
            },
            {
                "learning_rate": _decay(2.0),
                "weight_decay": optax.linear_schedule(0.1, 0.0, 100),
                "trust_coefficient": 0.002,
                "eps": 1e-8,
            },
        ),
        ranges={
            "learning_rate": (1e-2, 2.0),
            "weight_decay": (0.0, 0.5),
            "trust_coefficient": (1e-4, 1e-2),
            "eps": (0.0, 1e-6),
            "momentum": (0.0, 0.9),
        },
        reference_note=(
            "optax.lars divides the trust ratio by ||g + beta w|| + eps; the paper's local "
            "learning rate (You et al. 2017, eq. 6 and Algorithm 1) divides by "
            "||g|| + beta ||w||. The reference transcribes the paper; with weight_decay=0 "
            "jaxdescent also equals optax (tests/test_optimizer_closed_forms.py)."
        ),
    ),
    Case(
        "fromage",
        jd.fromage,
        optax.fromage,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 5e-3, "min_norm": 1e-3},
            {"learning_rate": default_precision_decay(2e-2), "min_norm": 0.0},
        ),
        ranges={"learning_rate": (1e-4, 5e-2), "min_norm": (0.0, 1e-3)},
    ),
    Case(
        "optimistic_gradient_descent",
        jd.optimistic_gradient_descent,
        optax.optimistic_gradient_descent,
        (
            {"learning_rate": 5e-4},
            {"learning_rate": 2e-4, "alpha": 0.5, "beta": 2.0},
            {"learning_rate": _decay(1e-3), "beta": 0.0},
        ),
        ranges={"learning_rate": (1e-5, 5e-4), "alpha": (0.0, 2.0), "beta": (0.0, 2.0)},
    ),
    Case(
        "optimistic_adam_v2",
        jd.optimistic_adam_v2,
        optax.optimistic_adam_v2,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 1e-2, "alpha": 0.5, "beta": 0.5, "nesterov": False},
            {"learning_rate": 1e-2, "b1": 0.8, "b2": 0.99, "eps": 1e-6, "eps_root": 1e-10},
            {"learning_rate": optax.linear_schedule(2e-2, 1e-3, 200), "beta": 2.0},
        ),
        ranges={
            "learning_rate": LR,
            "alpha": (0.0, 2.0),
            "beta": (0.0, 2.0),
            "b1": DECAY,
            "b2": DECAY,
        },
    ),
    Case(
        "optimistic_adam",
        jd.optimistic_adam,
        optax_optimistic_adam,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 1e-2, "optimism": 0.05, "nesterov": False},
            {"learning_rate": 1e-2, "optimism": 0.0, "b1": 0.8, "b2": 0.99},
        ),
        ranges={"learning_rate": LR, "optimism": (0.0, 0.1), "b1": DECAY, "b2": DECAY},
    ),
]
