"""Muon as Jordan et al. (2024) describe it, built from optax's parts (not jaxdescent's).

``optax.contrib.muon`` with ``nesterov=True`` orthogonalises NAdam's look-ahead
``beta m / (1 - beta^(t+1)) + (1 - beta) g / (1 - beta^t)``; Jordan's Muon
(github.com/KellerJordan/Muon, ``muon_update``) orthogonalises ``beta m + (1 - beta) g``
(``g.lerp_(m, beta)``), the NAdam weights only in the limit. :func:`muon` is optax's
``muon`` with that one step replaced: :func:`jordan_momentum` makes the direction and
``optax.contrib.scale_by_muon`` with ``beta=0`` (no momentum, no bias correction)
orthogonalises it. The direction is divided by its weight sum ``1 - beta^(t+1)``, which
changes nothing but ``adaptive``'s dual norm ``<u, O>`` (and ``eps``): Newton-Schulz
starts from ``u / (||u|| + eps)``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax
from optax.contrib import MuonDimensionNumbers
from optax.contrib._muon import scale_by_shape

tree_map = jax.tree_util.tree_map


class JordanMomentumState(NamedTuple):
    t: jax.Array
    m: Any


def jordan_momentum(beta: float, nesterov: bool, mu_dtype: Any) -> optax.GradientTransformation:
    """``m <- beta m + (1 - beta) g``; returns ``u / (1 - beta^t)`` with ``u = m``, or
    ``u / (1 - beta^(t+1))`` with ``u = beta m + (1 - beta) g`` (nesterov)."""

    def init(params):
        return JordanMomentumState(
            jnp.zeros([], jnp.int32), tree_map(lambda x: jnp.zeros_like(x, mu_dtype), params)
        )

    def update(grads, state, params=None):
        t = state.t + 1
        m = tree_map(lambda m, g: beta * m + (1 - beta) * g, state.m, grads)
        if nesterov:
            u = tree_map(lambda m, g: beta * m + (1 - beta) * g, m, grads)
            weight = 1 - beta ** (t + 1).astype(float)
        else:
            u, weight = m, 1 - beta ** t.astype(float)
        u = tree_map(lambda x: x / weight.astype(x.dtype), u)
        return u, JordanMomentumState(
            t, tree_map(lambda new, old: new.astype(old.dtype), m, state.m)
        )

    return optax.GradientTransformation(init, update)


def muon(
    learning_rate: Any,
    ns_coeffs: Any = (3.4445, -4.7750, 2.0315),
    ns_steps: int = 5,
    beta: float = 0.95,
    eps: float = 1e-8,
    weight_decay: Any = 0.0,
    weight_decay_mask: Any = None,
    mu_dtype: Any = None,
    *,
    nesterov: bool = True,
    adaptive: bool = False,
    preconditioning: str = "frobenius",
    adam_b1: float = 0.9,
    adam_b2: float = 0.999,
    adam_eps_root: float = 0.0,
    adam_weight_decay: Any = 0.0,
    adam_learning_rate: Any = None,
    muon_weight_dimension_numbers: Any = None,
    consistent_rms: Any = None,
) -> optax.GradientTransformation:
    """``optax.contrib.muon`` with Jordan's (Nesterov) momentum; same keywords.

    Muon takes the leaves that ``muon_weight_dimension_numbers`` gives a spec (the 2-D
    leaves when ``None``); AdamW (``nesterov`` as given) takes the others.
    """
    coeffs = {"standard": (3.4445, -4.7750, 2.0315)}.get(ns_coeffs, ns_coeffs)
    if ns_coeffs == "dion":
        coeffs = optax.contrib._muon._DION_NS_COEFFS
    dims = muon_weight_dimension_numbers

    def specs(params):  # inside the partition, Adam's leaves are MaskedNode (no leaves)
        if dims is None:
            return tree_map(lambda x: MuonDimensionNumbers() if x.ndim == 2 else None, params)
        tree = dims(params) if callable(dims) else dims
        is_spec = lambda x: x is None or isinstance(x, MuonDimensionNumbers)  # noqa: E731
        return tree_map(lambda s, sub: tree_map(lambda _: s, sub), tree, params, is_leaf=is_spec)

    def labels(params):
        is_spec = lambda x: x is None or isinstance(x, MuonDimensionNumbers)  # noqa: E731
        return tree_map(lambda s: "adam" if s is None else "muon", specs(params), is_leaf=is_spec)

    return optax.partition(
        {
            "muon": optax.chain(
                jordan_momentum(beta, nesterov, mu_dtype),
                optax.contrib.scale_by_muon(
                    coeffs, ns_steps, 0.0, eps, nesterov=False, adaptive=adaptive,
                    preconditioning=preconditioning, weight_dimension_numbers=specs,
                ),
                scale_by_shape(specs, consistent_rms),
                optax.add_decayed_weights(weight_decay, weight_decay_mask),
                optax.scale_by_learning_rate(learning_rate),
            ),
            "adam": optax.adamw(
                learning_rate if adam_learning_rate is None else adam_learning_rate,
                adam_b1, adam_b2, eps, adam_eps_root, mu_dtype=mu_dtype,
                weight_decay=adam_weight_decay, nesterov=nesterov,
            ),
        },
        labels,
    )  # fmt: skip
