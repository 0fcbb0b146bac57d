"""For learners: SimpleRNN, GRU and LSTM cells written out in NumPy, run on the weights of Keras layers.

The three step functions are written in lesson 02 and generated into ``rnncourse/scratch.py``
(``make export``); this module runs them over whole sequences and counts parameters.

Every array is batch-first: inputs ``(batch, time, features)``, outputs and gate activations
``(batch, time, units)``. The step functions follow Keras's layout of the weights (row vectors,
``x_t @ kernel``; gate blocks side by side in the order below) so that a layer's own
``kernel``, ``recurrent_kernel`` and ``bias`` plug straight in:

* SimpleRNN: one block.
* GRU: ``[z | r | h]`` (update gate, reset gate, candidate); Keras's default
  ``reset_after=True`` keeps two biases, ``bias`` of shape ``(2, 3 * units)`` (input, recurrent).
* LSTM: ``[i | f | c | o]`` (input gate, forget gate, candidate cell, output gate).

The cells compute in float64, so any difference to Keras (float32) is Keras's round-off.
"""

import numpy as np

from .scratch import gru_step, lstm_step, sigmoid, simple_rnn_step

KINDS = ("simple_rnn", "gru", "lstm")

ACTIVATIONS = {
    "tanh": np.tanh,
    "sigmoid": sigmoid,
    "relu": lambda x: np.maximum(x, 0.0),
    "linear": lambda x: x,
}

GATE_NAMES = {
    "simple_rnn": (),
    "gru": ("update", "reset", "candidate"),
    "lstm": ("input", "forget", "candidate", "output", "cell"),
}


def _activation(name):
    if name not in ACTIVATIONS:
        raise ValueError(f"activation {name!r} is not written out here; use one of {sorted(ACTIVATIONS)}.")
    return ACTIVATIONS[name]


# ---------------------------------------------------------------------------- whole sequences


def run_cell(
    kind,
    inputs,
    kernel,
    recurrent_kernel,
    bias,
    activation="tanh",
    recurrent_activation="sigmoid",
    reset_after=True,
):
    """Run cell ``kind`` over ``inputs`` ``(batch, time, features)`` from a zero state.

    Returns ``(outputs, gates)``: ``outputs`` ``(batch, time, units)`` is the state after
    every step (what ``return_sequences=True`` gives), ``gates`` maps each name of
    :data:`GATE_NAMES` ``[kind]`` to its activations ``(batch, time, units)``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} is not a cell; use one of {KINDS}.")
    inputs = np.asarray(inputs, dtype=np.float64)
    weights = {
        name: np.asarray(value, dtype=np.float64)
        for name, value in (("kernel", kernel), ("recurrent_kernel", recurrent_kernel), ("bias", bias))
    }
    units = weights["recurrent_kernel"].shape[0]
    batch = inputs.shape[0]
    act = _activation(activation)
    h = np.zeros((batch, units))
    c = np.zeros((batch, units))
    outputs, gates = [], {name: [] for name in GATE_NAMES[kind]}
    for t in range(inputs.shape[1]):
        x_t = inputs[:, t, :]
        if kind == "simple_rnn":
            h, step_gates = simple_rnn_step(x_t, h, **weights, activation=act), {}
        elif kind == "gru":
            h, step_gates = gru_step(
                x_t,
                h,
                **weights,
                activation=act,
                reset_after=reset_after,
                recurrent_activation=_activation(recurrent_activation),
            )
        else:
            (h, c), step_gates = lstm_step(
                x_t, (h, c), **weights, activation=act, recurrent_activation=_activation(recurrent_activation)
            )
        outputs.append(h)
        for name, value in step_gates.items():
            gates[name].append(value)
    return np.stack(outputs, axis=1), {name: np.stack(steps, axis=1) for name, steps in gates.items()}


def cell_kind(layer):
    """``"simple_rnn"``, ``"gru"`` or ``"lstm"`` for a Keras recurrent layer (raises otherwise)."""
    kinds = {"SimpleRNN": "simple_rnn", "GRU": "gru", "LSTM": "lstm"}
    name = type(layer).__name__
    if name not in kinds:
        raise ValueError(f"{layer.name!r} is a {name}, not a SimpleRNN, GRU or LSTM layer.")
    config = layer.get_config()
    if config.get("go_backwards") or not config.get("use_bias", True):
        raise ValueError(f"{layer.name!r}: only forward layers with biases are written out here.")
    return kinds[name]


def run_layer(layer, inputs):
    """The from-scratch run of Keras layer ``layer`` on ``inputs`` with its own weights.

    Returns ``(outputs, gates)`` as :func:`run_cell`; ``outputs`` is the full sequence whatever
    the layer's ``return_sequences``.
    """
    kind = cell_kind(layer)
    config = layer.get_config()
    kernel, recurrent_kernel, bias = layer.get_weights()
    return run_cell(
        kind,
        inputs,
        kernel,
        recurrent_kernel,
        bias,
        activation=config["activation"],
        recurrent_activation=config.get("recurrent_activation", "sigmoid"),
        reset_after=config.get("reset_after", True),
    )


def keras_sequence(layer, inputs):
    """Keras's own output sequence ``(batch, time, units)`` of ``layer`` on ``inputs``.

    A layer built with ``return_sequences=False`` returns only the last state, so a twin with
    ``return_sequences=True`` and the same weights computes the whole sequence (in a compiled
    graph: a recurrent layer called eagerly runs its time loop in Python, many times slower).
    """
    import tensorflow as tf

    config = dict(
        layer.get_config(), return_sequences=True, return_state=False, name=f"{layer.name}_sequence"
    )
    twin = type(layer).from_config(config)
    inputs = np.asarray(inputs, dtype="float32")
    twin.build(inputs.shape)
    twin.set_weights(layer.get_weights())
    return tf.function(twin)(tf.constant(inputs)).numpy()


def max_abs_difference(layer, inputs):
    """Largest ``|from scratch - Keras|`` over the whole output sequence of ``layer`` on ``inputs``."""
    ours, _ = run_layer(layer, inputs)
    return float(np.max(np.abs(ours - keras_sequence(layer, inputs))))


def gate_activations(layer, inputs, gate):
    """Activations ``(batch, time, units)`` of ``gate`` (e.g. ``"update"`` for a GRU,
    ``"forget"`` for an LSTM) while ``layer`` reads ``inputs``."""
    kind = cell_kind(layer)
    if gate not in GATE_NAMES[kind]:
        raise ValueError(f"A {kind} layer has no gate {gate!r}; it has {GATE_NAMES[kind] or 'none'}.")
    return run_layer(layer, inputs)[1][gate]


# ---------------------------------------------------------------------------- parameters


def param_count(kind, input_dim, units, reset_after=True):
    """Weights of one recurrent layer with biases.

    SimpleRNN ``units * (input_dim + units + 1)``; GRU ``3 * units * (input_dim + units + 2)``
    with ``reset_after=True`` (two biases) or ``+ 1`` without; LSTM ``4 * units * (input_dim + units + 1)``.
    """
    if kind == "simple_rnn":
        return units * (input_dim + units + 1)
    if kind == "gru":
        return 3 * units * (input_dim + units + (2 if reset_after else 1))
    if kind == "lstm":
        return 4 * units * (input_dim + units + 1)
    raise ValueError(f"kind={kind!r} is not a cell; use one of {KINDS}.")


def layer_param_count(layer):
    """:func:`param_count` for a built Keras recurrent layer (input size read from its kernel)."""
    kind = cell_kind(layer)
    config = layer.get_config()
    input_dim = layer.get_weights()[0].shape[0]
    return param_count(kind, input_dim, config["units"], reset_after=config.get("reset_after", True))


def param_table(model):
    """Rows ``(layer name, kind, input_dim, units, formula, count_params())`` for every SimpleRNN,
    GRU or LSTM layer of ``model``; raises ``AssertionError`` where the two counts differ."""
    rows = []
    for layer in model.layers:
        if type(layer).__name__ not in ("SimpleRNN", "GRU", "LSTM"):
            continue
        formula, keras_count = layer_param_count(layer), layer.count_params()
        if formula != keras_count:
            raise AssertionError(f"{layer.name}: formula {formula} != count_params() {keras_count}")
        rows.append(
            (
                layer.name,
                cell_kind(layer),
                layer.get_weights()[0].shape[0],
                layer.get_config()["units"],
                formula,
                keras_count,
            )
        )
    return rows


def print_param_table(model):
    """Print :func:`param_table` of ``model``, one line per recurrent layer."""
    print(f"{model.name}:")
    for name, kind, input_dim, units, formula, keras_count in param_table(model):
        print(
            f"  {name:<14} {kind:<10} input {input_dim:>3}, units {units:>3}: "
            f"formula {formula:>7,} = count_params() {keras_count:>7,}"
        )
