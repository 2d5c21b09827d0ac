"""Registry case for L-BFGS (with its default zoom line search, or none), against optax.

``update`` needs ``value=``, ``grad=`` and ``value_fn=`` (``needs_value_fn``): the
harness passes the objective of each problem (the least-squares loss of the gradient
stream, Rosenbrock and the quadratic of ``tests/equivalence.py``). The zoom line search
alone, after other directions, is checked in ``tests/test_lbfgs.py``.
"""

import optax

import jaxdescent as jd
from tests.registry import Case

CASES = [
    Case(
        "lbfgs",
        jd.lbfgs,
        optax.lbfgs,
        (
            {"learning_rate": 1.0},  # the default None scales by 1 too; a float can be halved
            {"memory_size": 3, "scale_init_precond": False},
            {"learning_rate": optax.linear_schedule(1.0, 0.5, 100)},
            {"learning_rate": 1e-3, "memory_size": 5, "linesearch": None},
        ),
        ranges={"learning_rate": (0.1, 1.0)},
        needs_value_fn=True,
    ),
]
