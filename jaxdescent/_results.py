"""``SweepResult``: the named record of a sweep, and the questions it answers.

Selection lives in :mod:`jaxdescent._results_select`, ranking in
:mod:`jaxdescent._results_rank`, the summary table in
:mod:`jaxdescent._results_summary`, pandas and xarray views in
:mod:`jaxdescent._results_frames`, and the file format in :mod:`jaxdescent._results_io`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxdescent import _results_frames, _results_io
from jaxdescent._results_rank import best_config
from jaxdescent._results_select import take, where_positions, where_values
from jaxdescent._results_summary import summary_text

PyTree = Any


@dataclasses.dataclass(frozen=True, eq=False)
class SweepResult:
    """Every run of a sweep, laid out on named axes (like an ``xarray.Dataset`` of NumPy arrays).

    Runs are indexed by ``dims`` (sizes ``shape``): the categorical dims
    (``"optimizer"``, flags, names; coordinates of bools, integers or strings), then
    the swept hyperparameters in the order given (one shared dim ``"sample"`` when
    they were paired with ``pairing="zip"``), then ``"start"``, then ``"seed"``.

    Attributes:
      dims: the names of the run axes.
      coords: the values along each dim (for ``"zip"``: ``"sample"`` indices and
        one entry per hyperparameter, all of length ``n_samples``). Hyperparameter
        values are those given (float64 under x64, else float32); each run read them
        weakly typed, taking the dtype of the parameters they met.
      loss: ``(*shape, n_records)`` loss at each recorded step.
      grad_norm: ``(*shape, n_records)`` gradient norm at each recorded step.
      steps: ``(n_records,)`` the step numbers of the records.
      params: pytree of ``(*shape, n_records, ...)`` recorded parameters, or ``None``.
      final_loss: ``(*shape,)`` loss after the last step.
      final_params: pytree of ``(*shape, ...)`` parameters after the last step.
      diverged: ``(*shape,)`` bool, the run's loss stopped being finite (or
        exceeded ``diverge_above``). It is frozen at the parameters where that
        loss was computed: the last finite ones when the loss itself overflowed,
        non-finite ones when an update (an infinite gradient at a finite loss)
        overflowed them.
      diverged_at: ``(*shape,)`` first non-finite step, ``-1`` if none.
      steps_to_tolerance: ``(*shape,)`` first recorded step whose loss is
        ``<= tolerance``; ``-1`` if never or no tolerance was given.
      evaluations: pytree of ``(*shape, n_evaluations, ...)`` or ``None``.
      evaluation_steps: ``(n_evaluations,)`` or ``None``.
      aux: pytree of ``(*shape, n_records, ...)`` auxiliary outputs, or ``None``.

    A sweep that ran as one chunk returns its fields as ``jax.Array``, left on
    the devices that computed them until they are read (``np.asarray`` copies one
    to the host); chunked, saved or loaded results hold NumPy arrays. Every
    method takes either.

    The optimizer states are not kept (for a large sweep they would double the
    memory). A one-configuration sweep equals :func:`jaxdescent.minimize` bit for
    bit, so to continue a run, rerun its configuration with ``minimize`` and take
    its ``final_state`` (second example).

    Example:
      >>> import jax.numpy as jnp, jaxdescent as jd
      >>> res = jd.sweep(lambda w: jnp.sum(w**2), jd.sgd, x0=jnp.array([1.0]), steps=2,
      ...                learning_rate=[0.1, 0.25, 0.5])
      >>> res.best()  # w <- (1 - 2 lr) w: 0.5 lands on the minimum
      {'learning_rate': 0.5, 'final_loss': 0.0}
      >>> float(res.sel(learning_rate=0.25).final_loss)
      0.0625

      The state of the best run, to continue it:

      >>> best = jd.minimize(lambda w: jnp.sum(w**2), jnp.array([1.0]), jd.sgd(0.25), steps=2)
      >>> bool(best.final_loss == res.sel(learning_rate=0.25).final_loss)
      True
      >>> state = best.final_state  # minimize(..., state=state) continues from here
    """

    dims: tuple[str, ...]
    coords: dict[str, np.ndarray]
    loss: np.ndarray
    grad_norm: np.ndarray
    steps: np.ndarray
    params: PyTree | None
    final_loss: np.ndarray
    final_params: PyTree
    diverged: np.ndarray
    diverged_at: np.ndarray
    steps_to_tolerance: np.ndarray
    evaluations: PyTree | None = None
    evaluation_steps: np.ndarray | None = None
    aux: PyTree | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each dim."""
        return tuple(np.shape(self.final_loss))

    def sel(self, *, method: str | None = None, **coords: Any) -> SweepResult:
        """The runs at the given coordinate values: a value drops its dim, a list keeps it.

        A value matches a coordinate equal to it once cast to the coordinate's
        dtype (``0.01`` matches a float32 ``0.01``); ``method="nearest"`` takes the
        nearest instead. With ``pairing="zip"``, give ``sample=`` or paired
        hyperparameter values (a sample matching all of them; lists of one length
        pick one sample per position).

        Args:
          method: ``None`` (exact) or ``"nearest"``.
          **coords: dim (or paired hyperparameter) name -> a number or a list of numbers;
            on a categorical dim, a name, flag or integer equal to a coordinate.

        Raises:
          ValueError: an unknown name, a NaN, or (exact) a value that is not a
            coordinate, naming the value and the dim; ``method`` not allowed (or
            ``"nearest"`` on a categorical dim).
          TypeError: a value that is not a number.

        Example:
          >>> import numpy as np, jaxdescent as jd
          >>> res = jd.sweep(lambda w, key: w @ w, jd.sgd, x0=np.ones(2, np.float32), steps=1,
          ...                learning_rate=[0.1, 0.2], seeds=3)
          >>> res.sel(learning_rate=0.2).dims, res.sel(seed=[0, 2]).shape
          (('seed',), (2, 2))
          >>> res.sel(learning_rate=0.19, method="nearest").coords["seed"]
          array([0, 1, 2], dtype=uint32)
        """
        return take(self, where_values(self, coords, method))

    def isel(self, **positions: int | Sequence[int]) -> SweepResult:
        """The runs at the given positions: an integer drops its dim, a list keeps it.

        Raises:
          ValueError: an unknown dim or an empty list. IndexError: a position out of range.
          TypeError: a position that is not an integer.

        Example:
          >>> import numpy as np, jaxdescent as jd
          >>> res = jd.sweep(lambda w: w @ w, jd.sgd, x0=np.ones(2, np.float32), steps=1,
          ...                learning_rate=[0.1, 0.2, 0.3])
          >>> res.isel(learning_rate=[0, -1]).coords["learning_rate"]
          array([0.1, 0.3], dtype=float32)
        """
        return take(self, where_positions(self, positions))

    def best(
        self,
        metric: str = "final_loss",
        *,
        over: str | Sequence[str] = (),
        reduce: str = "mean",
        mode: str = "min",
        allow_diverged: bool = False,
    ) -> dict[str, Any]:
        """The best configuration's coordinates and its (reduced) metric.

        The metric of each run is reduced over the dims ``over`` (e.g. ``"seed"``),
        and the configuration of the other dims with the lowest (``mode="min"``) or
        highest value wins. A configuration with a diverged run (or a non-finite
        metric) never wins unless ``allow_diverged``.

        Args:
          metric: ``"final_loss"``, or the name of an evaluation holding one number
            per evaluation (``"accuracy"`` for ``evaluations["accuracy"]``; nested:
            ``"val/accuracy"``): its last evaluation.
          over: the dims to reduce over; ``()`` ranks single runs.
          reduce: ``"mean"``, ``"median"``, ``"max"`` or ``"min"``.
          mode: ``"min"`` or ``"max"``: which end wins.
          allow_diverged: let configurations with a diverged run win.

        Returns:
          The winner's coordinates on the other dims (with paired hyperparameters
          for ``"sample"``), and its value under the metric's name.

        Raises:
          ValueError: a bad argument (named), or no configuration that may win.

        Example:
          >>> import numpy as np, jaxdescent as jd
          >>> res = jd.sweep(lambda w: w @ w, jd.sgd, starts=np.eye(2, dtype=np.float32),
          ...                steps=1, learning_rate=[0.125, 0.25])
          >>> res.best(over="start", reduce="max")  # |w|^2 (1 - 2 lr)^2, the worst start
          {'learning_rate': 0.25, 'final_loss': 0.25}
        """
        return best_config(self, metric, over, reduce, mode, allow_diverged)

    def summary(
        self,
        top: int = 5,
        *,
        max_rows: int = 20,
        metric: str = "final_loss",
        over: str | Sequence[str] | None = None,
        reduce: str = "mean",
        mode: str = "min",
    ) -> str:
        """A text table: the run count and diverged runs, the ``top`` configurations ranked
        as :meth:`best` ranks them, then per dim the best value at each coordinate.

        ``over=None`` reduces over ``"seed"`` when there is one (the table says
        "mean over seed (4)"); pass ``()`` to rank single runs. Diverged runs are
        counted, never averaged, so no entry is NaN. ``max_rows``: rows per dim.

        Raises:
          ValueError: a bad argument, named (``top`` and ``max_rows`` are integers >= 1).
        """
        return summary_text(self, top, max_rows, metric, over, reduce, mode)

    def to_dataframe(self) -> Any:
        """One row per run: its coordinates, ``final_loss``, ``diverged``, ``diverged_at``,
        ``steps_to_tolerance``, and the last evaluation of each evaluation holding one
        number per evaluation (column ``evaluation/NAME``).

        Raises:
          ImportError: if pandas is not installed.
        """
        return _results_frames.to_dataframe(self)

    def to_xarray(self) -> Any:
        """Every field as an ``xarray.Dataset`` on the sweep's dims and coords.

        Records (``loss``, ``grad_norm``, ``params/...``, ``aux/...``) have the dim
        ``step`` (coordinate ``steps``); evaluations (``evaluation/NAME``) the dim
        ``evaluation_step``; ``final_loss``, ``diverged``, ``diverged_at``,
        ``steps_to_tolerance`` and ``final_params/...`` only the sweep's dims.
        Pytree leaves are named by key path (``final_params/layers/0/w``); their own
        axes are dims ``NAME_dim_i``, shared by ``params/NAME`` and
        ``final_params/NAME``. Paired hyperparameters of ``pairing="zip"`` are
        coordinates on ``"sample"``. (netCDF refuses ``/`` in names: rename before
        ``to_netcdf``.)

        Raises:
          ImportError: if xarray is not installed (``pip install xarray``).
        """
        return _results_frames.to_xarray(self)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write every field to one ``.npz`` file (exactly: dtypes and pytrees kept).

        Pytree leaves are stored by key path; see ``jaxdescent/_results_io.py``.

        Raises:
          TypeError: a pytree leaf that is not an array or a number.
        """
        _results_io.save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, like: Any = None) -> SweepResult:
        """Read a result written by :meth:`save` (sizes and dtypes checked, nothing unpickled).

        Pytrees of dicts, lists, tuples and ``None`` are rebuilt alone; any other
        node (an equinox module, a flax ``nnx.State``, a custom class) needs a
        template: ``like=`` one run's parameters (for ``final_params`` and
        ``params``) or a ``SweepResult`` of the same structure (for every field).

        A sweep's ``save_to`` directory cannot be loaded: it keeps unnamed chunk
        outputs, without the coordinates a result needs. Rerun the same
        ``jd.sweep(...)`` call with ``save_to=``: it reads every saved chunk back
        without computing and returns the result.

        Raises:
          CorruptFileError: (a ``ValueError``) naming ``path``, if it is not such a file.
          ValueError: a pytree needs ``like=``, or ``like`` does not match (key paths,
            number or per-run shapes of the leaves); ``path`` is a directory.
        """
        return _results_io.load(cls, path, like)
