"""Registry cases for the optax.contrib optimizers ADOPT, AdEMAMix and Schedule-Free.

ADOPT and AdEMAMix are checked against optax.contrib; Schedule-Free SGD and AdamW
against the paper transcriptions of ``tests/references.py`` (see their
``reference_note``; where optax agrees with the paper jaxdescent also equals optax,
``tests/test_schedule_free.py``). Learning rates are small enough that every keyword
set descends for 200 steps on both trajectory problems of ``tests/equivalence.py``.
"""

import jax.numpy as jnp
import optax

import jaxdescent as jd
from tests import references
from tests.registry import DECAY, LR, Case, matrices_only
from tests.registry import decaying as _decay

SCHEDULE_FREE_NOTE = (
    "optax.contrib.schedule_free_{} warms its z step up one step late (its SGD/Adam "
    "schedule counts from 0, the averaging weights' from 1, so with warmup_steps its first "
    "z step is zero){}; the paper (Defazio et al. 2024, Algorithm 1) uses one gamma_t for "
    "both. The reference transcribes the paper."
)

CASES = [
    Case(
        "schedule_free_sgd",
        jd.schedule_free_sgd,
        references.schedule_free_sgd,
        (
            {"learning_rate": 1e-3},
            {"learning_rate": 2e-3, "warmup_steps": 10, "b1": 0.8, "weight_decay": 0.1},
            {"learning_rate": 1e-3, "b1": 0.95, "weight_lr_power": 1.0, "state_dtype": "float32"},
            {"learning_rate": _decay(2e-3), "weight_decay": optax.linear_schedule(0.2, 0.0, 100)},
        ),
        ranges={
            "learning_rate": (1e-4, 2e-3),
            "b1": (0.05, 0.99),
            "weight_decay": (0.0, 1.0),
            "weight_lr_power": (0.0, 4.0),
        },
        reference_note=SCHEDULE_FREE_NOTE.format("sgd", ""),
    ),
    Case(
        "schedule_free_adamw",
        jd.schedule_free_adamw,
        references.schedule_free_adamw,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 2e-2, "warmup_steps": 20, "b1": 0.8, "b2": 0.99, "eps": 1e-6},
            {"learning_rate": 1e-2, "weight_decay": 0.1, "state_dtype": jnp.float32},
            {"learning_rate": _decay(2e-2), "weight_decay": _decay(0.1), "weight_lr_power": 0.0},
        ),
        ranges={
            "learning_rate": LR,
            "b1": (0.05, 0.99),
            "b2": DECAY,
            "eps": (1e-10, 1e-3),
            "weight_decay": (0.0, 1.0),
            "weight_lr_power": (0.0, 4.0),
        },
        reference_note=SCHEDULE_FREE_NOTE.format(
            "adamw",
            ", divides by sqrt(v / (1 - b2^t)) + eps instead of multiplying gamma_t by "
            "sqrt(1 - b2^t), and leaves sqrt(1 - b2^t) out of the averaging weights",
        ),
    ),
    Case(
        "adopt",
        jd.adopt,
        optax.contrib.adopt,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 1e-2, "b1": 0.8, "b2": 0.99, "eps": 1e-8, "nesterov": True},
            {"learning_rate": 5e-3, "use_clipping": False, "mu_dtype": jnp.float32},
            {"learning_rate": _decay(1e-2), "clip_value_fn": lambda t: jnp.asarray(2.0)},
        ),
        ranges={"learning_rate": LR, "b1": DECAY, "b2": DECAY, "eps": (1e-10, 1e-3)},
    ),
    Case(
        "ademamix",
        jd.ademamix,
        optax.contrib.ademamix,
        (
            {"learning_rate": 1e-2},
            {"learning_rate": 1e-2, "b1": 0.8, "b2": 0.99, "b3": 0.999, "alpha": 2.0},
            {"learning_rate": 1e-2, "weight_decay": 0.5, "mask": matrices_only, "eps_root": 1e-10},
            {
                "learning_rate": _decay(1e-2),
                "b3": optax.linear_schedule(0.9, 0.9999, 100),
                "alpha": optax.linear_schedule(0.0, 5.0, 100),
                "weight_decay": optax.linear_schedule(0.2, 0.0, 100),
            },
        ),
        ranges={
            "learning_rate": LR,
            "b1": DECAY,
            "b2": DECAY,
            "b3": DECAY,
            "alpha": (0.0, 10.0),
            "eps": (1e-10, 1e-3),
            "weight_decay": (0.0, 1.0),
        },
    ),
]
