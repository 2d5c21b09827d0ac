"""Registry cases for the factored-memory optimizers: Adafactor and SM3.

Each keyword set changes what the shared tests see: on the least-squares stream
(``w`` of shape (4, 3), ``b`` of shape (3,)) a ``min_dim_size_to_factor`` <= 3
factors ``w`` (``factored=False`` is checked on a 200 x 150 matrix in
``tests/test_factored.py``); a negative ``decay_offset`` makes the first clipping
step active, so ``clipping_threshold=None`` matters there. Adafactor is checked
against optax (with the paper's relative step for ``learning_rate=None``), SM3
against optax's own ``scale_by_sm3`` with the paper's ``eps = 0`` (see each
``reference_note``).
"""

from typing import Any

import jax.numpy as jnp
import optax

import jaxdescent as jd
from tests.registry import DECAY, LR, Case, matrices_only
from tests.registry import decaying as _decay


def paper_relative_step(count: Any) -> Any:
    """The paper's proposed relative step ``rho_t = min(1e-2, 1/sqrt(t))``, ``t = count + 1``."""
    t = jnp.asarray(count + 1, jnp.result_type(float))
    return jnp.minimum(1e-2, 1 / jnp.sqrt(t))


def paper_adafactor(**kwargs: Any) -> optax.GradientTransformation:
    """``optax.adafactor`` with the paper's relative step where optax's default takes 1."""
    if kwargs.get("learning_rate") is None:
        kwargs = {**kwargs, "learning_rate": paper_relative_step}
    return optax.adafactor(**kwargs)


def paper_sm3(learning_rate: Any, momentum: Any = 0.9) -> optax.GradientTransformation:
    """SM3-II as in the paper (no ``eps``): optax's ``scale_by_sm3`` with ``eps=0``.

    ``optax.sm3`` is ``chain(scale_by_sm3(momentum), scale(-learning_rate))`` with
    ``eps=1e-8`` under the square root; with ``eps=0`` its
    ``where(nu > 0, rsqrt(nu + eps), 0)`` is the paper's ``0/0 = 0`` convention.
    ``scale_by_learning_rate`` also takes a schedule.
    """
    b1 = 0.0 if momentum is None else momentum
    return optax.chain(optax.scale_by_sm3(b1, eps=0.0), optax.scale_by_learning_rate(learning_rate))


CASES = [
    Case(
        "adafactor",
        jd.adafactor,
        paper_adafactor,
        (
            {},
            {"learning_rate": 5e-3},
            {"learning_rate": _decay(5e-2), "momentum": 0.9, "dtype_momentum": jnp.bfloat16},
            # On the quadratic (odd index): on Rosenbrock, t**-c with c traced (minimize) and
            # with c a constant (the reference) round apart by one ulp at some steps, and the
            # descent amplifies it to 1e-7. Exact on the stream, where both are constants.
            {"learning_rate": 5e-3, "min_dim_size_to_factor": 2, "decay_rate": 0.6, "eps": 1e-3},
            {
                "learning_rate": 2e-2,
                "clipping_threshold": None,
                "decay_offset": -5,
                "multiply_by_parameter_scale": False,
                "weight_decay_rate": 0.1,
            },
            {
                "learning_rate": optax.linear_schedule(2e-2, 1e-3, 200),
                "min_dim_size_to_factor": 2,
                "clipping_threshold": 0.5,
                "momentum": 0.5,
                "dtype_momentum": None,
                "weight_decay_rate": _decay(0.05),
                "weight_decay_mask": matrices_only,
            },
        ),
        # decay_rate and momentum are left out: optax computes beta_t (in float32) and
        # b1 m (in m's float32) at the precision of a Python float, but in float64 from
        # the strongly typed float64 value of a traced draw; jaxdescent as from a Python float.
        ranges={
            "learning_rate": LR,
            "clipping_threshold": (0.5, 3.0),
            "eps": (0.0, 1e-3),
            "weight_decay_rate": (0.0, 0.5),
        },
        reference_note=(
            "optax.adafactor with learning_rate=None takes rho_t = 1; the paper (Shazeer and "
            "Stern 2018, Section 9) proposes rho_t = min(1e-2, 1/sqrt(t)). The reference is "
            "optax.adafactor with that schedule in place of None; with a learning rate it is "
            "optax.adafactor itself."
        ),
    ),
    Case(
        "sm3",
        jd.sm3,
        paper_sm3,
        (
            {"learning_rate": 5e-2},
            {"learning_rate": 2e-2, "momentum": 0.5},
            {"learning_rate": _decay(5e-2), "momentum": None},
        ),
        ranges={"learning_rate": LR, "momentum": DECAY},
        reference_note=(
            "optax.sm3 divides by sqrt(nu + 1e-8); the paper (Anil et al. 2019, SM3-II) "
            "and the authors' code divide by sqrt(nu) with 0/0 = 0. The reference is "
            "optax's scale_by_sm3 with eps=0, which is the paper; "
            "tests/test_factored.py measures the distance to optax.sm3."
        ),
    ),
]
