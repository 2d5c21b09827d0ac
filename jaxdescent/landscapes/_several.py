"""Landscapes with a few minima: several global ones, or local traps next to the global one.

Minimizers were refined here by Newton's method in float64 (``jax.grad`` and
``jax.hessian``) from the published approximations, several of which are off in the
last digits; the tests check value, gradient, Hessian and a dense grid.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from jaxdescent.landscapes._landscape import Landscape, cube, landscape


def double_well() -> Landscape:
    r"""The asymmetric 1-D double well: a local minimum next to the global one.

    .. math:: f(w) = w^4 - 3 w^2 + w

    Global minimum -3.5139... at ``w = -1.3008...``; local minimum -1.0702... at
    ``w = 1.1309...`` (the roots of ``f'(w) = 4w^3 - 6w + 1``); a local maximum at
    ``w = 0.1699...`` separates them. Domain ``[-2, 2]``.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.double_well()(jnp.array([1.0]))
      Array(-1., dtype=float32)

    Reference: the textbook picture of a local and a global minimum, e.g. Goodfellow,
    Bengio & Courville, *Deep Learning*, 2016, section 4.3.
    """

    def fn(w):
        return jnp.sum(w**4 - 3.0 * w**2 + w)

    return landscape(
        "double_well",
        fn,
        [[-2.0, 2.0]],
        [[DOUBLE_WELL_GLOBAL]],
        DOUBLE_WELL_VALUE,
        [[DOUBLE_WELL_LOCAL]],
    )


def himmelblau() -> Landscape:
    r"""Himmelblau's function: four global minima of equal value 0.

    .. math:: f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2

    Global minimum 0 at ``(3, 2)``, ``(-2.8051..., 3.1313...)``,
    ``(-3.7793..., -3.2832...)`` and ``(3.5844..., -1.8481...)``; no other local
    minima (a maximum and four saddles between them). Domain ``[-5, 5]^2``.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.himmelblau()(jnp.array([3.0, 2.0]))
      Array(0., dtype=float32)

    Reference: Himmelblau, *Applied Nonlinear Programming*, McGraw-Hill, 1972.
    """

    def fn(p):
        x, y = p[0], p[1]
        return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2

    return landscape("himmelblau", fn, cube(-5.0, 5.0, 2), HIMMELBLAU_MINIMA, 0.0, log_scale=True)


def three_hump_camel() -> Landscape:
    r"""The three-hump camel: a global minimum between two local ones.

    .. math:: f(x, y) = 2x^2 - 1.05x^4 + x^6 / 6 + x y + y^2

    Global minimum 0 at ``(0, 0)``; local minima 0.2986... at
    ``±(1.7476..., -0.8738...)``. Domain ``[-2, 2]^2`` (the usual search domain is
    ``[-5, 5]^2``).

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.three_hump_camel()(jnp.array([1.0, -1.0]))
      Array(1.1166667, dtype=float32)

    Reference: Jamil & Yang 2013; Surjanovic & Bingham, "Three-hump camel function".
    """

    def fn(p):
        x, y = p[0], p[1]
        return 2.0 * x**2 - 1.05 * x**4 + x**6 / 6.0 + x * y + y**2

    return landscape(
        "three_hump_camel",
        fn,
        cube(-2.0, 2.0, 2),
        [[0.0, 0.0]],
        0.0,
        THREE_HUMP_LOCAL,
        log_scale=True,
    )


def six_hump_camel() -> Landscape:
    r"""The six-hump camel: two global minima and four local ones.

    .. math:: f(x, y) = (4 - 2.1x^2 + x^4 / 3) x^2 + x y + (4y^2 - 4) y^2

    Global minimum -1.0316... at ``±(0.0898..., -0.7126...)``; local minima -0.2155...
    at ``±(1.7036..., -0.7961...)`` and 2.1043... at ``±(1.6071..., 0.5687...)``.
    Domain ``[-2, 2] x [-1, 1]`` (the usual search domain is ``[-3, 3] x [-2, 2]``).

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.six_hump_camel()(jnp.array([0.0, 1.0]))
      Array(0., dtype=float32)

    Reference: Dixon & Szegö, *Towards Global Optimisation 2*, 1978; Jamil & Yang 2013;
    Surjanovic & Bingham, "Six-hump camel function".
    """

    def fn(p):
        x, y = p[0], p[1]
        return (4.0 - 2.1 * x**2 + x**4 / 3.0) * x**2 + x * y + (4.0 * y**2 - 4.0) * y**2

    return landscape(
        "six_hump_camel",
        fn,
        [[-2.0, 2.0], [-1.0, 1.0]],
        SIX_HUMP_GLOBAL,
        SIX_HUMP_VALUE,
        SIX_HUMP_LOCAL,
    )


def goldstein_price() -> Landscape:
    r"""The Goldstein-Price function: steep walls, a global minimum 3 and three traps.

    .. math::
        f(x, y) = \left[1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]
                  \left[30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]

    Global minimum 3 at ``(0, -1)``; local minima 30 at ``(-0.6, -0.4)``, 84 at
    ``(1.8, 0.2)`` and 840 at ``(1.2, 0.8)``. Domain ``[-2, 2]^2``.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.goldstein_price()(jnp.array([0.0, -1.0]))
      Array(3., dtype=float32)

    Reference: Goldstein & Price, *On descent from local minima*, Mathematics of
    Computation 25(115), 1971; Jamil & Yang 2013.
    """

    def fn(p):
        x, y = p[0], p[1]
        a = 19.0 - 14.0 * x + 3.0 * x**2 - 14.0 * y + 6.0 * x * y + 3.0 * y**2
        b = 18.0 - 32.0 * x + 12.0 * x**2 + 48.0 * y - 36.0 * x * y + 27.0 * y**2
        return (1.0 + (x + y + 1.0) ** 2 * a) * (30.0 + (2.0 * x - 3.0 * y) ** 2 * b)

    return landscape(
        "goldstein_price",
        fn,
        cube(-2.0, 2.0, 2),
        [[0.0, -1.0]],
        3.0,
        GOLDSTEIN_PRICE_LOCAL,
        log_scale=True,
    )


def mccormick() -> Landscape:
    r"""McCormick's function: a tilted sinusoidal valley.

    .. math:: f(x, y) = \sin(x + y) + (x - y)^2 - 1.5x + 2.5y + 1

    The gradient vanishes where ``x - y = 1`` and ``cos(x + y) = -1/2``; there
    ``f = sin(s) + s / 2`` with ``s = x + y``. Global minimum ``-sqrt(3)/2 - pi/3``
    (-1.9132...) at ``(1/2 - pi/3, -1/2 - pi/3)``; local minimum ``2 pi / 3 - sqrt(3)/2``
    (1.2283...) at ``(1/2 + 2pi/3, -1/2 + 2pi/3)``. Domain ``[-1.5, 4] x [-3, 4]``.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.mccormick()(jnp.array([0.0, 0.0]))
      Array(1., dtype=float32)

    Reference: McCormick, *Computability of global solutions to factorable nonconvex
    programs*, Mathematical Programming 10, 1976; Jamil & Yang 2013.
    """

    def fn(p):
        x, y = p[0], p[1]
        return jnp.sin(x + y) + (x - y) ** 2 - 1.5 * x + 2.5 * y + 1.0

    third = math.pi / 3
    return landscape(
        "mccormick",
        fn,
        [[-1.5, 4.0], [-3.0, 4.0]],
        [[0.5 - third, -0.5 - third]],
        -math.sqrt(3) / 2 - third,
        [[0.5 + 2 * third, -0.5 + 2 * third]],
    )


# Refined minimizers (see the module docstring). The double well's are the roots of
# 4w^3 - 6w + 1, also checked to 50 digits with Python's decimal module.
DOUBLE_WELL_GLOBAL = -1.3008395659415772
DOUBLE_WELL_LOCAL = 1.1309011226299859
DOUBLE_WELL_VALUE = -3.513905038934789
HIMMELBLAU_MINIMA = [
    [3.0, 2.0],
    [-2.805118086952745, 3.131312518250573],
    [-3.779310253377747, -3.2831859912861696],
    [3.5844283403304917, -1.8481265269644036],
]
THREE_HUMP_LOCAL = [
    [1.7475523458302888, -0.8737761729151444],
    [-1.7475523458302888, 0.8737761729151444],
]
SIX_HUMP_GLOBAL = [
    [0.08984201310031806, -0.7126564030207396],
    [-0.08984201310031806, 0.7126564030207396],
]
SIX_HUMP_VALUE = -1.0316284534898774
SIX_HUMP_LOCAL = [
    [1.7036067149699812, -0.7960835686726251],
    [-1.7036067149699812, 0.7960835686726251],
    [1.6071047529201976, 0.5686514548841314],
    [-1.6071047529201976, -0.5686514548841314],
]
# Exact: the gradient vanishes there in rational arithmetic.
GOLDSTEIN_PRICE_LOCAL = [[-0.6, -0.4], [1.8, 0.2], [1.2, 0.8]]
