"""For learners: the synthetic sequence tasks of the lessons, and the small models trained on them.

Lessons 01 and 02 show examples of the task; the trainer (``rnncourse.tools.experiments``) runs
the long experiment on it and stores the results in ``weights/manifest.json``.

The **adding problem** (Hochreiter & Schmidhuber 1997, "Long short-term memory", Neural
Computation 9(8), experiment 4; used again by Le, Jaitly & Hinton 2015, "A simple way to
initialize recurrent networks of rectified linear units") separates cells by memory: every
step carries a random value and a marker, exactly two steps are marked, and the target is
the sum of the two marked values. Predicting the mean, 1.0, gives a mean squared error of
Var(u1 + u2) = 2/12 = 0.167 (:data:`ADDING_BASELINE_MSE`); a model beats it only by carrying
the first marked value to the end of the sequence.
"""

import keras
import numpy as np
from keras import layers, ops

from .models import CELLS

ADDING_BASELINE_MSE = 1.0 / 6.0
"""Mean squared error of always predicting 1.0, the mean of the sum of two U(0, 1) values."""

ADDING_TOLERANCE = 0.1
"""A prediction within this distance of the target counts as correct (the ``within_0.1`` metric)."""


def adding_problem(n, length, seed):
    """``(x, y)``: ``n`` sequences of the adding problem, each ``length`` steps long.

    ``x`` has shape ``(n, length, 2)``, float32: feature 0 is a value drawn from U(0, 1),
    feature 1 a marker, 1.0 at exactly two steps and 0.0 elsewhere. ``y`` has shape ``(n,)``,
    float32: the sum of the two marked values.

    Place of the markers, after Hochreiter & Schmidhuber (1997, experiment 4: first marker
    among the first ten steps) scaled to the length: the first marker is uniform over the
    first ``max(1, length // 10)`` steps, the second uniform over the second half
    (steps ``length // 2`` to ``length - 1``). The first marked value must therefore be
    carried across at least ``length - length // 10`` steps (90 % of the sequence) to the
    output, which is read after the last step: the lag is about ``length``.

    ``seed`` (an int, or anything :func:`numpy.random.default_rng` accepts) fixes the
    sequences: the same arguments give the same arrays.
    """
    if length < 4:
        raise ValueError(f"length must be at least 4 (two markers in different halves), got {length}.")
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, size=(n, length))
    first = rng.integers(0, max(1, length // 10), size=n)
    second = rng.integers(length // 2, length, size=n)
    markers = np.zeros((n, length))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype("float32")
    y = (values[rows, first] + values[rows, second]).astype("float32")
    return x, y


@keras.saving.register_keras_serializable(package="rnncourse")
def within_tolerance(y_true, y_pred):
    """Per example 1.0 when ``|prediction - target| <= 0.1`` (:data:`ADDING_TOLERANCE`), else 0.0."""
    y_true = ops.reshape(ops.cast(y_true, y_pred.dtype), (-1,))
    y_pred = ops.reshape(y_pred, (-1,))
    return ops.cast(ops.abs(y_pred - y_true) <= ADDING_TOLERANCE, y_pred.dtype)


def within_metric():
    """The keras metric ``within_0.1``: share of predictions within 0.1 of the target."""
    return keras.metrics.MeanMetricWrapper(within_tolerance, name="within_0.1")


@keras.saving.register_keras_serializable(package="rnncourse")
class LSTMGateBias(keras.initializers.Initializer):
    """Initial bias of a Keras LSTM (gate order input ``i``, forget ``f``, candidate ``c``, output ``o``).

    Chrono initialisation (Tallec & Ollivier 2018, "Can recurrent neural networks warp
    time?", ICLR), when ``t_max`` is given: per unit ``b_f = log(u)`` with ``u`` drawn from
    U(1, t_max - 1), and ``b_i = -b_f``; so a unit's forget gate starts at
    ``sigmoid(b_f) = u / (1 + u)`` and its memory decays over about ``u`` steps, spread up
    to ``t_max``. Otherwise a constant ``forget`` bias and ``b_i = 0``. ``b_c = b_o = 0``
    in both cases. ``seed`` (int) fixes the draw; ``None`` takes one from the global seed
    (:func:`keras.utils.set_random_seed`).
    """

    def __init__(self, t_max=None, forget=None, seed=None):
        if (t_max is None) == (forget is None):
            raise ValueError("give exactly one of t_max (chrono) or forget (constant forget bias).")
        if t_max is not None and t_max <= 2:
            raise ValueError(f"chrono initialisation needs t_max > 2, got {t_max}.")
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))  # follows keras.utils.set_random_seed
        self.t_max, self.forget, self.seed = t_max, forget, int(seed)

    def __call__(self, shape, dtype=None):
        (size,) = shape
        units = size // 4
        if t_max := self.t_max:
            b_f = np.log(np.random.default_rng(self.seed).uniform(1.0, t_max - 1.0, size=units))
            b_i = -b_f
        else:
            b_f, b_i = np.full(units, float(self.forget)), np.zeros(units)
        bias = np.concatenate([b_i, b_f, np.zeros(units), np.zeros(units)])
        return ops.convert_to_tensor(bias, dtype=dtype or "float32")

    def get_config(self):
        return {"t_max": self.t_max, "forget": self.forget, "seed": self.seed}


def adding_model(cell, units=32, chrono=False, forget_bias=None, length=None, learning_rate=3e-3, seed=None):
    """``Input((None, 2))`` + one recurrent layer of ``units`` + ``Dense(1)`` for :func:`adding_problem`.

    ``cell`` is ``"simple_rnn"``, ``"gru"`` or ``"lstm"``. For an LSTM, ``chrono=True``
    sets the gate biases by chrono initialisation with ``t_max = length`` (``length``
    required), and ``forget_bias=b`` sets a constant forget bias ``b`` with input bias 0
    (see :class:`LSTMGateBias`); by default Keras's forget bias of 1. Compiled with
    Adam(``learning_rate``, ``clipnorm=1.0``), mean squared error, and the metric
    ``within_0.1`` (share of predictions within 0.1 of the target).
    """
    if cell not in CELLS:
        raise ValueError(f"cell={cell!r} is not a recurrent cell; use one of {sorted(CELLS)}.")
    kwargs = {}
    if chrono or forget_bias is not None:
        if cell != "lstm":
            raise ValueError(f"chrono and forget_bias set LSTM gate biases; cell={cell!r}.")
        if chrono and forget_bias is not None:
            raise ValueError("give chrono=True or forget_bias, not both.")
        if chrono and length is None:
            raise ValueError("chrono=True needs the sequence length (length=...) as t_max.")
        initializer = (
            LSTMGateBias(t_max=length, seed=seed) if chrono else LSTMGateBias(forget=forget_bias, seed=seed)
        )
        kwargs = {"unit_forget_bias": False, "bias_initializer": initializer}
    name = f"adding_{cell}" + (
        "_chrono" if chrono else "" if forget_bias is None else f"_forget{forget_bias:g}"
    )
    model = keras.Sequential(
        [keras.Input(shape=(None, 2)), CELLS[cell](units, **kwargs), layers.Dense(1)], name=name
    )
    model.compile(
        loss="mse", optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0), metrics=[within_metric()]
    )
    return model
