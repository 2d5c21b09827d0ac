"""Independent transcriptions of the D-Adaptation family, where optax 0.2.8 is not the reference.

As in ``tests/references.py``: each follows its paper's pseudo-code and notation (no
jaxdescent code), in ``jax.numpy``, with optax's ``(init, update)`` protocol and keyword
names. Both papers (and the authors' PyTorch code, ``use_bias_correction=False``) use
the learning rate ``eta_k`` (``gamma_k``) as given; optax multiplies it by Adam's bias
correction ``sqrt(1 - b2^(k+1)) / (1 - b1^(k+1))``.

- :func:`prodigy`: Mishchenko and Defazio 2023, Algorithm 4 (Adam version).
- :func:`dadapt_adamw`: Defazio and Mishchenko 2023, the Adam variant (``DAdaptAdam``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

tree_map = jax.tree_util.tree_map


def _at(value: Any, k: jax.Array, like: jax.Array) -> jax.Array:
    """A hyperparameter (number or schedule of the step ``k``) at ``k``, in ``like``'s dtype."""
    return jnp.asarray(value(k) if callable(value) else value, like.dtype)


def _total(tree: Any) -> jax.Array:
    return sum(jnp.sum(x) for x in jax.tree_util.tree_leaves(tree))


class ProdigyState(NamedTuple):
    m: Any
    v: Any
    s: Any
    x0: Any
    d: jax.Array
    r: jax.Array
    k: jax.Array


def prodigy(
    learning_rate: Any = 1.0,
    betas: tuple[float, float] = (0.9, 0.999),
    beta3: float | None = None,
    eps: float = 1e-8,
    estim_lr0: float = 1e-6,
    estim_lr_coef: float = 1.0,
    weight_decay: Any = 0.0,
    safeguard_warmup: bool = False,
) -> optax.GradientTransformationExtraArgs:
    """Prodigy (arXiv:2306.06101), Algorithm 4, beta3 = sqrt(beta2) unless given:

    m_{k+1} = b1 m_k + (1 - b1) d_k g_k;   v_{k+1} = b2 v_k + (1 - b2) d_k^2 g_k^2
    r_{k+1} = b3 r_k + (1 - b3) eta_k d_k^2 <g_k, x_0 - x_k>
    s_{k+1} = b3 s_k + (1 - b3) eta_k d_k^2 g_k           (d_k^2 g_k with safeguard_warmup)
    d_{k+1} = max(d_k, c r_{k+1} / ||s_{k+1}||_1)         (d_k while ||s||_1 = 0)
    x_{k+1} = x_k - eta_k d_k (m_{k+1} / (sqrt(v_{k+1}) + d_k eps) + lambda x_k)
    (The authors' code drops the (1 - b3) and divides r, s by d_0; both cancel in r / ||s||.)
    """
    b1, b2 = betas
    b3 = b2**0.5 if beta3 is None else beta3

    def init(params):
        zeros = tree_map(jnp.zeros_like, params)
        dtype = jax.tree_util.tree_leaves(params)[0].dtype
        return ProdigyState(
            zeros, zeros, zeros, params, jnp.asarray(estim_lr0, dtype), jnp.zeros([], dtype),
            jnp.zeros([], jnp.int32),
        )  # fmt: skip

    def update(grads, state, params=None, **extra_args):
        d, k = state.d, state.k
        eta, lam = _at(learning_rate, k, d), _at(weight_decay, k, d)
        m = tree_map(lambda m, g: b1 * m + (1 - b1) * d * g, state.m, grads)
        v = tree_map(lambda v, g: b2 * v + (1 - b2) * d**2 * g**2, state.v, grads)
        inner = _total(tree_map(lambda g, x0, x: jnp.vdot(g, x0 - x), grads, state.x0, params))
        r = b3 * state.r + (1 - b3) * eta * d**2 * inner
        weight = d**2 if safeguard_warmup else eta * d**2
        s = tree_map(lambda s, g: b3 * s + (1 - b3) * weight * g, state.s, grads)
        norm = _total(tree_map(jnp.abs, s))
        d_next = jnp.where(norm > 0, jnp.maximum(d, estim_lr_coef * r / norm), d)
        step = tree_map(
            lambda m, v, x: -eta * d * (m / (jnp.sqrt(v) + d * eps) + lam * x), m, v, params
        )
        return step, ProdigyState(m, v, s, state.x0, d_next, r, k + 1)

    return optax.GradientTransformationExtraArgs(init, update)


class DAdaptState(NamedTuple):
    m: Any
    v: Any
    s: Any
    d: jax.Array
    r: jax.Array
    k: jax.Array


def dadapt_adamw(
    learning_rate: Any = 1.0,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    estim_lr0: float = 1e-6,
    weight_decay: Any = 0.0,
) -> optax.GradientTransformationExtraArgs:
    """Adam with D-Adaptation (arXiv:2301.07733), as the authors' DAdaptAdam, with A_k the
    diagonal sqrt(v_k) + eps before the step and s_k before it:

    r_{k+1} = sqrt(b2) r_k + (1 - sqrt(b2)) d_k gamma_k <g_k, s_k>_{A_k^-1}
    m_{k+1} = b1 m_k + (1 - b1) d_k gamma_k g_k;  v_{k+1} = b2 v_k + (1 - b2) g_k^2
    s_{k+1} = sqrt(b2) s_k + (1 - sqrt(b2)) d_k gamma_k g_k
    d_{k+1} = max(d_k, r_{k+1} / ((1 - sqrt(b2)) ||s_{k+1}||_1))   (d_k while ||s||_1 = 0)
    x_{k+1} = x_k - m_{k+1} / (sqrt(v_{k+1}) + eps) - lambda d_k gamma_k x_k
    """
    b1, b2 = betas
    root = b2**0.5

    def init(params):
        zeros = tree_map(jnp.zeros_like, params)
        dtype = jax.tree_util.tree_leaves(params)[0].dtype
        return DAdaptState(
            zeros, zeros, zeros, jnp.asarray(estim_lr0, dtype), jnp.zeros([], dtype),
            jnp.zeros([], jnp.int32),
        )  # fmt: skip

    def update(grads, state, params=None, **extra_args):
        d, k = state.d, state.k
        step_size = d * _at(learning_rate, k, d)
        lam = _at(weight_decay, k, d)
        inner = _total(
            tree_map(lambda g, s, v: g * s / (jnp.sqrt(v) + eps), grads, state.s, state.v)
        )
        r = root * state.r + (1 - root) * step_size * inner
        m = tree_map(lambda m, g: b1 * m + (1 - b1) * step_size * g, state.m, grads)
        v = tree_map(lambda v, g: b2 * v + (1 - b2) * g**2, state.v, grads)
        s = tree_map(lambda s, g: root * s + (1 - root) * step_size * g, state.s, grads)
        norm = _total(tree_map(jnp.abs, s))
        d_next = jnp.where(norm > 0, jnp.maximum(d, r / ((1 - root) * norm)), d)
        step = tree_map(
            lambda m, v, x: -lam * step_size * x - m / (jnp.sqrt(v) + eps), m, v, params
        )
        return step, DAdaptState(m, v, s, d_next, r, k + 1)

    return optax.GradientTransformationExtraArgs(init, update)
