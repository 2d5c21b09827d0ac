"""SM3: Adagrad whose squared-gradient sums are bounded by one accumulator per axis slice."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxdescent import _tree
from jaxdescent._hyperparameter_checks import check_decay, check_learning_rate
from jaxdescent._optimizer import transformation


class SM3State(NamedTuple):
    """State of :func:`sm3`, with optax's ``ScaleBySM3State`` fields and a step count.

    ``mu``: per leaf, a list of one accumulator ``mu_k`` per axis ``k`` (a single
    full-size one for a vector or a scalar); ``nu``: the momentum ``m``.
    """

    count: jax.Array
    mu: Any
    nu: Any


def sm3(learning_rate: Any, momentum: Any = 0.9):
    r"""SM3-II: Adagrad's per-coordinate steps, with memory of one vector per tensor axis.

    A leaf of shape ``(n_1, ..., n_k)``, ``k >= 2``, keeps ``k`` accumulators, ``mu_a``
    of length ``n_a``, one entry per slice of the tensor along axis ``a`` (the cover
    of the paper). With gradient ``g`` and ``i = (i_1, ..., i_k)``::

        nu(i) = min_a mu_a(i_a) + g(i)^2            (bounds sum_s g_s(i)^2)
        mu_a(r) <- max_{i : i_a = r} nu(i)
        m <- b1 m + (1 - b1) g / sqrt(nu)           (0 / 0 = 0)
        w <- w - alpha m

    A vector or a scalar keeps its full sum ``nu = mu + g^2``: Adagrad.

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      momentum: ``b1`` in [0, 1); ``None`` means no momentum (``b1 = 0``).

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: if ``learning_rate`` is negative, ``momentum`` is outside [0, 1),
        or (in ``init``) a parameter is complex.
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.sm3(0.1, momentum=None)
      >>> w = jnp.array([1.0, -2.0, 0.0])
      >>> updates, _ = opt.update(2 * w, opt.init(w))
      >>> print(updates.round(3))  # -alpha g / |g|, and 0 where g = 0
      [-0.1  0.1 -0. ]

    References:
      Anil, Gupta, Koren and Singer, *Memory-Efficient Adaptive Optimization*,
      NeurIPS 2019, arXiv:1901.11150 (SM3-II, Algorithm 2 with ``b2 = 1``; the
      momentum is the authors' code's).

    **Deviation from optax 0.2.8**: ``optax.sm3`` divides by ``sqrt(nu + 1e-8)``
    (a fixed ``eps`` the paper does not have); we follow the paper. optax also
    fails on a scalar parameter (this keeps its sum, like a vector), and does not
    accept a schedule. Complex parameters are refused, as in optax.
    """
    check_learning_rate(learning_rate)
    if momentum is not None:
        check_decay(momentum=momentum)
    b1 = 0.0 if momentum is None else momentum
    return transformation(_init, _update, learning_rate=learning_rate, momentum=b1)


def _accumulators(p: jax.Array) -> list[jax.Array]:
    """Zeros of one ``mu_a`` per axis of ``p`` (a full-size one for a vector or scalar)."""
    if p.ndim < 2:
        return [jnp.zeros_like(p)]
    return [jnp.zeros(n, p.dtype) for n in p.shape]


def _init(h, params):
    complex_leaves = [p for p in jax.tree_util.tree_leaves(params) if jnp.iscomplexobj(p)]
    if complex_leaves:
        raise ValueError(
            "`params` of sm3 must be real: SM3 does not support complex parameters, got a "
            f"leaf of dtype {complex_leaves[0].dtype}"
        )
    mu = _tree.tree_map(_accumulators, params)
    return SM3State(jnp.zeros([], jnp.int32), mu, _tree.zeros_like(params))


def _sum_bound(g: jax.Array, mu: list[jax.Array]) -> jax.Array:
    """``nu = min_a mu_a(i_a) + g^2`` (``mu + g^2`` for a vector or scalar)."""
    if g.ndim < 2:
        return g**2 + mu[0]
    expanded = [jnp.expand_dims(m, [b for b in range(g.ndim) if b != a]) for a, m in enumerate(mu)]
    return g**2 + functools.reduce(jnp.minimum, expanded)


def _new_accumulators(nu: jax.Array) -> list[jax.Array]:
    """``mu_a(r) = max_{i : i_a = r} nu(i)``."""
    if nu.ndim < 2:
        return [nu]
    return [jnp.max(nu, axis=[b for b in range(nu.ndim) if b != a]) for a in range(nu.ndim)]


def _update(h, grads, state, params=None, **extra_args):
    nu = _tree.tree_map(_sum_bound, grads, state.mu)  # grads' structure is a prefix of mu's
    scaled = _tree.tree_map(
        lambda g, nu: g * jnp.where(nu > 0, jax.lax.rsqrt(nu), 0.0).astype(g.dtype), grads, nu
    )
    m = _tree.ema(scaled, state.nu, h.momentum)
    mu = _tree.tree_map(_new_accumulators, nu)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    return _tree.scale(m, -alpha), SM3State(jnp.asarray(optax.safe_increment(state.count)), mu, m)
