"""jaxdescent.plot: every test checks what was drawn (data, labels, scales, colours, frames)."""

import dataclasses

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import pytest
from matplotlib._pylab_helpers import Gcf
from matplotlib.figure import Figure
from PIL import Image

import jaxdescent as jd
from jaxdescent import landscapes, plot
from jaxdescent._results import SweepResult

matplotlib.use("Agg")

F64 = jnp.float64


def run(fn, x0, opt, steps, **kw):
    return jd.minimize(fn, jnp.asarray(x0, F64), opt, steps=steps, **kw)


def stack(runs):
    """A batch of Trajectories, laid out as a vmapped minimize lays it out."""
    return jax.tree_util.tree_map(lambda *xs: np.stack(xs), *runs)


def sweep_by_hand(dims, shape):
    """A SweepResult built field by field (for checks that need no descent)."""
    n = int(np.prod(shape))
    return SweepResult(
        dims=dims,
        coords={d: np.arange(k, dtype=np.float64) + 1.0 for d, k in zip(dims, shape, strict=True)},
        loss=np.ones((*shape, 2)),
        grad_norm=np.ones((*shape, 2)),
        steps=np.array([0, 1]),
        params=None,
        final_loss=np.arange(n, dtype=np.float64).reshape(shape) + 1.0,
        final_params=np.zeros((*shape, 2)),
        diverged=np.zeros(shape, bool),
        diverged_at=np.full(shape, -1),
        steps_to_tolerance=np.full(shape, -1),
    )


@pytest.fixture(scope="module")
def camel():
    return landscapes.three_hump_camel()


@pytest.fixture(scope="module")
def camel_runs(camel):
    x0 = [1.5, 1.5]
    return {
        "sgd": run(camel, x0, jd.sgd(0.02), 40),
        "momentum": run(camel, x0, jd.sgd(0.02, momentum=0.8), 40),
    }


@pytest.fixture(scope="module")
def lr_grid(camel):
    """Learning rate x momentum on the camel from (1.5, 1.5); the largest rates diverge."""
    rates = np.array([1.0, 1e-3, 1e-2, 0.1, 0.5])  # unsorted on purpose
    momentum = np.array([0.0, 0.9])
    x0 = jnp.array([1.5, 1.5], F64)
    return jd.sweep(camel, jd.sgd, x0=x0, steps=30, learning_rate=rates, momentum=momentum)


def test_no_pyplot_figure_is_opened(camel, camel_runs):
    drawn = plot.trajectories(camel, camel_runs)
    assert isinstance(drawn.figure, Figure)
    assert Gcf.get_num_fig_managers() == 0


# cost curve and learning rates -------------------------------------------------------------


def test_cost_curve_draws_the_curve_and_one_arrow_per_step():
    well = landscapes.double_well()
    t = run(well, [2.0], jd.sgd(0.01), 8)
    drawn = plot.cost_curve(well, t)
    w = np.asarray(t.params)[:, 0]
    np.testing.assert_array_equal(drawn.points.get_xdata(), w)
    np.testing.assert_array_equal(drawn.points.get_ydata(), np.asarray(t.loss))
    x = drawn.curve.get_xdata()
    np.testing.assert_allclose(drawn.curve.get_ydata(), x**4 - 3 * x**2 + x, rtol=1e-12)
    assert (x.min(), x.max()) == (-2.0, 2.0)  # the domain: every point lies inside it
    assert len(drawn.arrows) == 8
    for i, arrow in enumerate(drawn.arrows):
        start, end = arrow._posA_posB
        np.testing.assert_allclose([start, end], [[w[i], t.loss[i]], [w[i + 1], t.loss[i + 1]]])
    assert (drawn.ax.get_xlabel(), drawn.ax.get_ylabel()) == ("w", "C(w)")


def test_cost_curve_accepts_scalar_parameters_and_a_given_axes():
    ax = Figure().add_subplot()
    t = run(lambda w: (w - 1.0) ** 2, 3.0, jd.sgd(0.1), 5)
    drawn = plot.cost_curve(lambda w: (w - 1.0) ** 2, t, ax, xlim=(0.0, 4.0))
    assert drawn.figure is None
    assert drawn.ax is ax
    np.testing.assert_array_equal(drawn.points.get_xdata(), np.asarray(t.params))
    x = drawn.curve.get_xdata()
    np.testing.assert_allclose(drawn.curve.get_ydata(), (x - 1.0) ** 2)
    assert ax.get_xlim() == (0.0, 4.0)


def test_learning_rates_crawls_converges_diverges():
    well = landscapes.double_well()
    drawn = plot.learning_rates(well, jnp.array([-2.0], F64), learning_rates=(1e-3, 0.05, 0.3))
    small, good, large = drawn.trajectories
    assert len(drawn.axes) == 3
    assert drawn.figure is not None
    titles = [ax.get_title() for ax in drawn.axes]
    assert titles[0].endswith("not at a known minimum")
    assert titles[1].endswith("converged to the global minimum")
    assert large.diverged
    assert f"diverged at step {int(large.diverged_at)}" in titles[2]
    # crawls: still far from the global minimum; good: there (within 1e-2)
    assert abs(float(small.final_params[0]) - well.minima[0, 0]) > 0.3
    assert abs(float(good.final_params[0]) - well.minima[0, 0]) < 1e-2
    assert [len(p.arrows) for p in drawn.panels[:2]] == [10, 10]
    # the step that leaves the view ends on the view's edge
    ax = drawn.axes[2]
    last = drawn.panels[2].arrows[-1]._posA_posB[1]
    on_edge = np.isclose(last[0], ax.get_xlim()).any() or np.isclose(last[1], ax.get_ylim()).any()
    assert on_edge


def test_cost_curve_rejects_bad_input(camel, camel_runs):
    with pytest.raises(ValueError, match="1-D cost"):
        plot.cost_curve(camel, camel_runs["sgd"])
    with pytest.raises(ValueError, match="batch of 2"):
        plot.cost_curve(camel, stack([camel_runs["sgd"]] * 2))
    no_params = run(lambda w: jnp.sum(w**2), [1.0], jd.sgd(0.1), 3, record_params=False)
    with pytest.raises(ValueError, match="record_params=True"):
        plot.cost_curve(lambda w: jnp.sum(w**2), no_params)
    with pytest.raises(TypeError, match="Trajectory"):
        plot.cost_curve(camel, {"a": 1})
    with pytest.raises(TypeError, match="`ax` must be a matplotlib Axes"):
        plot.cost_curve(
            landscapes.double_well(), run(lambda w: jnp.sum(w**2), [1.0], jd.sgd(0.1), 3), ax="left"
        )


def test_learning_rates_rejects_bad_input():
    well = landscapes.double_well()
    with pytest.raises(ValueError, match=r"`learning_rates` must be .* positive"):
        plot.learning_rates(well, jnp.zeros(1), learning_rates=(0.1, -1.0))
    with pytest.raises(ValueError, match="`labels` must hold one label per learning rate"):
        plot.learning_rates(well, jnp.zeros(1), learning_rates=(0.1, 0.2), labels=("a",))
    with pytest.raises(ValueError, match="`axes` must hold 2"):
        plot.learning_rates(
            well, jnp.zeros(1), learning_rates=(0.1, 0.2), axes=[Figure().add_subplot()]
        )


# trajectories on a contour map ------------------------------------------------------------


def test_trajectories_draws_each_run_with_its_start_end_and_the_minima(camel, camel_runs):
    drawn = plot.trajectories(camel, camel_runs)
    for label, t in camel_runs.items():
        (line,) = drawn.lines[label]
        p = np.asarray(t.params)
        np.testing.assert_array_equal(np.stack(line.get_data(), -1), p)
        np.testing.assert_array_equal(np.stack(drawn.starts[label].get_data(), -1), p[:1])
        np.testing.assert_array_equal(np.stack(drawn.ends[label].get_data(), -1), p[-1:])
    glob, local = drawn.minima
    np.testing.assert_array_equal(np.stack(glob.get_data(), -1), [[0.0, 0.0]])
    np.testing.assert_array_equal(np.stack(local.get_data(), -1), camel.local_minima)
    legend = [t.get_text() for t in drawn.ax.get_legend().get_texts()]
    assert legend == ["global minimum", "local minimum", "sgd", "momentum"]
    assert drawn.ax.get_xlim() == (-2.0, 2.0)
    assert drawn.ax.get_ylim() == (-2.0, 2.0)
    assert drawn.ax.get_title() == "three_hump_camel"


def test_trajectories_levels_are_log_spaced_where_the_landscape_asks(camel, camel_runs):
    assert camel.log_scale
    levels = plot.trajectories(camel, camel_runs, levels=12).contour.levels
    gaps = np.log(levels - camel.minimum_value)
    assert len(levels) == 12
    np.testing.assert_allclose(np.diff(gaps), np.diff(gaps)[0], rtol=1e-9)
    # the top level is the highest value on the grid: f(-2, 2) + ... computed directly
    x = np.linspace(-2, 2, 160)
    X, Y = np.meshgrid(x, x)
    Z = 2 * X**2 - 1.05 * X**4 + X**6 / 6 + X * Y + Y**2
    np.testing.assert_allclose(levels[-1], Z.max(), rtol=1e-12)
    linear = plot.trajectories(camel, camel_runs, levels=12, log_levels=False).contour.levels
    np.testing.assert_allclose(linear, np.linspace(Z.min(), Z.max(), 12), rtol=1e-9, atol=1e-12)


def test_trajectories_accepts_a_batch(camel, camel_runs):
    batch = stack([camel_runs["sgd"], run(camel, [-1.0, 1.8], jd.sgd(0.02), 40)])
    drawn = plot.trajectories(camel, batch)
    lines = drawn.lines[None]
    assert len(lines) == 2
    assert lines[0].get_color() != lines[1].get_color()
    for i, line in enumerate(lines):
        np.testing.assert_array_equal(np.stack(line.get_data(), -1), batch.params[i])
    np.testing.assert_array_equal(np.stack(drawn.ends[None].get_data(), -1), batch.params[:, -1])
    # one colour per label: a labelled batch has one legend entry
    drawn = plot.trajectories(camel, {"sgd": batch})
    assert [t.get_text() for t in drawn.ax.get_legend().get_texts()].count("sgd") == 1
    assert {line.get_color() for line in drawn.lines["sgd"]} == {"C0"}


def test_trajectories_rejects_bad_input(camel, camel_runs):
    with pytest.raises(ValueError, match="2-D landscape, got one of dimension 1"):
        plot.trajectories(landscapes.double_well(), camel_runs)
    well_run = run(landscapes.double_well(), [1.0], jd.sgd(0.01), 3)
    with pytest.raises(ValueError, match="'w' has 1-D parameters"):
        plot.trajectories(camel, {"w": well_run})
    with pytest.raises(TypeError, match="Trajectory"):
        plot.trajectories(camel, {"x": np.zeros((3, 2))})
    with pytest.raises(ValueError, match="at least one run"):
        plot.trajectories(camel, {})


# loss curves ----------------------------------------------------------------------------------


def test_loss_curves_log_scale_and_diverged_runs_marked(camel, camel_runs):
    wild = run(camel, [1.5, 1.5], jd.sgd(0.5), 40)
    assert wild.diverged  # precondition: this step size explodes on the x^6 wall
    drawn = plot.loss_curves({**camel_runs, "too large": wild})
    assert drawn.ax.get_yscale() == "log"
    for label, t in camel_runs.items():
        (line,) = drawn.lines[label]
        np.testing.assert_array_equal(line.get_xdata(), np.arange(41))
        np.testing.assert_array_equal(line.get_ydata(), np.asarray(t.loss))
        assert line.get_linestyle() == "-"
    (line,) = drawn.lines["too large"]
    k = int(wild.diverged_at)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(k + 1))
    np.testing.assert_array_equal(line.get_ydata(), np.asarray(wild.loss)[: k + 1])
    assert line.get_linestyle() == "--"
    (mark,) = drawn.diverged
    assert mark.get_xdata()[0] == k
    assert mark.get_ydata()[0] == 1.0
    assert mark.get_transform() == drawn.ax.get_xaxis_transform()
    # the view covers the runs that did not diverge, not the explosion
    assert drawn.ax.get_ylim()[1] < 10 * max(float(np.max(t.loss)) for t in camel_runs.values())
    legend = [t.get_text() for t in drawn.ax.get_legend().get_texts()]
    assert legend == ["sgd", "momentum", "too large", "diverged"]


def test_loss_curves_of_a_sweep_one_line_per_configuration(lr_grid):
    drawn = plot.loss_curves(lr_grid, minimum=-1.0, yscale="linear")
    assert len(drawn.lines) == 10
    assert drawn.ax.get_yscale() == "linear"
    line = drawn.lines["learning_rate=0.01, momentum=0.9"][0]
    np.testing.assert_array_equal(line.get_ydata(), lr_grid.loss[2, 1] + 1.0)
    np.testing.assert_array_equal(line.get_xdata(), lr_grid.steps)
    assert len(drawn.diverged) == int(lr_grid.diverged.sum()) > 0
    expected = sorted(np.asarray(lr_grid.diverged_at)[np.asarray(lr_grid.diverged)])
    assert sorted(m.get_xdata()[0] for m in drawn.diverged) == expected
    assert drawn.ax.get_ylabel() == "loss - minimum"


def test_loss_curves_rejects_bad_input(camel_runs):
    with pytest.raises(ValueError, match="`yscale` must be"):
        plot.loss_curves(camel_runs, yscale="loglog")
    with pytest.raises(TypeError, match="Trajectory"):
        plot.loss_curves({"a": [1.0, 0.5]})
    below_zero = sweep_by_hand(("learning_rate",), (2,))
    below_zero = dataclasses.replace(below_zero, loss=-below_zero.loss)
    with pytest.raises(ValueError, match="no positive loss to draw on a log axis; pass `minimum`"):
        plot.loss_curves(below_zero)
    gap = plot.loss_curves(below_zero, minimum=-3.0).lines["learning_rate=1"][0]
    np.testing.assert_array_equal(gap.get_ydata(), [2.0, 2.0])


# sweeps ---------------------------------------------------------------------------------------


def test_lr_sweep_log_axis_diverged_at_the_top_best_starred(lr_grid):
    drawn = plot.lr_sweep(lr_grid)
    assert drawn.ax.get_xscale() == "log"
    assert drawn.ax.get_yscale() == "log"
    order = np.argsort(lr_grid.coords["learning_rate"])
    lrs = lr_grid.coords["learning_rate"][order]
    assert [line.get_label() for line in drawn.lines] == ["momentum=0", "momentum=0.9"]
    for j, line in enumerate(drawn.lines):
        np.testing.assert_array_equal(line.get_xdata(), lrs)
        final = np.where(lr_grid.diverged[:, j], np.nan, lr_grid.final_loss[:, j])[order]
        np.testing.assert_array_equal(line.get_ydata(), final)
    bad = lr_grid.coords["learning_rate"][lr_grid.diverged.any(axis=1)]
    np.testing.assert_array_equal(np.sort(drawn.diverged.get_xdata()), np.sort(bad))
    assert set(drawn.diverged.get_ydata()) == {1.0}
    assert drawn.diverged.get_transform() == drawn.ax.get_xaxis_transform()
    best = lr_grid.best()  # SweepResult's own pick, written independently of the plot
    assert drawn.best.get_xdata()[0] == best["learning_rate"]
    assert drawn.best.get_ydata()[0] == best["final_loss"]
    assert drawn.ax.get_xlabel() == "learning_rate"


def test_lr_sweep_rejects_bad_input(lr_grid, camel_runs):
    with pytest.raises(ValueError, match="`b1` is not a coordinate of this sweep"):
        plot.lr_sweep(lr_grid, dim="b1")
    with pytest.raises(TypeError, match="SweepResult"):
        plot.lr_sweep(camel_runs["sgd"])
    with pytest.raises(ValueError, match="`yscale` must be"):
        plot.lr_sweep(lr_grid, yscale="log2")
    below_zero = sweep_by_hand(("learning_rate",), (2,))
    below_zero = dataclasses.replace(below_zero, final_loss=-below_zero.final_loss)
    with pytest.raises(ValueError, match="lr_sweep: no positive loss"):
        plot.lr_sweep(below_zero)


def test_heatmap_cells_are_final_losses_with_diverged_masked(lr_grid):
    drawn = plot.heatmap(lr_grid, x="learning_rate", y="momentum")
    order = np.argsort(lr_grid.coords["learning_rate"])
    expected = lr_grid.final_loss[order].T  # rows: momentum, columns: learning rate
    diverged = lr_grid.diverged[order].T
    cells = drawn.mesh.get_array()
    assert cells.shape == (2, 5)
    np.testing.assert_array_equal(np.ma.getmaskarray(cells), diverged)
    np.testing.assert_array_equal(cells[~diverged], expected[~diverged])
    assert drawn.ax.get_xscale() == "log"
    assert drawn.ax.get_yscale() == "linear"
    # two momenta are not an evenly spaced axis: equal cells at 0 and 1, labelled by value
    assert [t.get_text() for t in drawn.ax.get_yticklabels()] == ["0", "0.9"]
    np.testing.assert_array_equal(drawn.ax.get_yticks(), [0, 1])
    lr, mom = np.meshgrid(lr_grid.coords["learning_rate"][order], [0, 1])
    marks = np.stack(drawn.diverged.get_data(), -1)
    np.testing.assert_array_equal(marks, np.stack([lr[diverged], mom[diverged]], -1))
    best = lr_grid.best()
    assert (drawn.best.get_xdata()[0], drawn.best.get_ydata()[0]) == (
        best["learning_rate"],
        [0.0, 0.9].index(best["momentum"]),
    )
    assert drawn.best.get_label().endswith(f"momentum={best['momentum']:.3g}")
    # cell edges: geometric midpoints between learning rates on the log axis
    edges = drawn.mesh.get_coordinates()[0, :, 0]
    lrs = lr_grid.coords["learning_rate"][order]
    np.testing.assert_allclose(edges[1:-1], np.sqrt(lrs[1:] * lrs[:-1]))
    assert drawn.colorbar.ax.get_ylabel() == "final loss"


def test_heatmap_rejects_bad_input(lr_grid):
    with pytest.raises(ValueError, match="needs `b1` as a grid dimension"):
        plot.heatmap(lr_grid)
    with pytest.raises(ValueError, match="`x` and `y` must differ"):
        plot.heatmap(lr_grid, x="momentum", y="momentum")
    three = sweep_by_hand(("learning_rate", "momentum", "seed"), (2, 3, 2))
    with pytest.raises(ValueError, match=r"\['seed'\] also vary: select one value first"):
        plot.heatmap(three, y="momentum")


# basins -----------------------------------------------------------------------------------------


def nearest_minimum(points, minima, tol):
    """Independent transcription: index of the minimum within tol, -1 if none."""
    d = np.sqrt(((points[:, None, :] - minima[None]) ** 2).sum(-1))
    return np.where(d.min(-1) <= tol, d.argmin(-1), -1)


@pytest.fixture(scope="module")
def basin_runs(camel):
    g = np.linspace(-1.9, 1.9, 5)
    grid = np.stack(np.meshgrid(g, g[:4]), -1).reshape(-1, 2)  # 4 rows x 5 columns
    starts = grid[::-1]  # the plot must place each start in its cell, whatever the order
    plain = stack([run(camel, s, jd.sgd(0.05), 100) for s in starts])
    heavy = jd.sweep(
        camel,
        jd.sgd,
        starts=jnp.asarray(starts, F64),
        steps=100,
        record_params=True,
        learning_rate=0.05,
        momentum=0.9,
    )
    return starts, plain, heavy


def test_basin_map_colours_each_start_by_the_minimum_it_reached(camel, basin_runs):
    starts, plain, heavy = basin_runs
    drawn = plot.basin_map({"sgd": plain, "momentum": heavy}, camel)
    tol = 0.01 * np.hypot(4.0, 4.0)
    for label, finals in (("sgd", plain.final_params), ("momentum", heavy.final_params)):
        expected = nearest_minimum(np.asarray(finals), camel.all_minima, tol)
        np.testing.assert_array_equal(drawn.basins[label], expected)
        mesh = drawn.cells[label]
        cells = np.asarray(mesh.get_array()).reshape(4, 5)  # rows: w2 rising, columns: w1 rising
        np.testing.assert_array_equal(cells, expected[::-1].reshape(4, 5))
        corners = mesh.get_coordinates()  # cell centres are the starting points, sorted
        centres = (corners[1:, 1:] + corners[:-1, :-1]) / 2
        np.testing.assert_allclose(centres.reshape(-1, 2), starts[::-1], atol=1e-12)
        rgba = mesh.to_rgba(cells.ravel())
        np.testing.assert_array_equal(rgba, drawn.colors[expected[::-1] + 1])
        share = np.mean(expected == 0)
        assert drawn.axes[list(drawn.basins).index(label)].get_title() == (
            f"{label}\n{share:.0%} reach a global minimum"
        )
    assert len(set(map(tuple, drawn.colors))) == 4  # none + 3 minima, all distinct
    np.testing.assert_allclose(drawn.colors[0], matplotlib.colors.to_rgba("0.85"))
    reached = set(drawn.basins["sgd"]) | set(drawn.basins["momentum"])
    assert {0, 1, 2} <= reached  # the picture shows more than one basin
    legend = [t.get_text() for t in drawn.axes[-1].get_legend().get_texts()]
    assert legend[0] == "global minimum (0.00, 0.00)"
    assert legend[-1] == "none (or diverged)"


def test_basin_map_scatter_for_starts_off_a_grid(camel, basin_runs):
    _, plain, _ = basin_runs
    starts = np.asarray(plain.params[:, 0])
    starts[0] += 0.01  # no longer a grid
    drawn = plot.basin_map({"sgd": plain}, camel, starts=starts, tol=0.05)
    offsets = drawn.cells["sgd"].get_offsets()
    np.testing.assert_array_equal(offsets, starts)
    expected = nearest_minimum(np.asarray(plain.final_params), camel.all_minima, 0.05)
    np.testing.assert_array_equal(drawn.cells["sgd"].get_array(), expected)


def test_basin_map_rejects_bad_input(camel, basin_runs):
    _, plain, _ = basin_runs
    with pytest.raises(ValueError, match="`starts` holds 3 points but run 'sgd' has 20 runs"):
        plot.basin_map({"sgd": plain}, camel, starts=np.zeros((3, 2)))
    no_params = plain._replace(params=None)
    with pytest.raises(ValueError, match="no recorded parameters: pass `starts`"):
        plot.basin_map({"sgd": no_params}, camel)
    with pytest.raises(TypeError, match="SweepResult or a Trajectory"):
        plot.basin_map({"sgd": np.zeros((20, 2))}, camel)


# animation ------------------------------------------------------------------------------------


def test_animate_writes_a_gif_with_one_frame_per_shown_record(camel, camel_runs, tmp_path):
    out = plot.animate(camel, camel_runs, tmp_path / "descent.gif", fps=5, frames=5)
    np.testing.assert_array_equal(out.frames, [0, 10, 20, 30, 40])
    with Image.open(out.path) as gif:
        assert gif.n_frames == 5
        assert gif.info["duration"] == 200
    # the last frame shows whole runs: each line ends at the run's final record
    for label, t in camel_runs.items():
        (line,) = [ln for ln in out.figure.axes[0].lines if ln.get_label() == label]
        np.testing.assert_array_equal(np.stack(line.get_data(), -1), np.asarray(t.params))
    assert out.figure.axes[0].get_title() == "three_hump_camel: step 40"


def test_animate_every_record_by_default(camel, camel_runs, tmp_path):
    short = {"sgd": run(camel, [1.5, 1.5], jd.sgd(0.02), 3)}
    out = plot.animate(camel, short, str(tmp_path / "short.gif"), levels=5)
    with Image.open(out.path) as gif:
        assert gif.n_frames == 4


def test_animate_rejects_bad_input(camel, camel_runs, tmp_path):
    with pytest.raises(ValueError, match=r"`path` must end in \.gif"):
        plot.animate(camel, camel_runs, tmp_path / "a.mp4")
    with pytest.raises(ValueError, match="`fps` must be a positive number, got 0"):
        plot.animate(camel, camel_runs, tmp_path / "a.gif", fps=0)
    with pytest.raises(ValueError, match="`frames` must be an integer >= 2"):
        plot.animate(camel, camel_runs, tmp_path / "a.gif", frames=1)


def test_lr_sweep_of_a_zip_sweep_reads_the_paired_coordinate():
    zipped = sweep_by_hand(("sample",), (3,))
    zipped.coords["learning_rate"] = np.array([0.3, 0.01, 0.1])
    zipped.coords["b1"] = np.array([0.9, 0.8, 0.7])
    zipped.diverged[0] = True
    drawn = plot.lr_sweep(zipped)
    (line,) = drawn.lines
    np.testing.assert_array_equal(line.get_xdata(), [0.01, 0.1, 0.3])
    np.testing.assert_array_equal(line.get_ydata(), [2.0, 3.0, np.nan])
    np.testing.assert_array_equal(drawn.diverged.get_xdata(), [0.3])
    assert drawn.best.get_xdata()[0] == 0.01
    curves = plot.loss_curves(zipped)
    assert list(curves.lines) == [
        "learning_rate=0.3, b1=0.9",
        "learning_rate=0.01, b1=0.8",
        "learning_rate=0.1, b1=0.7",
    ]
