"""Optimizers that divide the gradient by a root mean square: RMSProp, AdaGrad, AdaDelta."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxdescent import _tree
from jaxdescent._checks import check_flag
from jaxdescent._hyperparameter_checks import (
    check_decay,
    check_learning_rate,
    check_mask,
    check_nonnegative,
)
from jaxdescent._optimizer import transformation


class RmspropState(NamedTuple):
    """State of :func:`rmsprop`: step count, ``v``, ``m`` (centered only), ``u`` (momentum only)."""

    count: jax.Array
    nu: Any
    mu: Any
    trace: Any


def rmsprop(
    learning_rate: Any,
    decay: Any = 0.9,
    eps: Any = 1e-8,
    initial_scale: Any = 0.0,
    eps_in_sqrt: bool = True,
    centered: bool = False,
    momentum: Any = None,
    nesterov: bool = False,
    bias_correction: bool = False,
):
    r"""RMSProp: the gradient divided by a running root mean square of its past values.

    With gradient ``g`` at step ``t = 1, 2, ...`` and ``v`` starting at ``initial_scale``::

        v <- rho v + (1 - rho) g^2
        s  = v                       (centered: m <- rho m + (1 - rho) g ;  s = v - m^2)
        d  = g / sqrt(s + eps)       (eps_in_sqrt=False: d = g / (sqrt(s) + eps))
        w <- w - alpha d

    With ``bias_correction`` ``v`` and ``m`` are divided by ``1 - rho^t`` first.
    With ``momentum`` (``beta``) the *scaled* step is accumulated, as in optax::

        u <- beta u - alpha d ;  w <- w + u       (nesterov: w <- w + beta u - alpha d)

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      decay: ``rho``, decay of the running averages, in [0, 1).
      eps: ``eps``, added inside the square root (or outside, see ``eps_in_sqrt``).
      initial_scale: initial value of ``v``.
      eps_in_sqrt: add ``eps`` inside the square root (optax's default) or outside.
      centered: divide by an estimate of the standard deviation (Graves 2013).
      momentum: ``beta`` in [0, 1), or ``None`` for no momentum.
      nesterov: Nesterov's look-ahead form of the momentum.
      bias_correction: correct ``v`` and ``m`` for their zero start, as in Adam.

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: if ``learning_rate``, ``eps`` or ``initial_scale`` is negative,
        or ``decay``/``momentum`` is outside [0, 1).
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.rmsprop(0.01, decay=0.75, eps=0.0)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(w, opt.init(w))
      >>> print(updates)  # v = g^2 / 4: the first step is -alpha sign(g) / sqrt(1/4)
      [-0.02  0.02]

    References:
      Tieleman and Hinton, *Lecture 6.5 - RMSProp*, COURSERA: Neural Networks for
      Machine Learning, 2012. Graves, *Generating Sequences With Recurrent Neural
      Networks*, 2013, arXiv:1308.0850 (the centered form).

    Matches ``optax.rmsprop``. PyTorch's ``RMSprop`` defaults differ: ``alpha``
    (our ``decay``) 0.99 and ``eps`` added outside the square root; its momentum
    buffer holds ``d`` rather than ``alpha d`` (the same for a constant ``alpha``).
    """
    check_learning_rate(learning_rate)
    check_decay(decay=decay)
    if momentum is not None:
        check_decay(momentum=momentum)
    check_nonnegative(eps=eps, initial_scale=initial_scale)
    for name, flag in (
        ("eps_in_sqrt", eps_in_sqrt),
        ("centered", centered),
        ("nesterov", nesterov),
        ("bias_correction", bias_correction),
    ):
        check_flag(name, flag)
    return transformation(
        _rmsprop_init, _rmsprop_update, learning_rate=learning_rate, decay=decay, eps=eps,
        initial_scale=initial_scale, eps_in_sqrt=eps_in_sqrt, centered=centered,
        momentum=momentum, nesterov=nesterov, bias_correction=bias_correction,
    )  # fmt: skip


def _rmsprop_init(h, params):
    return RmspropState(
        count=jnp.zeros([], jnp.int32),
        nu=_tree.full_like(params, h.initial_scale),
        mu=_tree.zeros_like(params) if h.centered else None,
        trace=None if h.momentum is None else _tree.zeros_like(params),
    )


def _rmsprop_update(h, grads, state, params=None, **extra_args):
    t = optax.safe_increment(state.count)
    v = _tree.ema(grads, state.nu, h.decay, order=2)
    m = _tree.ema(grads, state.mu, h.decay) if h.centered else None
    d = _rmsprop_direction(h, grads, _rmsprop_variance(h, v, m, t))
    step = _tree.scale(d, -_tree.learning_rate_at(h.learning_rate, state.count))
    u = None
    if h.momentum is not None:
        beta = h.momentum
        u = _tree.tree_map(lambda d, u: d + beta * u, step, state.trace)
        step = _tree.tree_map(lambda d, u: d + beta * u, step, u) if h.nesterov else u
    return step, RmspropState(count=t, nu=v, mu=m, trace=u)


def _rmsprop_variance(h, v, m, t):
    """RMSProp's ``s``: ``v`` (bias-corrected if asked), less ``m^2`` when centered."""
    v_hat = _tree.bias_corrected(v, h.decay, t) if h.bias_correction else v
    if not h.centered:
        return v_hat
    m_hat = _tree.bias_corrected(m, h.decay, t) if h.bias_correction else m
    return _tree.tree_map(lambda v, m: v - _tree.abs_sq_like(m), v_hat, m_hat)


def _rmsprop_direction(h, grads, s):
    """RMSProp's ``d = g / sqrt(s + eps)`` (``eps_in_sqrt=False``: ``g / (sqrt(s) + eps)``)."""
    eps = h.eps
    if h.eps_in_sqrt:
        return _tree.tree_map(lambda s, g: jax.lax.rsqrt(s + eps) * g, s, grads)
    return _tree.tree_map(lambda s, g: 1 / (jnp.sqrt(s) + eps) * g, s, grads)


class AdagradState(NamedTuple):
    """State of :func:`adagrad`: the step count and the running sum of squares ``s``."""

    count: jax.Array
    sum_of_squares: Any


def adagrad(learning_rate: Any, initial_accumulator_value: Any = 0.1, eps: Any = 1e-7):
    r"""AdaGrad: each coordinate's step shrinks with the sum of its squared gradients.

    With gradient ``g`` and ``s`` starting at ``initial_accumulator_value``::

        s <- s + g^2
        w <- w - alpha g / sqrt(s + eps)       (no step where s = 0)

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      initial_accumulator_value: the starting value of ``s``.
      eps: ``eps``, added inside the square root.

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: if ``learning_rate``, ``initial_accumulator_value`` or ``eps`` is negative.
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.adagrad(0.5, initial_accumulator_value=0.0, eps=0.0)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(w, opt.init(w))
      >>> print(updates)  # s = g^2: the first step is -alpha sign(g)
      [-0.5  0.5]

    References:
      Duchi, Hazan and Singer, *Adaptive Subgradient Methods for Online Learning
      and Stochastic Optimization*, JMLR 12, 2011.

    Matches ``optax.adagrad``. PyTorch's ``Adagrad`` starts ``s`` at 0 and adds
    ``eps`` (1e-10) outside the square root.
    """
    check_learning_rate(learning_rate)
    check_nonnegative(initial_accumulator_value=initial_accumulator_value, eps=eps)
    return transformation(
        _adagrad_init, _adagrad_update, learning_rate=learning_rate,
        initial_accumulator_value=initial_accumulator_value, eps=eps,
    )  # fmt: skip


def _adagrad_init(h, params):
    s = _tree.full_like(params, h.initial_accumulator_value)
    return AdagradState(count=jnp.zeros([], jnp.int32), sum_of_squares=s)


def _adagrad_update(h, grads, state, params=None, **extra_args):
    eps = h.eps
    s = _tree.tree_map(lambda g, s: _tree.abs_sq_like(g) + s, grads, state.sum_of_squares)
    d = _tree.tree_map(lambda s, g: jnp.where(s > 0, jax.lax.rsqrt(s + eps), 0.0) * g, s, grads)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    return _tree.scale(d, -alpha), AdagradState(optax.safe_increment(state.count), s)


class AdadeltaState(NamedTuple):
    """State of :func:`adadelta`: step count, ``E[g^2]`` and ``E[dx^2]``."""

    count: jax.Array
    e_g: Any
    e_x: Any


def adadelta(
    learning_rate: Any = None,
    rho: Any = 0.9,
    eps: Any = 1e-6,
    weight_decay: Any = 0.0,
    weight_decay_mask: Any = None,
):
    r"""AdaDelta: steps whose units come from a running average of past steps.

    With gradient ``g`` (plus ``lambda w`` with weight decay)::

        E[g^2]  <- rho E[g^2] + (1 - rho) g^2
        dx       = sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) g
        E[dx^2] <- rho E[dx^2] + (1 - rho) dx^2
        w       <- w - alpha dx

    ``learning_rate=None`` means ``alpha = 1``, Zeiler's algorithm exactly.

    **Deviation from optax 0.2.8**: with its default ``learning_rate=None``,
    ``optax.adadelta`` skips the final scaling altogether and so returns ``+dx``:
    it climbs the gradient. We follow the paper (``w <- w - dx``); with an
    explicit learning rate both agree.

    Args:
      learning_rate: ``alpha``; ``None`` (meaning 1), a number, an array or a schedule.
      rho: ``rho``, decay of both running averages, in [0, 1).
      eps: ``eps``, added inside both square roots.
      weight_decay: ``lambda``, added to the gradient as ``lambda w`` (coupled
        L2); a number, an array or a schedule.
      weight_decay_mask: ``None``, a pytree of bools (a prefix of the
        parameters'), or a callable returning one: where weight decay applies.

    Returns:
      An optax ``GradientTransformationExtraArgs``; its ``update`` needs ``params``.

    Raises:
      ValueError: if ``learning_rate``, ``eps`` or ``weight_decay`` is negative or
        ``rho`` is outside [0, 1).
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.adadelta(rho=0.0, eps=1e-2)
      >>> w = jnp.array([0.0])
      >>> updates, _ = opt.update(jnp.array([3.0]), opt.init(w), w)
      >>> print(f"{updates[0]:.5f}")  # -sqrt(0.01) / sqrt(9.01) * 3: downhill
      -0.09994

    References:
      Zeiler, *ADADELTA: An Adaptive Learning Rate Method*, 2012, arXiv:1212.5701
      (Algorithm 1).

    PyTorch's ``Adadelta`` (``lr=1.0`` by default) computes the same update.
    """
    if learning_rate is not None:
        check_learning_rate(learning_rate)
    check_learning_rate(weight_decay, name="weight_decay")
    check_decay(rho=rho)
    check_nonnegative(eps=eps)
    check_mask("weight_decay_mask", weight_decay_mask)
    return transformation(
        _adadelta_init, _adadelta_update, learning_rate=learning_rate, rho=rho, eps=eps,
        weight_decay=weight_decay, weight_decay_mask=weight_decay_mask,
    )  # fmt: skip


def _adadelta_init(h, params):
    zeros = _tree.zeros_like(params)
    return AdadeltaState(count=jnp.zeros([], jnp.int32), e_g=zeros, e_x=zeros)


def _adadelta_update(h, grads, state, params=None, **extra_args):
    rho, eps = h.rho, h.eps
    lam = _tree.learning_rate_at(h.weight_decay, state.count)
    mask = h.weight_decay_mask
    g = _tree.with_weight_decay(
        grads, params, lam, mask, who="adadelta's weight decay", mask_name="weight_decay_mask"
    )
    e_g = _tree.ema(g, state.e_g, rho, order=2)
    dx = _tree.tree_map(
        lambda g, e_g, e_x: jnp.sqrt(e_x + eps) / jnp.sqrt(e_g + eps) * g, g, e_g, state.e_x
    )
    e_x = _tree.ema(dx, state.e_x, rho, order=2)
    alpha = _tree.learning_rate_at(1.0 if h.learning_rate is None else h.learning_rate, state.count)
    return _tree.scale(dx, -alpha), AdadeltaState(optax.safe_increment(state.count), e_g, e_x)
