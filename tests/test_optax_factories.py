"""Every public optax and optax.contrib factory runs through ``jd.minimize`` and ``jd.sweep``.

The factories are enumerated from the modules at run time: every public function
whose return annotation is a ``GradientTransformation``, plus the unannotated
ones listed in :data:`UNANNOTATED_FACTORIES` (a test fails when a new public
function is neither annotated nor classified, so none is forgotten).

Each is built with small valid arguments (:data:`BUILD`, else its learning rate
alone, else as ``chain(factory(), scale(-lr))``), descends a small quadratic for
a few steps in ``minimize`` (the loss must stay finite and, unless
:data:`NOT_DESCENDING` says why not, decrease), and runs a 2-value ``sweep``:
of its own ``learning_rate`` when it takes one, else of the ``-lr`` it is chained
with. :data:`CANNOT_RUN` lists those that cannot run through the driver, with the
reason (also in docs/howto/optax.md, "What cannot run through minimize/sweep").
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import optax.contrib
import pytest

import jaxdescent as jd

LR = 0.05
STEPS = 6
MODULES = {"optax": optax, "optax.contrib": optax.contrib}

#: Public functions without a return annotation that do build a GradientTransformation.
UNANNOTATED_FACTORIES = {
    "optax.monitor",
    "optax.scale_by_factored_rms",
    "optax.contrib.dog",
    "optax.contrib.dowg",
}
#: Public functions without a return annotation that are not factories.
NOT_FACTORIES = {
    "optax.bias_correction",
    "optax.matrix_inverse_pth_root",
    "optax.sigmoid_binary_cross_entropy",
    "optax.update_infinity_moment",
    "optax.update_moment",
    "optax.update_moment_per_elem_norm",
    "optax.contrib.hutchinson_estimator_diag_hessian",
    "optax.contrib.schedule_free_eval_params",
}

#: Factories that cannot run through ``minimize``/``sweep``, and why.
CANNOT_RUN: dict[str, str] = {
    "optax.lookahead": "its parameters are a `LookaheadParams` (fast and slow copies) while its "
    "`update` takes the gradient of the fast copy only: the driver differentiates the objective "
    "with respect to the whole parameter pytree it descends",
    "optax.contrib.differentially_private_aggregate": "it needs per-example gradients (a "
    "leading batch axis on every gradient leaf); the driver passes the gradient of the loss",
    "optax.contrib.dpsgd": "it needs per-example gradients, as `differentially_private_aggregate`",
    "optax.contrib.sophia": "its `update` needs `obj_fn` (the loss of the parameters, for its "
    "Hutchinson estimate of the Hessian's diagonal); the driver passes the loss as `value_fn`, "
    "optax's line-search name",
    "optax.measure_with_ema": "it replaces the updates by an average of a measurement of them "
    "(a scalar): a piece of `optax.monitor`, not a step of a descent",
    "optax.monitor": "its state's `measurements` dict is empty after `init` and gains its keys "
    "in `update`; the `lax.scan` that runs a descent needs a state of one structure",
    "optax.contrib.scale_by_muon": "it orthogonalises every leaf as a matrix and fails on a "
    "vector leaf; `optax.contrib.muon` routes those to Adam and runs",
}

#: Factories whose few steps need not lower the loss, and why (they must stay finite).
NOT_DESCENDING: dict[str, str] = {
    "optax.set_to_zero": "it zeroes every update: the loss stays where it starts",
    "optax.contrib.sam": "every other step is an adversarial (ascending) one",
}


def _sgd(lr: Any) -> optax.GradientTransformation:
    return optax.sgd(lr)


def _deprecated(factory: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``factory(*args, **kwargs)`` for a factory optax 0.2.8 deprecates (it warns when built)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return factory(*args, **kwargs)


def _norm(updates: Any) -> jax.Array:
    return optax.tree.norm(updates)


def _mask(params: Any) -> Any:
    return {"w": True, "b": False}


#: name -> a builder of the transformation at learning rate ``lr`` (required arguments given).
BUILD: dict[str, Callable[[Any], Any]] = {
    "optax.adaptive_grad_clip": lambda lr: optax.chain(optax.adaptive_grad_clip(1.0), _sgd(lr)),
    "optax.add_noise": lambda lr: optax.chain(optax.add_noise(1e-3, 0.55, key=0), _sgd(lr)),
    "optax.apply_if_finite": lambda lr: optax.apply_if_finite(_sgd(lr), 3),
    "optax.chain": lambda lr: optax.chain(optax.scale_by_adam(), optax.scale(-lr)),
    "optax.clip": lambda lr: optax.chain(optax.clip(1.0), _sgd(lr)),
    "optax.clip_by_block_rms": lambda lr: optax.chain(optax.clip_by_block_rms(1.0), _sgd(lr)),
    "optax.clip_by_global_norm": lambda lr: optax.chain(optax.clip_by_global_norm(1.0), _sgd(lr)),
    "optax.conditionally_mask": lambda lr: optax.conditionally_mask(
        _sgd(lr), lambda step: step % 2 == 0
    ),
    "optax.conditionally_transform": lambda lr: optax.chain(
        optax.conditionally_transform(optax.scale_by_adam(), lambda step: step % 2 == 0),
        optax.scale(-lr),
    ),
    "optax.ema": lambda lr: optax.chain(optax.ema(0.5), _sgd(lr)),
    "optax.flatten": lambda lr: optax.flatten(_sgd(lr)),
    "optax.freeze": lambda lr: optax.chain(_sgd(lr), optax.freeze({"w": False, "b": True})),
    "optax.inject_hyperparams": lambda lr: optax.inject_hyperparams(optax.adam)(learning_rate=lr),
    "optax.inject_stateful_hyperparams": lambda lr: _deprecated(
        optax.inject_stateful_hyperparams, optax.adam
    )(learning_rate=lr),
    "optax.masked": lambda lr: optax.chain(
        optax.masked(optax.scale_by_adam(), _mask), optax.scale(-lr)
    ),
    "optax.noisy_sgd": lambda lr: optax.noisy_sgd(lr, key=0),
    "optax.optimistic_adam": lambda lr: _deprecated(optax.optimistic_adam, lr),
    "optax.polyak_sgd": lambda lr: optax.polyak_sgd(max_learning_rate=lr),
    "optax.multi_transform": lambda lr: optax.multi_transform(
        {"a": _sgd(lr), "b": optax.adam(lr)}, {"w": "a", "b": "b"}
    ),
    "optax.named_chain": lambda lr: optax.named_chain(("adam", optax.adam(lr))),
    "optax.partition": lambda lr: optax.partition(
        {"a": _sgd(lr), "b": optax.adam(lr)}, {"w": "a", "b": "b"}
    ),
    "optax.scale": lambda lr: optax.scale(-lr),
    "optax.scale_by_backtracking_linesearch": lambda lr: optax.chain(
        _sgd(lr), optax.scale_by_backtracking_linesearch(max_backtracking_steps=5)
    ),
    "optax.scale_by_learning_rate": lambda lr: optax.scale_by_learning_rate(lr),
    "optax.scale_by_rprop": lambda lr: optax.chain(optax.scale_by_rprop(lr), optax.scale(-1.0)),
    "optax.scale_by_schedule": lambda lr: optax.scale_by_schedule(lambda t: -lr),
    "optax.scale_by_zoom_linesearch": lambda lr: optax.chain(
        _sgd(lr), optax.scale_by_zoom_linesearch(max_linesearch_steps=5)
    ),
    "optax.selective_transform": lambda lr: optax.selective_transform(
        _sgd(lr), freeze_mask={"w": False, "b": True}
    ),
    "optax.set_to_zero": lambda lr: optax.set_to_zero(),
    "optax.snapshot": lambda lr: optax.chain(optax.snapshot("norm", _norm), _sgd(lr)),
    "optax.stateless": lambda lr: optax.stateless(lambda u, p: jax.tree.map(lambda g: -lr * g, u)),
    "optax.stateless_with_tree_map": lambda lr: optax.stateless_with_tree_map(lambda g, p: -lr * g),
    "optax.trace": lambda lr: optax.chain(optax.trace(0.9), optax.scale(-lr)),
    "optax.with_extra_args_support": lambda lr: optax.with_extra_args_support(_sgd(lr)),
    "optax.contrib.mechanize": lambda lr: optax.contrib.mechanize(_sgd(lr)),
    "optax.contrib.reduce_on_plateau": lambda lr: optax.chain(
        _sgd(lr), optax.contrib.reduce_on_plateau()
    ),
    "optax.contrib.schedule_free": lambda lr: optax.contrib.schedule_free(_sgd(lr), lr),
    # sam's transparent update takes no extra arguments although it is typed as taking them;
    # retyped as a plain GradientTransformation, the driver drops the ones it passes.
    "optax.contrib.sam": lambda lr: optax.GradientTransformation(
        *optax.contrib.sam(_sgd(lr), _sgd(lr / 10), sync_period=2)
    ),
    "optax.contrib.scale_by_cocob": lambda lr: optax.chain(
        optax.scale(lr), optax.contrib.scale_by_cocob()
    ),
    "optax.contrib.scale_by_madgrad": lambda lr: optax.contrib.scale_by_madgrad(lr),
    "optax.contrib.split_real_and_imaginary": lambda lr: optax.contrib.split_real_and_imaginary(
        _sgd(lr)
    ),
}


def _objective(params: dict[str, jax.Array]) -> jax.Array:
    target = jnp.arange(12.0, dtype=jnp.float32).reshape(4, 3) / 12
    return jnp.sum((params["w"] - target) ** 2) + jnp.sum((params["b"] - 1) ** 2)


X0 = {"w": jnp.full((4, 3), 0.5, jnp.float32), "b": jnp.zeros(3, jnp.float32)}


def _is_factory(qualified: str, value: Any) -> bool:
    if qualified in UNANNOTATED_FACTORIES:
        return True
    if inspect.isclass(value) or inspect.ismodule(value) or not callable(value):
        return False
    try:
        annotation = inspect.signature(value).return_annotation
    except (TypeError, ValueError):
        return False
    return "GradientTransformation" in str(annotation)


def factories() -> list[str]:
    """Qualified names of every public factory of optax and optax.contrib."""
    found = []
    for prefix, module in MODULES.items():
        for name in sorted(dir(module)):
            value = getattr(module, name)
            if not name.startswith("_") and _is_factory(f"{prefix}.{name}", value):
                found.append(f"{prefix}.{name}")
    return found


def _resolve(qualified: str) -> Callable[..., Any]:
    prefix, name = qualified.rsplit(".", 1)
    return getattr(MODULES[prefix], name)


def _takes_learning_rate(factory: Callable[..., Any]) -> bool:
    return "learning_rate" in inspect.signature(factory).parameters


def build(qualified: str, lr: Any) -> Any:
    """The transformation of ``qualified`` descending at rate ``lr``."""
    if qualified in BUILD:
        return BUILD[qualified](lr)
    factory = _resolve(qualified)
    if _takes_learning_rate(factory):
        return factory(learning_rate=lr)
    return optax.chain(factory(), optax.scale(-lr))


def test_every_unannotated_public_function_is_classified():
    for prefix, module in MODULES.items():
        for name in dir(module):
            value = getattr(module, name)
            qualified = f"{prefix}.{name}"
            is_function = inspect.isfunction(value) or isinstance(value, functools.partial)
            if name.startswith("_") or not is_function or _is_factory(qualified, value):
                continue
            try:
                annotation = inspect.signature(value).return_annotation
            except (TypeError, ValueError):
                continue
            if annotation is inspect.Signature.empty:
                assert qualified in NOT_FACTORIES, f"classify {qualified}"


RUNNABLE = [name for name in factories() if name not in CANNOT_RUN]


@pytest.mark.parametrize("qualified", RUNNABLE)
def test_factory_runs_through_minimize_and_sweep(qualified):
    # optax's own code mixes dtypes and broadcasts ranks, which this suite's conftest forbids
    with jax.numpy_dtype_promotion("standard"), jax.numpy_rank_promotion("allow"):
        _minimize_and_sweep(qualified)


def _minimize_and_sweep(qualified: str) -> None:
    """A 2-value sweep; each of its runs is ``minimize``'s descent (a one-configuration sweep
    equals ``minimize`` bit for bit: tests/test_sweep.py), so one compilation checks both."""
    factory = _resolve(qualified)
    if qualified not in BUILD and _takes_learning_rate(factory):
        result = jd.sweep(_objective, factory, x0=X0, steps=STEPS, learning_rate=[LR, LR / 2])
    else:

        def chained(learning_rate):
            return build(qualified, learning_rate)

        result = jd.sweep(_objective, chained, x0=X0, steps=STEPS, learning_rate=[LR, LR / 2])
    losses = np.asarray(result.loss)
    assert np.all(np.isfinite(losses)), qualified
    if qualified not in NOT_DESCENDING:
        assert np.all(losses[:, -1] < losses[:, 0]), qualified


def test_multisteps_runs_as_its_gradient_transformation():
    def accumulated(learning_rate):
        return optax.MultiSteps(optax.adam(learning_rate), 2).gradient_transformation()

    with jax.numpy_dtype_promotion("standard"), jax.numpy_rank_promotion("allow"):
        run = jd.minimize(_objective, X0, accumulated(LR), steps=STEPS, record_params=False)
        result = jd.sweep(_objective, accumulated, x0=X0, steps=STEPS, learning_rate=[LR, LR / 2])
    losses = np.asarray(run.loss)
    assert losses[1] == losses[0]  # the first step only accumulates
    assert losses[-1] < losses[0]
    assert np.all(np.isfinite(np.asarray(result.final_loss)))
