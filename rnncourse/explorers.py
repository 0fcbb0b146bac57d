"""For learners: the live explorers of lessons 01 and 03, and the static pictures of their default state.

* **Gradient flow** (lesson 01): :func:`gradient_curve` measures the mean ``||dL/dx_{T-k}||`` against the
  distance ``k`` from the end with the lesson's own probe (:func:`rnncourse.bptt.input_step_gradient_norms`),
  in float64, for one small recurrent model and chosen cell, recurrent gain, activation, input scale,
  LSTM gate bias and sequence length; :func:`plot_gradient_curve` draws it, for a SimpleRNN with the
  upper bound of Pascanu, Mikolov & Bengio (2013) and the slope ``(γ σ_max)^k`` of that bound.
* **Review** (lesson 03): :class:`ReviewReader` reads a typed review with the shipped models ``best``
  (probability of "positive" and a saliency per word) and ``gru_emb`` (probability and the GRU's update
  gate per word); :func:`review_html` draws them as coloured words, :func:`plot_review` as a figure.

The widgets (:func:`gradient_explorer`, :func:`review_explorer`, ipywidgets) only wire controls to
:func:`gradient_update` and :func:`review_update`, which the tests and ``make bench`` call directly.
"""

import functools
import html
import io
import time
from dataclasses import dataclass, field

import numpy as np

# ---------------------------------------------------------------------------- gradient flow

CELLS = {"simple_rnn": "SimpleRNN", "gru": "GRU", "lstm": "LSTM"}
ACTIVATIONS = {"tanh": "tanh", "relu": "ReLU", "linear": "linear"}
GATE_BIASES = {
    "zero": "all zero",
    "forget1": "forget bias 1 (Keras's default)",
    "chrono": "chrono (t_max = sequence length)",
}
GAIN_RANGE = (0.5, 1.5)
INPUT_SCALE_RANGE = (0.01, 3.0)
LENGTH_RANGE = (10, 400)
GRADIENT_DEFAULTS = {
    "cell": "simple_rnn",
    "gain": 1.0,
    "activation": "tanh",
    "input_scale": 1.0,
    "gate_bias": "forget1",
    "length": 100,
}
UNITS, FEATURES, BATCH, SEED = 32, 8, 16, 0
"""The probe model: ``UNITS`` recurrent units reading ``FEATURES`` numbers per step; ``BATCH`` sequences."""


def gradient_settings(**settings):
    """The explorer's settings: :data:`GRADIENT_DEFAULTS` updated with ``settings``, checked.

    Raises ``ValueError`` naming the setting and its allowed values.
    """
    unknown = sorted(set(settings) - set(GRADIENT_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(unknown)}; use {', '.join(GRADIENT_DEFAULTS)}.")
    chosen = {**GRADIENT_DEFAULTS, **settings}
    for name, allowed in (("cell", CELLS), ("activation", ACTIVATIONS), ("gate_bias", GATE_BIASES)):
        if chosen[name] not in allowed:
            raise ValueError(f"{name}={chosen[name]!r}; use one of {', '.join(map(repr, allowed))}.")
    for name, (low, high) in (("gain", GAIN_RANGE), ("input_scale", INPUT_SCALE_RANGE)):
        value = chosen[name]
        if not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"{name}={value!r}; use a number from {low:g} to {high:g}.")
        chosen[name] = float(value)
    length = chosen["length"]
    if not isinstance(length, (int, np.integer)) or not LENGTH_RANGE[0] <= length <= LENGTH_RANGE[1]:
        raise ValueError(f"length={length!r}; use an integer from {LENGTH_RANGE[0]} to {LENGTH_RANGE[1]}.")
    chosen["length"] = int(length)
    return chosen


def _lstm_bias(gate_bias, length):
    from .tasks import LSTMGateBias

    if gate_bias == "chrono":
        return LSTMGateBias(t_max=length, seed=SEED)
    return LSTMGateBias(forget=0.0 if gate_bias == "zero" else 1.0, seed=SEED)


def probe_model(cell, gain=1.0, activation="tanh", gate_bias="forget1", length=None):
    """A fresh float64 model ``Input((None, FEATURES))`` → ``cell(UNITS)`` → ``Dense(1, sigmoid)``.

    Seeded initialisers: Glorot-uniform input and output kernels, an orthogonal recurrent kernel
    of gain ``gain``; ``activation`` for a SimpleRNN; for an LSTM the gate biases ``gate_bias``
    (:data:`GATE_BIASES`, through :class:`rnncourse.tasks.LSTMGateBias`; chrono needs ``length``).
    """
    import keras
    from keras import initializers, layers

    options = {
        "kernel_initializer": initializers.GlorotUniform(seed=SEED),
        "recurrent_initializer": initializers.Orthogonal(gain=gain, seed=SEED + 1),
        "dtype": "float64",
    }
    if cell == "simple_rnn":
        options["activation"] = activation
    if cell == "lstm":
        options.update(unit_forget_bias=False, bias_initializer=_lstm_bias(gate_bias, length))
    recurrent = {"simple_rnn": layers.SimpleRNN, "gru": layers.GRU, "lstm": layers.LSTM}[cell]
    return keras.Sequential(
        [
            keras.Input(shape=(None, FEATURES), dtype="float64"),
            recurrent(UNITS, **options),
            layers.Dense(
                1,
                activation="sigmoid",
                kernel_initializer=initializers.GlorotUniform(seed=SEED + 2),
                dtype="float64",
            ),
        ],
        name=f"probe_{cell}",
    )


def probe_data(length, input_scale):
    """``(x, y)``: ``BATCH`` sequences of ``length`` steps of standard normal numbers times
    ``input_scale``, float64 ``(BATCH, length, FEATURES)``, and random 0/1 labels ``(BATCH,)``;
    the same numbers for every call (the first ``length`` steps of one seeded draw)."""
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((BATCH, LENGTH_RANGE[1], FEATURES))
    y = rng.integers(0, 2, size=BATCH).astype(np.float64)
    return x[:, :length] * input_scale, y


_probes = {}  # {(cell, activation): (model, its recurrent kernel at gain 1, its compiled forward pass)}


def _cached_probe(cell, gain, activation, gate_bias, length):
    """The probe model of these settings, built once per structure (cell, activation): the gain scales
    the gain-1 recurrent kernel (what ``Orthogonal(gain)`` does) and the LSTM bias is set in place."""
    key = (cell, activation if cell == "simple_rnn" else "tanh")
    if key not in _probes:
        import tensorflow as tf

        model = probe_model(cell, activation=key[1], gate_bias="zero")
        forward = tf.function(lambda x: model(x, training=False)[:, 0], reduce_retracing=True)
        _probes[key] = (model, np.array(model.layers[0].get_weights()[1]), forward)
    model, unit_gain_kernel, _ = _probes[key]
    layer = model.layers[0]
    kernel, _, bias = layer.get_weights()
    if cell == "lstm":
        bias = np.asarray(_lstm_bias(gate_bias, length)(bias.shape, dtype="float64"))
    layer.set_weights([kernel, gain * unit_gain_kernel, bias])
    return model


@dataclass
class GradientCurve:
    """One measurement: ``norms[k]`` is the mean ``||dL/dx_{T-k}||`` at distance ``k`` from the end.

    ``zero`` marks the distances whose gradient is exactly 0. For a SimpleRNN (``None`` for gated
    cells): ``sigma_max`` is the largest singular value of its recurrent kernel ``U``; ``bound`` is
    the upper bound ``||W||_2 * mean_i |p_i - y_i| * ||w_out|| * (gamma * sigma_max) ** k`` of the
    curve; ``slope`` is ``norms[0] * (gamma * sigma_max) ** k``, the bound's rate through distance 0
    (``None`` when ``norms[0]`` is 0).
    """

    settings: dict
    norms: np.ndarray
    sigma_max: float = None
    bound: np.ndarray = None
    slope: np.ndarray = None

    @property
    def distance(self):
        return np.arange(len(self.norms))

    @property
    def zero(self):
        return self.norms == 0


def gradient_curve(**settings):
    """The :class:`GradientCurve` of :func:`gradient_settings` ``(**settings)``, measured by the lesson's
    probe :func:`rnncourse.bptt.input_step_gradient_norms` on :func:`probe_data`, in float64.

    For a SimpleRNN the bound of Pascanu, Mikolov & Bengio (2013):
    ``||prod diag(f'(z_t)) U^T|| <= (gamma * sigma_max(U)) ** k``, with ``gamma = 1`` (the largest slope
    of tanh, ReLU and the identity). With sigmoid + binary cross-entropy ``dL/dh_T = (p - y) w_out``, so
    ``||dL/dx_{T-k}|| <= ||W||_2 |p - y| ||w_out|| (gamma sigma_max) ** k`` for every sequence.
    """
    from .bptt import input_step_gradient_norms

    s = gradient_settings(**settings)
    model = _cached_probe(s["cell"], s["gain"], s["activation"], s["gate_bias"], s["length"])
    x, y = probe_data(s["length"], s["input_scale"])
    norms = input_step_gradient_norms(model, x, y)[::-1]
    if s["cell"] != "simple_rnn":
        return GradientCurve(settings=s, norms=norms)
    input_kernel, recurrent_kernel, _ = model.layers[0].get_weights()
    sigma_max = float(np.linalg.svd(recurrent_kernel, compute_uv=False)[0])
    rate = sigma_max ** np.arange(len(norms), dtype=np.float64)
    forward = _probes[(s["cell"], s["activation"])][2]
    error = np.abs(np.asarray(forward(x)) - y).mean()
    w_out = np.linalg.norm(model.layers[1].get_weights()[0])
    bound = np.linalg.norm(input_kernel, 2) * error * w_out * rate
    slope = norms[0] * rate if norms[0] > 0 else None
    return GradientCurve(settings=s, norms=norms, sigma_max=sigma_max, bound=bound, slope=slope)


def state_slopes(**settings):
    """The mean slope ``f'(z_t)`` of a SimpleRNN explorer model over its units and sequences, against the
    distance ``k`` from the end (``slopes[k]`` is step ``T - k``, as in :attr:`GradientCurve.norms`):
    ``1 - h_t ** 2`` for tanh, the share of active units for ReLU, 1 for the linear cell. The same
    model and inputs as :func:`gradient_curve` ``(**settings)``; a float64 array of shape ``(length,)``.
    """
    from keras import layers

    s = gradient_settings(**settings)
    if s["cell"] != "simple_rnn":
        raise ValueError("state_slopes is defined for a SimpleRNN; use cell='simple_rnn'.")
    model = _cached_probe(s["cell"], s["gain"], s["activation"], s["gate_bias"], s["length"])
    x, _ = probe_data(s["length"], s["input_scale"])
    states_layer = layers.SimpleRNN(UNITS, activation=s["activation"], return_sequences=True, dtype="float64")
    states_layer.build((None, None, FEATURES))
    states_layer.set_weights(model.layers[0].get_weights())
    h = np.asarray(states_layer(x), dtype=np.float64)  # (BATCH, length, UNITS)
    if s["activation"] == "tanh":
        slopes = 1 - h**2
    elif s["activation"] == "relu":
        slopes = (h > 0).astype(np.float64)
    else:
        slopes = np.ones_like(h)
    return slopes.mean(axis=(0, 2))[::-1]


def describe_settings(settings):
    """A one-line description of the explorer's settings, e.g. ``SimpleRNN (tanh), gain 1.00, ...``."""
    s = settings
    cell = CELLS[s["cell"]] + (f" ({ACTIVATIONS[s['activation']]})" if s["cell"] == "simple_rnn" else "")
    bias = f", {GATE_BIASES[s['gate_bias']].split(' (')[0]}" if s["cell"] == "lstm" else ""
    return f"{cell}{bias}, gain {s['gain']:.2f}, input scale {s['input_scale']:.2g}, {s['length']} steps"


def plot_gradient_curve(curve, ax=None):
    """Draw ``curve`` on ``ax`` (a new 8 × 4.5 in figure if ``None``): the mean ``||dL/dx_{T-k}||``
    against the distance ``k`` from the end on a log axis, exact zeros as markers on the axis floor
    (counted in the legend), and for a SimpleRNN the upper bound (solid grey) and its slope
    ``(γ σ_max)^k`` through distance 0 (dashed). Returns the figure."""
    from matplotlib.ticker import LogFormatter, NullFormatter

    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8, 4.5))
    distance, norms, zero = curve.distance, curve.norms, curve.zero
    positive = norms[norms > 0]
    if curve.bound is not None:
        positive = np.concatenate([positive, curve.bound[curve.bound > 0]])
    low, high = (positive.min() / 10, positive.max() * 10) if len(positive) else (1e-300, 1.0)
    ax.plot(distance, np.where(zero, np.nan, norms), color="C0", label="mean ‖∂L/∂x_{T−k}‖ (float64)")
    if zero.any():
        ax.plot(
            distance[zero],
            np.full(zero.sum(), low),
            linestyle="none",
            marker="v",
            color="C3",
            clip_on=False,
            label=f"exactly 0: {zero.sum()} of {len(norms)} steps",
        )
    if curve.settings["cell"] == "simple_rnn":
        ax.plot(
            distance,
            curve.bound,
            color="grey",
            label=f"bound ‖W‖ mean|p − y| ‖w_out‖ (γ σ_max(U))^k, σ_max = {curve.sigma_max:.2f}, γ = 1",
        )
        if curve.slope is not None:
            ax.plot(
                distance,
                curve.slope,
                color="grey",
                linestyle="--",
                label="slope (γ σ_max)^k through mean ‖∂L/∂x_T‖ (a rate, not a bound)",
            )
    else:
        ax.plot([], [], " ", label="σ_max bound: not for gated cells (their Jacobians hold the gates)")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(LogFormatter(labelOnlyBase=True))  # plain "1e-05": no mathtext, faster
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(low, high)
    ax.set_xlim(0, len(norms) - 1)
    ax.set_xlabel("distance from the last step k (steps)")
    ax.set_ylabel("mean ‖∂L/∂x_{T−k}‖ (log scale)")
    ax.set_title(describe_settings(curve.settings), fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    return ax.figure


def warm_up():
    """Build every probe structure and trace its graph for any sequence length (two lengths each:
    the second trace generalises the length), so that later redraws only compute."""
    for cell in CELLS:
        for activation in ACTIVATIONS if cell == "simple_rnn" else ("tanh",):
            for length in LENGTH_RANGE:
                gradient_curve(cell=cell, activation=activation, length=length)


def gradient_update(**settings):
    """One redraw of the explorer: ``(png bytes, one-line summary)`` for these settings."""
    from matplotlib.figure import Figure

    started = time.perf_counter()
    curve = gradient_curve(**settings)
    figure = Figure(figsize=(8, 4.5), dpi=80)
    figure.subplots_adjust(left=0.1, right=0.98, top=0.93, bottom=0.11)
    plot_gradient_curve(curve, figure.add_subplot())
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    zeros = int(curve.zero.sum())
    far = curve.norms[-1]
    summary = (
        f"{describe_settings(curve.settings)}: mean ||dL/dx|| {curve.norms[0]:.2e} at the last step, "
        f"{far:.2e} {len(curve.norms) - 1} steps back; exactly 0 at {zeros} steps; "
        f"redrawn in {time.perf_counter() - started:.2f} s"
    )
    return buffer.getvalue(), summary


def gradient_explorer():
    """The live gradient-flow explorer (ipywidgets): controls, the figure, a one-line summary."""
    import ipywidgets as widgets

    style, layout = {"description_width": "150px"}, widgets.Layout(width="520px")
    controls = {
        "cell": widgets.Dropdown(options=[(v, k) for k, v in CELLS.items()], description="cell"),
        "gain": widgets.FloatSlider(
            min=GAIN_RANGE[0], max=GAIN_RANGE[1], step=0.05, description="recurrent gain"
        ),
        "activation": widgets.Dropdown(
            options=[(v, k) for k, v in ACTIVATIONS.items()], description="SimpleRNN activation"
        ),
        "input_scale": widgets.FloatLogSlider(
            base=10,
            min=np.log10(INPUT_SCALE_RANGE[0]),
            max=np.log10(INPUT_SCALE_RANGE[1]),
            step=0.05,
            description="input scale",
        ),
        "gate_bias": widgets.Dropdown(
            options=[(v, k) for k, v in GATE_BIASES.items()], description="LSTM gate bias"
        ),
        "length": widgets.IntSlider(
            min=LENGTH_RANGE[0], max=LENGTH_RANGE[1], step=10, description="sequence length"
        ),
    }
    for name, control in controls.items():
        control.value = GRADIENT_DEFAULTS[name]
        control.style, control.layout = style, layout
        if hasattr(control, "continuous_update"):
            control.continuous_update = False  # redraw when the slider is released
        control.add_class(f"rnncourse-gradient-{name}")
    image = widgets.Image(format="png")
    image.add_class("rnncourse-gradient-figure")
    summary = widgets.HTML()
    summary.add_class("rnncourse-gradient-summary")

    def redraw(_change=None):
        controls["activation"].disabled = controls["cell"].value != "simple_rnn"
        controls["gate_bias"].disabled = controls["cell"].value != "lstm"
        values = {name: control.value for name, control in controls.items()}
        try:
            image.value, text = gradient_update(**values)
        except ValueError as error:
            text = f"Not drawn: {error}"
        summary.value = html.escape(text)

    for control in controls.values():
        control.observe(redraw, names="value")
    warm_up()
    redraw()
    return widgets.VBox([*controls.values(), image, summary])


# ---------------------------------------------------------------------------- reviews


class ReviewInputError(ValueError):
    """A review the explorer cannot read; the message is one line for the learner."""


@dataclass
class ReviewReading:
    """What the two models make of one review.

    ``tokens`` are the review's words as the course's tokenizer gives them; the models read the
    last ``len(tokens) - first_read`` of them. Per word read: ``saliency`` (``best``, gradient × input
    of the log-odds), ``gate`` (``gru_emb``, mean update gate over its units; NaN for a word before the
    last ones ``gru_emb`` reads, when it reads fewer than ``best``) and whether each model
    knows the word (``known``, ``gru_known``; an unknown word is read as the out-of-vocabulary id).
    """

    tokens: list
    first_read: int
    probability: float
    gru_probability: float
    saliency: np.ndarray
    gate: np.ndarray
    known: np.ndarray
    gru_known: np.ndarray
    gate_units: int
    notes: list = field(default_factory=list)

    @property
    def read(self):
        return self.tokens[self.first_read :]


def example_reviews(per_label=2, min_words=20, max_words=45):
    """``{label: text}``: the first ``per_label`` reviews of each label in the bundled TRAINING split
    (never test reviews) with ``min_words`` to ``max_words`` words."""
    from . import data

    (texts, labels), _ = data.load_imdb_texts()
    examples, taken = {}, {0: 0, 1: 0}
    for index, (text, label) in enumerate(zip(texts, labels)):
        label = int(label)
        if taken[label] < per_label and min_words <= len(data.tokenize(text)) <= max_words:
            taken[label] += 1
            examples[f"training review {index} ({'positive' if label else 'negative'})"] = text
        if min(taken.values()) == per_label:
            break
    return examples


class ReviewReader:
    """Reads reviews with the shipped ``classifier`` (default ``best``) and the GRU model ``gated``
    (default ``gru_emb``), each with the vocabulary and length it was trained with
    (:data:`rnncourse.models.RECIPES` ``[name].data``) and the course's encoding
    (:func:`rnncourse.data.encode_texts`)."""

    def __init__(self, classifier="best", gated="gru_emb", word_index=None):
        import keras
        import tensorflow as tf

        from . import data
        from .models import RECIPES
        from .weights import load_pretrained

        self.names = (classifier, gated)
        self.word_index = data.get_word_index() if word_index is None else word_index
        self.specs = {name: RECIPES[name].data for name in self.names}
        self.classifier, self.gated = load_pretrained(classifier), load_pretrained(gated)
        self.gru = next(layer for layer in self.gated.layers if isinstance(layer, keras.layers.GRU))
        self._saliency = _saliency_function(self.classifier)
        embedding = next(
            layer for layer in self.classifier.layers if isinstance(layer, keras.layers.Embedding)
        )
        self._masked = bool(embedding.mask_zero)
        self._gated_probability = tf.function(lambda ids: self.gated(ids, training=False)[:, 0])
        self.read("a film")  # traces the compiled functions once

    def encode(self, text, name, seq_len="trained"):
        """``text``'s word ids for model ``name``, as :func:`rnncourse.data.encode_texts` gives them:
        ``(1, seq_len)`` padded as in training, or every word's id (``seq_len=None``, no start marker)."""
        from . import data

        spec = self.specs[name]
        if seq_len == "trained":
            return data.encode_texts(
                [text], self.word_index, num_words=spec["num_words"], seq_len=spec["seq_len"]
            )
        return data.encode_texts(
            [text], self.word_index, num_words=spec["num_words"], seq_len=None, start_char=None
        )[0]

    def read(self, text):
        """The :class:`ReviewReading` of ``text``; raises :class:`ReviewInputError` (one line) for
        input with no word to read."""
        from . import cells, data

        if not isinstance(text, str):
            raise ReviewInputError(f"A review is text (a str), not {type(text).__name__}.")
        if not text.strip():
            raise ReviewInputError("The review is empty: type one, or choose an example.")
        tokens = data.tokenize(data.clean_text(text))
        if not tokens:
            raise ReviewInputError(
                "No word to read: the course's tokenizer keeps letters a-z, digits and inner apostrophes, "
                "and this text has none."
            )
        classifier, gated = self.names
        seq_len, gated_len = self.specs[classifier]["seq_len"], self.specs[gated]["seq_len"]
        if gated_len > seq_len:
            raise ValueError(f"{gated} must read at most as many words as {classifier}.")
        first_read = max(0, len(tokens) - seq_len)
        n_read = len(tokens) - first_read
        n_gated = min(n_read, gated_len)  # the gated model reads the last gated_len word ids only
        ids = self.encode(text, classifier)
        if self._masked:  # the padding is masked: reading the real ids alone gives the same result, sooner
            ids = ids[:, int(np.argmax(ids[0] != 0)) :]
        probability, saliency = (np.asarray(value)[0] for value in self._saliency(ids))
        gru_ids = self.encode(text, gated)
        embedded = self.gated.layers[0](gru_ids)
        gate = np.full(n_read, np.nan)  # NaN: a word the gated model does not read
        gate[n_read - n_gated :] = cells.gate_activations(self.gru, embedded, "update")[0].mean(axis=1)[
            -n_gated:
        ]
        gru_probability = float(np.asarray(self._gated_probability(gru_ids))[0])
        oov = 2  # encode_texts's oov_char
        known = self.encode(text, classifier, seq_len=None)[first_read:] != oov
        gru_known = self.encode(text, gated, seq_len=None)[first_read:] != oov
        notes = []
        if first_read:
            notes.append(
                f"{first_read:,} earlier words not read: {classifier} reads the last {seq_len} word ids."
            )
        if n_gated < n_read:
            notes.append(
                f"{gated} reads the last {gated_len} word ids only: no gate for the {n_read - n_gated:,} before them."
            )
        if not known.any():
            notes.append(
                f"None of these words is in {classifier}'s {self.specs[classifier]['num_words']:,}-word "
                "vocabulary: it reads only the unknown-word id."
            )
        if any(ord(character) > 127 for character in text):
            notes.append(
                "Letters outside a-z split words or are dropped: the course's tokenizer is ASCII only."
            )
        return ReviewReading(
            tokens=tokens,
            first_read=first_read,
            probability=float(probability),
            gru_probability=gru_probability,
            saliency=np.asarray(saliency[-n_read:], dtype=np.float64),
            gate=gate,
            known=known,
            gru_known=gru_known,
            gate_units=self.gru.units,
            notes=notes,
        )


def _log_odds_from_vectors(model):
    """``(vectors, mask) -> log-odds (batch, 1)`` for a model shaped like ``best``: its layers after the
    Embedding (``SpatialDropout1D``, ``Bidirectional``, poolings over time, ``Concatenate``, ``Dropout``,
    ``Dense(1, sigmoid)`` without its sigmoid), in inference mode, with the Embedding's mask (``None`` for a
    model without one) passed to the recurrent layer and the poolings."""
    import keras

    def first(kind):
        return next(layer for layer in model.layers if isinstance(layer, kind))

    spatial, recurrent = first(keras.layers.SpatialDropout1D), first(keras.layers.Bidirectional)
    concatenate, output = first(keras.layers.Concatenate), model.layers[-1]
    poolings = [layer for layer in model.layers if "Pooling1D" in type(layer).__name__]

    def log_odds(vectors, mask):
        states = recurrent(spatial(vectors, training=False), mask=mask, training=False)
        pooled = concatenate(
            [pooling(states) if mask is None else pooling(states, mask=mask) for pooling in poolings]
        )
        return keras.ops.matmul(pooled, output.kernel) + output.bias

    return log_odds


def _saliency_function(model):
    """A compiled ``ids -> (p, saliency)`` for a model shaped like ``best`` (an Embedding, a bidirectional
    recurrent layer, poolings over time, ``Dense(1, sigmoid)``): ``p`` ``(batch,)`` the probability,
    ``saliency`` ``(batch, time)`` the gradient × input of the log-odds ``z`` (``p = sigmoid(z)``) with
    respect to the embedded words (zero at masked padding). Raises ``ValueError`` if the rebuilt forward
    pass does not give the model's own probabilities."""
    import keras
    import tensorflow as tf

    embedding = next(layer for layer in model.layers if isinstance(layer, keras.layers.Embedding))
    output = model.layers[-1]
    if not isinstance(output, keras.layers.Dense) or output.get_config()["activation"] != "sigmoid":
        raise ValueError(f"{model.name} must end in Dense(1, sigmoid) for a saliency of its log-odds.")
    forward = _log_odds_from_vectors(model)

    @tf.function(reduce_retracing=True)
    def saliency(ids):
        vectors = embedding(ids)
        mask = embedding.compute_mask(ids)
        with tf.GradientTape() as tape:
            tape.watch(vectors)
            log_odds = forward(vectors, mask)
            total = tf.reduce_sum(log_odds)  # reviews are independent: one gradient for all
        gradient = tape.gradient(total, vectors)
        return tf.sigmoid(log_odds)[:, 0], tf.reduce_sum(gradient * vectors, axis=-1)

    probe = np.array([[0, 0, 1, 5, 9, 14], [1, 7, 3, 5, 11, 4]], dtype="int32")
    own = keras.ops.convert_to_numpy(model(probe, training=False))[:, 0]
    if not np.allclose(np.asarray(saliency(probe)[0]), own, atol=1e-5):
        raise ValueError(f"{model.name}: the saliency's forward pass does not reproduce the model's output.")
    return saliency


@functools.cache
def _colormap(name):
    import matplotlib

    return matplotlib.colormaps[name]  # a copy: built once, not once per word


def _colour(cmap, value):
    """``(background, text colour)`` hex strings for ``value`` in [0, 1] of the matplotlib map ``cmap``."""
    import matplotlib

    red, green, blue, _ = _colormap(cmap)(float(np.clip(value, 0.0, 1.0)))
    text = "#000000" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "#ffffff"
    return matplotlib.colors.to_hex((red, green, blue)), text


SALIENCY_CMAP, GATE_CMAP, PROBABILITY_CMAP = "RdBu", "Greens", "RdBu"


def _word_spans(words, values, known, colour_of, describe):
    spans = []
    for word, value, is_known in zip(words, values, known):
        if np.isnan(value):
            spans.append(
                '<span class="rnncourse-unread" title="not read by this model" style="color:#888;padding:1px 3px">'
                f"{html.escape(word)}</span>"
            )
            continue
        if not is_known:
            title = html.escape(f"[unknown]: read as the out-of-vocabulary id; {describe(value)}")
            spans.append(
                f'<span class="rnncourse-unknown" title="{title}" '
                'style="color:#888;text-decoration:line-through;padding:1px 3px">'
                f"{html.escape(word)}</span>"
            )
            continue
        background, text = colour_of(value)
        spans.append(
            f'<span title="{html.escape(describe(value))}" style="background:{background};color:{text};'
            f'padding:1px 3px;border-radius:3px">{html.escape(word)}</span>'
        )
    return " ".join(spans)


def _scale(reading):
    largest = float(np.max(np.abs(reading.saliency[reading.known]), initial=0.0))
    return largest if largest > 0 else 1.0


def review_html(reading, names=("best", "gru_emb")):
    """The reading as HTML: both probabilities, then the words read twice, coloured by ``best``'s
    saliency and by ``gru_emb``'s mean update gate, with a legend; unknown words grey and struck."""
    classifier, gated = names
    scale = _scale(reading)

    def badge(p, name):
        background, text = _colour(PROBABILITY_CMAP, p)
        return (
            f'<b>{name}</b>: P(positive) = <span class="rnncourse-probability" '
            f'style="background:{background};color:{text};padding:1px 4px">{p:.3f}</span>'
        )

    saliency = _word_spans(
        reading.read,
        reading.saliency,
        reading.known,
        lambda s: _colour(SALIENCY_CMAP, 0.5 + 0.5 * s / scale),
        lambda s: f"gradient × input {s:+.3f}",
    )
    gate = _word_spans(
        reading.read,
        reading.gate,
        reading.gru_known,
        lambda z: _colour(GATE_CMAP, z),
        lambda z: f"mean update gate z = {z:.2f}",
    )
    legend = " ".join(
        f'<span style="background:{_colour(cmap, value)[0]};color:{_colour(cmap, value)[1]};'
        f'padding:1px 4px">{label}</span>'
        for cmap, value, label in (
            (SALIENCY_CMAP, 0.0, "pushes towards negative"),
            (SALIENCY_CMAP, 0.5, "≈ 0 (first order)"),
            (SALIENCY_CMAP, 1.0, "pushes towards positive"),
        )
    )
    gate_legend = " ".join(
        f'<span style="background:{_colour(GATE_CMAP, z)[0]};color:{_colour(GATE_CMAP, z)[1]};'
        f'padding:1px 4px">z = {z:g}</span>'
        for z in (0.0, 0.5, 1.0)
    )
    skipped = f"<i>… {reading.first_read:,} earlier words not read …</i> " if reading.first_read else ""
    notes = "".join(f'<div class="rnncourse-review-note">{html.escape(note)}</div>' for note in reading.notes)
    return (
        '<div class="rnncourse-review" style="line-height:1.9">'
        f"<div>{badge(reading.probability, classifier)} &nbsp; {badge(reading.gru_probability, gated)}</div>"
        f"<div><b>{classifier}, saliency</b> (gradient × input of the log-odds, scaled to the largest "
        f"|value| among known words, {scale:.3g}): {legend}</div><div>{skipped}{saliency}</div>"
        f"<div><b>{gated}, update gate</b> (mean z over {reading.gate_units} units; 1 keeps the state, "
        f"0 overwrites it: dark = the state barely changes, light = this word rewrites the state): "
        f"{gate_legend}</div><div>{skipped}{gate}</div>"
        '<div><span style="color:#888;text-decoration:line-through">struck grey</span>: [unknown], '
        "not in that model's vocabulary (read as the out-of-vocabulary id)</div>"
        f"{notes}</div>"
    )


def review_message_html(message):
    """A one-line message (bad input) as HTML."""
    return f'<div class="rnncourse-review-message" style="color:#a33">{html.escape(message)}</div>'


def review_update(reader, text):
    """One update of the review explorer: ``(html, seconds)`` for ``text``; bad input gives a one-line
    message, never an exception."""
    started = time.perf_counter()
    try:
        page = review_html(reader.read(text), reader.names)
    except ReviewInputError as error:
        page = review_message_html(str(error))
    return page, time.perf_counter() - started


def plot_review(reading, names=("best", "gru_emb"), width=100):
    """The reading as a figure: the words read, coloured by ``best``'s saliency (top) and by
    ``gru_emb``'s mean update gate (bottom), ``width`` characters per line, with a colour bar each.
    Unknown words are grey and struck through. Returns the figure."""
    import matplotlib
    import matplotlib.pyplot as plt

    classifier, gated = names
    words, scale = reading.read, _scale(reading)
    lines, column = [[]], 0
    for index, word in enumerate(words):
        if column and column + len(word) > width:
            lines.append([])
            column = 0
        lines[-1].append((index, column))
        column += len(word) + 1
    height = 0.32 * len(lines) + 1.0
    figure, axes = plt.subplots(
        2, 2, figsize=(12, 2 * height), gridspec_kw={"width_ratios": [40, 1]}, squeeze=False
    )
    rows = (
        (
            f"{classifier}: P(positive) = {reading.probability:.3f}; saliency = gradient × input of the log-odds "
            "(scaled to its largest |value| among known words)",
            reading.saliency / scale * 0.5 + 0.5,
            reading.known,
            SALIENCY_CMAP,
            "saliency",
        ),
        (
            f"{gated}: P(positive) = {reading.gru_probability:.3f}; mean update gate z over its units "
            "(dark: the state barely changes; light: this word rewrites the state)",
            reading.gate,
            reading.gru_known,
            GATE_CMAP,
            "update gate z",
        ),
    )
    for (title, values, known, cmap, label), (ax, bar) in zip(rows, axes):
        ax.set_xlim(0, width)
        ax.set_ylim(len(lines), -0.5)
        ax.axis("off")
        ax.set_title(title, fontsize=10, loc="left")
        for line_number, line in enumerate(lines):
            for index, column in line:
                style = {"fontfamily": "monospace", "fontsize": 9, "va": "center"}
                if np.isnan(values[index]):  # a word this model does not read
                    style.update(color="#888888")
                elif known[index]:
                    background, text = _colour(cmap, values[index])
                    style.update(color=text, bbox={"facecolor": background, "edgecolor": "none", "pad": 1})
                else:
                    style.update(color="#888888")
                ax.text(column, line_number, words[index], **style)
                if not known[index] and not np.isnan(values[index]):
                    ax.plot([column, column + len(words[index])], [line_number] * 2, color="#888888", lw=0.8)
        norm = matplotlib.colors.Normalize(0, 1)
        figure.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), cax=bar, label=label)
        if cmap == SALIENCY_CMAP:
            bar.set_yticks([0, 0.5, 1], [f"−{scale:.2g}", "0", f"+{scale:.2g}"], fontsize=8)
            bar.set_ylabel("saliency (log-odds)")
    if reading.first_read:
        figure.text(0.01, 0.01, f"{reading.first_read:,} earlier words not read.", fontsize=9)
    figure.text(
        0.99, 0.01, "grey, struck: [unknown] (not in that model's vocabulary)", fontsize=9, ha="right"
    )
    return figure


def review_explorer(reader=None, examples=None):
    """The live review explorer (ipywidgets): a dropdown of ``examples`` (``{label: text}``, default
    :func:`example_reviews`), a text box and the coloured reading of what it holds."""
    import ipywidgets as widgets

    reader = reader or ReviewReader()
    examples = examples or example_reviews()
    choose = widgets.Dropdown(
        options=[("(type your own)", "")] + [(label, text) for label, text in examples.items()],
        description="example",
        layout=widgets.Layout(width="700px"),
    )
    box = widgets.Textarea(
        value=next(iter(examples.values())),
        placeholder="Type a review, then click outside the box",
        continuous_update=False,
        layout=widgets.Layout(width="900px", height="90px"),
    )
    box.add_class("rnncourse-review-text")
    result, status = widgets.HTML(), widgets.HTML()
    result.add_class("rnncourse-review-result")
    status.add_class("rnncourse-review-status")

    def update(_change=None):
        result.value, seconds = review_update(reader, box.value)
        status.value = f"<small>updated in {seconds:.2f} s</small>"

    def pick(change):
        if change["new"]:
            box.value = change["new"]

    choose.observe(pick, names="value")
    box.observe(update, names="value")
    choose.value = box.value
    update()
    return widgets.VBox([choose, box, result, status])
