"""Registry cases for adaptive optimizers: RMSProp family, AdaBelief, Yogi, Adan, LAMB,
NovoGrad, Rprop.

Learning rates are small enough that every keyword set descends (without
diverging) for 200 steps on both trajectory problems of ``tests/equivalence.py``.
Three optimizers are checked against the paper transcriptions of
``tests/references.py`` instead of optax (see each ``reference_note``).
"""

import optax

import jaxdescent as jd
from tests import references
from tests.registry import DECAY, LR, Case, matrices_only
from tests.registry import decaying as _decay

CASES = [
    Case(
        "rmsprop",
        jd.rmsprop,
        optax.rmsprop,
        (
            {"learning_rate": 1e-3},
            {"learning_rate": 1e-3, "centered": True},
            {"learning_rate": 1e-3, "momentum": 0.9},
            {"learning_rate": 5e-4, "momentum": 0.5, "nesterov": True, "centered": True},
            {"learning_rate": 1e-3, "decay": 0.95, "eps_in_sqrt": False, "bias_correction": True},
            # Bias-corrected, the first variance estimate g^2 - g^2 is rounding noise: a large
            # eps keeps the first step from amplifying it.
            {"learning_rate": 1e-3, "centered": True, "bias_correction": True, "eps": 1.0},
            {"learning_rate": _decay(2e-3), "initial_scale": 1.0, "momentum": 0.8},
        ),
        ranges={
            "learning_rate": (1e-5, 1e-2),
            "decay": (0.5, 0.999),
            "eps": (1e-10, 1e-4),
            "initial_scale": (0.0, 1.0),
            "momentum": (0.0, 0.9),
        },
    ),
    Case(
        "adagrad",
        jd.adagrad,
        optax.adagrad,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 5e-2, "initial_accumulator_value": 0.0, "eps": 1e-10},
            {"learning_rate": _decay(5e-2), "initial_accumulator_value": 1.0},
        ),
        ranges={
            "learning_rate": (1e-4, 1e-1),
            "initial_accumulator_value": (0.0, 1.0),
            "eps": (1e-10, 1e-3),
        },
    ),
    Case(
        "adadelta",
        jd.adadelta,
        references.adadelta,
        (
            # Same arithmetic as {} (learning_rate=None means 1), first so that the shared
            # tests have a learning rate to halve.
            {"learning_rate": 1.0},
            {},
            {"learning_rate": 0.5, "rho": 0.95, "eps": 1e-5},
            {"learning_rate": 1.0, "weight_decay": 0.01},
            {"learning_rate": _decay(1.0), "weight_decay": optax.linear_schedule(0.01, 0.0, 100)},
        ),
        ranges={
            "learning_rate": (0.1, 2.0),
            "rho": (0.5, 0.99),
            "eps": (1e-8, 1e-4),
            "weight_decay": (0.0, 0.1),
        },
        reference_note=(
            "optax.adadelta with its default learning_rate=None returns +dx and climbs; "
            "the reference is Zeiler 2012, Algorithm 1 (x <- x + lr dx, lr = 1 by default). "
            "With an explicit learning rate jaxdescent also equals optax "
            "(tests/test_optimizer_closed_forms.py)."
        ),
    ),
    Case(
        "adabelief",
        jd.adabelief,
        optax.adabelief,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 1e-2, "b1": 0.8, "b2": 0.99, "nesterov": True},
            {"learning_rate": 1e-2, "eps": 1e-8, "eps_root": 0.0},
            {"learning_rate": _decay(2e-2)},
        ),
        ranges={"learning_rate": LR, "b1": DECAY, "b2": DECAY, "eps": (0.0, 1e-6)},
    ),
    Case(
        "yogi",
        jd.yogi,
        optax.yogi,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 1e-2, "b1": 0.5, "b2": 0.99, "eps": 1e-6},
            {"learning_rate": _decay(2e-2)},
        ),
        ranges={"learning_rate": LR, "b1": DECAY, "b2": DECAY, "eps": (1e-6, 1e-2)},
    ),
    Case(
        "adan",
        jd.adan,
        references.adan,
        (
            {"learning_rate": 1e-3},
            {"learning_rate": 1e-3, "b1": 0.9, "b2": 0.5, "b3": 0.9},
            {"learning_rate": 1e-3, "weight_decay": 0.1},
            {
                "learning_rate": _decay(2e-3),
                "weight_decay": optax.linear_schedule(0.2, 0.0, 100),
                "eps_root": 0.0,
            },
        ),
        ranges={
            "learning_rate": (1e-5, 1e-2),
            "b1": DECAY,
            "b2": DECAY,
            "b3": DECAY,
            "weight_decay": (0.0, 1.0),
        },
        reference_note=(
            "optax.adan weighs the gradient differences by 1 - b2 where the paper "
            "(Algorithm 1, beta_2 = 1 - b2) and the authors' code use b2, and decays weights "
            "without the paper's proximal step; the reference is Xie et al. 2022, "
            "Algorithm 1, with the bias correction of the authors' code."
        ),
    ),
    Case(
        "lamb",
        jd.lamb,
        optax.lamb,
        (
            {"learning_rate": 1e-3},
            {"learning_rate": 1e-3, "weight_decay": 0.1},
            {"learning_rate": 1e-3, "weight_decay": 0.5, "mask": matrices_only},
            {"learning_rate": _decay(2e-3), "b1": 0.8, "eps_root": 1e-8},
            {"learning_rate": 1e-3, "weight_decay": optax.linear_schedule(0.2, 0.0, 100)},
        ),
        ranges={
            "learning_rate": (1e-5, 1e-2),
            "b1": DECAY,
            "b2": DECAY,
            "eps": (1e-8, 1e-4),
            "weight_decay": (0.0, 1.0),
        },
    ),
    Case(
        "novograd",
        jd.novograd,
        optax.novograd,
        (
            {"learning_rate": 1e-3},
            {"learning_rate": 1e-3, "b1": 0.95, "b2": 0.5, "weight_decay": 0.1},
            {"learning_rate": _decay(2e-3), "eps_root": 1e-8},
        ),
        ranges={
            "learning_rate": (1e-5, 1e-2),
            "b1": (0.0, 0.95),
            "b2": DECAY,
            "eps": (1e-8, 1e-4),
            "weight_decay": (0.0, 1.0),
        },
    ),
    Case(
        "rprop",
        jd.rprop,
        references.rprop,
        (
            {"learning_rate": 1e-3},
            {"learning_rate": 1e-2, "eta_minus": 0.3, "eta_plus": 1.5, "max_step_size": 1.0},
            {"learning_rate": 1e-3, "min_step_size": 1e-4, "max_step_size": 0.1},
        ),
        ranges={
            "learning_rate": (1e-4, 1e-2),
            "eta_minus": (0.1, 0.9),
            "eta_plus": (1.05, 2.0),
            "min_step_size": (1e-8, 1e-5),
            "max_step_size": (0.1, 50.0),
        },
        reference_note=(
            "optax.rprop returns at each step the update computed at the previous step "
            "(its first update is 0); the reference is iRprop- (Igel and Hüsken 2000; "
            "Riedmiller and Braun 1993 without backtracking), as PyTorch implements it."
        ),
    ),
]
