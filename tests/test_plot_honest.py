"""Pictures that tell the truth: legends clear of data, colour keyed to the swept value, cells
at their values, captions computed from the run, paths that stay visible, seeds summarised."""

import jax.numpy as jnp
import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

import jaxdescent as jd
from jaxdescent import landscapes, plot
from jaxdescent._results import SweepResult

F64 = jnp.float64


def sweep_by_hand(dims, coords, final_loss, *, diverged=None, accuracy=None):
    """A SweepResult built field by field: the metric values are chosen, not computed."""
    final_loss = np.asarray(final_loss, np.float64)
    shape = final_loss.shape
    return SweepResult(
        dims=dims,
        coords={d: np.asarray(v) for d, v in coords.items()},
        loss=np.stack([final_loss + 1.0, final_loss], -1),
        grad_norm=np.ones((*shape, 2)),
        steps=np.array([0, 1]),
        params=None,
        final_loss=final_loss,
        final_params=np.zeros((*shape, 2)),
        diverged=np.zeros(shape, bool) if diverged is None else np.asarray(diverged),
        diverged_at=np.where(np.zeros(shape, bool) if diverged is None else diverged, 1, -1),
        steps_to_tolerance=np.full(shape, -1),
        evaluations=None if accuracy is None else {"accuracy": np.stack([accuracy] * 2, -1)},
        evaluation_steps=None if accuracy is None else np.array([0, 1]),
    )


def _inside(box, xy: np.ndarray) -> np.ndarray:
    return (xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1) & (xy[:, 1] >= box.y0) & (xy[:, 1] <= box.y1)


def covered_points(ax) -> int:
    """How many drawn data points (every marker and vertex of ax's lines that shows: inside
    the Axes, or unclipped) the legend's box, rendered on an Agg canvas, contains."""
    canvas = FigureCanvasAgg(ax.figure)
    canvas.draw()
    legend = ax.get_legend().get_window_extent(canvas.get_renderer())
    frame = ax.get_window_extent(canvas.get_renderer())
    count = 0
    for line in ax.get_lines():
        xy = np.column_stack(line.get_data()).astype(np.float64)
        xy = line.get_transform().transform(xy[np.isfinite(xy).all(axis=1)])
        shows = _inside(frame, xy) | (not line.get_clip_on())
        count += int(np.sum(_inside(legend, xy) & shows))
    return count


@pytest.fixture(scope="module")
def rosenbrock_sweep():
    """The demo's figure 4, small: sgd with momentum, half the learning rates diverge."""
    rates = np.geomspace(1e-5, 1.0, 16).astype(np.float32)
    x0 = jnp.array([-1.5, 2.0], jnp.float32)
    return jd.sweep(
        landscapes.rosenbrock(), jd.sgd, x0=x0, steps=125, learning_rate=rates, momentum=0.9
    )


# legends never cover data ----------------------------------------------------------------------


def test_the_overlap_check_sees_a_legend_placed_on_the_data():
    ax = Figure().add_subplot()
    ax.plot(np.linspace(0, 1, 50), np.full(50, 0.5), "o", label="a row of points")
    ax.legend(loc="center")
    assert covered_points(ax) > 0


def test_lr_sweep_legend_does_not_cover_the_best_star(rosenbrock_sweep):
    drawn = plot.lr_sweep(rosenbrock_sweep)
    assert drawn.best is not None
    assert drawn.diverged is not None
    assert covered_points(drawn.ax) == 0


def test_legends_of_curves_paths_basins_and_summaries_cover_no_data():
    camel = landscapes.three_hump_camel()
    x0 = jnp.array([1.5, 1.5], F64)
    runs = {
        "sgd": jd.minimize(camel, x0, jd.sgd(0.02), steps=40),
        "adam": jd.minimize(camel, x0, jd.adam(0.1), steps=40),
        "wild": jd.minimize(camel, x0, jd.sgd(0.5), steps=40),
    }
    assert covered_points(plot.loss_curves(runs).ax) == 0
    assert covered_points(plot.trajectories(camel, runs).ax) == 0
    result = sweep_by_hand(
        ("optimizer", "learning_rate", "seed"),
        {"optimizer": ["adam", "sgd"], "learning_rate": [1e-3, 1e-2, 1e-1], "seed": [0, 1]},
        np.arange(12.0).reshape(2, 3, 2) + 1.0,
    )
    assert covered_points(plot.sweep_summary(result).ax) == 0
    side = np.linspace(-2.0, 2.0, 4)
    starts = np.stack(np.meshgrid(side, side), -1).reshape(-1, 2)
    basins = jd.sweep(camel, jd.sgd, starts=jnp.asarray(starts), steps=20, learning_rate=0.05)
    drawn = plot.basin_map({"sgd": basins}, camel, starts=starts)
    assert covered_points(drawn.axes[-1]) == 0


def test_heatmap_legend_covers_no_marker():
    grid = jd.sweep(
        landscapes.rosenbrock(),
        jd.sgd,
        x0=jnp.array([-1.5, 2.0], jnp.float32),
        steps=50,
        learning_rate=np.geomspace(1e-4, 1.0, 5).astype(np.float32),
        momentum=np.array([0.0, 0.5, 0.9], np.float32),
    )
    drawn = plot.heatmap(grid, x="learning_rate", y="momentum")
    assert drawn.diverged is not None
    assert covered_points(drawn.ax) == 0


# many runs: a colour bar keyed to the swept value -------------------------------------------


def test_loss_curves_of_24_learning_rates_get_a_log_colorbar_not_a_legend():
    rates = np.geomspace(1e-3, 0.4, 24).astype(np.float32)
    x0 = np.ones(2, np.float32)
    result = jd.sweep(lambda w: w @ w, jd.sgd, x0=x0, steps=5, learning_rate=rates)
    drawn = plot.loss_curves(result)
    assert drawn.ax.get_legend() is None
    assert drawn.colorbar is not None
    assert drawn.colorbar.ax.get_ylabel() == "learning_rate"
    norm = drawn.colorbar.mappable.norm
    assert isinstance(norm, LogNorm)
    assert (norm.vmin, norm.vmax) == pytest.approx((rates.min(), rates.max()))
    viridis = mpl.colormaps["viridis"]
    for rate, (line,) in zip(rates, drawn.lines.values(), strict=True):
        share = np.log(rate / rates.min()) / np.log(rates.max() / rates.min())
        np.testing.assert_allclose(mpl.colors.to_rgba(line.get_color()), viridis(share), atol=1e-2)


def test_loss_curves_of_evenly_spaced_values_get_a_linear_colorbar():
    momenta = np.linspace(0.0, 0.9, 10)
    result = sweep_by_hand(("momentum",), {"momentum": momenta}, np.arange(10.0) + 1.0)
    drawn = plot.loss_curves(result)
    norm = drawn.colorbar.mappable.norm
    assert not isinstance(norm, LogNorm)
    assert (norm.vmin, norm.vmax) == pytest.approx((0.0, 0.9))


def test_loss_curves_of_many_labelled_runs_key_the_colorbar_to_the_labels():
    quad = lambda w: jnp.sum(w**2)  # noqa: E731
    runs = {
        f"run {i}": jd.minimize(quad, jnp.ones(2), jd.sgd(0.01 * (i + 1)), steps=3)
        for i in range(9)
    }
    drawn = plot.loss_curves(runs)
    assert drawn.ax.get_legend() is None
    labels = [t.get_text() for t in drawn.colorbar.ax.get_yticklabels()]
    assert labels == list(runs)
    viridis = mpl.colormaps["viridis"]
    colours = [mpl.colors.to_rgba(line.get_color()) for (line,) in drawn.lines.values()]
    np.testing.assert_allclose(colours[0], viridis(0.0), atol=1e-2)  # spread over the map
    np.testing.assert_allclose(colours[4], viridis(0.5), atol=1e-2)
    np.testing.assert_allclose(colours[-1], viridis(1.0), atol=1e-2)


def test_loss_curves_of_few_runs_keep_a_legend():
    quad = lambda w: jnp.sum(w**2)  # noqa: E731
    runs = {f"lr {r}": jd.minimize(quad, jnp.ones(2), jd.sgd(r), steps=3) for r in (0.1, 0.2)}
    drawn = plot.loss_curves(runs)
    assert drawn.colorbar is None
    assert [t.get_text() for t in drawn.ax.get_legend().get_texts()] == list(runs)


# heatmap cells sit at their values -----------------------------------------------------------


def test_heatmap_of_uneven_b1_draws_equal_cells_labelled_by_value_none_past_one():
    rates, b1 = np.geomspace(1e-3, 1e-1, 3), np.array([0.99, 0.5, 0.9])
    loss = np.arange(9.0).reshape(3, 3) + 1.0
    result = sweep_by_hand(("learning_rate", "b1"), {"learning_rate": rates, "b1": b1}, loss)
    drawn = plot.heatmap(result, x="learning_rate", y="b1")
    corners = drawn.mesh.get_coordinates()  # (n_y + 1, n_x + 1, 2)
    np.testing.assert_allclose(corners[:, 0, 1], [-0.5, 0.5, 1.5, 2.5])
    assert [t.get_text() for t in drawn.ax.get_yticklabels()] == ["0.5", "0.9", "0.99"]
    np.testing.assert_array_equal(drawn.ax.get_yticks(), [0, 1, 2])
    # the rows follow the sorted b1: row 2 is b1 = 0.99, the first column of `loss`
    np.testing.assert_array_equal(drawn.mesh.get_array()[2], loss[:, 0])
    # learning rates: log axis, edges at geometric midpoints, ends half a step beyond
    np.testing.assert_allclose(corners[0, :, 0], [10**-3.5, 10**-2.5, 10**-1.5, 10**-0.5])
    assert drawn.ax.get_xscale() == "log"


def test_heatmap_of_evenly_spaced_values_draws_cells_at_their_values():
    momentum, b1 = np.array([0.0, 0.45, 0.9]), np.array([0.6, 0.7, 0.8, 0.9])
    loss = np.arange(12.0).reshape(3, 4) + 1.0
    result = sweep_by_hand(("momentum", "b1"), {"momentum": momentum, "b1": b1}, loss)
    drawn = plot.heatmap(result, x="momentum", y="b1")
    corners = drawn.mesh.get_coordinates()
    np.testing.assert_allclose(corners[0, :, 0], [-0.225, 0.225, 0.675, 1.125])
    np.testing.assert_allclose(corners[:, 0, 1], [0.55, 0.65, 0.75, 0.85, 0.95])
    assert (drawn.best.get_xdata()[0], drawn.best.get_ydata()[0]) == (0.0, 0.6)


# captions say what happened --------------------------------------------------------------------

# the double well C = w^4 - 3 w^2 + w: its minima are the outer roots of C' = 4 w^3 - 6 w + 1
_ROOTS = np.sort(np.roots([4.0, 0.0, -6.0, 1.0]).real)
_GLOBAL_W, _LOCAL_W = _ROOTS[0], _ROOTS[2]


@pytest.mark.parametrize(
    ("x0", "rate", "expected"),
    [
        (2.0, 0.02, "stuck in a local minimum"),
        (2.0, 0.1, "converged to the global minimum"),
        (2.0, 0.2, "diverged"),
        (2.0, 0.002, "not at a known minimum"),
        (-2.0, 0.05, "converged to the global minimum"),
    ],
)
def test_outcome_of_known_runs_on_the_double_well(x0, rate, expected):
    well = landscapes.double_well()
    run = jd.minimize(well, jnp.array([x0], F64), jd.sgd(rate), steps=30)
    w = float(run.final_params[0])
    # the expected outcome, read off the run against C' = 0 (not the landscape's list)
    independent = (
        "diverged"
        if not np.isfinite(float(run.final_loss)) or bool(run.diverged)
        else "converged to the global minimum"
        if abs(w - _GLOBAL_W) < 0.04
        else "stuck in a local minimum"
        if abs(w - _LOCAL_W) < 0.04
        else "not at a known minimum"
    )
    assert independent == expected
    assert plot.outcome(well, run) == expected


def test_outcome_on_a_2d_landscape_and_its_tolerance():
    camel = landscapes.three_hump_camel()
    run = jd.minimize(camel, jnp.array([0.3, -0.2], F64), jd.sgd(0.05), steps=300)
    assert np.linalg.norm(np.asarray(run.final_params)) < 1e-3  # the global minimum is (0, 0)
    assert plot.outcome(camel, run) == "converged to the global minimum"
    near = jd.minimize(camel, jnp.array([0.3, -0.2], F64), jd.sgd(0.05), steps=3)
    far = float(np.linalg.norm(np.asarray(near.final_params)))
    assert plot.outcome(camel, near, tol=far / 2) == "not at a known minimum"
    assert plot.outcome(camel, near, tol=far * 2) == "converged to the global minimum"


def test_outcome_rejects_a_batch_and_a_plain_function():
    well = landscapes.double_well()
    run = jd.minimize(well, jnp.array([2.0], F64), jd.sgd(0.02), steps=3)
    with pytest.raises(ValueError, match="`landscape` must list its minima"):
        plot.outcome(lambda w: w @ w, run)
    batch = jd.sweep(well, jd.sgd, x0=jnp.array([2.0]), steps=3, learning_rate=[0.01, 0.02])
    with pytest.raises(ValueError, match="one run; got a batch of 2"):
        plot.outcome(well, batch)


def test_learning_rate_titles_are_computed_not_written_by_hand():
    """The demo's figure 1: from w = 2, lr 0.02 ends in the local minimum and says so."""
    well = landscapes.double_well()
    drawn = plot.learning_rates(
        well, jnp.array([2.0], F64), learning_rates=(0.02, 0.1, 0.2), steps=30
    )
    titles = [ax.get_title().splitlines()[1] for ax in drawn.axes]
    big = drawn.trajectories[2]
    assert titles == [
        "stuck in a local minimum",
        "converged to the global minimum",
        f"diverged at step {int(big.diverged_at)}",
    ]
    labelled = plot.learning_rates(
        well, jnp.array([2.0], F64), learning_rates=(0.02,), labels=["a"]
    )
    assert labelled.axes[0].get_title() == "learning rate 0.02 (a)\nstuck in a local minimum"


def test_demo_figure_2_shows_plain_sgd_beside_momentum_each_with_its_outcome():
    from jaxdescent.cli._demo import momentum_pair

    well = landscapes.double_well()
    figure, runs = momentum_pair(plot, well, jnp.array([2.0], F64), steps=300)
    plain, heavy = figure.axes
    assert plain.get_title() == "plain sgd (0.01)\nstuck in a local minimum"
    assert heavy.get_title() == "sgd 0.01, momentum 0.9\nconverged to the global minimum"
    for ax, run in zip((plain, heavy), runs.values(), strict=True):
        points = ax.get_lines()[1]  # the curve, then the visited points
        np.testing.assert_array_equal(points.get_xdata(), np.asarray(run.params)[:, 0])
    # the points end where C' = 0: the local root for plain SGD, the global one with momentum
    assert abs(plain.get_lines()[1].get_xdata()[-1] - _LOCAL_W) < 1e-3
    assert abs(heavy.get_lines()[1].get_xdata()[-1] - _GLOBAL_W) < 1e-3


# overlapping paths stay distinguishable ----------------------------------------------------


def test_two_identical_paths_are_drawn_in_different_styles():
    bowl = landscapes.rosenbrock()
    run = jd.minimize(bowl, jnp.array([-1.0, 1.0], F64), jd.sgd(1e-3), steps=30)
    drawn = plot.trajectories(bowl, {"first": run, "second": run}, levels=5)
    (a,), (b,) = drawn.lines["first"], drawn.lines["second"]
    np.testing.assert_array_equal(a.get_xydata(), b.get_xydata())  # the same path
    assert a.get_linestyle() != b.get_linestyle()
    assert a.get_marker() != b.get_marker()
    # a marker every tenth of the path (31 points: every 3rd), staggered between labels
    assert (a.get_markevery(), b.get_markevery()) == ((0, 3), (1, 3))
    # the later one is narrower and on top, so the earlier one shows around it
    assert a.get_linewidth() > b.get_linewidth()
    assert a.get_zorder() < b.get_zorder()


# metric against the swept value, mean and spread over seeds, one line per optimizer ----------


@pytest.fixture(scope="module")
def by_optimizer():
    """Chosen accuracies over (optimizer, learning_rate, seed); one sgd run diverged."""
    accuracy = np.array(
        [[[0.5, 0.7], [0.9, 0.8], [0.2, 0.4]], [[0.1, 0.3], [0.6, 0.6], [0.95, 0.85]]]
    )
    diverged = np.zeros((2, 3, 2), bool)
    diverged[1, 0, 1] = True
    coords = {"optimizer": ["adam", "sgd"], "learning_rate": [0.1, 0.01, 1.0], "seed": [0, 1]}
    dims = ("optimizer", "learning_rate", "seed")
    return sweep_by_hand(dims, coords, 1.0 - accuracy, diverged=diverged, accuracy=accuracy)


def test_sweep_summary_draws_mean_and_std_over_seeds_per_optimizer(by_optimizer):
    drawn = plot.sweep_summary(by_optimizer, "accuracy")
    assert list(drawn.lines) == ["adam", "sgd"]
    adam, sgd = drawn.lines.values()
    np.testing.assert_array_equal(adam.get_xdata(), [0.01, 0.1, 1.0])
    np.testing.assert_allclose(adam.get_ydata(), [0.85, 0.6, 0.3])
    # sgd at 0.1: the diverged seed is left out, so the mean is the other seed's 0.1
    np.testing.assert_allclose(sgd.get_ydata(), [0.6, 0.1, 0.9])
    band = drawn.bands["adam"].get_paths()[0].vertices
    for x, low, high in [(0.01, 0.8, 0.9), (0.1, 0.5, 0.7), (1.0, 0.2, 0.4)]:
        ys = band[np.isclose(band[:, 0], x), 1]
        np.testing.assert_allclose([ys.min(), ys.max()], [low, high])  # mean -+ std (ddof 0)
    assert list(drawn.diverged) == ["sgd"]
    np.testing.assert_array_equal(drawn.diverged["sgd"].get_xdata(), [0.1])
    assert drawn.ax.get_xscale() == "log"
    assert (drawn.ax.get_xlabel(), drawn.ax.get_ylabel()) == ("learning_rate", "accuracy")
    assert drawn.ax.get_title() == "mean ± std over 2 seeds"
    assert drawn.ax.get_legend().get_title().get_text() == "optimizer"


def test_sweep_summary_of_separate_sweeps_matches_the_optimizer_dim(by_optimizer):
    separate = {"adam": by_optimizer.isel(optimizer=0), "sgd": by_optimizer.isel(optimizer=1)}
    joined = plot.sweep_summary(by_optimizer, "accuracy", spread="range")
    apart = plot.sweep_summary(separate, "accuracy", spread="range")
    for label in ("adam", "sgd"):
        np.testing.assert_array_equal(
            joined.lines[label].get_xydata(), apart.lines[label].get_xydata()
        )
    band = apart.bands["adam"].get_paths()[0].vertices
    ys = band[np.isclose(band[:, 0], 0.1), 1]
    np.testing.assert_allclose([ys.min(), ys.max()], [0.5, 0.7])  # the lowest and highest seed


def test_sweep_summary_of_a_sweep_over_a_dict_of_factories():
    x0 = np.ones(2, np.float32)
    result = jd.sweep(
        lambda w, key: w @ w,
        {"sgd": jd.sgd, "adam": jd.adam},
        x0=x0,
        steps=3,
        learning_rate=[0.1, 0.2],
        seeds=2,
    )
    drawn = plot.sweep_summary(result)
    assert list(drawn.lines) == ["sgd", "adam"]
    rates = np.array([0.1, 0.2])
    # sgd on |w|^2: w <- (1 - 2 lr) w, so C = 2 (1 - 2 lr)^6 after 3 steps, whatever the seed
    np.testing.assert_allclose(drawn.lines["sgd"].get_ydata(), 2 * (1 - 2 * rates) ** 6, rtol=1e-5)
    # adam steps about -lr per coordinate while g keeps its sign: w ~ 1 - 3 lr after 3 steps
    np.testing.assert_allclose(drawn.lines["adam"].get_ydata()[0], 2 * (1 - 0.3) ** 2, rtol=1e-2)


def test_sweep_summary_reduces_over_several_dims():
    loss = np.arange(8.0).reshape(2, 2, 2) + 1.0  # (learning_rate, start, seed)
    coords = {"learning_rate": [1.0, 2.0], "start": [0, 1], "seed": [0, 1]}
    result = sweep_by_hand(("learning_rate", "start", "seed"), coords, loss)
    drawn = plot.sweep_summary(result, over=("start", "seed"))
    np.testing.assert_allclose(drawn.lines[None].get_ydata(), [2.5, 6.5])  # mean of 4 runs
    assert drawn.ax.get_title() == "mean ± std over 4 runs (start x seed)"
    assert drawn.ax.get_legend() is None  # one line, nothing to tell apart
    with pytest.raises(ValueError, match="`over` must name dims of the sweep other than `x`"):
        plot.sweep_summary(result, over=("learning_rate",))


def test_sweep_summary_rejects_bad_input(by_optimizer):
    with pytest.raises(ValueError, match=r"\['optimizer'\] also vary: pass one of them as `hue`"):
        plot.sweep_summary(by_optimizer, "accuracy", hue=None)
    with pytest.raises(ValueError, match="`spread` must be one of"):
        plot.sweep_summary(by_optimizer, spread="iqr")
    with pytest.raises(ValueError, match="`x` must be a dim"):
        plot.sweep_summary(by_optimizer, x="b1")
    with pytest.raises(ValueError, match="`metric` must be one of"):
        plot.sweep_summary(by_optimizer, "recall")
    with pytest.raises(TypeError, match="SweepResult"):
        plot.sweep_summary([1, 2])
