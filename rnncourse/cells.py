"""SimpleRNN, GRU and LSTM cells written out in NumPy, run on the weights of Keras layers.

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

KINDS = ("simple_rnn", "gru", "lstm")

ACTIVATIONS = {
    "tanh": np.tanh,
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
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


tanh = ACTIVATIONS["tanh"]
sigmoid = ACTIVATIONS["sigmoid"]


# ---------------------------------------------------------------------------- one time step

def simple_rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias, activation=tanh):
    """One SimpleRNN step: ``h_t = tanh(x_t W + h_prev U + b)``; returns ``h_t`` ``(batch, units)``."""
    return activation(x_t @ kernel + h_prev @ recurrent_kernel + bias)


def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias, activation=tanh,
             recurrent_activation=sigmoid, reset_after=True):
    """One GRU step; returns ``(h_t, gates)`` with ``gates = {"update", "reset", "candidate"}``.

    With ``reset_after=True`` (Keras's default) the reset gate scales the recurrent term
    *after* the matrix product: ``tanh(x W_h + b_h + r * (h U_h + b'_h))``. The new state
    keeps ``z`` of the old one: ``h_t = z * h_prev + (1 - z) * candidate``.
    """
    if reset_after:
        input_bias, recurrent_bias = bias
    else:
        input_bias, recurrent_bias = bias, np.zeros_like(bias)
    x_z, x_r, x_h = np.split(x_t @ kernel + input_bias, 3, axis=-1)
    u_z, u_r, u_h = np.split(recurrent_kernel, 3, axis=-1)
    b_z, b_r, b_h = np.split(recurrent_bias, 3, axis=-1)
    z = recurrent_activation(x_z + h_prev @ u_z + b_z)
    r = recurrent_activation(x_r + h_prev @ u_r + b_r)
    if reset_after:
        candidate = activation(x_h + r * (h_prev @ u_h + b_h))
    else:
        candidate = activation(x_h + (r * h_prev) @ u_h)
    h_t = z * h_prev + (1.0 - z) * candidate
    return h_t, {"update": z, "reset": r, "candidate": candidate}


def lstm_step(x_t, state, kernel, recurrent_kernel, bias, activation=tanh, recurrent_activation=sigmoid):
    """One LSTM step on ``state = (h_prev, c_prev)``; returns ``((h_t, c_t), gates)``.

    ``c_t = f * c_prev + i * tanh(x W_c + h U_c + b_c)`` and ``h_t = o * tanh(c_t)``;
    ``gates = {"input", "forget", "candidate", "output", "cell"}``.
    """
    h_prev, c_prev = state
    x_i, x_f, x_c, x_o = np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 4, axis=-1)
    i = recurrent_activation(x_i)
    f = recurrent_activation(x_f)
    candidate = activation(x_c)
    o = recurrent_activation(x_o)
    c_t = f * c_prev + i * candidate
    h_t = o * activation(c_t)
    return (h_t, c_t), {"input": i, "forget": f, "candidate": candidate, "output": o, "cell": c_t}


# ---------------------------------------------------------------------------- whole sequences

def run_cell(kind, inputs, kernel, recurrent_kernel, bias, activation="tanh",
             recurrent_activation="sigmoid", reset_after=True):
    """Run cell ``kind`` over ``inputs`` ``(batch, time, features)`` from a zero state.

    Returns ``(outputs, gates)``: ``outputs`` ``(batch, time, units)`` is the state after
    every step (what ``return_sequences=True`` gives), ``gates`` maps each name of
    :data:`GATE_NAMES` ``[kind]`` to its activations ``(batch, time, units)``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} is not a cell; use one of {KINDS}.")
    inputs = np.asarray(inputs, dtype=np.float64)
    weights = {name: np.asarray(value, dtype=np.float64)
               for name, value in (("kernel", kernel), ("recurrent_kernel", recurrent_kernel), ("bias", bias))}
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
            h, step_gates = gru_step(x_t, h, **weights, activation=act, reset_after=reset_after,
                                     recurrent_activation=_activation(recurrent_activation))
        else:
            (h, c), step_gates = lstm_step(x_t, (h, c), **weights, activation=act,
                                           recurrent_activation=_activation(recurrent_activation))
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
    return run_cell(kind, inputs, kernel, recurrent_kernel, bias, activation=config["activation"],
                    recurrent_activation=config.get("recurrent_activation", "sigmoid"),
                    reset_after=config.get("reset_after", True))


def keras_sequence(layer, inputs):
    """Keras's own output sequence ``(batch, time, units)`` of ``layer`` on ``inputs``.

    A layer built with ``return_sequences=False`` returns only the last state, so a twin with
    ``return_sequences=True`` and the same weights computes the whole sequence (in a compiled
    graph: a recurrent layer called eagerly runs its time loop in Python, many times slower).
    """
    import tensorflow as tf

    config = dict(layer.get_config(), return_sequences=True, return_state=False, name=f"{layer.name}_sequence")
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
        rows.append((layer.name, cell_kind(layer), layer.get_weights()[0].shape[0],
                     layer.get_config()["units"], formula, keras_count))
    return rows


def print_param_table(model):
    """Print :func:`param_table` of ``model``, one line per recurrent layer."""
    print(f"{model.name}:")
    for name, kind, input_dim, units, formula, keras_count in param_table(model):
        print(f"  {name:<14} {kind:<10} input {input_dim:>3}, units {units:>3}: "
              f"formula {formula:>7,} = count_params() {keras_count:>7,}")


def upper_bound(value):
    """The smallest of 1, 2 or 5 times a power of ten that exceeds ``value`` > 0 (2.3e-07 -> 5e-07).

    Round-off differences change in their last digits from one CPU to another; their bound does not.
    """
    exponent = np.floor(np.log10(value))
    return next(float(m * 10.0 ** exponent) for m in (1, 2, 5, 10) if value < m * 10.0 ** exponent)
