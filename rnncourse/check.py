"""For learners: instant feedback for the exercises: one check per exercise, and friendly blanks.

Each ``exercise_N(...)`` inspects the objects the learner created (models, optimizers,
histories, printed values) and either prints one short success line, or raises
:class:`CheckFailed` whose one-line message names the likely mistake.

:func:`enable_feedback` (called by the first cell of every exercise notebook) makes a cell
that still contains a ``____`` blank in its code (not in a comment or a string) stop before
running with a "fill in the blank" message, shows a :class:`CheckFailed` hint without a
traceback, and turns the errors that Keras 2 habits raise under Keras 3 into one-line remedies.
It also records which cell of which exercise ran last, how it ended and which names it set, so
that a check run too early, after a failed exercise cell, or on objects left over from another
exercise says so in one line instead of checking the wrong objects or showing a traceback.
"""

import ast
import io
import json
import math
import re
import tokenize
import traceback
from pathlib import Path

import numpy as np

BLANK = "____"
NUMERALS = ("I", "II", "III", "IV", "V", "VI", "VII")
_BLANK_PATTERN = re.compile(re.escape(BLANK))
_FSTRING_BLANK = re.compile(r"(?i)[rb]*f[rb]*['\"].*(?<!\{)\{[^{}]*" + re.escape(BLANK), re.DOTALL)
_CHECK_CALL = re.compile(r"\bexercise_(\d+)\s*\(")
_RECURRENT = ("SimpleRNN", "GRU", "LSTM")
# The exercise notebooks the running cells are matched against (None: <repository>/exercises).
EXERCISES_DIR = None
# The kernel's feedback state (see enable_feedback()); reset_state() empties it.
_STATE = {}


def reset_state():
    """Forget every recorded cell run (the kernel the feedback is enabled in stays)."""
    shell = _STATE.get("shell")
    _STATE.clear()
    _STATE.update(
        shell=shell,
        blank_cell=False,
        runs={},
        last=None,
        bound={},
        setup_values={},
        snapshot=None,
        cell="",
        count=0,
    )


reset_state()


class CheckFailed(AssertionError):
    """A check found a mistake; the message is the hint for the learner."""


class FillInTheBlank(Exception):
    """A cell still contains ``____``; the message names the lines to complete."""


# --------------------------------------------------------------------------- helpers


def _fail(exercise, hint):
    raise CheckFailed(f"Exercise {exercise}: {hint}")


def _passed(exercise, what):
    """Print the success line; returns ``None`` so that a check cell shows no ``True`` result."""
    print(f"Exercise {exercise}: correct — {what}")


def _blank_hint():
    return (
        f"the exercise cell above still has {BLANK} blanks, so it did not run. "
        f"Fill them in, run that cell, then run this check again."
    )


def _start(exercise, **objects):
    """Refuse to check an exercise whose cell did not run to its end, or objects another cell made.

    ``objects`` are the check's arguments by the names the check cell passes them under; with
    :func:`enable_feedback` on, each one that another exercise's cell (re)bound is reported.
    """
    problem = _run_problem(exercise)
    if problem:
        _fail(exercise, problem)
    for name, value in objects.items():
        problem = _leftover(exercise, name, value)
        if problem:
            _fail(exercise, problem)


def _kind(layer):
    return type(layer).__name__


def _describe(layer):
    """``'GRU(128)'``, ``'Dense(1, sigmoid)'``, ``'Embedding(10000, 50)'``."""
    config = layer.get_config()
    if _kind(layer) == "Embedding":
        return f"Embedding({config['input_dim']}, {config['output_dim']})"
    if _kind(layer) == "Dense":
        return f"Dense({config['units']}, {config['activation']})"
    if "units" in config:
        return f"{_kind(layer)}({config['units']})"
    return _kind(layer)


def _layers(exercise, model, name="model"):
    """The layers of ``model`` after checking it is a Keras model with at least one layer."""
    import keras

    if not isinstance(model, keras.Model):
        _fail(
            exercise,
            f"`{name}` should be a Keras model, but it is a {type(model).__name__}. "
            f"Did a later assignment overwrite it? Run the exercise cell again.",
        )
    if not model.layers:
        _fail(exercise, f"`{name}` has no layers yet: add them with `{name}.add(...)`.")
    return model.layers


def _recurrent(model):
    return [layer for layer in model.layers if _kind(layer) in _RECURRENT]


def _expect_recurrent(exercise, layer, kind, units, position="The recurrent layer"):
    if _kind(layer) != kind:
        _fail(
            exercise,
            f"{position} is a {_kind(layer)}, but this exercise needs a {kind} layer: "
            f"use `{kind}(units={units})`.",
        )
    if layer.units != units:
        _fail(
            exercise,
            f"{position} has {layer.units} units; use `{kind}(units={units})` "
            f"so that it matches the pre-trained weights.",
        )


def _expect_output(exercise, model, activation="sigmoid"):
    """The last layer must be ``Dense(1)`` with ``activation`` (``None``: any)."""
    last = model.layers[-1]
    if _kind(last) != "Dense" or last.units != 1:
        _fail(
            exercise,
            f"the last layer is {_describe(last)}; the model must end with one output: "
            f"`Dense(1{', activation=' + repr(activation) if activation else ''})`.",
        )
    if activation and last.get_config()["activation"] != activation:
        _fail(
            exercise,
            f"the output layer uses activation={last.get_config()['activation']!r}; a "
            f"positive/negative review needs a probability between 0 and 1, which binary "
            f"cross-entropy expects: `Dense(1, activation={activation!r})`.",
        )


def _input_shape(model):
    """``model``'s input shape as a tuple, or ``None`` while the model is not built."""
    try:
        return tuple(model.inputs[0].shape)
    except (AttributeError, IndexError, ValueError, TypeError):
        return None


def _expect_input(exercise, model, shape, hint):
    actual = _input_shape(model)
    if actual is None:
        note = " (Keras 3 ignores `input_length=`)" if len(shape) == 1 else ""
        _fail(
            exercise,
            f"the model has no input shape yet, so its weights do not exist: start it with `{hint}`{note}.",
        )
    if actual[1:] != tuple(shape):
        _fail(
            exercise,
            f"the model's input shape is {actual[1:]}, expected {tuple(shape)}: start it with `{hint}`.",
        )


def _expect_embedding(exercise, model, input_dim, output_dim, input_dim_text):
    first = model.layers[0]
    if _kind(first) != "Embedding":
        _fail(
            exercise,
            f"the first layer is {_describe(first)}; the model must start with the embedding: "
            f"`Embedding(input_dim={input_dim_text}, output_dim=wordvec_dim)`.",
        )
    if first.input_dim != input_dim:
        extra = (
            " The ids run from 0 to vocabulary_size, so the embedding needs one row more."
            if first.input_dim == input_dim - 1
            else ""
        )
        _fail(
            exercise,
            f"the Embedding has input_dim={first.input_dim}; use "
            f"input_dim={input_dim_text} (= {input_dim}).{extra}",
        )
    if first.output_dim != output_dim:
        _fail(
            exercise,
            f"the Embedding has output_dim={first.output_dim}; use output_dim=wordvec_dim (= {output_dim}).",
        )
    return first


_REFERENCE = {}


def _reference_weights(name):
    """The verified pre-trained weights of ``name`` as a list of arrays (cached per file)."""
    from . import weights

    path = weights.weights_path(name)
    key = (name, str(path), path.stat().st_mtime_ns)
    if key not in _REFERENCE:
        _REFERENCE[key] = weights.load_pretrained(name).get_weights()
    return _REFERENCE[key]


def _expect_weights(exercise, model, name):
    """The model's weights must equal the verified weights of the shipped model ``name``."""
    reference = _reference_weights(name)
    actual = model.get_weights()
    if len(actual) != len(reference) or any(a.shape != r.shape for a, r in zip(actual, reference)):
        _fail(
            exercise,
            f"the model's weights do not have the shapes of the pre-trained `{name}` model; "
            f"build the layers exactly as the instructions say, then load the weights.",
        )
    if not all(np.allclose(a, r, atol=1e-6) for a, r in zip(actual, reference)):
        _fail(
            exercise,
            "the pre-trained weights are not loaded (the model still has its random initial "
            "weights, or was trained further): call `model.load_weights(...)` with the "
            "weights file after building the model.",
        )


def _last_evaluation(model):
    """``(loss, accuracy)`` of ``model``'s last ``evaluate`` call, or ``None`` if it has none."""
    try:
        results = {key: float(value) for key, value in model.get_metrics_result().items()}
    except (ValueError, AttributeError):
        return None
    accuracy = next((value for key, value in results.items() if "acc" in key), None)
    if "loss" not in results or accuracy is None:
        return None
    return results["loss"], accuracy


def _as_float(exercise, name, value):
    """``value`` as a Python float; hints when it is the ``[loss, accuracy]`` list or ``None``."""
    if isinstance(value, (list, tuple)):
        _fail(
            exercise,
            f"`{name}` is a {type(value).__name__} of {len(value)} numbers: `evaluate` returns "
            f"[loss, accuracy] when the model has metrics, so unpack it: `_, {name} = model.evaluate(...)`.",
        )
    if value is None:
        _fail(exercise, f"`{name}` is None: assign the number `evaluate` returns, not the result of `print`.")
    try:
        return float(value)
    except (TypeError, ValueError):
        _fail(exercise, f"`{name}` should be a number, but it is a {type(value).__name__}.")


def _close(a, b):
    return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)


def _expect_accuracy(exercise, name, value, model, model_name, other=None):
    """``value`` must be the accuracy of ``model``'s last evaluation (``other``: ``(model, name)``
    of the model whose accuracy it might have been swapped with)."""
    value = _as_float(exercise, name, value)
    evaluation = _last_evaluation(model)
    if evaluation is None:
        _fail(
            exercise,
            f"`{model_name}` has not been evaluated yet: "
            f"`_, {name} = {model_name}.evaluate(X_test, y_test, verbose=0)`.",
        )
    loss, accuracy = evaluation
    if _close(value, accuracy):
        return value
    if _close(value, loss):
        _fail(
            exercise,
            f"`{name}` holds the loss, not the accuracy: `evaluate` returns [loss, accuracy], "
            f"so write `_, {name} = {model_name}.evaluate(X_test, y_test, verbose=0)`.",
        )
    if other is not None:
        other_evaluation = _last_evaluation(other[0])
        if other_evaluation is not None and _close(value, other_evaluation[1]):
            _fail(exercise, f"`{name}` holds the accuracy of `{other[1]}`; the two accuracies look swapped.")
    _fail(
        exercise,
        f"`{name}` is not the accuracy of `{model_name}`'s last evaluation "
        f"({accuracy:.4f}): `_, {name} = {model_name}.evaluate(X_test, y_test, verbose=0)`.",
    )


# --------------------------------------------------------------------------- exercises


def exercise_1(model, history, train_mse, test_mse, part):
    """Exercise I, step ``part`` (1: plain SGD, 2: SGD with ``clipvalue=3.0``).

    Checks the two Dense layers, the MSE loss, ``SGD(learning_rate=0.01, momentum=0.9)`` with no
    clipping (step 1) or ``clipvalue=3.0`` (step 2), that ``history`` comes from ``fit`` with
    validation data, and that ``train_mse``/``test_mse`` are the floats ``evaluate`` returned.
    """
    import keras

    exercise = f"I (step {part})"
    _start(exercise, model=model, history=history, train_mse=train_mse, test_mse=test_mse)
    if part not in (1, 2):
        raise ValueError(f"part must be 1 or 2, not {part!r}")
    layers = _layers(exercise, model)
    kinds = [_describe(layer) for layer in layers]
    if kinds != ["Dense(25, relu)", "Dense(1, linear)"]:
        _fail(
            exercise,
            f"the model has {', '.join(kinds)}; keep the course's two layers: "
            f"`Dense(25, activation='relu')` then `Dense(1, activation='linear')`.",
        )
    loss = model.loss
    if not (loss in ("mean_squared_error", "mse") or isinstance(loss, keras.losses.MeanSquaredError)):
        _fail(
            exercise, f"the loss is {loss!r}; this is a regression: compile with `loss='mean_squared_error'`."
        )
    optimizer = model.optimizer
    if not isinstance(optimizer, keras.optimizers.SGD):
        _fail(
            exercise,
            f"the optimizer is {type(optimizer).__name__}; use `SGD(learning_rate=0.01, momentum=0.9"
            f"{', clipvalue=3.0' if part == 2 else ''})`.",
        )
    learning_rate = float(optimizer.learning_rate)
    if not math.isclose(learning_rate, 0.01, rel_tol=1e-5):
        _fail(
            exercise,
            f"SGD has learning_rate={learning_rate:g}; use `learning_rate=0.01` "
            f"(Keras 3 spells the seed's `lr=` as `learning_rate=`).",
        )
    if not math.isclose(float(optimizer.momentum), 0.9, rel_tol=1e-5):
        _fail(exercise, f"SGD has momentum={float(optimizer.momentum):g}; use `momentum=0.9`.")
    clipping = {key: getattr(optimizer, key) for key in ("clipvalue", "clipnorm", "global_clipnorm")}
    if part == 1 and any(value is not None for value in clipping.values()):
        used = next(key for key, value in clipping.items() if value is not None)
        _fail(
            exercise,
            f"step 1 shows the gradients exploding, so leave `{used}` out here; "
            f"you add `clipvalue=3.0` in step 2.",
        )
    if part == 2:
        if clipping["clipvalue"] is None:
            other = next((key for key in ("clipnorm", "global_clipnorm") if clipping[key] is not None), None)
            if other:
                _fail(
                    exercise,
                    f"you clipped with `{other}`, which rescales the whole gradient; the instructions "
                    f"ask for `clipvalue=3.0`, which clips each gradient value to [-3, 3].",
                )
            _fail(
                exercise,
                "SGD has no `clipvalue`, so the gradients still explode: "
                "use `SGD(learning_rate=0.01, momentum=0.9, clipvalue=3.0)`.",
            )
        if not math.isclose(float(clipping["clipvalue"]), 3.0):
            _fail(exercise, f"clipvalue is {float(clipping['clipvalue']):g}; set `clipvalue=3.0`.")
    if history is None or not isinstance(getattr(history, "history", None), dict):
        _fail(exercise, "`history` should be what `model.fit(...)` returns: `history = model.fit(...)`.")
    if "val_loss" not in history.history:
        _fail(exercise, "`fit` ran without validation data: pass `validation_data=(X_test, y_test)`.")
    train_mse = _as_float(exercise, "train_mse", train_mse)
    test_mse = _as_float(exercise, "test_mse", test_mse)
    if part == 2 and not (math.isfinite(train_mse) and math.isfinite(test_mse)):
        _fail(
            exercise,
            "the MSE is still not finite although clipvalue is set: build a fresh model in this cell "
            "(a model whose weights already exploded stays broken), then compile and fit it.",
        )
    last_val_loss = float(history.history["val_loss"][-1])
    if math.isfinite(last_val_loss) and not math.isclose(test_mse, last_val_loss, rel_tol=1e-3):
        if math.isclose(train_mse, last_val_loss, rel_tol=1e-3):
            _fail(
                exercise,
                "`train_mse` and `test_mse` look swapped: "
                "`train_mse = model.evaluate(X_train, y_train, verbose=0)`, then the same on the test set.",
            )
        _fail(
            exercise,
            "`test_mse` is not the MSE of this model on the test set: "
            "`test_mse = model.evaluate(X_test, y_test, verbose=0)`.",
        )
    if part == 1:
        _passed(exercise, "plain SGD with momentum; look at how large (or nan) the MSE printed above is.")
    else:
        _passed(exercise, "SGD with clipvalue=3.0 keeps the gradients, and so the MSE, finite.")


def exercise_2(model, weights_name="simple_rnn_raw"):
    """Exercise II: ``SimpleRNN`` on raw ids ``(None, 1)`` + ``Dense(1, sigmoid)``, pre-trained weights loaded."""
    from .models import RECIPES

    exercise = "II"
    _start(exercise, model=model)
    units = RECIPES[weights_name].kwargs["units"]
    _layers(exercise, model)
    recurrent = _recurrent(model)
    if not recurrent:
        _fail(
            exercise,
            f"the model has no recurrent layer: add `SimpleRNN(units={units})` before the Dense layer.",
        )
    _expect_recurrent(exercise, recurrent[0], "SimpleRNN", units)
    _expect_input(exercise, model, (None, 1), "keras.Input(shape=(None, 1))")
    _expect_output(exercise, model)
    _expect_weights(exercise, model, weights_name)
    _passed(
        exercise,
        f"SimpleRNN({units}) with the pre-trained weights loaded; now read the accuracy curves in the plot.",
    )


def exercise_3(SimpleRNN_model, gru_model, acc_simpleRNN, acc_GRU):
    """Exercise III: both accuracies are floats from each model's own ``evaluate`` (not the loss, not swapped)."""
    exercise = "III"
    _start(
        exercise,
        SimpleRNN_model=SimpleRNN_model,
        gru_model=gru_model,
        acc_simpleRNN=acc_simpleRNN,
        acc_GRU=acc_GRU,
    )
    for model, name, kind in (
        (SimpleRNN_model, "SimpleRNN_model", "SimpleRNN"),
        (gru_model, "gru_model", "GRU"),
    ):
        _layers(exercise, model, name)
        if not any(_kind(layer) == kind for layer in model.layers):
            _fail(
                exercise,
                f"`{name}` has no {kind} layer; it should be the pre-trained model from the setup "
                f"cell. Run the setup cell again.",
            )
    _expect_accuracy(
        exercise,
        "acc_simpleRNN",
        acc_simpleRNN,
        SimpleRNN_model,
        "SimpleRNN_model",
        other=(gru_model, "gru_model"),
    )
    _expect_accuracy(
        exercise, "acc_GRU", acc_GRU, gru_model, "gru_model", other=(SimpleRNN_model, "SimpleRNN_model")
    )
    _passed(exercise, "both accuracies come from evaluating each model on the test set.")


def exercise_4(model, weights_name="lstm_stack"):
    """Exercise IV: three stacked ``LSTM`` layers (sequences, sequences, last vector), weights loaded, evaluated."""
    from .models import RECIPES

    exercise = "IV"
    _start(exercise, model=model)
    units = RECIPES[weights_name].kwargs["units"]
    depth = RECIPES[weights_name].kwargs.get("depth", 3)
    _layers(exercise, model)
    recurrent = _recurrent(model)
    if len(recurrent) != depth:
        _fail(exercise, f"the model has {len(recurrent)} recurrent layer(s); stack {depth} `LSTM` layers.")
    for number, layer in enumerate(recurrent, start=1):
        _expect_recurrent(exercise, layer, "LSTM", units, position=f"Recurrent layer {number}")
    for number, layer in enumerate(recurrent, start=1):
        if number < depth and not layer.return_sequences:
            _fail(
                exercise,
                f"LSTM layer {number} must return sequences (`return_sequences=True`) so that "
                f"LSTM layer {number + 1} receives one vector per time step.",
            )
        if number == depth and layer.return_sequences:
            _fail(
                exercise,
                "the last LSTM layer must not return sequences (`return_sequences=False`): the "
                "Dense layer needs one vector per review, not one per time step.",
            )
    _expect_input(exercise, model, (None, 1), "keras.Input(shape=(None, 1))")
    _expect_output(exercise, model)
    _expect_weights(exercise, model, weights_name)
    if _last_evaluation(model) is None:
        _fail(
            exercise, "print the loss and accuracy: `model.evaluate(X_test, y_test, verbose=0)` returns both."
        )
    _passed(
        exercise,
        f"{depth} stacked LSTM({units}) layers, only the last one returning a single vector, "
        f"with the pre-trained weights.",
    )


def _expect_compiled(exercise, model):
    if not getattr(model, "compiled", False) or model.optimizer is None:
        _fail(
            exercise,
            "the model is not compiled: `model.compile(loss='binary_crossentropy', "
            "optimizer='adam', metrics=['accuracy'])`.",
        )


def exercise_5(model, vocabulary_size, sentence_len, wordvec_dim):
    """Exercise V: ``Embedding(vocabulary_size + 1, wordvec_dim)`` on ``sentence_len`` ids, ``GRU(128)``,
    ``Dense(1, sigmoid)`` (a linear ``Dense(1)`` is refused: binary cross-entropy needs a probability), compiled."""
    exercise = "V"
    _start(
        exercise,
        model=model,
        vocabulary_size=vocabulary_size,
        sentence_len=sentence_len,
        wordvec_dim=wordvec_dim,
    )
    _layers(exercise, model)
    embedding = _expect_embedding(exercise, model, vocabulary_size + 1, wordvec_dim, "vocabulary_size + 1")
    if not embedding.trainable:
        _fail(
            exercise,
            "keep this embedding trainable (`trainable=True`): here you count the parameters it must "
            "learn; you freeze an embedding in the next exercise.",
        )
    _expect_input(exercise, model, (sentence_len,), "keras.Input(shape=(sentence_len,))")
    recurrent = _recurrent(model)
    if not recurrent:
        _fail(exercise, "add the recurrent layer after the embedding: `GRU(128)`.")
    _expect_recurrent(exercise, recurrent[0], "GRU", 128)
    _expect_output(exercise, model)
    _expect_compiled(exercise, model)
    _passed(
        exercise,
        f"the embedding model has {model.count_params():,} parameters, "
        f"{embedding.count_params():,} of them in the Embedding layer.",
    )


def exercise_6(model, glove_matrix):
    """Exercise VI: a frozen ``Embedding`` holding ``glove_matrix``, a recurrent layer, ``Dense(1, sigmoid)``."""
    exercise = "VI"
    _start(exercise, model=model, glove_matrix=glove_matrix)
    if not isinstance(glove_matrix, np.ndarray) or glove_matrix.ndim != 2:
        _fail(
            exercise,
            f"`glove_matrix` should be the 2-D numpy array that `load_glove(...)` returns, "
            f"but it is a {type(glove_matrix).__name__}.",
        )
    _layers(exercise, model)
    rows, dim = glove_matrix.shape
    first = model.layers[0]
    if _kind(first) != "Embedding":
        _fail(
            exercise,
            f"the first layer is {_describe(first)}; start with the Embedding layer that holds the "
            f"GloVe vectors.",
        )
    if (first.input_dim, first.output_dim) != (rows, dim):
        _fail(
            exercise,
            f"the Embedding is {first.input_dim} × {first.output_dim} but glove_matrix is {rows} × {dim}: "
            f"use input_dim=vocabulary_size + 1 and output_dim=wordvec_dim.",
        )
    if _input_shape(model) is None:
        _fail(
            exercise,
            "the model has no input shape yet, so the embedding holds no vectors: start it with "
            "`keras.Input(shape=(sentence_len,))` (Keras 3 ignores `input_length=`).",
        )
    if not np.allclose(first.get_weights()[0], glove_matrix, atol=1e-6):
        _fail(
            exercise,
            "the Embedding does not hold the GloVe vectors: pass "
            "`embeddings_initializer=Constant(glove_matrix)`.",
        )
    if first.trainable:
        _fail(
            exercise,
            "the Embedding is still trainable, so fit would change the GloVe vectors: set `trainable=False` "
            "(the summary then counts them as non-trainable parameters).",
        )
    if not _recurrent(model):
        _fail(exercise, "add the recurrent layer after the embedding: `GRU(128)`.")
    _expect_output(exercise, model)
    _expect_compiled(exercise, model)
    trainable = sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)
    frozen = sum(int(np.prod(weight.shape)) for weight in model.non_trainable_weights)
    _passed(exercise, f"{frozen:,} frozen GloVe parameters; only {trainable:,} parameters left to train.")


def exercise_7(
    model, acc_embeddings, max_vocabulary, max_len, wordvec_dim, weights_name="embedding_simple_rnn"
):
    """Exercise VII: ``Embedding(max_vocabulary, wordvec_dim)`` on ``max_len`` ids, ``SimpleRNN``,
    ``Dense(1, sigmoid)``, pre-trained weights loaded, ``acc_embeddings`` from ``evaluate``."""
    from .models import RECIPES

    exercise = "VII"
    _start(
        exercise,
        model=model,
        acc_embeddings=acc_embeddings,
        max_vocabulary=max_vocabulary,
        max_len=max_len,
        wordvec_dim=wordvec_dim,
    )
    units = RECIPES[weights_name].kwargs["units"]
    _layers(exercise, model)
    _expect_embedding(exercise, model, max_vocabulary, wordvec_dim, "max_vocabulary")
    _expect_input(exercise, model, (max_len,), "keras.Input(shape=(max_len,))")
    recurrent = _recurrent(model)
    if not recurrent:
        _fail(exercise, f"add the recurrent layer after the embedding: `SimpleRNN(units={units})`.")
    _expect_recurrent(exercise, recurrent[0], "SimpleRNN", units)
    _expect_output(exercise, model)
    _expect_weights(exercise, model, weights_name)
    _expect_accuracy(exercise, "acc_embeddings", acc_embeddings, model, "model")
    _passed(
        exercise,
        "the embedding model with its pre-trained weights; compare the two accuracies printed above.",
    )


# --------------------------------------------------------------------------- blanks


def _code_blank_lines(source):
    """The numbers of the lines of ``source`` whose code (not comments, not strings) holds ``____``.

    Tokenizes ``source``; where tokenizing stops early (an unclosed bracket or string while the
    learner is still typing), the rest is scanned line by line with ``#`` comments cut off.
    """
    skipped = {tokenize.COMMENT, tokenize.STRING}
    skipped |= {
        getattr(tokenize, name) for name in ("FSTRING_MIDDLE", "TSTRING_MIDDLE") if hasattr(tokenize, name)
    }
    numbers, scanned = set(), 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            scanned = token.end[0]
            if token.type not in skipped and BLANK in token.string:
                numbers.add(token.start[0])
            elif token.type == tokenize.STRING and _FSTRING_BLANK.match(token.string):
                numbers.add(token.start[0])  # a blank inside an f-string's {...} (Python < 3.12)
    except (tokenize.TokenError, SyntaxError):
        for number, line in enumerate(source.splitlines()[scanned:], start=scanned + 1):
            if BLANK in line.split("#", 1)[0]:
                numbers.add(number)
    return numbers


def blank_lines(source):
    """``[(line_number, line), ...]`` of the lines of ``source`` whose code contains a ``____`` blank.

    A ``____`` in a comment or a string is not a blank.
    """
    numbers = _code_blank_lines(source)
    return [(number, line) for number, line in enumerate(source.splitlines(), start=1) if number in numbers]


def blank_message(source):
    """The "fill in the blank" message for ``source``, or ``None`` when it has no blanks."""
    lines = blank_lines(source)
    if not lines:
        return None
    shown = "\n".join(f"    line {number}: {line.strip()}" for number, line in lines)
    count = sum(len(_BLANK_PATTERN.findall(line)) for _, line in lines)
    return (
        f"Fill in the blank{'s' if count > 1 else ''} before running this cell: replace each "
        f"{BLANK} with your code (the instructions above say what goes there).\n{shown}"
    )


def _is_check_cell(source):
    return "check.exercise_" in source


def _blank_transformer(lines):
    """IPython input transformer: a cell with blanks becomes a single ``raise FillInTheBlank``."""
    source = "".join(lines)
    message = blank_message(source)
    if message is None:
        if not _is_check_cell(source):
            _STATE["blank_cell"] = False
        return lines
    _STATE["blank_cell"] = True
    return [f"raise __import__('rnncourse.check', fromlist=['check']).FillInTheBlank({message!r})\n"]


_blank_transformer.has_side_effects = True  # IPython skips it when it only checks whether input is complete


# --------------------------------------------------------------------------- which exercise a cell belongs to

_CELLS = {}


def _label(exercise, part=None):
    """``'II'``, ``'I (step 1)'``: how the checks name an exercise (step)."""
    return f"{exercise} (step {part})" if part else exercise


def _normalise(source):
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _exercise_cells():
    """``(by_id, patterns)`` of the setup and solution cells of the exercise notebooks.

    ``by_id`` maps a cell id to ``(label, role)``; ``patterns`` are ``(regex, label, role)``: a
    solution cell matches with each ``____`` filled by anything, a setup cell as it is.
    """
    from .paths import repo_root

    folder = Path(EXERCISES_DIR) if EXERCISES_DIR else repo_root() / "exercises"
    key = str(folder)
    if key not in _CELLS:
        by_id, patterns = {}, []
        for path in sorted(folder.glob("*.ipynb")) if folder.is_dir() else []:
            try:
                cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            except (OSError, ValueError, KeyError):
                continue
            for cell in cells:
                info = cell.get("metadata", {}).get("rnncourse") or {}
                if info.get("role") not in ("setup", "solution"):
                    continue
                label, role = _label(info.get("exercise"), info.get("part")), info["role"]
                source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                if cell.get("id"):
                    by_id[cell["id"]] = (label, role)
                parts = [re.escape(part) for part in _normalise(source).split(BLANK)]
                patterns.append((re.compile("(?:.*?)".join(parts), re.DOTALL), label, role))
        _CELLS[key] = (by_id, patterns)
    return _CELLS[key]


def identify(source, cell_id=None):
    """``(label, role)`` of the exercise cell ``source`` is (by its cell id, else by its text with the
    blanks filled in any way), or ``(None, None)`` for any other cell."""
    by_id, patterns = _exercise_cells()
    if cell_id in by_id:
        return by_id[cell_id]
    text = _normalise(source)
    found = {(label, role) for pattern, label, role in patterns if pattern.fullmatch(text)}
    return found.pop() if len(found) == 1 else (None, None)


# --------------------------------------------------------------------------- what the cells run so far did


def _user_names(shell):
    return {name: id(value) for name, value in shell.user_ns.items() if not name.startswith("_")}


def _pre_run_cell(info=None):
    """IPython ``pre_run_cell`` event: remember the cell and the names bound before it runs."""
    try:
        source = getattr(info, "raw_cell", "") or ""
        _STATE["cell"] = source
        shell = _STATE.get("shell")
        _STATE["snapshot"] = None if shell is None or _is_check_cell(source) else _user_names(shell)
    except Exception:  # noqa: BLE001 - never break the learner's cell
        _STATE["snapshot"] = None


def _where(error):
    """``' (line N: code)'``: the learner's line where ``error`` was raised, or ``''``."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.startswith("<") or "ipykernel_" in frame.filename
    ]
    frame = frames[-1] if frames else None
    return f" (line {frame.lineno}: {frame.line.strip()})" if frame is not None and frame.line else ""


class _Assigned(ast.NodeVisitor):
    """The global names a cell's code binds (not those local to its functions or comprehensions)."""

    def __init__(self):
        self.names = set()

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store):
            self.names.add(node.id)

    def _define(self, node):
        self.names.add(node.name)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _define

    def visit_Lambda(self, node):
        pass

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Lambda

    def visit_Import(self, node):
        self.names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}

    visit_ImportFrom = visit_Import


def _assigned_names(shell, source):
    """The names ``source`` (a cell, IPython syntax allowed) assigns, or an empty set."""
    try:
        tree = ast.parse(shell.transform_cell(source))
    except Exception:  # noqa: BLE001 - a cell that does not parse binds nothing we can tell
        return set()
    visitor = _Assigned()
    visitor.visit(tree)
    return visitor.names


def _fingerprint(value):
    """What tells two bindings of a name apart: the value of a number or string, else the object."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return ("value", type(value).__name__, value)
    return ("object", id(value))


def _post_run_cell(result=None):
    """IPython ``post_run_cell`` event: record how the cell ended and which names it (re)bound."""
    try:
        snapshot, _STATE["snapshot"] = _STATE["snapshot"], None
        shell = _STATE.get("shell")
        if snapshot is None or shell is None or result is None:
            return
        info = result.info
        label, role = identify(info.raw_cell or "", getattr(info, "cell_id", None))
        error = result.error_before_exec or result.error_in_exec
        _STATE["count"] += 1
        record = {
            "label": label,
            "role": role,
            "error": error,
            "number": _STATE["count"],
            "where": _where(error) if error is not None else "",
        }
        names = _user_names(shell)
        changed = {name for name, identity in names.items() if snapshot.get(name) != identity}
        if error is None:  # `x = 50` binds x even when 50 is the very object x held before
            changed |= _assigned_names(shell, info.raw_cell or "") & set(names)
        for name in changed:
            _STATE["bound"][name] = (names[name], label, role)
            if role == "setup":
                _STATE["setup_values"][(label.split()[0], name)] = _fingerprint(shell.user_ns[name])
        for name in set(snapshot) - set(names):
            _STATE["bound"].pop(name, None)
        _STATE["last"] = record
        if label is not None:  # an exercise's solution cell by its label, a setup cell by its numeral
            _STATE["runs"][label if role == "solution" else ("setup", label.split()[0])] = record
    except Exception:  # noqa: BLE001 - never break the learner's cell
        pass


def _one_line(text, limit=160):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _failed(error, where=""):
    """``"stopped with KeyError: 'acc' (line 12: …). <remedy>"`` for a cell that raised ``error``."""
    hint = explain(error)
    text = f"stopped with {type(error).__name__}: {_one_line(error)}{where}"
    return f"{text}. {hint}" if hint else f"{text}."


def _exercise_record(exercise):
    """The last run of ``exercise``'s own cell, else the last cell run when it is no exercise's cell."""
    record = _STATE["runs"].get(exercise)
    last = _STATE["last"]
    if record is None and last is not None and last["label"] is None:
        record = last
    return record


def _run_problem(exercise):
    """Why ``exercise`` cannot be checked yet (blanks left, its cell failed), or ``None``."""
    if _STATE["blank_cell"]:
        return _blank_hint()
    setup = _STATE["runs"].get(("setup", exercise.split()[0]))
    if setup is not None and setup["error"] is not None:
        return (
            f"the setup cell of Exercise {exercise.split()[0]} {_failed(setup['error'], setup['where'])} "
            f"Run it again (and the exercise cell after it), then run this check."
        )
    record = _exercise_record(exercise)
    if record is None or record["error"] is None:
        return None
    if isinstance(record["error"], FillInTheBlank):
        return _blank_hint()
    which = "the exercise cell above" if record["label"] == exercise else "the last cell you ran"
    return f"{which} {_failed(record['error'], record['where'])} Fix it, run it again, then run this check."


def _leftover(exercise, name, value):
    """A message when ``value`` (passed as ``name``) was made by another exercise's cell, or ``None``."""
    entry = _STATE["bound"].get(name)
    if entry is None or entry[0] != id(value) or entry[1] is None:
        return None
    _, label, role = entry
    if role == "setup":
        own = exercise.split()[0]
        if label.split()[0] == own or _STATE["setup_values"].get((own, name)) == _fingerprint(value):
            return None  # this exercise's setup cell, or another one setting the same value
        return (
            f"`{name}` was last set by the setup cell of Exercise {label}, not by this exercise's: "
            f"run the setup cell of Exercise {exercise.split()[0]} and the exercise cell above again, "
            f"then this check."
        )
    if label == exercise:
        return None
    return (
        f"`{name}` is left over from the cell of Exercise {label}: run the exercise cell above "
        f"(Exercise {exercise}, blanks filled in) first, then this check."
    )


def _check_label(source):
    """The exercise label a check cell's source checks (``'III'``, ``'I (step 2)'``) or ``None``."""
    match = _CHECK_CALL.search(source)
    if not match or not 1 <= int(match.group(1)) <= len(NUMERALS):
        return None
    part = re.search(r"\bpart\s*=\s*(\d)", source)
    return _label(NUMERALS[int(match.group(1)) - 1], int(part.group(1)) if part else None)


def _missing_name_message(error):
    """The one-line message for a ``NameError`` raised by a check cell."""
    exercise = _check_label(_STATE["cell"]) or "?"
    name = getattr(error, "name", None) or str(error)
    problem = _run_problem(exercise)
    if problem:
        return f"Exercise {exercise}: `{name}` does not exist because {problem}"
    return (
        f"Exercise {exercise}: `{name}` is not defined yet: run this exercise's cells above first (its setup "
        f"cell, then the exercise cell with its blanks filled in), then this check."
    )


# --------------------------------------------------------------------------- errors with a remedy


def _acc_key_hint(match, error):
    key = match.group(0).strip("'")
    return (
        f"Keras 3 names the history keys after the metric given to compile: use "
        f"'{key.replace('acc', 'accuracy')}' instead of '{key}'."
    )


def _glove_name_hint(match, error):
    return (
        f"{match.group(1)} is not a GloVe file here: this environment bundles the 50-dimensional "
        f"`glove.6B.50d` vectors instead of the course's 200-dimensional `glove_200d.zip`, so load them with "
        f'`load_glove("glove.6B.50d")` (wordvec_dim is 50 here).'
    )


def _keras_input(error):
    """The Keras tensor that reached the layer that raised ``error`` (innermost frame), or ``None``."""
    tb, tensor = error.__traceback__, None
    while tb is not None:
        for name in ("x", "inputs"):
            value = tb.tb_frame.f_locals.get(name)
            value = value[0] if isinstance(value, (list, tuple)) and value else value
            if getattr(value, "_keras_history", None) is not None:
                tensor = value
        tb = tb.tb_next
    return tensor


def _recurrent_input_hint(match, error):
    layer = re.search(r"of layer '([^']+)'", str(error))
    layer = f"`{layer.group(1)}`" if layer else "a recurrent layer"
    shape = re.search(r"Full shape received: (\([^)]*\))", str(error))
    shape = f" {shape.group(1)}" if shape else ""
    tensor = _keras_input(error)
    source = getattr(getattr(tensor, "_keras_history", None), "operation", None)
    if source is not None and type(source).__name__ == "InputLayer":
        return (
            f"{layer} received the 2-D input{shape} of the model: one word id per step, not a vector per "
            f"step. Word ids go through an `Embedding` layer first (e.g. `Embedding(input_dim=max_vocabulary, "
            f"output_dim=wordvec_dim)` right after `keras.Input`), which turns each id into a vector."
        )
    if source is not None and getattr(source, "return_sequences", None) is False:
        return (
            f"{layer} received one vector per review{shape} from `{source.name}`: set "
            f"`return_sequences=True` on every recurrent layer except the last one."
        )
    if source is not None:
        return (
            f"{layer} received 2-D input{shape} from `{source.name}` ({type(source).__name__}); a recurrent "
            f"layer reads a sequence, shaped (batch, time steps, features)."
        )
    return (
        f"{layer} received 2-D input{shape} instead of a sequence (batch, time steps, features): word ids "
        f"need an `Embedding` layer before it; a recurrent layer before it needs `return_sequences=True`."
    )


_KERAS2_HINTS = (
    (KeyError, r"^'(val_)?acc'$", _acc_key_hint),
    (
        NameError,
        r"'he_uniform' is not defined",
        "`he_uniform` is not imported here: write `HeUniform(seed=42)` (the class the setup cell imports); "
        "in Keras 3 `keras.initializers.he_uniform` is another name for the same class, so "
        "`from keras.initializers import he_uniform` works too.",
    ),
    (
        ValueError,
        r"not recognized: \{'lr'",
        "Keras 3 renamed the optimizer argument `lr` to `learning_rate`: e.g. `SGD(learning_rate=0.01)`.",
    ),
    (
        ModuleNotFoundError,
        r"keras\.layers\.recurrent",
        "Keras 3 has no `keras.layers.recurrent`: import the cells from `keras.layers` "
        "(`from keras.layers import SimpleRNN, GRU, LSTM`).",
    ),
    (ValueError, r"expected ndim=3, found ndim=2", _recurrent_input_hint),
    (
        ValueError,
        r"not yet been built|was never built|has not been built",
        "the model has no input shape yet, so it has no weights: start it with `keras.Input(shape=...)`, the shape "
        "of one review, e.g. `model.add(keras.Input(shape=(max_len,)))` before an Embedding, or "
        "`keras.Input(shape=(None, 1))` for raw ids, one per step (Keras 3 ignores `input_length=`).",
    ),
    (ValueError, r"name=('[^']*'|\"[^\"]*\") is not a GloVe 6B file name", _glove_name_hint),
    (
        FileNotFoundError,
        r"glove\.6B\.\d+d\.txt not found",
        'only the 50-dimensional GloVe vectors are bundled: load them with `load_glove("glove.6B.50d")`, '
        "or put the larger file into data/ (see the README).",
    ),
    (
        ValueError,
        r"could not be loaded|expected \d+ variables|shape of the target variable",
        "the weights file does not fit this model: it was saved from the architecture the instructions "
        "describe. Check each layer's type, units, input_dim and output_dim, then build and load again.",
    ),
    (
        FileNotFoundError,
        r"\.h5",
        "this weights file does not exist here: load the pre-trained weights from the path the setup cell "
        "of this exercise prepares (Keras 3 weights files end in `.weights.h5`).",
    ),
    (
        Exception,
        r"Incompatible shapes",
        "an initializer's value does not have the layer's shape: with `Constant(glove_matrix)` the "
        "Embedding needs input_dim and output_dim equal to `glove_matrix.shape`.",
    ),
)


def explain(error):
    """A one-line remedy for an error a Keras 2 habit (or the course's code) raises here, or ``None``."""
    text = str(error)
    for kind, pattern, hint in _KERAS2_HINTS:
        match = re.search(pattern, text)
        if isinstance(error, kind) and match:
            return hint(match, error) if callable(hint) else hint
    return None


# --------------------------------------------------------------------------- the kernel side


def _feedback_handler(shell, etype, value, tb, tb_offset=None):
    """IPython custom exception handler: short messages for blanks, checks and Keras 2 habits."""
    if isinstance(value, (FillInTheBlank, CheckFailed)):
        message = str(value)
    elif isinstance(value, NameError) and _is_check_cell(_STATE["cell"]):
        message = _missing_name_message(value)
    elif isinstance(value, NameError) and _STATE["blank_cell"]:
        message = (
            f"{value}: the exercise cell above still has {BLANK} blanks, so it did not run. "
            f"Fill them in, run that cell, then run this one again."
        )
    else:
        hint = explain(value)
        if hint is None:
            shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)
            return None
        message = f"Hint: {hint}\n[{etype.__name__}: {_one_line(value, 300)}]{_where(value)}"
    shell._showtraceback(etype, value, [message])
    return None


def _install(hooks, name, function):
    """Append ``function`` to ``hooks`` once, replacing an earlier copy (re-running the first cell)."""
    hooks[:] = [item for item in hooks if getattr(item, "__name__", "") != name]
    hooks.append(function)


def enable_feedback(shell=None):
    """Turn on the exercise feedback in the running IPython kernel (a no-op outside IPython).

    Cells whose code contains ``____`` stop with a fill-in-the-blank message; :class:`CheckFailed`
    hints, check cells run too early and Keras 2 habits show a short message instead of a
    traceback. Returns ``None`` (prints nothing), so the first cell of a notebook shows no result.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return None
        shell = get_ipython()
    if shell is None:
        return None
    name = _blank_transformer.__name__
    shell.input_transformers_post[:] = [
        item for item in shell.input_transformers_post if getattr(item, "__name__", "") != name
    ]
    _install(shell.input_transformers_cleanup, name, _blank_transformer)
    for event, callback in (("pre_run_cell", _pre_run_cell), ("post_run_cell", _post_run_cell)):
        for registered in list(shell.events.callbacks[event]):
            if getattr(registered, "__name__", "") == callback.__name__:
                shell.events.unregister(event, registered)
        shell.events.register(event, callback)
    shell.set_custom_exc((Exception,), _feedback_handler)
    if _STATE.get("shell") is not shell:
        _STATE["shell"] = shell
        reset_state()
    _STATE["blank_cell"] = False
    return None
