"""Landscapes with a single minimum: bowls, ill-conditioned valleys and plateaus."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from jaxdescent._checks import check_number, is_python_number, shown
from jaxdescent.landscapes._landscape import Landscape, check_dim, cube, landscape


def sphere(dim: int = 2) -> Landscape:
    r"""The sphere, the simplest convex bowl.

    .. math:: f(x) = \sum_{i=1}^{d} x_i^2

    Global minimum 0 at ``x = 0``; domain ``[-5.12, 5.12]^d``.

    Args:
      dim: the dimension ``d`` >= 1.

    Raises:
      TypeError: if ``dim`` is not an integer.
      ValueError: if ``dim`` < 1.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.sphere(3)(jnp.array([1.0, 2.0, 2.0]))
      Array(9., dtype=float32)

    Reference: Surjanovic & Bingham, *Virtual Library of Simulation Experiments*, "Sphere".
    """
    dim = check_dim(dim)
    return landscape(
        "sphere", lambda x: jnp.sum(x**2), cube(-5.12, 5.12, dim), np.zeros((1, dim)), 0.0
    )


def quadratic(dim: int = 2, condition: float = 10.0) -> Landscape:
    r"""A diagonal quadratic of prescribed condition number.

    .. math:: f(x) = \tfrac12 \sum_{i=0}^{d-1} \lambda_i x_i^2, \qquad
              \lambda_i = \kappa^{i / (d - 1)}

    The Hessian's eigenvalues ``lambda_i`` are log-spaced from 1 to ``kappa``
    (``condition``), so gradient descent converges at rate ``(kappa - 1) / (kappa + 1)``
    at its best step size ``2 / (1 + kappa)``. Global minimum 0 at ``x = 0``;
    domain ``[-1, 1]^d``.

    Args:
      dim: the dimension ``d`` >= 1.
      condition: the condition number ``kappa`` >= 1 (must be 1 when ``dim`` is 1).

    Raises:
      TypeError: if ``dim`` is not an integer or ``condition`` not a number.
      ValueError: if ``dim`` < 1 or ``condition`` is not a finite number >= 1.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.quadratic(3, condition=100.0)(jnp.array([1.0, 1.0, 1.0]))
      Array(55.5, dtype=float32)

    Reference: Nocedal & Wright, *Numerical Optimization*, 2nd ed., 2006, section 3.3.
    """
    dim = check_dim(dim)
    if not is_python_number(condition):
        raise TypeError(f"`condition` must be a finite number >= 1, got {shown(condition)}")
    check_number(
        "condition", condition, "a finite number >= 1", lambda x: (x >= 1) & np.isfinite(x)
    )
    if dim == 1 and condition != 1:
        raise ValueError(
            f"`condition` must be 1 when `dim` is 1 (one eigenvalue), got {condition!r}"
        )
    eigenvalues = np.geomspace(1.0, float(condition), dim)

    def fn(x):
        return 0.5 * jnp.sum(jnp.asarray(eigenvalues, x.dtype) * x**2)

    return landscape("quadratic", fn, cube(-1.0, 1.0, dim), np.zeros((1, dim)), 0.0)


def rosenbrock(dim: int = 2) -> Landscape:
    r"""Rosenbrock's banana valley: easy to find, slow to follow.

    .. math:: f(x) = \sum_{i=1}^{d-1} \left[100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2\right]

    Global minimum 0 at ``x = (1, ..., 1)``. For ``4 <= d <= 7`` there is one more
    local minimum near ``(-1, 1, ..., 1)`` (not listed). Domain: ``x_1`` in
    ``[-2, 2]``, the others in ``[-1, 3]`` (the classic picture in 2-D).

    Args:
      dim: the dimension ``d`` >= 2.

    Raises:
      TypeError: if ``dim`` is not an integer.
      ValueError: if ``dim`` < 2.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.rosenbrock()(jnp.array([0.0, 1.0]))
      Array(101., dtype=float32)

    Reference: Rosenbrock, *An automatic method for finding the greatest or least value
    of a function*, The Computer Journal 3(3), 1960; Jamil & Yang 2013.
    """
    dim = check_dim(dim, smallest=2)

    def fn(x):
        return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    domain = np.vstack([[-2.0, 2.0], cube(-1.0, 3.0, dim - 1)])
    return landscape("rosenbrock", fn, domain, np.ones((1, dim)), 0.0, log_scale=True)


def booth() -> Landscape:
    r"""Booth's function, a tilted convex quadratic bowl in 2-D.

    .. math:: f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2

    Global minimum 0 at ``(1, 3)``; domain ``[-10, 10]^2``.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.booth()(jnp.array([1.0, 3.0]))
      Array(0., dtype=float32)

    Reference: Jamil & Yang, *A literature survey of benchmark functions for global
    optimization problems*, 2013 (arXiv:1308.4008).
    """

    def fn(p):
        x, y = p[0], p[1]
        return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2

    return landscape("booth", fn, cube(-10.0, 10.0, 2), [[1.0, 3.0]], 0.0)


def matyas() -> Landscape:
    r"""Matyas' function, a flat, mildly ill-conditioned quadratic (condition 25).

    .. math:: f(x, y) = 0.26 (x^2 + y^2) - 0.48 x y

    Global minimum 0 at ``(0, 0)``; domain ``[-10, 10]^2``.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.matyas()(jnp.array([1.0, 0.0]))
      Array(0.26, dtype=float32)

    Reference: Jamil & Yang 2013.
    """

    def fn(p):
        x, y = p[0], p[1]
        return 0.26 * (x**2 + y**2) - 0.48 * x * y

    return landscape("matyas", fn, cube(-10.0, 10.0, 2), [[0.0, 0.0]], 0.0)


def beale() -> Landscape:
    r"""Beale's function: a narrow curved valley between steep walls.

    .. math:: f(x, y) = (1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2

    Global minimum 0 at ``(3, 0.5)``; domain ``[-4.5, 4.5]^2``.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxdescent import landscapes
      >>> landscapes.beale()(jnp.array([3.0, 0.5]))
      Array(0., dtype=float32)

    Reference: Beale, *On an iterative method for finding a local minimum of a function
    of more than one variable*, Princeton technical report 25, 1958; Jamil & Yang 2013.
    """

    def fn(p):
        x, y = p[0], p[1]
        terms = (1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3)
        return terms[0] ** 2 + terms[1] ** 2 + terms[2] ** 2

    return landscape("beale", fn, cube(-4.5, 4.5, 2), [[3.0, 0.5]], 0.0, log_scale=True)
