"""Stochastic gradient descent: plain, with momentum, by signs (Signum), with noise."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxdescent import _tree
from jaxdescent._checks import check_flag, check_key_or_seed, check_seed
from jaxdescent._hyperparameter_checks import (
    check_decay,
    check_learning_rate,
    check_moment_dtype,
    check_nonnegative,
)
from jaxdescent._optimizer import transformation


class SgdState(NamedTuple):
    """State of :func:`sgd`: the step count and the velocity ``trace`` (``None``: no momentum)."""

    count: jax.Array
    trace: Any


def sgd(
    learning_rate: Any,
    momentum: Any = None,
    nesterov: bool = False,
    accumulator_dtype: Any = None,
):
    r"""Stochastic gradient descent, with optional heavy-ball or Nesterov momentum.

    Plain descent steps against the gradient ``g`` with step size ``alpha``::

        w <- w - alpha g

    With ``momentum`` (``beta``) a velocity ``v`` accumulates past gradients
    (Polyak's heavy ball)::

        v <- beta v + g ;  w <- w - alpha v

    and with ``nesterov=True`` the step looks ahead along the velocity::

        v <- beta v + g ;  w <- w - alpha (beta v + g)

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      momentum: ``beta`` in [0, 1), or ``None`` for plain descent.
      nesterov: use Nesterov's look-ahead form (Sutskever et al. 2013).
      accumulator_dtype: dtype of the velocity (default: the parameters').

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: if ``learning_rate`` is negative or not finite, or ``momentum``
        is outside [0, 1).
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, optax, jaxdescent as jd
      >>> opt = jd.sgd(0.1, momentum=0.9)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, state = opt.update(2 * w, opt.init(w))
      >>> optax.apply_updates(w, updates)
      Array([ 0.8, -1.6], dtype=float32)

    References:
      Polyak, *Some methods of speeding up the convergence of iteration methods*, 1964.
      Sutskever et al., *On the importance of initialization and momentum in deep
      learning*, ICML 2013.

    Matches ``optax.sgd`` and PyTorch's ``SGD`` (dampening 0) exactly.
    """
    check_learning_rate(learning_rate)
    if momentum is not None:
        check_decay(momentum=momentum)
    check_flag("nesterov", nesterov)
    check_moment_dtype("accumulator_dtype", accumulator_dtype)
    return transformation(
        _sgd_init, _sgd_update, learning_rate=learning_rate, momentum=momentum,
        nesterov=nesterov, accumulator_dtype=accumulator_dtype,
    )  # fmt: skip


def _sgd_init(h, params):
    velocity = None if h.momentum is None else _tree.zeros_like(params, h.accumulator_dtype)
    return SgdState(count=jnp.zeros([], jnp.int32), trace=velocity)


def _sgd_update(h, grads, state, params=None, **extra_args):
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    if h.momentum is None:
        return _tree.scale(grads, -alpha), SgdState(optax.safe_increment(state.count), None)
    beta = h.momentum
    v = _tree.tree_map(lambda v, g: beta * v + g, state.trace, grads)
    step = _tree.tree_map(lambda v, g: beta * v + g, v, grads) if h.nesterov else v
    v = _tree.cast_like(v, state.trace)  # accumulator_dtype, as optax's trace stores it
    return _tree.scale(step, -alpha), SgdState(optax.safe_increment(state.count), v)


def sign_sgd(learning_rate: Any):
    r"""Sign descent: step by the sign of each gradient entry, ignoring its size.

    With gradient ``g`` and step size ``alpha``::

        w <- w - alpha sign(g)

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: if ``learning_rate`` is negative or not finite.
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.sign_sgd(0.1)
      >>> w = jnp.array([3.0, -0.5, 0.0])
      >>> updates, _ = opt.update(w, opt.init(w))
      >>> print(updates)
      [-0.1  0.1 -0. ]

    References:
      Bernstein et al., *signSGD: Compressed Optimisation for Non-Convex
      Problems*, ICML 2018, arXiv:1802.04434.

    Matches ``optax.sign_sgd``; PyTorch has no sign descent optimizer.
    """
    check_learning_rate(learning_rate)
    return transformation(_sign_sgd_init, _sign_sgd_update, learning_rate=learning_rate)


def _sign_sgd_init(h, params):
    return SgdState(count=jnp.zeros([], jnp.int32), trace=None)


def _sign_sgd_update(h, grads, state, params=None, **extra_args):
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    step = _tree.tree_map(jnp.sign, grads)
    return _tree.scale(step, -alpha), SgdState(optax.safe_increment(state.count), None)


class SignumState(NamedTuple):
    """State of :func:`signum`: the step count and the moving average ``m`` (optax's ``ema``)."""

    count: jax.Array
    ema: Any


def signum(learning_rate: Any, beta: Any = 0.9, accumulator_dtype: Any = None):
    r"""Signum: sign descent on a moving average of the gradient (sign momentum).

    With gradient ``g`` and moving average ``m``::

        m <- beta m + (1 - beta) g
        w <- w - alpha sign(m)

    ``m`` is not bias-corrected: the correction is positive and leaves the sign as it is.

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      beta: ``beta`` in [0, 1), the decay of ``m`` (0 gives :func:`sign_sgd`).
      accumulator_dtype: dtype in which ``m`` is stored (default: the parameters').

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: if ``learning_rate`` is negative or not finite, or ``beta`` is
        outside [0, 1).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.signum(0.1)
      >>> w = jnp.array([3.0, -0.5, 0.0])
      >>> updates, state = opt.update(w, opt.init(w))
      >>> print(updates, state.ema)  # m = (1 - beta) g at the first step
      [-0.1  0.1 -0. ] [ 0.3  -0.05  0.  ]

    References:
      Bernstein et al., *signSGD: Compressed Optimisation for Non-Convex
      Problems*, ICML 2018, arXiv:1802.04434 (Signum, the momentum form).

    Matches ``optax.signum``; PyTorch has no Signum.
    """
    check_learning_rate(learning_rate)
    check_decay(beta=beta)
    check_moment_dtype("accumulator_dtype", accumulator_dtype)
    return transformation(
        _signum_init, _signum_update, learning_rate=learning_rate, beta=beta,
        accumulator_dtype=accumulator_dtype,
    )  # fmt: skip


def _signum_init(h, params):
    ema = _tree.zeros_like(params, h.accumulator_dtype)
    return SignumState(count=jnp.zeros([], jnp.int32), ema=ema)


def _signum_update(h, grads, state, params=None, **extra_args):
    m = _tree.ema(grads, state.ema, h.beta)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    step = _tree.tree_map(jnp.sign, m)
    new_state = SignumState(optax.safe_increment(state.count), _tree.cast_like(m, state.ema))
    return _tree.scale(step, -alpha), new_state


class NoisySgdState(NamedTuple):
    """State of :func:`noisy_sgd`: the step count and the PRNG key of the next noise draw."""

    count: jax.Array
    rng_key: jax.Array


def _as_key(key: Any) -> jax.Array:
    """A typed PRNG key from a key or an integer seed."""
    if isinstance(key, jax.Array) and jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        return key
    return jax.random.key(key)


def noisy_sgd(
    learning_rate: Any,
    eta: Any = 0.01,
    gamma: Any = 0.55,
    key: Any = None,
    *,
    seed: int | None = None,
):
    r"""Gradient descent on gradients perturbed by Gaussian noise of decaying variance.

    At step ``t = 1, 2, ...`` with gradient ``g`` and ``n ~ N(0, 1)`` drawn per entry::

        sigma = sqrt(eta / t^gamma)
        w <- w - alpha (g + sigma n)

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      eta: ``eta``, the noise variance at the first step (>= 0).
      gamma: ``gamma``, the decay exponent of the variance (>= 0).
      key: a ``jax.random`` key or an integer seed for the noise. ``None`` means
        seed 0, as in optax: the noise is the same on every run unless a key is given.
      seed: deprecated synonym of ``key`` (kept for optax compatibility).

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: if ``learning_rate``, ``eta`` or ``gamma`` is negative or
        not finite, or both ``key`` and ``seed`` are given.
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.noisy_sgd(0.1, eta=0.0, key=0)  # no noise: plain descent
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(w, opt.init(w))
      >>> print(updates)
      [-0.1  0.2]

    References:
      Neelakantan et al., *Adding Gradient Noise Improves Learning for Very Deep
      Networks*, 2015, arXiv:1511.06807.

    Matches ``optax.noisy_sgd`` draw for draw (the same key splitting); PyTorch
    has no such optimizer.
    """
    check_learning_rate(learning_rate)
    check_nonnegative(eta=eta, gamma=gamma)
    check_key_or_seed(key)
    check_seed("seed", seed, allow_none=True)
    if seed is not None and key is not None:
        raise ValueError(f"give `key` or its deprecated synonym `seed`, not both; got {seed=}")
    return transformation(
        _noisy_sgd_init, _noisy_sgd_update, learning_rate=learning_rate, eta=eta, gamma=gamma,
        key=key, seed=seed,
    )  # fmt: skip


def _noisy_sgd_init(h, params):
    seed_or_key = h.key if h.key is not None else (h.seed if h.seed is not None else 0)
    return NoisySgdState(count=jnp.zeros([], jnp.int32), rng_key=_as_key(seed_or_key))


def _noisy_sgd_update(h, grads, state, params=None, **extra_args):
    t = optax.safe_increment(state.count)
    sigma = jnp.sqrt(h.eta / t.astype(jnp.result_type(h.eta, h.gamma)) ** h.gamma)
    rng_key, sample_key = jax.random.split(state.rng_key)
    n = optax.tree.random_like(sample_key, grads, jax.random.normal)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    noisy = _tree.tree_map(lambda g, n: g + jnp.asarray(sigma, g.dtype) * n, grads, n)
    return _tree.scale(noisy, -alpha), NoisySgdState(count=t, rng_key=rng_key)
