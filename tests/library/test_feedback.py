"""The kernel side of the exercise feedback: blanks stop a cell, hints replace tracebacks, Keras 2
habits get their Keras 3 remedy, and a check run in any order says in one line why it cannot look
at the objects yet (blanks left, its cell failed, objects left over from another exercise).

Each test gets a fresh IPython shell with the feedback on; the answer checks themselves are tested
in test_check.py.
"""

import ast
import types

import keras
import numpy as np
import pytest
from exercise_models import (
    DIM,
    VOCABULARY,
    X_TEST,
    X_TRAIN,
    Y_TEST,
    Y_TRAIN,
    embedding_gru,
    pretrained,
    regression_model,
)
from IPython.core.interactiveshell import InteractiveShell
from keras import layers

from rnncourse import feedback, models
from rnncourse.feedback import CheckFailed, Feedback, FillInTheBlank
from rnncourse.paths import repo_root
from rnncourse.tools.exercises import fill_in


@pytest.fixture
def shell():
    """A fresh IPython shell with the exercise feedback enabled."""
    shell = InteractiveShell.instance()
    assert feedback.enable_feedback(shell) is None
    yield shell
    InteractiveShell.clear_instance()


# --------------------------------------------------------------------------- imports run one way


def _imports(module):
    """The ``rnncourse`` modules that ``rnncourse/<module>.py`` imports anywhere in its code."""
    tree = ast.parse((repo_root() / "rnncourse" / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rnncourse"):
            found |= {node.module.split(".")[1]} if "." in node.module else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("rnncourse.")}
    return found


def test_feedback_never_imports_the_answer_checks():
    """rnncourse.check imports rnncourse.feedback; nothing feedback reaches imports check back."""
    assert "feedback" in _imports("check")
    reached, waiting = set(), ["feedback"]
    while waiting:
        module = waiting.pop()
        if module not in reached:
            reached.add(module)
            waiting += sorted(_imports(module))
    assert "paths" in reached and "check" not in reached, sorted(reached)


# --------------------------------------------------------------------------- the hooks


def test_enabling_again_keeps_one_set_of_hooks_and_what_ran(shell):
    state = Feedback.of(shell)
    assert state.transform_blanks in shell.input_transformers_cleanup
    shell.run_cell("model = 1\n")
    assert "model" in state.bound
    feedback.enable_feedback(shell)
    assert Feedback.of(shell) is state and "model" in state.bound
    assert shell.input_transformers_cleanup.count(state.transform_blanks) == 1
    for event in ("pre_run_cell", "post_run_cell"):
        owners = [getattr(callback, "__self__", None) for callback in shell.events.callbacks[event]]
        assert [owner for owner in owners if isinstance(owner, Feedback)] == [state]


def test_a_hint_leaves_the_error_as_it_was(shell, capsys):
    """The hint replaces the traceback once; the learner's exception keeps its own (e.g. for %tb)."""
    result = shell.run_cell("{'accuracy': [0.5]}['acc']\n")
    assert "Hint: Keras 3 names the history keys" in capsys.readouterr().out
    assert isinstance(result.error_in_exec, KeyError)
    assert not hasattr(result.error_in_exec, "_render_traceback_")


def test_blank_message_names_each_line():
    message = feedback.blank_message("model = Sequential()\nmodel.add(____(units=600))\nmodel.____('w')\n")
    assert message.startswith("Fill in the blanks before running this cell")
    assert "line 2: model.add(____(units=600))" in message and "line 3: model.____('w')" in message
    assert feedback.blank_message("model.__init__()\n_ = 2\n") is None
    assert "line 1: x = ____abc" in feedback.blank_message("x = ____abc\n")


def test_cell_with_blank_does_not_run(shell, capsys):
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
    assert not Feedback.of(shell).blank_cell


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
    assert feedback.enable_feedback() is None


def test_blanks_in_comments_and_strings_are_not_blanks():
    environment = (
        '# a cell that still contains ____ stops with a "fill in the blank" message\n'
        "from rnncourse import feedback\nfeedback.enable_feedback()\n"
    )
    assert feedback.blank_message(environment) is None
    assert feedback.blank_lines('x = \'____\'  # ____\ny = """\n____\n"""\n') == []
    assert feedback.blank_lines("x = f'{____}'\ny = f'{{____}}'\n") == [(1, "x = f'{____}'")]
    assert feedback.blank_lines("print('a')  # ____\nmodel.add(____(\n") == [
        (2, "model.add(____(")
    ]  # unfinished


def test_environment_cell_runs_again_and_shows_no_true(shell, capsys):
    source = (
        '# a cell that still contains ____ stops with a "fill in the blank" message\n'
        "from rnncourse import feedback\n\nfeedback.enable_feedback()\n"
    )
    for _ in range(2):
        result = shell.run_cell(source, store_history=True)
        assert result.success and result.result is None
    assert "Fill in the blank" not in capsys.readouterr().out


# --------------------------------------------------------------------------- errors with a Keras 3 remedy


def test_acc_instead_of_accuracy_gets_the_keras_3_hint():
    history = {"accuracy": [0.5], "val_accuracy": [0.5]}
    for key in ("acc", "val_acc"):
        with pytest.raises(KeyError) as error:
            history[key]
        assert f"use '{key.replace('acc', 'accuracy')}' instead of '{key}'" in feedback.explain(error.value)


def test_exercise_4_middle_layer_without_sequences_gets_the_build_hint():
    model = keras.Sequential([keras.Input(shape=(None, 1)), layers.LSTM(4, return_sequences=True)])
    model.add(layers.LSTM(4, return_sequences=False))
    with pytest.raises(ValueError) as error:
        model.add(layers.LSTM(4))
    assert "return_sequences=True" in feedback.explain(error.value)


def test_recurrent_layer_on_word_ids_gets_the_embedding_hint_not_return_sequences():
    """Exercise VII without its Embedding: the SimpleRNN receives the 2-D word ids of keras.Input."""
    model = keras.Sequential(name="emb_model")
    model.add(keras.Input(shape=(200,)))
    with pytest.raises(ValueError) as error:
        model.add(layers.SimpleRNN(units=128))
    hint_text = feedback.explain(error.value)
    assert "Embedding" in hint_text and "(None, 200)" in hint_text and "return_sequences" not in hint_text
    inputs = keras.Input(shape=(200,))
    with pytest.raises(ValueError) as error:
        layers.GRU(4)(inputs)
    assert "Embedding" in feedback.explain(error.value)


def test_exercise_6_constant_of_the_wrong_shape_gets_a_hint():
    with pytest.raises(Exception) as error:
        embedding_gru(input_dim=VOCABULARY, matrix=np.zeros((VOCABULARY + 1, DIM)), trainable=False)
    assert "glove_matrix.shape" in feedback.explain(error.value)


def test_model_without_input_shape_gets_the_keras_input_hint(shipped_weights):
    from rnncourse import weights

    model = keras.Sequential(
        [
            layers.Embedding(input_dim=10000, output_dim=50),
            layers.SimpleRNN(units=128),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    with pytest.raises(ValueError, match="not yet been built|was never built") as error:  # Keras 3.15 | 3.5
        model.load_weights(weights.weights_path("embedding_simple_rnn"))
    assert "keras.Input(shape=" in feedback.explain(error.value)


def test_course_glove_file_name_gets_the_bundled_file_hint():
    from rnncourse import glove

    with pytest.raises(ValueError) as error:
        glove.load_glove_vectors("glove_200d.zip")
    assert 'load_glove("glove.6B.50d")' in feedback.explain(error.value)
    missing = FileNotFoundError("glove.6B.200d.txt not found in /x/data. Download glove.6B.zip ...")
    assert "glove.6B.50d" in feedback.explain(missing)


def test_he_uniform_is_the_class_and_the_course_line_gets_a_hint():
    assert keras.initializers.he_uniform is keras.initializers.HeUniform  # an alias in Keras 3
    with pytest.raises(NameError) as error:
        exec("he_uniform(seed=42)", {})  # noqa: S102 - the course's line, without the import
    assert "HeUniform(seed=42)" in feedback.explain(error.value)


@pytest.mark.parametrize(
    "method, expected",
    [
        (
            "predict(X_ids, y, verbose=0)",
            "`predict` takes only the inputs (its second argument is the batch size",
        ),
        ("predict(X_ids, verbose=0)", "`predict` returns one probability per review, not [loss, accuracy]"),
        ("fit(X_ids, y, verbose=0)", "`fit` trains the model (here on the test reviews"),
    ],
)
def test_exercise_7_other_methods_than_evaluate_get_the_evaluate_hint(shell, capsys, method, expected):
    """Exercise VII's blank is the method in `_, acc_embeddings = model.____(X_test, y_test, verbose=0)`."""
    model = embedding_gru()
    keras.utils.set_random_seed(0)  # fit's shuffling, under op determinism
    shell.user_ns.update(model=model, X_ids=np.zeros((5, model.inputs[0].shape[1]), "int32"), y=np.ones(5))
    result = shell.run_cell(f"_, acc_embeddings = model.{method}\n")
    assert result.error_in_exec is not None
    output = capsys.readouterr().out
    assert expected in output and "evaluate(X_test, y_test, verbose=0)` scores the model" in output


def test_loading_weights_into_the_wrong_architecture_gets_a_hint(shipped_weights):
    from rnncourse import weights

    model = models.embedding_rnn("simple_rnn", num_words=9999, wordvec_dim=50, seq_len=200)
    with pytest.raises(ValueError) as error:
        model.load_weights(weights.weights_path("embedding_simple_rnn"))
    assert "does not fit this model" in feedback.explain(error.value)


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
    ("cell-04-v-solution", "solution", "V", None, "model = embedding_gru(____)\nmodel.summary()"),
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
def exercise_shell(shell, shipped_weights, tmp_path):
    """The feedback shell, matching cells against a small exercise notebook, with its helpers defined."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    cells = []
    for cell_id, role, exercise, part, source in EXERCISE_CELLS:
        info = {"role": role, "exercise": exercise, **({"part": part} if part else {})}
        cell = new_code_cell(source, metadata={"rnncourse": info})
        cell["id"] = cell_id
        cells.append(cell)
    nbformat.write(new_notebook(cells=cells), tmp_path / "01_small.ipynb")
    Feedback.of(shell).cells = feedback.ExerciseCells(tmp_path)
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
        **{"X_train": X_TRAIN, "y_train": Y_TRAIN, "X_test": X_TEST, "y_test": Y_TEST},  # Exercise I's data
        "pretrained": pretrained,
        "embedding_gru": embedding_gru,
    }
    shell.user_ns.update(names)
    return shell


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


# --------------------------------------------------------------------------- the figures a cell showed


def show(*curves, by_code=True):
    """A figure with ``curves``: shown and closed now, as `plt.show()` does in Jupyter
    (``by_code``), or left open for :func:`jupyter_shows_open_figures` to show."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    figure = plt.figure()
    for curve in curves:
        plt.plot(curve)
    if by_code:
        display(figure)
        plt.close(figure)


def jupyter_shows_open_figures():
    """What Jupyter's inline backend does after each cell: show the figures still open, and close them."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    for number in plt.get_fignums():
        display(plt.figure(number))
    plt.close("all")


def test_the_figures_a_cell_showed_are_recorded_with_their_curves(shell, capsys):
    shell.user_ns["show"] = show
    shell.events.register("post_execute", jupyter_shows_open_figures)
    shell.run_cell("show([0.5, 0.6], [0.4, 0.7])")
    assert "<Figure size 640x480 with 1 Axes>" in capsys.readouterr().out  # the figure's repr, unchanged
    state = Feedback.of(shell)
    assert state.last.figures == (feedback.ShownFigure(((0.5, 0.6), (0.4, 0.7)), by_code=True),)
    shell.run_cell("show([0.5, 0.6], by_code=False)")  # no plt.show(): Jupyter shows it after the cell
    assert state.last.figures == (feedback.ShownFigure(((0.5, 0.6),), by_code=False),)
    shell.run_cell("x = 1")
    assert state.last.figures == ()
    assert feedback.shown_figures("II") == ()  # Exercise II's cell never ran: the last cell ran instead


def test_exercise_2_checks_the_plot_its_cell_showed(exercise_shell, capsys):
    """The cell's plot, which Jupyter closes before the check runs, is checked against `history`."""
    exercise_shell.user_ns["show"] = show
    exercise_shell.events.register("post_execute", jupyter_shows_open_figures)
    exercise_shell.run_cell(source_of("cell-10-ii-setup"))
    solution = source_of("cell-11-ii-solution", '"simple_rnn_raw"', "'accuracy'")
    for plot, expected in (
        ("show(curve, history.history['val_accuracy'])", "Exercise II: correct"),
        (
            "show(history.history['val_accuracy'], history.history['val_accuracy'])",
            "Exercise II: the first curve plots `history.history['val_accuracy']`, the validation accuracy",
        ),
        ("show(curve, history.history['val_accuracy'], by_code=False)", "End the cell with `plt.show()`"),
    ):
        exercise_shell.run_cell(f"{solution}\n{plot}", cell_id="cell-11-ii-solution")
        capsys.readouterr()
        exercise_shell.run_cell(CHECK_II)
        assert expected in shown(capsys)


EXPLODED_I = """model = dense_model()
model.set_weights([weight * float("nan") for weight in model.get_weights()])
history = {fit}
train_mse = {train}
test_mse = model.evaluate(X_test, y_test, verbose=0)"""


@pytest.mark.parametrize(
    "fit, train, expected",
    [
        ("fit(model)", "model.evaluate(X_train, y_train, verbose=0)", "Exercise I (step 1): correct"),
        ("fit(model)", "model.evaluate(X_test, y_test, verbose=0)", "`train_mse` is the MSE on the test set"),
        ("fit(model)", "history.history['loss'][-1]", "`train_mse` is `history.history['loss'][-1]`"),
        (
            "model.fit(X_train, y_train, validation_split=0.02, epochs=1, verbose=0)",
            "model.evaluate(X_train, y_train, verbose=0)",
            "`validation_split=` holds part of X_train out of training",
        ),
    ],
)
def test_exercise_1_nan_step_reads_what_the_numbers_cannot_tell(exercise_shell, capsys, fit, train, expected):
    """Every MSE of an exploded model is nan: the exercise cell's own code tells the mistakes apart."""
    source = EXPLODED_I.format(fit=fit, train=train)
    assert exercise_shell.run_cell(source, cell_id="cell-04-i-solution").success
    capsys.readouterr()
    exercise_shell.run_cell(CHECK_I1)
    assert expected in shown(capsys)
