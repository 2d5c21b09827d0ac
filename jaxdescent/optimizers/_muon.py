"""Muon: momentum orthogonalised by Newton-Schulz on matrices, Adam on every other leaf."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdescent import _tree
from jaxdescent._checks import (
    check_choice,
    check_flag,
    check_float_dtype,
    check_positive_int,
    shown,
)
from jaxdescent._hyperparameter_checks import (
    check_decay,
    check_learning_rate,
    check_mask,
    check_mask_tree,
    check_nonnegative,
)
from jaxdescent._optimizer import transformation
from jaxdescent.optimizers._adam import adam_moments
from jaxdescent.optimizers._newton_schulz import (
    PRECONDITIONINGS,
    PRESETS,
    check_dimension_numbers,
    fans,
    leaf_specs,
    orthogonalize,
)

DIMENSIONS = "muon_weight_dimension_numbers"


class MuonState(NamedTuple):
    """State of :func:`muon`: step count ``t``, momentum ``m`` of every leaf (Adam's first
    moment off the matrices), Adam's second moment ``v`` (``None`` on Muon's leaves) and
    the Newton-Schulz coefficients."""

    count: jax.Array
    mu: Any
    nu: Any
    ns_coeffs: jax.Array


def muon(
    learning_rate: Any,
    ns_coeffs: Any = PRESETS["standard"],
    ns_steps: int = 5,
    beta: Any = 0.95,
    eps: Any = 1e-8,
    weight_decay: Any = 0.0,
    weight_decay_mask: Any = None,
    mu_dtype: Any = None,
    *,
    nesterov: bool = True,
    adaptive: bool = False,
    preconditioning: str = "frobenius",
    adam_b1: Any = 0.9,
    adam_b2: Any = 0.999,
    adam_eps_root: Any = 0.0,
    adam_weight_decay: Any = 0.0,
    adam_learning_rate: Any = None,
    muon_weight_dimension_numbers: Any = None,
    consistent_rms: Any = None,
):
    r"""Muon: steepest descent under the spectral norm for matrices, AdamW for the rest.

    For a matrix leaf (``fan_in x fan_out``) with gradient ``g`` at step ``t``::

        m <- beta m + (1 - beta) g
        u = (beta m + (1 - beta) g) / (1 - beta^(t+1))     (nesterov; else m / (1 - beta^t))
        O = NewtonSchulz(u)                                 (about U V^T for u = U S V^T)
        O <- <u, O> O                                       (adaptive only)
        w <- w - alpha (s O + lambda w),   s = sqrt(max(1, fan_out / fan_in))

    ``s = sqrt(max(fan_in, fan_out)) consistent_rms`` when ``consistent_rms`` is given.
    Every other leaf takes an AdamW step (:func:`adamw`, :func:`nadamw` when
    ``nesterov``) with ``adam_b1``, ``adam_b2``, ``eps``, ``adam_eps_root``,
    ``adam_weight_decay`` and ``adam_learning_rate`` (default ``alpha``).

    Args:
      learning_rate: ``alpha``; a number, an array or a schedule of the step count.
      ns_coeffs: Newton-Schulz coefficients ``(a, b, c)``, one triple per step ((n, 3),
        ``ns_steps`` ignored), or a preset: ``"standard"`` or ``"dion"``.
      ns_steps: number of Newton-Schulz steps.
      beta: ``beta`` in [0, 1), the momentum.
      eps: added to the norm that normalises ``u``, and Adam's ``eps``.
      weight_decay: ``lambda`` >= 0 on the matrices; a number or a schedule.
      weight_decay_mask: which of Muon's leaves decay, as ``mask`` in :func:`adamw`.
      mu_dtype: dtype in which ``m`` is stored (default: the parameters').
      nesterov: look ahead with the gradient (both parts).
      adaptive: scale ``O`` by the dual norm ``<u, O>`` (Bernstein and Newhouse 2024).
      preconditioning: how ``u`` is normalised before Newton-Schulz: ``"frobenius"``,
        ``"spectral"``, ``"aol"`` or ``"schatten"`` (the last two inside the first step).
      adam_b1, adam_b2, adam_eps_root: Adam's ``b1``, ``b2`` and ``eps_root``.
      adam_weight_decay: Adam's decoupled weight decay.
      adam_learning_rate: Adam's learning rate; ``None`` for ``learning_rate``.
      muon_weight_dimension_numbers: which leaves Muon takes and how it sees them as
        matrices: ``None`` (the 2-D leaves), an ``optax.contrib.MuonDimensionNumbers``
        (every leaf), a pytree of them with ``None`` for Adam's leaves (a prefix of the
        parameters'), or a callable of the parameters returning one.
      consistent_rms: ``None``, or the target RMS of ``s O`` (Liu et al. 2025; 0.2 matches AdamW).

    Returns:
      An optax ``GradientTransformationExtraArgs``; ``update`` needs ``params``.

    Raises:
      ValueError: for a value out of its range, or (while tracing) a leaf Muon cannot take.
      TypeError: for a value of the wrong type (see :mod:`jaxdescent.optimizers`).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> opt = jd.muon(0.1, ns_steps=20, ns_coeffs=(1.5, -0.5, 0.0))  # converging cubic
      >>> w = jnp.array([[2.0, 0.0], [0.0, 0.5]])
      >>> updates, _ = opt.update(w, opt.init(w), w)
      >>> print(updates.round(3))  # -alpha U V^T
      [[-0.1 -0. ]
       [-0.  -0.1]]

    References:
      Jordan et al., *Muon: An optimizer for hidden layers in neural networks*, 2024,
      https://kellerjordan.github.io/posts/muon/ (and github.com/KellerJordan/Muon);
      Bernstein and Newhouse, *Old Optimizer, New Norm: An Anthology*, 2024,
      arXiv:2409.20325; Liu et al., *Muon is Scalable for LLM Training*, 2025,
      arXiv:2502.16982.

    Follows the paper where ``optax.contrib.muon`` departs from it: with ``nesterov``,
    optax orthogonalises NAdam's ``beta m / (1 - beta^(t+1)) + (1 - beta) g / (1 - beta^t)``,
    which weighs the momentum against the gradient differently from Jordan's
    ``beta m + (1 - beta) g`` during the first ~``1 / (1 - beta)`` steps (the scalar
    ``1 / (1 - beta^(t+1))`` only keeps ``<u, O>`` unbiased: Newton-Schulz normalises
    ``u``). Without ``nesterov`` the update is optax's. The options beyond the paper
    (``adaptive``, ``preconditioning``, the presets, ``consistent_rms``) are optax's.
    """
    check_learning_rate(learning_rate)
    check_learning_rate(weight_decay, "weight_decay")
    check_learning_rate(adam_weight_decay, "adam_weight_decay")
    if adam_learning_rate is not None:
        check_learning_rate(adam_learning_rate, "adam_learning_rate")
    coeffs = _check_ns_coeffs(ns_coeffs)
    check_positive_int("ns_steps", ns_steps, below=1000)
    if len(np.shape(coeffs)) == 2 and len(coeffs) > ns_steps:
        raise ValueError(
            f"`ns_steps` must be at least the {len(coeffs)} rows of `ns_coeffs`, got {ns_steps}"
        )
    check_decay(beta=beta, adam_b1=adam_b1, adam_b2=adam_b2)
    check_nonnegative(eps=eps, adam_eps_root=adam_eps_root)
    if consistent_rms is not None:
        check_nonnegative(consistent_rms=consistent_rms)
    check_mask("weight_decay_mask", weight_decay_mask)
    check_float_dtype("mu_dtype", mu_dtype)
    check_flag("nesterov", nesterov)
    check_flag("adaptive", adaptive)
    check_choice("preconditioning", preconditioning, PRECONDITIONINGS)
    check_dimension_numbers(muon_weight_dimension_numbers, DIMENSIONS)
    return transformation(
        _init, _update, learning_rate=learning_rate, ns_coeffs=coeffs, ns_steps=int(ns_steps),
        beta=beta, eps=eps, weight_decay=weight_decay, weight_decay_mask=weight_decay_mask,
        mu_dtype=mu_dtype, nesterov=nesterov, adaptive=adaptive,
        preconditioning=preconditioning, adam_b1=adam_b1, adam_b2=adam_b2,
        adam_eps_root=adam_eps_root, adam_weight_decay=adam_weight_decay,
        adam_learning_rate=learning_rate if adam_learning_rate is None else adam_learning_rate,
        muon_weight_dimension_numbers=muon_weight_dimension_numbers,
        consistent_rms=consistent_rms,
    )  # fmt: skip


def _check_ns_coeffs(ns_coeffs: Any) -> tuple:
    """A preset name, or real numbers shaped (3,) or (n, 3): returned as (nested) tuples."""
    if isinstance(ns_coeffs, str):
        return PRESETS[check_choice("ns_coeffs", ns_coeffs, tuple(PRESETS))]
    try:
        values = np.asarray(ns_coeffs)
    except (TypeError, ValueError):
        values = np.asarray(None)
    shaped = values.ndim in (1, 2) and values.shape[-1] == 3 and values.size > 0
    if not (shaped and values.dtype.kind in "iuf" and np.all(np.isfinite(values))):
        raise TypeError(
            "`ns_coeffs` must be finite numbers shaped (3,) or (n, 3), or one of "
            f"{tuple(PRESETS)}; got {shown(ns_coeffs)}"
        )
    return tuple(map(tuple, values.tolist())) if values.ndim == 2 else tuple(values.tolist())


def _decays(mask: Any, params: Any) -> list[bool]:
    """Per leaf of ``params``: whether it decays under ``weight_decay_mask``."""
    mask_tree = True if mask is None else mask(params) if callable(mask) else mask
    check_mask_tree("weight_decay_mask", mask_tree, params)
    per_leaf = _tree.tree_map(lambda m, x: _tree.tree_map(lambda _: bool(m), x), mask_tree, params)
    return jax.tree_util.tree_leaves(per_leaf)


def _init(h, params):
    specs = leaf_specs(h.muon_weight_dimension_numbers, params, DIMENSIONS)
    leaves, treedef = jax.tree_util.tree_flatten(params)
    nu = [None if s is not None else jnp.zeros_like(x) for x, s in zip(leaves, specs, strict=True)]
    return MuonState(
        count=jnp.zeros([], jnp.int32),
        mu=_tree.zeros_like(params, h.mu_dtype),
        nu=treedef.unflatten(nu),
        ns_coeffs=jnp.asarray(h.ns_coeffs),
    )


def _muon_direction(h, g, m, spec, coeffs, t):
    """``s O`` for one matrix leaf and its new momentum ``m``."""
    beta = h.beta
    m = (1 - beta) * g + beta * m
    if h.nesterov:
        u = _tree.bias_corrected(beta * m + (1 - beta) * g, beta, optax.safe_increment(t))
    else:
        u = _tree.bias_corrected(m, beta, t)
    o = orthogonalize(u, spec, coeffs, h.ns_steps, h.preconditioning, h.eps)
    if h.adaptive:
        o = jnp.sum(u.conj() * o) * o
    fan_in, fan_out = fans(u.shape, spec)
    if h.consistent_rms is None:
        scale = math.sqrt(max(1, fan_out / fan_in))
    else:
        scale = math.sqrt(max(fan_in, fan_out)) * h.consistent_rms
    return scale * o, m


def _update(h, grads, state, params=None, **extra_args):
    _tree.require_params(params, "muon")
    treedef = jax.tree_util.tree_structure(grads)
    g, w, mu, nu = (treedef.flatten_up_to(x) for x in (grads, params, state.mu, state.nu))
    specs = leaf_specs(h.muon_weight_dimension_numbers, params, DIMENSIONS)
    decays = _decays(h.weight_decay_mask, params)
    t = optax.safe_increment(state.count)
    updates, m_new = list(g), list(mu)
    muon = [i for i, s in enumerate(specs) if s is not None]
    alpha = _tree.learning_rate_at(h.learning_rate, state.count)
    lam = _tree.learning_rate_at(h.weight_decay, state.count)
    for i in muon:
        o, m_new[i] = _muon_direction(h, g[i], mu[i], specs[i], state.ns_coeffs, t)
        o = o + lam * w[i] if decays[i] else o
        updates[i] = _tree.scale(o, -alpha)
    adam = [i for i, s in enumerate(specs) if s is None]
    if adam:
        updates, m_new, nu = _adam_part(h, state.count, adam, g, w, mu, nu, updates, m_new)
    m_new = [x.astype(old.dtype) for x, old in zip(m_new, mu, strict=True)]
    state = MuonState(t, treedef.unflatten(m_new), treedef.unflatten(nu), state.ns_coeffs)
    return treedef.unflatten(updates), state


def _adam_part(h, count, adam, g, w, mu, nu, updates, m_new):
    """AdamW (optax's ``adamw`` with ``eps`` and ``nesterov`` shared) on the leaves ``adam``."""
    pick = lambda xs: [xs[i] for i in adam]  # noqa: E731
    previous = optax.ScaleByAdamState(count, pick(mu), pick(nu))
    _, m, v, m_hat, v_hat = adam_moments(pick(g), previous, h.adam_b1, h.adam_b2, h.nesterov)
    eps, eps_root = h.eps, h.adam_eps_root
    direction = [a / (jnp.sqrt(b + eps_root) + eps) for a, b in zip(m_hat, v_hat, strict=True)]
    lam = _tree.learning_rate_at(h.adam_weight_decay, count)
    alpha = _tree.learning_rate_at(h.adam_learning_rate, count)
    nu = list(nu)
    for k, i in enumerate(adam):
        updates[i] = _tree.scale(direction[k] + lam * w[i], -alpha)
        m_new[i], nu[i] = m[k], v[k]
    return updates, m_new, nu
