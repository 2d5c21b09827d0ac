"""One step of a descent: observe the loss and gradient, update, move unless diverged.

:func:`step` is the body of every loop in :mod:`jaxdescent._descent`; a run's
carry (:class:`Carry`) holds its parameters, optimizer state, step count and
move count, and each step returns one :class:`Record` of what it observed.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any, NamedTuple

import jax
import jax.numpy as jnp

from jaxdescent import _tree
from jaxdescent._batches import draw_batch
from jaxdescent._input_checks import check_evaluation, check_loss

if TYPE_CHECKING:
    from jaxdescent._descent import DescentConfig

PyTree = Any


class Carry(NamedTuple):
    params: PyTree
    opt_state: PyTree
    moves: jax.Array  # the steps this run has moved: all of them until it diverges
    t: jax.Array
    order: jax.Array | None = None  # the epoch's permutation when shuffling minibatches


class Record(NamedTuple):
    loss: jax.Array
    grad_norm: jax.Array | None
    params: PyTree | None
    aux: PyTree | None


def objective(fn, config: DescentConfig, args, data, key, params, t, order=None):
    """``fn`` at ``params`` for step ``t`` (drawing its minibatch), always as ``(loss, aux)``."""
    if data is not None:
        batch = data
        if config.batch_size is not None:
            batch = draw_batch(data, key, t, config.batch_size, config.sampling, order)
        out = fn(params, batch, *args)
    elif key is not None:
        out = fn(params, *args, key=jax.random.fold_in(key, t))
    else:
        out = fn(params, *args)
    check_loss(out, config.has_aux)
    loss, aux = out if config.has_aux else (out, None)
    return jnp.asarray(loss), aux  # the loss may be a Python number


def evaluate(config: DescentConfig, params: PyTree) -> PyTree:
    """``evaluate(params)`` as arrays, its output checked while it is traced."""
    out = config.evaluate(params)
    check_evaluation(out)
    return jax.tree_util.tree_map(jnp.asarray, out)


def observe(objective, config: DescentConfig, carry: Carry, with_grads: bool = True):
    """Loss, gradient (``None`` without ``with_grads``) and the record of the current parameters.

    The final record needs no gradient unless its norm is recorded.
    """
    inputs = (carry.params, carry.t, carry.order)
    if with_grads:
        (loss, aux), grads = jax.value_and_grad(objective, has_aux=True)(*inputs)
        grads = _tree.tree_map(conj_if_complex, grads)
    else:
        (loss, aux), grads = objective(*inputs), None
    record = Record(
        loss=loss,
        grad_norm=_tree.l2_norm(grads) if config.record_grad_norm else None,
        params=carry.params if config.record_params else None,
        aux=aux,
    )
    return grads, record


def conj_if_complex(g: jax.Array) -> jax.Array:
    """The gradient as an optimizer needs it: ``conj(jax.grad)`` for a complex leaf.

    For a real loss ``C`` of a complex ``w = x + iy``, ``jax.grad`` returns
    ``dC/dx - i dC/dy``; its conjugate is the direction of steepest ascent, which
    optax's optimizers expect (as optax's own complex tests pass them). A real
    leaf is returned as it is.
    """
    return jnp.conj(g) if jnp.iscomplexobj(g) else g


def move_if(ok: jax.Array, w: jax.Array, u: jax.Array) -> jax.Array:
    """``w + u`` where ``ok``, else ``w`` exactly, even when ``u`` is NaN or infinite; ``u`` is
    cast to ``w``'s dtype, as ``optax.apply_updates`` does, so every leaf keeps its dtype.

    Equal to ``jnp.where(ok, w + u, w)``, with the per-run flag made elementwise
    through ``0 * w`` (which XLA may not fold, because of NaN) so that the select
    stays elementwise and fused under ``vmap``. A non-finite ``w`` gives a NaN
    flag, which keeps ``w``: frozen runs stay frozen.
    """
    flag = jnp.real(ok.astype(w.dtype) + 0 * w)  # real already, unless ``w`` is complex
    return jnp.where(flag > 0.5, w + u.astype(w.dtype), w)


def healthy(config: DescentConfig, loss: jax.Array) -> jax.Array:
    """The loss is finite (and at most ``diverge_above``): the run may move on."""
    finite = jnp.isfinite(loss)
    if config.diverge_above < math.inf:
        finite = finite & (loss <= config.diverge_above)
    return finite


def step(
    objective, optimizer, config: DescentConfig, latch: bool, reorder, carry: Carry
) -> tuple[Carry, Record]:
    """One descent step; a run whose loss stops being finite is frozen where it stands.

    A run moves while its loss is finite, and counts its moves. Parameters that
    an update overflows make the next loss non-finite, which freezes the run at
    that step (its recorded parameters are then the non-finite ones). For an
    objective that depends only on the parameters, a frozen run's loss stays
    what it was, so the freeze holds by itself and the count stops at the step
    of divergence; an objective that changes with the step (minibatches, a key)
    needs ``latch``: a run that has missed a move never moves again. The count
    is the only per-step bookkeeping (docs/performance.md has the alternatives
    measured).
    """
    grads, record = observe(objective, config, carry)
    value_fn = lambda params: objective(params, carry.t, carry.order)[0]  # noqa: E731
    updates, opt_state = optimizer.update(
        grads, carry.opt_state, carry.params, value=record.loss, grad=grads, value_fn=value_fn
    )
    ok = healthy(config, record.loss)
    if latch:
        ok = ok & (carry.moves == carry.t)
    new = Carry(
        params=_tree.tree_map(functools.partial(move_if, ok), carry.params, updates),
        opt_state=opt_state,
        moves=carry.moves + ok.astype(carry.moves.dtype),
        t=carry.t + 1,
        order=None if carry.order is None else reorder(carry.t + 1, order=carry.order),
    )
    return new, record
