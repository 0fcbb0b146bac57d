"""The exercise checks: each solution passes, and common wrong answers get their hint.

Tiny fixtures keep this fast: a weights folder written from freshly initialised recipe models
(no training; conftest.py), data of a few rows, and small stand-in models where the exercise does
not load shipped weights (exercise_models.py). The kernel side (blanks, hints without a
traceback, check cells in any order) is tested in test_feedback.py.
"""

import dataclasses

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

from rnncourse import check, models
from rnncourse.feedback import CheckFailed

pytestmark = pytest.mark.usefixtures("shipped_weights")


def hint(call, *args, **kwargs):
    with pytest.raises(CheckFailed) as failure:
        call(*args, **kwargs)
    return str(failure.value)


# --------------------------------------------------------------------------- Exercise I


def exercise_1_solution(clipvalue=None):
    """``(model, history, train_mse, test_mse)`` as the course's cell computes them (2 epochs)."""
    optimizer = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, clipvalue=clipvalue)
    model = regression_model(optimizer)
    history = model.fit(X_TRAIN, Y_TRAIN, validation_data=(X_TEST, Y_TEST), epochs=2, verbose=0)
    train_mse = model.evaluate(X_TRAIN, Y_TRAIN, verbose=0)
    test_mse = model.evaluate(X_TEST, Y_TEST, verbose=0)
    return model, history, train_mse, test_mse


@pytest.fixture(scope="module")
def step_1():
    return exercise_1_solution()


@pytest.fixture(scope="module")
def step_2():
    return exercise_1_solution(clipvalue=3.0)


def test_exercise_1_solutions_pass(step_1, step_2, capsys):
    assert check.exercise_1(*step_1, part=1) is None  # prints only: a check cell shows no `True`
    assert check.exercise_1(*step_2, part=2) is None
    assert capsys.readouterr().out.count("correct") == 2


def test_exercise_1_step_2_without_clipvalue(step_1):
    assert "no `clipvalue`" in hint(check.exercise_1, *step_1, part=2)


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
    assert expected in hint(check.exercise_1, model, *step_2[1:], part=2)


def test_exercise_1_wrong_optimizer_type(step_2):
    model = regression_model(keras.optimizers.Adam(learning_rate=0.01))
    assert "the optimizer is Adam" in hint(check.exercise_1, model, *step_2[1:], part=2)


def test_exercise_1_step_1_with_clipping(step_2):
    assert "leave `clipvalue` out" in hint(check.exercise_1, *step_2, part=1)


def test_exercise_1_swapped_and_wrong_values(step_2):
    model, history, train_mse, test_mse = step_2
    assert "look swapped" in hint(check.exercise_1, model, history, test_mse, train_mse, part=2)
    assert "is a list" in hint(check.exercise_1, model, history, [train_mse, 0.0], test_mse, part=2)
    assert "validation data" in hint(
        check.exercise_1, model, keras.callbacks.History(), train_mse, test_mse, part=2
    )
    assert "what `model.fit(...)` returns" in hint(check.exercise_1, model, None, train_mse, test_mse, part=2)


def test_exercise_1_layers():
    model = regression_model(keras.optimizers.SGD(learning_rate=0.01, momentum=0.9), hidden=10)
    assert "Dense(25, activation='relu')" in hint(check.exercise_1, model, None, 0.0, 0.0, part=1)


# --------------------------------------------------------------------------- Exercise II


def test_exercise_2_solution_passes(capsys):
    check.exercise_2(pretrained("simple_rnn_raw"))
    assert "Exercise II: correct" in capsys.readouterr().out


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


def evaluated_raw_model(cell, bias):
    """A small raw-ids model whose output bias forces one class, evaluated on the tiny set."""
    keras.utils.set_random_seed(0)
    model = models.raw_rnn(cell, units=4, optimizer="adam")
    kernel, _ = model.layers[-1].get_weights()
    model.layers[-1].set_weights([kernel * 0, np.array([bias], dtype="float32")])
    _, accuracy = model.evaluate(X_RAW, Y_RAW, verbose=0)
    return model, accuracy


@pytest.fixture(scope="module")
def exercise_3_models():
    simple_rnn_model, acc_simple_rnn = evaluated_raw_model("simple_rnn", 5.0)  # accuracy 0.75
    gru_model, acc_gru = evaluated_raw_model("gru", -5.0)  # accuracy 0.25
    return simple_rnn_model, gru_model, acc_simple_rnn, acc_gru


def test_exercise_3_solution_passes(exercise_3_models, capsys):
    check.exercise_3(*exercise_3_models)
    assert "Exercise III: correct" in capsys.readouterr().out


def test_exercise_3_wrong_answers(exercise_3_models):
    simple_rnn_model, gru_model, acc_simple_rnn, acc_gru = exercise_3_models
    assert "look swapped" in hint(check.exercise_3, simple_rnn_model, gru_model, acc_gru, acc_simple_rnn)
    loss = simple_rnn_model.get_metrics_result()["loss"]
    assert "holds the loss" in hint(check.exercise_3, simple_rnn_model, gru_model, float(loss), acc_gru)
    assert "unpack it" in hint(check.exercise_3, simple_rnn_model, gru_model, [loss, acc_simple_rnn], acc_gru)
    fresh = models.raw_rnn("gru", units=4)
    assert "has not been evaluated" in hint(
        check.exercise_3, simple_rnn_model, fresh, acc_simple_rnn, acc_gru
    )
    assert "has no GRU layer" in hint(
        check.exercise_3, simple_rnn_model, simple_rnn_model, acc_simple_rnn, acc_gru
    )


# --------------------------------------------------------------------------- Exercise IV


def lstm_stack(return_sequences=(True, True, False), cell=layers.LSTM):
    model = keras.Sequential([keras.Input(shape=(None, 1))])
    for flag in return_sequences:
        model.add(cell(128, return_sequences=flag))
    model.add(layers.Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def test_exercise_4_solution_passes():
    model = pretrained("lstm_stack")
    model.evaluate(X_RAW, Y_RAW, verbose=0)
    check.exercise_4(model)


def test_exercise_4_last_layer_returns_sequences():
    assert "last LSTM layer must not return sequences" in hint(
        check.exercise_4, lstm_stack((True, True, True))
    )


def test_exercise_4_wrong_cell_unloaded_and_unevaluated():
    assert "is a GRU, but this exercise needs a LSTM" in hint(check.exercise_4, lstm_stack(cell=layers.GRU))
    assert "stack 3 `LSTM` layers" in hint(check.exercise_4, lstm_stack((True, False)))
    assert "not loaded" in hint(check.exercise_4, lstm_stack())
    assert "print the loss and accuracy" in hint(check.exercise_4, pretrained("lstm_stack"))


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


# --------------------------------------------------------------------------- Exercise VI

GLOVE = np.random.default_rng(1).normal(size=(VOCABULARY + 1, DIM)).astype("float32")


def test_exercise_6_solution_passes(capsys):
    check.exercise_6(embedding_gru(matrix=GLOVE, trainable=False), GLOVE)
    assert f"{GLOVE.size} frozen GloVe parameters" in capsys.readouterr().out


def test_exercise_6_wrong_answers():
    assert "set `trainable=False`" in hint(check.exercise_6, embedding_gru(matrix=GLOVE), GLOVE)
    assert "Constant(glove_matrix)" in hint(check.exercise_6, embedding_gru(trainable=False), GLOVE)
    assert "2-D numpy array" in hint(
        check.exercise_6, embedding_gru(matrix=GLOVE, trainable=False), "glove_200d.zip"
    )
    assert "is 51 × 4" in hint(check.exercise_6, embedding_gru(output_dim=8, trainable=False), GLOVE)
    two_outputs = embedding_gru(matrix=GLOVE, trainable=False)
    two_outputs.pop()
    two_outputs.add(layers.Dense(2))
    assert "`Dense(1, activation='sigmoid')`" in hint(check.exercise_6, two_outputs, GLOVE)


@pytest.mark.parametrize("activation", [None, "linear", "relu"])
def test_exercises_5_and_6_refuse_an_output_without_sigmoid(activation):
    """The course's `Dense(1)` is linear: binary cross-entropy needs the sigmoid the instructions ask for."""
    hints = [
        hint(check.exercise_5, embedding_gru(activation=activation), VOCABULARY, LENGTH, DIM),
        hint(check.exercise_6, embedding_gru(matrix=GLOVE, trainable=False, activation=activation), GLOVE),
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
    assert "the embedding: `GRU(16)`" in hint(check.exercise_6, without_recurrent, GLOVE)


# --------------------------------------------------------------------------- Exercise VII

X_IDS = (np.arange(8 * 200).reshape(8, 200) % 10000).astype("int32")


@pytest.fixture(scope="module")
def exercise_7_model():
    model = pretrained("embedding_simple_rnn")
    _, accuracy = model.evaluate(X_IDS, Y_RAW, verbose=0)
    return model, accuracy


def test_exercise_7_solution_passes(exercise_7_model, capsys):
    check.exercise_7(*exercise_7_model, 10000, 200, 50)
    assert "Exercise VII: correct" in capsys.readouterr().out


def test_exercise_7_wrong_answers(exercise_7_model):
    model, accuracy = exercise_7_model
    loss = float(model.get_metrics_result()["loss"])
    assert "holds the loss" in hint(check.exercise_7, model, loss, 10000, 200, 50)
    assert "input_dim=max_vocabulary (= 20000)" in hint(check.exercise_7, model, accuracy, 20000, 200, 50)
    unloaded = models.RECIPES["embedding_simple_rnn"].build()
    assert "not loaded" in hint(check.exercise_7, unloaded, accuracy, 10000, 200, 50)
    gru = models.embedding_rnn("gru", num_words=10000, wordvec_dim=50, seq_len=200)
    assert "is a GRU, but this exercise needs a SimpleRNN" in hint(
        check.exercise_7, gru, accuracy, 10000, 200, 50
    )
