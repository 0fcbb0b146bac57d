"""The exercise checks: each solution passes, blanks and common wrong answers get their hint.

Tiny fixtures keep this fast: a weights folder written from freshly initialised recipe models
(no training), data of a few rows, and small stand-in models where the exercise does not
load shipped weights.
"""

import json

import keras
import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from keras import layers

from rnncourse import check, models
from rnncourse.check import CheckFailed, FillInTheBlank
from rnncourse.fileio import sha256
from rnncourse.tools.exercises import fill_in

SHIPPED = ("simple_rnn_raw", "lstm_stack", "embedding_simple_rnn")


@pytest.fixture(scope="module", autouse=True)
def weights_folder(tmp_path_factory):
    """A weights folder holding seeded, untrained stand-ins of the shipped models the checks compare to."""
    folder = tmp_path_factory.mktemp("weights")
    manifest = {"models": {}, "experiments": {}}
    for number, name in enumerate(SHIPPED):
        keras.utils.set_random_seed(number)
        models.RECIPES[name].build().save_weights(folder / f"{name}.weights.h5")
        (folder / f"{name}.history.json").write_text(json.dumps({"loss": [0.7], "accuracy": [0.5]}))
        manifest["models"][name] = {
            "file": f"{name}.weights.h5",
            "history": f"{name}.history.json",
            "sha256": sha256(folder / f"{name}.weights.h5"),
        }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RNNCOURSE_WEIGHTS", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def no_pending_blank():
    check.reset_state()
    yield
    check.reset_state()


def pretrained(name, **changes):
    """The recipe model ``name`` (built with ``changes`` to its kwargs) with the fixture's weights."""
    from rnncourse import weights

    recipe = models.RECIPES[name]
    model = recipe.builder(**{**recipe.kwargs, **changes})
    model.load_weights(weights.weights_path(name))
    return model


def hint(call, *args, **kwargs):
    with pytest.raises(CheckFailed) as failure:
        call(*args, **kwargs)
    return str(failure.value)


# --------------------------------------------------------------------------- Exercise I

RNG = np.random.default_rng(0)
X_TRAIN, X_TEST = RNG.normal(size=(64, 20)), RNG.normal(size=(32, 20))
COEFFICIENTS = RNG.normal(size=20) * 30
Y_TRAIN, Y_TEST = X_TRAIN @ COEFFICIENTS, X_TEST @ COEFFICIENTS


def regression_model(optimizer, hidden=25):
    keras.utils.set_random_seed(42)
    model = keras.Sequential(
        [
            keras.Input(shape=(20,)),
            layers.Dense(hidden, activation="relu"),
            layers.Dense(1, activation="linear"),
        ]
    )
    model.compile(loss="mean_squared_error", optimizer=optimizer)
    return model


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


def test_acc_instead_of_accuracy_gets_the_keras_3_hint():
    history = {"accuracy": [0.5], "val_accuracy": [0.5]}
    for key in ("acc", "val_acc"):
        with pytest.raises(KeyError) as error:
            history[key]
        assert f"use '{key.replace('acc', 'accuracy')}' instead of '{key}'" in check.explain(error.value)


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


def test_exercise_4_middle_layer_without_sequences_gets_the_build_hint():
    with pytest.raises(ValueError) as error:
        lstm_stack((True, False, False))
    assert "return_sequences=True" in check.explain(error.value)


def test_recurrent_layer_on_word_ids_gets_the_embedding_hint_not_return_sequences():
    """Exercise VII without its Embedding: the SimpleRNN receives the 2-D word ids of keras.Input."""
    model = keras.Sequential(name="emb_model")
    model.add(keras.Input(shape=(200,)))
    with pytest.raises(ValueError) as error:
        model.add(layers.SimpleRNN(units=128))
    hint_text = check.explain(error.value)
    assert "Embedding" in hint_text and "(None, 200)" in hint_text and "return_sequences" not in hint_text
    inputs = keras.Input(shape=(200,))
    with pytest.raises(ValueError) as error:
        layers.GRU(4)(inputs)
    assert "Embedding" in check.explain(error.value)


def test_exercise_4_wrong_cell_unloaded_and_unevaluated():
    assert "is a GRU, but this exercise needs a LSTM" in hint(check.exercise_4, lstm_stack(cell=layers.GRU))
    assert "stack 3 `LSTM` layers" in hint(check.exercise_4, lstm_stack((True, False)))
    assert "not loaded" in hint(check.exercise_4, lstm_stack())
    assert "print the loss and accuracy" in hint(check.exercise_4, pretrained("lstm_stack"))


# --------------------------------------------------------------------------- Exercise V

VOCABULARY, LENGTH, DIM = 50, 7, 4


def embedding_gru(
    input_dim=VOCABULARY + 1,
    output_dim=DIM,
    with_input=True,
    compiled=True,
    trainable=True,
    matrix=None,
    activation="sigmoid",
):
    """The exercise V/VI model with small sizes (``matrix`` initialises the embedding)."""
    initializer = keras.initializers.Constant(matrix) if matrix is not None else "uniform"
    stack = [keras.Input(shape=(LENGTH,))] if with_input else []
    model = keras.Sequential(
        stack
        + [
            layers.Embedding(
                input_dim=input_dim,
                output_dim=output_dim,
                trainable=trainable,
                embeddings_initializer=initializer,
            ),
            layers.GRU(128),
            layers.Dense(1) if activation is None else layers.Dense(1, activation=activation),
        ],
        name="emb_model",
    )
    if compiled:
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


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


def test_exercise_6_constant_of_the_wrong_shape_gets_a_hint():
    with pytest.raises(Exception) as error:
        embedding_gru(input_dim=VOCABULARY, matrix=GLOVE, trainable=False)
    assert "glove_matrix.shape" in check.explain(error.value)


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


def test_model_without_input_shape_gets_the_keras_input_hint():
    from rnncourse import weights

    model = keras.Sequential(
        [
            layers.Embedding(input_dim=10000, output_dim=50),
            layers.SimpleRNN(units=128),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    with pytest.raises(ValueError, match="not yet been built") as error:
        model.load_weights(weights.weights_path("embedding_simple_rnn"))
    assert "keras.Input(shape=" in check.explain(error.value)


def test_course_glove_file_name_gets_the_bundled_file_hint():
    from rnncourse import glove

    with pytest.raises(ValueError) as error:
        glove.load_glove_vectors("glove_200d.zip")
    assert 'load_glove("glove.6B.50d")' in check.explain(error.value)
    missing = FileNotFoundError("glove.6B.200d.txt not found in /x/data. Download glove.6B.zip ...")
    assert "glove.6B.50d" in check.explain(missing)


def test_he_uniform_is_the_class_and_the_course_line_gets_a_hint():
    assert keras.initializers.he_uniform is keras.initializers.HeUniform  # an alias in Keras 3
    with pytest.raises(NameError) as error:
        exec("he_uniform(seed=42)", {})  # noqa: S102 - the course's line, without the import
    assert "HeUniform(seed=42)" in check.explain(error.value)


def test_loading_weights_into_the_wrong_architecture_gets_a_hint():
    from rnncourse import weights

    model = models.embedding_rnn("simple_rnn", num_words=9999, wordvec_dim=50, seq_len=200)
    with pytest.raises(ValueError) as error:
        model.load_weights(weights.weights_path("embedding_simple_rnn"))
    assert "does not fit this model" in check.explain(error.value)


# --------------------------------------------------------------------------- blanks and notebook feedback


@pytest.fixture(scope="module")
def shell():
    shell = InteractiveShell.instance()
    assert check.enable_feedback(shell) is None
    assert check._blank_transformer in shell.input_transformers_cleanup
    yield shell
    InteractiveShell.clear_instance()


def test_blank_message_names_each_line():
    message = check.blank_message("model = Sequential()\nmodel.add(____(units=600))\nmodel.____('w')\n")
    assert message.startswith("Fill in the blanks before running this cell")
    assert "line 2: model.add(____(units=600))" in message and "line 3: model.____('w')" in message
    assert check.blank_message("model.__init__()\n_ = 2\n") is None
    assert "line 1: x = ____abc" in check.blank_message("x = ____abc\n")


def test_cell_with_blank_does_not_run(shell, capsys):
    shell.user_ns.pop("ran", None)
    result = shell.run_cell("ran = True\nmodel.add(____(units=600))\n")
    assert isinstance(result.error_in_exec, FillInTheBlank)
    assert "ran" not in shell.user_ns
    output = capsys.readouterr().out
    assert "Fill in the blank before running this cell" in output and "Traceback" not in output
    shell.user_ns["model"] = "left over from an earlier exercise"
    result = shell.run_cell("from rnncourse import check\ncheck.exercise_2(model)\n")
    assert isinstance(result.error_in_exec, CheckFailed)
    assert "still has ____ blanks" in capsys.readouterr().out
    result = shell.run_cell(
        "from rnncourse import check\ncheck.exercise_3(SimpleRNN_model, gru_model, a, b)\n"
    )
    assert isinstance(result.error_in_exec, NameError)
    assert "still has ____ blanks" in capsys.readouterr().out
    shell.run_cell("x = 1\n")
    assert not check._STATE["blank_cell"]


def test_feedback_shows_hints_without_traceback_and_other_errors_unchanged(shell, capsys):
    shell.run_cell("history = {'accuracy': [0.5]}\nhistory['acc']\n")
    output = capsys.readouterr().out
    assert "Hint: Keras 3 names the history keys" in output and "line 2: history['acc']" in output
    shell.run_cell("_ = history['accuracy']\n")  # fixed: the check below looks at the objects again
    shell.run_cell("from rnncourse import check\ncheck.exercise_2('not a model')\n")
    output = capsys.readouterr().out
    assert (
        output.strip().startswith("Exercise II: `model` should be a Keras model")
        and "Traceback" not in output
    )
    shell.run_cell("1 / 0\n")
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_enable_feedback_outside_ipython_is_a_no_op(monkeypatch):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert check.enable_feedback() is None


def test_blanks_in_comments_and_strings_are_not_blanks():
    environment = (
        '# a cell that still contains ____ stops with a "fill in the blank" message\n'
        "from rnncourse import check\ncheck.enable_feedback()\n"
    )
    assert check.blank_message(environment) is None
    assert check.blank_lines('x = \'____\'  # ____\ny = """\n____\n"""\n') == []
    assert check.blank_lines("x = f'{____}'\ny = f'{{____}}'\n") == [(1, "x = f'{____}'")]
    assert check.blank_lines("print('a')  # ____\nmodel.add(____(\n") == [
        (2, "model.add(____(")
    ]  # unfinished


def test_environment_cell_runs_again_and_shows_no_true(shell, capsys):
    source = (
        '# a cell that still contains ____ stops with a "fill in the blank" message\n'
        "from rnncourse import check\n\ncheck.enable_feedback()\n"
    )
    for _ in range(2):
        result = shell.run_cell(source, store_history=True)
        assert result.success and result.result is None
    assert "Fill in the blank" not in capsys.readouterr().out


# --------------------------------------------------------------------------- check cells in any order

EXERCISE_CELLS = [  # (id, role, exercise, part, source) of a small exercise notebook
    ("cell-03-i-setup", "setup", "I", 1, "import math"),
    (
        "cell-04-i-solution",
        "solution",
        "I",
        1,
        "model = dense_model(____)\nhistory = fit(model)\ntrain_mse, test_mse = mse(model)",
    ),
    (
        "cell-07-i-solution",
        "solution",
        "I",
        2,
        "model = dense_model(____, clipvalue=3.0)\nhistory = fit(model)\ntrain_mse, test_mse = mse(model)",
    ),
    ("cell-10-ii-setup", "setup", "II", None, "history = stored_history()"),
    (
        "cell-11-ii-solution",
        "solution",
        "II",
        None,
        "model = pretrained(____)\ncurve = history.history[____]",
    ),
    ("cell-03-v-setup", "setup", "V", None, "vocabulary_size = 50\nsentence_len = 7\nwordvec_dim = 4"),
    ("cell-04-v-solution", "solution", "V", None, "model = embedding_gru(____)"),
    ("cell-07-vi-setup", "setup", "VI", None, "vocabulary_size = 60\nsentence_len = 7\nwordvec_dim = 4"),
]
CHECK_I1 = "from rnncourse import check\n\ncheck.exercise_1(model, history, train_mse, test_mse, part=1)"
CHECK_I2 = CHECK_I1.replace("part=1", "part=2")
CHECK_II = "from rnncourse import check\n\ncheck.exercise_2(model)"


def source_of(cell_id, *answers):
    return (
        fill_in(next(source for id_, _, _, _, source in EXERCISE_CELLS if id_ == cell_id), answers)
        if answers
        else next(source for id_, _, _, _, source in EXERCISE_CELLS if id_ == cell_id)
    )


@pytest.fixture
def exercise_shell(shell, tmp_path, monkeypatch):
    """The feedback shell, matching cells against a small exercise notebook, with its helpers defined."""
    import types

    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    cells = []
    for cell_id, role, exercise, part, source in EXERCISE_CELLS:
        info = {"role": role, "exercise": exercise, **({"part": part} if part else {})}
        cell = new_code_cell(source, metadata={"rnncourse": info})
        cell["id"] = cell_id
        cells.append(cell)
    nbformat.write(new_notebook(cells=cells), tmp_path / "01_small.ipynb")
    monkeypatch.setattr(check, "EXERCISES_DIR", tmp_path)
    names = {
        "dense_model": lambda *args, **kwargs: regression_model(
            keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, **kwargs)
        ),
        "fit": lambda model: model.fit(
            X_TRAIN, Y_TRAIN, validation_data=(X_TEST, Y_TEST), epochs=1, verbose=0
        ),
        "mse": lambda model: (
            model.evaluate(X_TRAIN, Y_TRAIN, verbose=0),
            model.evaluate(X_TEST, Y_TEST, verbose=0),
        ),
        "stored_history": lambda: types.SimpleNamespace(history={"accuracy": [0.5], "val_accuracy": [0.6]}),
        "pretrained": pretrained,
        "embedding_gru": embedding_gru,
    }
    for name in (
        "model",
        "history",
        "train_mse",
        "test_mse",
        "curve",
        "vocabulary_size",
        "sentence_len",
        "wordvec_dim",
    ):
        shell.user_ns.pop(name, None)
    shell.user_ns.update(names)
    yield shell
    for name in names:
        shell.user_ns.pop(name, None)


def shown(capsys):
    """The one message a cell printed (asserting there is no traceback and it is one line)."""
    output = capsys.readouterr().out.strip()
    assert "Traceback" not in output and "\n" not in output, output
    return output


def test_check_before_its_exercise_cell_ran(exercise_shell, capsys):
    result = exercise_shell.run_cell(CHECK_II)
    assert isinstance(result.error_in_exec, NameError)
    assert shown(capsys).startswith(
        "Exercise II: `model` is not defined yet: run this exercise's cells above"
    )


def test_acc_in_the_exercise_cell_is_named_by_the_check(exercise_shell, capsys):
    """The cell stops at history.history['acc'] after the model is built and loaded: the check says why."""
    exercise_shell.run_cell(source_of("cell-10-ii-setup"))
    for cell_id in (None, "cell-11-ii-solution"):  # matched by its text, or by the id JupyterLab sends
        result = exercise_shell.run_cell(
            source_of("cell-11-ii-solution", '"simple_rnn_raw"', "'acc'"), cell_id=cell_id
        )
        assert isinstance(result.error_in_exec, KeyError)
        assert "use 'accuracy' instead of 'acc'" in capsys.readouterr().out
        result = exercise_shell.run_cell(CHECK_II)
        assert isinstance(result.error_in_exec, CheckFailed)
        message = shown(capsys)
        assert message.startswith("Exercise II: the exercise cell above stopped with KeyError: 'acc'")
        assert "use 'accuracy' instead of 'acc'" in message
    exercise_shell.run_cell("x = 1  # an unrelated cell in between")
    assert isinstance(exercise_shell.run_cell(CHECK_II).error_in_exec, CheckFailed)
    capsys.readouterr()
    exercise_shell.run_cell(source_of("cell-11-ii-solution", '"simple_rnn_raw"', "'accuracy'"))
    result = exercise_shell.run_cell(CHECK_II)
    assert result.success and result.result is None
    assert "Exercise II: correct" in capsys.readouterr().out


def test_check_after_an_exercise_cell_that_failed_before_defining_the_names(exercise_shell, capsys):
    result = exercise_shell.run_cell(
        source_of("cell-04-i-solution", "").replace("dense_model", "dense_modle")
    )
    assert isinstance(result.error_in_exec, NameError)
    capsys.readouterr()
    result = exercise_shell.run_cell(CHECK_I1)
    assert isinstance(result.error_in_exec, NameError)
    assert shown(capsys) == (
        "Exercise I (step 1): `model` does not exist because the last cell you ran stopped with "
        "NameError: name 'dense_modle' is not defined (line 1: model = dense_modle()). "
        "Fix it, run it again, then run this check."
    )


def test_objects_left_over_from_another_exercise(exercise_shell, capsys):
    exercise_shell.run_cell(source_of("cell-04-i-solution", ""))
    exercise_shell.run_cell(CHECK_I1)
    assert "Exercise I (step 1): correct" in capsys.readouterr().out
    exercise_shell.run_cell(CHECK_I2)  # step 2's cell not run yet
    assert shown(capsys) == (
        "Exercise I (step 2): `model` is left over from the cell of Exercise I (step 1): run the "
        "exercise cell above (Exercise I (step 2), blanks filled in) first, then this check."
    )
    exercise_shell.run_cell(CHECK_II)  # Exercise II's cell not run yet: `model` is Exercise I's
    assert "`model` is left over from the cell of Exercise I (step 1)" in shown(capsys)
    exercise_shell.run_cell(source_of("cell-10-ii-setup"))  # Exercise II's setup rebinds `history`
    exercise_shell.run_cell(CHECK_I1)
    assert "`history` was last set by the setup cell of Exercise II" in shown(capsys)


def test_values_another_exercise_setup_changed(exercise_shell, capsys):
    check_v = (
        "from rnncourse import check\n\ncheck.exercise_5(model, vocabulary_size, sentence_len, wordvec_dim)"
    )
    for cell_id in ("cell-03-v-setup", "cell-04-v-solution", "cell-07-vi-setup"):  # then back to V's check
        assert exercise_shell.run_cell(
            source_of(cell_id, "") if "solution" in cell_id else source_of(cell_id)
        ).success
    capsys.readouterr()
    exercise_shell.run_cell(check_v)
    assert shown(capsys).startswith(
        "Exercise V: `vocabulary_size` was last set by the setup cell of Exercise VI"
    )
    exercise_shell.run_cell(
        source_of("cell-03-v-setup")
    )  # sentence_len and wordvec_dim: same values, no alarm
    exercise_shell.run_cell(check_v)
    assert "Exercise V: correct" in capsys.readouterr().out


def test_check_after_its_setup_cell_failed(exercise_shell, capsys):
    exercise_shell.user_ns["stored_history"] = lambda: {}["missing file"]
    exercise_shell.run_cell(source_of("cell-10-ii-setup"))
    capsys.readouterr()
    exercise_shell.run_cell(CHECK_II)
    assert shown(capsys).startswith(
        "Exercise II: `model` does not exist because the setup cell of Exercise II "
        "stopped with KeyError: 'missing file' (line 1: history = stored_history())."
    )
