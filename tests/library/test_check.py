"""The exercise checks: each solution passes, and common wrong answers get their hint.

Tiny fixtures keep this fast: a weights folder written from freshly initialised recipe models
(no training; conftest.py), data of a few rows, and small stand-in models where the exercise does
not load shipped weights (exercise_models.py). Each wrong answer's test asserts that the hint names
the mistake. The data a check recomputes with are passed to it here; in a notebook it takes the
learner's own (the setup cell's). The kernel side (blanks, hints without a traceback, check cells
in any order, the figures a cell showed) is tested in test_feedback.py.
"""

import dataclasses
import functools

import keras
import numpy as np
import pytest
from exercise_models import (
    DIM,
    LENGTH,
    VOCABULARY,
    X_TEST,
    X_TRAIN,
    Y_TEST,
    Y_TRAIN,
    embedding_gru,
    pretrained,
    regression_model,
)
from keras import layers

from rnncourse import check, feedback, models, weights
from rnncourse.feedback import CheckFailed, ShownFigure

pytestmark = pytest.mark.usefixtures("shipped_weights")

DATA_I = {"X_train": X_TRAIN, "y_train": Y_TRAIN, "X_test": X_TEST, "y_test": Y_TEST}


@pytest.fixture(autouse=True)
def no_open_figures():
    """No figure another test left open stands in for an exercise's plot."""
    import sys

    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


def hint(call, *args, **kwargs):
    with pytest.raises(CheckFailed) as failure:
        call(*args, **kwargs)
    return str(failure.value)


# --------------------------------------------------------------------------- Exercise I


def exercise_1_solution(clipvalue=None, exploded=False, **fit):
    """``(model, history, train_mse, test_mse)`` as the course's cell computes them (2 epochs);
    ``exploded``: the weights are nan before fit, as step 1's are within its first epoch;
    ``fit``: arguments that replace ``validation_data=(X_test, y_test)``."""
    optimizer = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, clipvalue=clipvalue)
    model = regression_model(optimizer)
    if exploded:
        model.set_weights([np.full_like(weight, np.nan) for weight in model.get_weights()])
    history = model.fit(
        X_TRAIN, Y_TRAIN, **(fit or {"validation_data": (X_TEST, Y_TEST)}), epochs=2, verbose=0
    )
    train_mse = model.evaluate(X_TRAIN, Y_TRAIN, verbose=0)
    test_mse = model.evaluate(X_TEST, Y_TEST, verbose=0)
    return model, history, train_mse, test_mse


def check_1(*answers, part):
    return check.exercise_1(*answers, part=part, **DATA_I)


@pytest.fixture(scope="module")
def step_1():
    return exercise_1_solution()


@pytest.fixture(scope="module")
def step_1_exploded():
    return exercise_1_solution(exploded=True)


@pytest.fixture(scope="module")
def step_2():
    return exercise_1_solution(clipvalue=3.0)


def test_exercise_1_solutions_pass(step_1, step_1_exploded, step_2, capsys):
    assert check_1(*step_1, part=1) is None  # prints only: a check cell shows no `True`
    assert check_1(*step_1_exploded, part=1) is None  # nan, and nan is the model's own MSE
    assert check_1(*step_2, part=2) is None
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Exercise I (step 1): correct — plain SGD with momentum; look at how large (or nan) the MSE printed above is.",
        "Exercise I (step 1): correct — plain SGD with momentum; look at how large (or nan) the MSE printed above is.",
        "Exercise I (step 2): correct — SGD with clipvalue=3.0 keeps the gradients, and so the MSE, finite.",
    ]


def test_exercise_1_takes_the_data_from_the_learner(step_2, monkeypatch, capsys):
    monkeypatch.setattr(feedback, "learner_namespace", lambda: dict(DATA_I))
    check.exercise_1(*step_2, part=2)
    assert "correct" in capsys.readouterr().out
    monkeypatch.setattr(feedback, "learner_namespace", lambda: {})
    assert "`X_train` is not defined: run this exercise's setup cell" in hint(
        check.exercise_1, *step_2, part=2
    )


def test_exercise_1_step_2_without_clipvalue(step_1):
    assert "no `clipvalue`" in hint(check_1, *step_1, part=2)


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"clipnorm": 3.0}, "you clipped with `clipnorm`"),
        ({"clipvalue": 0.3}, "clipvalue is 0.3"),
        ({"clipvalue": 3.0, "learning_rate": 0.1}, "learning_rate=0.1"),
        ({"clipvalue": 3.0, "momentum": 0.0}, "momentum=0"),
    ],
)
def test_exercise_1_wrong_optimizer_settings(step_2, kwargs, expected):
    settings = {"learning_rate": 0.01, "momentum": 0.9, **kwargs}
    model = regression_model(keras.optimizers.SGD(**settings))
    assert expected in hint(check_1, model, *step_2[1:], part=2)


def test_exercise_1_wrong_optimizer_type(step_2):
    model = regression_model(keras.optimizers.Adam(learning_rate=0.01))
    assert "the optimizer is Adam" in hint(check_1, model, *step_2[1:], part=2)


def test_exercise_1_step_1_with_clipping(step_2):
    assert "leave `clipvalue` out" in hint(check_1, *step_2, part=1)


def test_exercise_1_swapped_and_wrong_values(step_2):
    model, history, train_mse, test_mse = step_2
    assert "look swapped" in hint(check_1, model, history, test_mse, train_mse, part=2)
    assert "is a list" in hint(check_1, model, history, [train_mse, 0.0], test_mse, part=2)
    assert "validation data" in hint(check_1, model, keras.callbacks.History(), train_mse, test_mse, part=2)
    assert "what `model.fit(...)` returns" in hint(check_1, model, None, train_mse, test_mse, part=2)


@pytest.mark.parametrize("exploded, split", [(False, 0.2), (True, 0.5)])
def test_exercise_1_validation_split_instead_of_the_test_set(exploded, split):
    """Finite: the validation loss is not the test MSE; nan (step 1): fit trained on fewer batches."""
    answers = exercise_1_solution(
        clipvalue=None if exploded else 3.0, exploded=exploded, validation_split=split
    )
    text = hint(check_1, *answers, part=1 if exploded else 2)
    assert "`validation_split=`" in text and "`validation_data=(X_test, y_test)`" in text


def test_exercise_1_validated_on_the_training_set():
    answers = exercise_1_solution(clipvalue=3.0, validation_data=(X_TRAIN, Y_TRAIN))
    assert "`fit` validated on the training set" in hint(check_1, *answers, part=2)


def test_exercise_1_train_mse_from_the_test_set_or_the_history(step_2):
    model, history, train_mse, test_mse = step_2
    assert "`train_mse` is the MSE on the test set" in hint(
        check_1, model, history, test_mse, test_mse, part=2
    )
    last_loss = history.history["loss"][-1]
    assert "`train_mse` is `history.history['loss'][-1]`" in hint(
        check_1, model, history, last_loss, test_mse, part=2
    )
    assert "`test_mse` is the MSE on the training set" in hint(
        check_1, model, history, train_mse, train_mse, part=2
    )
    assert "`test_mse` (1.5) is not this model's MSE on the test set" in hint(
        check_1, model, history, train_mse, 1.5, part=2
    )


def test_exercise_1_step_1_numbers_must_be_the_models_own(step_1_exploded, step_1):
    """Step 1's point is a nan (or huge) MSE: a made-up or another model's number is refused."""
    model, history, train_mse, test_mse = step_1_exploded
    assert "`train_mse` (0) is not this model's MSE on the training set (nan)" in hint(
        check_1, model, history, 0.0, test_mse, part=1
    )
    assert "`test_mse` (12) is not this model's MSE on the test set (nan)" in hint(
        check_1, model, history, train_mse, 12.0, part=1
    )
    model, history, train_mse, test_mse = step_1
    assert "is not this model's MSE on the training set" in hint(
        check_1, model, history, float("nan"), test_mse, part=1
    )


def test_exercise_1_layers():
    model = regression_model(keras.optimizers.SGD(learning_rate=0.01, momentum=0.9), hidden=10)
    assert "Dense(25, activation='relu')" in hint(check_1, model, None, 0.0, 0.0, part=1)


# --------------------------------------------------------------------------- Exercise II


HISTORY_II = keras.callbacks.History()
HISTORY_II.history = {
    "loss": [0.70, 0.69, 0.69],
    "accuracy": [0.50, 0.52, 0.55],
    "val_loss": [0.70, 0.70, 0.71],
    "val_accuracy": [0.49, 0.51, 0.50],
}


def plot_ii(first="accuracy", second="val_accuracy"):
    """The plot of Exercise II's cell, left open as a backend other than inline keeps it."""
    import matplotlib.pyplot as plt

    plt.figure()
    plt.plot(HISTORY_II.history[first])
    plt.plot(HISTORY_II.history[second])
    plt.axhline(0.5, color="grey", linestyle=":")


def test_exercise_2_solution_passes(capsys):
    check.exercise_2(pretrained("simple_rnn_raw"))  # no plot to see: the model alone is checked
    plot_ii()
    check.exercise_2(pretrained("simple_rnn_raw"), history=HISTORY_II)
    out = capsys.readouterr().out.splitlines()
    expected = (
        "Exercise II: correct — SimpleRNN(600) with the pre-trained weights loaded; "
        "now read the accuracy curves in the plot."
    )
    assert out == [expected, expected]


@pytest.mark.parametrize(
    "first, second, expected",
    [
        ("loss", "val_accuracy", "the first curve plots `history.history['loss']`, the training loss"),
        (
            "val_accuracy",
            "val_accuracy",
            "the first curve plots `history.history['val_accuracy']`, the validation",
        ),
        ("accuracy", "val_loss", "the second curve plots `history.history['val_loss']`, the validation loss"),
        (
            "accuracy",
            "accuracy",
            "the second curve plots `history.history['accuracy']`, the training accuracy",
        ),
    ],
)
def test_exercise_2_wrong_curve(first, second, expected):
    plot_ii(first, second)
    assert expected in hint(check.exercise_2, pretrained("simple_rnn_raw"), history=HISTORY_II)


def test_exercise_2_plot_without_curves_or_not_shown(monkeypatch):
    import matplotlib.pyplot as plt

    plt.figure()
    plt.plot([0.9, 0.1, 0.3])
    assert "the first curve of the plot is none of `history.history`'s curves" in hint(
        check.exercise_2, pretrained("simple_rnn_raw"), history=HISTORY_II
    )
    plt.close("all")
    curves = (tuple(HISTORY_II.history["accuracy"]), tuple(HISTORY_II.history["val_accuracy"]))
    shown = {"II": (ShownFigure(curves, by_code=False),)}  # as the feedback records a cell without plt.show()
    monkeypatch.setattr(feedback, "shown_figures", shown.get)
    assert "End the cell with `plt.show()`" in hint(
        check.exercise_2, pretrained("simple_rnn_raw"), history=HISTORY_II
    )
    shown["II"] = (ShownFigure(curves[:1], by_code=True),)
    assert "the plot has no second curve" in hint(
        check.exercise_2, pretrained("simple_rnn_raw"), history=HISTORY_II
    )
    shown["II"] = ()  # the cell ran and showed nothing (`plt.close()` in the blank), in Jupyter
    monkeypatch.setattr(plt, "get_backend", lambda: "module://matplotlib_inline.backend_inline")
    assert "the exercise cell showed no plot" in hint(check.exercise_2, pretrained("simple_rnn_raw"))


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"cell": "gru"}, "is a GRU, but this exercise needs a SimpleRNN"),
        ({"units": 128}, "has 128 units"),
    ],
)
def test_exercise_2_wrong_layer(changes, expected):
    model = models.raw_rnn(**{**models.RECIPES["simple_rnn_raw"].kwargs, **changes})
    assert expected in hint(check.exercise_2, model)


def test_exercise_2_weights_not_loaded():
    model = models.RECIPES["simple_rnn_raw"].build()
    assert "pre-trained weights are not loaded" in hint(check.exercise_2, model)


def test_exercise_2_no_input_and_no_recurrent_layer():
    unbuilt = keras.Sequential([layers.SimpleRNN(600), layers.Dense(1, activation="sigmoid")])
    assert "keras.Input(shape=(None, 1))" in hint(check.exercise_2, unbuilt)
    dense_only = keras.Sequential([keras.Input(shape=(None, 1)), layers.Dense(1, activation="sigmoid")])
    assert "no recurrent layer" in hint(check.exercise_2, dense_only)
    assert "should be a Keras model" in hint(check.exercise_2, "model")


# --------------------------------------------------------------------------- Exercise III

X_RAW = np.arange(40, dtype="float32").reshape(8, 5, 1) / 40
Y_RAW = np.array([1, 1, 1, 1, 1, 1, 0, 0], dtype="float32")

# The course's exercise cell (the seed's answer), as the feedback records it.
SOLUTION_III = r"""# Import the modules
from keras.layers import GRU, Dense

# Print the old and new model summaries
SimpleRNN_model.summary()
gru_model.summary()

# Evaluate the models' performance (ignore the loss value)
_, acc_simpleRNN = SimpleRNN_model.evaluate(X_test, y_test, verbose=0)
_, acc_GRU = gru_model.evaluate(X_test, y_test, verbose=0)

# Print the results
print("SimpleRNN model's accuracy:\t{0}".format(acc_simpleRNN))
print("GRU model's accuracy:\t{0}".format(acc_GRU))
"""


def evaluated_pretrained(name):
    """The shipped stand-in ``name`` (its output forces one class: conftest.py) evaluated on the tiny set."""
    model = pretrained(name)
    _, accuracy = model.evaluate(X_RAW, Y_RAW, verbose=0)
    return model, accuracy


@pytest.fixture(scope="module")
def exercise_3_models():
    simple_rnn_model, acc_simple_rnn = evaluated_pretrained("simple_rnn")  # accuracy 0.75
    gru_model, acc_gru = evaluated_pretrained("gru")  # accuracy 0.25
    return simple_rnn_model, gru_model, acc_simple_rnn, acc_gru


def check_3(*answers):
    return check.exercise_3(*answers, X_test=X_RAW)


@pytest.fixture()
def exercise_cell(monkeypatch):
    """Sets the code the feedback recorded for the exercise cell (``None``: feedback off)."""
    sources = {}
    monkeypatch.setattr(feedback, "exercise_source", sources.get)
    return lambda source, exercise="III": sources.__setitem__(exercise, source)


@pytest.mark.parametrize("source", [None, SOLUTION_III])
def test_exercise_3_solution_passes(exercise_3_models, exercise_cell, capsys, source):
    exercise_cell(source)
    check_3(*exercise_3_models)
    assert capsys.readouterr().out == (
        "Exercise III: correct — both accuracies come from evaluating each model on the test set.\n"
    )


def test_exercise_3_accuracy_of_part_of_the_test_set(exercise_3_models):
    simple_rnn_model, gru_model, acc_simple_rnn, _ = exercise_3_models
    _, acc_gru = gru_model.evaluate(X_RAW[:4], Y_RAW[:4], verbose=0)
    assert "`acc_GRU` comes from an evaluation of 4 reviews, but the test set `X_test` has 8" in hint(
        check_3, simple_rnn_model, gru_model, acc_simple_rnn, acc_gru
    )
    gru_model.evaluate(X_RAW, Y_RAW, verbose=0)  # as the module's fixture left it


def test_exercise_3_wrong_answers(exercise_3_models):
    simple_rnn_model, gru_model, acc_simple_rnn, acc_gru = exercise_3_models
    assert "look swapped" in hint(check_3, simple_rnn_model, gru_model, acc_gru, acc_simple_rnn)
    loss = simple_rnn_model.get_metrics_result()["loss"]
    assert "holds the loss" in hint(check_3, simple_rnn_model, gru_model, float(loss), acc_gru)
    assert "unpack it" in hint(check_3, simple_rnn_model, gru_model, [loss, acc_simple_rnn], acc_gru)
    unevaluated = pretrained("gru")
    assert "has not been evaluated" in hint(check_3, simple_rnn_model, unevaluated, acc_simple_rnn, acc_gru)
    assert "has no GRU layer" in hint(check_3, simple_rnn_model, simple_rnn_model, acc_simple_rnn, acc_gru)


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            ("from keras.layers import GRU, Dense", "from keras.layers import LSTM, Dense"),
            "import the `GRU` cell (the cell imports `LSTM`, `Dense`): `from keras.layers import GRU, Dense`",
        ),
        (
            ("from keras.layers import GRU, Dense\n", ""),
            "the first instruction is to import the `GRU` cell: `from keras.layers import GRU, Dense`",
        ),
        (
            (
                "SimpleRNN_model.summary()\ngru_model.summary()",
                "SimpleRNN_model.count_params()\ngru_model.count_params()",
            ),
            "print the models' summaries, as the second instruction says (`count_params()` gives only the total",
        ),
        (
            ("gru_model.summary()\n", ""),
            "print the models' summaries, as the second instruction says: `gru_model.summary()`.",
        ),
    ],
)
def test_exercise_3_instructions_that_leave_no_trace_on_the_models(
    exercise_3_models, exercise_cell, change, expected
):
    """Importing GRU and printing the summaries change no object: the check reads the cell's code."""
    exercise_cell(SOLUTION_III.replace(*change))
    assert expected in hint(check_3, *exercise_3_models)


def test_exercise_3_accepts_the_summaries_printed_in_a_loop(exercise_3_models, exercise_cell, capsys):
    exercise_cell(
        SOLUTION_III.replace(
            "SimpleRNN_model.summary()\ngru_model.summary()",
            "for model in (SimpleRNN_model, gru_model):\n    model.summary()",
        )
    )
    check_3(*exercise_3_models)
    assert "Exercise III: correct" in capsys.readouterr().out


def test_exercise_3_summary_of_another_model_is_not_both_summaries(exercise_3_models, exercise_cell):
    exercise_cell(SOLUTION_III.replace("SimpleRNN_model.summary()\ngru_model.summary()", "model.summary()"))
    assert "print the models' summaries, as the second instruction says" in hint(check_3, *exercise_3_models)


def test_exercise_3_accuracy_on_changed_labels_is_not_the_shipped_accuracy(exercise_3_models, monkeypatch):
    """Evaluated on `1 - y_test`, each model's own `evaluate` agrees, but not the trainer's accuracy."""
    simple_rnn_model, gru_model, acc_simple_rnn, acc_gru = exercise_3_models
    recorded = {"simple_rnn": acc_simple_rnn, "gru": acc_gru}
    monkeypatch.setattr(
        check,
        "_shipped_record",
        lambda name: {"data": {"n_test": len(X_RAW)}, "test_accuracy": recorded[name]},
    )
    check_3(*exercise_3_models)  # the recorded accuracies: correct
    _, flipped = gru_model.evaluate(X_RAW, 1 - Y_RAW, verbose=0)
    try:
        assert "evaluate on the setup's `X_test` and `y_test` as they are" in hint(
            check_3, simple_rnn_model, gru_model, acc_simple_rnn, flipped
        )
    finally:
        gru_model.evaluate(X_RAW, Y_RAW, verbose=0)  # as the module's fixture left it


def test_exercise_3_models_without_their_pretrained_weights(exercise_3_models):
    simple_rnn_model, _, acc_simple_rnn, _ = exercise_3_models
    keras.utils.set_random_seed(7)
    retrained = models.RECIPES["gru"].build()  # the architecture, with other weights
    _, acc_gru = retrained.evaluate(X_RAW, Y_RAW, verbose=0)
    assert (
        "the pre-trained weights are not loaded in `gru_model` (it still has its random initial weights, or "
        "was trained further): run the setup cell again"
    ) in hint(check_3, simple_rnn_model, retrained, acc_simple_rnn, acc_gru)
    small = models.raw_rnn("gru", units=4, optimizer="adam")
    _, acc_small = small.evaluate(X_RAW, Y_RAW, verbose=0)
    assert "the weights of `gru_model` do not have the shapes of the pre-trained `gru` model" in hint(
        check_3, simple_rnn_model, small, acc_simple_rnn, acc_small
    )


# --------------------------------------------------------------------------- Exercise IV

# The course's exercise cell in Keras 3, as the feedback records it.
SOLUTION_IV = r"""# Import the recurrent layer
from keras.layers import LSTM

# Build model
model = Sequential()
model.add(keras.Input(shape=(None, 1)))
model.add(LSTM(units=128, return_sequences=True))
model.add(LSTM(units=128, return_sequences=True))
model.add(LSTM(units=128, return_sequences=False))
model.add(Dense(1, activation='sigmoid'))
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])

# Load pre-trained weights
model.load_weights(lstm_stack_model_weights)

print("Loss: %0.04f\nAccuracy: %0.04f" % tuple(model.evaluate(X_test, y_test, verbose=0)))
"""
PRINT_IV = 'print("Loss: %0.04f\\nAccuracy: %0.04f" % tuple(model.evaluate(X_test, y_test, verbose=0)))\n'


def lstm_stack(return_sequences=(True, True, False), cell=layers.LSTM):
    model = keras.Sequential([keras.Input(shape=(None, 1))])
    for flag in return_sequences:
        model.add(cell(128, return_sequences=flag))
    model.add(layers.Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("source", [None, SOLUTION_IV])
def test_exercise_4_solution_passes(exercise_cell, capsys, source):
    exercise_cell(source, "IV")
    model = pretrained("lstm_stack")
    model.evaluate(X_RAW, Y_RAW, verbose=0)
    check.exercise_4(model, X_test=X_RAW, y_test=Y_RAW)
    assert capsys.readouterr().out == (
        "Exercise IV: correct — 3 stacked LSTM(128) layers, only the last one returning a single vector, "
        "with the pre-trained weights.\n"
    )


def test_exercise_4_evaluated_on_part_of_the_test_set():
    model = pretrained("lstm_stack")
    model.evaluate(X_RAW[:3], Y_RAW[:3], verbose=0)
    assert "the printed loss and accuracy comes from an evaluation of 3 reviews, but the test set" in hint(
        check.exercise_4, model, X_test=X_RAW, y_test=Y_RAW
    )


def test_exercise_4_last_layer_returns_sequences():
    assert "last LSTM layer must not return sequences" in hint(
        check.exercise_4, lstm_stack((True, True, True))
    )


def test_exercise_4_wrong_cell_unloaded_and_unevaluated():
    assert "is a GRU, but this exercise needs a LSTM" in hint(check.exercise_4, lstm_stack(cell=layers.GRU))
    assert "stack 3 `LSTM` layers" in hint(check.exercise_4, lstm_stack((True, False)))
    assert "not loaded" in hint(check.exercise_4, lstm_stack())
    assert "print the loss and accuracy" in hint(
        check.exercise_4, pretrained("lstm_stack"), X_test=X_RAW, y_test=Y_RAW
    )


def test_exercise_4_evaluated_before_the_weights_were_loaded(exercise_cell):
    """The random model's loss and accuracy were printed, then the weights loaded: the model alone
    looks right, the cell's order does not."""
    exercise_cell(
        SOLUTION_IV.replace(PRINT_IV, "").replace("# Load pre-trained", PRINT_IV + "# Load pre-trained"), "IV"
    )
    model = lstm_stack()
    model.evaluate(X_RAW, Y_RAW, verbose=0)
    model.load_weights(weights.weights_path("lstm_stack"))
    assert (
        "the cell calls `evaluate` before `load_weights`, so the printed loss and accuracy score the model's "
        "random initial weights"
    ) in hint(check.exercise_4, model, X_test=X_RAW, y_test=Y_RAW)


def test_exercise_4_printed_accuracy_rescored_with_the_feedback_off():
    """With the feedback off the cell's code is unknown: the printed accuracy is re-scored, which catches
    an evaluation on changed labels (and one before `load_weights`)."""
    model = lstm_stack()
    model.load_weights(weights.weights_path("lstm_stack"))
    predicted = (model.predict(X_RAW, verbose=0)[:, 0] > 0.5).astype(Y_RAW.dtype)
    assert np.mean(predicted == Y_RAW) > 0  # so that labels making every answer wrong change the accuracy
    model.evaluate(X_RAW, 1 - predicted, verbose=0)  # changed labels: accuracy 0
    assert "is not this model's accuracy on the setup's `X_test` and `y_test`" in hint(
        check.exercise_4, model, X_test=X_RAW, y_test=Y_RAW
    )


def test_exercise_4_save_weights_instead_of_load_weights(exercise_cell, monkeypatch):
    """`save_weights` wrote over the weights file: the check says so before it reads any file."""
    exercise_cell(SOLUTION_IV.replace("model.load_weights(", "model.save_weights("), "IV")

    def damaged(*args, **kwargs):
        raise weights.WeightsError("lstm_stack.weights.h5 is corrupted or truncated")

    monkeypatch.setattr(weights, "weights_path", damaged)
    model = lstm_stack()
    model.evaluate(X_RAW, Y_RAW, verbose=0)
    assert "Exercise IV: use `load_weights`, not `save_weights`" in hint(
        check.exercise_4, model, X_test=X_RAW, y_test=Y_RAW
    )


# --------------------------------------------------------------------------- Exercise V


def test_exercise_5_solution_passes(capsys):
    check.exercise_5(embedding_gru(), VOCABULARY, LENGTH, DIM)
    assert "204 of them in the Embedding layer" in capsys.readouterr().out


def test_exercise_5_wrong_answers():
    assert "one row more" in hint(
        check.exercise_5, embedding_gru(input_dim=VOCABULARY), VOCABULARY, LENGTH, DIM
    )
    assert "output_dim=wordvec_dim" in hint(
        check.exercise_5, embedding_gru(output_dim=8), VOCABULARY, LENGTH, DIM
    )
    assert "keras.Input(shape=(sentence_len,))" in hint(
        check.exercise_5, embedding_gru(with_input=False), VOCABULARY, LENGTH, DIM
    )
    assert "not compiled" in hint(check.exercise_5, embedding_gru(compiled=False), VOCABULARY, LENGTH, DIM)
    no_embedding = keras.Sequential([keras.Input(shape=(LENGTH, 1)), layers.GRU(128), layers.Dense(1)])
    assert "must start with the embedding" in hint(check.exercise_5, no_embedding, VOCABULARY, LENGTH, DIM)


def compiled_gru(loss="binary_crossentropy", metrics=("accuracy",), return_sequences=False, **changes):
    """``embedding_gru(**changes)`` compiled with ``loss`` and ``metrics``, its GRU returning sequences
    or not."""
    model = embedding_gru(
        compiled=False, cell=functools.partial(layers.GRU, return_sequences=return_sequences), **changes
    )
    model.compile(loss=loss, optimizer="adam", metrics=list(metrics))
    return model


def check_5(model):
    return check.exercise_5(model, VOCABULARY, LENGTH, DIM)


def test_exercises_5_and_6_refuse_a_gru_returning_sequences():
    """`GRU(128, return_sequences=True)`: one prediction per word, (None, 7, 1), not one per review."""
    hints = [
        hint(check_5, compiled_gru(return_sequences=True)),
        hint(check_6, compiled_gru(return_sequences=True, matrix=GLOVE, trainable=False), GLOVE),
    ]
    for text in hints:
        assert "`return_sequences=True`" in text and "shape (None, 7, 1)" in text and "(None, 1)" in text


@pytest.mark.parametrize("loss", ["mse", keras.losses.MeanSquaredError(), "categorical_crossentropy"])
def test_exercises_5_and_6_refuse_a_loss_other_than_binary_crossentropy(loss):
    """`Dense(1, sigmoid)` trained with `loss="mse"` (or another loss): the hint names binary cross-entropy."""
    hints = [
        hint(check_5, compiled_gru(loss=loss)),
        hint(check_6, compiled_gru(loss=loss, matrix=GLOVE, trainable=False), GLOVE),
    ]
    for text in hints:
        assert "the model is compiled with loss=" in text and "binary cross-entropy" in text
        assert "loss='binary_crossentropy'" in text
    assert "loss='mse'" in hint(check_5, compiled_gru(loss="mse"))


def test_exercise_5_refuses_extra_layers_and_the_other_gru_variant():
    """A second GRU, a Dense layer between the embedding and the GRU, or `reset_after=False` change the
    model and its parameter count: the check names them."""
    units = models.RECIPES["glove_gru"].kwargs["units"]

    def build(middle, gru=None):
        model = keras.Sequential(
            [
                keras.Input(shape=(LENGTH,)),
                layers.Embedding(VOCABULARY + 1, DIM),
                *middle,
                gru or layers.GRU(units),
                layers.Dense(1, activation="sigmoid"),
            ]
        )
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        return model

    two_grus = build([layers.GRU(units, return_sequences=True)], layers.GRU(8))
    assert "the exercise's model is exactly three" in hint(
        check.exercise_5, two_grus, VOCABULARY, LENGTH, DIM
    )
    dense_between = build([layers.Dense(8)])
    assert "Embedding, Dense, GRU, Dense" in hint(check.exercise_5, dense_between, VOCABULARY, LENGTH, DIM)
    other_variant = build([], layers.GRU(units, reset_after=False))
    assert "`reset_after=False`" in hint(check.exercise_5, other_variant, VOCABULARY, LENGTH, DIM)


@pytest.mark.parametrize(
    "loss",
    [
        "binary_crossentropy",
        "BinaryCrossentropy",
        keras.losses.BinaryCrossentropy(),
        keras.losses.binary_crossentropy,
    ],
)
def test_exercise_5_accepts_binary_crossentropy_as_string_function_or_object(loss, capsys):
    check_5(compiled_gru(loss=loss))
    assert "Exercise V: correct" in capsys.readouterr().out


@pytest.mark.parametrize("metrics", [(), (keras.metrics.BinaryAccuracy(threshold=0.0),), ("auc",)])
def test_exercise_5_accepts_a_linear_output_with_from_logits(metrics, capsys):
    """The lesson's other correct fix: a linear `Dense(1)` with `BinaryCrossentropy(from_logits=True)`,
    and an accuracy, if any, thresholded at 0."""
    logits = keras.losses.BinaryCrossentropy(from_logits=True)
    check_5(compiled_gru(loss=logits, metrics=metrics, activation=None))
    assert "Exercise V: correct" in capsys.readouterr().out


def test_exercise_5_refuses_logits_with_the_default_accuracy():
    """Logits with `metrics=['accuracy']`: the accuracy thresholds logits at 0.5 instead of 0."""
    logits = keras.losses.BinaryCrossentropy(from_logits=True)
    text = hint(check_5, compiled_gru(loss=logits, activation=None))
    assert "decision boundary is 0" in text and "BinaryAccuracy(threshold=0.0)" in text


def test_exercise_5_refuses_from_logits_after_a_sigmoid():
    """`Dense(1, sigmoid)` with `from_logits=True`: the loss applies a second sigmoid."""
    logits = keras.losses.BinaryCrossentropy(from_logits=True)
    text = hint(check_5, compiled_gru(loss=logits))
    assert "`from_logits=True`" in text and "already applies one" in text


# --------------------------------------------------------------------------- Exercise VI

GLOVE = np.random.default_rng(1).normal(size=(VOCABULARY + 1, DIM)).astype("float32")


def check_6(model, glove_matrix):
    return check.exercise_6(model, glove_matrix, sentence_len=LENGTH, vocabulary_size=VOCABULARY)


@pytest.fixture(autouse=True)
def small_glove_reference(monkeypatch):
    """Exercise VI's reference matrix for the small stand-ins' VOCABULARY + 1 ids is GLOVE; the real
    GloVe matrix (``glove.glove_matrix``) for the lesson's sizes."""
    real = check._glove_reference

    def reference(rows, name=check.GLOVE_NAME):
        return GLOVE if rows == len(GLOVE) else real(rows, name)

    monkeypatch.setattr(check, "_glove_reference", reference)


def test_exercise_6_solution_passes(capsys):
    check_6(embedding_gru(matrix=GLOVE, trainable=False), GLOVE)
    assert f"{GLOVE.size} frozen GloVe parameters" in capsys.readouterr().out


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"cell": layers.LSTM}, "is a LSTM, but this exercise needs a GRU layer: use `GRU(units=128)`"),
        ({"cell": layers.SimpleRNN}, "is a SimpleRNN, but this exercise needs a GRU layer"),
        ({"units": 64}, "has 64 units; use `GRU(units=128)`"),
        (
            {"length": 100},
            "the model's input shape is (100,), expected (7,): start it with `keras.Input(shape=(sentence_len,))`",
        ),
    ],
)
def test_exercise_6_recurrent_layer_and_input_length_as_the_instructions_say(changes, expected):
    assert expected in hint(check_6, embedding_gru(matrix=GLOVE, trainable=False, **changes), GLOVE)


def test_exercise_6_wrong_answers():
    assert "Constant(glove_matrix)" in hint(check_6, embedding_gru(trainable=False), GLOVE)
    assert "2-D numpy array" in hint(check_6, embedding_gru(matrix=GLOVE, trainable=False), "glove_200d.zip")
    assert "is 51 × 4" in hint(check_6, embedding_gru(output_dim=8, trainable=False), GLOVE)
    two_outputs = embedding_gru(matrix=GLOVE, trainable=False)
    two_outputs.pop()
    two_outputs.add(layers.Dense(2))
    assert "`Dense(1, activation='sigmoid')`" in hint(check_6, two_outputs, GLOVE)


def test_exercise_6_the_course_answer_passes(capsys):
    """The seed's cell, with the length in `keras.Input` and the sigmoid output the instructions ask for."""
    model = keras.Sequential(name="emb_model")
    model.add(keras.Input(shape=(LENGTH,)))
    model.add(
        layers.Embedding(
            input_dim=VOCABULARY + 1,
            output_dim=DIM,
            embeddings_initializer=keras.initializers.Constant(GLOVE),
            trainable=False,
        )
    )
    model.add(layers.GRU(models.RECIPES["glove_gru"].kwargs["units"]))
    model.add(layers.Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    check_6(model, GLOVE)
    assert "Exercise VI: correct" in capsys.readouterr().out


@pytest.mark.parametrize("trainable", [True, None])
def test_exercise_6_embedding_not_frozen(trainable):
    """`trainable=True`, or the argument left out (Keras's default is trainable): the hint names freezing."""
    model = embedding_gru(matrix=GLOVE)
    if trainable is None:
        config = model.layers[0].get_config()
        assert config["trainable"] is True  # what the layer gets when the argument is left out
    text = hint(check_6, model, GLOVE)
    assert "not frozen" in text and "Freeze it with `trainable=False`" in text


@pytest.mark.parametrize("activation", [None, "linear", "relu"])
def test_exercises_5_and_6_refuse_an_output_without_sigmoid(activation):
    """The course's `Dense(1)` is linear: binary cross-entropy needs the sigmoid the instructions ask for."""
    hints = [
        hint(check.exercise_5, embedding_gru(activation=activation), VOCABULARY, LENGTH, DIM),
        hint(check_6, embedding_gru(matrix=GLOVE, trainable=False, activation=activation), GLOVE),
    ]
    for exercise, text in zip(("V", "VI"), hints):
        assert text.startswith(
            f"Exercise {exercise}: the output layer uses activation='{activation or 'linear'}'"
        )
        assert "`Dense(1, activation='sigmoid')`" in text and "\n" not in text


def test_exercises_5_and_6_ask_for_the_gru_units_of_the_recipe(monkeypatch):
    """The GRU the checks expect is recipe glove_gru's (Exercise VI's model), not a number of their own."""
    recipe = models.RECIPES["glove_gru"]
    changed = dataclasses.replace(recipe, options={**recipe.options, "units": 16})
    monkeypatch.setitem(models.RECIPES, "glove_gru", changed)
    assert "has 128 units; use `GRU(units=16)`" in hint(
        check.exercise_5, embedding_gru(units=128), VOCABULARY, LENGTH, DIM
    )
    check.exercise_5(embedding_gru(units=16), VOCABULARY, LENGTH, DIM)
    without_recurrent = keras.Sequential(
        [
            keras.Input(shape=(LENGTH,)),
            layers.Embedding(
                VOCABULARY + 1,
                DIM,
                embeddings_initializer=keras.initializers.Constant(GLOVE),
                trainable=False,
            ),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    assert "the embedding: `GRU(16)`" in hint(check_6, without_recurrent, GLOVE)


def frozen_glove_gru(matrix, via="constant", rows=VOCABULARY + 1, dim=DIM, length=LENGTH):
    """Exercise VI's model with ``matrix`` in its frozen embedding, put there with ``Constant(matrix)``
    (``via="constant"``) or ``weights=[matrix]`` (``via="weights"``)."""
    if via == "constant":
        embedding = layers.Embedding(
            rows, dim, embeddings_initializer=keras.initializers.Constant(matrix), trainable=False
        )
    else:
        embedding = layers.Embedding(rows, dim, weights=[matrix], trainable=False)
    model = keras.Sequential(
        [
            keras.Input(shape=(length,)),
            embedding,
            layers.GRU(models.RECIPES["glove_gru"].kwargs["units"]),
            layers.Dense(1, activation="sigmoid"),
        ],
        name="emb_model",
    )
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("via", ["constant", "weights"])
def test_exercise_6_refuses_an_all_zero_glove_matrix(via):
    """An all-zero `glove_matrix`, put in the embedding with `Constant` or `weights=`: not GloVe."""
    zeros = np.zeros_like(GLOVE)
    text = hint(check_6, frozen_glove_gru(zeros, via), zeros)
    assert "`glove_matrix`, which the Embedding holds, is all zeros, not GloVe vectors" in text
    assert 'load_glove("glove.6B.50d")' in text


def test_exercise_6_refuses_an_embedding_initialised_with_zeros():
    model = frozen_glove_gru(GLOVE)
    model.layers[0].set_weights([np.zeros_like(GLOVE)])
    assert "the Embedding is all zeros" in hint(check_6, model, GLOVE)


@pytest.mark.parametrize("via", ["constant", "weights"])
def test_exercise_6_refuses_rows_indexed_by_rank(via):
    """Row r holding the word of frequency rank r (ids are rank + 3): the hint names the shift."""
    by_rank = np.zeros_like(GLOVE)
    by_rank[:-3] = GLOVE[3:]
    text = hint(check_6, frozen_glove_gru(by_rank, via), by_rank)
    assert "rows shifted by 3: row i holds the vector of word id i + 3" in text
    assert "rank + 3" in text and "vocabulary_word_index" in text


def test_exercise_6_refuses_a_matrix_that_is_not_the_exercise_glove_matrix():
    other = np.random.default_rng(2).normal(size=GLOVE.shape).astype("float32")
    text = hint(check_6, frozen_glove_gru(other), other)
    assert "is not this exercise's GloVe matrix" in text


def test_exercise_6_refuses_a_glove_matrix_of_other_rows():
    """Embedding and matrix agree with each other, but not with the exercise's vocabulary_size + 1 ids."""
    fewer = GLOVE[:-1]
    text = hint(check_6, frozen_glove_gru(fewer, rows=len(fewer)), fewer)
    assert f"`glove_matrix` is {len(fewer)} × {DIM}, but this exercise's GloVe matrix is 51 × 4" in text


def real_check_6(matrix):
    """The lesson's sizes (20,000 ids, 200 steps, 50-d GloVe) and the real reference matrix."""
    model = frozen_glove_gru(matrix, rows=matrix.shape[0], dim=matrix.shape[1], length=200)
    return check.exercise_6(model, matrix, sentence_len=200, vocabulary_size=19999)


def test_exercise_6_with_the_real_glove_matrix(capsys):
    """The lesson's `load_glove` passes; the seed's rank-indexed `filter_glove(get_word_index(), ...)`,
    cut to 20,000 rows, gets the shift hint."""
    from rnncourse import data, glove

    real_check_6(glove.glove_matrix(20000, name="glove.6B.50d"))
    assert "Exercise VI: correct — 1,000,000 frozen GloVe parameters" in capsys.readouterr().out
    by_rank, _, _ = glove.filter_glove(data.get_word_index(), glove.load_glove_vectors("glove.6B.50d"))
    assert "rows shifted by 3" in hint(real_check_6, by_rank[:20000])
    assert "all zeros" in hint(real_check_6, np.zeros((20000, 50), dtype="float32"))


# --------------------------------------------------------------------------- Exercise VII

X_IDS = (np.arange(8 * 200).reshape(8, 200) % 10000).astype("int32")


def check_7(*answers):
    return check.exercise_7(*answers, X_test=X_IDS)


@pytest.fixture(scope="module")
def exercise_7_model():
    model = pretrained("embedding_simple_rnn")
    _, accuracy = model.evaluate(X_IDS, Y_RAW, verbose=0)
    return model, accuracy


def test_exercise_7_solution_passes(exercise_7_model, capsys):
    check_7(*exercise_7_model, 10000, 200, 50)
    assert "Exercise VII: correct" in capsys.readouterr().out


def test_exercise_7_accuracy_of_part_of_the_test_set():
    model = pretrained("embedding_simple_rnn")
    _, accuracy = model.evaluate(X_IDS[:5], Y_RAW[:5], verbose=0)
    assert "`acc_embeddings` comes from an evaluation of 5 reviews, but the test set `X_test` has 8" in hint(
        check_7, model, accuracy, 10000, 200, 50
    )


def test_exercise_7_wrong_answers(exercise_7_model):
    model, accuracy = exercise_7_model
    loss = float(model.get_metrics_result()["loss"])
    assert "holds the loss" in hint(check_7, model, loss, 10000, 200, 50)
    assert "input_dim=max_vocabulary (= 20000)" in hint(check_7, model, accuracy, 20000, 200, 50)
    unloaded = models.RECIPES["embedding_simple_rnn"].build()
    assert "not loaded" in hint(check_7, unloaded, accuracy, 10000, 200, 50)
    gru = models.embedding_rnn("gru", num_words=10000, wordvec_dim=50, seq_len=200)
    assert "is a GRU, but this exercise needs a SimpleRNN" in hint(check_7, gru, accuracy, 10000, 200, 50)


def test_exercise_7_predict_instead_of_evaluate(exercise_7_model):
    """`acc_embeddings = model.predict(X_test)`: one probability per review, not an accuracy."""
    model, _ = exercise_7_model
    probabilities = model.predict(X_IDS, verbose=0)
    text = hint(check_7, model, probabilities, 10000, 200, 50)
    assert "is an array of 8 numbers, one per review: that is what `predict` returns" in text
    assert "`_, acc_embeddings = model.evaluate(X_test, y_test, verbose=0)`" in text


def test_exercise_7_model_trained_on_the_test_set():
    """`fit` in place of `evaluate` trains the loaded model further: its weights are no longer the shipped ones."""
    model = pretrained("embedding_simple_rnn")
    model.fit(X_IDS, Y_RAW, epochs=1, verbose=0)
    _, accuracy = model.evaluate(X_IDS, Y_RAW, verbose=0)
    assert "or was trained further" in hint(check_7, model, accuracy, 10000, 200, 50)


# --------------------------------------------------------------------------- what the models alone cannot tell (V-VII)

SUMMARIES_V = """model_onehot.summary()

# Print the summaries of the model with embeddings
model.summary()
"""


@pytest.mark.parametrize(
    "exercise, run",
    [
        ("V", lambda: check.exercise_5(embedding_gru(), VOCABULARY, LENGTH, DIM)),
        ("VI", lambda: check_6(embedding_gru(matrix=GLOVE, trainable=False), GLOVE)),
    ],
)
def test_exercises_5_and_6_read_that_the_summary_is_printed(exercise_cell, capsys, exercise, run):
    exercise_cell(SUMMARIES_V, exercise)
    run()
    assert "correct" in capsys.readouterr().out
    for source, expected in [
        (
            SUMMARIES_V.replace("model.summary()", "model_onehot.summary()"),
            "summary of `model_onehot` but not",
        ),
        (SUMMARIES_V.replace("model.summary()", "model.summary"), "names the method without calling it"),
        (SUMMARIES_V.replace("model.summary()", "model"), "not of `model`, the model with embeddings"),
        ("model\n", "print the summary of the model with embeddings, `model.summary()`"),
    ]:
        exercise_cell(source, exercise)
        assert expected in hint(run)


FORMAT_VII = (
    "print(\"SimpleRNN model's accuracy:\\t{0:.4f}\\nEmbeddings model's accuracy:\\t{1:.4f}\""
    ".format(acc_simpleRNN, acc_embeddings))\n"
)


def test_exercise_7_reads_the_order_of_the_printed_accuracies(exercise_7_model, exercise_cell, capsys):
    exercise_cell(FORMAT_VII, "VII")
    check_7(*exercise_7_model, 10000, 200, 50)
    assert "Exercise VII: correct" in capsys.readouterr().out
    swapped = FORMAT_VII.replace("acc_simpleRNN, acc_embeddings", "acc_embeddings, acc_simpleRNN")
    exercise_cell(swapped, "VII")
    assert "printed under each other's labels" in hint(check_7, *exercise_7_model, 10000, 200, 50)
    exercise_cell(FORMAT_VII.replace("acc_simpleRNN, acc_embeddings", "acc_embeddings"), "VII")
    assert "`.format(acc_embeddings)` should print the two accuracies" in hint(
        check_7, *exercise_7_model, 10000, 200, 50
    )


# --------------------------------------------------------------------------- Exercises VIII and IX (lesson 04)


def _step(
    activation=np.tanh,
    bias=True,
    recurrence=True,
    left=False,
    output="softmax",
    output_bias=True,
    new_state=True,
):
    """A learner's rnn_step, right by default, with one slip switched on by an argument."""
    from rnncourse.charrnn import softmax

    def rnn_step(char_id, h_prev, params):
        recurrent = params["recurrent_kernel"] @ h_prev if left else h_prev @ params["recurrent_kernel"]
        h_t = activation(
            params["kernel"][char_id] + (recurrent if recurrence else 0) + (params["bias"] if bias else 0)
        )
        state = h_t if new_state else h_prev
        logits = state @ params["output_kernel"] + (params["output_bias"] if output_bias else 0)
        scored = {"softmax": softmax, "logits": lambda z: z, "sigmoid": lambda z: 1 / (1 + np.exp(-z))}[
            output
        ](logits)
        return h_t, scored

    return rnn_step


def test_exercise_8_accepts_the_solution(capsys):
    check.exercise_8(_step())
    assert "Exercise VIII: correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "slip, hint",
    [
        ({"activation": lambda z: 1 / (1 + np.exp(-z))}, "sigmoid"),
        ({"activation": lambda z: np.maximum(z, 0)}, "ReLU"),
        ({"activation": lambda z: z}, "apply the activation"),
        ({"bias": False}, "bias is missing"),
        ({"recurrence": False}, "previous state is missing"),
        ({"left": True}, "not its transpose"),
        ({"output": "logits"}, "returned the logits"),
        ({"output": "sigmoid"}, "not the sigmoid"),
        ({"output_bias": False}, "output bias is missing"),
        ({"new_state": False}, "score the new state"),
    ],
)
def test_exercise_8_names_the_slip(slip, hint):
    with pytest.raises(CheckFailed, match=hint):
        check.exercise_8(_step(**slip))


def test_exercise_8_explains_a_shape_error_and_a_wrong_return():
    def transposed(char_id, h_prev, params):
        return np.tanh(params["kernel"].T @ h_prev), None

    with pytest.raises(CheckFailed, match="raised ValueError.*shapes"):
        check.exercise_8(transposed)
    with pytest.raises(CheckFailed, match="return two things"):
        check.exercise_8(lambda char_id, h_prev, params: h_prev)
    right = _step()
    with pytest.raises(CheckFailed, match="new state first"):
        check.exercise_8(lambda char_id, h_prev, params: right(char_id, h_prev, params)[::-1])


def _sampler(kind):
    from rnncourse.charrnn import softmax

    def sample_next(logits, temperature, rng):
        if kind == "greedy":
            return int(np.argmax(logits))
        if kind == "probabilities":
            return softmax(logits / temperature)
        z = {"right": logits / temperature, "multiplied": logits * temperature, "ignored": logits}.get(kind)
        if kind == "global":
            return int(np.random.choice(len(logits), p=softmax(logits / temperature)))
        if kind == "recreated":
            p = softmax(logits / temperature)
            return int(np.random.default_rng(0).choice(len(p), p=p))
        if kind == "renormalised":
            p = softmax(logits) / temperature
            return int(rng.choice(len(p), p=p / p.sum()))
        p = softmax(softmax(logits) / temperature) if kind == "probabilities_divided" else softmax(z)
        return int(rng.choice(len(p), p=p))

    return sample_next


def test_exercise_9_accepts_the_solution(capsys):
    check.exercise_9(_sampler("right"), draws=4000)
    assert "Exercise IX: correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "kind, hint",
    [
        ("greedy", "greedy decoding"),
        ("probabilities", "not the probabilities"),
        ("multiplied", "multiplies the logits"),
        ("ignored", "temperature is not used"),
        ("probabilities_divided", "divides the probabilities"),
        ("global", "not with `np.random`"),
        ("recreated", "created again inside your function"),
        ("renormalised", "renormalising cancels it"),
    ],
)
def test_exercise_9_names_the_slip(kind, hint):
    with pytest.raises(CheckFailed, match=hint):
        check.exercise_9(_sampler(kind), draws=4000)
