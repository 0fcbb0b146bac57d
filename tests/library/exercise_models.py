"""Small stand-ins for the objects the exercises build, shared by test_check.py and test_feedback.py.

No training: seeded, freshly initialised models and data of a few rows.
"""

import keras
import numpy as np
from keras import layers

from rnncourse import models

RNG = np.random.default_rng(0)
X_TRAIN, X_TEST = RNG.normal(size=(64, 20)), RNG.normal(size=(32, 20))
COEFFICIENTS = RNG.normal(size=20) * 30
Y_TRAIN, Y_TEST = X_TRAIN @ COEFFICIENTS, X_TEST @ COEFFICIENTS

VOCABULARY, LENGTH, DIM = 50, 7, 4


def regression_model(optimizer, hidden=25):
    """Exercise I's model (20 features, ``Dense(hidden, relu)``, ``Dense(1)``) compiled with ``optimizer``."""
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


def pretrained(name, **changes):
    """The recipe model ``name`` (built with ``changes`` to its kwargs) with the weights the
    ``shipped_weights`` fixture wrote."""
    from rnncourse import weights

    recipe = models.RECIPES[name]
    model = recipe.builder(**{**recipe.kwargs, **changes})
    model.load_weights(weights.weights_path(name))
    return model


def embedding_gru(
    input_dim=VOCABULARY + 1,
    output_dim=DIM,
    with_input=True,
    compiled=True,
    trainable=True,
    matrix=None,
    activation="sigmoid",
    units=None,
    cell=layers.GRU,
    length=LENGTH,
):
    """The exercise V/VI model with small sizes (``matrix`` initialises the embedding; ``units``
    defaults to those of recipe ``glove_gru``, whose recurrent layer is a GRU)."""
    units = units or models.RECIPES["glove_gru"].kwargs["units"]
    initializer = keras.initializers.Constant(matrix) if matrix is not None else "uniform"
    stack = [keras.Input(shape=(length,))] if with_input else []
    model = keras.Sequential(
        stack
        + [
            layers.Embedding(
                input_dim=input_dim,
                output_dim=output_dim,
                trainable=trainable,
                embeddings_initializer=initializer,
            ),
            cell(units),
            layers.Dense(1) if activation is None else layers.Dense(1, activation=activation),
        ],
        name="emb_model",
    )
    if compiled:
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model
