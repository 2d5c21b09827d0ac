"""Rugged landscapes: many local minima around the global one(s).

Minimizers were refined here by Newton's method in float64 (``jax.grad`` and
``jax.hessian``) from the published approximations, several of which are off in the
last digits; the tests check value, gradient, Hessian and a dense grid. Local minima
too numerous to list are left out (``local_minima`` has shape ``(0, dim)``).
"""

from __future__ import annotations

import itertools
import math

import jax.numpy as jnp
import numpy as np

from jaxdescent.landscapes._landscape import Landscape, check_dim, cube, landscape, safe_norm

_TAU = 2.0 * math.pi


def ackley(dim: int = 2) -> Landscape:
    r"""Ackley's function: a nearly flat, densely dimpled plain around a deep well.

    .. math:: f(x) = 20 \left(1 - e^{-0.2 \sqrt{\frac1d \sum_i x_i^2}}\right)
                     + e \left(1 - e^{\frac1d \sum_i \cos(2\pi x_i) - 1}\right)

    (the usual ``-20 e^{...} - e^{...} + 20 + e``, arranged to vanish exactly at 0).
    Global minimum 0 at ``x = 0``, where ``f`` has a cone tip (not differentiable; the
    gradient there is taken as 0, a subgradient); countless local minima near the
    integer points (not listed). Domain ``[-5, 5]^d`` (the usual search domain is
    ``[-32.768, 32.768]^d``).

    Args:
      dim: the dimension ``d`` >= 1.

    Raises:
      TypeError: if ``dim`` is not an integer.
      ValueError: if ``dim`` < 1.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.ackley()(jnp.array([0.0, 0.0]))
      Array(0., dtype=float32)

    Reference: Ackley, *A Connectionist Machine for Genetic Hillclimbing*, 1987;
    Jamil & Yang 2013; Surjanovic & Bingham, "Ackley function".
    """
    dim = check_dim(dim)

    def fn(x):
        radius = safe_norm(x) / math.sqrt(dim)
        ripple = jnp.mean(jnp.cos(_TAU * x)) - 1.0
        return 20.0 * (1.0 - jnp.exp(-0.2 * radius)) + math.e * (1.0 - jnp.exp(ripple))

    return landscape("ackley", fn, cube(-5.0, 5.0, dim), np.zeros((1, dim)), 0.0)


def rastrigin(dim: int = 2) -> Landscape:
    r"""Rastrigin's function: a bowl covered by a regular egg-crate of local minima.

    .. math:: f(x) = 10 d + \sum_i \left[x_i^2 - 10 \cos(2\pi x_i)\right]
                   = \sum_i \left[x_i^2 + 10 (1 - \cos(2\pi x_i))\right]

    Global minimum 0 at ``x = 0``; a local minimum near every integer point (not
    listed). Domain ``[-5.12, 5.12]^d``.

    Args:
      dim: the dimension ``d`` >= 1.

    Raises:
      TypeError: if ``dim`` is not an integer.
      ValueError: if ``dim`` < 1.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.rastrigin()(jnp.array([0.5, 0.0]))
      Array(20.25, dtype=float32)

    Reference: Rastrigin, *Systems of extremal control*, 1974; Jamil & Yang 2013.
    """
    dim = check_dim(dim)

    def fn(x):
        return jnp.sum(x**2 + 10.0 * (1.0 - jnp.cos(_TAU * x)))

    return landscape("rastrigin", fn, cube(-5.12, 5.12, dim), np.zeros((1, dim)), 0.0)


def styblinski_tang(dim: int = 2) -> Landscape:
    r"""The Styblinski-Tang function: a separable sum of 1-D double wells.

    .. math:: f(x) = \tfrac12 \sum_i \left(x_i^4 - 16 x_i^2 + 5 x_i\right)

    Each coordinate has a global minimum at ``a = -2.9035...`` and a local one at
    ``b = 2.7468...`` (roots of ``4t^3 - 32t + 5``). Global minimum ``-39.1661... d``
    at ``x = (a, ..., a)``; the other ``2^d - 1`` corners of ``{a, b}^d`` are local
    minima, listed for ``d <= 10``. Domain ``[-5, 5]^d``.

    Args:
      dim: the dimension ``d`` >= 1.

    Raises:
      TypeError: if ``dim`` is not an integer.
      ValueError: if ``dim`` < 1.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.styblinski_tang()(jnp.array([0.0, 1.0]))
      Array(-5., dtype=float32)

    Reference: Styblinski & Tang, *Experiments in nonconvex optimization: stochastic
    approximation with function smoothing and simulated annealing*, Neural Networks
    3(4), 1990; Surjanovic & Bingham, "Styblinski-Tang function".
    """
    dim = check_dim(dim)

    def fn(x):
        return 0.5 * jnp.sum(x**4 - 16.0 * x**2 + 5.0 * x)

    local = np.empty((0, dim))
    if dim <= 10:  # 2^dim corners: only listed while few
        corners = itertools.product([STYBLINSKI_TANG_A, STYBLINSKI_TANG_B], repeat=dim)
        local = np.array(list(corners))[1:]
    return landscape(
        "styblinski_tang",
        fn,
        cube(-5.0, 5.0, dim),
        np.full((1, dim), STYBLINSKI_TANG_A),
        STYBLINSKI_TANG_VALUE * dim,
        local,
    )


def levi13() -> Landscape:
    r"""Lévi's function N.13: ripples on a tilted valley.

    .. math:: f(x, y) = \sin^2(3\pi x) + (x - 1)^2 \left(1 + \sin^2(3\pi y)\right)
                        + (y - 1)^2 \left(1 + \sin^2(2\pi y)\right)

    Global minimum 0 at ``(1, 1)``; many local minima (not listed). Domain
    ``[-10, 10]^2``.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.levi13()(jnp.array([1.0, 0.0]))
      Array(1., dtype=float32)

    Reference: Jamil & Yang 2013 (Levy function N.13); Surjanovic & Bingham,
    "Levy function N. 13".
    """

    def fn(p):
        x, y = p[0], p[1]
        return (
            jnp.sin(3.0 * math.pi * x) ** 2
            + (x - 1.0) ** 2 * (1.0 + jnp.sin(3.0 * math.pi * y) ** 2)
            + (y - 1.0) ** 2 * (1.0 + jnp.sin(_TAU * y) ** 2)
        )

    return landscape("levi13", fn, cube(-10.0, 10.0, 2), [[1.0, 1.0]], 0.0)


def easom() -> Landscape:
    r"""Easom's function: a single narrow well in a flat plain (no gradient far away).

    .. math:: f(x, y) = -\cos x \cos y \, e^{-(x - \pi)^2 - (y - \pi)^2}

    Global minimum -1 at ``(pi, pi)``; shallow local minima elsewhere (not listed).
    Domain ``[-1, 7]^2`` (the usual search domain is ``[-100, 100]^2``, almost all of
    it flat).

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.easom()(jnp.array([0.0, 0.0])) > -1e-8
      Array(True, dtype=bool)

    Reference: Easom, *A survey of global optimization techniques*, M. Eng. thesis,
    University of Louisville, 1990; Jamil & Yang 2013.
    """

    def fn(p):
        x, y = p[0], p[1]
        return -jnp.cos(x) * jnp.cos(y) * jnp.exp(-((x - math.pi) ** 2) - (y - math.pi) ** 2)

    return landscape("easom", fn, cube(-1.0, 7.0, 2), [[math.pi, math.pi]], -1.0)


def holder_table() -> Landscape:
    r"""The Hölder table: four deep global minima at the corners of a rippled table.

    .. math:: f(x, y) = -\left|\sin x \cos y \,
              \exp\left(\left|1 - \sqrt{x^2 + y^2} / \pi\right|\right)\right|

    Global minimum -19.2085... at ``(±8.0550..., ±9.6645...)``; many local minima (not
    listed). Not differentiable where ``sin x cos y = 0`` or ``x^2 + y^2 = pi^2``, but
    smooth at its global minima. Domain ``[-10, 10]^2``.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.holder_table()(jnp.array([0.0, 0.0]))
      Array(-0., dtype=float32)

    Reference: Mishra, *Some new test functions for global optimization and performance
    of repulsive particle swarm method*, 2006; Jamil & Yang 2013.
    """

    def fn(p):
        x, y = p[0], p[1]
        radius = safe_norm(p)
        return -jnp.abs(jnp.sin(x) * jnp.cos(y) * jnp.exp(jnp.abs(1.0 - radius / math.pi)))

    a, b = HOLDER_TABLE_MINIMIZER
    minima = [[a, b], [-a, b], [a, -b], [-a, -b]]
    return landscape("holder_table", fn, cube(-10.0, 10.0, 2), minima, HOLDER_TABLE_VALUE)


def cross_in_tray() -> Landscape:
    r"""The cross-in-tray: four global minima in the cells of a cross of ridges.

    .. math:: f(x, y) = -10^{-4} \left(\left|\sin x \sin y \,
              \exp\left(\left|100 - \sqrt{x^2 + y^2} / \pi\right|\right)\right| + 1\right)^{0.1}

    Evaluated as ``-1e-4 exp(0.1 softplus(log|sin x sin y| + |100 - r / pi|))`` so that
    ``e^{100}`` never overflows float32. Global minimum -2.0626... at
    ``(±1.3494..., ±1.3494...)``; many local minima (not listed). Not differentiable on
    the axes, but smooth at its global minima. Domain ``[-10, 10]^2``.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.cross_in_tray()(jnp.array([0.0, 0.0]))
      Array(-0.0001, dtype=float32)

    Reference: Mishra 2006 (see :func:`holder_table`); Jamil & Yang 2013.
    """

    def fn(p):
        product = jnp.abs(jnp.sin(p[0]) * jnp.sin(p[1]))
        positive = product > 0
        log_product = jnp.log(jnp.where(positive, product, 1.0))
        exponent = log_product + jnp.abs(100.0 - safe_norm(p) / math.pi)
        softplus = jnp.where(positive, jnp.logaddexp(exponent, 0.0), 0.0)
        return -1e-4 * jnp.exp(0.1 * softplus)

    c = CROSS_IN_TRAY_MINIMIZER
    minima = [[c, c], [-c, c], [c, -c], [-c, -c]]
    return landscape("cross_in_tray", fn, cube(-10.0, 10.0, 2), minima, CROSS_IN_TRAY_VALUE)


# Refined minimizers (see the module docstring). Styblinski-Tang's are the roots of
# 4t^3 - 32t + 5, also checked to 50 digits with Python's decimal module. Published
# tables give 1.3491 for the cross-in-tray (the minimizer is 1.34941...).
STYBLINSKI_TANG_A = -2.903534027771177
STYBLINSKI_TANG_B = 2.746802770990837
STYBLINSKI_TANG_VALUE = -39.166165703771415
HOLDER_TABLE_MINIMIZER = (8.055023475736563, 9.664590019241272)
HOLDER_TABLE_VALUE = -19.208502567886732
CROSS_IN_TRAY_MINIMIZER = 1.3494066171539107
CROSS_IN_TRAY_VALUE = -2.062611870822739
