"""AdaBelief: Adam with the gradient's variance around its mean as second moment."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxdescent import _tree
from jaxdescent._checks import check_flag
from jaxdescent._hyperparameter_checks import check_decay, check_learning_rate, check_nonnegative
from jaxdescent._optimizer import transformation


class AdabeliefState(NamedTuple):
    """State of :func:`adabelief`: step count ``t``, mean ``m`` and belief ``s``."""

    count: jax.Array
    mu: Any
    nu: Any


def adabelief(
    learning_rate: Any,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-16,
    eps_root: Any = 1e-16,
    *,
    nesterov: bool = False,
):
    r"""AdaBelief: Adam with the variance of the gradient around its mean as second moment.

    With gradient ``g`` at step ``t = 1, 2, ...``::

        m <- b1 m + (1 - b1) g                     m_hat = m / (1 - b1^t)
        s <- b2 s + (1 - b2) (g - m)^2 + eps_root  s_hat = s / (1 - b2^t)
        w <- w - alpha m_hat / (sqrt(s_hat) + eps)

    The "belief" ``s`` is small where the gradient matches its prediction ``m``,
    so those coordinates take large steps. ``nesterov=True`` replaces ``m_hat``
    by ``b1 m / (1 - b1^(t+1)) + (1 - b1) g / (1 - b1^t)``, as :func:`adam` does.

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      b1: ``b1``, decay of the mean, in [0, 1).
      b2: ``b2``, decay of the belief, in [0, 1).
      eps: ``eps``, added to the denominator outside the square root.
      eps_root: ``eps_root``, added to ``s`` at every step (and kept in it).
      nesterov: use the Nesterov look-ahead of the mean.

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: if ``learning_rate``, ``eps`` or ``eps_root`` is negative or
        ``b1``/``b2`` is outside [0, 1).
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.adabelief(0.1, b1=0.5, b2=0.5, eps=0.0, eps_root=0.0)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(w, opt.init(w))
      >>> print(updates)  # m_hat = g, s_hat = g^2 / 4: the step is -2 alpha sign(g)
      [-0.2  0.2]

    References:
      Zhuang et al., *AdaBelief Optimizer: Adapting Stepsizes by the Belief in
      Observed Gradients*, NeurIPS 2020, arXiv:2010.07468.

    Matches ``optax.adabelief``. PyTorch has no AdaBelief; the authors' package
    ``adabelief-pytorch`` adds ``eps`` inside ``s`` the same way.
    """
    check_learning_rate(learning_rate)
    check_decay(b1=b1, b2=b2)
    check_nonnegative(eps=eps, eps_root=eps_root)
    check_flag("nesterov", nesterov)
    return transformation(
        _adabelief_init, _adabelief_update, learning_rate=learning_rate, b1=b1, b2=b2, eps=eps,
        eps_root=eps_root, nesterov=nesterov,
    )  # fmt: skip


def _adabelief_init(h, params):
    zeros = _tree.zeros_like(params)
    return AdabeliefState(count=jnp.zeros([], jnp.int32), mu=zeros, nu=zeros)


def _adabelief_m_hat(h, grads, m, t):
    """The bias-corrected mean ``m_hat``, or its Nesterov look-ahead when ``h.nesterov``."""
    if not h.nesterov:
        return _tree.bias_corrected(m, h.b1, t)
    return _tree.nesterov_bias_corrected(m, grads, h.b1, t)


def _adabelief_update(h, grads, state, params=None, **extra_args):
    eps, eps_root = h.eps, h.eps_root
    t = optax.safe_increment(state.count)
    m = _tree.ema(grads, state.mu, h.b1)
    surprise = _tree.tree_map(lambda g, m: g - m, grads, m)
    s = _tree.tree_map(lambda s: s + eps_root, _tree.ema(surprise, state.nu, h.b2, order=2))
    m_hat, s_hat = _adabelief_m_hat(h, grads, m, t), _tree.bias_corrected(s, h.b2, t)
    d = _tree.tree_map(lambda m, s: m / (jnp.sqrt(s) + eps), m_hat, s_hat)
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    return _tree.scale(d, -alpha), AdabeliefState(count=t, mu=m, nu=s)
