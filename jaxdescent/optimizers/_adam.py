"""Adam and the optimizers that share its two moment estimates."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxdescent import _tree
from jaxdescent._checks import check_decay, check_learning_rate, check_nonnegative
from jaxdescent._factory import optimizer


class AdamState(NamedTuple):
    """State of :func:`adam`: step count ``t``, first moment ``m``, second moment ``v``."""

    count: jax.Array
    mu: Any
    nu: Any


@optimizer
def adam(
    learning_rate: Any,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    eps_root: Any = 0.0,
    mu_dtype: Any = None,
    *,
    nesterov: bool = False,
):
    r"""Adam: descent scaled by running estimates of the gradient's mean and square.

    With gradient ``g`` at step ``t = 1, 2, ...``::

        m <- b1 m + (1 - b1) g            m_hat = m / (1 - b1^t)
        v <- b2 v + (1 - b2) g^2          v_hat = v / (1 - b2^t)
        w <- w - alpha m_hat / (sqrt(v_hat + eps_root) + eps)

    With ``nesterov=True`` (NAdam, Dozat 2016) ``m_hat`` is replaced by
    ``b1 m / (1 - b1^(t+1)) + (1 - b1) g / (1 - b1^t)``.

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      b1: ``b1``, decay of the first moment, in [0, 1).
      b2: ``b2``, decay of the second moment, in [0, 1).
      eps: ``eps``, added to the denominator outside the square root.
      eps_root: ``eps_root``, added inside the square root.
      mu_dtype: dtype in which ``m`` is stored (default: the parameters').
      nesterov: use the Nesterov look-ahead of the first moment.

    Returns:
      An optax ``GradientTransformationExtraArgs``.

    Raises:
      ValueError: if ``learning_rate``, ``eps`` or ``eps_root`` is negative or
        ``b1``/``b2`` is outside [0, 1).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.adam(0.1)
      >>> w = jnp.array([1.0, -2.0])
      >>> updates, _ = opt.update(2 * w, opt.init(w))
      >>> print(updates.round(3))  # the first Adam step is -alpha * sign(g)
      [-0.1  0.1]

    References:
      Kingma and Ba, *Adam: A Method for Stochastic Optimization*, 2014,
      arXiv:1412.6980 (Algorithm 1, as in optax and PyTorch).

    Matches ``optax.adam``; PyTorch's ``Adam`` has no ``eps_root``.
    """
    check_learning_rate(learning_rate)
    check_decay(b1=b1, b2=b2)
    check_nonnegative(eps=eps, eps_root=eps_root)

    def init(params):
        return AdamState(
            count=jnp.zeros([], jnp.int32),
            mu=_tree.zeros_like(params, mu_dtype),
            nu=_tree.zeros_like(params),
        )

    def update(grads, state, params=None):
        t = optax.safe_increment(state.count)
        m = _tree.ema(grads, state.mu, b1)
        v = _tree.ema(grads, state.nu, b2, order=2)
        m_hat = _tree.bias_corrected(m, b1, t)
        if nesterov:
            m_hat = _tree.tree_map(
                lambda m, g: b1 * m + (1 - b1) * g,
                _tree.bias_corrected(m, b1, optax.safe_increment(t)),
                _tree.bias_corrected(grads, b1, t),
            )
        v_hat = _tree.bias_corrected(v, b2, t)
        alpha = _tree.learning_rate_at(learning_rate, state.count, _tree.working_dtype(grads))
        direction = _tree.tree_map(lambda m, v: m / (jnp.sqrt(v + eps_root) + eps), m_hat, v_hat)
        m = _tree.tree_map(lambda m, old: m.astype(old.dtype), m, state.mu)
        return _tree.scale(direction, -alpha), AdamState(count=t, mu=m, nu=v)

    return init, update
