"""Independent transcriptions of the papers, where optax 0.2.8 is not the reference.

Each follows its paper's pseudo-code and notation (not jaxdescent's code, and
no jaxdescent helper), with ``jax.numpy`` (the NumPy API, so the same code runs
inside the reference ``lax.scan``), and follows optax's ``(init, update)``
protocol so that the shared equivalence tests drive it like an optax optimizer.

- :func:`polyak_sgd`: Loizou et al. 2021 (``optax.polyak_sgd``'s ``scaling``
  divides the step instead of multiplying it).
- :func:`adadelta`: Zeiler 2012, Algorithm 1 (``optax.adadelta`` with its default
  ``learning_rate=None`` climbs).
- :func:`rprop`: Igel and Hüsken 2000, iRprop- (``optax.rprop`` returns the
  previous step's update).
- :func:`adan`: Xie et al. 2022, Algorithm 1 with the bias correction of the
  authors' code (``optax.adan`` weighs gradient differences by ``1 - b2``
  instead of ``b2`` and decays weights without the proximal step).
- :func:`lars`: You et al. 2017, Algorithm 1 and eq. 6 (``optax.lars`` divides by
  ``||g + beta w||`` instead of ``||g|| + beta ||w||``).
- :func:`schedule_free_sgd`, :func:`schedule_free_adamw`: Defazio et al. 2024,
  Algorithm 1 (optax warms the ``z`` step up one step late, and its AdamW leaves
  ``sqrt(1 - beta2^t)`` out of the step size ``gamma_t``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

tree_map = jax.tree_util.tree_map


def _at(value: Any, count: jax.Array, dtype: Any) -> jax.Array:
    """A hyperparameter (number or schedule of the step count) at ``count``, in ``dtype``."""
    return jnp.asarray(value(count) if callable(value) else value, dtype)


def _dtype(tree: Any) -> Any:
    return jax.tree_util.tree_leaves(tree)[0].dtype


class AdadeltaState(NamedTuple):
    count: jax.Array
    mean_square_grad: Any  # E[g^2]
    mean_square_delta: Any  # E[dx^2]


def adadelta(
    learning_rate: Any = None, rho: float = 0.9, eps: float = 1e-6, weight_decay: Any = 0.0
) -> optax.GradientTransformationExtraArgs:
    """Zeiler, ADADELTA (arXiv:1212.5701), Algorithm 1, with L2 weight decay and a global rate.

    RMS[y]_t = sqrt(E[y^2]_t + eps);  dx_t = -RMS[dx]_{t-1} / RMS[g]_t * g_t;
    x_{t+1} = x_t + lr * dx_t, where lr = 1 (the paper) when ``learning_rate`` is None.
    """

    def init(params):
        zeros = tree_map(jnp.zeros_like, params)
        return AdadeltaState(jnp.zeros([], jnp.int32), zeros, zeros)

    def update(grads, state, params=None, **extra_args):
        dtype = _dtype(grads)
        decay = _at(weight_decay, state.count, dtype)
        lr = _at(1.0 if learning_rate is None else learning_rate, state.count, dtype)

        def one(g, w, e_g2, e_dx2):
            g = g + decay * w  # gradient of the L2 penalty decay/2 |w|^2
            e_g2 = rho * e_g2 + (1 - rho) * g**2  # accumulate gradient
            dx = -(jnp.sqrt(e_dx2 + eps) / jnp.sqrt(e_g2 + eps)) * g  # compute update
            e_dx2 = rho * e_dx2 + (1 - rho) * dx**2  # accumulate updates
            return lr * dx, e_g2, e_dx2

        out = tree_map(one, grads, params, state.mean_square_grad, state.mean_square_delta)
        treedef = jax.tree_util.tree_structure(grads)
        parts = [treedef.unflatten(x) for x in zip(*treedef.flatten_up_to(out), strict=True)]
        return parts[0], AdadeltaState(state.count + 1, parts[1], parts[2])

    return optax.GradientTransformationExtraArgs(init, update)


class RpropState(NamedTuple):
    update_values: Any  # Delta_ij
    previous_grads: Any  # dE/dw_ij at t - 1 (set to 0 after a sign change)


def rprop(
    learning_rate: float,
    eta_minus: float = 0.5,
    eta_plus: float = 1.2,
    min_step_size: float = 1e-6,
    max_step_size: float = 50.0,
) -> optax.GradientTransformationExtraArgs:
    """iRprop- (Igel and Hüsken 2000): Riedmiller and Braun 1993 without backtracking.

    if dE/dw(t-1) * dE/dw(t) > 0:  Delta = min(Delta * eta+, Delta_max)
    elif            ... < 0:       Delta = max(Delta * eta-, Delta_min); dE/dw(t) = 0
    dw(t) = -sign(dE/dw(t)) * Delta.
    """

    def init(params):
        return RpropState(
            tree_map(lambda w: jnp.full_like(w, learning_rate), params),
            tree_map(jnp.zeros_like, params),
        )

    def update(grads, state, params=None, **extra_args):
        def one(g, delta, g_prev):
            agree = jnp.sign(g_prev) * jnp.sign(g)
            delta = jnp.where(
                agree > 0,
                jnp.minimum(delta * eta_plus, max_step_size),
                jnp.where(agree < 0, jnp.maximum(delta * eta_minus, min_step_size), delta),
            )
            g = jnp.where(agree < 0, jnp.zeros_like(g), g)
            return -jnp.sign(g) * delta, delta, g

        out = tree_map(one, grads, state.update_values, state.previous_grads)
        treedef = jax.tree_util.tree_structure(grads)
        parts = [treedef.unflatten(x) for x in zip(*treedef.flatten_up_to(out), strict=True)]
        return parts[0], RpropState(parts[1], parts[2])

    return optax.GradientTransformationExtraArgs(init, update)


class AdanState(NamedTuple):
    k: jax.Array
    m: Any
    v: Any
    n: Any
    g_prev: Any


def adan(
    learning_rate: Any,
    b1: float = 0.98,
    b2: float = 0.92,
    b3: float = 0.99,
    eps: float = 1e-8,
    eps_root: float = 1e-8,
    weight_decay: Any = 0.0,
) -> optax.GradientTransformationExtraArgs:
    """Xie et al., Adan (arXiv:2208.06677), Algorithm 1, in the paper's notation beta_i = 1 - b_i.

    m_k = (1 - beta1) m + beta1 g_k;   v_k = (1 - beta2) v + beta2 (g_k - g_{k-1})
    n_k = (1 - beta3) n + beta3 [g_k + (1 - beta2)(g_k - g_{k-1})]^2     (g_0 - g_{-1} = 0)
    eta_k = eta / (sqrt(n_k + eps_root) + eps)        (m, v, n bias-corrected, as the
                                                        authors' code does)
    theta_{k+1} = (1 + lambda eta)^-1 [theta_k - eta_k o (m_k + (1 - beta2) v_k)]
    The update returned is theta_{k+1} - theta_k = -eta (d + lambda theta) / (1 + lambda eta)
    with d = (m_k + (1 - beta2) v_k) / (sqrt(n_k + eps_root) + eps), written so that it
    does not cancel. The code writes each 1 - beta_i as b_i, which it is: computing
    1 - (1 - b_i) would cancel (b3 = 1e-5 would keep 11 of its 16 digits).
    """
    beta1, beta2, beta3 = 1 - b1, 1 - b2, 1 - b3

    def init(params):
        zeros = tree_map(jnp.zeros_like, params)
        return AdanState(jnp.zeros([], jnp.int32), zeros, zeros, zeros, zeros)

    def update(grads, state, params=None, **extra_args):
        dtype = _dtype(grads)
        eta = _at(learning_rate, state.k, dtype)
        lam = _at(weight_decay, state.k, dtype)
        k = state.k + 1
        first = state.k == 0

        def one(g, theta, m, v, n, g_prev):
            diff = jnp.where(first, jnp.zeros_like(g), g - g_prev)
            m = b1 * m + beta1 * g
            v = b2 * v + beta2 * diff
            n = b3 * n + beta3 * (g + b2 * diff) ** 2
            m_hat, v_hat, n_hat = (
                x / (1 - b ** k.astype(jnp.result_type(float))).astype(dtype)
                for x, b in ((m, b1), (v, b2), (n, b3))
            )
            # theta_{k+1} - theta_k, with eta_k o u = eta * (u / (sqrt(n) + eps)):
            direction = (m_hat + b2 * v_hat) / (jnp.sqrt(n_hat + eps_root) + eps)
            step = -eta * (direction + lam * theta) / (1 + lam * eta)
            return step, m, v, n, g

        out = tree_map(one, grads, params, state.m, state.v, state.n, state.g_prev)
        treedef = jax.tree_util.tree_structure(grads)
        parts = [treedef.unflatten(x) for x in zip(*treedef.flatten_up_to(out), strict=True)]
        return parts[0], AdanState(k, *parts[1:])

    return optax.GradientTransformationExtraArgs(init, update)


def polyak_sgd(
    max_learning_rate: float = 1.0,
    scaling: Any = 1.0,
    f_min: float = 0.0,
    eps: float = 0.0,
    variant: str = "sps",
) -> optax.GradientTransformationExtraArgs:
    """SPS_max (Loizou et al. 2021, eq. 4 with c = 1) times a scaling factor ``s``.

    ``x <- x - s * min((f(x) - f_min) / (|g|^2 + eps), max_learning_rate) * g``,
    with the step set to zero for a vanishing ``|g|^2 + eps``; ``sps+`` clips the
    gap at zero (Garrigos et al. 2023). This is the formula optax documents.
    """

    def init(params):
        del params
        return jnp.zeros([], jnp.int32)

    def update(grads, count, params=None, *, value, **extra_args):  # optax's protocol
        del params, extra_args
        leaves = jax.tree_util.tree_leaves(grads)
        dtype = leaves[0].dtype
        squared_norm = sum(jnp.sum(g * g) for g in leaves)
        gap = jnp.asarray(value, dtype) - jnp.asarray(f_min, dtype)
        if variant == "sps+":
            gap = jnp.maximum(gap, jnp.zeros([], dtype))
        denominator = squared_norm + jnp.asarray(eps, dtype)
        polyak = jnp.minimum(gap / denominator, jnp.asarray(max_learning_rate, dtype))
        polyak = jnp.where(denominator <= jnp.finfo(jnp.float64).eps, jnp.zeros([], dtype), polyak)
        s = scaling(count) if callable(scaling) else scaling
        step = jnp.asarray(s, dtype) * polyak
        updates = jax.tree_util.tree_map(lambda g: -step * g, grads)
        return updates, count + 1

    return optax.GradientTransformationExtraArgs(init, update)


class LarsState(NamedTuple):
    t: jax.Array
    v: Any  # the momentum of each layer


def lars(
    learning_rate: Any,
    weight_decay: Any = 0.0,
    weight_decay_mask: Any = True,
    trust_coefficient: float = 0.001,
    eps: float = 0.0,
    trust_ratio_mask: Any = True,
    momentum: float = 0.9,
    nesterov: bool = False,
) -> optax.GradientTransformationExtraArgs:
    """You, Gitman and Ginsburg, LARS (arXiv:1708.03888), Algorithm 1 with eq. 6, per layer l.

    lambda^l = eta ||w^l|| / (||grad L(w^l)|| + beta ||w^l||)      (+ eps, as optax)
    v^l <- m v^l + gamma lambda^l (grad L(w^l) + beta w^l);   w^l <- w^l - v^l
    A layer is a leaf. Outside ``weight_decay_mask`` beta = 0, outside ``trust_ratio_mask``
    lambda = 1, and lambda = 1 where ||w^l|| or the denominator vanishes (optax's guard).
    ``nesterov`` (not in the paper, as optax): w^l <- w^l - (m v^l + gamma lambda^l (...)).
    """

    def per_leaf(mask, tree):
        mask_tree = mask(tree) if callable(mask) else mask
        return tree_map(lambda flag, x: tree_map(lambda _: flag, x), mask_tree, tree)

    def init(params):
        return LarsState(jnp.zeros([], jnp.int32), tree_map(jnp.zeros_like, params))

    def update(grads, state, params=None, **extra_args):
        dtype = _dtype(grads)
        gamma = _at(learning_rate, state.t, dtype)
        decay = _at(weight_decay, state.t, dtype)

        def one(g, w, v, decays, scaled):
            beta = decay if decays else jnp.zeros([], dtype)
            local_lr = jnp.ones([], dtype)
            if scaled:
                w_norm, g_norm = jnp.sqrt(jnp.sum(w * w)), jnp.sqrt(jnp.sum(g * g))
                denominator = g_norm + beta * w_norm
                ratio = trust_coefficient * w_norm / (denominator + eps)
                local_lr = jnp.where((w_norm == 0) | (denominator == 0), local_lr, ratio)
            step = gamma * local_lr * (g + beta * w)
            v = momentum * v + step
            return -(momentum * v + step) if nesterov else -v, v

        decays = per_leaf(weight_decay_mask, grads)
        scaled = per_leaf(trust_ratio_mask, grads)
        out = tree_map(one, grads, params, state.v, decays, scaled)
        treedef = jax.tree_util.tree_structure(grads)
        parts = [treedef.unflatten(x) for x in zip(*treedef.flatten_up_to(out), strict=True)]
        return parts[0], LarsState(state.t + 1, parts[1])

    return optax.GradientTransformationExtraArgs(init, update)


class ScheduleFreeState(NamedTuple):
    t: jax.Array  # the paper's t, from 1
    gamma_max: jax.Array  # max_{i <= t} gamma_i
    weight_sum: jax.Array  # sum_{i <= t} gamma_max,i^p
    v: Any  # Adam's second moment (AdamW only)
    z: Any


def _schedule_free(learning_rate, warmup_steps, b1, weight_decay, weight_lr_power, state_dtype,
                   adam=None):  # fmt: skip
    """Defazio et al., The Road Less Scheduled (arXiv:2405.15682), Algorithm 1, with ``x``
    recovered from the parameters ``y`` as ``x = (y - (1 - beta) z) / beta``:

    gamma_t = gamma [sqrt(1 - beta2^t)] min(1, t / T_warmup)
    z_{t+1} = z_t - gamma_t (d_t + lambda y_t), d_t = g_t [/ (sqrt(v_t) + eps)]
    c_{t+1} = gamma_max,t^p / sum_i gamma_max,i^p;  x_{t+1} = (1 - c) x_t + c z_{t+1}
    y_{t+1} = beta x_{t+1} + (1 - beta) z_{t+1}
    """

    def init(params):
        dtype = jnp.promote_types(_dtype(params), jnp.float32)
        z = tree_map(lambda y: jnp.asarray(y, state_dtype or y.dtype), params)
        v = tree_map(jnp.zeros_like, params) if adam else None
        zero = jnp.zeros([], dtype)
        return ScheduleFreeState(jnp.ones([], jnp.int32), zero, zero, v, z)

    def update(grads, state, params=None, **extra_args):
        t = state.t
        warmup = jnp.minimum(1.0, jnp.asarray(t, float) / warmup_steps) if warmup_steps else 1.0
        gamma = jnp.asarray(_at(learning_rate, t - 1, float) * warmup, float)
        lam = _at(0.0 if weight_decay is None else weight_decay, t - 1, float)
        v = state.v
        if adam:
            b2, eps = adam
            v = tree_map(lambda v, g: (1 - b2) * g**2 + b2 * v, state.v, grads)
            gamma = gamma * jnp.sqrt(1 - jnp.asarray(b2, float) ** t)
            d = tree_map(lambda g, v: g / (jnp.sqrt(v) + eps), grads, v)
        else:
            d = grads
        gamma_max = jnp.maximum(state.gamma_max, gamma.astype(state.gamma_max.dtype))
        weight = gamma_max**weight_lr_power
        weight_sum = state.weight_sum + weight
        c = jnp.where(weight_sum > 0, weight / jnp.where(weight_sum > 0, weight_sum, 1), 0.0)

        def one(y, z, d):
            wide = jnp.promote_types(y.dtype, z.dtype)
            z_next = (z - gamma.astype(d.dtype) * (d + lam.astype(d.dtype) * y)).astype(z.dtype)
            x = (y.astype(wide) - (1 - b1) * z.astype(wide)) / b1
            x_next = (1 - c.astype(wide)) * x + c.astype(wide) * z_next.astype(wide)
            y_next = b1 * x_next + (1 - b1) * z_next.astype(wide)
            return (y_next - y).astype(y.dtype), z_next

        out = tree_map(one, params, state.z, d)
        treedef = jax.tree_util.tree_structure(params)
        updates, z = (treedef.unflatten(x) for x in zip(*treedef.flatten_up_to(out), strict=True))
        return updates, ScheduleFreeState(t + 1, gamma_max, weight_sum, v, z)

    return optax.GradientTransformationExtraArgs(init, update)


def schedule_free_sgd(learning_rate=1.0, warmup_steps=None, b1=0.9, weight_decay=None,
                      weight_lr_power=2.0, state_dtype=None):  # fmt: skip
    """Schedule-Free SGD (Defazio et al. 2024, Algorithm 1 without Adam's scaling)."""
    return _schedule_free(
        learning_rate, warmup_steps, b1, weight_decay, weight_lr_power, state_dtype
    )


def schedule_free_adamw(learning_rate=0.0025, warmup_steps=None, b1=0.9, b2=0.999, eps=1e-8,
                        weight_decay=0.0, weight_lr_power=2.0, state_dtype=None):  # fmt: skip
    """Schedule-Free AdamW (Defazio et al. 2024, Algorithm 1)."""
    return _schedule_free(
        learning_rate, warmup_steps, b1, weight_decay, weight_lr_power, state_dtype, (b2, eps)
    )
