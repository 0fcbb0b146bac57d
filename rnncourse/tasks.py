"""For learners: the synthetic sequence tasks of the lessons, and the small models trained on them.

Lesson 02 shows a few examples of each task; the trainer (``rnncourse.tools.experiments``) runs
the long experiments on them and stores the results in ``weights/manifest.json``.
"""

import numpy as np

import keras
from keras import layers

from .models import CELLS


def first_sign_task(n, lag, seed):
    """``(x, y)``: ``x`` of shape ``(n, lag, 1)`` uniform in [-1, 1]; ``y = 1`` where ``x[:, 0] > 0``.

    Everything after the first step is noise, so the label needs a memory of ``lag`` steps.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, lag, 1)).astype("float32")
    y = (x[:, 0, 0] > 0).astype("float32")
    return x, y


def memory_model(cell, units=16):
    """One recurrent layer of ``units`` + ``Dense(1, sigmoid)`` on a single input feature."""
    model = keras.Sequential([keras.Input(shape=(None, 1)), CELLS[cell](units),
                              layers.Dense(1, activation="sigmoid")], name=f"memory_{cell}")
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(1e-2),
                  metrics=["accuracy"])
    return model
