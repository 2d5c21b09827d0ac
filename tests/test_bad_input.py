"""Bad input: every public function succeeds or refuses by name, before anything is computed.

One argument at a time gets a value drawn by hypothesis, over valid defaults. The call
must then succeed, or raise ``ValueError``/``TypeError``

- from jaxdescent's own code (the innermost frame of the traceback lies in the package),
  never from inside JAX, NumPy or the standard library;
- naming the argument in backticks;
- before ``minimize``'s or ``sweep``'s program was compiled (compilations are counted
  with ``jax.monitoring``; eager JAX operations are not, being no descent).

Each argument has a kind, whose ``bad`` values must be refused and ``good`` values
(NumPy scalars among them) accepted; anything else may go either way, clearly. The
machine's memory is taken as 4 GiB for this file, so an absurd size is refused on any
machine. Optimizers are built and then traced (``jax.eval_shape``) through
``minimize``, which checks what only a trace reveals without compiling.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import math
import os
import traceback
import warnings
from collections.abc import Callable
from typing import Any
from unittest import mock

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import jaxdescent as jd
from jaxdescent import _memory, datasets, landscapes
from jaxdescent._descent import DescentConfig

PACKAGE = os.path.dirname(jd.__file__) + os.sep
PROGRAMS = ("jit(_descend)", "jit(kernel)")  # minimize's and sweep's compiled programs
MEMORY = 4 * 2**30
EXAMPLES = settings(max_examples=6, deadline=None)


@pytest.fixture(autouse=True, scope="module")
def four_gib_of_memory():
    with (
        mock.patch.object(_memory, "physical_memory", return_value=MEMORY),
        mock.patch.object(_memory, "device_memory", return_value=MEMORY),
    ):
        yield


@contextlib.contextmanager
def compiled_programs():
    """The names of jaxdescent's programs compiled inside the block."""
    names: list[str] = []

    def listen(event: str, duration: float, **kwargs: Any) -> None:
        compiled = event == "/jax/core/compile/backend_compile_duration"
        if compiled and kwargs.get("fun_name") in PROGRAMS:
            names.append(kwargs["fun_name"])

    jax.monitoring.register_event_duration_secs_listener(listen)
    try:
        yield names
    finally:
        jax.monitoring.unregister_event_duration_listener(listen)


def outcome(call: Callable[[], Any], name: str) -> str:
    """``"ok"``, or ``"refused"`` once the refusal is checked to be clear and early."""
    error = None
    with compiled_programs() as compiled:
        try:
            jax.block_until_ready(call())
        except (ValueError, TypeError) as raised:
            error = raised
    if error is None:
        return "ok"
    frame = traceback.extract_tb(error.__traceback__)[-1]
    where = f"{frame.filename}:{frame.lineno}"
    assert frame.filename.startswith(PACKAGE), f"raised inside {where}: {error!r}"
    assert f"`{name}`" in str(error), f"does not name `{name}`: {error!r}"
    assert not compiled, f"refused after compiling {compiled}: {error!r}"
    return "refused"


# ---- values ----------------------------------------------------------------------------------

SCALAR_TYPES = [np.int8, np.int32, np.int64, np.uint8, np.uint64]
SCALAR_TYPES += [np.float16, np.float32, np.float64, np.bool_, np.complex64]


def numpy_scalar(kind: type, value: float) -> Any:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return np.asarray(value).astype(kind)[()]


def _returns(value: Any) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return value

    return call


NOT_NUMBERS = st.sampled_from(
    [None, "abc", "", b"x", [], (), {}, {"a": 1.0}, [1.0, "a"], [[1.0], [2.0, 3.0]],
     object(), Ellipsis, jnp.int32, True, False, np.bool_(True), 1 + 2j, np.complex64(1j),
     np.array(["a"]), np.array([True]), jnp.array(1 + 1j), _returns(None)]
)  # fmt: skip
FLOATS = st.floats() | st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e300])
INTEGERS = st.integers(-3, 3) | st.sampled_from([2**31, 2**32, 2**63, 10**30, 10**400, -(2**63)])
SCALARS = st.builds(  # no mid-sized integers: a valid count of 10**8 steps would run
    numpy_scalar,
    st.sampled_from(SCALAR_TYPES),
    st.floats(-3, 3) | st.sampled_from([math.nan, math.inf, -math.inf, 2.0**31, 2.0**63, 1e300]),
)
ARRAYS = hnp.arrays(
    st.sampled_from([np.float32, np.float64, np.int32, np.bool_, np.complex64]),
    hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3),
)
RETURNS_HALF = _returns(0.5)
CALLABLES = st.sampled_from(
    [_returns(None), _returns("a"), _returns(jnp.ones(3)), RETURNS_HALF, len, jnp.sin]
)
TREES = st.sampled_from([(), [], {}, {"a": ()}, [None], ((),), {"a": jnp.ones(2)}, [0.5, 0.25]])
ANYTHING = st.one_of(
    NOT_NUMBERS, FLOATS, INTEGERS, SCALARS, ARRAYS, ARRAYS.map(jnp.asarray), CALLABLES, TREES
)


@dataclasses.dataclass(frozen=True)
class Kind:
    """What an argument takes: ``good`` values are accepted, ``bad`` ones refused."""

    good: st.SearchStrategy
    bad: st.SearchStrategy


def _floats_of(values: list[float], *, arrays: bool = True) -> st.SearchStrategy:
    """``values`` as Python floats, NumPy float scalars and (``arrays``) 0-d arrays."""
    kinds = [float, np.float32, np.float64] + [np.asarray] * arrays
    return st.builds(lambda k, v: k(v), st.sampled_from(kinds), st.sampled_from(values))


def float32(value: float) -> np.float32:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return np.float32(value)


def interval(
    low: float,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = True,
    arrays: bool = True,
) -> Kind:
    """A real number in the interval, or (``arrays``) an array of them."""

    def inside(x: float) -> bool:
        above = x > low if low_open else x >= low
        return above and (x < high if high_open else x <= high)

    safe = [x for x in (low, 0.0, 0.5, 0.9, 1.0, 1.5, 4.0, 10.0, high) if inside(x)]
    outside = FLOATS.filter(lambda x: not inside(x))
    bad_array = outside.map(lambda x: np.array([safe[0], x]))
    bad = NOT_NUMBERS | outside | outside.map(float32).filter(lambda x: not inside(x))
    return Kind(good=_floats_of(safe, arrays=arrays), bad=bad | bad_array)


def count(low: int = 1, below: int | None = 2**31, *, none: bool = False) -> Kind:
    """An integer (Python or NumPy) in [low, below) (``None``: no bound above)."""
    small = [low, low + 1, low + 3]
    good = st.builds(lambda k, v: k(v), st.sampled_from([int, np.int64, np.int32, np.uint8]),
                     st.sampled_from(small))  # fmt: skip
    huge = [] if below is None else [below, 2**40, 10**30]
    bad = st.sampled_from(
        [low - 1, float(low), 2.5, math.nan, "3", True, np.bool_(True), np.float64(low)]
        + [np.array([low]), [low]] + huge + ([] if none else [None])
    )  # fmt: skip
    return Kind(good=good | st.just(None) if none else good, bad=bad)


FLAG = Kind(
    good=st.sampled_from([True, False, np.bool_(True)]),
    bad=st.sampled_from([None, 0, 1, "True", 1.0, [True], np.array([True, False])]),
)
DECAY = interval(0.0, 1.0)
NONNEGATIVE = interval(0.0)
POSITIVE = interval(0.0, low_open=True)
SCHEDULE = _returns(jnp.asarray(0.1))
RATE = Kind(
    good=NONNEGATIVE.good | st.just(SCHEDULE) | st.just(jnp.full(2, 0.1)),
    bad=NONNEGATIVE.bad.filter(lambda v: v is not jnp.int32)  # a schedule of int32 steps
    | st.sampled_from([_returns("a"), _returns(None), _returns(jnp.ones(3)), len, jnp.ones(3)]),
)
DTYPE = Kind(  # a moment's dtype: real or complex (as in optax)
    good=st.sampled_from([None, jnp.float32, jnp.bfloat16, "float32", np.dtype("float16")]),
    bad=st.sampled_from([jnp.int32, "int8", bool, "abc", 3, 1.5, [], object()]),
)
MASK = Kind(
    good=st.sampled_from([None, True, _returns(True)]),
    bad=st.sampled_from(["abc", 1.0, [1.0], {"a": 0.5}, np.array([True, False]), {"w": True}]),
)
KEY = Kind(
    good=st.sampled_from([None, jax.random.key(1), jax.random.PRNGKey(2)]),
    bad=st.sampled_from([0, 1.5, "abc", jnp.ones(2), jax.random.split(jax.random.key(0), 3)]),
)
SEED = Kind(
    good=st.sampled_from([None, 0, 7, np.int64(3), 2**32 - 1]),
    bad=st.sampled_from([-1, 2**32, 1.5, "1", True, [1], jnp.array(1.5)]),
)


def choice(*names: str) -> Kind:
    return Kind(
        good=st.sampled_from(names),
        bad=st.sampled_from(["", "nope", names[0].upper(), None, 1, [names[0]], np.array(["a"])]),
    )


# ---- the functions ---------------------------------------------------------------------------


def f(w: Any, *rest: Any, key: Any = None) -> jax.Array:
    """A float scalar of any tree of parameters (extra arguments, batches and keys ignored)."""
    return sum(jnp.sum(jnp.real(x) ** 2) for x in jax.tree_util.tree_leaves(w))


X0 = jnp.ones(2)
DATA = {"x": jnp.ones((4, 2))}
KEY0 = jax.random.key(0)


def call_minimize(**kwargs: Any) -> Any:
    kw = {"fn": f, "x0": X0, "optimizer": jd.sgd(0.1), "steps": 2, **kwargs}
    return jd.minimize(kw.pop("fn"), kw.pop("x0"), kw.pop("optimizer"), **kw)


def call_sweep(**kwargs: Any) -> Any:
    kw = {"fn": f, "optimizer_factory": jd.sgd, "x0": X0, "steps": 2, "progress": False}
    kw = {**kw, "learning_rate": [0.1, 0.2], **kwargs}
    return jd.sweep(kw.pop("fn"), kw.pop("optimizer_factory"), **kw)


def call_lr_find(**kwargs: Any) -> Any:
    kw = {"fn": f, "x0": X0, "optimizer_factory": jd.sgd, "steps": 10, **kwargs}
    return jd.lr_find(kw.pop("fn"), kw.pop("x0"), kw.pop("optimizer_factory"), **kw)


def call_optimizer(factory: Callable[..., Any], **kwargs: Any) -> Any:
    """Build the optimizer and trace a descent with it (nothing compiled), promoting dtypes
    as by default (a float32 ``mu_dtype`` meets float64 parameters)."""
    optimizer = factory(**kwargs)
    with jax.numpy_dtype_promotion("standard"):
        return jax.eval_shape(lambda: jd.minimize(f, X0, optimizer, steps=2).final_loss)


@dataclasses.dataclass(frozen=True)
class Arg:
    """One argument of one function: ``call(**{name: value})`` calls it over valid defaults."""

    where: str
    name: str
    kind: Kind | None
    call: Callable[..., Any]
    base: tuple[tuple[str, Any], ...] = ()
    anything: st.SearchStrategy = ANYTHING

    def __call__(self, value: Any) -> str:
        return outcome(lambda: self.call(**dict(self.base), **{self.name: value}), self.name)

    def __str__(self) -> str:
        return f"{self.where}-{self.name}"


OPTIONAL = Kind(good=st.just(None), bad=st.nothing())
DESCENT = {
    "fn": Kind(st.just(f), NOT_NUMBERS | CALLABLES.filter(lambda c: c is not RETURNS_HALF)),
    "steps": count(),
    "record_every": count(none=True),
    "record_params": FLAG,
    "record_grad_norm": FLAG,
    "has_aux": Kind(good=st.just(False), bad=st.sampled_from([True, None, "yes", 1])),
    "unroll": count(),
    "diverge_above": Kind(
        interval(0.0, low_open=True, arrays=False).good | st.sampled_from([None, math.inf]),
        interval(0.0, low_open=True, high_open=False).bad.filter(lambda v: v is not None),
    ),
    "evaluate": Kind(
        st.sampled_from([None, f]), NOT_NUMBERS.filter(lambda v: v is not None and not callable(v))
    ),
    "args": Kind(
        good=st.sampled_from([(), [], (1.0,)]), bad=st.sampled_from([1.0, None, {}, "ab"])
    ),
    "data": Kind(
        good=st.sampled_from([None, DATA, np.ones(3), {"x": np.ones((2, 1)), "y": np.arange(2)}]),
        bad=st.sampled_from([1.0, "abc", {"x": np.ones((0, 2))}, np.array(["a", "b"]), [], {},
                             {"x": np.ones(2), "y": np.ones(3)}, np.float64(1.0)]),
    ),
}  # fmt: skip
MINIMIZE = [
    Arg("minimize", name, kind, call_minimize)
    for name, kind in {
        **DESCENT,
        "x0": Kind(
            good=st.sampled_from([np.ones(2), [0.5, 1.0], {"a": jnp.ones(())}, np.float32(1.0)]),
            bad=st.sampled_from([None, "abc", jnp.zeros(0), [], {}, np.arange(3), True, [1, 2],
                                 {"a": "b"}, jnp.int32, print]),
        ),
        "optimizer": Kind(good=st.just(jd.adam(0.1)), bad=ANYTHING),
        "key": KEY,
        "evaluate_every": count(none=True),
    }.items()
] + [
    Arg("minimize", "batch_size", count(1, 5, none=True), call_minimize,
        (("data", DATA), ("key", KEY0))),
    Arg("minimize", "sampling", choice("shuffle", "replacement"), call_minimize,
        (("data", DATA), ("batch_size", 2), ("key", KEY0))),
    Arg("minimize", "evaluate_every", count(none=True), call_minimize, (("evaluate", f),)),
]  # fmt: skip
STARTS = Kind(
    good=st.just(np.ones((2, 2))),
    bad=st.sampled_from([np.ones((0, 2)), "abc", 1.0, {"a": np.ones(2), "b": np.ones(3)}]),
)
NO_PATHS = ANYTHING.filter(lambda v: not (isinstance(v, str) and v))  # nothing written here
SWEEP = [
    Arg("sweep", name, kind, call_sweep, anything=NO_PATHS if name == "save_to" else ANYTHING)
    for name, kind in {
        **DESCENT,
        "optimizer_factory": Kind(
            good=st.sampled_from([jd.adam, {"adam": jd.adam, "sgd": jd.sgd}]),
            bad=ANYTHING | st.sampled_from([{}, {1: jd.sgd}, {"a": 0.1}, {"a": len}]),
        ),
        "x0": Kind(good=st.just(np.ones(2)), bad=st.sampled_from([None, "abc", jnp.zeros(0)])),
        "seeds": Kind(
            good=st.sampled_from([None, 1, 3, np.int64(2), [0, 2**32 - 1], np.array([5])]),
            bad=st.sampled_from([0, -1, 2**31, [1, 2**32 + 1], [-1], [1.5], [], [[1]], True, "1"]),
        ),
        "pairing": choice("grid", "zip"),
        "tolerance": Kind(
            good=st.sampled_from([None, 0.5, np.float32(0.1), -3, math.inf]),
            bad=st.sampled_from([math.nan, "1", True, [0.1], np.float32(math.nan)]),
        ),
        "chunk_size": count(none=True),
        "memory_budget": Kind(
            good=st.sampled_from([None, 2**30, np.int64(2**20)]),
            bad=st.sampled_from([0, 10, 1.5, "1", True, -5]),
        ),
        "save_to": Kind(good=st.just(None), bad=st.sampled_from(["", 1, 1.5, [], True, b"x"])),
        "progress": Kind(good=st.sampled_from([None, False]), bad=st.sampled_from([1, "yes", []])),
        "devices": Kind(
            good=st.sampled_from([None, jax.devices()[:1]]),
            bad=st.sampled_from([[], "cpu", 1, [None], jax.devices()[0]]),
        ),
        "learning_rate": Kind(
            good=st.sampled_from([0.1, [0.1], np.array([0.1, 0.2]), (0.1, 0.3), np.float32(0.2)]),
            bad=st.sampled_from([[-0.1, 0.1], [], [[0.1]], [math.nan], "a", [0.1, "a"], 1j]),
        ),
        "momentum": Kind(
            good=st.sampled_from([None, 0.5, [0.0, 0.9], [None, 0.9]]),
            bad=st.sampled_from([True, [0.5, 1.0], -0.5, "0.9", [0.5, 1j], [None, 1.5]]),
        ),
        "nesterov": Kind(  # a categorical axis: a flag, or a list of distinct flags
            good=st.sampled_from([False, True, [False, True], np.array([True])]),
            bad=st.sampled_from([[True, 0.5], [], [True, True], "yes", [0.1, "a"], [None, 1]]),
        ),
    }.items()
] + [
    Arg("sweep", "starts", STARTS, call_sweep, (("x0", None),)),
    Arg("sweep", "batch_size", count(1, 5, none=True), call_sweep, (("data", DATA), ("seeds", 1))),
]  # fmt: skip
LR_FIND = [
    Arg("lr_find", name, kind, call_lr_find)
    for name, kind in {
        "fn": DESCENT["fn"],
        "x0": Kind(st.just(np.ones(2)), st.sampled_from([None, jnp.zeros(0), np.arange(2)])),
        "optimizer_factory": Kind(good=st.just(jd.adam), bad=ANYTHING),
        "method": choice("range", "parallel"),
        "start_lr": Kind(_floats_of([1e-6], arrays=False), interval(0.0, 10.0, low_open=True).bad),
        "end_lr": Kind(_floats_of([1.0], arrays=False), interval(1e-7, low_open=True).bad),
        "steps": count(10),
        "beta": interval(0.0, 1.0, arrays=False),
        "stop_factor": Kind(_floats_of([2.0], arrays=False), interval(1.0, low_open=True).bad),
        "args": DESCENT["args"],
        "seed": SEED,
        "momentum": Kind(good=st.just(0.5), bad=st.sampled_from([True, 1.0, "a", [0.5]])),
    }.items()
] + [Arg("lr_find", "num", count(2), call_lr_find, (("method", "parallel"),))]  # fmt: skip


def _not_none(value: Any) -> bool:
    return value is not None


HYPERPARAMETERS = {
    "learning_rate": RATE, "weight_decay": RATE, "scaling": RATE,
    "b1": DECAY, "b2": DECAY, "b3": DECAY, "decay": DECAY, "rho": DECAY,
    "momentum": Kind(DECAY.good | st.just(None), DECAY.bad.filter(lambda v: v is not None)),
    "eps": NONNEGATIVE, "eps_root": NONNEGATIVE, "initial_scale": NONNEGATIVE,
    "initial_accumulator_value": NONNEGATIVE, "eta": NONNEGATIVE, "gamma": NONNEGATIVE,
    "max_learning_rate": NONNEGATIVE, "min_step_size": NONNEGATIVE,
    "max_step_size": POSITIVE, "eta_minus": interval(0.0, 1.0, low_open=True, high_open=False),
    "eta_plus": interval(1.0), "threshold": interval(4.0, high_open=False),
    "f_min": interval(-math.inf, math.inf, low_open=True),
    "mu_dtype": DTYPE, "accumulator_dtype": DTYPE, "mask": MASK, "weight_decay_mask": MASK,
    "trust_ratio_mask": MASK,
    "decay_rate": NONNEGATIVE, "decay_offset": interval(-math.inf, math.inf, low_open=True),
    "min_dim_size_to_factor": count(0), "dtype_momentum": DTYPE,
    "multiply_by_parameter_scale": FLAG, "factored": FLAG,
    "clipping_threshold": Kind(POSITIVE.good | st.just(None), POSITIVE.bad.filter(_not_none)),
    "weight_decay_rate": Kind(RATE.good | st.just(None), RATE.bad.filter(_not_none)),
    "nesterov": FLAG, "centered": FLAG, "eps_in_sqrt": FLAG, "bias_correction": FLAG,
    "bias_correction_mu": FLAG, "bias_correction_nu": FLAG,
    "variant": choice("sps", "sps+"), "seed": SEED,
    "use_clipping": FLAG, "state_dtype": DTYPE, "weight_lr_power": NONNEGATIVE,
    "warmup_steps": count(0, none=True),
    "clip_value_fn": Kind(st.just(SCHEDULE), NOT_NUMBERS.filter(lambda v: not callable(v))),
    "memory_size": count(1, 2**20), "scale_init_precond": FLAG,
    "max_linesearch_steps": count(1), "tol": interval(0.0, arrays=False),
    "increase_factor": interval(1.0, arrays=False), "slope_rtol": interval(0.0, 1.0, arrays=False),
    "curv_rtol": interval(0.0, high_open=False, arrays=False),
    "approx_dec_rtol": Kind(interval(0.0, arrays=False).good | st.just(None),
                            interval(0.0).bad.filter(lambda v: v is not None)),
    "stepsize_precision": interval(0.0, arrays=False),
    "initial_guess_strategy": choice("one", "keep"), "verbose": FLAG,
    "key": Kind(
        good=st.sampled_from([None, 0, np.int64(5), jax.random.key(1)]),
        bad=st.sampled_from([1.5, -1, 2**32, "abc", jnp.ones(2), jax.random.split(KEY0, 3)]),
    ),
}  # fmt: skip
SCALAR_RATE = Kind(  # a multiplier of one step size: no arrays of several entries
    NONNEGATIVE.good | st.just(SCHEDULE), RATE.bad | st.just(jnp.full(2, 0.1))
)
OVERRIDES = {
    ("rprop", "learning_rate"): NONNEGATIVE,
    ("adadelta", "learning_rate"): Kind(
        RATE.good | st.just(None), RATE.bad.filter(lambda v: v is not None)
    ),
    ("novograd", "weight_decay"): NONNEGATIVE,
    ("novograd", "b2"): Kind(DECAY.good, DECAY.bad | st.just(np.full(2, 0.5))),  # per layer
    ("lars", "momentum"): DECAY,  # a number, as in optax: no None for "no momentum"
    ("optimistic_adam", "learning_rate"): NONNEGATIVE,  # not a schedule (use _v2)
    ("ademamix", "alpha"): RATE,  # a number or a schedule
    ("ademamix", "b3"): Kind(  # a number in [0, 1) or a schedule, as in optax
        DECAY.good | st.just(SCHEDULE),
        DECAY.bad.filter(lambda v: v is not jnp.int32)  # a schedule of int32 steps
        | st.sampled_from([_returns("a"), _returns(None), _returns(jnp.ones(3)), len]),
    ),
    ("schedule_free_sgd", "b1"): interval(0.0, 1.0, low_open=True),  # x = (y - (1 - b1) z) / b1
    ("schedule_free_adamw", "b1"): interval(0.0, 1.0, low_open=True),
    ("schedule_free_sgd", "weight_decay"): Kind(
        RATE.good | st.just(None), RATE.bad.filter(lambda v: v is not None)
    ),
    **{(name, "learning_rate"): SCALAR_RATE for name in ("prodigy", "dadapt_adamw")},
    **{(name, "estim_lr0"): POSITIVE for name in ("prodigy", "dadapt_adamw")},
    ("prodigy", "estim_lr_coef"): POSITIVE,
    ("prodigy", "beta3"): Kind(
        DECAY.good | st.just(None), DECAY.bad.filter(lambda v: v is not None)
    ),
    ("prodigy", "safeguard_warmup"): FLAG,
    **{("muon", name): DECAY for name in ("beta", "adam_b1", "adam_b2")},
    ("muon", "adam_eps_root"): NONNEGATIVE,
    ("muon", "adam_weight_decay"): RATE,
    ("muon", "adam_learning_rate"): Kind(
        RATE.good | st.just(None), RATE.bad.filter(lambda v: v is not None)
    ),
    ("muon", "consistent_rms"): Kind(
        NONNEGATIVE.good | st.just(None), NONNEGATIVE.bad.filter(lambda v: v is not None)
    ),
    ("muon", "ns_steps"): count(below=1000),
    ("muon", "adaptive"): FLAG,
    ("muon", "preconditioning"): choice("frobenius", "spectral", "aol", "schatten"),
    ("muon", "ns_coeffs"): Kind(
        good=st.sampled_from(["dion", (1.0, 0.0, 0.0), [[2.0, -1.5, 0.5]], np.ones(3)]),
        bad=st.sampled_from(
            ["muon", (1.0, 2.0), [[1.0, 2.0, 3.0], [1.0]], None, (1.0, math.nan, 0.0)]
        ),
    ),
    ("lbfgs", "learning_rate"): Kind(
        RATE.good | st.just(None), RATE.bad.filter(lambda v: v is not None)
    ),
    ("scale_by_zoom_linesearch", "max_learning_rate"): Kind(
        interval(0.0, arrays=False).good | st.just(None),
        NONNEGATIVE.bad.filter(lambda v: v is not None),
    ),
    ("adafactor", "learning_rate"): Kind(RATE.good | st.just(None), RATE.bad.filter(_not_none)),
}
REQUIRED = {"scale_by_zoom_linesearch": (("max_linesearch_steps", 10),)}  # no learning_rate


def optimizer_args() -> list[Arg]:
    """Every parameter of every optimizer factory; one not listed in ``HYPERPARAMETERS`` is
    still tried with anything (succeed or refuse clearly)."""
    args = []
    for name in jd.optimizers.__all__:
        factory = getattr(jd, name)
        parameters = inspect.signature(factory).parameters
        base = (("learning_rate", 0.1),) if "learning_rate" in parameters else ()
        base += REQUIRED.get(name, ())
        call = lambda factory=factory, **kw: call_optimizer(factory, **kw)  # noqa: E731
        for p in parameters:
            kind = OVERRIDES.get((name, p), HYPERPARAMETERS.get(p))
            args.append(Arg(name, p, kind, call, tuple(b for b in base if b[0] != p)))
    return args


OPTIMIZERS = optimizer_args()


def call_landscape(name: str, **kwargs: Any) -> Any:
    return getattr(landscapes, name)(**kwargs)


LANDSCAPES = [
    Arg(name, "dim", count(2 if name in ("rosenbrock", "quadratic") else 1, 10**12),
        lambda name=name, **kw: call_landscape(name, **kw))
    for name in ("sphere", "quadratic", "rosenbrock", "ackley", "rastrigin", "styblinski_tang")
] + [
    Arg("quadratic", "condition", interval(1.0, arrays=False), landscapes.quadratic,
        (("dim", 3),)),
    Arg("get", "name", choice(*landscapes.names()), landscapes.get),
]  # fmt: skip
LINEAR = (("n", 4), ("dim", 2), ("noise", 0.1), ("key", KEY0))
SPIRALS = (("n", 4), ("noise", 0.1), ("key", KEY0))
DATA_KEY = Kind(good=st.sampled_from([KEY0, jax.random.PRNGKey(1)]), bad=KEY.bad | st.just(None))
NOISE = interval(0.0, arrays=False)
FRACTION = Kind(
    good=_floats_of([0.25, 0.5], arrays=False),
    bad=NOT_NUMBERS | st.sampled_from([0.0, 1.0, -0.5, 1.5, 1e-9, 1 - 1e-9, math.nan]),
)
FLOAT_DTYPE = Kind(
    good=st.sampled_from([jnp.float32, "float16"]),
    bad=DTYPE.bad | st.sampled_from([None, jnp.complex64]),
)
DATASETS = [
    Arg("linear_regression", name, kind, datasets.linear_regression,
        tuple(b for b in LINEAR if b[0] != name))
    for name, kind in {"n": count(1, 10**30), "dim": count(1, 10**30), "noise": NOISE,
                       "key": DATA_KEY, "dtype": FLOAT_DTYPE}.items()
] + [
    Arg("two_spirals", name, kind, datasets.two_spirals, tuple(b for b in SPIRALS if b[0] != name))
    for name, kind in {"n": count(1, 10**30), "noise": NOISE, "key": DATA_KEY,
                       "turns": interval(0.0, low_open=True, arrays=False),
                       "dtype": FLOAT_DTYPE}.items()
] + [
    Arg("digits", "test_fraction", FRACTION, datasets.digits),
    Arg("digits", "seed", count(0, None), datasets.digits),
]  # fmt: skip

ALL = MINIMIZE + SWEEP + LR_FIND + OPTIMIZERS + LANDSCAPES + DATASETS


def test_every_public_function_is_covered() -> None:
    covered = {arg.where for arg in ALL}
    assert set(jd.optimizers.__all__) <= covered
    assert {"minimize", "sweep", "lr_find", "linear_regression", "two_spirals", "digits"} <= covered
    for name in landscapes.names():
        if inspect.signature(getattr(landscapes, name)).parameters:
            assert name in covered, name


@pytest.mark.parametrize("arg", ALL, ids=str)
@EXAMPLES
@given(data=st.data())
def test_anything_is_accepted_or_refused_by_name(arg: Arg, data: st.DataObject) -> None:
    arg(data.draw(arg.anything, label=arg.name))


@pytest.mark.parametrize("arg", [a for a in ALL if a.kind is not None], ids=str)
@EXAMPLES
@given(data=st.data())
def test_bad_values_are_refused_by_name(arg: Arg, data: st.DataObject) -> None:
    value = data.draw(arg.kind.bad, label=arg.name)
    assert arg(value) == "refused", f"accepted `{arg.name}`={value!r}"


@pytest.mark.parametrize("arg", [a for a in ALL if a.kind is not None], ids=str)
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_good_values_are_accepted(arg: Arg, data: st.DataObject) -> None:
    value = data.draw(arg.kind.good, label=arg.name)
    assert arg(value) == "ok"


# ---- the problems an adversarial review found, one by one ------------------------------------


def refusal(call: Callable[[], Any], name: str, match: str | None = None) -> str:
    """The message of ``call``'s clear refusal naming ``name`` (checked as in ``outcome``)."""
    with pytest.raises((ValueError, TypeError), match=match) as error:
        call()
    assert outcome(call, name) == "refused"
    return str(error.value)


@pytest.mark.parametrize(
    ("factory", "name"),
    [(jd.sgd, "momentum"), (jd.adam, "b1"), (jd.rprop, "eta_plus"), (jd.adam, "eps")],
)
def test_bools_are_not_numbers(factory: Any, name: str) -> None:
    for flag in (True, np.bool_(True), np.array([True])):
        refusal(lambda: factory(0.1, **{name: flag}), name)  # noqa: B023


def test_rprop_step_bounds_are_checked_for_every_combination() -> None:
    # Each swept value's extremes pass with the other at its first value (0.6 <= 5.0,
    # 0.1 <= 0.3); the combination (0.6, 0.3) does not. Zipped, every pair is in order.
    kw = {"x0": X0, "steps": 2, "learning_rate": 0.1, "progress": False}
    bounds = {"min_step_size": [0.1, 0.6, 0.2], "max_step_size": [5.0, 0.7, 0.3]}
    message = refusal(lambda: jd.sweep(f, jd.rprop, **kw, **bounds), "min_step_size")
    assert "0.6 > 0.3" in message
    assert jd.sweep(f, jd.rprop, **kw, **bounds, pairing="zip").dims == ("sample",)


def test_sgd_grid_of_every_momentum_and_rate_is_checked_without_materialising_it() -> None:
    rates, momenta = np.linspace(0.1, 0.2, 2**12), np.linspace(0.0, 0.5, 2**12)
    momenta[-1] = 1.0
    message = refusal(
        lambda: jd.sweep(f, jd.sgd, x0=X0, steps=1, learning_rate=rates, momentum=momenta,
                         record_every=None),
        "momentum",
    )  # fmt: skip
    assert "1.0" in message


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: jd.sgd(0.1 + 0.5j), "learning_rate"),
        (lambda: jd.sgd(jnp.array(0.1 + 0.5j)), "learning_rate"),
        (lambda: jd.adam(0.1, mu_dtype=jnp.int32), "mu_dtype"),
        (lambda: jd.sgd(0.1, momentum=0.9, accumulator_dtype="int8"), "accumulator_dtype"),
        (lambda: jd.lion(0.1, mu_dtype=bool), "mu_dtype"),
        (lambda: jd.amsgrad(0.1, mu_dtype="uint8"), "mu_dtype"),
        (lambda: jd.adam(0.1, mu_dtype=jnp.zeros(2, jnp.complex64)), "mu_dtype"),
    ],
)
def test_complex_rates_and_integer_moment_dtypes_are_refused(call: Any, name: str) -> None:
    refusal(call, name)


@pytest.mark.parametrize("dtype", [jnp.complex64, "complex128"])
def test_complex_moment_dtypes_are_accepted_as_in_optax(dtype: Any) -> None:
    state = jd.adam(0.1, mu_dtype=dtype).init(jnp.zeros(2, jnp.float32))
    assert state.mu.dtype == optax.adam(0.1, mu_dtype=dtype).init(jnp.zeros(2))[0].mu.dtype


def test_empty_start_is_refused() -> None:
    refusal(lambda: call_minimize(x0=jnp.zeros(0)), "x0", "every array in it is empty")
    refusal(lambda: call_minimize(x0={"a": jnp.zeros((0, 3))}), "x0")


def test_has_aux_on_a_scalar_objective_is_refused_while_tracing() -> None:
    refusal(lambda: call_minimize(has_aux=True), "has_aux", r"a pair \(loss, aux\)")
    refusal(lambda: call_minimize(fn=lambda w: (f(w), None, 1), has_aux=True), "has_aux")


def test_step_counts_must_fit_int32_and_numpy_scalars_are_numbers() -> None:
    refusal(lambda: call_minimize(steps=2**31), "steps", "below 2147483648")
    assert call_minimize(steps=np.int64(3)).steps.tolist() == [0, 1, 2, 3]
    result = call_sweep(steps=np.int32(2), tolerance=np.float32(1.0), unroll=np.uint8(1))
    assert result.steps.tolist() == [0, 1, 2]


def test_zero_examples_are_refused() -> None:
    refusal(lambda: call_minimize(fn=f, data={"x": np.ones((0, 2))}), "data", "one example")


def test_an_equinox_module_with_functions_is_refused_naming_partition() -> None:
    eqx = pytest.importorskip("equinox")
    model = eqx.nn.MLP(2, 1, 4, 1, key=KEY0)
    message = refusal(lambda: call_minimize(x0=model), "x0")
    assert "eqx.partition" in message


def test_a_traced_sweep_says_what_to_do_instead() -> None:
    run = jax.jit(lambda lrs: call_sweep(learning_rate=lrs))
    message = refusal(lambda: run(jnp.array([0.1, 0.2])), "learning_rate", "traced")
    assert "jax.vmap" in message
    assert "cannot be traced" in message


def test_seeds_must_not_wrap_around_32_bits() -> None:
    refusal(lambda: call_sweep(seeds=[1, 2**32 + 1]), "seeds", r"\[0, 2\*\*32\)")


def test_absurd_sizes_are_refused_with_their_memory_before_allocating() -> None:
    message = refusal(
        lambda: datasets.linear_regression(2**40, 2, 0.1, KEY0), "n", "would need about"
    )
    assert "TiB" in message
    refusal(lambda: landscapes.sphere(dim=10**9), "dim", r"29\.8 GiB")
    grid = {f"b{i}": np.linspace(0.1, 0.5, 2**17) for i in (1, 2)}
    message = refusal(
        lambda: call_sweep(optimizer_factory=jd.adam, learning_rate=0.1, **grid), "record_every"
    )
    assert "17179869184 runs x 3 records" in message
    assert "2.0 TiB" in message  # 2**34 x (3 x (8 + 8) + 16 + 64) bytes


def test_a_many_cornered_landscape_is_built_at_once() -> None:
    assert landscapes.styblinski_tang(60).local_minima.shape == (0, 60)


def test_the_result_estimate_is_runs_times_records_and_final_state() -> None:
    assert _memory.result_bytes(runs=3, records=5, record_bytes=16, final_bytes=40) == 3 * 120
    config = DescentConfig(steps=9, record_every=2, record_params=True)
    assert config.records() == len(config.record_steps()) == 6
    x0 = np.ones(4, np.float32)  # 16 bytes: a record holds them, a loss and a norm (8 each)
    need = 4 * (6 * (16 + 8 + 8) + 16 + 64)  # and 64 bytes of final loss, flags and indices
    with mock.patch.object(_memory, "physical_memory", return_value=need):
        _memory.check_records_fit(config, x0, runs=4)
    with (
        mock.patch.object(_memory, "physical_memory", return_value=need - 1),
        pytest.raises(ValueError, match=r"4 runs x 6 records .* about 1\.1 KiB"),
    ):
        _memory.check_records_fit(config, x0, runs=4)
