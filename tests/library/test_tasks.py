"""The adding problem, its model builder (chrono gate biases) and the long_memory experiment."""

import json

import keras
import numpy as np
import pytest

from rnncourse import tasks
from rnncourse.tools import experiments


def test_adding_problem_shapes_and_dtypes():
    x, y = tasks.adding_problem(50, 40, seed=0)
    assert x.shape == (50, 40, 2) and x.dtype == np.float32
    assert y.shape == (50,) and y.dtype == np.float32
    assert np.all((x[..., 0] >= 0) & (x[..., 0] < 1))


def test_adding_problem_has_two_markers_in_the_documented_places():
    length = 100
    x, _ = tasks.adding_problem(500, length, seed=1)
    markers = x[..., 1]
    assert set(np.unique(markers)) == {0.0, 1.0}
    assert np.all(markers.sum(axis=1) == 2)
    first = markers.argmax(axis=1)
    second = length - 1 - markers[:, ::-1].argmax(axis=1)
    assert np.all(first < length // 10)
    assert np.all((second >= length // 2) & (second < length))
    assert np.all(length - first >= 0.9 * length)  # the lag to the output is about the length


def test_adding_problem_target_is_the_sum_of_the_marked_values():
    x, y = tasks.adding_problem(200, 30, seed=2)
    np.testing.assert_allclose(y, (x[..., 0] * x[..., 1]).sum(axis=1), rtol=1e-6)
    assert 0 <= y.min() and y.max() <= 2


def test_adding_problem_is_seeded():
    a, b, c = (tasks.adding_problem(20, 16, seed=s) for s in (3, 3, 4))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_baseline_mse_of_predicting_one():
    _, y = tasks.adding_problem(100_000, 10, seed=5)
    assert abs(np.mean((y - 1.0) ** 2) - tasks.ADDING_BASELINE_MSE) < 0.003
    assert abs(np.mean(np.abs(y - 1.0) <= tasks.ADDING_TOLERANCE) - 0.19) < 0.005


def test_adding_model_shapes_loss_and_metric():
    keras.utils.set_random_seed(0)
    model = tasks.adding_model("gru", units=4)
    assert model.input_shape == (None, None, 2) and model.output_shape == (None, 1)
    assert model.loss == "mse"
    assert model.optimizer.clipnorm == 1.0
    x, y = tasks.adding_problem(8, 12, seed=0)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    predictions = model.predict(x, verbose=0)[:, 0]
    assert logs["within_0.1"] == pytest.approx(np.mean(np.abs(predictions - y) <= 0.1))
    assert logs["loss"] == pytest.approx(np.mean((predictions - y) ** 2), rel=1e-5)


def _biases(model):
    units = model.layers[0].units
    bias = model.layers[0].cell.bias.numpy()
    return {gate: bias[k * units : (k + 1) * units] for k, gate in enumerate("ifco")}


def test_chrono_initialisation_sets_lstm_forget_and_input_biases():
    length = 200
    keras.utils.set_random_seed(0)
    gates = _biases(tasks.adding_model("lstm", units=64, chrono=True, length=length))
    assert np.all(gates["f"] >= np.log(1.0) - 1e-6) and np.all(gates["f"] <= np.log(length - 1.0) + 1e-6)
    assert gates["f"].std() > 0.3  # spread over the time scales, not a constant
    np.testing.assert_allclose(gates["i"], -gates["f"])
    assert np.all(gates["c"] == 0) and np.all(gates["o"] == 0)
    keras.utils.set_random_seed(0)
    again = _biases(tasks.adding_model("lstm", units=64, chrono=True, length=length))
    np.testing.assert_array_equal(again["f"], gates["f"])


def test_default_and_constant_forget_bias():
    keras.utils.set_random_seed(0)
    default = _biases(tasks.adding_model("lstm", units=3))
    assert np.all(default["f"] == 1) and np.all(default["i"] == 0)
    constant = _biases(tasks.adding_model("lstm", units=3, forget_bias=3.0))
    assert np.all(constant["f"] == 3) and np.all(constant["i"] == 0)


def test_gate_bias_options_are_checked():
    with pytest.raises(ValueError, match="LSTM"):
        tasks.adding_model("gru", chrono=True, length=50)
    with pytest.raises(ValueError, match="length"):
        tasks.adding_model("lstm", chrono=True)


def test_long_memory_quick_returns_the_documented_structure():
    saved = {}
    result = experiments.long_memory(
        quick=True, log=lambda line: None, save=lambda variant, model: saved.__setitem__(variant, model)
    )
    json.dumps(result)
    config, runs = result["config"], result["runs"]
    lengths = [str(n) for n in experiments.MEMORY_QUICK["lengths"]]
    seeds = [str(s) for s in experiments.MEMORY_QUICK["seeds"]]
    assert config["baseline_mse"] == pytest.approx(1 / 6, abs=1e-4)
    assert config["baseline_accuracy"] == pytest.approx(0.19)
    for key in ("n_train", "n_val", "n_test", "epochs", "units", "batch_size", "optimizer", "citation"):
        assert key in config
    assert list(runs) == list(experiments.MEMORY_VARIANTS)
    for variant, by_length in runs.items():
        assert list(by_length) == lengths
        for by_seed in by_length.values():
            assert list(by_seed) == seeds
            for run in by_seed.values():
                assert set(run) == {
                    "test_mse",
                    "test_accuracy",
                    "epochs_run",
                    "best_epoch",
                    "seconds",
                    "val_mse",
                    "val_accuracy",
                }
                assert 0 <= run["test_accuracy"] <= 1 and run["test_mse"] >= 0
                assert run["epochs_run"] == len(run["val_mse"]) <= config["epochs"]
        assert set(result["mean"][variant]) == set(lengths)
    assert sorted(saved) == sorted(experiments.MEMORY_VARIANTS)
    assert all(model.layers[0].__class__.__name__ in ("SimpleRNN", "GRU", "LSTM") for model in saved.values())


def test_long_memory_stop_at_and_settings():
    result = experiments.long_memory(
        variants=("gru",), quick=True, seeds=(0,), stop_at=0.0, epochs=3, log=lambda line: None
    )
    assert result["runs"]["gru"]["8"]["0"]["epochs_run"] == 1
    assert result["config"]["epochs"] == 3
    with pytest.raises(TypeError, match="unknown long_memory settings"):
        experiments.long_memory(quick=True, lags=(5,))


def test_the_curve_stream_gives_every_size_the_same_updates_and_every_review_once_a_pass():
    import numpy as np

    from rnncourse.tools import experiments

    small = experiments.curve_stream(250, seed=0, updates=20)  # 1,280 rows: five passes and a part
    assert small.shape == (20, 64)
    flat = small.ravel()
    for p in range(5):
        assert sorted(flat[250 * p : 250 * (p + 1)]) == list(range(250))
    assert np.array_equal(flat[:250], np.random.default_rng([0, 0]).permutation(250))
    assert experiments.curve_stream(18000, seed=0, updates=20).shape == (20, 64)  # part of one pass
    assert np.array_equal(small, experiments.curve_stream(250, seed=0, updates=20))
    assert not np.array_equal(small, experiments.curve_stream(250, seed=1, updates=20))


def test_glove_curve_records_every_seed_and_size_on_a_fixed_validation_slice():
    import numpy as np

    from rnncourse.tools import experiments

    rng = np.random.default_rng(0)
    x = rng.integers(1, 50, size=(200, 12))
    y = (x[:, 0] > 25).astype("float32")
    arrays = ((x[:160], y[:160]), (x[160:], y[160:]))
    matrix = rng.normal(size=(50, 4)).astype("float32")
    budget = {"max_updates": 6, "check_updates": 2, "patience_updates": 2, "min_updates": 4}
    result = experiments.glove_curve(
        arrays,
        matrix,
        sizes=(40, 80),
        seeds=(0, 1),
        n_validation=40,
        units=2,
        log=lambda message: None,
        **budget,
    )
    assert set(result["runs"]) == set(experiments.CURVE_VARIANTS)
    for variant, by_size in result["runs"].items():
        assert set(by_size) == {"40", "80"}
        for size, by_seed in by_size.items():
            assert set(by_seed) == {"0", "1"}
            scores = [run["test_accuracy"] for run in by_seed.values()]
            assert result["mean"][variant][size]["test_accuracy"] == round(float(np.mean(scores)), 4)
            assert result["mean"][variant][size]["sd"] == round(float(np.std(scores, ddof=1)), 4)
            assert result["mean"][variant][size]["n"] == 2
            for run in by_seed.values():
                assert 4 <= run["updates"] <= 6 and run["updates"] % 2 == 0  # the minimum, at most the cap
                assert 2 <= run["best_update"] <= run["updates"] and run["best_update"] % 2 == 0
                assert run["at_cap"] == (run["best_update"] == 6)
                assert run["train_ms_per_update"] > 0
    assert {key: result["config"][key] for key in budget} == budget
    assert result["config"]["n_validation"] == 40
    with pytest.raises(ValueError, match="larger than"):
        experiments.glove_curve(arrays, matrix, sizes=(150,), seeds=(0,), n_validation=40, log=lambda m: None)
    with pytest.raises(ValueError, match="not a multiple of check_updates"):
        experiments.glove_curve(
            arrays, matrix, sizes=(40,), max_updates=5, check_updates=2, log=lambda m: None
        )
