"""Unit tests of rnncourse.explosion on one-weight models whose gradients are known exactly."""

import math

import numpy as np
import pytest

from rnncourse import env

env.configure()

import keras  # noqa: E402  (after env.configure, which pins threads and seeds)
from keras import layers  # noqa: E402

from rnncourse import explorers, explosion  # noqa: E402

# Two rows, one feature, targets 0: for y_pred = w x + b with w = 1, b = 0 the batch MSE is
# mean(x^2) = 2.5 and its gradient is (mean(2 x^2), mean(2 x)) = (5, 3), of global norm sqrt(34).
X = np.array([[1.0], [2.0]])
Y = np.zeros(2)
ORDER_BOTH_ROWS = np.array([[0, 1]])


def line(weight=1.0, seed=None):
    """``y = w x + b`` with ``w = weight`` (or drawn from ``seed``) and ``b = 0``."""
    if seed is not None:
        keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(1,)), layers.Dense(1)])
    if seed is None:
        model.set_weights([np.full((1, 1), weight), np.zeros(1)])
    return model


def test_batch_order_reshuffles_every_epoch_and_drops_the_incomplete_batch():
    order = explosion.batch_order(n_rows=7, batch_size=3, steps=5, seed=0)
    assert order.shape == (5, 3) and order.dtype == np.int32
    for epoch in (order[0:2], order[2:4]):  # two full batches per epoch; row 7th of each epoch left out
        rows = epoch.ravel()
        assert len(set(rows)) == 6 and set(rows) <= set(range(7))
    assert not np.array_equal(order[0:2], order[2:4])


def test_batch_order_is_fixed_by_its_seed():
    same = [explosion.batch_order(10, 2, 12, seed=3) for _ in range(2)]
    np.testing.assert_array_equal(*same)
    assert not np.array_equal(same[0], explosion.batch_order(10, 2, 12, seed=4))


def test_batch_order_rejects_a_batch_larger_than_the_data():
    with pytest.raises(ValueError, match="batch_size"):
        explosion.batch_order(n_rows=4, batch_size=5, steps=1, seed=0)


def test_train_trace_records_the_loss_and_the_norm_before_clipping():
    model = line()
    optimizer = keras.optimizers.SGD(learning_rate=0.1, global_clipnorm=1.0)
    trace = explosion.train_trace(model, optimizer, X, Y, keras.losses.mean_squared_error, ORDER_BOTH_ROWS)
    assert trace["loss"][0] == pytest.approx(2.5)
    assert trace["global_norm"][0] == pytest.approx(math.sqrt(34))  # before clipping, not 1.0
    weight, bias = (float(np.ravel(value)[0]) for value in model.get_weights())
    assert weight == pytest.approx(1 - 0.1 * 5 / math.sqrt(34), rel=1e-6)  # the clipped step was applied
    assert bias == pytest.approx(-0.1 * 3 / math.sqrt(34), rel=1e-6)


def test_train_trace_stops_a_diverged_run_and_pads_it_with_nan():
    order = np.tile(ORDER_BOTH_ROWS, (200, 1))
    trace = explosion.train_trace(
        line(), keras.optimizers.SGD(learning_rate=10.0), X, Y, keras.losses.mean_squared_error, order
    )
    assert trace["loss"].shape == trace["global_norm"].shape == (200,)
    assert trace["loss"][1] > trace["loss"][0]  # each step overshoots further
    finite = np.isfinite(trace["loss"])
    stop = int(finite.argmin())  # the first update whose loss overflowed
    assert 1 < stop < 199 and finite[:stop].all() and not finite[stop:].any()
    assert np.isnan(trace["loss"][stop + 1 :]).all()


def test_seed_runs_restore_the_initial_weights_and_optimizer_state_for_every_seed():
    optimizer = keras.optimizers.SGD(learning_rate=0.05, momentum=0.9)  # momentum: state that must be reset
    runs = explosion.seed_runs(
        lambda seed: line(seed=seed),
        optimizer,
        X,
        Y,
        keras.losses.mean_squared_error,
        seeds=(1, 2, 1),
        steps=6,
        batch_size=1,
        evaluate=lambda model: float(np.ravel(model.get_weights()[0])[0]),
    )
    assert runs["loss"].shape == runs["global_norm"].shape == (3, 6)
    np.testing.assert_array_equal(runs["loss"][0], runs["loss"][2])  # the same seed gives the same run
    assert not np.array_equal(runs["loss"][0], runs["loss"][1])
    assert len(runs["evaluation"]) == 3 and runs["evaluation"][0] == runs["evaluation"][2]


def test_clip_bounds_count_weights_and_tensors():
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(3)])  # 6 + 3 = 9 weights, 2 tensors
    bounds = explosion.clip_bounds(model, 2.0)
    assert bounds == pytest.approx({"clipvalue": 6.0, "clipnorm": 2 * math.sqrt(2), "global_clipnorm": 2.0})
    thresholds = explosion.equal_bound_thresholds(model, 2.0)
    assert thresholds == pytest.approx({"clipvalue": 2 / 3, "clipnorm": math.sqrt(2), "global_clipnorm": 2.0})


@pytest.mark.parametrize("option", ["clipvalue", "clipnorm", "global_clipnorm"])
def test_a_large_gradient_is_clipped_to_exactly_the_bound(option):
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(3)])
    variables = model.trainable_variables
    before = [variable.numpy() for variable in variables]
    optimizer = keras.optimizers.SGD(learning_rate=1.0, **{option: 0.5})
    optimizer.apply([keras.ops.full(variable.shape, 100.0) for variable in variables], variables)
    step = math.sqrt(sum(float(np.sum((v.numpy() - b) ** 2)) for v, b in zip(variables, before)))
    assert step == pytest.approx(explosion.clip_bounds(model, 0.5)[option], rel=1e-5)


def test_plot_seed_traces_marks_where_each_diverged_run_stops():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    values = np.array([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, np.inf, np.nan], [2.0, 3.0, 4.0, 5.0]])
    median = explosion.plot_seed_traces(ax, values, label="run")
    np.testing.assert_array_equal(
        median.get_ydata(), [1.0, 2.0, np.nan, np.nan]
    )  # where every seed is finite
    labels = ax.get_legend_handles_labels()[1]
    assert "run: last finite value (1 of 3 seeds)" in labels
    assert {"run, median of 3 seeds", "run, min-max", "run, each seed"} <= set(labels)
    plt.close(fig)


def test_plot_seed_traces_lists_only_the_stops_of_runs_that_diverge_at_once():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    explosion.plot_seed_traces(ax, [[5.0, np.nan, np.nan], [6.0, np.inf, np.nan]], label="unclipped")
    assert ax.get_legend_handles_labels()[1] == ["unclipped: last finite value (2 of 2 seeds)"]
    plt.close(fig)


def test_plot_distance_curves_draws_each_curve_and_its_rate():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    norms = 0.5 * 1.3 ** np.arange(5)
    curve = explorers.GradientCurve(settings={}, norms=norms, sigma_max=1.3, slope=norms.copy())
    fig, ax = plt.subplots()
    explosion.plot_distance_curves(ax, {"linear, gain 1.3": curve})
    assert ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), norms)
    assert ax.lines[1].get_linestyle() == "--"
    assert "linear, gain 1.3" in ax.get_legend_handles_labels()[1]
    plt.close(fig)
