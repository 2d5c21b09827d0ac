"""Registry cases for three optimizers of ``optax.contrib``: Muon, Prodigy and D-Adapted AdamW.

Each is checked against a paper transcription (``tests/references_muon.py``,
``tests/references_dadaptation.py``; see the ``reference_note`` of each). The gradient
stream's ``w`` (4, 3) is Muon's matrix; the trajectory problems have only vector
parameters (Muon's Adam part), so ``tests/test_muon.py`` adds a descent over a matrix.
Prodigy and D-Adaptation take ``learning_rate`` as a multiplier of their own step
size: 1 by default, a schedule from 1 at most. Their descents amplify rounding
differences where ``d`` grows fast (a last-bit difference became 3e-8 within 200 steps
of the quadratic at ``learning_rate=0.3``, ``eps=1e-6``): the keyword sets keep both
trajectory problems within ``TRAJECTORY_RTOL``.
"""

import optax
from optax.contrib import MuonDimensionNumbers

import jaxdescent as jd
from tests import references_dadaptation, references_muon
from tests.registry import DECAY, LR, Case, matrices_only
from tests.registry import decaying as _decay


def transposed_matrices(params):
    """Muon on every 2-D leaf seen as ``(fan_out, fan_in)``, Adam elsewhere (a callable)."""
    import jax

    return jax.tree_util.tree_map(
        lambda x: MuonDimensionNumbers(1, 0) if x.ndim == 2 else None, params
    )


MUON_NOTE = (
    "optax.contrib.muon with nesterov=True orthogonalises NAdam's look-ahead "
    "beta m / (1 - beta^(t+1)) + (1 - beta) g / (1 - beta^t); Jordan et al.'s Muon (and "
    "their code) orthogonalises beta m + (1 - beta) g. The reference is optax's muon with "
    "that momentum (tests/references_muon.py); with nesterov=False it is optax's muon."
)
BIAS_NOTE = (
    "optax.contrib.{} multiplies the learning rate by Adam's bias correction "
    "sqrt(1 - b2^(k+1)) / (1 - b1^(k+1)), also inside the estimate of d; the paper and the "
    "authors' code (use_bias_correction=False) do not{}. The reference transcribes the paper "
    "(tests/references_dadaptation.py); with betas=(0, 0){} jaxdescent equals optax "
    "(tests/test_dadaptation.py)."
)

CASES = [
    Case(
        "muon",
        jd.muon,
        references_muon.muon,
        (
            {"learning_rate": 1e-2},
            {
                "learning_rate": 1e-2,
                "nesterov": False,
                "beta": 0.9,
                "adaptive": True,
                "weight_decay": 0.1,
            },
            {
                "learning_rate": 5e-3,
                "ns_coeffs": "dion",
                "preconditioning": "aol",
                "consistent_rms": 0.2,
                "weight_decay": 0.05,
                "weight_decay_mask": matrices_only,
            },
            {
                "learning_rate": _decay(1e-2),
                "ns_steps": 3,
                "preconditioning": "schatten",
                "eps": 1e-6,
                "adam_b1": 0.8,
                "adam_b2": 0.99,
                "adam_eps_root": 1e-10,
                "adam_weight_decay": 0.1,
                "adam_learning_rate": 5e-3,
            },
            {
                "learning_rate": 1e-2,
                "preconditioning": "spectral",
                "ns_coeffs": (2.0, -1.5, 0.5),
                "muon_weight_dimension_numbers": transposed_matrices,
            },
        ),
        ranges={
            "learning_rate": LR,
            "beta": DECAY,
            "eps": (1e-10, 1e-4),
            "weight_decay": (0.0, 1.0),
            "adam_b1": DECAY,
            "adam_b2": DECAY,
            "adam_weight_decay": (0.0, 1.0),
        },
        reference_note=MUON_NOTE,
    ),
    Case(
        "prodigy",
        jd.prodigy,
        references_dadaptation.prodigy,
        (
            {},
            {
                "learning_rate": 0.3,
                "betas": (0.9, 0.99),
                "beta3": 0.95,
                "eps": 1e-6,
                "weight_decay": 0.1,
            },
            {
                "learning_rate": optax.linear_schedule(1.0, 0.1, 200),
                "safeguard_warmup": True,
                "estim_lr0": 1e-4,
                "estim_lr_coef": 0.5,
            },
        ),
        ranges={
            "learning_rate": (0.1, 1.0),
            "beta3": DECAY,
            "eps": (1e-10, 1e-6),
            "estim_lr0": (1e-7, 1e-3),
            "estim_lr_coef": (0.1, 2.0),
            "weight_decay": (0.0, 0.1),
        },
        reference_note=BIAS_NOTE.format(
            "prodigy",
            ", and optax adds eps d_{k+1} to sqrt(v) where the paper adds eps d_k",
            " and eps=0",
        ),
    ),
    Case(
        "dadapt_adamw",
        jd.dadapt_adamw,
        references_dadaptation.dadapt_adamw,
        (
            {},
            {"learning_rate": 0.3, "betas": (0.9, 0.99), "eps": 1e-4, "weight_decay": 0.05},
            {"learning_rate": optax.linear_schedule(1.0, 0.1, 200), "estim_lr0": 1e-4},
        ),
        ranges={
            "learning_rate": (0.1, 1.0),
            "eps": (1e-10, 1e-6),
            "estim_lr0": (1e-7, 1e-3),
            "weight_decay": (0.0, 0.1),
        },
        reference_note=BIAS_NOTE.format("dadapt_adamw", "", ""),
    ),
]
