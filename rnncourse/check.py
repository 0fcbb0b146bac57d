"""For learners: instant feedback for the exercises: one check per exercise.

Each ``exercise_N(...)`` inspects the objects the learner created (models, optimizers,
histories, printed values) and either prints one short success line, or raises
:class:`~rnncourse.feedback.CheckFailed` whose one-line message names the likely mistake. The
sizes a check expects (units, layers, vocabulary) come from the shipped model's recipe in
:data:`rnncourse.models.RECIPES` or from the arguments the check cell passes from the
exercise's setup.

The kernel side (blanks, hints without tracebacks, which cell ran) is :mod:`rnncourse.feedback`;
with it on, a check first refuses, in one line, an exercise whose cell did not run to its end or
objects another exercise's cell made.
"""

import ast
import inspect
import math
from functools import cache

import numpy as np

from . import feedback
from .feedback import CheckFailed

_RECURRENT = ("SimpleRNN", "GRU", "LSTM")

# --------------------------------------------------------------------------- helpers


def _fail(exercise, hint):
    raise CheckFailed(f"Exercise {exercise}: {hint}")


def _passed(exercise, what):
    """Print the success line; returns ``None`` so that a check cell shows no ``True`` result."""
    print(f"Exercise {exercise}: correct — {what}")


def _start(exercise, **objects):
    """Refuse to check an exercise whose cell did not run to its end, or objects another cell made.

    ``objects`` are the check's arguments by the names the check cell passes them under; with
    :func:`rnncourse.feedback.enable_feedback` on, each one that another exercise's cell (re)bound
    is reported.
    """
    problem = feedback.not_ready(exercise, objects)
    if problem:
        _fail(exercise, problem)


def _recipe(name, key):
    """The value the recipe of the shipped model ``name`` builds it with for the builder argument
    ``key`` (given in its kwargs, else the builder's default)."""
    from .models import RECIPES

    recipe = RECIPES[name]
    if key in recipe.kwargs:
        return recipe.kwargs[key]
    return inspect.signature(recipe.builder).parameters[key].default


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


def _reference_weights(name):
    """The verified pre-trained weights of ``name`` as a list of arrays (cached per file)."""
    from . import weights

    path = weights.weights_path(name)
    return _load_reference(name, str(path), path.stat().st_mtime_ns)


@cache
def _load_reference(name, path, modified):
    """``name``'s verified weights; ``path`` and ``modified`` only key the cache to the file."""
    from . import weights

    return weights.load_pretrained(name).get_weights()


_LOAD_FIX = "call `model.load_weights(...)` with the weights file after building the model"


def _expect_weights(exercise, model, name, model_name="model", fix=_LOAD_FIX):
    """The weights of ``model`` (passed as ``model_name``) must equal the verified weights of the shipped
    model ``name``; ``fix`` ends the hint (by default: load the weights after building the model)."""
    reference = _reference_weights(name)
    actual = model.get_weights()
    if len(actual) != len(reference) or any(a.shape != r.shape for a, r in zip(actual, reference)):
        _fail(
            exercise,
            f"the weights of `{model_name}` do not have the shapes of the pre-trained `{name}` model; "
            + (
                "build the layers exactly as the instructions say, then load the weights."
                if fix is _LOAD_FIX
                else f"{fix}."
            ),
        )
    if not all(np.allclose(a, r, atol=1e-6) for a, r in zip(actual, reference)):
        _fail(
            exercise,
            f"the pre-trained weights are not loaded in `{model_name}` (it still has its random initial "
            f"weights, or was trained further): {fix}.",
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
    if isinstance(value, np.ndarray) and value.size > 1:
        _fail(
            exercise,
            f"`{name}` is an array of {value.size:,} numbers, one per review: that is what `predict` "
            f"returns (probabilities, not an accuracy). `evaluate` scores the model against the labels "
            f"and returns [loss, accuracy]: `_, {name} = model.evaluate(X_test, y_test, verbose=0)`.",
        )
    try:
        return float(value)
    except (TypeError, ValueError):
        _fail(exercise, f"`{name}` should be a number, but it is a {type(value).__name__}.")


def _close(a, b):
    return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)


def _same(a, b):
    """``a`` and ``b`` are the same number up to round-off; two nans are the same."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return _close(a, b)


def _setup_value(exercise, name, given):
    """``given``, else the value the learner's cells bound to ``name`` (the exercise's setup cell)."""
    if given is not None:
        return given
    namespace = feedback.learner_namespace()
    if name not in namespace:
        _fail(
            exercise,
            f"`{name}` is not defined: run this exercise's setup cell, then the exercise cell, then this check.",
        )
    return namespace[name]


def _evaluated_count(model):
    """How many examples ``model``'s last ``evaluate`` (or ``fit``) call scored, or ``None``.

    Read from the state of its compiled metrics (``count`` is the number of examples a
    ``Mean``-type metric such as accuracy averaged over), so the check need not evaluate again.
    """
    try:
        counts = [
            int(round(float(variable.numpy())))
            for metric in model.metrics
            if metric.name != "loss"
            for variable in metric.variables
            if variable.name == "count"
        ]
    except (AttributeError, TypeError, ValueError):
        return None
    return counts[0] if counts else None


def _expect_evaluated_on(exercise, model, model_name, X_test, result="the accuracy"):
    """``model``'s last evaluation must have scored the whole test set ``X_test`` (checked by size:
    a second evaluation of a recurrent model on the test set would take seconds)."""
    count, size = _evaluated_count(model), len(X_test)
    if count is not None and count != size:
        _fail(
            exercise,
            f"{result} comes from an evaluation of {count:,} reviews, but the test set `X_test` has "
            f"{size:,}: evaluate on the whole test set: `{model_name}.evaluate(X_test, y_test, verbose=0)`.",
        )


def _expect_accuracy(exercise, name, value, model, model_name, X_test, other=None):
    """``value`` must be the accuracy of ``model``'s last evaluation, and that evaluation must have
    scored the whole test set ``X_test`` (``other``: ``(model, name)`` of the model whose accuracy
    it might have been swapped with)."""
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
        _expect_evaluated_on(exercise, model, model_name, X_test, result=f"`{name}`")
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

# Exercise I trains its model in the notebook, so no recipe holds its numbers: the course's instructions.
EXERCISE_1 = {"hidden_units": 25, "learning_rate": 0.01, "momentum": 0.9, "clipvalue": 3.0}


def _mse(model, X, y):
    """``model``'s MSE on ``(X, y)`` as ``evaluate`` computes it (in float32), from one forward pass:
    milliseconds for Exercise I's 500 rows, where an ``evaluate`` call takes a few tenths of a second.
    An infinite or huge MSE, where float32 overflow depends on how the sum is split, is ``evaluate``'s own."""
    predictions = np.asarray(model(np.asarray(X, dtype="float32"), training=False)).reshape(len(X), -1)
    errors = np.square(predictions - np.asarray(y, dtype="float32").reshape(len(y), -1))
    mse = float(np.mean(errors, dtype="float32"))
    if math.isinf(mse) or abs(mse) > 1e30:
        result = model.evaluate(X, y, verbose=0)
        mse = float(result[0] if isinstance(result, (list, tuple)) else result)
    return mse


def _expect_validation_on_test_set(exercise, history, data, measured):
    """``fit`` must have trained on all of ``X_train`` and validated on ``(X_test, y_test)``
    (``measured``: the model's MSEs on ``"train"`` and ``"test"``)."""
    fix = _VALIDATION_FIX
    params = getattr(history, "params", None)
    steps = params.get("steps") if isinstance(params, dict) else None
    full = math.ceil(len(data["X_train"]) / 32)
    if isinstance(steps, int) and steps < full:
        _fail(
            exercise,
            f"`fit` trained on {steps} batches an epoch, but the {len(data['X_train'])} rows of X_train make "
            f"{full} batches of 32: `validation_split=` holds part of X_train out of training; {fix}.",
        )
    last_val_loss = float(history.history["val_loss"][-1])
    if not _same(last_val_loss, measured["test"]):
        if _same(last_val_loss, measured["train"]):
            _fail(exercise, f"`fit` validated on the training set; {fix}.")
        _fail(
            exercise,
            f"`fit`'s validation loss is not this model's MSE on the test set (did you use "
            f"`validation_split=`?); {fix}.",
        )


_MSE_FIX = {
    "train_mse": "`train_mse = model.evaluate(X_train, y_train, verbose=0)`",
    "test_mse": "`test_mse = model.evaluate(X_test, y_test, verbose=0)`",
}
_OTHER_SET = {
    "train_mse": "the MSE on the test set, not on the training set",
    "test_mse": "the MSE on the training set, not on the test set",
}
_FROM_HISTORY = (
    "`train_mse` is `history.history['loss'][-1]`, the mean loss over the last epoch's batches "
    "while the weights were still changing, not the trained model's MSE"
)
_VALIDATION_FIX = "pass the test set instead: `validation_data=(X_test, y_test)`"


def _expect_mses(exercise, history, train_mse, test_mse, measured):
    """``train_mse`` and ``test_mse`` must be the model's MSEs ``measured`` on the training and the
    test set (a nan MSE must be reported as nan)."""
    on_train, on_test = measured["train"], measured["test"]
    if _same(train_mse, on_train) and _same(test_mse, on_test):
        return
    if _same(train_mse, on_test) and _same(test_mse, on_train):
        _fail(
            exercise,
            "`train_mse` and `test_mse` look swapped: "
            "`train_mse = model.evaluate(X_train, y_train, verbose=0)`, then the same on the test set.",
        )
    if not _same(train_mse, on_train):
        fix = _MSE_FIX["train_mse"]
        if _same(train_mse, on_test):
            _fail(exercise, f"`train_mse` is {_OTHER_SET['train_mse']}: {fix}.")
        if _same(train_mse, float(history.history["loss"][-1])):
            _fail(exercise, f"{_FROM_HISTORY}: {fix}.")
        _fail(
            exercise,
            f"`train_mse` ({train_mse:.4g}) is not this model's MSE on the training set ({on_train:.4g}): {fix}.",
        )
    fix = _MSE_FIX["test_mse"]
    if _same(test_mse, on_train):
        _fail(exercise, f"`test_mse` is {_OTHER_SET['test_mse']}: {fix}.")
    _fail(
        exercise,
        f"`test_mse` ({test_mse:.4g}) is not this model's MSE on the test set ({on_test:.4g}): {fix}.",
    )


def _assignments(tree, name):
    """The expressions the top level of ``tree`` assigns to ``name``, last one last."""
    found = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            found.append(node.value)
    return found


def _evaluated_on(expression):
    """The name of the array an ``….evaluate(X, …)`` call evaluates on, or ``None``."""
    for node in ast.walk(expression):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "evaluate"
            and node.args
            and isinstance(node.args[0], ast.Name)
        ):
            return node.args[0].id
    return None


def _exercise_code(exercise):
    """The parsed code of the last run of ``exercise``'s cell (recorded by the feedback), or ``None``
    where the feedback is off, the cell has not run, or its code is not plain Python."""
    source = feedback.exercise_source(exercise)
    if not source:
        return None
    try:
        return ast.parse(source)
    except SyntaxError:  # IPython syntax, or a cell being typed: nothing to read
        return None


def _method_calls(tree, method):
    """The ``….method(...)`` calls in ``tree``, in the order of the source."""
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method
    ]
    return sorted(calls, key=lambda node: (node.lineno, node.col_offset))


def _receiver(call):
    """The name a method ``call`` is made on (``model`` in ``model.summary()``), or ``None``."""
    value = call.func.value
    return value.id if isinstance(value, ast.Name) else None


_KERAS_LAYERS = ("keras.layers", "tensorflow.keras.layers")


def _names_imported_from_keras_layers(tree):
    """The names ``tree`` imports from ``keras.layers`` (``*`` for a star import)."""
    return [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module in _KERAS_LAYERS
        for alias in node.names
    ]


def _expect_mse_code(exercise, source):
    """What the values cannot tell apart when every MSE is nan (step 1): the exercise cell's own code
    (``source``, recorded by the feedback) must evaluate ``train_mse`` on ``X_train`` and ``test_mse``
    on ``X_test``, not read the history, and fit with ``validation_data``, not ``validation_split``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython syntax, or a cell being typed: nothing to read
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "validation_split":
            _fail(
                exercise,
                f"`validation_split=` holds part of X_train out of training and validates on it; {_VALIDATION_FIX}.",
            )
    for name, own in (("train_mse", "X_train"), ("test_mse", "X_test")):
        values = _assignments(tree, name)
        if not values:
            continue
        other = _evaluated_on(values[-1])
        if other is not None and other != own and other in ("X_train", "X_test"):
            _fail(exercise, f"`{name}` is {_OTHER_SET[name]}: {_MSE_FIX[name]}.")
        if name == "train_mse" and "history" in ast.unparse(values[-1]):
            _fail(exercise, f"{_FROM_HISTORY}: {_MSE_FIX[name]}.")


def exercise_1(
    model, history, train_mse, test_mse, part, X_train=None, y_train=None, X_test=None, y_test=None
):
    """Exercise I, step ``part`` (1: plain SGD, 2: SGD with ``clipvalue=3.0``).

    Checks the two Dense layers, the MSE loss, ``SGD(learning_rate=0.01, momentum=0.9)`` with no
    clipping (step 1) or ``clipvalue=3.0`` (step 2) (the numbers of :data:`EXERCISE_1`), that
    ``history`` comes from ``fit`` on all of ``X_train`` with ``validation_data=(X_test, y_test)``,
    and that ``train_mse``/``test_mse`` are the model's MSEs on the two sets, recomputed here (nan
    where the model's is nan). The data default to the learner's ``X_train``, ``y_train``,
    ``X_test`` and ``y_test`` (the setup cell's).
    """
    import keras

    exercise = feedback.label("I", part)
    hidden, learning_rate, momentum, clipvalue = (
        EXERCISE_1[key] for key in ("hidden_units", "learning_rate", "momentum", "clipvalue")
    )
    sgd = f"SGD(learning_rate={learning_rate}, momentum={momentum}"
    _start(exercise, model=model, history=history, train_mse=train_mse, test_mse=test_mse)
    if part not in (1, 2):
        raise ValueError(f"part must be 1 or 2, not {part!r}")
    layers = _layers(exercise, model)
    kinds = [_describe(layer) for layer in layers]
    if kinds != [f"Dense({hidden}, relu)", "Dense(1, linear)"]:
        _fail(
            exercise,
            f"the model has {', '.join(kinds)}; keep the course's two layers: "
            f"`Dense({hidden}, activation='relu')` then `Dense(1, activation='linear')`.",
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
            f"the optimizer is {type(optimizer).__name__}; use `{sgd}"
            f"{f', clipvalue={clipvalue}' if part == 2 else ''})`.",
        )
    used_rate = float(optimizer.learning_rate)
    if not math.isclose(used_rate, learning_rate, rel_tol=1e-5):
        _fail(
            exercise,
            f"SGD has learning_rate={used_rate:g}; use `learning_rate={learning_rate}` "
            f"(Keras 3 spells the seed's `lr=` as `learning_rate=`).",
        )
    if not math.isclose(float(optimizer.momentum), momentum, rel_tol=1e-5):
        _fail(exercise, f"SGD has momentum={float(optimizer.momentum):g}; use `momentum={momentum}`.")
    clipping = {key: getattr(optimizer, key) for key in ("clipvalue", "clipnorm", "global_clipnorm")}
    if part == 1 and any(value is not None for value in clipping.values()):
        used = next(key for key, value in clipping.items() if value is not None)
        _fail(
            exercise,
            f"step 1 shows the gradients exploding, so leave `{used}` out here; "
            f"you add `clipvalue={clipvalue}` in step 2.",
        )
    if part == 2:
        if clipping["clipvalue"] is None:
            other = next((key for key in ("clipnorm", "global_clipnorm") if clipping[key] is not None), None)
            if other:
                _fail(
                    exercise,
                    f"you clipped with `{other}`, which rescales the whole gradient; the instructions "
                    f"ask for `clipvalue={clipvalue}`, which clips each gradient value to "
                    f"[-{clipvalue:g}, {clipvalue:g}].",
                )
            _fail(
                exercise,
                f"SGD has no `clipvalue`, so the gradients still explode: use `{sgd}, clipvalue={clipvalue})`.",
            )
        if not math.isclose(float(clipping["clipvalue"]), clipvalue):
            _fail(exercise, f"clipvalue is {float(clipping['clipvalue']):g}; set `clipvalue={clipvalue}`.")
    if history is None or not isinstance(getattr(history, "history", None), dict):
        _fail(exercise, "`history` should be what `model.fit(...)` returns: `history = model.fit(...)`.")
    if "val_loss" not in history.history:
        _fail(exercise, "`fit` ran without validation data: pass `validation_data=(X_test, y_test)`.")
    train_mse = _as_float(exercise, "train_mse", train_mse)
    test_mse = _as_float(exercise, "test_mse", test_mse)
    data = {
        name: _setup_value(exercise, name, value)
        for name, value in (
            ("X_train", X_train),
            ("y_train", y_train),
            ("X_test", X_test),
            ("y_test", y_test),
        )
    }
    _start(exercise, **data)
    measured = {
        "train": _mse(model, data["X_train"], data["y_train"]),
        "test": _mse(model, data["X_test"], data["y_test"]),
    }
    _expect_validation_on_test_set(exercise, history, data, measured)
    if part == 2 and not (math.isfinite(train_mse) and math.isfinite(test_mse)):
        _fail(
            exercise,
            "the MSE is still not finite although clipvalue is set: build a fresh model in this cell "
            "(a model whose weights already exploded stays broken), then compile and fit it.",
        )
    _expect_mses(exercise, history, train_mse, test_mse, measured)
    source = feedback.exercise_source(exercise)
    if source:
        _expect_mse_code(exercise, source)
    if part == 1:
        _passed(exercise, "plain SGD with momentum; look at how large (or nan) the MSE printed above is.")
    else:
        _passed(exercise, f"SGD with clipvalue={clipvalue} keeps the gradients, and so the MSE, finite.")


def _figure_to_check(exercise):
    """The :class:`~rnncourse.feedback.ShownFigure` the exercise cell showed (``plt.show()``, or
    Jupyter at the end of the cell), else the current matplotlib figure of a backend that keeps
    figures open; ``None`` when neither can be known (the plot is then not checked)."""
    import sys

    shown = feedback.shown_figures(exercise)
    if shown:
        return next((figure for figure in shown if figure.curves), shown[0])
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None and pyplot.get_fignums():
        figure = pyplot.gcf()
        curves = tuple(
            tuple(float(value) for value in line.get_ydata())
            for axes in figure.axes
            for line in axes.get_lines()
        )
        return feedback.ShownFigure(curves, by_code=True)
    if shown is not None and pyplot is not None and "inline" in pyplot.get_backend():
        _fail(
            exercise,
            "the exercise cell showed no plot: plot the two accuracy curves and end the cell with "
            "`plt.show()` (not `plt.close()`).",
        )
    return None


def _curve_name(curve, history):
    """The key of ``history`` whose values ``curve`` plots, or ``None``."""
    for key, values in history.items():
        if len(values) == len(curve) and np.allclose(np.asarray(values, dtype=float), curve, equal_nan=True):
            return key
    return None


def _expect_accuracy_plot(exercise, figure, history):
    """``figure``'s first two curves must be ``history``'s ``'accuracy'`` then ``'val_accuracy'``,
    and the cell's own ``plt.show()`` must have shown it."""
    for number, (key, what) in enumerate(
        (("accuracy", "training accuracy"), ("val_accuracy", "validation accuracy"))
    ):
        position = ("first", "second")[number]
        fix = f"plot the {what}: `plt.plot(history.history['{key}'])`"
        if len(figure.curves) <= number:
            _fail(exercise, f"the plot has no {position} curve; {fix}.")
        plotted = _curve_name(figure.curves[number], history)
        if plotted == key:
            continue
        if plotted is None:
            _fail(exercise, f"the {position} curve of the plot is none of `history.history`'s curves; {fix}.")
        kind = "loss" if "loss" in plotted else "accuracy"
        split = "validation" if plotted.startswith("val_") else "training"
        _fail(
            exercise,
            f"the {position} curve plots `history.history['{plotted}']`, the {split} {kind}; {fix}.",
        )
    if not figure.by_code:
        _fail(
            exercise,
            "the plot was not shown by your code: Jupyter drew it only because the cell ended. End the "
            "cell with `plt.show()`, which shows the figure (outside Jupyter nothing would appear).",
        )


def exercise_2(model, weights_name="simple_rnn_raw", history=None):
    """Exercise II: ``SimpleRNN`` on raw ids ``(None, 1)`` + ``Dense(1, sigmoid)``, pre-trained weights
    loaded, and the plot the cell showed: ``history``'s (default: the learner's ``history``)
    ``'accuracy'`` then ``'val_accuracy'``, shown by ``plt.show()``.

    The plot is checked where it can be seen: in a kernel with :func:`rnncourse.feedback.enable_feedback`
    on (the exercise notebooks), or while the figure is still open (a backend other than inline).
    """
    exercise = "II"
    _start(exercise, model=model)
    units = _recipe(weights_name, "units")
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
    figure = _figure_to_check(exercise)
    if figure is not None:
        history = _setup_value(exercise, "history", history)
        _start(exercise, history=history)
        curves = getattr(history, "history", None)
        if not isinstance(curves, dict):
            _fail(
                exercise,
                "`history` should be the stored history of the setup cell: run the setup cell again.",
            )
        _expect_accuracy_plot(exercise, figure, curves)
    _passed(
        exercise,
        f"SimpleRNN({units}) with the pre-trained weights loaded; now read the accuracy curves in the plot.",
    )


def _expect_exercise_3_code(exercise, tree, models):
    """Instructions 1 and 2, which leave no trace on the models: the cell (``tree``) imports ``GRU`` from
    ``keras.layers`` and prints the summary of each of ``models`` (their names)."""
    imported = _names_imported_from_keras_layers(tree)
    if "GRU" not in imported and "*" not in imported:
        found = f" (the cell imports {', '.join(f'`{name}`' for name in imported)})" if imported else ""
        _fail(
            exercise,
            f"the first instruction is to import the `GRU` cell{found}: `from keras.layers import GRU, Dense`.",
        )
    summarised = {_receiver(call) for call in _method_calls(tree, "summary")}
    missing = [name for name in models if name not in summarised]
    looped = set()  # e.g. `for model in (SimpleRNN_model, gru_model): model.summary()`
    for loop in ast.walk(tree):
        if isinstance(loop, ast.For) and isinstance(loop.target, ast.Name) and loop.target.id in summarised:
            looped |= {node.id for node in ast.walk(loop.iter) if isinstance(node, ast.Name)}
    if all(name in looped for name in missing):
        return
    counted = {_receiver(call) for call in _method_calls(tree, "count_params")}
    instead = (
        " (`count_params()` gives only the total; a summary shows each layer, its output shape and "
        "its parameters)"
        if counted
        else ""
    )
    _fail(
        exercise,
        f"print the models' summaries, as the second instruction says{instead}: "
        + " and ".join(f"`{name}.summary()`" for name in missing)
        + ".",
    )


def _shipped_record(weights_name):
    """The manifest entry of the shipped model ``weights_name``, or ``None`` where there is none."""
    from . import weights

    try:
        return weights.entry(weights_name)
    except weights.WeightsError:
        return None


def _expect_shipped_accuracy(exercise, name, value, model_name, weights_name, X_test):
    """Where ``X_test`` is the whole test set the trainer scored ``weights_name`` on, ``value`` must be the
    accuracy the trainer recorded (within one review): an evaluation with other labels (``1 - y_test``) or
    changed inputs is the model's own, but not this accuracy."""
    record = _shipped_record(weights_name)
    if record is None:
        return
    n_test, reference = record.get("data", {}).get("n_test"), record.get("test_accuracy")
    if reference is None or n_test != len(X_test) or abs(value - reference) <= 1.5 / n_test:
        return
    _fail(
        exercise,
        f"`{name}` is {value:.4f}, but `{model_name}` scores {reference:.4f} on the {n_test:,} test reviews (the "
        f"trainer's evaluation of these weights): evaluate on the setup's `X_test` and `y_test` as they are, "
        f"not on changed labels (such as `1 - y_test`) or changed inputs.",
    )


def exercise_3(
    SimpleRNN_model, gru_model, acc_simpleRNN, acc_GRU, X_test=None, weights_names=("simple_rnn", "gru")
):
    """Exercise III: the cell imports ``GRU`` from ``keras.layers`` and prints both summaries (read from
    its code where the feedback is on), both models still hold the shipped weights ``weights_names``,
    and both accuracies are floats from each model's own ``evaluate`` (not the loss, not swapped) on the
    whole test set ``X_test`` (default: the learner's ``X_test``)."""
    exercise = "III"
    _start(
        exercise,
        SimpleRNN_model=SimpleRNN_model,
        gru_model=gru_model,
        acc_simpleRNN=acc_simpleRNN,
        acc_GRU=acc_GRU,
    )
    X_test = _setup_value(exercise, "X_test", X_test)
    _start(exercise, X_test=X_test)
    named = (("SimpleRNN_model", SimpleRNN_model, "SimpleRNN"), ("gru_model", gru_model, "GRU"))
    for name, model, kind in named:
        _layers(exercise, model, name)
        if not any(_kind(layer) == kind for layer in model.layers):
            _fail(
                exercise,
                f"`{name}` has no {kind} layer; it should be the pre-trained model from the setup "
                f"cell. Run the setup cell again.",
            )
    tree = _exercise_code(exercise)
    if tree is not None:
        _expect_exercise_3_code(exercise, tree, [name for name, _, _ in named])
    for (name, model, _), weights_name in zip(named, weights_names):
        _expect_weights(
            exercise,
            model,
            weights_name,
            name,
            fix="run the setup cell again, which loads the pre-trained models, then the exercise cell",
        )
    _expect_accuracy(
        exercise,
        "acc_simpleRNN",
        acc_simpleRNN,
        SimpleRNN_model,
        "SimpleRNN_model",
        X_test,
        other=(gru_model, "gru_model"),
    )
    _expect_accuracy(
        exercise,
        "acc_GRU",
        acc_GRU,
        gru_model,
        "gru_model",
        X_test,
        other=(SimpleRNN_model, "SimpleRNN_model"),
    )
    accuracies = (("acc_simpleRNN", acc_simpleRNN), ("acc_GRU", acc_GRU))
    for (name, value), (model_name, _, _), weights_name in zip(accuracies, named, weights_names):
        _expect_shipped_accuracy(exercise, name, float(value), model_name, weights_name, X_test)
    _passed(exercise, "both accuracies come from evaluating each model on the test set.")


def _expect_loaded_before_evaluated(exercise, tree):
    """What the model alone cannot tell: the cell (``tree``) must read the weights file with
    ``load_weights``, not write it with ``save_weights``, and its last ``evaluate`` must come after
    ``load_weights`` (an evaluation before it scores the random initial weights)."""
    loads = _method_calls(tree, "load_weights")
    first_load = (loads[0].lineno, loads[0].col_offset) if loads else None
    saves = _method_calls(tree, "save_weights")
    if saves and (first_load is None or (saves[0].lineno, saves[0].col_offset) < first_load):
        _fail(
            exercise,
            "use `load_weights`, not `save_weights`: `save_weights` writes the model's own (random) weights "
            "into the file instead of reading the pre-trained ones. Run the setup cell again (it makes a "
            "fresh copy of the weights file), then the exercise cell with "
            "`model.load_weights(lstm_stack_model_weights)`.",
        )
    evaluations = _method_calls(tree, "evaluate")
    if not evaluations:
        return
    last = evaluations[-1]
    if first_load is None or (last.lineno, last.col_offset) < first_load:
        when = "before `load_weights`" if first_load else "without `load_weights` in the cell"
        _fail(
            exercise,
            f"the cell calls `evaluate` {when}, so the printed loss and accuracy score the model's random "
            f"initial weights: load the pre-trained weights first (`model.load_weights(lstm_stack_model_weights)`), "
            f"then evaluate.",
        )


def exercise_4(model, weights_name="lstm_stack", X_test=None, y_test=None):
    """Exercise IV: three stacked ``LSTM`` layers (sequences, sequences, last vector), weights loaded,
    evaluated on the whole test set ``X_test`` (default: the learner's ``X_test``), and the printed
    accuracy is the loaded model's on ``X_test`` and ``y_test`` (re-scored here: an evaluation before
    ``load_weights``, or on changed labels, does not match). Where the feedback is on, the cell's code
    must load the weights with ``load_weights`` (not ``save_weights``) before it evaluates
    (:func:`_expect_loaded_before_evaluated`)."""
    exercise = "IV"
    _start(exercise, model=model)
    tree = _exercise_code(exercise)
    if tree is not None:  # before any file is read: `save_weights` may have written over the weights
        _expect_loaded_before_evaluated(exercise, tree)
    units, depth = _recipe(weights_name, "units"), _recipe(weights_name, "depth")
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
    X_test = _setup_value(exercise, "X_test", X_test)
    _start(exercise, X_test=X_test)
    _expect_evaluated_on(exercise, model, "model", X_test, result="the printed loss and accuracy")
    y_test = np.asarray(_setup_value(exercise, "y_test", y_test))
    scored = float(np.mean((model.predict(X_test, batch_size=500, verbose=0)[:, 0] > 0.5) == (y_test == 1)))
    printed = _last_evaluation(model)[1]
    if abs(printed - scored) > 1.5 / len(y_test):
        _fail(
            exercise,
            f"the printed accuracy ({printed:.4f}) is not this model's accuracy on the setup's `X_test` and "
            f"`y_test` ({scored:.4f}): evaluate after `load_weights`, on `X_test` and `y_test` as the setup "
            f"cell made them: `model.evaluate(X_test, y_test, verbose=0)`.",
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


def _binary_crossentropy_logits(loss):
    """``from_logits`` of ``loss`` when it is binary cross-entropy (the string ``'binary_crossentropy'``
    or an alias Keras resolves to it, the function, or a ``keras.losses.BinaryCrossentropy``), else ``None``."""
    import keras

    if isinstance(loss, str):
        try:
            loss = keras.losses.get(loss)
        except (ValueError, TypeError):
            return None
    if loss is keras.losses.binary_crossentropy:
        return False
    if isinstance(loss, keras.losses.BinaryCrossentropy):
        return bool(loss.from_logits)
    return None


def _loss_name(loss):
    """``loss='mse'``, ``loss=CategoricalCrossentropy(...)``: how a hint names the compiled loss."""
    if isinstance(loss, str):
        return f"loss={loss!r}"
    if callable(loss) and not hasattr(loss, "get_config"):
        return f"loss={getattr(loss, '__name__', type(loss).__name__)}"
    return f"loss={type(loss).__name__}(...)"


_COMPILE = "`model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])`"


def _accuracy_thresholds(model):
    """The thresholds of the binary accuracies ``model`` was compiled with (``'accuracy'``: 0.5)."""
    config = model.get_compile_config() or {}
    thresholds, pending = [], [config.get("metrics"), config.get("weighted_metrics")]
    while pending:
        metric = pending.pop()
        if isinstance(metric, (list, tuple)):
            pending.extend(metric)
        elif isinstance(metric, dict) and "class_name" not in metric:
            pending.extend(metric.values())  # one list of metrics per output
        elif isinstance(metric, str) and metric in ("accuracy", "acc", "binary_accuracy"):
            thresholds.append(0.5)
        elif isinstance(metric, dict) and metric["class_name"] == "BinaryAccuracy":
            thresholds.append(float(metric.get("config", {}).get("threshold", 0.5)))
    return thresholds


def _expect_binary_classifier(exercise, model):
    """One probability per review trained with binary cross-entropy: ``Dense(1, sigmoid)`` and
    ``loss='binary_crossentropy'`` (or a ``BinaryCrossentropy()``), or the course's other consistent
    answer: a linear ``Dense(1)`` with ``BinaryCrossentropy(from_logits=True)`` (and any binary accuracy
    thresholded at 0, where a logit changes sign). Returns nothing; fails with the mistake's hint."""
    compiled = getattr(model, "compiled", False) and model.optimizer is not None
    from_logits = _binary_crossentropy_logits(model.loss) if compiled else None
    last = model.layers[-1]
    linear = _kind(last) == "Dense" and last.get_config()["activation"] == "linear"
    _expect_output(exercise, model, activation=None if (linear and from_logits) else "sigmoid")
    _expect_compiled(exercise, model)
    if from_logits is None:
        _fail(
            exercise,
            f"the model is compiled with {_loss_name(model.loss)}; a positive/negative review is a binary "
            f"classification, trained with binary cross-entropy on the sigmoid's probability: {_COMPILE}.",
        )
    if from_logits and not linear:
        _fail(
            exercise,
            "the loss has `from_logits=True`, which applies a sigmoid to the output, but the output layer "
            "already applies one: the loss would squash a probability a second time. Keep "
            "`Dense(1, activation='sigmoid')` with `loss='binary_crossentropy'` (from_logits=False).",
        )
    if from_logits and any(threshold != 0 for threshold in _accuracy_thresholds(model)):
        _fail(
            exercise,
            "with a linear output and `from_logits=True` the model outputs logits, whose decision boundary is "
            "0, but `metrics=['accuracy']` counts an output above 0.5 as positive: use "
            "`metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)]`, or the sigmoid output with "
            f"{_COMPILE}.",
        )


def _expect_summary_printed(exercise, tree, name="model"):
    """The cell (``tree``, where the feedback recorded it) prints ``name``'s summary: a call
    ``name.summary()``, which the model alone cannot tell. Names the likely slips: the method without
    its parentheses, another model's summary, the bare name."""
    if tree is None:
        return
    calls = _method_calls(tree, "summary")
    if any(_receiver(call) == name for call in calls):
        return
    fix = f"`{name}.summary()`"
    uncalled = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "summary"
        and isinstance(node.value.value, ast.Name)
        and node.value.value.id == name
    ]
    if uncalled:
        _fail(exercise, f"`{name}.summary` names the method without calling it; add the parentheses: {fix}.")
    others = sorted({_receiver(call) for call in calls} - {None, name})
    if others:
        _fail(
            exercise,
            f"the cell prints the summary of {', '.join(f'`{other}`' for other in others)} but not of "
            f"`{name}`, the model with embeddings: {fix}.",
        )
    _fail(
        exercise, f"print the summary of the model with embeddings, {fix}, and read its trainable parameters."
    )


def exercise_5(model, vocabulary_size, sentence_len, wordvec_dim, recipe_name="glove_gru"):
    """Exercise V: ``Embedding(vocabulary_size + 1, wordvec_dim)`` on ``sentence_len`` ids, a ``GRU``
    returning its last state only, ``Dense(1, sigmoid)`` (a linear ``Dense(1)`` only with
    ``BinaryCrossentropy(from_logits=True)``: binary cross-entropy needs a probability), compiled with
    binary cross-entropy.

    The GRU's units are those of the recipe ``recipe_name``: Exercise VI's model, which is this one
    with the GloVe vectors frozen into the embedding."""
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
    _expect_gru_after_embedding(exercise, model, recipe_name, sentence_len)
    _expect_summary_printed(exercise, _exercise_code(exercise))
    _passed(
        exercise,
        f"the embedding model has {model.count_params():,} parameters, "
        f"{embedding.count_params():,} of them in the Embedding layer.",
    )


def _output_shape(model):
    """``model``'s output shape as a tuple, or ``None`` while the model is not built."""
    try:
        return tuple(model.outputs[0].shape)
    except (AttributeError, IndexError, ValueError, TypeError):
        return None


def _expect_gru_after_embedding(exercise, model, recipe_name, sentence_len):
    """Exercises V and VI: ``sentence_len`` ids in, the recipe's ``GRU`` returning its last state only,
    one output per review, ``(None, 1)``, compiled for binary classification
    (:func:`_expect_binary_classifier`)."""
    _expect_input(exercise, model, (sentence_len,), "keras.Input(shape=(sentence_len,))")
    units = _recipe(recipe_name, "units")
    recurrent = _recurrent(model)
    if not recurrent:
        _fail(exercise, f"add the recurrent layer after the embedding: `GRU({units})`.")
    _expect_recurrent(exercise, recurrent[0], "GRU", units)
    if recurrent[-1].return_sequences:
        _fail(
            exercise,
            f"the GRU has `return_sequences=True`, so the model outputs one prediction per word, shape "
            f"{_output_shape(model)}, not one per review, (None, 1): leave `return_sequences` out (False "
            f"is its default) so that the Dense layer reads the GRU's last state.",
        )
    _expect_binary_classifier(exercise, model)
    if _output_shape(model) != (None, 1):
        _fail(
            exercise,
            f"the model's output has shape {_output_shape(model)}; one prediction per review is (None, 1): "
            f"`Dense(1, activation='sigmoid')` right after `GRU({units})`.",
        )
    kinds = [_kind(layer) for layer in model.layers]
    if kinds != ["Embedding", "GRU", "Dense"]:
        _fail(
            exercise,
            f"the model has the layers {', '.join(kinds)}; the exercise's model is exactly three: "
            f"`Embedding`, `GRU({units})` and `Dense(1, activation='sigmoid')`, with nothing between them.",
        )
    if not recurrent[0].reset_after:
        _fail(
            exercise,
            "the GRU has `reset_after=False`; keep Keras's default (`reset_after=True`), the variant the "
            "pre-trained weights and the parameter count of the lesson use.",
        )


#: The GloVe set the lesson's ``load_glove`` loads for Exercise VI: the one bundled with the course.
GLOVE_NAME = "glove.6B.50d"


@cache
def _glove_reference(rows, name=GLOVE_NAME):
    """Exercise VI's reference matrix, read-only: ``glove.glove_matrix(rows, name=name)`` as the lesson's
    ``load_glove`` builds it (row ``i``: the vector of word id ``i``), built once per kernel."""
    from . import glove

    matrix = glove.glove_matrix(rows, name=name)
    matrix.setflags(write=False)
    return matrix


def _row_shift(actual, reference, largest=5, share=0.95):
    """``s`` (``0 < |s| <= largest``) such that row ``i`` of ``actual`` holds row ``i + s`` of
    ``reference`` for at least ``share`` of the rows both have, or ``None``. A matrix indexed by
    frequency rank, where the ids are rank + 3, gives ``s = 3``."""
    for shift in (3, -3, *(s for s in range(-largest, largest + 1) if s not in (0, 3, -3))):
        if shift >= len(reference) or -shift >= len(reference):
            continue
        rows = actual[max(0, -shift) : len(reference) - max(0, shift)]
        shifted = reference[max(0, shift) : len(reference) + min(0, shift)]
        if len(rows) != len(shifted) or not rows[rows.any(axis=1)].size:
            continue
        same = np.all(np.isclose(rows, shifted, atol=1e-6), axis=1)
        if same.mean() >= share:
            return shift
    return None


def _glove_mistake(matrix, reference, what):
    """The hint for ``matrix`` (``what``: how to name it) that is not the ``reference`` GloVe matrix,
    or ``None`` when no specific mistake is recognised."""
    load = f'`glove_matrix = load_glove("{GLOVE_NAME}")`'
    if not matrix.any():
        return (
            f"{what} is all zeros, not GloVe vectors: load them with {load} and put them in the Embedding "
            f"with `embeddings_initializer=Constant(glove_matrix)`."
        )
    shift = _row_shift(matrix, reference)
    if shift is not None:
        return (
            f"{what} has its rows shifted by {abs(shift)}: row i holds the vector of word id i {'+-'[shift < 0]} "
            f"{abs(shift)}. Word ids are frequency rank + 3 (0 is padding, 1-3 are reserved), so index the "
            f"vectors with the vocabulary's word index (`glove.vocabulary_word_index(vocabulary_size + 1)`, "
            f"what `load_glove` does), not with the ranks of `get_word_index()`: {load}."
        )
    return None


def exercise_6(model, glove_matrix, recipe_name="glove_gru", sentence_len=None, vocabulary_size=None):
    """Exercise VI: ``sentence_len`` ids (default: the learner's ``sentence_len``), a frozen
    ``Embedding`` holding the GloVe matrix of ids ``0 .. vocabulary_size`` (default: the learner's
    ``vocabulary_size``) as the lesson's ``load_glove`` builds it, the ``GRU`` of the recipe
    ``recipe_name``, ``Dense(1, sigmoid)``.

    The embedding is compared with the course's reference matrix (:func:`_glove_reference`), not with
    the learner's ``glove_matrix``, which may itself be wrong (all zeros, rows indexed by rank)."""
    exercise = "VI"
    _start(exercise, model=model, glove_matrix=glove_matrix)
    sentence_len = _setup_value(exercise, "sentence_len", sentence_len)
    vocabulary_size = _setup_value(exercise, "vocabulary_size", vocabulary_size)
    _start(exercise, sentence_len=sentence_len, vocabulary_size=vocabulary_size)
    if not isinstance(glove_matrix, np.ndarray) or glove_matrix.ndim != 2:
        _fail(
            exercise,
            f"`glove_matrix` should be the 2-D numpy array that `load_glove(...)` returns, "
            f"but it is a {type(glove_matrix).__name__}.",
        )
    _layers(exercise, model)
    first = model.layers[0]
    if _kind(first) != "Embedding":
        _fail(
            exercise,
            f"the first layer is {_describe(first)}; start with the Embedding layer that holds the "
            f"GloVe vectors.",
        )
    rows, dim = glove_matrix.shape
    if (first.input_dim, first.output_dim) != (rows, dim):
        _fail(
            exercise,
            f"the Embedding is {first.input_dim} × {first.output_dim} but glove_matrix is {rows} × {dim}: "
            f"use input_dim=vocabulary_size + 1 and output_dim=wordvec_dim.",
        )
    reference = _glove_reference(vocabulary_size + 1)
    if glove_matrix.shape != reference.shape:
        _fail(
            exercise,
            f"`glove_matrix` is {rows} × {dim}, but this exercise's GloVe matrix is "
            f"{reference.shape[0]} × {reference.shape[1]}, one row per word id 0 .. vocabulary_size: "
            f'load it with `glove_matrix = load_glove("{GLOVE_NAME}")`.',
        )
    if _input_shape(model) is None:
        _fail(
            exercise,
            "the model has no input shape yet, so the embedding holds no vectors: start it with "
            "`keras.Input(shape=(sentence_len,))` (Keras 3 ignores `input_length=`).",
        )
    embedded = first.get_weights()[0]
    if not np.allclose(embedded, reference, atol=1e-6):
        holds_matrix = np.allclose(embedded, glove_matrix, atol=1e-6)
        what = "`glove_matrix`, which the Embedding holds," if holds_matrix else "the Embedding"
        mistake = _glove_mistake(embedded, reference, what)
        if mistake:
            _fail(exercise, mistake)
        if holds_matrix:
            _fail(
                exercise,
                f"`glove_matrix`, which the Embedding holds, is not this exercise's GloVe matrix (row i: the "
                f'vector of word id i): load it with `glove_matrix = load_glove("{GLOVE_NAME}")`.',
            )
        _fail(
            exercise,
            "the Embedding does not hold the GloVe vectors: pass "
            "`embeddings_initializer=Constant(glove_matrix)`.",
        )
    if first.trainable:
        _fail(
            exercise,
            "the Embedding is not frozen: with `trainable=True` (also the default when the argument is "
            "left out) fit would change the GloVe vectors. Freeze it with `trainable=False`; the summary "
            "then counts its parameters as non-trainable.",
        )
    _expect_gru_after_embedding(exercise, model, recipe_name, sentence_len)
    _expect_summary_printed(exercise, _exercise_code(exercise))
    trainable = sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)
    frozen = sum(int(np.prod(weight.shape)) for weight in model.non_trainable_weights)
    _passed(exercise, f"{frozen:,} frozen GloVe parameters; only {trainable:,} parameters left to train.")


def _expect_accuracies_in_order(exercise, tree, order=("acc_simpleRNN", "acc_embeddings")):
    """The cell's ``"...".format(...)`` (``tree``, where the feedback recorded it) prints the two
    accuracies under their own labels: the old model's first, as the template's text says."""
    if tree is None:
        return
    for call in _method_calls(tree, "format"):
        names = tuple(arg.id for arg in call.args if isinstance(arg, ast.Name))
        if names == order:
            return
        if names == order[::-1]:
            _fail(
                exercise,
                "the two accuracies are printed under each other's labels: the text names the SimpleRNN model "
                f"first, so `.format({', '.join(order)})`.",
            )
        if names:
            _fail(
                exercise,
                f"`.format({', '.join(names)})` should print the two accuracies, the old model's first: "
                f"`.format({', '.join(order)})`.",
            )
    _fail(exercise, f"print both accuracies, the old model's first: `.format({', '.join(order)})`.")


def exercise_7(
    model,
    acc_embeddings,
    max_vocabulary,
    max_len,
    wordvec_dim,
    weights_name="embedding_simple_rnn",
    X_test=None,
):
    """Exercise VII: ``Embedding(max_vocabulary, wordvec_dim)`` on ``max_len`` ids, ``SimpleRNN``,
    ``Dense(1, sigmoid)``, pre-trained weights loaded, ``acc_embeddings`` from ``evaluate`` on the
    whole test set ``X_test`` (default: the learner's ``X_test``)."""
    exercise = "VII"
    _start(
        exercise,
        model=model,
        acc_embeddings=acc_embeddings,
        max_vocabulary=max_vocabulary,
        max_len=max_len,
        wordvec_dim=wordvec_dim,
    )
    units = _recipe(weights_name, "units")
    _layers(exercise, model)
    _expect_embedding(exercise, model, max_vocabulary, wordvec_dim, "max_vocabulary")
    _expect_input(exercise, model, (max_len,), "keras.Input(shape=(max_len,))")
    recurrent = _recurrent(model)
    if not recurrent:
        _fail(exercise, f"add the recurrent layer after the embedding: `SimpleRNN(units={units})`.")
    _expect_recurrent(exercise, recurrent[0], "SimpleRNN", units)
    _expect_output(exercise, model)
    _expect_weights(exercise, model, weights_name)
    X_test = _setup_value(exercise, "X_test", X_test)
    _start(exercise, X_test=X_test)
    _expect_accuracy(exercise, "acc_embeddings", acc_embeddings, model, "model", X_test)
    _expect_accuracies_in_order(exercise, _exercise_code(exercise))
    _passed(
        exercise,
        "the embedding model with its pre-trained weights; compare the two accuracies printed above.",
    )


# --------------------------------------------------------------------------- lesson 04: the character RNN


def _step_parameters(vocab=7, units=5, seed=3):
    """Small vanilla-RNN weights with every part non-zero, so a missing term shows."""
    rng = np.random.default_rng(seed)
    return {
        "kernel": rng.normal(0.0, 0.8, (vocab, units)),
        "recurrent_kernel": rng.normal(0.0, 0.8, (units, units)),
        "bias": rng.normal(0.0, 0.8, units),
        "output_kernel": rng.normal(0.0, 0.8, (units, vocab)),
        "output_bias": rng.normal(0.0, 0.8, vocab),
    }


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def exercise_8(rnn_step):
    """Exercise VIII: ``rnn_step(char_id, h_prev, params)`` returns ``(tanh(x W + h_prev U + b),
    softmax(h_t V + c))`` for one sequence; checked on small random weights, for two characters and two
    states, against those equations, with a hint for each usual slip."""
    exercise = "VIII"
    _start(exercise, rnn_step=rnn_step)
    if not callable(rnn_step):
        _fail(
            exercise,
            "`rnn_step` must be the function you defined: `def rnn_step(char_id, h_prev, params): ...`.",
        )
    p = _step_parameters()
    states = np.random.default_rng(4).uniform(-0.9, 0.9, (2, *p["bias"].shape))
    for char_id, h_prev in zip((2, 5), states):
        _expect_step(exercise, rnn_step, p, char_id, h_prev)
    _passed(exercise, "your step is the vanilla RNN's: tanh(x_t W + h_prev U + b), then softmax(h_t V + c).")


def _expect_step(exercise, rnn_step, p, char_id, h_prev):
    """One call of the learner's ``rnn_step`` against the equations, with a hint for each usual slip."""
    from .charrnn import softmax

    try:
        returned = rnn_step(char_id, h_prev.copy(), {k: v.copy() for k, v in p.items()})
    except Exception as error:  # a learner's shape slip raises here; name it in one line
        _fail(
            exercise,
            f"calling rnn_step({char_id}, h_prev, params) raised {type(error).__name__}: {error}. The shapes: "
            f"W {p['kernel'].shape} (take its row `params['kernel'][char_id]`), U {p['recurrent_kernel'].shape}, "
            f"h_prev {h_prev.shape}, V {p['output_kernel'].shape}.",
        )
    if not isinstance(returned, tuple) or len(returned) != 2:
        _fail(
            exercise, "return two things, the new state and the probabilities: `return h_t, softmax(logits)`."
        )
    h_t, probabilities = (np.asarray(value, dtype=np.float64) for value in returned)
    if h_t.shape == p["output_bias"].shape and probabilities.shape == p["bias"].shape:
        _fail(exercise, "return the new state first, then the probabilities: `return h_t, softmax(logits)`.")
    x_w = p["kernel"][char_id]
    recurrent = h_prev @ p["recurrent_kernel"]
    expected_h = np.tanh(x_w + recurrent + p["bias"])
    if h_t.shape != expected_h.shape:
        _fail(
            exercise,
            f"the new state must have shape {expected_h.shape} (one number per unit), got {h_t.shape}.",
        )
    if not np.allclose(h_t, expected_h, atol=1e-6):
        slips = (
            (
                _sigmoid(x_w + recurrent + p["bias"]),
                "the state uses the sigmoid: a vanilla RNN's activation is `np.tanh`.",
            ),
            (
                np.maximum(x_w + recurrent + p["bias"], 0),
                "the state uses ReLU: a vanilla RNN's activation is `np.tanh`.",
            ),
            (x_w + recurrent + p["bias"], "apply the activation: `h_t = np.tanh(x_t W + h_prev U + b)`."),
            (np.tanh(x_w + recurrent), "the bias is missing: add `params['bias']` inside the tanh."),
            (
                np.tanh(x_w + p["bias"]),
                "the previous state is missing: add `h_prev @ params['recurrent_kernel']`; "
                "without it the network has no memory.",
            ),
            (
                np.tanh(x_w + p["recurrent_kernel"] @ h_prev + p["bias"]),
                "use U itself, not its transpose: the row "
                "vector multiplies from the left, `h_prev @ params['recurrent_kernel']`.",
            ),
        )
        for wrong, hint in slips:
            if np.allclose(h_t, wrong, atol=1e-6):
                _fail(exercise, hint)
        _fail(exercise, "the new state is not tanh(x_t W + h_prev U + b): check each of the three terms.")
    expected_p = softmax(h_t @ p["output_kernel"] + p["output_bias"])
    if probabilities.shape != expected_p.shape:
        _fail(
            exercise,
            f"the probabilities must have shape {expected_p.shape} (one per character), got {probabilities.shape}.",
        )
    if not np.allclose(probabilities, expected_p, atol=1e-6):
        slips = (
            (
                h_t @ p["output_kernel"] + p["output_bias"],
                "you returned the logits: turn them into probabilities with `softmax(logits)`.",
            ),
            (
                softmax(h_t @ p["output_kernel"]),
                "the output bias is missing: `logits = h_t @ params['output_kernel'] "
                "+ params['output_bias']`.",
            ),
            (
                softmax(h_prev @ p["output_kernel"] + p["output_bias"]),
                "score the new state: the logits come from `h_t`, not `h_prev`.",
            ),
            (
                _sigmoid(h_t @ p["output_kernel"] + p["output_bias"]),
                "use `softmax`, not the sigmoid: the probabilities of the characters must sum to 1.",
            ),
        )
        for wrong, hint in slips:
            if np.allclose(probabilities, wrong, atol=1e-6):
                _fail(exercise, hint)
        _fail(exercise, "the probabilities are not softmax(h_t V + c): check the logits.")


def exercise_9(sample_next, draws=20000):
    """Exercise IX: ``sample_next(logits, temperature, rng)`` draws one id from
    ``softmax(logits / temperature)`` with ``rng``; the frequencies of ``draws`` draws at two
    temperatures are compared with the expected probabilities (total variation below 0.02)."""
    from .charrnn import softmax

    exercise = "IX"
    _start(exercise, sample_next=sample_next)
    if not callable(sample_next):
        _fail(
            exercise,
            "`sample_next` must be the function you defined: `def sample_next(logits, temperature, rng): ...`.",
        )
    logits = np.array([2.0, 1.0, 0.5, 0.0, -1.0, -2.0])

    def frequencies(temperature, seed):
        rng = np.random.default_rng(seed)
        ids = []
        for _ in range(draws):
            try:
                value = sample_next(logits.copy(), temperature, rng)
            except Exception as error:
                _fail(
                    exercise,
                    f"sample_next(logits, {temperature}, rng) raised {type(error).__name__}: {error}.",
                )
            if isinstance(value, np.ndarray) and value.size > 1:
                _fail(
                    exercise,
                    "return one character id (an integer), not the probabilities: "
                    "`return int(rng.choice(len(p), p=p))`.",
                )
            if not isinstance(value, (int, np.integer)) or not 0 <= int(value) < len(logits):
                _fail(
                    exercise,
                    f"return one character id, an integer from 0 to {len(logits) - 1}; got {value!r}.",
                )
            ids.append(int(value))
        return np.bincount(ids, minlength=len(logits)) / draws, ids

    for temperature in (0.5, 2.0):
        seen, ids = frequencies(temperature, seed=0)
        if len(set(ids)) == 1:
            _fail(
                exercise,
                "every draw is the same character: that is greedy decoding (argmax), or a generator created "
                "again inside your function at every call. Draw at random with the `rng` passed in: "
                "`rng.choice(len(p), p=p)`.",
            )
        if frequencies(temperature, seed=0)[1] != ids:
            _fail(
                exercise,
                "two generators with the same seed gave different draws: draw with the `rng` "
                "passed in (`rng.choice`), not with `np.random`.",
            )
        distance = lambda p, seen=seen: 0.5 * np.abs(seen - p).sum()  # noqa: E731
        if distance(softmax(logits / temperature)) < 0.02:
            continue
        if distance(softmax(logits * temperature)) < 0.02:
            _fail(
                exercise,
                "the temperature multiplies the logits: divide them, `softmax(logits / temperature)`, "
                "so that a low temperature sharpens the distribution.",
            )
        if distance(softmax(logits)) < 0.02:
            _fail(
                exercise,
                "the temperature is not used: the draws follow softmax(logits) (dividing the probabilities by "
                "it and renormalising cancels it). Divide the logits by `temperature` before the softmax.",
            )
        if distance(softmax(softmax(logits) / temperature)) < 0.02:
            _fail(
                exercise,
                "the temperature divides the probabilities: divide the logits before the softmax, "
                "`softmax(logits / temperature)`.",
            )
        _fail(
            exercise, f"at temperature {temperature} the draws do not follow softmax(logits / temperature)."
        )
    _passed(exercise, f"{draws:,} draws at temperatures 0.5 and 2.0 follow softmax(logits / temperature).")
